/* SPDX-License-Identifier: BSD-3-Clause
 * WEIGHTED (Peplink 7.4 weighted balance): new sessions over the usable candidates in
 * proportion to their weights. With the calling worker's state, smooth weighted
 * round-robin (exact shares, interleaved); without one (explain), weighted rendezvous
 * by the flow's hash. Also dp_wrr_pick (lb_weighted.h), the same round-robin over the
 * WAN view's own weights, which the LAN stage uses without a policy. Pure C, per worker.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"
#include "dataplane/lb_weighted.h"

int
dp_wrr_pick(struct dp_wrr *st, const uint32_t *weight, const uint8_t *usable, unsigned int n)
{
	int64_t total = 0;
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!usable[i] || weight[i] == 0) {
			st->current[i] = 0;
			continue;
		}
		st->current[i] += weight[i];
		total += weight[i];
		if (best < 0 || st->current[i] > st->current[best])
			best = (int)i;
	}
	if (best >= 0)
		st->current[best] -= total;
	return best;
}

int
dp_lb_weighted(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	       const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	       struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	int at;

	(void)load;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	at = dp_lb_weighted_among(p, ok, st, f);
	r->wan = at < 0 ? -1 : p->c[at].wan;
	return r->wan;
}
