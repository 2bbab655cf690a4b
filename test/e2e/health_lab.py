# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the WAN health-check tests (test_25, 27, 28): documents with health sections,
the states and events the API reports, and the lab plumbing those tests need inside the
lab's namespaces (an nftables table in an ISP, extra server addresses in inet, a DNS
server, a silent DNS server), each undone by the fixture that made it, also on failure.

tools/lab is not changed: everything here is done with ip / nft / processes started by
Lab.start_bg and stopped by their PID. Only our own nftables table is ever deleted (the
lab's isolation table `netdev dpwan_lab` in the same namespaces is left alone).
"""
import contextlib
import copy
import datetime
import json
import os
import re
import time

import pytest

from conftest import HERE, PY, SERVER, UDP_PORT

WAN1, WAN2 = "198.18.1.2", "198.18.2.2"
WAN_STATES = ("online", "degraded", "offline", "disabled", "forced_down", "standby",
              "unconfigured")
EXTRA_SERVERS = ("198.19.0.11",)       # a second ping target next to 198.19.0.10
DEAD_TARGETS = ("198.19.0.21", "198.19.0.22")   # in inet's subnet, nobody has them
DNS_UP = "198.19.0.53"                 # dnsmasq: up.test A 198.19.0.10, NXDOMAIN for .test
DNS_SILENT = "198.19.0.54"             # a UDP socket on port 53 that never answers
TCP_WATCH_PORT = 7100
NFT_TABLE = "dpwan_t25"


def flow_watch_cmd(*args):
    return [PY, os.path.join(HERE, "flow_watch.py"), *[str(a) for a in args]]


# ---- documents ------------------------------------------------------------------------

def health_doc(lab, wan1=None, wan2=None, members=None):
    """The lab's factory document with the health section of wan1 / wan2 REPLACED by the
    given dicts (None: left as the factory has it). The canonical form the API gives back
    writes every member of a section, so merging into it would override the preset.
    MEMBERS: {"wan1": {"priority": 2}, ...} for members beside health."""
    doc = copy.deepcopy(lab.default_doc)
    for w in doc["wans"]:
        h = {"wan1": wan1, "wan2": wan2}.get(w["name"])
        if h is not None:
            w["health"] = copy.deepcopy(h)
        w.update(copy.deepcopy((members or {}).get(w["name"], {})))
    return doc


def apply(lab, doc):
    """PUT DOC; wait until the dataplane runs it. Returns the generation."""
    res, r = lab.put_config(doc)
    gen = r.etag()
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] == gen, 10,
                 "the dataplane to run generation %d" % gen)
    return gen


# ---- states -----------------------------------------------------------------------------

def wan_view(lab, name):
    """(state, health state, usable, the whole object) of GET /api/v1/wans/NAME."""
    w = lab.wan_state(name)
    return w["state"], (w.get("health") or {}).get("state"), w["usable"], w


def wait_wan(lab, name, timeout, state=None, health=None, usable=None, what=None):
    """Poll until NAME's state / health.state / usable are the ones given; the object."""
    def ok():
        st, hs, us, w = wan_view(lab, name)
        if state is not None and st != state:
            return None
        if health is not None and hs != health:
            return None
        if usable is not None and us != usable:
            return None
        return w
    return lab.wait_for(ok, timeout, what or "%s state=%s health=%s usable=%s" % (
        name, state, health, usable), interval=0.05)


def both_online(lab, timeout=30):
    for n in ("wan1", "wan2"):
        wait_wan(lab, n, timeout, state="online", health="online", usable=True)


def stays(lab, name, seconds, pred, what):
    """PRED(wan object) holds at every poll for SECONDS; fails at the first poll where it
    does not."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        w = lab.wan_state(name)
        assert pred(w), "%s: %s" % (what, json.dumps(w)[:1500])
        time.sleep(0.1)


# ---- events -------------------------------------------------------------------------------

_EV_RX = re.compile(r"^(\S+) (%s)\b[:,]?\s*(.*)$" % "|".join(WAN_STATES))


def events_since(lab, seq, types=None, wan=None):
    out = []
    last = seq
    while True:
        page = lab.api_json("GET", "/api/v1/events?since=%d&limit=1000" % last)[0]
        if not page["events"]:
            break
        out += page["events"]
        last = page["last"]
    return [e for e in out if (types is None or e["type"] in types) and
            (wan is None or e.get("wan") == wan)]


def parse_state_event(e):
    """(new state, reason text, previous state or None) of a wan_state event's message
    ("wan1 offline: 3 consecutive ping timeouts to ... (was online)")."""
    m = _EV_RX.match(e["message"])
    assert m, "wan_state event not in the form 'WAN STATE: reason (was STATE)': %r" % e
    assert m.group(1) == e["wan"], e
    rest = m.group(3)
    was = re.search(r"\(was (\w+)\)\s*$", rest)
    return m.group(2), rest, was.group(1) if was else None


def state_events(lab, seq, wan):
    return [(parse_state_event(e), e) for e in events_since(lab, seq, ("wan_state",), wan)]


def wait_state_event(lab, seq, wan, state, timeout):
    """The first wan_state event after SEQ that puts WAN in STATE."""
    def find():
        for (st, _, _), e in state_events(lab, seq, wan):
            if st == state:
                return e
        return None
    return lab.wait_for(find, timeout, "a wan_state event: %s %s" % (wan, state),
                        interval=0.1)


def ev_time(e):
    """An event's time as a Unix timestamp (RFC 3339, milliseconds)."""
    t = e["time"].replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(t).timestamp()


# ---- lab plumbing -------------------------------------------------------------------------

def _ip(lab, ns, *args):
    return lab.run(None, ["timeout", "10", "ip", "-n", ns, *args], check=True)


@contextlib.contextmanager
def inet_addrs(lab, addrs):
    """Extra /24 addresses on inet's srv0 (servers and ping targets); removed after."""
    added = []
    try:
        for a in addrs:
            _ip(lab, "inet", "addr", "add", a + "/24", "dev", "srv0")
            added.append(a)
        yield
    finally:
        for a in added:
            lab.run(None, ["timeout", "10", "ip", "-n", "inet", "addr", "del", a + "/24",
                           "dev", "srv0"])


def nft_table_exists(lab, ns):
    return lab.run(ns, ["timeout", "10", "nft", "list", "table", "ip", NFT_TABLE]).returncode == 0


def nft_drop(lab, ns, rules):
    """Our table in NS with RULES (nft syntax of `table ip dpwan_t25 { ... }`'s body)."""
    nft_flush(lab, ns)
    lab.run(ns, ["timeout", "10", "nft", "-f", "-"], check=True,
            input="table ip %s {\n%s\n}\n" % (NFT_TABLE, rules))


def nft_flush(lab, ns):
    """Delete our table in NS (only ours), if it is there."""
    if nft_table_exists(lab, ns):
        lab.run(ns, ["timeout", "10", "nft", "delete", "table", "ip", NFT_TABLE], check=True)


# ICMP to and from inet's servers and to the ISP router itself (the ping target when a
# WAN's targets are empty): ping dies, TCP / UDP / DNS / HTTP pass.
NFT_DROP_ICMP = """
  chain input { type filter hook input priority -10; policy accept;
    ip protocol icmp drop; }
  chain forward { type filter hook forward priority -10; policy accept;
    ip daddr 198.19.0.0/24 ip protocol icmp drop;
    ip saddr 198.19.0.0/24 ip protocol icmp drop; }
  chain output { type filter hook output priority -10; policy accept;
    ip protocol icmp drop; }
"""


def link_reset(lab, isp="isp1"):
    """The link emulator of ISP back to no impairment, its link up, our nft table gone."""
    errs = []
    for args in (("link", isp, "reset"), ("link", isp, "up")):
        p = lab.lab(*args, check=False)
        if p.returncode != 0:
            errs.append("tools/lab %s: %s%s" % (" ".join(args), p.stdout, p.stderr))
    try:
        nft_flush(lab, isp)
    except AssertionError as e:
        errs.append(str(e))
    return errs


def reset_health_lab(lab):
    """Everything a health test may have changed, back: links, nft, the document; then
    both WANs online again (bounded: the hold-down of the default preset can ask up to
    up_max = 40 good rounds of 200 ms after repeated flaps)."""
    errs = link_reset(lab, "isp1") + link_reset(lab, "isp2")
    try:
        lab.restore_default()
    except AssertionError as e:
        errs.append(str(e))
    for n in ("wan1", "wan2"):
        try:
            wait_wan(lab, n, 30, usable=True)
        except AssertionError as e:
            errs.append(str(e))
    assert not errs, "could not restore the lab after a health test:\n" + "\n".join(errs)


@pytest.fixture
def health_restored(lab):
    """Each health test: the lab's links, nft and document restored at the end."""
    yield
    reset_health_lab(lab)


class DnsServers:
    def __init__(self, up, silent):
        self.up, self.silent = up, silent


@pytest.fixture(scope="module")
def dns_servers(lab):
    """dnsmasq on DNS_UP (up.test -> 198.19.0.10; other names under .test: NXDOMAIN)
    and a server on DNS_SILENT that reads queries and never answers; both in inet."""
    dnsmasq = None
    for d in ("/usr/sbin", "/sbin", "/usr/bin"):
        if os.access(os.path.join(d, "dnsmasq"), os.X_OK):
            dnsmasq = os.path.join(d, "dnsmasq")
    if dnsmasq is None:
        pytest.skip("dnsmasq is not installed (apt-get install -y dnsmasq-base)")
    pidf = os.path.join(lab.workdir, "dnsmasq.pid")
    ready = os.path.join(lab.workdir, "dns-silent.ready")
    with inet_addrs(lab, (DNS_UP, DNS_SILENT)):
        up = lab.start_bg("inet", [dnsmasq, "--no-daemon", "--no-resolv", "--no-hosts",
                                   "--conf-file=/dev/null", "--user=root", "--group=root",
                                   "--port=53", "--listen-address=" + DNS_UP,
                                   "--bind-interfaces", "--local=/test/",
                                   "--address=/up.test/" + SERVER, "--pid-file=" + pidf,
                                   "--log-facility=-"], "dnsmasq")
        silent = lab.start_bg("inet", flow_watch_cmd("udp-silent", DNS_SILENT, 53, ready),
                              "dns-silent", ready_file=ready)
        try:
            lab.wait_for(lambda: dig(lab, "inet", DNS_UP, "up.test") == SERVER or
                         not up.alive(), 10, "dnsmasq to answer")
            assert up.alive(), up.output()
            yield DnsServers(up, silent)
        finally:
            lab.stop_bg(silent)
            lab.stop_bg(up)


def dig(lab, ns, server, name):
    """One A query of NAME to SERVER from NS with python (no dig needed): the address,
    "NXDOMAIN", another rcode name, or None on no answer."""
    p = lab.run(ns, flow_watch_cmd("dns-query", server, name), timeout=10)
    out = p.stdout.strip()
    return out or None


class UdpWho:
    """clients.py-like UDP stream in lan: flow_watch.py udp-who (one socket, WHO every
    PERIOD s); its log has one JSON line per echo: {"t": unix time, "addr": ...}."""

    def __init__(self, lab, bg, log, ready):
        self.lab, self.bg, self.log, self.ready = lab, bg, log, ready

    def replies(self):
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        out.append(json.loads(line))
        except (OSError, ValueError):
            pass
        return out


def start_udp_who(lab, name, want_addr, period=0.05):
    log = os.path.join(lab.workdir, name + ".log")
    ready = os.path.join(lab.workdir, name + ".ready")
    for p in (log, ready):
        if os.path.exists(p):
            os.unlink(p)
    bg = lab.start_bg("lan", flow_watch_cmd("udp-who", SERVER, UDP_PORT, want_addr, period,
                                            log, ready), name, ready_file=ready,
                      ready_timeout=15)
    return UdpWho(lab, bg, log, ready)
