# SPDX-License-Identifier: BSD-3-Clause
"""The lab runs the configuration the suite was started with."""
import re


def test_lab_matches_config(lab):
    conf = open(lab.conf).read()
    m = re.search(r'--lcores=([^"]+)"', conf)
    assert m, "no --lcores in %s" % lab.conf
    workers = len(m.group(1).split(",")) - 1
    st = lab.status()
    assert st["dataplane"]["workers"] == workers, st["dataplane"]
    assert len(st["workers"]) == workers, st["workers"]
    assert st["dataplane"]["alive"] is True
    ports = {p["name"]: p for p in st["ports"]}
    assert set(ports) == {"lan", "wan1", "wan2"}, sorted(ports)
    assert all(p["link_up"] for p in ports.values()), ports
    wans = {w["name"]: w for w in st["wans"]}
    assert wans["wan1"]["address"] == "198.18.1.2" and wans["wan2"]["address"] == "198.18.2.2"
    for w in wans.values():
        assert w["enabled"] and w["usable"] and w["state"] == "online", w
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", w["gateway_mac"]), w
