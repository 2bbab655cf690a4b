# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the outbound policy e2e tests (test_32 .. test_35, issue 8 point 6):
documents with members, policies, rules and a default rule (lib/cfg/dpw_doc.h), the
servers those tests talk to, and the clean-up that puts the lab back (document, WANs,
link emulators, extra addresses, extra LAN hosts) even when a test fails.

Which WAN a flow took is always what a server in inet saw as its source address:
198.18.1.2 is wan1, 198.18.2.2 is wan2 (the lab's NAT addresses).
"""
import contextlib
import copy
import json
import os

import pytest

from conftest import PY, HERE, SERVER
from health_lab import WAN1, WAN2, inet_addrs, reset_health_lab, wait_wan

__all__ = ["WAN1", "WAN2", "SERVER", "inet_addrs", "wait_wan"]

WAN_OF = {WAN1: "wan1", WAN2: "wan2"}
UDP_WHO_PORT = 9300        # policy_tool.py udp-server on SERVER
TCP_WHO_PORT = 7300        # flow_watch.py tcp-server on SERVER
DEAD_TARGET = "198.19.0.250"   # in inet's subnet, nobody has it: a health target that
                               # never answers while the data path works


def tool_cmd(*args):
    return [PY, os.path.join(HERE, "policy_tool.py"), *[str(a) for a in args]]


def flow_watch_cmd(*args):
    return [PY, os.path.join(HERE, "flow_watch.py"), *[str(a) for a in args]]


# ---- documents ------------------------------------------------------------------------

def cand(*wans, **weights):
    """A pick's candidate list: cand("wan1", "wan2") or with weights cand(wan1=3, wan2=2)."""
    out = [{"wan": w} for w in wans]
    out += [{"wan": w, "weight": n} for w, n in weights.items()]
    return out


def pick(algorithm, wans, persistence=None):
    """An own pick (rule, policy or default rule): algorithm and candidate WANs."""
    p = {"algorithm": algorithm, "wans": wans}
    if persistence is not None:
        p["persistence"] = persistence
    return p


def rule(name, action, **match):
    """A rule: NAME, the match members given (proto, src, dst, src_port, dst_port ...),
    and ACTION: a policy name (str) or an own pick (dict) plus any of sticky,
    sticky_timeout, when_unavailable, terminate_on_recovery."""
    r = {"name": name}
    r.update(match)
    if isinstance(action, str):
        r["policy"] = action
    else:
        r.update(action)
    return r


def policy_doc(lab, rules=(), policies=(), members=(), default_rule=None, health=None,
               wans=None):
    """The lab's factory document with these members, policies, rules and default rule
    (default: preset auto). HEALTH: {"wan1": {health section}} replaces that WAN's health;
    WANS: {"wan1": {member: value}} sets other WAN members."""
    doc = copy.deepcopy(lab.default_doc)
    for w in doc["wans"]:
        if health and w["name"] in health:
            w["health"] = copy.deepcopy(health[w["name"]])
        if wans and w["name"] in wans:
            w.update(copy.deepcopy(wans[w["name"]]))
    doc["members"] = copy.deepcopy(list(members))
    doc["policies"] = copy.deepcopy(list(policies))
    doc["rules"] = copy.deepcopy(list(rules))
    doc["default_rule"] = copy.deepcopy(default_rule or {"preset": "auto"})
    return doc


def apply(lab, doc, timeout=15):
    """PUT DOC (it must be accepted); wait until the dataplane runs it. The generation."""
    res, r = lab.put_config(doc)
    gen = r.etag()
    assert res["generation"] == gen, res
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] == gen, timeout,
                 "the dataplane to run generation %d" % gen)
    return gen


def dead_health(**kw):
    """A ping health section whose only target never answers: the WAN goes offline
    while its data path keeps working."""
    h = {"preset": "dpwan", "method": "ping", "targets": [DEAD_TARGET]}
    h.update(kw)
    return h


# ---- observing ------------------------------------------------------------------------

def wan_counters(lab):
    """{wan name: its counters} from /api/v1/wans."""
    return {w["name"]: w["counters"] for w in lab.api_json("GET", "/api/v1/wans")[0]}


def wan_rtts(lab):
    return {w["name"]: (w.get("health") or {}).get("rtt_ms")
            for w in lab.api_json("GET", "/api/v1/wans")[0]}


def udp_flows(lab, sport_base, count, port=UDP_WHO_PORT, host=SERVER):
    """COUNT new UDP flows from the LAN host; {"seen": {addr: n}, "failed": [...]}."""
    return lab.run_json("lan", tool_cmd("udp-flows", host, port, sport_base, count),
                        timeout=60 + count // 10)


def tcp_who(lab, count, port=TCP_WHO_PORT, host=SERVER, ns="lan", timeout=5):
    return lab.run_json(ns, tool_cmd("tcp-who", host, port, count, timeout),
                        timeout=count * (timeout + 1) + 15)


def only(seen, addr, what):
    """SEEN ({addr: n}) has answers through ADDR only."""
    assert seen and set(seen) == {addr}, "%s: expected every flow through %s (%s), saw %s" % (
        what, addr, WAN_OF.get(addr), seen)


# ---- fixtures -------------------------------------------------------------------------

class UdpWhoServer:
    def __init__(self, bg, log, port):
        self.bg, self.log, self.port = bg, log, port

    def lines(self, token=None):
        """(addr, port, payload) of every datagram logged (whose payload has TOKEN)."""
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    parts = line.rstrip("\n").split(" ", 2)
                    if len(parts) == 3 and (token is None or token in parts[2]):
                        out.append((parts[0], int(parts[1]), parts[2]))
        except OSError:
            pass
        return out


@pytest.fixture(scope="module")
def udp_who(lab):
    """policy_tool.py udp-server on SERVER:UDP_WHO_PORT."""
    log = os.path.join(lab.workdir, "udp-who-%d.log" % os.getpid())
    ready = log + ".ready"
    for p in (log, ready):
        if os.path.exists(p):
            os.unlink(p)
    bg = lab.start_bg("inet", tool_cmd("udp-server", SERVER, UDP_WHO_PORT, log, ready),
                      "udp-who-server", ready_file=ready)
    yield UdpWhoServer(bg, log, UDP_WHO_PORT)
    lab.stop_bg(bg)


@pytest.fixture(scope="module")
def tcp_who_server(lab):
    """flow_watch.py tcp-server on SERVER:TCP_WHO_PORT (a line echo; "WHO" gives the peer)."""
    bg = start_tcp_server(lab, SERVER, TCP_WHO_PORT, "tcp-who-server")
    yield bg
    lab.stop_bg(bg)


def start_tcp_server(lab, addr, port, name):
    ready = os.path.join(lab.workdir, name + ".ready")
    if os.path.exists(ready):
        os.unlink(ready)
    return lab.start_bg("inet", flow_watch_cmd("tcp-server", addr, port, ready), name,
                        ready_file=ready)


@pytest.fixture
def policy_restored(lab):
    """Each policy test: at the end (also on failure) the link emulators reset, links up,
    our nft table gone, the factory document back (no rules, both WANs enabled) and both
    WANs usable again."""
    yield
    reset_health_lab(lab)


@contextlib.contextmanager
def lan_hosts(lab, hosts):
    """Extra LAN hosts (tools/lab add-host NAME ADDR/24) for the body; removed after."""
    added = []
    try:
        for name, addr in hosts:
            lab.lab("add-host", name, addr + "/24")
            added.append(name)
        yield
    finally:
        for name in added:
            lab.lab("del-host", name, check=False)


def tcp_log(path):
    """flow_watch.py tcp-client's log: a list of its JSON events."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    except (OSError, ValueError):
        pass
    return out
