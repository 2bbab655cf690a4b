# SPDX-License-Identifier: BSD-3-Clause
"""WAN health checks against real failures in the lab (issue 7 point 7): the link down,
ICMP dropped with the link up, a blackhole, added delay, loss, and the DNS, HTTP and
TCP methods, k-of-n targets, and recovery after `up` good rounds.

Failures are made between the appliance and isp1 (tools/lab link isp1 ..., an nftables
table of ours in isp1) or in inet (addresses that answer or not, servers that answer or
not), never inside the appliance. Every wait is bounded and generous: the precise time
to fail over is what tools/bench-failover measures. Each test leaves the lab as it found
it (health_restored: link reset and up, our nft table gone, the factory document)."""
import re
import time

from conftest import HTTP_PORT, SERVER, WAN_ADDRS, http_sources
from health_lab import (DEAD_TARGETS, DNS_SILENT, DNS_UP, EXTRA_SERVERS, NFT_DROP_ICMP, WAN2,
                        apply, both_online, dns_servers, ev_time, health_doc,
                        health_restored, inet_addrs, nft_drop, nft_flush, state_events,
                        stays, wait_state_event, wait_wan)

__all__ = ["dns_servers", "health_restored"]   # fixtures used by name below


def health_of(lab, name):
    return lab.wan_state(name)["health"]


def target(h, addr):
    hit = [t for t in h["targets"] if t["target"] == addr]
    assert len(hit) == 1, (addr, h["targets"])
    return hit[0]


def online_for(lab, name, seconds, what):
    stays(lab, name, seconds, lambda w: w["health"]["state"] == "online" and w["usable"],
          what)


def test_factory_document_checks_by_ping(lab):
    """The lab's document checks both WANs by ping (its targets, or the gateway when it
    names none); both WANs online with answering targets and an RTT."""
    want = {}
    for w in lab.default_doc["wans"]:
        assert w["health"]["method"] == "ping", w
        want[w["name"]] = w["health"].get("targets") or [w["addressing"]["gateway"]]
    both_online(lab)
    for n in ("wan1", "wan2"):
        h = lab.wait_for(lambda: (lambda h: h if h["rtt_ms"] is not None and h["targets"]
                                  and h["targets"][0]["sent"] > 0 else None)(
            health_of(lab, n)), 10, "%s to have probe results" % n)
        assert h["method"] == "ping" and h["monitor_only"] is False, h
        assert [t["target"] for t in h["targets"]] == want[n], h
        t = h["targets"][0]
        assert t["state"] == "up" and t["sent"] >= 1, t
        assert h["rtt_ms"] < 100 and h["loss_pct"] is not None and h["loss_pct"] < 50, h
        assert lab.wan_state(n)["standby"] is False


def test_link_down_then_up(lab, http_server, health_restored):
    both_online(lab)
    ups0 = health_of(lab, "wan1")["ups"]
    mark = lab.last_event()
    lab.lab("link", "isp1", "down")
    wait_wan(lab, "wan1", 5, state="offline", usable=False)
    wait_wan(lab, "wan1", 10, health="offline")
    wait_wan(lab, "wan2", 1, state="online", usable=True)
    assert set(http_sources(lab, http_server, "t25linkdown", n=10)) == {WAN2}
    t_up = time.time()
    lab.lab("link", "isp1", "up")
    w = wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)
    assert w["health"]["ups"] >= ups0 + 1, w["health"]
    ev = wait_state_event(lab, mark, "wan1", "online", 5)
    # back after `up` (5) good rounds at the recovery interval (200 ms): 4 intervals at
    # least after the first good round (hold-down after earlier flaps only adds rounds)
    took = ev_time(ev) - t_up
    assert took >= 0.6, "wan1 back %.2f s after its link, before 5 good rounds" % took
    assert set(http_sources(lab, http_server, "t25linkup", n=20)) == WAN_ADDRS


def test_icmp_dropped_ping_fails_tcp_and_http_do_not(lab, http_server, health_restored):
    """nft in isp1 drops ICMP to / from inet and to isp1 itself, the link stays up: a
    ping-checked wan1 goes offline, a TCP- or HTTP-checked one stays online."""
    with inet_addrs(lab, EXTRA_SERVERS):
        tcp = {"method": "tcp", "targets": [SERVER], "port": HTTP_PORT}
        http = {"method": "http", "targets": [http_server.url("/health/ok")]}
        ping = {"method": "ping", "targets": [SERVER, EXTRA_SERVERS[0]]}
        apply(lab, health_doc(lab, wan1=tcp))
        both_online(lab)
        try:
            nft_drop(lab, "isp1", NFT_DROP_ICMP)
            # the ping of the lab itself is gone through isp1 (the drop works) ...
            assert lab.run("isp1", ["ping", "-c1", "-W1", SERVER]).returncode != 0
            online_for(lab, "wan1", 3.0, "TCP-checked wan1 with ICMP dropped")
            assert health_of(lab, "wan1")["method"] == "tcp"
            apply(lab, health_doc(lab, wan1=http))
            online_for(lab, "wan1", 3.0, "HTTP-checked wan1 with ICMP dropped")
            assert health_of(lab, "wan1")["method"] == "http"
            mark = lab.last_event()
            apply(lab, health_doc(lab, wan1=ping))
            w = wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
            assert w["link"] == "up", w
            for t in w["health"]["targets"]:
                assert t["state"] == "down", w["health"]
            (st, reason, _), ev = [x for x in state_events(lab, mark, "wan1")
                                   if x[0][0] == "offline"][0]
            assert "ping" in reason or "timeout" in reason, ev
            wait_wan(lab, "wan2", 1, state="online", usable=True)
        finally:
            nft_flush(lab, "isp1")
        wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)


def test_blackhole_and_recovery(lab, http_server, health_restored):
    both_online(lab)
    mark = lab.last_event()
    t0 = time.time()
    lab.lab("link", "isp1", "blackhole=1")
    w = wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
    assert w["link"] == "up", w
    ev = wait_state_event(lab, mark, "wan1", "offline", 5)
    took = ev_time(ev) - t0
    assert took < 5.0, "a blackhole took %.2f s to notice (the dpwan preset: < 1 s)" % took
    wait_wan(lab, "wan2", 1, state="online", usable=True)
    assert set(http_sources(lab, http_server, "t25bh", n=10)) == {WAN2}
    lab.lab("link", "isp1", "blackhole=0")
    wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)
    assert set(http_sources(lab, http_server, "t25bhback", n=20)) == WAN_ADDRS


def test_delay_degraded_then_offline_then_back(lab, health_restored):
    """Latency bands: 200 ms of RTT is above warn (150) and below down (400): degraded;
    600 ms is above down: offline; without delay: online again. The timeout (2 s) is
    above the RTT so that the latency is judged, not losses; a window of 5 probes so the
    mean follows the delay within a second."""
    h = {"method": "ping", "targets": [SERVER], "timeout_ms": 2000, "window": 5,
         "flap_window_ms": 0,
         "quality": {"enabled": True, "min_probes": 5,
                     "latency_warn_ms": 150, "latency_warn_clear_ms": 100,
                     "latency_down_ms": 400, "latency_down_clear_ms": 250}}
    apply(lab, health_doc(lab, wan1=h))
    both_online(lab)
    mark = lab.last_event()
    lab.lab("link", "isp1", "delay=200", "dir=a2b")
    w = wait_wan(lab, "wan1", 15, state="degraded", health="degraded", usable=True)
    assert 150 < w["health"]["rtt_ms"] < 400, w["health"]
    # degraded is steady at 200 ms: not offline
    stays(lab, "wan1", 2.0, lambda w: w["health"]["state"] == "degraded" and w["usable"],
          "wan1 with 200 ms RTT")
    lab.lab("link", "isp1", "delay=600", "dir=a2b")
    w = wait_wan(lab, "wan1", 15, state="offline", health="offline", usable=False)
    assert w["health"]["rtt_ms"] > 400, w["health"]
    lab.lab("link", "isp1", "reset")
    wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)
    seq = [(st, reason) for (st, reason, _), _ in state_events(lab, mark, "wan1")]
    states = [s for s, _ in seq]
    assert states[:3] == ["degraded", "offline", "online"], seq
    assert "latency" in seq[0][1] and "latency" in seq[1][1], seq


def test_loss_50_percent(lab, health_restored):
    """50 % loss towards isp1 with the factory document (dpwan preset: loss warn 5 %,
    down 20 % over a window of 50 probes, at least 10 judged; 3 consecutive losses are
    offline too): wan1 goes offline and stays there while the loss lasts (it clears at
    10 %); without loss it comes back. (At 30 % the first 10-30 probes after the outage
    began can measure under 20 % by chance - CI saw 6 of 33 - and the WAN came back
    degraded for a while: the band was right, the sample too small to hold it.)"""
    both_online(lab)
    mark = lab.last_event()
    lab.lab("link", "isp1", "loss=50", "dir=a2b")
    wait_wan(lab, "wan1", 30, state="offline", health="offline", usable=False)
    stays(lab, "wan1", 5.0, lambda w: not w["usable"] and w["health"]["state"] == "offline",
          "wan1 with 50 % loss")
    h = health_of(lab, "wan1")
    assert h["loss_pct"] is not None and h["loss_pct"] > 10, h
    evs = [x for x in state_events(lab, mark, "wan1")]
    off = [reason for (st, reason, _), _ in evs if st == "offline"]
    assert off and re.search(r"loss|timeout", off[0]), evs
    lab.lab("link", "isp1", "reset")
    wait_wan(lab, "wan1", 60, state="online", health="online", usable=True)


def test_dns_method(lab, dns_servers, health_restored):
    """DNS checks: an answer is up, NXDOMAIN is up too (the server answers: Peplink),
    a server that never answers is down."""
    def dns(server, name):
        return {"method": "dns", "targets": [server], "dns_query": name}

    apply(lab, health_doc(lab, wan1=dns(DNS_UP, "up.test")))
    wait_wan(lab, "wan1", 10, state="online", health="online", usable=True)
    assert health_of(lab, "wan1")["method"] == "dns"
    apply(lab, health_doc(lab, wan1=dns(DNS_UP, "nx.test")))
    t0 = target(health_of(lab, "wan1"), DNS_UP)
    online_for(lab, "wan1", 2.5, "wan1 checked by a DNS query answered NXDOMAIN")
    t1 = lab.wait_for(lambda: (lambda t: t if t["sent"] >= t0["sent"] + 5 else None)(
        target(health_of(lab, "wan1"), DNS_UP)), 5, "5 more DNS probes")
    assert t1["state"] == "up" and t1["lost"] == t0["lost"], (t0, t1)
    assert "nxdomain" in t1["detail"].lower(), t1
    apply(lab, health_doc(lab, wan1=dns(DNS_SILENT, "up.test")))
    w = wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
    assert target(w["health"], DNS_SILENT)["state"] == "down", w["health"]
    apply(lab, health_doc(lab, wan1=dns(DNS_UP, "up.test")))
    wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)


def test_http_method(lab, http_server, health_restored):
    """HTTP checks: 200 with the match string is up; 200 without it, and a 302 (not
    followed), are down."""
    def http(path, match="dpwan-health-ok"):
        return {"method": "http", "targets": [http_server.url(path)], "http_match": match}

    apply(lab, health_doc(lab, wan1=http("/health/ok")))
    wait_wan(lab, "wan1", 10, state="online", health="online", usable=True)
    online_for(lab, "wan1", 2.0, "wan1 checked by HTTP 200 with the string")
    for path, rx in (("/health/redirect", r"302"), ("/health/nomatch", r"dpwan-health-ok|match")):
        apply(lab, health_doc(lab, wan1=http(path)))
        w = wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
        t = target(w["health"], http_server.url(path))
        assert t["state"] == "down" and re.search(rx, t["detail"]), (path, t)
        apply(lab, health_doc(lab, wan1=http("/health/ok")))
        wait_wan(lab, "wan1", 30, state="online", health="online", usable=True)


def test_reliability_k_of_n(lab, health_restored):
    """Three targets, two of them dead: reliability 1 is online, reliability 2 offline."""
    targets = [SERVER, *DEAD_TARGETS]
    apply(lab, health_doc(lab, wan1={"method": "ping", "targets": targets, "reliability": 1}))
    wait_wan(lab, "wan1", 10, state="online", health="online", usable=True)
    online_for(lab, "wan1", 2.5, "wan1 with 1 of 3 targets answering, reliability 1")
    h = health_of(lab, "wan1")
    assert [target(h, t)["state"] for t in targets] == ["up", "down", "down"], h
    apply(lab, health_doc(lab, wan1={"method": "ping", "targets": targets, "reliability": 2}))
    w = wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
    assert target(w["health"], SERVER)["state"] == "up", w["health"]


def test_recovery_takes_up_rounds(lab, health_restored):
    """up: 10 at a recovery interval of 300 ms: wan1 comes back no sooner than 9
    intervals after the first good round (2.7 s), and within a bound; while offline with
    nothing good seen it probes at the down interval."""
    h = {"method": "ping", "targets": [SERVER], "recovery_interval_ms": 300,
         "down_interval_ms": 1000, "up": 10, "up_max": 10, "flap_window_ms": 0}
    apply(lab, health_doc(lab, wan1=h))
    both_online(lab)
    lab.lab("link", "isp1", "blackhole=1")
    wait_wan(lab, "wan1", 10, state="offline", health="offline", usable=False)
    lab.wait_for(lambda: health_of(lab, "wan1")["interval"] == "down", 5,
                 "the down interval while offline")
    mark = lab.last_event()
    t1 = time.time()
    lab.lab("link", "isp1", "blackhole=0")
    lab.wait_for(lambda: health_of(lab, "wan1")["interval"] == "recovery", 5,
                 "the recovery interval after a good round")
    ev = wait_state_event(lab, mark, "wan1", "online", 20)
    took = ev_time(ev) - t1
    assert 2.4 <= took <= 15.0, "back %.2f s after the blackhole ended (10 rounds of " \
        "300 ms after the first good one: >= 2.7 s)" % took
    wait_wan(lab, "wan1", 5, state="online", health="online", usable=True)
