# SPDX-License-Identifier: BSD-3-Clause
"""Packets for the router itself go to the kernel (exception path), answered once."""
import re


def ping_ok(lab, ns, addr, count=5):
    p = lab.run(ns, ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "2", addr], timeout=20)
    out = p.stdout + p.stderr
    assert "%d packets transmitted, %d received, 0%% packet loss" % (count, count) in out, out
    assert "DUP!" not in out, "duplicate replies from %s (from %s):\n%s" % (addr, ns, out)
    assert len(re.findall(r"bytes from %s" % re.escape(addr), out)) == count, out


def test_ping_router_lan_address(lab):
    before = lab.status()["counters"]["punted"]
    ping_ok(lab, "lan", "198.18.0.1")
    lab.wait_for(lambda: lab.status()["counters"]["punted"] >= before + 5, 5,
                 "counters.punted to rise by 5")


def test_ping_router_wan_address_from_isp(lab):
    ping_ok(lab, "isp1", "198.18.1.2")
    ping_ok(lab, "isp2", "198.18.2.2")
