/* SPDX-License-Identifier: BSD-3-Clause
 * ENFORCED (Peplink 7.4): the policy's one WAN "regardless of the health check status":
 * taken while it is up (configured, enabled, link and gateway), even when the health
 * checker has it down; no WAN when it is not up. Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_enforced(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	       const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	       struct dp_lb_result *r)
{
	unsigned int w;

	(void)load;
	(void)st;
	(void)f;
	dp_lb_result_init(r);
	if (dp_lb_n(p) == 0)
		return -1;
	w = p->c[0].wan;
	if (w >= n_wans || w >= DPW_MAX_WANS || !wans[w].up)
		return -1;
	r->n_cand = 1;
	r->cand[0] = (uint8_t)w;
	r->wan = (int)w;
	return r->wan;
}
