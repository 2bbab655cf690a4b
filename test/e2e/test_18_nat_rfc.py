# SPDX-License-Identifier: BSD-3-Clause
"""What a NAT is held to (RFC 5382, RFC 7857, RFC 6056), seen from real clients:

* impossible TCP flag sets (SYN+FIN, no flags) are dropped and counted, and make no
  session;
* an off-path attacker who knows the 4-tuple but not the sequence numbers cannot tear a
  connection down with a RST or a FIN: they are dropped and counted and the connection
  keeps working, while the server's own RST, at its sequence number, still resets it;
* NAT ports are not predictable: a LAN host's datagrams from 200 consecutive ports
  leave from ports spread over the NAT range, not in sequence.
"""
import json
import os

import pytest

from conftest import HERE, PY, SERVER, UDP_PORT

HOLD = os.path.join(HERE, "tcp_hold.py")
SPOOF = os.path.join(HERE, "tcp_spoof.py")
HOLD_PORT = 9100


def drops(lab, reason):
    d = lab.status()["drops"]
    assert reason in d, sorted(d)
    return d[reason]


def test_invalid_tcp_flags_dropped(lab):
    before = lab.status()
    script = (
        "from scapy.all import *\n"
        "conf.verb = 0\n"
        "for f in ['SF', '', 'F', 'SR', 'FPU']:\n"
        "    send(IP(dst='%s')/TCP(sport=33000, dport=80, flags=f, seq=1), count=2)\n" % SERVER)
    lab.run("lan", [PY, "-c", script], timeout=60, check=True)
    after = lab.wait_for(
        lambda: (lambda s: s if s["drops"]["tcp_invalid_flags"] >=
                 before["drops"]["tcp_invalid_flags"] + 10 else None)(lab.status()),
        5, "tcp_invalid_flags to rise by 10")
    assert after["drops"]["tcp_invalid_flags"] == before["drops"]["tcp_invalid_flags"] + 10
    assert after["counters"]["sessions_created"] == before["counters"]["sessions_created"]


@pytest.fixture
def held(lab):
    """A TCP connection from the LAN host to SERVER:HOLD_PORT, with a sniffer in inet
    that records what the server sends."""
    d = os.path.join(lab.workdir, "hold")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    srv = lab.start_bg("inet", [PY, HOLD, "server", SERVER, str(HOLD_PORT),
                                os.path.join(d, "srv.ready")], "tcp-hold-srv",
                       ready_file=os.path.join(d, "srv.ready"))
    sniffed = os.path.join(d, "sniffed")
    sn = lab.start_bg("inet", [PY, SPOOF, "sniff", "isp1,isp2", str(HOLD_PORT), sniffed,
                               os.path.join(d, "sniff.ready")], "tcp-sniff",
                      ready_file=os.path.join(d, "sniff.ready"), ready_timeout=20)
    cl = lab.start_bg("lan", [PY, HOLD, "client", SERVER, str(HOLD_PORT), d],
                      "tcp-hold-client", ready_file=os.path.join(d, "ready"))
    try:
        yield d, sniffed
    finally:
        for bg in (cl, sn, srv):
            lab.stop_bg(bg)


def server_edge(lab, sniffed, n_segments):
    """The server's next sequence number, the client's NATed address and port, once
    the sniffer has seen n_segments data segments from the server."""
    def seen():
        with open(sniffed) as f:
            segs = [json.loads(ln) for ln in f if ln.strip()]
        data = [s for s in segs if s["len"] > 0]
        return data if len(data) >= n_segments else None
    data = lab.wait_for(seen, 10, "%d data segments from the server" % n_segments)
    last = data[-1]
    return (last["seq"] + last["len"]) % (1 << 32), last["dst"], last["dport"]


def step(lab, d, name, expect):
    open(os.path.join(d, name), "w").close()

    def result():
        with open(os.path.join(d, "log")) as f:
            lines = [ln.split() for ln in f]
        return [ln for ln in lines if ln[0] == name]
    got = lab.wait_for(result, 15, "the client's %s" % name)
    assert got[0][1] == expect, got


def spoof(lab, flags, seq, dst, dport, ack=0):
    lab.run_json("inet", [PY, SPOOF, "send", SERVER, str(HOLD_PORT), dst, str(dport), flags,
                          str(seq), str(ack)], timeout=30)


def test_off_path_rst_and_fin_ignored(lab, held):
    d, sniffed = held
    seq, dst, dport = server_edge(lab, sniffed, 1)
    assert dst in ("198.18.1.2", "198.18.2.2"), dst
    before = drops(lab, "tcp_rst_fin_out_of_window")
    # the attacker knows the 4-tuple, not the sequence numbers
    for off in (100000000, -100000000, (1 << 31) - 7, 3000000):
        spoof(lab, "R", seq + off, dst, dport)
    spoof(lab, "RA", seq + 50000000, dst, dport)
    spoof(lab, "FA", seq - 40000000, dst, dport)
    lab.wait_for(lambda: drops(lab, "tcp_rst_fin_out_of_window") >= before + 6, 5,
                 "six out-of-window segments counted")
    assert drops(lab, "tcp_rst_fin_out_of_window") == before + 6
    step(lab, d, "go1", "ok")     # the connection still works both ways
    # the server's own RST, at its next sequence number, is passed on and resets
    seq, dst, dport = server_edge(lab, sniffed, 2)
    spoof(lab, "R", seq, dst, dport)
    step(lab, d, "go2", "reset")
    assert drops(lab, "tcp_rst_fin_out_of_window") == before + 6


def test_nat_ports_unpredictable(lab, udp_echo):
    script = (
        "import socket, json\n"
        "out = []\n"
        "for p in range(20000, 20200):\n"
        "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    s.bind(('198.18.0.10', p)); s.settimeout(2)\n"
        "    for _ in range(3):\n"
        "        s.sendto(b'WHO', ('%s', %d))\n"
        "        try:\n"
        "            out.append(s.recvfrom(100)[0].decode()); break\n"
        "        except socket.timeout:\n"
        "            pass\n"
        "    s.close()\n"
        "print(json.dumps(out))\n" % (SERVER, UDP_PORT))
    seen = lab.run_json("lan", [PY, "-c", script], timeout=120)
    assert len(seen) == 200, seen
    ports = [int(x.split()[1]) for x in seen]
    assert all(41000 <= p <= 65535 for p in ports), ports
    # the client's own ports are outside the NAT range: every one was chosen by us
    adjacent = sum(1 for a, b in zip(ports, ports[1:]) if b == a + 1)
    assert adjacent < 10, ("NAT ports follow each other", ports)
    assert max(ports) - min(ports) > 8000, ("NAT ports bunched", ports)
    assert len(set(zip([x.split()[0] for x in seen], ports))) == 200
