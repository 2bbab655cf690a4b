# SPDX-License-Identifier: BSD-3-Clause
"""Clients and servers of the outbound policy e2e tests (test_32 .. test_35). Each client
prints one JSON object on its last line.

  policy_tool.py udp-server ADDR PORT LOG READYFILE
      (inet) answers every datagram with "PEER_ADDR PEER_PORT " + the datagram, and logs
      every datagram as "PEER_ADDR PEER_PORT PAYLOAD" (payload cut at 64 bytes).
  policy_tool.py udp-flows HOST PORT SPORT_BASE COUNT
      (lan) COUNT new UDP flows: sockets bound to source ports SPORT_BASE .. +COUNT-1,
      one datagram each (resent on the same socket, so the same flow, when unanswered);
      {"seen": {addr: n}, "failed": [sport, ...], "resent": n}.
  policy_tool.py udp-once HOST PORT SPORT WAIT MORE TOKEN
      (lan) one datagram TOKEN from SPORT, then every answer that arrives within WAIT s;
      then MORE datagrams on the same socket, each waiting for its answer (1 s);
      {"first": [answer, ...], "more": [answer or null, ...]}.
  policy_tool.py udp-probe IFACE HOST PORT SPORT WAIT TOKEN
      (lan, scapy) one datagram TOKEN from SPORT while sniffing IFACE for WAIT s: the ICMP
      errors that quote it and the UDP answers from HOST:PORT to SPORT;
      {"icmp": [{"src", "type", "code", "q_sport", "q_dport", "q_dst"}], "udp": [payload],
       "sock": what the connected socket got ("answer ...", "error ...", "timeout")}.
  policy_tool.py udp-seq HOST PORT SPORT MIN_COUNT RATE READYFILE STOPFILE
      (lan) a paced stream of numbered datagrams on one socket from SPORT: at least
      MIN_COUNT of them, RATE a second, until STOPFILE exists (60 s at most); READYFILE
      once the first answer came back. Then waits (3 s at most) for the last answers;
      {"sent", "received", "n_lost", "lost": [seq, first 50], "dups", "addrs": {addr: n},
       "t_first", "t_last"}.
  policy_tool.py tcp-who HOST PORT COUNT TIMEOUT
      (lan) COUNT sequential new connections to a flow_watch.py tcp-server, each asking
      "WHO"; {"seen": {addr: n}, "errors": [...]}.
  policy_tool.py tcp-who-dsts PORT TIMEOUT DST [DST ...]
      (lan) one new connection to each DST:PORT asking "WHO"; {"by_dst": {dst: addr},
      "errors": [...]}.
"""
import json
import os
import select
import socket
import sys
import threading
import time


def ready_file(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def udp_server(addr, port, log, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, int(port)))
    logf = open(log, "a", buffering=1)
    ready_file(ready, "%d\n" % os.getpid())
    while True:
        data, peer = s.recvfrom(65535)
        head = ("%s %d " % peer).encode()
        s.sendto(head + data, peer)
        logf.write("%s %d %s\n" % (peer[0], peer[1],
                                   data[:64].decode("ascii", "replace").replace("\n", " ")))


def parse_answer(data):
    """(addr, port, payload) of a udp-server answer."""
    a, p, rest = data.decode("ascii", "replace").split(" ", 2)
    return a, int(p), rest


def udp_flows(host, port, sport_base, count):
    dst = (host, int(port))
    seen, failed, resent = {}, [], 0
    base, count = int(sport_base), int(count)
    batch = 100
    for start in range(0, count, batch):
        socks = {}
        for i in range(start, min(count, start + batch)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("", base + i))
            s.connect(dst)
            s.setblocking(False)
            socks[s.fileno()] = (s, base + i)
        pending = dict(socks)
        for attempt in range(4):
            if not pending:
                break
            for fd, (s, sp) in pending.items():
                try:
                    s.send(b"flow %d" % sp)
                except OSError:
                    pass
            if attempt:
                resent += len(pending)
            deadline = time.monotonic() + 1.0
            while pending and time.monotonic() < deadline:
                left = max(0.0, deadline - time.monotonic())
                r, _, _ = select.select(list(pending), [], [], left)
                for fd in r:
                    s, sp = pending[fd]
                    try:
                        data = s.recv(200)
                    except OSError:
                        continue
                    addr, _, _ = parse_answer(data)
                    seen[addr] = seen.get(addr, 0) + 1
                    del pending[fd]
        failed += [sp for s, sp in pending.values()]
        for s, _ in socks.values():
            s.close()
    return {"seen": seen, "failed": failed, "resent": resent}


def udp_once(host, port, sport, wait, more, token):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    s.connect((host, int(port)))
    s.send(token.encode())
    first = []
    deadline = time.monotonic() + float(wait)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            first.append(s.recv(200).decode("ascii", "replace"))
        except socket.timeout:
            break
        except OSError as e:
            first.append("error %r" % e)
            break
    out = []
    for i in range(int(more)):
        s.settimeout(1.0)
        s.send(("%s-more%d" % (token, i)).encode())
        try:
            out.append(s.recv(200).decode("ascii", "replace"))
        except (socket.timeout, OSError):
            out.append(None)
    return {"first": first, "more": out}


def udp_probe(iface, host, port, sport, wait, token):
    from scapy.all import ICMP, IP, UDP, AsyncSniffer, IPerror, UDPerror, conf  # noqa
    conf.verb = 0
    sport, port = int(sport), int(port)
    up = threading.Event()
    sn = AsyncSniffer(iface=iface, filter="icmp or (udp and src host %s)" % host,
                      store=True, started_callback=up.set)
    sn.start()
    up.wait(5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", sport))
    s.connect((host, port))
    s.send(token.encode())
    s.settimeout(float(wait))
    t_end = time.monotonic() + float(wait)
    try:
        sock = "answer %s" % s.recv(200).decode("ascii", "replace")
    except socket.timeout:
        sock = "timeout"
    except OSError as e:
        sock = "error %s" % e.__class__.__name__
    left = t_end - time.monotonic()
    if left > 0:
        time.sleep(left)       # the sniffer's window: what arrives in WAIT s
    pkts = sn.stop() or []
    icmp, udp = [], []
    for p in pkts:
        if IP not in p:
            continue
        if ICMP in p and IPerror in p and UDPerror in p:
            q = p[IPerror]
            if p[UDPerror].sport != sport:
                continue
            icmp.append({"src": p[IP].src, "type": int(p[ICMP].type), "code": int(p[ICMP].code),
                         "q_sport": int(p[UDPerror].sport), "q_dport": int(p[UDPerror].dport),
                         "q_dst": q.dst})
        elif UDP in p and p[IP].src == host and p[UDP].sport == port and \
                p[UDP].dport == sport:
            udp.append(bytes(p[UDP].payload).decode("ascii", "replace"))
    return {"icmp": icmp, "udp": udp, "sock": sock}


def udp_seq(host, port, sport, min_count, rate, ready, stop):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("", int(sport)))
    s.connect((host, int(port)))
    got = {}
    addrs = {}
    dups = 0

    def take(data):
        nonlocal dups
        try:
            addr, _, payload = parse_answer(data)
            seq = int(payload.split()[1])
        except (ValueError, IndexError):
            return
        if seq in got:
            dups += 1
        got[seq] = addr
        addrs[addr] = addrs.get(addr, 0) + 1

    # the first datagram (seq 0) is answered before the stream starts: the flow exists
    s.settimeout(1.0)
    for _ in range(10):
        s.send(b"seq 0")
        try:
            take(s.recv(200))
            break
        except socket.timeout:
            continue
    if 0 not in got:
        return {"error": "no answer to the first datagram"}
    ready_file(ready, "%s %d\n" % s.getsockname())
    s.setblocking(False)
    period = 1.0 / float(rate)
    seq = 1
    t0 = time.monotonic()
    t_first = time.time()
    hard_end = t0 + 60
    while True:
        now = time.monotonic()
        if seq >= int(min_count) and (os.path.exists(stop) or now > hard_end):
            break
        due = t0 + (seq - 1) * period
        if now >= due:
            try:
                s.send(b"seq %d" % seq)
            except OSError:
                pass
            seq += 1
            continue
        r, _, _ = select.select([s], [], [], due - now)
        if r:
            try:
                while True:
                    take(s.recv(200))
            except (BlockingIOError, OSError):
                pass
    t_last = time.time()
    sent = seq
    deadline = time.monotonic() + 3
    while len(got) < sent and time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            try:
                while True:
                    take(s.recv(200))
            except (BlockingIOError, OSError):
                pass
    lost = [i for i in range(sent) if i not in got]
    return {"sent": sent, "received": len(got), "n_lost": len(lost), "lost": lost[:50],
            "dups": dups, "addrs": addrs, "t_first": t_first, "t_last": t_last}


def tcp_ask(host, port, timeout):
    c = socket.create_connection((host, int(port)), timeout=float(timeout))
    try:
        c.sendall(b"WHO\n")
        f = c.makefile("rb")
        line = f.readline().decode().split()
        if not line:
            raise OSError("closed without an answer")
        return line[0]
    finally:
        c.close()


def tcp_who(host, port, count, timeout):
    seen, errors = {}, []
    for i in range(int(count)):
        try:
            a = tcp_ask(host, port, timeout)
            seen[a] = seen.get(a, 0) + 1
        except Exception as e:  # reported, never hidden
            errors.append("%d: %r" % (i, e))
    return {"seen": seen, "errors": errors}


def tcp_who_dsts(port, timeout, *dsts):
    by_dst, errors = {}, []
    for d in dsts:
        try:
            by_dst[d] = tcp_ask(d, port, timeout)
        except Exception as e:  # reported, never hidden
            errors.append("%s: %r" % (d, e))
    return {"by_dst": by_dst, "errors": errors}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "udp-server":
        udp_server(*args)
        return
    fn = {"udp-flows": udp_flows, "udp-once": udp_once, "udp-probe": udp_probe,
          "udp-seq": udp_seq, "tcp-who": tcp_who, "tcp-who-dsts": tcp_who_dsts}[mode]
    print(json.dumps(fn(*args)), flush=True)


if __name__ == "__main__":
    main()
