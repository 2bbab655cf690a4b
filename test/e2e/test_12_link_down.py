# SPDX-License-Identifier: BSD-3-Clause
"""A cut cable on one ISP (the link goes down in the isp namespace): the dataplane sees
the carrier loss within a second, marks the WAN unusable, new connections all go out the
other WAN, and when the cable is back the WAN is used again. (Health checks that catch a
dead ISP with the link still up are a later issue.)"""
import time

import pytest

from conftest import WAN_ADDRS, http_sources


def wan(st, name):
    return next(w for w in st["wans"] if w["name"] == name)


@pytest.fixture
def isp1_restored(lab):
    yield
    lab.lab("link", "isp1", "up", check=False)
    lab.wait_for(lambda: wan(lab.status(), "wan1")["usable"], 10, "wan1 usable again")


def test_cable_cut_moves_new_connections(lab, http_server, isp1_restored):
    t0 = time.monotonic()
    lab.lab("link", "isp1", "down")
    st = lab.wait_for(lambda: (lambda s: s if not wan(s, "wan1")["usable"] else None)(lab.status()),
                      5, "wan1 unusable after its link went down")
    took = time.monotonic() - t0
    assert took < 2.0, "the carrier loss took %.2f s to notice" % took
    assert wan(st, "wan1")["state"] == "offline", wan(st, "wan1")
    assert wan(st, "wan2")["usable"] is True
    seen = http_sources(lab, http_server, "isp1down")
    assert set(seen) == {"198.18.2.2"}, seen

    lab.lab("link", "isp1", "up")
    lab.wait_for(lambda: wan(lab.status(), "wan1")["usable"], 10,
                 "wan1 usable again (link up, gateway resolved)")
    seen = http_sources(lab, http_server, "isp1up")
    assert set(seen) == WAN_ADDRS, seen


def test_tcp_survives_a_short_outage(lab, http_server, bigfile, isp1_restored):
    """With on_failure tcp "keep", an established TCP connection outlives a one-second
    cable cut on its only WAN: its session is kept (an established connection cannot
    move to another WAN), its packets are dropped meanwhile, and TCP retransmits once
    the WAN is back. Before the cut and after the WAN is back, nothing is dropped for
    lack of room. (The default, "reset", is test_27's: the host gets a RST at once.)"""
    import os
    from conftest import sha256_file

    src, digest = bigfile
    out = os.path.join(lab.workdir, "download-outage.bin")
    doc, gen = lab.get_config()
    for w in doc["wans"]:
        w["on_failure"]["tcp"] = "keep"
        if w["name"] == "wan2":
            w["enabled"] = False
    lab.put_config(doc, gen)
    try:
        lab.wait_for(lambda: not wan(lab.status(), "wan2")["usable"], 5, "wan2 disabled")
        drops = lab.overload_drops()
        cli = lab.start_bg("lan", ["curl", "-sS", "--max-time", "120", "--limit-rate", "20M",
                                   "-o", out, http_server.url("/file/big.bin")], "curl-outage")
        try:
            lab.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) >= 20 << 20, 30,
                         "20 MB downloaded")
            lab.check_overload_drops(drops, "the download before the cut")
            lab.lab("link", "isp1", "down")
            lab.wait_for(lambda: not wan(lab.status(), "wan1")["usable"], 5, "wan1 down")
            time.sleep(1.0)   # the outage itself, not a wait for a condition
            lab.lab("link", "isp1", "up")
            lab.wait_for(lambda: wan(lab.status(), "wan1")["usable"], 10, "wan1 back")
            drops = lab.overload_drops()
            assert cli.wait(120) == 0, cli.output()
            lab.check_overload_drops(drops, "the download after the WAN came back")
            assert sha256_file(out) == digest
        finally:
            lab.stop_bg(cli)
            if os.path.exists(out):
                os.unlink(out)
    finally:
        lab.restore_default()
