/* SPDX-License-Identifier: BSD-3-Clause
 * Session listing: filter, record, and a bounded chunk of a table walk (sess_dump.h).
 * Pure C; a worker runs it on its own table.
 */
#include <arpa/inet.h>
#include <string.h>

#include "dataplane/sess_dump.h"

_Static_assert(DPW_RULE_ID_CONNECTED == DP_RULE_CONNECTED &&
	       DPW_RULE_ID_DEFAULT == DP_RULE_DEFAULT && DPW_RULE_ID_NONE == DP_RULE_NONE,
	       "rule ids: the message ABI's are the dataplane's");

static inline uint32_t
net_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

/* The rule a session reports: none when the policy engine did not place it. */
static inline uint16_t
sess_rule(const struct dp_sess *s)
{
	return s->how == DP_HOW_NONE ? DP_RULE_NONE : s->rule;
}

int
dp_sess_filter_match(const struct dpw_sess_filter *f, const struct dp_sess *s)
{
	const struct dp_flow_key *k = &s->key[DP_DIR_ORIG];
	uint32_t m;

	if (s->flags & DP_SESS_SHADOW)
		return 0;
	m = net_mask(f->client_len);
	if ((ntohl(k->src) & m) != (f->client & m))
		return 0;
	m = net_mask(f->dst_len);
	if ((ntohl(k->dst) & m) != (f->dst & m))
		return 0;
	if (f->proto != 0 && k->proto != f->proto)
		return 0;
	if (f->wan != DPW_SESS_ANY_WAN && s->wan != f->wan)
		return 0;
	if (f->rule != DPW_SESS_ANY_RULE && sess_rule(s) != f->rule)
		return 0;
	return 1;
}

uint8_t
dp_policy_kind(const struct dp_pgen *g, uint16_t policy)
{
	if (policy == 0xffff)
		return DPW_PK_NONE;
	if (g == NULL || policy >= g->n_policies)
		return DPW_PK_UNKNOWN;
	if (policy < g->n_named)
		return DPW_PK_NAMED;
	if (policy == g->any_policy)
		return DPW_PK_ANY;
	if (policy == g->def.policy)
		return DPW_PK_DEFAULT;
	return DPW_PK_RULE;
}

void
dp_sess_record(const struct dp_ct *ct, const struct dp_sess *s, uint32_t slot,
	       unsigned int worker, uint32_t now, const struct dp_pgen *g,
	       struct dpw_sess_rec *r)
{
	const struct dp_flow_key *o = &s->key[DP_DIR_ORIG], *p = &s->key[DP_DIR_REPLY];
	int placed = s->how != DP_HOW_NONE;

	memset(r, 0, sizeof(*r));
	r->src = ntohl(o->src);
	r->dst = ntohl(o->dst);
	r->sport = ntohs(o->sport);
	r->dport = ntohs(o->dport);
	/* the reply arrives at the WAN's address and NAT port: its key's destination */
	r->nat_addr = ntohl(p->dst);
	r->nat_port = ntohs(p->dport);
	r->proto = o->proto;
	r->wan = s->wan;
	r->rule = sess_rule(s);
	r->policy = placed ? s->policy : 0xffff;
	r->policy_kind = placed ? dp_policy_kind(g, s->policy) : DPW_PK_NONE;
	r->how = s->how;
	r->algorithm = s->algorithm;
	r->cand_mask = s->cand_mask;
	r->usable_mask = s->usable_mask;
	r->tcp_state = s->tcp_state;
	r->worker = (uint8_t)worker;
	memcpy(r->client_mac, s->client_mac, sizeof(r->client_mac));
	/* the clocks are the worker's; a session touched after `now` was read is 0 s old */
	r->age_s = now > s->created ? now - s->created : 0;
	r->idle_s = now > s->last_seen ? now - s->last_seen : 0;
	r->timeout_s = dp_ct_timeout(ct, s);
	r->slot = slot;
	r->bytes_orig = s->bytes[DP_DIR_ORIG];
	r->bytes_reply = s->bytes[DP_DIR_REPLY];
}

void
dp_sess_dump_chunk(struct dp_ct *ct, const struct dpw_sess_filter *f,
		   const struct dp_pgen *g, uint32_t from, uint32_t budget,
		   struct dpw_sess_rec *rec, uint32_t max, int remove, unsigned int worker,
		   uint32_t now, struct dp_dump_chunk *o)
{
	uint32_t slot = from;

	memset(o, 0, sizeof(*o));
	while (slot < ct->capacity && o->scanned < budget && o->count < max) {
		struct dp_sess *s = &ct->sess[slot];

		o->scanned++;
		if ((s->flags & DP_SESS_USED) && dp_sess_filter_match(f, s)) {
			dp_sess_record(ct, s, slot, worker, now, g, &rec[o->count++]);
			if (remove) {
				dp_ct_delete(ct, s);
				o->removed++;
			}
		}
		slot++;
	}
	o->next = slot;
}
