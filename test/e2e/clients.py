# SPDX-License-Identifier: BSD-3-Clause
"""Clients for the e2e tests, run inside the lan namespace. Each prints one JSON object.

  clients.py http-many HOST PORT COUNT TAG
      COUNT sequential new TCP connections, GET /whoami?tag=TAG; counts by the address
      the server saw.
  clients.py http-mss HOST PORT MSS TAG
      one GET /whoami?tag=TAG on a connection whose SYN offers MSS.
  clients.py udp-sizes HOST PORT COUNT
      COUNT datagrams of assorted sizes (1 to 1400 bytes payload) on one socket, one
      at a time; reports the echoes that were not the datagram just sent (mismatched)
      and the datagrams that needed a second send (retried) or got no echo (failed).
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


def http_mss(host, port, mss, tag):
    """One GET /whoami on a socket whose SYN offers MSS (TCP_MAXSEG before connect)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.connect((host, port))
    s.sendall(("GET /whoami?tag=%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (tag, host)).encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return {"status": head.split(b"\r\n")[0].decode(), "body": body.decode().strip()}


def udp_sizes(host, port, count):
    """Every echo must be the datagram just sent (payload and size). A lost one is sent
    once more so that the report says how many were lost, but the test wants none."""
    rnd = random.Random(4242)
    sizes = [1, 8, 17, 64, 100, 255, 256, 512, 999, 1000, 1200, 1399, 1400]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((host, port))
    ok = 0
    retried, failed, mismatched = [], [], []
    sent_sizes = []
    for i in range(count):
        size = sizes[i % len(sizes)] if i < 2 * len(sizes) else rnd.randint(1, 1400)
        hdr = i.to_bytes(4, "big")
        payload = (hdr + bytes(rnd.getrandbits(8) for _ in range(max(0, size - 4))))[:size]
        if size < 4:
            payload = bytes([i & 0xff]) * size
        sent_sizes.append(len(payload))
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
                # anything else is wrong: a changed payload, another size, a late or
                # duplicated echo of an earlier datagram
                mismatched.append({"i": i, "size": size, "got_size": len(data),
                                   "got_head": data[:8].hex(),
                                   "same_size": len(data) == len(payload)})
            if got:
                if attempt:
                    retried.append({"i": i, "size": size})
                break
        if got:
            ok += 1
        else:
            failed.append({"i": i, "size": size})
    # a duplicate of the last echo would arrive after the loop: listen a little longer
    s.settimeout(0.3)
    try:
        while True:
            data = s.recv(65535)
            mismatched.append({"i": count, "size": 0, "got_size": len(data),
                               "got_head": data[:8].hex(), "same_size": False})
    except socket.timeout:
        pass
    return {"count": count, "ok": ok, "n_retried": len(retried), "retried": retried[:20],
            "n_failed": len(failed), "failed": failed[:20],
            "n_mismatched": len(mismatched), "mismatched": mismatched[:20],
            "min_size": min(sent_sizes), "max_size": max(sent_sizes),
            "n_sizes": len(set(sent_sizes))}


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
    elif cmd == "http-mss":
        out = http_mss(a[0], int(a[1]), int(a[2]), a[3])
    elif cmd == "udp-sizes":
        out = udp_sizes(a[0], int(a[1]), int(a[2]))
    elif cmd == "udp-stream":
        out = udp_stream(a[0], int(a[1]), a[2], a[3], float(a[4]), float(a[5]))
    else:
        sys.exit("unknown command %s" % cmd)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
