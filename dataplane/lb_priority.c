/* SPDX-License-Identifier: BSD-3-Clause
 * PRIORITY (Peplink 7.4): the first usable WAN of the list; a lower one only while all
 * those above it are unusable. Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_priority(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	       const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	       struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];

	(void)load;
	(void)st;
	(void)f;
	dp_lb_result_init(r);
	/* r->cand lists the usable candidates in list order: the first is the choice */
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	r->wan = r->cand[0];
	return r->wan;
}
