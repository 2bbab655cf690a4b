# SPDX-License-Identifier: BSD-3-Clause
"""HTTP server for the e2e tests, run inside the inet namespace.

  GET  /whoami?tag=T   body: the client's address ("A.B.C.D PORT"); logs "T A.B.C.D PORT"
  GET  /file/NAME      streams DIR/NAME (no directory parts allowed); with ?tag=T the
                       client's address is logged as for /whoami
  PUT  /upload         reads Content-Length bytes; body: sha256 hex of what arrived
  GET  /health/ok       200, body "dpwan-health-ok" (HTTP health checks)
  GET  /health/nomatch  200, a body without that string
  GET  /health/redirect 302 to /health/ok (a health check does not follow it)

Usage: srv_http.py ADDR PORT DIR LOG READYFILE
The READYFILE is created once the socket listens.
"""
import hashlib
import http.server
import os
import socketserver
import sys
import threading
import urllib.parse


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    lock = threading.Lock()
    log_path = ""
    root = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def _reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        addr, port = self.client_address[0], self.client_address[1]
        if url.path == "/whoami":
            tag = urllib.parse.parse_qs(url.query).get("tag", ["-"])[0]
            with self.lock, open(self.log_path, "a") as f:
                f.write("%s %s %d\n" % (tag, addr, port))
            self._reply(200, ("%s %d\n" % (addr, port)).encode())
        elif url.path == "/health/ok":
            self._reply(200, b"dpwan-health-ok\n")
        elif url.path == "/health/nomatch":
            self._reply(200, b"something else\n")
        elif url.path == "/health/redirect":
            self.send_response(302)
            self.send_header("Location", "/health/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path.startswith("/file/"):
            name = url.path[len("/file/"):]
            if "/" in name or name.startswith("."):
                self._reply(400, b"bad name\n")
                return
            path = os.path.join(self.root, name)
            try:
                size = os.path.getsize(path)
            except OSError:
                self._reply(404, b"no such file\n")
                return
            tag = urllib.parse.parse_qs(url.query).get("tag", [None])[0]
            if tag is not None:
                with self.lock, open(self.log_path, "a") as f:
                    f.write("%s %s %d\n" % (tag, addr, port))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(1 << 16)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
        else:
            self._reply(404, b"not found\n")

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        got = 0
        while got < n:
            chunk = self.rfile.read(min(1 << 16, n - got))
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        self._reply(200, ("%s %d\n" % (h.hexdigest(), got)).encode())


def main():
    addr, port, root, log, ready = sys.argv[1:6]
    Handler.root = root
    Handler.log_path = log
    open(log, "a").close()
    srv = Server((addr, int(port)), Handler)
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()
