# SPDX-License-Identifier: BSD-3-Clause
"""Authentication and limits of the REST API: 401 with WWW-Authenticate without a token
or with a bad one, none needed for /health and /openapi.yaml, 414 for a long URL, and
the per-address block after 10 failed authentications (429 with Retry-After, counted in
/metrics). The block holds 127.0.0.1 for 60 s: that test runs last in the suite."""
import re

from conftest import store_gens


def auth_failures(lab):
    code, ctype, text = lab.api("GET", "/metrics")
    assert code == 200, text[:300]
    out = {}
    for m in re.finditer(r'^dpwan_api_auth_failures_total\{reason="([^"]+)"\} (\d+)$', text,
                         re.M):
        out[m.group(1)] = int(m.group(2))
    assert out, "no dpwan_api_auth_failures_total in /metrics"
    return out


def test_no_token_and_no_auth_routes(lab):
    for method, path in (("GET", "/api/v1/status"), ("GET", "/api/v1/config"),
                         ("PUT", "/api/v1/config"), ("GET", "/metrics"),
                         ("POST", "/api/v1/wans/wan2/disable"), ("GET", "/api/v1/tokens")):
        r = lab.api(method, path, token="")
        assert r.code == 401 and r.header("WWW-Authenticate").startswith("Bearer"), r
    assert lab.api("GET", "/api/v1/health", token="").json()["status"] == "ok"
    assert lab.api("GET", "/api/v1/openapi.yaml", token="").code == 200
    r = lab.api("GET", "/api/v1/" + "a" * 1000)
    assert r.code == 414, r
    # the query counts too: path and query together at most 2048 bytes
    r = lab.api("GET", "/api/v1/status?x=" + "a" * 3000)
    assert r.code == 414, r
    assert lab.api("GET", "/api/v1/status?x=" + "a" * 1000).code == 200


def test_bad_tokens_are_blocked(lab):
    """The guesses come from 127.0.0.2 (the whole of 127/8 is loopback): that address is
    blocked for 60 s, 127.0.0.1 (the rest of the suite) is not."""
    src = "127.0.0.2"
    before = auth_failures(lab)
    stored = store_gens()
    bad = "dpw_" + "0" * 64
    codes = []
    for _ in range(12):
        r = lab.api("GET", "/api/v1/status", token=bad, source=src)
        codes.append(r.code)
        if r.code == 429:
            break
    assert 429 in codes, codes
    n_invalid = codes.index(429)
    assert n_invalid == 10 and set(codes[:n_invalid]) == {401}, codes
    r = lab.api("GET", "/api/v1/status", source=src)   # a good token: the address is blocked
    assert r.code == 429, r
    retry = int(r.header("Retry-After"))
    assert 50 <= retry <= 60, r.headers
    assert lab.api("GET", "/api/v1/status").code == 200      # 127.0.0.1 is not blocked
    after = auth_failures(lab)
    grown = {k: after[k] - before.get(k, 0) for k in after}
    assert grown.get("invalid", 0) == n_invalid, (before, after)
    assert sum(grown.values()) == n_invalid + 2, grown      # + the two blocked requests
    assert store_gens() == stored
    evs = lab.api_json("GET", "/api/v1/events?limit=1000")[0]["events"]
    assert any(e["type"] == "auth_failed" and src in e["message"] for e in evs), evs[-5:]
