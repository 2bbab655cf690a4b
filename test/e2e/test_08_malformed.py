# SPDX-License-Identifier: BSD-3-Clause
"""Malformed frames from the LAN are counted under their drop reason, and the appliance
keeps forwarding.

truncated_ethernet cannot be provoked through a veth: the kernel refuses to send a frame
shorter than 14 bytes from a packet socket, and it drops a frame whose VLAN header is cut
short (skb_vlan_untag) before any packet socket, so the dataplane's af_packet port never
sees one. Such frames are still sent below (they must not harm anything), but their
counter is covered by the unit tests of dpw_pkt_parse, not here.
"""
import pytest

from conftest import PY, HERE, SERVER
import os

COUNT = 7
KINDS = [
    ("trunc_ip", "truncated_ipv4"),
    ("bad_version", "bad_ip_version"),
    ("bad_ihl_3", "bad_ihl"),
    ("bad_ihl_15", "bad_ihl"),
    ("bad_len", "bad_ip_total_length"),
    ("bad_csum", "bad_ip_checksum"),
    ("trunc_tcp", "truncated_l4"),
    ("trunc_udp", "truncated_l4"),
    ("trunc_icmp", "truncated_l4"),
    ("tcp_off_small", "bad_tcp_data_offset"),
    ("tcp_off_big", "bad_tcp_data_offset"),
    ("spoofed_src", "source_not_on_lan"),
]


@pytest.fixture(scope="module")
def lan_mac(lab):
    macs = [p["mac"] for p in lab.status()["ports"] if p["name"] == "lan"]
    assert len(macs) == 1 and len(macs[0]) == 17, macs
    return macs[0]


def send(lab, mac, kind, count):
    return lab.run_json("lan", [PY, os.path.join(HERE, "send_frames.py"), "br-lan", mac,
                                "198.18.0.10", SERVER, kind, str(count)], timeout=60)


@pytest.mark.parametrize("kind,reason", KINDS, ids=[k for k, _ in KINDS])
def test_malformed_counted(lab, lan_mac, kind, reason):
    before = lab.status()["drops"]
    assert reason in before, sorted(before)
    r = send(lab, lan_mac, kind, COUNT)
    assert r["sent"] == COUNT, r
    lab.wait_for(lambda: lab.status()["drops"][reason] >= before[reason] + COUNT, 5,
                 "drops.%s to rise by %d (from %d)" % (reason, COUNT, before[reason]))


def test_still_forwarding_after_malformed(lab, lan_mac):
    r = send(lab, lan_mac, "trunc_eth", COUNT)
    assert r["sent"] == COUNT, r
    for kind, _ in KINDS:
        send(lab, lan_mac, kind, 3)
    p = lab.run("lan", ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", SERVER], timeout=20)
    assert "5 packets transmitted, 5 received, 0% packet loss" in p.stdout, p.stdout + p.stderr
    p = lab.run("lan", ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "198.18.0.1"], timeout=20)
    assert "3 packets transmitted, 3 received, 0% packet loss" in p.stdout, p.stdout + p.stderr
