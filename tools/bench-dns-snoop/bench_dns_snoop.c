/* SPDX-License-Identifier: BSD-3-Clause
 * bench-dns-snoop: what DNS snooping costs (issue 9). For 1, 10, 100 and 1,000 domain
 * patterns of the running rules: DNS answers snooped per second on one core
 * (dp_dns_snoop over UDP payloads, as the workers call it: parse, the patterns, the
 * puts), half of them for names a pattern matches; then dp_dnsset_has() in ns per
 * lookup on a half-full table, hits and misses. Prints figures only, asserts nothing.
 * One thread, no EAL (the code measured is pure C).
 *   bench-dns-snoop [--patterns N,N,...] [--answers N] [--slots N] [--lookups N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "dataplane/dns_snoop.h"
#include "dataplane/dnsset.h"
#include "dataplane/dp.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_dns.h"

struct dp_ctx dp;

#define N_MSGS 1024
#define MAX_SIZES 16

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct msg {
	uint8_t b[512];
	uint16_t len;
};

/* An answer for qname with n A records (compression pointers to the question). */
static uint16_t
answer(uint8_t *m, const char *qname, unsigned int n)
{
	size_t o = 12, l;
	const char *p = qname;
	unsigned int i;

	memset(m, 0, 12);
	m[2] = 0x81;
	m[3] = 0x80;
	m[5] = 1;
	m[7] = (uint8_t)n;
	while (*p) {
		const char *dot = strchr(p, '.');

		l = dot ? (size_t)(dot - p) : strlen(p);
		m[o++] = (uint8_t)l;
		memcpy(m + o, p, l);
		o += l;
		p += l + (dot != NULL);
	}
	m[o++] = 0;
	m[o++] = 0; m[o++] = 1; m[o++] = 0; m[o++] = 1;
	for (i = 0; i < n; i++) {
		uint32_t a = htonl(0xc6130000u | (rnd() & 0xffff)), t = htonl(300);

		m[o++] = 0xc0; m[o++] = 12;
		m[o++] = 0; m[o++] = 1; m[o++] = 0; m[o++] = 1;
		memcpy(m + o, &t, 4);
		o += 4;
		m[o++] = 0; m[o++] = 4;
		memcpy(m + o, &a, 4);
		o += 4;
	}
	return (uint16_t)o;
}

static void
run(unsigned int n_pat, unsigned long n_answers, struct dpw_dnsset_hdr *h, uint32_t slots)
{
	static char pats[DPW_DNSSET_PATTERNS_MAX][DPW_DNSSET_PATTERN_LEN];
	static uint32_t ids[DPW_DNSSET_PATTERNS_MAX];
	static struct msg msgs[N_MSGS];
	struct dp_pgen g;
	char name[128];
	unsigned long i;
	uint64_t t0, t1;
	double ns;

	for (i = 0; i < n_pat; i++) {
		/* half "site<i>.test" (it and below), half "brand<i>.*" */
		if (i % 2 == 0)
			snprintf(pats[i], sizeof(pats[i]), "site%lu.test", i);
		else
			snprintf(pats[i], sizeof(pats[i]), "brand%lu.*", i);
		ids[i] = dpw_dns_pattern_id(pats[i]);
	}
	for (i = 0; i < N_MSGS; i++) {
		unsigned long p = rnd() % n_pat;

		if (i % 2 == 0)          /* matched: a name under a pattern */
			snprintf(name, sizeof(name), p % 2 == 0 ? "www.site%lu.test" :
				 "cdn.brand%lu.co.uk", p);
		else                     /* not matched */
			snprintf(name, sizeof(name), "host%lu.example.net", i);
		msgs[i].len = answer(msgs[i].b, name, 1 + rnd() % 4);
	}
	memset(&g, 0, sizeof(g));
	g.n_patterns = n_pat;
	g.patterns = pats;
	g.pattern_ids = ids;
	if (dp_dns_snoop_index(&g) != 0)
		return;
	dp_dnsset_init(h, slots, 0);
	t0 = now_ns();
	for (i = 0; i < n_answers; i++)
		dp_dns_snoop(&g, h, msgs[i % N_MSGS].b, msgs[i % N_MSGS].len,
			     (uint32_t)(i >> 16), 0);
	t1 = now_ns();
	ns = (double)(t1 - t0) / (double)n_answers;
	printf("%5u patterns: %8.0f answers/s/core (%6.0f ns an answer; %llu matched, "
	       "%llu inserted, %llu evicted)\n", n_pat, 1e9 / ns, ns,
	       (unsigned long long)h->stats[0].matched, (unsigned long long)h->stats[0].inserted,
	       (unsigned long long)h->stats[0].evicted);
	free(g.pattern_slot);
}

static void
lookups(struct dpw_dnsset_hdr *h, uint32_t slots, unsigned long n)
{
	uint32_t *addrs = malloc(sizeof(uint32_t) * (slots / 2));
	unsigned long i, hits = 0;
	uint64_t t0, t1;

	if (addrs == NULL)
		return;
	dp_dnsset_init(h, slots, 0);
	for (i = 0; i < slots / 2; i++) {
		addrs[i] = rnd() << 8 | (uint32_t)(i & 0xff);
		dp_dnsset_put(h, 7, addrs[i], 3600, 0, 0);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		hits += dp_dnsset_has(h, 7, addrs[(i * 2654435761u) % (slots / 2)], 1);
	t1 = now_ns();
	printf("has(), present:  %5.1f ns a lookup (%lu of %lu found; table %u slots, half "
	       "full: %llu of the %u puts evicted another, their 4-way bucket was full)\n",
	       (double)(t1 - t0) / (double)n, hits, n, slots,
	       (unsigned long long)h->stats[0].evicted, slots / 2);
	hits = 0;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		hits += dp_dnsset_has(h, 8, addrs[(i * 2654435761u) % (slots / 2)], 1);
	t1 = now_ns();
	printf("has(), absent:   %5.1f ns a lookup (%lu found)\n", (double)(t1 - t0) / (double)n,
	       hits);
	free(addrs);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "patterns", required_argument, NULL, 'p' },
		{ "answers", required_argument, NULL, 'a' },
		{ "slots", required_argument, NULL, 's' },
		{ "lookups", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int sizes[MAX_SIZES] = { 1, 10, 100, 1000 }, n_sizes = 4, i;
	unsigned long n_answers = 2000000, n_lookups = 20000000;
	uint32_t slots = 65536;
	struct dpw_dnsset_hdr *h;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *s = optarg, *tok;

			n_sizes = 0;
			while ((tok = strsep(&s, ",")) != NULL && n_sizes < MAX_SIZES) {
				unsigned long v = strtoul(tok, NULL, 10);

				if (v >= 1 && v <= DPW_DNSSET_PATTERNS_MAX)
					sizes[n_sizes++] = (unsigned int)v;
			}
			break;
		}
		case 'a':
			n_answers = strtoul(optarg, NULL, 10);
			break;
		case 's':
			slots = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			n_lookups = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench-dns-snoop [--patterns N,N,...] [--answers N] "
				"[--slots N] [--lookups N]\n");
			return 2;
		}
	}
	if (slots < 64 || (slots & (slots - 1)) != 0 || n_answers == 0 || n_lookups == 0) {
		fprintf(stderr, "bench-dns-snoop: --slots a power of two >= 64, counts > 0\n");
		return 2;
	}
	h = malloc(sizeof(*h) + (size_t)slots * sizeof(struct dpw_dnsset_slot));
	if (h == NULL)
		return 1;
	printf("DNS snooping, one core, %lu answers a size (1..4 A records, half matched), "
	       "table %u slots\n", n_answers, slots);
	for (i = 0; i < n_sizes; i++)
		run(sizes[i], n_answers, h, slots);
	lookups(h, slots, n_lookups);
	free(h);
	return 0;
}
