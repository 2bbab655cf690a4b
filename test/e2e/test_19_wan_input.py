# SPDX-License-Identifier: BSD-3-Clause
"""The WAN input policy (DESIGN.md s1): the router's own host is not open to the
Internet. A service listening on every address of the appliance is reachable from the
LAN on 198.18.0.1 but from no ISP or Internet host on either WAN address; echo requests
are answered (reply_to_ping, on by default); the host's own connections out of a WAN get
their answers; and a flood at a WAN address is cut by the per-class policers, so pings
to the router, new LAN connections and the host's own traffic keep working meanwhile.
"""
import json
import os

import pytest

from conftest import HERE, PY, SERVER, HTTP_PORT

FLOOD = os.path.join(HERE, "flood.py")
SVC_PORT = 2222
WANS = {"wan1": ("198.18.1.2", "isp1"), "wan2": ("198.18.2.2", "isp2")}

LISTENER = r"""
import socket, sys, threading
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", %d)); t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", %d))
def udp():
    while True:
        d, a = u.recvfrom(2048); u.sendto(b"udp-hello", a)
threading.Thread(target=udp, daemon=True).start()
open(sys.argv[1], "w").close()
while True:
    c, a = t.accept(); c.sendall(b"tcp-hello\n"); c.close()
""" % (SVC_PORT, SVC_PORT)

PROBE = r"""
import json, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
try:
    s = socket.create_connection((host, port), timeout=1.5); out["tcp"] = s.recv(64).decode()
except OSError as e:
    out["tcp"] = "error: %r" % e
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1.5)
u.sendto(b"hi", (host, port))
try:
    out["udp"] = u.recv(64).decode()
except OSError as e:
    out["udp"] = "error: %r" % e
print(json.dumps(out))
"""


def counters(lab):
    s = lab.status()
    return s["drops"], s["exception_path"]


@pytest.fixture(scope="module")
def listener(lab):
    ready = os.path.join(lab.workdir, "listener.ready")
    bg = lab.start_bg("appliance", [PY, "-c", LISTENER, ready], "any-listener",
                      ready_file=ready)
    yield
    lab.stop_bg(bg)


def probe(lab, ns, host):
    return lab.run_json(ns, [PY, "-c", PROBE, host, str(SVC_PORT)], timeout=20)


def test_listener_on_all_addresses_only_from_lan(lab, listener):
    assert probe(lab, "lan", "198.18.0.1") == {"tcp": "tcp-hello\n", "udp": "udp-hello"}
    before, _ = counters(lab)
    tries = 0
    for name, (addr, isp) in WANS.items():
        for ns in (isp, "inet"):
            r = probe(lab, ns, addr)
            tries += 2
            assert r["tcp"].startswith("error") and r["udp"].startswith("error"), \
                (ns, addr, r)
    after, _ = counters(lab)
    # a SYN (and retransmissions) and a datagram per try, every one dropped at the door
    assert after["wan_input_denied"] >= before["wan_input_denied"] + tries, (before, after)


def test_echo_request_answered(lab):
    # from the ISP routers: the appliance's host has no route to the Internet (its own
    # traffic leaves by a WAN's routing table or a bound socket)
    _, before = counters(lab)
    for addr, isp in WANS.values():
        p = lab.run(isp, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", addr], timeout=20)
        assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    _, after = counters(lab)
    assert after["wan_echo_request"]["punted"] >= before["wan_echo_request"]["punted"] + 6


@pytest.fixture
def host_route(lab):
    """Let the appliance's host itself reach the inet server through wan1."""
    lab.run("appliance", ["ip", "route", "add", SERVER + "/32", "via", "198.18.1.1", "dev",
                          "dpw-wan1"], check=True)
    yield
    lab.run("appliance", ["ip", "route", "del", SERVER + "/32"])


def test_host_own_traffic_answered(lab, http_server, host_route):
    _, before = counters(lab)
    p = lab.run("appliance", ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "198.18.1.1"],
                timeout=20)
    assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    p = lab.run("appliance", ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w",
                              "%{http_code}", http_server.url("/")], timeout=15)
    assert p.stdout == "200" or p.stdout == "404", p.stdout + p.stderr
    _, after = counters(lab)
    assert after["wan_host_reply"]["punted"] >= before["wan_host_reply"]["punted"] + 3 + 2


def test_flood_at_wan_address_is_contained(lab, http_server, host_route):
    d0, e0 = counters(lab)
    stop = os.path.join(lab.workdir, "flood.stop")
    if os.path.exists(stop):
        os.unlink(stop)
    bg = lab.start_bg("inet", [PY, FLOOD, SERVER, "198.18.1.2", "400000", "20", stop, "20000"],
                      "flood")
    try:
        # meanwhile: pings to the router, new LAN connections, the host's own probes
        p = lab.run("lan", ["ping", "-n", "-c", "10", "-i", "0.1", "-W", "1", "198.18.0.1"],
                    timeout=20)
        assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
        for _ in range(5):
            r = lab.run("lan", ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w",
                                "%{http_code}", http_server.url("/")], timeout=15)
            assert r.stdout in ("200", "404"), r.stdout + r.stderr
        p = lab.run("appliance", ["ping", "-n", "-c", "10", "-i", "0.1", "-W", "1",
                                  "198.18.1.1"], timeout=20)
        assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
        assert bg.alive(), "the flood ended before the checks: " + bg.output()
    finally:
        open(stop, "w").close()
        bg.wait(30)
        lab.stop_bg(bg)
    sent = json.loads(bg.output().strip().splitlines()[-1])["sent"]
    d1, e1 = counters(lab)
    assert sent > 3000, sent
    policed = e1["wan_echo_request"]["policed"] - e0["wan_echo_request"]["policed"]
    denied = d1["wan_input_denied"] - d0["wan_input_denied"]
    assert policed > 0, (e0, e1)
    assert denied > sent / 3, (denied, sent)
    assert d1["exception_path_full"] == d0["exception_path_full"], (d0, d1)
    assert e1["wan_host_reply"]["policed"] == e0["wan_host_reply"]["policed"]
    # what got through to the kernel is bounded by the echo class's rate, not the flood
    echoed = e1["wan_echo_request"]["punted"] - e0["wan_echo_request"]["punted"]
    assert echoed < sent / 10, (echoed, sent)
