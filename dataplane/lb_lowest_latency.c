/* SPDX-License-Identifier: BSD-3-Clause
 * LOWEST_LATENCY (Peplink 7.4): the usable WAN with the health checker's lowest RTT.
 * A WAN without a measurement yet (rtt 0) ranks after every measured one, so a fresh
 * WAN does not win on an unknown; ties go to the earlier in the list. Pure C, any
 * thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

/* RTTs in one order where 0 (unknown) is the largest. */
static inline uint32_t
rtt_rank(uint32_t rtt_us)
{
	return rtt_us - 1u;
}

int
dp_lb_lowest_latency(const struct dp_policy *p, const struct dp_lb_wan *wans,
		     unsigned int n_wans, const struct dp_lb_load *load, struct dp_lb_state *st,
		     const struct dp_lb_flow *f, struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	uint32_t best = 0;
	unsigned int i;

	(void)load;
	(void)st;
	(void)f;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	for (i = 0; i < r->n_cand; i++) {
		uint32_t rank = rtt_rank(wans[r->cand[i]].rtt_us);

		if (r->wan < 0 || rank < best) {
			r->wan = r->cand[i];
			best = rank;
		}
	}
	return r->wan;
}
