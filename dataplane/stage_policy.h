/* SPDX-License-Identifier: BSD-3-Clause
 * The policy stage of the batched miss path (DESIGN.md s2): for the first packets of a
 * burst's new flows, one rte_acl_classify call, then per flow the rule (domain sets and
 * fall-through resolved), stickiness, the algorithm and the rule's fallback. The same
 * decision function serves the workers and `explain` on the main lcore, so what explain
 * says is what a worker would do.
 */
#ifndef DP_STAGE_POLICY_H
#define DP_STAGE_POLICY_H

#include <stdint.h>

#include "dataplane/lb.h"
#include "dataplane/policy.h"

struct dp_wan_view;
struct dp_sticky;

/* What the policy engine decided for one new flow. */
struct dp_decision {
	int wan;                  /* the WAN, or -1: drop or unreachable (see fallback) */
	uint16_t rule;            /* rule id (position, DP_RULE_DEFAULT, DP_RULE_CONNECTED) */
	uint16_t policy;          /* index into the generation's policies (0xffff: none) */
	uint8_t how;              /* enum dp_sess_how */
	uint8_t algorithm;        /* enum dpw_lb_algo of the policy that chose */
	uint8_t fallback;         /* enum dpw_fallback taken when wan == -1 or how is
				   * FALLBACK_ANY; DPW_FB_MAX when none was needed */
	uint8_t cand_mask;        /* the candidates (bit per WAN id) */
	uint8_t usable_mask;      /* the WANs usable in view v */
	uint8_t also_mask;        /* fastest response: the WANs the first packet is copied to */
	uint16_t rules_skipped;   /* fall-through / domain misses passed on the way */
	uint16_t domain_miss;     /* the first rule whose classifier entries matched but
				   * whose domain sets did not hold dst (DP_RULE_NONE: none) */
};

/*
 * Decide for flow k. first: the classifier's answer for k (rule index + 1, 0 none), or
 * -1 to classify here (explain). st_row: the caller's round-robin row of g
 * (g->lb + worker * g->n_policies), or NULL (explain: weighted choices by flow hash).
 * sticky may be NULL (no stickiness), now is the worker clock in seconds. Sticky
 * entries are only read here; dp_policy_commit records them once the session exists.
 * Any thread that holds g and v (a worker inside its RCU read side, the main lcore).
 */
void dp_policy_decide(const struct dp_pgen *g, const struct dp_wan_view *v,
		      const struct dp_lb_load *load, struct dp_lb_state *st_row,
		      const struct dp_sticky *sticky, uint32_t now, const struct dp_acl_key *k,
		      int64_t first, struct dp_decision *d);

/* After a session was created from d: the sticky entry (when the rule is sticky). */
void dp_policy_commit(const struct dp_pgen *g, struct dp_sticky *sticky, uint32_t now,
		      const struct dp_acl_key *k, const struct dp_decision *d);

#endif
