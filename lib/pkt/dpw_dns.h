/* SPDX-License-Identifier: BSD-3-Clause
 * DNS answers as the dataplane snoops them (issue 9): the question name and the IPv4
 * addresses the answer gives it, with their TTLs. Bounds-checked everywhere: a name is
 * read label by label inside the message, a compression pointer must point backwards
 * (so a loop cannot form) and at most DPW_DNS_MAX_JUMPS are followed, counts are never
 * trusted beyond the bytes present. A records are taken only for the question name or a
 * name the answer's CNAME chain reaches from it (at most DPW_DNS_MAX_CNAMES links); the
 * authority and additional sections are never read, so a resolver cannot slip in
 * addresses for other names. Pure C (no DPDK), any thread; fuzzed (test/fuzz/fuzz_dns).
 */
#ifndef DPW_DNS_H
#define DPW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DPW_DNS_NAME_MAX 255     /* presentation form, no trailing dot */
#define DPW_DNS_MAX_ADDRS 32     /* A records kept of one answer */
#define DPW_DNS_MAX_JUMPS 16     /* compression pointers followed per name */
#define DPW_DNS_MAX_CNAMES 8
#define DPW_DNS_MAX_RRS 64       /* answer records looked at */
#define DPW_DNS_PORT 53          /* a DNS server's UDP port: what snooping looks for */
#define DPW_UDP_HDR_LEN 8

struct dpw_dns_answer {
	uint16_t id;
	uint8_t rcode;
	uint16_t qtype;
	char qname[DPW_DNS_NAME_MAX + 1];   /* lower case, dotted, no trailing dot ("" root) */
	unsigned int n_addrs;
	struct {
		uint32_t addr;   /* network byte order, as in the packet */
		uint32_t ttl;    /* seconds */
	} a[DPW_DNS_MAX_ADDRS];
};

enum dpw_dns_result {
	DPW_DNS_OK = 0,          /* a response; n_addrs may be 0 (NXDOMAIN, AAAA only...) */
	DPW_DNS_NOT_ANSWER = 1,  /* well formed but not a standard response (QR=0, opcode,
				  * qdcount != 1): ignored, not an error */
	DPW_DNS_MALFORMED = 2,   /* truncated, bad label, pointer loop, overlong name ... */
};

/* Parse the DNS message msg[0..len) (a UDP payload). Fills *out on DPW_DNS_OK. */
enum dpw_dns_result dpw_dns_parse_answer(const uint8_t *msg, size_t len,
					 struct dpw_dns_answer *out);

/*
 * Does name (lower case, no trailing dot) match a rule's domain pattern (Peplink's
 * forms, lower case): "foo.com" matches foo.com and every name under it (*.foo.com);
 * "foo.*" matches any name that has the label foo followed by at least one more label
 * (foo.com, www.foo.co.jp, foo.co.uk; not foo, not barfoo.com). Pure.
 */
bool dpw_dns_pattern_match(const char *pattern, const char *name);

/* A pattern's stable 32-bit id (FNV-1a of its text, never 0): domain sets keep their
 * addresses across applies that keep the pattern. Pure. */
uint32_t dpw_dns_pattern_id(const char *pattern);

#endif
