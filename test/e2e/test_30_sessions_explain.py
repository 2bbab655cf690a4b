# SPDX-License-Identifier: BSD-3-Clause
"""Explainability (issue 8 point 4) in the lab: GET /api/v1/explain and `dpwanctl
explain` for a hypothetical packet (the factory document has no rules: the default
rule places it; then a rule of our own), and the session listing: flows held open from
the LAN host are listed with filters (client, destination, protocol, WAN, rule),
paginated one session a page with the cursor (which walks one worker's table after the
other with lab-2workers.conf), deleted by filter while the others stay, and the deleted UDP flow's
next datagram makes a new session. Also through dpwanctl, and with a read-only token
(which may list, not delete)."""
import itertools
import json
import os
import re

import pytest

from conftest import PY, SERVER, UDP_PORT, WAN_ADDRS, build_dir

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = "/run/dpwan-lab/lab.conf"
HOST = "198.18.0.10"
ECHO_PORT = 9100
BASE = 42000                 # the held flows' source ports: TCP BASE.., UDP BASE+100..
N_TCP, N_UDP = 4, 4
WANS = ["wan1", "wan2"]


def ctl(lab, *args, timeout=20):
    return lab.run("appliance", ["timeout", str(timeout),
                                 os.path.join(build_dir(), "tools", "dpwanctl", "dpwanctl"),
                                 "-c", CONF, *args], timeout=timeout + 5)


def ok(p):
    assert p.returncode == 0, "exit %d\n%s\n%s" % (p.returncode, p.stdout, p.stderr)
    return p.stdout


@pytest.fixture
def restored(lab):
    yield
    lab.restore_default()


@pytest.fixture(scope="module")
def echo_server(lab):
    ready = os.path.join(lab.workdir, "t30-echo.ready")
    bg = lab.start_bg("inet", [PY, os.path.join(HERE, "tcp_hold.py"), "server", SERVER,
                               str(ECHO_PORT), ready], "t30-echo", ready_file=ready)
    yield bg
    lab.stop_bg(bg)


class Held:
    """Flows from HOST held open by flow_hold.py in the lan namespace."""

    def __init__(self, lab, n_tcp, n_udp, base):
        self.lab, self.base = lab, base
        self.ready = os.path.join(lab.workdir, "t30-flows-%d.json" % base)
        self.bg = lab.start_bg("lan", [PY, os.path.join(HERE, "flow_hold.py"), SERVER,
                                       str(ECHO_PORT), str(UDP_PORT), str(n_tcp),
                                       str(n_udp), str(base), self.ready],
                               "t30-flows-%d" % base, ready_file=self.ready,
                               ready_timeout=20)
        with open(self.ready) as f:
            held = json.load(f)
        self.tcp, self.udp = held["tcp"], held["udp"]

    def again(self):
        """One more datagram from each UDP port (echoed)."""
        with open(self.ready + ".again", "w") as f:
            f.write("go\n")
        self.lab.wait_for(lambda: os.path.exists(self.ready + ".again.done"), 10,
                          "the UDP flows to send again")

    def ours(self, sessions):
        """The held flows' sessions among SESSIONS, by source port."""
        # by destination port too: another test's connection can have had one of these
        # source ports from the host's ephemeral range
        return {s["sport"]: s for s in sessions if s["src"] == HOST and s["dst"] == SERVER
                and s["sport"] is not None and self.base <= s["sport"] < self.base + 200
                and s.get("dport") in (ECHO_PORT, UDP_PORT)}

    def stop(self):
        self.lab.stop_bg(self.bg)


_bases = itertools.count(BASE, 1000)


@pytest.fixture
def flows(lab, echo_server, udp_echo):
    """N_TCP TCP connections and N_UDP UDP flows from HOST, from source ports of their
    own for each test (a port just closed is in TIME_WAIT on the host)."""
    h = Held(lab, N_TCP, N_UDP, next(_bases))
    yield h
    h.stop()


def q(**kw):
    return "&".join("%s=%s" % (k, v) for k, v in kw.items())


def listing(lab, token=None, **kw):
    """Every page of GET /api/v1/sessions with the filters KW: (sessions, pages)."""
    out, pages, cursor = [], 0, None
    while True:
        args = dict(kw)
        if cursor:
            args["cursor"] = cursor
        page = lab.api_json("GET", "/api/v1/sessions?" + q(**args), token=token)[0]
        out += page["sessions"]
        pages += 1
        cursor = page["next"]
        assert pages < 2000, "the walk does not end"
        if cursor is None:
            return out, pages


def test_explain_default_rule(lab):
    """No rule in the factory document: the default rule's weighted pick over both WANs."""
    e = lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&sport=5000&dst=%s&dport=443"
                     % (HOST, SERVER))[0]
    assert e["rule"] == "default" and e["policy"] == "default", e
    assert e["algorithm"] == "weighted" and e["how"] == "pick", e
    assert e["wan"] in WANS and e["action"] == "forward" and e["fallback"] is None, e
    assert e["candidates"] == WANS and e["usable"] == WANS, e
    assert e["flow"] == {"proto": "tcp", "src": HOST, "sport": 5000, "dst": SERVER,
                         "dport": 443, "src_mac": None}, e
    assert e["generation"] == lab.get_config()[1], e
    assert [w["name"] for w in e["wans"]] == WANS, e
    assert all(w["usable"] and w["state"] == "online" for w in e["wans"]), e
    # the same flow, the same answer (explain keeps no state)
    again = lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&sport=5000&dst=%s&dport="
                         "443" % (HOST, SERVER))[0]
    assert again["wan"] == e["wan"], (again, e)
    # udp, icmp (no ports), a source MAC
    u = lab.api_json("GET", "/api/v1/explain?proto=udp&src=%s&sport=5000&dst=%s&dport=53"
                     "&src_mac=02:00:00:00:00:10" % (HOST, SERVER))[0]
    assert u["rule"] == "default" and u["flow"]["src_mac"] == "02:00:00:00:00:10", u
    i = lab.api_json("GET", "/api/v1/explain?proto=icmp&src=%s&dst=%s" % (HOST, SERVER))[0]
    assert i["rule"] == "default" and i["flow"]["sport"] is None and i["wan"] in WANS, i
    # to a WAN's own subnet: never policy-routed
    c = lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&dst=198.18.2.1&dport=22"
                     % HOST)[0]
    assert c["rule"] == "connected" and c["policy"] is None and c["wan"] == "wan2", c
    assert c["how"] == "connected" and c["candidates"] == ["wan2"], c
    # bad requests
    for bad in ("proto=tcp&src=%s&dst=%s" % (HOST, SERVER),              # no dport
                "proto=tcp&src=%s&dst=%s&dport=0" % (HOST, SERVER),
                "proto=icmp&src=%s&dst=%s&dport=1" % (HOST, SERVER),
                "proto=sctpx&src=%s&dst=%s" % (HOST, SERVER),
                "proto=udp&src=198.18.0&dst=%s&dport=53" % SERVER,
                "proto=udp&src=%s&dport=53" % HOST):
        r = lab.api("GET", "/api/v1/explain?" + bad)
        assert r.code == 400 and r.json()["errors"], (bad, r)
    # dpwanctl, readably
    out = ok(ctl(lab, "explain", "tcp", "%s:5000" % HOST, "%s:443" % SERVER))
    assert re.search(r"^rule:\s+default \(no rule matched\)", out, re.M), out
    assert re.search(r"^policy:\s+default, algorithm weighted", out, re.M), out
    assert re.search(r"^decision:\s+%s \(pick\) from wan1, wan2" % e["wan"], out, re.M), out
    assert re.search(r"^  wan1\s+online\s+usable", out, re.M), out
    out = ok(ctl(lab, "explain", "icmp", HOST, SERVER))
    assert "flow:       icmp %s -> %s" % (HOST, SERVER) in out, out
    j = json.loads(ok(ctl(lab, "--json", "explain", "udp", "%s:1" % HOST, "%s:53" % SERVER)))
    assert j["rule"] == "default", j
    p = ctl(lab, "explain", "tcp", HOST, SERVER)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)


def test_list_filter_paginate(lab, flows):
    got = flows.ours(listing(lab, client=HOST, limit=100)[0])
    assert sorted(got) == sorted(flows.tcp + flows.udp), sorted(got)
    for port, s in got.items():
        tcp = port in flows.tcp
        assert s["proto"] == ("tcp" if tcp else "udp"), s
        assert s["dport"] == (9100 if tcp else UDP_PORT), s
        assert s["state"] == ("established" if tcp else None), s
        assert s["wan"] in WANS and s["nat_address"] in WAN_ADDRS, s
        assert s["nat_address"] == {"wan1": "198.18.1.2", "wan2": "198.18.2.2"}[s["wan"]], s
        assert s["rule"] == "default" and s["policy"] == "default", s
        assert s["algorithm"] == "weighted" and s["how"] == "pick", s
        assert s["candidates"] == WANS and s["usable"] == WANS, s
        assert s["bytes_out"] > 0 and s["bytes_in"] > 0 and s["expires_s"] > 0, s
    # filters: each narrows to what it says
    tcp = flows.ours(listing(lab, client=HOST, proto="tcp")[0])
    assert sorted(tcp) == flows.tcp, sorted(tcp)
    udp = flows.ours(listing(lab, client="198.18.0.0/24", dst=SERVER, proto="udp")[0])
    assert sorted(udp) == flows.udp, sorted(udp)
    assert flows.ours(listing(lab, client="198.18.0.99")[0]) == {}
    assert flows.ours(listing(lab, client=HOST, dst="198.19.1.0/24")[0]) == {}
    by_wan = {}
    for w in WANS:
        lst = listing(lab, client=HOST, wan=w)[0]
        assert all(s["wan"] == w for s in lst), lst
        by_wan[w] = flows.ours(lst)
    assert sorted(list(by_wan["wan1"]) + list(by_wan["wan2"])) == sorted(got), by_wan
    assert sorted(flows.ours(listing(lab, client=HOST, rule="default")[0])) == sorted(got)
    assert flows.ours(listing(lab, client=HOST, rule="connected")[0]) == {}
    # one session a page: each once, by the cursor
    # (only the held flows must come exactly once: another test's session that ends
    # while we page and is opened again by a late packet is a new session at a new slot)
    lst, pages = listing(lab, client=HOST, dst=SERVER, limit=1)
    held = [s for s in lst if flows.ours([s])]
    keys = [(s["proto"], s["sport"], s["nat_port"], s["worker"]) for s in held]
    assert len(keys) == len(set(keys)), keys
    assert sorted(flows.ours(lst)) == sorted(got), lst
    assert pages >= len(lst), (pages, len(lst))
    # a read-only token lists
    tok = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t30"}',
                       want=201)[0]
    try:
        assert sorted(flows.ours(listing(lab, token=tok["token"], client=HOST)[0])) == sorted(got)
        r = lab.api("DELETE", "/api/v1/sessions?client=%s" % HOST, token=tok["token"])
        assert r.code == 403, r
    finally:
        lab.api_json("DELETE", "/api/v1/tokens/" + tok["id"], want=204)
    # bad filters
    for bad in ("client=198.18.0.1/24", "dst=300.1.1.1", "wan=wan9", "rule=nosuch",
                "proto=x", "limit=0", "limit=1001", "cursor=x", "cursor=9.0"):
        r = lab.api("GET", "/api/v1/sessions?" + bad)
        assert r.code == 400, (bad, r)
    # dpwanctl: the table, and --all one session a page
    # (--all: earlier tests leave more than a page of the host's TCP sessions behind)
    out = ok(ctl(lab, "sessions", "--client", HOST, "--proto", "tcp", "--all"))
    for port in flows.tcp:
        assert re.search(r"^tcp\s+%s:%d\s+%s:9100\s+198\.18\.[12]\.2:\d+\s+wan[12]\s+"
                         r"established\s+default\s+default\s+weighted\s+pick" %
                         (re.escape(HOST), port, re.escape(SERVER)), out, re.M), out
    j = json.loads(ok(ctl(lab, "--json", "sessions", "--client", HOST, "--limit", "1",
                          "--all")))
    assert sorted(flows.ours(j["sessions"])) == sorted(got) and j["next"] is None, j
    out = ok(ctl(lab, "sessions", "--client", HOST, "--limit", "1"))
    assert re.search(r"^1 session\(s\); more: --cursor \d+\.\d+", out, re.M), out


def test_delete_filtered(lab, flows):
    before = flows.ours(listing(lab, client=HOST)[0])
    assert sorted(before) == sorted(flows.tcp + flows.udp), sorted(before)
    d = lab.api_json("DELETE", "/api/v1/sessions?" + q(client=HOST, dst=SERVER, proto="udp"))[0]
    assert d["complete"] is True and d["deleted"] >= N_UDP, d
    after = flows.ours(listing(lab, client=HOST)[0])
    assert sorted(after) == flows.tcp, sorted(after)
    for port in flows.tcp:
        assert after[port]["nat_port"] == before[port]["nat_port"], (after, before)
    # the host's next datagram on a deleted flow starts a new session
    flows.again()
    new = flows.ours(listing(lab, client=HOST, proto="udp")[0])
    assert sorted(new) == flows.udp, new
    assert all(s["age_s"] <= 3 for s in new.values()), new
    # dpwanctl sessions flush: the TCP ones
    out = ok(ctl(lab, "sessions", "flush", "--client", HOST, "--dst", SERVER, "--proto", "tcp"))
    m = re.search(r"^(\d+) session\(s\) deleted$", out, re.M)
    assert m and int(m.group(1)) >= N_TCP, out
    assert flows.ours(listing(lab, client=HOST, proto="tcp")[0]) == {}
    assert sorted(flows.ours(listing(lab, client=HOST)[0])) == flows.udp


def test_explain_and_list_a_rule(lab, echo_server, restored):
    """A rule of our own: TCP to the echo port through a policy of wan2 alone. Explain
    names the rule and the policy; a connection's session says the same."""
    doc, gen = lab.get_config()
    doc = json.loads(json.dumps(doc))
    doc["policies"] = [{"name": "wan2_only", "algorithm": "priority", "wans": ["wan2"]}]
    doc["rules"] = [{"name": "echo", "proto": "tcp", "dst_port": [str(ECHO_PORT)],
                     "policy": "wan2_only"}]
    lab.put_config(doc, gen)
    e = lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&sport=5000&dst=%s&dport=%d"
                     % (HOST, SERVER, ECHO_PORT))[0]
    assert e["rule"] == {"index": 0, "name": "echo"} and e["policy"] == "wan2_only", e
    assert e["algorithm"] == "priority" and e["wan"] == "wan2", e
    assert e["candidates"] == ["wan2"] and e["how"] == "pick", e
    other = lab.api_json("GET", "/api/v1/explain?proto=tcp&src=%s&dst=%s&dport=443"
                         % (HOST, SERVER))[0]
    assert other["rule"] == "default", other
    out = ok(ctl(lab, "explain", "tcp", "%s:5000" % HOST, "%s:%d" % (SERVER, ECHO_PORT)))
    assert re.search(r"^rule:\s+#0 echo$", out, re.M), out
    assert re.search(r"^policy:\s+wan2_only, algorithm priority", out, re.M), out
    h = Held(lab, 2, 0, next(_bases))
    try:
        lst = listing(lab, client=HOST, rule="echo")[0]
        got = h.ours(lst)
        assert sorted(got) == h.tcp, lst
        for s in got.values():
            assert s["rule"] == {"index": 0, "name": "echo"}, s
            assert s["policy"] == "wan2_only" and s["algorithm"] == "priority", s
            assert s["wan"] == "wan2" and s["candidates"] == ["wan2"], s
        assert h.ours(listing(lab, client=HOST, rule="default", proto="tcp")[0]) == {}
        out = ok(ctl(lab, "sessions", "--rule", "echo", "--client", HOST))
        assert re.search(r"^tcp\s+%s:%d\s.*\swan2\s+established\s+#0 echo\s+wan2_only\s+"
                         r"priority\s+pick\s" % (re.escape(HOST), h.tcp[0]), out, re.M), out
    finally:
        h.stop()
