# SPDX-License-Identifier: BSD-3-Clause
"""Domain rules through the appliance's own DNS proxy (issue 9): a LAN host asks
198.18.0.1 (dnsmasq on the LAN TAP, its upstreams the WANs' resolvers in inet), the
answer leaves through the dataplane's main lcore, which snoops it like the workers snoop
the answers of Internet resolvers (test_42): the first connection to the name follows
the rule {dst_domain: [example.test] -> wan2 only}. An answer from the proxy's cache is
snooped too (it refreshes the entry), and a local record under the pattern
(dns_records, answered by dnsmasq itself, never asked upstream) fills the set as well."""
import uuid

from conftest import SERVER
from dns_lab import EXAMPLE, LAN_ADDR, dig, dig_addrs, lan_doc, upstreams
from policy_lab import (WAN2, apply, cand, only, pick, policy_restored, rule, tcp_who,
                        tcp_who_server)

__all__ = ["policy_restored", "tcp_who_server", "upstreams"]

UPSTREAM_ARGS = {"ttl": 10}
TTL = 10
SETS = "/api/v1/lan/dns/domain-sets"
LOCAL_NAME = "local.example.test"
LOCAL_ADDR = "198.19.0.12"


def domain_doc(lab):
    doc = lan_doc(lab, dns_records=[{"name": LOCAL_NAME, "type": "A", "value": LOCAL_ADDR,
                                     "ttl": 20}])
    doc["members"] = [{"name": "wan2_m1", "wan": "wan2", "metric": 1, "weight": 1}]
    doc["policies"] = [{"name": "wan2_only", "members": ["wan2_m1"]}]
    doc["rules"] = [rule("by_name", "wan2_only", dst_domain=[EXAMPLE])]
    doc["default_rule"] = {"preset": "custom", **pick("weighted", cand(wan1=1, wan2=1))}
    return doc


def asked(upstreams, name, mark):
    """Did any upstream get a query for NAME since MARK?"""
    return any(upstreams.asked(name, mark).values())


def entries(lab):
    for s in lab.api_json("GET", SETS)[0]["sets"]:
        if s["pattern"] == EXAMPLE:
            return {e["address"]: e["expires_in"] for e in s.get("entries", [])}
    return {}


def test_proxy_answers_place_the_first_connection(lab, upstreams, tcp_who_server,
                                                  http_server, policy_restored):
    apply(lab, domain_doc(lab))
    lab.wait_for(lambda: dig_addrs(lab, "which.test", server=LAN_ADDR) != [], 15,
                 "the DNS proxy to answer through an upstream")
    # an entry from an earlier test ages out first (TTL 10 s): the set starts without SERVER
    lab.wait_for(lambda: SERVER not in entries(lab), TTL + 5,
                 "an old entry of %s to expire" % SERVER)

    # an empty cache: this answer comes from an upstream through the proxy
    r = lab.api("POST", "/api/v1/lan/dns/cache/flush")
    assert r.code in (200, 204), r
    mark = upstreams.mark()
    assert dig_addrs(lab, EXAMPLE, server=LAN_ADDR) == [SERVER]
    assert asked(upstreams, EXAMPLE, mark), "the proxy should have asked an upstream"
    assert SERVER in entries(lab), lab.api_json("GET", SETS)[0]
    tag = "t44-" + uuid.uuid4().hex[:8]
    r = lab.curl(http_server.url("/whoami?tag=%s" % tag), timeout=5)
    assert r.returncode == 0, r.stderr
    assert http_server.sources(tag) == [WAN2], \
        "the first connection after the proxy's answer: expected wan2 (%s), the server " \
        "saw %s" % (WAN2, http_server.sources(tag))
    w = tcp_who(lab, 8)
    assert not w["errors"], w
    only(w["seen"], WAN2, "new connections to %s under the domain rule" % SERVER)

    # a cached answer (no upstream query) is snooped as well: it pushes the expiry on
    first = entries(lab)[SERVER]
    lab.wait_for(lambda: entries(lab).get(SERVER, TTL) < first, 5,
                 "the entry's expiry to count down")
    mark = upstreams.mark()
    res = dig(lab, EXAMPLE, server=LAN_ADDR)
    assert res.addrs == [SERVER], res
    if not asked(upstreams, EXAMPLE, mark):
        # answered from the cache: the entry is there with the answer's (remaining) TTL
        assert SERVER in entries(lab), lab.api_json("GET", SETS)[0]

    # a local record under the pattern, answered by dnsmasq itself
    mark = upstreams.mark()
    res = dig(lab, LOCAL_NAME, server=LAN_ADDR)
    assert res.addrs == [LOCAL_ADDR], res
    assert not asked(upstreams, LOCAL_NAME, mark), "a local record went upstream"
    got = entries(lab)
    assert LOCAL_ADDR in got and 0 < got[LOCAL_ADDR] <= 20, got
