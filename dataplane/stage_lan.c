/* SPDX-License-Identifier: BSD-3-Clause
 * LAN ingress on a worker lcore: parse, punt what is for the router, then per burst
 * compute every flow key and prefetch its bucket ("bulk hit"), translate hits, and
 * collect the misses ("batch miss"): one classification of them all, then the policy
 * stage's decision for each (stage_policy.c), the NAT stage's binding and session
 * (stage_nat.c), and the same way out as a hit: out of its WAN with the gateway's MAC.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/fw.h"
#include "dataplane/stage_policy.h"
#include "dataplane/worker.h"

/* forward_head: what became of the packet */
#define HEAD_DONE 0     /* consumed (sent, dropped, relayed) */
#define HEAD_HIT 1      /* its session is *sp: forward_tail */
#define HEAD_MISS 2     /* a new flow: the miss batch */


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

/*
 * An enforced rule's session stays on its WAN whatever the health checker says, as long
 * as the WAN can carry it (configured, enabled, link, gateway) at the same address.
 */
static inline int
enforced_carries(const struct dp_wan_view *v, const struct dp_sess *s)
{
	return s->algorithm == DPW_LB_ENFORCED && s->how == DP_HOW_PICK && v->lb[s->wan].up &&
	       (s->xlate != DP_XLATE_SNAT || s->key[DP_DIR_REPLY].dst == v->wan[s->wan].addr);
}

/*
 * The first part of forwarding a LAN packet: its session, what a dead WAN or an ended
 * connection means for it, TTL. HEAD_HIT with *sp, HEAD_MISS for a new flow that may
 * start a session (the miss batch decides), HEAD_DONE when it was consumed. by_owner: a
 * packet that finds no session here goes to dp_flow_owner's worker (a forwarding-mode
 * WAN's sessions carry no NAT port of ours: that worker holds them, and makes the new
 * ones, whichever WAN the policy picks).
 */
static int
forward_head(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
	     struct dp_pkt_ctx *c, struct dp_sess **sp, int by_owner)
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
			return HEAD_DONE;
		if (s == NULL || dir != DP_DIR_ORIG || !v->up[s->wan]) {
			dp_drop(w, m, DPW_DROP_ICMP_ERR_NO_SESSION);
			return HEAD_DONE;
		}
		we = &v->wan[s->wan];
		if (pi->ttl <= 1) {
			dp_drop(w, m, DPW_DROP_TTL_EXCEEDED);
			return HEAD_DONE;
		}
		dp_icmp_translate_error(d, pi, &c->in, 0, s->key[DP_DIR_REPLY].dst,
					s->key[DP_DIR_REPLY].dport);
		dpw_ipv4_dec_ttl(d + pi->l3_off);
		dp_set_eth(d, &we->gw_mac, &we->src_mac);
		w->st->wan_tx_pkts[s->wan]++;
		w->st->wan_tx_bytes[s->wan] += rte_pktmbuf_pkt_len(m);
		if (c->fctx != NULL)
			dp_frag_note_forward(c->fctx, 1, s->key[DP_DIR_REPLY].dst, we->port,
					     we->mtu, &we->gw_mac, &we->src_mac, s->wan);
		if (unlikely(pi->ip_len > we->mtu)) {
			dp_fragment_tx(w, m, we->mtu, we->port);
			return HEAD_DONE;
		}
		dp_tx(w, we->port, m);
		return HEAD_DONE;
	}
	if (s == NULL && unlikely(by_owner)) {
		unsigned int owner = dp_flow_owner(c->key.dst, c->key.dport, c->key.proto,
						   dp.n_workers);

		if (owner != w->idx) {
			if (c->fctx != NULL) {
				/* the session is the owner's: so is the rest of the datagram */
				c->fctx->x.verdict = DP_FRAG_HANDOFF;
				c->fctx->x.arg = (uint8_t)owner;
			}
			dp_handoff(w, m, dp.lan, owner);
			return HEAD_DONE;
		}
	}
	/*
	 * A SYN on the ports of a connection that has ended (TIME_WAIT over, or a RST) is a
	 * new connection: a new session, balanced and counted as one (sessions_created, the
	 * passive detector's count of new connections and their answers).
	 */
	if (s != NULL && pi->proto == DPW_IPPROTO_TCP &&
	    unlikely((pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN) &&
	    (s->tcp_state == DP_TCP_CLOSED || s->tcp_state == DP_TCP_FIN_BOTH)) {
		/* reset by us, the server still holds the old connection on that port: the
		 * new one takes another (its SYN would meet the old one and time out) */
		if (s->reset_by_us)
			c->nat_avoid = rte_be_to_cpu_16(s->key[DP_DIR_REPLY].dport);
		dp_ct_delete(&w->ct, s);
		w->st->sess_closed++;
		s = NULL;
	}
	if (s != NULL && unlikely(s->flags & DP_SESS_INBOUND)) {
		/* the Internet end reached us through that WAN: it cannot move to another */
		if (unlikely(!v->up[s->wan])) {
			dp_drop(w, m, DPW_DROP_NO_WAN);
			return HEAD_DONE;
		}
	} else if (s != NULL && unlikely(!v->up[s->wan] ||
				  (s->xlate == DP_XLATE_SNAT &&
				   s->key[DP_DIR_REPLY].dst != v->wan[s->wan].addr)) &&
	    !enforced_carries(v, s)) {
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
				return HEAD_DONE;
			}
		} else {
			movable = fe->fail_udp == DPW_FAIL_UDP_MOVE;
		}
		if (v->n_usable == 0 || !movable) {
			dp_drop(w, m, DPW_DROP_NO_WAN);
			return HEAD_DONE;
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
		return HEAD_DONE;
	}
	if (s != NULL) {
		*sp = s;
		return HEAD_HIT;
	}
	/* only what can open a connection starts a session */
	if (pi->proto == DPW_IPPROTO_TCP &&
	    (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK | DPW_TCP_RST)) != DPW_TCP_SYN) {
		dp_drop(w, m, DPW_DROP_TCP_NOT_SYN);
		return HEAD_DONE;
	}
	if (pi->proto == DPW_IPPROTO_ICMP && pi->icmp_type != DPW_ICMP_ECHO) {
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return HEAD_DONE;
	}
	return HEAD_MISS;
}

/* The rest: MTU, TCP tracking, the rewrite, out of the session's WAN. */
static void
forward_tail(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
	     struct dp_pkt_ctx *c, struct dp_sess *s)
{
	const struct dp_port *lan = &dp.port[dp.lan];
	struct dpw_pkt_info *pi = &c->pi;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct dp_wan_entry *we = &v->wan[s->wan];

	if (unlikely(pi->ip_len > we->mtu) && (dpw_get16(d + pi->l3_off + 6) & DPW_IP_DF)) {
		dp_icmp_reply_error(w, m, pi, dp.lan, DPW_ICMP_UNREACH, DPW_ICMP_UNREACH_NEEDFRAG,
				    we->mtu, lan->addr, DPW_DROP_FRAG_NEEDED);
		return;
	}
	if (pi->proto == DPW_IPPROTO_TCP && dp_track_tcp(w, s, DP_DIR_ORIG, m, pi) != 0)
		return;
	dp_ct_touch(s, DP_DIR_ORIG, pi->ip_len, w->now);
	/* the address the session's replies come to: the WAN's or a mapping's (SNAT), the
	 * public address a port forward was reached at (DNAT), a 1:1 host's; none routed */
	dp_sess_rewrite(d, pi, s, 1, s->key[DP_DIR_REPLY].dst, s->key[DP_DIR_REPLY].dport);
	dpw_ipv4_dec_ttl(d + pi->l3_off);
	if (pi->proto == DPW_IPPROTO_TCP && (pi->tcp_flags & DPW_TCP_SYN))
		w->st->mss_clamped += (uint64_t)dpw_tcp_clamp_mss(d + pi->l4_off,
			(uint32_t)(d[pi->l4_off + 12] >> 4) * 4, we->mss);
	dp_set_eth(d, &we->gw_mac, &we->src_mac);
	w->st->wan_tx_pkts[s->wan]++;
	w->st->wan_tx_bytes[s->wan] += rte_pktmbuf_pkt_len(m);
	if (c->fctx != NULL)
		dp_frag_note_forward(c->fctx, 1, s->key[DP_DIR_REPLY].dst, we->port, we->mtu,
				     &we->gw_mac, &we->src_mac, s->wan);
	if (unlikely(pi->ip_len > we->mtu)) {
		dp_fragment_tx(w, m, we->mtu, we->port);
		return;
	}
	dp_tx(w, we->port, m);
}

/* The classifier's input for a miss. */
static inline void
acl_key_of(const struct dp_pkt_ctx *c, const struct rte_mbuf *m, struct dp_acl_key *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = c->key.proto;
	k->src = c->key.src;
	k->dst = c->key.dst;
	if (c->key.proto != DPW_IPPROTO_ICMP) {
		k->sport = c->key.sport;
		k->dport = c->key.dport;
	}
	memcpy(k->mac, rte_pktmbuf_mtod_offset(m, const uint8_t *, 6), 6);
}

/* This worker's rule counters start again with a generation of a new epoch. */
static inline struct dpw_policy_stats *
policy_stats(struct dp_worker *w, const struct dp_pgen *g)
{
	/* a worker without counters (component tests) counts into a sink nobody reads */
	static struct dpw_policy_stats sink;
	struct dpw_policy_stats *ps = w->ps != NULL ? w->ps : &sink;

	if (g != NULL && w->ps != NULL)
		dp_epoch_slot(&ps->epoch, sizeof(*ps), g->epoch);
	return ps;
}

static inline unsigned int
rule_slot(uint16_t rule)
{
	if (rule == DP_RULE_DEFAULT)
		return DPW_RULE_SLOT_DEFAULT;
	if (rule == DP_RULE_CONNECTED)
		return DPW_RULE_SLOT_CONNECTED;
	return rule < DPW_MAX_RULES ? rule : DPW_RULE_SLOTS;
}

/* The policy counters' slot of a decision's policy, or DPW_POLICY_SLOTS: none. */
static inline unsigned int
policy_slot(const struct dp_pgen *g, const struct dp_decision *d)
{
	if (g == NULL || d->policy >= g->n_policies)
		return DPW_POLICY_SLOTS;
	if (d->policy < g->n_named)
		return d->policy;
	if (d->rule == DP_RULE_DEFAULT && d->how != DP_HOW_FALLBACK_ANY)
		return DPW_POLICY_SLOT_DEFAULT;
	return DPW_POLICY_SLOTS;
}

/* The outbound firewall on a new flow's first packet, out of WAN wan: 1 go on, 0 it
 * was dropped or rejected (ICMP from the LAN address). */
static int
fw_out_pass(struct dp_worker *w, const struct dp_pgen *g, struct rte_mbuf *m,
	    const struct dp_pkt_ctx *c, unsigned int wan)
{
	struct dp_fw_key k;

	memset(&k, 0, sizeof(k));
	k.proto = c->key.proto;
	k.wan = (uint8_t)wan;
	k.src = c->key.src;
	k.dst = c->key.dst;
	if (c->key.proto != DPW_IPPROTO_ICMP) {
		k.sport = c->key.sport;
		k.dport = c->key.dport;
	}
	memcpy(k.mac, rte_pktmbuf_mtod_offset(m, const uint8_t *, 6), 6);
	return dp_fw_pass(w, g, DP_FW_OUT, &k, 0, m, &c->pi, dp.lan, dp.port[dp.lan].addr);
}

/*
 * A new flow's first packet with the policy engine's decision d: its session (NAT
 * binding, fastest-response copies), counted under its rule and policy, then out like a
 * hit; or what the rule says when none of its WANs can take it.
 */
static void
start_flow(struct dp_worker *w, const struct dp_wan_view *v, const struct dp_pgen *g,
	   struct dpw_policy_stats *ps, struct rte_mbuf *m, struct dp_pkt_ctx *c,
	   const struct dp_acl_key *k, const struct dp_decision *d)
{
	unsigned int rs = rule_slot(d->rule), pslot;
	struct dp_sess *s;

	if (d->fallback != DPW_FB_MAX && rs < DPW_RULE_SLOTS)
		ps->rule_unavailable[rs]++;
	if (d->wan < 0) {
		if (v->n_resolving > 0) {
			/* a WAN is up but its gateway's MAC is being resolved: the main lcore
			 * holds the packet briefly and gives it back to this worker */
			m->port = (uint16_t)dp.lan;
			m->hash.usr = w->idx;
			if (rte_ring_enqueue(dp.hold, m) == 0)
				return;
		}
		/* a first fragment's datagram: its verdict stays DROP (first_begin) */
		if (d->fallback == DPW_FB_UNREACHABLE)
			dp_icmp_reply_error(w, m, &c->pi, dp.lan, DPW_ICMP_UNREACH,
					    DPW_ICMP_UNREACH_HOST, 0, dp.port[dp.lan].addr,
					    DPW_DROP_POLICY_UNREACHABLE);
		else if (d->fallback == DPW_FB_DROP && v->n_usable > 0)
			dp_drop(w, m, DPW_DROP_POLICY_DROP);
		else
			dp_drop(w, m, DPW_DROP_NO_WAN);
		return;
	}
	if (g != NULL && g->fw != NULL && unlikely(!dp_fw_idle(g->fw, DP_FW_OUT)) &&
	    !fw_out_pass(w, g, m, c, (unsigned int)d->wan))
		return;
	if (g != NULL && unlikely(!dp_dos_sess_admit(w, g->fw, c->key.src, (unsigned int)d->wan))) {
		dp_drop(w, m, DPW_DROP_DOS_SESSIONS);
		return;
	}
	s = dp_nat_create(w, v, m, c, (unsigned int)d->wan);
	if (s == NULL)
		return;
	if (s->rule == DP_RULE_NONE) {
		if (g != NULL)
			dp_dos_count(w, g->fw, s);
		s->rule = d->rule;
		s->policy = d->policy;
		s->how = d->how;
		s->algorithm = d->algorithm;
		s->cand_mask = d->cand_mask;
		s->usable_mask = d->usable_mask;
		if (rs < DPW_RULE_SLOTS)
			ps->rule_hits[rs]++;
		pslot = policy_slot(g, d);
		if (pslot < DPW_POLICY_SLOTS)
			ps->policy_wan[pslot][d->wan]++;
		dp_policy_commit(g, &dp.sticky, w->now, k, d);
		if (d->also_mask != 0 && c->fctx == NULL)
			dp_nat_fastest_copies(w, v, m, c, s, d->also_mask);
	}
	forward_tail(w, v, m, c, s);
}

/* The policy engine's row of round-robin state for this worker in generation g. */
static inline struct dp_lb_state *
lb_row(const struct dp_worker *w, const struct dp_pgen *g)
{
	if (g == NULL || g->lb == NULL || w->idx >= g->n_workers)
		return NULL;
	return g->lb + (size_t)w->idx * g->n_policies;
}

/* One first packet alone (a datagram's first fragment, which must finish in order). */
static void
miss_one(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
	 struct dp_pkt_ctx *c)
{
	const struct dp_pgen *g = dp_pgen_get();
	struct dp_decision d;
	struct dp_acl_key k;

	acl_key_of(c, m, &k);
	dp_policy_decide(g, v, &dp.lb_load, lb_row(w, g), &dp.sticky, w->now, &k, -1, &d);
	start_flow(w, v, g, policy_stats(w, g), m, c, &k, &d);
}

/*
 * The burst's misses: one rte_acl_classify call over all of them, then each one's
 * decision, binding and session in arrival order.
 */
static void
miss_batch(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf **pkts,
	   struct dp_pkt_ctx *ctx, const uint16_t *idx, uint16_t n)
{
	const struct dp_pgen *g = dp_pgen_get();
	struct dpw_policy_stats *ps = policy_stats(w, g);
	struct dp_lb_state *row = lb_row(w, g);
	const struct dp_acl_key *kp[DP_BURST];
	struct dp_acl_key keys[DP_BURST];
	uint32_t res[DP_BURST];
	struct dp_decision d;
	uint16_t i;

	for (i = 0; i < n; i++) {
		acl_key_of(&ctx[idx[i]], pkts[idx[i]], &keys[i]);
		kp[i] = &keys[i];
		res[i] = 0;
	}
	if (g != NULL)
		dp_pgen_classify(g, kp, n, res);
	for (i = 0; i < n; i++) {
		dp_policy_decide(g, v, &dp.lb_load, row, &dp.sticky, w->now, &keys[i], res[i], &d);
		start_flow(w, v, g, ps, pkts[idx[i]], &ctx[idx[i]], &keys[i], &d);
	}
}
void
dp_stage_lan(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf **pkts,
	     uint16_t n)
{
	const struct dp_port *lan = &dp.port[dp.lan];
	struct dp_pkt_ctx ctx[DP_BURST];
	struct rte_mbuf *fwd[DP_BURST];
	uint16_t i, nf = 0, nm = 0, miss[DP_BURST];
	const struct dp_pgen *g = dp_pgen_get();
	const struct dp_inb *ib = g != NULL ? g->inb : NULL;
	const uint32_t *hosts;
	/* with several workers, a port forward's or 1:1 host's packets may belong to a
	 * session of another worker (inbound.h: dp_flow_owner) */
	int lan_side = dp.n_workers > 1 && !w->handed && dp_inb_lan_hosts(ib, &hosts) > 0;
	int hairpin = dp_inb_n_services(ib) > 0;
	int by_owner = dp.n_workers > 1 && !w->handed && dp_inb_forwarding_mask(ib) != 0;

	/* pass 1: parse, punt, build keys, prefetch buckets */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_pkt_ctx *c = &ctx[nf];
		struct dpw_pkt_info *pi = &c->pi;
		uint8_t *d;

		if (dp_rx_prologue(w, m, dp.lan, pi) != 0)
			continue;
		d = rte_pktmbuf_mtod(m, uint8_t *);
		if (unlikely(hairpin) && !pi->frag &&
		    (pi->proto == DPW_IPPROTO_TCP || pi->proto == DPW_IPPROTO_UDP) &&
		    (pi->src & lan->mask) == (lan->addr & lan->mask) &&
		    dp_hairpin(w, v, ib, m, c))
			continue;
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
		c->nat_avoid = 0;
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
		if (unlikely(lan_side) &&
		    dp_inb_lan_side(ib, c->key.src, c->key.sport, c->key.proto)) {
			unsigned int owner = dp_flow_owner(c->key.dst, c->key.dport,
							   c->key.proto, dp.n_workers);

			if (owner != w->idx) {
				if (c->fctx != NULL) {
					/* a first fragment: the rest of its datagram follows */
					c->fctx->x.verdict = DP_FRAG_HANDOFF;
					c->fctx->x.arg = (uint8_t)owner;
				}
				dp_handoff(w, m, dp.lan, owner);
				if (c->fctx != NULL)
					dp_frag_first_done(w, c->fctx, dp.lan);
				continue;
			}
		}
		dp_key_hash(w, c);
		fwd[nf++] = m;
	}
	/* pass 2: find each candidate session and prefetch it; pass 3: forward the hits,
	 * collect the misses; then the miss batch */
	for (i = 0; i < nf; i++)
		ctx[i].cand = dp_ct_peek(&w->ct, ctx[i].hash,
					  ctx[i].key.proto == DPW_IPPROTO_TCP);
	for (i = 0; i < nf; i++) {
		struct dp_frag_ctx *fc = ctx[i].fctx;
		struct dp_sess *s = NULL;
		int r;

		if (dp_frag_first_begin(w, fc, fwd[i], dp.lan))
			continue;
		r = forward_head(w, v, fwd[i], &ctx[i], &s, by_owner);
		if (r == HEAD_HIT)
			forward_tail(w, v, fwd[i], &ctx[i], s);
		else if (r == HEAD_MISS && fc == NULL)
			miss[nm++] = i;
		else if (r == HEAD_MISS)
			miss_one(w, v, fwd[i], &ctx[i]);   /* its datagram must finish now */
		if (fc != NULL)
			dp_frag_first_done(w, fc, dp.lan);
	}
	if (nm > 0)
		miss_batch(w, v, fwd, ctx, miss, nm);
}
