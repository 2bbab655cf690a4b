# SPDX-License-Identifier: BSD-3-Clause
"""Flows watched through a WAN failure, for the health-check e2e tests (test_25, 27, 28).

  flow_watch.py tcp-server ADDR PORT READYFILE
      line echo server (inet); the line "WHO" is answered with the peer's "ADDR PORT".
  flow_watch.py tcp-client HOST PORT WANT_ADDR LOG READYFILE
      (lan) connects until the server sees WANT_ADDR as the source (at most 20 tries),
      writes READYFILE, then sends a line every 50 ms and reads its echo (30 s timeout),
      appending JSON lines to LOG: {"t": unix time, "ev": "ok"|"reset"|"timeout"|
      "closed"|"error", "detail": ...}; stops at the first event that is not "ok".
  flow_watch.py udp-who HOST PORT WANT_ADDR PERIOD LOG READYFILE
      (lan) finds a UDP socket whose flow the echo server (srv_udp_echo.py) sees from
      WANT_ADDR, writes READYFILE, then sends "WHO" every PERIOD s on that one socket
      and logs each answer as {"t": unix time, "addr": A, "port": P}.
  flow_watch.py tcp-many HOST PORT COUNT SPACING TIMEOUT TAG
      (lan) COUNT new connections (GET /whoami?tag=TAG), one every SPACING s, each in
      its own thread with TIMEOUT; prints {"ok": n, "failed": n, "seen": {addr: n}}.
  flow_watch.py udp-silent ADDR PORT READYFILE
      (inet) reads datagrams and never answers (a dead DNS server that is there).
  flow_watch.py dns-query SERVER NAME
      one A query; prints the first address, or the rcode's name, or nothing (no answer
      within 2 s).
"""
import json
import os
import random
import socket
import struct
import sys
import threading
import time


def ready_file(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def tcp_server(addr, port, ready):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(64)
    ready_file(ready, "%d\n" % os.getpid())

    def serve(c, peer):
        with c:
            f = c.makefile("rb")
            try:
                for line in f:
                    if line == b"WHO\n":
                        c.sendall(("%s %d\n" % peer).encode())
                    else:
                        c.sendall(line)
            except OSError:
                pass

    while True:
        c, peer = s.accept()
        threading.Thread(target=serve, args=(c, peer), daemon=True).start()


def tcp_client(host, port, want, log, ready):
    s = None
    for _ in range(20):
        c = socket.create_connection((host, int(port)), timeout=5)
        c.sendall(b"WHO\n")
        f = c.makefile("rb")
        who = f.readline().decode().split()
        if who and who[0] == want:
            s = c
            break
        c.close()
    if s is None:
        sys.exit("no connection left through %s in 20 tries" % want)
    s.settimeout(30)
    out = open(log, "a", buffering=1)
    ready_file(ready, "%s %d\n" % s.getsockname())
    n = 0
    while True:
        n += 1
        line = b"p%d\n" % n
        ev, detail = "ok", ""
        try:
            s.sendall(line)
            got = f.readline()
            if got == b"":
                ev = "closed"
            elif got != line:
                ev, detail = "error", repr(got)
        except ConnectionResetError as e:
            ev, detail = "reset", repr(e)
        except socket.timeout:
            ev = "timeout"
        except OSError as e:
            ev, detail = "error", repr(e)
        out.write(json.dumps({"t": time.time(), "ev": ev, "n": n, "detail": detail}) + "\n")
        if ev != "ok":
            return
        time.sleep(0.05)


def udp_who(host, port, want, period, log, ready):
    dst = (host, int(port))
    s = None
    for _ in range(20):
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(1.0)
        c.connect(dst)
        try:
            c.send(b"WHO")
            who = c.recv(200).decode().split()
        except OSError:
            who = []
        if who and who[0] == want:
            s = c
            break
        c.close()
    if s is None:
        sys.exit("no UDP flow left through %s in 20 tries" % want)
    out = open(log, "a", buffering=1)
    ready_file(ready, "%s %d\n" % s.getsockname())
    s.setblocking(False)
    period = float(period)
    nxt = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= nxt:
            try:
                s.send(b"WHO")
            except OSError:
                pass       # ICMP errors of earlier datagrams: the stream goes on
            nxt += period
            if nxt < now:
                nxt = now + period
        try:
            while True:
                who = s.recv(200).decode().split()
                if len(who) == 2:
                    out.write(json.dumps({"t": time.time(), "addr": who[0],
                                          "port": int(who[1])}) + "\n")
        except BlockingIOError:
            pass
        except OSError:
            pass
        time.sleep(min(0.005, max(0.0, nxt - time.monotonic())))


def tcp_many(host, port, count, spacing, timeout, tag):
    res = {"ok": 0, "failed": 0, "seen": {}, "errors": []}
    lock = threading.Lock()

    def one(i):
        try:
            c = socket.create_connection((host, int(port)), timeout=float(timeout))
            c.sendall(("GET /whoami?tag=%s HTTP/1.0\r\n\r\n" % tag).encode())
            data = b""
            while True:
                b = c.recv(4096)
                if not b:
                    break
                data += b
            c.close()
            addr = data.partition(b"\r\n\r\n")[2].split()[0].decode()
            with lock:
                res["ok"] += 1
                res["seen"][addr] = res["seen"].get(addr, 0) + 1
        except Exception as e:  # counted and reported
            with lock:
                res["failed"] += 1
                if len(res["errors"]) < 10:
                    res["errors"].append("%d: %r" % (i, e))

    threads = []
    for i in range(int(count)):
        t = threading.Thread(target=one, args=(i,), daemon=True)
        t.start()
        threads.append(t)
        time.sleep(float(spacing))
    for t in threads:
        t.join(float(timeout) + 10)
    print(json.dumps(res))


def udp_silent(addr, port, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    ready_file(ready, "%d\n" % os.getpid())
    while True:
        s.recvfrom(65535)


RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def dns_query(server, name):
    qid = random.randrange(65536)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (server, 53))
    try:
        data, _ = s.recvfrom(4096)
    except socket.timeout:
        return
    rid, flags, qd, an = struct.unpack("!HHHH", data[:8])
    if rid != qid:
        return
    rcode = flags & 0xF
    if rcode != 0 or an == 0:
        print(RCODES.get(rcode, "rcode%d" % rcode))
        return
    # skip the question, then the first answer's A record
    i = 12
    while data[i] != 0:
        i += data[i] + 1
    i += 5
    if data[i] & 0xC0 == 0xC0:
        i += 2
    else:
        while data[i] != 0:
            i += data[i] + 1
        i += 1
    typ, _, _, rdlen = struct.unpack("!HHIH", data[i:i + 10])
    if typ == 1 and rdlen == 4:
        print(socket.inet_ntoa(data[i + 10:i + 14]))
    else:
        print("NOERROR")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    {"tcp-server": tcp_server, "tcp-client": tcp_client, "udp-who": udp_who,
     "tcp-many": tcp_many, "udp-silent": udp_silent, "dns-query": dns_query}[mode](*args)


if __name__ == "__main__":
    main()
