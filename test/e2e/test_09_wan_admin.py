# SPDX-License-Identifier: BSD-3-Clause
"""WAN administrative state: a disabled WAN takes no new connections, and flipping it
(a new WAN view each time, published with RCU) never drops a packet of a flow on the
other WAN."""
import json
import os

import pytest

from conftest import SERVER, HTTP_PORT, UDP_PORT, WAN_ADDRS, clients_cmd, http_sources


def wan(st, name):
    return next(w for w in st["wans"] if w["name"] == name)


def wan2_is(lab, enabled):
    st = lab.status()
    w = wan(st, "wan2")
    if w["enabled"] == enabled and w["usable"] == enabled and \
            (w["state"] == "disabled") == (not enabled):
        return st
    return None


@pytest.fixture
def wan2_restored(lab):
    yield
    lab.ctl("wan", "wan2", "enable", check=False)
    lab.wait_for(lambda: wan2_is(lab, True), 10, "wan2 enabled again")


def test_disable_enable_wan2(lab, http_server, wan2_restored):
    lab.ctl("wan", "wan2", "disable")
    st = lab.wait_for(lambda: wan2_is(lab, False), 5, "wan2 disabled in status")
    assert wan(st, "wan1")["usable"] is True
    seen = http_sources(lab, http_server, "wan2off")
    assert set(seen) == {"198.18.1.2"}, seen

    lab.ctl("wan", "wan2", "enable")
    lab.wait_for(lambda: wan2_is(lab, True), 5, "wan2 enabled in status")
    seen = http_sources(lab, http_server, "wan2on")
    assert set(seen) == WAN_ADDRS, seen


def test_flapping_wan2_loses_nothing_on_wan1(lab, udp_echo, wan2_restored):
    stop = os.path.join(lab.workdir, "stream.stop")
    gen0 = lab.status()["dataplane"]["wan_view_gen"]
    cli = lab.start_bg("lan", clients_cmd("udp-stream", SERVER, UDP_PORT, "198.18.1.2", stop, 3, 60),
                       "udp-stream")
    try:
        lab.wait_for(lambda: "# streaming" in cli.output() or not cli.alive(), 15,
                     "the UDP stream to start")
        assert cli.alive(), cli.output()
        for i in range(10):
            lab.ctl("wan", "wan2", "disable")
            lab.wait_for(lambda: wan2_is(lab, False), 5, "wan2 disabled (round %d)" % i)
            lab.ctl("wan", "wan2", "enable")
            lab.wait_for(lambda: wan2_is(lab, True), 5, "wan2 enabled (round %d)" % i)
        open(stop, "w").close()
        cli.wait(70)
        out = cli.output()
    finally:
        lab.stop_bg(cli)
        if os.path.exists(stop):
            os.unlink(stop)
    r = json.loads(out.strip().splitlines()[-1])
    assert "error" not in r, r
    assert r["sent"] >= 400, r     # 3 s at one datagram per 5 ms, at least
    assert r["n_missing"] == 0 and r["received"] == r["sent"], r
    assert r["dups"] == 0, r
    gen1 = lab.status()["dataplane"]["wan_view_gen"]
    assert gen1 >= gen0 + 20, "wan_view_gen %d -> %d over 20 state changes" % (gen0, gen1)
