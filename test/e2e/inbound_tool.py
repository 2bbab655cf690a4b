# SPDX-License-Identifier: BSD-3-Clause
"""Servers and clients of the inbound access tests (test_54, issue 10), run in the lab's
namespaces. Each client prints one JSON object (its last line).

  inbound_tool.py http-server ADDR PORT NAME READY
      HTTP/1.0 server (threads). GET /stream?seconds=S streams 16 KB chunks for S
      seconds (at most 120); any other GET answers "NAME CLIENT_ADDR CLIENT_PORT\\n", so
      a client learns which server of a pool took it and what source it saw.
  inbound_tool.py http-many HOST PORT COUNT TIMEOUT [SRC[:SPORT]]
      COUNT sequential GETs, each on a new connection with a TIMEOUT (s) bound, from
      source address SRC (and port SPORT: each connection's is SPORT + I) if given;
      {"n_ok", "by_name": {NAME: n}, "seen_src": {addr: n}, "seen_ports": [[sent,
      seen]], "errors": [...]}.
  inbound_tool.py stream HOST PORT SECONDS
      one GET /stream?seconds=SECONDS; {"bytes", "max_gap_s", "seconds", "error"}:
      the longest time without data is what a stalled connection shows.
  inbound_tool.py syn-flood DST DPORT SECONDS PPS COUNT SRC [POOL]
      TCP SYNs from a raw socket, at most COUNT in at most SECONDS at at most PPS a
      second; SRC "random": random sources in 198.19.64.0/18 (nobody's: no answer
      goes anywhere) and random source ports; "random-lan": 198.18.0.100-199; else
      that one source address. The
      frames are POOL (default 4096) prebuilt ones, sent in turn.
      {"sent", "seconds"}.
  inbound_tool.py udp-flows HOST PORT COUNT WAIT
      COUNT UDP sockets open at once (COUNT flows to one destination port), one
      datagram "flow-I" each, then WAIT seconds for the answers of policy_tool.py
      udp-server ("ADDR PORT PAYLOAD": the source it saw); {"answered": {I: [addr,
      port]}, "unanswered": [I...]}.
"""
import http.client
import http.server
import json
import os
import random
import resource
import select
import socket
import socketserver
import struct
import sys
import time
import urllib.parse


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    name = "-"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/stream":
            secs = min(float(urllib.parse.parse_qs(url.query).get("seconds", ["5"])[0]), 120)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            chunk = b"s" * 16384
            end = time.monotonic() + secs
            try:
                while time.monotonic() < end:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(0.02)
            except OSError:
                pass
            return
        body = ("%s %s %d\n" % (self.name, self.client_address[0],
                                self.client_address[1])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def http_server(addr, port, name, ready):
    Handler.name = name
    srv = Server((addr, int(port)), Handler)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)
    srv.serve_forever()


class _BoundConnection(http.client.HTTPConnection):
    """An HTTP connection from a chosen source port that may still have connections in
    TIME_WAIT (an earlier run, or the ended connections a test reuses on purpose):
    SO_REUSEADDR lets bind() take it; the 4-tuple differs, so connect() is unambiguous."""

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.settimeout(self.timeout)
            s.bind(self.source_address)
            s.connect((self.host, self.port))
        except BaseException:
            s.close()
            raise
        self.sock = s


def http_many(host, port, count, timeout, src=None):
    by_name, seen_src, seen_ports, errors = {}, {}, [], []
    n_ok = 0
    sport = 0
    if src and ":" in src:
        src, sport = src.split(":")[0], int(src.split(":")[1])
    for i in range(int(count)):
        bind = sport + i if sport else 0
        cls = _BoundConnection if src else http.client.HTTPConnection
        c = cls(host, int(port), timeout=float(timeout),
                source_address=(src, bind) if src else None)
        try:
            c.request("GET", "/who?i=%d" % i)
            r = c.getresponse()
            body = r.read().decode("ascii", "replace").split()
            if r.status != 200 or len(body) != 3:
                errors.append("%d: HTTP %d %r" % (i, r.status, body))
                continue
            by_name[body[0]] = by_name.get(body[0], 0) + 1
            seen_src[body[1]] = seen_src.get(body[1], 0) + 1
            seen_ports.append([bind, int(body[2])])
            n_ok += 1
        except (OSError, http.client.HTTPException) as e:
            errors.append("%d: %r" % (i, e))
        finally:
            c.close()
    return {"n_ok": n_ok, "by_name": by_name, "seen_src": seen_src,
            "seen_ports": seen_ports, "errors": errors[:20], "n_errors": len(errors)}


def stream(host, port, seconds):
    out = {"bytes": 0, "max_gap_s": 0.0, "seconds": 0.0, "error": None}
    t0 = last = time.monotonic()
    s = None
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"GET /stream?seconds=%s HTTP/1.0\r\n\r\n" % seconds.encode())
        s.settimeout(1.0)
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                now = time.monotonic()
                out["max_gap_s"] = max(out["max_gap_s"], now - last)
                if now - last > 30:
                    out["error"] = "no data for 30 s"
                    break
                continue
            now = time.monotonic()
            out["max_gap_s"] = max(out["max_gap_s"], now - last)
            last = now
            if not b:
                break
            out["bytes"] += len(b)
    except OSError as e:
        out["error"] = repr(e)
    finally:
        if s is not None:
            s.close()
    out["seconds"] = time.monotonic() - t0
    out["max_gap_s"] = round(out["max_gap_s"], 3)
    return out


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def syn(src, dst, sport, dport):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0, 5 << 4, 0x02,
                      65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def syn_flood(dst, dport, seconds, pps, count, src, pool_size="4096"):
    seconds, pps, count, dport = float(seconds), int(pps), int(count), int(dport)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    d = socket.inet_aton(dst)
    base = struct.unpack("!I", socket.inet_aton("198.19.64.0"))[0]
    lan = struct.unpack("!I", socket.inet_aton("198.18.0.0"))[0]
    fixed = None if src in ("random", "random-lan") else socket.inet_aton(src)
    # a pool of prebuilt packets: Python cannot build thousands a second and send them
    pool = []
    for _ in range(int(pool_size)):
        if fixed:
            a = fixed
        elif src == "random-lan":
            a = struct.pack("!I", lan + random.randrange(100, 200))
        else:
            a = struct.pack("!I", base + random.randrange(1, 1 << 14))
        pool.append(syn(a, d, random.randrange(1024, 65535), dport))
    sent = 0
    t0 = time.monotonic()
    end = t0 + seconds
    while sent < count:
        now = time.monotonic()
        if now >= end:
            break
        due = min(count, int((now - t0) * pps) + 1)
        while sent < due:
            try:
                s.sendto(pool[sent % len(pool)], (dst, 0))
            except OSError:
                pass
            sent += 1
        time.sleep(0.002)
    return {"sent": sent, "seconds": round(time.monotonic() - t0, 3)}


def udp_flows(host, port, count, wait):
    dst = (host, int(port))
    want = int(count) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard > 0 else want, hard))
    socks = []
    for i in range(int(count)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        s.setblocking(False)
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendto(b"flow-%d" % i, dst)
    answered = {}
    by_fd = {s.fileno(): (i, s) for i, s in enumerate(socks)}
    poll = select.poll()
    for fd in by_fd:
        poll.register(fd, select.POLLIN)
    end = time.monotonic() + float(wait)
    resent = False
    while len(answered) < len(socks):
        left = end - time.monotonic()
        if left <= 0:
            break
        if not resent and left < float(wait) / 2:
            # one more try for flows whose first datagram was lost on the way
            resent = True
            for i, s in enumerate(socks):
                if str(i) not in answered:
                    s.sendto(b"flow-%d" % i, dst)
        for fd, _ in poll.poll(int(min(left, 0.2) * 1000)):
            i, s = by_fd[fd]
            try:
                data = s.recv(2048)
            except OSError:
                continue
            a, p, _ = data.decode("ascii", "replace").split(" ", 2)
            answered[str(i)] = [a, int(p)]
    unanswered = [i for i in range(len(socks)) if str(i) not in answered]
    for s in socks:
        s.close()
    return {"answered": answered, "unanswered": unanswered}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "http-server":
        http_server(*args)
        return
    fn = {"http-many": http_many, "stream": stream, "syn-flood": syn_flood,
          "udp-flows": udp_flows}[mode]
    print(json.dumps(fn(*args)), flush=True)


if __name__ == "__main__":
    main()
