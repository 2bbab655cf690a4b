# SPDX-License-Identifier: BSD-3-Clause
"""api/openapi.yaml and the server agree: every documented path and method answers with
a documented status (each response checked against its schema by conftest's Lab.api),
the description is served at /api/v1/openapi.yaml unchanged, and the checker itself
fails on what it must refuse."""
import json

import pytest

from conftest import SPEC, ApiResp


def test_spec_is_served_unchanged(lab):
    r = lab.api("GET", "/api/v1/openapi.yaml", token="")
    assert r.code == 200, r
    assert r.media == "application/yaml", r.ctype
    assert r.text == SPEC.text, "GET /api/v1/openapi.yaml differs from api/openapi.yaml"


def test_checker_refuses_what_it_should():
    """The schema check can fail: a member too many, a wrong type, an undocumented
    status, a wrong content type, a 405 without Allow."""
    wan = {"name": "wan1"}
    bad = [
        ("GET", "/api/v1/health", ApiResp(200, "application/json",
         json.dumps({"status": "ok", "dataplane": "alive", "generation": 1, "x": 1}), {})),
        ("GET", "/api/v1/health", ApiResp(200, "application/json",
         json.dumps({"status": "ok", "dataplane": "alive", "generation": "1"}), {})),
        ("GET", "/api/v1/health", ApiResp(200, "text/plain", "ok", {})),
        ("GET", "/api/v1/health", ApiResp(418, "application/problem+json", "{}", {})),
        ("GET", "/api/v1/wans/wan1", ApiResp(200, "application/json", json.dumps(wan), {})),
        ("DELETE", "/api/v1/health", ApiResp(405, "application/problem+json", json.dumps(
            {"type": "about:blank", "title": "x", "status": 405, "detail": "x"}), {})),
        ("GET", "/api/v1/nosuch", ApiResp(200, "application/json", "{}", {})),
    ]
    for method, path, resp in bad:
        with pytest.raises(AssertionError):
            SPEC.check(method, path, resp)
    # and a good one passes
    SPEC.check("GET", "/api/v1/health", ApiResp(200, "application/json", json.dumps(
        {"status": "ok", "dataplane": "alive", "generation": 3}), {"etag": '"3"'}))


def test_every_documented_operation_answers(lab):
    """One harmless request per documented (path, method); none is 404 or 405."""
    doc, gen = lab.get_config()
    tok = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t13"}',
                       want=201)[0]
    im = ['If-Match: "%d"' % gen]
    stale = ['If-Match: "%d"' % (gen + 1000)]
    reqs = {
        ("/api/v1/wans/{name}/enable", "post"): ("/api/v1/wans/wan1/enable", None, ()),
        ("/api/v1/wans/{name}/clear", "post"): ("/api/v1/wans/wan1/clear", None, ()),
        # a stale If-Match: refused (412), nothing changes
        ("/api/v1/wans/{name}/disable", "post"): ("/api/v1/wans/wan1/disable", None,
                                                  ['If-Match: "%d"' % (gen + 1000)]),
        ("/api/v1/wans/{name}/force-down", "post"): ("/api/v1/wans/wan1/force-down", None,
                                                     ['If-Match: "%d"' % (gen + 1000)]),
        ("/api/v1/wans/{name}/admin", "put"): ("/api/v1/wans/wan1/admin",
                                               '{"enabled": true}', ()),
        ("/api/v1/config", "put"): ("/api/v1/config", json.dumps(doc), im),
        ("/api/v1/config/validate", "post"): ("/api/v1/config/validate", json.dumps(doc), ()),
        ("/api/v1/config/rollback", "post"): ("/api/v1/config/rollback",
                                              json.dumps({"generation": gen}), im),
        ("/api/v1/config/confirm", "post"): ("/api/v1/config/confirm", None, ()),
        ("/api/v1/tokens", "post"): ("/api/v1/tokens",
                                     '{"role": "read-only", "comment": "t13b"}', ()),
        ("/api/v1/tokens/{id}", "delete"): ("/api/v1/tokens/" + tok["id"], None, ()),
        ("/api/v1/config/diff", "get"): ("/api/v1/config/diff?from=1", None, ()),
        ("/api/v1/config/history/{gen}", "get"): ("/api/v1/config/history/%d" % gen, None, ()),
        ("/api/v1/wans/{name}", "get"): ("/api/v1/wans/wan1", None, ()),
        ("/api/v1/explain", "get"): ("/api/v1/explain?proto=tcp&src=198.18.0.10&dst="
                                     "198.19.0.10&dport=443", None, ()),
        # a client nobody is: nothing of the other tests' goes
        ("/api/v1/sessions", "delete"): ("/api/v1/sessions?client=198.18.0.250", None, ()),
        ("/api/v1/policies/{name}", "get"): ("/api/v1/policies/default_rule", None, ()),
        ("/api/v1/rules/{name}", "get"): ("/api/v1/rules/connected", None, ()),
        # LAN services (issue 9): writes with a stale If-Match (412, nothing changes);
        # a lease and a reservation by a path that is no address / MAC (400)
        ("/api/v1/lan/dhcp", "put"): ("/api/v1/lan/dhcp", "{}", stale),
        ("/api/v1/lan/dhcp/reservations", "post"): (
            "/api/v1/lan/dhcp/reservations",
            '{"mac": "02:00:5e:10:00:01", "address": "198.18.0.50"}', stale),
        ("/api/v1/lan/dhcp/reservations/{mac}", "get"): (
            "/api/v1/lan/dhcp/reservations/nomac", None, ()),
        ("/api/v1/lan/dhcp/reservations/{mac}", "put"): (
            "/api/v1/lan/dhcp/reservations/02-00-5e-10-00-01",
            '{"address": "198.18.0.50"}', stale),
        ("/api/v1/lan/dhcp/reservations/{mac}", "delete"): (
            "/api/v1/lan/dhcp/reservations/02-00-5e-10-00-01", None, stale),
        ("/api/v1/lan/dhcp/leases/{address}", "delete"): (
            "/api/v1/lan/dhcp/leases/no-address", None, ()),
        ("/api/v1/lan/dns", "put"): ("/api/v1/lan/dns", "{}", stale),
        ("/api/v1/lan/dns/records", "post"): (
            "/api/v1/lan/dns/records",
            '{"name": "t13.lan", "type": "A", "value": "198.18.0.61"}', stale),
        ("/api/v1/lan/dns/records/{name}", "delete"): (
            "/api/v1/lan/dns/records/t13.lan", None, stale),
        ("/api/v1/lan/dns/records/{name}/{type}", "delete"): (
            "/api/v1/lan/dns/records/t13.lan/A", None, stale),
        ("/api/v1/lan/dns/domain-lookup", "put"): ("/api/v1/lan/dns/domain-lookup", "[]",
                                                   stale),
        # issue 11: a file of the dashboard
        ("/dashboard/{file}", "get"): ("/dashboard/dashboard.js", None, ()),
    }
    made = []
    for tmpl, item in SPEC.doc["paths"].items():
        for method in item:
            if method not in ("get", "put", "post", "delete"):
                continue
            path, body, hdrs = reqs.get((tmpl, method), (tmpl, None, ()))
            assert "{" not in path, "no request for %s %s" % (method, tmpl)
            r = lab.api(method.upper(), path, body, headers=hdrs,
                        timeout=2 if tmpl.endswith("/stream") else 10)
            assert r.code not in (404, 405), "%s %s: %r" % (method, path, r)
            assert r.code < 500, "%s %s: %r" % (method, path, r)
            if tmpl == "/api/v1/tokens" and method == "post":
                made.append(r.json()["id"])
    for i in made:
        lab.api_json("DELETE", "/api/v1/tokens/" + i, want=204)
    # nothing above changed the document
    assert lab.get_config() == (doc, gen)
    documented = {(t, m.upper()) for t, it in SPEC.doc["paths"].items() for m in it
                  if m in ("get", "put", "post", "delete")}
    seen = {(t, m) for t, m, _ in lab.checked}
    assert documented <= seen, "not checked: %s" % sorted(documented - seen)


def test_unknown_path_and_method(lab):
    r = lab.api("GET", "/api/v1/nosuch")
    assert r.code == 404 and r.media == "application/problem+json", r
    r = lab.api("DELETE", "/api/v1/config")
    assert r.code == 405, r
    assert set(x.strip() for x in r.header("Allow").split(",")) == {"GET", "PUT"}, r.headers
