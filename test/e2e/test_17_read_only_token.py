# SPDX-License-Identifier: BSD-3-Clause
"""A read-only API token (README: a line `read-only <sha256-hex>` in
<state_dir>/api-tokens) may read everything and change nothing: PUT answers 403 and the
WAN keeps its state."""
import hashlib
import json
import os
import secrets

from conftest import STATE_DIR

TOKENS = os.path.join(STATE_DIR, "api-tokens")


def wan1(st):
    return next(w for w in st["wans"] if w["name"] == "wan1")


def test_read_only_token_reads_but_cannot_write(lab):
    token = secrets.token_urlsafe(32)
    line = "read-only %s\n" % hashlib.sha256(token.encode()).hexdigest()
    with open(TOKENS) as f:
        saved = f.read()
    try:
        # append in place: the file keeps its owner and mode (the API checks them)
        with open(TOKENS, "a") as f:
            f.write(("" if saved.endswith("\n") else "\n") + line)
        lab.wait_for(lambda: lab.api("GET", "/api/v1/status", token=token)[0] == 200, 5,
                     "the read-only token to be accepted")
        for path in ("/api/v1/status", "/api/v1/wans", "/api/v1/wans/wan1", "/metrics"):
            code, _, text = lab.api("GET", path, token=token)
            assert code == 200, "GET %s with a read-only token: HTTP %d %s" % (path, code, text)

        st0 = lab.status()
        assert wan1(st0)["enabled"] is True and wan1(st0)["usable"] is True, wan1(st0)
        code, _, text = lab.api("PUT", "/api/v1/wans/wan1/admin", '{"enabled": false}',
                                token=token)
        assert code == 403, "PUT with a read-only token: HTTP %d %s" % (code, text)
        assert "error" in json.loads(text), text
        # the PUT of an admin answers once the dataplane applied the change, so a
        # change let through would show now: same WAN state, no new WAN view
        st1 = lab.status()
        for k in ("enabled", "usable", "state", "online_since_ms"):
            assert wan1(st1)[k] == wan1(st0)[k], (k, wan1(st0), wan1(st1))
        assert st1["dataplane"]["wan_view_gen"] == st0["dataplane"]["wan_view_gen"]
        code, _, text = lab.api("GET", "/api/v1/wans/wan1", token=token)
        assert code == 200 and json.loads(text)["enabled"] is True, text
        # and the admin token still may (the 403 is about the role, not the request)
        code, _, text = lab.api("PUT", "/api/v1/wans/wan1/admin", '{"enabled": true}')
        assert code == 200, text
    finally:
        with open(TOKENS, "w") as f:
            f.write(saved)
        if not wan1(lab.status())["enabled"]:
            lab.ctl("wan", "wan1", "enable", check=False)
    lab.wait_for(lambda: lab.api("GET", "/api/v1/status", token=token)[0] == 401, 5,
                 "the read-only token to be refused once its line is gone")
    lab.wait_for(lambda: wan1(lab.status())["usable"], 10, "wan1 usable")
