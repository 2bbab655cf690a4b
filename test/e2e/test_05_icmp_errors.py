# SPDX-License-Identifier: BSD-3-Clause
"""ICMP errors: traceroute through the NAT, path MTU discovery, TCP MSS clamping."""
import re

from conftest import SERVER, HTTP_PORT

WAN_GWS = {"198.18.1.1", "198.18.2.1"}


def hops(out):
    """traceroute -n -q1 output -> {hop number: address or '*'}"""
    h = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"\s*(\d+)\s+(\S+)", line)
        if m:
            h[int(m.group(1))] = m.group(2)
    return h


def check_trace(p):
    h = hops(p.stdout)
    assert h.get(1) == "198.18.0.1", p.stdout + p.stderr
    assert h.get(2) in WAN_GWS, p.stdout + p.stderr
    assert h.get(3) == SERVER, p.stdout + p.stderr


def test_traceroute_udp(lab, http_server):
    before = lab.status()["counters"]["icmp_errors_translated"]
    p = lab.run("lan", ["traceroute", "-n", "-q1", "-w1", "-m", "6", SERVER], timeout=30)
    check_trace(p)
    # hop 2's time-exceeded and hop 3's port-unreachable came back through the NAT
    lab.wait_for(lambda: lab.status()["counters"]["icmp_errors_translated"] >= before + 2,
                 5, "icmp_errors_translated to rise by 2")


def test_traceroute_icmp(lab):
    p = lab.run("lan", ["traceroute", "-I", "-n", "-q1", "-w1", "-m", "6", SERVER], timeout=30)
    check_trace(p)


def test_path_mtu(lab):
    wan_mtus = {w["name"]: w["mtu"] for w in lab.status()["wans"]}
    assert set(wan_mtus.values()) == {1440}, wan_mtus
    before = lab.status()["drops"]["fragmentation_needed"]
    # new ping processes, new ICMP ids: the kernel's PMTU cache in lan could answer
    # "message too long" itself after the first error, so flush it first
    lab.run("lan", ["ip", "route", "flush", "cache"], timeout=10)
    p = lab.run("lan", ["ping", "-n", "-M", "do", "-s", "1472", "-c", "1", "-W", "2", SERVER],
                timeout=10)
    assert "Frag needed and DF set (mtu = 1440)" in p.stdout, p.stdout + p.stderr
    assert "From 198.18.0.1" in p.stdout, p.stdout
    lab.wait_for(lambda: lab.status()["drops"]["fragmentation_needed"] >= before + 1, 5,
                 "drops.fragmentation_needed to rise")
    p = lab.run("lan", ["ping", "-n", "-M", "do", "-s", "1412", "-c", "3", "-i", "0.2", "-W", "2",
                        SERVER], timeout=10)
    assert "3 packets transmitted, 3 received" in p.stdout, p.stdout + p.stderr
    lab.run("lan", ["ip", "route", "flush", "cache"], timeout=10)


def test_fragmented_when_df_clear(lab):
    """Too big for the WAN MTU without DF: the appliance fragments it after NAT."""
    before = lab.status()["counters"]["fragments_sent"]
    lab.run("lan", ["ip", "route", "flush", "cache"], timeout=10)
    p = lab.run("lan", ["ping", "-n", "-M", "dont", "-s", "1472", "-c", "3", "-i", "0.2", "-W",
                        "2", SERVER], timeout=10)
    assert "3 packets transmitted, 3 received" in p.stdout, p.stdout + p.stderr
    lab.wait_for(lambda: lab.status()["counters"]["fragments_sent"] >= before + 6, 5,
                 "counters.fragments_sent to rise by 2 per echo request")


def test_mss_clamp(lab, http_server):
    before = lab.status()["counters"]["mss_clamped"]
    # capture the first SYN to the HTTP port as it arrives in inet
    cap = lab.start_bg("inet", ["timeout", "20", "tcpdump", "-i", "any", "-n", "-v", "-l", "-c", "1",
                                "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0"
                                " and dst port %d" % HTTP_PORT], "tcpdump-syn")
    try:
        lab.wait_for(lambda: "listening on" in cap.output(), 10, "tcpdump to listen")
        p = lab.curl(http_server.url("/whoami?tag=mss"), timeout=5)
        assert p.returncode == 0, p.stderr
        cap.wait(15)
        out = cap.output()
    finally:
        lab.stop_bg(cap)
    m = re.search(r"mss (\d+)", out)
    assert m, "no SYN with an MSS option captured:\n" + out
    assert int(m.group(1)) <= 1400, out
    # the lan host offered 1460 (MTU 1500): the appliance rewrote it
    lab.wait_for(lambda: lab.status()["counters"]["mss_clamped"] >= before + 1, 5,
                 "counters.mss_clamped to rise")
