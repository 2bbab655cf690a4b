# SPDX-License-Identifier: BSD-3-Clause
"""Play an off-path attacker in the inet namespace (scapy), for the TCP tracking tests.

  tcp_spoof.py sniff IFACES SPORT OUT READY   record every segment the server sends
                                           from SPORT as JSON lines in OUT; READY is
                                           created once capturing
  tcp_spoof.py send SRC SPORT DST DPORT FLAGS SEQ [ACK]
                                           send one segment as the server would

SEQ and ACK are absolute numbers. Prints a JSON line.
"""
import json
import sys

from scapy.all import IP, TCP, conf, send, sniff

conf.verb = 0


def do_sniff(ifaces, sport, out, ready):
    f = open(out, "a", buffering=1)

    def started():
        open(ready, "w").close()

    def note(p):
        t = p[TCP]
        f.write(json.dumps({"seq": t.seq, "ack": t.ack, "len": len(t.payload),
                            "dst": p[IP].dst, "dport": t.dport, "flags": str(t.flags)}) + "\n")

    sniff(iface=ifaces.split(","), filter="tcp and src port %s" % sport, prn=note,
          store=False, timeout=300, started_callback=started)


def do_send(src, sport, dst, dport, flags, seq, ack="0"):
    send(IP(src=src, dst=dst) / TCP(sport=int(sport), dport=int(dport), flags=flags,
                                    seq=int(seq) % (1 << 32), ack=int(ack) % (1 << 32),
                                    window=1000))
    print(json.dumps({"sent": 1}))


if __name__ == "__main__":
    if sys.argv[1] == "sniff":
        do_sniff(*sys.argv[2:6])
    else:
        do_send(*sys.argv[2:])
