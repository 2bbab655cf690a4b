# SPDX-License-Identifier: BSD-3-Clause
"""Self-check of the health tests' lab plumbing (health_lab.py, flow_watch.py) on a lab
without health checks: run by hand, not part of the suite (the name does not match
test_*.py):  flock -o /tmp/dpwan-heavy.lock python3 -m pytest -q test/e2e/plumbing_check.py
"""
import json
import os
import time

from conftest import SERVER, HTTP_PORT
from health_lab import (DNS_SILENT, DNS_UP, EXTRA_SERVERS, NFT_DROP_ICMP, TCP_WATCH_PORT,
                        WAN1, WAN2, dig, dns_servers, flow_watch_cmd, inet_addrs,
                        link_reset, nft_drop, nft_flush, nft_table_exists, start_udp_who)

__all__ = ["dns_servers"]


def ping(lab, ns, dst, src=None):
    args = ["ping", "-c1", "-W1", "-n", dst] + (["-I", src] if src else [])
    return lab.run(ns, args, timeout=10).returncode == 0


def test_inet_addrs_and_nft(lab, http_server):
    with inet_addrs(lab, EXTRA_SERVERS):
        assert ping(lab, "isp1", EXTRA_SERVERS[0])
        assert ping(lab, "isp2", EXTRA_SERVERS[0])
        try:
            nft_drop(lab, "isp1", NFT_DROP_ICMP)
            assert nft_table_exists(lab, "isp1")
            # isp1's own ICMP dies (input / output), isp2's passes
            assert not ping(lab, "isp1", SERVER)
            assert ping(lab, "isp2", SERVER)
            # forwarded ICMP dies: from inet to isp1's side of the link to the appliance
            assert not ping(lab, "inet", "198.18.1.1")
            assert ping(lab, "inet", "198.18.2.1")
            # TCP through isp1 passes (from isp1 itself: output chain drops ICMP only)
            p = lab.run("isp1", ["curl", "-sS", "--max-time", "5",
                                 "http://%s:%d/health/ok" % (SERVER, HTTP_PORT)])
            assert p.stdout.strip() == "dpwan-health-ok", p
            # the lab's own table is still there
            p = lab.run("isp1", ["nft", "list", "tables"], check=True)
            assert "dpwan_lab" in p.stdout, p.stdout
        finally:
            nft_flush(lab, "isp1")
        assert not nft_table_exists(lab, "isp1")
        assert ping(lab, "isp1", SERVER)
    assert not ping(lab, "isp1", EXTRA_SERVERS[0])


def test_http_paths(lab, http_server):
    for path, want in (("/health/ok", "200"), ("/health/nomatch", "200"),
                       ("/health/redirect", "302")):
        p = lab.run("isp1", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                             "--max-time", "5", "http://%s:%d%s" % (SERVER, HTTP_PORT, path)])
        assert p.stdout == want, (path, p)


def test_dns(lab, dns_servers):
    assert dig(lab, "isp1", DNS_UP, "up.test") == SERVER
    assert dig(lab, "isp1", DNS_UP, "nx.test") == "NXDOMAIN"
    t0 = time.monotonic()
    assert dig(lab, "isp1", DNS_SILENT, "up.test") is None
    assert time.monotonic() - t0 >= 1.5


def test_tcp_and_udp_watchers(lab, udp_echo):
    ready = os.path.join(lab.workdir, "tw.ready")
    srv = lab.start_bg("inet", flow_watch_cmd("tcp-server", SERVER, TCP_WATCH_PORT, ready),
                       "tw-srv", ready_file=ready)
    cl = []
    try:
        for want in (WAN1, WAN2):
            log = os.path.join(lab.workdir, "tw-%s.log" % want)
            rd = os.path.join(lab.workdir, "tw-%s.ready" % want)
            cl.append((want, log, lab.start_bg("lan", flow_watch_cmd(
                "tcp-client", SERVER, TCP_WATCH_PORT, want, log, rd), "tw-" + want,
                ready_file=rd, ready_timeout=20)))
        u = start_udp_who(lab, "uw", WAN1)
        time.sleep(1.0)
        for want, log, bg in cl:
            evs = [json.loads(x) for x in open(log)]
            assert len(evs) >= 10 and all(e["ev"] == "ok" for e in evs), (want, evs[-3:])
        r = u.replies()
        assert len(r) >= 10 and {x["addr"] for x in r} == {WAN1}, r[-3:]
        # link down on isp1 (the 0.1 behaviour: the WAN unusable at once): the UDP
        # flow's packets are dropped, the TCP client on wan1 stalls; nothing crashes
        lab.lab("link", "isp1", "down")
        time.sleep(2.0)
        lab.lab("link", "isp1", "up")
        lab.stop_bg(u.bg)
    finally:
        for _, _, bg in cl:
            lab.stop_bg(bg)
        lab.stop_bg(srv)
        link_reset(lab)


def test_tcp_many(lab, http_server):
    r = lab.run_json("lan", flow_watch_cmd("tcp-many", SERVER, HTTP_PORT, 20, 0.02, 2, "tm"))
    assert r["ok"] == 20 and set(r["seen"]) == {WAN1, WAN2}, r
    lab.lab("link", "isp1", "blackhole=1")
    try:
        r = lab.run_json("lan", flow_watch_cmd("tcp-many", SERVER, HTTP_PORT, 20, 0.02, 1,
                                               "tm2"))
        # nothing detects the blackhole yet (0.1): about half fail
        assert r["failed"] >= 5 and r["seen"] == {WAN2: r["ok"]}, r
    finally:
        link_reset(lab)
