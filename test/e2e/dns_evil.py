#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""DNS answers, malformed ones first, sent from UDP port 53 towards a LAN host through
the dataplane (test_43_dns_malformed.py). Plain sockets: the malformed part is the UDP
payload (test/e2e/dns_frames.py), so the packets themselves are ordinary.

  dns_evil.py server ADDR READY   on ADDR:53 (inet): for each datagram received, send
                                  back every malformed answer, then one good answer
                                  (good.test A 198.19.0.98), to the sender
  dns_evil.py push ADDR DST PORT GOOD
                                  from ADDR:53 (the appliance's namespace, so through
                                  the LAN TAP): the same sequence to DST:PORT, once, the
                                  good answer giving address GOOD
  dns_evil.py client SERVER TIMEOUT [PORT [GOOD]]
                                  (lan) bind PORT (0: any), ask SERVER:53 once unless
                                  SERVER is "-", count the answers until the good one
                                  or TIMEOUT: {"got": n, "good": bool, "port": p}
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns_frames  # noqa: E402

GOOD_NAME = "good.test"
GOOD_ADDR = "198.19.0.98"
EVIL_ADDR = "198.19.0.99"


def sequence(good=GOOD_ADDR):
    bad = [v for _, v in sorted(dns_frames.malformed(qname="example.test",
                                                     addr=EVIL_ADDR).items())]
    return bad + [dns_frames.answer(GOOD_NAME, [good], ttl=60)]


def server(addr, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    with open(ready, "w") as f:
        f.write("ok\n")
    seq = sequence()
    while True:
        _, peer = s.recvfrom(2048)
        for p in seq:
            s.sendto(p, peer)


def push(addr, dst, port, good):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    for p in sequence(good):
        s.sendto(p, (dst, port))
    print(json.dumps({"sent": len(sequence(good))}))


def client(server_addr, timeout, port=0, good_addr=GOOD_ADDR):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    good = dns_frames.answer(GOOD_NAME, [good_addr], ttl=60)
    if server_addr != "-":
        s.sendto(dns_frames.header(flags=0x0100) + dns_frames.question("example.test"),
                 (server_addr, 53))
    else:
        print(json.dumps({"port": s.getsockname()[1]}), flush=True)
    got, ok, end = 0, False, time.time() + timeout
    while time.time() < end and not ok:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        got += 1
        ok = data == good
    print(json.dumps({"got": got, "good": ok, "port": s.getsockname()[1]}))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "push":
        push(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        client(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0,
               sys.argv[5] if len(sys.argv) > 5 else GOOD_ADDR)
