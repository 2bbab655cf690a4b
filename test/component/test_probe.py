#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The health-check probe engine (control/probe*.c) for real, through probe_cli: two
network namespaces of this test's own joined by veths. "prb-a" (the probing side) has
198.18.250.2 on pr0, reached the servers through policy routing as the appliance's TAPs
will (rules "oif pr0" and "from 198.18.250.2" to table 250: default via 198.18.250.1 dev
pr0), and a decoy path pr9 (198.18.251.2) that its main table's default route uses.
"prb-b" (the servers) has the 198.19.250.x addresses on lo: the kernel answers
ping, probe_srv.py answers DNS (NOERROR, NXDOMAIN, garbled, silent), HTTP(S) and TCP.
Unconfigured 198.19.250.9x addresses are silence (prb-b does not forward).
Checks each method's up and down verdicts and details, the timeouts, 32 probes at once,
that probes leave by pr0 with 198.18.250.2, cancellation, and the CPU cost of 500
pings/s. Needs root (exit 77, skipped, without); everything is removed, also on failure.
Run: /usr/bin/python3 test_probe.py (or python3 -m pytest test_probe.py).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import pytest

BUILD = os.environ.get("DPWAN_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
CLI = os.path.join(BUILD, "test/component/probe_cli")
SRV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_srv.py")
TAG = os.getpid() % 10000
NS_A, NS_B = f"prb-a{TAG}", f"prb-b{TAG}"
SRC = "198.18.250.2"
DECOY_SRC = "198.18.251.2"
SERVERS = [f"198.19.250.{10 + i}" for i in range(8)]
SILENT = [f"198.19.250.{90 + i}" for i in range(8)]
DNS_SILENT = "198.19.250.20"
UNREACH_NET, UNREACH = "198.19.251.0/24", "198.19.251.1"   # an unreachable route
VIA = f"if=pr0,src={SRC}"

if os.geteuid() != 0 and __name__ != "__main__":
    pytest.skip("needs root (network namespaces)", allow_module_level=True)


def sh(*cmd, ns=None, check=True, timeout=20):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {r.returncode} {r.stderr.strip()}")
    return r


def wait_for(pred, what, limit=10.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Lab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.logs = {}

    def setup(self):
        a, b = NS_A, NS_B
        sh("ip", "netns", "add", a)
        sh("ip", "netns", "add", b)
        sh("ip", "link", "add", "pr0", "netns", a, "type", "veth", "peer", "pb0", "netns", b)
        sh("ip", "link", "add", "pr9", "netns", a, "type", "veth", "peer", "pb9", "netns", b)
        for ns in (a, b):
            sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", ns=a)
        sh("sysctl", "-qw", "net.ipv4.conf.default.rp_filter=1", ns=a)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=b)
        sh("ip", "addr", "add", f"{SRC}/24", "dev", "pr0", ns=a)
        sh("ip", "addr", "add", f"{DECOY_SRC}/24", "dev", "pr9", ns=a)
        # pr7: a WAN whose link is down (never set up)
        sh("ip", "link", "add", "pr7", "netns", a, "type", "veth", "peer", "pb7", "netns", b)
        sh("ip", "addr", "add", "198.18.252.2/24", "dev", "pr7", ns=a)
        for dev in ("pr0", "pr9"):
            sh("ip", "link", "set", dev, "up", ns=a)
        sh("ip", "rule", "add", "oif", "pr0", "table", "250", ns=a)
        sh("ip", "rule", "add", "from", SRC, "table", "250", ns=a)
        sh("ip", "route", "add", "default", "via", "198.18.250.1", "dev", "pr0",
           "table", "250", ns=a)
        sh("ip", "route", "add", "unreachable", UNREACH_NET, "table", "250", ns=a)
        sh("ip", "route", "add", "default", "via", "198.18.251.1", "dev", "pr9", ns=a)
        sh("ip", "addr", "add", "198.18.250.1/24", "dev", "pb0", ns=b)
        sh("ip", "addr", "add", "198.18.251.1/24", "dev", "pb9", ns=b)
        # the servers' addresses on lo (no dummy module needed)
        for addr in SERVERS + [DNS_SILENT]:
            sh("ip", "addr", "add", f"{addr}/32", "dev", "lo", ns=b)
        for dev in ("pb0", "pb9"):
            sh("ip", "link", "set", dev, "up", ns=b)
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
           "-subj", "/CN=prb.test", "-keyout", key, "-out", cert, timeout=60)
        self.start("dns", "dns", *sum([["--addr", s] for s in SERVERS], []))
        self.start("dns_silent", "dns", "--addr", DNS_SILENT, "--silent")
        self.start("http", "http", "--port", "80")
        self.start("https", "http", "--port", "443", "--tls", cert, key)
        self.start("tcp", "tcp", "--port", "7001")
        for name in self.logs:
            wait_for(lambda: "ready" in self.log(name), f"server {name}")

    def start(self, name, *args):
        path = os.path.join(self.tmp, name + ".log")
        open(path, "w").close()
        self.logs[name] = path
        p = subprocess.Popen(["ip", "netns", "exec", NS_B, "timeout", "600",
                              "/usr/bin/python3", SRV, args[0], "--log", path,
                              *args[1:]], stdout=subprocess.DEVNULL,
                             stderr=open(path + ".err", "w"))
        self.procs.append(p)

    def log(self, name):
        with open(self.logs[name]) as f:
            return f.read()

    def teardown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)

    def rx_packets(self, dev):
        r = sh("ip", "-s", "-j", "link", "show", dev, ns=NS_B)
        return json.loads(r.stdout)[0]["stats64"]["rx"]["packets"]


@pytest.fixture(scope="module")
def lab():
    tmp = tempfile.mkdtemp(prefix="prb-")
    lab = Lab(tmp)
    try:
        lab.setup()
        yield lab
    finally:
        lab.teardown()
        subprocess.run(["rm", "-rf", tmp], timeout=10)


def cli(*args, limit=30):
    """Run probe_cli in prb-a: (results, summary, wall seconds)."""
    t = time.monotonic()
    r = subprocess.run(["ip", "netns", "exec", NS_A, "timeout", str(limit), CLI, *args],
                       capture_output=True, text=True, timeout=limit + 5)
    wall = time.monotonic() - t
    assert r.returncode == 0, f"probe_cli rc {r.returncode}: {r.stderr}"
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    summary = [l for l in lines if l.get("summary")]
    assert len(summary) == 1, r.stdout
    s = summary[0]
    assert s["cb_in_start"] == 0, "a callback ran inside cp_probe_start"
    assert s["in_flight"] == 0 and s["pending"] == 0
    assert s["fds_after"] == s["fds_before"], f"sockets left open: {s}"
    return [l for l in lines if not l.get("summary")], s, wall


def by_tag(results):
    out = {}
    for r in results:
        assert r["tag"] not in out, f"two results for {r['tag']}"
        out[r["tag"]] = r
    return out


def test_ping(lab):
    res, s, _ = cli(f"method=ping,target={SERVERS[0]},{VIA},tag=up",
                    f"method=ping,target={SERVERS[1]},{VIA},size=1400,tag=big",
                    f"method=ping,target={SILENT[0]},{VIA},timeout=800,tag=silent",
                    f"method=ping,target={SERVERS[0]},if=pr7,tag=unreach")
    r = by_tag(res)
    assert len(r) == 4
    assert r["up"]["up"] and r["up"]["rtt_us"] > 0 and r["up"]["detail"] == "echo reply"
    assert r["big"]["up"]
    assert not r["silent"]["up"] and r["silent"]["detail"] == "timeout"
    assert 800 <= r["silent"]["t_ms"] <= 800 + 300
    # sendto refused at once (pr7 is down): down from the loop, not from start
    assert not r["unreach"]["up"] and r["unreach"]["detail"] == "network unreachable"
    assert r["unreach"]["t_ms"] < 200
    assert s["started"][1] == 4 and s["counted_up"][1] == 2 and s["counted_down"][1] == 2


def test_dns(lab):
    res, s, _ = cli(f"method=dns,target={SERVERS[0]},{VIA},query=ok.test,tag=noerror",
                    f"method=dns,target={SERVERS[1]},{VIA},query=nope.test,tag=nx",
                    f"method=dns,target={SERVERS[2]},{VIA},query=OK.Test.,tag=case",
                    f"method=dns,target={DNS_SILENT},{VIA},timeout=800,tag=silent",
                    f"method=dns,target={SERVERS[3]},{VIA},query=garbled.test,timeout=800,"
                    "tag=garbled",
                    f"method=dns,target=198.18.250.1,{VIA},timeout=800,tag=noserver")
    r = by_tag(res)
    assert r["noerror"]["up"] and r["noerror"]["detail"] == "NOERROR"
    assert r["noerror"]["rtt_us"] > 0
    assert r["nx"]["up"] and r["nx"]["detail"] == "NXDOMAIN"
    assert r["case"]["up"]
    assert not r["silent"]["up"] and r["silent"]["detail"] == "timeout"
    assert 800 <= r["silent"]["t_ms"] <= 1100
    # a response with another id and one cut short: ignored, the probe waits to the end
    assert not r["garbled"]["up"] and r["garbled"]["detail"] == "timeout"
    assert "garbled.test" in lab.log("dns")
    assert not r["noserver"]["up"] and r["noserver"]["detail"] == "port unreachable"


def test_http(lab):
    base = f"http://{SERVERS[0]}"
    mark = len(lab.log("http"))
    res, s, _ = cli(f"method=http,target={base}/ok,{VIA},match=ok,tag=ok",
                    f"method=http,target={base}/ok,{VIA},tag=nomatchneeded",
                    f"method=http,target={base}/nomatch,{VIA},match=ok,tag=nomatch",
                    f"method=http,target={base}/redirect,{VIA},tag=redirect",
                    f"method=http,target={base}/err,{VIA},tag=err",
                    f"method=http,target={base}/slow,{VIA},timeout=800,tag=slow",
                    f"method=http,target={base}/big?at=1000,{VIA},match=MATCHME,tag=big_early",
                    f"method=http,target={base}/big?at=16381,{VIA},match=MATCHME,tag=big_edge",
                    f"method=http,target={base}/big?at=70000,{VIA},match=MATCHME,tag=big_late",
                    f"method=http,target=http://{SERVERS[0]}:81/,{VIA},tag=refused",
                    f"method=http,target=http://{SILENT[0]}/,{VIA},timeout=800,tag=silent")
    r = by_tag(res)
    assert r["ok"]["up"] and r["ok"]["detail"] == "HTTP 200" and r["ok"]["rtt_us"] > 0
    assert r["nomatchneeded"]["up"]
    assert not r["nomatch"]["up"] and r["nomatch"]["detail"] == "no 'ok' in body"
    assert not r["redirect"]["up"] and r["redirect"]["detail"] == "HTTP 302"
    assert not r["err"]["up"] and r["err"]["detail"] == "HTTP 500"
    assert not r["slow"]["up"] and r["slow"]["detail"] == "timeout"
    assert 800 <= r["slow"]["t_ms"] <= 1100
    assert r["big_early"]["up"] and r["big_edge"]["up"]
    # only the first 64 KiB are read
    assert not r["big_late"]["up"] and r["big_late"]["detail"] == "no 'MATCHME' in body"
    assert not r["refused"]["up"] and r["refused"]["detail"] == "connection refused"
    assert not r["silent"]["up"] and r["silent"]["detail"] == "timeout"
    log = lab.log("http")[mark:]
    assert "dpwan-health/1" in log
    # the redirect was not followed: /ok was asked twice (ok, nomatchneeded), not thrice
    assert log.count(" /ok ") == 2


def test_https(lab):
    url = f"https://{SERVERS[0]}/ok"
    res, s, _ = cli(f"method=https,target={url},{VIA},verify=0,match=ok,tag=noverify",
                    f"method=https,target={url},{VIA},verify=1,tag=verify")
    r = by_tag(res)
    assert r["noverify"]["up"] and r["noverify"]["detail"] == "HTTP 200"
    assert not r["verify"]["up"] and r["verify"]["detail"].startswith("TLS: ")


def test_tcp(lab):
    res, s, _ = cli(f"method=tcp,target={SERVERS[0]},port=7001,{VIA},tag=open",
                    f"method=tcp,target={SERVERS[0]},port=7002,{VIA},tag=closed",
                    f"method=tcp,target={SILENT[0]},port=7001,{VIA},timeout=800,tag=silent")
    r = by_tag(res)
    assert r["open"]["up"] and r["open"]["detail"] == "connected" and r["open"]["rtt_us"] > 0
    assert not r["closed"]["up"] and r["closed"]["detail"] == "connection refused"
    assert not r["silent"]["up"] and r["silent"]["detail"] == "timeout"


def test_fail_at_once(lab):
    """sendto/connect refused inside cp_probe_start: a down result, delivered by the loop.
    A socket bound to a device never gets an unreachable route (the kernel then assumes
    the target on-link and ARPs), so: the device down, or only the source bound."""
    specs = []
    for m in ("ping", "dns", "tcp", "http"):
        t = f"http://{SERVERS[0]}/" if m == "http" else SERVERS[0]
        specs.append(f"method={m},target={t},port=7001,if=pr7,tag={m}_down")
        t = f"http://{UNREACH}/" if m == "http" else UNREACH
        specs.append(f"method={m},target={t},port=7001,src={SRC},tag={m}_unreach")
    res, s, _ = cli(*specs)
    r = by_tag(res)
    assert len(r) == 8
    for m in ("ping", "dns", "tcp", "http"):
        assert not r[m + "_down"]["up"], r[m + "_down"]
        assert r[m + "_down"]["detail"] == "network unreachable", r[m + "_down"]
        assert not r[m + "_unreach"]["up"], r[m + "_unreach"]
        assert r[m + "_unreach"]["detail"] == "host unreachable", r[m + "_unreach"]
    assert max(x["t_ms"] for x in res) < 200


def test_bad_specs(lab):
    for spec, err in [(f"method=ping,target={SERVERS[0]},if=nosuch0", "No such device"),
                      (f"method=ping,target={SERVERS[0]},src=198.18.99.9", "assign"),
                      (f"method=tcp,target={SERVERS[0]},{VIA}", "Invalid argument"),
                      (f"method=ping,target=not-an-address,{VIA}", "Invalid argument"),
                      (f"method=http,target=ftp://{SERVERS[0]}/,{VIA}", "Invalid argument"),
                      (f"method=dns,target={SERVERS[0]},query=a..b,{VIA}", "Invalid argument"),
                      (f"method=ping,target={SERVERS[0]},size=1473,{VIA}", "Invalid argument")]:
        r = subprocess.run(["ip", "netns", "exec", NS_A, "timeout", "10", CLI, spec],
                           capture_output=True, text=True, timeout=15)
        assert r.returncode == 2 and err in r.stderr, (spec, r.returncode, r.stderr)


def test_concurrent_silent(lab):
    """32 probes that all time out end together, after one timeout, not 32."""
    specs = []
    for i, t in enumerate(SILENT):
        specs += [f"method=ping,target={t},{VIA},timeout=1000,tag=ping{i}",
                  f"method=dns,target={t},{VIA},timeout=1000,tag=dns{i}",
                  f"method=http,target=http://{t}/,{VIA},timeout=1000,tag=http{i}",
                  f"method=tcp,target={t},port=7001,{VIA},timeout=1000,tag=tcp{i}"]
    res, s, wall = cli(*specs)
    r = by_tag(res)
    assert len(r) == 32
    assert all(not x["up"] and x["detail"] == "timeout" for x in r.values()), res
    assert max(x["t_ms"] for x in r.values()) <= 1000 + 300
    assert wall < 3.0


def test_concurrent_answered(lab):
    """32 answered probes, 8 of them HTTP requests the server holds 0.5 s: ~0.5 s in all."""
    specs = []
    for i, t in enumerate(SERVERS):
        specs += [f"method=ping,target={t},{VIA},tag=ping{i}",
                  f"method=dns,target={t},{VIA},query=ok.test,tag=dns{i}",
                  f"method=http,target=http://{t}/delay,{VIA},match=ok,timeout=2000,"
                  f"tag=http{i}",
                  f"method=tcp,target={t},port=7001,{VIA},tag=tcp{i}"]
    res, s, wall = cli(*specs)
    r = by_tag(res)
    assert len(r) == 32
    assert all(x["up"] for x in r.values()), [x for x in res if not x["up"]]
    assert max(x["t_ms"] for x in r.values()) < 1500   # one after another: 4 s
    assert s["started"] == [0, 8, 8, 8, 0, 8]


def test_leaves_by_pr0(lab):
    """Bound to pr0 the probes use 198.18.250.2 and pr0; unbound (the control: the main
    table's default route) they would use pr9 and 198.18.251.2."""
    t = SERVERS[5]
    marks = {n: len(lab.log(n)) for n in ("dns", "http", "tcp")}
    specs = [f"method=dns,target={t},{VIA},query=bound.test,tag=dns",
             f"method=http,target=http://{t}/ok?bound,{VIA},tag=http",
             f"method=tcp,target={t},port=7001,{VIA},tag=tcp",
             f"method=dns,target={t},if=pr0,query=ifonly.test,tag=dns_ifonly",
             f"method=dns,target={t},query=unbound.test,tag=dns_unbound",
             f"method=http,target=http://{t}/ok?unbound,tag=http_unbound"]
    res, s, _ = cli(*specs)
    assert all(x["up"] for x in res), res
    dns = lab.log("dns")[marks["dns"]:]
    assert f"dns {SRC} bound.test" in dns
    assert f"dns {SRC} ifonly.test" in dns
    assert f"dns {DECOY_SRC} unbound.test" in dns
    http = lab.log("http")[marks["http"]:]
    assert f"http {SRC} /ok?bound" in http and f"http {DECOY_SRC} /ok?unbound" in http
    assert f"tcp {SRC} 7001" in lab.log("tcp")[marks["tcp"]:]
    # ping: the packets arrive on pb0, not on pb9
    rx0, rx9 = lab.rx_packets("pb0"), lab.rx_packets("pb9")
    res, s, _ = cli(*[f"method=ping,target={t},{VIA},tag=p{i}" for i in range(50)])
    assert s["up"] == 50
    assert lab.rx_packets("pb0") - rx0 >= 50
    assert lab.rx_packets("pb9") - rx9 < 10


def test_cancel(lab):
    """Cancelled probes of every method never call back and leave no socket open."""
    specs = [f"method=ping,target={SILENT[1]},{VIA},timeout=600,tag=ping",
             f"method=dns,target={DNS_SILENT},{VIA},timeout=600,tag=dns",
             f"method=http,target=http://{SERVERS[0]}/slow,{VIA},timeout=600,tag=http",
             f"method=https,target=https://{SERVERS[0]}/slow,{VIA},verify=0,timeout=600,"
             "tag=https",
             f"method=tcp,target={SILENT[1]},port=7001,{VIA},timeout=600,tag=tcp"]
    res, s, wall = cli("--cancel-after", "200", *specs)
    assert res == []
    assert s["results"] == 0 and s["started"] == [0, 1, 1, 1, 1, 1]
    assert wall >= 0.2 + 0.6   # it waited past every timeout


def test_load(lab):
    """500 pings/s for 10 s: every one answered, and what it costs in CPU."""
    res, s, wall = cli("--quiet", "--rate", "500", "--duration", "10",
                       *[f"method=ping,target={t},{VIA},timeout=1000" for t in SERVERS],
                       limit=40)
    assert s["results"] == 5000 and s["start_failed"] == 0
    assert s["up"] >= 4990
    core = s["cpu_s"] / s["wall_s"]
    figure = {"probes_per_s": round(s["results"] / s["wall_s"], 1), "cpu_s": s["cpu_s"],
              "wall_s": s["wall_s"], "percent_of_one_core": round(100 * core, 2),
              "maxrss_kb": s["maxrss_kb"]}
    print("probe load:", json.dumps(figure))
    os.makedirs(os.path.join(BUILD, "meson-logs"), exist_ok=True)
    with open(os.path.join(BUILD, "meson-logs", "probe_load.json"), "w") as f:
        json.dump(figure, f)
    assert core < 0.25, figure


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    sys.exit(pytest.main(["-q", "-rA", "-p", "no:cacheprovider", __file__]))
