/* SPDX-License-Identifier: BSD-3-Clause
 * Workers' mailboxes (DESIGN.md s2): an SPSC command ring from the main lcore and an
 * event ring back, per worker. The main lcore posts (dp_mbox_post_flush) and collects
 * the results (dp_mbox_poll_events); each worker polls its own ring every few
 * iterations and works through a command in bounded chunks (dp_mbox_worker_poll), so
 * that forwarding never stalls and nobody else touches its session table. FLUSH_WAN:
 * the TCP sessions of a failed WAN get a RST towards their LAN host (dp_sess_reset) and
 * are closed, keeping their NAT port until the closed timeout. RECOVERED: sessions of
 * rules with terminate_on_recovery that sit on a WAN less preferred than one that came
 * back are ended (TCP: a RST to the host; others: removed, the next packet re-binds).
 * DUMP: a SESSIONS walk of the worker's own table, DUMP_CHUNK slots per poll, copying
 * the matching sessions into the request's memzone (and deleting them when asked);
 * mgmt_sess.c goes on with the next worker when this one answers.
 */
#include <errno.h>
#include <string.h>

#include <rte_log.h>

#include "dataplane/sess_dump.h"
#include "dataplane/tcp_rst.h"
#include "dataplane/worker.h"
#include "lib/msg/dpw_msg.h"

#define MBOX_BURST 8
#define FLUSH_CHUNK 1024      /* session slots swept per worker iteration */
#define DUMP_CHUNK 4096       /* session slots a SESSIONS walk looks at per iteration */

void
dp_mbox_post_flush(unsigned int wan, uint8_t tcp, uint8_t udp, unsigned int why, uint64_t gen)
{
	struct dp_mbox_cmd c = {
		.op = DP_MBOX_FLUSH_WAN, .wan = (uint8_t)wan, .tcp = tcp, .udp = udp,
		.why = why, .gen = gen,
	};
	unsigned int i;

	for (i = 0; i < dp.n_workers; i++)
		/* never wait on a worker: a full mailbox (64 transitions pending) loses it */
		if (dp.workers[i]->mbox == NULL ||
		    rte_ring_enqueue_elem(dp.workers[i]->mbox, &c, sizeof(c)) != 0)
			RTE_LOG(WARNING, USER1, "worker %u's mailbox is full: wan %u's sessions "
				"are not flushed\n", i, wan);
}

int
dp_mbox_post_dump(unsigned int w, const struct dp_mbox_cmd *c)
{
	struct dp_mbox_cmd copy = *c;

	if (w >= dp.n_workers || dp.workers[w]->mbox == NULL ||
	    rte_ring_enqueue_elem(dp.workers[w]->mbox, &copy, sizeof(copy)) != 0)
		return -EAGAIN;
	return 0;
}

unsigned int
dp_mbox_poll_events(void)
{
	struct dp_mbox_ev ev[MBOX_BURST];
	unsigned int i, j, n, total = 0;

	for (i = 0; i < dp.n_workers; i++) {
		if (dp.workers[i]->mbox_ev == NULL)
			continue;
		n = rte_ring_dequeue_burst_elem(dp.workers[i]->mbox_ev, ev, sizeof(ev[0]),
						MBOX_BURST, NULL);
		for (j = 0; j < n; j++) {
			switch (ev[j].op) {
			case DP_MBOX_FLUSH_WAN:
				RTE_LOG(INFO, USER1, "worker %u: wan %u: %u TCP sessions reset\n",
					i, ev[j].wan, ev[j].count);
				dp_send_event(DPW_EV_WAN_SESSIONS_RESET, ev[j].wan, ev[j].count);
				break;
			case DP_MBOX_RECOVERED:
				RTE_LOG(INFO, USER1, "worker %u: WANs 0x%x usable again: %u "
					"sessions on less preferred WANs ended\n", i, ev[j].wan,
					ev[j].count);
				break;
			case DP_MBOX_DUMP:
				dp_mgmt_sessions_event(i, &ev[j]);
				break;
			default:
				break;
			}
		}
		total += n;
	}
	return total;
}

void
dp_sess_reset(struct dp_worker *w, struct dp_sess *s, uint32_t seq, uint32_t ack)
{
	const struct dp_flow_key *k = &s->key[DP_DIR_ORIG];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *f;

	if (m == NULL || (f = (uint8_t *)rte_pktmbuf_append(m, DP_TCP_RST_LEN)) == NULL) {
		rte_pktmbuf_free(m);
		w->st->drops[DPW_DROP_NO_MBUF]++;
	} else {
		/* from the server as the host knows it: no NAT on this side */
		dp_tcp_rst_build(f, s->client_mac, dp.port[dp.lan].mac.addr_bytes, k->dst, k->src,
				 k->dport, k->sport, seq, ack);
		dp_tx(w, dp.lan, m);
		w->st->wan_tcp_reset[s->wan]++;
	}
	/*
	 * Closed, not removed: the session keeps its NAT port for the closed timeout, so a
	 * new connection cannot take the same port to the same server while that server
	 * still holds the old connection (it never saw the end: its WAN is dead) or its
	 * TIME_WAIT; its SYN would be answered for the old connection and time out.
	 */
	s->tcp_state = DP_TCP_CLOSED;
	s->reset_by_us = 1;
}

static void
flush_done(struct dp_worker *w, unsigned int wan)
{
	struct dp_mbox_ev ev = {
		.op = DP_MBOX_FLUSH_WAN, .wan = (uint8_t)wan, .count = w->flush.reset[wan],
	};

	w->flush.mask &= (uint8_t)~(1u << wan);
	w->flush.readdr &= (uint8_t)~(1u << wan);
	/* never wait on the main lcore: a full ring loses the count, not a packet */
	(void)rte_ring_enqueue_elem(w->mbox_ev, &ev, sizeof(ev));
}

static void
flush_start(struct dp_worker *w, const struct dp_mbox_cmd *c)
{
	if (c->wan >= DPW_MAX_WANS || c->tcp != DPW_FAIL_TCP_RESET)
		return;
	if (!(w->flush.mask & (1u << c->wan))) {
		w->flush.reset[c->wan] = 0;
		w->flush.readdr |= (uint8_t)(1u << c->wan);
	}
	/* a new address: only the sessions on the old one; a failure: all of them */
	if (c->why != DP_DOWN_ADDRESS)
		w->flush.readdr &= (uint8_t)~(1u << c->wan);
	/* down again while being swept: a whole turn from here */
	w->flush.mask |= (uint8_t)(1u << c->wan);
	w->flush.left[c->wan] = w->ct.capacity;
	w->flush.gen[c->wan] = c->gen;
}

/* The next chunk of slots, for every WAN being swept. */
static void
flush_step(struct dp_worker *w, const struct dp_wan_view *v)
{
	struct dp_flush *fl = &w->flush;
	struct dp_ct *ct = &w->ct;
	uint32_t cur = fl->cursor, i, n = FLUSH_CHUNK;
	unsigned int wan;

	for (wan = 0; wan < DPW_MAX_WANS; wan++)
		/* back up in a later view: what it carries now is new, leave it (an address
		 * change sweeps on: the sessions on the old address are dead either way) */
		if ((fl->mask & (1u << wan)) && !(fl->readdr & (1u << wan)) &&
		    v->gen > fl->gen[wan] && v->up[wan])
			flush_done(w, wan);
	if (fl->mask == 0)
		return;
	if (n > ct->capacity)
		n = ct->capacity;
	for (i = 0; i < n; i++) {
		struct dp_sess *s = &ct->sess[cur];

		/* hairpin sessions stay on the LAN: a WAN's failure is not theirs */
		if ((s->flags & (DP_SESS_USED | DP_SESS_SHADOW)) == DP_SESS_USED &&
		    s->key[DP_DIR_ORIG].proto == DPW_IPPROTO_TCP && s->xlate != DP_XLATE_HAIRPIN &&
		    (fl->mask & (1u << s->wan)) &&
		    (!(fl->readdr & (1u << s->wan)) ||
		     /* a new address ends what used the old one (not what 1:1 or a
		      * forwarding-mode WAN carries on addresses of their own) */
		     ((s->xlate == DP_XLATE_SNAT || s->xlate == DP_XLATE_DNAT) &&
		      s->key[DP_DIR_REPLY].dst != v->wan[s->wan].addr))) {
			if (s->tcp_state == DP_TCP_NONE || s->tcp_state == DP_TCP_CLOSED ||
			    s->tcp_state == DP_TCP_FIN_BOTH) {
				/* ended already: left to expire, holding its port (see above) */
			} else if (s->algorithm == DPW_LB_ENFORCED && s->how == DP_HOW_PICK &&
				   v->lb[s->wan].up &&
				   s->key[DP_DIR_REPLY].dst == v->wan[s->wan].addr) {
				/* an enforced rule's: health does not move it (Peplink) */
			} else {
				/* what the host expects next from the server (0 before the SYN-ACK:
				 * a host in SYN-SENT checks the ACK only) and what it sent */
				uint32_t seq = (s->flags & DP_SESS_TCP_REPLY) ?
					s->tcp[DP_DIR_REPLY].end : 0;

				dp_sess_reset(w, s, seq, s->tcp[DP_DIR_ORIG].end);
				fl->reset[s->wan]++;
			}
		}
		if (++cur == ct->capacity)
			cur = 0;
	}
	fl->cursor = cur;
	for (wan = 0; wan < DPW_MAX_WANS; wan++) {
		if (!(fl->mask & (1u << wan)))
			continue;
		if (fl->left[wan] > n) {
			fl->left[wan] -= n;
			continue;
		}
		fl->left[wan] = 0;
		flush_done(w, wan);
	}
}

void
dp_recovery_check(const struct dp_wan_view *old, const struct dp_wan_view *v)
{
	const struct dp_pgen *g = dp.pgen;
	struct dp_mbox_cmd c = { .op = DP_MBOX_RECOVERED, .gen = v->gen };
	unsigned int i, w;

	if (old == NULL || g == NULL)
		return;
	for (w = 0; w < v->n_wans; w++)
		if (v->usable[w] && !old->usable[w])
			c.wan |= (uint8_t)(1u << w);
	if (c.wan == 0)
		return;
	/* only if a rule asks for it: a recovery otherwise costs the workers nothing */
	for (i = 0; i < g->n_rules && !g->rules[i].terminate_on_recovery; i++)
		;
	if (i == g->n_rules && !g->def.terminate_on_recovery)
		return;
	for (i = 0; i < dp.n_workers; i++)
		if (dp.workers[i]->mbox == NULL ||
		    rte_ring_enqueue_elem(dp.workers[i]->mbox, &c, sizeof(c)) != 0)
			RTE_LOG(WARNING, USER1, "worker %u's mailbox is full: sessions are not "
				"terminated on recovery\n", i);
}

/* The rule of generation g that session s was created by, if it still means that. */
static const struct dp_rule *
rule_of(const struct dp_pgen *g, const struct dp_sess *s)
{
	const struct dp_rule *ru;

	if (s->rule == DP_RULE_DEFAULT)
		ru = &g->def;
	else if (s->rule < g->n_rules)
		ru = &g->rules[s->rule];
	else
		return NULL;
	return ru->policy == s->policy ? ru : NULL;
}

/* The next chunk of terminate_on_recovery's sweep. */
static void
recover_step(struct dp_worker *w, const struct dp_wan_view *v)
{
	const struct dp_pgen *g = dp_pgen_get();
	struct dp_recover *rc = &w->rec;
	struct dp_ct *ct = &w->ct;
	uint32_t n = FLUSH_CHUNK, i, cur = rc->cursor;

	if (n > rc->left)
		n = rc->left;
	for (i = 0; g != NULL && i < n; i++) {
		struct dp_sess *s = &ct->sess[cur];
		const struct dp_rule *ru;
		struct dp_lb_flow f;

		if (++cur == ct->capacity)
			cur = 0;
		if ((s->flags & (DP_SESS_USED | DP_SESS_SHADOW)) != DP_SESS_USED ||
		    s->wan >= v->n_wans || (rc->mask & (1u << s->wan)) ||
		    (ru = rule_of(g, s)) == NULL || !ru->terminate_on_recovery)
			continue;
		f.src = s->key[DP_DIR_ORIG].src;
		f.dst = s->key[DP_DIR_ORIG].dst;
		f.sport = s->key[DP_DIR_ORIG].sport;
		f.dport = s->key[DP_DIR_ORIG].dport;
		f.proto = s->key[DP_DIR_ORIG].proto;
		if (!dp_lb_less_preferred(&g->policies[s->policy], v->lb, v->n_wans, &f, s->wan))
			continue;
		if (f.proto == DPW_IPPROTO_TCP) {
			if (s->tcp_state == DP_TCP_NONE || s->tcp_state == DP_TCP_CLOSED ||
			    s->tcp_state == DP_TCP_FIN_BOTH)
				continue;
			dp_sess_reset(w, s, (s->flags & DP_SESS_TCP_REPLY) ?
				      s->tcp[DP_DIR_REPLY].end : 0, s->tcp[DP_DIR_ORIG].end);
		} else {
			/* the next packet starts again on the preferred WAN */
			dp_ct_delete(ct, s);
			w->st->sess_closed++;
		}
		rc->ended++;
	}
	rc->cursor = cur;
	rc->left -= n;
	if (rc->left == 0 || g == NULL) {
		struct dp_mbox_ev ev = { .op = DP_MBOX_RECOVERED, .wan = rc->mask,
					 .count = rc->ended };

		rc->mask = 0;
		(void)rte_ring_enqueue_elem(w->mbox_ev, &ev, sizeof(ev));
	}
}

static void
dump_start(struct dp_worker *w, const struct dp_mbox_cmd *c)
{
	struct dp_dump *d = &w->dump;

	/* the main lcore sends one at a time: a second one would be its bug; answer it
	 * empty at the end of the table rather than lose the first */
	if (d->active) {
		struct dp_mbox_ev ev = { .op = DP_MBOX_DUMP, .slot = DPW_SESS_CURSOR_END,
					 .tag = c->tag };

		(void)rte_ring_enqueue_elem(w->mbox_ev, &ev, sizeof(ev));
		return;
	}
	memset(d, 0, sizeof(*d));
	d->active = 1;
	d->cmd = *c;
	d->cursor = c->slot;
	d->ev.op = DP_MBOX_DUMP;
	d->ev.tag = c->tag;
}

/* The next chunk of a SESSIONS walk, or another try at sending its answer. */
static void
dump_step(struct dp_worker *w)
{
	struct dp_dump *d = &w->dump;
	const struct dp_pgen *g = dp_pgen_get();
	struct dp_dump_chunk o;

	if (!d->answered) {
		dp_sess_dump_chunk(&w->ct, &d->cmd.filter, g, d->cursor, DUMP_CHUNK,
				   d->cmd.rec + d->ev.count, d->cmd.max - d->ev.count,
				   d->cmd.remove, w->idx, w->now, &o);
		d->ev.count += o.count;
		d->ev.removed += o.removed;
		d->ev.scanned += o.scanned;
		d->cursor = o.next;
		w->st->sess_closed += o.removed;
		if (d->cursor < w->ct.capacity && d->ev.count < d->cmd.max)
			return;
		d->ev.slot = d->cursor < w->ct.capacity ? d->cursor : DPW_SESS_CURSOR_END;
		d->ev.policy_gen = g != NULL ? g->gen : 0;
		d->answered = 1;
	}
	/* the main lcore waits for this answer: keep it until the ring takes it */
	if (rte_ring_enqueue_elem(w->mbox_ev, &d->ev, sizeof(d->ev)) == 0)
		d->active = 0;
}

int
dp_mbox_worker_poll(struct dp_worker *w, const struct dp_wan_view *v)
{
	struct dp_mbox_cmd c[MBOX_BURST];
	unsigned int n, i;

	n = rte_ring_dequeue_burst_elem(w->mbox, c, sizeof(c[0]), MBOX_BURST, NULL);
	for (i = 0; i < n; i++) {
		switch (c[i].op) {
		case DP_MBOX_FLUSH_WAN:
			flush_start(w, &c[i]);
			break;
		case DP_MBOX_RECOVERED:
			/* another recovery while sweeping: a whole turn from here, for both */
			w->rec.mask |= c[i].wan;
			w->rec.left = w->ct.capacity;
			w->rec.ended = 0;
			break;
		case DP_MBOX_DUMP:
			dump_start(w, &c[i]);
			break;
		default:
			break;
		}
	}
	if (w->flush.mask != 0)
		flush_step(w, v);
	if (w->rec.mask != 0)
		recover_step(w, v);
	if (w->dump.active)
		dump_step(w);
	return w->flush.mask != 0 || w->rec.mask != 0 || w->dump.active;
}
