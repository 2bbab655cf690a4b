# SPDX-License-Identifier: BSD-3-Clause
"""400 new TCP connections split between the two WANs (equal weights): 40-60 % each."""
from conftest import SERVER, HTTP_PORT, WAN_ADDRS, clients_cmd


def test_wan_split_400_connections(lab, http_server):
    tag = "split400"
    before = {w["id"]: w["rx_packets"] for w in lab.status()["workers"]}
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
    after = {w["id"]: w["rx_packets"] for w in lab.status()["workers"]}
    for wid, rx in after.items():
        assert rx - before.get(wid, 0) >= 100, "worker %d: %s -> %s" % (wid, before, after)
