# SPDX-License-Identifier: BSD-3-Clause
"""Outbound policy engine in the lab (issue 8 point 6), how new connections are spread:
weighted balance 3:2 over 1000 new UDP flows, one long TCP download that stays on one
WAN, and persistence by source that keeps each LAN host on one WAN for 50 destinations
(with the two-worker lab, conf/lab-2workers.conf, the same test shows it across workers:
the host's flows are received by both workers).

A flow's WAN is the source address the inet server saw (198.18.1.2 wan1, 198.18.2.2
wan2)."""
import hashlib
import os

from conftest import SERVER, sha256_file
from policy_lab import (WAN1, WAN2, apply, cand, inet_addrs, pick, policy_doc,
                        policy_restored, rule, start_tcp_server, tool_cmd, udp_flows,
                        udp_who, wan_counters, lan_hosts)

__all__ = ["policy_restored", "udp_who"]

N_FLOWS = 1000
DL_SIZE = 20 * 1024 * 1024
PERSIST_PORT = 7301
DSTS = ["198.19.0.%d" % i for i in range(100, 150)]


def test_weighted_3_2_over_1000_udp_flows(lab, udp_who, policy_restored):
    apply(lab, policy_doc(lab, rules=[
        rule("udp_who", pick("weighted", cand(wan1=3, wan2=2)), proto="udp",
             dst=[SERVER + "/32"], dst_port=[udp_who.port])]))
    before = wan_counters(lab)
    r = udp_flows(lab, 10000, N_FLOWS)
    assert not r["failed"], "%d flows never answered: %s" % (len(r["failed"]), r)
    seen = r["seen"]
    assert set(seen) <= {WAN1, WAN2}, seen
    n1, n2 = seen.get(WAN1, 0), seen.get(WAN2, 0)
    assert n1 + n2 == N_FLOWS, seen
    assert 550 <= n1 <= 650 and 350 <= n2 <= 450, \
        "weights 3:2 gave wan1 %d and wan2 %d of %d new flows (want 55-65 %% / 35-45 %%)" % (
            n1, n2, N_FLOWS)
    # the dataplane counted the sessions it created on each WAN alike
    after = wan_counters(lab)
    made = {w: after[w]["sessions_created"] - before[w]["sessions_created"]
            for w in ("wan1", "wan2")}
    assert made["wan1"] >= n1 and made["wan2"] >= n2, (made, seen)


def test_long_tcp_download_stays_on_one_wan(lab, http_server, policy_restored):
    """20 MB over one HTTP connection with a 1:1 weighted default rule: the server sees
    one source, the file arrives intact, and only one WAN's counters carried it."""
    apply(lab, policy_doc(lab, default_rule={
        "preset": "custom", **pick("weighted", cand(wan1=1, wan2=1))}))
    name = "dl20m.bin"
    path = os.path.join(http_server.root, name)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        b = os.urandom(DL_SIZE)
        h.update(b)
        f.write(b)
    out = os.path.join(lab.workdir, "dl20m.out")
    try:
        before = wan_counters(lab)
        p = lab.curl(http_server.url("/file/%s?tag=t32dl" % name), timeout=120,
                     extra=["-o", out])
        assert p.returncode == 0, p.stderr
        after = wan_counters(lab)
        assert os.path.getsize(out) == DL_SIZE and sha256_file(out) == h.hexdigest()
        srcs = http_server.sources("t32dl")
        assert len(srcs) == 1 and srcs[0] in (WAN1, WAN2), srcs
        used = "wan1" if srcs[0] == WAN1 else "wan2"
        other = "wan2" if used == "wan1" else "wan1"
        rx = {w: after[w]["rx_bytes"] - before[w]["rx_bytes"] for w in ("wan1", "wan2")}
        assert rx[used] >= DL_SIZE, ("the download's WAN did not carry it", used, rx)
        # the other WAN carried only health probes meanwhile (a few hundred bytes a second)
        assert rx[other] < 1024 * 1024, ("part of the download came in on %s" % other, rx)
    finally:
        os.unlink(path)
        if os.path.exists(out):
            os.unlink(out)


def persist_hosts(lab):
    """(namespace, address) of the LAN hosts of the persistence test."""
    return [("lan", "198.18.0.10"), ("t32h1", "198.18.0.21"), ("t32h2", "198.18.0.22")]


def who_dsts(lab, ns):
    r = lab.run_json(ns, tool_cmd("tcp-who-dsts", PERSIST_PORT, 5, *DSTS), timeout=120)
    assert not r["errors"], r
    assert sorted(r["by_dst"]) == sorted(DSTS), r
    return r["by_dst"]


def test_persistence_by_source_50_destinations(lab, policy_restored):
    """Three LAN hosts, 50 inet destinations each, a new TCP connection to each: with
    weighted balance the destinations of one host spread over both WANs (the witness that
    persistence is what keeps them together); with persistence by source (a rule, then
    the default rule's high_compatibility preset) every host's 50 connections leave by
    one WAN. With several workers, both workers took part."""
    hosts = persist_hosts(lab)
    with inet_addrs(lab, DSTS), lan_hosts(lab, hosts[1:]):
        srv = start_tcp_server(lab, "0.0.0.0", PERSIST_PORT, "t32-persist-server")
        try:
            apply(lab, policy_doc(lab, rules=[
                rule("spread", pick("weighted", cand(wan1=1, wan2=1)), proto="tcp",
                     dst_port=[PERSIST_PORT])]))
            spread = set(who_dsts(lab, "lan").values())
            assert spread == {WAN1, WAN2}, \
                "weighted 1:1 over 50 destinations used only %s" % spread
            for variant, doc in (
                    ("rule persistence source", policy_doc(lab, rules=[
                        rule("persist", pick("persistence", cand(wan1=1, wan2=1),
                                             persistence="source"),
                             proto="tcp", dst_port=[PERSIST_PORT])])),
                    ("default rule high_compatibility", policy_doc(lab, default_rule={
                        "preset": "high_compatibility"}))):
                apply(lab, doc)
                st0 = lab.api_status()
                got = {}
                for ns, addr in hosts:
                    by_dst = who_dsts(lab, ns)
                    got[addr] = sorted(set(by_dst.values()))
                    assert len(got[addr]) == 1, \
                        "%s: host %s left by %s over 50 destinations: %s" % (
                            variant, addr, got[addr], by_dst)
                st1 = lab.api_status()
                workers = st0["dataplane"]["workers"]
                if workers > 1:
                    rx = [b["rx_packets"] - a["rx_packets"]
                          for a, b in zip(st0["workers"], st1["workers"])]
                    # 150 connections of ~10 packets each against a few health
                    # probes a second: each worker must have received a fair part
                    assert min(rx) >= 0.2 * sum(rx), \
                        "%s: with %d workers, one worker received almost none of the " \
                        "hosts' connections (rx %s): persistence across workers is not " \
                        "shown" % (variant, workers, rx)
        finally:
            lab.stop_bg(srv)
