/* SPDX-License-Identifier: BSD-3-Clause
 * WAN view generations (main lcore only): build an immutable view from the WANs'
 * document settings (dp_wan_cfg), admin, link, neighbour and health state and the
 * priority groups (wan_select.c), publish it with one atomic pointer store, and free the
 * previous one once every worker has reported a quiescent state (rte_rcu_qsbr). Workers
 * never take a lock, so a change applies without losing a packet. A WAN that stops
 * being up gets its on_failure rules applied through the workers' mailboxes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include "dataplane/dnsset.h"
#include "dataplane/dp.h"
#include "dataplane/wan_select.h"
#include "lib/msg/dpw_msg.h"

#define MAX_PENDING 64

/* One retire list for every kind of published object (WAN views, policy generations). */
struct pending {
	void *obj;
	void (*free_fn)(void *obj);
	uint64_t token;
};

static struct pending pending[MAX_PENDING];
static unsigned int n_pending;
static uint64_t next_gen = 1;

static const char *const down_names[DP_DOWN_MAX] = {
#define DP_X_NAME(e, s) [DP_DOWN_##e] = s,
	DP_WAN_DOWN_CAUSES(DP_X_NAME)
#undef DP_X_NAME
};

const char *
dp_wan_down_cause_str(unsigned int c)
{
	return c < DP_DOWN_MAX ? down_names[c] : "unknown";
}

void
dp_wan_health_reset(struct dp_wan_state *ws)
{
	ws->health = DPW_WH_UNKNOWN;
	ws->health_usable = 1;
	ws->rtt_us = 0;
	ws->jitter_us = 0;
	ws->loss_permille = 0;
}

/* The first reason why WAN ws is not up, DP_DOWN_NONE when it is. */
static unsigned int
down_cause(const struct dp_wan_state *ws)
{
	const struct dp_wan_cfg *cf = &ws->cfg;

	if (!cf->configured || !ws->admin || cf->forced_down)
		return DP_DOWN_ADMIN;
	if (!ws->link_up)
		return DP_DOWN_LINK;
	if (!ws->health_usable)
		return DP_DOWN_HEALTH;
	if (!ws->gw_resolved)
		return DP_DOWN_GATEWAY;
	return DP_DOWN_NONE;
}

void
dp_send_event(uint32_t type, uint32_t a, uint32_t b)
{
	struct dpw_msg m;

	memset(&m, 0, sizeof(m));
	m.op = DPW_MSG_EVENT;
	m.u.event.type = type;
	m.u.event.a = a;
	m.u.event.b = b;
	m.u.event.time_ms = dpw_now_ms();
	/* never wait on the control process: a full ring loses the event, not a packet */
	(void)rte_ring_enqueue_elem(dp.d2c, &m, sizeof(m));
}

void
dp_gen_reclaim(int wait)
{
	unsigned int i = 0;

	while (i < n_pending) {
		if (rte_rcu_qsbr_check(dp.qsbr, pending[i].token, wait != 0) == 1) {
			pending[i].free_fn(pending[i].obj);
			pending[i] = pending[--n_pending];
		} else {
			i++;
		}
	}
}

void
dp_gen_retire(void *obj, void (*free_fn)(void *obj))
{
	/* a full list waits for the workers here, rather than failing after a commit */
	if (n_pending == MAX_PENDING)
		dp_gen_reclaim(1);
	pending[n_pending].obj = obj;
	pending[n_pending].free_fn = free_fn;
	pending[n_pending].token = rte_rcu_qsbr_start(dp.qsbr);
	n_pending++;
}

static void
free_pgen(void *g)
{
	dp_pgen_free(g);
}

void
dp_gen_publish_pgen(struct dp_pgen *g)
{
	struct dp_pgen *old = dp.pgen;

	__atomic_store_n(&dp.pgen, g, __ATOMIC_RELEASE);
	dp.shm->policy_gen = g->gen;
	dp.shm->policy_epoch = g->epoch;
	dp.shm->inb_epoch = g->inb_epoch;
	dp.shm->policy_rules = g->n_rules;
	dp.shm->policy_entries = g->n_entries;
	dp.shm->policy_build_ns = g->build_ns;
	/* the domain sets' list for dpwan-control; the sets keep their addresses, keyed by
	 * pattern id, so a pattern that stays keeps its entries across applies */
	if (dp.dnsset != NULL)
		dp_dnsset_set_patterns(dp.dnsset, g->gen,
				       (const char (*)[DPW_DNSSET_PATTERN_LEN])g->patterns,
				       g->n_patterns);
	if (old != NULL)
		dp_gen_retire(old, free_pgen);
}

struct dp_wan_view *
dp_gen_alloc(void)
{
	return calloc(1, sizeof(struct dp_wan_view));
}

int
dp_gen_publish(void)
{
	struct dp_wan_view *v = dp_gen_alloc();

	if (v == NULL)
		return -ENOMEM;
	dp_gen_publish_view(v);
	return 0;
}

void
dp_gen_publish_view(struct dp_wan_view *v)
{
	const struct dp_wan_view *old = dp.view;
	struct dp_wan_group grp[DPW_MAX_WANS];
	uint8_t usable[DPW_MAX_WANS], standby[DPW_MAX_WANS], why[DPW_MAX_WANS];
	unsigned int w;

	memset(v, 0, sizeof(*v));
	v->gen = next_gen++;
	v->n_wans = dp.n_wans;
	for (w = 0; w < dp.n_wans; w++) {
		why[w] = (uint8_t)down_cause(&dp.wst[w]);
		grp[w].up = why[w] == DP_DOWN_NONE;
		grp[w].priority = dp.wst[w].cfg.priority;
		grp[w].independent = dp.wst[w].cfg.independent;
	}
	dp_wan_select(grp, dp.n_wans, usable, standby);
	for (w = 0; w < dp.n_wans; w++) {
		const struct dp_port *p = &dp.port[dp.wan_port[w]];
		struct dp_wan_state *ws = &dp.wst[w];
		const struct dp_wan_cfg *cf = &ws->cfg;
		struct dp_wan_entry *e = &v->wan[w];
		struct dpw_wan_shm *sw = &dp.shm->wans[w];
		struct dpw_port_shm *ps = &dp.shm->ports[dp.wan_port[w]];
		/* everything but the gateway's MAC: packets may wait for that (nbr.c hold) */
		int up = cf->configured && ws->admin && !cf->forced_down && ws->link_up &&
			 ws->health_usable;

		e->port = (uint8_t)dp.wan_port[w];
		e->port_id = p->port_id;
		e->configured = cf->configured;
		e->dhcp = cf->dhcp;
		e->mtu = cf->mtu;
		e->mss = cf->mss;
		e->addr = cf->addr;
		e->mask = cf->mask;
		e->src_mac = p->mac;
		e->gw_mac = ws->gw_mac;
		e->up = grp[w].up;
		e->usable = usable[w];
		e->standby = standby[w];
		e->health = ws->health;
		e->fail_tcp = cf->fail_tcp;
		e->fail_udp = cf->fail_udp;
		e->priority = cf->priority != 0 ? cf->priority : 1;
		e->independent = cf->independent;
		e->rtt_us = ws->rtt_us;
		e->jitter_us = ws->jitter_us;
		e->loss_permille = ws->loss_permille;
		v->lb[w].usable = e->usable;
		/* enforced ignores the health checker: configured, enabled, link, gateway */
		v->lb[w].up = cf->configured && ws->admin && !cf->forced_down && ws->link_up &&
			      ws->gw_resolved;
		v->lb[w].configured = cf->configured;
		v->lb[w].rtt_us = ws->rtt_us;
		v->lb[w].loss_permille = ws->loss_permille;
		v->lb[w].upload_kbps = cf->upload_kbps;
		v->lb[w].download_kbps = cf->download_kbps;
		v->usable_mask |= (uint8_t)(e->usable ? 1u << w : 0);
		v->usable[w] = e->usable;
		v->up[w] = e->up;
		v->weight[w] = cf->configured ? cf->weight : 0;
		v->n_usable += e->usable;
		v->n_resolving += up && !ws->gw_resolved;

		/* mirror into shared memory for the control process */
		sw->configured = cf->configured;
		sw->forced_down = cf->forced_down;
		sw->admin = ws->admin;
		sw->gw_resolved = ws->gw_resolved;
		sw->mtu = cf->mtu;
		sw->addr = rte_be_to_cpu_32(cf->addr);
		sw->gateway = rte_be_to_cpu_32(cf->gateway);
		sw->weight = cf->weight;
		ps->addr = sw->addr;
		ps->prefixlen = cf->prefixlen;
		memcpy(sw->gw_mac, ws->gw_mac.addr_bytes, 6);
		sw->health = ws->health;
		sw->health_usable = ws->health_usable;
		sw->link_up = ws->link_up;
		sw->priority = e->priority;
		sw->standby = e->standby;
		sw->rtt_us = ws->rtt_us;
		sw->jitter_us = ws->jitter_us;
		sw->loss_permille = ws->loss_permille;
		if (old == NULL || old->usable[w] != e->usable) {
			sw->usable_since_ms = dpw_now_ms();
			if (old != NULL)
				dp_send_event(DPW_EV_WAN_USABLE, w, e->usable);
			RTE_LOG(NOTICE, USER1, "wan %s is %s (%s, admin %s%s, link %s, gateway %s, "
				"health %s, priority %u)\n",
				p->name, e->usable ? "usable" : e->standby ? "standby" : "not usable",
				cf->configured ? "configured" : "unconfigured",
				ws->admin ? "up" : "down", cf->forced_down ? ", forced down" : "",
				ws->link_up ? "up" : "down",
				ws->gw_resolved ? "resolved" : "unresolved",
				dpw_wan_health_str(ws->health), e->priority);
		}
		sw->usable = e->usable;
	}
	__atomic_store_n(&dp.view, v, __ATOMIC_RELEASE);
	dp.shm->wan_view_gen = v->gen;
	/*
	 * After the store: a worker that takes the command sees this view or a later one.
	 * A WAN held back by a priority group is still up: its sessions go on.
	 */
	for (w = 0; old != NULL && w < dp.n_wans; w++) {
		if (!old->up[w] || v->up[w])
			continue;
		RTE_LOG(NOTICE, USER1, "wan %s went down (%s): TCP sessions %s\n",
			dp.port[dp.wan_port[w]].name, dp_wan_down_cause_str(why[w]),
			v->wan[w].fail_tcp == DPW_FAIL_TCP_KEEP ? "kept" : "reset");
		if (v->wan[w].fail_tcp == DPW_FAIL_TCP_RESET)
			dp_mbox_post_flush(w, v->wan[w].fail_tcp, v->wan[w].fail_udp, why[w], v->gen);
	}
	if (old != NULL)
		dp_gen_retire((void *)(uintptr_t)old, free);
	dp_recovery_check(old, v);
}
