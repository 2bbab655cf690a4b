# SPDX-License-Identifier: BSD-3-Clause
"""1:1 NAT and IP-forwarding mode in the lab (issue 10, points 2 and 3), with one worker
and with two (test/e2e/meson.build runs this directory under conf/lab.conf and
conf/lab-2workers.conf: with two, neither kind of session carries a NAT port of ours,
so both directions must meet on dp_flow_owner's worker).

1:1: wan1's additional address 198.18.1.21 is inb-a's (198.18.0.11). From inet, HTTP and
ping to 198.18.1.21 reach inb-a, which sees the inet host's own address; inb-a's own
connections out of wan1 leave from 198.18.1.21 with their source ports kept; another LAN
host still leaves from wan1's address; an inbound firewall rule still judges it.

Forwarding mode: wan1 with "nat": false, isp1 and inet routing 198.18.0.0/24 to the
appliance (the test adds those routes and removes them). LAN hosts' connections out of
wan1 keep their LAN address; out of wan2 (still NAT) they take wan2's; from inet, a LAN
host is reached only where an inbound rule allows it (the inbound default denies, and
its counter counts).
"""
import random
import subprocess
import contextlib

from conftest import SERVER, http_sources
from inbound_lab import (LAN_HOST, LAN_PORT, POOL_HOST, POOL_NS, PREFER_WAN1, WAN1, WAN2,
                         apply, http_many, inbound_doc, inbound_restored, lan_servers,
                         metric_series, metrics, tool_cmd)

__all__ = ["inbound_restored", "lan_servers"]

ONE2ONE = "198.18.1.21"     # an additional address of wan1, inb-a's both ways
INET_PORT = 8091            # an inet server that tells the client port it saw
WEB2 = {"name": "web2", "proto": "tcp", "port": 8082, "to_port": LAN_PORT, "wans": ["wan2"],
        "servers": [{"address": LAN_HOST, "weight": 1}]}
PREFER_WAN2 = {"preset": "custom", "algorithm": "priority",
               "wans": [{"wan": "wan2"}, {"wan": "wan1"}]}


def one2one_doc(lab, firewall=None):
    return inbound_doc(lab, wans={"wan1": {"additional_addresses": [ONE2ONE]}},
                       mappings=[{"name": "inb_a", "type": "one_to_one", "lan": POOL_HOST,
                                  "wan": "wan1", "address": ONE2ONE}],
                       firewall=firewall, default_rule=PREFER_WAN1)


def ping(ns, dst, count=3, src=None):
    cmd = ["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", "0.3", "-W", "2"]
    if src:
        cmd += ["-I", src]
    return subprocess.run(cmd + [dst], capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def inet_port_server(lab):
    """inbound_tool.py http-server in inet on SERVER:INET_PORT: it answers with the
    client's address and port."""
    import os
    ready = os.path.join(lab.workdir, "t56-inet.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    bg = lab.start_bg("inet", tool_cmd("http-server", SERVER, INET_PORT, "inet", ready),
                      "t56-inet-http", ready_file=ready)
    try:
        yield
    finally:
        lab.stop_bg(bg)


def test_one_to_one_both_ways(lab, lan_servers, inbound_restored):
    apply(lab, one2one_doc(lab))
    # inbound: every port of 198.18.1.21 is inb-a's, the client's address untouched
    r = http_many(lab, "inet", ONE2ONE, LAN_PORT, 8)
    assert r["n_ok"] == 8, "HTTP from inet to the 1:1 address %s: %s" % (ONE2ONE, r)
    assert r["by_name"] == {POOL_NS: 8}, r
    assert r["seen_src"] == {SERVER: 8}, r
    p = ping("inet", ONE2ONE, src=SERVER)
    assert p.returncode == 0, "ping from inet to the 1:1 address: %s%s" % (p.stdout, p.stderr)
    # outbound: inb-a leaves wan1 from its public address, its ports kept
    base = random.randrange(41000, 60000)
    with inet_port_server(lab):
        r = lab.run_json(POOL_NS, tool_cmd("http-many", SERVER, INET_PORT, 5, 5,
                                           "%s:%d" % (POOL_HOST, base)), timeout=60)
        assert r["n_ok"] == 5, r
        assert r["seen_src"] == {ONE2ONE: 5}, \
            "%s is 1:1 %s on wan1, the inet server saw %s" % (POOL_HOST, ONE2ONE, r)
        assert all(sent == seen for sent, seen in r["seen_ports"]), \
            "1:1 keeps ports, but (sent, seen): %s" % r["seen_ports"]
        # another LAN host is not mapped: wan1's own address and a NAT port
        r = lab.run_json("lan", tool_cmd("http-many", SERVER, INET_PORT, 3, 5), timeout=60)
        assert r["n_ok"] == 3 and r["seen_src"] == {WAN1: 3}, r
    p = ping(POOL_NS, SERVER)
    assert p.returncode == 0, "ping from the 1:1 host to inet: %s%s" % (p.stdout, p.stderr)
    # the inbound firewall judges 1:1 connections like a port forward's
    apply(lab, one2one_doc(lab, firewall={"inbound": [
        {"name": "no_web", "proto": "tcp", "dst": [POOL_HOST], "dst_port": [LAN_PORT],
         "action": "deny"}]}))
    r = http_many(lab, "inet", ONE2ONE, LAN_PORT, 2, timeout=3)
    assert r["n_ok"] == 0, "an inbound deny rule, yet %s:80 answered: %s" % (ONE2ONE, r)
    assert sum(metric_series(metrics(lab), "dpwan_firewall_rule_hits_total",
                             "no_web").values()) >= 2
    p = ping("inet", ONE2ONE, src=SERVER)
    assert p.returncode == 0, "the rule denies TCP only, yet ping failed: %s" % p.stdout
    assert lan_servers.alive()


def route(ns, *args):
    subprocess.run(["ip", "-n", ns, "route"] + list(args), check=True, timeout=10)


@contextlib.contextmanager
def lan_routed_via_wan1():
    """isp1 and inet route 198.18.0.0/24 to the appliance's wan1 (an ISP routing a
    customer's network to a forwarding-mode WAN)."""
    route("isp1", "replace", "198.18.0.0/24", "via", "198.18.1.2")
    route("inet", "replace", "198.18.0.0/24", "via", "198.19.254.1")
    try:
        yield
    finally:
        for ns in ("inet", "isp1"):
            subprocess.run(["ip", "-n", ns, "route", "del", "198.18.0.0/24"], timeout=10)


@contextlib.contextmanager
def no_time_wait(ns):
    """NS's kernel keeps no TIME_WAIT sockets (tcp_max_tw_buckets 0): a server there
    takes a new SYN on an ended connection's ports at once, so only the dataplane can
    refuse it."""
    key = "net.ipv4.tcp_max_tw_buckets"
    old = subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-n", key], check=True,
                         capture_output=True, text=True, timeout=10).stdout.strip()
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "%s=0" % key], check=True,
                   timeout=10)
    try:
        yield
    finally:
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "%s=%s" % (key, old)],
                       timeout=10)


def inbound_default_hits(lab):
    fams = metrics(lab)
    f = fams.get("dpwan_firewall_rule_hits_total") or {"samples": {}}
    return sum(v for s, v in f["samples"].items()
               if dict(s).get("direction") == "inbound" and dict(s).get("rule") == "default")


def test_forwarding_mode_wan(lab, lan_servers, inbound_restored, http_server):
    fw = {"inbound": [{"name": "web_lan", "proto": "tcp", "dst": [LAN_HOST],
                       "dst_port": [LAN_PORT], "action": "allow"}]}
    with lan_routed_via_wan1(), no_time_wait("lan"):
        apply(lab, inbound_doc(lab, wans={"wan1": {"nat": False}}, default_rule=PREFER_WAN1))
        # out of wan1: the LAN address itself
        seen = http_sources(lab, http_server, "t56fwd", 6)
        assert set(seen) == {LAN_HOST}, \
            "wan1 forwards without NAT, the inet server saw %s" % seen
        p = ping("lan", SERVER)
        assert p.returncode == 0, "ping out of a forwarding WAN: %s" % p.stdout
        # from inet: the inbound default denies, and counts
        before = inbound_default_hits(lab)
        r = http_many(lab, "inet", LAN_HOST, LAN_PORT, 2, timeout=3)
        assert r["n_ok"] == 0, "no rule allows it, yet %s:80 answered: %s" % (LAN_HOST, r)
        assert inbound_default_hits(lab) >= before + 2
        # a rule allows one host's port: reached with the client's own address
        apply(lab, inbound_doc(lab, wans={"wan1": {"nat": False}}, firewall=fw,
                               default_rule=PREFER_WAN1))
        base = random.randrange(42000, 60000)
        r = lab.run_json("inet", tool_cmd("http-many", LAN_HOST, LAN_PORT, 6, 5,
                                          "%s:%d" % (SERVER, base)), timeout=60)
        assert r["n_ok"] == 6, "allowed, routed to %s:80: %s" % (LAN_HOST, r)
        assert r["by_name"] == {"lan": 6} and r["seen_src"] == {SERVER: 6}, r
        # the same client ports through a port forward on wan2 to the same server: the
        # server's ends are those of the routed connections that ended, which give way
        apply(lab, inbound_doc(lab, wans={"wan1": {"nat": False}}, firewall=fw,
                               services=[WEB2], default_rule=PREFER_WAN1))
        r = lab.run_json("inet", tool_cmd("http-many", WAN2, 8082, 6, 5,
                                          "%s:%d" % (SERVER, base)), timeout=60)
        assert r["n_ok"] == 6, "a forward reusing ended routed connections' ports: %s" % r
        r = http_many(lab, "inet", POOL_HOST, LAN_PORT, 2, timeout=3)
        assert r["n_ok"] == 0, "no rule allows %s, yet it answered: %s" % (POOL_HOST, r)
        # wan2 still translates
        apply(lab, inbound_doc(lab, wans={"wan1": {"nat": False}}, firewall=fw,
                               default_rule=PREFER_WAN2))
        seen = http_sources(lab, http_server, "t56nat", 4)
        assert set(seen) == {WAN2}, "wan2 is NAT, the inet server saw %s" % seen
    assert lan_servers.alive()


FRAG_PORT = 9400


def test_port_forward_fragments(lab, inbound_restored):
    """3000-byte UDP datagrams (fragments both ways) from inet through a port forward to
    a LAN echo server and back, each echo the datagram sent. (Not on af_packet ports,
    where the kernel reassembles first: test_20's docstring.)"""
    import os
    import re
    import pytest
    from conftest import HERE, PY
    if re.search(r'device\s*=\s*"net_af_packet', open(lab.conf).read()):
        pytest.skip("af_packet ports: the kernel reassembles before the dataplane sees "
                    "fragments")
    apply(lab, inbound_doc(lab, services=[{"name": "echo", "proto": "udp", "port": FRAG_PORT,
                                           "servers": [{"address": LAN_HOST, "weight": 1}]}]))
    log = os.path.join(lab.workdir, "t56-udp.log")
    ready = os.path.join(lab.workdir, "t56-udp.ready")
    for f in (log, ready):
        if os.path.exists(f):
            os.unlink(f)
    bg = lab.start_bg("lan", [PY, os.path.join(HERE, "srv_udp_echo.py"), LAN_HOST,
                              str(FRAG_PORT), log, ready], "t56-udp-echo", ready_file=ready)
    try:
        before = lab.status()["counters"]["fragments_translated"]
        r = lab.run_json("inet", [PY, os.path.join(HERE, "frag_tool.py"), "echo", WAN1,
                                  str(FRAG_PORT), "3000", "10"], timeout=60)
        assert r == {"ok": 10, "bad": 0, "lost": 0}, r
        assert lab.status()["counters"]["fragments_translated"] >= before + 10 * 2, \
            "the echoes crossed, but not as translated fragments"
    finally:
        lab.stop_bg(bg)
