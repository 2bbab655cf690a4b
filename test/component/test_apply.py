#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The dataplane's apply path, for real: dpwan-dataplane on net_null ports (no-rx: nothing
arrives) in a network namespace of its own, started from a factory document, and
dpw_apply_client (a DPDK secondary, as dpwan-control is) sending HELLO and CONFIG_APPLY
with documents in memzones. Checks the shared memory and the WANs' TAPs after each:
a good document changes the weight, the MTU and the address (the old one removed from the
TAP); a bad hash, an invalid document, a missing zone and a bad zone header are refused
with their status and change nothing; the running document re-sent only relabels the
generation; a WAN left out is unconfigured; HELLO with another ABI is refused.
Needs root (exit 77, skipped, without). Everything it made is removed, also on failure.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

BUILD = os.environ.get("DPWAN_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
TAG = f"apply{os.getpid()}"
NS = f"dpwan-{TAG}"
RUN = f"/run/dpwan-{TAG}"
PREFIX = f"dpwan-{TAG}"
N_WANS = 7           # DPW_MAX_PORTS is 8, one of them the LAN
EPROTO, EINVAL, ENOENT, EBADMSG = 71, 22, 2, 74

started = []


def fail(msg):
    print("FAIL:", msg)
    raise SystemExit(1)


def cleanup():
    for p in reversed(started):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
    subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=10)
    for f in glob.glob(f"/dev/hugepages/{PREFIX}map_*"):
        os.unlink(f)
    shutil.rmtree(f"/var/run/dpdk/{PREFIX}", ignore_errors=True)
    shutil.rmtree(RUN, ignore_errors=True)


def wan(i, addr=None, **kw):
    w = {"name": f"wan{i}",
         "addressing": {"mode": "static", "address": addr or f"198.18.{i}.2/24",
                        "gateway": re.sub(r"\.2/\d+$", ".1", addr or f"198.18.{i}.2/24")}}
    w.update(kw)
    return w


def write_doc(name, wans):
    path = os.path.join(RUN, name)
    with open(path, "w") as f:
        json.dump({"version": 1, "wans": wans}, f)
    return path


def write_conf():
    ports = ['  { name = "lan"; role = "lan"; device = "net_null0,no-rx=1"; '
             'address = "198.18.0.1/24"; }']
    ports += [f'  {{ name = "wan{i}"; role = "wan"; device = "net_null{i},no-rx=1"; }}'
              for i in range(1, N_WANS + 1)]
    port_list = ",\n".join(ports)
    text = f"""system = {{
  file_prefix = "{PREFIX}";
  eal_args = [ "--no-pci", "--socket-mem=256", "--lcores=0@0,1@1",
               "--log-level=*:notice", "--log-level=user1:debug" ];
  idle_sleep_us = 100;
  sessions = 4096;
  state_dir = "{RUN}/state";
  policy = "factory.yaml";
}};
api = {{ listen = "127.0.0.1"; port = 18098; }};
ports = (
{port_list}
);
"""
    with open(f"{RUN}/dp.conf", "w") as f:
        f.write(text)
    # the factory document: YAML, wan1 and wan2 only
    with open(f"{RUN}/factory.yaml", "w") as f:
        f.write("version: 1\nwans:\n")
        for i in (1, 2):
            f.write(f"  - name: wan{i}\n    addressing:\n      address: 198.18.{i}.2/24\n"
                    f"      gateway: 198.18.{i}.1\n")


def client(*args):
    p = subprocess.run(["ip", "netns", "exec", NS, "timeout", "30",
                        f"{BUILD}/test/component/dpw_apply_client", "--proc-type=secondary",
                        "--no-pci", f"--file-prefix={PREFIX}", "--lcores=0@0",
                        "--log-level=*:warning", "--no-telemetry", "--"] + list(args),
                       capture_output=True, text=True, timeout=40)
    if p.returncode != 0:
        fail(f"client {args}: exit {p.returncode}: {p.stdout} {p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def tap(name):
    """(addresses with prefix, mtu) of a TAP in the namespace."""
    out = json.loads(subprocess.run(["ip", "-n", NS, "-j", "addr", "show", "dev", f"dpw-{name}"],
                                    capture_output=True, text=True, check=True,
                                    timeout=10).stdout)[0]
    return ({f'{a["local"]}/{a["prefixlen"]}' for a in out.get("addr_info", [])
             if a.get("family") == "inet"}, out["mtu"])


def wans_of(show):
    return {w["name"]: w for w in show["wans"]}


def expect_refused(before, reply, status, needle, what):
    if reply["status"] != -status:
        fail(f"{what}: status {reply['status']}, expected {-status}: {reply}")
    if needle not in reply["text"]:
        fail(f"{what}: reply text {reply['text']!r} lacks {needle!r}")
    after = client("show")
    if after["config_rejects"] != before["config_rejects"] + 1:
        fail(f"{what}: config_rejects {before['config_rejects']} -> {after['config_rejects']}")
    for k in ("config_gen", "config_hash", "config_applies", "wan_view_gen", "wans"):
        if after[k] != before[k]:
            fail(f"{what}: {k} changed: {before[k]} -> {after[k]}")
    if reply["config_gen"] != before["config_gen"]:
        fail(f"{what}: the reply names generation {reply['config_gen']}")
    print(f"ok: {what}: {reply['status']} {reply['text']!r}")
    return after


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespace, TAPs)")
        return 77
    for b in ("dataplane/dpwan-dataplane", "test/component/dpw_apply_client"):
        if not os.access(os.path.join(BUILD, b), os.X_OK):
            fail(f"{BUILD}/{b} missing")
    cleanup()
    os.makedirs(f"{RUN}/state")
    subprocess.run(["ip", "netns", "add", NS], check=True, timeout=10)
    subprocess.run(["ip", "netns", "exec", NS, "sysctl", "-qw",
                    "net.ipv4.ip_local_port_range=32768 40999"], check=True, timeout=10)
    write_conf()

    # --check reads the factory document too, and says what is wrong with a bad one
    bad = f"{RUN}/bad.conf"
    with open(f"{RUN}/dp.conf") as f, open(bad, "w") as g:
        g.write(f.read().replace('"factory.yaml"', '"bad.json"'))
    write_doc("bad.json", [wan(1, weight=0), wan(2, mtu=9000)])
    p = subprocess.run([f"{BUILD}/dataplane/dpwan-dataplane", "-c", bad, "--check"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode == 0 or "bad.json: /wans/0/weight:" not in p.stderr or \
            "bad.json: /wans/1/mtu:" not in p.stderr:
        fail(f"--check of a bad factory document: {p.returncode} {p.stdout} {p.stderr}")
    print("ok: --check prints every problem of the factory document")

    log = f"{RUN}/dataplane.log"
    dp = subprocess.Popen(["ip", "netns", "exec", NS, "timeout", "120",
                           f"{BUILD}/dataplane/dpwan-dataplane", "-c", f"{RUN}/dp.conf"],
                          stdout=open(log, "w"), stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    started.append(dp)
    deadline = time.time() + 30
    while "ready:" not in open(log).read():
        if time.time() > deadline or dp.poll() is not None:
            fail("dataplane did not start: " + open(log).read()[-3000:])
        time.sleep(0.1)

    # generation 0: the factory document
    s = client("show")
    w = wans_of(s)
    if s["config_gen"] != 0 or s["config_applies"] != 1 or set(s["config_hash"]) == {"0"}:
        fail(f"factory document not applied as generation 0: {s}")
    if not (w["wan1"]["configured"] and w["wan1"]["address"] == "198.18.1.2" and
            w["wan1"]["weight"] == 1 and w["wan1"]["mtu"] == 1440 and
            w["wan2"]["configured"] and not w["wan3"]["configured"]):
        fail(f"factory WANs: {w}")
    if tap("wan1") != ({"198.18.1.2/24"}, 1440) or tap("wan3")[0]:
        fail(f"factory TAPs: wan1 {tap('wan1')} wan3 {tap('wan3')}")
    print("ok: factory document is generation 0")

    # HELLO: another ABI is refused, ours recorded (the ABI is the header's)
    abi = int(re.search(r"^#define DPW_MSG_ABI (\d+)", open(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "msg",
        "dpw_msg.h")).read(), re.M).group(1))
    r = client("hello", str(abi - 1))
    if r["status"] != -EPROTO or r["abi"] != abi:
        fail(f"HELLO with ABI {abi - 1}: {r}")
    if client("show")["control_pid"] != 0:
        fail("a refused HELLO recorded its pid")
    r = client("hello", str(abi))
    if r["status"] != 0 or r["abi"] != abi or r["config_gen"] != 0 or \
            client("show")["control_pid"] <= 0:
        fail(f"HELLO with ABI {abi}: {r}")
    print("ok: HELLO checks the ABI")

    # a good document: weight, MTU and address of wan1 change, wan2 forced down
    good = write_doc("good.json", [wan(1, "198.18.11.2/24", weight=7, mtu=1400, mss=1300),
                                   wan(2, forced_down=True)])
    r = client("apply", "5", good)
    if r["status"] != 0 or r["config_gen"] != 5:
        fail(f"apply of a good document: {r}")
    s2 = client("show")
    w = wans_of(s2)
    if s2["config_gen"] != 5 or s2["config_applies"] != 2 or \
            s2["wan_view_gen"] <= s["wan_view_gen"] or s2["config_hash"] == s["config_hash"]:
        fail(f"after apply: {s2}")
    if (w["wan1"]["address"], w["wan1"]["prefixlen"], w["wan1"]["gateway"],
            w["wan1"]["weight"], w["wan1"]["mtu"]) != ("198.18.11.2", 24, "198.18.11.1", 7, 1400):
        fail(f"wan1 after apply: {w['wan1']}")
    if not w["wan2"]["forced_down"] or w["wan2"]["usable"]:
        fail(f"wan2 not forced down: {w['wan2']}")
    if tap("wan1") != ({"198.18.11.2/24"}, 1400):
        fail(f"wan1's TAP after apply: {tap('wan1')} (the old address must be gone)")
    print(f"ok: generation 5 applied: {w['wan1']}")

    # refusals change nothing
    s3 = expect_refused(s2, client("apply", "6", write_doc("w0.json", [wan(1, weight=0)])),
                        EINVAL, "/wans/0/weight", "invalid weight")
    s3 = expect_refused(s3, client("apply", "7", good, "badhash"), EINVAL, "SHA-256",
                        "bad hash")
    s3 = expect_refused(s3, client("apply", "7", good, "nozone"), ENOENT, "no memzone",
                        "missing zone")
    s3 = expect_refused(s3, client("apply", "7", good, "badmagic"), EBADMSG, "magic",
                        "bad zone header")
    s3 = expect_refused(s3, client("apply", "7", write_doc("nowan.json", [])), EINVAL, "",
                        "a document without a WAN")
    if tap("wan1") != ({"198.18.11.2/24"}, 1400):
        fail(f"wan1's TAP changed by a refused document: {tap('wan1')}")

    # the running document again: a new label, nothing else
    r = client("apply", "8", good)
    s4 = client("show")
    if r["status"] != 0 or r["config_gen"] != 8 or s4["config_gen"] != 8 or \
            s4["config_applies"] != s3["config_applies"] or \
            s4["wan_view_gen"] != s3["wan_view_gen"] or s4["wans"] != s3["wans"]:
        fail(f"re-sent running document: {r} {s4}")
    print("ok: the running document re-sent relabels the generation only")

    # every WAN port configured (the apply time of a 7-WAN document is logged at debug),
    # then wan2 left out: unconfigured, its TAP without address
    r = client("apply", "9", write_doc("all.json", [wan(i) for i in range(1, N_WANS + 1)]))
    if r["status"] != 0 or not all(x["configured"] for x in client("show")["wans"]):
        fail(f"apply of {N_WANS} WANs: {r}")
    r = client("apply", "10", write_doc("no2.json", [wan(1), wan(3)]))
    w = wans_of(client("show"))
    if r["status"] != 0 or w["wan2"]["configured"] or w["wan2"]["weight"] != 0 or \
            tap("wan2")[0] or tap("wan3")[0] != {"198.18.3.2/24"}:
        fail(f"wan2 left out: {r} {w['wan2']} {tap('wan2')}")
    print("ok: a WAN left out is unconfigured")

    text = open(log).read()
    times = re.findall(r"(\d+) WANs, (\d+) rules: hashed, parsed and validated in ([\d.]+) us",
                       text)
    built = re.findall(r"applied \((\d+) WANs, (\d+) rules in (\d+) classifier entries, "
                       r"built in ([\d.]+) ms, ([\d.]+) ms in all\)", text)
    if len(times) != 3 or len(built) != 3:
        fail(f"apply times not logged: {times} {built}")
    for (n, rules, parse), (_, _, entries, build, total) in zip(times, built):
        print(f"apply of {n} WANs, {rules} rules: parse+validate on the main lcore {parse} us, "
              f"rules built in {build} ms off it, {total} ms to the reply")
    dp.send_signal(signal.SIGTERM)
    dp.wait(timeout=30)
    if dp.returncode != 0:
        fail(f"dataplane exited {dp.returncode}: " + open(log).read()[-3000:])
    print("PASS")
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        cleanup()
    sys.exit(rc)
