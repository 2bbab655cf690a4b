# SPDX-License-Identifier: BSD-3-Clause
"""A WAN addressed by DHCP (issue 7): dnsmasq in isp1 (tools/lab dhcp-server), wan1
`addressing: {mode: dhcp}`; dpwan-control runs dhclient on dpw-wan1, the lease reaches
the dataplane (WAN_LEASE): the API, the event log and the kernel TAP show the leased
address, the host's routing table for wan1 follows it, LAN traffic leaves with it as
source. Then the server hands out another range and the client starts again (a new
hostname in the document): the new lease is an event and the new source. The static
factory document comes back at the end, and the DHCP server goes."""
import copy
import ipaddress
import json
import re

import pytest

from conftest import STATE_DIR, http_sources

FIRST = ipaddress.ip_address("198.18.1.50")
LAST = ipaddress.ip_address("198.18.1.99")
FIRST2 = ipaddress.ip_address("198.18.1.100")
LAST2 = ipaddress.ip_address("198.18.1.120")
LEASE_TIMEOUT = 40


def in_range(addr, lo, hi):
    try:
        return lo <= ipaddress.ip_address(addr) <= hi
    except ValueError:
        return False


@pytest.fixture
def dhcp_wan1(lab):
    lab.lab("dhcp-server", "isp1", "start", "50", "99")
    try:
        yield
    finally:
        lab.restore_default()
        lab.lab("dhcp-server", "isp1", "stop", check=False)


def dhcp_doc(lab, hostname=None):
    doc = copy.deepcopy(lab.default_doc)
    w1 = next(w for w in doc["wans"] if w["name"] == "wan1")
    w1["addressing"] = {"mode": "dhcp"}
    if hostname:
        w1["addressing"]["hostname"] = hostname
    # wan2 disabled: every new LAN connection leaves by wan1, with the lease as source
    next(w for w in doc["wans"] if w["name"] == "wan2")["enabled"] = False
    return doc


def wan1(lab):
    return lab.wan_state("wan1")


def tap_addrs(lab, dev="dpw-wan1"):
    p = lab.run("appliance", ["ip", "-j", "-4", "addr", "show", "dev", dev], check=True)
    return ["%s/%d" % (a["local"], a["prefixlen"]) for i in json.loads(p.stdout)
            for a in i.get("addr_info", [])]


def lease_events(lab, since):
    page = lab.api_json("GET", "/api/v1/events?since=%d&limit=1000" % since)[0]
    return [e for e in page["events"] if e["type"] == "wan_lease" and e["wan"] == "wan1"]


def wait_lease(lab, since, lo, hi):
    """The wan_lease event of an address in lo..hi since SINCE; then the API, the TAP
    and the routing table agree with it. Returns the address."""
    ev = lab.wait_for(lambda: [e for e in lease_events(lab, since)
                               if re.search(r"lease (\S+)/24 via 198\.18\.1\.1", e["message"])
                               and in_range(re.search(r"lease (\S+)/24", e["message"])
                                            .group(1), lo, hi)],
                      LEASE_TIMEOUT, "a wan_lease event for wan1 in %s-%s" % (lo, hi))
    msg = ev[-1]["message"]
    assert "dns 198.19.0.10" in msg and re.search(r", \d+ s$", msg), msg
    addr = re.search(r"lease (\S+)/24", msg).group(1)
    w = lab.wait_for(lambda: (lambda w: w if w["address"] == addr and w["usable"] else None)
                     (wan1(lab)), 10, "wan1 usable with address %s" % addr)
    assert w["gateway"] == "198.18.1.1", w
    assert tap_addrs(lab) == [addr + "/24"]
    # the host's path out of wan1: table 2001 and its rules follow the lease
    p = lab.run("appliance", ["ip", "-4", "route", "show", "table", "2001"], check=True)
    assert re.search(r"default via 198\.18\.1\.1 dev dpw-wan1 .*src %s" % re.escape(addr),
                     p.stdout), p.stdout
    p = lab.run("appliance", ["ip", "-4", "rule"], check=True)
    assert re.search(r"^2101:\s+from %s lookup 2001" % re.escape(addr), p.stdout, re.M), \
        p.stdout
    return addr


def test_wan_dhcp_lease(lab, http_server, dhcp_wan1):
    since = lab.last_event()
    res, _ = lab.put_config(dhcp_doc(lab))
    assert res["applied"] is True, res
    addr = wait_lease(lab, since, FIRST, LAST)
    # the leased address is the NAT source of LAN traffic (wan2 is disabled)
    seen = http_sources(lab, http_server, "dhcp1", n=5)
    assert set(seen) == {addr}, seen
    # the host itself leaves by wan1 with that address (health checks do this)
    p = lab.run("appliance", ["ping", "-c1", "-W2", "-I", "dpw-wan1", "198.19.0.10"])
    assert p.returncode == 0, p.stdout + p.stderr
    # the lease file the script wrote, as the unit-tested parser reads it
    with open(STATE_DIR + "/dhcp/wan1.lease") as f:
        text = f.read()
    assert "ip=%s\n" % addr in text and "router=198.18.1.1" in text, text

    # another range, and the client starts again (a new hostname to send): the server
    # NAKs the old address, the client gets one of the new range
    lab.lab("dhcp-server", "isp1", "stop")
    lab.lab("dhcp-server", "isp1", "start", "100", "120")
    since = lab.last_event()
    res, _ = lab.put_config(dhcp_doc(lab, hostname="dpwan-e2e"))
    assert res["applied"] is True, res
    addr2 = wait_lease(lab, since, FIRST2, LAST2)
    assert addr2 != addr
    seen = http_sources(lab, http_server, "dhcp2", n=5)
    assert set(seen) == {addr2}, seen
    # the old address is gone from the TAP and from the rules
    p = lab.run("appliance", ["ip", "-4", "rule"], check=True)
    assert addr not in p.stdout, p.stdout
    with open("/run/dpwan-lab/dhcp-isp1.log", errors="replace") as f:
        assert "dpwan-e2e" in f.read()   # the hostname went out (option 12)


def test_wan_dhcp_back_to_static(lab, dhcp_wan1):
    """Going static again stops the client and puts the document's address back."""
    since = lab.last_event()
    lab.put_config(dhcp_doc(lab))
    wait_lease(lab, since, FIRST, LAST)
    lab.restore_default()
    assert lab.wait_for(lambda: tap_addrs(lab) == ["198.18.1.2/24"], 10,
                        "dpw-wan1 back at 198.18.1.2/24")
    p = lab.run("appliance", ["ip", "-4", "rule"], check=True)
    assert re.search(r"^2101:\s+from 198\.18\.1\.2 lookup 2001", p.stdout, re.M), p.stdout
    # no dhclient left for wan1
    p = lab.run("appliance", ["bash", "-c", "cat %s/dhcp/wan1.pid" % STATE_DIR])
    pid = p.stdout.strip()
    if pid.isdigit():
        p = lab.run(None, ["bash", "-c", "tr '\\0' ' ' </proc/%s/cmdline 2>/dev/null" % pid])
        assert "dhclient" not in p.stdout, p.stdout
