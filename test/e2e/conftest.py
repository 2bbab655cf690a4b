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
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import jsonschema
import pytest
import yaml

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

SPEC_PATH = os.path.join(REPO, "api", "openapi.yaml")
API = "http://127.0.0.1:8080"
DB = os.path.join(STATE_DIR, "dpwan.db")


# ---- api/openapi.yaml as JSON Schema -------------------------------------------------
# Every response that goes through Lab.api() is checked against the description: the
# path template, the method, the status code, the content type and the body's schema.
# OpenAPI 3.0's schema dialect is JSON Schema draft 4/5 plus `nullable`; it is turned
# into plain draft 4 here (`nullable: true` becomes a type union with "null").

def _to_jsonschema(node):
    if isinstance(node, list):
        return [_to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k in ("nullable", "example", "deprecated", "discriminator", "xml",
                 "externalDocs", "readOnly", "writeOnly"):
            continue
        if k == "$ref":
            out[k] = v.replace("#/components/schemas/", "#/definitions/")
        elif k in ("properties", "patternProperties", "definitions"):
            out[k] = {pk: _to_jsonschema(pv) for pk, pv in v.items()}
        else:
            out[k] = _to_jsonschema(v)
    if node.get("nullable"):
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        if "type" not in out and ("$ref" in out or "allOf" in out or "oneOf" in out):
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class Spec:
    def __init__(self, path=SPEC_PATH):
        with open(path) as f:
            self.text = f.read()
        self.doc = yaml.safe_load(self.text)
        self.defs = {k: _to_jsonschema(v)
                     for k, v in self.doc["components"]["schemas"].items()}
        self.paths = []
        for tmpl, item in self.doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(tmpl)) + "$"
            self.paths.append((tmpl, re.compile(rx), item))
        # literal paths before templates (none collide today, but keep it exact)
        self.paths.sort(key=lambda p: p[0].count("{"))

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            cur = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                cur = cur[part]
            node = cur
        return node

    def template(self, path):
        path = path.split("?", 1)[0]
        for tmpl, rx, item in self.paths:
            if rx.match(path):
                return tmpl, item
        return None, None

    def validator(self, schema):
        root = dict(_to_jsonschema(schema))
        root["definitions"] = self.defs
        return jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker())

    def problem_errors(self, value):
        return list(self.validator({"$ref": "#/components/schemas/Problem"}).iter_errors(value))

    def check(self, method, path, resp):
        """Raise AssertionError unless RESP (an ApiResp) is what the description allows
        for METHOD PATH. Returns (template, method, status) when documented."""
        what = "%s %s -> HTTP %d" % (method, path, resp.code)
        tmpl, item = self.template(path)
        op = item.get(method.lower()) if item else None
        if op is None:
            # no such route or method: the server must say so, as a problem
            want = (404, 414) if item is None else (405,)
            assert resp.code in want + (401, 429), \
                "%s: undocumented path/method answered other than %s: %r" % (
                    what, want, resp.text[:300])
            assert resp.media == "application/problem+json", "%s: Content-Type %r" % (
                what, resp.ctype)
            errs = self.problem_errors(resp.json())
            assert not errs, "%s: problem body off the schema: %s" % (what, errs[0])
            if resp.code == 405:
                assert resp.header("Allow"), "%s: no Allow header" % what
            return None
        responses = op["responses"]
        key = str(resp.code)
        assert key in responses, "%s: status %s is not documented for %s %s (documented: %s)" \
            % (what, key, method, tmpl, sorted(responses))
        r = self.resolve(responses[key])
        for h in ("Allow", "WWW-Authenticate", "Retry-After"):
            if h in r.get("headers", {}):
                assert resp.header(h), "%s: the %s header is missing" % (what, h)
        et = resp.header("ETag")
        if et is not None:
            assert re.match(r'^"[0-9]+"$', et), "%s: ETag %r" % (what, et)
        content = r.get("content")
        if not content:
            assert resp.text == "", "%s: a body where none is documented: %r" % (
                what, resp.text[:200])
            return (tmpl, method.upper(), resp.code)
        assert resp.media in content, "%s: Content-Type %r, documented: %s" % (
            what, resp.ctype, sorted(content))
        schema = content[resp.media].get("schema")
        if schema is not None and resp.media in ("application/json",
                                                 "application/problem+json"):
            value = resp.json()
        elif schema is not None and resp.media == "application/yaml" and \
                self.resolve(schema).get("type") != "string":
            value = yaml.safe_load(resp.text)
        else:
            value = None
        if value is not None:
            errs = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.path))
            assert not errs, "%s: body does not match the description: %s at %s\n%s" % (
                what, errs[0].message, "/" + "/".join(str(x) for x in errs[0].path),
                resp.text[:2000])
        return (tmpl, method.upper(), resp.code)


SPEC = Spec()


class ApiResp(tuple):
    """(status, Content-Type, body text), as the 0.1 helper returned, plus .headers
    (lower-case names), .json(), .media (Content-Type without parameters)."""

    def __new__(cls, code, ctype, text, headers):
        self = tuple.__new__(cls, (code, ctype, text))
        self.headers = headers
        return self

    code = property(lambda self: self[0])
    ctype = property(lambda self: self[1])
    text = property(lambda self: self[2])
    media = property(lambda self: self[1].split(";")[0].strip().lower())

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError as e:
            raise AssertionError("not JSON (%s): %r" % (e, self.text[:300]))

    def etag(self):
        et = self.header("ETag")
        assert et is not None, "no ETag: %r" % (self.headers,)
        return int(et.strip('"'))

    def __repr__(self):
        return "ApiResp(%d, %r, %r)" % (self[0], self[1], self[2][:500])


def parse_curl_head(raw):
    """Split curl's `-D -` output: (status, headers dict, body) of the last response
    (a 100 Continue comes first for large bodies)."""
    while True:
        head, sep, rest = raw.partition("\r\n\r\n")
        if not sep:
            raise AssertionError("no HTTP header block in %r" % raw[:300])
        lines = head.split("\r\n")
        code = int(lines[0].split()[1])
        if 100 <= code < 200 and rest.startswith("HTTP/"):
            raw = rest
            continue
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers[k.strip().lower()] = v.strip()
        return code, headers, rest


def sql(query, db=DB):
    """The sqlite3 CLI on the store (WAL: a reader does not disturb the writer)."""
    p = subprocess.run(["sqlite3", "-bail", "-cmd", ".timeout 5000", db, query],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, "sqlite3 %r: %s" % (query, p.stderr)
    return p.stdout.strip()


def store_gens():
    """(number of generations, newest) in the store."""
    n, _, m = sql("select count(*), coalesce(max(gen), 0) from generations").partition("|")
    return int(n), int(m)


def subset(want, got, where="$"):
    """FRR topotest style: WANT's members (recursively) are in GOT with equal values;
    None on a match, else a message naming the first difference."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: want an object, got %r" % (where, got)
        for k, v in want.items():
            if k not in got:
                return "%s: no member %r in %r" % (where, k, sorted(got))
            d = subset(v, got[k], "%s.%s" % (where, k))
            if d:
                return d
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: want a list of %d, got %r" % (where, len(want), got)
        for i, (a, b) in enumerate(zip(want, got)):
            d = subset(a, b, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if want == got else "%s: want %r, got %r" % (where, want, got)


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
        self.checked = set()       # (template, method, status) seen by Lab.api()
        self.default_doc = None    # the lab's factory document, as GET /config gives it

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
        for name in ("dataplane.log", "control.log", "supervisor.log",
                     "dns-supervisor.log", "dnsmasq.log"):
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

    def api(self, method, path, body=None, token=None, headers=(), ctype=None,
            timeout=10, check=True, source=None):
        """One request to the REST API from inside the appliance namespace, with TOKEN
        (default: the initial admin token; "" for none). BODY (str or bytes) goes as
        Content-Type CTYPE (default application/json); HEADERS: more "Name: value".
        Returns an ApiResp: (HTTP status, Content-Type, body text) with .headers and
        .json(). SOURCE: the client address (another 127.x.y.z than 127.0.0.1).
        Every response is checked against api/openapi.yaml (check=False only
        for what the description cannot say, such as a client that sends garbage)."""
        if token is None:
            token = self.admin_token()
        args = ["curl", "-sS", "--max-time", str(timeout), "-D", "-", "-o", "-", "-w",
                "\n%{http_code} %{content_type}", "-X", method, API + path]
        if source:
            args[1:1] = ["--interface", source]
        if token:
            args += ["-H", "Authorization: Bearer " + token]
        for h in headers:
            args += ["-H", h]
        data = None
        if body is not None:
            args += ["-H", "Content-Type: " + (ctype or "application/json"),
                     "--data-binary", "@-"]
            # no "Expect: 100-continue" unless the caller asks for it in HEADERS
            if not any(h.lower().startswith("expect:") for h in headers):
                args += ["-H", "Expect:"]
            data = body.encode() if isinstance(body, str) else body
        p = subprocess.run(self._argv("appliance", args), capture_output=True,
                           timeout=timeout + 5, input=data if data is not None else b"",
                           )
        out = p.stdout.decode("utf-8", "replace")
        text, _, tail = out.rpartition("\n")
        code, _, ctype_got = tail.partition(" ")
        assert code.isdigit() and code != "000", "curl %s %s: exit %d %r %r" % (
            method, path, p.returncode, out[-300:], p.stderr[-300:])
        scode, hdrs, body_text = parse_curl_head(text)
        assert scode == int(code), (scode, code)
        r = ApiResp(int(code), ctype_got, body_text, hdrs)
        if check:
            seen = SPEC.check(method, path, r)
            if seen:
                self.checked.add(seen)
        return r

    def api_json(self, method, path, body=None, want=200, **kw):
        """api() that must answer WANT; returns (parsed JSON or None, ApiResp)."""
        r = self.api(method, path, body, **kw)
        assert r.code == want, "%s %s: HTTP %d, expected %d: %s" % (method, path, r.code,
                                                                    want, r.text[:1000])
        return (r.json() if r.text.strip() else None), r

    def get_config(self, yaml_fmt=False):
        """(document, generation) of GET /api/v1/config (JSON or YAML text)."""
        r = self.api("GET", "/api/v1/config",
                     headers=["Accept: application/yaml"] if yaml_fmt else ())
        assert r.code == 200, r
        return (r.text if yaml_fmt else r.json()), r.etag()

    def put_config(self, doc, gen=None, want=200, query="", ctype=None):
        """PUT /api/v1/config with If-Match GEN (default: the running one); DOC is a
        tree (sent as JSON) or a text (sent with CTYPE). Returns (json, ApiResp)."""
        if gen is None:
            gen = self.get_config()[1]
        body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
        return self.api_json("PUT", "/api/v1/config" + query, body, want=want,
                             headers=['If-Match: "%d"' % gen], ctype=ctype)

    def last_event(self):
        """The newest event's seq (the list is oldest first: page through it)."""
        last = 0
        while True:
            page = self.api_json("GET", "/api/v1/events?since=%d&limit=1000" % last)[0]
            if not page["events"]:
                return last
            last = page["last"]

    def api_status(self):
        return self.api_json("GET", "/api/v1/status")[0]

    def wan_state(self, name):
        return self.api_json("GET", "/api/v1/wans/" + name)[0]

    def restore_default(self):
        """Put the lab's factory document back (both WANs enabled, weight 1) unless it
        runs already, and wait until both WANs are usable again."""
        assert self.default_doc is not None
        pend = self.api_status()["config"]["pending_confirm"]
        if pend:
            self.api("POST", "/api/v1/config/confirm")
        doc, gen = self.get_config()
        if doc != self.default_doc:
            self.put_config(self.default_doc, gen)
        self.wait_for(lambda: all(w["usable"] and w["weight"] == 1 for w in
                                  self.api_status()["wans"]), 10, "both WANs usable")

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
        # the factory document (conf's system.policy) is applied by then, or soon
        lab.wait_for(lambda: lab.api_status()["config"]["generation"] >= 1, 10,
                     "the factory document to be applied")
        lab.default_doc = lab.get_config()[0]
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
