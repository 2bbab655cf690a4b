# SPDX-License-Identifier: BSD-3-Clause
"""Send malformed frames with scapy (run inside the lan namespace).

Usage: send_frames.py IFACE DST_MAC SRC_IP DST_IP KIND COUNT
Prints one JSON object: {"kind", "sent", "lengths"}.

Every frame is addressed to DST_MAC with IPv4 DST_IP (a host beyond the appliance), so
it enters the fast path; all but the defect it is built for are valid (correct IPv4
checksum unless the kind is bad_csum, consistent lengths).
"""
import json
import struct
import sys

from scapy.all import ICMP, IP, TCP, UDP, Ether, conf, raw  # noqa: E402

conf.verb = 0


def ip_csum(hdr):
    s = 0
    if len(hdr) % 2:
        hdr += b"\0"
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def fix_ip(ip):
    """Recompute the checksum of the IPv4 header at the start of IP (IHL as set)."""
    ihl = (ip[0] & 0xf) * 4
    ihl = max(20, min(ihl, len(ip)))
    ip = bytearray(ip)
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", ip_csum(bytes(ip[:ihl])))
    return bytes(ip)


def frames(kind, eth, src, dst, i):
    sport = 20000 + i
    udp = raw(IP(src=src, dst=dst, id=i) / UDP(sport=sport, dport=9) / (b"m" * 18))
    if kind == "trunc_eth":
        # a VLAN ethertype without its tag: the Ethernet header is cut short
        return eth[:12] + b"\x81\x00"
    if kind == "trunc_ip":
        return eth + udp[:12]
    if kind == "bad_version":
        return eth + bytes([0x65]) + udp[1:]
    if kind == "bad_ihl_3":
        ip = bytearray(udp)
        ip[0] = 0x43
        return eth + fix_ip(bytes(ip))
    if kind == "bad_ihl_15":
        # IHL 15 (60 bytes) in a 24-byte packet
        ip = bytearray(udp[:24])
        ip[0] = 0x4f
        ip[2:4] = struct.pack("!H", 24)
        return eth + bytes(ip)
    if kind == "bad_len":
        ip = bytearray(udp)
        ip[2:4] = struct.pack("!H", len(udp) + 400)
        return eth + fix_ip(bytes(ip))
    if kind == "bad_csum":
        ip = bytearray(udp)
        ip[10] ^= 0x5a
        return eth + bytes(ip)
    if kind == "trunc_tcp":
        t = raw(IP(src=src, dst=dst, id=i) / TCP(sport=sport, dport=80, flags="S"))
        ip = bytearray(t[:20 + 12])          # 12 of the 20 TCP header bytes
        ip[2:4] = struct.pack("!H", len(ip))
        return eth + fix_ip(bytes(ip))
    if kind == "trunc_udp":
        ip = bytearray(udp[:20 + 4])         # 4 of the 8 UDP header bytes
        ip[2:4] = struct.pack("!H", len(ip))
        return eth + fix_ip(bytes(ip))
    if kind == "trunc_icmp":
        e = raw(IP(src=src, dst=dst, id=i) / ICMP(id=i, seq=1))
        ip = bytearray(e[:20 + 4])
        ip[2:4] = struct.pack("!H", len(ip))
        return eth + fix_ip(bytes(ip))
    if kind == "tcp_off_small":
        t = bytearray(raw(IP(src=src, dst=dst, id=i) / TCP(sport=sport, dport=80, flags="S")))
        t[20 + 12] = 0x20                    # data offset 2 (8 bytes)
        return eth + fix_ip(bytes(t))
    if kind == "tcp_off_big":
        t = bytearray(raw(IP(src=src, dst=dst, id=i) / TCP(sport=sport, dport=80, flags="S")))
        t[20 + 12] = 0xf0                    # data offset 15 (60 bytes) in a 20-byte segment
        return eth + fix_ip(bytes(t))
    if kind == "spoofed_src":
        # well formed, but from an address that is not on the LAN
        return eth + raw(IP(src="198.19.7.7", dst=dst, id=i) / UDP(sport=sport, dport=9) / (b"m" * 18))
    raise SystemExit("unknown kind %s" % kind)


def main():
    iface, dmac, src, dst, kind, count = sys.argv[1:7]
    smac = open("/sys/class/net/%s/address" % iface).read().strip()
    eth = raw(Ether(dst=dmac, src=smac, type=0x0800))
    s = conf.L2socket(iface=iface)
    lengths = set()
    n = 0
    try:
        for i in range(int(count)):
            f = frames(kind, eth, src, dst, i)
            s.send(f)
            lengths.add(len(f))
            n += 1
    finally:
        s.close()
    print(json.dumps({"kind": kind, "sent": n, "lengths": sorted(lengths)}))


if __name__ == "__main__":
    main()
