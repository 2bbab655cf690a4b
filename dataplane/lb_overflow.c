/* SPDX-License-Identifier: BSD-3-Clause
 * OVERFLOW (Peplink 7.4): the first usable WAN of the list that is not at full load;
 * when every one is full, the one with the most free download bandwidth. Full is 90 %
 * of the document's upload or download bandwidth in the measured load (dp_lb_load, a
 * smoothed rate: sessions placed in one period do not show yet, so the threshold is
 * below 100 %). Without a measurement nothing is full. Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

#define LB_FULL_PERCENT 90

/* A bandwidth of 0 is unknown: that direction never counts as full. */
static int
dir_full(uint32_t rate_kbps, uint32_t bw_kbps)
{
	return bw_kbps != 0 && (uint64_t)rate_kbps * 100 >= (uint64_t)bw_kbps * LB_FULL_PERCENT;
}

static int
wan_full(const struct dp_lb_wan *w, const struct dp_lb_load *load, unsigned int id)
{
	if (load == NULL)
		return 0;
	return dir_full(load->tx_kbps[id], w->upload_kbps) ||
	       dir_full(load->rx_kbps[id], w->download_kbps);
}

int
dp_lb_overflow(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	       const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	       struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	unsigned int i;

	(void)st;
	(void)f;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	for (i = 0; i < r->n_cand; i++)
		if (!wan_full(&wans[r->cand[i]], load, r->cand[i])) {
			r->wan = r->cand[i];
			return r->wan;
		}
	/* all full: spill where the most is left (load is not NULL here) */
	return dp_lb_least_used(p, wans, n_wans, load, st, f, r);
}
