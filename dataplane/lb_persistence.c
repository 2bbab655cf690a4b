/* SPDX-License-Identifier: BSD-3-Clause
 * PERSISTENCE (Peplink 7.4): a LAN host (by source), or a host and a destination (by
 * destination), always on the same WAN, the hosts split by weight. Weighted rendezvous
 * over the usable candidates keyed by the host: no state, so every worker, every
 * generation with the same policy and `explain` agree, and a WAN that fails or comes
 * back moves only the hosts that were on it or go to it. Pure C, any thread.
 */
#include "dataplane/lb.h"
#include "dataplane/lb_internal.h"

int
dp_lb_persistence(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
		  const struct dp_lb_load *load, struct dp_lb_state *st,
		  const struct dp_lb_flow *f, struct dp_lb_result *r)
{
	uint8_t ok[DPW_MAX_WANS];
	uint32_t src = 0, dst = 0;
	int at;

	(void)load;
	(void)st;
	dp_lb_result_init(r);
	if (dp_lb_usable(p, wans, n_wans, 0, ok, r) == 0)
		return -1;
	if (f != NULL) {
		src = f->src;
		dst = p->persist == DPW_PERSIST_DESTINATION ? f->dst : 0;
	}
	at = dp_lb_rendezvous(p->c, dp_lb_n(p), ok, dp_lb_hash(src, dst, p->salt));
	r->wan = at < 0 ? -1 : p->c[at].wan;
	return r->wan;
}
