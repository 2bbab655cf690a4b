# SPDX-License-Identifier: BSD-3-Clause
"""UDP: 200 datagrams of assorted sizes (1 to 1400 bytes) come back identical through
the NAT, each at the first try, and nothing else comes back."""
from conftest import SERVER, UDP_PORT, WAN_ADDRS, clients_cmd


def test_udp_echo_assorted_sizes(lab, udp_echo):
    n_before = len(udp_echo.sources())
    r = lab.run_json("lan", clients_cmd("udp-sizes", SERVER, UDP_PORT, 200), timeout=120)
    assert r["count"] == 200, r
    # the lab is lossless: a datagram that needed a second send was lost on the way
    assert r["n_retried"] == 0 and r["n_failed"] == 0, r
    # every echo was the datagram just sent: payload and size, no late or extra copies
    assert r["n_mismatched"] == 0, r
    assert r["ok"] == 200, r
    # the sizes really were assorted, up to the largest that fits the WAN MTU unfragmented
    assert r["min_size"] == 1 and r["max_size"] == 1400 and r["n_sizes"] >= 100, r
    new = udp_echo.sources()[n_before:]
    assert new, "the echo server logged no new source"
    assert set(new) <= WAN_ADDRS, "the server saw a non-WAN source: %s" % new
