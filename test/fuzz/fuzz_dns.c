/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: DNS snooping's parser (lib/pkt/dpw_dns.c) as the dataplane feeds it with
 * UDP payloads from port 53 (any Internet resolver), then what dp_dns_snoop does with
 * the result: the domain patterns on the question name and the domain sets' table
 * (dataplane/dnsset.c) on its addresses. The input is one DNS message. Every promise of
 * the headers that can be checked from outside is a FUZZ_CHECK. Single-threaded.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/dns_snoop.h"
#include "dataplane/dnsset.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_dns.h"
#include "test/fuzz/fuzz.h"

#define SLOTS 64

static const char *const patterns[] = {"example.test", "test", "foo.*", "a.*", "com"};
#define NP (sizeof(patterns) / sizeof(patterns[0]))

/* dp_dns_snoop's generation: the same patterns, indexed (dns_snoop.c) */
static struct dp_pgen *
snoop_gen(void)
{
	static char text[NP][DPW_DNSSET_PATTERN_LEN];
	static uint32_t ids[NP];
	static struct dp_pgen g;
	unsigned int i;

	if (g.pattern_slot != NULL)
		return &g;
	for (i = 0; i < NP; i++) {
		snprintf(text[i], sizeof(text[i]), "%s", patterns[i]);
		ids[i] = dpw_dns_pattern_id(text[i]);
	}
	g.n_patterns = NP;
	g.patterns = text;
	g.pattern_ids = ids;
	FUZZ_CHECK(dp_dns_snoop_index(&g) == 0);
	return &g;
}

static int
name_ok(const char *n)
{
	size_t l = strlen(n), i, lab = 0;

	if (l > 253 || (l > 0 && (n[0] == '.' || n[l - 1] == '.')))
		return 0;
	for (i = 0; i < l; i++) {
		if (n[i] >= 'A' && n[i] <= 'Z')
			return 0;
		if (n[i] <= ' ' || n[i] > '~')
			return 0;
		if (n[i] == '.') {
			if (lab == 0)
				return 0;     /* an empty label */
			lab = 0;
		} else if (++lab > 63) {
			return 0;
		}
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dpw_dnsset_hdr *h;
	struct dpw_dns_answer a;
	enum dpw_dns_result r;
	uint8_t *copy;
	unsigned int i, p;

	if (h == NULL) {
		h = malloc(sizeof(*h) + SLOTS * sizeof(struct dpw_dnsset_slot));
		if (h == NULL)
			return 0;
	}
	/* an exact-size heap copy: ASan sees one byte of over-read */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&a, 0xa5, sizeof(a));
	r = dpw_dns_parse_answer(copy, size, &a);
	FUZZ_CHECK(r == DPW_DNS_OK || r == DPW_DNS_NOT_ANSWER || r == DPW_DNS_MALFORMED);
	if (size < 12)
		FUZZ_CHECK(r == DPW_DNS_MALFORMED);
	if (r == DPW_DNS_OK) {
		FUZZ_CHECK(size >= 12 + 1 + 4);
		FUZZ_CHECK((copy[2] & 0x80) != 0);
		FUZZ_CHECK(a.n_addrs <= DPW_DNS_MAX_ADDRS);
		FUZZ_CHECK(a.rcode <= 15);
		FUZZ_CHECK(memchr(a.qname, '\0', sizeof(a.qname)) != NULL);
		FUZZ_CHECK(name_ok(a.qname));
		/* an A record is 15 bytes at least: a 1-byte owner, 10, 4 of rdata */
		FUZZ_CHECK((size_t)a.n_addrs * 15 <= size);
		for (i = 0; i < a.n_addrs; i++)
			FUZZ_CHECK(a.a[i].ttl <= 0x7fffffffu);

		dp_dnsset_init(h, SLOTS, 0);
		for (p = 0; p < NP; p++) {
			uint32_t id = dpw_dns_pattern_id(patterns[p]);

			FUZZ_CHECK(id != 0);
			if (!dpw_dns_pattern_match(patterns[p], a.qname))
				continue;
			for (i = 0; i < a.n_addrs; i++) {
				dp_dnsset_put(h, id, a.a[i].addr, a.a[i].ttl, 100, 0);
				/* just put: there (4 ways, at most 32 addresses per bucket... the
				 * newest always stays) */
				FUZZ_CHECK(dp_dnsset_has(h, id, a.a[i].addr, 100));
				FUZZ_CHECK(!dp_dnsset_has(h, id, a.a[i].addr,
							  100 + DPW_DNSSET_TTL_MAX));
			}
		}
		FUZZ_CHECK(h->stats[0].inserted <= (uint64_t)a.n_addrs *
			   (NP));
	}
	/*
	 * dp_dns_snoop on the same bytes: malformed counted as the parser says, and an
	 * answer's addresses in exactly the sets of the patterns that match its name (the
	 * snoop's index against dpw_dns_pattern_match)
	 */
	dp_dnsset_init(h, SLOTS, 0);
	dp_dns_snoop(snoop_gen(), h, copy, (uint16_t)(size > 65535 ? 65535 : size), 100, 1);
	if (size <= 65535) {
		FUZZ_CHECK(h->stats[1].malformed == (r == DPW_DNS_MALFORMED));
		FUZZ_CHECK(h->stats[1].answers == (r == DPW_DNS_OK));
	}
	if (r == DPW_DNS_OK && size <= 65535 && a.n_addrs > 0 && a.n_addrs <= SLOTS / 16) {
		for (p = 0; p < NP; p++) {
			uint32_t id = dpw_dns_pattern_id(patterns[p]);
			int want = dpw_dns_pattern_match(patterns[p], a.qname);

			/* the last address is in its set for sure (it was put last in its bucket,
			 * unless a later pattern's puts evicted it: only check "no" strictly) */
			if (!want)
				for (i = 0; i < a.n_addrs; i++)
					FUZZ_CHECK(!dp_dnsset_has(h, id, a.a[i].addr, 100));
		}
		FUZZ_CHECK((h->stats[1].matched != 0) ==
			   (dpw_dns_pattern_match(patterns[0], a.qname) ||
			    dpw_dns_pattern_match(patterns[1], a.qname) ||
			    dpw_dns_pattern_match(patterns[2], a.qname) ||
			    dpw_dns_pattern_match(patterns[3], a.qname) ||
			    dpw_dns_pattern_match(patterns[4], a.qname)));
	}
	/* the patterns on the raw bytes as a name, too (NUL-terminated copy) */
	{
		char n[300];
		size_t l = size < sizeof(n) - 1 ? size : sizeof(n) - 1;

		memcpy(n, data, l);
		n[l] = '\0';
		for (p = 0; p < NP; p++)
			if (dpw_dns_pattern_match(patterns[p], n))
				FUZZ_CHECK(strstr(n, patterns[p][strlen(patterns[p]) - 1] == '*' ?
						  "." : patterns[p]) != NULL);
		(void)dpw_dns_pattern_match(n, "www.example.test");
		(void)dpw_dns_pattern_id(n);
	}
	free(copy);
	return 0;
}
