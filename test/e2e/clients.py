# SPDX-License-Identifier: BSD-3-Clause
"""Clients for the e2e tests, run inside the lan namespace. Each prints one JSON object.

  clients.py http-many HOST PORT COUNT TAG
      COUNT sequential new TCP connections, GET /whoami?tag=TAG; counts by the address
      the server saw.
  clients.py udp-sizes HOST PORT COUNT
      COUNT datagrams of assorted sizes (up to 1400 bytes payload) on one socket; each
      must come back identical (one retry for a lost one).
  clients.py udp-stream HOST PORT WANT_ADDR STOPFILE MIN_S MAX_S
      finds a socket whose flow leaves through WANT_ADDR (asks the echo server "WHO"),
      then sends a numbered datagram every 5 ms for at least MIN_S seconds and until
      STOPFILE exists (at most MAX_S), and counts the echoes.
"""
import collections
import http.client
import json
import os
import random
import socket
import sys
import threading
import time


def http_many(host, port, count, tag):
    seen = collections.Counter()
    errors = []
    for i in range(count):
        try:
            c = http.client.HTTPConnection(host, port, timeout=5)
            c.request("GET", "/whoami?tag=%s" % tag)
            r = c.getresponse()
            body = r.read().decode()
            c.close()
            seen[body.split()[0]] += 1
        except Exception as e:  # report, never hide
            errors.append("%d: %r" % (i, e))
    return {"count": count, "seen": dict(seen), "errors": errors[:20], "n_errors": len(errors)}


def udp_sizes(host, port, count):
    rnd = random.Random(4242)
    sizes = [1, 8, 17, 64, 100, 255, 256, 512, 999, 1000, 1200, 1399, 1400]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((host, port))
    ok = retried = 0
    failed = []
    for i in range(count):
        size = sizes[i % len(sizes)] if i < 2 * len(sizes) else rnd.randint(1, 1400)
        hdr = i.to_bytes(4, "big")
        payload = (hdr + bytes(rnd.getrandbits(8) for _ in range(max(0, size - 4))))[:size]
        if size < 4:
            payload = bytes([i & 0xff]) * size
        got = False
        for attempt in range(2):
            s.send(payload)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    data = s.recv(65535)
                except socket.timeout:
                    break
                if data == payload:
                    got = True
                    break
            if got:
                if attempt:
                    retried += 1
                break
        if got:
            ok += 1
        else:
            failed.append({"i": i, "size": size})
    return {"count": count, "ok": ok, "retried": retried, "failed": failed[:20],
            "max_size": max(sizes)}


def udp_stream(host, port, want, stopfile, min_s, max_s):
    sock = None
    tried = []
    for _ in range(32):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1.0)
        s.connect((host, port))
        try:
            s.send(b"WHO")
            who = s.recv(100).decode().split()
        except socket.timeout:
            s.close()
            tried.append("timeout")
            continue
        tried.append(who[0])
        if who[0] == want:
            sock = s
            break
        s.close()
    if sock is None:
        return {"error": "no flow through %s" % want, "tried": tried}
    print("# streaming through %s from port %d" % (want, sock.getsockname()[1]), flush=True)
    got = set()
    dups = [0]
    done = threading.Event()

    def rx():
        sock.settimeout(0.2)
        while not done.is_set():
            try:
                data = sock.recv(100)
            except socket.timeout:
                continue
            if len(data) >= 8 and data[:4] == b"SEQ:":
                n = int.from_bytes(data[4:8], "big")
                if n in got:
                    dups[0] += 1
                got.add(n)

    t = threading.Thread(target=rx, daemon=True)
    t.start()
    sent = 0
    start = time.monotonic()
    nxt = start
    while time.monotonic() - start < max_s:
        if time.monotonic() - start >= min_s and os.path.exists(stopfile):
            break
        sock.send(b"SEQ:" + sent.to_bytes(4, "big") + b"x" * 56)
        sent += 1
        nxt += 0.005
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
    time.sleep(1.0)
    done.set()
    t.join(2)
    missing = sorted(set(range(sent)) - got)
    return {"wan": want, "tried": tried, "sent": sent, "received": len(got),
            "missing": missing[:50], "n_missing": len(missing), "dups": dups[0],
            "seconds": round(time.monotonic() - start, 2),
            "source_port": sock.getsockname()[1]}


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "http-many":
        out = http_many(a[0], int(a[1]), int(a[2]), a[3])
    elif cmd == "udp-sizes":
        out = udp_sizes(a[0], int(a[1]), int(a[2]))
    elif cmd == "udp-stream":
        out = udp_stream(a[0], int(a[1]), a[2], a[3], float(a[4]), float(a[5]))
    else:
        sys.exit("unknown command %s" % cmd)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
