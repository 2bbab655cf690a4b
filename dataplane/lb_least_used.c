/* SPDX-License-Identifier: BSD-3-Clause
 * LEAST_USED (Peplink 7.4): the usable WAN with the most free download bandwidth, the
 * document's download bandwidth less the measured download rate (at least 0); ties go
 * to the earlier in the list. Without a measurement, the largest download bandwidth.
 * Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_least_used(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
		 const struct dp_lb_load *load, struct dp_lb_state *st,
		 const struct dp_lb_flow *f, struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	uint32_t best_free = 0;
	unsigned int i;

	(void)st;
	(void)f;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	for (i = 0; i < r->n_cand; i++) {
		unsigned int w = r->cand[i];
		uint32_t used = load != NULL ? load->rx_kbps[w] : 0, bw = wans[w].download_kbps;
		uint32_t free_kbps = bw > used ? bw - used : 0;

		if (r->wan < 0 || free_kbps > best_free) {
			r->wan = (int)w;
			best_free = free_kbps;
		}
	}
	return r->wan;
}
