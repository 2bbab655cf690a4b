/* SPDX-License-Identifier: BSD-3-Clause
 * Component test: DNS snooping (dataplane/dns_snoop.c) on real mbufs and a real policy
 * generation (rte_acl), EAL with --no-huge --no-pci. A document with two domain rules
 * is compiled (dataplane/policy.c: its patterns and ids) and published (gen.c: the
 * patterns into the domain sets' header); Ethernet/IPv4/UDP frames from port 53 carry
 * DNS answers, parsed with dpw_pkt_parse and snooped exactly as the stages do; then
 * dp_policy_decide places flows by the sets (the rule's WAN, or the default rule with
 * domain_miss when the set lacks the destination or the entry expired). Last, a worker
 * lcore snoops answers without pause into a small table (evicting) while the main lcore
 * and a second thread place flows: a never-answered address never matches, an address
 * answered before with a long TTL always does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane/dns_snoop.h"
#include "dataplane/dnsset.h"
#include "dataplane/dp.h"
#include "dataplane/policy.h"
#include "dataplane/stage_policy.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_dns.h"
#include "lib/pkt/dpw_pkt.h"

struct dp_ctx dp;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		exit(1); \
	} \
} while (0)

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HOST IP(198, 18, 0, 10)
#define RESOLVER IP(198, 19, 0, 53)
#define SLOTS 1024
#define N_FRAMES 256
#define MT_ROUNDS 300000

static struct rte_mempool *pool;
static struct dp_wan_view view;
static struct dp_lb_load load;

/* ---- frames ---------------------------------------------------------------------- */

static size_t
dns_answer(uint8_t *m, const char *qname, const uint32_t *addrs, unsigned int n, uint32_t ttl)
{
	size_t o = 12, l;
	const char *p = qname;
	unsigned int i;

	memset(m, 0, 12);
	m[0] = 0x12;
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
		uint32_t a = htonl(addrs[i]), t = htonl(ttl);

		m[o++] = 0xc0; m[o++] = 12;
		m[o++] = 0; m[o++] = 1; m[o++] = 0; m[o++] = 1;
		memcpy(m + o, &t, 4);
		o += 4;
		m[o++] = 0; m[o++] = 4;
		memcpy(m + o, &a, 4);
		o += 4;
	}
	return o;
}

/* An Ethernet/IPv4/UDP frame from RESOLVER:53 to HOST carrying the answer. */
static struct rte_mbuf *
frame(const char *qname, const uint32_t *addrs, unsigned int n, uint32_t ttl)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d, *ip, *udp;
	size_t dl;
	uint32_t a;
	uint16_t v;

	CHECK(m != NULL, "mbuf");
	d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + 600);
	CHECK(d != NULL, "append");
	memset(d, 0, 14 + 20 + 8);
	d[0] = 0x02; d[5] = 0x10; d[6] = 0x02; d[11] = 0x01;
	d[12] = 0x08;
	ip = d + 14;
	udp = ip + 20;
	dl = dns_answer(udp + 8, qname, addrs, n, ttl);
	ip[0] = 0x45;
	v = htons((uint16_t)(20 + 8 + dl));
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;
	ip[9] = DPW_IPPROTO_UDP;
	a = htonl(RESOLVER);
	memcpy(ip + 12, &a, 4);
	a = htonl(HOST);
	memcpy(ip + 16, &a, 4);
	v = dpw_csum(ip, 20);
	memcpy(ip + 10, &v, 2);
	v = htons(DPW_DNS_PORT);
	memcpy(udp, &v, 2);
	v = htons(40000);
	memcpy(udp + 2, &v, 2);
	v = htons((uint16_t)(8 + dl));
	memcpy(udp + 4, &v, 2);
	rte_pktmbuf_trim(m, (uint16_t)(600 - dl));
	return m;
}

/* What stage_wan.c and mgmt.c do with a packet from port 53 (the packet is only read). */
static void
snoop(const struct dp_pgen *g, struct rte_mbuf *m, uint32_t now, unsigned int slot)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct dpw_pkt_info pi;
	unsigned int drop;

	CHECK(dpw_pkt_parse(d, rte_pktmbuf_data_len(m), &pi, &drop) == 0, "parse %u", drop);
	CHECK(pi.proto == DPW_IPPROTO_UDP && pi.sport == htons(DPW_DNS_PORT), "udp from 53");
	dp_dns_snoop(g, dp.dnsset, d + pi.l4_off + DPW_UDP_HDR_LEN,
		     (uint16_t)(pi.l4_len - DPW_UDP_HDR_LEN), now, slot);
}

/* ---- the generation ------------------------------------------------------------------ */

static struct dp_pgen *
build(void)
{
	static const uint8_t wan_id[DPW_MAX_WANS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct dpw_doc *d = calloc(1, sizeof(*d));
	struct dpw_doc_problems pr;
	struct dp_pgen *g = NULL;
	unsigned int i;
	int rc;

	CHECK(d != NULL, "calloc");
	d->version = DPW_DOC_VERSION;
	d->n_wans = 2;
	for (i = 0; i < d->n_wans; i++) {
		snprintf(d->wans[i].name, sizeof(d->wans[i].name), "wan%u", i + 1);
		d->wans[i].enabled = true;
		d->wans[i].weight = 1;
	}
	d->n_policies = 1;
	snprintf(d->policies[0].name, DPW_NAME_LEN, "wan2_only");
	d->policies[0].pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_PRIORITY, .n = 1,
		.c = { { .wan = 1, .weight = 1 } } };
	d->policies[0].last_resort = DPW_FB_DEFAULT;
	d->default_rule.preset = DPW_DEF_AUTO;
	d->default_rule.action.policy = -1;
	d->n_rules = 3;
	d->rules = calloc(d->n_rules, sizeof(*d->rules));
	CHECK(d->rules != NULL, "calloc");
	for (i = 0; i < d->n_rules; i++) {
		snprintf(d->rules[i].name, DPW_NAME_LEN, "r%u", i);
		d->rules[i].enabled = true;
		d->rules[i].action.policy = 0;
		d->rules[i].action.sticky_timeout_s = DPW_STICKY_TIMEOUT_DEFAULT;
		d->rules[i].action.when_unavailable = DPW_FB_FALL_THROUGH;
	}
	d->rules[0].match.n_domains = 1;
	snprintf(d->rules[0].match.domain[0], DPW_DOMAIN_LEN, "example.test");
	d->rules[1].match.n_domains = 2;
	snprintf(d->rules[1].match.domain[0], DPW_DOMAIN_LEN, "foo.*");
	snprintf(d->rules[1].match.domain[1], DPW_DOMAIN_LEN, "example.test");   /* shared */
	d->rules[2].enabled = false;      /* a disabled rule's pattern is not snooped */
	d->rules[2].match.n_domains = 1;
	snprintf(d->rules[2].match.domain[0], DPW_DOMAIN_LEN, "off.test");
	dpw_doc_problems_init(&pr);
	rc = dp_pgen_build(d, wan_id, 7, 2, NULL, &g, &pr);
	CHECK(rc == 0 && g != NULL, "build: %d %s", rc, pr.n ? pr.p[0].message : "");
	free(d->rules);
	free(d);
	return g;
}

static void
place(const struct dp_pgen *g, uint32_t dst, uint32_t now, struct dp_decision *d)
{
	struct dp_acl_key k;

	memset(&k, 0, sizeof(k));
	k.proto = DPW_IPPROTO_TCP;
	k.src = htonl(HOST);
	k.dst = htonl(dst);
	k.sport = htons(5000);
	k.dport = htons(80);
	dp_policy_decide(g, &view, &load, NULL, NULL, now, &k, -1, d);
}

static void
view_init(void)
{
	unsigned int i;

	view.gen = 1;
	view.n_wans = 2;
	view.n_usable = 2;
	for (i = 0; i < 2; i++) {
		view.usable[i] = view.up[i] = 1;
		view.weight[i] = 1;
		view.wan[i].configured = 1;
		view.lb[i].usable = view.lb[i].up = view.lb[i].configured = 1;
	}
	view.usable_mask = 3;
}

static void
test_snoop_and_place(struct dp_pgen *g)
{
	const struct dpw_dnsset_hdr *h = dp.dnsset;
	uint32_t a1[2] = { IP(198, 19, 0, 10), IP(198, 19, 0, 11) }, a2 = IP(198, 19, 0, 20);
	uint32_t a3 = IP(198, 19, 0, 30), a4 = IP(198, 19, 0, 40);
	struct rte_mbuf *m;
	struct dp_decision d;
	uint8_t copy[1600];

	CHECK(g->n_patterns == 2, "%u patterns", g->n_patterns);
	CHECK(strcmp(g->patterns[0], "example.test") == 0 && strcmp(g->patterns[1], "foo.*") == 0,
	      "%s %s", g->patterns[0], g->patterns[1]);
	CHECK(h->n_patterns == 2 && h->patterns_gen == 7, "published %u gen %llu",
	      h->n_patterns, (unsigned long long)h->patterns_gen);
	CHECK(h->patterns[1].id == dpw_dns_pattern_id("foo.*"), "id");

	/* before any answer: rule 0 misses its set, rule 1 too, the default rule places */
	place(g, a1[0], 100, &d);
	CHECK(d.rule == DP_RULE_DEFAULT && d.domain_miss == 0 && d.rules_skipped == 2,
	      "rule %u miss %u skipped %u", d.rule, d.domain_miss, d.rules_skipped);

	m = frame("WWW.Example.Test", a1, 2, 60);
	memcpy(copy, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
	snoop(g, m, 100, 0);
	CHECK(memcmp(copy, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m)) == 0,
	      "the packet changed");
	rte_pktmbuf_free(m);
	CHECK(h->stats[0].answers == 1 && h->stats[0].matched == 1, "counted");
	/* example.test is in two rules: one set (one pattern), both addresses */
	CHECK(h->stats[0].inserted == 2, "inserted %llu", (unsigned long long)h->stats[0].inserted);
	place(g, a1[1], 100, &d);
	CHECK(d.rule == 0 && d.wan == 1 && d.domain_miss == DP_RULE_NONE, "rule %u wan %d miss %u",
	      d.rule, d.wan, d.domain_miss);
	/* expired (TTL 60) */
	place(g, a1[1], 160, &d);
	CHECK(d.rule == DP_RULE_DEFAULT && d.domain_miss == 0, "after expiry: rule %u", d.rule);

	/* foo.*: rule 1 (rule 0 misses first: domain_miss names it) */
	m = frame("cdn.foo.co.uk", &a2, 1, 600);
	snoop(g, m, 100, 1);
	rte_pktmbuf_free(m);
	place(g, a2, 100, &d);
	CHECK(d.rule == 1 && d.wan == 1 && d.domain_miss == 0, "rule %u miss %u", d.rule,
	      d.domain_miss);
	/* a disabled rule's pattern, and a name no pattern matches: nothing is put */
	m = frame("off.test", &a3, 1, 600);
	snoop(g, m, 100, 1);
	rte_pktmbuf_free(m);
	m = frame("barfoo.com", &a4, 1, 600);
	snoop(g, m, 100, 1);
	rte_pktmbuf_free(m);
	CHECK(h->stats[1].answers == 3 && h->stats[1].matched == 1 && h->stats[1].inserted == 1,
	      "stats slot 1");
	place(g, a3, 100, &d);
	CHECK(d.rule == DP_RULE_DEFAULT, "off.test placed by rule %u", d.rule);
	place(g, a4, 100, &d);
	CHECK(d.rule == DP_RULE_DEFAULT, "barfoo.com placed by rule %u", d.rule);

	/* a malformed payload (a truncated answer) is counted, nothing else happens */
	m = frame("example.test", &a4, 1, 600);
	{
		uint8_t *d8 = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t v;

		/* shorten IP and UDP by 3 bytes: the A record is cut */
		v = htons((uint16_t)(ntohs(*(uint16_t *)(void *)(d8 + 16)) - 3));
		memcpy(d8 + 16, &v, 2);
		d8[24] = d8[25] = 0;
		v = dpw_csum(d8 + 14, 20);
		memcpy(d8 + 24, &v, 2);
		v = htons((uint16_t)(ntohs(*(uint16_t *)(void *)(d8 + 38)) - 3));
		memcpy(d8 + 38, &v, 2);
		rte_pktmbuf_trim(m, 3);
	}
	snoop(g, m, 100, 2);
	rte_pktmbuf_free(m);
	CHECK(h->stats[2].malformed == 1 && h->stats[2].inserted == 0, "malformed");
	place(g, a4, 100, &d);
	CHECK(d.rule == DP_RULE_DEFAULT, "a malformed answer filled a set");

	/* a generation without domain rules: snooping does nothing at all */
	{
		struct dp_pgen none;

		memset(&none, 0, sizeof(none));
		m = frame("example.test", &a4, 1, 600);
		snoop(&none, m, 100, 3);
		snoop(NULL, m, 100, 3);
		rte_pktmbuf_free(m);
		CHECK(h->stats[3].answers == 0, "parsed without patterns");
	}
	printf("snoop and place: ok\n");
}

/*
 * The snoop's indexed matching against dpw_dns_pattern_match, the reference: random
 * names of labels a, b, c, x under patterns of both forms; each name's answer gives a
 * fresh address, which must be in exactly the sets of the patterns that match.
 */
static void
test_matching_agrees(void)
{
	static char pats[][DPW_DNSSET_PATTERN_LEN] = {
		"a", "b", "a.b", "b.a", "x.a.b", "a.b.c", "c", "a.*", "b.*", "a.b.*", "b.c.*",
		"x.a.*", "c.x", "x", "a.a", "a.a.*",
	};
	static const char *const labels[] = { "a", "b", "c", "x", "aa" };
	const unsigned int np = sizeof(pats) / sizeof(pats[0]);
	uint32_t ids[sizeof(pats) / sizeof(pats[0])];
	struct dpw_dnsset_hdr *h = dp.dnsset;
	unsigned int round, i, k, hits = 0;
	struct dp_pgen g;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < np; i++)
		ids[i] = dpw_dns_pattern_id(pats[i]);
	g.n_patterns = np;
	g.patterns = pats;
	g.pattern_ids = ids;
	CHECK(dp_dns_snoop_index(&g) == 0 && g.wild_labels == 2, "index %u", g.wild_labels);
	for (round = 0; round < 20000; round++) {
		char name[64] = "";
		unsigned int n;
		uint32_t addr = IP(10, 9, round >> 8, round & 0xff);
		struct rte_mbuf *m;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = 1 + (unsigned int)(seed % 6);
		for (k = 0; k < n; k++) {
			if (k)
				strcat(name, ".");
			strcat(name, labels[(seed >> (8 + 3 * k)) % 5]);
		}
		dp_dnsset_init(h, SLOTS, 0);
		m = frame(name, &addr, 1, 600);
		snoop(&g, m, 0, 0);
		rte_pktmbuf_free(m);
		for (i = 0; i < np; i++) {
			bool want = dpw_dns_pattern_match(pats[i], name);

			CHECK(dp_dnsset_has(h, ids[i], htonl(addr), 0) == want,
			      "name %s pattern %s: snoop %d, dpw_dns_pattern_match %d", name,
			      pats[i], !want, want);
			hits += want;
		}
	}
	free(g.pattern_slot);
	printf("indexed matching agrees with dpw_dns_pattern_match: 20000 names, %u matches\n",
	       hits);
}

/* ---- concurrency --------------------------------------------------------------------- */

static struct rte_mbuf *frames[N_FRAMES];
static volatile int mt_stop, mt_bad;
static const struct dp_pgen *mt_g;
#define STABLE IP(198, 19, 1, 1)
#define NEVER IP(198, 19, 2, 1)

static int
writer(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < MT_ROUNDS; i++)
		snoop(mt_g, frames[i % N_FRAMES], i / 10000, 0);
	mt_stop = 1;
	return 0;
}

static void *
reader(void *arg)
{
	struct dp_decision d;
	unsigned long n = 0;

	(void)arg;
	while (!mt_stop) {
		place(mt_g, STABLE, 0, &d);
		if (d.rule != 0)
			mt_bad = 1;
		place(mt_g, NEVER + (uint32_t)(n % 200), 0, &d);
		if (d.rule != DP_RULE_DEFAULT)
			mt_bad = 2;
		n++;
	}
	return (void *)(uintptr_t)n;
}

static void
test_concurrent(struct dp_pgen *g)
{
	const struct dpw_dnsset_hdr *h = dp.dnsset;
	unsigned int lcore, i;
	uint32_t stable = STABLE;
	pthread_t t;
	void *n2;
	struct rte_mbuf *m;

	mt_g = g;
	dp_dnsset_init(dp.dnsset, SLOTS, 0);
	dp_dnsset_set_patterns(dp.dnsset, g->gen,
			       (const char (*)[DPW_DNSSET_PATTERN_LEN])g->patterns, g->n_patterns);
	m = frame("stable.example.test", &stable, 1, DPW_DNSSET_TTL_MAX);
	snoop(g, m, 0, 0);
	rte_pktmbuf_free(m);
	for (i = 0; i < N_FRAMES; i++) {
		uint32_t a[4];
		unsigned int k;

		for (k = 0; k < 4; k++)
			a[k] = IP(10, 1, i, k);      /* 1024 addresses into 1024 slots, TTL <= 300 */
		frames[i] = frame(i % 2 ? "x.example.test" : "y.foo.net", a, 4, 10 + i);
	}
	lcore = rte_get_next_lcore(-1, 1, 0);
	CHECK(lcore < RTE_MAX_LCORE, "a worker lcore (-l 0-1)");
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0, "pthread");
	CHECK(rte_eal_remote_launch(writer, NULL, lcore) == 0, "launch");
	n2 = reader(NULL);
	rte_eal_wait_lcore(lcore);
	pthread_join(t, NULL);
	CHECK(!mt_bad, "a reader saw a wrong placement (%d)", mt_bad);
	CHECK(h->stats[0].evicted > 0, "the small table should evict");
	printf("concurrent: %u answers snooped, %lu placements on the main lcore, %llu "
	       "evictions: ok\n", MT_ROUNDS, (unsigned long)(uintptr_t)n2,
	       (unsigned long long)h->stats[0].evicted);
	for (i = 0; i < N_FRAMES; i++)
		rte_pktmbuf_free(frames[i]);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256", "--no-shconf", prefix,
			"--no-telemetry", "--log-level=*:warning", "-l", "0-1", NULL };
	struct dp_pgen *g;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpw_snoop_%d", (int)getpid());
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	pool = rte_pktmbuf_pool_create("snoop", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	CHECK(pool != NULL, "pool");
	dp.shm = calloc(1, sizeof(*dp.shm));
	dp.dnsset = rte_zmalloc("dnsset", sizeof(struct dpw_dnsset_hdr) +
				SLOTS * sizeof(struct dpw_dnsset_slot), 64);
	CHECK(dp.shm != NULL && dp.dnsset != NULL, "memory");
	dp_dnsset_init(dp.dnsset, SLOTS, 0);
	view_init();
	g = build();
	dp_gen_publish_pgen(g);       /* the patterns into the sets' header, as applied */
	test_snoop_and_place(g);
	test_matching_agrees();
	test_concurrent(g);
	dp.pgen = NULL;
	dp_pgen_free(g);
	rte_free(dp.dnsset);
	free(dp.shm);
	rte_eal_cleanup();
	printf("ok\n");
	return 0;
}
