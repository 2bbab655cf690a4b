/* SPDX-License-Identifier: BSD-3-Clause
 * FASTEST_RESPONSE (Peplink 7.4): the first packet of a session goes out on every
 * usable WAN and the first answer wins. The pick names the WAN the session starts on
 * (the lowest latency one: the likely winner, and where it stays if the copies are
 * lost) and in also_mask the WANs the first packet is copied to. Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_fastest(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	      const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	      struct dp_lb_result *r)
{
	unsigned int i;

	if (dp_lb_lowest_latency(p, wans, n_wans, load, st, f, r) < 0)
		return -1;
	for (i = 0; i < r->n_cand; i++)
		if (r->cand[i] != r->wan && r->cand[i] < 8 * sizeof(r->also_mask))
			r->also_mask |= (uint8_t)(1u << r->cand[i]);
	return r->wan;
}
