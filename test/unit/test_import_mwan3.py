# SPDX-License-Identifier: BSD-3-Clause
# The built dpwanctl's `import-mwan3` on the mwan3 page's default configuration and on a
# messy real-world file (test/data/mwan3): exit codes, the document on stdout or in -o
# OUT (YAML and JSON giving the same tree), counts, names and values, and the notes on
# stderr in FILE:LINE form at the lines they are about. No server, no root.
# Run by meson (suite unit) with DPWANCTL set; `python3 -m pytest` on its own finds the
# build in ../../build.
import json
import os
import re
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, '..', '..'))
DATA = os.path.join(SRC, 'test', 'data', 'mwan3')
DEFAULT = os.path.join(DATA, 'default.conf')
MESSY = os.path.join(DATA, 'messy.conf')
CTL = os.environ.get('DPWANCTL', os.path.join(SRC, 'build', 'tools', 'dpwanctl', 'dpwanctl'))

# a note: FILE:LINE: [section 'S': ][option 'O'( 'V':|:) ]what; or FILE: what
NOTE = re.compile(r"^(?P<file>[^:]+):(?:(?P<line>\d+):)? (?P<text>.+)$")


def run(*args, env_extra=None):
    env = dict(os.environ)
    # no dpwan.conf, server or token is involved: make sure none is read
    env.pop('DPWAN_TOKEN', None)
    env.update(env_extra or {})
    return subprocess.run([CTL, 'import-mwan3', *args], capture_output=True, text=True,
                          timeout=30, env=env)


def line_of(path, sub):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if sub in line:
                return i
    raise AssertionError(f'{sub!r} not in {path}')


def notes(proc, path):
    """The notes of stderr as (line or 0, text); the summary line is checked and left out."""
    out = []
    lines = proc.stderr.splitlines()
    assert lines, 'no summary on stderr'
    assert lines[-1].startswith('dpwanctl: import-mwan3: ' + path + ': '), lines[-1]
    for line in lines[:-1]:
        m = NOTE.match(line)
        assert m and m.group('file') == path, f'not a FILE:LINE note: {line!r}'
        out.append((int(m.group('line') or 0), m.group('text')))
    return out


def has_note(ns, line, text):
    assert any(n == line and text in t for n, t in ns), \
        f'no note at line {line} with {text!r}:\n' + '\n'.join(f'{n}: {t}' for n, t in ns)


def named(doc, key, name):
    found = [e for e in doc.get(key, []) if e['name'] == name]
    assert len(found) == 1, f'{key} {name}: {found}'
    return found[0]


def test_default_config():
    p = run(DEFAULT, '--json')
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc['version'] == 1
    assert [w['name'] for w in doc['wans']] == ['wan', 'wan6', 'wanb', 'wanb6']
    assert len(doc['members']) == 8
    assert len(doc['policies']) == 5
    assert len(doc['rules']) == 3
    assert [m['name'] for m in doc['members']] == [
        'wan_m1_w3', 'wan_m2_w3', 'wanb_m1_w2', 'wanb_m2_w2',
        'wan6_m1_w3', 'wan6_m2_w3', 'wanb6_m1_w2', 'wanb6_m2_w2']
    assert named(doc, 'members', 'wanb_m2_w2') == {
        'name': 'wanb_m2_w2', 'wan': 'wanb', 'metric': 2, 'weight': 2}
    assert named(doc, 'policies', 'wan_wanb') == {
        'name': 'wan_wanb', 'last_resort': 'unreachable',
        'members': ['wan_m1_w3', 'wanb_m2_w2', 'wan6_m1_w3', 'wanb6_m2_w2']}
    wan = named(doc, 'wans', 'wan')
    assert wan['enabled'] is True and wan['addressing'] == {'mode': 'dhcp'}
    assert wan['health']['targets'] == ['8.8.4.4', '8.8.8.8', '208.67.222.222',
                                        '208.67.220.220']
    assert wan['health']['reliability'] == 2 and wan['health']['preset'] == 'mwan3'
    assert named(doc, 'wans', 'wanb')['enabled'] is False
    assert named(doc, 'wans', 'wan6')['health']['targets'] == []
    assert named(doc, 'rules', 'https') == {
        'name': 'https', 'proto': 'tcp', 'dst_port': ['443'], 'policy': 'balanced',
        'sticky': True}
    assert named(doc, 'rules', 'default_rule_v4')['dst'] == ['0.0.0.0/0']
    assert named(doc, 'rules', 'default_rule_v6') == {
        'name': 'default_rule_v6', 'family': 'ipv6', 'policy': 'balanced'}

    ns = notes(p, DEFAULT)
    has_note(ns, 2, "section 'globals': option 'mmx_mask' '0x3F00': ")
    has_note(ns, line_of(DEFAULT, "'2620:0:ccc::2'"),
             "section 'wan6': option 'track_ip' '2620:0:ccc::2': an IPv6 target")
    has_note(ns, line_of(DEFAULT, "'::/0'"), "section 'default_rule_v6': option 'dest_ip' "
             "'::/0' (every IPv6 address) is left out")
    has_note(ns, 0, 'imported document: /rules/2/family: IPv6 is not forwarded yet')
    # line order
    assert [n for n, _ in ns if n] == sorted(n for n, _ in ns if n)
    assert p.stderr.splitlines()[-1].endswith(
        '4 WANs, 8 members, 5 policies, 3 rules; 15 notes')

    # YAML by default: the same tree
    y = run(DEFAULT)
    assert y.returncode == 0, y.stderr
    assert yaml.safe_load(y.stdout) == doc
    assert y.stderr == p.stderr


def test_messy_file(tmp_path):
    out = tmp_path / 'doc.yaml'
    p = run(MESSY, '-o', str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ''
    doc = yaml.safe_load(out.read_text())
    assert [w['name'] for w in doc['wans']] == ['wan', 'wanb', 'wanb_v6']
    assert [m['name'] for m in doc['members']] == ['wan_m1_w3', 'wan_m2_w1', 'wanb_m1_w2']
    assert [x['name'] for x in doc['policies']] == ['balanced', 'wan_only', 'wanb_only']
    assert [r['name'] for r in doc['rules']] == ['voip', 'rule_2', 'icmp_ports',
                                                 'default_rule']
    h = named(doc, 'wans', 'wan')['health']
    assert (h['interval_ms'], h['failure_interval_ms'], h['recovery_interval_ms'],
            h['timeout_ms'], h['count'], h['down'], h['up'], h['size']) == \
        (5000, 2000, 5000, 2000, 3, 3, 8, 100)
    assert h['quality'] == {'enabled': True, 'latency_down_ms': 800,
                            'latency_down_clear_ms': 400, 'loss_down_pct': 20,
                            'loss_down_clear_pct': 5}
    assert named(doc, 'wans', 'wanb')['health']['method'] == 'tcp'
    assert named(doc, 'rules', 'voip')['dst_port'] == ['5060', '10000-20000']
    assert named(doc, 'rules', 'rule_2')['dst_port'] == ['22', '80', '443', '8000-8080']
    assert named(doc, 'rules', 'rule_2')['sticky_timeout'] == 300
    assert named(doc, 'policies', 'balanced')['members'] == ['wan_m1_w3', 'wanb_m1_w2']

    ns = notes(p, MESSY)
    has_note(ns, line_of(MESSY, 'config rule\n'),
             "section 'rule_2': anonymous rule (@rule[1]) imported as 'rule_2'")
    has_note(ns, line_of(MESSY, "use_policy 'default'"),
             "section 'lan_bypass': option 'use_policy' 'default': the main routing table")
    has_note(ns, line_of(MESSY, '2001:db8:10::/48'),
             "section 'ipv6_office': option 'dest_ip': IPv6 networks are not supported yet")
    has_note(ns, line_of(MESSY, "option ipset"), "section 'youtube': option 'ipset' "
             "'youtube': ipset matches are not supported")
    has_note(ns, line_of(MESSY, "dest_port '1-100'"), "ports with proto icmp")
    has_note(ns, line_of(MESSY, 'max_ttl'), "section 'wan': option 'max_ttl' '60'")
    has_note(ns, line_of(MESSY, "config interface 'cellular_backup1'"),
             "'cellular_backup1' is no WAN name")
    has_note(ns, line_of(MESSY, 'config mwan3_notify'), "section type 'mwan3_notify'")
    has_note(ns, line_of(MESSY, "list use_member 'missing_member'"),
             "option 'use_member' 'missing_member': no member of that name")
    assert p.stderr.splitlines()[-1].endswith('3 WANs, 3 members, 3 policies, 4 rules; '
                                              '28 notes')


def test_messy_with_base_and_map(tmp_path):
    base = os.path.join(SRC, 'conf', 'lab-policy.yaml')
    out = tmp_path / 'doc.json'
    p = run(MESSY, '--base', base, '--map', 'wan=wan1,wanb=wan2',
            '--map', 'cellular_backup1=lte', '--json', '-o', str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert [w['name'] for w in doc['wans']] == ['wan1', 'wan2', 'wanb_v6', 'lte']
    wan1 = named(doc, 'wans', 'wan1')
    assert wan1['addressing'] == {'mode': 'static', 'address': '198.18.1.2/24',
                                  'gateway': '198.18.1.1'}
    assert wan1['health']['preset'] == 'dpwan'
    assert wan1['health']['targets'] == ['1.1.1.1', '9.9.9.9']
    assert named(doc, 'members', 'wan_m1_w3')['wan'] == 'wan1'
    assert named(doc, 'members', 'lte_m1')['wan'] == 'lte'
    assert [r['name'] for r in doc['rules']] == ['voip', 'rule_2', 'icmp_ports', 'backup_dns',
                                                 'default_rule']
    ns = notes(p, MESSY)
    cell = line_of(MESSY, "config interface 'cellular_backup1'")
    has_note(ns, cell, "no WAN 'lte' in the base document: added with addressing dhcp")
    has_note(ns, cell, "no option 'enabled' (mwan3's default is 0): WAN 'lte' is imported "
             "disabled")
    has_note(ns, line_of(MESSY, "'arping'"), "option 'track_method' 'arping': not supported")


def test_errors(tmp_path):
    bad = tmp_path / 'bad'
    bad.write_text("config interface 'wan'\n\toption enabled '1\n")
    p = run(str(bad))
    assert p.returncode == 1 and p.stdout == ''
    assert p.stderr == f"{bad}:2:17: unterminated '\n"

    p = run(str(tmp_path / 'none'))
    assert p.returncode == 1 and 'No such file' in p.stderr

    nothing = tmp_path / 'nothing'
    nothing.write_text('config globals g\n\toption mmx_mask 0x3F00\n')
    p = run(str(nothing))
    assert p.returncode == 1 and p.stdout == ''
    assert f'{nothing}: no interface section maps to a WAN' in p.stderr
    assert f"{nothing}:2: section 'g': option 'mmx_mask' '0x3F00'" in p.stderr

    out = tmp_path / 'out'
    p = run(str(nothing), '-o', str(out))
    assert p.returncode == 1 and not out.exists()

    p = run(DEFAULT, '--map', 'wan=not-a-name')
    assert p.returncode == 2 and 'not a WAN name' in p.stderr
    p = run(DEFAULT, MESSY)
    assert p.returncode == 2
    p = subprocess.run([CTL, 'status', '--base', DEFAULT], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and 'go with `import-mwan3`' in p.stderr

    # an invalid base document is refused with its problems
    badbase = tmp_path / 'base.json'
    badbase.write_text('{"version": 1, "wans": [{"name": "wan1"}]}')
    p = run(DEFAULT, '--base', str(badbase))
    assert p.returncode == 1
    assert "is not a valid document" in p.stderr and "'addressing' is required" in p.stderr


def test_stdin():
    with open(DEFAULT) as f:
        p = subprocess.run([CTL, 'import-mwan3', '-', '--json'], stdin=f, capture_output=True,
                           text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)['rules']) == 3
    assert p.stderr.startswith('-:2: ')


if __name__ == '__main__':
    raise SystemExit(pytest.main(['-q', __file__]))
