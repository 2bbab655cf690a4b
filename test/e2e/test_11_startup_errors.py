# SPDX-License-Identifier: BSD-3-Clause
"""dpwan-dataplane start-up errors: one clear line on stderr and a non-zero exit.

Runs a second dataplane in a scratch namespace with its own DPDK file prefix; it never
touches the lab's (running) dataplane."""
import glob
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import build_dir

PREFIX = "dpwan-e2e-err"
NS = "dpwe2e-err"


def dataplane():
    return os.path.join(build_dir(), "dataplane", "dpwan-dataplane")


def cleanup_dpdk():
    for f in glob.glob("/dev/hugepages/%s*" % PREFIX):
        os.unlink(f)
    shutil.rmtree("/var/run/dpdk/%s" % PREFIX, ignore_errors=True)


@pytest.fixture
def scratch(lab, request):
    """A scratch namespace with the veths lan0 and wan1 (but no wan2), and a copy of the
    suite's configuration with a private file prefix and state dir."""
    conf_path = os.path.abspath(request.config.getoption("--dpwan-conf"))
    conf = open(conf_path).read()
    assert "--no-pci" in conf, "the configuration must pass --no-pci to EAL"
    # the copy lives elsewhere: its factory document by its absolute path
    conf, n = re.subn(r'policy\s*=\s*"([^"/][^"]*)"',
                      lambda m: 'policy = "%s"' % os.path.join(os.path.dirname(conf_path),
                                                               m.group(1)), conf)
    assert n == 1, "expected a relative system.policy in the configuration"
    conf, n = re.subn(r'file_prefix\s*=\s*"[^"]*"', 'file_prefix = "%s"' % PREFIX, conf)
    assert n == 1
    state = os.path.join(lab.workdir, "err-state")
    conf, n = re.subn(r'state_dir\s*=\s*"[^"]*"', 'state_dir = "%s"' % state, conf)
    assert n == 1
    subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=10)
    subprocess.run(["ip", "netns", "add", NS], check=True, timeout=10)
    try:
        # as the appliance's namespace has it (tools/lab, systemd/99-dpwan.conf)
        set_port_range("32768 40999")
        for dev in ("lan0", "wan1"):
            subprocess.run(["ip", "-n", NS, "link", "add", dev, "type", "veth", "peer", "name",
                            dev + "p"], check=True, timeout=10)
            for d in (dev, dev + "p"):
                subprocess.run(["ip", "-n", NS, "link", "set", d, "up"], check=True, timeout=10)
        yield conf
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=10)
        cleanup_dpdk()


def set_port_range(text):
    subprocess.run(["ip", "netns", "exec", NS, "sysctl", "-qw",
                    "net.ipv4.ip_local_port_range=%s" % text], check=True, timeout=10)


def run_dp(lab, conf_text, *args, name="err.conf"):
    path = os.path.join(lab.workdir, name)
    with open(path, "w") as f:
        f.write(conf_text)
    p = subprocess.run(["ip", "netns", "exec", NS, "timeout", "20", dataplane(), "-c", path,
                        *args], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert p.returncode != 124, "the dataplane hung (killed by timeout 20)"
    return path, p


def our_lines(stderr):
    return [ln for ln in stderr.splitlines() if ln.startswith("dpwan-dataplane:")]


def test_syntax_error_names_file_and_line(lab, scratch):
    lines = scratch.splitlines()
    lines.insert(2, "oops = ;")                     # becomes line 3
    path, p = run_dp(lab, "\n".join(lines) + "\n", name="syntax.conf")
    assert p.returncode != 0, p
    mine = our_lines(p.stderr)
    assert len(mine) == 1, p.stderr
    assert "%s:3" % path in mine[0], mine[0]
    assert p.stdout.strip() == "" or "ready" not in p.stdout, p.stdout


def test_missing_interface_names_port(lab, scratch):
    conf, n = re.subn(r"iface=wan2\b", "iface=dpwnosuch9", scratch)
    assert n == 1, "expected one port on iface=wan2 in the configuration"
    path, p = run_dp(lab, conf, name="noiface.conf")
    assert p.returncode != 0, p.stdout + p.stderr
    assert "ready" not in p.stdout, p.stdout
    mine = our_lines(p.stderr)
    assert len(mine) == 1, p.stderr
    assert "port 'wan2'" in mine[0] and "dpwnosuch9" in mine[0], mine[0]


def test_check_good_config(lab, scratch):
    path, p = run_dp(lab, scratch, "--check", name="good.conf")
    assert p.returncode == 0, p.stdout + p.stderr
    policy = re.search(r'policy = "([^"]*)"', scratch).group(1)
    assert p.stdout.strip() == "%s: OK (3 ports, factory document %s)" % (path, policy), \
        p.stdout
    assert our_lines(p.stderr) == [], p.stderr
    # --check does not start EAL: no runtime files under the prefix
    assert not os.path.exists("/var/run/dpdk/%s" % PREFIX)


def test_check_bad_config(lab, scratch):
    path, p = run_dp(lab, scratch.replace("mtu = 1440", "mtu = 99999", 1), "--check",
                     name="badmtu.conf")
    assert p.returncode != 0, p.stdout + p.stderr
    mine = our_lines(p.stderr)
    assert len(mine) == 1 and path in mine[0], p.stderr


def test_bad_factory_document_refused(lab, scratch):
    """A factory document with errors stops the start before EAL, and --check, with one
    line per problem: the document's file and the JSON pointer of each."""
    doc = os.path.join(lab.workdir, "bad-policy.json")
    with open(doc, "w") as f:
        json.dump({"version": 1, "wans": [
            {"name": "wan1", "weight": 0,
             "addressing": {"address": "198.18.1.2/24", "gateway": "198.18.1.1"}},
            {"name": "wan2", "mtu": 1500,
             "addressing": {"address": "198.18.2.2/24", "gateway": "198.18.9.1"}}]}, f)
    conf, n = re.subn(r'policy\s*=\s*"[^"]*"', 'policy = "%s"' % doc, scratch)
    assert n == 1
    for args in (("--check",), ()):
        path, p = run_dp(lab, conf, *args, name="badpolicy.conf")
        assert p.returncode == 1, p.stdout + p.stderr
        assert "ready" not in p.stdout, p.stdout
        mine = our_lines(p.stderr)
        assert any(ln.startswith("dpwan-dataplane: %s: /wans/0/weight: " % doc)
                   for ln in mine), p.stderr
        assert any(ln.startswith("dpwan-dataplane: %s: /wans/1/mtu: " % doc)
                   for ln in mine), p.stderr   # above the port's frame MTU, 1440
        assert any(ln.startswith("dpwan-dataplane: %s: /wans/1/addressing/gateway: " % doc)
                   for ln in mine), p.stderr
        assert not os.path.exists("/var/run/dpdk/%s" % PREFIX)


def test_old_wan_settings_refused(lab, scratch):
    """A WAN's address in the system configuration (the format before the policy
    document) is refused, naming the line and where the setting lives now."""
    conf, n = re.subn(r'(name = "wan1";[^}]*?)mtu = 1440;',
                      r'\1mtu = 1440; gateway = "198.18.1.1";', scratch, count=1, flags=re.S)
    assert n == 1
    path, p = run_dp(lab, conf, "--check", name="oldwan.conf")
    assert p.returncode == 1, p.stdout + p.stderr
    mine = our_lines(p.stderr)
    assert len(mine) == 1 and re.search(
        r"%s:\d+: ports\[1\]\.gateway: a WAN's addressing is part of the network-policy "
        r"document now \(wans\[\]\.addressing in the file system\.policy names\)" %
        re.escape(path), mine[0]), mine


def with_mbufs(conf, n):
    """The configuration with system.mbufs = n, on a line of its own (returned)."""
    lines = conf.splitlines()
    at = next(i for i, ln in enumerate(lines) if re.match(r"\s*idle_sleep_us\s*=", ln))
    lines.insert(at + 1, "  mbufs = %d;" % n)
    return "\n".join(lines) + "\n", at + 2


def test_mbufs_below_the_sum_refused(lab, scratch):
    """A pool smaller than ports x workers x descriptors + rings + caches + bursts would
    run dry under load; it is refused by --check and at start, with the sum it needs."""
    conf, line = with_mbufs(scratch, 2047)
    for args in (("--check",), ()):
        path, p = run_dp(lab, conf, *args, name="mbufs.conf")
        assert p.returncode == 1, p.stdout + p.stderr
        assert "ready" not in p.stdout, p.stdout
        mine = our_lines(p.stderr)
        assert len(mine) == 1, p.stderr
        m = re.search(r"%s:%d: system.mbufs = 2047 is too small: (\d+) are needed for 3 ports"
                      r" and \d+ workers \(wire queues (\d+) \+ TAPs (\d+) \+ rings (\d+) \+ "
                      r"lcore caches (\d+) \+ bursts in flight (\d+)\)" % (re.escape(path), line),
                      mine[0])
        assert m, mine[0]
        need = [int(x) for x in m.groups()]
        assert need[0] == sum(need[1:]) and need[0] > 2047, mine[0]
    # the sum itself is enough: --check passes with exactly that many
    conf, _ = with_mbufs(scratch, need[0])
    path, p = run_dp(lab, conf, "--check", name="mbufs-ok.conf")
    assert p.returncode == 0, p.stdout + p.stderr


def test_jumbo_mtu_beyond_the_device_refused(lab, scratch):
    """mtu 9000 is a valid setting (the mbufs' data room grows to hold it), but
    neither the lab's net_af_packet (1518-byte frames) nor its net_af_xdp (one page a
    frame) takes it: the start is refused, naming the port, the MTU and what the device
    takes, before any memory is spent."""
    conf, n = re.subn(r"(name = \"wan1\";.*?)mtu = 1440;", r"\1mtu = 9000;", scratch,
                      count=1, flags=re.S)
    assert n == 1, "expected wan1 with mtu = 1440 in the configuration"
    path, p = run_dp(lab, conf, "--check", name="jumbo.conf")
    assert p.returncode == 0, p.stdout + p.stderr
    path, p = run_dp(lab, conf, name="jumbo.conf")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "ready" not in p.stdout, p.stdout
    mine = our_lines(p.stderr)
    assert len(mine) == 1, p.stderr
    m = re.search(r"port 'wan1' .*mtu 9000 is outside what the device takes \(\d+ to (\d+)\)",
                  mine[0])
    assert m and int(m.group(1)) < 9000, mine[0]


def test_ephemeral_ports_overlapping_nat_refused(lab, scratch):
    """Linux's default ephemeral range (32768-60999) overlaps the NAT range: a reply
    could then belong to a host socket and a NAT session at once. Refused at start,
    with what to change; --check (which may run elsewhere) does not look at it."""
    set_port_range("32768 60999")
    path, p = run_dp(lab, scratch)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "ready" not in p.stdout, p.stdout
    mine = our_lines(p.stderr)
    assert len(mine) == 1, p.stderr
    assert "32768-60999" in mine[0] and "41000-65535" in mine[0], mine[0]
    assert "net.ipv4.ip_local_port_range" in mine[0], mine[0]
    _, p = run_dp(lab, scratch, "--check")
    assert p.returncode == 0, p.stdout + p.stderr
