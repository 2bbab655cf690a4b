# SPDX-License-Identifier: BSD-3-Clause
"""Outbound rules in the lab (issue 8 point 6): rules are matched top to bottom and the
first match wins (a TCP 443 rule to a single-WAN policy of mwan3 members beats a later
catch-all rule and the default rule), and changing the rules while a UDP stream runs
loses none of its packets.

A flow's WAN is the source address the inet server saw (198.18.1.2 wan1, 198.18.2.2
wan2)."""
import json
import os

from conftest import SERVER
from policy_lab import (WAN1, WAN2, apply, cand, only, pick, policy_doc, policy_restored,
                        rule, start_tcp_server, tcp_who, tcp_who_server, tool_cmd, udp_who,
                        TCP_WHO_PORT)

__all__ = ["policy_restored", "tcp_who_server", "udp_who"]

HTTPS = 443

MEMBERS = [{"name": "wan1_m1", "wan": "wan1", "metric": 1, "weight": 1},
           {"name": "wan2_m1", "wan": "wan2", "metric": 1, "weight": 1}]
POLICIES = [{"name": "wan2_only", "members": ["wan2_m1"]},
            {"name": "wan1_only", "members": ["wan1_m1"]}]


def https_rule():
    return rule("https", "wan2_only", proto="tcp", dst_port=[HTTPS])


def test_tcp_443_rule_wins_over_a_later_default(lab, tcp_who_server, policy_restored):
    srv = start_tcp_server(lab, SERVER, HTTPS, "t33-tcp443")
    try:
        # the 443 rule first, then a catch-all to wan1; the default rule weighted
        for later, what in (
                (rule("rest", "wan1_only"), "a later catch-all rule to wan1"),
                (rule("rest", pick("weighted", cand(wan1=1, wan2=1))),
                 "a later weighted catch-all rule")):
            apply(lab, policy_doc(lab, members=MEMBERS, policies=POLICIES,
                                  rules=[https_rule(), later],
                                  default_rule={"preset": "custom",
                                                **pick("priority", cand("wan1"))}))
            r = tcp_who(lab, 10, port=HTTPS)
            assert not r["errors"], r
            only(r["seen"], WAN2, "TCP 443 with the 443 rule before %s" % what)
            if later.get("policy") == "wan1_only":
                r = tcp_who(lab, 10, port=TCP_WHO_PORT)
                assert not r["errors"], r
                only(r["seen"], WAN1, "TCP %d (not 443) under %s" % (TCP_WHO_PORT, what))
        # the same rules the other way round: the catch-all matches first
        apply(lab, policy_doc(lab, members=MEMBERS, policies=POLICIES,
                              rules=[rule("rest", "wan1_only"), https_rule()]))
        r = tcp_who(lab, 10, port=HTTPS)
        assert not r["errors"], r
        only(r["seen"], WAN1, "TCP 443 with the catch-all rule first")
        # no rule matches: the default rule decides (here: priority, wan1 first)
        apply(lab, policy_doc(lab, members=MEMBERS, policies=POLICIES, rules=[
            rule("other", "wan2_only", proto="udp", dst_port=[HTTPS])],
            default_rule={"preset": "custom", **pick("priority", cand("wan1"))}))
        r = tcp_who(lab, 10, port=HTTPS)
        assert not r["errors"], r
        only(r["seen"], WAN1, "TCP 443 with only a UDP 443 rule (the default rule decides)")
    finally:
        lab.stop_bg(srv)


STREAM_SPORT = 13500


def stream_docs(lab, port):
    """Five documents, each with different rules, all of which send the stream's flow
    (UDP to SERVER:port) to wan1."""
    def stream_rule(name="stream"):
        return rule(name, pick("priority", cand("wan1", "wan2")), proto="udp",
                    dst=[SERVER + "/32"], dst_port=[port])
    filler = [rule("f%d" % i, pick("weighted", cand(wan1=1, wan2=1)), proto="tcp",
                   dst_port=[20000 + i]) for i in range(200)]
    return [
        policy_doc(lab, rules=[stream_rule()]),
        policy_doc(lab, rules=filler[:50] + [stream_rule()]),
        policy_doc(lab, rules=[rule("to_wan2", pick("enforced", cand("wan2")), proto="udp",
                                    dst_port=[port + 1]), stream_rule("stream2")] + filler,
                   default_rule={"preset": "high_compatibility"}),
        policy_doc(lab, rules=[stream_rule("stream3")],
                   default_rule={"preset": "custom", **pick("priority", cand("wan2"))}),
        policy_doc(lab, rules=filler[:10] + [stream_rule()] + filler[10:20]),
    ]


def test_rule_changes_lose_no_packet(lab, udp_who, policy_restored):
    """A paced stream (500 datagrams a second, numbered, at least 2000) through wan1
    while the document is applied 5 times with different rules that keep the stream on
    wan1: every datagram is answered, all through wan1."""
    docs = stream_docs(lab, udp_who.port)
    apply(lab, docs[0])
    ready = os.path.join(lab.workdir, "t33-stream.ready")
    stop = os.path.join(lab.workdir, "t33-stream.stop")
    for p in (ready, stop):
        if os.path.exists(p):
            os.unlink(p)
    bg = lab.start_bg("lan", tool_cmd("udp-seq", SERVER, udp_who.port, STREAM_SPORT, 2000,
                                      500, ready, stop), "t33-stream", ready_file=ready)
    try:
        gens = []
        for d in docs[1:] + docs[:1]:
            gens.append(apply(lab, d))
            assert bg.alive(), "the stream ended before every document was applied: " + \
                bg.output()
        assert len(set(gens)) == 5, gens
        open(stop, "w").close()
        bg.wait(20)
        res = json.loads(bg.output().strip().splitlines()[-1])
    finally:
        if bg.alive():
            lab.stop_bg(bg)
    assert "error" not in res, res
    assert res["sent"] >= 2000, res
    assert res["n_lost"] == 0, \
        "%d of %d datagrams lost while the rules changed 5 times (first: %s)" % (
            res["n_lost"], res["sent"], res["lost"][:20])
    assert set(res["addrs"]) == {WAN1}, ("the stream left wan1", res["addrs"])
