# SPDX-License-Identifier: BSD-3-Clause
"""The DHCP server on the LAN (issue 9): dnsmasq on dpw-lan, configured by dpwan-control
from the document's lan.dhcp, supervised apart from it (the lab's dns supervisor).

Real clients in LAN hosts that tools/lab add-host makes (their static address removed):
isc-dhcp-client's dhclient (always `-1 -v -sf <a script that only logs>` with its own
lease and pid files, under timeout) and busybox udhcpc (`-n -q -s <log script>`); so no
client changes anything, not even in its own namespace. What the script was handed is
the lease. Leases survive a SIGKILL of dnsmasq and of dpwan-control, DHCP answers while
dpwan-control is stopped, the lease API lists and drops them, and a bad DHCP section is
refused at its path with nothing changed. The factory document comes back after each."""
import contextlib
import json
import copy
import ipaddress
import os
import signal

import pytest

from conftest import STATE_DIR, store_gens
from dns_lab import (EXT_OPT_CODE, LAN_ADDR, Dhclient, apply_doc, have_busybox_udhcpc,
                     host_mac, lan_doc, lan_host, udhcpc)

RUN = "/run/dpwan-lab"
LEASE_FILE = os.path.join(STATE_DIR, "dnsmasq", "dnsmasq.leases")
DEF_FIRST = ipaddress.ip_address("198.18.0.100")   # the default range of a /24 LAN
DEF_LAST = ipaddress.ip_address("198.18.0.199")
RESERVED_MAC = "02:00:5e:18:00:42"
RESERVED_ADDR = "198.18.0.42"


def in_range(addr, lo=DEF_FIRST, hi=DEF_LAST):
    try:
        return ipaddress.ip_address(lo) <= ipaddress.ip_address(addr) <= ipaddress.ip_address(hi)
    except ValueError:
        return False


@pytest.fixture
def restored(lab):
    yield
    lab.restore_default()


def read_pid(name):
    try:
        with open(os.path.join(RUN, name + ".pid")) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def pid_is(pid, pattern):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return pattern.encode() in f.read()
    except OSError:
        return False


def dnsmasq_pid():
    pid = read_pid("dnsmasq")
    return pid if pid and pid_is(pid, "dnsmasq") else 0


def lease_lines():
    """dnsmasq's lease file: [(expiry, mac, ip, hostname)]."""
    try:
        with open(LEASE_FILE) as f:
            return [tuple(l.split()[:4]) for l in f if len(l.split()) >= 4 and
                    l.split()[0] != "duid"]
    except OSError:
        return []


def get_lease(lab, ns, what, **kw):
    cl = Dhclient(lab, ns, **kw)
    lease = cl.run()
    assert lease, "%s: dhclient got no lease:\n%s\n%s" % (what, cl.last_output, lab.log_tails())
    return cl, lease


@contextlib.contextmanager
def client_host(lab, name, mac=None):
    with lan_host(lab, name, mac=mac) as ns:
        yield ns


# ---- leases and their options -----------------------------------------------------------------

def test_dhclient_default_lease(lab, restored):
    """The factory document: DHCP on by default. dhclient gets an address of
    .100-.199, router 198.18.0.1, DNS 198.18.0.1, domain "lan", one day, /24, from
    server 198.18.0.1; the lease file has its MAC."""
    with client_host(lab, "h40def") as ns:
        cl, lease = get_lease(lab, ns, "default lease")
        assert in_range(lease["new_ip_address"]), lease
        assert lease.get("new_routers") == LAN_ADDR, lease
        assert lease.get("new_domain_name_servers") == LAN_ADDR, lease
        assert lease.get("new_domain_name") == "lan", lease
        assert lease.get("new_dhcp_lease_time") == "86400", lease
        assert lease.get("new_subnet_mask") == "255.255.255.0", lease
        assert lease.get("new_dhcp_server_identifier") == LAN_ADDR, lease
        mac = host_mac(lab, ns)
        lab.wait_for(lambda: any(l[1] == mac and l[2] == lease["new_ip_address"]
                                 for l in lease_lines()), 5,
                     "%s in %s" % (mac, LEASE_FILE))
        cl.run(release=True)


def test_configured_options(lab, restored):
    """A configured range, lease time, DNS servers, NTP and an extended option (224, by
    number) reach the client as given."""
    dhcp = {"ranges": [{"start": "198.18.0.150", "end": "198.18.0.160"}],
            "lease_time": 3600, "dns": ["198.18.0.1", "198.19.0.53"],
            "ntp": ["198.19.0.10"],
            "options": [{"code": EXT_OPT_CODE, "value": "dpwan-e2e"}]}
    apply_doc(lab, lan_doc(lab, resolvers=False, lan={"dhcp": dhcp}))
    with client_host(lab, "h40opt") as ns:
        cl, lease = lab.wait_for(lambda: _lease_in(lab, ns, "198.18.0.150", "198.18.0.160"),
                                 30, "a lease from the configured range")
        assert lease.get("new_dhcp_lease_time") == "3600", lease
        assert lease.get("new_domain_name_servers") == "198.18.0.1 198.19.0.53", lease
        assert lease.get("new_ntp_servers") == "198.19.0.10", lease
        assert lease.get("new_dpw_ext") == "dpwan-e2e", \
            "option %d: %r" % (EXT_OPT_CODE, lease)
        cl.run(release=True)
        if have_busybox_udhcpc():
            # busybox udhcpc asked for NTP and option 224 (-O): the same values
            bb, out = udhcpc(lab, ns, tag="h40opt-bb")
            assert bb and in_range(bb["ip"], "198.18.0.150", "198.18.0.160"), (bb, out)
            assert bb.get("lease") == "3600" and bb.get("ntpsrv") == "198.19.0.10", bb
            ext = bb.get("opt%d" % EXT_OPT_CODE)
            assert ext in ("dpwan-e2e", b"dpwan-e2e".hex()), \
                "udhcpc's option %d: %r" % (EXT_OPT_CODE, bb)


def _lease_in(lab, ns, lo, hi):
    """A dhclient lease in LO..HI (dnsmasq may still run the previous file: poll)."""
    cl = Dhclient(lab, ns, tag=ns + "-poll")
    lease = cl.run(timeout=15)
    if lease and in_range(lease["new_ip_address"], lo, hi):
        return cl, lease
    if lease:
        cl.run(release=True)
    return None


def test_udhcpc(lab, restored):
    """busybox udhcpc gets the same kind of lease: address in the range, router, DNS,
    domain, lease time."""
    if not have_busybox_udhcpc():
        pytest.skip("busybox with udhcpc is not installed (tools/install-deps: busybox)")
    with client_host(lab, "h40bb") as ns:
        lease, out = udhcpc(lab, ns, hostname="h40bb")
        assert lease, "udhcpc got no lease:\n%s" % out
        assert in_range(lease["ip"]), lease
        assert lease.get("router") == LAN_ADDR, lease
        assert lease.get("dns") == LAN_ADDR, lease
        assert lease.get("domain") == "lan", lease
        assert lease.get("lease") == "86400", lease
        assert lease.get("serverid") == LAN_ADDR, lease


def test_reservation(lab, restored):
    """A reserved MAC gets its address (outside the range), and its name."""
    dhcp = {"reservations": [{"name": "resv40", "mac": RESERVED_MAC.upper(),
                              "address": RESERVED_ADDR}]}
    apply_doc(lab, lan_doc(lab, resolvers=False, lan={"dhcp": dhcp}))
    with client_host(lab, "h40res", mac=RESERVED_MAC) as ns:
        assert host_mac(lab, ns) == RESERVED_MAC
        cl, lease = lab.wait_for(lambda: _lease_in(lab, ns, RESERVED_ADDR, RESERVED_ADDR),
                                 20, "the reserved address %s" % RESERVED_ADDR)
        cl.run(release=True)


def test_reservation_via_api(lab, restored):
    """POST /api/v1/lan/dhcp/reservations adds one without a dnsmasq restart (only its
    hosts file is re-read: same pid); the MAC gets the address at once; DELETE
    /api/v1/lan/dhcp/reservations/{mac} removes it from the document."""
    mac, addr = "02:00:5e:18:00:43", "198.18.0.43"
    pid = dnsmasq_pid()
    r = lab.api("POST", "/api/v1/lan/dhcp/reservations",
                json.dumps({"mac": mac, "address": addr, "name": "resv40b"}))
    assert r.code in (200, 201), r
    gen = r.etag()
    lab.wait_for(lambda: lab.api_status()["config"]["dataplane_generation"] >= gen, 10,
                 "generation %d applied" % gen)
    listed = lab.api_json("GET", "/api/v1/lan/dhcp/reservations")[0]
    assert any(x["mac"] == mac and x["address"] == addr for x in listed), listed
    with client_host(lab, "h40rapi", mac=mac) as ns:
        cl, lease = lab.wait_for(lambda: _lease_in(lab, ns, addr, addr), 15,
                                 "the reserved address %s" % addr)
        cl.run(release=True)
    assert dnsmasq_pid() == pid, "a reservation restarted dnsmasq (pid %d -> %d)" % (
        pid, dnsmasq_pid())
    r = lab.api("DELETE", "/api/v1/lan/dhcp/reservations/" + mac)
    assert r.code in (200, 204), r
    listed = lab.api_json("GET", "/api/v1/lan/dhcp/reservations")[0]
    assert not any(x["mac"] == mac for x in listed), listed


def test_two_clients_distinct(lab, restored):
    """Two clients at once never share an address (and both are in the range)."""
    with client_host(lab, "h40a") as a, client_host(lab, "h40b") as b:
        ca, la = get_lease(lab, a, "client a")
        cb, lb = get_lease(lab, b, "client b")
        assert in_range(la["new_ip_address"]) and in_range(lb["new_ip_address"]), (la, lb)
        assert la["new_ip_address"] != lb["new_ip_address"], (la, lb)
        # and again, renewing: each keeps its own
        assert ca.run()["new_ip_address"] == la["new_ip_address"]
        assert cb.run()["new_ip_address"] == lb["new_ip_address"]
        ca.run(release=True)
        cb.run(release=True)


# ---- leases survive restarts, DHCP without control -----------------------------------------

def _moved_lease(lab, ns):
    """A lease that is NOT the one dnsmasq's MAC hash picks for this host: the hash's
    address X first, released, then another address R asked for (DHCP option 50). A
    client that later asks for nothing gets R only if dnsmasq still has the lease.
    Returns (X, R)."""
    cl, first = get_lease(lab, ns, "the first lease")
    x = first["new_ip_address"]
    cl.run(release=True)
    lab.wait_for(lambda: not any(l[2] == x for l in lease_lines()), 5,
                 "the released lease of %s to leave the lease file" % x)
    # another free address of the range, asked for by the same MAC. CI once saw dnsmasq
    # offer X again and NAK its own offer for a while right after the release: a second
    # try (a fresh lease file, the next address) is taken, the failure says what both saw
    outputs = []
    for attempt in range(2):
        step = 1 + attempt
        r = str(ipaddress.ip_address(x) + step if ipaddress.ip_address(x) + step <= DEF_LAST
                else ipaddress.ip_address(x) - step)
        cl2 = Dhclient(lab, ns, tag="%s-req%d" % (ns, attempt))
        with open(cl2.cf, "a") as f:
            f.write("send dhcp-requested-address %s;\n" % r)
        lease = cl2.run()
        if lease and lease["new_ip_address"] == r:
            break
        outputs.append("asked for %s, got %r\n%s" % (r, lease, cl2.last_output))
    else:
        raise AssertionError("\n".join(outputs) + "\nleases: %r" % (lease_lines(),))
    lab.wait_for(lambda: any(l[2] == r for l in lease_lines()), 5, "%s in the lease file" % r)
    return x, r


def _fresh_client_address(lab, ns, tag):
    cl = Dhclient(lab, ns, tag=tag)
    lease = cl.run()
    assert lease, "no lease for a fresh client:\n%s" % cl.last_output
    return cl, lease["new_ip_address"]


def test_leases_survive_dnsmasq_kill(lab, restored):
    """SIGKILL of dnsmasq: the dns supervisor starts it again, with the lease file; the
    same MAC, as a fresh client, gets its lease back (not the address of its MAC hash)."""
    with client_host(lab, "h40kill") as ns:
        x, r = _moved_lease(lab, ns)
        pid = dnsmasq_pid()
        assert pid, "no dnsmasq pid in %s/dnsmasq.pid" % RUN
        os.kill(pid, signal.SIGKILL)
        new = lab.wait_for(lambda: (lambda p: p if p and p != pid else 0)(dnsmasq_pid()), 10,
                           "the dns supervisor to restart dnsmasq")
        assert new != pid
        cl, got = lab.wait_for(lambda: _fresh_client_address(lab, ns, "h40kill-after"), 20,
                               "a lease from the restarted dnsmasq")
        assert got == r, "after the dnsmasq restart the MAC got %s, not its lease %s (the " \
            "hash's address is %s): the lease was lost" % (got, r, x)
        cl.run(release=True)


def test_leases_survive_control_restart(lab, restored):
    """tools/lab restart-control (SIGKILL of dpwan-control): dnsmasq is not disturbed
    (same pid) and the same MAC gets its lease back."""
    with client_host(lab, "h40ctl") as ns:
        x, r = _moved_lease(lab, ns)
        pid = dnsmasq_pid()
        lab.lab("restart-control")
        lab.wait_for(lab.try_status, 15, "the API after the control restart")
        assert dnsmasq_pid() == pid, "dnsmasq was restarted by a control restart " \
            "(pid %d -> %d)" % (pid, dnsmasq_pid())
        cl, got = _fresh_client_address(lab, ns, "h40ctl-after")
        assert got == r, "after a control restart the MAC got %s, not its lease %s" % (got, r)
        assert dnsmasq_pid() == pid
        cl.run(release=True)


def test_dhcp_while_control_stopped(lab, restored):
    """dpwan-control (and its supervisor) stopped with SIGSTOP: a client renews its lease
    and a new client gets one; everything continues after SIGCONT."""
    with client_host(lab, "h40stop") as ns, client_host(lab, "h40new") as ns2:
        cl, lease = get_lease(lab, ns, "the lease before")
        sup, ctl = read_pid("supervisor"), read_pid("control")
        assert pid_is(sup, "_supervise") and pid_is(ctl, "dpwan-control"), (sup, ctl)
        stopped = []
        try:
            for pid in (sup, ctl):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            again = cl.run()
            assert again and again["new_ip_address"] == lease["new_ip_address"], \
                "renewal with control stopped: %r\n%s" % (again, cl.last_output)
            cl2, l2 = get_lease(lab, ns2, "a new client with control stopped")
            assert in_range(l2["new_ip_address"]) and \
                l2["new_ip_address"] != lease["new_ip_address"], (lease, l2)
        finally:
            for pid in reversed(stopped):
                os.kill(pid, signal.SIGCONT)
        lab.wait_for(lab.try_status, 15, "the API after SIGCONT")
        cl.run(release=True)
        cl2.run(release=True)


# ---- the lease API ----------------------------------------------------------------------------

def _leases(lab):
    body = lab.api_json("GET", "/api/v1/lan/dhcp/leases")[0]
    return body["leases"] if isinstance(body, dict) else body


def test_lease_api(lab, restored):
    """GET /api/v1/lan/dhcp/leases lists the client's MAC, address and host name; DELETE
    /api/v1/lan/dhcp/leases/{address} drops it (from the list and dnsmasq's file)."""
    with client_host(lab, "h40api") as ns:
        cl, lease = get_lease(lab, ns, "the lease", hostname="h40api")
        addr, mac = lease["new_ip_address"], host_mac(lab, ns)
        mine = lab.wait_for(lambda: [l for l in _leases(lab) if l.get("mac") == mac], 5,
                            "the lease of %s in the API" % mac)
        assert len(mine) == 1, mine
        assert mine[0].get("address") == addr and mine[0].get("hostname") == "h40api", mine
        r = lab.api("DELETE", "/api/v1/lan/dhcp/leases/" + addr)
        assert r.code in (200, 204), r
        lab.wait_for(lambda: not [l for l in _leases(lab) if l.get("mac") == mac], 5,
                     "the lease of %s gone from the API" % mac)
        assert not any(l[2] == addr for l in lease_lines()), lease_lines()
        r = lab.api("DELETE", "/api/v1/lan/dhcp/leases/" + addr)
        assert r.code == 404, r
        r = lab.api("DELETE", "/api/v1/lan/dhcp/leases/198.18.0.300")
        assert r.code in (400, 404), r
        # freed: another client (another MAC) that asks for the address gets it
        with client_host(lab, "h40api2") as ns2:
            other = Dhclient(lab, ns2)
            with open(other.cf, "a") as f:
                f.write("send dhcp-requested-address %s;\n" % addr)
            got = other.run()
            assert got and got["new_ip_address"] == addr, \
                "the dropped lease's %s went to %r\n%s" % (addr, got, other.last_output)
            other.run(release=True)
        cl.stop()


# ---- a bad DHCP section ------------------------------------------------------------------------

def test_bad_dhcp_section_refused(lab, restored):
    """A range outside the LAN subnet is refused (400) at its JSON pointer, through PUT
    /api/v1/config and PUT /api/v1/lan/dhcp, and nothing changes: the document, its
    generation, the store, the rendered dnsmasq file, dnsmasq's pid."""
    doc, gen = lab.get_config()
    stored = store_gens()
    conf = os.path.join(STATE_DIR, "dnsmasq", "dnsmasq.conf")
    with open(conf) as f:
        rendered = f.read()
    pid = dnsmasq_pid()
    ranges = [{"start": "198.18.1.100", "end": "198.18.1.150"}]
    bad = copy.deepcopy(doc)
    bad["lan"]["dhcp"]["ranges"] = ranges
    for method, path, body in (("PUT", "/api/v1/config", bad),
                               ("PUT", "/api/v1/lan/dhcp", {"ranges": ranges})):
        r = lab.api(method, path, json.dumps(body), headers=['If-Match: "%d"' % gen])
        assert r.code == 400, "%s %s: %r" % (method, path, r)
        errs = r.json()["errors"]
        paths = [e["path"] for e in errs]
        assert "/lan/dhcp/ranges/0/start" in paths, "%s %s: %s" % (method, path, errs)
        assert lab.get_config() == (doc, gen)
        assert store_gens() == stored
        with open(conf) as f:
            assert f.read() == rendered, "%s %s: dnsmasq.conf changed" % (method, path)
        assert dnsmasq_pid() == pid
    # a client still gets a lease of the running range
    with client_host(lab, "h40bad") as ns:
        cl, lease = get_lease(lab, ns, "after the refusals")
        assert in_range(lease["new_ip_address"]), lease
        cl.run(release=True)
