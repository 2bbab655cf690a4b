# SPDX-License-Identifier: BSD-3-Clause
"""The outbound policy as it runs (issue 8 point 4): GET /api/v1/policies with each WAN's
share now (3:2 member weights -> 60/40; wan1 disabled -> wan2 100 %), GET /api/v1/rules
with the rules in order, the default rule and the connected networks, their counters
after real flows from the LAN host (exact for the flows the test makes), the same
counters in /metrics, and `dpwanctl status` / `policies` / `rules` in mwan3's words.
One document with two policies and three rules is applied for the module and the
factory document put back after it, also on failure."""
import json
import os
import re
import sys

import pytest

from conftest import HTTP_PORT, SERVER, UDP_PORT, build_dir, clients_cmd, subset
from test_16_metrics import metrics, one

CONF = "/run/dpwan-lab/lab.conf"
WAN1, WAN2 = "198.18.1.2", "198.18.2.2"
N_UDP = 20              # UDP flows to port UDP_PORT: rule udp_echo -> wan2_only
N_HTTP = 10             # TCP connections to port HTTP_PORT: rule http -> balanced
N_OTHER = 5             # UDP flows to another port: no rule, the default rule
OTHER_PORT = 9001

MEMBERS = [
    {"name": "m1_w3", "wan": "wan1", "metric": 1, "weight": 3},
    {"name": "m2_w2", "wan": "wan2", "metric": 1, "weight": 2},
]
POLICIES = [
    {"name": "balanced", "members": ["m1_w3", "m2_w2"], "last_resort": "unreachable"},
    {"name": "wan2_only", "algorithm": "priority", "wans": [{"wan": "wan2"}]},
]
RULES = [
    {"name": "udp_echo", "proto": "udp", "dst": ["198.19.0.0/24"],
     "dst_port": [str(UDP_PORT)], "policy": "wan2_only"},
    {"name": "http", "proto": "tcp", "dst_port": [str(HTTP_PORT)], "policy": "balanced",
     "sticky": True},
    {"name": "never", "enabled": False, "proto": "icmp", "policy": "balanced"},
]

# One UDP socket per flow: a "WHO" to the echo server, whose answer is the address it saw
# (retried on the same socket, so a flow is one session whatever is lost).
UDP_FLOWS = r"""
import json, socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen, errors = [], []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    for attempt in range(6):
        s.sendto(b"WHO", (host, port))
        try:
            seen.append(s.recv(256).decode().split()[0])
            break
        except socket.timeout:
            pass
    else:
        errors.append(i)
    s.close()
print(json.dumps({"seen": seen, "errors": errors}))
"""

# Flows nobody answers (the session exists all the same): one datagram each.
UDP_SILENT = r"""
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", (host, port))
    s.close()
print("{}")
"""


def udp_flows(lab, n, port=UDP_PORT):
    """N new UDP flows from the LAN host to the echo server; the addresses it saw."""
    r = lab.run_json("lan", [sys.executable, "-c", UDP_FLOWS, SERVER, str(port), str(n)],
                     timeout=60)
    assert not r["errors"] and len(r["seen"]) == n, r
    return r["seen"]


def ctl(lab, *args, timeout=20):
    return lab.run("appliance", ["timeout", str(timeout),
                                 os.path.join(build_dir(), "tools", "dpwanctl", "dpwanctl"),
                                 "-c", CONF, *args], timeout=timeout + 5)


def ok(p):
    assert p.returncode == 0, "exit %d\n%s\n%s" % (p.returncode, p.stdout, p.stderr)
    return p.stdout


def policies(lab):
    return lab.api_json("GET", "/api/v1/policies")[0]


def rules(lab):
    return lab.api_json("GET", "/api/v1/rules")[0]


def by_name(items):
    return {x["name"]: x for x in items}


def shares(p):
    return {s["wan"]: s["percent"] for s in p["shares"]}


def sessions(p):
    return {s["wan"]: s["sessions"] for s in p["sessions"]}


@pytest.fixture(scope="module")
def policy_doc(lab):
    doc = json.loads(json.dumps(lab.default_doc))
    doc["members"] = MEMBERS
    doc["policies"] = POLICIES
    doc["rules"] = RULES
    res = lab.put_config(doc)[0]
    assert res["applied"] is True, res
    gen = res["generation"]
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] == gen, 5,
                 "the dataplane to run generation %d" % gen)
    try:
        yield gen
    finally:
        lab.restore_default()


def counted(lab, gen=None):
    """/api/v1/rules once the dataplane counts with the rules of generation GEN (default:
    the running one)."""
    if gen is None:
        gen = lab.get_config()[1]
    return lab.wait_for(lambda: (lambda r: r if r["counters_valid"] and
                                 r["generation"] == gen else None)(rules(lab)),
                        10, "the dataplane to count with the rules of generation %d" % gen)


def test_policies_and_shares(lab, policy_doc):
    got = policies(lab)
    want = {"generation": policy_doc, "policies": [
        {"name": "balanced", "default_rule": False, "algorithm": "metric",
         "last_resort": "unreachable", "members": ["m1_w3", "m2_w2"],
         "candidates": [{"wan": "wan1", "metric": 1, "weight": 3},
                        {"wan": "wan2", "metric": 1, "weight": 2}],
         "shares": [{"wan": "wan1", "percent": 60}, {"wan": "wan2", "percent": 40}]},
        {"name": "wan2_only", "default_rule": False, "algorithm": "priority",
         "members": [], "shares": [{"wan": "wan2", "percent": 100}]},
        # the lab's default rule: weighted balance over both WANs, weight 1 each
        {"name": "default_rule", "default_rule": True, "preset": "auto", "policy": None,
         "algorithm": "weighted",
         "shares": [{"wan": "wan1", "percent": 50}, {"wan": "wan2", "percent": 50}]},
    ]}
    d = subset(want, got)
    assert d is None, "%s\n%s" % (d, json.dumps(got, indent=1))
    one_pol = lab.api_json("GET", "/api/v1/policies/balanced")[0]
    assert one_pol["generation"] == policy_doc and \
        subset(want["policies"][0], one_pol) is None, one_pol
    dflt = lab.api_json("GET", "/api/v1/policies/default_rule")[0]
    assert dflt["default_rule"] is True, dflt
    r = lab.api("GET", "/api/v1/policies/nosuch")
    assert r.code == 404, r


def test_rules_in_order(lab, policy_doc):
    got = rules(lab)
    names = [r["name"] for r in got["rules"]]
    assert names == ["udp_echo", "http", "never", "default_rule", "connected"], names
    rs = by_name(got["rules"])
    d = subset({"index": 0, "kind": "user", "enabled": True, "policy": "wan2_only",
                "algorithm": "priority", "sticky": False,
                "match": {"proto": "udp", "dst": ["198.19.0.0/24"],
                          "dst_port": [str(UDP_PORT)]}}, rs["udp_echo"])
    assert d is None, d
    assert rs["http"]["sticky"] is True and rs["http"]["when_unavailable"] == "unreachable"
    assert rs["never"]["enabled"] is False
    assert rs["default_rule"]["kind"] == "default" and rs["default_rule"]["index"] is None
    conn = rs["connected"]
    assert conn["kind"] == "connected" and conn["policy"] is None, conn
    # the WANs' subnets and the LAN's: never policy-routed
    assert conn["match"]["dst"] == ["198.18.1.0/24", "198.18.2.0/24", "198.18.0.0/24"], conn
    one_rule = lab.api_json("GET", "/api/v1/rules/http")[0]
    assert one_rule["index"] == 1 and one_rule["generation"] == policy_doc, one_rule
    assert lab.api("GET", "/api/v1/rules/nosuch").code == 404


def test_rule_counters(lab, policy_doc, udp_echo, http_server):
    before = by_name(counted(lab, policy_doc)["rules"])
    p0 = by_name(policies(lab)["policies"])

    seen = udp_flows(lab, N_UDP)
    # the rule's policy put every flow on wan2
    assert set(seen) == {WAN2}, seen
    out = lab.run_json("lan", [sys.executable, "-c", UDP_SILENT, SERVER, str(OTHER_PORT),
                               str(N_OTHER)], timeout=30)
    assert out == {}
    h = lab.run_json("lan", clients_cmd("http-many", SERVER, HTTP_PORT, N_HTTP, "t31"),
                     timeout=60)
    assert h["n_errors"] == 0, h
    # to the ISP router on wan1's subnet: a connected network
    ping = lab.run("lan", ["ping", "-c", "1", "-W", "2", "198.18.1.1"], timeout=10)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    def grown():
        now = by_name(rules(lab)["rules"])
        d = {k: now[k]["hits"] - before[k]["hits"] for k in now}
        return (now, d) if d["udp_echo"] >= N_UDP and d["http"] >= N_HTTP and \
            d["default_rule"] >= N_OTHER and d["connected"] >= 1 else None

    now, d = lab.wait_for(grown, 5, "the rule counters to count the flows")
    # exact where only this test's flows can match; nothing for the disabled rule
    assert d["udp_echo"] == N_UDP and d["http"] == N_HTTP and d["never"] == 0, d
    assert now["never"]["hits"] == 0 and now["udp_echo"]["unavailable"] == 0, now
    p1 = by_name(policies(lab)["policies"])
    assert sessions(p1["wan2_only"])["wan2"] - sessions(p0["wan2_only"])["wan2"] == N_UDP
    assert p1["balanced"]["sessions_total"] - p0["balanced"]["sessions_total"] == N_HTTP
    assert sum(sessions(p1["balanced"]).values()) == p1["balanced"]["sessions_total"]
    assert p1["default_rule"]["sessions_total"] - p0["default_rule"]["sessions_total"] \
        >= N_OTHER

    # /metrics says the same (no flow is running now: the figures stand still)
    fams = metrics(lab)
    for name in ("udp_echo", "http", "never", "default_rule", "connected"):
        assert one(fams, "dpwan_rule_sessions_total", rule=name) == now[name]["hits"], name
        assert one(fams, "dpwan_rule_unavailable_total", rule=name) == \
            now[name]["unavailable"], name
    assert one(fams, "dpwan_policy_sessions_total", policy="wan2_only", wan="wan2") == \
        sessions(p1["wan2_only"])["wan2"]
    assert one(fams, "dpwan_policy_rules") == 3
    assert one(fams, "dpwan_policy_generation") == policy_doc
    assert one(fams, "dpwan_policy_build_seconds") >= 0


def test_dpwanctl_status_sections(lab, policy_doc):
    out = ok(ctl(lab, "status"))
    # (degraded: a 2-core machine with two polling workers may lose a probe at start)
    assert re.search(r"^ interface wan1 is (online|degraded)", out, re.M), out
    assert ("Current ipv4 policies:\nbalanced:\n wan1 (60%)\n wan2 (40%)\n"
            "wan2_only:\n wan2 (100%)\ndefault_rule:\n wan1 (50%)\n wan2 (50%)\n") in out, out
    assert "Directly connected ipv4 networks:\n198.18.1.0/24\n198.18.2.0/24\n" \
        "198.18.0.0/24\n" in out, out
    assert "Active ipv4 user rules:\n" in out, out
    rs = by_name(rules(lab)["rules"])
    for name, text in (("udp_echo", r"udp to 198\.19\.0\.0/24 port %d -> wan2_only" % UDP_PORT),
                       ("http", r"tcp port %d -> balanced" % HTTP_PORT),
                       ("default_rule", r"all -> weighted\(wan1,wan2\)"),
                       ("connected", r"all to 198\.18\.1\.0/24,198\.18\.2\.0/24,"
                                     r"198\.18\.0\.0/24 -> direct")):
        flag = "S" if rs[name]["sticky"] else "-"
        m = re.search(r"^ +(\d+) +(\d+) %s %s +%s" % (flag, name, text), out, re.M)
        assert m, "no rule line for %s in:\n%s" % (name, out)
        # the counters printed are the API's (nothing runs between the two reads)
        assert int(m.group(1)) == rs[name]["hits"], (m.group(0), rs[name])
    # a disabled rule is not an active one
    assert not re.search(r"^ +\d+ +\d+ [S-] never ", out, re.M), out
    # the sections come in mwan3's order, after the interfaces
    pos = [out.index(s) for s in ("Interface status:", "Current ipv4 policies:",
                                  "Directly connected ipv4 networks:",
                                  "Active ipv4 user rules:", "Config: generation")]
    assert pos == sorted(pos), pos

    pol = ok(ctl(lab, "policies"))
    assert re.search(r"^balanced: metric, last resort unreachable, \d+ sessions$", pol, re.M)
    assert re.search(r"^ wan1 +60%  metric 1, weight 3, \d+ sessions$", pol, re.M), pol
    assert subset({"policies": [{"name": "balanced"}, {"name": "wan2_only"},
                                {"name": "default_rule"}]},
                  json.loads(ok(ctl(lab, "policies", "--json")))) is None
    rl = ok(ctl(lab, "rules"))
    assert re.search(r"^ +2 never +disabled +0 +0  icmp -> balanced", rl, re.M), rl
    j = json.loads(ok(ctl(lab, "--json", "rules")))
    assert [r["name"] for r in j["rules"]] == ["udp_echo", "http", "never", "default_rule",
                                               "connected"], j


def test_disabled_wan_shares(lab, policy_doc):
    gen = lab.api_json("POST", "/api/v1/wans/wan1/disable")[1].etag()
    try:
        got = lab.wait_for(lambda: (lambda p: p if shares(p["balanced"]) ==
                                    {"wan1": 0, "wan2": 100} else None)(
                                        by_name(policies(lab)["policies"])),
                           5, "balanced to give wan2 100 %")
        assert shares(got["default_rule"]) == {"wan1": 0, "wan2": 100}, got
        assert shares(got["wan2_only"]) == {"wan2": 100}, got
        assert policies(lab)["generation"] == gen
        out = ok(ctl(lab, "status"))
        assert "balanced:\n wan2 (100%)\nwan2_only:\n wan2 (100%)\ndefault_rule:\n" \
            " wan2 (100%)\n" in out, out
    finally:
        lab.api_json("POST", "/api/v1/wans/wan1/enable")
    lab.wait_for(lambda: shares(by_name(policies(lab)["policies"])["balanced"]) ==
                 {"wan1": 60, "wan2": 40}, 10, "balanced back to 60/40")
    # wan2 down too: no policy has a WAN; dpwanctl says what happens instead
    gen = lab.api_json("POST", "/api/v1/wans/wan2/force-down")[1].etag()
    try:
        got = lab.wait_for(lambda: (lambda p: p if shares(p["wan2_only"]) == {"wan2": 0}
                                    else None)(by_name(policies(lab)["policies"])),
                           5, "wan2_only without a WAN")
        assert policies(lab)["generation"] == gen
        assert shares(got["default_rule"]) == {"wan1": 100, "wan2": 0}, got
        assert shares(got["balanced"]) == {"wan1": 100, "wan2": 0}, got
        out = ok(ctl(lab, "status"))
        assert "wan2_only:\n no usable WAN (unreachable)\n" in out, out
    finally:
        lab.api_json("POST", "/api/v1/wans/wan2/clear")
    lab.wait_for(lambda: shares(by_name(policies(lab)["policies"])["wan2_only"]) ==
                 {"wan2": 100}, 10, "wan2_only back on wan2")


def test_counters_kept_across_an_apply(lab, policy_doc, udp_echo):
    start = by_name(counted(lab)["rules"])["udp_echo"]["hits"]
    udp_flows(lab, 3)
    before = by_name(lab.wait_for(lambda: (lambda r: r if by_name(r["rules"])["udp_echo"][
        "hits"] >= start + 3 else None)(rules(lab)), 5, "3 more udp_echo hits")["rules"])
    gen = lab.api_json("POST", "/api/v1/wans/wan1/disable")[1].etag()
    try:
        # a WAN's enabled is no change of the rules: the counters go on in the new
        # generation instead of starting again
        after = by_name(counted(lab, gen)["rules"])
        for k in before:
            assert after[k]["hits"] >= before[k]["hits"], (k, before[k], after[k])
        # and they count on: wan2_only's flows are unaffected by wan1
        assert set(udp_flows(lab, 2)) == {WAN2}
        lab.wait_for(lambda: by_name(rules(lab)["rules"])["udp_echo"]["hits"] >=
                     before["udp_echo"]["hits"] + 2, 5, "2 more udp_echo hits")
    finally:
        lab.api_json("POST", "/api/v1/wans/wan1/enable")
    lab.wait_for(lambda: shares(by_name(policies(lab)["policies"])["balanced"]) ==
                 {"wan1": 60, "wan2": 40}, 10, "balanced back to 60/40")
