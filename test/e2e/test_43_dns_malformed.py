# SPDX-License-Identifier: BSD-3-Clause
"""Malformed DNS answers through the dataplane (issue 9): DNS snooping parses every
UDP packet from port 53 on its way to a LAN host while a domain rule runs, so its
parser meets whatever a resolver (or an attacker on the path) sends. Answers with
pointer loops, forward pointers, truncation, huge counts, bad labels, overlong names
(test/e2e/dns_frames.py) are sent towards a LAN host:
  * from inet (a "resolver" on 198.19.0.10:53 answering the host's query: through NAT,
    the workers' snoop),
  * from the appliance's own namespace (198.18.0.1:53, out of the LAN TAP: the main
    lcore's snoop, where our dnsmasq's answers go),
each sequence ending with one good answer. The dataplane stays alive, forwards every
one of them unchanged, counts the malformed ones in dpwan_dns_snoop_malformed_total,
puts nothing of them into a domain set, and the good answer still fills its set."""
import json
import os
import uuid

from conftest import HERE, PY, SERVER
from dns_evil import EVIL_ADDR, GOOD_ADDR, GOOD_NAME, sequence
from dns_lab import EXAMPLE
from policy_lab import (apply, policy_doc, policy_restored, rule)

__all__ = ["policy_restored"]

EVIL = os.path.join(HERE, "dns_evil.py")
HOST = "198.18.0.10"
ROUTER = "198.18.0.1"
SETS = "/api/v1/lan/dns/domain-sets"
N_BAD = len(sequence()) - 1
TAP_PORT = 15353
TAP_GOOD = "198.19.0.97"     # not GOOD_ADDR: the first test's entry must not count here


def metric(lab, name):
    r = lab.api("GET", "/metrics")
    for line in r.text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise AssertionError("no metric %s in /metrics" % name)


def addrs_of(lab, pattern):
    for s in lab.api_json("GET", SETS)[0]["sets"]:
        if s["pattern"] == pattern:
            return {e["address"] for e in s["entries"]}
    raise AssertionError("no set for %s" % pattern)


def domain_doc(lab):
    return policy_doc(lab, rules=[rule("names", {"algorithm": "weighted",
                                                 "wans": [{"wan": "wan1"}, {"wan": "wan2"}]},
                                       dst_domain=[EXAMPLE, GOOD_NAME])])


def check_after(lab, http_server, m0, what, good=GOOD_ADDR):
    lab.wait_for(lambda: metric(lab, "dpwan_dns_snoop_malformed_total") >= m0 + N_BAD, 5,
                 "%d malformed answers counted (%s)" % (N_BAD, what))
    assert lab.dataplane_alive(), lab.log_tails()
    assert EVIL_ADDR not in addrs_of(lab, EXAMPLE), "a malformed answer filled a set"
    assert good in addrs_of(lab, GOOD_NAME), "the good answer after them did not"
    # and it still forwards
    tag = "t43-" + uuid.uuid4().hex[:8]
    r = lab.curl(http_server.url("/whoami?tag=%s" % tag), timeout=5)
    assert r.returncode == 0 and len(http_server.sources(tag)) == 1, r.stderr


def test_malformed_answers_from_the_internet(lab, http_server, policy_restored):
    apply(lab, domain_doc(lab))
    ready = os.path.join(lab.workdir, "dns-evil.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    srv = lab.start_bg("inet", [PY, EVIL, "server", SERVER, ready], "dns-evil",
                       ready_file=ready)
    try:
        m0 = metric(lab, "dpwan_dns_snoop_malformed_total")
        p = lab.run("lan", ["timeout", "20", PY, EVIL, "client", SERVER, "5"], timeout=30)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        assert res == {"got": N_BAD + 1, "good": True, "port": res["port"]}, \
            "the host should get every answer, the good one last: %s %s" % (res, p.stderr)
        check_after(lab, http_server, m0, "from inet")
    finally:
        lab.stop_bg(srv)


def test_malformed_answers_on_the_lan_tap(lab, http_server, policy_restored):
    apply(lab, domain_doc(lab))
    m0 = metric(lab, "dpwan_dns_snoop_malformed_total")
    assert TAP_GOOD not in addrs_of(lab, GOOD_NAME)
    cli = lab.start_bg("lan", [PY, EVIL, "client", "-", "10", str(TAP_PORT), TAP_GOOD],
                       "dns-evil-cli")
    try:
        lab.wait_for(lambda: '"port"' in cli.output() or not cli.alive(), 5,
                     "the LAN client to listen")
        p = lab.run("appliance", ["timeout", "10", PY, EVIL, "push", ROUTER, HOST,
                                  str(TAP_PORT), TAP_GOOD], timeout=20)
        assert p.returncode == 0, p.stderr
        cli.wait(15)
        res = json.loads(cli.output().strip().splitlines()[-1])
        assert res["got"] == N_BAD + 1 and res["good"], \
            "the host should get every answer, the good one last: %s" % res
        check_after(lab, http_server, m0, "from the LAN TAP", good=TAP_GOOD)
    finally:
        lab.stop_bg(cli)
