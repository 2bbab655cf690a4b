# SPDX-License-Identifier: BSD-3-Clause
"""UDP echo server for the e2e tests, run inside the inet namespace.

Every datagram is echoed back unchanged, except one whose payload is exactly b"WHO":
the reply is the sender's address ("A.B.C.D PORT"). Each new source address:port is
logged once to LOG as "A.B.C.D PORT".

Usage: srv_udp_echo.py ADDR PORT LOG READYFILE
"""
import os
import socket
import sys


def main():
    addr, port, log, ready = sys.argv[1:5]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, int(port)))
    seen = set()
    logf = open(log, "a", buffering=1)
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        data, peer = s.recvfrom(65535)
        if peer not in seen:
            seen.add(peer)
            logf.write("%s %d\n" % peer)
        if data == b"WHO":
            s.sendto(("%s %d" % peer).encode(), peer)
        else:
            s.sendto(data, peer)


if __name__ == "__main__":
    main()
