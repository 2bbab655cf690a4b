/* SPDX-License-Identifier: BSD-3-Clause
 * The main lcore's side of explainability (issue 8 point 4): EXPLAIN runs the workers'
 * own decision function (dp_policy_decide) on a hypothetical flow, so that what explain
 * says is what a worker would do; SESSIONS walks the workers' session tables through
 * their mailboxes, one worker after the other (only a worker touches its own table),
 * keeping the request's state here between the workers' answers: the main lcore never
 * waits for them. Main lcore only.
 */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_memzone.h>

#include "dataplane/dp.h"
#include "dataplane/sess_dump.h"
#include "dataplane/stage_policy.h"
#include "lib/pkt/dpw_pkt.h"

_Static_assert(DPW_LB_MAX <= 255 && DPW_FB_MAX <= 255, "algorithm and fallback fit a byte");

int
dp_mgmt_explain(const struct dpw_msg_explain *e, struct dpw_msg_explain_reply *r)
{
	const struct dp_pgen *g = dp_pgen_get();
	const struct dp_wan_view *v = dp_view_get();
	uint32_t now = (uint32_t)((rte_rdtsc() - dp.start_tsc) / dp.tsc_hz);
	struct dp_decision d;
	struct dp_acl_key k;

	if (g == NULL || v == NULL)
		return -EAGAIN;
	memset(&k, 0, sizeof(k));
	k.proto = e->proto;
	k.src = htonl(e->src);
	k.dst = htonl(e->dst);
	/* as the stage keys a first packet: ports for TCP and UDP only */
	if (e->proto == DPW_IPPROTO_TCP || e->proto == DPW_IPPROTO_UDP) {
		k.sport = htons(e->sport);
		k.dport = htons(e->dport);
	}
	if (e->has_mac)
		memcpy(k.mac, e->mac, sizeof(k.mac));
	/* no round-robin row (weighted choices by flow hash): a worker's state stays its own;
	 * the sticky table is only read */
	memset(&d, 0, sizeof(d));
	dp_policy_decide(g, v, &dp.lb_load, NULL, dp.sticky.slot != NULL ? &dp.sticky : NULL,
			 now, &k, -1, &d);
	memset(r, 0, sizeof(*r));
	r->policy_gen = g->gen;
	r->config_gen = dp.shm->config_gen;
	r->wan_view_gen = v->gen;
	r->wan = d.wan;
	r->rule = d.rule;
	r->policy = d.policy;
	r->rules_skipped = d.rules_skipped;
	r->policy_kind = dp_policy_kind(g, d.policy);
	r->how = d.how;
	r->algorithm = d.algorithm;
	r->fallback = d.fallback;
	r->cand_mask = d.cand_mask;
	r->usable_mask = d.usable_mask;
	r->also_mask = d.also_mask;
	r->domain_miss = d.domain_miss == DP_RULE_NONE ? 0 : (uint16_t)(d.domain_miss + 1);
	return 0;
}

/* The SESSIONS request being served: one at a time. */
static struct {
	int active;
	uint32_t seq;             /* the request's, for the reply */
	uint32_t tag;             /* of the DUMP command in flight */
	struct dpw_sess_filter filter;
	struct dpw_sess_rec *rec; /* the zone's records */
	uint32_t limit;
	uint8_t remove;
	unsigned int worker;      /* the cursor */
	uint32_t slot;
	struct dpw_msg_sessions_reply r;
	uint64_t started_tsc;
} sq;
static uint32_t dump_tag;     /* across requests: an old command's answer never matches */

static void
sessions_answer(int status)
{
	sq.r.worker = sq.worker < dp.n_workers ? sq.worker : DPW_SESS_CURSOR_END;
	sq.r.slot = sq.worker < dp.n_workers ? sq.slot : 0;
	dp_mgmt_reply(DPW_MSG_SESSIONS, sq.seq, status, status == 0 ? &sq.r : NULL,
		      sizeof(sq.r));
	RTE_LOG(DEBUG, USER1, "sessions: %u record(s), %u removed, %u slots in %.1f ms\n",
		sq.r.count, sq.r.removed, sq.r.scanned,
		(double)(rte_rdtsc() - sq.started_tsc) * 1e3 / (double)dp.tsc_hz);
	sq.active = 0;
}

/* The cursor's worker walks on from the cursor; answer when nothing is left to ask. */
static void
sessions_next(void)
{
	struct dp_mbox_cmd c;

	if (sq.worker >= dp.n_workers || sq.r.count >= sq.limit) {
		sessions_answer(0);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.op = DP_MBOX_DUMP;
	c.filter = sq.filter;
	c.rec = sq.rec + sq.r.count;
	c.slot = sq.slot;
	c.max = sq.limit - sq.r.count;
	c.tag = sq.tag = ++dump_tag;
	c.remove = sq.remove;
	/* never wait on a worker: a full mailbox (64 commands pending) ends the request */
	if (dp_mbox_post_dump(sq.worker, &c) != 0) {
		RTE_LOG(WARNING, USER1, "worker %u's mailbox is full: sessions request refused\n",
			sq.worker);
		/* what was removed so far is gone: say so rather than fail the whole request */
		sessions_answer(sq.r.count > 0 || sq.r.removed > 0 ? 0 : -EAGAIN);
	}
}

int
dp_mgmt_sessions_start(const struct dpw_msg *m)
{
	const struct dpw_msg_sessions *q = &m->u.sessions;
	const struct rte_memzone *mz;
	struct dpw_sess_zone *z;
	char name[sizeof(q->zone) + 1];

	if (sq.active)
		return -EBUSY;
	if (q->limit == 0 || q->limit > DPW_SESS_LIMIT_MAX || q->filter.client_len > 32 ||
	    q->filter.dst_len > 32)
		return -EINVAL;
	if (q->worker != DPW_SESS_CURSOR_END &&
	    (q->worker >= dp.n_workers || q->slot >= dp.workers[q->worker]->ct.capacity))
		return -EINVAL;
	memcpy(name, q->zone, sizeof(q->zone));
	name[sizeof(q->zone)] = '\0';
	mz = rte_memzone_lookup(name);
	if (mz == NULL)
		return -ENOENT;
	z = mz->addr;
	if (mz->len < sizeof(*z) || z->magic != DPW_SESS_ZONE_MAGIC || z->capacity < q->limit ||
	    (mz->len - sizeof(*z)) / sizeof(z->rec[0]) < q->limit)
		return -EBADMSG;
	memset(&sq, 0, sizeof(sq));
	sq.active = 1;
	sq.seq = m->seq;
	sq.filter = q->filter;
	sq.rec = z->rec;
	sq.limit = q->limit;
	sq.remove = q->remove != 0;
	sq.worker = q->worker == DPW_SESS_CURSOR_END ? dp.n_workers : q->worker;
	sq.slot = q->slot;
	sq.started_tsc = rte_rdtsc();
	{
		const struct dp_pgen *g = dp_pgen_get();

		sq.r.policy_gen = g != NULL ? g->gen : 0;
	}
	sessions_next();
	return 0;
}

void
dp_mgmt_sessions_event(unsigned int worker, const struct dp_mbox_ev *ev)
{
	/* an answer to a command of an earlier request, or from the wrong worker */
	if (!sq.active || ev->tag != sq.tag || worker != sq.worker)
		return;
	sq.r.count += ev->count;
	sq.r.removed += ev->removed;
	sq.r.scanned += ev->scanned;
	sq.r.policy_gen = ev->policy_gen;
	if (ev->slot == DPW_SESS_CURSOR_END) {
		sq.worker++;
		sq.slot = 0;
	} else {
		sq.slot = ev->slot;
	}
	sessions_next();
}
