/* SPDX-License-Identifier: BSD-3-Clause
 * Inbound access on a worker lcore (issue 10): a connection from the Internet to a port
 * forward opens a DNAT session to the next server of the service's weighted pool, on the
 * WAN it came in on (its replies leave by that WAN whatever the outbound policy says).
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
 * a packet for a service to it, the LAN stage hands a server's packets to it.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "dataplane/lnbr.h"
#include "dataplane/worker.h"

struct dp_sess *
dp_inb_open(struct dp_worker *w, unsigned int wan, struct rte_mbuf *m, struct dp_pkt_ctx *c)
{
	const struct dp_pgen *g = dp_pgen_get();
	const struct dpw_pkt_info *pi = &c->pi;
	const struct dp_inb_server *srv;
	struct rte_ether_addr mac;
	struct dp_flow_key orig;
	struct dp_sess *s;
	int err, dir;

	/* only what can open a connection opens one */
	if (pi->proto == DPW_IPPROTO_TCP &&
	    (pi->tcp_flags & (DPW_TCP_SYN | DPW_TCP_ACK | DPW_TCP_RST)) != DPW_TCP_SYN) {
		dp_drop(w, m, DPW_DROP_TCP_NOT_SYN);
		return NULL;
	}
	if (g == NULL || g->inb == NULL) {
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return NULL;
	}
	srv = dp_inb_pick(g->inb, c->svc, w->idx);
	if (dp_lnbr_lookup(srv->addr, &mac) != 0) {
		/* the main lcore asks ARP now; the client's retry finds the MAC */
		dp_drop(w, m, DPW_DROP_LAN_NBR_UNRESOLVED);
		return NULL;
	}
	memset(&orig, 0, sizeof(orig));
	orig.src = srv->addr;
	orig.dst = c->key.src;
	orig.sport = dp_inb_lan_port(c->svc, c->key.dport);
	orig.dport = c->key.sport;
	orig.proto = c->key.proto;
	orig.zone = (uint8_t)dp.lan;
	orig.family = 4;
	s = dp_ct_create(&w->ct, &orig, &c->key, w->now, &err);
	if (s == NULL && err == -EEXIST) {
		/* an earlier packet of the same burst opened it */
		s = dp_ct_lookup(&w->ct, &c->key, c->hash, &dir);
		if (s != NULL && dir == DP_DIR_REPLY)
			return s;
		/* the server's own connection holds these ports: not ours to take */
		dp_drop(w, m, DPW_DROP_NO_SESSION);
		return NULL;
	}
	if (s == NULL) {
		dp_drop(w, m, DPW_DROP_TABLE_FULL);
		return NULL;
	}
	s->wan = (uint8_t)wan;
	s->xlate = DP_XLATE_DNAT;
	/* the WAN side opened it; its answers are not the WAN's health (passive detection) */
	s->flags |= DP_SESS_INBOUND | DP_SESS_REPLIED;
	s->rule = DP_RULE_NONE;
	s->policy = 0xffff;
	s->how = DP_HOW_NONE;
	memcpy(s->client_mac, &mac, 6);
	w->st->sess_created++;
	w->st->wan_sess_created[wan]++;
	if (c->svc->id < DPW_SHM_SERVICES)
		dp_inb_stats(w, g)->svc_conns[c->svc->id]++;
	return s;
}
