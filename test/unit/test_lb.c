/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the outbound policy algorithms (dataplane/lb*.c): the shares of the
 * weighted choices (round-robin per worker, rendezvous by flow), persistence by source
 * and by destination, the minimal disruption of the rendezvous hash, mwan3 metric
 * tiers, enforced, priority, overflow, least used, lowest latency, fastest response,
 * the empty cases and dp_lb_less_preferred.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dataplane/lb.h"

/* xorshift64*: reproducible "random" flows, so a failure can be replayed */
static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t
rnd32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
rnd_flow(struct dp_lb_flow *f)
{
	f->src = rnd32();
	f->dst = rnd32();
	f->sport = (uint16_t)rnd32();
	f->dport = (uint16_t)rnd32();
	f->proto = (rnd32() & 1) ? IPPROTO_TCP : IPPROTO_UDP;
}

static void
policy_init(struct dp_policy *p, uint8_t algo, uint32_t salt)
{
	memset(p, 0, sizeof(*p));
	p->algorithm = algo;
	p->salt = salt;
}

static void
add(struct dp_policy *p, uint8_t wan, uint16_t metric, uint32_t weight)
{
	p->c[p->n].wan = wan;
	p->c[p->n].metric = metric;
	p->c[p->n].weight = weight;
	p->n++;
}

static void
wans_init(struct dp_lb_wan *w, unsigned int n)
{
	unsigned int i;

	memset(w, 0, sizeof(*w) * DPW_MAX_WANS);
	for (i = 0; i < n; i++) {
		w[i].usable = w[i].up = w[i].configured = 1;
		w[i].upload_kbps = 10000;
		w[i].download_kbps = 100000;
	}
}

/* within pct percentage points of want/total */
static void
assert_share(unsigned int got, unsigned int total, double want, double pct)
{
	double share = 100.0 * got / total;

	if (share < want - pct || share > want + pct)
		fail_msg("share %.2f %% outside %.1f +- %.1f %%", share, want, pct);
}

static void
test_weighted_wrr_exact(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_state st;
	struct dp_lb_result r;
	struct dp_lb_flow f = { 0 };
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS] = { 0 }, i, run = 0;
	int last = -1;

	(void)state;
	policy_init(&p, DPW_LB_WEIGHTED, 7);
	add(&p, 1, 1, 3);
	add(&p, 3, 1, 2);
	wans_init(w, 4);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 1000; i++) {
		int wan;

		rnd_flow(&f);
		wan = dp_lb_pick(&p, w, 4, NULL, &st, &f, &r);
		assert_true(wan == 1 || wan == 3);
		assert_int_equal(r.wan, wan);
		assert_int_equal(r.n_cand, 2);
		assert_int_equal(r.cand[0], 1);
		assert_int_equal(r.cand[1], 3);
		assert_int_equal(r.also_mask, 0);
		count[wan]++;
		run = wan == last ? run + 1 : 1;
		last = wan;
		assert_true(run <= 2);   /* interleaved, never a burst */
	}
	assert_int_equal(count[1], 600);
	assert_int_equal(count[3], 400);

	/* one of them unusable: everything on the other; both: none */
	w[3].usable = 0;
	for (i = 0; i < 10; i++)
		assert_int_equal(dp_lb_pick(&p, w, 4, NULL, &st, &f, &r), 1);
	assert_int_equal(r.n_cand, 1);
	w[3].usable = 1;
	memset(count, 0, sizeof(count));
	for (i = 0; i < 500; i++)
		count[dp_lb_pick(&p, w, 4, NULL, &st, &f, &r)]++;
	assert_int_equal(count[1], 300);
	assert_int_equal(count[3], 200);
}

static void
test_weighted_stale_state(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_state st;
	struct dp_lb_result r;
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS] = { 0 }, i;

	(void)state;
	policy_init(&p, DPW_LB_WEIGHTED, 7);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	wans_init(w, 2);
	/* another policy's credits, or garbage: no overflow (UBSan), no WAN held for long */
	for (i = 0; i < DPW_MAX_WANS; i++)
		st.current[i] = i & 1 ? INT32_MIN : INT32_MAX;
	for (i = 0; i < 100; i++)
		count[dp_lb_pick(&p, w, 2, NULL, &st, NULL, &r)]++;
	assert_int_equal(count[0], 50);
	assert_int_equal(count[1], 50);
}

static void
test_weighted_by_flow(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r, r2;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS] = { 0 }, i;

	(void)state;
	policy_init(&p, DPW_LB_WEIGHTED, 0x1234);
	add(&p, 0, 1, 3);
	add(&p, 2, 1, 2);
	wans_init(w, 3);
	for (i = 0; i < 10000; i++) {
		int wan;

		rnd_flow(&f);
		wan = dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r);
		assert_true(wan == 0 || wan == 2);
		/* without a state the choice is the flow's: explain agrees with itself */
		assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r2), wan);
		count[wan]++;
	}
	assert_share(count[0], 10000, 60.0, 3.0);
	assert_share(count[2], 10000, 40.0, 3.0);
}

static void
test_persistence_by_source(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_state st[4];
	struct dp_lb_result r;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS] = { 0 }, h, d, k;

	(void)state;
	policy_init(&p, DPW_LB_PERSISTENCE, 99);
	p.persist = DPW_PERSIST_SOURCE;
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 2);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	for (h = 0; h < 20000; h++) {
		int first;

		rnd_flow(&f);
		f.src = 0x0a000000u + h;   /* sequential hosts: the hash must spread them */
		first = dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r);
		assert_true(first >= 0 && first <= 2);
		count[first]++;
		if (h >= 200)
			continue;
		/* the same host to 50 destinations, from every worker (fresh states) */
		for (d = 0; d < 50; d++) {
			f.dst = rnd32();
			f.sport = (uint16_t)rnd32();
			f.dport = (uint16_t)rnd32();
			memset(st, 0, sizeof(st));
			for (k = 0; k < 4; k++)
				assert_int_equal(dp_lb_pick(&p, w, 3, NULL, &st[k], &f, &r), first);
			assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r), first);
		}
	}
	assert_share(count[0], 20000, 25.0, 3.0);
	assert_share(count[1], 20000, 50.0, 3.0);
	assert_share(count[2], 20000, 25.0, 3.0);
}

static void
test_persistence_by_destination(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS] = { 0 }, d;

	(void)state;
	policy_init(&p, DPW_LB_PERSISTENCE, 5);
	p.persist = DPW_PERSIST_DESTINATION;
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	wans_init(w, 2);
	rnd_flow(&f);
	/* one host spreads over the WANs by destination, each pair always on one */
	for (d = 0; d < 2000; d++) {
		int wan;

		f.dst = rnd32();
		wan = dp_lb_pick(&p, w, 2, NULL, NULL, &f, &r);
		f.sport = (uint16_t)rnd32();
		assert_int_equal(dp_lb_pick(&p, w, 2, NULL, NULL, &f, &r), wan);
		count[wan]++;
	}
	assert_share(count[0], 2000, 50.0, 5.0);
}

/* Two policies over the same WANs with different salts do not pair up their hosts. */
static void
test_hash_salts(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_lb_flow f = { 0 };
	struct dp_policy p1, p2;
	unsigned int same = 0, h;

	(void)state;
	policy_init(&p1, DPW_LB_PERSISTENCE, 1);
	policy_init(&p2, DPW_LB_PERSISTENCE, 2);
	add(&p1, 0, 1, 1);
	add(&p1, 1, 1, 1);
	add(&p2, 0, 1, 1);
	add(&p2, 1, 1, 1);
	wans_init(w, 2);
	for (h = 0; h < 10000; h++) {
		f.src = 0xc0a80000u + h;
		same += dp_lb_pick(&p1, w, 2, NULL, NULL, &f, &r) ==
			dp_lb_pick(&p2, w, 2, NULL, NULL, &f, &r);
	}
	assert_share(same, 10000, 50.0, 3.0);
	assert_true(dp_lb_hash(1, 2, 3) == dp_lb_hash(1, 2, 3));
	assert_true(dp_lb_hash(1, 2, 3) != dp_lb_hash(2, 1, 3));
	assert_true(dp_lb_hash(1, 2, 3) != dp_lb_hash(1, 2, 4));
	assert_true(dp_lb_hash(0, 0, 0) != 0);
}

/*
 * Avalanche: flipping any one bit of a, b or the salt flips each output bit with a
 * probability near 1/2 (a CRC or a plain XOR would flip a fixed few).
 */
static void
test_hash_avalanche(void **state)
{
	unsigned int bit, s, o, flips[96][64];

	(void)state;
	memset(flips, 0, sizeof(flips));
	for (s = 0; s < 2000; s++) {
		uint32_t a = rnd32(), b = rnd32(), salt = rnd32();
		uint64_t h = dp_lb_hash(a, b, salt);

		for (bit = 0; bit < 96; bit++) {
			uint64_t d;

			if (bit < 32)
				d = h ^ dp_lb_hash(a ^ (1u << bit), b, salt);
			else if (bit < 64)
				d = h ^ dp_lb_hash(a, b ^ (1u << (bit - 32)), salt);
			else
				d = h ^ dp_lb_hash(a, b, salt ^ (1u << (bit - 64)));
			for (o = 0; o < 64; o++)
				flips[bit][o] += (unsigned int)(d >> o) & 1;
		}
	}
	for (bit = 0; bit < 96; bit++)
		for (o = 0; o < 64; o++)
			if (flips[bit][o] < 860 || flips[bit][o] > 1140)
				fail_msg("input bit %u flips output bit %u %u times in 2000",
					 bit, o, flips[bit][o]);
}

#define KEYS 30000

static void
test_rendezvous_minimal_disruption(void **state)
{
	static int before[KEYS], after[KEYS];
	struct dp_lb_cand c[4] = {
		{ .wan = 0, .weight = 1 }, { .wan = 1, .weight = 1 }, { .wan = 2, .weight = 1 },
		{ .wan = 3, .weight = 1 },
	};
	uint8_t ok[4] = { 1, 1, 1, 0 };
	unsigned int i, moved = 0, to[4] = { 0 };

	(void)state;
	for (i = 0; i < KEYS; i++)
		before[i] = dp_lb_rendezvous(c, 4, ok, dp_lb_hash(i, 0, 42));
	/* WAN 1 unusable: only its keys move, and they spread over the others */
	ok[1] = 0;
	for (i = 0; i < KEYS; i++) {
		after[i] = dp_lb_rendezvous(c, 4, ok, dp_lb_hash(i, 0, 42));
		assert_true(after[i] == 0 || after[i] == 2);
		if (before[i] != 1)
			assert_int_equal(after[i], before[i]);
		else
			to[after[i]]++, moved++;
	}
	assert_share(moved, KEYS, 100.0 / 3, 3.0);
	assert_share(to[0], moved, 50.0, 3.0);
	/* back: exactly the old assignment */
	ok[1] = 1;
	for (i = 0; i < KEYS; i++)
		assert_int_equal(dp_lb_rendezvous(c, 4, ok, dp_lb_hash(i, 0, 42)), before[i]);
	/* a fourth WAN: the keys that move, move onto it, a quarter of them */
	ok[3] = 1;
	moved = 0;
	for (i = 0; i < KEYS; i++) {
		int now = dp_lb_rendezvous(c, 4, ok, dp_lb_hash(i, 0, 42));

		if (now != before[i]) {
			assert_int_equal(now, 3);
			moved++;
		}
	}
	assert_share(moved, KEYS, 25.0, 3.0);
	/* nobody ok */
	memset(ok, 0, sizeof(ok));
	assert_int_equal(dp_lb_rendezvous(c, 4, ok, 1), -1);
}

/*
 * A key's score on a WAN is the WAN's, not its position's: a new generation that drops
 * a WAN from the list (or reorders it) moves only the keys of the WAN that went.
 */
static void
test_rendezvous_list_change(void **state)
{
	struct dp_lb_cand c3[3] = {
		{ .wan = 0, .weight = 2 }, { .wan = 1, .weight = 1 }, { .wan = 2, .weight = 1 },
	};
	struct dp_lb_cand c2[2] = { { .wan = 2, .weight = 1 }, { .wan = 0, .weight = 2 } };
	uint8_t ok[3] = { 1, 1, 1 };
	unsigned int i;

	(void)state;
	for (i = 0; i < KEYS; i++) {
		uint64_t key = dp_lb_hash(i, 7, 42);
		int was = dp_lb_rendezvous(c3, 3, ok, key);
		int now = dp_lb_rendezvous(c2, 2, ok, key);

		assert_true(now == 0 || now == 1);
		if (c3[was].wan != 1)
			assert_int_equal(c2[now].wan, c3[was].wan);
	}
}

/* The same through persistence: a WAN that fails and comes back moves only its hosts. */
static void
test_persistence_failover(void **state)
{
	static int before[KEYS];
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_lb_flow f = { 0 };
	struct dp_policy p;
	unsigned int h;

	(void)state;
	policy_init(&p, DPW_LB_PERSISTENCE, 3);
	add(&p, 0, 1, 2);
	add(&p, 1, 1, 1);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	for (h = 0; h < KEYS; h++) {
		f.src = h * 2654435761u;
		before[h] = dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r);
	}
	w[2].usable = 0;
	for (h = 0; h < KEYS; h++) {
		int now;

		f.src = h * 2654435761u;
		now = dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r);
		assert_int_not_equal(now, 2);
		if (before[h] != 2)
			assert_int_equal(now, before[h]);
	}
	w[2].usable = 1;
	for (h = 0; h < KEYS; h++) {
		f.src = h * 2654435761u;
		assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r), before[h]);
	}
}

static void
test_metric_tiers(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_state st;
	struct dp_lb_result r;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int count[DPW_MAX_WANS], i;

	(void)state;
	/* mwan3: wan_m1_w3, wanb_m1_w2, wanc_m2_w1 (listed first: the order is not the tier) */
	policy_init(&p, DPW_LB_METRIC, 11);
	add(&p, 2, 2, 1);
	add(&p, 0, 1, 3);
	add(&p, 1, 1, 2);
	wans_init(w, 3);
	memset(&st, 0, sizeof(st));
	memset(count, 0, sizeof(count));
	for (i = 0; i < 1000; i++)
		count[dp_lb_pick(&p, w, 3, NULL, &st, NULL, &r)]++;
	assert_int_equal(count[0], 600);
	assert_int_equal(count[1], 400);
	assert_int_equal(count[2], 0);
	assert_int_equal(r.n_cand, 2);   /* the tier, not the whole list */
	assert_int_equal(r.cand[0], 0);
	assert_int_equal(r.cand[1], 1);
	/* by flow: the same split, still never tier 2 */
	memset(count, 0, sizeof(count));
	for (i = 0; i < 10000; i++) {
		rnd_flow(&f);
		count[dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r)]++;
	}
	assert_int_equal(count[2], 0);
	assert_share(count[0], 10000, 60.0, 3.0);
	/* one member of tier 1 left: all its */
	w[0].usable = 0;
	for (i = 0; i < 20; i++)
		assert_int_equal(dp_lb_pick(&p, w, 3, NULL, &st, NULL, &r), 1);
	/* tier 1 gone: tier 2 */
	w[1].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, &st, NULL, &r), 2);
	assert_int_equal(r.n_cand, 1);
	assert_int_equal(r.cand[0], 2);
	/* tier 1 back: tier 1 again, exact shares again */
	w[0].usable = w[1].usable = 1;
	memset(count, 0, sizeof(count));
	for (i = 0; i < 1000; i++)
		count[dp_lb_pick(&p, w, 3, NULL, &st, NULL, &r)]++;
	assert_int_equal(count[0], 600);
	assert_int_equal(count[1], 400);
}

static void
test_enforced(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_ENFORCED, 0);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	/* health says down, the link is up: enforced takes it anyway */
	w[2].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	assert_int_equal(r.n_cand, 1);
	assert_int_equal(r.cand[0], 2);
	w[2].up = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), -1);
	assert_int_equal(r.n_cand, 0);
	/* a WAN beyond the view's */
	w[2].up = 1;
	assert_int_equal(dp_lb_pick(&p, w, 2, NULL, NULL, NULL, &r), -1);
}

static void
test_priority(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_PRIORITY, 0);
	add(&p, 2, 1, 1);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	wans_init(w, 3);
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	assert_int_equal(r.n_cand, 3);
	w[2].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 0);
	w[0].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	w[2].usable = 1;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	/* up but not usable does not count (that is enforced's rule only) */
	w[2].usable = w[1].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), -1);
}

static void
test_overflow(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_load load;
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_OVERFLOW, 0);
	add(&p, 1, 1, 1);
	add(&p, 0, 1, 1);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	memset(&load, 0, sizeof(load));
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	/* 89 % of the download: not full */
	load.rx_kbps[1] = 89000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	/* 90 %: the next */
	load.rx_kbps[1] = 90000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 0);
	/* without a measurement nothing is full */
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	/* back below: back to the first */
	load.rx_kbps[1] = 50000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	/* the upload too (10000 kbit/s) */
	load.tx_kbps[1] = 9000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 0);
	load.tx_kbps[0] = 9500;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 2);
	/* all full: the most free download (1: 50000 left, 0: 100000, 2: 5000) */
	load.tx_kbps[2] = 10000;
	load.rx_kbps[2] = 95000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 0);
	assert_int_equal(r.n_cand, 3);
	/* a full WAN that is unusable is not a candidate at all */
	w[0].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	load.tx_kbps[1] = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
}

static void
test_least_used(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_load load;
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_LEAST_USED, 0);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	w[0].download_kbps = 50000;
	w[1].download_kbps = 100000;
	w[2].download_kbps = 20000;
	memset(&load, 0, sizeof(load));
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	load.rx_kbps[1] = 60000;   /* 40000 left, 0 has 50000 */
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 0);
	load.rx_kbps[0] = 30000;   /* 20000 left; 2 has 20000 too: 1 wins with 40000 */
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
	/* above the bandwidth counts as 0 free, not as a wrapped huge number */
	load.rx_kbps[1] = 200000;
	load.rx_kbps[0] = 50000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 2);
	/* ties: list order */
	load.rx_kbps[2] = 20000;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 0);
	w[0].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, &load, NULL, NULL, &r), 1);
}

static void
test_lowest_latency(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_LOWEST_LATENCY, 0);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	add(&p, 2, 1, 1);
	wans_init(w, 3);
	/* nothing measured yet: list order */
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 0);
	w[0].rtt_us = 30000;
	w[1].rtt_us = 12000;
	w[2].rtt_us = 0;   /* unknown: after every known RTT, however large */
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	/* the latencies swap: the choice follows */
	w[0].rtt_us = 12000;
	w[1].rtt_us = 30000;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 0);
	w[0].rtt_us = 4000000000u;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	/* ties: list order */
	w[2].rtt_us = 30000;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	w[2].rtt_us = 29999;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	/* the best is unusable: the next best */
	w[2].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 1);
	/* only an unknown one left usable */
	w[0].usable = w[1].usable = 0;
	w[2].usable = 1;
	w[2].rtt_us = 0;
	assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, NULL, &r), 2);
	assert_int_equal(r.also_mask, 0);
}

static void
test_fastest(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_policy p;

	(void)state;
	policy_init(&p, DPW_LB_FASTEST_RESPONSE, 0);
	add(&p, 0, 1, 1);
	add(&p, 3, 1, 1);
	add(&p, 5, 1, 1);
	wans_init(w, 6);
	w[0].rtt_us = 20000;
	w[3].rtt_us = 10000;
	w[5].rtt_us = 0;
	assert_int_equal(dp_lb_pick(&p, w, 6, NULL, NULL, NULL, &r), 3);
	assert_int_equal(r.also_mask, (1u << 0) | (1u << 5));
	assert_int_equal(r.n_cand, 3);
	w[5].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 6, NULL, NULL, NULL, &r), 3);
	assert_int_equal(r.also_mask, 1u << 0);
	w[3].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 6, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.also_mask, 0);
	w[0].usable = 0;
	assert_int_equal(dp_lb_pick(&p, w, 6, NULL, NULL, NULL, &r), -1);
	assert_int_equal(r.also_mask, 0);
}

/* Every algorithm: no usable candidate (or none within the view) is -1, nothing else. */
static void
test_none_usable(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_load load;
	struct dp_lb_state st;
	struct dp_lb_result r;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int a, i;

	(void)state;
	rnd_flow(&f);
	memset(&load, 0, sizeof(load));
	for (a = 0; a < DPW_LB_MAX; a++) {
		policy_init(&p, (uint8_t)a, 1);
		add(&p, 0, 1, 1);
		add(&p, 1, 2, 1);
		add(&p, 5, 1, 1);   /* beyond n_wans = 3: never */
		wans_init(w, 8);
		for (i = 0; i < 3; i++)
			w[i].usable = w[i].up = 0;
		memset(&st, 0, sizeof(st));
		assert_int_equal(dp_lb_pick(&p, w, 3, &load, &st, &f, &r), -1);
		assert_int_equal(r.wan, -1);
		assert_int_equal(r.n_cand, 0);
		assert_int_equal(r.also_mask, 0);
		assert_int_equal(dp_lb_pick(&p, w, 3, NULL, NULL, &f, &r), -1);
		/* an empty policy */
		p.n = 0;
		assert_int_equal(dp_lb_pick(&p, w, 3, NULL, &st, &f, &r), -1);
	}
	/* an algorithm this build does not know */
	policy_init(&p, DPW_LB_MAX, 1);
	add(&p, 0, 1, 1);
	wans_init(w, 1);
	assert_int_equal(dp_lb_pick(&p, w, 1, NULL, NULL, &f, &r), -1);
	assert_int_equal(r.n_cand, 0);
}

static void
test_less_preferred(void **state)
{
	struct dp_lb_wan w[DPW_MAX_WANS];
	struct dp_lb_result r;
	struct dp_lb_flow f;
	struct dp_policy p;
	unsigned int h, checked = 0;

	(void)state;
	/* priority (and overflow): an earlier candidate usable again */
	policy_init(&p, DPW_LB_PRIORITY, 0);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	wans_init(w, 3);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 1);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 0);
	w[0].usable = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 0);
	/* a WAN outside the policy ("use any"): back once a candidate is usable */
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 1);
	w[1].usable = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 0);
	w[0].usable = w[1].usable = 1;
	p.algorithm = DPW_LB_OVERFLOW;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 1);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 0);

	/* metric: a usable candidate in a lower tier, not one in the same tier */
	policy_init(&p, DPW_LB_METRIC, 0);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	add(&p, 2, 2, 1);
	wans_init(w, 3);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 1);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 0);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 0);
	w[0].usable = w[1].usable = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 0);
	w[1].usable = 1;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 1);

	/* persistence: the host's choice now is another WAN */
	policy_init(&p, DPW_LB_PERSISTENCE, 77);
	add(&p, 0, 1, 1);
	add(&p, 1, 1, 1);
	wans_init(w, 2);
	for (h = 0; h < 100; h++) {
		int home;

		rnd_flow(&f);
		home = dp_lb_pick(&p, w, 2, NULL, NULL, &f, &r);
		assert_int_equal(dp_lb_less_preferred(&p, w, 2, &f, (unsigned int)home), 0);
		assert_int_equal(dp_lb_less_preferred(&p, w, 2, &f, 1u - (unsigned int)home), 1);
		/* while home is down the host is on the other WAN: nothing better to go to */
		w[home].usable = 0;
		assert_int_equal(dp_lb_less_preferred(&p, w, 2, &f, 1u - (unsigned int)home), 0);
		w[home].usable = 1;
		checked++;
	}
	assert_int_equal(checked, 100);

	/* weighted: only a WAN that is not a candidate */
	policy_init(&p, DPW_LB_WEIGHTED, 0);
	add(&p, 0, 1, 3);
	add(&p, 1, 1, 1);
	wans_init(w, 3);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 0);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 0);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 1);
	w[0].usable = w[1].usable = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 2), 0);

	/* enforced: back on its WAN once that is up, health or not */
	policy_init(&p, DPW_LB_ENFORCED, 0);
	add(&p, 1, 1, 1);
	wans_init(w, 3);
	w[1].usable = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 1);
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 1), 0);
	w[1].up = 0;
	assert_int_equal(dp_lb_less_preferred(&p, w, 3, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted_wrr_exact),
		cmocka_unit_test(test_weighted_stale_state),
		cmocka_unit_test(test_weighted_by_flow),
		cmocka_unit_test(test_persistence_by_source),
		cmocka_unit_test(test_persistence_by_destination),
		cmocka_unit_test(test_hash_salts),
		cmocka_unit_test(test_hash_avalanche),
		cmocka_unit_test(test_rendezvous_minimal_disruption),
		cmocka_unit_test(test_rendezvous_list_change),
		cmocka_unit_test(test_persistence_failover),
		cmocka_unit_test(test_metric_tiers),
		cmocka_unit_test(test_enforced),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_least_used),
		cmocka_unit_test(test_lowest_latency),
		cmocka_unit_test(test_fastest),
		cmocka_unit_test(test_none_usable),
		cmocka_unit_test(test_less_preferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
