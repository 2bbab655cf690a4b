/* SPDX-License-Identifier: BSD-3-Clause
 * Inbound access on a worker lcore (issue 10): a connection from the Internet to a port
 * forward opens a DNAT session to the next server of the service's weighted pool, one to
 * a 1:1 mapping's public address a ONE2ONE session to its host (ports kept), and one to
 * a LAN address behind a forwarding-mode WAN a ROUTE session (nothing translated), each
 * on the WAN it came in on (its replies leave by that WAN whatever the outbound policy
 * says).
 *
 * The session's keys have the shape of an outbound one (ct.h): ORIG is the server's side
 * as its packets arrive on the LAN (server:lan_port -> client), REPLY the Internet side
 * as it arrives on the WAN (client -> public address:public port). So a hit in either
 * direction translates as any session does: from the LAN the source becomes REPLY's
 * destination, from the WAN the destination becomes ORIG's source. DP_SESS_INBOUND says
 * the WAN side opened it (TCP's initiator is DP_DIR_REPLY; the session never moves to
 * another WAN).
 *
 * Such a session carries no NAT port of ours, so with several workers both directions go
 * to dp_flow_owner() of the client's address and port (inbound.h): the WAN stage hands
 * a packet for a service, a 1:1 address or a routed LAN address to it; the LAN stage
 * hands a server's or 1:1 host's packets to it, and with a forwarding-mode WAN every
 * LAN packet that finds no session.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "dataplane/fw.h"
#include "dataplane/lnbr.h"
#include "dataplane/worker.h"

/* Can pi open a connection (a TCP SYN, an ICMP echo request, any UDP)? Else m is
 * dropped (the steps dp_inb_open and hairpin_open share). */
static int
inb_opens(struct dp_worker *w, struct rte_mbuf *m, const struct dpw_pkt_info *pi)
{
	if (pi->proto == DPW_IPPROTO_TCP &&
	    (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK | DPW_TCP_RST)) != DPW_TCP_SYN) {
		dp_drop(w, m, DPW_DROP_TCP_NOT_SYN);
		return 0;
	}
	if (pi->proto == DPW_IPPROTO_ICMP && pi->icmp_type != DPW_ICMP_ECHO) {
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return 0;
	}
	return 1;
}

/* The MAC of LAN host addr, or m dropped while the main lcore asks ARP (the client's
 * retry finds it). */
static int
inb_lan_mac(struct dp_worker *w, struct rte_mbuf *m, uint32_t addr, struct rte_ether_addr *mac)
{
	if (dp_lnbr_lookup(addr, mac) == 0)
		return 1;
	dp_drop(w, m, DPW_DROP_LAN_NBR_UNRESOLVED);
	return 0;
}

struct dp_sess *
dp_inb_open(struct dp_worker *w, unsigned int wan, struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dp_pgen *g = dp_pgen_get();
	const struct dpw_pkt_info *pi = &c->pi;
	struct rte_ether_addr mac;
	struct dp_flow_key orig;
	struct dp_sess *s;
	uint32_t lan_addr;
	uint16_t lan_port;
	int err, dir;

	/* only what can open a connection opens one */
	if (!inb_opens(w, m, pi))
		return NULL;
	if (g == NULL || g->inb == NULL) {
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return NULL;
	}
	/* DoS: a flood of first packets must not fill the table (SYN cookies would need
	 * the server's options; rate limits need nothing) */
	if (unlikely(!dp_dos_inbound_admit(w, g->fw, c->key.src))) {
		dp_drop(w, m, DPW_DROP_DOS_SYN_RATE);
		return NULL;
	}
	if (unlikely(!dp_dos_sess_admit(w, g->fw, 0, wan))) {
		dp_drop(w, m, DPW_DROP_DOS_SESSIONS);
		return NULL;
	}
	if (c->svc != NULL) {
		/* a port forward: the next server of its pool, on its LAN port */
		lan_addr = dp_inb_pick(g->inb, c->svc, w->idx)->addr;
		lan_port = dp_inb_lan_port(c->svc, c->key.dport);
	} else {
		/* 1:1 or routed: the host, on the port the client asked for */
		lan_addr = c->inb_to;
		lan_port = c->key.dport;
	}
	if (g->fw != NULL && !dp_fw_idle(g->fw, DP_FW_IN)) {
		/* the inbound rules see the LAN side: the host and its port; what no rule
		 * matches is allowed when a service or a 1:1 mapping opens it, and gets the
		 * inbound default behind a forwarding-mode WAN */
		struct dp_fw_key k;

		memset(&k, 0, sizeof(k));
		k.proto = c->key.proto;
		k.wan = (uint8_t)wan;
		k.src = c->key.src;
		k.dst = lan_addr;
		if (c->key.proto != DPW_IPPROTO_ICMP) {
			k.sport = c->key.sport;
			k.dport = lan_port;
		}
		if (!dp_fw_pass(w, g, DP_FW_IN, &k, c->inb_xlate != DP_XLATE_ROUTE, m, pi,
				dp.wan_port[wan], c->key.dst))
			return NULL;
	}
	if (!inb_lan_mac(w, m, lan_addr, &mac))
		return NULL;
	memset(&orig, 0, sizeof(orig));
	orig.src = lan_addr;
	orig.dst = c->key.src;
	orig.sport = lan_port;
	orig.dport = c->key.sport;
	orig.proto = c->key.proto;
	orig.zone = (uint8_t)dp.lan;
	orig.family = 4;
	s = dp_ct_create(&w->ct, &orig, &c->key, w->now, &err);
	if (s == NULL && err == -EEXIST) {
		struct dp_sess *old;

		/* an earlier packet of the same burst opened it */
		s = dp_ct_lookup(&w->ct, &c->key, c->hash, &dir);
		if (s != NULL && dir == DP_DIR_REPLY)
			return s;
		/* the host's end of these ports is another session's: a connection that
		 * ended (reached another way: routed, 1:1, another service) gives way to
		 * the new one; anything else is the host's own and not ours to take */
		s = NULL;
		old = dp_ct_lookup(&w->ct, &orig, dp_ct_hash(&orig), &dir);
		if (old != NULL && pi->proto == DPW_IPPROTO_TCP && !(old->flags & DP_SESS_SHADOW) &&
		    (old->tcp_state == DP_TCP_CLOSED || old->tcp_state == DP_TCP_FIN_BOTH)) {
			dp_ct_delete(&w->ct, old);
			w->st->sess_closed++;
			s = dp_ct_create(&w->ct, &orig, &c->key, w->now, &err);
		}
		if (s == NULL && err == -EEXIST) {
			dp_drop(w, m, DPW_DROP_NO_SESSION);
			return NULL;
		}
	}
	if (s == NULL) {
		dp_drop(w, m, DPW_DROP_TABLE_FULL);
		return NULL;
	}
	s->wan = (uint8_t)wan;
	s->xlate = c->inb_xlate;
	/* the WAN side opened it; its answers are not the WAN's health (passive detection) */
	s->flags |= DP_SESS_INBOUND | DP_SESS_REPLIED;
	s->rule = DP_RULE_NONE;
	s->policy = 0xffff;
	s->how = DP_HOW_NONE;
	memcpy(s->client_mac, &mac, 6);
	dp_dos_count(w, g->fw, s);
	w->st->sess_created++;
	w->st->wan_sess_created[wan]++;
	if (c->svc != NULL && c->svc->id < DPW_SHM_SERVICES)
		dp_inb_stats(w, g)->svc_conns[c->svc->id]++;
	return s;
}

/* Forward a hairpin session's packet of direction dir: between client and server, each
 * seeing the other as the public address and the LAN address (stage_inb.c's head). */
static void
hairpin_forward(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt_ctx *c,
		struct dp_sess *s, int dir)
{
	const struct dp_port *lan = &dp.port[dp.lan];
	const struct dpw_pkt_info *pi = &c->pi;
	const struct dp_flow_key *o = &s->key[DP_DIR_ORIG], *r = &s->key[DP_DIR_REPLY];
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (pi->ttl <= 1) {
		dp_drop(w, m, DPW_DROP_TTL_EXCEEDED);
		return;
	}
	if (pi->proto == DPW_IPPROTO_TCP && dp_track_tcp(w, s, dir, m, pi) != 0)
		return;
	dp_ct_touch(s, dir, pi->ip_len, w->now);
	if (dir == DP_DIR_ORIG) {
		/* client -> public:port becomes LAN address:NAT port -> server */
		dp_nat_rewrite(d, pi, 0, r->src, r->sport);
		dp_nat_rewrite(d, pi, 1, r->dst, r->dport);
		dp_set_eth(d, (const struct rte_ether_addr *)s->peer_mac, &lan->mac);
	} else {
		/* server -> LAN address:NAT port becomes public:port -> client */
		dp_nat_rewrite(d, pi, 0, o->src, o->sport);
		dp_nat_rewrite(d, pi, 1, o->dst, o->dport);
		dp_set_eth(d, (const struct rte_ether_addr *)s->client_mac, &lan->mac);
	}
	dpw_ipv4_dec_ttl(d + pi->l3_off);
	dp_tx(w, dp.lan, m);
}

/* A LAN client's first packet to a service through a public address: its session. */
static struct dp_sess *
hairpin_open(struct dp_worker *w, const struct dp_inb *ib, const struct dp_inb_svc *svc,
	     unsigned int wan, struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dp_pgen *g = dp_pgen_get();
	const struct dpw_pkt_info *pi = &c->pi;
	const struct dp_inb_server *srv;
	struct rte_ether_addr mac;
	struct dp_flow_key reply;
	struct dp_sess *s;
	int err;

	if (!inb_opens(w, m, pi))
		return NULL;
	srv = dp_inb_pick(ib, svc, w->idx);
	if (!inb_lan_mac(w, m, srv->addr, &mac))
		return NULL;
	memset(&reply, 0, sizeof(reply));
	reply.src = srv->addr;
	reply.dst = dp.port[dp.lan].addr;
	reply.sport = dp_inb_lan_port(svc, c->key.dport);
	reply.proto = c->key.proto;
	reply.zone = (uint8_t)dp.lan;
	reply.family = 4;
	if (dp_nat_bind(w, &reply, c->key.sport) != 0) {
		dp_drop(w, m, DPW_DROP_NAT_EXHAUSTED);
		return NULL;
	}
	s = dp_ct_create(&w->ct, &c->key, &reply, w->now, &err);
	if (s == NULL) {
		dp_drop(w, m, DPW_DROP_TABLE_FULL);
		return NULL;
	}
	s->wan = (uint8_t)wan;
	s->xlate = DP_XLATE_HAIRPIN;
	s->flags |= DP_SESS_REPLIED;
	s->rule = DP_RULE_NONE;
	s->policy = 0xffff;
	s->how = DP_HOW_NONE;
	memcpy(s->client_mac, rte_pktmbuf_mtod_offset(m, uint8_t *, 6), 6);
	memcpy(s->peer_mac, &mac, 6);
	w->st->sess_created++;
	if (svc->id < DPW_SHM_SERVICES)
		dp_inb_stats(w, g)->svc_conns[svc->id]++;
	return s;
}

int
dp_hairpin(struct dp_worker *w, const struct dp_wan_view *v, const struct dp_inb *ib,
	   struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dpw_pkt_info *pi = &c->pi;
	const struct dp_inb_svc *svc = NULL;
	struct dp_sess *s;
	int wan = -1, dir;
	unsigned int i;

	if (pi->dst == dp.port[dp.lan].addr) {
		/* a server's answer to a hairpin session's NAT port? */
		int owner = dp_nat_owner(rte_be_to_cpu_16(pi->dport), dp.conf.nat_port_min,
					 dp.conf.nat_port_max, dp.n_workers);

		if (owner < 0)
			return 0;
		if ((unsigned int)owner != w->idx) {
			dp_handoff(w, m, dp.lan, (unsigned int)owner);
			return 1;
		}
	} else {
		for (i = 0; i < v->n_wans && wan < 0; i++)
			if (v->wan[i].configured && v->wan[i].addr == pi->dst)
				wan = (int)i;
		if (wan >= 0)
			svc = dp_inb_service(ib, (unsigned int)wan, 0, pi->proto, pi->dport);
		else if ((wan = dp_inb_extra_wan(ib, pi->dst)) >= 0)
			svc = dp_inb_service(ib, (unsigned int)wan, pi->dst, pi->proto, pi->dport);
		if (svc == NULL)
			return 0;
	}
	memset(&c->key, 0, sizeof(c->key));
	c->key.src = pi->src;
	c->key.dst = pi->dst;
	c->key.sport = pi->sport;
	c->key.dport = pi->dport;
	c->key.proto = pi->proto;
	c->key.zone = (uint8_t)dp.lan;
	c->key.family = 4;
	c->hash = dp_ct_hash(&c->key);
	s = dp_ct_lookup(&w->ct, &c->key, c->hash, &dir);
	if (s != NULL && s->xlate != DP_XLATE_HAIRPIN)
		s = NULL;
	if (svc == NULL && s == NULL)
		return 0;      /* for the router itself */
	if (s != NULL && dir == DP_DIR_ORIG && pi->proto == DPW_IPPROTO_TCP &&
	    unlikely((pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN) &&
	    (s->tcp_state == DP_TCP_CLOSED || s->tcp_state == DP_TCP_FIN_BOTH)) {
		dp_ct_delete(&w->ct, s);
		w->st->sess_closed++;
		s = NULL;
	}
	if (s == NULL) {
		s = hairpin_open(w, ib, svc, (unsigned int)wan, m, c);
		if (s == NULL)
			return 1;
		dir = DP_DIR_ORIG;
	}
	hairpin_forward(w, m, c, s, dir);
	return 1;
}
