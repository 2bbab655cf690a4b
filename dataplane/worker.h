/* SPDX-License-Identifier: BSD-3-Clause
 * Helpers shared by the worker's pipeline stages: transmit buffering, drops, punts to the
 * exception path, handoff to the owning worker, and the NAT header rewrite. Worker lcores
 * only; every function works on the calling worker's own state.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/inbound.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

void dp_worker_flush(struct dp_worker *w, unsigned int pidx);

/* What a stage keeps about one packet of a burst between its passes. */
struct dp_pkt_ctx {
	struct dpw_pkt_info pi;
	struct dp_flow_key key;
	uint64_t hash;
	uint32_t cand;            /* peeked flow-table entry */
	int icmp_err;             /* key is the flow of the packet an ICMP error quotes */
	struct dp_frag_ctx *fctx; /* a datagram's first fragment: its verdict goes here */
	const struct dp_inb_svc *svc; /* WAN side: the port forward its destination names */
	uint32_t inb_to;          /* WAN side, 1:1 or a forwarding-mode WAN: the LAN host a
				   * first packet opens a session to (network order) */
	uint8_t inb_xlate;        /* WAN side: what a first packet opens (DP_XLATE_DNAT,
				   * ONE2ONE, ROUTE), DP_XLATE_NONE: nothing inbound */
	uint16_t nat_avoid;       /* LAN side: a NAT port the new session must not take (host
				   * order, 0: none) */
	struct dpw_pkt_inner in;
};

/* The key of the session an ICMP error is about: the quoted packet's flow, reversed. */
static inline void
dp_key_from_quoted(struct dp_pkt_ctx *c)
{
	c->icmp_err = 1;
	c->key.src = c->in.dst;
	c->key.dst = c->in.src;
	c->key.sport = c->in.dport;
	c->key.dport = c->in.sport;
	c->key.proto = c->in.proto;
}

/* Hash the key and prefetch its buckets (first pass of a bulk lookup). */
static inline void
dp_key_hash(struct dp_worker *w, struct dp_pkt_ctx *c)
{
	c->hash = dp_ct_hash(&c->key);
	dp_ct_prefetch(&w->ct, c->hash);
}

static inline void
dp_tx(struct dp_worker *w, unsigned int pidx, struct rte_mbuf *m)
{
	struct dp_txq *q = &w->txq[pidx];

	q->m[q->n++] = m;
	if (q->n == RTE_DIM(q->m))
		dp_worker_flush(w, pidx);
}

static inline void
dp_drop(struct dp_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->st->drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Does the class's policer let one more packet through now? */
static inline int
dp_punt_allowed(struct dp_worker *w, unsigned int cls)
{
	/* packets, not bytes: a length of 1 makes the meter count them */
	if (rte_meter_srtcm_color_blind_check(&w->punt_meter[cls], &dp.punt_prof[cls],
					      rte_rdtsc(), 1) == RTE_COLOR_GREEN)
		return 1;
	w->st->punt_policed[cls]++;
	return 0;
}

/*
 * Hand a frame received on port index pidx to the main lcore for the kernel TAP, as
 * punt class cls (enum dpw_punt_class), within that class's rate.
 */
static inline void
dp_punt(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx, unsigned int cls)
{
	if (!dp_punt_allowed(w, cls)) {
		dp_drop(w, m, DPW_DROP_PUNT_POLICED);
		return;
	}
	m->port = (uint16_t)pidx;
	if (rte_ring_enqueue(dp.slow, m) != 0) {
		dp_drop(w, m, DPW_DROP_PUNT_FULL);
		return;
	}
	w->st->punted++;
	w->st->punt_class[cls]++;
}

/* ARP has a ring (and a policer) of its own, so other punted traffic cannot starve it. */
static inline void
dp_punt_arp(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx)
{
	if (!dp_punt_allowed(w, DPW_PUNT_ARP)) {
		dp_drop(w, m, DPW_DROP_PUNT_POLICED);
		return;
	}
	m->port = (uint16_t)pidx;
	if (rte_ring_enqueue(dp.arp, m) != 0) {
		dp_drop(w, m, DPW_DROP_PUNT_FULL);
		return;
	}
	w->st->punted++;
	w->st->punt_class[DPW_PUNT_ARP]++;
}

/*
 * The first checks of every received frame, common to both stages: a contiguous mbuf,
 * a bounds-checked parse, no 802.1Q tag, ARP to the main lcore. Returns 0 when the
 * packet goes on, nonzero when it was consumed (dropped or punted).
 */
static inline int
dp_rx_prologue(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx,
	       struct dpw_pkt_info *pi)
{
	unsigned int reason;

	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) != 0) {
		dp_drop(w, m, DPW_DROP_NO_MBUF);
		return 1;
	}
	if (dpw_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), pi,
			  &reason) != 0) {
		dp_drop(w, m, reason);
		return 1;
	}
	if (unlikely(pi->has_vlan)) {
		dp_drop(w, m, DPW_DROP_VLAN);
		return 1;
	}
	if (pi->l3 == DPW_L3_ARP) {
		dp_punt_arp(w, m, pidx);
		return 1;
	}
	return 0;
}

/* Give a WAN-side packet to the worker whose NAT slice holds its port. */
static inline void
dp_handoff(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx, unsigned int owner)
{
	m->port = (uint16_t)pidx;
	if (rte_ring_enqueue(dp.workers[owner]->handoff, m) != 0) {
		dp_drop(w, m, DPW_DROP_HANDOFF_FULL);
		return;
	}
	w->st->handoff_out++;
}

/*
 * Window tracking of a TCP packet of session s seen in direction dir. Returns 0, or
 * nonzero when it was dropped (a RST or FIN outside the window).
 */
static inline int
dp_track_tcp(struct dp_worker *w, struct dp_sess *s, int dir, struct rte_mbuf *m,
	     const struct dpw_pkt_info *pi)
{
	struct dp_tcp_seg g = {
		.seq = pi->tcp_seq,
		.ack = pi->tcp_ack,
		.len = (uint32_t)pi->l4_len - pi->tcp_hlen,
		.win = pi->tcp_win,
		.flags = pi->tcp_flags,
		.wscale = pi->tcp_wscale,
	};

	if (dp_tcp_track(s, dir, &g) == 0)
		return 0;
	dp_drop(w, m, DPW_DROP_TCP_OUT_OF_WINDOW);
	return 1;
}

static inline void
dp_set_eth(uint8_t *d, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	memcpy(d, dst, 6);
	memcpy(d + 6, src, 6);
}

/*
 * Rewrite one side of a translated packet: the source (change_src) or destination
 * address to addr, and (ports) the matching port (ICMP query: the identifier) to port,
 * with incremental updates of the IP and L4 checksums. Values in network byte order.
 */
static inline void
nat_rewrite(uint8_t *d, const struct dpw_pkt_info *pi, int change_src, uint32_t addr,
	    uint16_t port, int ports)
{
	uint8_t *ip = d + pi->l3_off, *l4 = d + pi->l4_off;
	uint8_t *aptr = ip + (change_src ? 12 : 16);
	uint32_t old_addr;
	uint16_t csum, old_port;

	memcpy(&old_addr, aptr, 4);
	memcpy(aptr, &addr, 4);
	memcpy(&csum, ip + 10, 2);
	csum = dpw_csum_update32(csum, old_addr, addr);
	memcpy(ip + 10, &csum, 2);

	switch (pi->proto) {
	case DPW_IPPROTO_TCP:
		memcpy(&old_port, l4 + (change_src ? 0 : 2), 2);
		if (!ports)
			port = old_port;
		memcpy(l4 + (change_src ? 0 : 2), &port, 2);
		memcpy(&csum, l4 + 16, 2);
		csum = dpw_csum_update32(csum, old_addr, addr);
		csum = dpw_csum_update16(csum, old_port, port);
		memcpy(l4 + 16, &csum, 2);
		break;
	case DPW_IPPROTO_UDP:
		memcpy(&old_port, l4 + (change_src ? 0 : 2), 2);
		if (!ports)
			port = old_port;
		memcpy(l4 + (change_src ? 0 : 2), &port, 2);
		memcpy(&csum, l4 + 6, 2);
		if (csum != 0) {  /* 0: no checksum, stays so */
			csum = dpw_csum_update32(csum, old_addr, addr);
			csum = dpw_csum_update16(csum, old_port, port);
			if (csum == 0)
				csum = 0xffff;
			memcpy(l4 + 6, &csum, 2);
		}
		break;
	case DPW_IPPROTO_ICMP:
		if (!ports)
			break;   /* no pseudo-header in ICMP's checksum */
		memcpy(&old_port, l4 + 4, 2);
		memcpy(l4 + 4, &port, 2);
		memcpy(&csum, l4 + 2, 2);
		csum = dpw_csum_update16(csum, old_port, port);
		memcpy(l4 + 2, &csum, 2);
		break;
	default:
		break;
	}
}

static inline void
dp_nat_rewrite(uint8_t *d, const struct dpw_pkt_info *pi, int change_src, uint32_t addr,
	       uint16_t port)
{
	nat_rewrite(d, pi, change_src, addr, port, 1);
}

/* What session s's packets of one direction become: the address (and, but for 1:1,
 * which keeps ports, the port) of the other direction's key; routed: nothing. */
static inline void
dp_sess_rewrite(uint8_t *d, const struct dpw_pkt_info *pi, const struct dp_sess *s,
		int change_src, uint32_t addr, uint16_t port)
{
	if (s->xlate == DP_XLATE_ROUTE)
		return;
	nat_rewrite(d, pi, change_src, addr, port, s->xlate != DP_XLATE_ONE2ONE);
}

/*
 * IP fragments (stage_frag.c). dp_frag_input takes a fragment received on port pidx
 * (owned: handed over by another worker, already at its datagram's worker): returns 1
 * for the first fragment, which the stage then classifies, setting (*first)->x - by
 * dp_frag_note_forward when it sends it, else the verdict it chose - and calls
 * dp_frag_first_done; 0 when the fragment was consumed (held, sent, handed, dropped).
 */
int dp_frag_input(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx,
		  const struct dpw_pkt_info *pi, int owned, struct dp_frag_ctx **first);
void dp_frag_first_done(struct dp_worker *w, struct dp_frag_ctx *c, unsigned int pidx);
void dp_frag_note_forward(struct dp_frag_ctx *c, int change_src, uint32_t addr,
			  unsigned int out_port, uint16_t mtu, const struct rte_ether_addr *dst,
			  const struct rte_ether_addr *src, unsigned int wan);
/* The stage dropped a datagram's first fragment (c may be NULL: not a fragment). */
static inline void
dp_frag_abandon(struct dp_worker *w, struct dp_frag_ctx *c, unsigned int pidx)
{
	if (c == NULL)
		return;
	c->x.verdict = DP_FRAG_DROP;
	dp_frag_first_done(w, c, pidx);
}

/*
 * Before the last pass classifies a datagram's first fragment m (c may be NULL: not a
 * fragment): returns 1 when the datagram was poisoned meanwhile (an overlapping
 * fragment in the same burst) and m was dropped; else the verdict is DROP until the
 * stage sets another.
 */
static inline int
dp_frag_first_begin(struct dp_worker *w, struct dp_frag_ctx *c, struct rte_mbuf *m,
		    unsigned int pidx)
{
	if (c == NULL)
		return 0;
	if (c->x.verdict != DP_FRAG_PENDING) {
		dp_drop(w, m, DPW_DROP_FRAG_DATAGRAM_DROPPED);
		dp_frag_first_done(w, c, pidx);
		return 1;
	}
	c->x.verdict = DP_FRAG_DROP;
	return 0;
}

/* Expire datagrams whose fragments did not all come in time. Every few iterations. */
void dp_frag_tick(struct dp_worker *w);
/* Send m (Ethernet + IPv4, DF clear) out of port pidx in pieces that fit mtu. */
void dp_fragment_tx(struct dp_worker *w, struct rte_mbuf *m, uint16_t mtu, unsigned int pidx);

/*
 * Mailbox (mbox.c). dp_mbox_worker_poll: take the main lcore's commands and do the next
 * bounded chunk of any sweep in progress; returns nonzero while one is (the worker
 * should not idle-sleep). dp_sess_reset: send the LAN host of TCP session s a RST with
 * seq and ack (host order), count it, and close the session (it keeps its NAT port).
 */
int dp_mbox_worker_poll(struct dp_worker *w, const struct dp_wan_view *v);
void dp_sess_reset(struct dp_worker *w, struct dp_sess *s, uint32_t seq, uint32_t ack);

/*
 * NAT stage (stage_nat.c). dp_nat_create: bind a port of WAN wan's address for c's flow
 * and create its session (counted), or drop m and return NULL. dp_nat_fastest_copies:
 * fastest response: a shadow session and a copy of m (not yet rewritten) out of each
 * usable WAN of also_mask but s's own. dp_nat_fastest_answer: the first answer to s
 * (main or shadow) decides: returns the session the answer belongs to now, NULL for a
 * late answer (its shadow is gone).
 */
struct dp_sess *dp_nat_create(struct dp_worker *w, const struct dp_wan_view *v,
			      struct rte_mbuf *m, struct dp_pkt_ctx *c, unsigned int wan);
void dp_nat_fastest_copies(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
			   struct dp_pkt_ctx *c, struct dp_sess *s, uint8_t also_mask);
struct dp_sess *dp_nat_fastest_answer(struct dp_worker *w, struct dp_sess *s);

/* A free NAT port of this worker's slice for reply (all of it but dport set), the one
 * of want (network order) if free: 0 with reply->dport set, or -ENOSPC. */
int dp_nat_bind(struct dp_worker *w, struct dp_flow_key *reply, uint16_t want);

/*
 * An epoch-stamped counter slot in shared memory (dpw_policy_stats, dpw_inb_stats: the
 * epoch first, nothing but counters after it, size bytes in all) started again when
 * the generation's epoch is new. Readers sum the slots stamped with the current epoch
 * and skip one while it is being cleared (epoch 0).
 */
_Static_assert(__builtin_offsetof(struct dpw_policy_stats, epoch) == 0 &&
	       __builtin_offsetof(struct dpw_inb_stats, epoch) == 0, "the epoch comes first");

static inline void
dp_epoch_slot(volatile uint64_t *slot, size_t size, uint64_t epoch)
{
	if (likely(*slot == epoch))
		return;
	*slot = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset((uint8_t *)(uintptr_t)slot + sizeof(*slot), 0, size - sizeof(*slot));
	__atomic_store_n(slot, epoch, __ATOMIC_RELEASE);
}

/*
 * This worker's service and firewall counters, started again with a generation of a
 * new inbound epoch (dpw_inb_stats). A worker without counters (component tests)
 * counts into a sink nobody reads.
 */
static inline struct dpw_inb_stats *
dp_inb_stats(struct dp_worker *w, const struct dp_pgen *g)
{
	static struct dpw_inb_stats sink;
	struct dpw_inb_stats *is = w->is != NULL ? w->is : &sink;

	if (g != NULL && w->is != NULL)
		dp_epoch_slot(&is->epoch, sizeof(*is), g->inb_epoch);
	return is;
}

/*
 * Inbound access (stage_inb.c). dp_inb_open: a first packet from the WAN port of WAN
 * wan that c->inb_xlate says opens a session: to c->svc's next server (a port forward,
 * DNAT), to c->inb_to (a 1:1 host, or a LAN host behind a forwarding-mode WAN), under
 * the inbound firewall and the DoS limits; the session (counted), or m dropped and NULL.
 */
struct dp_sess *dp_inb_open(struct dp_worker *w, unsigned int wan, struct rte_mbuf *m,
			    struct dp_pkt_ctx *c);

/*
 * Hairpin NAT: a LAN packet (TCP or UDP, not a fragment, c->pi parsed) to a service
 * through a public address, or a server's answer to the LAN address's NAT port of such
 * a session. The client's packets go to the server from the LAN address and a NAT port
 * of this worker's, the server's answers back from the public address. Returns 1 when
 * it consumed m (sent, handed to the NAT port's worker, dropped), 0 when m is not
 * hairpin traffic (the router's own, or nothing of a service).
 */
int dp_hairpin(struct dp_worker *w, const struct dp_wan_view *v, const struct dp_inb *ib,
	       struct rte_mbuf *m, struct dp_pkt_ctx *c);

/* Stages (one file each). */
void dp_stage_lan(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf **pkts,
		  uint16_t n);
void dp_stage_wan(struct dp_worker *w, const struct dp_wan_view *v, unsigned int pidx,
		  struct rte_mbuf **pkts, uint16_t n, int owned);

/*
 * Turn m into an ICMP error (type, code, mtu) about itself, from src (network order),
 * and send it back out port pidx to the frame's source MAC. Counts `reason` as the
 * original's drop reason.
 */
void dp_icmp_reply_error(struct dp_worker *w, struct rte_mbuf *m, const struct dpw_pkt_info *pi,
			 unsigned int pidx, uint8_t type, uint8_t code, uint16_t mtu,
			 uint32_t src, unsigned int reason);

/*
 * Translate an ICMP error about a NATed flow: the outer address on one side and the
 * quoted packet's address and port on the other. to_lan: the error came from the WAN and
 * goes to the LAN host. Recomputes the ICMP checksum.
 */
void dp_icmp_translate_error(uint8_t *d, const struct dpw_pkt_info *pi,
			     const struct dpw_pkt_inner *in, int to_lan, uint32_t addr,
			     uint16_t port);

#endif
