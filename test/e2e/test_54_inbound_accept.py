# SPDX-License-Identifier: BSD-3-Clause
"""Inbound access in the lab (issue 10's acceptance): a port forward to a weighted pool
of two LAN servers with a port mapping (8080 -> 80), replies pinned to the WAN a
connection came in on while the outbound policy prefers the other, hairpin NAT from the
LAN, an outbound NAT mapping to an additional address of wan1, an inbound firewall rule
that denies and counts, a bounded SYN flood against the DoS limits, and NAT port
exhaustion. The suite runs with one worker (conf/lab.conf) and with two
(conf/lab-2workers.conf): test/e2e/meson.build runs every test of this directory under
both, so each test here runs in both (the pool's split then comes from two workers'
round-robin rows).

The clients and servers are inbound_tool.py's; the inet host is 198.19.0.10, the WAN
addresses 198.18.1.2 (wan1) and 198.18.2.2 (wan2), the LAN servers 198.18.0.10 ("lan",
the lan namespace) and 198.18.0.11 ("inb-a", an added LAN host), listening on port 80
only.
"""
import json

from conftest import SERVER, clients_cmd, http_sources
from inbound_lab import (EXTRA_WAN1, LAN_HOST, LAN_PORT, POOL_HOST, POOL_NS,
                         PREFER_WAN1, WAN1, WAN2, apply, dos_drops, events_since,
                         http_many, inbound_doc, inbound_restored, lan_servers, metric_series,
                         metrics, nat_ports, service, sessions_active, tool_cmd, wan_counters)
from policy_lab import udp_who

__all__ = ["inbound_restored", "lan_servers", "udp_who"]

N_POOL = 300
WEB = service("web", 8080, [(LAN_HOST, 10), (POOL_HOST, 5)], to_port=LAN_PORT,
              wans=["wan1"])


def workers(lab):
    return lab.api_status()["dataplane"]["workers"]


def test_weighted_pool_and_port_mapping(lab, lan_servers, inbound_restored):
    """300 new connections from inet to wan1:8080, a pool of weights 10 / 5 on port 80:
    every one answered, 200 / 100 within 10 %, the client's own address seen by the
    servers (a port forward translates the destination only); a port no service names
    is not forwarded."""
    apply(lab, inbound_doc(lab, services=[WEB]))
    r = http_many(lab, "inet", WAN1, 8080, N_POOL)
    assert r["n_ok"] == N_POOL, "%d of %d connections to %s:8080 failed (%d workers): %s" % (
        r["n_errors"], N_POOL, WAN1, workers(lab), r)
    a, b = r["by_name"].get("lan", 0), r["by_name"].get(POOL_NS, 0)
    assert set(r["by_name"]) <= {"lan", POOL_NS}, r
    assert 180 <= a <= 220 and 80 <= b <= 120, \
        "weights 10 / 5 gave %s %d and %s %d of %d connections (want 200 / 100 +- 10 %%, " \
        "%d workers)" % (LAN_HOST, a, POOL_HOST, b, N_POOL, workers(lab))
    assert r["seen_src"] == {SERVER: N_POOL}, \
        "the servers saw other clients than the inet host %s: %s" % (SERVER, r["seen_src"])
    # the servers listen on 80 only: a public port without a service reaches nobody
    r = http_many(lab, "inet", WAN1, 8090, 2, timeout=3)
    assert r["n_ok"] == 0, "%s:8090 is no service's port but answered: %s" % (WAN1, r)
    assert lan_servers.alive()


def test_reply_pinned_to_ingress_wan(lab, lan_servers, inbound_restored, http_server):
    """A service on wan2 (8081 -> 198.18.0.10:80) while the default rule puts wan1 first:
    the replies of a connection that came in on wan2 leave by wan2 (its tx counters carry
    the download, wan1's only the health probes)."""
    apply(lab, inbound_doc(lab, services=[
        service("web2", 8081, [(LAN_HOST, 1)], to_port=LAN_PORT, wans=["wan2"])],
        default_rule=PREFER_WAN1))
    # the outbound policy does prefer wan1 now
    assert set(http_sources(lab, http_server, "t54pin", 4)) == {WAN1}
    before = wan_counters(lab)
    r = lab.run_json("inet", tool_cmd("stream", WAN2, 8081, 2), timeout=40)
    after = wan_counters(lab)
    assert r["error"] is None and r["bytes"] > 200000, \
        "download from %s:8081 (a service on wan2): %s" % (WAN2, r)
    tx = {w: after[w]["tx_bytes"] - before[w]["tx_bytes"] for w in ("wan1", "wan2")}
    assert tx["wan2"] >= r["bytes"], \
        "the replies did not leave by wan2, the WAN the connection came in on: %d bytes " \
        "received by the client, tx %s" % (r["bytes"], tx)
    assert tx["wan1"] < 100000, \
        "part of the download left by wan1 (the outbound policy's WAN): tx %s" % tx


def test_hairpin_from_lan(lab, lan_servers, inbound_restored):
    """LAN hosts reach the forwarded service through wan1's public address (hairpin NAT),
    also the host that is itself a server of the pool."""
    apply(lab, inbound_doc(lab, services=[WEB]))
    for ns in ("lan", POOL_NS):
        r = http_many(lab, ns, WAN1, 8080, 6)
        assert r["n_ok"] == 6, "hairpin from %s to %s:8080: %s" % (ns, WAN1, r)
        assert set(r["by_name"]) <= {"lan", POOL_NS}, r


def test_outbound_mapping_to_additional_address(lab, lan_servers, inbound_restored,
                                                http_server):
    """An outbound NAT mapping of 198.18.0.10 on wan1 to the additional address
    198.18.1.20: the inet server sees that address as the client; another LAN host keeps
    wan1's own address."""
    apply(lab, inbound_doc(lab, wans={"wan1": {"additional_addresses": [EXTRA_WAN1]}},
                           mappings=[{"name": "lan10", "type": "outbound", "lan": LAN_HOST,
                                      "wan": "wan1", "address": EXTRA_WAN1}],
                           default_rule=PREFER_WAN1))
    seen = http_sources(lab, http_server, "t54map", 10)
    assert set(seen) == {EXTRA_WAN1}, \
        "%s mapped to %s on wan1, the inet server saw %s" % (LAN_HOST, EXTRA_WAN1, seen)
    r = lab.run_json(POOL_NS, clients_cmd("http-many", SERVER, 8080, 4, "t54nomap"),
                     timeout=60)
    assert r["n_errors"] == 0, r
    assert set(http_server.sources("t54nomap")) == {WAN1}, http_server.sources("t54nomap")


def test_inbound_firewall_deny_counted(lab, lan_servers, inbound_restored, http_server):
    """An inbound rule denying 198.19.0.0/24 to the servers' port: connections from inet
    to the forward fail, the rule's counter (dpwan_firewall_rule_hits_total) rises, and
    LAN hosts' outbound connections are not affected."""
    apply(lab, inbound_doc(lab, services=[WEB]))
    r = http_many(lab, "inet", WAN1, 8080, 3)
    assert r["n_ok"] == 3, "the forward does not work without the rule: %s" % r
    apply(lab, inbound_doc(lab, services=[WEB], firewall={
        "inbound": [{"name": "no_inet", "proto": "tcp", "src": ["198.19.0.0/24"],
                     "dst_port": [LAN_PORT], "action": "deny"}]}))
    before = sum(metric_series(metrics(lab), "dpwan_firewall_rule_hits_total",
                               "no_inet").values())
    r = http_many(lab, "inet", WAN1, 8080, 3, timeout=3)
    assert r["n_ok"] == 0, "denied by an inbound rule, yet answered: %s" % r
    fams = metrics(lab)
    hits = metric_series(fams, "dpwan_firewall_rule_hits_total", "no_inet")
    assert hits, "no series of rule no_inet in dpwan_firewall_rule_hits_total: %s" % (
        sorted(fams.get("dpwan_firewall_rule_hits_total", {}).get("samples", {})))
    assert sum(hits.values()) >= before + 3, \
        "3 denied connections, the rule's counter went %d -> %s" % (before, hits)
    assert len(http_sources(lab, http_server, "t54fw", 3)) == 3


# SYN flood: DoS limits and the flood's shape
SYN_PER_SOURCE = 50
SYN_GLOBAL = 400
FLOOD_S = 20
FLOOD_RANDOM_PPS = 2000
FLOOD_ONE_PPS = 500
FLOOD_ONE_SRC = "198.19.0.77"


def test_syn_flood(lab, lan_servers, inbound_restored, http_server):
    """20 s of SYNs at the forward from random sources (2000/s) and from one (500/s),
    under syn_rate_per_source 50 and syn_rate_global 400: an established connection
    through the forward keeps streaming, LAN hosts open new connections out, the
    sessions stay under what the global rate lets in, and the DoS drop counter rose."""
    apply(lab, inbound_doc(lab, services=[WEB], dos={
        "syn_rate_per_source": SYN_PER_SOURCE, "syn_rate_global": SYN_GLOBAL}))
    mark_drops = dos_drops(lab)
    assert mark_drops, "no DoS drop counter in /api/v1/status drops: %s" % sorted(
        lab.api_status()["drops"])
    sess0 = sessions_active(lab)
    stream = lab.start_bg("inet", tool_cmd("stream", WAN1, 8080, FLOOD_S + 10), "t54-stream")
    floods = []
    try:
        lab.wait_for(lambda: sessions_active(lab) > sess0, 10,
                     "the streaming connection's session")
        floods = [
            lab.start_bg("inet", tool_cmd("syn-flood", WAN1, 8080, FLOOD_S, FLOOD_RANDOM_PPS,
                                          FLOOD_RANDOM_PPS * FLOOD_S, "random",
                                          FLOOD_RANDOM_PPS * FLOOD_S),
                         "t54-flood-random"),
            lab.start_bg("inet", tool_cmd("syn-flood", WAN1, 8080, FLOOD_S, FLOOD_ONE_PPS,
                                          FLOOD_ONE_PPS * FLOOD_S, FLOOD_ONE_SRC,
                                          FLOOD_ONE_PPS * FLOOD_S),
                         "t54-flood-one")]
        # during the flood: new LAN -> inet connections work
        for i in range(3):
            seen = http_sources(lab, http_server, "t54flood%d" % i, 10)
            assert len(seen) == 10
        sent = 0
        for f in floods:
            assert f.wait(FLOOD_S + 30) == 0, f.output()
            sent += int(json.loads(f.output().strip().splitlines()[-1])["sent"])
        assert stream.wait(FLOOD_S + 40) == 0, stream.output()
        res = json.loads(stream.output().strip().splitlines()[-1])
    finally:
        for b in floods + [stream]:
            lab.stop_bg(b)
    assert res["error"] is None and res["max_gap_s"] < 3.0 and res["bytes"] > 1000000, \
        "the established connection through the forward during the flood: %s" % res
    # what the limits let in: the global rate over the flood (plus one burst), plus the
    # connections of this test. Every SYN of the flood is a flow of its own (as many
    # prebuilt frames as SYNs; the one source's ports repeat a little): without the
    # limits the sessions would grow by about what was sent, several times this.
    allowed = SYN_GLOBAL * (FLOOD_S + 2) + SYN_GLOBAL
    now = sessions_active(lab)
    assert now <= sess0 + allowed + 200, \
        "%d SYNs sent, sessions %d -> %d: more than the rate limits let in (%d)" % (
            sent, sess0, now, allowed)
    after = dos_drops(lab)
    grown = sum(after.values()) - sum(mark_drops.values())
    assert grown >= (sent - allowed) // 4, \
        "%d SYNs sent (at most %d admitted): the DoS drops rose by %d only: %s -> %s" % (
            sent, allowed, grown, mark_drops, after)
    lab.api_json("DELETE", "/api/v1/sessions")


# NAT port exhaustion: the fewest ports the dataplane accepts (1024), more UDP flows
# than that to one destination port
NAT_LO, NAT_HI = 41000, 42023
N_UDP = 1200


def test_nat_port_exhaustion(lab, udp_who, inbound_restored):
    """With 1024 NAT ports (nat.port_min/port_max) and 1200 UDP flows open at once to one
    inet destination port over wan1: the exhaustion counter rises and a
    nat_ports_exhausted event appears; the flows that got through each have their own
    port, from the configured range."""
    with nat_ports(lab, NAT_LO, NAT_HI):
        apply(lab, inbound_doc(lab, default_rule=PREFER_WAN1))
        drops0 = lab.api_status()["drops"]["nat_ports_exhausted"]
        seq = lab.last_event()
        r = lab.run_json("lan", tool_cmd("udp-flows", SERVER, udp_who.port, N_UDP, 8),
                         timeout=90)
        got = list(r["answered"].values())
        srcs = {a for a, _ in got}
        ports = [p for _, p in got]
        assert srcs <= {WAN1}, "flows left by other than wan1: %s" % srcs
        assert (NAT_HI - NAT_LO + 1) // 2 <= len(got) <= NAT_HI - NAT_LO + 1, \
            "%d of %d flows got through with %d NAT ports" % (len(got), N_UDP,
                                                           NAT_HI - NAT_LO + 1)
        assert len(set(ports)) == len(ports), \
            "two flows share a NAT port: %s" % sorted(ports)
        assert all(NAT_LO <= p <= NAT_HI for p in ports), \
            "ports outside nat.port_min..port_max: %s" % sorted(ports)
        drops = lab.api_status()["drops"]["nat_ports_exhausted"]
        assert drops > drops0, "no nat_ports_exhausted drop counted (%d -> %d)" % (drops0,
                                                                                 drops)
        evs = lab.wait_for(lambda: [e for e in events_since(lab, seq)
                                    if e["type"] == "nat_ports_exhausted"], 10,
                           "a nat_ports_exhausted event")
        assert any(e.get("wan") in ("wan1", None) for e in evs), evs
        lab.api_json("DELETE", "/api/v1/sessions")
