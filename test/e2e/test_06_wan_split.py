# SPDX-License-Identifier: BSD-3-Clause
"""400 new TCP connections split between the two WANs (equal weights).

Each worker picks the WAN of the sessions it creates by smooth weighted round-robin,
which with weights 1:1 alternates: one worker's picks differ by at most one between the
WANs, whatever its starting point. With W workers (the kernel's fanout decides which
worker sees which SYN) the totals differ by at most W. Nothing else creates sessions
while the test runs, so the bound is exact, not statistical."""
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
    n_workers = st0["dataplane"]["workers"]
    assert n_workers >= 1, st0["dataplane"]
    a, b = (seen.count(x) for x in sorted(WAN_ADDRS))
    assert abs(a - b) <= n_workers, \
        "%d workers, each alternating 1:1, split 400 connections %d:%d (%s)" % (
            n_workers, a, b, r["seen"])
    # one new session per connection, bound to the WAN the server saw it from
    st1 = lab.status()
    addr = {w["name"]: w["address"] for w in st1["wans"]}
    created = {addr[w["name"]]: w["sessions_created"] for w in st1["wans"]}
    for w in st0["wans"]:
        created[addr[w["name"]]] -= w["sessions_created"]
    assert created == {x: seen.count(x) for x in WAN_ADDRS}, (created, r["seen"])
    # with several workers, every one of them carried some of the connections
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
