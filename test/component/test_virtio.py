#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Component test: the VM path. dpwan-dataplane runs on net_virtio_user ports (the
virtio PMD a VM with virtio-net NICs uses) - LAN and two WANs - against dpwan-pktgen on
net_vhost ports, which plays the vhost-user backend (the hypervisor's side): LAN hosts
on one port, the ISPs' gateways and servers on the other two.

pktgen's vhost ports are the vhost-user servers (they create the sockets), the
dataplane's virtio_user ports connect as clients (path=), as a VM connects to its
host's vhost-user sockets. Both sides run --no-huge: EAL then backs memory with memfd,
which the virtio side hands to the backend, so no hugepages are needed.

A short, bounded, low-rate run (idle sleep on, a few seconds); then both sides' counters
must agree: every flow got a session, every frame was answered (translated out and
back), nothing was lost, and both WANs carried flows. Everything runs in a network
namespace of its own (the dataplane's TAPs carry 198.18.x addresses: never in the root
namespace), under timeouts, stopped by PID; sockets, runtime and hugepage files are
removed, also on failure. Needs root (exit 77, skipped, without).
"""
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

BUILD = os.environ.get("DPWAN_BUILD") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "build")
TAG = f"ctv{os.getpid()}"
NS = f"dpwan-{TAG}"
RUN = f"/run/dpwan-{TAG}"
PREFIX_DP = f"dpwan-{TAG}-dp"
PREFIX_PG = f"dpwan-{TAG}-pg"
FLOWS = 64
RATE = 2000          # LAN frames per second: far below what either side can do
DURATION = 3
SESSIONS = 4096
JUMBO = 9000

started = []


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def stop(p, sig=signal.SIGTERM, wait=15):
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=5)


def cleanup():
    for p in reversed(started):
        stop(p, signal.SIGTERM, 10)
    subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=10)
    for pre in (PREFIX_DP, PREFIX_PG):
        for f in glob.glob(f"/dev/hugepages/{pre}map_*"):
            os.unlink(f)
        shutil.rmtree(f"/var/run/dpdk/{pre}", ignore_errors=True)
    shutil.rmtree(RUN, ignore_errors=True)


def write_conf(path):
    """The system conf and, beside it, the factory document with the WANs' addressing
    (the dataplane runs without the control process here)."""
    items = []
    for name, role, i in (("lan", "lan", 0), ("wan1", "wan", 1), ("wan2", "wan", 2)):
        dev = f"net_virtio_user{i},path={RUN}/{name}.sock,queues=1,queue_size=1024"
        s = f'  {{ name = "{name}"; role = "{role}"; device = "{dev}";'
        if role == "lan":
            s += ' address = "198.18.0.1/24";'
        else:
            # wan2 takes a jumbo MTU: virtio can, and the dataplane must apply it
            s += f' mtu = {JUMBO if name == "wan2" else 1500};'
        items.append(s + " }")
    port_list = ",\n".join(items)
    text = f"""system = {{
  file_prefix = "{PREFIX_DP}";
  eal_args = [ "--no-pci", "--no-huge", "-m", "512", "--lcores=0@0,1@1",
               "--log-level=*:notice", "--log-level=user1:info" ];
  idle_sleep_us = 50;
  sessions = {SESSIONS};
  state_dir = "{RUN}/state";
  policy = "policy.json";
}};
api = {{ listen = "127.0.0.1"; port = 18097; }};
ports = (
{port_list}
);
"""
    with open(path, "w") as f:
        f.write(text)
    wans = [{"name": f"wan{i}", "mtu": JUMBO if i == 2 else 1500,
             "addressing": {"mode": "static", "address": f"198.18.{i}.2/24",
                            "gateway": f"198.18.{i}.1"}} for i in (1, 2)]
    with open(os.path.join(os.path.dirname(path), "policy.json"), "w") as f:
        json.dump({"version": 1, "wans": wans}, f)


def read_json(p, path, timeout):
    """pktgen prints one JSON object when done, then lingers with its ports open."""
    deadline = time.time() + timeout
    buf = b""
    fd = p.stdout.fileno()
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            txt = buf.decode(errors="replace")
            if "{" in txt and "}" in txt:
                try:
                    return json.loads(txt[txt.index("{"):txt.rindex("}") + 1])
                except ValueError:
                    pass
        elif p.poll() is not None:
            break
    fail(f"pktgen gave no result in {timeout} s: " + open(path).read()[-2000:])


def dataplane_summary(log_path):
    workers, drops = [], {}
    for line in open(log_path):
        m = re.search(r"worker (\d+): rx .*", line)
        if m and "cycles_per_pkt" in line:
            workers.append({k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)", m.group(0))})
        m = re.search(r"worker \d+: drop (\w+) (\d+)", line)
        if m:
            drops[m.group(1)] = drops.get(m.group(1), 0) + int(m.group(2))
    return workers, drops


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespace, TAPs)")
        return 77
    for b in ("dataplane/dpwan-dataplane", "tools/pktgen/dpwan-pktgen"):
        if not os.access(os.path.join(BUILD, b), os.X_OK):
            fail(f"{BUILD}/{b} missing")
    cleanup()
    os.makedirs(RUN)
    subprocess.run(["ip", "netns", "add", NS], check=True, timeout=10)
    # the appliance's kernel keeps its ephemeral ports below the NAT range (99-dpwan.conf)
    subprocess.run(["ip", "netns", "exec", NS, "sysctl", "-qw",
                    "net.ipv4.ip_local_port_range=32768 40999"], check=True, timeout=10)
    subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True, timeout=10)
    conf = f"{RUN}/dp.conf"
    write_conf(conf)

    # the backend first: its vhost ports create the sockets the dataplane connects to
    pg_err = f"{RUN}/pktgen.err"
    pg = subprocess.Popen(
        ["ip", "netns", "exec", NS, "timeout", "60", f"{BUILD}/tools/pktgen/dpwan-pktgen",
         "--no-pci", f"--file-prefix={PREFIX_PG}", "--no-huge", "-m", "256", "--lcores=0@0",
         "--log-level=*:warning"] +
        [f"--vdev=net_vhost{i},iface={RUN}/{n}.sock,queues=1"
         for i, n in enumerate(("lan", "wan1", "wan2"))] +
        ["--", "--lan", "0", "--wan", "1,2", "--flows", str(FLOWS), "--rate", str(RATE),
         "--duration", str(DURATION), "--warmup", "5", "--link-wait", "20", "--json",
         "--quiet", "--linger"],
        stdout=subprocess.PIPE, stderr=open(pg_err, "w"), stdin=subprocess.DEVNULL)
    started.append(pg)
    deadline = time.time() + 15
    while not all(os.path.exists(f"{RUN}/{n}.sock") for n in ("lan", "wan1", "wan2")):
        if time.time() > deadline or pg.poll() is not None:
            fail("pktgen made no vhost-user sockets: " + open(pg_err).read()[-2000:])
        time.sleep(0.1)

    dp_log = f"{RUN}/dataplane.log"
    dp = subprocess.Popen(["ip", "netns", "exec", NS, "timeout", "60",
                           f"{BUILD}/dataplane/dpwan-dataplane", "-c", conf],
                          stdout=open(dp_log, "w"), stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    started.append(dp)
    res = read_json(pg, pg_err, 45)
    # the generator is done and quiet; the dataplane stops first, then the backend
    # (vhost survives either order: it checks its queues' state on every burst)
    stop(dp, signal.SIGTERM, 20)
    if dp.returncode != 0:
        fail(f"dataplane exited {dp.returncode}: " + open(dp_log).read()[-3000:])
    stop(pg, signal.SIGTERM, 20)
    workers, drops = dataplane_summary(dp_log)
    print(json.dumps(res))
    print(f"dataplane: {workers} drops {drops}")

    if res.get("result") != "ok":
        fail(f"pktgen result {res.get('result')}: {res}")
    sent = res["sent"]
    # DURATION seconds at RATE frames per second: the run really carried traffic
    if sent < RATE * DURATION * 0.9:
        fail(f"only {sent} frames sent")
    if res["warmup_answered"] != FLOWS:
        fail(f"warmup: {res['warmup_answered']} of {FLOWS} flows answered")
    # the first warmup frames wait in the dataplane while it resolves its gateways; if
    # that takes over 100 ms pktgen resends them, and the late answers to both copies
    # can land in the measured window: at most one extra answer per resent frame
    resent = res["warmup_sent"] - FLOWS
    if res["received"] < sent or res["received"] > sent + resent:
        fail(f"lost {res['lost']}: {res['received']} of {sent} answered ({resent} resent)")
    if res["reflected"] < sent or res["reflected"] > sent + resent:
        fail(f"the WANs reflected {res['reflected']} of {sent}")
    for w in (1, 2):
        if res.get(f"reflected_port{w}", 0) < sent // 4:
            fail(f"wan{w} carried {res.get(f'reflected_port{w}', 0)} of {sent} frames")
    if len(workers) != 1:
        fail(f"no exit summary from the dataplane: {open(dp_log).read()[-2000:]}")
    w = workers[0]
    if w["sessions_created"] != FLOWS:
        fail(f"dataplane created {w['sessions_created']} sessions for {FLOWS} flows")
    # every LAN frame and every reply crossed the worker once each way
    if w["rx"] < 2 * (sent + FLOWS) or w["tx"] < 2 * (sent + FLOWS):
        fail(f"dataplane rx {w['rx']} tx {w['tx']} for {sent} round trips")
    if drops:
        fail(f"dataplane dropped: {drops}")
    log = open(dp_log).read()
    for name, mtu in (("lan", 1500), ("wan1", 1500), ("wan2", JUMBO)):
        if not re.search(rf"port '{name}' \(net_virtio_user.*\): mtu {mtu},", log):
            fail(f"port {name}: mtu {mtu} not applied: {log[-2000:]}")
    if not re.search(r"mbuf pool: \d+ mbufs of (\d+) bytes", log) or \
            int(re.search(r"mbuf pool: \d+ mbufs of (\d+) bytes", log).group(1)) < JUMBO + 18:
        fail("the mbufs' data room does not hold a jumbo frame")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        cleanup()
    sys.exit(rc)
