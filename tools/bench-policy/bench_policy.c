/* SPDX-License-Identifier: BSD-3-Clause
 * bench-policy: what the outbound policy classifier costs (dataplane/policy.c), for 1,
 * 100, 1,000 and 10,000 rules of mixed shape: the generation's build time, its
 * classifier entries and heap, and the classification cost per flow in bursts of 32
 * (rte_acl_classify, as the workers' miss path calls it), beside the linear matcher's.
 * Prints figures only, asserts nothing. One thread (EAL --no-huge --no-pci, main lcore).
 *   bench-policy [--rules N,N,...] [--flows N] [--seed N] [--mem MB]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_pkt.h"

struct dp_ctx dp;

#define BURST 32
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

/* LAN hosts in 198.18.0.0/16, destinations in 198.19.0.0/16 (both /15 test space). */
static uint32_t
lan_host(void)
{
	return 0xc6120000u | (rnd() & 0xffff);
}

static uint32_t
remote_host(void)
{
	return 0xc6130000u | (rnd() & 0xffff);
}

static void
net(struct dpw_doc_net *n, uint8_t *count, uint32_t addr, uint8_t len)
{
	n[*count].addr = addr & (len ? ~0u << (32 - len) : 0);
	n[*count].prefixlen = len;
	(*count)++;
}

static void
ports(struct dpw_doc_ports *p, uint8_t *count, uint16_t lo, uint16_t hi)
{
	p[*count].lo = lo;
	p[*count].hi = hi;
	(*count)++;
}

static const uint16_t SERVICES[] = { 22, 25, 53, 80, 123, 443, 993, 1194, 3389, 5060, 8080 };

/*
 * Rules of mixed shape, as an outbound policy holds them: a service to a server or a
 * network, a LAN host or subnet, a MAC, port ranges (VoIP, games), port lists, domains.
 */
static void
mixed_rule(struct dpw_doc_rule *r, unsigned int i)
{
	struct dpw_doc_match *m = &r->match;
	uint16_t base;
	unsigned int k;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "r%u", i);
	r->enabled = rnd() % 50 != 0;
	r->action.policy = (int32_t)(i % 2);
	r->action.sticky_timeout_s = DPW_STICKY_TIMEOUT_DEFAULT;
	switch (rnd() % 20) {
	case 0: case 1: case 2: case 3: case 4: case 5:   /* a service on one server */
		m->proto = DPW_IPPROTO_TCP;
		net(m->dst, &m->n_dst, remote_host(), 32);
		base = SERVICES[rnd() % 11];
		ports(m->dport, &m->n_dport, base, base);
		break;
	case 6: case 7: case 8: case 9:                   /* a destination network */
		net(m->dst, &m->n_dst, remote_host(), (uint8_t)(20 + rnd() % 9));
		break;
	case 10: case 11: case 12:                        /* a LAN host or subnet */
		net(m->src, &m->n_src, lan_host(), rnd() % 2 ? 32 : (uint8_t)(24 + rnd() % 5));
		break;
	case 13:                                          /* UDP port range from a subnet */
		m->proto = DPW_IPPROTO_UDP;
		net(m->src, &m->n_src, lan_host(), 24);
		base = (uint16_t)(10000 + rnd() % 40000);
		ports(m->dport, &m->n_dport, base, (uint16_t)(base + rnd() % 2000));
		break;
	case 14: case 15:                                 /* one device by its MAC */
		m->has_src_mac = true;
		m->src_mac[0] = 0x02;
		for (k = 1; k < 6; k++)
			m->src_mac[k] = (uint8_t)rnd();
		break;
	case 16:                                          /* a port list to a network */
		m->proto = DPW_IPPROTO_TCP;
		net(m->dst, &m->n_dst, remote_host(), 24);
		for (k = 0; k < 3; k++) {
			uint16_t p = SERVICES[rnd() % 11];

			ports(m->dport, &m->n_dport, p, p);
		}
		break;
	case 17:                                          /* host + servers + source ports */
		m->proto = rnd() % 2 ? DPW_IPPROTO_TCP : DPW_IPPROTO_UDP;
		net(m->src, &m->n_src, lan_host(), 32);
		net(m->dst, &m->n_dst, remote_host(), 32);
		net(m->dst, &m->n_dst, remote_host(), 30);
		ports(m->sport, &m->n_sport, 1024, 65535);
		break;
	case 18:                                          /* a domain (any destination) */
		net(m->src, &m->n_src, lan_host(), 25);
		snprintf(m->domain[0], DPW_DOMAIN_LEN, "site%u.test", i);
		m->n_domains = 1;
		break;
	default:                                          /* ICMP from a subnet */
		m->proto = DPW_IPPROTO_ICMP;
		net(m->src, &m->n_src, lan_host(), 26);
		break;
	}
}

static struct dpw_doc *
doc_new(unsigned int n_rules)
{
	struct dpw_doc *d = calloc(1, sizeof(*d));
	unsigned int i;

	if (d == NULL)
		return NULL;
	d->version = DPW_DOC_VERSION;
	d->n_wans = 2;
	for (i = 0; i < 2; i++) {
		snprintf(d->wans[i].name, DPW_NAME_LEN, "wan%u", i + 1);
		d->wans[i].enabled = true;
		d->wans[i].weight = 1;
	}
	d->n_policies = 2;
	for (i = 0; i < 2; i++) {
		snprintf(d->policies[i].name, DPW_NAME_LEN, "via_wan%u", i + 1);
		d->policies[i].pick.algorithm = DPW_LB_PRIORITY;
		d->policies[i].pick.n = 2;
		d->policies[i].pick.c[0].wan = (uint8_t)i;
		d->policies[i].pick.c[0].weight = 1;
		d->policies[i].pick.c[1].wan = (uint8_t)(1 - i);
		d->policies[i].pick.c[1].weight = 1;
		d->policies[i].last_resort = DPW_FB_UNREACHABLE;
	}
	d->default_rule.preset = DPW_DEF_AUTO;
	d->default_rule.action.policy = -1;
	d->n_rules = n_rules;
	d->rules = calloc(n_rules, sizeof(*d->rules));
	if (d->rules == NULL) {
		free(d);
		return NULL;
	}
	for (i = 0; i < n_rules; i++)
		mixed_rule(&d->rules[i], i);
	return d;
}

/*
 * Flows: half aimed at a random rule (built from its first net / port / MAC, so the
 * classifier has to walk deep), half random traffic that mostly meets the default.
 */
static void
flow_for(const struct dpw_doc *d, struct dp_acl_key *k)
{
	const struct dpw_doc_match *m;
	static const uint8_t protos[] = { DPW_IPPROTO_TCP, DPW_IPPROTO_TCP, DPW_IPPROTO_UDP,
					  DPW_IPPROTO_ICMP };

	memset(k, 0, sizeof(*k));
	k->proto = protos[rnd() % 4];
	k->src = htonl(lan_host());
	k->dst = htonl(remote_host());
	k->sport = htons((uint16_t)(1024 + rnd() % 64000));
	k->dport = htons(SERVICES[rnd() % 11]);
	k->mac[0] = 0x02;
	k->mac[5] = (uint8_t)rnd();
	if (d->n_rules != 0 && rnd() % 2 == 0) {
		m = &d->rules[rnd() % d->n_rules].match;
		if (m->proto != 0)
			k->proto = m->proto;
		if (m->n_src != 0)
			k->src = htonl(m->src[0].addr | (rnd() & ~(m->src[0].prefixlen ?
				~0u << (32 - m->src[0].prefixlen) : 0)));
		if (m->n_dst != 0 && m->n_domains == 0)
			k->dst = htonl(m->dst[0].addr | (rnd() & ~(m->dst[0].prefixlen ?
				~0u << (32 - m->dst[0].prefixlen) : 0)));
		if (m->n_dport != 0)
			k->dport = htons(m->dport[0].lo);
		if (m->has_src_mac)
			memcpy(k->mac, m->src_mac, 6);
	}
	if (k->proto == DPW_IPPROTO_ICMP)
		k->sport = k->dport = 0;
}

static void
bench(unsigned int n_rules, unsigned int n_flows)
{
	static const uint8_t wan_id[DPW_MAX_WANS] = { 0, 1 };
	struct rte_malloc_socket_stats before, after;
	const struct dp_acl_key *kp[BURST];
	struct dpw_doc_problems pr;
	struct dp_acl_key *keys;
	struct dp_pgen *g = NULL;
	struct dpw_doc *d;
	unsigned int i, j, matched = 0, n_lin;
	uint64_t t0, acl_ns, lin_ns, sink = 0;
	uint32_t res[BURST];
	int rc;

	d = doc_new(n_rules);
	keys = malloc((size_t)n_flows * sizeof(*keys));
	if (d == NULL || keys == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < n_flows; i++)
		flow_for(d, &keys[i]);
	rte_malloc_get_socket_stats(0, &before);
	dpw_doc_problems_init(&pr);
	rc = dp_pgen_build(d, wan_id, n_rules, 1, NULL, &g, &pr);
	if (rc != 0) {
		printf("%8u  build failed: %d %s\n", n_rules, rc, pr.n ? pr.p[0].message : "");
		goto out;
	}
	rte_malloc_get_socket_stats(0, &after);

	/* warm the tries into the cache once, then time every flow in bursts of 32 */
	for (i = 0; i + BURST <= n_flows && i < 64 * BURST; i += BURST) {
		for (j = 0; j < BURST; j++)
			kp[j] = &keys[i + j];
		dp_pgen_classify(g, kp, BURST, res);
	}
	t0 = now_ns();
	for (i = 0; i + BURST <= n_flows; i += BURST) {
		for (j = 0; j < BURST; j++)
			kp[j] = &keys[i + j];
		dp_pgen_classify(g, kp, BURST, res);
		for (j = 0; j < BURST; j++)
			matched += res[j] != 0;
	}
	acl_ns = now_ns() - t0;

	/* the linear matcher (fall-through and explain use it), on fewer flows */
	n_lin = n_flows / (n_rules >= 1000 ? 20 : 1);
	t0 = now_ns();
	for (i = 0; i < n_lin; i++)
		sink += (uint64_t)(dp_pgen_match_from(g, &keys[i], 0) + 1);
	lin_ns = now_ns() - t0;

	printf("%8u  %9u  %10.1f  %10.2f  %12.1f  %11.1f  %7.1f%%\n", n_rules, g->n_entries,
	       g->build_ns / 1e6,
	       (double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes) / (1 << 20),
	       (double)acl_ns / (n_flows / BURST * BURST), (double)lin_ns / n_lin,
	       100.0 * matched / (n_flows / BURST * BURST));
	if (sink == 1)
		printf("(sink)\n");
out:
	dp_pgen_free(g);
	free(keys);
	free(d->rules);
	free(d);
}

int
main(int argc, char **argv)
{
	unsigned int sizes[MAX_SIZES] = { 1, 100, 1000, 10000 }, n_sizes = 4, flows = 1000000;
	unsigned int mem = 2048, i;
	char prefix[64], memarg[16], *eal[16], *s, *tok;
	int n = 0, opt;
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "flows", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "r:f:s:m:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			n_sizes = 0;
			for (s = optarg; (tok = strsep(&s, ",")) != NULL && n_sizes < MAX_SIZES;)
				sizes[n_sizes++] = (unsigned int)strtoul(tok, NULL, 0);
			break;
		case 'f':
			flows = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 0) | 1;
			break;
		case 'm':
			mem = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [--rules N,N,...] [--flows N] [--seed N] "
				"[--mem MB]\n", argv[0]);
			return 2;
		}
	}
	if (flows < BURST)
		flows = BURST;
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpw_bench_policy_%d", (int)getpid());
	snprintf(memarg, sizeof(memarg), "%u", mem);
	eal[n++] = argv[0];
	eal[n++] = "--no-huge";
	eal[n++] = "--no-pci";
	eal[n++] = "-m";
	eal[n++] = memarg;
	eal[n++] = "--no-shconf";
	eal[n++] = prefix;
	eal[n++] = "--no-telemetry";
	eal[n++] = "--log-level=*:warning";
	eal[n++] = "-l";
	eal[n++] = "0";
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	printf("bench-policy: %u flows per size, bursts of %u, rules of mixed shape\n", flows,
	       BURST);
	printf("%8s  %9s  %10s  %10s  %12s  %11s  %8s\n", "rules", "entries", "build ms",
	       "acl MB", "acl ns/flow", "linear ns", "matched");
	for (i = 0; i < n_sizes; i++)
		bench(sizes[i], flows);
	rte_eal_cleanup();
	return 0;
}
