# SPDX-License-Identifier: BSD-3-Clause
"""Operators' tools (issue 11): packet capture and DPDK telemetry against the running
dataplane.

* `dpwanctl capture` (POST /api/v1/capture): the libpcap filter runs in the dataplane on
  the captured port only; a capture of `udp port 5353` on the LAN while other traffic
  flows holds exactly the matching packets, read back with scapy; count, status, the
  errors (bad filter, unknown port, one at a time, read-only token).
* DPDK's own dpdk-dumpcap works against the dataplane with a BPF filter (it is a DPDK
  secondary process: run here with the PCI bus hidden, so it can probe no NIC).
* The dataplane's /dpwan/* telemetry commands, read on DPDK's telemetry socket and with
  dpdk-telemetry.py, agree with the REST API."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
from scapy.all import ICMP, IP, UDP, rdpcap

from conftest import LAB, PY, SERVER, UDP_PORT

PREFIX = "dpwan-lab"
TELEMETRY = "/var/run/dpdk/%s/dpdk_telemetry.v2" % PREFIX
LAN_HOST = "198.18.0.10"
MDNS = "224.0.0.251"


def telemetry(*cmds):
    """Answers of DPDK's telemetry socket to CMDS, as parsed JSON values."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(TELEMETRY)
        hello = json.loads(s.recv(1024).decode())
        out = []
        for c in cmds:
            s.send(c.encode())
            reply = json.loads(s.recv(hello["max_output_len"]).decode())
            out.append(reply[c.split(",")[0]])
        return out
    finally:
        s.close()


def send_lan(lab, script):
    """Run a short Python script in the lan namespace (socket imported)."""
    lab.run("lan", [PY, "-c", "import socket, time\n" + script], timeout=30, check=True)


SEND_MIXED = """
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for i in range(%(n)d):
    u.sendto(b'match-mc-%%d' %% i, ('%(mdns)s', 5353))
    u.sendto(b'match-uc-%%d' %% i, ('%(server)s', 5353))
    u.sendto(b'noise-%%d' %% i, ('%(server)s', %(echo)d))
    u.sendto(b'near-%%d' %% i, ('%(server)s', 5354))
    time.sleep(0.01)
"""


def start_capture(lab, name, *args):
    """dpwanctl capture ARGS in the background; returns (bg, pcap path) once the API
    shows it running."""
    path = os.path.join(lab.workdir, name + ".pcap")
    bg = lab.start_bg(None, [LAB, "ctl", "capture", *args, "-w", path], name)
    lab.wait_for(lambda: lab.api_json("GET", "/api/v1/capture")[0]["active"] or
                 not bg.alive(), 10, "the capture to start")
    assert bg.alive() or os.path.exists(path), bg.output()
    return bg, path


def finish_capture(lab, bg, timeout=25):
    rc = bg.wait(timeout)
    out = bg.output()
    lab.stop_bg(bg)
    assert rc == 0, "dpwanctl capture: exit %s\n%s" % (rc, out)
    return out


def test_capture_holds_exactly_the_matching_packets(lab, udp_echo):
    """udp port 5353 on the LAN port for 4 s while UDP to other ports and pings flow:
    the file holds each of our 5353 datagrams (multicast and unicast) once, nothing
    else, with timestamps inside the capture."""
    n = 8
    t0 = time.time()
    bg, path = start_capture(lab, "cap-5353", "lan", "--filter", "udp port 5353",
                             "--duration", "4")
    ping = lab.start_bg("lan", ["ping", "-c", "10", "-i", "0.1", SERVER], "cap-ping")
    send_lan(lab, SEND_MIXED % {"n": n, "mdns": MDNS, "server": SERVER, "echo": UDP_PORT})
    out = finish_capture(lab, bg)
    t1 = time.time()
    lab.stop_bg(ping)
    pkts = rdpcap(path)
    got = []
    for p in pkts:
        assert UDP in p and 5353 in (p[UDP].sport, p[UDP].dport), \
            "a packet the filter should have left out: %s" % p.summary()
        assert t0 - 1 <= float(p.time) <= t1 + 1, "timestamp %s outside the capture" % p.time
        got.append(bytes(p[UDP].payload))
    want = sorted([b"match-mc-%d" % i for i in range(n)] + [b"match-uc-%d" % i for i in range(n)])
    assert sorted(got) == want, "captured %r" % sorted(got)
    assert "%d packets captured on lan" % (2 * n) in out and "ended by duration" in out, out
    st, _ = lab.api_json("GET", "/api/v1/capture")
    assert st["active"] is False and st["last"]["packets"] == 2 * n, st
    assert st["last"]["stopped_by"] == "duration" and st["last"]["dropped"] == 0, st
    # the echo replies came back (the other traffic really flowed meanwhile)
    assert udp_echo.sources(), "the UDP echo server saw nothing"


def test_capture_on_a_wan_by_count(lab, udp_echo):
    """A WAN by its name, --count 6: the capture ends at six packets, every one of them
    UDP to or from the echo port with wan1's address on the wire side."""
    bg, path = start_capture(lab, "cap-wan1", "wan1", "--filter",
                             "udp port %d" % UDP_PORT, "--count", "6", "--duration", "15")
    # many flows (a new source port each), so that the policy puts some on wan1
    send_lan(lab, """
for i in range(40):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b'wan-%%d' %% i, ('%s', %d))
    u.close()
    time.sleep(0.02)
""" % (SERVER, UDP_PORT))
    out = finish_capture(lab, bg)
    pkts = rdpcap(path)
    assert len(pkts) == 6, [p.summary() for p in pkts]
    for p in pkts:
        assert UDP_PORT in (p[UDP].sport, p[UDP].dport), p.summary()
        assert "198.18.1.2" in (p[IP].src, p[IP].dst), "not wan1's traffic: " + p.summary()
    assert "ended by count" in out, out


def test_capture_filter_dpdk_cannot_convert(lab):
    """icmp[icmptype] == icmp-echo: DPDK 22.11 converts its byte load at a variable
    offset wrongly, so dpwan-control runs it itself: the echo requests of a ping and
    nothing else (not the replies)."""
    bg, path = start_capture(lab, "cap-echo", "lan", "--filter",
                             "icmp[icmptype] == icmp-echo", "--duration", "3")
    lab.run("lan", ["ping", "-c", "3", "-i", "0.2", SERVER], timeout=10, check=True)
    out = finish_capture(lab, bg)
    pkts = rdpcap(path)
    assert [(p[IP].src, p[ICMP].type) for p in pkts] == [(LAN_HOST, 8)] * 3, \
        [p.summary() for p in pkts]
    assert "filtered in dpwan-control" in out, out
    assert lab.api_json("GET", "/api/v1/capture")[0]["last"]["filter_in"] == "control"


def test_capture_errors(lab):
    """What is wrong is said and nothing starts: a filter libpcap refuses, an unknown
    port, members the API does not know, a bound out of range; a read-only token is
    refused; one capture at a time; DELETE with none running. dpwan-control stays up."""
    control = lab.api_status()["control"]["pid"]
    for body, where in (({"port": "lan", "filter": "udp port banana"}, "filter"),
                        ({"port": "nope"}, "nope"),
                        ({"port": "lan", "colour": "red"}, "colour"),
                        ({"port": "lan", "duration": 0}, "duration"),
                        ({"port": "lan", "duration": 601}, "duration"),
                        ({}, "port")):
        j, r = lab.api_json("POST", "/api/v1/capture", json.dumps(body), want=400)
        assert where in j["detail"] or where in json.dumps(j.get("errors")), (body, j)
    assert lab.api_json("GET", "/api/v1/capture")[0]["active"] is False
    lab.api_json("DELETE", "/api/v1/capture", want=409)

    tok, _ = lab.api_json("POST", "/api/v1/tokens", json.dumps({"role": "read-only"}),
                          want=201)
    try:
        for m, body in (("POST", json.dumps({"port": "lan"})), ("GET", None),
                        ("DELETE", None)):
            r = lab.api(m, "/api/v1/capture", body, token=tok["token"])
            assert r.code == 403, (m, r.code, r.text)
    finally:
        lab.api_json("DELETE", "/api/v1/tokens/" + tok["id"], want=204)

    bg, path = start_capture(lab, "cap-busy", "lan", "--duration", "20")
    try:
        j, _ = lab.api_json("POST", "/api/v1/capture", json.dumps({"port": "wan2"}),
                            want=409)
        assert "one at a time" in j["detail"], j
        st, _ = lab.api_json("GET", "/api/v1/capture")
        assert st["active"] and st["port"] == "lan" and st["filter"] == "", st
        lab.api_json("DELETE", "/api/v1/capture", want=204)
        out = finish_capture(lab, bg, timeout=10)
        assert "ended by stopped" in out, out
        rdpcap(path)   # a whole file even when stopped early
    finally:
        if bg in lab.bgs:
            lab.stop_bg(bg)
    time.sleep(0.5)    # a timer of the ended capture must not fire into nothing
    assert lab.api_status()["control"]["pid"] == control, "dpwan-control restarted"


def dumpcap(lab, *args, timeout=30):
    """dpdk-dumpcap against the lab's dataplane in a mount namespace whose
    /sys/bus/pci/devices is empty: as a DPDK secondary it would otherwise scan the PCI
    bus (it has no --no-pci), and here it must never touch the machine's NIC."""
    exe = shutil.which("dpdk-dumpcap")
    if exe is None:
        pytest.fail("dpdk-dumpcap is not installed (tools/install-deps installs dpdk)")
    cmd = ("mount -t tmpfs none /sys/bus/pci/devices && "
           "exec stdbuf -oL -eL %s --file-prefix=%s %s") % (
        exe, PREFIX, " ".join("'%s'" % a for a in args))
    return ["timeout", str(timeout), "unshare", "-m", "--propagation", "private", "sh", "-c",
            cmd]


def test_dpdk_dumpcap_with_a_bpf_filter(lab, udp_echo):
    """DPDK's dumpcap lists the dataplane's ports and captures the LAN port with -f icmp:
    the echo requests and replies of a ping, not the UDP exchange meanwhile (a pcapng
    file)."""
    ports = telemetry("/dpwan/ports")[0]
    lan_port = ports["lan"]["dpdk_port"]
    p = subprocess.run(dumpcap(lab, "-D"), capture_output=True, text=True, timeout=40)
    assert p.returncode == 0, p.stdout + p.stderr
    names = [ln.split(". ", 1)[1].strip() for ln in p.stdout.splitlines() if ". " in ln]
    assert len(names) > lan_port, p.stdout
    path = os.path.join(lab.workdir, "dumpcap.pcapng")
    bg = lab.start_bg(None, dumpcap(lab, "-i", names[lan_port], "-p", "-f", "icmp", "-c",
                                    "6", "-a", "duration:15", "-w", path), "dumpcap")
    try:
        lab.wait_for(lambda: "Capturing on" in bg.output() or not bg.alive(), 15,
                     "dpdk-dumpcap to start")
        # the reply is awaited: a closed socket would have the host answer it with ICMP
        send_lan(lab, "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                      "u.settimeout(5)\n"
                      "u.sendto(b'not-icmp', ('%s', %d))\n"
                      "u.recv(100)" % (SERVER, UDP_PORT))
        lab.run("lan", ["ping", "-c", "3", "-i", "0.2", SERVER], timeout=10, check=True)
        rc = bg.wait(20)
        assert rc == 0, "dpdk-dumpcap: exit %s\n%s" % (rc, bg.output())
    finally:
        lab.stop_bg(bg)
    pkts = rdpcap(path)
    assert len(pkts) == 6, [x.summary() for x in pkts]
    kinds = sorted(x[ICMP].type for x in pkts)
    assert kinds == [0, 0, 0, 8, 8, 8], [x.summary() for x in pkts]
    assert {x[IP].src for x in pkts} == {LAN_HOST, SERVER}
    # the API's capture was not disturbed: the port is free for it again
    assert lab.api_json("GET", "/api/v1/capture")[0]["active"] is False


def test_telemetry_commands(lab):
    """The /dpwan commands are listed beside DPDK's own and agree with the API."""
    listing, info, wans = telemetry("/", "/dpwan/info", "/dpwan/wans")
    for c in ("/dpwan/info", "/dpwan/wans", "/dpwan/ports", "/dpwan/workers", "/dpwan/stats",
              "/dpwan/sessions", "/dpwan/drops", "/ethdev/list"):
        assert c in listing, c
    st = lab.api_status()
    assert info["workers"] == st["dataplane"]["workers"], (info, st["dataplane"])
    assert info["config_generation"] == st["config"]["generation"]
    api_wans, _ = lab.api_json("GET", "/api/v1/wans")
    api_wans = api_wans["wans"] if isinstance(api_wans, dict) else api_wans
    assert wans == [w["name"] for w in api_wans]
    for w in api_wans:
        t = telemetry("/dpwan/wans," + w["name"])[0]
        assert t["state"] == w["state"] and t["address"] == w["address"], (t, w)
    assert telemetry("/dpwan/wans,nope")[0] is None
    assert telemetry("/dpwan/workers")[0] == list(range(info["workers"]))

    before_stats, before_w = telemetry("/dpwan/stats", "/dpwan/workers,0")
    lab.run("lan", ["ping", "-c", "3", "-i", "0.2", SERVER], timeout=10, check=True)
    after_stats, after_w, sess, drops = telemetry("/dpwan/stats", "/dpwan/workers,0",
                                                  "/dpwan/sessions", "/dpwan/drops")
    assert after_stats["rx_packets"] >= before_stats["rx_packets"] + 6
    assert after_w["iterations"] > before_w["iterations"]
    assert sess["active"] == sum(sess["active_per_worker"])
    assert sess["capacity"] == sess["capacity_per_worker"] * info["workers"]
    assert set(drops) == set(lab.status()["drops"]), "drop reasons differ from the API's"

    # DPDK's own client: what collectors use
    exe = shutil.which("dpdk-telemetry.py")
    assert exe, "dpdk-telemetry.py is not installed (tools/install-deps installs dpdk)"
    p = subprocess.run([exe, "-f", PREFIX], input="/dpwan/info\n/dpwan/ports\nquit\n",
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stdout + p.stderr
    assert '"/dpwan/info"' in p.stdout and '"workers"' in p.stdout, p.stdout
    assert '"dpdk_port"' in p.stdout, p.stdout


def test_capture_of_a_port_dumpcap_holds(lab):
    """While dpdk-dumpcap captures the LAN port, the API's capture of it is refused
    with what to do (409); with force it stops dumpcap's capture and runs."""
    lan = telemetry("/dpwan/ports")[0]["lan"]["dpdk_port"]
    path = os.path.join(lab.workdir, "dumpcap-held.pcapng")
    bg = lab.start_bg(None, dumpcap(lab, "-i", str(lan), "-p", "-a", "duration:25", "-w",
                                    path), "dumpcap-held")
    try:
        lab.wait_for(lambda: "Capturing on" in bg.output() or not bg.alive(), 15,
                     "dpdk-dumpcap to start")
        assert bg.alive(), bg.output()
        j, _ = lab.api_json("POST", "/api/v1/capture", json.dumps({"port": "lan"}), want=409)
        assert "already being captured" in j["detail"] and "force" in j["detail"], j
        r = lab.api("POST", "/api/v1/capture", json.dumps({"port": "lan", "duration": 2,
                                                           "force": True}), timeout=20)
        assert r.code == 200 and r.media == "application/vnd.tcpdump.pcap", r
        assert r.header("X-Capture-Stopped-By") == "duration", r.headers
    finally:
        lab.stop_bg(bg)
