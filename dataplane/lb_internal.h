/* SPDX-License-Identifier: BSD-3-Clause
 * What the algorithms of lb_<name>.c share (lb.c): which candidates count, the weighted
 * choice among a set of them, the flow's hash key. Private to the lb_*.c files; pure C,
 * any thread.
 */
#ifndef DP_LB_INTERNAL_H
#define DP_LB_INTERNAL_H

#include <stdint.h>

#include "dataplane/lb.h"

/*
 * Start a result: no WAN, no candidate, no copy. Every algorithm calls it first, so a
 * caller of one dp_lb_<name> directly gets the same result as through dp_lb_pick. Pure.
 */
void dp_lb_result_init(struct dp_lb_result *r);

/* p->n bounded by the size of c[]: a corrupt count must not read past the policy. Pure. */
unsigned int dp_lb_n(const struct dp_policy *p);

/*
 * Mark ok[i] for each candidate c[i] of p whose WAN exists (wan < n_wans, DPW_MAX_WANS)
 * and is usable (or, with by_up, up: ENFORCED), and list those WAN ids in r->cand.
 * Returns how many. Pure.
 */
unsigned int dp_lb_usable(const struct dp_policy *p, const struct dp_lb_wan *wans,
			  unsigned int n_wans, int by_up, uint8_t ok[DPW_MAX_WANS],
			  struct dp_lb_result *r);

/*
 * A weighted choice among the candidates with ok[i]: smooth weighted round-robin in the
 * caller's st (exact shares, interleaved), or without a state weighted rendezvous by the
 * hash of the flow (every worker and `explain` agree). Returns the index into p->c[] or
 * -1. The caller's worker only (st has one writer).
 */
int dp_lb_weighted_among(const struct dp_policy *p, const uint8_t ok[DPW_MAX_WANS],
			 struct dp_lb_state *st, const struct dp_lb_flow *f);

/* The flow's 5-tuple hashed with the policy's salt (f may be NULL: all zero). Pure. */
uint64_t dp_lb_flow_key(const struct dp_lb_flow *f, uint32_t salt);

/* Candidate weights as the algorithms use them: 0 counts as 1, so that a usable
 * candidate is never left out by a weight the validator should have refused. */
static inline uint32_t
dp_lb_weight(const struct dp_lb_cand *c)
{
	return c->weight == 0 ? 1 : c->weight;
}

#endif
