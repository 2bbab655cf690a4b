/* SPDX-License-Identifier: BSD-3-Clause
 * WAN ingress on a worker lcore: replies to NATed sessions are handed to the worker
 * whose port slice holds them, looked up in bulk, translated back (including ICMP errors
 * about NATed flows) and sent to the LAN host; a port forward's, a 1:1 address's and (on
 * a forwarding-mode WAN) a LAN host's packets go to the worker dp_flow_owner names,
 * which opens the connection's session (stage_inb.c) or finds it;
 * everything else addressed to the WAN address goes to the kernel through the exception
 * path.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "dataplane/dns_snoop.h"
#include "lib/pkt/dpw_dns.h"
#include "dataplane/wan_input.h"
#include "dataplane/worker.h"

/*
 * No NAT session takes this packet: the WAN input policy decides whether the kernel
 * sees it (and under which class's rate). keyed: c->key holds the packet's flow (for
 * an ICMP error, the quoted flow reversed), so it can be matched to a host flow.
 */
static void
to_host(struct dp_worker *w, const struct dp_wan_entry *we, struct rte_mbuf *m,
	unsigned int pidx, const struct dp_pkt_ctx *c, int to_addr, int keyed)
{
	struct dp_wan_input in = {
		.pi = &c->pi,
		.to_addr = to_addr,
		.icmp_err_about_us = keyed && c->icmp_err,
		.wan_addr = rte_be_to_cpu_32(we->addr),
		.dhcp_wan = we->dhcp,
	};
	int cls;

	if (to_addr && keyed)
		in.host_flow = dp_hostflow_has(dp.hostflow, &c->key, w->now);
	cls = dp_wan_input_class(&in, &dp.conf.ports[pidx], &dp.conf);
	if (c->fctx != NULL) {
		/* the rest of the datagram goes the same way; the kernel reassembles */
		c->fctx->x.verdict = cls < 0 ? DP_FRAG_DROP : DP_FRAG_PUNT;
		c->fctx->x.arg = (uint8_t)(cls < 0 ? 0 : cls);
	}
	if (cls < 0) {
		dp_drop(w, m, DPW_DROP_WAN_INPUT_DENIED);
		return;
	}
	dp_punt(w, m, pidx, (unsigned int)cls);
}

/* A LAN host a forwarding-mode WAN routes to: in the LAN subnet, not the router, the
 * subnet's own address or its broadcast (no directed broadcasts from the Internet). */
static inline int
routable(const struct dp_port *lan, uint32_t dst)
{
	return (dst & lan->mask) == (lan->addr & lan->mask) && dst != lan->addr &&
	       dst != (lan->addr & lan->mask) && dst != (lan->addr | ~lan->mask);
}

static void
deliver(struct dp_worker *w, const struct dp_wan_view *v, unsigned int pidx,
	struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dp_wan_entry *we = &v->wan[dp.port[pidx].wan];
	const struct dp_port *lan = &dp.port[dp.lan];
	struct dpw_pkt_info *pi = &c->pi;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct dp_sess *s;
	int dir;

	s = dp_ct_lookup_hinted(&w->ct, &c->key, c->hash, c->cand, &dir);
	if (s != NULL && (s->flags & DP_SESS_INBOUND) && pi->proto == DPW_IPPROTO_TCP &&
	    unlikely((pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN) &&
	    (s->tcp_state == DP_TCP_CLOSED || s->tcp_state == DP_TCP_FIN_BOTH)) {
		/* the client opens its ports again: a new connection, to the next server */
		dp_ct_delete(&w->ct, s);
		w->st->sess_closed++;
		s = NULL;
	}
	if ((s == NULL || dir != DP_DIR_REPLY) && c->inb_xlate != DP_XLATE_NONE && !c->icmp_err) {
		/* a new connection to a port forward, a 1:1 address, a routed LAN host */
		s = dp_inb_open(w, dp.port[pidx].wan, m, c);
		if (s == NULL)
			return;
		dir = DP_DIR_REPLY;
	}
	if (s == NULL || dir != DP_DIR_REPLY) {
		if (c->inb_xlate != DP_XLATE_NONE) {
			/* an ICMP error about an inbound connection that is gone */
			dp_drop(w, m, DPW_DROP_ICMP_ERR_NO_SESSION);
			return;
		}
		/* no NAT session: the appliance's own traffic (health checks, DHCP...)? */
		to_host(w, we, m, pidx, c, 1, 1);
		return;
	}
	if (unlikely(s->flags & (DP_SESS_RACING | DP_SESS_SHADOW)) && !c->icmp_err) {
		/* fastest response: the first answer decides the session's WAN */
		s = dp_nat_fastest_answer(w, s);
		if (s == NULL) {
			/* a fragment's datagram: its verdict stays DROP (first_begin) */
			dp_drop(w, m, DPW_DROP_FASTEST_LATE);
			return;
		}
	}
	if (pi->ttl <= 1) {
		dp_icmp_reply_error(w, m, pi, pidx, DPW_ICMP_TIMXCEED, 0, 0, we->addr,
				    DPW_DROP_TTL_EXCEEDED);
		return;
	}
	if (c->icmp_err) {
		dp_icmp_translate_error(d, pi, &c->in, 1, s->key[DP_DIR_ORIG].src,
					s->key[DP_DIR_ORIG].sport);
		w->st->icmp_errors_translated++;
	} else {
		if (pi->proto == DPW_IPPROTO_TCP && dp_track_tcp(w, s, DP_DIR_REPLY, m, pi) != 0)
			return;
		if (unlikely(!(s->flags & DP_SESS_REPLIED)) && s->wan < DPW_MAX_WANS) {
			/* passive detection: the first answer of the session (a SYN-ACK for
			 * TCP), counted once against its WAN */
			if (pi->proto != DPW_IPPROTO_TCP) {
				s->flags |= DP_SESS_REPLIED;     /* ICMP: not counted */
				if (pi->proto == DPW_IPPROTO_UDP)
					w->st->wan_udp_answered[s->wan]++;
			} else if (pi->proto == DPW_IPPROTO_TCP &&
				   (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) ==
				   (DPW_TCP_SYN | DPW_TCP_ACK)) {
				s->flags |= DP_SESS_REPLIED;
				w->st->wan_tcp_synack[s->wan]++;
			}
		}
		dp_ct_touch(s, DP_DIR_REPLY, pi->ip_len, w->now);
		dp_sess_rewrite(d, pi, s, 0, s->key[DP_DIR_ORIG].src, s->key[DP_DIR_ORIG].sport);
		/* issue 9: a DNS answer to a LAN host fills the domain sets before it goes,
		 * so the host's first connection to the name finds its rule */
		if (unlikely(pi->sport == RTE_BE16(DPW_DNS_PORT)) && pi->proto == DPW_IPPROTO_UDP &&
		    c->fctx == NULL && pi->l4_len >= DPW_UDP_HDR_LEN)
			dp_dns_snoop(dp_pgen_get(), dp.dnsset, d + pi->l4_off + DPW_UDP_HDR_LEN,
				     (uint16_t)(pi->l4_len - DPW_UDP_HDR_LEN), w->now, w->idx);
		if (pi->proto == DPW_IPPROTO_TCP && (pi->tcp_flags & DPW_TCP_SYN) &&
		    s->wan < v->n_wans)
			w->st->mss_clamped += (uint64_t)dpw_tcp_clamp_mss(d + pi->l4_off,
				(uint32_t)(d[pi->l4_off + 12] >> 4) * 4, v->wan[s->wan].mss);
	}
	dpw_ipv4_dec_ttl(d + pi->l3_off);
	dp_set_eth(d, (const struct rte_ether_addr *)s->client_mac, &lan->mac);
	if (c->fctx != NULL)
		dp_frag_note_forward(c->fctx, 0, s->key[DP_DIR_ORIG].src, dp.lan, lan->mtu,
				     (const struct rte_ether_addr *)s->client_mac, &lan->mac, 0xff);
	if (unlikely(pi->ip_len > lan->mtu) && !(dpw_get16(d + pi->l3_off + 6) & DPW_IP_DF)) {
		dp_fragment_tx(w, m, lan->mtu, dp.lan);
		return;
	}
	dp_tx(w, dp.lan, m);
}

void
dp_stage_wan(struct dp_worker *w, const struct dp_wan_view *v, unsigned int pidx,
	     struct rte_mbuf **pkts, uint16_t n, int owned)
{
	struct dp_pkt_ctx ctx[DP_BURST];
	struct rte_mbuf *fwd[DP_BURST];
	uint16_t i, nf = 0;
	int wan = dp.port[pidx].wan;
	/* this WAN's address as the running document gives it (0: unconfigured) */
	const struct dp_wan_entry *we = &v->wan[wan];
	uint32_t addr = we->addr;
	const struct dp_pgen *g = dp_pgen_get();
	const struct dp_inb *ib = g != NULL ? g->inb : NULL;
	const struct dp_port *lan = &dp.port[dp.lan];
	/* per burst: does anything inbound need looking up at all */
	int services = dp_inb_n_services(ib) > 0;
	int routing = (dp_inb_forwarding_mask(ib) >> wan) & 1;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_pkt_ctx *c = &ctx[nf];
		struct dpw_pkt_info *pi = &c->pi;
		uint16_t natport;
		uint32_t extra = 0;  /* an additional address of this WAN it is sent to */
		int routed = 0;      /* to a LAN host behind this forwarding-mode WAN */
		uint8_t *d;
		int owner;

		if (!owned) {
			w->st->wan_rx_pkts[wan]++;
			w->st->wan_rx_bytes[wan] += rte_pktmbuf_pkt_len(m);
		}
		if (dp_rx_prologue(w, m, pidx, pi) != 0)
			continue;
		d = rte_pktmbuf_mtod(m, uint8_t *);
		c->icmp_err = 0;
		c->fctx = NULL;
		c->svc = NULL;
		c->inb_xlate = DP_XLATE_NONE;
		if (unlikely(pi->dst != addr) && ib != NULL) {
			if (addr != 0 && dp_inb_extra_wan(ib, pi->dst) == wan)
				extra = pi->dst;
			else if (routing && routable(lan, pi->dst))
				routed = 1;
		}
		if ((pi->dst != addr || addr == 0) && extra == 0 && !routed) {
			/* a DHCP WAN's offers may come to the address offered, not (yet) ours */
			if (pi->dst == 0xffffffffu || (addr != 0 && pi->dst == (addr | ~we->mask)) ||
			    (rte_be_to_cpu_32(pi->dst) >> 28) == 0xe ||
			    (we->dhcp && dp_wan_input_dhcp_reply(pi)))
				to_host(w, we, m, pidx, c, 0, 0);
			else
				dp_drop(w, m, DPW_DROP_NOT_FOR_US);
			continue;
		}
		if (pi->frag && dp_frag_input(w, m, pidx, pi, owned, &c->fctx) == 0)
			continue;
		memset(&c->key, 0, sizeof(c->key));
		c->key.family = 4;
		c->key.zone = (uint8_t)pidx;
		if (pi->proto == DPW_IPPROTO_TCP || pi->proto == DPW_IPPROTO_UDP ||
		    (pi->proto == DPW_IPPROTO_ICMP && (pi->icmp_type == DPW_ICMP_ECHOREPLY ||
		     /* a ping to a 1:1 address or a routed host opens a session */
		     (pi->icmp_type == DPW_ICMP_ECHO && (extra != 0 || routed))))) {
			c->key.src = pi->src;
			c->key.dst = pi->dst;
			c->key.sport = pi->sport;
			c->key.dport = pi->dport;
			c->key.proto = pi->proto;
			natport = pi->dport;
		} else if (pi->proto == DPW_IPPROTO_ICMP && pi->icmp_kind == DPW_ICMP_KIND_ERROR &&
			   dpw_pkt_parse_inner(d, rte_pktmbuf_data_len(m), pi, &c->in) == 0 &&
			   c->in.src == pi->dst &&
			   dpw_csum_partial(d + pi->l4_off, pi->l4_len, 0) == 0xffff) {
			/* about a packet we sent: its session is the quoted flow reversed */
			dp_key_from_quoted(c);
			natport = c->in.sport;
		} else if (extra != 0 || routed) {
			/* no kernel address to take it; other protocols have no sessions */
			dp_drop(w, m, routed ? DPW_DROP_UNSUPPORTED_PROTO : DPW_DROP_NOT_FOR_US);
			goto consumed;
		} else {
			to_host(w, we, m, pidx, c, 1, 0);
			goto consumed;
		}
		/* a port forward's, a 1:1 address's or a routed host's (the key's destination:
		 * for an ICMP error, the quoted packet's source) belongs to the worker of its
		 * Internet end */
		if (routed) {
			c->inb_xlate = DP_XLATE_ROUTE;
			c->inb_to = c->key.dst;
		} else if (services && (c->svc = dp_inb_service(ib, (unsigned int)wan, extra,
							       c->key.proto, c->key.dport)) != NULL) {
			c->inb_xlate = DP_XLATE_DNAT;
		} else if (extra != 0 &&
			   dp_inb_one2one_host(ib, (unsigned int)wan, extra, &c->inb_to) == 0) {
			c->inb_xlate = DP_XLATE_ONE2ONE;
		}
		if (c->inb_xlate != DP_XLATE_NONE)
			owner = (int)dp_flow_owner(c->key.src, c->key.sport, c->key.proto,
						   dp.n_workers);
		else
			owner = dp_nat_owner(rte_be_to_cpu_16(natport), dp.conf.nat_port_min,
					     dp.conf.nat_port_max, dp.n_workers);
		if (owner < 0 && extra != 0) {
			/* the kernel has no additional address: nothing of ours takes it */
			dp_drop(w, m, DPW_DROP_NOT_FOR_US);
			goto consumed;
		}
		if (owner < 0) {
			to_host(w, we, m, pidx, c, 1, 1);   /* the kernel's own ports */
			goto consumed;
		}
		if ((unsigned int)owner != w->idx) {
			if (c->fctx != NULL) {
				/* the session is the owner's: so is the rest of the datagram */
				c->fctx->x.verdict = DP_FRAG_HANDOFF;
				c->fctx->x.arg = (uint8_t)owner;
			}
			dp_handoff(w, m, pidx, (unsigned int)owner);
			goto consumed;
		}
		dp_key_hash(w, c);
		fwd[nf++] = m;
		continue;
consumed:
		if (c->fctx != NULL)
			dp_frag_first_done(w, c->fctx, pidx);
	}
	for (i = 0; i < nf; i++)
		ctx[i].cand = dp_ct_peek(&w->ct, ctx[i].hash,
					  ctx[i].key.proto == DPW_IPPROTO_TCP);
	for (i = 0; i < nf; i++) {
		struct dp_frag_ctx *fc = ctx[i].fctx;

		if (dp_frag_first_begin(w, fc, fwd[i], pidx))
			continue;
		deliver(w, v, pidx, fwd[i], &ctx[i]);
		if (fc != NULL)
			dp_frag_first_done(w, fc, pidx);
	}
}
