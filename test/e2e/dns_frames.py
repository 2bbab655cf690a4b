# SPDX-License-Identifier: BSD-3-Clause
"""DNS answers as raw UDP payloads, good and malformed, for the snooping tests.

test_43_dns_malformed.py sends the malformed ones towards a LAN host through the
dataplane; test/fuzz/make-corpus.py writes all of them as seeds of fuzz_dns. Plain
bytes (struct), no scapy: what the parser sees is exactly what is written here.
"""
import socket
import struct

RESP = 0x8180  # QR RD RA, rcode 0


def name(n):
    out = b""
    for lab in n.split(".") if n else []:
        out += bytes([len(lab)]) + lab.encode()
    return out + b"\x00"


def header(qd=1, an=0, ns=0, ar=0, flags=RESP, qid=0x1234):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def question(n, qtype=1):
    return name(n) + struct.pack("!HH", qtype, 1)


def rr_a(owner, addr, ttl=300):
    """An A record; owner is wire bytes (a name or a pointer)."""
    return owner + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(addr)


def rr_cname(owner, target, ttl=300):
    t = name(target)
    return owner + struct.pack("!HHIH", 5, 1, ttl, len(t)) + t


PTR_Q = b"\xc0\x0c"  # the question name at offset 12


def answer(qname, addrs, ttl=300, qid=0x1234):
    m = header(an=len(addrs), qid=qid) + question(qname)
    for a in addrs:
        m += rr_a(PTR_Q, a, ttl)
    return m


def good():
    """Well-formed answers (name -> payload)."""
    return {
        "a-two": answer("example.test", ["198.19.0.10", "198.19.0.11"]),
        "a-www": answer("www.Example.TEST", ["198.19.0.12"], ttl=5),
        "cname": header(an=2) + question("www.foo.test") +
        rr_cname(PTR_Q, "edge.cdn.test") + rr_a(b"\xc0\x2a", "198.19.0.13"),
        "nxdomain": header(flags=RESP | 3) + question("nope.test"),
        "query": header(flags=0x0100) + question("example.test"),
        "authority": header(an=0, ns=1, ar=1) + question("example.test") +
        rr_a(PTR_Q, "198.19.0.66") + rr_a(PTR_Q, "198.19.0.67"),
    }


def malformed(qname="example.test", addr="198.19.0.99"):
    """Answers the parser must refuse (name -> payload); each names qname, so a parser
    that wrongly accepted one would put addr into qname's domain set."""
    q = question(qname)
    ok = rr_a(PTR_Q, addr)
    lab = name(qname)[:-1]
    return {
        # the question name is a pointer to itself
        "ptr-self": header(an=1) + b"\xc0\x0c" + struct.pack("!HH", 1, 1) + ok,
        # a pointer forwards
        "ptr-forward": header(an=1) + b"\xc0\x0e" + q + ok,
        # an owner that loops: a label, then a pointer back to that label
        "ptr-loop": header(an=1) + q + b"\x01a\xc0" + bytes([12 + len(q)]) +
        struct.pack("!HHIH", 1, 1, 300, 4) + socket.inet_aton(addr),
        # the answer count says 65535, one record follows
        "huge-count": header(an=0xffff) + q + ok,
        # the record is cut in the middle of its address
        "truncated": (header(an=1) + q + ok)[:-2],
        # cut inside the question
        "truncated-q": (header(an=1) + q)[:15],
        # header only
        "short": header(an=1)[:10],
        # a label of 64
        "label-64": header(an=1) + bytes([64]) + b"x" * 64 + lab + b"\x00" +
        struct.pack("!HH", 1, 1) + ok,
        # label type 0x40
        "label-ext": header(an=1) + b"\x41x" + lab + b"\x00" + struct.pack("!HH", 1, 1) + ok,
        # a dot and a NUL inside a label
        "label-dot": header(an=1) + b"\x03a.b" + lab + b"\x00" + struct.pack("!HH", 1, 1) + ok,
        "label-nul": header(an=1) + b"\x02a\x00" + lab + b"\x00" + struct.pack("!HH", 1, 1) + ok,
        # an A record of 5 bytes
        "a-len5": header(an=1) + q + PTR_Q + struct.pack("!HHIH", 1, 1, 300, 5) +
        socket.inet_aton(addr) + b"\x00",
        # a name longer than 255 octets
        "name-long": header(an=1) + (b"\x3f" + b"y" * 63) * 4 + lab + b"\x00" +
        struct.pack("!HH", 1, 1) + ok,
    }
