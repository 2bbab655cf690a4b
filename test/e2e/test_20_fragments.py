# SPDX-License-Identifier: BSD-3-Clause
"""IP fragments both ways (shallow virtual reassembly, dataplane/frag.h): large UDP
datagrams with DF clear cross the NAT as fragments, in and out, in order and not; a
datagram whose first fragment never comes is held, then dropped when its time is up;
overlapping fragments and a tiny TCP offset (RFC 1858) are dropped and counted.

The lab must hand the dataplane fragments as a NIC does. With one worker it does
(af_xdp). The two-worker lab uses af_packet, where the kernel reassembles fragments in
its fanout group (DPDK 22.11 sets PACKET_FANOUT_FLAG_DEFRAG) and the ring's frames cut
what is larger: these tests do not apply there; fragments of one datagram meeting on
one worker is tested with two workers in test/component (test_sessions).
"""
import json
import os
import random
import re

import pytest

from conftest import HERE, PY, SERVER, UDP_PORT

TOOL = os.path.join(HERE, "frag_tool.py")
HOST = "198.18.0.10"
REPLY_PORT = 9300


@pytest.fixture(autouse=True)
def raw_fragments(lab):
    if re.search(r'device\s*=\s*"net_af_packet', open(lab.conf).read()):
        pytest.skip("af_packet ports: the kernel reassembles before the dataplane sees "
                    "fragments (see the module docstring)")


def counters(lab):
    s = lab.status()
    return s["counters"], s["drops"]


FRAG_DROPS = ("fragment_bad_length", "fragment_tiny_offset", "fragment_overlap",
              "fragment_duplicate", "fragment_table_full", "fragments_held_full",
              "fragment_timeout", "fragment_of_dropped_datagram")


@pytest.mark.parametrize("size", [3000, 8000])
def test_large_datagrams_both_ways(lab, udp_echo, size):
    c0, d0 = counters(lab)
    r = lab.run_json("lan", [PY, TOOL, "echo", SERVER, str(UDP_PORT), str(size), "20"],
                     timeout=90)
    assert r == {"ok": 20, "bad": 0, "lost": 0}, r
    c1, d1 = counters(lab)
    # every echo came back in pieces (1440-byte WAN MTU, 1500 on the LAN): the pieces
    # after the first were sent by their datagram's verdict, both ways
    pieces = (size + 8 + 1399) // 1400
    assert c1["fragments_translated"] - c0["fragments_translated"] >= 20 * 2 * (pieces - 1), \
        (c0, c1)
    for reason in FRAG_DROPS:
        assert d1[reason] == d0[reason], (reason, d0[reason], d1[reason])


@pytest.mark.parametrize("order", ["reverse", "shuffle"])
def test_out_of_order_from_lan(lab, udp_echo, order):
    c0, _ = counters(lab)
    port = random.randint(20000, 30000)
    r = lab.run_json("lan", [PY, TOOL, "lan-send", HOST, str(port), SERVER, str(UDP_PORT),
                             "5000", order], timeout=60)
    assert r["echo"] == "same", r
    c1, _ = counters(lab)
    # the first fragment came last or in the middle: the others waited for it
    assert c1["fragments_held"] > c0["fragments_held"], (c0, c1)


def test_out_of_order_from_wan(lab):
    ready = os.path.join(lab.workdir, "frag-reply.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    bg = lab.start_bg("inet", [PY, TOOL, "inet-reply", SERVER, str(REPLY_PORT), "6000",
                               ready], "frag-reply", ready_file=ready, ready_timeout=20)
    c0, _ = counters(lab)
    script = (
        "import json, socket, sys\n"
        "sys.path.insert(0, %r)\n"
        "from frag_tool import payload\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)\n"
        "s.sendto((1234).to_bytes(4, 'big'), (%r, %d))\n"
        "d, _ = s.recvfrom(65535)\n"
        "print(json.dumps({'same': d == payload(6000, 1234), 'len': len(d)}))\n"
        % (HERE, SERVER, REPLY_PORT))
    try:
        r = lab.run_json("lan", [PY, "-c", script], timeout=40)
        bg.wait(30)
    finally:
        lab.stop_bg(bg)
    assert r == {"same": True, "len": 6000}, (r, bg.output())
    seen = json.loads(bg.output().strip().splitlines()[-1])
    assert seen["seen"] == 1 and seen["to"].split(":")[0] in ("198.18.1.2", "198.18.2.2"), seen
    c1, _ = counters(lab)
    assert c1["fragments_held"] - c0["fragments_held"] >= seen["frags"] - 1, (c0, c1, seen)


def test_missing_first_fragment_times_out(lab, udp_echo):
    c0, d0 = counters(lab)
    r = lab.run_json("lan", [PY, TOOL, "lan-send", HOST, "20001", SERVER, str(UDP_PORT),
                             "5000", "missing-first"], timeout=60)
    assert r["echo"] == "none", r
    n = r["sent"]
    # held, then given up after the reassembly time (2 s) and freed
    lab.wait_for(lambda: counters(lab)[1]["fragment_timeout"] >= d0["fragment_timeout"] + n,
                 10, "fragment_timeout to rise by %d" % n)
    c1, d1 = counters(lab)
    assert c1["fragments_held"] - c0["fragments_held"] == n, (c0, c1)
    assert d1["fragment_timeout"] - d0["fragment_timeout"] == n


def test_overlap_dropped(lab, udp_echo):
    _, d0 = counters(lab)
    r = lab.run_json("lan", [PY, TOOL, "lan-send", HOST, "20002", SERVER, str(UDP_PORT),
                             "5000", "overlap"], timeout=60)
    assert r["echo"] == "none", r
    _, d1 = counters(lab)
    assert d1["fragment_overlap"] == d0["fragment_overlap"] + 1, (d0, d1)
    # and the fragments after it belong to a datagram that is no more
    assert d1["fragment_of_dropped_datagram"] >= d0["fragment_of_dropped_datagram"] + 1


def test_tiny_tcp_offset_dropped(lab):
    _, d0 = counters(lab)
    lab.run_json("lan", [PY, TOOL, "lan-send", HOST, "20003", SERVER, "80", "0", "tcp-tiny"],
                 timeout=60)
    lab.wait_for(lambda: counters(lab)[1]["fragment_tiny_offset"] >=
                 d0["fragment_tiny_offset"] + 1, 5, "fragment_tiny_offset to rise")
