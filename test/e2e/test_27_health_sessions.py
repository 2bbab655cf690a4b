# SPDX-License-Identifier: BSD-3-Clause
"""What happens to running sessions when the health checks take a WAN away (issue 7
point 4 and 7): a TCP connection on the dead WAN is reset towards the LAN host at once
(on_failure.tcp reset), one on the other WAN is untouched; a UDP flow continues on the
other WAN from its address (on_failure.udp move); with keep / keep neither happens.
Passive detection: new TCP connections left unanswered on a WAN make it suspect before
the (slow) probes would have noticed, and the fast interval then takes it offline.

The cut is a blackhole in isp1 with the link up: only the health checks can see it."""
import json
import os
import time

from conftest import HTTP_PORT, SERVER
from health_lab import (TCP_WATCH_PORT, WAN1, WAN2, apply, both_online, ev_time, events_since,
                        flow_watch_cmd, health_doc, health_restored, start_udp_who,
                        wait_state_event, wait_wan)

__all__ = ["health_restored"]


def tcp_watchers(lab, wants):
    """A line echo server in inet and one watched connection per address in WANTS
    (a connection whose source the server sees as that address): {addr: (log, bg)}."""
    ready = os.path.join(lab.workdir, "t26srv.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    srv = lab.start_bg("inet", flow_watch_cmd("tcp-server", SERVER, TCP_WATCH_PORT, ready),
                       "t26-tcp-server", ready_file=ready)
    out = {}
    for want in wants:
        log = os.path.join(lab.workdir, "t26-%s.log" % want)
        rd = os.path.join(lab.workdir, "t26-%s.ready" % want)
        for p in (log, rd):
            if os.path.exists(p):
                os.unlink(p)
        out[want] = (log, lab.start_bg("lan", flow_watch_cmd(
            "tcp-client", SERVER, TCP_WATCH_PORT, want, log, rd), "t26-tcp-" + want,
            ready_file=rd, ready_timeout=30))
    return srv, out


def tcp_events(log):
    try:
        with open(log) as f:
            return [json.loads(x) for x in f if x.strip()]
    except OSError:
        return []


def stop_all(lab, srv, watchers):
    for _, bg in watchers.values():
        lab.stop_bg(bg)
    lab.stop_bg(srv)


def test_tcp_reset_on_failure(lab, health_restored):
    both_online(lab)
    srv, cl = tcp_watchers(lab, (WAN1, WAN2))
    try:
        lab.wait_for(lambda: all(len(tcp_events(log)) >= 10 for log, _ in cl.values()), 10,
                     "both connections to carry lines")
        mark = lab.last_event()
        t0 = time.time()
        lab.lab("link", "isp1", "blackhole=1")
        ev1 = lab.wait_for(lambda: [e for e in tcp_events(cl[WAN1][0]) if e["ev"] != "ok"],
                           15, "the connection on wan1 to end")[0]
        assert ev1["ev"] == "reset", "wan1's connection ended by %r, not a reset" % ev1
        took = ev1["t"] - t0
        assert took < 5.0, "the RST came %.2f s after the cut" % took
        off = wait_state_event(lab, mark, "wan1", "offline", 5)
        assert ev1["t"] >= ev_time(off) - 0.5, (ev1, off)
        resets = lab.wait_for(lambda: events_since(lab, mark, ("wan_sessions_reset",), "wan1"),
                              5, "a wan_sessions_reset event for wan1")
        assert resets[0]["message"], resets
        # the connection on wan2 carried on meanwhile, and goes on afterwards
        n_at_reset = len(tcp_events(cl[WAN2][0]))
        lab.wait_for(lambda: len(tcp_events(cl[WAN2][0])) >= n_at_reset + 20, 5,
                     "wan2's connection to go on")
        evs2 = tcp_events(cl[WAN2][0])
        assert all(e["ev"] == "ok" for e in evs2), [e for e in evs2 if e["ev"] != "ok"]
    finally:
        stop_all(lab, srv, cl)


def test_tcp_keep_on_failure(lab, health_restored):
    """on_failure.tcp keep: no RST; the connection stalls while wan1 is offline and goes
    on (TCP retransmits) once it is back."""
    h = {"method": "ping", "targets": [SERVER], "flap_window_ms": 0}
    apply(lab, health_doc(lab, wan1=h, members={"wan1": {"on_failure": {"tcp": "keep",
                                                                         "udp": "keep"}}}))
    both_online(lab)
    srv, cl = tcp_watchers(lab, (WAN1,))
    try:
        log = cl[WAN1][0]
        lab.wait_for(lambda: len(tcp_events(log)) >= 10, 10, "the connection to carry lines")
        lab.lab("link", "isp1", "blackhole=1")
        wait_wan(lab, "wan1", 10, state="offline", usable=False)
        time.sleep(2.0)   # a reset would come within this
        bad = [e for e in tcp_events(log) if e["ev"] != "ok"]
        assert not bad, "on_failure.tcp keep, yet: %r" % bad
        lab.lab("link", "isp1", "blackhole=0")
        wait_wan(lab, "wan1", 30, state="online", usable=True)
        n = len(tcp_events(log))
        lab.wait_for(lambda: len(tcp_events(log)) >= n + 5, 30,
                     "the kept connection to go on after wan1 came back")
        bad = [e for e in tcp_events(log) if e["ev"] != "ok"]
        assert not bad, bad
    finally:
        stop_all(lab, srv, cl)


def test_udp_moves_to_the_other_wan(lab, udp_echo, health_restored):
    both_online(lab)
    u = start_udp_who(lab, "t26-udp-move", WAN1)
    try:
        lab.wait_for(lambda: len(u.replies()) >= 10, 5, "the UDP flow to get answers")
        assert {r["addr"] for r in u.replies()} == {WAN1}
        t0 = time.time()
        lab.lab("link", "isp1", "blackhole=1")
        first = lab.wait_for(lambda: [r for r in u.replies() if r["addr"] == WAN2], 15,
                             "the flow's datagrams to arrive from wan2's address")[0]
        took = first["t"] - t0
        assert took < 5.0, "the UDP flow came through wan2 %.2f s after the cut" % took
        n = len(u.replies())
        lab.wait_for(lambda: len(u.replies()) >= n + 20, 5, "the flow to go on via wan2")
        after = [r["addr"] for r in u.replies() if r["t"] >= first["t"]]
        assert set(after) == {WAN2}, after
    finally:
        lab.stop_bg(u.bg)


def test_udp_keep(lab, udp_echo, health_restored):
    apply(lab, health_doc(lab, members={"wan1": {"on_failure": {"tcp": "reset", "udp": "keep"}}}))
    both_online(lab)
    u = start_udp_who(lab, "t26-udp-keep", WAN1)
    try:
        lab.wait_for(lambda: len(u.replies()) >= 10, 5, "the UDP flow to get answers")
        lab.lab("link", "isp1", "blackhole=1")
        wait_wan(lab, "wan1", 10, state="offline", usable=False)
        time.sleep(2.0)
        assert {r["addr"] for r in u.replies()} == {WAN1}, "udp keep, yet the flow moved"
    finally:
        lab.stop_bg(u.bg)


def wait_round(lab, name, timeout):
    """Wait for a probe round to have just been sent; the time it was seen."""
    s0 = lab.wan_state(name)["health"]["targets"][0]["sent"]
    lab.wait_for(lambda: lab.wan_state(name)["health"]["targets"][0]["sent"] > s0, timeout,
                 "a probe round of %s" % name, interval=0.05)
    return time.time()


def test_passive_detection(lab, http_server, health_restored):
    """Probes every 15 s (failure interval 200 ms, down 3). Cut right after a round: the
    probes alone would not notice before the next round, 15 s later. New TCP
    connections from the LAN meanwhile (balanced over both WANs; those on wan1 get no
    SYN-ACK): with passive off nothing happens for 6 s; with passive on wan1 is suspect
    within a few seconds and then offline through the fast interval."""
    slow = {"method": "ping", "targets": [SERVER], "interval_ms": 15000,
            "failure_interval_ms": 200, "timeout_ms": 500, "down": 3, "flap_window_ms": 0}
    for passive in (False, True):
        apply(lab, health_doc(lab, wan1=dict(slow, passive=passive)))
        both_online(lab)
        t_round = wait_round(lab, "wan1", 20)
        mark = lab.last_event()
        t0 = time.time()
        lab.lab("link", "isp1", "blackhole=1")
        tag = "t26passive%d" % passive
        load = lab.start_bg("lan", flow_watch_cmd("tcp-many", SERVER, HTTP_PORT, 80, 0.05, 2,
                                                  tag), "t26-" + tag)
        try:
            if not passive:
                time.sleep(6.0)
                w = lab.wan_state("wan1")
                assert w["usable"] and w["health"]["state"] == "online", w
                assert not events_since(lab, mark, ("wan_suspect",), "wan1")
                lab.lab("link", "isp1", "blackhole=0")
                continue
            sus = lab.wait_for(lambda: [e for e in events_since(lab, mark, ("wan_suspect",),
                                                                 "wan1")
                                        if "suspected" in e["message"]], 10,
                               "a wan_suspect event for wan1")[0]
            assert sus["message"].startswith("wan1 suspected"), sus
            off = wait_state_event(lab, mark, "wan1", "offline", 12)
            # the next round of the slow probes was due 15 s after the last one
            assert ev_time(sus) - t0 < 8.0, (sus, t0)
            assert ev_time(off) < t_round + 14.0, "offline %.1f s after the cut: the probes " \
                "alone (due at +%.1f s)" % (ev_time(off) - t0, t_round + 15 - t0)
            assert ev_time(off) >= ev_time(sus), (sus, off)
        finally:
            lab.stop_bg(load)
