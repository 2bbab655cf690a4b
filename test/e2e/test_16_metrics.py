# SPDX-License-Identifier: BSD-3-Clause
"""GET /metrics is valid Prometheus text exposition (format 0.0.4), parsed strictly: every
line a comment, blank, or `name{labels} value`; HELP and TYPE once per family, before
its samples, and its samples together; no series twice. The key series are there, agree
with /api/v1/status, and move with traffic."""
import json
import math
import os
import re

from conftest import REPO, SERVER

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?,?\})? (\S+)(?: (-?\d+))?$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """Strict parse; returns {family: {"type", "help", "samples": {labels tuple: value}}}.
    Raises AssertionError naming the line at fault."""
    assert text.endswith("\n"), "the exposition does not end with a newline"
    fams = {}
    order = []          # families in the order their samples appear
    cur = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r" % (n, line)
        if line == "":
            continue
        if line.startswith("#"):
            m = HELP.match(line) or TYPE.match(line)
            if not m:
                # other comments are allowed, but "# HELP"/"# TYPE" must be well formed
                assert not re.match(r"^# *(HELP|TYPE)\b", line), "malformed: " + where
                continue
            name, val = m.group(1), m.group(2)
            f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
            key = "help" if line.startswith("# HELP") else "type"
            assert f[key] is None, "second %s for %s: %s" % (key.upper(), name, where)
            assert not f["samples"], "%s of %s after its samples: %s" % (key.upper(), name,
                                                                        where)
            f[key] = val
            continue
        m = SAMPLE.match(line)
        assert m, "not `name{labels} value`: " + where
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = float(value)
        except ValueError:
            raise AssertionError("value is not a number: " + where)
        pairs = LABEL_PAIR.findall(labels)
        names = [k for k, _ in pairs]
        assert len(set(names)) == len(names), "a label twice: " + where
        assert name in fams and fams[name]["type"], "sample without a TYPE: " + where
        assert fams[name]["help"], "sample without a HELP: " + where
        if cur != name:
            assert name not in order, "samples of %s are not together: %s" % (name, where)
            order.append(name)
            cur = name
        series = tuple(sorted(pairs))
        assert series not in fams[name]["samples"], "duplicate series: " + where
        t = fams[name]["type"]
        if t == "counter":
            assert name.endswith("_total"), "counter not named *_total: " + where
            assert v >= 0 and not math.isnan(v), "negative counter: " + where
        fams[name]["samples"][series] = v
    empty = [k for k, f in fams.items() if not f["samples"]]
    assert not empty, "families with HELP/TYPE but no sample: %s" % empty
    return fams


def metrics(lab):
    code, ctype, text = lab.api("GET", "/metrics")
    assert code == 200, (code, text[:300])
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    return parse(text)


def one(fams, name, **labels):
    series = tuple(sorted(labels.items()))
    assert name in fams, "no family %s in %s" % (name, sorted(fams))
    assert series in fams[name]["samples"], "%s has no series %s: %s" % (
        name, series, sorted(fams[name]["samples"]))
    return fams[name]["samples"][series]


def test_parser_rejects_what_it_should():
    """The parser fails on each defect it claims to catch."""
    good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
    parse(good)
    bad = [
        good.rstrip("\n"),                                              # no final newline
        good + "a_total{x=\"1\"} 4\n",                                  # duplicate series
        good + "# HELP a_total again\n",                                # second HELP
        "# TYPE a_total counter\na_total 1\n",                          # no HELP
        "# HELP b B.\nb 1\n",                                           # no TYPE
        "# HELP a_total A.\n# TYPE a_total counter\na_total -1\n",      # negative counter
        "# HELP a A.\n# TYPE a counter\na 1\n",                         # counter not _total
        good + "a_total{x=\"2\"} one\n",                                # not a number
        good + "a_total{x=2} 1\n",                                      # unquoted label
        good + "a_total {x=\"2\"} 1\n",                                 # stray space
        good + "# HELP g G.\n# TYPE g gauge\ng 1\na_total{x=\"3\"} 1\n",  # split family
        "# HELP g G.\n# TYPE g gauge\ng{x=\"1\",x=\"2\"} 1\n",          # label twice
        "# HELP g G.\n# TYPE g gauge\n",                                # family, no sample
        "# HELP g G.\n# TYPE g gauges\ng 1\n",                          # unknown type
    ]
    for text in bad:
        try:
            parse(text)
        except AssertionError:
            continue
        raise AssertionError("accepted: %r" % text)


def test_metrics_strict_and_consistent(lab):
    st0 = lab.status()
    fams = metrics(lab)
    st1 = lab.status()
    assert one(fams, "dpwan_dataplane_alive") == 1
    assert one(fams, "dpwan_workers") == st1["dataplane"]["workers"]
    for w in st1["wans"]:
        assert one(fams, "dpwan_wan_enabled", wan=w["name"]) == int(w["enabled"])
        assert one(fams, "dpwan_wan_usable", wan=w["name"]) == int(w["usable"])
        assert one(fams, "dpwan_wan_weight", wan=w["name"]) == w["weight"]
    for p in st1["ports"]:
        assert one(fams, "dpwan_port_link_up", port=p["name"]) == int(p["link_up"])
    # every drop reason of the status, with a value between two status reads
    reasons = {dict(k)["reason"] for k in fams["dpwan_drops_total"]["samples"]}
    assert reasons == set(st1["drops"]), reasons ^ set(st1["drops"])
    for r in st1["drops"]:
        assert st0["drops"][r] <= one(fams, "dpwan_drops_total", reason=r) <= st1["drops"][r], r
    for metric, key in (("dpwan_rx_packets_total", "rx_packets"),
                        ("dpwan_tx_packets_total", "tx_packets"),
                        ("dpwan_sessions_created_total", "sessions_created"),
                        ("dpwan_punted_packets_total", "punted")):
        assert st0["counters"][key] <= one(fams, metric) <= st1["counters"][key], metric
    assert len(fams["dpwan_worker_rx_packets_total"]["samples"]) == st1["dataplane"]["workers"]


def test_metrics_move_with_traffic(lab):
    before = metrics(lab)
    p = lab.run("lan", ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", SERVER], timeout=20)
    assert "5 received" in p.stdout, p.stdout + p.stderr
    after = metrics(lab)

    def delta(name):
        a = sum(after[name]["samples"].values())
        b = sum(before[name]["samples"].values())
        return a - b

    # 5 requests in from the LAN and 5 replies in from a WAN, 5 out each way
    assert delta("dpwan_rx_packets_total") >= 10, delta("dpwan_rx_packets_total")
    assert delta("dpwan_tx_packets_total") >= 10, delta("dpwan_tx_packets_total")
    assert delta("dpwan_wan_tx_packets_total") >= 5
    assert delta("dpwan_wan_rx_packets_total") >= 5
    assert delta("dpwan_sessions_created_total") >= 1
    assert delta("dpwan_worker_rx_packets_total") >= 10


def test_grafana_dashboard_matches_the_series(lab):
    """conf/grafana-dashboard.json (import-ready) asks only for series /metrics has: every
    dpwan_* name in its queries is a family, and every label it selects, groups by or
    shows in a legend is a label of that family's samples (or Prometheus' own instance)."""
    path = os.path.join(REPO, "conf", "grafana-dashboard.json")
    with open(path) as f:
        dash = json.load(f)
    assert dash["__inputs"][0]["pluginId"] == "prometheus"
    fams = metrics(lab)
    labels_of = {name: {k for s in f["samples"] for k, _ in s} | {"instance"}
                 for name, f in fams.items()}
    targets = [t for p in dash["panels"] for t in p.get("targets", [])]
    assert len(targets) >= 20, "the dashboard lost its panels"
    for t in targets:
        expr = t["expr"]
        names = set(re.findall(r"\b(dpwan_[a-z_]+)\b", expr))
        assert names, "a query with no dpwan series: " + expr
        for n in names:
            assert n in fams, "%s: no family %s in /metrics" % (expr, n)
        used = set(re.findall(r"\b([a-z_]+)=~?\"", expr))
        for grp in re.findall(r"by \(([^)]*)\)", expr):
            used |= {x.strip() for x in grp.split(",")}
        used |= set(re.findall(r"\{\{(\w+)\}\}", t.get("legendFormat", "")))
        have = set().union(*(labels_of[n] for n in names))
        assert used <= have, "%s: labels %s are not on %s" % (expr, used - have, names)
    for v in dash["templating"]["list"]:
        name = re.search(r"label_values\((dpwan_\w+), (\w+)\)", v["query"])
        assert name and name.group(1) in fams, v
        assert name.group(2) in labels_of[name.group(1)], v
