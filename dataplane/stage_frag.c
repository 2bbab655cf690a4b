/* SPDX-License-Identifier: BSD-3-Clause
 * IP fragments on a worker lcore (shallow virtual reassembly, frag.h): every fragment
 * of a datagram is brought to one worker (a hash of the datagram's key, the same on
 * every worker), the first is classified by the LAN or WAN stage like any packet and
 * its verdict is applied to the others, held until then or arriving after. The kernel
 * never reassembles, and neither do we: fragments leave as they came, translated.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/worker.h"

#define DP_MAX_FRAGS 8

static inline uint64_t
now_ms(void)
{
	return (rte_rdtsc() - dp.start_tsc) / (dp.tsc_hz / 1000);
}

void
dp_fragment_tx(struct dp_worker *w, struct rte_mbuf *m, uint16_t mtu, unsigned int pidx)
{
	struct rte_mbuf *frags[DP_MAX_FRAGS];
	uint8_t eth[DPW_ETH_HLEN];
	int n, i;

	memcpy(eth, rte_pktmbuf_mtod(m, uint8_t *), DPW_ETH_HLEN);
	rte_pktmbuf_adj(m, DPW_ETH_HLEN);
	/* copies into direct single-segment mbufs: what TX fast free (port.c) requires;
	 * experimental in DPDK 22.11, hence ALLOW_EXPERIMENTAL_API for the dataplane. A
	 * fragment is cut again with its offset and MF kept. */
	m->l2_len = 0;
	m->l3_len = (uint8_t)((rte_pktmbuf_mtod(m, uint8_t *)[0] & 0xf) * 4);
	n = rte_ipv4_fragment_copy_nonseg_packet(m, frags, DP_MAX_FRAGS, mtu, dp.pool);
	rte_pktmbuf_free(m);
	if (n < 0) {
		w->st->drops[DPW_DROP_FRAG_NEEDED]++;
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(frags[i], struct rte_ipv4_hdr *);
		uint8_t *d;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		d = (uint8_t *)rte_pktmbuf_prepend(frags[i], DPW_ETH_HLEN);
		if (d == NULL) {
			dp_drop(w, frags[i], DPW_DROP_NO_MBUF);
			continue;
		}
		memcpy(d, eth, DPW_ETH_HLEN);
		w->st->fragments_sent++;
		dp_tx(w, pidx, frags[i]);
	}
}

/* A non-first fragment gets what its datagram's first got. */
static void
apply(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx, const struct dpw_pkt_info *pi,
      const struct dp_frag_xlate *x)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *ip = d + pi->l3_off;
	uint32_t old;
	uint16_t csum;

	switch (x->verdict) {
	case DP_FRAG_FORWARD:
		if (pi->ttl <= 1) {   /* no ICMP about a non-first fragment (RFC 1812) */
			dp_drop(w, m, DPW_DROP_TTL_EXCEEDED);
			return;
		}
		/* the L4 checksum covers the whole datagram: its first fragment carried it */
		memcpy(&old, ip + (x->change_src ? 12 : 16), 4);
		memcpy(ip + (x->change_src ? 12 : 16), &x->addr, 4);
		memcpy(&csum, ip + 10, 2);
		csum = dpw_csum_update32(csum, old, x->addr);
		memcpy(ip + 10, &csum, 2);
		dpw_ipv4_dec_ttl(ip);
		memcpy(d, x->dst_mac, 6);
		memcpy(d + 6, x->src_mac, 6);
		w->st->fragments_translated++;
		if (x->change_src && x->arg < DPW_MAX_WANS) {
			w->st->wan_tx_pkts[x->arg]++;
			w->st->wan_tx_bytes[x->arg] += rte_pktmbuf_pkt_len(m);
		}
		if (unlikely(pi->ip_len > x->mtu)) {
			dp_fragment_tx(w, m, x->mtu, x->out_port);
			return;
		}
		dp_tx(w, x->out_port, m);
		return;
	case DP_FRAG_HANDOFF:
		dp_handoff(w, m, pidx, x->arg);
		return;
	case DP_FRAG_PUNT:
		dp_punt(w, m, pidx, x->arg);
		return;
	default:
		dp_drop(w, m, DPW_DROP_FRAG_DATAGRAM_DROPPED);
		return;
	}
}

static void
drop_held(struct dp_worker *w, struct dp_frag_ctx *c, unsigned int reason)
{
	unsigned int i;

	for (i = 0; i < c->n_held; i++)
		dp_drop(w, c->held[i], reason);
	w->frag_held -= c->n_held;
	c->n_held = 0;
}

/* Apply the verdict to what was held; free the context once the datagram is whole. */
static void
release_held(struct dp_worker *w, struct dp_frag_ctx *c, unsigned int pidx)
{
	unsigned int i, reason;

	for (i = 0; i < c->n_held; i++) {
		struct rte_mbuf *m = c->held[i];
		struct dpw_pkt_info pi;

		if (dpw_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &pi,
				  &reason) != 0) {
			dp_drop(w, m, reason);
			continue;
		}
		apply(w, m, pidx, &pi, &c->x);
	}
	w->frag_held -= c->n_held;
	c->n_held = 0;
}

void
dp_frag_first_done(struct dp_worker *w, struct dp_frag_ctx *c, unsigned int pidx)
{
	release_held(w, c, pidx);
	if (dp_frag_complete(c))
		dp_frag_release(w->frag, c);
}

void
dp_frag_note_forward(struct dp_frag_ctx *c, int change_src, uint32_t addr,
		     unsigned int out_port, uint16_t mtu, const struct rte_ether_addr *dst,
		     const struct rte_ether_addr *src, unsigned int wan)
{
	c->x.verdict = DP_FRAG_FORWARD;
	c->x.change_src = (uint8_t)change_src;
	c->x.addr = addr;
	c->x.out_port = (uint8_t)out_port;
	c->x.mtu = mtu;
	c->x.arg = (uint8_t)wan;
	memcpy(c->x.dst_mac, dst, 6);
	memcpy(c->x.src_mac, src, 6);
}

int
dp_frag_input(struct dp_worker *w, struct rte_mbuf *m, unsigned int pidx,
	      const struct dpw_pkt_info *pi, int owned, struct dp_frag_ctx **first)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + pi->l3_off;
	uint32_t off8 = pi->frag & DPW_IP_OFFMASK, bytes = pi->l4_len;
	int mf = (pi->frag & DPW_IP_MF) != 0, rc;
	struct dp_flow_key k;
	struct dp_frag_ctx *c;
	uint16_t id;

	*first = NULL;
	/* every fragment but the last carries a multiple of 8 bytes (RFC 791) */
	if (bytes == 0 || (mf && (bytes & 7) != 0)) {
		dp_drop(w, m, DPW_DROP_FRAG_BAD);
		return 0;
	}
	memcpy(&id, ip + 4, 2);
	k = dp_frag_key(pi->src, pi->dst, id, pi->proto, (uint8_t)pidx);
	if (dp.n_workers > 1 && !owned) {
		unsigned int o = dp_frag_owner(&k, dp.n_workers);

		if (o != w->idx) {
			dp_handoff(w, m, pidx, o);
			return 0;
		}
	}
	c = dp_frag_get(w->frag, &k, now_ms());
	if (c == NULL) {
		dp_drop(w, m, DPW_DROP_FRAG_TABLE_FULL);
		return 0;
	}
	if (c->x.verdict == DP_FRAG_DROP) {
		dp_drop(w, m, DPW_DROP_FRAG_DATAGRAM_DROPPED);
		return 0;
	}
	/* a TCP fragment at offset 8 rewrites the flags of the header (RFC 1858, 3128) */
	if (pi->proto == DPW_IPPROTO_TCP && off8 == 1) {
		c->x.verdict = DP_FRAG_DROP;
		drop_held(w, c, DPW_DROP_FRAG_DATAGRAM_DROPPED);
		dp_drop(w, m, DPW_DROP_FRAG_TINY);
		return 0;
	}
	rc = dp_frag_add(c, off8, (bytes + 7) / 8, bytes, !mf);
	if (rc == DP_FRAG_DUPLICATE) {
		dp_drop(w, m, DPW_DROP_FRAG_DUPLICATE);
		return 0;
	}
	if (rc != DP_FRAG_OK) {
		drop_held(w, c, DPW_DROP_FRAG_DATAGRAM_DROPPED);
		dp_drop(w, m, DPW_DROP_FRAG_OVERLAP);
		return 0;
	}
	if (off8 == 0) {
		*first = c;     /* the stage classifies it and sets c->x */
		return 1;
	}
	if (c->x.verdict == DP_FRAG_PENDING) {
		if (w->frag_held >= DP_FRAG_HELD_PER_WORKER || dp_frag_hold(c, m) != 0) {
			c->x.verdict = DP_FRAG_DROP;
			drop_held(w, c, DPW_DROP_FRAG_DATAGRAM_DROPPED);
			dp_drop(w, m, DPW_DROP_FRAG_HELD_FULL);
			return 0;
		}
		w->frag_held++;
		w->st->fragments_held++;
		return 0;
	}
	apply(w, m, pidx, pi, &c->x);
	if (dp_frag_complete(c))
		dp_frag_release(w->frag, c);
	return 0;
}

static void
drop_expired(void *arg, void *pkt)
{
	struct dp_worker *w = arg;

	w->frag_held--;
	dp_drop(w, pkt, DPW_DROP_FRAG_TIMEOUT);
}

void
dp_frag_tick(struct dp_worker *w)
{
	dp_frag_sweep(w->frag, now_ms(), 64, drop_expired, w);
}
