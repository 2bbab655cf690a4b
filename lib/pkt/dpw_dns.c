/* SPDX-License-Identifier: BSD-3-Clause
 * DNS answer parsing for the dataplane's snooping (lib/pkt/dpw_dns.h) and the domain
 * patterns of rules. Every read is checked against the message length; nothing in the
 * header's counts is trusted beyond the bytes present. Pure C, any thread.
 */
#include <string.h>

#include "lib/pkt/dpw_dns.h"

#define DNS_HDR_LEN 12
#define DNS_FLAG_QR 0x8000u
#define DNS_OPCODE_SHIFT 11
#define DNS_OPCODE_MASK 0xfu
#define DNS_RCODE_MASK 0xfu
#define DNS_LABEL_MAX 63
#define DNS_WIRE_NAME_MAX 255          /* RFC 1035 3.1: length octets included */
#define DNS_PTR_MASK 0xc0u             /* both top bits: a compression pointer */
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_CLASS_IN 1
#define DNS_RR_FIXED 10                /* type, class, ttl, rdlength */
#define DNS_TTL_MAX 0x7fffffffu        /* RFC 2181 8: a TTL with the top bit set is 0 */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Read the name at msg[*off] into out (lower case, dotted, no trailing dot; NULL: only
 * skip it). *off moves past the name as it sits in the record (up to and including the
 * first pointer). Each compression pointer must point before the start of the segment
 * it ends (so the positions read strictly go down at every jump: no loop can form), at
 * most DPW_DNS_MAX_JUMPS are followed. A label must be 1..63 octets of printable ASCII
 * without '.', the name at most 255 octets on the wire. Returns 0 or -1.
 */
static int
read_name(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	size_t pos = *off, seg = *off, end = 0, o = 0, wire = 1;
	unsigned int jumps = 0;
	int jumped = 0;

	for (;;) {
		unsigned int l, i;

		if (pos >= len)
			return -1;
		l = msg[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if ((l & DNS_PTR_MASK) == DNS_PTR_MASK) {
			size_t t;

			if (pos + 1 >= len)
				return -1;
			t = (size_t)((l & ~DNS_PTR_MASK) << 8 | msg[pos + 1]);
			if (t >= seg || ++jumps > DPW_DNS_MAX_JUMPS)
				return -1;
			if (!jumped) {
				end = pos + 2;
				jumped = 1;
			}
			pos = seg = t;
			continue;
		}
		if ((l & DNS_PTR_MASK) != 0 || l > DNS_LABEL_MAX)
			return -1;     /* 0x40 / 0x80: extended label types, obsolete */
		if (pos + 1 + l > len)
			return -1;
		wire += 1 + l;
		if (wire > DNS_WIRE_NAME_MAX)
			return -1;
		if (out != NULL && o != 0)
			out[o++] = '.';
		for (i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];

			if (c <= ' ' || c > '~' || c == '.')
				return -1;
			if (out != NULL)
				out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
		}
		pos += 1 + l;
	}
	if (out != NULL)
		out[o] = '\0';     /* o < wire <= 255 < DPW_DNS_NAME_MAX + 1 */
	*off = jumped ? end : pos;
	return 0;
}

static int
chain_has(char (*chain)[DPW_DNS_NAME_MAX + 1], unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(chain[i], name) == 0)
			return 1;
	return 0;
}

enum dpw_dns_result
dpw_dns_parse_answer(const uint8_t *msg, size_t len, struct dpw_dns_answer *out)
{
	/* the question name and the CNAME targets reached from it */
	char chain[1 + DPW_DNS_MAX_CNAMES][DPW_DNS_NAME_MAX + 1];
	char owner[DPW_DNS_NAME_MAX + 1], target[DPW_DNS_NAME_MAX + 1];
	unsigned int n_chain = 1, an, i;
	uint16_t flags;
	size_t off;

	if (msg == NULL || len < DNS_HDR_LEN)
		return DPW_DNS_MALFORMED;
	flags = rd16(msg + 2);
	if (!(flags & DNS_FLAG_QR) || ((flags >> DNS_OPCODE_SHIFT) & DNS_OPCODE_MASK) != 0 ||
	    rd16(msg + 4) != 1)
		return DPW_DNS_NOT_ANSWER;
	out->id = rd16(msg);
	out->rcode = (uint8_t)(flags & DNS_RCODE_MASK);
	out->n_addrs = 0;
	an = rd16(msg + 6);
	off = DNS_HDR_LEN;
	if (read_name(msg, len, &off, out->qname) != 0 || off + 4 > len)
		return DPW_DNS_MALFORMED;
	out->qtype = rd16(msg + off);
	off += 4;
	memcpy(chain[0], out->qname, strlen(out->qname) + 1);

	/* the answer section only; at most DPW_DNS_MAX_RRS records, each fully present */
	for (i = 0; i < an && i < DPW_DNS_MAX_RRS; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;
		size_t rd;
		int ours;

		if (read_name(msg, len, &off, owner) != 0 || off + DNS_RR_FIXED > len)
			return DPW_DNS_MALFORMED;
		type = rd16(msg + off);
		class = rd16(msg + off + 2);
		ttl = rd32(msg + off + 4);
		rdlen = rd16(msg + off + 8);
		rd = off + DNS_RR_FIXED;
		if (rd + rdlen > len)
			return DPW_DNS_MALFORMED;
		off = rd + rdlen;
		if (class != DNS_CLASS_IN)
			continue;
		ours = chain_has(chain, n_chain, owner);
		if (type == DNS_TYPE_A) {
			if (rdlen != 4)
				return DPW_DNS_MALFORMED;
			if (!ours || out->n_addrs >= DPW_DNS_MAX_ADDRS)
				continue;
			memcpy(&out->a[out->n_addrs].addr, msg + rd, 4);
			out->a[out->n_addrs].ttl = ttl > DNS_TTL_MAX ? 0 : ttl;
			out->n_addrs++;
		} else if (type == DNS_TYPE_CNAME) {
			size_t t = rd;

			if (read_name(msg, len, &t, target) != 0 || t != rd + rdlen)
				return DPW_DNS_MALFORMED;
			/* a link only from a name already on the chain, and only to a new name */
			if (ours && n_chain < 1 + DPW_DNS_MAX_CNAMES &&
			    !chain_has(chain, n_chain, target)) {
				memcpy(chain[n_chain], target, strlen(target) + 1);
				n_chain++;
			}
		}
	}
	return DPW_DNS_OK;
}

bool
dpw_dns_pattern_match(const char *pattern, const char *name)
{
	size_t pl, nl, i;

	if (pattern == NULL || name == NULL)
		return false;
	pl = strlen(pattern);
	nl = strlen(name);
	if (pl >= 2 && pattern[pl - 2] == '.' && pattern[pl - 1] == '*') {
		/* "foo.*": the label(s) foo at a label boundary, then a dot and more */
		pl -= 2;
		if (pl == 0)
			return false;
		for (i = 0; i + pl + 1 < nl; i++) {
			if (i != 0 && name[i - 1] != '.')
				continue;
			if (memcmp(name + i, pattern, pl) == 0 && name[i + pl] == '.')
				return true;
		}
		return false;
	}
	if (pl == 0 || nl < pl)
		return false;
	if (nl == pl)
		return memcmp(name, pattern, pl) == 0;
	return name[nl - pl - 1] == '.' && memcmp(name + nl - pl, pattern, pl) == 0;
}

uint32_t
dpw_dns_pattern_id(const char *pattern)
{
	uint32_t h = 2166136261u;   /* FNV-1a 32 */
	const unsigned char *p;

	for (p = (const unsigned char *)pattern; p != NULL && *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h == 0 ? 1 : h;
}
