/* SPDX-License-Identifier: BSD-3-Clause
 * DNS snooping (dns_snoop.h): a DNS answer on its way to a LAN host, parsed, its
 * question name matched against the running rules' domain patterns, its A records put
 * into the sets of the patterns that match. Runs on the workers (answers from the
 * Internet, after reverse NAT) and on the main lcore (answers of our dnsmasq on the LAN
 * TAP). Never changes or drops the packet.
 *
 * Matching does not try every pattern: a pattern's id is the FNV-1a of its text, so
 * each label suffix of the name ("www.foo.com", "foo.com", "com": the "foo.com" form)
 * and each run of labels followed by more (".*" appended: the "foo.*" form, at most
 * wild_labels labels long) is hashed once, incrementally, and looked up by id in the
 * generation's pattern index; a hit is confirmed on the text. The cost grows with the
 * name, not with the number of rules (tools/bench-dns-snoop). The same semantics as
 * dpw_dns_pattern_match (test/component/test_dns_snoop.c checks the two agree).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dns_snoop.h"
#include "dataplane/dnsset.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_dns.h"

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u
#define FOUND_MAX 64            /* distinct patterns one name can fill */

static inline uint32_t
fnv(uint32_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* The pattern whose id is id and whose text is s[0..n) + tail ("" or ".*"), or -1. */
static int
lookup(const struct dp_pgen *g, uint32_t id, const char *s, size_t n, const char *tail)
{
	uint32_t k;

	if (id == 0)
		id = 1;               /* as dpw_dns_pattern_id */
	for (k = id & g->pattern_slot_mask; g->pattern_slot[k] != 0;
	     k = (k + 1) & g->pattern_slot_mask) {
		unsigned int i = g->pattern_slot[k] - 1u;
		const char *p = g->patterns[i];

		if (g->pattern_ids[i] == id && strncmp(p, s, n) == 0 &&
		    strcmp(p + n, tail) == 0)
			return (int)i;
	}
	return -1;
}

static unsigned int
add(unsigned int *found, unsigned int n, int p)
{
	unsigned int i;

	if (p < 0 || n >= FOUND_MAX)
		return n;
	for (i = 0; i < n; i++)
		if (found[i] == (unsigned int)p)
			return n;
	found[n] = (unsigned int)p;
	return n + 1;
}

/* Every pattern of g that name matches, into found[]; their count. */
static unsigned int
match(const struct dp_pgen *g, const char *name, unsigned int *found)
{
	size_t nl = strlen(name), i, j;
	unsigned int n = 0, labels;

	if (nl == 0)
		return 0;
	for (i = 0; i < nl; i++) {
		uint32_t h;

		if (i != 0 && name[i - 1] != '.')
			continue;
		/* the suffix from this label: the "foo.com" form */
		n = add(found, n, lookup(g, fnv(FNV_BASIS, name + i, nl - i), name + i, nl - i,
					 ""));
		if (g->wild_labels == 0)
			continue;
		/* runs of labels from here with more after them: the "foo.*" form */
		h = FNV_BASIS;
		labels = 0;
		for (j = i; j < nl; j++) {
			if (name[j] == '.') {
				int p = -1;

				if (j + 1 < nl)
					p = lookup(g, fnv(h, ".*", 2), name + i, j - i, ".*");
				n = add(found, n, p);
				if (++labels >= g->wild_labels)
					break;
			}
			h ^= (unsigned char)name[j];
			h *= FNV_PRIME;
		}
	}
	return n;
}

int
dp_dns_snoop_index(struct dp_pgen *g)
{
	uint32_t size = 4, k;
	unsigned int i;

	while (size < 2 * g->n_patterns)
		size <<= 1;
	free(g->pattern_slot);
	g->wild_labels = 0;
	g->pattern_slot = calloc(size, sizeof(*g->pattern_slot));
	if (g->pattern_slot == NULL)
		return -ENOMEM;
	g->pattern_slot_mask = size - 1;
	for (i = 0; i < g->n_patterns; i++) {
		const char *p = g->patterns[i];
		size_t l = strlen(p);

		if (l >= 2 && p[l - 2] == '.' && p[l - 1] == '*') {
			unsigned int labels = 1;
			size_t c;

			for (c = 0; c + 2 < l; c++)
				labels += p[c] == '.';
			if (labels > g->wild_labels)
				g->wild_labels = (uint8_t)(labels > 255 ? 255 : labels);
		}
		for (k = g->pattern_ids[i] & g->pattern_slot_mask; g->pattern_slot[k] != 0;
		     k = (k + 1) & g->pattern_slot_mask)
			;
		g->pattern_slot[k] = (uint16_t)(i + 1);
	}
	return 0;
}

void
dp_dns_snoop(const struct dp_pgen *g, struct dpw_dnsset_hdr *h, const uint8_t *udp,
	     uint16_t len, uint32_t now_s, unsigned int slot)
{
	unsigned int found[FOUND_MAX], n, p, i;
	struct dpw_dnsset_stats *st;
	struct dpw_dns_answer a;
	enum dpw_dns_result r;

	if (g == NULL || g->n_patterns == 0 || h == NULL || g->pattern_slot == NULL)
		return;
	st = &h->stats[slot < DPW_MAX_LCORE_SLOTS ? slot : DPW_SHM_MAIN_SLOT];
	r = dpw_dns_parse_answer(udp, len, &a);
	if (r == DPW_DNS_MALFORMED) {
		st->malformed++;
		return;
	}
	if (r != DPW_DNS_OK)
		return;
	st->answers++;
	n = match(g, a.qname, found);
	if (n == 0)
		return;
	st->matched++;
	for (p = 0; p < n; p++)
		for (i = 0; i < a.n_addrs; i++)
			dp_dnsset_put(h, g->pattern_ids[found[p]], a.a[i].addr, a.a[i].ttl, now_s,
				      slot);
}
