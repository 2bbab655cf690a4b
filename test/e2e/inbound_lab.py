# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the inbound access e2e tests (test_54, issue 10): documents with services,
NAT mappings, a firewall and DoS settings (lib/cfg/dpw_doc.h, "issue 10"), the LAN
servers a port forward reaches, counters from /metrics and /api/v1/status, and the
clean-up that puts the lab back (document, extra LAN host, system configuration) even
when a test fails.

The LAN servers: the lan namespace (198.18.0.10, "lan") and one more LAN host made by
tools/lab add-host ("inb-a", 198.18.0.11); each runs inbound_tool.py http-server on port
80 only and answers with its own name and the client address it saw.
"""
import contextlib
import copy
import os
import re

import pytest

from conftest import PY, HERE, SERVER
from policy_lab import WAN1, WAN2, apply, lan_hosts, wan_counters
from test_16_metrics import parse as parse_metrics

__all__ = ["WAN1", "WAN2", "SERVER", "apply", "wan_counters"]

LAN_HOST = "198.18.0.10"      # the lan namespace
POOL_HOST = "198.18.0.11"     # inb-a
POOL_NS = "inb-a"
LAN_PORT = 80                 # the servers listen here only: a forward must map to it
NAMES = {LAN_HOST: "lan", POOL_HOST: POOL_NS}
NS_OF = {"lan": "lan", POOL_NS: POOL_NS}
EXTRA_WAN1 = "198.18.1.20"    # an additional address of wan1 (inside 198.18.1.0/24)


def tool_cmd(*args):
    return [PY, os.path.join(HERE, "inbound_tool.py"), *[str(a) for a in args]]


# ---- documents ------------------------------------------------------------------------

def service(name, port, servers, to_port=None, wans=None, proto="tcp", addresses=None):
    """A service: SERVERS is [(address, weight)]; WANS a list of WAN names."""
    s = {"name": name, "proto": proto, "port": port,
         "servers": [{"address": a, "weight": w} for a, w in servers]}
    if to_port is not None:
        s["to_port"] = to_port
    if wans is not None:
        s["wans"] = list(wans)
    if addresses is not None:
        s["addresses"] = list(addresses)
    return s


PREFER_WAN1 = {"preset": "custom", "algorithm": "priority",
               "wans": [{"wan": "wan1"}, {"wan": "wan2"}]}


def inbound_doc(lab, services=(), mappings=(), firewall=None, dos=None, wans=None,
                default_rule=None):
    """The lab's factory document with these issue 10 sections. WANS: {"wan1": {member:
    value}} sets WAN members (additional_addresses, nat); DEFAULT_RULE replaces the
    default rule (PREFER_WAN1: new outbound sessions on wan1 while it is usable)."""
    doc = copy.deepcopy(lab.default_doc)
    for w in doc["wans"]:
        if wans and w["name"] in wans:
            w.update(copy.deepcopy(wans[w["name"]]))
    if services:
        doc["services"] = copy.deepcopy(list(services))
    if mappings:
        doc["nat"] = {"mappings": copy.deepcopy(list(mappings))}
    if firewall is not None:
        doc["firewall"] = copy.deepcopy(firewall)
    if dos is not None:
        doc["dos"] = copy.deepcopy(dos)
    if default_rule is not None:
        doc["default_rule"] = copy.deepcopy(default_rule)
    return doc


# ---- observing ------------------------------------------------------------------------

def http_many(lab, ns, host, port, count, timeout=5):
    """COUNT sequential new HTTP connections from NS to HOST:PORT (inbound_tool.py); from
    inet, from its host address SERVER (else the kernel picks the link's to the ISP)."""
    src = [SERVER] if ns == "inet" else []
    return lab.run_json(ns, tool_cmd("http-many", host, port, count, timeout, *src),
                        timeout=count * (timeout + 1) + 30)


def metrics(lab):
    r = lab.api("GET", "/metrics")
    assert r.code == 200, r
    return parse_metrics(r.text)


def metric_sum(fams, family, **labels):
    """The sum of FAMILY's series whose labels include LABELS (0 when none)."""
    f = fams.get(family)
    if f is None:
        return 0
    total = 0
    for series, v in f["samples"].items():
        d = dict(series)
        if all(d.get(k) == v2 for k, v2 in labels.items()):
            total += v
    return total


def metric_series(fams, family, value):
    """FAMILY's series one of whose label values is VALUE: {labels: value}."""
    f = fams.get(family) or {"samples": {}}
    return {s: v for s, v in f["samples"].items() if value in dict(s).values()}


DOS_DROP = re.compile(r"dos|syn_rate|rate_limit")


def dos_drops(lab):
    """{drop reason: count} of the DoS drops in /api/v1/status (the reasons whose names
    say dos or a rate limit; the set is the dataplane's, lib/shm/dpw_shm.h)."""
    drops = lab.api_status()["drops"]
    return {k: v for k, v in drops.items() if DOS_DROP.search(k)}


def sessions_active(lab):
    """Sessions in every worker's table now."""
    return sum(w["sessions_active"] for w in lab.api_status()["workers"])


def events_since(lab, seq):
    out = []
    last = seq
    while True:
        page = lab.api_json("GET", "/api/v1/events?since=%d&limit=1000" % last)[0]
        if not page["events"]:
            return out
        out += page["events"]
        last = page["last"]


# ---- fixtures -------------------------------------------------------------------------

class LanServers:
    def __init__(self, bgs):
        self.bgs = bgs

    def alive(self):
        return all(b.alive() for b in self.bgs)


@pytest.fixture(scope="module")
def lan_servers(lab):
    """inb-a added to the LAN; HTTP servers on port 80 in lan and inb-a; removed after."""
    with lan_hosts(lab, [(POOL_NS, POOL_HOST)]):
        bgs = []
        try:
            for ns in ("lan", POOL_NS):
                ready = os.path.join(lab.workdir, "inb-http-%s.ready" % ns)
                if os.path.exists(ready):
                    os.unlink(ready)
                bgs.append(lab.start_bg(ns, tool_cmd("http-server", "0.0.0.0", LAN_PORT, ns,
                                                     ready), "inb-http-" + ns,
                                        ready_file=ready))
            yield LanServers(bgs)
        finally:
            for b in bgs:
                lab.stop_bg(b)


@pytest.fixture
def inbound_restored(lab):
    """Each test: at the end (also on failure) the factory document back and both WANs
    usable again."""
    yield
    lab.restore_default()


@contextlib.contextmanager
def nat_ports(lab, lo, hi):
    """The running lab's system configuration (tools/lab's copy, /run/dpwan-lab/lab.conf,
    the one `tools/lab restart` starts the dataplane with) with nat.port_min / port_max
    LO / HI, the processes restarted; the original put back and restarted after (also on
    failure). The namespaces and their servers stay."""
    path = "/run/dpwan-lab/lab.conf"
    with open(path) as f:
        orig = f.read()
    m = re.search(r"^nat\s*=\s*\{[^}]*\};", orig, re.M)
    assert m, "no nat section in %s" % path
    changed = orig[:m.start()] + (
        "nat = {\n  port_min = %d;\n  port_max = %d;\n};" % (lo, hi)) + orig[m.end():]
    try:
        with open(path, "w") as f:
            f.write(changed)
        restart(lab)
        yield
    finally:
        with open(path, "w") as f:
            f.write(orig)
        restart(lab)


def restart(lab):
    """tools/lab restart (state kept) and wait until the API and the dataplane run the
    stored document again."""
    lab.lab("restart", timeout=120)
    lab.wait_for(lab.try_status, 20, "the REST API status after a restart")
    lab.wait_for(lambda: (lambda c: c["generation"] >= 1 and
                          c["dataplane_generation"] == c["generation"])(
        lab.api_status()["config"]), 20, "the dataplane to run the stored document")
    lab.wait_for(lambda: all(w["usable"] for w in lab.api_status()["wans"]), 30,
                 "both WANs usable after a restart")
