# SPDX-License-Identifier: BSD-3-Clause
"""Ping from the LAN through the appliance to the internet server."""
import re

from conftest import SERVER


def test_ping_through_appliance(lab):
    before = lab.status()
    p = lab.run("lan", ["ping", "-n", "-c", "10", "-i", "0.2", "-W", "2", SERVER], timeout=30)
    assert "10 packets transmitted, 10 received, 0% packet loss" in p.stdout, p.stdout + p.stderr
    assert "DUP!" not in p.stdout, p.stdout
    # one ICMP echo session (one identifier) was created and is active
    after = lab.wait_for(
        lambda: (lambda s: s if s["counters"]["sessions_created"] >=
                 before["counters"]["sessions_created"] + 1 else None)(lab.status()),
        5, "sessions_created to rise")
    assert after["counters"]["sessions_active"] >= 1
    assert sum(w["sessions_created"] for w in after["wans"]) >= \
        sum(w["sessions_created"] for w in before["wans"]) + 1
    # the echoes crossed the dataplane (10 out on a WAN, 10 replies in)
    tx = sum(w["tx_packets"] for w in after["wans"]) - sum(w["tx_packets"] for w in before["wans"])
    rx = sum(w["rx_packets"] for w in after["wans"]) - sum(w["rx_packets"] for w in before["wans"])
    assert tx >= 10 and rx >= 10, (tx, rx)


def test_ping_ttl_shows_two_routers(lab):
    """The reply's TTL shows two routed hops on the way back (ISP router, appliance)."""
    p = lab.run("lan", ["ping", "-n", "-c", "1", "-W", "2", SERVER], timeout=10)
    m = re.search(r"ttl=(\d+)", p.stdout)
    assert m, p.stdout + p.stderr
    assert int(m.group(1)) == 62, p.stdout
