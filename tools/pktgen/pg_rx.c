/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-pktgen receive paths. LAN receive (LANRX lcore): learn the router's MAC from its
 * ARP reply, answer ARP for our host addresses, take the round-trip latency from the
 * stamps, and turn each SYN-ACK into the handshake's ACK (handed to the GEN lcore, the
 * LAN port's only transmitter). WAN reflector (REFLECT lcore): play every gateway and
 * every server — answer any ARP request, send each IPv4 frame back with addresses and
 * ports swapped (a SYN becomes a SYN-ACK), absorb the handshake's final ACK. With
 * --queues N both poll every queue; the reflector answers on the queue a frame came in
 * on (the dataplane worker that sent it, the session's owner, gets the reply).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"
#include "tools/pktgen/pg.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806

static inline uint16_t
eth_type(const uint8_t *d)
{
	return (uint16_t)(d[12] << 8 | d[13]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void
swap_bytes(uint8_t *a, uint8_t *b, unsigned int n)
{
	uint8_t t[8];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

static inline int
our_host(uint32_t addr_be)
{
	const struct pg_conf *c = &pg.conf;
	uint32_t a = rte_be_to_cpu_32(addr_be);

	return a == c->lan_src || (a >= c->src_base && a < c->src_base + c->n_src);
}

/* Warmup: mark the flow a reply belongs to (the reply's tuple is the flow's, reversed). */
static inline void
mark_answered(const uint8_t *ip, const uint8_t *l4)
{
	const struct pg_conf *c = &pg.conf;
	uint32_t host = rte_be_to_cpu_32(rd32(ip + 16)) - c->src_base;
	uint32_t srv = rte_be_to_cpu_32(rd32(ip + 12)) - c->dst_base;
	uint32_t sp = (uint32_t)(l4[2] << 8 | l4[3]) - PG_SPORT_MIN;
	uint32_t dp = (uint32_t)(l4[0] << 8 | l4[1]) - c->dport;
	uint64_t i;

	if (host >= c->n_src || srv >= c->n_dst || sp >= PG_SPORT_N || dp > 0xffff)
		return;
	i = host + (uint64_t)c->n_src * (srv + (uint64_t)c->n_dst * (sp + (uint64_t)PG_SPORT_N * dp));
	if (i < c->flows && !pg.answered[i]) {
		pg.answered[i] = 1;
		pg.warm_answered++;
	}
}

static inline void
record(struct pg_lcore *lc, uint64_t cycles)
{
	if (cycles < pg.hz * 60)
		pg_hist_add(&lc->hist, (cycles * pg.ns_mult) >> 20);
}

/* ARP on the LAN port: the router's reply, or a request for one of our hosts. */
static int
lan_arp(struct pg_lcore *lc, struct rte_mbuf *m, uint32_t cs)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t op;
	uint32_t spa, tpa;

	if (m->data_len < 42)
		return 0;
	op = (uint16_t)(d[20] << 8 | d[21]);
	spa = rd32(d + 28);
	tpa = rd32(d + 38);
	if (op == RTE_ARP_OP_REPLY && spa == rte_cpu_to_be_32(pg.conf.gw_lan)) {
		if (!pg.router_known) {
			memcpy(&pg.router_mac, d + 22, 6);
			rte_smp_wmb();
			pg.router_known = 1;
		}
		return 0;
	}
	if (op == RTE_ARP_OP_REQUEST && our_host(tpa)) {
		struct rte_ether_addr sha;

		memcpy(&sha, d + 22, 6);
		dpw_arp_build(d, RTE_ARP_OP_REPLY, sha.addr_bytes, pg.lan_mac.addr_bytes, tpa,
			      sha.addr_bytes, spa);
		m->data_len = m->pkt_len = 60;
		m->hash.usr = 0;      /* control frames: queue 0 */
		lc->c[cs].lan_arp++;
		return 1;
	}
	return 0;
}

/*
 * A SYN-ACK from the far end: rewrite it in place into our ACK (same flow, our
 * direction), 64-byte frame, fresh checksums; hash.usr = the flow's LAN queue.
 */
static void
synack_to_ack(uint8_t *d, struct rte_mbuf *m, unsigned int ihl)
{
	uint8_t *ip = d + PG_ETH_HLEN, *l4 = ip + ihl;
	uint32_t seq = rd32(l4 + 4), ack = rd32(l4 + 8);
	uint16_t v, zero = 0;

	memcpy(d, d + 6, 6);
	memcpy(d + 6, &pg.lan_mac, 6);
	if (ihl != PG_IP_HLEN)
		memmove(ip + PG_IP_HLEN, l4, PG_TCP_HLEN);
	l4 = ip + PG_IP_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	v = rte_cpu_to_be_16(PG_IP_HLEN + PG_TCP_HLEN);
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;
	swap_bytes(ip + 12, ip + 16, 4);
	swap_bytes(l4, l4 + 2, 2);
	memcpy(l4 + 4, &ack, 4);
	ack = rte_cpu_to_be_32(rte_be_to_cpu_32(seq) + 1);
	memcpy(l4 + 8, &ack, 4);
	l4[12] = 0x50;
	l4[13] = PG_TCP_ACK;
	memset(l4 + 16, 0, 4);
	v = pg_l4_csum(ip, l4, PG_TCP_HLEN, 6);
	memcpy(l4 + 16, &v, 2);
	memcpy(ip + 10, &zero, 2);
	v = pg_ip_csum(ip);
	memcpy(ip + 10, &v, 2);
	memset(d + PG_ETH_HLEN + PG_IP_HLEN + PG_TCP_HLEN, 0, 6);
	m->data_len = m->pkt_len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;
	memcpy(&v, l4, 2);
	m->hash.usr = pg_flow_queue(rd32(ip + 12), v);
}

void
pg_lan_tx_acks(struct pg_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	unsigned int q;

	if (n == 0)
		return;
	q = rte_ring_sp_enqueue_burst(pg.lan_tx, (void **)m, n, NULL);
	if (q < n) {
		lc->c[pg_phase_cs(pg.phase)].ack_drop += n - q;
		rte_pktmbuf_free_bulk(m + q, n - q);
	}
}

/* The queue a reply's flow was sent on: its destination is the LAN client. */
static inline uint16_t
reply_queue(const uint8_t *ip, const uint8_t *l4)
{
	uint16_t port;

	memcpy(&port, l4 + 2, 2);
	return pg_flow_queue(rd32(ip + 16), port);
}

/* multi: more than one queue (a constant at each call: one queue pays nothing for it) */
static __rte_always_inline void
lanrx_burst(struct pg_lcore *lc, uint16_t queue, int phase, const int multi)
{
	struct rte_mbuf *pkts[PG_BURST], *out[PG_BURST], *gone[PG_BURST];
	uint16_t n, i, no = 0, ng = 0;
	uint32_t cs = pg_phase_cs(phase);
	struct pg_counters *c = &lc->c[cs];
	int meas = cs == PG_CS_MEAS;
	uint64_t now, rx0;

	n = rte_eth_rx_burst(pg.conf.lan, queue, pkts, PG_BURST);
	if (n == 0)
		return;
	now = rte_rdtsc();
	rx0 = c->rx;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *ip, *l4;
		unsigned int ihl, len = m->data_len;
		uint16_t type;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		type = len >= PG_ETH_HLEN ? eth_type(d) : 0;
		if (type == ETH_P_ARP) {
			if (lan_arp(lc, m, cs))
				out[no++] = m;
			else
				gone[ng++] = m;
			continue;
		}
		ip = d + PG_ETH_HLEN;
		ihl = (ip[0] & 0xf) * 4u;
		if (type != ETH_P_IPV4 || len < PG_ETH_HLEN + ihl + PG_UDP_HLEN || ihl < 20)
			goto other;
		l4 = ip + ihl;
		if (ip[9] == IPPROTO_UDP) {
			uint8_t *p = l4 + PG_UDP_HLEN;
			uint64_t tsc;

			if (len < (unsigned int)(p - d) + PG_STAMP_LEN || rd32(p) != PG_MAGIC)
				goto other;
			c->rx++;
			c->rx_bytes += m->pkt_len;
			if (multi && reply_queue(ip, l4) != queue)
				c->rx_misq++;
			if (phase == PG_PH_WARMUP)
				mark_answered(ip, l4);
			memcpy(&tsc, p + 8, 8);
			if (meas && now >= tsc)
				record(lc, now - tsc);
			gone[ng++] = m;
			continue;
		}
		if (ip[9] == IPPROTO_TCP && len >= PG_ETH_HLEN + ihl + PG_TCP_HLEN) {
			uint8_t fl = l4[13];
			uint32_t stamp = rte_be_to_cpu_32(rd32(l4 + 8));
			uint32_t now32 = (uint32_t)(now >> PG_TCP_TSC_SHIFT);

			if ((fl & (PG_TCP_SYN | PG_TCP_ACK)) == (PG_TCP_SYN | PG_TCP_ACK) &&
			    rd32(l4 + 4) == rte_cpu_to_be_32(PG_MAGIC)) {
				c->rx++;
				c->rx_bytes += m->pkt_len;
				c->synack++;
				if (multi && reply_queue(ip, l4) != queue)
					c->rx_misq++;
				if (phase == PG_PH_WARMUP)
					mark_answered(ip, l4);
				if (meas)
					record(lc, (uint64_t)(uint32_t)(now32 - (stamp - 1))
						   << PG_TCP_TSC_SHIFT);
				synack_to_ack(d, m, ihl);
				out[no++] = m;
				continue;
			}
			if (rd32(l4 + 4) == rte_cpu_to_be_32(PG_MAGIC)) {
				c->rx++;
				c->rx_bytes += m->pkt_len;
				if (multi && reply_queue(ip, l4) != queue)
					c->rx_misq++;
				if (meas)
					record(lc, (uint64_t)(uint32_t)(now32 - stamp)
						   << PG_TCP_TSC_SHIFT);
				gone[ng++] = m;
				continue;
			}
		}
other:
		c->rx_other++;
		gone[ng++] = m;
	}
	c->rx_q[queue] += c->rx - rx0;
	if (ng)
		rte_pktmbuf_free_bulk(gone, ng);
	pg_lan_tx_acks(lc, out, no);
}

void
pg_lanrx_poll(struct pg_lcore *lc, uint64_t now)
{
	unsigned int q, nq = pg.conf.queues;
	int phase = pg.phase;

	RTE_SET_USED(now);
	if (nq == 1) {
		lanrx_burst(lc, 0, phase, 0);
		return;
	}
	for (q = 0; q < nq; q++)
		lanrx_burst(lc, (uint16_t)q, phase, 1);
}

/* Reflect one frame in place; returns 0 to send it back, -1 to drop, 1 if absorbed. */
static inline int
reflect_one(struct rte_mbuf *m, const struct rte_ether_addr *mac, struct pg_counters *c)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *ip, *l4;
	unsigned int len = m->data_len, ihl, ip_len;
	uint16_t type;

	if (len < 42)
		return -1;
	type = eth_type(d);
	if (type == ETH_P_ARP) {
		uint32_t spa, tpa;
		struct rte_ether_addr sha;

		if (d[20] != 0 || d[21] != RTE_ARP_OP_REQUEST)
			return -1;
		/* we are every gateway: whatever address is asked for, it is us */
		memcpy(&sha, d + 22, 6);
		spa = rd32(d + 28);
		tpa = rd32(d + 38);
		dpw_arp_build(d, RTE_ARP_OP_REPLY, sha.addr_bytes, mac->addr_bytes, tpa, sha.addr_bytes,
			      spa);
		m->data_len = m->pkt_len = 60;
		c->refl_arp++;
		return 0;
	}
	if (type != ETH_P_IPV4)
		return -1;
	ip = d + PG_ETH_HLEN;
	ihl = (ip[0] & 0xf) * 4u;
	ip_len = (unsigned int)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || len < PG_ETH_HLEN + ihl + 8 || ip_len < ihl + 8)
		return -1;
	l4 = ip + ihl;
	swap_bytes(d, d + 6, 6);
	swap_bytes(ip + 12, ip + 16, 4);  /* checksums: the sums do not change */
	switch (ip[9]) {
	case IPPROTO_UDP:
		swap_bytes(l4, l4 + 2, 2);
		return 0;
	case IPPROTO_TCP: {
		uint8_t fl;

		if (len < PG_ETH_HLEN + ihl + PG_TCP_HLEN)
			return -1;
		fl = l4[13];
		swap_bytes(l4, l4 + 2, 2);
		swap_bytes(l4 + 4, l4 + 8, 4);  /* seq <-> ack: the stamp comes back */
		if ((fl & (PG_TCP_SYN | PG_TCP_ACK)) == PG_TCP_SYN) {
			/* SYN -> SYN-ACK: ack = their seq + 1 */
			uint32_t ack = rte_be_to_cpu_32(rd32(l4 + 8)) + 1;
			uint16_t csum, old_w, new_w;

			memcpy(&csum, l4 + 16, 2);
			memcpy(&old_w, l4 + 8, 2);
			new_w = rte_cpu_to_be_16((uint16_t)(ack >> 16));
			csum = dpw_csum_update16(csum, old_w, new_w);
			memcpy(&old_w, l4 + 10, 2);
			csum = dpw_csum_update16(csum, old_w, rte_cpu_to_be_16((uint16_t)ack));
			memcpy(&old_w, l4 + 12, 2);
			l4[13] = fl | PG_TCP_ACK;
			memcpy(&new_w, l4 + 12, 2);
			csum = dpw_csum_update16(csum, old_w, new_w);
			ack = rte_cpu_to_be_32(ack);
			memcpy(l4 + 8, &ack, 4);
			memcpy(l4 + 16, &csum, 2);
			return 0;
		}
		if ((fl & (PG_TCP_SYN | PG_TCP_FIN | PG_TCP_RST)) == 0 &&
		    ip_len == ihl + (unsigned int)(l4[12] >> 4) * 4u) {
			/* a bare ACK, such as the handshake's last: a server answers nothing */
			c->refl_acked++;
			return 1;
		}
		return 0;
	}
	case IPPROTO_ICMP:
		if (l4[0] == 8) {     /* echo request -> reply */
			uint16_t csum, old_w, new_w;

			memcpy(&old_w, l4, 2);
			l4[0] = 0;
			memcpy(&new_w, l4, 2);
			memcpy(&csum, l4 + 2, 2);
			csum = dpw_csum_update16(csum, old_w, new_w);
			memcpy(l4 + 2, &csum, 2);
			return 0;
		}
		return -1;
	default:
		return -1;
	}
}

static inline void
reflect_burst(struct pg_counters *c, unsigned int w, uint16_t queue)
{
	struct rte_mbuf *pkts[PG_BURST], *out[PG_BURST], *gone[PG_BURST];
	uint16_t port = pg.conf.wan[w], n, i, no = 0, ng = 0, sent;
	uint64_t bytes = 0;

	n = rte_eth_rx_burst(port, queue, pkts, PG_BURST);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		int rc;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		rc = reflect_one(pkts[i], &pg.wan_mac[w], c);
		if (rc == 0) {
			out[no++] = pkts[i];
			bytes += pkts[i]->pkt_len;
		} else {
			if (rc < 0)
				c->refl_drop++;
			gone[ng++] = pkts[i];
		}
	}
	if (ng)
		rte_pktmbuf_free_bulk(gone, ng);
	if (no == 0)
		return;
	/* back on the queue it came in on: the worker that sent it owns the session */
	sent = rte_eth_tx_burst(port, queue, out, no);
	if (sent < no) {
		for (i = sent; i < no; i++)
			bytes -= out[i]->pkt_len;
		c->refl_drop += no - sent;
		rte_pktmbuf_free_bulk(out + sent, no - sent);
	}
	c->refl[w] += sent;
	c->refl_q[queue] += sent;
	c->refl_bytes += bytes;
}

void
pg_reflect_poll(struct pg_lcore *lc)
{
	struct pg_counters *c = &lc->c[pg_phase_cs(pg.phase)];
	unsigned int w, q, nq = pg.conf.queues;

	for (w = 0; w < pg.conf.n_wan; w++)
		for (q = 0; q < nq; q++)
			reflect_burst(c, w, (uint16_t)q);
}
