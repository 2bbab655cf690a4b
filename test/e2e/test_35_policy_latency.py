# SPDX-License-Identifier: BSD-3-Clause
"""Latency-driven algorithms in the lab (issue 8 point 6), with the link emulator adding
80 ms each way on an ISP: fastest response sends a flow's first packet on every
candidate WAN and keeps the first to answer (wan2), and the client never sees the late
duplicate answer from wan1; lowest latency follows the health checker's RTT, also when
the delay moves from wan1 to wan2.

A flow's WAN is the source address the inet server saw (198.18.1.2 wan1, 198.18.2.2
wan2)."""
import itertools

from conftest import HTTP_PORT, SERVER, http_sources
from policy_lab import (WAN1, WAN2, apply, cand, pick, policy_doc, policy_restored, rule,
                        tool_cmd, udp_who, wan_rtts)

__all__ = ["policy_restored", "udp_who"]

DELAY_MS = 80
_sports = itertools.count(13000)


def test_fastest_response_udp(lab, udp_who, policy_restored):
    apply(lab, policy_doc(lab, rules=[
        rule("fast", pick("fastest_response", cand("wan1", "wan2")), proto="udp",
             dst=[SERVER + "/32"], dst_port=[udp_who.port])]))
    lab.lab("link", "isp1", "delay=%d" % DELAY_MS)
    for i in range(3):
        sport = next(_sports)
        token = "t35-fast-%d" % sport
        # the late copy's answer would arrive ~2 x 80 ms after wan2's: 1.5 s is ample
        r = lab.run_json("lan", tool_cmd("udp-once", SERVER, udp_who.port, sport, 1.5, 5,
                                         token), timeout=30)
        assert len(r["first"]) == 1, \
            "flow %d: the client saw %d answers to its first datagram (want exactly one, " \
            "the late duplicate dropped): %s" % (i, len(r["first"]), r["first"])
        assert r["first"][0].startswith(WAN2 + " "), \
            "flow %d: the first answer is not wan2's (wan1 has +%d ms): %s" % (
                i, DELAY_MS, r["first"])
        assert all(a is not None and a.startswith(WAN2 + " ") for a in r["more"]), \
            "flow %d: the flow's next datagrams did not all go and come back by wan2: %s" % (
                i, r["more"])
        # the server got the first datagram by both WANs (the copies), the rest by wan2
        lines = udp_who.lines(token)
        first = sorted(a for a, _, p in lines if p == token)
        more = [a for a, _, p in lines if p != token]
        assert first == [WAN1, WAN2], \
            "flow %d: the first datagram did not go out on every candidate WAN: %s" % (
                i, lines)
        assert more == [WAN2] * 5, ("flow %d: later datagrams" % i, lines)


def test_fastest_response_tcp(lab, http_server, policy_restored):
    apply(lab, policy_doc(lab, rules=[
        rule("fast", pick("fastest_response", cand("wan1", "wan2")), proto="tcp",
             dst=[SERVER + "/32"], dst_port=[HTTP_PORT])]))
    lab.lab("link", "isp1", "delay=%d" % DELAY_MS)
    seen = http_sources(lab, http_server, "t35fast", n=10)
    assert set(seen) == {WAN2}, \
        "fastest response with +%d ms on wan1: connections by %s" % (DELAY_MS, seen)


def wait_rtt_order(lab, slow, fast, timeout=30):
    """Poll /api/v1/wans until SLOW's health RTT exceeds FAST's by 100 ms."""
    def ok():
        r = wan_rtts(lab)
        return r[slow] is not None and r[fast] is not None and \
            r[slow] > r[fast] + 100 and r
    return lab.wait_for(ok, timeout, "%s's RTT above %s's by 100 ms" % (slow, fast),
                        interval=0.2)


def test_lowest_latency_follows_a_swap(lab, http_server, policy_restored):
    # a 10-probe quality window (2 s of 200 ms probes): the RTT mean follows in seconds
    health = {w: {"preset": "dpwan", "method": "ping", "targets": [SERVER], "window": 10}
              for w in ("wan1", "wan2")}
    apply(lab, policy_doc(lab, health=health, rules=[
        rule("low", pick("lowest_latency", cand("wan1", "wan2")), proto="tcp",
             dst=[SERVER + "/32"], dst_port=[HTTP_PORT])]))
    for n, (slow_isp, fast_isp, want) in enumerate((("isp1", "isp2", WAN2),
                                                    ("isp2", "isp1", WAN1))):
        lab.lab("link", fast_isp, "reset")
        lab.lab("link", slow_isp, "delay=%d" % DELAY_MS)
        slow, fast = "wan" + slow_isp[-1], "wan" + fast_isp[-1]
        rtts = wait_rtt_order(lab, slow, fast)
        # the dataplane's view may lag the API by a report: poll new flows with a bound
        tag = "t35low%d" % n
        polls = itertools.count()
        lab.wait_for(lambda: set(http_sources(lab, http_server, "%sw%d" % (tag, next(polls)),
                                              n=3)) == {want},
                     10, "new flows on %s once %s is slower (%s)" % (fast, slow, rtts))
        seen = http_sources(lab, http_server, tag, n=10)
        assert set(seen) == {want}, \
            "lowest latency with %s +%d ms (rtt %s): new flows by %s" % (
                slow, DELAY_MS, wan_rtts(lab), seen)
