# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the LAN services tests (issue 9: test_40 DHCP, test_41 DNS, the dataplane's
DNS snooping tests): upstream resolvers in inet, documents that point the WANs at them,
dig from a LAN namespace, the LAN service sections of a document.

The upstreams: one dnsmasq per WAN in inet, RES["wan1"] = 198.19.0.53 (what wan1's
addressing.dns names) and RES["wan2"] = 198.19.0.54. The addresses go on inet's srv0 as
/32s (inet's servers' link: both ISPs route 198.19.0.0/24 to inet, so either WAN reaches
both) and are removed at the end. Each one answers, from its own configuration only
(--no-resolv: never asks anyone):
  example.test        A 198.19.0.10 with the TTL given (default 30)
  which.test          A its own address (TTL 0: never cached): who answered
  <anything>.wild.test  A 198.19.0.11 (TTL as example.test): a name no cache has seen
  RECORDS / CNAMES    more, as the caller asks (snooping tests)
  other names under .test: NXDOMAIN
and logs every query it gets (dnsmasq --log-queries) with the source address it saw,
which is the appliance's address on the WAN the query left by (198.18.N.2).

The processes are started by Lab.start_bg and stopped by their PID; tools/lab is not
changed.
"""
import contextlib
import copy
import ipaddress
import os
import re
import shutil
import uuid

import pytest

from conftest import SERVER

LAN_ADDR = "198.18.0.1"                        # the appliance: router, DNS proxy, DHCP
RES = {"wan1": "198.19.0.53", "wan2": "198.19.0.54"}
WAN_OF_SRC = {"198.18.1.2": "wan1", "198.18.2.2": "wan2"}
EXAMPLE = "example.test"
EXAMPLE_ADDR = SERVER                          # 198.19.0.10
WHICH = "which.test"
WILD_DOMAIN = "wild.test"
WILD_ADDR = "198.19.0.11"
DEFAULT_TTL = 30
DIG_TIMEOUT = 3                                # seconds dig waits for one answer


def dnsmasq_bin():
    for d in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        p = os.path.join(d, "dnsmasq")
        if os.access(p, os.X_OK):
            return p
    return None


def unique_name(domain=WILD_DOMAIN):
    """A name under DOMAIN that no cache has seen (the upstreams answer any name under
    wild.test)."""
    return "q%s.%s" % (uuid.uuid4().hex[:12], domain)


# ---- dig ----------------------------------------------------------------------------------

class DigResult:
    """What dig printed: .status (NOERROR, NXDOMAIN, ...), .flags (set: qr aa rd ra ...),
    .answers [(name without the dot, ttl, type, data)], .out (dig's text)."""

    def __init__(self, status, flags, answers, out):
        self.status, self.flags, self.answers, self.out = status, flags, answers, out

    def data(self, rtype="A"):
        """The data of the answer records of type RTYPE, in order."""
        return [a[3] for a in self.answers if a[2] == rtype]

    @property
    def addrs(self):
        return self.data("A")

    def ttl(self, rtype="A"):
        t = [a[1] for a in self.answers if a[2] == rtype]
        return t[0] if t else None

    def __repr__(self):
        return "DigResult(%s, %s, %r)" % (self.status, sorted(self.flags), self.answers)


_HDR_RX = re.compile(r"->>HEADER<<-.*status: (\w+)")
_FLAGS_RX = re.compile(r"^;; flags: ([a-z ]*);", re.M)


def parse_dig(out):
    m = _HDR_RX.search(out)
    if not m:
        return None
    f = _FLAGS_RX.search(out)
    flags = set(f.group(1).split()) if f else set()
    answers = []
    for line in out.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[2] == "IN":
            answers.append((parts[0].rstrip("."), int(parts[1]), parts[3],
                            parts[4].strip().rstrip(".")))
    return DigResult(m.group(1), flags, answers, out)


def dig(lab, name, qtype="A", server=LAN_ADDR, ns="lan", timeout=DIG_TIMEOUT, tcp=False):
    """One query of NAME (type QTYPE; PTR with an address as NAME: dig -x) to SERVER from
    namespace NS, one try, under timeout. A DigResult, or None when nobody answered."""
    args = ["timeout", str(timeout + 5), "dig", "+noall", "+comments", "+answer",
            "+time=%d" % timeout, "+tries=1", "@" + server]
    if tcp:
        args.append("+tcp")
    if qtype == "PTR" and re.match(r"^\d+\.\d+\.\d+\.\d+$", name):
        args += ["-x", name]
    else:
        args += [name, qtype]
    p = lab.run(ns, args, timeout=timeout + 10)
    return parse_dig(p.stdout)


def dig_addrs(lab, name, **kw):
    """The A records of NAME (an empty list for no answer or an error rcode)."""
    r = dig(lab, name, **kw)
    return r.addrs if r is not None and r.status == "NOERROR" else []


def which(lab, ns="lan", server=LAN_ADDR):
    """The WAN whose resolver answered which.test through SERVER, or None."""
    a = dig_addrs(lab, WHICH, ns=ns, server=server)
    for wan, addr in RES.items():
        if a == [addr]:
            return wan
    return None


# ---- the upstream resolvers -----------------------------------------------------------------

class Upstream:
    """One dnsmasq in inet: .wan (the WAN whose resolver it is), .addr, .log (its query
    log), .bg (the process)."""

    _Q_RX = re.compile(r"dnsmasq\[\d+\]: query\[(\w+)\] (\S+) from (\S+)")

    def __init__(self, wan, addr, log, bg):
        self.wan, self.addr, self.log, self.bg = wan, addr, log, bg

    def queries(self):
        """Every query logged so far, oldest first: [{"type", "name", "src"}]."""
        out = []
        try:
            with open(self.log, errors="replace") as f:
                for line in f:
                    m = self._Q_RX.search(line)
                    if m:
                        out.append({"type": m.group(1), "name": m.group(2).lower(),
                                    "src": m.group(3)})
        except OSError:
            pass
        return out

    def mark(self):
        """A mark for since(): the number of queries logged so far."""
        return len(self.queries())

    def since(self, mark=0, name=None, qtype=None):
        """Queries after MARK, of NAME / QTYPE if given."""
        return [q for q in self.queries()[mark:]
                if (name is None or q["name"] == name.lower()) and
                (qtype is None or q["type"] == qtype)]

    def asked(self, name, mark=0, qtype=None):
        """The source addresses that asked NAME after MARK."""
        return [q["src"] for q in self.since(mark, name, qtype)]


class Upstreams(dict):
    """{"wan1": Upstream, "wan2": Upstream} with marks across both."""

    def mark(self):
        return {w: u.mark() for w, u in self.items()}

    def asked(self, name, mark=None, qtype=None):
        """{wan: [source addresses]} of the queries for NAME after MARK (a mark())."""
        mark = mark or {}
        return {w: u.asked(name, mark.get(w, 0), qtype) for w, u in self.items()}

    def who_asked(self, name, mark=None, qtype=None):
        """The set of upstream WANs that got a query for NAME after MARK."""
        return {w for w, srcs in self.asked(name, mark, qtype).items() if srcs}


def _ip_inet(lab, *args, check=True):
    return lab.run(None, ["timeout", "10", "ip", "-n", "inet", *args], check=check)


def _upstream_cmd(dnsmasq, wan, addr, ttl, log, pidf, records, cnames):
    cmd = [dnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
           "--no-hosts", "--bind-interfaces", "--listen-address=" + addr, "--port=53",
           "--log-queries", "--log-facility=" + log, "--pid-file=" + pidf,
           "--user=root", "--group=root", "--local=/test/", "--local-ttl=%d" % ttl,
           "--host-record=%s,%s,%d" % (EXAMPLE, EXAMPLE_ADDR, ttl),
           "--host-record=%s,%s,0" % (WHICH, addr),
           "--address=/%s/%s" % (WILD_DOMAIN, WILD_ADDR)]
    for name, a in records:
        cmd.append("--host-record=%s,%s,%d" % (name, a, ttl))
    for alias, target in cnames:
        cmd.append("--cname=%s,%s,%d" % (alias, target, ttl))
    return cmd


@contextlib.contextmanager
def upstream_resolvers(lab, ttl=DEFAULT_TTL, records=(), cnames=()):
    """Start both upstreams (see the module's text); yields an Upstreams. RECORDS: more
    (name, IPv4) host records (every upstream answers them alike), CNAMES: (alias,
    target) with a target known to them (one of RECORDS, example.test). Everything is
    undone at the end, also on failure."""
    dnsmasq = dnsmasq_bin()
    if dnsmasq is None:
        pytest.skip("dnsmasq is not installed (tools/install-deps: dnsmasq-base)")
    if shutil.which("dig") is None:
        pytest.skip("dig is not installed (tools/install-deps: dnsutils)")
    added, ups = [], Upstreams()
    try:
        for wan, addr in RES.items():
            p = _ip_inet(lab, "addr", "add", addr + "/32", "dev", "srv0", check=False)
            assert p.returncode == 0, "ip -n inet addr add %s/32 dev srv0: %s" % (
                addr, p.stderr.strip())
            added.append(addr)
        for wan, addr in RES.items():
            name = "upstream-" + wan
            log = os.path.join(lab.workdir, name + ".log")
            pidf = os.path.join(lab.workdir, name + ".pid")
            for f in (log, pidf):
                if os.path.exists(f):
                    os.unlink(f)
            bg = lab.start_bg("inet", _upstream_cmd(dnsmasq, wan, addr, ttl, log, pidf,
                                                    records, cnames), name)
            ups[wan] = Upstream(wan, addr, log, bg)
        for wan, u in ups.items():
            lab.wait_for(lambda: not u.bg.alive() or
                         dig_addrs(lab, WHICH, server=u.addr, ns="inet", timeout=1) ==
                         [u.addr], 10, "the upstream resolver of %s on %s" % (wan, u.addr))
            assert u.bg.alive(), "upstream dnsmasq %s exited (%s): %s\n%s" % (
                u.addr, u.bg.popen.returncode, u.bg.output(), _read(u.log))
        yield ups
    finally:
        for u in ups.values():
            lab.stop_bg(u.bg)
        for addr in added:
            _ip_inet(lab, "addr", "del", addr + "/32", "dev", "srv0", check=False)


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-3000:]
    except OSError:
        return ""


@pytest.fixture(scope="module")
def upstreams(lab, request):
    """Both upstream resolvers for a test module. Parameters (indirect, or a module's
    UPSTREAM_ARGS dict): ttl, records, cnames as upstream_resolvers takes them."""
    kw = dict(getattr(request.module, "UPSTREAM_ARGS", {}))
    kw.update(getattr(request, "param", None) or {})
    with upstream_resolvers(lab, **kw) as ups:
        yield ups


# ---- documents ------------------------------------------------------------------------------

def lan_doc(lab, resolvers=True, lan=None, dns_records=None, domain_lookup=None,
            rules=None, wans=None):
    """The factory document with, when RESOLVERS, wan1's addressing.dns = [198.19.0.53]
    and wan2's = [198.19.0.54]; LAN, DNS_RECORDS, DOMAIN_LOOKUP, RULES set as given
    (None: not written, the defaults); WANS: {"wan1": {members to set}}."""
    doc = copy.deepcopy(lab.default_doc)
    for w in doc["wans"]:
        if resolvers and w["name"] in RES:
            w.setdefault("addressing", {})["dns"] = [RES[w["name"]]]
        w.update(copy.deepcopy((wans or {}).get(w["name"], {})))
    for key, val in (("lan", lan), ("dns_records", dns_records),
                     ("domain_lookup", domain_lookup), ("rules", rules)):
        if val is not None:
            doc[key] = copy.deepcopy(val)
    return doc


def apply_doc(lab, doc, timeout=10):
    """PUT DOC (must be taken); wait until the dataplane runs it. The generation."""
    _, r = lab.put_config(doc)
    gen = r.etag()
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] >= gen, timeout,
                 "the dataplane to run generation %d" % gen)
    return gen


def wait_proxy_uses(lab, wans=("wan1", "wan2"), timeout=15):
    """Poll which.test through the appliance's DNS proxy until each of WANS' resolvers
    has answered once (dnsmasq re-read its servers), i.e. the upstreams are in use."""
    seen = set()

    def ok():
        w = which(lab)
        if w:
            seen.add(w)
        return seen >= set(wans)
    lab.wait_for(ok, timeout, "the DNS proxy on %s to use the resolvers of %s (seen %s)" % (
        LAN_ADDR, ", ".join(wans), seen), interval=0.1)


@contextlib.contextmanager
def wan_resolvers(lab, wait=True, **doc_kw):
    """Apply lan_doc(lab, **DOC_KW) (the WANs' resolvers set); the factory document again
    at the end (lab.restore_default), also on failure. Yields the generation. WAIT: until
    the proxy answers which.test through a resolver (either WAN)."""
    try:
        gen = apply_doc(lab, lan_doc(lab, **doc_kw))
        if wait:
            lab.wait_for(lambda: which(lab) is not None, 15,
                         "the DNS proxy on %s to answer %s through an upstream" % (
                             LAN_ADDR, WHICH))
        yield gen
    finally:
        lab.restore_default()


# ---- LAN hosts ------------------------------------------------------------------------------

@contextlib.contextmanager
def lan_host(lab, name, addr=None, mac=None):
    """One more LAN namespace NAME (tools/lab add-host), its eth0 with MAC if given; with
    ADDR None its static address is removed (a DHCP client's host). del-host at the end."""
    static = addr or "198.18.0.%d/24" % (200 + (sum(map(ord, name)) % 50))
    lab.lab("add-host", name, static)
    try:
        if mac:
            lab.run(name, ["timeout", "10", "ip", "link", "set", "dev", "eth0", "address",
                           mac], check=True)
        if addr is None:
            lab.run(name, ["timeout", "10", "ip", "addr", "flush", "dev", "eth0"], check=True)
        yield name
    finally:
        lab.lab("del-host", name, check=False)


def host_mac(lab, ns, dev="eth0"):
    p = lab.run(ns, ["cat", "/sys/class/net/%s/address" % dev], check=True)
    return p.stdout.strip().lower()


def in_net(addr, net):
    try:
        return ipaddress.ip_address(addr) in ipaddress.ip_network(net)
    except ValueError:
        return False
