#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the fuzz targets (test/fuzz/corpus/<target>/seed-*).

Usage: /usr/bin/python3 test/fuzz/make-corpus.py   (Debian's python3, with python3-scapy)

Reproducible: the same files on every run (every address, port and MAC is given, none
is looked up). Seeds are named seed-*; the inputs the fuzzer found (merged with
-merge=1, see README.md) have other names and are left alone.

* pkt: the frames of test/unit/test_pkt.c, every malformed frame of
  test/e2e/send_frames.py (imported, so the two stay the same), and a few more the
  dataplane sees: TCP options at odd offsets, fragments, ICMP errors about TCP, UDP and
  echo, 802.1Q, ARP.
* sysconf: conf/*.conf.
* api_parse: request paths and admin bodies, valid and not.
* dns: the DNS answers of test/e2e/dns_frames.py, good and malformed.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))

import send_frames  # noqa: E402  (the e2e malformed frames)
from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, raw  # noqa: E402

LAN_MAC = "02:00:00:00:00:01"
CLIENT_MAC = "02:00:00:00:00:02"
CLIENT = "198.18.0.10"     # test_pkt.c's addresses: 198.18/15 only
SERVER = "198.19.0.10"
ROUTER = "198.18.0.1"


def eth(t=0x0800):
    return Ether(dst=LAN_MAC, src=CLIENT_MAC, type=t)


def pkt_seeds():
    s = {}
    # test_pkt.c: build_udp(1234, 53, 100) with DF, and with Ethernet padding
    udp = eth() / IP(src=CLIENT, dst=SERVER, flags="DF", ttl=64) / UDP(sport=1234, dport=53) \
        / (b"\xab" * 100)
    s["udp"] = raw(udp)
    s["udp-padded"] = raw(udp) + b"\0" * 10
    # test_pkt.c: TCP SYN with MSS 1460 (data offset 6)
    s["tcp-syn-mss"] = raw(eth() / IP(src=CLIENT, dst=SERVER, flags="DF") /
                           TCP(sport=40000, dport=80, flags="S", options=[("MSS", 1460)]))
    # the MSS after a NOP (odd offset: the byte-swapped checksum update) and after others
    s["tcp-syn-mss-odd"] = raw(eth() / IP(src=CLIENT, dst=SERVER) /
                               TCP(sport=40001, dport=443, flags="S",
                                   options=[("NOP", None), ("MSS", 1460), ("NOP", None),
                                            ("NOP", None), ("NOP", None)]))
    s["tcp-syn-linux"] = raw(eth() / IP(src=CLIENT, dst=SERVER, flags="DF") /
                             TCP(sport=40002, dport=80, flags="S",
                                 options=[("MSS", 1460), ("SAckOK", b""),
                                          ("Timestamp", (1, 0)), ("NOP", None),
                                          ("WScale", 7)]))
    s["tcp-synack-wan"] = raw(eth() / IP(src=SERVER, dst="198.18.1.2") /
                              TCP(sport=80, dport=41000, flags="SA",
                                  options=[("WScale", 7), ("MSS", 9000)]))
    s["tcp-ack-data"] = raw(eth() / IP(src=CLIENT, dst=SERVER) /
                            TCP(sport=40000, dport=80, flags="PA") / b"GET / HTTP/1.0\r\n\r\n")
    # test_pkt.c: ICMP echo (id 0x1234), the same behind an 802.1Q tag, and a reply
    echo = IP(src=CLIENT, dst=SERVER) / ICMP(type=8, id=0x1234, seq=1) / (b"\0" * 8)
    s["icmp-echo"] = raw(eth() / echo)
    s["icmp-echo-vlan"] = raw(Ether(dst=LAN_MAC, src=CLIENT_MAC) / Dot1Q(vlan=42) / echo)
    s["icmp-echo-reply"] = raw(eth() / IP(src=SERVER, dst="198.18.1.2") /
                               ICMP(type=0, id=0x1234, seq=1))
    # test_pkt.c: the TTL-exceeded round trip, and errors about TCP and echo
    s["icmp-timxceed-udp"] = raw(eth() / IP(src="198.19.255.1", dst="198.18.1.2") /
                                 ICMP(type=11, code=0) /
                                 raw(IP(src="198.18.1.2", dst=SERVER, ttl=1) /
                                     UDP(sport=33434, dport=33435) / (b"\0" * 32)))
    s["icmp-needfrag-tcp"] = raw(eth() / IP(src="198.19.255.1", dst="198.18.1.2") /
                                 ICMP(type=3, code=4, nexthopmtu=1400) /
                                 raw(IP(src="198.18.1.2", dst=SERVER, flags="DF") /
                                     TCP(sport=41000, dport=443, flags="A"))[:28])
    s["icmp-unreach-echo"] = raw(eth() / IP(src="198.19.255.1", dst="198.18.1.2") /
                                 ICMP(type=3, code=1) /
                                 raw(IP(src="198.18.1.2", dst=SERVER) /
                                     ICMP(type=8, id=41000, seq=3)))
    s["icmp-error-about-error"] = raw(eth() / IP(src="198.19.255.1", dst="198.18.1.2") /
                                      ICMP(type=3, code=3) /
                                      raw(IP(src="198.18.1.2", dst=SERVER) /
                                          ICMP(type=11, code=0)))
    # IPv4 options (IHL 6), and fragments: first (MF) and a later one
    s["ipv4-options"] = raw(eth() / IP(src=CLIENT, dst=SERVER, options=b"\x94\x04\0\0") /
                            UDP(sport=5000, dport=5001) / b"opt")
    s["udp-frag-first"] = raw(eth() / IP(src=CLIENT, dst=SERVER, flags="MF", id=7, proto=17) /
                              raw(UDP(sport=5000, dport=5001, len=1208) / (b"x" * 64)))
    s["udp-frag-later"] = raw(eth() / IP(src=CLIENT, dst=SERVER, frag=9, id=7, proto=17) /
                              (b"y" * 64))
    # sources never valid on the wire, destinations never answered with an ICMP error
    for name, src, dst in [("src-bcast", "255.255.255.255", SERVER),
                           ("src-loopback", "127.0.0.1", SERVER),
                           ("dst-bcast", CLIENT, "255.255.255.255"),
                           ("dst-mcast", CLIENT, "224.0.0.251"),
                           ("src-zero", "0.0.0.0", "255.255.255.255")]:
        s["udp-" + name] = raw(eth() / IP(src=src, dst=dst, ttl=1) /
                               UDP(sport=68, dport=67) / b"addr")
    # big enough that the ICMP error quotes only the first 548 bytes (RFC 1812 4.3.2.3)
    s["udp-big"] = raw(eth() / IP(src=CLIENT, dst=SERVER, flags="DF") /
                       UDP(sport=5000, dport=5001) / (b"\x5a" * 1400))
    s["gre"] = raw(eth() / IP(src=CLIENT, dst=SERVER, proto=47) / (b"\0" * 8))
    # test_pkt.c: an ARP request; a reply, one behind a tag, one from a multicast MAC
    s["arp-request"] = raw(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:09") /
                           ARP(op=1, hwsrc="02:00:00:00:00:09", psrc="198.18.1.2",
                               hwdst="00:00:00:00:00:00", pdst="198.18.1.1")).ljust(60, b"\0")
    s["arp-reply"] = raw(Ether(dst="02:00:00:00:00:09", src="02:00:00:00:00:0a") /
                         ARP(op=2, hwsrc="02:00:00:00:00:0a", psrc="198.18.1.1",
                             hwdst="02:00:00:00:00:09", pdst="198.18.1.2")).ljust(60, b"\0")
    s["arp-vlan"] = raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT_MAC) / Dot1Q(vlan=7) /
                        ARP(op=1, hwsrc=CLIENT_MAC, psrc=CLIENT, pdst=ROUTER))
    s["arp-mcast-sha"] = raw(Ether(dst="ff:ff:ff:ff:ff:ff", src="03:00:00:00:00:01") /
                             ARP(op=1, hwsrc="03:00:00:00:00:01", psrc=CLIENT, pdst=ROUTER))
    s["ipv6"] = raw(Ether(dst=LAN_MAC, src=CLIENT_MAC, type=0x86dd)) + b"\x60" + b"\0" * 39
    # test/e2e/send_frames.py: every malformed kind, as the e2e test sends it
    e = raw(Ether(dst=LAN_MAC, src=CLIENT_MAC, type=0x0800))
    kinds = ["trunc_eth", "trunc_ip", "bad_version", "bad_ihl_3", "bad_ihl_15", "bad_len",
             "bad_csum", "trunc_tcp", "trunc_udp", "trunc_icmp", "tcp_off_small",
             "tcp_off_big", "spoofed_src"]
    for k in kinds:
        s["e2e-" + k.replace("_", "-")] = send_frames.frames(k, e, CLIENT, SERVER, 1)
    return s


def sysconf_seeds():
    s = {}
    conf = os.path.join(ROOT, "conf")
    for name in sorted(os.listdir(conf)):
        if name.endswith(".conf"):
            with open(os.path.join(conf, name), "rb") as f:
                s[name[:-5]] = f.read()
    # a file of the older format (a WAN's address and admin state, now the policy
    # document's: refused), and one EAL argument more than allowed
    old = ('ports = (\n { name = "lan"; role = "lan"; device = "net_tap0"; '
           'address = "198.18.0.1/24"; },\n { name = "wan1"; role = "wan"; '
           'device = "net_tap1"; address = "198.18.1.2/24"; gateway = "198.18.1.1"; '
           'enabled = false; }\n);\n')
    s["wan-disabled"] = old.encode()
    ports = ('ports = (\n { name = "lan"; role = "lan"; device = "net_tap0"; '
             'address = "198.18.0.1/24"; },\n { name = "wan1"; role = "wan"; '
             'device = "net_tap1"; mtu = 1500; }\n);\n')
    s["policy"] = ('system = { policy = "p.json"; };\n' + ports).encode()
    s["eal-args-33"] = ("system = { eal_args = [ %s ]; };\n" % ", ".join(['"-v"'] * 33) +
                        ports).encode()
    return s


def api_seeds():
    s = {}
    paths = ["/api/v1/status", "/api/v1/wans", "/api/v1/wans/wan1", "/api/v1/wans/wan1/admin",
             "/metrics", "/api/v1/wans/WAN1", "/api/v1/wans/wan1/admin/x", "/api/v1/wans/"]
    for i, p in enumerate(paths):
        s["path-%d" % i] = p.encode()
    bodies = ['{"enabled": true}', '{"enabled":false}', '{"enabled": 1}',
              '{"enabled": true, "x": 1}',
              '{"enabled": true, "enabled": false}', '[true]', '{"\\u0065nabled": true}',
              '{"enabled": null}', '{"enabled": tru']
    for i, b in enumerate(bodies):
        s["body-%d" % i] = b.encode()
    s["empty"] = b""
    # one byte over CP_API_BODY_MAX (4096): refused before jansson sees it
    s["body-too-big"] = b'{"enabled": true' + b" " * (4097 - 17) + b"}"
    return s


def dns_seeds():
    import dns_frames
    s = {}
    for k, v in dns_frames.good().items():
        s["good-" + k] = v
    for k, v in dns_frames.malformed().items():
        s["bad-" + k] = v
    return s


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.unlink(os.path.join(d, name))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
    print("%s: %d seeds in %s" % (target, len(seeds), os.path.relpath(d, ROOT)))


def main():
    write("pkt", pkt_seeds())
    write("sysconf", sysconf_seeds())
    write("api_parse", api_seeds())
    write("dns", dns_seeds())


if __name__ == "__main__":
    main()
