/* SPDX-License-Identifier: BSD-3-Clause
 * Component test: policy generations (dataplane/policy.c) on a real rte_acl, EAL with
 * --no-huge --no-pci. Documents are built as structs here (no decoder): rules of every
 * field shape with hand-made packets (the byte order of the classifier's input against
 * its rule values), then hundreds of random overlapping rules where rte_acl_classify
 * must agree with the linear matcher on every one of 100,000+ random flows; first-match
 * order, the policies' layout and fallbacks, the counters' epoch, two builds of one gen
 * side by side, build+free without leaking contexts or heap, empty and bad documents.
 * One thread (the main lcore stands in for the builder thread).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"
#include "dataplane/policy.h"
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

static const uint8_t WAN_ID[DPW_MAX_WANS] = { 5, 2, 7, 0, 1, 3, 4, 6 };
static const uint8_t MACS[4][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x10 },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x11 },   /* differs from 0 in the last byte */
	{ 0x12, 0x00, 0x00, 0x00, 0x00, 0x10 },   /* ... in the first */
	{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x10 },   /* ... in the fifth */
};

static uint64_t rng_state;

static uint32_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (uint32_t)(x >> 16);
}

static uint32_t
rnd_below(uint32_t n)
{
	return rnd() % n;
}

/* ---- documents ------------------------------------------------------------------- */

static struct dpw_doc *
doc_new(unsigned int n_rules)
{
	struct dpw_doc *d = calloc(1, sizeof(*d));
	unsigned int i;

	CHECK(d != NULL, "calloc");
	d->version = DPW_DOC_VERSION;
	d->n_wans = 3;
	for (i = 0; i < d->n_wans; i++) {
		snprintf(d->wans[i].name, sizeof(d->wans[i].name), "wan%u", i + 1);
		d->wans[i].enabled = true;
		d->wans[i].weight = 3 - i;
	}
	/* two named policies: mwan3 metric tiers, Peplink priority */
	d->n_policies = 2;
	snprintf(d->policies[0].name, DPW_NAME_LEN, "balanced");
	d->policies[0].pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_METRIC, .n = 2,
		.c = { { .wan = 0, .metric = 1, .weight = 3 },
		       { .wan = 1, .metric = 1, .weight = 2 } } };
	d->policies[0].last_resort = DPW_FB_UNREACHABLE;
	snprintf(d->policies[1].name, DPW_NAME_LEN, "wan2_first");
	d->policies[1].pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_PRIORITY, .n = 3,
		.c = { { .wan = 1, .weight = 1 }, { .wan = 0, .weight = 1 },
		       { .wan = 2, .weight = 1 } } };
	d->policies[1].last_resort = DPW_FB_DEFAULT;
	d->default_rule.preset = DPW_DEF_AUTO;
	d->default_rule.action.policy = -1;
	d->n_rules = n_rules;
	if (n_rules != 0) {
		d->rules = calloc(n_rules, sizeof(*d->rules));
		CHECK(d->rules != NULL, "calloc");
	}
	for (i = 0; i < n_rules; i++) {
		snprintf(d->rules[i].name, DPW_NAME_LEN, "r%u", i);
		d->rules[i].enabled = true;
		d->rules[i].action.policy = (int32_t)(i % 2);
		d->rules[i].action.sticky_timeout_s = DPW_STICKY_TIMEOUT_DEFAULT;
	}
	return d;
}

static void
doc_free(struct dpw_doc *d)
{
	free(d->rules);
	free(d);
}

static void
add_net(struct dpw_doc_net *list, uint8_t *n, uint32_t addr, uint8_t len)
{
	list[*n].addr = addr;
	list[*n].prefixlen = len;
	(*n)++;
}

static void
add_ports(struct dpw_doc_ports *list, uint8_t *n, uint16_t lo, uint16_t hi)
{
	list[*n].lo = lo;
	list[*n].hi = hi;
	(*n)++;
}

static struct dp_pgen *
build_ok(const struct dpw_doc *d, uint64_t gen, const struct dp_pgen *prev)
{
	struct dpw_doc_problems pr;
	struct dp_pgen *g = NULL;
	int rc;

	dpw_doc_problems_init(&pr);
	rc = dp_pgen_build(d, WAN_ID, gen, 2, prev, &g, &pr);
	CHECK(rc == 0 && g != NULL, "build: %d %s: %s", rc, pr.n ? pr.p[0].path : "",
	      pr.n ? pr.p[0].message : "");
	CHECK(pr.n == 0, "problems on success");
	return g;
}

static struct dp_acl_key
key(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    const uint8_t *mac)
{
	struct dp_acl_key k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.src = htonl(src);
	k.dst = htonl(dst);
	k.sport = htons(sport);
	k.dport = htons(dport);
	memcpy(k.mac, mac != NULL ? mac : MACS[0], sizeof(k.mac));
	return k;
}

/* The classifier's answer for one key, checked against the linear matcher. */
static uint32_t
classify1(const struct dp_pgen *g, const struct dp_acl_key *k)
{
	const struct dp_acl_key *kp[1] = { k };
	uint32_t res = 0xdeadbeef;

	dp_pgen_classify(g, kp, 1, &res);
	CHECK(res == (uint32_t)(dp_pgen_match_from(g, k, 0) + 1),
	      "classify %u vs linear %d", res, dp_pgen_match_from(g, k, 0) + 1);
	return res;
}

/* ---- rules of every field shape, hand-made packets -------------------------------- */

static void
test_shapes(void)
{
	struct dpw_doc *d = doc_new(14);
	struct dpw_doc_rule *r = d->rules;
	const uint32_t lan = IP(198, 18, 0, 10), srv = IP(198, 19, 1, 1);
	struct dp_acl_key k;
	struct dp_pgen *g;

	/* 0: tcp to 198.19.0.0/16 port 443 */
	r[0].match.proto = DPW_IPPROTO_TCP;
	add_net(r[0].match.dst, &r[0].match.n_dst, IP(198, 19, 0, 0), 16);
	add_ports(r[0].match.dport, &r[0].match.n_dport, 443, 443);
	/* 1: udp dport 1000-2000 (500 = 0x01f4 byte-swapped is 0xf401: outside) */
	r[1].match.proto = DPW_IPPROTO_UDP;
	add_ports(r[1].match.dport, &r[1].match.n_dport, 1000, 2000);
	/* 2: from one MAC only */
	r[2].match.has_src_mac = true;
	memcpy(r[2].match.src_mac, MACS[1], 6);
	/* 3: source 198.18.5.0/24, source ports 40000-40010 or 50000 (tcp) */
	r[3].match.proto = DPW_IPPROTO_TCP;
	add_net(r[3].match.src, &r[3].match.n_src, IP(198, 18, 5, 0), 24);
	add_ports(r[3].match.sport, &r[3].match.n_sport, 40000, 40010);
	add_ports(r[3].match.sport, &r[3].match.n_sport, 50000, 50000);
	/* 4: disabled; would match everything from 198.18.6.0/24 */
	r[4].enabled = false;
	add_net(r[4].match.src, &r[4].match.n_src, IP(198, 18, 6, 0), 24);
	/* 5: ipv6 only: never */
	r[5].match.family = DPW_FAMILY_IPV6;
	add_net(r[5].match.src, &r[5].match.n_src, IP(198, 18, 6, 0), 24);
	/* 6: a domain rule from 198.18.6.7: dst is its domain set, so any dst here */
	add_net(r[6].match.src, &r[6].match.n_src, IP(198, 18, 6, 7), 32);
	add_net(r[6].match.dst, &r[6].match.n_dst, IP(203, 0, 113, 0), 24);
	snprintf(r[6].match.domain[0], DPW_DOMAIN_LEN, "example.test");
	r[6].match.n_domains = 1;
	/* 7: ports with proto icmp: can never match */
	r[7].match.proto = DPW_IPPROTO_ICMP;
	add_ports(r[7].match.dport, &r[7].match.n_dport, 0, 65535);
	/* 8: ports and no proto: tcp or udp, never icmp (its ports are 0) */
	add_ports(r[8].match.dport, &r[8].match.n_dport, 0, 100);
	add_net(r[8].match.src, &r[8].match.n_src, IP(198, 18, 8, 0), 24);
	/* 9: icmp from 198.18.8.0/24 */
	r[9].match.proto = DPW_IPPROTO_ICMP;
	add_net(r[9].match.src, &r[9].match.n_src, IP(198, 18, 8, 0), 24);
	/* 10: several dsts (hosts and nets) x several dport ranges, one MAC */
	add_net(r[10].match.dst, &r[10].match.n_dst, IP(198, 19, 9, 9), 32);
	add_net(r[10].match.dst, &r[10].match.n_dst, IP(198, 19, 128, 0), 17);
	r[10].match.proto = DPW_IPPROTO_UDP;
	add_ports(r[10].match.dport, &r[10].match.n_dport, 53, 53);
	add_ports(r[10].match.dport, &r[10].match.n_dport, 65535, 65535);
	r[10].match.has_src_mac = true;
	memcpy(r[10].match.src_mac, MACS[3], 6);
	/* 11: gre (47) from anywhere */
	r[11].match.proto = 47;
	/* 12: src 0.0.0.0/0 given explicitly, to 198.19.200.0/32 port 0 */
	add_net(r[12].match.src, &r[12].match.n_src, 0, 0);
	add_net(r[12].match.dst, &r[12].match.n_dst, IP(198, 19, 200, 0), 32);
	r[12].match.proto = DPW_IPPROTO_TCP;
	add_ports(r[12].match.dport, &r[12].match.n_dport, 0, 0);
	/* 13: everything left, but only ipv4 */
	r[13].match.family = DPW_FAMILY_IPV4;
	r[13].match.proto = DPW_IPPROTO_UDP;

	g = build_ok(d, 1, NULL);
	CHECK(g->acl != NULL, "acl");
	/* entries: 1,1,1,2,0(disabled),0(v6),1,0(icmp+ports),2,1,4,1,1,1 */
	CHECK(g->n_entries == 16, "entries %u", g->n_entries);
	CHECK(g->rules[6].has_domains == 1 && g->rules[0].has_domains == 0, "has_domains");

	k = key(DPW_IPPROTO_TCP, lan, 5000, srv, 443, NULL);
	CHECK(classify1(g, &k) == 1, "tcp 443");
	k = key(DPW_IPPROTO_TCP, lan, 5000, srv, 444, NULL);
	CHECK(classify1(g, &k) == 0, "tcp 444");
	k = key(DPW_IPPROTO_TCP, lan, 5000, IP(198, 20, 1, 1), 443, NULL);
	CHECK(classify1(g, &k) == 0, "tcp 443 outside /16");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 443, NULL);
	CHECK(classify1(g, &k) == 14, "udp 443: the last rule");
	/* host order range vs network order input, at the edges */
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 1000, NULL);
	CHECK(classify1(g, &k) == 2, "udp 1000");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 2000, NULL);
	CHECK(classify1(g, &k) == 2, "udp 2000");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 999, NULL);
	CHECK(classify1(g, &k) == 14, "udp 999");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 2001, NULL);
	CHECK(classify1(g, &k) == 14, "udp 2001");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 500, NULL);
	CHECK(classify1(g, &k) == 14, "udp 500");
	k = key(DPW_IPPROTO_UDP, lan, 5000, srv, 0xe803, NULL);   /* 1000 byte-swapped */
	CHECK(classify1(g, &k) == 14, "udp 1000 swapped");
	/* the MAC: every byte counts, the first four and the last two */
	k = key(DPW_IPPROTO_ICMP, lan, 0, srv, 0, MACS[1]);
	CHECK(classify1(g, &k) == 3, "mac 1");
	k = key(DPW_IPPROTO_ICMP, lan, 0, srv, 0, MACS[0]);
	CHECK(classify1(g, &k) == 0, "mac 0");
	k = key(DPW_IPPROTO_ICMP, lan, 0, srv, 0, MACS[2]);
	CHECK(classify1(g, &k) == 0, "mac 2");
	k = key(DPW_IPPROTO_ICMP, lan, 0, srv, 0, MACS[3]);
	CHECK(classify1(g, &k) == 0, "mac 3");
	/* the padding after the MAC is not part of the match */
	k = key(DPW_IPPROTO_ICMP, lan, 0, srv, 0, MACS[1]);
	k.pad1[0] = 0xff;
	k.pad1[1] = 0x5a;
	CHECK(classify1(g, &k) == 3, "mac 1 with padding");
	/* source net and source port list */
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 5, 200), 40005, srv, 80, NULL);
	CHECK(classify1(g, &k) == 4, "sport range");
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 5, 200), 50000, srv, 80, NULL);
	CHECK(classify1(g, &k) == 4, "sport 50000");
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 5, 200), 40011, srv, 80, NULL);
	CHECK(classify1(g, &k) == 0, "sport 40011");
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 4, 200), 40005, srv, 80, NULL);
	CHECK(classify1(g, &k) == 0, "src outside /24");
	/* disabled, ipv6, then the domain rule (any dst, not only its 203.0.113.0/24) */
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 6, 9), 1, srv, 80, NULL);
	CHECK(classify1(g, &k) == 0, "disabled and v6 rules never match");
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 6, 7), 1, srv, 80, NULL);
	CHECK(classify1(g, &k) == 7, "domain rule");
	CHECK(dp_pgen_match_from(g, &k, 7) == -1, "nothing after the domain rule");
	/* icmp against port rules */
	k = key(DPW_IPPROTO_ICMP, IP(198, 18, 8, 1), 0, srv, 0, NULL);
	CHECK(classify1(g, &k) == 10, "icmp skips the port rules");
	k = key(DPW_IPPROTO_TCP, IP(198, 18, 8, 1), 3, srv, 100, NULL);
	CHECK(classify1(g, &k) == 9, "ports without proto: tcp");
	k = key(DPW_IPPROTO_UDP, IP(198, 18, 8, 1), 3, srv, 100, NULL);
	CHECK(classify1(g, &k) == 9, "ports without proto: udp");
	k = key(DPW_IPPROTO_UDP, IP(198, 18, 8, 1), 3, srv, 101, NULL);
	CHECK(classify1(g, &k) == 14, "udp 101");
	k = key(47, IP(198, 18, 8, 1), 0, srv, 0, NULL);
	CHECK(classify1(g, &k) == 12, "gre: proto 0 + ports rule does not take it");
	/* rule 10's product */
	k = key(DPW_IPPROTO_UDP, lan, 7, IP(198, 19, 9, 9), 53, MACS[3]);
	CHECK(classify1(g, &k) == 11, "dst host, dport 53");
	k = key(DPW_IPPROTO_UDP, lan, 7, IP(198, 19, 255, 1), 65535, MACS[3]);
	CHECK(classify1(g, &k) == 11, "dst /17, dport 65535");
	k = key(DPW_IPPROTO_UDP, lan, 7, IP(198, 19, 127, 1), 65535, MACS[3]);
	CHECK(classify1(g, &k) == 14, "dst below the /17");
	k = key(DPW_IPPROTO_UDP, lan, 7, IP(198, 19, 9, 9), 54, MACS[3]);
	CHECK(classify1(g, &k) == 14, "dport 54");
	k = key(DPW_IPPROTO_TCP, lan, 7, IP(198, 19, 200, 0), 0, NULL);
	CHECK(classify1(g, &k) == 13, "dport 0");
	k = key(DPW_IPPROTO_TCP, lan, 7, IP(198, 19, 200, 1), 0, NULL);
	CHECK(classify1(g, &k) == 0, "dst /32");
	dp_pgen_free(g);
	doc_free(d);
	printf("ok shapes\n");
}

/* ---- random rules against the linear matcher -------------------------------------- */

/* Small universes, so that rules overlap and keys hit them. */
static uint32_t
rnd_addr(void)
{
	return IP(198, 18, rnd_below(4), rnd_below(256));
}

static uint16_t
rnd_port(void)
{
	switch (rnd_below(4)) {
	case 0:
		return (uint16_t)rnd_below(16);
	case 1:
		return (uint16_t)(1000 + rnd_below(64));
	case 2:
		return (uint16_t)(65520 + rnd_below(16));
	default:
		return (uint16_t)rnd();
	}
}

static void
rnd_net(struct dpw_doc_net *list, uint8_t *n)
{
	static const uint8_t lens[] = { 0, 16, 22, 23, 24, 25, 26, 28, 30, 31, 32, 32, 32 };

	add_net(list, n, rnd_addr(), lens[rnd_below(sizeof(lens))]);
}

static void
rnd_range(struct dpw_doc_ports *list, uint8_t *n)
{
	uint16_t a = rnd_port(), b;

	if (rnd_below(2) == 0) {
		add_ports(list, n, a, a);
		return;
	}
	b = rnd_below(3) == 0 ? rnd_port() : (uint16_t)(a + rnd_below(40));
	if (b < a)
		add_ports(list, n, b, a);
	else
		add_ports(list, n, a, b);
}

static const uint8_t PROTOS[] = { 0, 0, DPW_IPPROTO_TCP, DPW_IPPROTO_TCP, DPW_IPPROTO_UDP,
				  DPW_IPPROTO_UDP, DPW_IPPROTO_ICMP, 47 };

/* The share of rnd_key()'s ports inside [lo, hi] (rnd_port's four bands). */
static double
port_share(const struct dpw_doc_ports *p, unsigned int n)
{
	static const unsigned int band[3][2] = { { 0, 15 }, { 1000, 1063 }, { 65520, 65535 } };
	double share = 0;
	unsigned int i, b;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		for (b = 0; b < 3; b++) {
			unsigned int lo = p[i].lo > band[b][0] ? p[i].lo : band[b][0];
			unsigned int hi = p[i].hi < band[b][1] ? p[i].hi : band[b][1];

			if (lo <= hi)
				share += 0.25 * (hi - lo + 1) / (band[b][1] - band[b][0] + 1);
		}
		share += 0.25 * (p[i].hi - p[i].lo + 1) / 65536.0;
	}
	return share < 1 ? share : 1;
}

/* ... of its addresses (rnd_addr: 198.18.0.0/22) inside a list of nets. */
static double
net_share(const struct dpw_doc_net *nets, unsigned int n)
{
	double share = 0;
	unsigned int i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		share += nets[i].prefixlen <= 22 ? 1 : 1.0 / (1u << (nets[i].prefixlen - 22));
	return share < 1 ? share : 1;
}

/*
 * Roughly the share of random keys m matches. Random rules are kept narrow: a broad one
 * early would shadow every later rule and leave the comparison with little to compare.
 */
static double
coverage(const struct dpw_doc_match *m)
{
	return (m->proto != 0 ? 0.2 : 1) * (m->has_src_mac ? 0.25 : 1) *
	       net_share(m->src, m->n_src) *
	       (m->n_domains != 0 ? 1 : net_share(m->dst, m->n_dst)) *
	       port_share(m->sport, m->n_sport) * port_share(m->dport, m->n_dport);
}

static void
rnd_rule(struct dpw_doc_rule *r)
{
	struct dpw_doc_match *m = &r->match;
	unsigned int i, n, entries;

	memset(m, 0, sizeof(*m));
	r->enabled = rnd_below(10) != 0;
	m->proto = PROTOS[rnd_below(sizeof(PROTOS))];
	m->family = rnd_below(30) == 0 ? DPW_FAMILY_IPV6 : (uint8_t)rnd_below(2);
	if (rnd_below(3) == 0) {
		m->has_src_mac = true;
		memcpy(m->src_mac, MACS[rnd_below(4)], 6);
	}
	do {
		memset(&m->n_src, 0, 5);
		n = rnd_below(2) == 0 ? 1 + rnd_below(3) : 0;
		for (i = 0; i < n; i++)
			rnd_net(m->src, &m->n_src);
		n = rnd_below(2) == 0 ? 1 + rnd_below(3) : 0;
		for (i = 0; i < n; i++)
			rnd_net(m->dst, &m->n_dst);
		/* ports mostly with tcp/udp; sometimes without (both) or with icmp (never) */
		if (m->proto == DPW_IPPROTO_TCP || m->proto == DPW_IPPROTO_UDP ||
		    rnd_below(8) == 0) {
			n = rnd_below(3) == 0 ? 1 + rnd_below(2) : 0;
			for (i = 0; i < n; i++)
				rnd_range(m->sport, &m->n_sport);
			n = rnd_below(3) != 0 ? 1 + rnd_below(4) : 0;
			for (i = 0; i < n; i++)
				rnd_range(m->dport, &m->n_dport);
		}
		if (rnd_below(20) == 0) {
			snprintf(m->domain[0], DPW_DOMAIN_LEN, "d%u.test", rnd_below(100));
			m->n_domains = 1;
		}
		entries = (m->n_src ? m->n_src : 1) * (m->n_dst ? m->n_dst : 1) *
			  (m->n_sport ? m->n_sport : 1) * (m->n_dport ? m->n_dport : 1) * 2;
		/* few broad rules: a catch-all early would shadow every later rule */
	} while (entries > DPW_RULE_ENTRIES_MAX || coverage(m) > 0.03);
}

static struct dp_acl_key
rnd_key(void)
{
	static const uint8_t protos[] = { DPW_IPPROTO_TCP, DPW_IPPROTO_UDP, DPW_IPPROTO_ICMP,
					  47, 0 };
	uint8_t proto = protos[rnd_below(sizeof(protos))];
	struct dp_acl_key k;

	if (proto == 0)
		proto = (uint8_t)rnd();
	k = key(proto, rnd_below(16) == 0 ? rnd() : rnd_addr(),
		rnd_port(), rnd_below(16) == 0 ? rnd() : rnd_addr(), rnd_port(),
		MACS[rnd_below(4)]);
	if (proto == DPW_IPPROTO_ICMP)
		k.sport = k.dport = 0;
	return k;
}

static void
random_round(unsigned int n_rules, unsigned int n_keys)
{
	struct dpw_doc *d = doc_new(n_rules);
	struct dp_acl_key *keys = malloc(n_keys * sizeof(*keys));
	const struct dp_acl_key *kp[64];
	unsigned int *hits = calloc(n_rules + 1, sizeof(*hits));
	unsigned int i, j, distinct = 0;
	uint32_t res[64], res2[64];
	struct dp_pgen *g;

	CHECK(keys != NULL && hits != NULL, "malloc");
	for (i = 0; i < n_rules; i++)
		rnd_rule(&d->rules[i]);
	g = build_ok(d, 100 + n_rules, NULL);
	CHECK(g->acl != NULL, "acl");
	for (i = 0; i < n_keys; i++)
		keys[i] = rnd_key();
	for (i = 0; i < n_keys; i += 64) {
		unsigned int n = n_keys - i < 64 ? n_keys - i : 64;

		for (j = 0; j < n; j++)
			kp[j] = &keys[i + j];
		dp_pgen_classify(g, kp, n, res);
		/* the scalar code path too (the default may be SSE/AVX2) */
		CHECK(rte_acl_classify_alg(g->acl, (const uint8_t **)kp, res2, n, 1,
					   RTE_ACL_CLASSIFY_SCALAR) == 0, "scalar");
		for (j = 0; j < n; j++) {
			int want = dp_pgen_match_from(g, &keys[i + j], 0) + 1;

			CHECK(res[j] == (uint32_t)want && res2[j] == (uint32_t)want,
			      "key %u (proto %u %08x:%u -> %08x:%u): acl %u scalar %u linear %d",
			      i + j, keys[i + j].proto, ntohl(keys[i + j].src),
			      ntohs(keys[i + j].sport), ntohl(keys[i + j].dst),
			      ntohs(keys[i + j].dport), res[j], res2[j], want);
			hits[want]++;
		}
	}
	for (i = 1; i <= n_rules; i++)
		distinct += hits[i] != 0;
	/* not a vacuous comparison: many rules win somewhere, and some flows match none */
	CHECK(distinct >= n_rules / 4 && hits[0] > n_keys / 20 && hits[0] < n_keys - n_keys / 10,
	      "distinct %u, unmatched %u", distinct, hits[0]);
	printf("ok random: %u rules (%u entries, build %.1f ms), %u keys, %u rules hit, "
	       "%u unmatched\n", n_rules, g->n_entries, g->build_ns / 1e6, n_keys, distinct,
	       hits[0]);
	dp_pgen_free(g);
	doc_free(d);
	free(keys);
	free(hits);
}

/* ---- first match, policies, epoch, coexistence, leaks, empty, errors -------------- */

static void
test_first_match(void)
{
	struct dpw_doc *d = doc_new(3);
	struct dp_acl_key k = key(DPW_IPPROTO_TCP, IP(198, 18, 0, 10), 1000,
				  IP(198, 19, 0, 1), 443, NULL);
	struct dp_pgen *g;

	/* 0: a /24 and tcp 443; 1: the /32 host (more specific, later); 2: anything */
	add_net(d->rules[0].match.src, &d->rules[0].match.n_src, IP(198, 18, 0, 0), 24);
	d->rules[0].match.proto = DPW_IPPROTO_TCP;
	add_ports(d->rules[0].match.dport, &d->rules[0].match.n_dport, 443, 443);
	add_net(d->rules[1].match.src, &d->rules[1].match.n_src, IP(198, 18, 0, 10), 32);
	g = build_ok(d, 2, NULL);
	CHECK(classify1(g, &k) == 1, "earlier rule wins");
	CHECK(dp_pgen_match_from(g, &k, 1) == 1 && dp_pgen_match_from(g, &k, 2) == 2 &&
	      dp_pgen_match_from(g, &k, 3) == -1, "fall-through order");
	dp_pgen_free(g);
	/* swapped: the host rule first */
	d->rules[2] = d->rules[0];
	d->rules[0] = d->rules[1];
	d->rules[1] = d->rules[2];
	memset(&d->rules[2].match, 0, sizeof(d->rules[2].match));
	g = build_ok(d, 3, NULL);
	CHECK(classify1(g, &k) == 1, "host rule now first");
	k.src = htonl(IP(198, 18, 0, 11));
	CHECK(classify1(g, &k) == 2, "the /24 for another host");
	k.dport = htons(80);
	CHECK(classify1(g, &k) == 3, "the catch-all");
	/* the catch-all disabled: nothing */
	dp_pgen_free(g);
	d->rules[2].enabled = false;
	g = build_ok(d, 4, NULL);
	CHECK(classify1(g, &k) == 0, "disabled catch-all");
	dp_pgen_free(g);
	doc_free(d);
	printf("ok first match\n");
}

static void
test_policies(void)
{
	struct dpw_doc *d = doc_new(4);
	struct dp_pgen *g, *g2;
	const struct dp_policy *p;
	unsigned int i;

	/* rule 0: policy "balanced" (last resort unreachable); rule 1: own pick, sticky */
	d->rules[0].action.policy = 0;
	d->rules[1].action.policy = -1;
	d->rules[1].action.pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_ENFORCED, .n = 1,
		.c = { { .wan = 2, .weight = 1 } } };
	d->rules[1].action.sticky = true;
	d->rules[1].action.sticky_timeout_s = 30;
	d->rules[1].action.terminate_on_recovery = true;
	/* rule 2: policy "wan2_first", last resort "default"; rule 3: own pick, use any */
	d->rules[2].action.policy = 1;
	d->rules[3].action.policy = -1;
	d->rules[3].action.pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_PERSISTENCE,
		.persist = DPW_PERSIST_DESTINATION, .n = 2,
		.c = { { .wan = 1, .weight = 5 }, { .wan = 0, .weight = 7 } } };
	d->rules[3].action.when_unavailable = DPW_FB_ANY;
	d->rules[3].enabled = false;
	d->default_rule.preset = DPW_DEF_HIGH_COMPAT;
	g = build_ok(d, 5, NULL);
	/* named 2, own picks 2, the default's, any */
	CHECK(g->n_named == 2 && g->n_policies == 6 && g->any_policy == 5, "layout %u %u %u",
	      g->n_named, g->n_policies, g->any_policy);
	CHECK(g->rules[0].policy == 0 && g->rules[1].policy == 2 && g->rules[2].policy == 1 &&
	      g->rules[3].policy == 3 && g->def.policy == 4, "policy indexes");
	for (i = 0; i < 4; i++)
		CHECK(g->rules[i].id == i, "id");
	CHECK(g->def.id == DP_RULE_DEFAULT, "default id");
	CHECK(g->rules[0].fallback == DPW_FB_UNREACHABLE, "last resort of balanced");
	CHECK(g->rules[1].fallback == DPW_FB_DROP, "own pick: drop");
	CHECK(g->rules[2].fallback == DPW_FB_DEFAULT, "last resort of wan2_first");
	CHECK(g->rules[3].fallback == DPW_FB_ANY, "explicit any");
	CHECK(g->rules[1].sticky && g->rules[1].sticky_timeout_s == 30 &&
	      g->rules[1].terminate_on_recovery && !g->rules[0].sticky, "sticky");
	/* WAN ids through wan_id[] */
	p = &g->policies[0];
	CHECK(p->algorithm == DPW_LB_METRIC && p->n == 2 && p->c[0].wan == WAN_ID[0] &&
	      p->c[1].wan == WAN_ID[1] && p->c[0].weight == 3 && p->c[1].metric == 1,
	      "balanced");
	p = &g->policies[1];
	CHECK(p->algorithm == DPW_LB_PRIORITY && p->n == 3 && p->c[0].wan == WAN_ID[1] &&
	      p->c[1].wan == WAN_ID[0] && p->c[2].wan == WAN_ID[2], "wan2_first order");
	p = &g->policies[2];
	CHECK(p->algorithm == DPW_LB_ENFORCED && p->n == 1 && p->c[0].wan == WAN_ID[2],
	      "rule 1's pick");
	p = &g->policies[3];
	CHECK(p->algorithm == DPW_LB_PERSISTENCE && p->persist == DPW_PERSIST_DESTINATION &&
	      p->c[0].weight == 5 && p->c[1].wan == WAN_ID[0], "rule 3's pick");
	p = &g->policies[4];
	CHECK(p->algorithm == DPW_LB_PERSISTENCE && p->persist == DPW_PERSIST_SOURCE &&
	      p->n == 3, "high compatibility preset");
	p = &g->policies[5];
	CHECK(p->algorithm == DPW_LB_WEIGHTED && p->n == 3, "any");
	for (i = 0; i < 3; i++)
		CHECK(p->c[i].wan == WAN_ID[i] && p->c[i].weight == d->wans[i].weight,
		      "any: every WAN by its weight");
	/* salts: per policy, stable across builds */
	for (i = 1; i < g->n_policies; i++)
		CHECK(g->policies[i].salt != g->policies[0].salt, "salt %u", i);
	CHECK(g->lb != NULL && g->n_workers == 2, "lb rows");
	g->lb[g->n_workers * g->n_policies - 1].current[DPW_MAX_WANS - 1] = 1;
	g2 = build_ok(d, 6, g);
	for (i = 0; i < g->n_policies; i++)
		CHECK(g2->policies[i].salt == g->policies[i].salt, "stable salt %u", i);
	dp_pgen_free(g2);
	dp_pgen_free(g);

	/* custom default with a named policy; normal compatibility */
	d->default_rule.preset = DPW_DEF_CUSTOM;
	d->default_rule.action.policy = 1;
	g = build_ok(d, 7, NULL);
	CHECK(g->def.policy == 1 && g->def.fallback == DPW_FB_DEFAULT && g->n_policies == 5 &&
	      g->any_policy == 4, "custom default %u %u", g->def.policy, g->n_policies);
	dp_pgen_free(g);
	d->default_rule.preset = DPW_DEF_NORMAL_COMPAT;
	g = build_ok(d, 8, NULL);
	CHECK(g->policies[g->def.policy].persist == DPW_PERSIST_DESTINATION, "normal compat");
	dp_pgen_free(g);
	doc_free(d);
	printf("ok policies\n");
}

static void
test_epoch(void)
{
	struct dpw_doc *d = doc_new(50);
	struct dp_pgen *a, *b, *c, *e, *f;
	unsigned int i;

	rng_state = 0x5eed0e0c;
	for (i = 0; i < d->n_rules; i++)
		rnd_rule(&d->rules[i]);
	a = build_ok(d, 10, NULL);
	CHECK(a->epoch == 1, "first epoch %" PRIu64, a->epoch);
	b = build_ok(d, 11, a);
	CHECK(b->epoch == 1 && b->content_hash == a->content_hash, "same document");
	/* a rule changes (a port): the rules' counters start over */
	d->rules[7].match.n_dport = 1;
	d->rules[7].match.dport[0] = (struct dpw_doc_ports){ 8080, 8081 };
	c = build_ok(d, 12, b);
	CHECK(c->epoch == 2 && c->content_hash != b->content_hash, "changed: %" PRIu64,
	      c->epoch);
	/* enabling or disabling one, a policy's weight, the default: each a new epoch */
	d->rules[3].enabled = !d->rules[3].enabled;
	e = build_ok(d, 13, c);
	CHECK(e->epoch == 3, "enabled");
	d->policies[0].pick.c[1].weight = 9;
	f = build_ok(d, 14, e);
	CHECK(f->epoch == 4, "weight");
	dp_pgen_free(e);
	d->default_rule.action.sticky = true;
	e = build_ok(d, 15, f);
	CHECK(e->epoch == 5, "default");
	dp_pgen_free(f);
	/* garbage past a list's end is not part of the rule */
	d->rules[7].match.dport[5] = (struct dpw_doc_ports){ 1, 2 };
	f = build_ok(d, 16, e);
	CHECK(f->epoch == 5, "unused elements");
	dp_pgen_free(a);
	dp_pgen_free(b);
	dp_pgen_free(c);
	dp_pgen_free(e);
	dp_pgen_free(f);
	doc_free(d);
	printf("ok epoch\n");
}

static void
test_coexist_and_leaks(void)
{
	struct dpw_doc *d = doc_new(40);
	struct rte_malloc_socket_stats before, after;
	struct dp_acl_key k = key(DPW_IPPROTO_TCP, IP(198, 18, 0, 10), 1000, IP(198, 19, 0, 1),
				  443, NULL);
	struct dp_pgen *a, *b;
	char names[2][RTE_ACL_NAMESIZE];
	unsigned int i;

	rng_state = 0xc0e815;
	for (i = 0; i < d->n_rules; i++)
		rnd_rule(&d->rules[i]);
	/* a catch-all last, so that k matches something */
	memset(&d->rules[39].match, 0, sizeof(d->rules[39].match));
	d->rules[39].enabled = true;
	a = build_ok(d, 42, NULL);
	b = build_ok(d, 42, NULL);
	CHECK(a->acl != NULL && b->acl != NULL && a->acl != b->acl, "two contexts");
	CHECK(strcmp(a->acl_name, b->acl_name) != 0, "names %s %s", a->acl_name, b->acl_name);
	CHECK(strncmp(a->acl_name, "dp_acl_42_", 10) == 0, "name %s", a->acl_name);
	CHECK(rte_acl_find_existing(a->acl_name) == a->acl &&
	      rte_acl_find_existing(b->acl_name) == b->acl, "find");
	CHECK(classify1(a, &k) != 0 && classify1(a, &k) == classify1(b, &k), "both classify");
	snprintf(names[0], sizeof(names[0]), "%s", a->acl_name);
	snprintf(names[1], sizeof(names[1]), "%s", b->acl_name);
	dp_pgen_free(a);
	CHECK(rte_acl_find_existing(names[0]) == NULL, "a's context freed");
	CHECK(classify1(b, &k) != 0, "b still classifies after a is freed");
	dp_pgen_free(b);
	CHECK(rte_acl_find_existing(names[1]) == NULL, "b's context freed");

	/* build + free in a loop: no context left behind, the heap back where it was */
	CHECK(rte_malloc_get_socket_stats(0, &before) == 0, "stats");
	for (i = 0; i < 300; i++) {
		a = build_ok(d, 1000 + i, NULL);
		snprintf(names[0], sizeof(names[0]), "%s", a->acl_name);
		dp_pgen_free(a);
		CHECK(rte_acl_find_existing(names[0]) == NULL, "context %s left", names[0]);
	}
	CHECK(rte_malloc_get_socket_stats(0, &after) == 0, "stats");
	CHECK(after.heap_allocsz_bytes == before.heap_allocsz_bytes &&
	      after.alloc_count == before.alloc_count, "heap %zu -> %zu bytes, %u -> %u",
	      before.heap_allocsz_bytes, after.heap_allocsz_bytes, before.alloc_count,
	      after.alloc_count);
	doc_free(d);
	printf("ok coexist, 300 builds without a leak\n");
}

static void
test_empty(void)
{
	struct dpw_doc *d = doc_new(0);
	struct dp_acl_key k = key(DPW_IPPROTO_UDP, IP(198, 18, 0, 10), 1, IP(198, 19, 0, 1), 2,
				  NULL);
	const struct dp_acl_key *kp[3] = { &k, &k, &k };
	uint32_t res[3] = { 7, 7, 7 };
	struct dp_pgen *g;
	static struct dpw_doc zero;

	g = build_ok(d, 20, NULL);
	CHECK(g->acl == NULL && g->n_entries == 0 && g->n_rules == 0, "no rules, no acl");
	dp_pgen_classify(g, kp, 3, res);
	CHECK(res[0] == 0 && res[1] == 0 && res[2] == 0, "classify without acl");
	CHECK(dp_pgen_match_from(g, &k, 0) == -1, "linear");
	CHECK(g->n_policies == 4 && g->def.policy == 2 && g->any_policy == 3, "policies");
	dp_pgen_free(g);
	doc_free(d);

	/* only rules that never enter the classifier */
	d = doc_new(3);
	d->rules[0].enabled = false;
	d->rules[1].match.family = DPW_FAMILY_IPV6;
	d->rules[2].match.proto = DPW_IPPROTO_ICMP;
	add_ports(d->rules[2].match.dport, &d->rules[2].match.n_dport, 1, 2);
	g = build_ok(d, 21, NULL);
	CHECK(g->acl == NULL && g->n_entries == 0 && g->n_rules == 3, "acl NULL");
	CHECK(classify1(g, &k) == 0, "nothing matches");
	dp_pgen_free(g);
	doc_free(d);

	/* a zeroed document (valid, empty) */
	g = build_ok(&zero, 22, NULL);
	CHECK(g->acl == NULL && g->n_policies == 2 && g->policies[g->any_policy].n == 0,
	      "zeroed document");
	dp_pgen_free(g);
	dp_pgen_free(NULL);
	printf("ok empty\n");
}

static void
expect_error(const struct dpw_doc *d, const char *what, const char *path)
{
	struct dpw_doc_problems pr;
	struct dp_pgen *g = (struct dp_pgen *)&pr;
	int rc;

	dpw_doc_problems_init(&pr);
	rc = dp_pgen_build(d, WAN_ID, 30, 1, NULL, &g, &pr);
	CHECK(rc == -EINVAL && g == NULL && pr.n == 1 && pr.errors == 1 &&
	      strcmp(pr.p[0].path, path) == 0, "%s: rc %d, %u problems, path %s", what, rc,
	      pr.n, pr.n ? pr.p[0].path : "-");
}

static void
test_errors(void)
{
	struct dpw_doc *d = doc_new(3);
	unsigned int i;

	d->rules[1].action.policy = 2;
	expect_error(d, "no such policy", "/rules/1");
	d->rules[1].action.policy = 0;
	d->rules[2].action.policy = -1;
	d->rules[2].action.pick.n = 1;
	d->rules[2].action.pick.c[0].wan = 3;
	d->rules[2].action.pick.c[0].weight = 1;
	expect_error(d, "a WAN outside the document", "/rules/2");
	d->rules[2].action.pick.c[0].wan = 2;
	d->rules[2].action.pick.c[0].weight = 0;
	expect_error(d, "weight 0", "/rules/2");
	d->rules[2].action.pick.c[0].weight = 1;
	add_net(d->rules[0].match.src, &d->rules[0].match.n_src, 0, 33);
	expect_error(d, "prefix 33", "/rules/0");
	d->rules[0].match.n_src = 0;
	d->rules[0].match.proto = DPW_IPPROTO_TCP;
	for (i = 0; i < 8; i++) {
		add_net(d->rules[0].match.src, &d->rules[0].match.n_src, IP(198, 18, 0, i), 32);
		add_net(d->rules[0].match.dst, &d->rules[0].match.n_dst, IP(198, 19, 0, i), 32);
		add_ports(d->rules[0].match.dport, &d->rules[0].match.n_dport,
			  (uint16_t)i, (uint16_t)i);
	}
	expect_error(d, "512 entries", "/rules/0");
	d->rules[0].enabled = false;   /* a disabled rule has no entries */
	dp_pgen_free(build_ok(d, 31, NULL));
	d->rules[0].match.n_dport = 4;
	d->rules[0].enabled = true;
	d->rules[0].match.dport[0].lo = 9;
	expect_error(d, "lo > hi", "/rules/0");
	d->rules[0].match.dport[0].lo = 0;
	d->policies[1].last_resort = DPW_FB_LAST_RESORT;
	expect_error(d, "last_resort", "/policies/1");
	d->policies[1].last_resort = DPW_FB_DROP;
	d->default_rule.preset = DPW_DEF_CUSTOM;
	d->default_rule.action.policy = 5;
	expect_error(d, "default policy", "/default_rule");
	d->default_rule.action.policy = -1;   /* custom, own pick with no candidates */
	expect_error(d, "default pick", "/default_rule");
	d->default_rule.action.policy = 0;
	dp_pgen_free(build_ok(d, 32, NULL));
	doc_free(d);
	printf("ok errors\n");
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256", "--no-shconf", prefix,
			"--no-telemetry", "--log-level=*:warning", "-l", "0", NULL };
	const char *seed = getenv("DPW_PGEN_SEED");
	uint64_t s;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpw_pgen_%d", (int)getpid());
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	s = seed != NULL ? strtoull(seed, NULL, 0) : 0x9e3779b97f4a7c15ull;
	printf("seed 0x%" PRIx64 " (DPW_PGEN_SEED)\n", s);

	test_shapes();
	test_first_match();
	test_policies();
	test_epoch();
	test_coexist_and_leaks();
	test_empty();
	test_errors();
	rng_state = s;
	random_round(600, 120000);
	random_round(60, 50000);
	/* this one needs more than rte_acl's 8 tries at NODE_MIN: the bigger-trie rebuild */
	rng_state = s ^ 0xabcdef;
	random_round(1000, 60000);

	rte_eal_cleanup();
	printf("PASS\n");
	return 0;
}
