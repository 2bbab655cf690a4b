# SPDX-License-Identifier: BSD-3-Clause
"""Deleting the token store revokes every API token, and a restarted dpwan-control does
not quietly make a new admin token; putting the store back restores access."""
import os
import shutil

STATE = "/run/dpwan-lab/state"
TOKENS = os.path.join(STATE, "api-tokens")
INITIAL = os.path.join(STATE, "initial-admin-token")


def http_code(lab, path="/api/v1/status"):
    tok = open(INITIAL).read().strip()
    r = lab.run("appliance", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                              "-H", "Authorization: Bearer " + tok,
                              "http://127.0.0.1:8080" + path], timeout=15)
    return r.stdout.strip()


def test_revoked_tokens_stay_revoked(lab):
    assert os.path.exists(os.path.join(STATE, "api-tokens.initialized"))
    token_before = open(INITIAL).read()
    backup = os.path.join(lab.workdir, "api-tokens.saved")
    shutil.copy2(TOKENS, backup)
    try:
        os.unlink(TOKENS)
        lab.lab("restart-control", timeout=20)
        # the new control process answers, and refuses the old token
        lab.wait_for(lambda: http_code(lab) == "401" or None, 10, "HTTP 401 after revocation")
        assert not os.path.exists(TOKENS), "a new token store was created"
        assert open(INITIAL).read() == token_before, "a new admin token was written"
    finally:
        shutil.copy2(backup, TOKENS)
        lab.lab("restart-control", timeout=20, check=False)
    lab.wait_for(lambda: http_code(lab) == "200" or None, 10, "HTTP 200 with the store back")
    assert lab.status()["dataplane"]["alive"] is True
