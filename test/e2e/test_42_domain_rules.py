# SPDX-License-Identifier: BSD-3-Clause
"""Domain rules (issue 9): the dataplane snoops the DNS answers it forwards to LAN hosts
and puts the A records of names that match a rule's dst_domain into that rule's domain
set before the answer leaves, so the host's first connection to the name is placed by
the rule.

A LAN host asks the inet resolver directly (dig @198.19.0.53 example.test: through NAT,
not our DNS proxy), then connects to the address: with the rule {dst_domain:
[example.test], policy wan2 only} the first connection already leaves by wan2 (the
server sees 198.18.2.2); without the rule the same connections balance over both WANs.
The domain set lists the address with its expiry; when the TTL (10 s, the sets'
minimum) runs out the entry goes and the rule no longer matches (explain names it as
the rule that missed its domain set)."""
import uuid

from conftest import SERVER
from dns_lab import EXAMPLE, RES, dig_addrs, upstreams
from policy_lab import (WAN1, WAN2, apply, cand, only, pick, policy_doc, policy_restored,
                        rule, tcp_who, tcp_who_server, TCP_WHO_PORT)

__all__ = ["policy_restored", "tcp_who_server", "upstreams"]

UPSTREAM_ARGS = {"ttl": 10}
TTL = 10
MEMBERS = [{"name": "wan2_m1", "wan": "wan2", "metric": 1, "weight": 1}]
POLICIES = [{"name": "wan2_only", "members": ["wan2_m1"]}]
BALANCED = {"preset": "custom", **pick("weighted", cand(wan1=1, wan2=1))}
SETS = "/api/v1/lan/dns/domain-sets"
HOST = "198.18.0.10"


def domain_doc(lab, with_rule=True):
    rules = [rule("by_name", "wan2_only", dst_domain=[EXAMPLE])] if with_rule else []
    return policy_doc(lab, members=MEMBERS, policies=POLICIES, rules=rules,
                      default_rule=BALANCED)


def set_of(lab, pattern=EXAMPLE):
    sets = lab.api_json("GET", SETS)[0]["sets"]
    for s in sets:
        if s["pattern"] == pattern:
            return s
    return None


def entry(lab, addr=SERVER):
    s = set_of(lab)
    for e in (s or {}).get("entries", []):
        if e["address"] == addr:
            return e
    return None


def explain(lab):
    return lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&sport=5000&dst=%s&dport=%d"
                        % (HOST, SERVER, TCP_WHO_PORT))[0]


def metric(lab, name):
    r = lab.api("GET", "/metrics")
    for line in r.text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise AssertionError("no metric %s in /metrics" % name)


def test_first_connection_follows_the_domain_rule(lab, upstreams, tcp_who_server, http_server,
                                                  policy_restored):
    apply(lab, domain_doc(lab))
    s = set_of(lab)
    assert s is not None and s["rules"] == ["by_name"], lab.api_json("GET", SETS)[0]
    # a previous run's entry ages out first (TTL 10 s): the set starts without SERVER
    lab.wait_for(lambda: entry(lab) is None, TTL + 5, "an old entry of %s to expire" % SERVER)
    e = explain(lab)
    assert e["domain_miss"] == {"index": 0, "name": "by_name"}, e
    assert e["rule"] == "default", e
    answers = metric(lab, "dpwan_dns_snoop_answers_total")
    inserted = metric(lab, "dpwan_dns_snoop_inserted_total")

    # the host asks the Internet resolver directly (through NAT), then connects at once
    assert dig_addrs(lab, EXAMPLE, server=RES["wan1"]) == [SERVER]
    tag = "t42-" + uuid.uuid4().hex[:8]
    r = lab.curl(http_server.url("/whoami?tag=%s" % tag), timeout=5)
    assert r.returncode == 0, r.stderr
    assert http_server.sources(tag) == [WAN2], \
        "the first connection after the answer: expected wan2 (%s), the server saw %s" % (
            WAN2, http_server.sources(tag))
    # and every new connection while the entry lives
    w = tcp_who(lab, 8)
    assert not w["errors"], w
    only(w["seen"], WAN2, "new connections to %s (%s) under the domain rule" % (SERVER, EXAMPLE))

    got = entry(lab)
    assert got is not None and 0 < got["expires_in"] <= TTL, set_of(lab)
    e = explain(lab)
    assert e["domain_miss"] is None and e["rule"] == {"index": 0, "name": "by_name"}, e
    assert e["wan"] == "wan2", e
    assert metric(lab, "dpwan_dns_snoop_answers_total") > answers
    assert metric(lab, "dpwan_dns_snoop_inserted_total") > inserted
    assert metric(lab, "dpwan_domain_set_entries") >= 1
    out = lab.ctl("domain-sets").stdout
    assert EXAMPLE in out and SERVER in out and "by_name" in out, out

    # the TTL runs out: the entry goes, the rule misses again and connections balance
    lab.wait_for(lambda: entry(lab) is None, TTL + 5, "the entry of %s to expire" % SERVER)
    assert explain(lab)["domain_miss"] == {"index": 0, "name": "by_name"}
    out = lab.ctl("explain", "tcp", "%s:5000" % HOST, "%s:%d" % (SERVER, TCP_WHO_PORT)).stdout
    assert "rule #0 by_name passed: its domain sets" in out, out
    w = tcp_who(lab, 16)
    assert not w["errors"], w
    assert set(w["seen"]) == {WAN1, WAN2}, \
        "after the expiry the default rule should balance, saw %s" % w["seen"]


def test_without_the_rule_connections_balance(lab, upstreams, tcp_who_server, policy_restored):
    apply(lab, domain_doc(lab, with_rule=False))
    assert lab.api_json("GET", SETS)[0]["sets"] == []
    assert dig_addrs(lab, EXAMPLE, server=RES["wan1"]) == [SERVER]
    w = tcp_who(lab, 16)
    assert not w["errors"], w
    assert set(w["seen"]) == {WAN1, WAN2}, \
        "no domain rule: the weighted default rule should use both WANs, saw %s" % w["seen"]
    # no pattern, nothing is put
    s = lab.api_json("GET", SETS)[0]
    assert s["sets"] == [], s
