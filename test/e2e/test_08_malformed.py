# SPDX-License-Identifier: BSD-3-Clause
"""Malformed frames from the LAN are counted under their drop reason, go nowhere (not
out of a WAN, not to the kernel's TAP), and the appliance keeps forwarding.

Where they would show if they went somewhere: tcpdump on the wire of each WAN (dl0 in
isp1 and isp2, before the link emulator and the ISP router's IP stack, which would
drop a malformed packet itself) and on the LAN TAP inside the appliance (dpw-lan,
direction in: what the dataplane hands to the kernel). ARP and IPv6 are not watched
(the appliance resolves its gateways meanwhile); nothing else may appear there while
the frames are sent.

truncated_ethernet cannot be provoked through a veth: the kernel refuses to send a frame
shorter than 14 bytes from a packet socket, and it drops a frame whose VLAN header is cut
short (skb_vlan_untag) before any packet socket, so the dataplane's af_packet port never
sees one. Such frames are still sent below (they must not harm anything), but their
counter is covered by the unit tests of dpw_pkt_parse, not here.
"""
import os
import re

import pytest

from conftest import PY, HERE, SERVER

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


WATCH = [("appliance", "dpw-lan"), ("isp1", "dl0"), ("isp2", "dl0")]
# The appliance's own health checks (the lab document pings 198.19.0.10 from each WAN
# address with 56 bytes of payload) are not frames that "went somewhere".
HEALTH_PROBE = ("icmp and icmp[icmptype] == icmp-echo and dst host 198.19.0.10 and "
                "(src host 198.18.1.2 or src host 198.18.2.2) and ip[2:2] == 84")
PACKET_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ ")


class Sniffers:
    """tcpdump, direction in, of everything but ARP and IPv6 at each place in WATCH."""

    def __init__(self, lab):
        self.lab, self.caps = lab, {}
        for ns, dev in WATCH:
            self.caps[(ns, dev)] = lab.start_bg(
                ns, ["timeout", "600", "tcpdump", "-i", dev, "-Q", "in", "-n", "-e", "-l",
                     "-xx", "not arp and not ip6 and not (%s)" % HEALTH_PROBE],
                "sniff-%s-%s" % (ns, dev))
        for (ns, dev), cap in self.caps.items():
            lab.wait_for(lambda: "listening on" in cap.output() or not cap.alive(), 10,
                         "tcpdump on %s in %s" % (dev, ns))
            assert cap.alive(), cap.output()

    def packets(self):
        """{(ns, dev): [summary line of each captured packet]}"""
        return {k: [ln for ln in cap.output().splitlines() if PACKET_LINE.match(ln)]
                for k, cap in self.caps.items()}

    def stop(self):
        for cap in self.caps.values():
            self.lab.stop_bg(cap)


@pytest.fixture(scope="module")
def sniffers(lab):
    s = Sniffers(lab)
    yield s
    s.stop()


def wan_tx(lab):
    """Packets the dataplane sent on each WAN (its own counters, not the NIC's)."""
    return {w["name"]: w["tx_packets"] for w in lab.status()["wans"]}


@pytest.fixture(scope="module")
def lan_mac(lab):
    macs = [p["mac"] for p in lab.status()["ports"] if p["name"] == "lan"]
    assert len(macs) == 1 and len(macs[0]) == 17, macs
    return macs[0]


def send(lab, mac, kind, count):
    return lab.run_json("lan", [PY, os.path.join(HERE, "send_frames.py"), "br-lan", mac,
                                "198.18.0.10", SERVER, kind, str(count)], timeout=60)


@pytest.mark.parametrize("kind,reason", KINDS, ids=[k for k, _ in KINDS])
def test_malformed_counted(lab, lan_mac, sniffers, kind, reason):
    before = lab.status()["drops"]
    assert reason in before, sorted(before)
    tx0 = wan_tx(lab)
    seen0 = sniffers.packets()
    r = send(lab, lan_mac, kind, COUNT)
    assert r["sent"] == COUNT, r
    st = lab.wait_for(
        lambda: (lambda s: s if s["drops"][reason] >= before[reason] + COUNT else None)(
            lab.status()),
        5, "drops.%s to rise by %d (from %d)" % (reason, COUNT, before[reason]))
    # every frame was seen and dropped: the counter rose by exactly COUNT
    assert st["drops"][reason] == before[reason] + COUNT, (before[reason], st["drops"])
    assert wan_tx(lab) == tx0, "the dataplane sent something on a WAN"
    got = {k: v[len(seen0[k]):] for k, v in sniffers.packets().items() if v[len(seen0[k]):]}
    assert not got, "%s frames went somewhere: %s" % (kind, got)


def test_malformed_went_nowhere(lab, sniffers):
    """After all kinds were sent: still nothing captured (tcpdump flushed), and the
    sniffers do see a packet that belongs there (the check can fail)."""
    got = {k: v for k, v in sniffers.packets().items() if v}
    assert not got, "malformed frames went somewhere: %s" % got
    # positive control: a ping to the router's LAN address reaches the TAP, one to the
    # server leaves on a WAN
    for addr in ("198.18.0.1", SERVER):
        # 100 bytes of payload: not to be taken for a health probe (HEALTH_PROBE)
        p = lab.run("lan", ["ping", "-n", "-c", "1", "-s", "100", "-W", "2", addr],
                    timeout=10)
        assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    lab.wait_for(lambda: (lambda p: p[("appliance", "dpw-lan")] and
                          (p[("isp1", "dl0")] or p[("isp2", "dl0")]))(sniffers.packets()),
                 5, "the sniffers to see the control pings")


def test_still_forwarding_after_malformed(lab, lan_mac):
    r = send(lab, lan_mac, "trunc_eth", COUNT)
    assert r["sent"] == COUNT, r
    for kind, _ in KINDS:
        send(lab, lan_mac, kind, 3)
    p = lab.run("lan", ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", SERVER], timeout=20)
    assert "5 packets transmitted, 5 received, 0% packet loss" in p.stdout, p.stdout + p.stderr
    p = lab.run("lan", ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "198.18.0.1"], timeout=20)
    assert "3 packets transmitted, 3 received, 0% packet loss" in p.stdout, p.stdout + p.stderr
