# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of the dpwan end-to-end suite (DESIGN.md s5, the lab).

One lab per pytest session: `tools/lab down` (clean slate), `tools/lab up --conf X`,
the tests, and `tools/lab down` always at the end (also on failure, Ctrl-C, SIGTERM
from meson's timeout, and from atexit as a last resort). Background servers are started
in a namespace and stopped by their own PID only.

State is observed by polling with a bound (wait_for), never by sleep-then-assert.
Every DPDK process runs on vdevs with --no-pci (the lab configs carry it).
"""
import atexit
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(REPO, "tools", "lab")
PY = sys.executable

SERVER = "198.19.0.10"
HTTP_PORT = 8080
UDP_PORT = 9000
WAN_ADDRS = {"198.18.1.2", "198.18.2.2"}
BIG_SIZE = 200 * 1024 * 1024
STATE_DIR = "/run/dpwan-lab/state"
# Drops that mean the fast path could not keep up (a full TX queue, no mbuf, a full
# handoff ring): a transfer can still arrive intact through TCP's retransmissions, so
# the sha256 alone would not show them.
OVERLOAD_DROPS = ("tx_queue_full", "no_mbuf", "handoff_ring_full")


def pytest_addoption(parser):
    parser.addoption("--dpwan-conf", default=os.path.join(REPO, "conf", "lab.conf"),
                     help="dataplane configuration the lab is started with")


def pytest_sessionfinish(session, exitstatus):
    # not root: every test was skipped; tell meson so (exit 77) instead of "OK"
    if os.geteuid() != 0 and exitstatus == 0:
        session.exitstatus = 77


def build_dir():
    return os.environ.get("DPWAN_BUILD", os.path.join(REPO, "build"))


class Bg:
    """A background process in a namespace, known by its PID."""

    def __init__(self, name, ns, cmd, popen, out_path):
        self.name, self.ns, self.cmd, self.popen, self.out_path = name, ns, cmd, popen, out_path

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def output(self):
        try:
            with open(self.out_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=5):
        """SIGTERM then SIGKILL this PID only; returns the exit code."""
        if self.popen.poll() is None:
            try:
                os.kill(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout)
        return self.popen.returncode

    def wait(self, timeout):
        return self.popen.wait(timeout)


class Lab:
    def __init__(self, conf, workdir):
        self.conf = conf
        self.workdir = workdir
        self.bgs = []
        self.status_error = None
        self.env = dict(os.environ, DPWAN_BUILD=build_dir())

    # ---- processes ----------------------------------------------------------------
    def lab(self, *args, timeout=60, check=True):
        """tools/lab ARGS; raises on a non-zero exit when check."""
        p = subprocess.run([LAB, *args], capture_output=True, text=True, timeout=timeout,
                           env=self.env, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError("tools/lab %s: exit %d\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    @staticmethod
    def _argv(ns, cmd):
        argv = ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        return (["ip", "netns", "exec", ns] if ns else []) + argv

    def run(self, ns, cmd, timeout=30, check=False, input=None):
        """Run CMD (a list, or a string for bash -c) in namespace NS (None: here)."""
        p = subprocess.run(self._argv(ns, cmd), capture_output=True, text=True,
                           timeout=timeout, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError("%s in %s: exit %d\nstdout:\n%s\nstderr:\n%s" % (
                cmd, ns, p.returncode, p.stdout, p.stderr))
        return p

    def run_json(self, ns, cmd, timeout=60):
        p = self.run(ns, cmd, timeout=timeout, check=True)
        return json.loads(p.stdout.strip().splitlines()[-1])

    def ctl(self, *args, timeout=30, check=True):
        return self.lab("ctl", *args, timeout=timeout, check=check)

    def status(self):
        """The REST API's /api/v1/status through dpwanctl."""
        p = self.ctl("status", "--json")
        return json.loads(p.stdout)

    def try_status(self):
        """status(), or None when the API does not answer (the error is kept in
        self.status_error)."""
        try:
            return self.status()
        except (AssertionError, ValueError, subprocess.TimeoutExpired) as e:
            self.status_error = e
            return None

    def overload_drops(self):
        """The OVERLOAD_DROPS counters now (a mark for check_overload_drops)."""
        drops = self.status()["drops"]
        missing = [k for k in OVERLOAD_DROPS if k not in drops]
        assert not missing, "status has no drop counter %s: %s" % (missing, sorted(drops))
        return {k: drops[k] for k in OVERLOAD_DROPS}

    def check_overload_drops(self, mark, what):
        """None of the OVERLOAD_DROPS counters grew since MARK."""
        now = self.overload_drops()
        grown = {k: "%d -> %d" % (mark[k], now[k]) for k in OVERLOAD_DROPS if now[k] != mark[k]}
        assert not grown, "%s: the dataplane dropped packets meanwhile: %s" % (what, grown)

    @contextlib.contextmanager
    def no_overload_drops(self, what):
        """Around a transfer: check_overload_drops when the body succeeded."""
        mark = self.overload_drops()
        yield
        self.check_overload_drops(mark, what)

    def wait_for(self, pred, timeout, what, interval=0.1):
        """Poll PRED() until it returns something true; that value is returned. Fails
        after TIMEOUT seconds, naming WHAT and the last value seen."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                last = pred()
            except (AssertionError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
                last = e
            else:
                if last:
                    return last
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.1f s waiting for %s; last: %r" %
                                     (timeout, what, last))
            time.sleep(interval)

    def start_bg(self, ns, cmd, name, ready_file=None, ready_timeout=10):
        """Start CMD in NS in the background (own session, output to a file). With
        READY_FILE, wait until the process creates it."""
        out = os.path.join(self.workdir, "%s.out" % name)
        f = open(out, "w")
        popen = subprocess.Popen(self._argv(ns, cmd), stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        f.close()
        bg = Bg(name, ns, cmd, popen, out)
        self.bgs.append(bg)
        if ready_file:
            try:
                self.wait_for(lambda: os.path.exists(ready_file) or not bg.alive(),
                              ready_timeout, "%s to be ready" % name)
                if not bg.alive():
                    raise AssertionError("%s exited (%s): %s" % (name, bg.popen.returncode,
                                                                bg.output()))
            except BaseException:
                self.stop_bg(bg)
                raise
        return bg

    def stop_bg(self, bg):
        rc = bg.stop()
        if bg in self.bgs:
            self.bgs.remove(bg)
        return rc

    def stop_all(self):
        for bg in list(self.bgs):
            try:
                self.stop_bg(bg)
            except Exception as e:  # keep stopping the others
                sys.stderr.write("e2e: could not stop %s (pid %d): %r\n" % (bg.name, bg.pid, e))

    # ---- lab facts ------------------------------------------------------------------
    def dataplane_alive(self):
        try:
            with open("/run/dpwan-lab/dataplane.pid") as f:
                pid = int(f.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return b"dpwan-dataplane" in f.read()
        except (OSError, ValueError):
            return False

    def log_tails(self, n=30):
        out = []
        for name in ("dataplane.log", "control.log", "supervisor.log"):
            path = os.path.join("/run/dpwan-lab", name)
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()[-n:]
            except OSError:
                continue
            out.append("----- tail of %s\n%s" % (path, "".join(lines)))
        return "\n".join(out)

    def admin_token(self):
        with open(os.path.join(STATE_DIR, "initial-admin-token")) as f:
            return f.read().strip()

    def api(self, method, path, body=None, token=None):
        """One request to the REST API from inside the appliance namespace, with TOKEN
        (default: the initial admin token; "" for none). Returns (HTTP status,
        Content-Type, body text)."""
        if token is None:
            token = self.admin_token()
        args = ["curl", "-sS", "--max-time", "10", "-o", "/dev/stdout", "-w",
                "\n%{http_code} %{content_type}", "-X", method, "http://127.0.0.1:8080" + path]
        if token:
            args += ["-H", "Authorization: Bearer " + token]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data", body]
        r = self.run("appliance", args, timeout=15)
        text, _, tail = r.stdout.rpartition("\n")
        code, _, ctype = tail.partition(" ")
        assert code.isdigit(), "curl %s %s: %r %r" % (method, path, r.stdout, r.stderr)
        return int(code), ctype, text

    def curl(self, url, timeout=10, extra=()):
        return self.run("lan", ["curl", "-sS", "--max-time", str(timeout), *extra, url],
                        timeout=timeout + 5)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _sigterm(signum, frame):
    # meson's timeout sends SIGTERM: unwind so that the fixtures tear the lab down
    raise KeyboardInterrupt("SIGTERM")


@pytest.fixture(scope="session")
def lab(request):
    conf = os.path.abspath(request.config.getoption("--dpwan-conf"))
    assert os.path.isfile(conf), "no such config: %s" % conf
    if os.geteuid() != 0:
        pytest.skip("the e2e suite needs root (network namespaces)")
    signal.signal(signal.SIGTERM, _sigterm)
    workdir = tempfile.mkdtemp(prefix="dpwan-e2e-")
    os.chmod(workdir, 0o755)
    lab = Lab(conf, workdir)
    done = []

    def teardown():
        if done:
            return
        done.append(1)
        lab.stop_all()
        try:
            p = lab.lab("down", timeout=120, check=False)
            if p.returncode != 0:
                sys.stderr.write("e2e: tools/lab down failed:\n%s%s" % (p.stdout, p.stderr))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(teardown)
    try:
        lab.lab("down", timeout=120, check=False)
        p = lab.lab("up", "--conf", conf, timeout=120, check=False)
        if p.returncode != 0:
            raise AssertionError("tools/lab up --conf %s failed (exit %d)\n%s\n%s\n%s" % (
                conf, p.returncode, p.stdout, p.stderr, lab.log_tails()))
        # the control process (and so the API) may still be starting
        lab.wait_for(lab.try_status, 15, "the REST API status")
        yield lab
    finally:
        teardown()


@pytest.fixture(autouse=True)
def _lab_alive(request):
    """Before and after each test: the dataplane still runs (a crash fails the test
    that caused it, with the logs)."""
    if "lab" not in request.fixturenames:
        yield
        return
    lab = request.getfixturevalue("lab")
    assert lab.dataplane_alive(), "the dataplane is not running\n" + lab.log_tails()
    yield
    assert lab.dataplane_alive(), "the dataplane died during the test\n" + lab.log_tails()


class HttpServer:
    def __init__(self, lab, bg, root, log):
        self.lab, self.bg, self.root, self.log = lab, bg, root, log

    def url(self, path):
        return "http://%s:%d%s" % (SERVER, HTTP_PORT, path)

    def sources(self, tag):
        """Client addresses the server saw for requests tagged TAG, in order."""
        out = []
        with open(self.log) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == tag:
                    out.append(parts[1])
        return out


@pytest.fixture(scope="session")
def http_server(lab):
    root = os.path.join(lab.workdir, "www")
    os.makedirs(root, exist_ok=True)
    log = os.path.join(lab.workdir, "http.log")
    ready = os.path.join(lab.workdir, "http.ready")
    bg = lab.start_bg("inet", [PY, os.path.join(HERE, "srv_http.py"), SERVER, str(HTTP_PORT),
                               root, log, ready], "http-server", ready_file=ready)
    yield HttpServer(lab, bg, root, log)
    lab.stop_bg(bg)


class UdpEcho:
    def __init__(self, bg, log):
        self.bg, self.log = bg, log

    def sources(self):
        with open(self.log) as f:
            return [line.split()[0] for line in f if line.strip()]


@pytest.fixture(scope="session")
def udp_echo(lab):
    log = os.path.join(lab.workdir, "udp.log")
    ready = os.path.join(lab.workdir, "udp.ready")
    bg = lab.start_bg("inet", [PY, os.path.join(HERE, "srv_udp_echo.py"), SERVER,
                               str(UDP_PORT), log, ready], "udp-echo", ready_file=ready)
    yield UdpEcho(bg, log)
    lab.stop_bg(bg)


@pytest.fixture(scope="session")
def bigfile(http_server):
    """200 MB of random bytes served by http_server as /file/big.bin: (path, sha256)."""
    path = os.path.join(http_server.root, "big.bin")
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = BIG_SIZE
        while left:
            b = os.urandom(min(left, 4 << 20))
            h.update(b)
            f.write(b)
            left -= len(b)
    yield path, h.hexdigest()
    os.unlink(path)


def clients_cmd(*args):
    return [PY, os.path.join(HERE, "clients.py"), *[str(a) for a in args]]


def http_sources(lab, http_server, tag, n=20):
    """n HTTP requests from the LAN host; the source addresses the server saw."""
    r = lab.run_json("lan", clients_cmd("http-many", SERVER, HTTP_PORT, n, tag), timeout=120)
    assert r["n_errors"] == 0, r
    seen = http_server.sources(tag)
    assert len(seen) == n, r
    return seen
