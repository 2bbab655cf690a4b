# SPDX-License-Identifier: BSD-3-Clause
"""A bounded flood at an address, from a raw socket, for the WAN input policy tests.

  flood.py SRC DST COUNT SECONDS STOPFILE PPS

Sends at most COUNT packets in at most SECONDS (or until STOPFILE exists), at most PPS
a second, cycling through ICMP echo requests, UDP datagrams to random ports and TCP
SYNs to port 22. Prints {"sent": N, "seconds": S} at the end.
"""
import json
import os
import random
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip_hdr(src, dst, proto, payload_len):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, random.getrandbits(16), 0,
                    64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def packets(src, dst):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    out = []
    for i in range(64):
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, i) + b"x" * 32
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        out.append(ip_hdr(s, d, 1, len(icmp)) + icmp)
        udp = struct.pack("!HHHH", random.randint(1024, 65535), random.randint(1, 65535),
                          8 + 16, 0) + b"y" * 16
        out.append(ip_hdr(s, d, 17, len(udp)) + udp)
        tcp = struct.pack("!HHIIBBHHH", random.randint(1024, 65535), 22,
                          random.getrandbits(32), 0, 5 << 4, 0x02, 1024, 0, 0)
        pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        out.append(ip_hdr(s, d, 6, len(tcp)) + tcp)
    return out


def main():
    src, dst, count, seconds, stop, pps = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4]), sys.argv[5], float(sys.argv[6])
    sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    pk = packets(src, dst)
    t0 = time.monotonic()
    sent = 0
    while sent < count and time.monotonic() - t0 < seconds:
        for p in pk:
            try:
                sk.sendto(p, (dst, 0))
                sent += 1
            except OSError:   # ENOBUFS when the device queue is full: keep going
                time.sleep(0.0005)
        if os.path.exists(stop):
            break
        ahead = sent / pps - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - t0, 2)}))


if __name__ == "__main__":
    main()
