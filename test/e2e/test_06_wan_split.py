# SPDX-License-Identifier: BSD-3-Clause
"""400 new TCP connections split between the two WANs (equal weights): 40-60 % each."""
from conftest import SERVER, HTTP_PORT, WAN_ADDRS, clients_cmd


def test_wan_split_400_connections(lab, http_server):
    tag = "split400"
    st0 = lab.status()
    before = {w["id"]: w["rx_packets"] for w in st0["workers"]}
    r = lab.run_json("lan", clients_cmd("http-many", SERVER, HTTP_PORT, 400, tag), timeout=300)
    assert r["n_errors"] == 0, r
    seen = http_server.sources(tag)
    assert len(seen) == 400, r
    assert set(seen) <= WAN_ADDRS, set(seen)
    for a in sorted(WAN_ADDRS):
        share = seen.count(a) / len(seen)
        assert 0.40 <= share <= 0.60, "%s carried %.1f %% of 400 connections: %s" % (
            a, 100 * share, r["seen"])
    # with several workers, every one of them carried some of the connections
    st1 = lab.status()
    after = {w["id"]: w["rx_packets"] for w in st1["workers"]}
    for wid, rx in after.items():
        assert rx - before.get(wid, 0) >= 100, "worker %d: %s -> %s" % (wid, before, after)
    if len(after) > 1:
        # replies that the kernel's fanout gave to a worker not owning the session were
        # handed to the owner (the NAT port tells which), and none was lost on the way
        c0, c1 = st0["counters"], st1["counters"]
        handed = c1["handoff_in"] - c0["handoff_in"]
        assert handed > 0, (c0, c1)
        assert c1["handoff_out"] - c0["handoff_out"] == handed, (c0, c1)
        assert st1["drops"]["handoff_ring_full"] == st0["drops"]["handoff_ring_full"]
