# SPDX-License-Identifier: BSD-3-Clause
"""Issue 10's REST resources, counters and the parts of the firewall and DoS limits the
acceptance test (test_54) does not reach: GET / PUT of /services, /firewall, /dos and
/nat/mappings (a bad section is refused with its pointer and changes nothing, a
read-only token may not write); the service counters in the API, /metrics and
dpwanctl; outbound deny (silence), reject (a TCP RST, an ICMP error for UDP) and the
logged hits as events within log_rate; the session limit per LAN host, released when the
sessions go."""
import json
import re
import time

from conftest import PY, SERVER, UDP_PORT, http_sources
from inbound_lab import (LAN_HOST, LAN_PORT, POOL_HOST, WAN1, events_since, http_many,
                         inbound_restored, lan_servers, metric_series, metrics, service,
                         tool_cmd)
from policy_lab import udp_who
from test_30_sessions_explain import ctl, ok

__all__ = ["inbound_restored", "lan_servers", "udp_who"]

WEB = service("web", 8080, [(LAN_HOST, 1), (POOL_HOST, 1)], to_port=LAN_PORT, wans=["wan1"])


def put(lab, path, body, token=None):
    return lab.api("PUT", path, json.dumps(body), ctype="application/json", token=token)


def errors(r):
    return r.json()["errors"]


def test_section_resources(lab, lan_servers, inbound_restored):
    assert lab.api_json("GET", "/api/v1/services")[0] == []
    assert lab.api_json("GET", "/api/v1/nat/mappings")[0] == []
    fw = lab.api_json("GET", "/api/v1/firewall")[0]
    assert fw.get("outbound_default", "allow") == "allow", fw
    assert fw.get("inbound_default", "deny") == "deny", fw
    _, gen = lab.get_config()
    # a server outside the LAN: refused with its pointer, nothing changes
    bad = [service("web", 8080, [("198.18.7.10", 1)], to_port=LAN_PORT)]
    r = put(lab, "/api/v1/services", bad)
    assert r.code == 400, r
    assert any(e["path"] == "/services/0/servers/0/address" for e in errors(r)), errors(r)
    assert lab.get_config()[1] == gen
    r = put(lab, "/api/v1/dos", {"syn_rate_global": -1})
    assert r.code == 400 and any(e["path"] == "/dos/syn_rate_global" for e in errors(r)), r
    assert lab.get_config()[1] == gen
    # a read-only token reads but may not write
    tok = lab.api_json("POST", "/api/v1/tokens", '{"role": "read-only", "comment": "t55"}',
                       want=201)[0]
    try:
        assert lab.api("GET", "/api/v1/services", token=tok["token"]).code == 200
        assert put(lab, "/api/v1/services", [WEB], token=tok["token"]).code == 403
    finally:
        lab.api_json("DELETE", "/api/v1/tokens/" + tok["id"], want=204)
    assert lab.get_config()[1] == gen
    # the section applied: a new generation, the forward works and is counted
    r = put(lab, "/api/v1/services", [WEB])
    assert r.code == 200, r
    assert lab.get_config()[1] > gen
    got = lab.api_json("GET", "/api/v1/services")[0]
    assert [s["name"] for s in got] == ["web"] and got[0]["to_port"] == LAN_PORT, got
    c = lab.wait_for(lambda: (lambda j: j if j["counters_valid"] else None)(
        lab.api_json("GET", "/api/v1/services/counters")[0]), 10, "valid service counters")
    assert c["services"][0]["connections"] == 0, c
    r = http_many(lab, "inet", WAN1, 8080, 6)
    assert r["n_ok"] == 6, r
    c = lab.api_json("GET", "/api/v1/services/counters")[0]
    assert c["services"] == [{"name": "web", "enabled": True, "connections": 6}], c
    assert metric_series(metrics(lab), "dpwan_service_connections_total", "web") == \
        {(("service", "web"),): 6}
    out = ok(ctl(lab, "services"))
    assert re.search(r"^web\s+tcp\s+8080\s+80\s+\S+\s+6\s+198\.18\.0\.10 \(1\), "
                     r"198\.18\.0\.11 \(1\)", out, re.M), out
    out = ok(ctl(lab, "dos"))
    assert re.search(r"syn_rate_per_source\s+200", out), out


TRY = r"""
import socket, sys, json, time
kind, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
res = []
for i in range(n):
    t0 = time.monotonic()
    if kind == "tcp":
        s = socket.socket(); s.settimeout(1.5)
        try:
            s.connect((host, port)); res.append("connected")
        except ConnectionRefusedError:
            res.append("refused")
        except socket.timeout:
            res.append("timeout")
        except OSError as e:
            res.append("error %d" % e.errno)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.5)
        s.connect((host, port))
        try:
            s.send(b"x"); s.recv(100); res.append("answered")
        except socket.timeout:
            res.append("timeout")
        except OSError as e:
            res.append("error %d" % e.errno)
    s.close()
print(json.dumps(res))
"""


def attempt(lab, kind, port, n):
    return lab.run_json("lan", [PY, "-c", TRY, kind, SERVER, str(port), str(n)],
                        timeout=n * 3 + 20)


def test_outbound_deny_reject_and_logged_hits(lab, http_server, udp_who, inbound_restored):
    seq = lab.last_event()
    r = put(lab, "/api/v1/firewall", {
        "log_rate": 3,
        "outbound": [
            {"name": "no_9", "proto": "tcp", "dst": [SERVER], "dst_port": [9],
             "action": "deny", "log": True},
            {"name": "rej_10", "proto": "tcp", "dst_port": [10], "action": "reject"},
            {"name": "rej_udp", "proto": "udp", "dst_port": [udp_who.port],
             "action": "reject"},
            {"name": "no_12", "proto": "udp", "dst_port": [12], "action": "deny",
             "log": True}]})
    assert r.code == 200, r
    t0 = time.monotonic()
    assert attempt(lab, "tcp", 9, 4) == ["timeout"] * 4        # deny: silence
    assert attempt(lab, "tcp", 10, 2) == ["refused"] * 2       # reject: a RST at once
    udp = attempt(lab, "udp", udp_who.port, 2)
    assert all(x.startswith("error") for x in udp), udp        # reject: ICMP unreachable
    # a burst of 300 first packets a logged rule drops: far more than log_rate lets out
    lab.run("lan", [PY, "-c", "import socket; s = socket.socket(socket.AF_INET, "
                    "socket.SOCK_DGRAM)\nfor i in range(300): s.sendto(b'x', ('%s', 12))"
                    % SERVER], timeout=20, check=True)
    elapsed = time.monotonic() - t0
    # everything else still goes out
    assert len(http_sources(lab, http_server, "t55ok", 3)) == 3
    c = lab.api_json("GET", "/api/v1/firewall/counters")[0]
    hits = {x["name"]: x["hits"] for x in c["outbound"]}
    # each SYN retransmission is another first packet judged
    assert hits["no_9"] >= 4 and hits["rej_10"] >= 2 and hits["rej_udp"] >= 2, c
    assert hits["no_12"] == 300, c
    assert c["outbound_default"]["hits"] >= 3, c
    fam = metric_series(metrics(lab), "dpwan_firewall_rule_hits_total", "no_9")
    assert sum(fam.values()) >= 4, fam
    drops = lab.api_status()["drops"]
    assert drops["firewall_denied"] >= 4 and drops["firewall_rejected"] >= 4, drops
    # logged: only no_9, at most log_rate a second (plus the first second's burst)
    evs = lab.wait_for(lambda: [e for e in events_since(lab, seq) if e["type"] == "firewall"],
                       10, "firewall events")
    tcp = [e for e in evs if "'no_9' denied tcp 198.18.0.10:" in e["message"] and
           ("-> %s:9 on wan" % SERVER) in e["message"]]
    udp = [e for e in evs if "'no_12' denied udp 198.18.0.10:" in e["message"]]
    assert tcp and udp and len(tcp) + len(udp) == len(evs), evs
    assert len(evs) <= 3 * (elapsed + 2) + 3, (len(evs), elapsed, evs)
    assert len(udp) < 30, (len(udp), hits)
    out = ok(ctl(lab, "firewall"))
    assert re.search(r"^  no_9\s+deny\s+%d\s+proto=tcp dst=%s/32 dst_port=9 \[log\]$"
                     % (hits["no_9"], re.escape(SERVER)), out, re.M), out
    assert re.search(r"^  \(default\)\s+allow\s+%d\s" % c["outbound_default"]["hits"], out,
                     re.M), out


def test_session_limit_per_host(lab, udp_who, inbound_restored):
    r = put(lab, "/api/v1/dos", {"max_sessions_per_host": 8})
    assert r.code == 200, r
    lab.api_json("DELETE", "/api/v1/sessions?client=%s" % LAN_HOST)
    d0 = lab.api_status()["drops"]["dos_session_limit"]
    res = lab.run_json("lan", tool_cmd("udp-flows", SERVER, udp_who.port, 30, 4), timeout=60)
    n = len(res["answered"])
    workers = lab.api_status()["dataplane"]["workers"]
    # each worker holds its share of the limit (8 / workers)
    assert 8 // workers <= n <= 8, (n, workers, res)
    assert lab.api_status()["drops"]["dos_session_limit"] > d0
    # the sessions go, and their count with them
    lab.api_json("DELETE", "/api/v1/sessions?client=%s" % LAN_HOST)
    res = lab.run_json("lan", tool_cmd("udp-flows", SERVER, udp_who.port, 8 // workers, 4),
                       timeout=60)
    assert len(res["answered"]) == 8 // workers, res
