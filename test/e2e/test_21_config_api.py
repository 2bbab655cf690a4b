# SPDX-License-Identifier: BSD-3-Clause
"""The network-policy document through the REST API: round trips in JSON and YAML,
refusals that change nothing (with the JSON pointer of each problem), preconditions,
WAN actions as document changes (with the traffic they steer), the event log and its
SSE stream, history, diff and rollback."""
import json
import os
import re

import pytest
import yaml

from conftest import API, REPO, WAN_ADDRS, http_sources, store_gens, subset

WAN1, WAN2 = "198.18.1.2", "198.18.2.2"


@pytest.fixture
def restored(lab):
    yield
    lab.restore_default()


def dp_follows(lab, gen):
    """Wait until the dataplane runs generation GEN; the status that says so."""
    return lab.wait_for(lambda: (lambda st: st if st["config"]["dataplane_generation"] == gen
                                 else None)(lab.api_status()),
                        5, "the dataplane to run generation %d" % gen)


def test_round_trip_json_and_yaml(lab, restored):
    doc, gen = lab.get_config()
    assert subset(lab.default_doc, doc) is None
    ytext, ygen = lab.get_config(yaml_fmt=True)
    assert ygen == gen and yaml.safe_load(ytext) == doc
    n0 = store_gens()
    # the same document back, both ways: 200, no new generation
    res, r = lab.put_config(doc, gen)
    assert res["generation"] == gen and res["changes"] == 0, res
    assert r.etag() == gen
    res, r = lab.put_config(ytext, gen, ctype="application/yaml")
    assert res["generation"] == gen and res["changes"] == 0, res
    assert store_gens() == n0
    # wan2's weight changed in the YAML text
    new_text, n = re.subn(r"(- name: wan2\n(?:  .*\n)*?  weight: )1\n", r"\g<1>3\n", ytext)
    assert n == 1, ytext
    res, r = lab.put_config(new_text, gen, ctype="application/yaml")
    assert res["applied"] is True and res["generation"] > gen and res["previous"] == gen, res
    assert res["changes"] == 1 and r.etag() == res["generation"], res
    g2 = res["generation"]
    doc2, gen2 = lab.get_config()
    assert gen2 == g2 and doc2["wans"][1]["weight"] == 3 and doc2["wans"][0]["weight"] == 1
    wans = lab.api_json("GET", "/api/v1/wans")[0]
    assert [w["weight"] for w in wans] == [1, 3], wans
    st = dp_follows(lab, g2)
    assert st["config"]["generation"] == g2
    assert store_gens() == (n0[0] + 1, g2)
    # text/yaml and application/x-yaml are YAML too
    for ct in ("text/yaml", "application/x-yaml"):
        res, _ = lab.put_config(new_text, g2, ctype=ct)
        assert res["generation"] == g2 and res["changes"] == 0, (ct, res)


BAD = [
    # (what, body, content type, [(pointer, message regex)])
    ("malformed JSON", '{"version": 1, "wans": [', "application/json", [("", "")]),
    ("malformed YAML", "version: 1\nwans: [ {name: wan1\n", "application/yaml", [("", "")]),
    ("YAML anchor", "version: 1\nwans:\n  - &w {name: wan1, addressing: {mode: static, "
     "address: 198.18.1.2/24, gateway: 198.18.1.1}}\n  - *w\n", "application/yaml",
     [("", "anchor")]),
    ("YAML tag", "version: 1\nwans: !!seq []\n", "application/yaml", [("", "tag")]),
]


def wan(name, **kw):
    w = {"name": name, "addressing": {"mode": "static", "address": "198.18.%s.2/24" %
                                      name[-1], "gateway": "198.18.%s.1" % name[-1]}}
    w.update(kw)
    return w


INVALID = [
    ("wrong type", {"version": 1, "wans": [wan("wan1"), wan("wan2", weight="3")]},
     [("/wans/1/weight", "integer")]),
    ("dangling reference", {"version": 1, "wans": [wan("wan1"), wan("wan9")]},
     [("/wans/1/name", "wan9")]),
    ("duplicate WAN", {"version": 1, "wans": [wan("wan1"), wan("wan1")]},
     [("/wans/1/name", "duplicate")]),
    ("unknown member", {"version": 1, "wans": [wan("wan1", colour="red"), wan("wan2")]},
     [("/wans/0/colour", "")]),
    ("several at once", {"version": 1, "wans": [wan("wan1", weight=0, mtu=100),
                                                wan("wan2", enabled="yes")]},
     [("/wans/0/weight", "1..1000"), ("/wans/0/mtu", ""), ("/wans/1/enabled", "")]),
    ("rule without an action", {"version": 1, "wans": [wan("wan1"), wan("wan2")],
                                "rules": [{"name": "r", "proto": "tcp", "dst_port": 443}]},
     [("/rules/0", "needs policy or algorithm")]),
    ("policy's dangling member", {"version": 1, "wans": [wan("wan1"), wan("wan2")],
                                  "policies": [{"name": "p", "members": ["m9"]}]},
     [("/policies/0/members/0", "no member 'm9'")]),
    ("names shared across kinds", {"version": 1, "wans": [wan("wan1"), wan("wan2")],
                                   "members": [{"name": "wan2", "wan": "wan1"}]},
     [("/members/0/name", "may not share names")]),
]


def check_unchanged(lab, before_doc, before_gen, before_store):
    assert lab.get_config() == (before_doc, before_gen)
    assert store_gens() == before_store
    assert lab.api_status()["config"]["dataplane_generation"] == before_gen


def test_refusals_change_nothing(lab):
    doc, gen = lab.get_config()
    stored = store_gens()
    cases = [(w, b, ct, e) for w, b, ct, e in BAD] + \
        [(w, json.dumps(b), "application/json", e) for w, b, e in INVALID]
    for what, body, ct, expect in cases:
        for url in ("/api/v1/config/validate", "/api/v1/config"):
            r = lab.api("PUT" if url == "/api/v1/config" else "POST", url, body, ctype=ct,
                        headers=['If-Match: "%d"' % gen])
            assert r.code == 400, "%s to %s: %r" % (what, url, r)
            assert r.media == "application/problem+json", r
            errs = r.json()["errors"]
            assert errs, r
            for ptr, rx in expect:
                hit = [e for e in errs if e["path"] == ptr and re.search(rx, e["message"])]
                assert hit, "%s: no problem at %r matching %r in %s" % (what, ptr, rx, errs)
            if what == "several at once":
                assert len(errs) >= 3, errs
        check_unchanged(lab, doc, gen, stored)


def test_mwan3_document(lab, restored):
    """conf/mwan3-policy.yaml (members, policies, a rule, a custom default rule) applies
    through the API, comes back with every member, survives a WAN action (a change of a
    copy of the running document), and a rule an earlier one covers is a warning."""
    with open(os.path.join(REPO, "conf", "mwan3-policy.yaml")) as f:
        text = f.read()
    res = lab.api_json("POST", "/api/v1/config/validate", text, ctype="application/yaml")[0]
    assert res == {"valid": True, "warnings": []}, res
    res, _ = lab.put_config(text, ctype="application/yaml")
    assert res["applied"] is True, res
    gen = res["generation"]
    doc, g = lab.get_config()
    assert g == gen
    assert [m["name"] for m in doc["members"]] == ["wan1_m1_w3", "wan2_m1_w2", "wan1_m2_w3",
                                                  "wan2_m2_w2"], doc["members"]
    assert doc["members"][1] == {"name": "wan2_m1_w2", "wan": "wan2", "metric": 1,
                                 "weight": 2}
    assert [p["name"] for p in doc["policies"]] == ["balanced", "wan1_wan2", "wan2_wan1",
                                                   "wan1_only", "wan2_only"]
    assert doc["policies"][0] == {"name": "balanced", "members": ["wan1_m1_w3", "wan2_m1_w2"],
                                  "algorithm": "metric", "last_resort": "unreachable"}
    assert subset({"name": "https", "enabled": True, "proto": "tcp", "dst_port": ["443"],
                   "policy": "balanced", "sticky": True, "sticky_timeout": 600,
                   "when_unavailable": "last_resort"}, doc["rules"][0]) is None, doc["rules"]
    assert doc["default_rule"]["preset"] == "custom"
    assert doc["default_rule"]["policy"] == "balanced"
    assert doc["wans"][0]["upload_kbps"] == 1000000
    dp_follows(lab, gen)
    # a WAN action keeps the rest of the document
    w, r = lab.api_json("POST", "/api/v1/wans/wan2/disable")
    doc2, g2 = lab.get_config()
    assert g2 == r.etag() > gen and doc2["wans"][1]["enabled"] is False
    doc2["wans"][1]["enabled"] = True
    assert doc2 == doc
    d = lab.api_json("GET", "/api/v1/config/diff?from=%d&to=%d" % (gen, g2))[0]
    assert d["changes"] == [{"op": "replace", "path": "/wans/1/enabled", "old": True,
                             "new": False}], d
    # a rule below one that covers it: valid, with a warning at the later rule
    shadowed = json.loads(json.dumps(doc))
    shadowed["rules"].append(dict(doc["rules"][0], name="https2", sticky=False))
    res = lab.api_json("POST", "/api/v1/config/validate", json.dumps(shadowed))[0]
    assert res["valid"] is True, res
    assert [w["path"] for w in res["warnings"]] == ["/rules/1"], res
    assert "can never match: rule 'https' (/rules/0) above covers it" in \
        res["warnings"][0]["message"], res


def test_preconditions_and_media_types(lab):
    doc, gen = lab.get_config()
    stored = store_gens()
    body = json.dumps(doc)
    r = lab.api("PUT", "/api/v1/config", body, headers=['If-Match: "%d"' % (gen + 7)])
    assert r.code == 412 and r.etag() == gen, r
    r = lab.api("PUT", "/api/v1/config", body)
    assert r.code == 428, r
    r = lab.api("PUT", "/api/v1/config", "version: 1", ctype="text/plain",
                headers=['If-Match: "%d"' % gen])
    assert r.code == 415, r
    r = lab.api("POST", "/api/v1/config/rollback", json.dumps({"generation": gen}),
                headers=['If-Match: "%d"' % (gen + 7)])
    assert r.code == 412, r
    r = lab.api("POST", "/api/v1/config/rollback", json.dumps({"generation": gen}))
    assert r.code == 428, r
    # a body larger than MHD's read buffer (32 KB) arrives whole: the same document with
    # 200 KB of white space is taken (unchanged) at once, not left half read
    r = lab.api("PUT", "/api/v1/config", body + " " * (200 * 1024),
                headers=['If-Match: "%d"' % gen], timeout=5)
    assert r.code == 200 and r.etag() == gen, r
    # the limit is 8 MiB for a document, refused from Content-Length before the body is
    # read; the client waits for "100 Continue" as a well-behaved one does (sending the
    # 8 MiB regardless races the server's close: EPIPE before curl reads the 413)
    big = b'{"version": 1, "pad": "' + b"x" * (8 * 1024 * 1024 + 16) + b'"}'
    r = lab.api("PUT", "/api/v1/config", big, headers=['If-Match: "%d"' % gen,
                                                       "Expect: 100-continue"], timeout=30)
    assert r.code == 413, r
    r = lab.api("PUT", "/api/v1/wans/wan1/admin", '{"enabled": true, "x": "' + "y" * 5000 +
                '"}')
    assert r.code == 413, r
    r = lab.api("GET", "/api/v1/nosuch")
    assert r.code == 404, r
    r = lab.api("POST", "/api/v1/status")
    assert r.code == 405 and r.header("Allow") == "GET", r
    r = lab.api("GET", "/api/v1/config/history/999999")
    assert r.code == 404, r
    r = lab.api("POST", "/api/v1/config/confirm")
    assert r.code == 409, r
    check_unchanged(lab, doc, gen, stored)


def wan_is(lab, name, **want):
    w = lab.wan_state(name)
    return w if subset(want, w) is None else None


def test_wan_actions_events_and_stream(lab, http_server, restored):
    tok = lab.api_json("POST", "/api/v1/tokens", '{"role": "admin", "comment": "t21"}',
                       want=201)[0]
    last = lab.last_event()
    # an SSE client from now on
    out = os.path.join(lab.workdir, "sse1.txt")
    sse = lab.start_bg("appliance", ["curl", "-sS", "-N", "--max-time", "60", "-o", out,
                                     "-H", "Authorization: Bearer " + lab.admin_token(),
                                     "-H", "Last-Event-ID: %d" % last,
                                     API + "/api/v1/events/stream"], "sse1")
    try:
        gens = []
        for action, want in (("disable", {"enabled": False, "state": "disabled",
                                          "usable": False}),
                             ("enable", {"enabled": True, "state": "online"}),
                             ("force-down", {"forced_down": True, "state": "forced_down",
                                             "usable": False}),
                             ("clear", {"forced_down": False, "state": "online"})):
            g0 = lab.get_config()[1]
            w, r = lab.api_json("POST", "/api/v1/wans/wan2/" + action, token=tok["token"])
            assert r.etag() > g0, (action, r)
            gens.append(r.etag())
            doc, g = lab.get_config()
            assert g == r.etag()
            assert doc["wans"][1]["enabled"] == want.get("enabled", True), doc
            assert doc["wans"][1]["forced_down"] == want.get("forced_down", False), doc
            lab.wait_for(lambda: wan_is(lab, "wan2", **want), 10, "wan2 %s" % action)
            dp_follows(lab, g)
            if not want.get("usable", True):
                seen = http_sources(lab, http_server, "t21" + action, n=10)
                assert set(seen) == {WAN1}, (action, seen)
        lab.wait_for(lambda: wan_is(lab, "wan2", usable=True), 10, "wan2 usable")
        seen = http_sources(lab, http_server, "t21back", n=10)
        assert set(seen) == WAN_ADDRS, seen
        # each change is an event by the token that made it
        evs = lab.api_json("GET", "/api/v1/events?since=%d" % last)[0]["events"]
        applied = [e for e in evs if e["type"] == "config_applied"]
        assert len(applied) == 4, evs
        for e, g in zip(applied, gens):
            assert e["who"] == tok["id"] and ("generation %d " % g) in e["message"], e
        seqs = [e["seq"] for e in evs]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs

        # the stream saw each of them live, in order, once
        def streamed():
            got = parse_sse(open(out).read())
            return got if [s for s, _, _ in got][-1:] == [seqs[-1]] else None
        got = lab.wait_for(streamed, 5, "the SSE stream to deliver every event")
        assert [s for s, _, _ in got] == seqs, (got, seqs)
        for (s, typ, data), e in zip(got, evs):
            assert data == e and typ == e["type"], (data, e)
    finally:
        lab.stop_bg(sse)
        lab.api("DELETE", "/api/v1/tokens/" + tok["id"])
    # resume after a Last-Event-ID in the middle: exactly the rest, nothing repeated
    mid = seqs[len(seqs) // 2]
    r = lab.api("GET", "/api/v1/events/stream", headers=["Last-Event-ID: %d" % mid],
                timeout=2)
    got = parse_sse(r.text)
    want = [s for s in seqs if s > mid]
    assert [s for s, _, _ in got][:len(want)] == want, (got, want)


def parse_sse(text):
    """[(id, event, data JSON)] of an SSE text; comments skipped."""
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            fields[k] = v[1:] if v.startswith(" ") else v
        if "id" in fields:
            out.append((int(fields["id"]), fields.get("event"), json.loads(fields["data"])))
    return out


def test_history_diff_rollback(lab, restored):
    doc, a = lab.get_config()
    changed = json.loads(json.dumps(doc))
    changed["wans"][1]["weight"] = 5
    res, _ = lab.put_config(changed, a, query="?comment=t21-weight")
    b = res["generation"]
    hist = lab.api_json("GET", "/api/v1/config/history")[0]["generations"]
    gens = [h["generation"] for h in hist]
    assert gens == sorted(gens, reverse=True) and gens[0] == b and a in gens, gens
    assert hist[0]["running"] is True and hist[0]["comment"] == "t21-weight", hist[0]
    assert [h["running"] for h in hist].count(True) == 1, hist
    lim = lab.api_json("GET", "/api/v1/config/history?limit=1")[0]["generations"]
    assert [h["generation"] for h in lim] == [b]
    older = lab.api_json("GET", "/api/v1/config/history?before=%d" % b)[0]["generations"]
    assert older and all(h["generation"] < b for h in older)
    d = lab.api_json("GET", "/api/v1/config/diff?from=%d&to=%d" % (a, b))[0]
    assert d["from"] == a and d["to"] == b, d
    assert d["changes"] == [{"op": "replace", "path": "/wans/1/weight", "old": 1, "new": 5}], d
    assert lab.api_json("GET", "/api/v1/config/history/%d" % a)[0] == doc
    assert lab.api_json("GET", "/api/v1/config/history/%d" % b)[0] == changed
    # rollback to A: A's document as a new generation C
    res, r = lab.api_json("POST", "/api/v1/config/rollback", json.dumps({"generation": a}),
                          headers=['If-Match: "%d"' % b])
    c = res["generation"]
    assert c > b and res["previous"] == b and r.etag() == c, res
    assert lab.get_config() == (doc, c)
    dp_follows(lab, c)
    d = lab.api_json("GET", "/api/v1/config/diff?from=%d" % b)[0]
    assert d["to"] == c and d["changes"] == [{"op": "replace", "path": "/wans/1/weight",
                                              "old": 5, "new": 1}], d
    assert lab.api("POST", "/api/v1/config/rollback", json.dumps({"generation": 999999}),
                   headers=['If-Match: "%d"' % c]).code == 404
