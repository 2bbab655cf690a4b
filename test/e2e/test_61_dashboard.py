# SPDX-License-Identifier: BSD-3-Clause
"""The web dashboard (issue 11) in a real browser: Debian's Chromium, headless, driven by
Selenium (dash_driver.py) inside the appliance's namespace, where the API listens. The
page's files and their headers, whoami and the WAN history through the API; then the
page: it loads with a token (kept in sessionStorage, never in the URL), shows both WANs
online, a WAN blackholed in the lab turns its card offline within the health checker's
detection time plus two seconds, its buttons change a WAN through the API (checked with
the API), a read-only token sees no buttons. Screenshots (desktop and phone) are saved
for people to look at, in DPWAN_ARTEFACTS or <build>/meson-logs/test_61_dashboard/.

Every step that can hang runs under a timeout; the driver, chromedriver and Chromium are
stopped by their PIDs (the driver's process group and the processes found under it)
also when a test fails."""
import json
import os
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import HERE, PY, REPO, Lab, build_dir
from health_lab import reset_health_lab

WWW = os.path.join(REPO, "control", "www")
PAGE = "http://127.0.0.1:8080/dashboard/"
START_TIMEOUT = 60
CMD_TIMEOUT = 30
PHONE = (390, 844)
DESKTOP = (1280, 1000)


def artefact_dir():
    d = os.environ.get("DPWAN_ARTEFACTS") or os.path.join(build_dir(), "meson-logs",
                                                          "test_61_dashboard")
    os.makedirs(d, exist_ok=True)
    return d


def descendants(pid):
    """PIDs under PID (children, their children ...), from /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


class Browser:
    """dash_driver.py in the appliance namespace; cmd() sends a command and waits for its
    answer with a bound."""

    def __init__(self, workdir):
        self.err_path = os.path.join(workdir, "dash_driver.err")
        err = open(self.err_path, "w")
        self.p = subprocess.Popen(
            Lab._argv("appliance", [PY, os.path.join(HERE, "dash_driver.py"), workdir]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            start_new_session=True)
        err.close()
        self.buf = b""
        self.known = set()
        try:
            ready = self._reply(START_TIMEOUT)
            assert ready.get("ready"), "dash_driver did not start: %r\n%s" % (
                ready, self.stderr())
        except BaseException:
            self.close()
            raise
        self._remember()

    def stderr(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def _remember(self):
        self.known.update(descendants(self.p.pid))

    def _reply(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("dash_driver: no answer within %.0f s\n%s" % (
                    timeout, self.stderr()))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError("dash_driver exited (%s)\n%s" % (
                        self.p.poll(), self.stderr()))
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def cmd(self, op, timeout=CMD_TIMEOUT, **args):
        args["op"] = op
        self.p.stdin.write((json.dumps(args) + "\n").encode())
        self.p.stdin.flush()
        rep = self._reply(timeout)
        self._remember()       # Chromium's processes come and go: know them all
        assert rep["ok"], "dash_driver %s: %s" % (op, rep.get("error"))
        return rep.get("value")

    def js(self, script, *args):
        return self.cmd("js", script=script, args=list(args))

    def wait_js(self, script, timeout, what, interval=0.1):
        """Poll SCRIPT (a function body returning a value) until it is truthy."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = self.js(script)
            if last:
                return last
            if time.monotonic() >= deadline:
                raise AssertionError("page: timed out after %.1f s waiting for %s; last: %r"
                                     % (timeout, what, last))
            time.sleep(interval)

    def close(self):
        """quit, bounded; then SIGKILL whatever of ours is left (by PID)."""
        try:
            if self.p.poll() is None:
                self.p.stdin.write(b'{"op": "quit"}\n')
                self.p.stdin.flush()
                self.p.wait(15)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        if self.p.poll() is None:
            self.known.update(descendants(self.p.pid))
        for sig_target in ("group", "known"):
            try:
                if sig_target == "group":
                    os.killpg(self.p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if sig_target == "known":
                for pid in self.known:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except OSError:
                pass
        left = [p for p in self.known if os.path.exists("/proc/%d" % p) and
                not _zombie(p)]
        assert not left, "processes of the browser still alive: %s" % left


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="module")
def browser(lab):
    b = Browser(lab.workdir)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def restored(lab):
    yield
    reset_health_lab(lab)


# what the page shows of the WANs: [{name, state, enabled, actions (visible buttons)}]
CARDS_JS = """
return Array.from(document.querySelectorAll('#wans .card')).map((c) => ({
    name: c.dataset.wan, state: c.dataset.state, enabled: c.dataset.enabled,
    text: c.querySelector('.state').textContent,
    actions: Array.from(c.querySelectorAll('button[data-action]'))
        .filter((b) => !b.hidden).map((b) => b.dataset.action),
    buttons: c.querySelectorAll('button').length}));
"""


def cards(browser):
    return {c["name"]: c for c in browser.js(CARDS_JS)}


def card_state(browser, name):
    return cards(browser).get(name, {}).get("state")


def sign_in(browser, token):
    """Open the page afresh (signed out: an empty sessionStorage) and sign in."""
    browser.cmd("open", url=PAGE)
    browser.js("sessionStorage.clear();")
    browser.cmd("open", url=PAGE)
    browser.cmd("login", token=token)
    return browser.wait_js("return !document.getElementById('dash').hidden && "
                           "document.querySelectorAll('#wans .card').length", 10,
                           "the dashboard with its WAN cards")


def detection_s(lab, wan):
    """The health checker's worst-case detection time of a dead WAN, from the running
    document: timeout + (down - 1) x interval (rounds are started every interval,
    whatever is in flight; health.c)."""
    doc, _ = lab.get_config()
    h = next(w for w in doc["wans"] if w["name"] == wan)["health"]
    return (h["timeout_ms"] + (h["down"] - 1) * h["interval_ms"]) / 1000.0


# ---- the files and the API, without a browser -------------------------------------------

def test_files_headers_and_redirect(lab):
    r = lab.api("GET", "/", token="")
    assert r.code == 302 and r.header("Location") == "/dashboard/", r
    r = lab.api("GET", "/dashboard", token="")
    assert r.code == 302 and r.header("Location") == "/dashboard/", r
    want = {"index.html": "text/html", "dashboard.js": "text/javascript",
            "dashboard.css": "text/css"}
    for name, media in want.items():
        with open(os.path.join(WWW, name)) as f:
            src = f.read()
        for path in (["/dashboard/", "/dashboard/index.html"] if name == "index.html"
                     else ["/dashboard/" + name]):
            r = lab.api("GET", path, token="")       # no token needed for the files
            assert r.code == 200 and r.media == media, (path, r)
            assert r.text == src, "%s differs from control/www/%s" % (path, name)
            csp = r.header("Content-Security-Policy")
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
            assert r.header("X-Content-Type-Options") == "nosniff", r.headers
            assert r.header("X-Frame-Options") == "DENY", r.headers
    # an unknown file, a file of another kind: 404, clearly
    for path in ("/dashboard/nosuch.js", "/dashboard/README", "/dashboard/x.exe"):
        r = lab.api("GET", path, token="")
        assert r.code == 404 and r.media == "application/problem+json", (path, r)
    assert "nosuch.js" in lab.api("GET", "/dashboard/nosuch.js", token="").json()["detail"]
    # a path that climbs matches no route: like any unknown path, a token first (the
    # description cannot say that of /dashboard/{file}: not checked against it)
    for path in ("/dashboard/..%2fmeson.build", "/dashboard/a/b"):
        r = lab.api("GET", path, token="", check=False)
        assert r.code == 401 and r.media == "application/problem+json", (path, r)
        assert lab.api("GET", path, check=False).code == 404, path
    # the page brings no inline script or style, and asks nothing of another origin
    html = open(os.path.join(WWW, "index.html")).read()
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"
    for name in want:
        text = open(os.path.join(WWW, name)).read()
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s'\")]*", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, (name, urls)   # a namespace name
    # the data are not open without a token
    for path in ("/api/v1/whoami", "/api/v1/history"):
        assert lab.api("GET", path, token="").code == 401


def test_whoami(lab):
    me, _ = lab.api_json("GET", "/api/v1/whoami")
    assert me["role"] == "admin" and re.match(r"^tok_[0-9a-f]{8}$", me["id"]), me
    t = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t61 who"}',
                     want=201)[0]
    try:
        me, _ = lab.api_json("GET", "/api/v1/whoami", token=t["token"])
        assert me == {"id": t["id"], "role": "read-only", "comment": "t61 who"}, me
    finally:
        lab.api_json("DELETE", "/api/v1/tokens/" + t["id"], want=204)
    assert lab.api("GET", "/api/v1/whoami", token=t["token"]).code == 401
    assert lab.api("GET", "/api/v1/whoami", token="dpw_" + "0" * 64).code == 401


def test_history_samples_and_since(lab, http_server):
    gen = lab.api_status()["config"]["generation"]
    # wait until both WANs have two samples (5 s apart)
    h = lab.wait_for(lambda: (lambda a: a if all(len(w["samples"]["t"]) >= 2
                                                 for w in a["wans"]) else None)(
        lab.api_json("GET", "/api/v1/history")[0]), 20, "two history samples")
    assert h["period_s"] == 5 and h["span_s"] == 3600, h
    assert [w["name"] for w in h["wans"]] == ["wan1", "wan2"], h
    for w in h["wans"]:
        s = w["samples"]
        assert len({len(v) for v in s.values()}) == 1, s
        assert all(b - a in (4, 5, 6) for a, b in zip(s["t"], s["t"][1:])), s["t"]
        assert abs(s["t"][-1] - h["now"]) <= 6, (s["t"][-1], h["now"])
        assert w["state"] == "online" and w["seconds_in_state"] >= 0, w
        # the lab's checks: ping every 200 ms over the WAN, answered
        assert s["rtt_us"][-1] is not None and s["rtt_us"][-1] > 0, s
        assert w["thresholds"] == {"latency_warn_ms": 150, "latency_down_ms": 400,
                                   "loss_warn_pct": 5, "loss_down_pct": 20}, w
    # the rates follow the traffic: a download of 30 MB at 4 MB/s over one WAN
    path = os.path.join(http_server.root, "t61.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(30 << 20))
    mark = h["now"]
    cli = lab.start_bg("lan", ["curl", "-sS", "--max-time", "60", "--limit-rate", "4M", "-o",
                               "/dev/null", http_server.url("/file/t61.bin")], "t61-curl")
    try:
        def fast():
            a = lab.api_json("GET", "/api/v1/history?since=%d" % mark)[0]
            return max([x or 0 for w in a["wans"] for x in w["samples"]["rx_bps"]] + [0]) \
                > 16e6
        lab.wait_for(fast, 20, "a sample of more than 16 Mbit/s received (4 MB/s sent)")
        assert cli.wait(60) == 0, cli.output()
    finally:
        lab.stop_bg(cli)
        os.unlink(path)
    # since: only later samples; a sample is never given twice
    a = lab.api_json("GET", "/api/v1/history")[0]
    last = a["wans"][0]["samples"]["t"][-1]
    b = lab.api_json("GET", "/api/v1/history?since=%d" % last)[0]
    for w in b["wans"]:
        assert all(t > last for t in w["samples"]["t"]), (last, w["samples"]["t"])
    b = lab.api_json("GET", "/api/v1/history?since=%d" % (last - 1))[0]
    assert b["wans"][0]["samples"]["t"][:1] == [last], (last, b["wans"][0]["samples"]["t"])
    b = lab.api_json("GET", "/api/v1/history?since=9999999999")[0]
    assert all(w["samples"]["t"] == [] for w in b["wans"]), b
    # bad input: a clear 400, nothing changed
    for bad in ("abc", "-1", "1e3", "10000000000", "", "12%2034", "1.5"):
        r = lab.api("GET", "/api/v1/history?since=" + bad)
        assert r.code == 400, (bad, r)
        assert "since" in r.json()["detail"], r
    assert lab.api_status()["config"]["generation"] == gen


# ---- the page in a browser --------------------------------------------------------------

def test_page_loads_with_a_token(lab, browser):
    tok = lab.admin_token()
    browser.cmd("open", url="http://127.0.0.1:8080/")
    assert browser.cmd("url") == PAGE            # redirected
    browser.js("sessionStorage.clear();")
    browser.cmd("open", url=PAGE)
    # a bad token is refused and not kept
    browser.cmd("login", token="dpw_" + "1" * 64)
    err = browser.wait_js("return document.getElementById('login-error').textContent", 10,
                          "the sign-in error")
    assert "not valid" in err, err
    assert browser.js("return sessionStorage.length") == 0
    browser.cmd("login", token=tok)
    browser.wait_js("return !document.getElementById('dash').hidden", 10, "the dashboard")
    c = browser.wait_js(
        "const s = Array.from(document.querySelectorAll('#wans .card')).map(c => "
        "c.dataset.wan + '=' + c.dataset.state); "
        "return s.length == 2 && s.every(x => x.endsWith('=online')) && s", 10,
        "both WAN cards online")
    assert sorted(c) == ["wan1=online", "wan2=online"], c
    # the token is in this tab's sessionStorage, never in the URL
    assert browser.js("return sessionStorage.getItem('dpwan.token')") == tok
    assert tok not in browser.cmd("url")
    who = browser.js("return document.getElementById('who').textContent")
    assert "(admin)" in who, who
    # the cards carry the API's figures
    wans = {w["name"]: w for w in lab.api_json("GET", "/api/v1/wans")[0]}
    text = browser.js("return document.getElementById('wan-wan1').textContent")
    assert wans["wan1"]["address"] in text and wans["wan1"]["gateway"] in text, text
    assert "warn 150 / down 400 ms" in text, text
    # graphs: a line per WAN once the history has samples; events and policies listed
    browser.wait_js("return document.querySelectorAll('#g-rtt path.series').length >= 2",
                    15, "an RTT line per WAN")
    browser.wait_js("return document.querySelectorAll('#events tbody tr').length > 0", 10,
                    "the event log")
    browser.wait_js("return document.querySelectorAll('#split-policy .row').length > 0", 10,
                    "the traffic split per policy")
    assert browser.js("return document.getElementById('error').hidden") is True, \
        browser.js("return document.getElementById('error').textContent")
    art = artefact_dir()
    d = browser.cmd("screenshot", path=os.path.join(art, "dashboard-desktop.png"),
                    width=DESKTOP[0], height=DESKTOP[1])
    assert d["scroll_width"] <= DESKTOP[0], d
    p = browser.cmd("screenshot", path=os.path.join(art, "dashboard-phone.png"),
                    width=PHONE[0], height=PHONE[1], mobile=True)
    # the viewport meta is honoured and nothing is wider than the phone
    assert p["inner_width"] == PHONE[0] and p["scroll_width"] <= PHONE[0], p
    for n in ("dashboard-desktop.png", "dashboard-phone.png"):
        with open(os.path.join(art, n), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", n


def test_blackholed_wan_card_goes_offline(lab, browser, restored):
    sign_in(browser, lab.admin_token())
    browser.wait_js("return Array.from(document.querySelectorAll('#wans .card'))"
                    ".every(c => c.dataset.state == 'online')", 10, "both WANs online")
    bound = detection_s(lab, "wan1") + 2.0
    t0 = time.monotonic()
    lab.lab("link", "isp1", "blackhole=1")
    try:
        browser.wait_js("return document.getElementById('wan-wan1').dataset.state == "
                        "'offline'", bound, "the wan1 card offline")
        took = time.monotonic() - t0
        assert took <= bound, "%.2f s > %.2f s" % (took, bound)
        with open(os.path.join(artefact_dir(), "timings.txt"), "a") as f:
            f.write("wan1 blackholed: card offline after %.2f s (bound %.2f s)\n" % (
                took, bound))
        assert card_state(browser, "wan2") == "online"
        assert lab.wan_state("wan1")["state"] == "offline"
        # the transition is in the page's event log (its event stream, or the poll)
        browser.wait_js("return Array.from(document.querySelectorAll('#events tbody tr'))"
                        ".some(r => r.cells[1].textContent == 'wan_state' && "
                        "r.cells[2].textContent == 'wan1' && "
                        "r.cells[3].textContent.includes('offline'))", 5,
                        "wan1's wan_state event in the event log")
        assert cards(browser)["wan1"]["text"] == "offline"
        browser.cmd("screenshot", path=os.path.join(artefact_dir(), "dashboard-wan1-offline.png"),
                    width=DESKTOP[0], height=DESKTOP[1])
    finally:
        lab.lab("link", "isp1", "blackhole=0")
    browser.wait_js("return document.getElementById('wan-wan1').dataset.state == 'online'",
                    30, "the wan1 card online again")


def test_buttons_change_the_wan_through_the_api(lab, browser, restored):
    sign_in(browser, lab.admin_token())
    c = browser.wait_js("const c = document.getElementById('wan-wan2'); "
                        "return c && c.dataset.state == 'online' && c.dataset.wan", 10,
                        "wan2 online")
    assert cards(browser)["wan2"]["actions"] == ["disable", "force-down"]
    gen = lab.api_status()["config"]["generation"]
    browser.cmd("click", wan="wan2", action="disable")
    w = lab.wait_for(lambda: (lambda w: w if w["state"] == "disabled" else None)(
        lab.wan_state("wan2")), 10, "wan2 disabled through the API")
    assert w["enabled"] is False and w["usable"] is False, w
    assert lab.api_status()["config"]["generation"] > gen
    browser.wait_js("const c = document.getElementById('wan-wan2'); return "
                    "c.dataset.state == 'disabled' && !c.querySelector("
                    "'button[data-action=enable]').hidden", 5, "the card disabled")
    browser.cmd("click", wan="wan2", action="enable")
    lab.wait_for(lambda: (lambda w: w["enabled"] and w["state"] == "online")(
        lab.wan_state("wan2")), 15, "wan2 enabled and online again")
    browser.cmd("click", wan="wan2", action="force-down")
    w = lab.wait_for(lambda: (lambda w: w if w["state"] == "forced_down" else None)(
        lab.wan_state("wan2")), 10, "wan2 forced down")
    assert w["forced_down"] is True, w
    browser.wait_js("return !document.querySelector('#wan-wan2 button[data-action=clear]')"
                    ".hidden", 5, "the clear button")
    browser.cmd("click", wan="wan2", action="clear")
    lab.wait_for(lambda: (lambda w: not w["forced_down"] and w["state"] == "online")(
        lab.wan_state("wan2")), 15, "wan2 cleared and online")
    browser.wait_js("return document.getElementById('wan-wan2').dataset.state == 'online'",
                    5, "the card online")
    assert browser.js("return document.getElementById('error').hidden") is True


def test_read_only_token_sees_no_buttons(lab, browser):
    t = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t61"}',
                     want=201)[0]
    try:
        sign_in(browser, t["token"])
        c = browser.wait_js("const c = Array.from(document.querySelectorAll('#wans .card'));"
                            " return c.length == 2 && c.every(x => x.dataset.state == "
                            "'online') && c.length", 10, "both cards online")
        assert c == 2
        assert browser.js("return document.querySelectorAll('button[data-action]').length") == 0
        assert all(x["buttons"] == 0 for x in cards(browser).values())
        assert "(read-only)" in browser.js("return document.getElementById('who').textContent")
        # the data still come: the history's lines, the events
        browser.wait_js("return document.querySelectorAll('#g-rtt path.series').length >= 2",
                        15, "an RTT line per WAN")
        browser.cmd("screenshot", path=os.path.join(artefact_dir(),
                                                    "dashboard-read-only.png"),
                    width=DESKTOP[0], height=DESKTOP[1])
        # and the API refuses the token's writes anyway
        r = lab.api("POST", "/api/v1/wans/wan1/disable", token=t["token"])
        assert r.code == 403, r
        assert lab.wan_state("wan1")["enabled"] is True
        # signing out forgets the token
        browser.js("document.getElementById('logout').click();")
        assert browser.js("return sessionStorage.getItem('dpwan.token')") is None
        assert browser.js("return !document.getElementById('login').hidden") is True
    finally:
        lab.api_json("DELETE", "/api/v1/tokens/" + t["id"], want=204)
