/* SPDX-License-Identifier: BSD-3-Clause
 * LAN ingress on a worker lcore: parse, punt what is for the router, then per burst
 * compute every flow key and prefetch its bucket ("bulk hit"), translate hits, and
 * create sessions for misses (pick a WAN by weight, bind a NAT port) before sending the
 * packet out of its WAN with the gateway's MAC.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/worker.h"


struct taken_arg {
	struct dp_ct *ct;
	struct dp_flow_key reply;
};

static int
port_taken(void *arg, uint16_t port)
{
	struct taken_arg *t = arg;

	t->reply.dport = rte_cpu_to_be_16(port);
	return dp_ct_exists(t->ct, &t->reply);
}

/* For the router: the LAN address, broadcasts, multicast, or a WAN's address now. */
static inline int
for_router(const struct dp_port *p, const struct dp_wan_view *v, uint32_t dst)
{
	unsigned int i;

	if (dst == p->addr || dst == 0xffffffffu || (rte_be_to_cpu_32(dst) >> 28) == 0xe)
		return 1;
	if (dst == (p->addr | ~p->mask))
		return 1;
	for (i = 0; i < v->n_wans; i++)
		if (v->wan[i].configured && v->wan[i].addr == dst)
			return 1;
	return 0;
}

static struct dp_sess *
create_session(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
	       struct dp_pkt_ctx *c)
{
	const struct dpw_pkt_info *pi = &c->pi;
	struct taken_arg t;
	struct dp_sess *s;
	uint16_t port, pref;
	int wan, err;

	if (pi->proto == DPW_IPPROTO_TCP &&
	    (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK | DPW_TCP_RST)) != DPW_TCP_SYN) {
		dp_drop(w, m, DPW_DROP_TCP_NOT_SYN);
		return NULL;
	}
	if (pi->proto == DPW_IPPROTO_ICMP && pi->icmp_type != DPW_ICMP_ECHO) {
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return NULL;
	}
	wan = dp_wrr_pick(&w->wrr, v->weight, v->usable, v->n_wans);
	if (wan < 0) {
		if (v->n_resolving > 0) {
			/* a WAN is up but its gateway's MAC is being resolved: the main lcore
			 * holds the packet briefly and gives it back to this worker */
			m->port = (uint16_t)dp.lan;
			m->hash.usr = w->idx;
			if (rte_ring_enqueue(dp.hold, m) == 0)
				return NULL;
		}
		dp_drop(w, m, DPW_DROP_NO_WAN);
		return NULL;
	}
	t.ct = &w->ct;
	memset(&t.reply, 0, sizeof(t.reply));
	t.reply.src = pi->dst;
	t.reply.dst = v->wan[wan].addr;
	t.reply.sport = pi->dport;
	t.reply.proto = pi->proto;
	t.reply.zone = v->wan[wan].port;
	t.reply.family = 4;
	pref = rte_be_to_cpu_16(pi->sport);
	port = dp_nat_alloc(&w->nat, pref, port_taken, &t);
	if (port == 0) {
		dp_drop(w, m, DPW_DROP_NAT_EXHAUSTED);
		return NULL;
	}
	t.reply.dport = rte_cpu_to_be_16(port);
	s = dp_ct_create(&w->ct, &c->key, &t.reply, w->now, &err);
	if (s == NULL) {
		dp_drop(w, m, DPW_DROP_TABLE_FULL);
		return NULL;
	}
	s->wan = (uint8_t)wan;
	s->xlate = DP_XLATE_SNAT;
	memcpy(s->client_mac, rte_pktmbuf_mtod_offset(m, uint8_t *, 6), 6);
	w->st->sess_created++;
	w->st->wan_sess_created[wan]++;
	/* passive detection: new connections per WAN (their answers: stage_wan.c) */
	if (pi->proto == DPW_IPPROTO_TCP)
		w->st->wan_tcp_syn[wan]++;
	else if (pi->proto == DPW_IPPROTO_UDP)
		w->st->wan_udp_new[wan]++;
	return s;
}

/*
 * An ICMP error from a LAN host quotes a packet the host received; nothing in it says
 * which worker created that flow's session (the NIC or kernel spread the error by its
 * own hash). Pass it round the workers until one has the session, at most once each.
 * Returns 1 when the packet went to the next worker.
 */
static int
relay_icmp_error(struct dp_worker *w, struct rte_mbuf *m)
{
	uint32_t hops = w->relaying ? m->hash.usr : 0;
	struct dp_worker *next;

	if (dp.n_workers < 2 || hops + 1 >= dp.n_workers)
		return 0;
	next = dp.workers[(w->idx + 1) % dp.n_workers];
	m->hash.usr = hops + 1;
	m->port = (uint16_t)dp.lan;
	if (rte_ring_enqueue(next->relay, m) != 0)
		return 0;
	w->st->handoff_out++;
	return 1;
}

static void
forward(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dp_port *lan = &dp.port[dp.lan];
	struct dpw_pkt_info *pi = &c->pi;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct dp_wan_entry *we;
	struct dp_sess *s;
	int dir;

	s = dp_ct_lookup_hinted(&w->ct, &c->key, c->hash, c->cand, &dir);
	if (c->icmp_err) {
		if (s == NULL && relay_icmp_error(w, m))
			return;
		if (s == NULL || dir != DP_DIR_ORIG || !v->up[s->wan]) {
			dp_drop(w, m, DPW_DROP_ICMP_ERR_NO_SESSION);
			return;
		}
		we = &v->wan[s->wan];
		if (pi->ttl <= 1) {
			dp_drop(w, m, DPW_DROP_TTL_EXCEEDED);
			return;
		}
		dp_icmp_translate_error(d, pi, &c->in, 0, we->addr, s->key[DP_DIR_REPLY].dport);
		dpw_ipv4_dec_ttl(d + pi->l3_off);
		goto send;
	}
	/*
	 * A SYN on the ports of a connection that has ended (TIME_WAIT over, or a RST) is a
	 * new connection: a new session, balanced and counted as one (sessions_created, the
	 * passive detector's count of new connections and their answers).
	 */
	if (s != NULL && pi->proto == DPW_IPPROTO_TCP &&
	    unlikely((pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN) &&
	    (s->tcp_state == DP_TCP_CLOSED || s->tcp_state == DP_TCP_FIN_BOTH)) {
		dp_ct_delete(&w->ct, s);
		w->st->sess_closed++;
		s = NULL;
	}
	/* its WAN is down, or its address changed since (the session's is the old one) */
	if (s != NULL && unlikely(!v->up[s->wan] ||
				  s->key[DP_DIR_REPLY].dst != v->wan[s->wan].addr)) {
		/*
		 * Its WAN is down (a WAN held back by a priority group is still up). A TCP SYN
		 * starts again elsewhere. An established TCP connection cannot move (its peer
		 * knows the old address): on_failure tcp "reset" answers the host with a RST
		 * now (the mailbox sweep may not have reached this session yet), "keep" leaves
		 * the session for when the WAN is back and drops the packet meanwhile. UDP and
		 * ICMP echo are bound again on a usable WAN ("move") or kept the same way.
		 */
		const struct dp_wan_entry *fe = &v->wan[s->wan];
		int movable;

		if (pi->proto == DPW_IPPROTO_TCP) {
			movable = (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN;
			if (!movable && fe->fail_tcp == DPW_FAIL_TCP_RESET &&
			    !(pi->tcp_flags & DPW_TCP_RST)) {
				uint32_t len = (uint32_t)pi->l4_len - pi->tcp_hlen;

				/* the packet's ACK is what the host expects next: exact for
				 * RFC 5961, where the tracked end is only within the window */
				dp_sess_reset(w, s, (pi->tcp_flags & DPW_TCP_ACK) ? pi->tcp_ack :
					      s->tcp[DP_DIR_REPLY].end, pi->tcp_seq + len +
					      ((pi->tcp_flags & DPW_TCP_FIN) ? 1 : 0));
				dp_drop(w, m, DPW_DROP_NO_WAN);
				return;
			}
		} else {
			movable = fe->fail_udp == DPW_FAIL_UDP_MOVE;
		}
		if (v->n_usable == 0 || !movable) {
			dp_drop(w, m, DPW_DROP_NO_WAN);
			return;
		}
		if (pi->proto == DPW_IPPROTO_UDP)
			w->st->wan_udp_moved[s->wan]++;
		dp_ct_delete(&w->ct, s);
		w->st->sess_closed++;
		s = NULL;
	}
	if (pi->ttl <= 1) {
		dp_icmp_reply_error(w, m, pi, dp.lan, DPW_ICMP_TIMXCEED, 0, 0, lan->addr,
				    DPW_DROP_TTL_EXCEEDED);
		return;
	}
	if (s == NULL) {
		s = create_session(w, v, m, c);
		if (s == NULL)
			return;
	}
	we = &v->wan[s->wan];
	if (unlikely(pi->ip_len > we->mtu) && (dpw_get16(d + pi->l3_off + 6) & DPW_IP_DF)) {
		dp_icmp_reply_error(w, m, pi, dp.lan, DPW_ICMP_UNREACH, DPW_ICMP_UNREACH_NEEDFRAG,
				    we->mtu, lan->addr, DPW_DROP_FRAG_NEEDED);
		return;
	}
	if (pi->proto == DPW_IPPROTO_TCP && dp_track_tcp(w, s, DP_DIR_ORIG, m, pi) != 0)
		return;
	dp_ct_touch(s, DP_DIR_ORIG, pi->ip_len, w->now);
	dp_nat_rewrite(d, pi, 1, we->addr, s->key[DP_DIR_REPLY].dport);
	dpw_ipv4_dec_ttl(d + pi->l3_off);
	if (pi->proto == DPW_IPPROTO_TCP && (pi->tcp_flags & DPW_TCP_SYN))
		w->st->mss_clamped += (uint64_t)dpw_tcp_clamp_mss(d + pi->l4_off,
			(uint32_t)(d[pi->l4_off + 12] >> 4) * 4, we->mss);
send:
	dp_set_eth(d, &we->gw_mac, &we->src_mac);
	w->st->wan_tx_pkts[s->wan]++;
	w->st->wan_tx_bytes[s->wan] += rte_pktmbuf_pkt_len(m);
	if (c->fctx != NULL)
		dp_frag_note_forward(c->fctx, 1, we->addr, we->port, we->mtu, &we->gw_mac,
				     &we->src_mac, s->wan);
	if (unlikely(pi->ip_len > we->mtu)) {
		dp_fragment_tx(w, m, we->mtu, we->port);
		return;
	}
	dp_tx(w, we->port, m);
}

void
dp_stage_lan(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf **pkts,
	     uint16_t n)
{
	const struct dp_port *lan = &dp.port[dp.lan];
	struct dp_pkt_ctx ctx[DP_BURST];
	struct rte_mbuf *fwd[DP_BURST];
	uint16_t i, nf = 0;

	/* pass 1: parse, punt, build keys, prefetch buckets */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_pkt_ctx *c = &ctx[nf];
		struct dpw_pkt_info *pi = &c->pi;
		uint8_t *d;

		if (dp_rx_prologue(w, m, dp.lan, pi) != 0)
			continue;
		d = rte_pktmbuf_mtod(m, uint8_t *);
		if (for_router(lan, v, pi->dst)) {
			dp_punt(w, m, dp.lan, DPW_PUNT_LAN);
			continue;
		}
		if ((pi->dst & lan->mask) == (lan->addr & lan->mask)) {
			dp_drop(w, m, DPW_DROP_NOT_FOR_US);
			continue;
		}
		if ((pi->src & lan->mask) != (lan->addr & lan->mask)) {
			/* spoofed or misconfigured: NAT only what comes from the LAN (BCP 38) */
			dp_drop(w, m, DPW_DROP_SRC_NOT_LAN);
			continue;
		}
		c->fctx = NULL;
		if (pi->frag && dp_frag_input(w, m, dp.lan, pi, w->handed, &c->fctx) == 0)
			continue;
		memset(&c->key, 0, sizeof(c->key));
		c->icmp_err = 0;
		c->key.family = 4;
		c->key.zone = (uint8_t)dp.lan;
		switch (pi->proto) {
		case DPW_IPPROTO_TCP:
		case DPW_IPPROTO_UDP:
			break;
		case DPW_IPPROTO_ICMP:
			if (pi->icmp_kind == DPW_ICMP_KIND_QUERY)
				break;
			if (pi->icmp_kind == DPW_ICMP_KIND_ERROR &&
			    dpw_pkt_parse_inner(d, rte_pktmbuf_data_len(m), pi, &c->in) == 0) {
				/* translation rewrites the checksum: never bless a corrupt one */
				if (dpw_csum_partial(d + pi->l4_off, pi->l4_len, 0) != 0xffff) {
					dp_frag_abandon(w, c->fctx, dp.lan);
					dp_drop(w, m, DPW_DROP_BAD_ICMP_CSUM);
					continue;
				}
				/* about a packet the host received: find its session by the
				 * quoted packet, reversed */
				dp_key_from_quoted(c);
				goto keyed;
			}
			/* fall through */
		default:
			dp_frag_abandon(w, c->fctx, dp.lan);
			dp_drop(w, m, DPW_DROP_UNSUPPORTED_PROTO);
			continue;
		}
		c->key.src = pi->src;
		c->key.dst = pi->dst;
		c->key.sport = pi->sport;
		c->key.dport = pi->dport;
		c->key.proto = pi->proto;
keyed:
		dp_key_hash(w, c);
		fwd[nf++] = m;
	}
	/* pass 2: find each candidate session and prefetch it; pass 3: forward */
	for (i = 0; i < nf; i++)
		ctx[i].cand = dp_ct_peek(&w->ct, ctx[i].hash,
					  ctx[i].key.proto == DPW_IPPROTO_TCP);
	for (i = 0; i < nf; i++) {
		struct dp_frag_ctx *fc = ctx[i].fctx;

		if (dp_frag_first_begin(w, fc, fwd[i], dp.lan))
			continue;
		forward(w, v, fwd[i], &ctx[i]);
		if (fc != NULL)
			dp_frag_first_done(w, fc, dp.lan);
	}
}
