/* SPDX-License-Identifier: BSD-3-Clause
 * The policy stage (stage_policy.h): which rule a new flow falls under and which WAN it
 * takes. Workers call dp_policy_decide for each miss of a burst after one
 * classification of the whole batch; the main lcore calls it for explain. Reads the
 * policy generation, the WAN view, the measured load and the sticky table; writes only
 * the caller's round-robin row.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "dataplane/dnsset.h"
#include "dataplane/dp.h"
#include "dataplane/stage_policy.h"

static const char *const how_names[DP_HOW_MAX] = {
#define DP_X_NAME(e, s) [DP_HOW_##e] = s,
	DP_SESS_HOWS(DP_X_NAME)
#undef DP_X_NAME
};

const char *
dp_sess_how_str(unsigned int h)
{
	return h < DP_HOW_MAX ? how_names[h] : "unknown";
}

/*
 * Is k's destination in one of rule r's domain sets (the addresses DNS answers gave to
 * names its patterns match, snooped on their way to the LAN: dns_snoop.h)? now: the
 * dataplane's seconds, the sets' clock.
 */
static int
domain_set_has(const struct dp_pgen *g, unsigned int r, uint32_t dst, uint32_t now)
{
	const struct dpw_dnsset_hdr *h = dp.dnsset;
	const struct dp_rule *ru = &g->rules[r];
	unsigned int i;

	if (h == NULL)
		return 0;
	for (i = 0; i < g->match[r].n_domains && i < DPW_MATCH_DOMAINS_MAX; i++)
		if (dp_dnsset_has(h, ru->dom_id[i], dst, now))
			return 1;
	return 0;
}

static void
flow_of(const struct dp_acl_key *k, struct dp_lb_flow *f)
{
	f->src = k->src;
	f->dst = k->dst;
	f->sport = k->sport;
	f->dport = k->dport;
	f->proto = k->proto;
}

static uint8_t
mask_of(const struct dp_lb_result *r)
{
	uint8_t m = 0;
	unsigned int i;

	for (i = 0; i < r->n_cand; i++)
		m |= (uint8_t)(1u << r->cand[i]);
	return m;
}

static int
is_candidate(const struct dp_policy *p, unsigned int wan)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->c[i].wan == wan)
			return 1;
	return 0;
}

/*
 * Try rule ru's policy for k: 1 with d filled (wan >= 0), 0 when none of its WANs can
 * take the flow (d's rule, policy, algorithm and candidates still say what was tried).
 */
static int
place(const struct dp_pgen *g, const struct dp_rule *ru, const struct dp_wan_view *v,
      const struct dp_lb_load *load, struct dp_lb_state *st_row,
      const struct dp_sticky *sticky, uint32_t now, const struct dp_acl_key *k,
      struct dp_decision *d)
{
	const struct dp_policy *p = &g->policies[ru->policy];
	struct dp_lb_result r;
	struct dp_lb_flow f;
	int wan;

	d->rule = ru->id;
	d->policy = ru->policy;
	d->algorithm = p->algorithm;
	flow_of(k, &f);
	if (ru->sticky && sticky != NULL) {
		wan = dp_sticky_get(sticky, ru->id, k->src, now, ru->sticky_timeout_s);
		if (wan >= 0 && (unsigned int)wan < v->n_wans && is_candidate(p, (unsigned int)wan) &&
		    (p->algorithm == DPW_LB_ENFORCED ? v->lb[wan].up : v->lb[wan].usable)) {
			d->wan = wan;
			d->how = DP_HOW_STICKY;
			d->cand_mask = (uint8_t)(1u << wan);
			return 1;
		}
		/*
		 * No entry (or its WAN cannot take it now): choose by the host alone, so that
		 * two workers placing the host's first connections at once agree.
		 */
		f.dst = 0;
		f.sport = 0;
		f.dport = 0;
		f.proto = 0;
		st_row = NULL;
	}
	wan = dp_lb_pick(p, v->lb, v->n_wans, load,
			 st_row != NULL ? &st_row[ru->policy] : NULL, &f, &r);
	d->cand_mask = mask_of(&r);
	if (wan < 0)
		return 0;
	d->wan = wan;
	d->how = DP_HOW_PICK;
	d->also_mask = r.also_mask;
	return 1;
}

/* "use any available": every configured WAN, by the WANs' weights. */
static int
place_any(const struct dp_pgen *g, const struct dp_wan_view *v, const struct dp_lb_load *load,
	  struct dp_lb_state *st_row, const struct dp_acl_key *k, struct dp_decision *d)
{
	struct dp_lb_result r;
	struct dp_lb_flow f;
	int wan;

	flow_of(k, &f);
	wan = dp_lb_pick(&g->policies[g->any_policy], v->lb, v->n_wans, load,
			 st_row != NULL ? &st_row[g->any_policy] : NULL, &f, &r);
	d->fallback = DPW_FB_ANY;
	if (wan < 0)
		return 0;
	d->wan = wan;
	d->how = DP_HOW_FALLBACK_ANY;
	d->also_mask = 0;
	return 1;
}

/* No generation yet (a dataplane waiting for its first document): the WANs' weights. */
static void
decide_bare(const struct dp_wan_view *v, const struct dp_acl_key *k, struct dp_decision *d)
{
	struct dp_policy p;
	struct dp_lb_result r;
	struct dp_lb_flow f;
	unsigned int w;

	memset(&p, 0, sizeof(p));
	p.algorithm = DPW_LB_WEIGHTED;
	for (w = 0; w < v->n_wans; w++) {
		if (!v->wan[w].configured || v->weight[w] == 0)
			continue;
		p.c[p.n].wan = (uint8_t)w;
		p.c[p.n].weight = v->weight[w];
		p.n++;
	}
	flow_of(k, &f);
	d->rule = DP_RULE_DEFAULT;
	d->algorithm = DPW_LB_WEIGHTED;
	d->wan = dp_lb_pick(&p, v->lb, v->n_wans, NULL, NULL, &f, &r);
	d->cand_mask = mask_of(&r);
	if (d->wan >= 0)
		d->how = DP_HOW_PICK;
	else
		d->fallback = DPW_FB_DROP;
}

void
dp_policy_decide(const struct dp_pgen *g, const struct dp_wan_view *v,
		 const struct dp_lb_load *load, struct dp_lb_state *st_row,
		 const struct dp_sticky *sticky, uint32_t now, const struct dp_acl_key *k,
		 int64_t first, struct dp_decision *d)
{
	unsigned int w;
	int r;

	memset(d, 0, sizeof(*d));
	d->wan = -1;
	d->policy = 0xffff;
	d->fallback = DPW_FB_MAX;
	d->domain_miss = DP_RULE_NONE;
	d->usable_mask = v->usable_mask;
	/* to a WAN's own subnet: that WAN, whatever the rules say (mwan3, Peplink) */
	for (w = 0; w < v->n_wans; w++) {
		const struct dp_wan_entry *e = &v->wan[w];

		if (e->configured && e->addr != 0 && ((k->dst ^ e->addr) & e->mask) == 0) {
			d->rule = DP_RULE_CONNECTED;
			d->how = DP_HOW_CONNECTED;
			d->cand_mask = (uint8_t)(1u << w);
			if (v->up[w])
				d->wan = (int)w;
			else
				d->fallback = DPW_FB_DROP;
			return;
		}
	}
	if (g == NULL) {
		decide_bare(v, k, d);
		return;
	}
	if (first < 0) {
		const struct dp_acl_key *kp = k;
		uint32_t res = 0;

		dp_pgen_classify(g, &kp, 1, &res);
		first = res;
	}
	r = (int)first - 1;
	while (r >= 0) {
		const struct dp_rule *ru = &g->rules[r];

		if (ru->has_domains && !domain_set_has(g, (unsigned int)r, k->dst, now)) {
			if (d->domain_miss == DP_RULE_NONE)
				d->domain_miss = ru->id;
			d->rules_skipped++;
			r = dp_pgen_match_from(g, k, (unsigned int)r + 1);
			continue;
		}
		if (place(g, ru, v, load, st_row, sticky, now, k, d))
			return;
		d->fallback = ru->fallback;
		switch (ru->fallback) {
		case DPW_FB_FALL_THROUGH:
			d->rules_skipped++;
			r = dp_pgen_match_from(g, k, (unsigned int)r + 1);
			continue;
		case DPW_FB_DEFAULT:
			r = -1;
			break;
		case DPW_FB_ANY:
			(void)place_any(g, v, load, st_row, k, d);
			return;
		default:          /* DROP, UNREACHABLE */
			return;
		}
	}
	/* no rule (or the last one said "default"): the default rule */
	if (place(g, &g->def, v, load, st_row, sticky, now, k, d))
		return;
	if (g->def.fallback == DPW_FB_ANY) {
		(void)place_any(g, v, load, st_row, k, d);
		return;
	}
	d->fallback = g->def.fallback == DPW_FB_UNREACHABLE ? DPW_FB_UNREACHABLE : DPW_FB_DROP;
}

void
dp_policy_commit(const struct dp_pgen *g, struct dp_sticky *sticky, uint32_t now,
		 const struct dp_acl_key *k, const struct dp_decision *d)
{
	const struct dp_rule *ru;

	if (g == NULL || sticky == NULL || d->wan < 0 || d->how == DP_HOW_CONNECTED ||
	    d->how == DP_HOW_FALLBACK_ANY)
		return;
	if (d->rule == DP_RULE_DEFAULT)
		ru = &g->def;
	else if (d->rule < g->n_rules)
		ru = &g->rules[d->rule];
	else
		return;
	if (ru->sticky)
		dp_sticky_put(sticky, ru->id, k->src, (uint8_t)d->wan, now);
}
