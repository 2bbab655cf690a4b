# SPDX-License-Identifier: BSD-3-Clause
"""The DNS proxy on the LAN address (issue 9): dnsmasq on dpw-lan, supervised beside
dpwan-control, forwarding to the resolvers of the usable WANs (each query leaves by its
WAN), with a cache, local records, the DHCP clients' names under the LAN domain, the
domain lookup policy, and its cache-flush and stats resources.

Upstreams: dns_lab's two dnsmasq in inet (wan1 -> 198.19.0.53, wan2 -> 198.19.0.54, set
as the WANs' addressing.dns); their query logs tell which resolver was asked and from
which WAN address. Real clients only: dig in the lan namespace, dhclient in a LAN host.
Every test puts the factory document back at the end (and the link it cut)."""
import json

import pytest

from conftest import WAN_ADDRS
from health_lab import NFT_DROP_ICMP, nft_drop, nft_flush
from dns_lab import (EXAMPLE, EXAMPLE_ADDR, LAN_ADDR, RES, SUB_DOMAIN, WAN_OF_SRC, WHICH,
                     WILD_ADDR, Dhclient, apply_doc, dig, dig_addrs, lan_doc, lan_host,
                     unique_name, upstreams, wan_resolvers, which)  # noqa: F401 (fixture)

UPSTREAM_ARGS = {"ttl": 30}


@pytest.fixture(autouse=True)
def _factory_document(lab):
    """Every test ends with the factory document (wan_resolvers restores it too)."""
    yield
    lab.restore_default()


def wan_usable(lab, name):
    return next(w for w in lab.api_status()["wans"] if w["name"] == name)["usable"]


def proxy_answer(lab, name, qtype="A", want="NOERROR"):
    """dig @198.18.0.1 NAME from lan, which must answer WANT."""
    r = dig(lab, name, qtype)
    assert r is not None, "the DNS proxy on %s did not answer %s %s" % (LAN_ADDR, name, qtype)
    assert r.status == want, "%s %s through the proxy: %s, expected %s\n%s" % (
        name, qtype, r.status, want, r.out)
    return r


# ---- the upstreams themselves (no appliance DNS involved) ---------------------------------

def test_upstreams_reachable_through_the_wans(lab, upstreams):
    """A LAN host asking the inet resolvers directly (through NAT, as a client that
    bypasses our DNS does): each answers which.test with its own address and logs the
    query with a WAN address as source."""
    mark = upstreams.mark()
    for wan, addr in RES.items():
        got = lab.wait_for(lambda: dig_addrs(lab, WHICH, server=addr), 10,
                           "%s to answer %s from lan" % (addr, WHICH))
        assert got == [addr], got
        r = dig(lab, EXAMPLE, server=addr)
        assert r is not None and r.addrs == [EXAMPLE_ADDR] and r.ttl() == 30, r
    for wan, u in upstreams.items():
        srcs = u.asked(WHICH, mark[wan])
        assert srcs and set(srcs) <= WAN_ADDRS, (wan, u.since(mark[wan]))


# ---- forwarding and cache ------------------------------------------------------------------

def test_proxy_forwards_through_each_wan(lab, upstreams):
    """dig @198.18.0.1 resolves through the upstreams: a new name is asked upstream once
    (the log shows it), each resolver only ever from its own WAN's address (server=IP@TAP),
    and a second query is answered from the cache (no new upstream query, TTL counting
    down from the upstream's 30)."""
    with wan_resolvers(lab):
        name = unique_name()
        mark = upstreams.mark()
        r = proxy_answer(lab, name)
        assert r.addrs == [WILD_ADDR], r
        asked = lab.wait_for(lambda: {w: s for w, s in upstreams.asked(name, mark).items()
                                      if s}, 5, "an upstream log to show %s" % name)
        for w, srcs in asked.items():
            assert all(WAN_OF_SRC.get(s) == w for s in srcs), \
                "the resolver of %s was asked from %s (want %s's address): a query left " \
                "by the wrong WAN" % (w, srcs, w)
        n = sum(len(s) for s in asked.values())
        r2 = proxy_answer(lab, name)
        assert r2.addrs == [WILD_ADDR] and 0 <= r2.ttl() <= 30, r2
        assert sum(len(s) for s in upstreams.asked(name, mark).values()) == n, \
            "a cached name was asked upstream again: %s" % upstreams.asked(name, mark)
        # which.test (TTL 0: never cached) twenty times: dnsmasq picks a resolver (the
        # fastest, retried now and then); whichever answered, it was asked from its WAN
        got = [which(lab) for _ in range(20)]
        assert None not in got and set(got) <= {"wan1", "wan2"}, got
        for w, u in upstreams.items():
            srcs = set(u.asked(WHICH, mark[w]))
            assert {WAN_OF_SRC.get(s) for s in srcs} <= {w}, (w, srcs)
            if w in got:
                assert srcs, (w, got, u.since(mark[w]))


def test_example_resolves(lab, upstreams):
    """The brief's own case: dig @198.18.0.1 example.test from the LAN host."""
    with wan_resolvers(lab):
        mark = upstreams.mark()
        flush = lab.api("POST", "/api/v1/lan/dns/cache/flush")
        assert flush.code in (200, 204), flush
        r = proxy_answer(lab, EXAMPLE)
        assert r.addrs == [EXAMPLE_ADDR], r
        lab.wait_for(lambda: upstreams.who_asked(EXAMPLE, mark), 5,
                     "an upstream to log the query for %s" % EXAMPLE)


# ---- local records and DHCP names ----------------------------------------------------------

RECORDS = [
    {"name": "nas.home.test", "type": "A", "value": "198.18.0.50", "ttl": 120},
    {"name": "files.home.test", "type": "CNAME", "value": "nas.home.test"},
    {"name": "198.18.0.50", "type": "PTR", "value": "nas.home.test"},
    {"name": "*.apps.home.test", "type": "A", "value": "198.18.0.51"},
]


def test_local_records(lab, upstreams):
    """dns_records A, CNAME, PTR (and a wildcard A) are answered by the proxy itself:
    right data, the record's TTL, and no query reaches an upstream."""
    with wan_resolvers(lab, dns_records=RECORDS):
        mark = upstreams.mark()
        r = proxy_answer(lab, "nas.home.test")
        assert r.addrs == ["198.18.0.50"], r
        assert r.ttl() == 120, "the A record's ttl 120 is not what the proxy answers: %r" % r
        r = proxy_answer(lab, "files.home.test")
        assert r.data("CNAME") == ["nas.home.test"] and r.addrs == ["198.18.0.50"], r
        r = proxy_answer(lab, "198.18.0.50", "PTR")
        assert r.data("PTR") == ["nas.home.test"], r
        r = proxy_answer(lab, "x1.apps.home.test")
        assert r.addrs == ["198.18.0.51"], r
        # an upstream name still goes up (so the upstreams are there and logging)
        probe = unique_name()
        assert proxy_answer(lab, probe).addrs == [WILD_ADDR]
        lab.wait_for(lambda: upstreams.who_asked(probe, mark), 5, "the probe upstream")
        for w, u in upstreams.items():
            local = [q for q in u.since(mark[w]) if "home.test" in q["name"] or
                     q["name"].endswith("in-addr.arpa")]
            assert not local, "a local record was asked upstream (%s): %s" % (w, local)


def test_dhcp_client_name_resolves(lab, upstreams):
    """A DHCP client that sends its host name is found as <name>.lan (the default domain)
    at the address it leased."""
    with wan_resolvers(lab), lan_host(lab, "h41name") as ns:
        cl = Dhclient(lab, ns, hostname="h41name")
        try:
            lease = cl.run()
            assert lease, "dhclient got no lease:\n%s" % cl.last_output
            addr = lease["new_ip_address"]
            got = lab.wait_for(lambda: dig_addrs(lab, "h41name.lan"), 10,
                               "h41name.lan to resolve through the proxy")
            assert got == [addr], (got, addr)
            r = proxy_answer(lab, addr, "PTR")
            assert r.data("PTR") == ["h41name.lan"], r
        finally:
            cl.run(release=True)


# ---- resolver choice -----------------------------------------------------------------------

def test_dead_wan_resolver_not_used(lab, upstreams):
    """wan1's link blackholed: once wan1 is not usable the proxy asks only wan2's
    resolver (servers.conf follows the WAN states): which.test answered by 198.19.0.54
    every time."""
    with wan_resolvers(lab):
        try:
            lab.lab("link", "isp1", "blackhole=1")
            lab.wait_for(lambda: not wan_usable(lab, "wan1"), 15, "wan1 not usable")
            lab.wait_for(lambda: which(lab) == "wan2", 10,
                         "which.test answered through wan2's resolver")
            mark = upstreams.mark()
            got = [which(lab) for _ in range(8)]
            assert got == ["wan2"] * 8, got
            assert not upstreams["wan1"].since(mark["wan1"]), \
                upstreams["wan1"].since(mark["wan1"])
        finally:
            lab.lab("link", "isp1", "reset", check=False)
            lab.lab("link", "isp1", "up", check=False)
            lab.wait_for(lambda: wan_usable(lab, "wan1"), 30, "wan1 usable again")
    # and back: wan1's resolver is asked again
    with wan_resolvers(lab):
        lab.wait_for(lambda: which(lab) == "wan1", 20,
                     "which.test answered through wan1's resolver again")


def test_offline_wan_resolver_not_asked(lab, upstreams):
    """wan1 offline by its health check only (isp1 drops ICMP; DNS still passes): its
    resolver is reachable, yet the proxy no longer asks it: servers.conf follows the WAN
    states, it is not dnsmasq giving up on a dead server."""
    with wan_resolvers(lab):
        try:
            nft_drop(lab, "isp1", NFT_DROP_ICMP)
            lab.wait_for(lambda: not wan_usable(lab, "wan1"), 15, "wan1 not usable")
            # isp1 drops only ICMP: wan1's resolver still answers (here through NAT)
            assert dig_addrs(lab, WHICH, server=RES["wan1"]) == [RES["wan1"]]
            lab.wait_for(lambda: which(lab) == "wan2", 10,
                         "which.test answered through wan2's resolver")
            mark = upstreams.mark()
            got = [which(lab) for _ in range(8)]
            assert got == ["wan2"] * 8, got
            from_proxy = [q for q in upstreams["wan1"].since(mark["wan1"])
                          if q["src"] == "198.18.1.2"]
            assert not from_proxy, "wan1 is offline, its resolver was still asked by " \
                "the proxy: %s" % from_proxy
        finally:
            nft_flush(lab, "isp1")
            lab.wait_for(lambda: wan_usable(lab, "wan1"), 30, "wan1 usable again")


def test_domain_lookup_policy(lab, upstreams):
    """domain_lookup {domain: example.test, wans: [wan2]}: every query for example.test
    and below goes to wan2's resolver only, from wan2's address; other names are still
    answered through a resolver."""
    with wan_resolvers(lab, domain_lookup=[{"domain": EXAMPLE, "wans": ["wan2"]}]):
        mark = upstreams.mark()
        names = [unique_name(SUB_DOMAIN) for _ in range(10)]
        for n in names:
            r = proxy_answer(lab, n)
            assert r.addrs == [EXAMPLE_ADDR], r
        for n in names:
            lab.wait_for(lambda: upstreams.asked(n, mark)["wan2"], 5,
                         "wan2's resolver to log %s" % n)
            a = upstreams.asked(n, mark)
            assert not a["wan1"], "%s went to wan1's resolver too: %s" % (n, a)
            assert set(a["wan2"]) == {"198.18.2.2"}, a
        # which.test is not under example.test: answered through a resolver as before
        assert which(lab) in ("wan1", "wan2")


# ---- cache flush and stats -----------------------------------------------------------------

def _numbers(tree, prefix=""):
    """{dotted.path: number} of every number in a JSON tree."""
    out = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_numbers(v, prefix + k + "."))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out[prefix.rstrip(".")] = tree
    return out


def _stat(stats, key):
    nums = _numbers(stats)
    hits = [v for k, v in nums.items() if k.split(".")[-1] == key]
    assert len(hits) == 1, "no single number %r in GET /api/v1/lan/dns/stats: %s" % (
        key, json.dumps(stats)[:1000])
    return hits[0]


def test_cache_flush(lab, upstreams):
    """A cached name is not asked upstream again until POST /api/v1/lan/dns/cache/flush;
    after the flush it is."""
    with wan_resolvers(lab):
        name = unique_name()
        mark = upstreams.mark()
        proxy_answer(lab, name)
        lab.wait_for(lambda: upstreams.who_asked(name, mark), 5, "the first upstream query")
        proxy_answer(lab, name)
        n = sum(len(s) for s in upstreams.asked(name, mark).values())
        assert n == 1, "%d upstream queries for a name asked twice: %s" % (
            n, upstreams.asked(name, mark))
        r = lab.api("POST", "/api/v1/lan/dns/cache/flush")
        assert r.code in (200, 204), r
        proxy_answer(lab, name)
        lab.wait_for(lambda: sum(len(s) for s in upstreams.asked(name, mark).values()) >= 2,
                     5, "a second upstream query after the flush")
        # without a token: refused
        r = lab.api("POST", "/api/v1/lan/dns/cache/flush", token="")
        assert r.code == 401, r


def test_dns_stats(lab, upstreams):
    """GET /api/v1/lan/dns/stats: dnsmasq's cache counters; a miss and a hit are counted
    by the queries we make, the cache size is the document's."""
    with wan_resolvers(lab, lan={"dns": {"cache_size": 5000}}):
        lab.wait_for(lambda: _stat(lab.api_json("GET", "/api/v1/lan/dns/stats")[0],
                                   "cache_size") == 5000, 10, "cache_size 5000 in the stats")
        s0 = lab.api_json("GET", "/api/v1/lan/dns/stats")[0]
        name = unique_name()
        proxy_answer(lab, name)
        proxy_answer(lab, name)
        proxy_answer(lab, name)

        def grown():
            s = lab.api_json("GET", "/api/v1/lan/dns/stats")[0]
            return s if (_stat(s, "misses") >= _stat(s0, "misses") + 1 and
                         _stat(s, "hits") >= _stat(s0, "hits") + 2) else None
        s1 = lab.wait_for(grown, 10, "misses +1 and hits +2 in the DNS stats (before: %s)" %
                          json.dumps(s0))
        # the upstreams are the WANs' resolvers, and they were asked
        servers = {e["server"].split("#")[0]: e for e in s1["servers"]}
        assert set(RES.values()) <= set(servers), s1["servers"]
        assert sum(servers[a]["queries"] for a in RES.values()) >= 1, s1["servers"]


def test_dns_disabled(lab, upstreams):
    """lan.dns.enabled false: nothing answers DNS on the LAN address (DHCP may go on);
    back on, it answers again."""
    with wan_resolvers(lab):
        apply_doc(lab, lan_doc(lab, lan={"dns": {"enabled": False}}))
        lab.wait_for(lambda: dig(lab, WHICH, timeout=1) is None, 15,
                     "the proxy to stop answering")
        apply_doc(lab, lan_doc(lab))
        lab.wait_for(lambda: which(lab) is not None, 15, "the proxy to answer again")
