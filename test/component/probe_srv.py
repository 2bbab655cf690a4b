#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Servers for test_probe.py, run inside its namespace under `timeout`. Each logs one
line per client to --log ("ready" first, then "<mode> <client address> <what>"):

  dns  --addr A [--addr B ...] [--name N] [--silent]
       NOERROR (one A record) for N, NXDOMAIN for other names; "garbled.test" gets a
       response cut short and one with another id, never a good one; --silent reads and
       never answers
  http --port P [--tls CERT KEY]
       /ok 200 "all ok here", /nomatch 200 "nothing", /redirect 302, /err 500,
       /slow sleeps 5 s, /delay sleeps 0.5 s then 200 "ok", /big?at=N 200 of 200000
       bytes with "MATCHME" at offset N
  tcp  --port P
       accepts and closes
"""
import argparse
import http.server
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time

log_lock = threading.Lock()


def log(f, line):
    with log_lock:
        f.write(line + "\n")
        f.flush()


def qname(msg):
    """The question's name and the offset after the question, or None."""
    off, labels = 12, []
    while off < len(msg):
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off + 4
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    return None


def run_dns(a, f):
    socks = []
    for addr in a.addr:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 53))
        socks.append(s)
    log(f, "ready")

    def serve(s):
        while True:
            msg, peer = s.recvfrom(2048)
            q = qname(msg) if len(msg) >= 12 else None
            log(f, f"dns {peer[0]} {q[0] if q else '?'}")
            if a.silent or q is None:
                continue
            name, end = q
            flags = 0x8000 | (msg[2] & 0x01) << 8 | 0x0080
            question = msg[12:end]
            if name == "garbled.test":
                bad_id = bytes([msg[0] ^ 0xff, msg[1]])
                s.sendto(bad_id + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + question, peer)
                s.sendto(msg[:2] + struct.pack("!H", flags) + b"\x00\x01", peer)
                continue
            if name == a.name:
                hdr = struct.pack("!HHHHH", flags, 1, 1, 0, 0)
                ans = struct.pack("!HHHIH", 0xc00c, 1, 1, 60, 4) + bytes([198, 18, 250, 77])
                s.sendto(msg[:2] + hdr + question + ans, peer)
            else:
                hdr = struct.pack("!HHHHH", flags | 3, 1, 0, 0, 0)
                s.sendto(msg[:2] + hdr + question, peer)

    threads = [threading.Thread(target=serve, args=(s,), daemon=True) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    logf = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def do_GET(self):
        log(self.logf, f"http {self.client_address[0]} {self.path} "
                       f"{self.headers.get('User-Agent', '')}")
        path, _, query = self.path.partition("?")
        if path == "/ok":
            self.reply(200, b"all ok here\n")
        elif path == "/nomatch":
            self.reply(200, b"nothing\n")
        elif path == "/redirect":
            self.reply(302, b"", [("Location", "/ok")])
        elif path == "/err":
            self.reply(500, b"ok but broken\n")
        elif path == "/slow":
            time.sleep(5)
            self.reply(200, b"ok, late\n")
        elif path == "/delay":
            time.sleep(0.5)
            self.reply(200, b"ok\n")
        elif path == "/big":
            at = int(query.split("=")[1]) if query.startswith("at=") else 0
            body = bytearray(b"x" * 200000)
            body[at:at + 7] = b"MATCHME"
            self.reply(200, bytes(body))
        else:
            self.reply(404, b"no\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def run_http(a, f):
    Handler.logf = f
    srv = Server(("0.0.0.0", a.port), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    log(f, "ready")
    srv.serve_forever()


def run_tcp(a, f):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", a.port))
    s.listen(512)
    log(f, "ready")
    while True:
        c, peer = s.accept()
        log(f, f"tcp {peer[0]} {a.port}")
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["dns", "http", "tcp"])
    ap.add_argument("--log", required=True)
    ap.add_argument("--addr", action="append", default=[])
    ap.add_argument("--name", default="ok.test")
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--tls", nargs=2)
    a = ap.parse_args()
    with open(a.log, "a") as f:
        {"dns": run_dns, "http": run_http, "tcp": run_tcp}[a.mode](a, f)


if __name__ == "__main__":
    sys.exit(main())
