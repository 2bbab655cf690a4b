# SPDX-License-Identifier: BSD-3-Clause
"""A TCP connection held open on command, for the e2e tests of TCP tracking.

  tcp_hold.py server ADDR PORT READYFILE       echo server: one line in, the same out
  tcp_hold.py client ADDR PORT DIR             connect, then follow the steps below

The client connects, sends "a", reads the echo and creates DIR/ready; then for each
step file DIR/go1, DIR/go2 ... (waited for, 60 s at most each) it sends the step's
name, reads the echo, and appends "STEP ok", or "STEP reset" when the connection was
reset, or "STEP error ..." to DIR/log. After a reset it stops.
"""
import os
import socket
import sys
import threading
import time


def serve(addr, port, ready):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(8)
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())

    def echo(c):
        with c:
            f = c.makefile("rb")
            for line in f:
                c.sendall(line)

    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def client(addr, port, d):
    s = socket.create_connection((addr, int(port)), timeout=10)
    f = s.makefile("rb")
    s.sendall(b"a\n")
    assert f.readline() == b"a\n"
    log = open(os.path.join(d, "log"), "a", buffering=1)
    with open(os.path.join(d, "ready"), "w") as r:
        r.write("%s %d\n" % s.getsockname())
    for i in range(1, 10):
        step = "go%d" % i
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(d, step)):
            if time.monotonic() > deadline:
                log.write("%s error: never asked\n" % step)
                return
            time.sleep(0.05)
        try:
            s.sendall(step.encode() + b"\n")
            got = f.readline()
            if got == step.encode() + b"\n":
                log.write("%s ok\n" % step)
            elif got == b"":
                log.write("%s error: closed\n" % step)
                return
            else:
                log.write("%s error: got %r\n" % (step, got))
        except ConnectionResetError:
            log.write("%s reset\n" % step)
            return
        except OSError as e:
            log.write("%s error %r\n" % (step, e))
            return


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(*sys.argv[2:5])
    else:
        client(*sys.argv[2:5])
