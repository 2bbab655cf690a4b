# SPDX-License-Identifier: BSD-3-Clause
"""ICMP errors: traceroute through the NAT, path MTU discovery, TCP MSS clamping."""
import re

from conftest import SERVER, HTTP_PORT, WAN_ADDRS, clients_cmd

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


SYN_FILTER = "tcp[tcpflags] & tcp-syn != 0 and tcp port %d" % HTTP_PORT


def syn_options(out):
    """tcpdump -v lines of SYNs -> [(flags, mss)] in capture order, flags 'S' or 'S.'."""
    got = []
    for line in out.splitlines():
        m = re.search(r"Flags \[(S\.?)\].*options \[mss (\d+)", line)
        if m:
            got.append((m.group(1), int(m.group(2))))
        assert "incorrect" not in line, "a bad checksum on the wire:\n" + out
    return got


def mss_handshake(lab, connect):
    """Capture the SYN and SYN-ACK of one connection made by CONNECT() on the LAN wire
    (lan: app0) and at the server (inet); returns ({ns: [(flags, mss)]}, clamped delta)."""
    before = lab.status()["counters"]["mss_clamped"]
    caps = {}
    try:
        for ns, dev in (("lan", "app0"), ("inet", "any")):
            caps[ns] = lab.start_bg(ns, ["timeout", "20", "tcpdump", "-i", dev, "-n", "-v", "-l",
                                         "-c", "2", SYN_FILTER], "tcpdump-syn-" + ns)
        for ns, cap in caps.items():
            lab.wait_for(lambda: "listening on" in cap.output(), 10, "tcpdump in %s" % ns)
        connect()
        for cap in caps.values():
            cap.wait(15)
        seen = {ns: syn_options(cap.output()) for ns, cap in caps.items()}
        outs = "\n".join(cap.output() for cap in caps.values())
    finally:
        for cap in caps.values():
            lab.stop_bg(cap)
    # both directions of a SYN exchange rewrite the option: SYN out, SYN-ACK back
    after = lab.wait_for(lambda: (lambda c: c if c > before else None)(
        lab.status()["counters"]["mss_clamped"]), 5, "counters.mss_clamped to rise")
    return seen, after - before, outs


def wan_mss(lab):
    mtus = {w["mtu"] for w in lab.status()["wans"]}
    assert mtus == {1440}, mtus
    return 1440 - 40   # IPv4 and TCP headers: 1400, exactly


def test_mss_clamp(lab, http_server):
    """The LAN host offers 1460 (MTU 1500), the server 1460: both SYNs leave the
    appliance with exactly the WAN's 1400 (not merely at most 1400)."""
    clamp = wan_mss(lab)

    def connect():
        p = lab.curl(http_server.url("/whoami?tag=mss"), timeout=5)
        assert p.returncode == 0, p.stderr

    seen, clamped, outs = mss_handshake(lab, connect)
    assert seen["lan"] == [("S", 1460), ("S.", clamp)], outs
    assert seen["inet"] == [("S", clamp), ("S.", 1460)], outs
    assert clamped == 2, "mss_clamped rose by %d for one handshake\n%s" % (clamped, outs)


def test_mss_below_clamp_left_alone(lab, http_server):
    """A SYN that offers less than the clamp (1200) reaches the server unchanged; only
    the server's SYN-ACK (1460) is clamped on the way back."""
    clamp = wan_mss(lab)

    def connect():
        r = lab.run_json("lan", clients_cmd("http-mss", SERVER, HTTP_PORT, 1200, "mss1200"),
                         timeout=20)
        assert r["status"].endswith("200 OK") and r["body"].split()[0] in WAN_ADDRS, r

    seen, clamped, outs = mss_handshake(lab, connect)
    assert seen["lan"] == [("S", 1200), ("S.", clamp)], outs
    assert seen["inet"] == [("S", 1200), ("S.", 1460)], outs
    assert clamped == 1, "mss_clamped rose by %d, expected 1 (the SYN-ACK)\n%s" % (clamped,
                                                                                 outs)
