# SPDX-License-Identifier: BSD-3-Clause
"""Flows from fixed source ports, held open until killed (the session-listing tests).

  flow_hold.py ADDR TCP_PORT UDP_PORT N_TCP N_UDP BASE_PORT READYFILE

Opens N_TCP TCP connections to ADDR:TCP_PORT (an echo server: tcp_hold.py server) from
source ports BASE_PORT, BASE_PORT+1 ..., each exchanging one line, and sends one UDP
datagram to ADDR:UDP_PORT (srv_udp_echo.py) from each of BASE_PORT+100 ... and waits for
its echo; then writes READYFILE (JSON: which ports are open) and sleeps until SIGTERM.
While it sleeps, a file READYFILE.again makes it send one more datagram from each UDP
port (and wait for the echoes), then write READYFILE.again.done.
"""
import json
import os
import signal
import socket
import sys
import time


def main():
    addr, tport, uport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    n_tcp, n_udp, base, ready = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), \
        sys.argv[7]
    held = []
    for i in range(n_tcp):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", base + i))
        s.settimeout(10)
        s.connect((addr, tport))
        s.sendall(b"hello\n")
        assert s.recv(64).startswith(b"hello"), "no echo on TCP %d" % (base + i)
        held.append(s)
    for i in range(n_udp):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", base + 100 + i))
        u.settimeout(2)
        for _ in range(5):
            u.sendto(b"ping", (addr, uport))
            try:
                u.recvfrom(2048)
                break
            except socket.timeout:
                continue
        else:
            raise SystemExit("no echo on UDP %d" % (base + 100 + i))
        held.append(u)
    with open(ready + ".tmp", "w") as f:
        json.dump({"tcp": [base + i for i in range(n_tcp)],
                   "udp": [base + 100 + i for i in range(n_udp)]}, f)
    os.rename(ready + ".tmp", ready)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    udp = held[n_tcp:]
    while True:
        time.sleep(0.1)
        if os.path.exists(ready + ".again") and not os.path.exists(ready + ".again.done"):
            for u in udp:
                u.sendto(b"again", (addr, uport))
                u.recvfrom(2048)
            with open(ready + ".again.done", "w") as f:
                f.write("ok\n")


if __name__ == "__main__":
    main()
