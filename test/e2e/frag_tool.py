# SPDX-License-Identifier: BSD-3-Clause
"""IP fragments for the e2e tests of shallow virtual reassembly.

  frag_tool.py echo HOST PORT SIZE COUNT
      From a UDP socket (DF clear, so the kernel fragments): COUNT datagrams of SIZE
      bytes to an echo server; each echo must be the datagram sent.
  frag_tool.py lan-send SRC SPORT DST DPORT SIZE ORDER [TTL]
      From the LAN host with scapy: one UDP datagram of SIZE bytes as 1400-byte
      fragments in ORDER (reverse, shuffle, missing-first, overlap, tcp-tiny), then wait
      for an echo on a socket bound to SPORT (for the orders that can be answered).
  frag_tool.py inet-reply ADDR PORT SIZE READYFILE
      In inet: wait for one UDP datagram to ADDR:PORT, answer it with SIZE bytes (seeded
      by the query's first 4 bytes) as fragments sent last first.
Prints one JSON line.
"""
import json
import os
import random
import socket
import sys
import time

IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0


def payload(size, seed):
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(size))


def echo(host, port, size, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.settimeout(2.0)
    s.connect((host, int(port)))
    ok, bad, lost = 0, 0, 0
    for i in range(int(count)):
        p = payload(int(size), i)
        s.send(p)
        try:
            got = s.recv(65535)
        except socket.timeout:
            lost += 1
            continue
        if got == p:
            ok += 1
        else:
            bad += 1
    return {"ok": ok, "bad": bad, "lost": lost}


def lan_send(src, sport, dst, dport, size, order, ttl="64"):
    from scapy.all import IP, UDP, TCP, Raw, fragment, send, conf
    conf.verb = 0
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((src, int(sport)))
    rx.settimeout(3.0)
    data = payload(int(size), 99)
    ident = random.randint(1, 65535)
    if order == "tcp-tiny":
        pkt = IP(src=src, dst=dst, id=ident, ttl=int(ttl)) / TCP(sport=int(sport),
                                                             dport=int(dport), flags="S")
        raw = bytes(pkt)
        first = IP(raw[:20] + raw[20:28])
        first.flags = "MF"
        first.frag = 0
        first.len = None
        first.chksum = None
        tiny = IP(src=src, dst=dst, id=ident, flags=0, frag=1, proto=6) / Raw(b"\x00" * 12)
        send([first, tiny])
        return {"sent": 2}
    pkt = IP(src=src, dst=dst, id=ident, flags=0, ttl=int(ttl)) / UDP(sport=int(sport),
                                                                     dport=int(dport)) / data
    frags = fragment(pkt, fragsize=1400)
    if order == "reverse":
        frags = frags[::-1]
    elif order == "shuffle":
        random.Random(7).shuffle(frags)
        if frags[-1].frag == 0:      # make sure the first is not first
            frags = frags[::-1]
    elif order == "missing-first":
        frags = frags[1:]
    elif order == "overlap":
        evil = frags[1].copy()
        evil.frag = frags[1].frag - 10      # 80 bytes back into the first fragment
        frags = [frags[0], evil] + frags[1:]
    send(frags)
    out = {"sent": len(frags)}
    try:
        got = rx.recv(65535)
        out["echo"] = "same" if got == data else "different (%d bytes)" % len(got)
    except socket.timeout:
        out["echo"] = "none"
    return out


def inet_reply(addr, port, size, ready):
    from scapy.all import IP, UDP, fragment, send, conf
    conf.verb = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # also: no port unreachable
    s.bind((addr, int(port)))
    s.settimeout(20)
    open(ready, "w").close()
    try:
        q, peer = s.recvfrom(2048)
    except socket.timeout:
        return {"seen": 0}
    data = payload(int(size), int.from_bytes(q[:4], "big"))
    r = IP(src=addr, dst=peer[0], flags=0) / UDP(sport=int(port), dport=peer[1]) / data
    frags = fragment(r, fragsize=1400)[::-1]
    send(frags)
    return {"seen": 1, "to": "%s:%d" % peer, "frags": len(frags)}


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "echo":
        print(json.dumps(echo(*a)))
    elif cmd == "lan-send":
        print(json.dumps(lan_send(*a)))
    elif cmd == "inet-reply":
        print(json.dumps(inet_reply(*a)))
    else:
        sys.exit("unknown command " + cmd)
