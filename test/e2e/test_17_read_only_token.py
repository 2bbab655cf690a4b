# SPDX-License-Identifier: BSD-3-Clause
"""A read-only API token (made with POST /api/v1/tokens) may read everything and
change nothing: every write answers 403, and the running generation, the store and the
WANs stay as they were; the admin token still may."""
import json

from conftest import store_gens

READS = ("/api/v1/status", "/api/v1/wans", "/api/v1/wans/wan1", "/api/v1/config",
         "/api/v1/config/history", "/api/v1/events", "/metrics", "/api/v1/sessions?limit=5",
         "/api/v1/explain?proto=udp&src=198.18.0.10&dst=198.19.0.10&dport=53")


def test_read_only_token_reads_but_cannot_write(lab):
    t = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t17"}',
                     want=201)[0]
    tok = t["token"]
    try:
        for path in READS:
            r = lab.api("GET", path, token=tok)
            assert r.code == 200, "GET %s with a read-only token: %r" % (path, r)
        doc, gen = lab.get_config()
        # validating changes nothing: read-only may
        r = lab.api("POST", "/api/v1/config/validate", json.dumps(doc), token=tok)
        assert r.code == 200 and r.json()["valid"] is True, r
        stored = store_gens()
        st0 = lab.api_status()
        changed = json.loads(json.dumps(doc))
        changed["wans"][0]["enabled"] = False
        im = ['If-Match: "%d"' % gen]
        writes = [
            ("PUT", "/api/v1/wans/wan1/admin", '{"enabled": false}', ()),
            ("POST", "/api/v1/wans/wan1/disable", None, ()),
            ("POST", "/api/v1/wans/wan1/force-down", None, ()),
            ("PUT", "/api/v1/config", json.dumps(changed), im),
            ("POST", "/api/v1/config/rollback", json.dumps({"generation": 1}), im),
            ("POST", "/api/v1/config/confirm", None, ()),
            ("POST", "/api/v1/tokens", '{"role": "admin"}', ()),
            ("GET", "/api/v1/tokens", None, ()),
            ("DELETE", "/api/v1/tokens/" + t["id"], None, ()),
            ("DELETE", "/api/v1/sessions", None, ()),
        ]
        for method, path, body, hdrs in writes:
            r = lab.api(method, path, body, token=tok, headers=hdrs)
            assert r.code == 403, "%s %s with a read-only token: %r" % (method, path, r)
            assert r.json()["status"] == 403, r
        assert lab.get_config() == (doc, gen)
        assert store_gens() == stored
        st1 = lab.api_status()
        for a, b in zip(st0["wans"], st1["wans"]):
            for k in ("enabled", "forced_down", "usable", "state", "usable_since"):
                assert a[k] == b[k], (k, a, b)
        # (the WAN view's generation is no witness: the health checker's RTT and loss
        # reach the dataplane as new views about once a second)
        # the token still works (a 403 is about the role, not the token)
        assert lab.api("GET", "/api/v1/status", token=tok).code == 200
    finally:
        lab.api("DELETE", "/api/v1/tokens/" + t["id"])
    r = lab.api("GET", "/api/v1/status", token=tok)
    assert r.code == 401, r
