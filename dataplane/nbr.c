/* SPDX-License-Identifier: BSD-3-Clause
 * Neighbours on the main lcore: answer ARP for our addresses, learn and refresh the WAN
 * gateways' MACs, pass every ARP frame on to the port's kernel TAP (so the kernel's own
 * neighbour table stays right), and hold new-session packets briefly while a gateway
 * is being resolved.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/inbound.h"
#include "dataplane/lnbr.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_pkt.h"

#define HOLD_MAX DP_HOLD_MAX
#define HOLD_MS 1000
#define ARP_RETRY_MS 1000
#define ARP_REFRESH_MS 30000

struct held {
	struct rte_mbuf *m;
	uint64_t deadline;
};

static struct held hold[HOLD_MAX];
static unsigned int n_hold;

static struct dpw_lcore_stats *
main_stats(void)
{
	return &dp.shm->lcore[DPW_SHM_MAIN_SLOT];
}

void
dp_inject(struct rte_mbuf *m, uint16_t port_id)
{
	m->port = port_id;
	if (rte_ring_enqueue(dp.inject, m) != 0) {
		main_stats()->drops[DPW_DROP_PUNT_FULL]++;
		rte_pktmbuf_free(m);
	}
}

/* Our address on port pidx now (network order): a WAN's is the running document's. */
static uint32_t
port_addr(unsigned int pidx)
{
	const struct dp_port *p = &dp.port[pidx];

	return p->wan >= 0 ? dp.wst[p->wan].cfg.addr : p->addr;
}

static void
send_arp_from(unsigned int pidx, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
	      uint32_t tpa, uint32_t spa)
{
	const struct dp_port *p = &dp.port[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *d;

	if (m == NULL) {
		main_stats()->drops[DPW_DROP_NO_MBUF]++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, 60);
	dpw_arp_build(d, op, eth_dst, p->mac.addr_bytes, spa, tha, tpa);
	dp_inject(m, p->port_id);
}

static void
send_arp(unsigned int pidx, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
	 uint32_t tpa)
{
	const struct dp_port *p = &dp.port[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *d;

	if (m == NULL) {
		main_stats()->drops[DPW_DROP_NO_MBUF]++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, 60);
	dpw_arp_build(d, op, eth_dst, p->mac.addr_bytes, port_addr(pidx), tha, tpa);
	dp_inject(m, p->port_id);
}

void
dp_nbr_send_arp(unsigned int pidx, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
		uint32_t tpa)
{
	send_arp(pidx, op, eth_dst, tha, tpa);
}

/* Is addr one of WAN wan's additional addresses (the running generation's)? */
static int
wan_extra(int wan, uint32_t addr)
{
	const struct dp_pgen *g = dp_pgen_get();

	return wan >= 0 && addr != 0 && g != NULL && dp_inb_extra_wan(g->inb, addr) == wan;
}

static void
to_tap(struct rte_mbuf *m, unsigned int pidx)
{
	if (rte_eth_tx_burst(dp.port[pidx].tap_id, 0, &m, 1) != 1) {
		main_stats()->drops[DPW_DROP_PUNT_FULL]++;
		rte_pktmbuf_free(m);
	}
}

void
dp_nbr_input(struct rte_mbuf *m)
{
	unsigned int pidx = m->port;
	const struct dp_port *p = &dp.port[pidx];
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct dpw_pkt_info pi;
	struct dpw_arp arp;
	unsigned int reason;

	if (dpw_pkt_parse(d, rte_pktmbuf_data_len(m), &pi, &reason) != 0 || pi.l3 != DPW_L3_ARP ||
	    dpw_arp_parse(d, rte_pktmbuf_data_len(m), pi.l3_off, &arp) != 0) {
		main_stats()->drops[DPW_DROP_BAD_ARP]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* gateway 0: a DHCP WAN without a lease, whose "gateway" every ARP probe would be */
	if (p->wan >= 0 && dp.wst[p->wan].cfg.configured && dp.wst[p->wan].cfg.gateway != 0) {
		struct dp_wan_state *ws = &dp.wst[p->wan];
		uint32_t gw = ws->cfg.gateway;

		if (arp.spa == gw) {
			ws->last_arp_reply_tsc = rte_rdtsc();
			if (!ws->gw_resolved || memcmp(&ws->gw_mac, arp.sha, 6) != 0) {
				memcpy(&ws->gw_mac, arp.sha, 6);
				ws->gw_resolved = 1;
				ws->next_arp_tsc = rte_rdtsc() + dp.tsc_hz * ARP_REFRESH_MS / 1000;
				RTE_LOG(NOTICE, USER1,
					"wan %s: gateway %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x\n",
					p->name, gw & 0xff, (gw >> 8) & 0xff, (gw >> 16) & 0xff, gw >> 24,
					arp.sha[0], arp.sha[1], arp.sha[2], arp.sha[3], arp.sha[4],
					arp.sha[5]);
				dp_gen_publish();
			}
		}
	}
	if (pidx == dp.lan && arp.spa != 0)
		dp_lnbr_learn(arp.spa, (const struct rte_ether_addr *)arp.sha);
	if (arp.op == 1 && arp.tpa != 0 && arp.tpa == port_addr(pidx))
		send_arp(pidx, 2, arp.sha, arp.sha, arp.spa);
	else if (arp.op == 1 && wan_extra(p->wan, arp.tpa))
		send_arp_from(pidx, 2, arp.sha, arp.sha, arp.spa, arp.tpa);
	to_tap(m, pidx);
}

void
dp_nbr_tick(uint64_t now)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	unsigned int w;

	for (w = 0; w < dp.n_wans; w++) {
		struct dp_wan_state *ws = &dp.wst[w];
		unsigned int pidx = dp.wan_port[w];

		if (!ws->cfg.configured || ws->cfg.gateway == 0 || !ws->link_up ||
		    now < ws->next_arp_tsc)
			continue;
		send_arp(pidx, 1, bcast, zero, ws->cfg.gateway);
		ws->next_arp_tsc = now + dp.tsc_hz *
			(ws->gw_resolved ? ARP_REFRESH_MS : ARP_RETRY_MS) / 1000;
	}
}

void
dp_hold_input(struct rte_mbuf *m, uint64_t now)
{
	if (n_hold == HOLD_MAX) {
		main_stats()->drops[DPW_DROP_NO_GATEWAY_MAC]++;
		rte_pktmbuf_free(m);
		return;
	}
	hold[n_hold].m = m;
	hold[n_hold].deadline = now + dp.tsc_hz * HOLD_MS / 1000;
	n_hold++;
}

void
dp_hold_tick(uint64_t now)
{
	const struct dp_wan_view *v = dp_view_get();
	unsigned int i, j = 0;

	for (i = 0; i < n_hold; i++) {
		struct rte_mbuf *m = hold[i].m;

		if (v->n_usable > 0) {
			uint32_t wk = m->hash.usr < dp.n_workers ? m->hash.usr : 0;

			if (rte_ring_enqueue(dp.workers[wk]->handoff, m) != 0) {
				main_stats()->drops[DPW_DROP_HANDOFF_FULL]++;
				rte_pktmbuf_free(m);
			}
		} else if (now >= hold[i].deadline) {
			main_stats()->drops[DPW_DROP_NO_GATEWAY_MAC]++;
			rte_pktmbuf_free(m);
		} else {
			hold[j++] = hold[i];
		}
	}
	n_hold = j;
}

void
dp_nbr_to_tap(struct rte_mbuf *m, unsigned int pidx)
{
	to_tap(m, pidx);
}
