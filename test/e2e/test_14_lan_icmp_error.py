# SPDX-License-Identifier: BSD-3-Clause
"""ICMP errors sent by a LAN host about a NATed flow reach the remote peer, translated,
whichever worker receives them: a UDP client closes its socket, the server sends once
more to the NAT address, the client's kernel answers "port unreachable", and the
server's connected socket must see ECONNREFUSED. With several workers the error usually
arrives at a worker that does not hold the session and is passed round to the one that
does."""
import json
import os

from conftest import PY, SERVER

N = 12
BASE_PORT = 9100

SERVER_PY = r"""
import json, os, socket, sys, time
n, base, trigger = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("%s", base + i))
    s.settimeout(20)
    socks.append(s)
print("# ready", flush=True)
peers = []
for s in socks:
    data, peer = s.recvfrom(100)
    s.connect(peer)
    s.send(b"ok")
    peers.append(peer)
print("# connected", flush=True)
deadline = time.time() + 30
while not os.path.exists(trigger) and time.time() < deadline:
    time.sleep(0.05)
res = []
for s in socks:
    s.settimeout(3)
    s.send(b"again")
    try:
        s.recv(100)
        res.append("answered")
    except ConnectionRefusedError:
        res.append("refused")
    except socket.timeout:
        res.append("timeout")
print(json.dumps({"peers": ["%%s:%%d" %% p for p in peers], "results": res}), flush=True)
""" % SERVER

CLIENT_PY = r"""
import socket, sys
n, base, server = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"hello", (server, base + i))
    assert s.recv(100) == b"ok"
    s.close()
print("done", flush=True)
"""


def test_lan_icmp_error_reaches_the_peer(lab):
    trigger = os.path.join(lab.workdir, "icmp-trigger")
    old = lab.run("lan", ["sysctl", "-n", "net.ipv4.icmp_ratelimit"], timeout=10).stdout.strip()
    # the LAN host's kernel would send only a few errors a second to one peer
    lab.run("lan", ["sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"], timeout=10, check=True)
    srv = lab.start_bg("inet", [PY, "-c", SERVER_PY, str(N), str(BASE_PORT), trigger],
                       "udp-refused-server")
    try:
        lab.wait_for(lambda: "# ready" in srv.output() or not srv.alive(), 10, "server ready")
        c = lab.run("lan", [PY, "-c", CLIENT_PY, str(N), str(BASE_PORT), SERVER], timeout=60)
        assert "done" in c.stdout, c.stdout + c.stderr
        lab.wait_for(lambda: "# connected" in srv.output() or not srv.alive(), 10,
                     "server saw every client")
        before = lab.status()
        open(trigger, "w").close()
        srv.wait(60)
        r = json.loads(srv.output().strip().splitlines()[-1])
    finally:
        lab.stop_bg(srv)
        if os.path.exists(trigger):
            os.unlink(trigger)
        lab.run("lan", ["sysctl", "-qw", "net.ipv4.icmp_ratelimit=%s" % (old or "1000")],
                timeout=10)
    assert all(p.split(":")[0] in ("198.18.1.2", "198.18.2.2") for p in r["peers"]), r
    assert r["results"] == ["refused"] * N, r
    after = lab.status()
    assert after["drops"]["icmp_error_no_session"] == before["drops"]["icmp_error_no_session"], \
        (before["drops"], after["drops"])
