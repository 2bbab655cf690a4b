/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-pktgen generator, on the GEN lcore (the main lcore): resolve the router's MAC
 * by ARP, send every flow once (warmup) and wait for the replies, then send the measured
 * traffic at the configured rate from pools of prebuilt frames, stamping each frame with
 * the TSC for the round-trip latency. It is also the only lcore that transmits on the
 * LAN port: ACKs and ARP replies built by the LAN receive lcore come through a ring.
 * With --queues N every flow has its LAN queue (pg_flow_queue) and a burst is sent as
 * per-queue sub-bursts; ARP goes on queue 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lib/pkt/dpw_pkt.h"
#include "tools/pktgen/pg.h"

#define TX_POOL_MBUFS 8191
#define POOL_CACHE 256
#define ARP_RETRY_MS 100
#define ARP_GIVE_UP_MS 5000
#define DRAIN_MS 200
#define BUCKET_DEPTH 64.0
#define PG_NF_DPORTS 16

/* 7:4:1 of 64/594/1518, interleaved so that a burst is already a mix. */
static const uint8_t imix_pattern[12] = { 0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1 };
static const unsigned int imix_sizes[PG_IMIX_N] = { 64, 594, 1518 };

struct gen_state {
	uint64_t next_arp;
	uint64_t seq;                 /* stamp sequence */
	uint32_t flow_idx;            /* established: next flow */
	uint32_t imix_pos;
	/* new flows: the digits of the tuple counter (see next_new_flow) */
	uint32_t nf_sport, nf_src_hi, nf_src_lo, nf_dst, nf_dport;
	double tokens;
	double tok_per_cycle;
	uint64_t last_tok;
	uint64_t t_stop;
	uint64_t meas_tx;             /* measured frames built */
	uint32_t warm_idx;            /* warmup: scan position for unanswered flows */
	uint32_t warm_pick[PG_BURST]; /* warmup: the flows of this burst */
	uint64_t warm_next;           /* warmup: start of the next resend round */
	struct pg_txq ack[PG_MAX_QUEUES]; /* ACKs and ARP replies, by LAN TX queue */
	int ack_left;                 /* some of them are still to be sent */
};

static struct gen_state gs;

/* Fill a fresh pool object with its template frame (eth + IPv4 + L4, zero payload). */
static void
tpl_fill(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	const struct pg_tpl *t = opaque;
	struct rte_mbuf *m = obj;
	uint8_t *d = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
	uint8_t *ip = d + PG_ETH_HLEN, *l4 = ip + PG_IP_HLEN;
	uint16_t v;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	memset(d, 0, t->len);
	memcpy(d, &pg.router_mac, 6);
	memcpy(d + 6, &pg.lan_mac, 6);
	d[12] = 0x08;
	d[13] = 0x00;
	ip[0] = 0x45;
	v = rte_cpu_to_be_16(t->ip_len);
	memcpy(ip + 2, &v, 2);
	ip[6] = 0x40;                 /* DF, like most real traffic */
	ip[8] = 64;
	ip[9] = pg.conf.proto;
	if (pg.conf.proto == IPPROTO_UDP) {
		v = rte_cpu_to_be_16((uint16_t)(t->ip_len - PG_IP_HLEN));
		memcpy(l4 + 4, &v, 2);
	} else {
		l4[12] = 0x50;        /* 20-byte header, no options */
		l4[14] = 0xff;
		l4[15] = 0xff;
	}
}

static int
tpl_create(struct pg_tpl *t, unsigned int idx, unsigned int size, char *err, size_t errlen)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n;

	snprintf(name, sizeof(name), "pg_tx%u", idx);
	t->len = (uint16_t)(size - RTE_ETHER_CRC_LEN);
	t->ip_len = (uint16_t)(t->len - PG_ETH_HLEN);
	t->stamp = pg.conf.proto == IPPROTO_UDP &&
		   t->ip_len >= PG_IP_HLEN + PG_UDP_HLEN + PG_STAMP_LEN;
	/* a NIC's TX rings hold sent mbufs until it frees them: 1024 per queue at most */
	n = RTE_MAX(rte_align32pow2(pg.conf.queues * 1024 + 4096) - 1, (uint32_t)TX_POOL_MBUFS);
	t->mp = rte_pktmbuf_pool_create(name, n, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					rte_socket_id());
	if (t->mp == NULL) {
		snprintf(err, errlen, "cannot create the %u-byte frame pool: %s", size,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

/* Flow i of the established set: sources fastest, then destinations, then sport. */
static void
flow_of(uint32_t i, struct pg_flow *f)
{
	const struct pg_conf *c = &pg.conf;
	uint32_t r = i / c->n_src;

	f->src = rte_cpu_to_be_32(c->src_base + i % c->n_src);
	f->dst = rte_cpu_to_be_32(c->dst_base + r % c->n_dst);
	r /= c->n_dst;
	f->sport = rte_cpu_to_be_16((uint16_t)(PG_SPORT_MIN + r % PG_SPORT_N));
	f->dport = rte_cpu_to_be_16((uint16_t)(c->dport + r / PG_SPORT_N));
}

int
pg_gen_setup(char *err, size_t errlen)
{
	const struct pg_conf *c = &pg.conf;
	unsigned int i;
	int rc;

	if (c->size == 0) {
		pg.n_tpl = PG_IMIX_N;
		for (i = 0; i < PG_IMIX_N; i++) {
			rc = tpl_create(&pg.tpl[i], i, imix_sizes[i], err, errlen);
			if (rc != 0)
				return rc;
		}
	} else {
		pg.n_tpl = 1;
		rc = tpl_create(&pg.tpl[0], 0, c->size, err, errlen);
		if (rc != 0)
			return rc;
	}
	pg.flow = calloc(c->flows, sizeof(*pg.flow));
	pg.answered = calloc(c->flows, 1);
	if (pg.flow == NULL || pg.answered == NULL) {
		snprintf(err, errlen, "cannot allocate %u flows", c->flows);
		return -ENOMEM;
	}
	for (i = 0; i < c->flows; i++)
		flow_of(i, &pg.flow[i]);
	gs.tok_per_cycle = (double)(c->rate ? c->rate : c->warmup_rate) / (double)pg.hz;
	return 0;
}

/* The router's MAC is known: write it into every prebuilt frame. */
static void
tpl_fill_all(void)
{
	unsigned int i;

	for (i = 0; i < pg.n_tpl; i++)
		rte_mempool_obj_iter(pg.tpl[i].mp, tpl_fill, &pg.tpl[i]);
}

static void
send_arp_request(void)
{
	static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff,
								     0xff, 0xff } };
	static const struct rte_ether_addr zero;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pg.rx_pool);
	uint8_t *d;

	if (m == NULL)
		return;
	d = (uint8_t *)rte_pktmbuf_append(m, 60);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	dpw_arp_build(d, RTE_ARP_OP_REQUEST, bcast.addr_bytes, pg.lan_mac.addr_bytes,
		      rte_cpu_to_be_32(pg.conf.lan_src), zero.addr_bytes,
		      rte_cpu_to_be_32(pg.conf.gw_lan));
	if (rte_eth_tx_burst(pg.conf.lan, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

/* Write one frame's variable fields and checksums. The template did the rest. */
static inline void
build(struct rte_mbuf *m, const struct pg_tpl *t, const struct pg_flow *f, uint8_t tcp_flags,
      uint64_t tsc)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = d + PG_ETH_HLEN, *l4 = ip + PG_IP_HLEN;
	uint16_t ip_len = t->ip_len, zero = 0, csum;
	uint64_t s;
	uint32_t v;

	m->data_len = t->len;
	m->pkt_len = t->len;
	memcpy(ip + 12, &f->src, 4);
	memcpy(ip + 16, &f->dst, 4);
	memcpy(l4, &f->sport, 2);
	memcpy(l4 + 2, &f->dport, 2);
	if (t->stamp) {
		uint8_t *p = l4 + PG_UDP_HLEN;
		uint32_t magic = PG_MAGIC, seq = (uint32_t)gs.seq++;

		memcpy(p, &magic, 4);
		memcpy(p + 4, &seq, 4);
		memcpy(p + 8, &tsc, 8);
	}
	if (pg.conf.proto == IPPROTO_UDP) {
		s = pg_sum(ip + 12, 8, 0);

		/* past the stamp the payload is zero: it adds nothing, only its length counts */
		memcpy(l4 + 6, &zero, 2);
		s += rte_cpu_to_be_16(17) + rte_cpu_to_be_16((uint16_t)(ip_len - PG_IP_HLEN));
		s = pg_sum(l4, PG_UDP_HLEN + (t->stamp ? PG_STAMP_LEN : 0), s);
		csum = (uint16_t)~pg_fold(s);
		if (csum == 0)
			csum = 0xffff;
		memcpy(l4 + 6, &csum, 2);
	} else {
		/* TCP: the stamp rides in seq, the reflector swaps it into ack */
		if (tcp_flags & PG_TCP_SYN) {
			ip_len = PG_IP_HLEN + PG_TCP_HLEN;
			m->data_len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;
			m->pkt_len = m->data_len;
		}
		v = rte_cpu_to_be_32((uint32_t)(tsc >> PG_TCP_TSC_SHIFT));
		memcpy(l4 + 4, &v, 4);
		v = rte_cpu_to_be_32(PG_MAGIC);
		memcpy(l4 + 8, &v, 4);
		l4[13] = tcp_flags;
		memcpy(l4 + 16, &zero, 2);
		s = pg_sum(ip + 12, 8, 0);
		s += rte_cpu_to_be_16(6) + rte_cpu_to_be_16((uint16_t)(ip_len - PG_IP_HLEN));
		s = pg_sum(l4, PG_TCP_HLEN, s);
		csum = (uint16_t)~pg_fold(s);
		memcpy(l4 + 16, &csum, 2);
	}
	ip_len = rte_cpu_to_be_16(ip_len);
	memcpy(ip + 2, &ip_len, 2);
	memcpy(ip + 10, &zero, 2);
	csum = pg_ip_csum(ip);
	memcpy(ip + 10, &csum, 2);
}

/*
 * The next never-used tuple (new-flows mode). A mixed-radix counter; fastest digit first:
 * source address mod --queues, destination address, destination port (dport+1 ..
 * dport+PG_NF_DPORTS), source address / --queues, source port. The destination moves
 * fast because a NAT like dpwan's is endpoint-dependent: it has its port range (24,536
 * ports per WAN) once per remote address and port, so varying the source port first would
 * exhaust it after 49k flows. The low digit of the source address goes first so that
 * consecutive flows take consecutive LAN queues (their queue is a function of the source
 * address and port) and every burst feeds every dataplane worker; with one queue that
 * digit has one value and the order is destination first. The destination ports sit above
 * the established flows' port, so the two sets never meet.
 */
static inline void
next_new_flow(struct pg_flow *f)
{
	const struct pg_conf *c = &pg.conf;
	uint32_t nq = c->queues, s;

	do {
		s = gs.nf_src_hi * nq + gs.nf_src_lo;
		f->src = rte_cpu_to_be_32(c->src_base + s);
		f->dst = rte_cpu_to_be_32(c->dst_base + gs.nf_dst);
		f->sport = rte_cpu_to_be_16((uint16_t)(PG_SPORT_MIN + gs.nf_sport));
		f->dport = rte_cpu_to_be_16((uint16_t)(c->dport + 1 + gs.nf_dport));
		if (++gs.nf_src_lo < nq)
			continue;
		gs.nf_src_lo = 0;
		if (++gs.nf_dst < c->n_dst)
			continue;
		gs.nf_dst = 0;
		if (++gs.nf_dport < PG_NF_DPORTS)
			continue;
		gs.nf_dport = 0;
		if (++gs.nf_src_hi * nq < c->n_src)
			continue;
		gs.nf_src_hi = 0;
		if (++gs.nf_sport == PG_SPORT_N)
			gs.nf_sport = 0;
	} while (s >= c->n_src);   /* --src-count not a multiple of --queues: skip the gap */
}

/*
 * Allocate and build n frames into pend (empty on entry), by LAN TX queue; returns how
 * many were built.
 */
static uint16_t
generate(struct pg_lcore *lc, uint16_t n, int warm, uint64_t now)
{
	struct rte_mbuf *by_tpl[PG_IMIX_N][PG_BURST];
	unsigned int want[PG_IMIX_N] = { 0 }, used[PG_IMIX_N] = { 0 };
	uint8_t cls[PG_BURST];
	uint8_t flags;
	struct pg_flow nf;
	uint16_t i;
	int multi = pg.conf.queues > 1;

	for (i = 0; i < n; i++) {
		cls[i] = pg.n_tpl == 1 ? 0 : imix_pattern[(gs.imix_pos + i) % 12];
		want[cls[i]]++;
	}
	for (i = 0; i < pg.n_tpl; i++) {
		if (want[i] && rte_pktmbuf_alloc_bulk(pg.tpl[i].mp, by_tpl[i], want[i]) != 0) {
			while (i-- > 0)
				if (want[i])
					rte_pktmbuf_free_bulk(by_tpl[i], want[i]);
			return 0;
		}
	}
	gs.imix_pos = (gs.imix_pos + n) % 12;
	if (pg.conf.proto == IPPROTO_TCP)
		flags = (warm || pg.conf.new_flows) ? PG_TCP_SYN : PG_TCP_ACK | PG_TCP_PSH;
	else
		flags = 0;
	for (i = 0; i < n; i++) {
		const struct pg_tpl *t = &pg.tpl[cls[i]];
		struct rte_mbuf *m = by_tpl[cls[i]][used[cls[i]]++];
		const struct pg_flow *f;

		if (warm) {
			f = &pg.flow[gs.warm_pick[i]];  /* the caller picked unanswered ones */
		} else if (pg.conf.new_flows) {
			next_new_flow(&nf);
			f = &nf;
		} else {
			f = &pg.flow[gs.flow_idx];
			if (++gs.flow_idx == pg.conf.flows)
				gs.flow_idx = 0;
		}
		build(m, t, f, flags, now);
		if (multi) {
			struct pg_txq *q = &lc->pend[pg_flow_queue(f->src, f->sport)];

			q->m[q->n++] = m;
		} else {
			lc->pend[0].m[i] = m;
		}
	}
	if (!multi)
		lc->pend[0].n = n;
	return n;
}

/* Send what is pending; returns nonzero while frames are still waiting. */
static int
flush_pend(struct pg_lcore *lc, uint32_t cs)
{
	struct pg_counters *c = &lc->c[cs];
	unsigned int q, nq = pg.conf.queues;
	int left = 0;

	for (q = 0; q < nq; q++) {
		struct pg_txq *t = &lc->pend[q];
		uint16_t n = t->n - t->off, sent, i;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(pg.conf.lan, q, t->m + t->off, n);
		for (i = 0; i < sent; i++)
			c->tx_bytes += t->m[t->off + i]->pkt_len;
		c->tx += sent;
		c->tx_expect += sent;
		c->tx_q[q] += sent;
		t->off += sent;
		if (t->off == t->n) {
			t->n = t->off = 0;
		} else {
			c->tx_full++;
			left = 1;
		}
	}
	return left;
}

/*
 * ACKs and ARP replies from the LAN receive path go first, each on the queue the receive
 * path chose (in hash.usr: the flow's queue for an ACK, 0 for ARP).
 */
static int
flush_acks(struct pg_lcore *lc, uint32_t cs)
{
	unsigned int q, nq = pg.conf.queues;
	struct pg_txq *t;
	uint16_t sent, n, i;
	int left = 0;

	if (!gs.ack_left) {
		if (nq == 1) {
			t = &gs.ack[0];
			t->n = (uint16_t)rte_ring_sc_dequeue_burst(pg.lan_tx, (void **)t->m,
								   PG_BURST, NULL);
			t->off = 0;
			if (t->n == 0)
				return 0;
		} else {
			struct rte_mbuf *m[PG_BURST];

			n = (uint16_t)rte_ring_sc_dequeue_burst(pg.lan_tx, (void **)m, PG_BURST,
								NULL);
			if (n == 0)
				return 0;
			for (i = 0; i < n; i++) {
				q = m[i]->hash.usr < nq ? m[i]->hash.usr : 0;
				gs.ack[q].m[gs.ack[q].n++] = m[i];
			}
		}
	}
	for (q = 0; q < nq; q++) {
		t = &gs.ack[q];
		if (t->off == t->n)
			continue;
		sent = rte_eth_tx_burst(pg.conf.lan, q, t->m + t->off, t->n - t->off);
		lc->c[cs].ack_tx += sent;
		t->off += sent;
		if (t->off == t->n)
			t->n = t->off = 0;
		else
			left = 1;
	}
	gs.ack_left = left;
	return left;
}

static void
start_run(uint64_t now)
{
	const struct pg_conf *c = &pg.conf;

	pg.t_run = now;
	gs.t_stop = c->duration > 0 ? now + (uint64_t)(c->duration * (double)pg.hz) : UINT64_MAX;
	gs.tok_per_cycle = (double)c->rate / (double)pg.hz;
	gs.tokens = 0;
	gs.last_tok = now;
	gs.flow_idx = 0;
	rte_smp_wmb();
	pg.phase = PG_PH_RUN;
}

static void
end_run(uint64_t now)
{
	pg.t_end = now;
	rte_smp_wmb();
	pg.phase = PG_PH_DRAIN;
}

/* How many frames the token bucket allows now (rate 0: a full burst). */
static inline uint16_t
allowance(uint64_t now, uint64_t rate)
{
	if (rate == 0)
		return PG_BURST;
	gs.tokens += (double)(now - gs.last_tok) * gs.tok_per_cycle;
	gs.last_tok = now;
	if (gs.tokens > BUCKET_DEPTH)
		gs.tokens = BUCKET_DEPTH;
	return gs.tokens >= PG_BURST ? PG_BURST : (uint16_t)gs.tokens;
}

void
pg_gen_poll(struct pg_lcore *lc, uint64_t now)
{
	const struct pg_conf *c = &pg.conf;
	int phase = pg.phase;
	uint32_t cs = pg_phase_cs(phase);
	uint16_t n;

	if (flush_acks(lc, cs) || flush_pend(lc, cs))
		return;

	switch (phase) {
	case PG_PH_RESOLVE:
		if (pg.router_known) {
			rte_smp_rmb();
			fprintf(stderr, "pktgen: router %u.%u.%u.%u is at " RTE_ETHER_ADDR_PRT_FMT
				" (%.0f ms)\n", c->gw_lan >> 24, (c->gw_lan >> 16) & 0xff,
				(c->gw_lan >> 8) & 0xff, c->gw_lan & 0xff,
				RTE_ETHER_ADDR_BYTES(&pg.router_mac),
				(double)(now - pg.t_start) * 1e3 / (double)pg.hz);
			tpl_fill_all();
			pg.t_warm = now;
			gs.tok_per_cycle = (double)c->warmup_rate / (double)pg.hz;
			gs.last_tok = now;
			gs.tokens = 0;
			if (c->warmup > 0) {
				pg.phase = PG_PH_WARMUP;
			} else {
				start_run(now);
			}
			return;
		}
		if (pg.quit || now - pg.t_start > pg.hz * ARP_GIVE_UP_MS / 1000) {
			if (!pg.quit)
				fprintf(stderr,
					"pktgen: error: no ARP reply from the router %u.%u.%u.%u on port %u "
					"within %u s (is the dataplane running, its LAN port up and "
					"connected to this one?)\n",
					c->gw_lan >> 24, (c->gw_lan >> 16) & 0xff,
					(c->gw_lan >> 8) & 0xff, c->gw_lan & 0xff, c->lan,
					ARP_GIVE_UP_MS / 1000);
			pg.failed = 1;
			pg.t_run = pg.t_end = pg.t_done = now;
			rte_smp_wmb();
			pg.phase = PG_PH_DONE;
			return;
		}
		if (now >= gs.next_arp) {
			send_arp_request();
			gs.next_arp = now + pg.hz * ARP_RETRY_MS / 1000;
		}
		return;

	case PG_PH_WARMUP:
		if (pg.quit) {
			start_run(now);
			end_run(now);
			return;
		}
		if (pg.warm_answered >= c->flows ||
		    now - pg.t_warm > (uint64_t)(c->warmup * (double)pg.hz)) {
			fprintf(stderr, "pktgen: warmup: %u flows, %lu answered, %lu sent in "
				"%u round(s), %.3f s\n",
				c->flows, (unsigned long)pg.warm_answered,
				(unsigned long)pg.warm_sent, pg.warm_rounds,
				(double)(now - pg.t_warm) / (double)pg.hz);
			start_run(now);
			return;
		}
		if (now < gs.warm_next)
			return;
		n = allowance(now, c->warmup_rate);
		if (n == 0)
			return;
		{
			uint16_t m = 0;

			while (m < n && gs.warm_idx < c->flows) {
				if (!pg.answered[gs.warm_idx])
					gs.warm_pick[m++] = gs.warm_idx;
				gs.warm_idx++;
			}
			if (m == 0) {
				/* a round is over: give the replies 100 ms, then resend the rest */
				gs.warm_idx = 0;
				gs.warm_next = now + pg.hz / 10;
				pg.warm_rounds++;
				return;
			}
			n = generate(lc, m, 1, now);
		}
		gs.tokens -= n;
		pg.warm_sent += n;
		flush_pend(lc, cs);
		return;

	case PG_PH_RUN:
		if (pg.quit || now >= gs.t_stop || (c->count && gs.meas_tx >= c->count)) {
			end_run(now);
			return;
		}
		n = allowance(now, c->rate);
		if (c->count && n > c->count - gs.meas_tx)
			n = (uint16_t)(c->count - gs.meas_tx);
		if (n == 0)
			return;
		n = generate(lc, n, 0, now);
		if (c->rate)
			gs.tokens -= n;
		gs.meas_tx += n;
		flush_pend(lc, cs);
		return;

	case PG_PH_DRAIN:
		if (now - pg.t_end >= pg.hz * DRAIN_MS / 1000) {
			pg.t_done = now;
			rte_smp_wmb();
			pg.phase = PG_PH_DONE;
		}
		return;

	default:
		return;
	}
}
