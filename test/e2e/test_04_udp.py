# SPDX-License-Identifier: BSD-3-Clause
"""UDP: 200 datagrams of assorted sizes come back identical through the NAT."""
from conftest import SERVER, UDP_PORT, WAN_ADDRS, clients_cmd


def test_udp_echo_assorted_sizes(lab, udp_echo):
    n_before = len(udp_echo.sources())
    r = lab.run_json("lan", clients_cmd("udp-sizes", SERVER, UDP_PORT, 200), timeout=120)
    assert r["count"] == 200
    assert r["ok"] == 200, r
    assert r["max_size"] == 1400
    new = udp_echo.sources()[n_before:]
    assert new, "the echo server logged no new source"
    assert set(new) <= WAN_ADDRS, "the server saw a non-WAN source: %s" % new
