/* SPDX-License-Identifier: BSD-3-Clause
 * Policy generations (DESIGN.md s2): the outbound rules of a document compiled into an
 * rte_acl context, the policies they use and the default rule. A generation is built on
 * the builder thread (pbuild.c: never a worker, never the main lcore's loop), published
 * by the main lcore with one pointer store beside the WAN view, read by the workers
 * without a lock and freed after an RCU grace period. Immutable once published, except
 * the workers' round-robin rows (lb), each written by its own worker only.
 */
#ifndef DP_POLICY_H
#define DP_POLICY_H

#include <stdint.h>

#include "dataplane/lb.h"
#include "lib/cfg/dpw_doc.h"
#include "lib/shm/dpw_dnsset.h"

/* Rule ids as sessions and counters carry them: a rule's position in the document,
 * or one of these. */
#define DP_RULE_DEFAULT 0xfffeu   /* no rule matched: the default rule */
#define DP_RULE_CONNECTED 0xfffdu /* to a WAN's own subnet: never policy-routed */
#define DP_RULE_NONE 0xffffu      /* not created by a rule (before this generation) */

/*
 * The classifier's input for one flow: the first packet's fields, network byte order.
 * rte_acl field layout (policy.c): proto (1 byte, first), src, dst, sport:dport, the
 * source MAC's first four bytes and its last two.
 */
struct dp_acl_key {
	uint8_t proto;
	uint8_t pad0[3];
	uint32_t src;
	uint32_t dst;
	uint16_t sport;           /* 0 for ICMP */
	uint16_t dport;
	uint8_t mac[6];           /* the LAN host's MAC (source of the frame) */
	uint8_t pad1[2];
};

_Static_assert(sizeof(struct dp_acl_key) == 24, "classifier input");

/* One rule as the workers use it. */
struct dp_rule {
	uint16_t policy;          /* index into dp_pgen.policies */
	uint16_t id;              /* position in the document (counters, sessions) */
	uint8_t fallback;         /* enum dpw_fallback, never LAST_RESORT (resolved) */
	uint8_t sticky;
	uint8_t terminate_on_recovery;
	uint8_t has_domains;      /* also needs dst in one of the rule's domain sets (issue
				   * 9: filled by DNS snooping, dns_snoop.h) */
	uint32_t sticky_timeout_s;
	uint32_t dom_id[DPW_MATCH_DOMAINS_MAX];   /* dpw_dns_pattern_id of match.domain[i] */
};

struct rte_acl_ctx;
struct dp_inb;

struct dp_pgen {
	uint64_t gen;             /* the document generation it was built from */
	uint64_t epoch;           /* rule counters' epoch: the same as the previous
				   * generation's when rules, policies and default are equal */
	uint64_t content_hash;    /* of the compiled rules, policies and default (epoch) */
	struct rte_acl_ctx *acl;  /* NULL when no rule has a classifier entry */
	char acl_name[32];        /* "dp_acl_<gen>_<n>": rte_acl_create returns an existing
				   * context for a reused name */
	unsigned int n_rules;     /* the document's rules, enabled or not */
	struct dp_rule *rules;
	struct dpw_doc_match *match;    /* each rule's match, for the linear matcher */
	uint8_t *enabled;
	/* named policies first (the document's order: their index is their counter slot),
	 * then each rule's own pick, then the default rule's */
	unsigned int n_policies;
	unsigned int n_named;
	struct dp_policy *policies;
	struct dp_rule def;       /* the default rule (id DP_RULE_DEFAULT) */
	uint16_t any_policy;      /* fallback "any": every configured WAN by its weight */
	unsigned int n_workers;
	struct dp_lb_state *lb;   /* [worker * n_policies + policy]: worker-owned rows */
	unsigned int n_entries;   /* classifier entries (rules' expansions) */
	/* the distinct domain patterns of the enabled rules (issue 9), for DNS snooping
	 * and the domain sets' memzone; NULL when none */
	unsigned int n_patterns;
	char (*patterns)[DPW_DNSSET_PATTERN_LEN];
	uint32_t *pattern_ids;    /* dpw_dns_pattern_id(patterns[i]) */
	/* the patterns by id (open addressing, index + 1, 0 empty), so that snooping looks
	 * up each suffix and label run of a name instead of trying every pattern
	 * (dp_dns_snoop_index builds it) */
	uint16_t *pattern_slot;
	uint32_t pattern_slot_mask;
	uint8_t wild_labels;      /* most labels before ".*" of a "foo.*" pattern; 0: none */
	struct dp_inb *inb;       /* inbound access and NAT mappings (issue 10, inbound.h) */
	struct dp_fw *fw;         /* the firewall's rules (issue 10, fw.h); NULL: none */
	uint64_t inb_hash;        /* content of the services and firewall sections */
	uint64_t inb_epoch;       /* of their counters (dpw_inb_stats), like epoch */
	uint64_t build_ns;        /* how long the build took */
};

/*
 * Build a generation from doc (already validated: a bad document is the caller's bug,
 * reported as -EINVAL in pr all the same). wan_id[i]: the dataplane's WAN id of
 * doc->wans[i] (the port of that name; cfg_apply.c knows it). prev: the running generation or NULL (for
 * the counters' epoch). n_workers: rows of round-robin state. Uses rte_acl, so EAL must
 * be up; not a worker, not the main lcore's loop: the builder thread, or main() before
 * the lcores start. 0 (*out set) or -ENOMEM / -EINVAL / rte_acl's -errno with one
 * problem in pr.
 */
int dp_pgen_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS], uint64_t gen,
		  unsigned int n_workers, const struct dp_pgen *prev, struct dp_pgen **out,
		  struct dpw_doc_problems *pr);

/* Free a generation (its ACL context too). NULL is fine. Whoever holds it last. */
void dp_pgen_free(struct dp_pgen *g);

/*
 * Classify n (<= 64) flows with one rte_acl_classify call: res[i] = the first enabled
 * rule whose classifier entries match keys[i] (rule index + 1), or 0. Does not look at
 * domain sets (has_domains) or fallbacks: the caller does. Any thread.
 */
void dp_pgen_classify(const struct dp_pgen *g, const struct dp_acl_key *const *keys,
		      unsigned int n, uint32_t *res);

/*
 * The first enabled rule at index >= from whose match accepts k, by a linear scan of
 * the matches (no ACL): for fall-through, for a domain-set miss and for explain; the
 * unit tests check dp_pgen_classify against it. Returns the index or -1. Pure.
 */
int dp_pgen_match_from(const struct dp_pgen *g, const struct dp_acl_key *k, unsigned int from);

/* Does match m accept k? (IPv4; a family ipv6 rule never does.) Pure. */
int dp_match_accepts(const struct dpw_doc_match *m, const struct dp_acl_key *k);

#endif
