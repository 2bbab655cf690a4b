# SPDX-License-Identifier: BSD-3-Clause
"""Outbound policy engine when WANs fail (issue 8 point 6): priority moves new flows to
wan2 while wan1 is disabled and back when it returns, keeping existing wan2 flows unless
terminate_on_recovery ends them; enforced keeps using a WAN the health checker marked
offline; with a rule's WANs all unusable, when_unavailable / the policy's last_resort
decide: unreachable (ICMP destination unreachable to the client, seen with scapy in the
lan namespace), drop (silence, nothing reaches the server), any (the other WAN),
fall_through (the next rule), default (the default rule).

wan1 is made unusable without breaking its data path: disabled through the API, or
health-checked against an address nobody has (198.19.0.250), so an enforced rule can
still use it. A flow's WAN is the source address the inet server saw."""
import itertools
import os

import pytest

from conftest import HTTP_PORT, SERVER, http_sources
from health_lab import reset_health_lab
from policy_lab import (WAN1, WAN2, TCP_WHO_PORT, apply, cand, dead_health, flow_watch_cmd,
                        only, pick, policy_doc, policy_restored, rule, tcp_log, tcp_who,
                        tcp_who_server, tool_cmd, udp_flows, udp_who, wait_wan)

__all__ = ["policy_restored", "tcp_who_server", "udp_who"]


def held_client(lab, name, want):
    """flow_watch.py tcp-client: a connection to the tcp_who_server through WANT that
    sends a line every 50 ms; (Bg, log path)."""
    log = os.path.join(lab.workdir, name + ".log")
    ready = os.path.join(lab.workdir, name + ".ready")
    for p in (log, ready):
        if os.path.exists(p):
            os.unlink(p)
    bg = lab.start_bg("lan", flow_watch_cmd("tcp-client", SERVER, TCP_WHO_PORT, want, log,
                                            ready), name, ready_file=ready, ready_timeout=20)
    return bg, log


def wan_action(lab, name, action):
    w = lab.api_json("POST", "/api/v1/wans/%s/%s" % (name, action))[0]
    assert w["enabled"] == (action == "enable"), w
    gen = lab.api_status()["config"]["generation"]
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] >= gen, 10,
                 "the dataplane to run generation %d" % gen)


@pytest.mark.parametrize("terminate", [False, True], ids=["keep", "terminate_on_recovery"])
def test_priority_failover_and_recovery(lab, tcp_who_server, policy_restored, terminate):
    apply(lab, policy_doc(lab, rules=[
        rule("prio", dict(pick("priority", cand("wan1", "wan2")),
                          terminate_on_recovery=terminate),
             proto="tcp", dst=[SERVER + "/32"])]))
    wait_wan(lab, "wan1", 30, usable=True)
    wait_wan(lab, "wan2", 30, usable=True)
    r = tcp_who(lab, 10)
    assert not r["errors"], r
    only(r["seen"], WAN1, "priority [wan1, wan2], both usable")

    wan_action(lab, "wan1", "disable")
    wait_wan(lab, "wan1", 10, state="disabled", usable=False)
    r = tcp_who(lab, 10)
    assert not r["errors"], r
    only(r["seen"], WAN2, "priority [wan1, wan2], wan1 disabled")
    held, log = held_client(lab, "t34-held-%s" % ("term" if terminate else "keep"), WAN2)
    try:
        lab.wait_for(lambda: len(tcp_log(log)) >= 5, 10, "the held connection to run")
        wan_action(lab, "wan1", "enable")
        wait_wan(lab, "wan1", 15, usable=True)
        mark = len(tcp_log(log))
        r = tcp_who(lab, 10)
        assert not r["errors"], r
        only(r["seen"], WAN1, "priority [wan1, wan2], wan1 enabled again")
        if not terminate:
            # the wan2 connection goes on: 40 more echoes (2 s), every one answered
            def going():
                evs = tcp_log(log)
                bad = [e for e in evs if e["ev"] != "ok"]
                assert not bad, "the held wan2 connection ended after wan1 came back " \
                    "(no terminate_on_recovery): %s" % bad[:3]
                return len(evs) >= max(mark, 5) + 40
            lab.wait_for(going, 15, "the held wan2 connection to keep working")
        else:
            def ended():
                evs = tcp_log(log)
                return evs and evs[-1]["ev"] != "ok" and evs[-1]
            last = lab.wait_for(ended, 10, "terminate_on_recovery to end the wan2 "
                                "connection once wan1 is usable")
            assert last["ev"] in ("reset", "closed"), \
                "the wan2 connection was not ended by a RST or a close: %s" % last
    finally:
        lab.stop_bg(held)


@pytest.fixture(scope="module")
def wan1_dead_health(lab):
    """The tests below give wan1 a health target nobody has (each applies its own
    document); at the end of the module the lab is restored once."""
    yield
    reset_health_lab(lab)


def offline_doc(lab, **kw):
    return policy_doc(lab, health={"wan1": dead_health()}, **kw)


def wan1_offline(lab):
    wait_wan(lab, "wan1", 15, state="offline", usable=False)
    wait_wan(lab, "wan2", 30, usable=True)


def test_enforced_uses_a_wan_health_marked_down(lab, http_server, udp_who, wan1_dead_health):
    apply(lab, offline_doc(lab, rules=[
        rule("enf", pick("enforced", cand("wan1")), proto="tcp", dst=[SERVER + "/32"],
             dst_port=[HTTP_PORT])]))
    wan1_offline(lab)
    seen = http_sources(lab, http_server, "t34enf", n=20)
    assert set(seen) == {WAN1}, "enforced [wan1] with wan1 offline by health: %s" % seen
    # the witness: what the rule does not match avoids the offline wan1
    r = udp_flows(lab, 11000, 20)
    assert not r["failed"], r
    only(r["seen"], WAN2, "UDP under the default rule with wan1 offline")
    assert lab.wan_state("wan1")["state"] == "offline"


_sports = itertools.count(12000)

# Rule B, the next rule for the same flows: enforced [wan1] answers through wan1, which
# nothing else does while wan1 is offline (only falling through reaches it); or priority
# [wan1] with when_unavailable unreachable, an ICMP error the default rule never gives.
B_ENFORCED = pick("enforced", cand("wan1"))
B_UNREACHABLE = dict(pick("priority", cand("wan1")), when_unavailable="unreachable")

# (id, rule A's extra members or None, the policy's last_resort or None, rule B, expected)
#   expected: "icmp" (destination unreachable), "silent", or the WAN address answering
CASES = [
    ("when_unavailable_unreachable", {"when_unavailable": "unreachable"}, None, B_ENFORCED,
     "icmp"),
    ("when_unavailable_drop", {"when_unavailable": "drop"}, None, B_ENFORCED, "silent"),
    ("when_unavailable_any", {"when_unavailable": "any"}, None, B_ENFORCED, WAN2),
    ("when_unavailable_fall_through", {"when_unavailable": "fall_through"}, None, B_ENFORCED,
     WAN1),
    ("when_unavailable_fall_through_to_unreachable", {"when_unavailable": "fall_through"},
     None, B_UNREACHABLE, "icmp"),
    ("when_unavailable_default", {"when_unavailable": "default"}, None, B_UNREACHABLE, WAN2),
    ("last_resort_unreachable", None, "unreachable", B_ENFORCED, "icmp"),
    ("last_resort_blackhole", None, "blackhole", B_ENFORCED, "silent"),
    ("last_resort_default", None, "default", B_UNREACHABLE, WAN2),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_when_unavailable(lab, udp_who, wan1_dead_health, case):
    """Rule A (priority [wan1], wan1 offline) with the case's fallback, then rule B for
    the same flows, then the default rule (auto: wan2, the only usable WAN)."""
    name, extra, last_resort, rule_b, expect = case
    match = dict(proto="udp", dst=[SERVER + "/32"], dst_port=[udp_who.port])
    policies = []
    if last_resort is None:
        first = rule("a", dict(pick("priority", cand("wan1")), **extra), **match)
    else:
        policies = [dict(pick("priority", cand("wan1")), name="p_wan1",
                         last_resort=last_resort)]
        first = rule("a", "p_wan1", **match)
    apply(lab, offline_doc(lab, policies=policies, rules=[first, rule("b", rule_b, **match)]))
    wan1_offline(lab)
    sport = next(_sports)
    token = "t34-%s-%d" % (name, sport)
    r = lab.run_json("lan", tool_cmd("udp-probe", "br-lan", SERVER, udp_who.port, sport, 2.0,
                                     token), timeout=60)
    at_server = udp_who.lines(token)
    if expect == "icmp":
        assert r["icmp"], "no ICMP error came back for the unreachable flow: %s" % r
        assert all(i["type"] == 3 for i in r["icmp"]), r
        assert r["icmp"][0]["q_dport"] == udp_who.port and r["icmp"][0]["q_dst"] == SERVER, r
        assert not r["udp"] and not at_server, ("the flow got through", r, at_server)
    elif expect == "silent":
        assert not r["icmp"] and not r["udp"], "a dropped flow got an answer: %s" % r
        assert not at_server, "a dropped flow reached the server: %s" % at_server
    else:
        assert not r["icmp"], r
        assert len(r["udp"]) == 1 and r["udp"][0].startswith(expect + " "), \
            "%s: expected one answer through %s, got %s" % (name, expect, r)
        assert [a for a, _, _ in at_server] == [expect], at_server
