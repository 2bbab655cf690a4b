# SPDX-License-Identifier: BSD-3-Clause
"""Tokens are made and revoked through the API (no file to edit): a new admin token
works at once, a revoked one gets 401 at once and stays revoked across a restart of
dpwan-control, which does not quietly make a new admin token."""
import os

from conftest import STATE_DIR

INITIAL = os.path.join(STATE_DIR, "initial-admin-token")


def test_revoked_tokens_stay_revoked(lab):
    initial_before = open(INITIAL).read()
    t = lab.api_json("POST", "/api/v1/tokens", '{"role": "admin", "comment": "t15"}',
                     want=201)[0]
    assert t["role"] == "admin" and t["token"].startswith("dpw_"), t
    assert lab.api("GET", "/api/v1/status", token=t["token"]).code == 200
    listed = lab.api_json("GET", "/api/v1/tokens")[0]["tokens"]
    assert t["id"] in [x["id"] for x in listed], listed
    assert all("token" not in x and "hash" not in x for x in listed), listed

    lab.api_json("DELETE", "/api/v1/tokens/" + t["id"], want=204)
    r = lab.api("GET", "/api/v1/status", token=t["token"])
    assert r.code == 401 and "Bearer" in r.header("WWW-Authenticate"), r
    assert lab.api("DELETE", "/api/v1/tokens/" + t["id"]).code == 404
    listed = lab.api_json("GET", "/api/v1/tokens")[0]["tokens"]
    assert t["id"] not in [x["id"] for x in listed], listed

    old_pid = lab.api_status()["control"]["pid"]
    lab.lab("restart-control", timeout=20)
    lab.wait_for(lambda: lab.api_status()["control"]["pid"] != old_pid, 10,
                 "the API of the new dpwan-control")
    r = lab.api("GET", "/api/v1/status", token=t["token"])
    assert r.code == 401, "the revoked token works again after a restart: %r" % (r,)
    assert open(INITIAL).read() == initial_before, "a new admin token was written"
    # the revocation is an event with the token id of who did it
    evs = lab.api_json("GET", "/api/v1/events?limit=1000")[0]["events"]
    rev = [e for e in evs if e["type"] == "token_revoked" and t["id"] in e["message"]]
    assert rev and rev[-1]["who"], evs[-5:]
    assert lab.api_status()["dataplane"]["alive"] is True
