/* SPDX-License-Identifier: BSD-3-Clause
 * The worker lcore loop: read the WAN view once per iteration, receive a burst from
 * each port's queue of this worker and from the handoff ring, run the stages, poll the
 * mailbox (a chunk of a failed WAN's sweep or of a session listing), flush the transmit
 * buffers, expire a slice of sessions, report RCU quiescence, and sleep only when idle
 * and configured to. Never blocks, never takes a lock.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dataplane/worker.h"

#define SWEEP_EVERY 64      /* iterations between expiry slices */
#define MBOX_EVERY 16       /* iterations between two looks at the mailbox */
#define SWEEP_PERIOD_S 4    /* the whole session table is checked this often */

void
dp_worker_flush(struct dp_worker *w, unsigned int pidx)
{
	struct dp_txq *q = &w->txq[pidx];
	uint16_t sent, i;
	uint64_t bytes = 0;

	if (q->n == 0)
		return;
	for (i = 0; i < q->n; i++)
		bytes += rte_pktmbuf_pkt_len(q->m[i]);
	sent = rte_eth_tx_burst(dp.port[pidx].port_id, (uint16_t)w->idx, q->m, q->n);
	if (unlikely(sent < q->n)) {
		for (i = sent; i < q->n; i++) {
			bytes -= rte_pktmbuf_pkt_len(q->m[i]);
			rte_pktmbuf_free(q->m[i]);
		}
		w->st->drops[DPW_DROP_TX_FULL] += q->n - sent;
	}
	w->st->tx_pkts += sent;
	w->st->tx_bytes += bytes;
	q->n = 0;
}

/* Frames the main lcore wants on the wire (from the TAPs, ARP). Worker 0 only. */
static uint16_t
drain_inject(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, i, j;

	n = rte_ring_dequeue_burst(dp.inject, (void **)pkts, DP_BURST, NULL);
	for (i = 0; i < n; i++) {
		for (j = 0; j < dp.n_ports; j++)
			if (dp.port[j].port_id == pkts[i]->port)
				break;
		if (j == dp.n_ports) {
			dp_drop(w, pkts[i], DPW_DROP_TX_FULL);
			continue;
		}
		w->st->injected++;
		dp_tx(w, j, pkts[i]);
	}
	return (uint16_t)n;
}

static uint16_t
drain_handoff(struct dp_worker *w, const struct dp_wan_view *v)
{
	struct rte_mbuf *pkts[DP_BURST], *lan[DP_BURST], *wan[DP_BURST];
	unsigned int n, i, nl = 0;

	n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, DP_BURST, NULL);
	if (n == 0)
		return 0;
	w->st->handoff_in += n;
	for (i = 0; i < n; i++)
		if (pkts[i]->port == dp.lan)
			lan[nl++] = pkts[i];
	if (nl) {
		/* LAN packets are handed over only as fragments, to their datagram's worker */
		w->handed = 1;
		dp_stage_lan(w, v, lan, (uint16_t)nl);
		w->handed = 0;
	}
	/* WAN packets come one port at a time: group by port */
	for (unsigned int p = 0; p < dp.n_ports; p++) {
		unsigned int nw = 0;

		if (p == dp.lan)
			continue;
		for (i = 0; i < n; i++)
			if (pkts[i]->port == p)
				wan[nw++] = pkts[i];
		if (nw)
			dp_stage_wan(w, v, p, wan, (uint16_t)nw, 1);
	}
	return (uint16_t)n;
}

static uint16_t
drain_relay(struct dp_worker *w, const struct dp_wan_view *v)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst(w->relay, (void **)pkts, DP_BURST, NULL);
	if (n == 0)
		return 0;
	w->st->handoff_in += n;
	w->relaying = 1;
	dp_stage_lan(w, v, pkts, (uint16_t)n);
	w->relaying = 0;
	return (uint16_t)n;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t hz = dp.tsc_hz, t0, t1, last_sweep = rte_rdtsc(), sweep_carry = 0;
	uint64_t sweep_period = hz * SWEEP_PERIOD_S;
	unsigned int p;

	rte_rcu_qsbr_thread_register(dp.qsbr, w->idx);
	rte_rcu_qsbr_thread_online(dp.qsbr, w->idx);
	RTE_LOG(INFO, USER1, "worker %u on lcore %u: %u sessions, NAT ports %u-%u\n",
		w->idx, w->lcore, w->ct.capacity, w->nat.lo, w->nat.hi);

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		const struct dp_wan_view *v = dp_view_get();
		uint32_t moved = 0;
		int sweeping;

		t0 = rte_rdtsc();
		w->now = (uint32_t)((t0 - dp.start_tsc) / hz);
		w->iter++;
		for (p = 0; p < dp.n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(dp.port[p].port_id, (uint16_t)w->idx, pkts,
						      DP_BURST);
			uint16_t i;

			if (n == 0)
				continue;
			moved += n;
			w->st->rx_pkts += n;
			for (i = 0; i < n; i++)
				w->st->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
			if (p == dp.lan)
				dp_stage_lan(w, v, pkts, n);
			else
				dp_stage_wan(w, v, p, pkts, n, 0);
		}
		moved += drain_handoff(w, v);
		if (dp.n_workers > 1)
			moved += drain_relay(w, v);
		if (w->idx == 0)
			moved += drain_inject(w);
		/* commands are rare (one per WAN transition): look every MBOX_EVERY
		 * iterations, and at every one while a sweep or a listing is going on */
		sweeping = 0;
		if ((w->iter % MBOX_EVERY) == 0 || w->flush.mask != 0 || w->dump.active)
			sweeping = dp_mbox_worker_poll(w, v);
		for (p = 0; p < dp.n_ports; p++)
			dp_worker_flush(w, p);

		if ((w->iter % SWEEP_EVERY) == 0) {
			uint32_t budget = dp_ct_sweep_budget(&w->ct, t0 - last_sweep, sweep_period,
							     &sweep_carry);
			uint32_t gone = dp_ct_sweep(&w->ct, w->now, budget);

			last_sweep = t0;
			dp_frag_tick(w);
			w->st->sess_closed += gone;
			w->st->sess_active = dp_ct_count(&w->ct);
		}
		w->st->iterations++;
		rte_rcu_qsbr_quiescent(dp.qsbr, w->idx);
		if (moved) {
			t1 = rte_rdtsc();
			w->st->busy_cycles += t1 - t0;
			w->st->busy_pkts += moved;
		} else if (dp.conf.idle_sleep_us && !sweeping) {
			rte_delay_us_sleep(dp.conf.idle_sleep_us);
		}
	}
	rte_rcu_qsbr_thread_offline(dp.qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(dp.qsbr, w->idx);
	return 0;
}
