/* SPDX-License-Identifier: BSD-3-Clause
 * METRIC (mwan3 policies): the members with the lowest metric among the usable ones
 * form the tier in use; inside it new sessions go by weight. A higher tier takes
 * sessions only while every member of the lower ones is unusable. Pure C, any thread
 * (st: the calling worker's own).
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_metric(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	     const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	     struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	unsigned int i, n = dp_lb_n(p), k = 0;
	unsigned int tier = UINT16_MAX + 1u;
	int at;

	(void)load;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (ok[i] && p->c[i].metric < tier)
			tier = p->c[i].metric;
	/* the tier is what was considered: the members of higher metrics were not */
	for (i = 0; i < n; i++) {
		if (ok[i] && p->c[i].metric != tier)
			ok[i] = 0;
		if (ok[i])
			r->cand[k++] = p->c[i].wan;
	}
	r->n_cand = (uint8_t)k;
	at = dp_lb_weighted_among(p, ok, st, f);
	r->wan = at < 0 ? -1 : p->c[at].wan;
	return r->wan;
}
