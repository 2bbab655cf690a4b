/* SPDX-License-Identifier: BSD-3-Clause
 * The outbound policy's figures as the API shows them (issue 8 point 4): the rule and
 * policy counters of shared memory (struct dpw_policy_stats) summed over the lcore slots
 * of the current epoch, each document WAN's usable / up flags for dpw_doc_pick_shares,
 * and the directly connected networks (never policy-routed). Pure: reads the struct
 * dpw_shm it is given, no DPDK, no I/O, so the unit tests build one in plain memory.
 * Main thread (the API handlers) and the tests.
 */
#ifndef CP_PSTATS_H
#define CP_PSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/shm/dpw_shm.h"

/*
 * The per-rule counters: the array of struct dpw_policy_stats, the JSON member of a rule
 * in /api/v1/rules and the Prometheus family. The API and /metrics render them by loops
 * over cp_rule_counters[].
 */
#define CP_RULE_COUNTERS(X) \
	X(HITS, rule_hits, "hits", "dpwan_rule_sessions_total", \
	  "New sessions placed by the rule") \
	X(UNAVAILABLE, rule_unavailable, "unavailable", "dpwan_rule_unavailable_total", \
	  "New sessions the rule matched while none of its WANs could take them (its " \
	  "fallback decided)")

enum cp_rule_counter {
#define CP_X_ENUM(e, f, j, m, h) CP_RC_##e,
	CP_RULE_COUNTERS(CP_X_ENUM)
#undef CP_X_ENUM
	CP_RC_MAX
};

struct cp_rule_counter_info {
	size_t offset;            /* of the array in struct dpw_policy_stats */
	const char *json;
	const char *metric;
	const char *help;
};

extern const struct cp_rule_counter_info cp_rule_counters[CP_RC_MAX];

/* The names the pseudo rules (and the default rule's policy slot) are shown under. */
#define CP_PSTATS_DEFAULT_NAME "default_rule"
#define CP_PSTATS_CONNECTED_NAME "connected"

/*
 * The counters of one document generation's rules and policies, compacted: rule[c][i]
 * for rule i < n_rules, then [n_rules] the default rule and [n_rules + 1] the connected
 * pseudo rule; policy_wan[p][w] for named policy p < n_policies, then [n_policies] the
 * default rule's, w the dataplane's WAN id (the index of shm->wans).
 */
struct cp_pstats {
	int64_t gen;              /* shm->policy_gen: the generation the counters are of */
	uint64_t epoch;           /* shm->policy_epoch */
	bool valid;               /* gen is the generation asked for: the counters are its
				   * rules'; false: every counter below is 0 */
	unsigned int n_rules;
	unsigned int n_policies;
	uint64_t *rule[CP_RC_MAX];
	uint64_t (*policy_wan)[DPW_MAX_WANS];
};

#define CP_PSTATS_RULE_DEFAULT(ps) ((ps)->n_rules)
#define CP_PSTATS_RULE_CONNECTED(ps) ((ps)->n_rules + 1)
#define CP_PSTATS_POLICY_DEFAULT(ps) ((ps)->n_policies)

/*
 * Sum the counters of generation gen (the running document's, with n_rules rules and
 * n_policies named policies) over the lcore slots whose epoch is shm->policy_epoch. A
 * slot whose epoch moves while it is read is left out (its worker was zeroing it for a
 * new epoch); when shm->policy_gen or policy_epoch move during the sum it starts again
 * (a few times at most: the figures are then as good as one read can make them). When
 * shm->policy_gen is not gen (the dataplane is still building the generation, or runs
 * another one) the counters are 0 and ps->valid false: slot i then belongs to another
 * document's rule i. 0, or -ENOMEM / -EINVAL (n_rules > DPW_MAX_RULES, n_policies >
 * DPW_MAX_POLICIES). Free with cp_pstats_free, also after a failure.
 */
int cp_pstats_read(const struct dpw_shm *shm, int64_t gen, unsigned int n_rules,
		   unsigned int n_policies, struct cp_pstats *ps);

/* Release what cp_pstats_read allocated (ps zeroed). */
void cp_pstats_free(struct cp_pstats *ps);

/* The dataplane's WAN id of the WAN named name (shm->wans), or -1. */
int cp_pstats_wan_id(const struct dpw_shm *shm, const char *name);

/*
 * For each WAN of doc (doc->wans order, what dpw_doc_pick's c[].wan indexes): usable[i]
 * (the dataplane takes new sessions on it: health, link, gateway, priority groups) and
 * up[i] (configured, enabled, not forced down, link up, gateway resolved: health
 * ignored, what ENFORCED uses). A WAN the dataplane does not know is neither.
 */
void cp_pstats_wan_flags(const struct dpw_shm *shm, const struct dpw_doc *doc,
			 uint8_t usable[DPW_MAX_WANS], uint8_t up[DPW_MAX_WANS]);

/*
 * What an action (a rule's, the default rule's) picks with: its named policy's pick, or
 * its own (NULL for a policy index out of doc's range: a bug of the caller's document).
 */
const struct dpw_doc_pick *cp_pstats_action_pick(const struct dpw_doc *doc,
						 const struct dpw_doc_action *a);

/*
 * What the action does when none of its WANs can take a connection (enum dpw_fallback):
 * when_unavailable, with LAST_RESORT resolved to its policy's last_resort.
 */
unsigned int cp_pstats_action_fallback(const struct dpw_doc *doc,
				       const struct dpw_doc_action *a);

#define CP_PSTATS_CONNECTED_MAX (DPW_MAX_WANS + DPW_MAX_PORTS)

/*
 * The directly connected networks, which the dataplane never policy-routes: each
 * configured WAN's subnet (its address and prefix length as applied, also a DHCP
 * lease's), then the LAN ports' subnets; each once, host bits cleared. Returns how many
 * were written to nets (at most max).
 */
unsigned int cp_pstats_connected(const struct dpw_shm *shm, struct dpw_doc_net *nets,
				 unsigned int max);

#endif
