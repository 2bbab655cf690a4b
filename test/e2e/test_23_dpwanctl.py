# SPDX-License-Identifier: BSD-3-Clause
"""dpwanctl against the lab's API: status in mwan3's words, the document's commands
(get, validate, apply, diff, history, rollback, confirm), WAN actions, events (also
--follow), tokens, and the exit codes for a refused document (1), an unreachable
server (3) and a bad token (4)."""
import json
import os
import re

import pytest
import yaml

from conftest import build_dir

CONF = "/run/dpwan-lab/lab.conf"


@pytest.fixture
def restored(lab):
    yield
    lab.restore_default()


def ctl(lab, *args, timeout=20):
    """dpwanctl -c CONF ARGS in the appliance namespace; the CompletedProcess."""
    return lab.run("appliance", ["timeout", str(timeout),
                                 os.path.join(build_dir(), "tools", "dpwanctl", "dpwanctl"),
                                 "-c", CONF, *args], timeout=timeout + 5)


def ok(p):
    assert p.returncode == 0, "exit %d\n%s\n%s" % (p.returncode, p.stdout, p.stderr)
    return p.stdout


def test_status_and_config_get(lab):
    out = ok(ctl(lab, "status"))
    assert re.search(r"^ interface wan1 is online", out, re.M), out
    assert re.search(r"^ interface wan2 is online", out, re.M), out
    gen = lab.get_config()[1]
    assert "Config: generation %d" % gen in out, out
    y = ok(ctl(lab, "config", "get", "--yaml"))
    assert yaml.safe_load(y) == lab.get_config()[0]
    j = ok(ctl(lab, "--json", "config", "get"))
    assert json.loads(j) == lab.get_config()[0]


def test_apply_validate_diff_history_rollback_confirm(lab, restored):
    doc, a = lab.get_config()
    path = os.path.join(lab.workdir, "t23.yaml")
    changed = json.loads(json.dumps(doc))
    changed["wans"][1]["weight"] = 7
    with open(path, "w") as f:
        yaml.safe_dump(changed, f)
    ok(ctl(lab, "config", "validate", path))
    bad = os.path.join(lab.workdir, "t23-bad.yaml")
    with open(bad, "w") as f:
        f.write("version: 1\nwans:\n  - {name: wan1, weight: 0, addressing: {mode: static, "
                "address: 198.18.1.2/24, gateway: 198.18.1.1}}\n  - {name: wan7, addressing:"
                " {mode: static, address: 198.18.2.2/24, gateway: 198.18.2.1}}\n")
    p = ctl(lab, "config", "validate", bad)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    both = p.stdout + p.stderr
    assert re.search(r"^/wans/0/weight: ", both, re.M), both
    assert re.search(r"^/wans/1/name: .*wan7", both, re.M), both
    p = ctl(lab, "config", "apply", bad)
    assert p.returncode == 1 and lab.get_config() == (doc, a), p.stdout + p.stderr

    ok(ctl(lab, "config", "apply", path, "--comment", "t23"))
    now, b = lab.get_config()
    assert b > a and now == changed
    out = ok(ctl(lab, "config", "diff", str(a), str(b)))
    assert "/wans/1/weight" in out and "7" in out, out
    out = ok(ctl(lab, "config", "history"))
    assert re.search(r"^\*\s+%d\s" % b, out, re.M) and "t23" in out, out
    ok(ctl(lab, "config", "rollback", str(a)))
    now, c = lab.get_config()
    assert c > b and now == doc

    # a confirmed apply, confirmed
    ok(ctl(lab, "config", "apply", path, "--confirm", "30"))
    assert lab.api_status()["config"]["pending_confirm"]["generation"] == c + 1
    ok(ctl(lab, "config", "confirm"))
    assert lab.api_status()["config"]["pending_confirm"] is None
    p = ctl(lab, "config", "confirm")
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)


def test_wan_actions_and_events_follow(lab, restored):
    last = lab.last_event()
    out = os.path.join(lab.workdir, "t23-follow.txt")
    bg = lab.start_bg("appliance", ["timeout", "15", os.path.join(
        build_dir(), "tools", "dpwanctl", "dpwanctl"), "-c", CONF, "events", "--since",
        str(last), "--follow"], "t23-follow")
    try:
        ok(ctl(lab, "wan", "wan2", "disable"))
        w = lab.wan_state("wan2")
        assert w["state"] == "disabled", w
        g = lab.get_config()[1]
        lab.wait_for(lambda: ("generation %d applied" % g) in bg.output(), 8,
                     "dpwanctl events --follow to show generation %d" % g)
        ok(ctl(lab, "wan", "wan2", "enable"))
        lab.wait_for(lambda: lab.wan_state("wan2")["state"] == "online", 10, "wan2 online")
        lab.wait_for(lambda: ("generation %d applied" % (g + 1)) in bg.output(), 8,
                     "dpwanctl events --follow to show generation %d" % (g + 1))
    finally:
        lab.stop_bg(bg)
    out = ok(ctl(lab, "events", "--since", str(last)))
    assert "generation %d applied" % g in out and "generation %d applied" % (g + 1) in out, out


def test_tokens_and_exit_codes(lab):
    out = ok(ctl(lab, "token", "create", "--role", "read-only", "--comment", "t23"))
    m = re.search(r"token (tok_[0-9a-f]{8}) \(read-only\) created.*\n(dpw_[0-9a-f]{64})", out)
    assert m, out
    tid, tok = m.group(1), m.group(2)
    assert tid in ok(ctl(lab, "token", "list"))
    ok(ctl(lab, "-t", tok, "status"))
    p = ctl(lab, "-t", tok, "wan", "wan2", "disable")
    assert p.returncode == 4, (p.returncode, p.stdout, p.stderr)      # 403
    ok(ctl(lab, "token", "revoke", tid))
    assert tid not in ok(ctl(lab, "token", "list"))
    p = ctl(lab, "-t", tok, "status")
    assert p.returncode == 4, (p.returncode, p.stdout, p.stderr)      # 401
    p = ctl(lab, "-s", "http://127.0.0.1:1", "status")
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert lab.wan_state("wan2")["state"] == "online"
