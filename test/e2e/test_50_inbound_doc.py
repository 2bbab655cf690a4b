# SPDX-License-Identifier: BSD-3-Clause
"""Issue 10's document sections through the REST API and the dataplane: every section
is decoded and validated with its JSON pointer (validate says what is wrong with a bad
service, mapping or rule); what the dataplane cannot do (drop_invalid_tcp false: the
parser always drops those segments) is refused by PUT with its path and nothing changes;
a WAN's additional addresses are accepted and answered by ARP on the WAN's link. (1:1
mappings and forwarding-mode WANs are enforced: test_56.)"""
import copy
import re
import subprocess

from conftest import store_gens


def problems(r):
    assert r.media == "application/problem+json", r
    return r.json()["errors"]


def has(errs, ptr, rx):
    return any(e["path"] == ptr and re.search(rx, e["message"]) for e in errs)


def test_validate_reports_each_problem(lab):
    doc, gen = lab.get_config()
    bad = copy.deepcopy(doc)
    bad["services"] = [{"name": "web", "proto": "tcp", "port": 8080, "to_port": 80,
                        "servers": [{"address": "198.18.7.10", "weight": 10}]}]
    bad["nat"] = {"mappings": [{"name": "m", "type": "one_to_one", "lan": "198.18.0.10",
                                "wan": "wan1", "address": "198.18.1.2"}]}
    bad["firewall"] = {"outbound": [{"name": "r", "dst_domain": "foo.com",
                                     "action": "deny"}]}
    bad["dos"] = {"syn_rate_global": -1}
    r = lab.api("POST", "/api/v1/config/validate", __import__("json").dumps(bad),
                ctype="application/json")
    assert r.code == 400, r
    errs = problems(r)
    assert has(errs, "/services/0/servers/0/address", "outside the LAN subnet"), errs
    assert has(errs, "/nat/mappings/0/address", "additional address"), errs
    assert has(errs, "/firewall/outbound/0/dst_domain", "not DNS names"), errs
    assert has(errs, "/dos/syn_rate_global", "out of range"), errs
    assert lab.get_config()[1] == gen


def test_unenforced_refused_and_nothing_changes(lab):
    doc, gen = lab.get_config()
    stored = store_gens()
    cases = [
        ("drop_invalid_tcp", lambda d: d.__setitem__("dos", {"drop_invalid_tcp": False}),
         "/dos/drop_invalid_tcp", "always drops"),
    ]
    for what, change, ptr, why in cases:
        d = copy.deepcopy(doc)
        change(d)
        r = lab.api("PUT", "/api/v1/config", __import__("json").dumps(d),
                    ctype="application/json", headers=['If-Match: "%d"' % gen])
        assert r.code in (400, 409, 422), "%s: %r" % (what, r)
        errs = problems(r)
        assert has(errs, ptr, why), (what, errs)
        now, g = lab.get_config()
        assert g == gen and now == doc, what
        assert store_gens() == stored, what


def isp1_link():
    out = subprocess.run(["ip", "-n", "isp1", "-o", "-4", "addr", "show"], check=True,
                         capture_output=True, text=True, timeout=10).stdout
    for line in out.splitlines():
        if " 198.18.1.1/" in line:
            return line.split()[1].split("@")[0]
    raise AssertionError("no 198.18.1.1 in isp1: %s" % out)


def neigh(dev, addr):
    out = subprocess.run(["ip", "-n", "isp1", "neigh", "show", "dev", dev, addr],
                         check=True, capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"lladdr ([0-9a-f:]{17}) (\w+)", out)
    return m.group(1) if m and m.group(2) in ("REACHABLE", "STALE", "DELAY") else None


def test_additional_address_answered_by_arp(lab):
    doc, gen = lab.get_config()
    dev = isp1_link()
    wan_mac = lab.wait_for(lambda: (subprocess.run(
        ["ip", "netns", "exec", "isp1", "ping", "-c", "1", "-W", "1", "198.18.1.2"],
        capture_output=True, timeout=10) and neigh(dev, "198.18.1.2")), 10,
        "isp1 to resolve the WAN address")
    # not yet ours: nobody answers for 198.18.1.20
    subprocess.run(["ip", "-n", "isp1", "neigh", "flush", "dev", dev, "to", "198.18.1.20"],
                   check=False, timeout=10)
    subprocess.run(["ip", "netns", "exec", "isp1", "ping", "-c", "1", "-W", "1",
                    "198.18.1.20"], capture_output=True, timeout=10)
    assert neigh(dev, "198.18.1.20") is None
    d = copy.deepcopy(doc)
    d["wans"][0]["additional_addresses"] = ["198.18.1.20"]
    res, _ = lab.put_config(d, gen)
    assert res["applied"] is True, res
    try:
        got, _ = lab.get_config()
        assert got["wans"][0]["additional_addresses"] == ["198.18.1.20"]
        assert got["wans"][0]["nat"] is True
        mac = lab.wait_for(lambda: (subprocess.run(
            ["ip", "netns", "exec", "isp1", "ping", "-c", "1", "-W", "1", "198.18.1.20"],
            capture_output=True, timeout=10) and neigh(dev, "198.18.1.20")), 15,
            "the dataplane to answer ARP for 198.18.1.20")
        assert mac == wan_mac, (mac, wan_mac)
    finally:
        lab.restore_default()
