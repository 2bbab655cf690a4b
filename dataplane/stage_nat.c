/* SPDX-License-Identifier: BSD-3-Clause
 * The NAT stage of the batched miss path (worker lcores): bind a port of the chosen
 * WAN's address for a new flow and create its session; for fastest response, bind the
 * same flow on each other candidate WAN as a shadow session and send each a separate
 * copy of the first packet (TX fast free forbids clones). The first answer decides
 * (stage_wan.c: dp_nat_fastest_answer); the other bindings are freed then.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "dataplane/fw.h"
#include "dataplane/worker.h"

struct taken_arg {
	struct dp_ct *ct;
	struct dp_flow_key reply;
	uint16_t avoid;           /* host order, 0: none */
};

static int
port_taken(void *arg, uint16_t port)
{
	struct taken_arg *t = arg;

	if (port == t->avoid)
		return 1;
	t->reply.dport = rte_cpu_to_be_16(port);
	return dp_ct_exists(t->ct, &t->reply);
}

static int
bind_avoiding(struct dp_worker *w, struct dp_flow_key *reply, uint16_t want, uint16_t avoid)
{
	struct taken_arg t = { .ct = &w->ct, .reply = *reply, .avoid = avoid };
	uint16_t port;

	port = dp_nat_alloc(&w->nat, rte_be_to_cpu_16(want), port_taken, &t);
	if (port == 0)
		return -ENOSPC;
	reply->dport = rte_cpu_to_be_16(port);
	return 0;
}

int
dp_nat_bind(struct dp_worker *w, struct dp_flow_key *reply, uint16_t want)
{
	return bind_avoiding(w, reply, want, 0);
}

/*
 * The reply key of orig on WAN wan and how the session translates (*xlate), or -ENOSPC:
 * a forwarding-mode WAN routes it untranslated (ROUTE), a 1:1 host leaves from its
 * public address with its own port (ONE2ONE: the address is the host's alone); else a
 * free NAT port of the WAN's address (SNAT) or of the address an outbound NAT mapping
 * gives the host on that WAN (SNAT_MAP).
 */
static int
bind_port(struct dp_worker *w, const struct dp_wan_view *v, const struct dp_flow_key *orig,
	  unsigned int wan, struct dp_flow_key *reply, uint16_t avoid, uint8_t *xlate)
{
	const struct dp_pgen *g = dp_pgen_get();
	const struct dp_inb *ib = g != NULL ? g->inb : NULL;
	uint32_t mapped, pub;
	unsigned int pwan;

	memset(reply, 0, sizeof(*reply));
	reply->src = orig->dst;
	reply->sport = orig->dport;
	reply->proto = orig->proto;
	reply->zone = v->wan[wan].port;
	reply->family = 4;
	if (unlikely(ib != NULL) && ((dp_inb_forwarding_mask(ib) >> wan) & 1)) {
		reply->dst = orig->src;
		reply->dport = orig->sport;
		*xlate = DP_XLATE_ROUTE;
		return 0;
	}
	if (unlikely(ib != NULL) && dp_inb_one2one_public(ib, orig->src, &pwan, &pub) == 0 &&
	    pwan == wan) {
		reply->dst = pub;
		reply->dport = orig->sport;
		*xlate = DP_XLATE_ONE2ONE;
		return 0;
	}
	mapped = dp_inb_snat_addr(ib, wan, orig->src);
	reply->dst = mapped != 0 ? mapped : v->wan[wan].addr;
	*xlate = mapped != 0 ? DP_XLATE_SNAT_MAP : DP_XLATE_SNAT;
	return bind_avoiding(w, reply, orig->sport, avoid);
}

struct dp_sess *
dp_nat_create(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
	      struct dp_pkt_ctx *c, unsigned int wan)
{
	const struct dpw_pkt_info *pi = &c->pi;
	struct dp_flow_key reply;
	struct dp_sess *s;
	uint8_t xlate;
	int err, dir;

	if (bind_port(w, v, &c->key, wan, &reply, c->nat_avoid, &xlate) != 0) {
		/* never a shared port: the flow waits for one (the main lcore reports it) */
		w->st->wan_nat_exhausted[wan]++;
		dp_drop(w, m, DPW_DROP_NAT_EXHAUSTED);
		return NULL;
	}
	s = dp_ct_create(&w->ct, &c->key, &reply, w->now, &err);
	if (s == NULL && err == -EEXIST) {
		/* an earlier packet of the same burst created the flow's session */
		s = dp_ct_lookup(&w->ct, &c->key, c->hash, &dir);
		if (s != NULL && dir == DP_DIR_ORIG)
			return s;
	}
	if (s == NULL) {
		dp_drop(w, m, DPW_DROP_TABLE_FULL);
		return NULL;
	}
	s->wan = (uint8_t)wan;
	s->xlate = xlate;
	s->rule = DP_RULE_NONE;
	s->policy = 0xffff;
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

/* The orig key of session s's shadow on WAN wan: never the key of a real packet. */
static inline void
shadow_key(const struct dp_sess *s, unsigned int wan, struct dp_flow_key *k)
{
	*k = s->key[DP_DIR_ORIG];
	k->zone = (uint8_t)(DP_ZONE_SHADOW | wan);
}

void
dp_nat_fastest_copies(struct dp_worker *w, const struct dp_wan_view *v, struct rte_mbuf *m,
		      struct dp_pkt_ctx *c, struct dp_sess *s, uint8_t also_mask)
{
	const struct dpw_pkt_info *pi = &c->pi;
	unsigned int wan;

	for (wan = 0; wan < v->n_wans; wan++) {
		const struct dp_wan_entry *we = &v->wan[wan];
		struct dp_flow_key orig, reply;
		struct rte_mbuf *cp;
		struct dp_sess *sh;
		uint8_t *d, xlate;
		int err;

		if (!(also_mask & (1u << wan)) || wan == s->wan || !v->usable[wan])
			continue;
		if (pi->ip_len > we->mtu)
			continue;   /* the main copy says what the host must do */
		shadow_key(s, wan, &orig);
		if (bind_port(w, v, &s->key[DP_DIR_ORIG], wan, &reply, 0, &xlate) != 0)
			continue;
		sh = dp_ct_create(&w->ct, &orig, &reply, w->now, &err);
		if (sh == NULL)
			continue;
		cp = rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX);
		if (cp == NULL) {
			dp_ct_delete(&w->ct, sh);
			w->st->drops[DPW_DROP_NO_MBUF]++;
			continue;
		}
		sh->wan = (uint8_t)wan;
		sh->xlate = xlate;
		sh->flags |= DP_SESS_SHADOW;
		sh->rule = s->rule;
		sh->policy = s->policy;
		sh->how = DP_HOW_FASTEST;
		sh->tcp_state = s->tcp_state;
		memcpy(sh->client_mac, s->client_mac, 6);
		s->pending_mask |= (uint8_t)(1u << wan);
		d = rte_pktmbuf_mtod(cp, uint8_t *);
		dp_nat_rewrite(d, pi, 1, reply.dst, reply.dport);
		dpw_ipv4_dec_ttl(d + pi->l3_off);
		if (pi->proto == DPW_IPPROTO_TCP && (pi->tcp_flags & DPW_TCP_SYN))
			(void)dpw_tcp_clamp_mss(d + pi->l4_off,
						(uint32_t)(d[pi->l4_off + 12] >> 4) * 4, we->mss);
		dp_set_eth(d, &we->gw_mac, &we->src_mac);
		w->st->wan_tx_pkts[wan]++;
		w->st->wan_tx_bytes[wan] += rte_pktmbuf_pkt_len(cp);
		dp_tx(w, we->port, cp);
	}
	if (s->pending_mask) {
		s->pending_mask |= (uint8_t)(1u << s->wan);
		s->flags |= DP_SESS_RACING;
	}
}

/* Remove session s's shadows on the WANs of mask. */
static void
drop_shadows(struct dp_worker *w, const struct dp_sess *s, uint8_t mask)
{
	unsigned int wan;

	for (wan = 0; wan < DPW_MAX_WANS; wan++) {
		struct dp_flow_key k;
		struct dp_sess *sh;
		int dir;

		if (!(mask & (1u << wan)))
			continue;
		shadow_key(s, wan, &k);
		sh = dp_ct_lookup(&w->ct, &k, dp_ct_hash(&k), &dir);
		if (sh != NULL && (sh->flags & DP_SESS_SHADOW))
			dp_ct_delete(&w->ct, sh);
	}
}

struct dp_sess *
dp_nat_fastest_answer(struct dp_worker *w, struct dp_sess *s)
{
	struct dp_flow_key orig, reply;
	struct dp_sess *main_s, *n, keep;
	unsigned int wan = s->wan;
	int dir, err;

	if (!(s->flags & DP_SESS_SHADOW)) {
		/* the main session's own WAN answered first: the copies lose */
		drop_shadows(w, s, (uint8_t)(s->pending_mask & ~(1u << s->wan)));
		s->pending_mask = 0;
		s->flags &= (uint8_t)~DP_SESS_RACING;
		return s;
	}
	orig = s->key[DP_DIR_ORIG];
	orig.zone = (uint8_t)dp.lan;
	main_s = dp_ct_lookup(&w->ct, &orig, dp_ct_hash(&orig), &dir);
	if (main_s == NULL || dir != DP_DIR_ORIG || !(main_s->pending_mask & (1u << wan))) {
		/* a late answer of a race already decided (or its session expired) */
		dp_ct_delete(&w->ct, s);
		return NULL;
	}
	/* this WAN was first: the session moves onto the shadow's binding */
	reply = s->key[DP_DIR_REPLY];
	keep = *main_s;
	drop_shadows(w, main_s, main_s->pending_mask);
	dp_ct_delete(&w->ct, main_s);
	n = dp_ct_create(&w->ct, &orig, &reply, keep.created, &err);
	if (n == NULL)
		return NULL;
	n->last_seen = keep.last_seen;
	n->tcp_state = keep.tcp_state;
	n->flags = (uint8_t)(keep.flags & ~(DP_SESS_SHADOW | DP_SESS_RACING));
	if (keep.flags & DP_SESS_COUNTED)
		dp_dos_sess_hold(w, keep.key[DP_DIR_ORIG].src, wan);  /* uncounted with main_s */
	n->xlate = s->xlate;     /* the winner's binding: its WAN's address or mapping */
	memcpy(n->wscale, keep.wscale, sizeof(n->wscale));
	memcpy(n->client_mac, keep.client_mac, 6);
	memcpy(n->bytes, keep.bytes, sizeof(n->bytes));
	memcpy(n->tcp, keep.tcp, sizeof(n->tcp));
	n->wan = (uint8_t)wan;
	n->rule = keep.rule;
	n->policy = keep.policy;
	n->how = DP_HOW_FASTEST;
	n->algorithm = keep.algorithm;
	n->cand_mask = keep.cand_mask;
	n->usable_mask = keep.usable_mask;
	n->pending_mask = 0;
	return n;
}
