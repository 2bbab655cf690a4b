# SPDX-License-Identifier: BSD-3-Clause
"""HTTP from the LAN: the server only ever sees the appliance's WAN addresses."""
from conftest import WAN_ADDRS


def test_http_sources_are_wan_addresses(lab, http_server):
    tag = "http20"
    bodies = []
    for i in range(20):
        p = lab.curl(http_server.url("/whoami?tag=%s" % tag), timeout=5)
        assert p.returncode == 0, "request %d: %s" % (i, p.stderr)
        bodies.append(p.stdout.split()[0])
    seen = http_server.sources(tag)
    assert len(seen) == 20, seen
    assert seen == bodies
    assert not [a for a in seen if a.startswith("198.18.0.")], seen
    assert set(seen) <= WAN_ADDRS, seen
    assert set(seen) == WAN_ADDRS, "both WANs should carry new connections: %s" % seen
