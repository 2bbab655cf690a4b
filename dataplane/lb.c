/* SPDX-License-Identifier: BSD-3-Clause
 * The outbound policy engine's choice of a WAN (lb.h): dp_lb_pick over a table of the
 * per-algorithm functions (lb_<name>.c), the hash and the weighted rendezvous every
 * worker computes alike, the "less preferred" test behind terminate-on-recovery, and the
 * helpers the algorithms share (lb_internal.h). Pure C: worker lcores on the miss path,
 * the main lcore for `explain`, the unit tests.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

/*
 * Weights above this are cut to it in the round-robin state, so that the sums of up to
 * DPW_MAX_WANS of them and the bound below stay far inside int32_t (the validator's
 * limit is 1000).
 */
#define LB_WRR_WEIGHT_MAX (1u << 20)

static const dp_lb_fn lb_fns[DPW_LB_MAX] = {
	[DPW_LB_METRIC] = dp_lb_metric,
	[DPW_LB_WEIGHTED] = dp_lb_weighted,
	[DPW_LB_PERSISTENCE] = dp_lb_persistence,
	[DPW_LB_ENFORCED] = dp_lb_enforced,
	[DPW_LB_PRIORITY] = dp_lb_priority,
	[DPW_LB_OVERFLOW] = dp_lb_overflow,
	[DPW_LB_LEAST_USED] = dp_lb_least_used,
	[DPW_LB_LOWEST_LATENCY] = dp_lb_lowest_latency,
	[DPW_LB_FASTEST_RESPONSE] = dp_lb_fastest,
};

int
dp_lb_pick(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	   const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	   struct dp_lb_result *r)
{
	dp_lb_result_init(r);
	if (p->algorithm >= DPW_LB_MAX || lb_fns[p->algorithm] == NULL)
		return -1;
	return lb_fns[p->algorithm](p, wans, n_wans, load, st, f, r);
}

/* MurmurHash3's 64-bit finalizer: every input bit reaches every output bit. */
static inline uint64_t
fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

#define LB_GOLDEN 0x9e3779b97f4a7c15ull

uint64_t
dp_lb_hash(uint32_t a, uint32_t b, uint32_t salt)
{
	/*
	 * The salt is mixed on its own first: XORed in raw, two salts would map the same
	 * hosts onto a shifted copy of each other. For one salt the whole is a bijection of
	 * (a, b), so no two hosts collide before the reduction to a WAN.
	 */
	uint64_t s = fmix64((uint64_t)salt * LB_GOLDEN + LB_GOLDEN);

	return fmix64(((uint64_t)a | ((uint64_t)b << 32)) ^ s);
}

uint64_t
dp_lb_flow_key(const struct dp_lb_flow *f, uint32_t salt)
{
	static const struct dp_lb_flow zero;
	uint64_t ports;

	if (f == NULL)
		f = &zero;
	ports = ((uint64_t)f->sport << 24) | ((uint64_t)f->dport << 8) | f->proto;
	return fmix64(dp_lb_hash(f->src, f->dst, salt) ^ (ports * LB_GOLDEN));
}

int
dp_lb_rendezvous(const struct dp_lb_cand *c, unsigned int n, const uint8_t *ok,
		 uint64_t key)
{
	double best_score = 0.0;
	int best = -1;
	unsigned int i;

	if (n > DPW_MAX_WANS)
		n = DPW_MAX_WANS;
	for (i = 0; i < n; i++) {
		uint64_t h;
		double u, score;

		if (!ok[i])
			continue;
		/*
		 * Hashed with the WAN id, not the position: a key's score on a WAN does not
		 * depend on which other WANs are in the set, which is what makes a change of
		 * the set move only the keys of the WANs that came or went.
		 */
		h = fmix64(key ^ (((uint64_t)c[i].wan + 1) * LB_GOLDEN));
		/* 53 bits, centred in their interval: u is in (0, 1), never 0 nor 1 */
		u = ((double)(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
		/* ln(u) < 0; -w / ln(u) makes the share of each WAN w / sum(w) */
		score = -(double)dp_lb_weight(&c[i]) / log(u);
		if (best < 0 || score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

void
dp_lb_result_init(struct dp_lb_result *r)
{
	r->wan = -1;
	r->n_cand = 0;
	memset(r->cand, 0, sizeof(r->cand));
	r->also_mask = 0;
}

unsigned int
dp_lb_n(const struct dp_policy *p)
{
	return p->n > DPW_MAX_WANS ? DPW_MAX_WANS : p->n;
}

unsigned int
dp_lb_usable(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	     int by_up, uint8_t ok[DPW_MAX_WANS], struct dp_lb_result *r)
{
	unsigned int i, n = dp_lb_n(p), k = 0;

	memset(ok, 0, DPW_MAX_WANS);
	for (i = 0; i < n; i++) {
		unsigned int w = p->c[i].wan;

		/* ids past the load's arrays too, whatever n_wans says */
		if (w >= n_wans || w >= DPW_MAX_WANS || !(by_up ? wans[w].up : wans[w].usable))
			continue;
		ok[i] = 1;
		r->cand[k++] = (uint8_t)w;
	}
	r->n_cand = (uint8_t)k;
	return k;
}

/* Smooth weighted round-robin (nginx): exact shares, and the heaviest never bursts. */
static int
wrr_among(const struct dp_policy *p, const uint8_t ok[DPW_MAX_WANS], struct dp_lb_state *st)
{
	unsigned int i, n = dp_lb_n(p);
	int32_t w[DPW_MAX_WANS];
	int64_t total = 0, bound;
	int best = -1;

	for (i = 0; i < n; i++) {
		w[i] = (int32_t)(dp_lb_weight(&p->c[i]) > LB_WRR_WEIGHT_MAX ?
				 LB_WRR_WEIGHT_MAX : dp_lb_weight(&p->c[i]));
		if (ok[i])
			total += w[i];
		else
			/* a candidate that comes back starts even, not with old credit */
			st->current[i] = 0;
	}
	if (total == 0)
		return -1;
	/*
	 * The credits of a running set stay within +-total * n; outside that the state is
	 * not this policy's (a new generation, an uninitialised state): start it over
	 * rather than let a stale credit hold one WAN for thousands of picks (or overflow).
	 */
	bound = total * DPW_MAX_WANS;
	for (i = 0; i < n; i++)
		if (st->current[i] > bound || st->current[i] < -bound) {
			memset(st->current, 0, sizeof(st->current));
			break;
		}
	for (i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		st->current[i] += w[i];
		if (best < 0 || st->current[i] > st->current[best])
			best = (int)i;
	}
	st->current[best] -= (int32_t)total;
	return best;
}

int
dp_lb_weighted_among(const struct dp_policy *p, const uint8_t ok[DPW_MAX_WANS],
		     struct dp_lb_state *st, const struct dp_lb_flow *f)
{
	if (st != NULL)
		return wrr_among(p, ok, st);
	return dp_lb_rendezvous(p->c, dp_lb_n(p), ok, dp_lb_flow_key(f, p->salt));
}

/* The position of WAN wan among p's candidates, or -1. */
static int
cand_index(const struct dp_policy *p, unsigned int wan)
{
	unsigned int i, n = dp_lb_n(p);

	for (i = 0; i < n; i++)
		if (p->c[i].wan == wan)
			return (int)i;
	return -1;
}

int
dp_lb_less_preferred(const struct dp_policy *p, const struct dp_lb_wan *wans,
		     unsigned int n_wans, const struct dp_lb_flow *f, unsigned int wan)
{
	uint8_t ok[DPW_MAX_WANS];
	struct dp_lb_result r;
	unsigned int i, n = dp_lb_n(p);
	int at = cand_index(p, wan);

	dp_lb_result_init(&r);
	/* there is nothing to prefer unless one of p's WANs can take the session now */
	if (dp_lb_usable(p, wans, n_wans, p->algorithm == DPW_LB_ENFORCED, ok, &r) == 0)
		return 0;
	/* on a WAN outside the policy ("use any"): back as soon as a WAN of p can take it */
	if (at < 0)
		return 1;
	switch (p->algorithm) {
	case DPW_LB_PRIORITY:
	case DPW_LB_OVERFLOW:
		for (i = 0; i < (unsigned int)at; i++)
			if (ok[i])
				return 1;
		return 0;
	case DPW_LB_METRIC:
		for (i = 0; i < n; i++)
			if (ok[i] && p->c[i].metric < p->c[at].metric)
				return 1;
		return 0;
	case DPW_LB_PERSISTENCE:
		dp_lb_persistence(p, wans, n_wans, NULL, NULL, f, &r);
		return r.wan >= 0 && (unsigned int)r.wan != wan;
	default:
		return 0;
	}
}
