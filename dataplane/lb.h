/* SPDX-License-Identifier: BSD-3-Clause
 * Choosing a WAN for a new connection (DESIGN.md s2, the Peplink manual 7.4, mwan3's
 * policies): one entry point, dp_lb_pick, over one pure function per algorithm
 * (lb_<name>.c). Everything they read is passed in: the compiled policy, what the WAN
 * view says of each WAN, the measured load, the calling worker's own round-robin state
 * and the flow. Pure C (no DPDK): worker lcores call it on the miss path, the main
 * lcore for `explain`, the unit tests as is.
 */
#ifndef DP_LB_H
#define DP_LB_H

#include <stdint.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/shm/dpw_shm.h"

/* One candidate WAN of a policy, in the policy's order. */
struct dp_lb_cand {
	uint8_t wan;              /* WAN id */
	uint16_t metric;          /* METRIC tiers: lower first */
	uint32_t weight;          /* > 0 */
};

/*
 * A policy as the workers use it: a named policy of the document, a rule's own pick, or
 * the default rule's. Part of a policy generation (policy.h), immutable.
 */
struct dp_policy {
	uint8_t algorithm;        /* enum dpw_lb_algo */
	uint8_t persist;          /* enum dpw_persist */
	uint8_t n;                /* candidates */
	uint8_t reserved;
	uint32_t salt;            /* hashing (persistence, sticky): differs per policy, so two
				   * policies over the same WANs do not pair up their hosts */
	struct dp_lb_cand c[DPW_MAX_WANS];
};

/* What an algorithm needs to know of one WAN now (from the WAN view, dp.h). */
struct dp_lb_wan {
	uint8_t usable;           /* takes new sessions (health, link, priority groups) */
	uint8_t up;               /* configured, enabled, not forced down, link up and the
				   * gateway known: health ignored (what ENFORCED needs) */
	uint8_t configured;       /* in the running document */
	uint8_t reserved;
	uint32_t rtt_us;          /* health checker's RTT mean, 0 unknown */
	uint32_t loss_permille;
	uint32_t upload_kbps;     /* the document's bandwidths */
	uint32_t download_kbps;
};

/*
 * The measured throughput of each WAN, summed over workers by the main lcore every
 * DP_LB_LOAD_PERIOD_MS (an exponentially weighted rate); workers read it without a lock
 * (one writer, word-sized fields: a torn read is impossible, a stale one harmless).
 */
#define DP_LB_LOAD_PERIOD_MS 100
struct dp_lb_load {
	uint32_t tx_kbps[DPW_MAX_WANS];   /* upload: LAN -> WAN */
	uint32_t rx_kbps[DPW_MAX_WANS];   /* download: WAN -> LAN */
};

/* A calling worker's state for one policy (smooth weighted round-robin); one writer. */
struct dp_lb_state {
	int32_t current[DPW_MAX_WANS];
};

/* The flow being placed (network byte order, as in the flow key). */
struct dp_lb_flow {
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
};

/* What a pick decided, for the session and for `explain`. */
struct dp_lb_result {
	int wan;                  /* the WAN, or -1: none of the candidates can take it */
	uint8_t n_cand;           /* candidates considered (the usable ones, or the tier) */
	uint8_t cand[DPW_MAX_WANS];
	uint8_t also_mask;        /* FASTEST_RESPONSE: the other WANs the first packet is
				   * copied to (bit per WAN id), 0 otherwise */
};

/*
 * Choose a WAN for flow f under policy p. wans[] is indexed by WAN id (n_wans of them),
 * st is the caller's own state for this policy (may be NULL: then weighted choices are
 * by flow hash, as explain does), load may be NULL (no measurement: nothing is full).
 * Returns r->wan. Deterministic for every algorithm but WEIGHTED / METRIC with a state.
 * Any thread; pure.
 */
int dp_lb_pick(const struct dp_policy *p, const struct dp_lb_wan *wans, unsigned int n_wans,
	       const struct dp_lb_load *load, struct dp_lb_state *st, const struct dp_lb_flow *f,
	       struct dp_lb_result *r);

/*
 * Rendezvous (highest random weight) hashing: the candidate with the largest
 * -weight / ln(hash(key, wan)) among those with ok[i]. Every worker computes the same,
 * and a change in the set moves only the keys of the WANs that came or went. Returns
 * the index into c[], or -1. Pure.
 */
int dp_lb_rendezvous(const struct dp_lb_cand *c, unsigned int n, const uint8_t *ok,
		     uint64_t key);

/* A 64-bit hash of up to two addresses and a salt, the same on every worker. Pure. */
uint64_t dp_lb_hash(uint32_t a, uint32_t b, uint32_t salt);

/*
 * Is WAN `wan`, which a session of policy p is on, less preferred now than a usable WAN
 * of p (terminate on recovery)? PRIORITY / OVERFLOW: a usable candidate earlier in the
 * list; METRIC: a usable candidate in a lower tier; PERSISTENCE: the flow's choice now is
 * another WAN; WEIGHTED and the others: wan is not a candidate at all (it was taken by
 * "use any"). Pure.
 */
int dp_lb_less_preferred(const struct dp_policy *p, const struct dp_lb_wan *wans,
			 unsigned int n_wans, const struct dp_lb_flow *f, unsigned int wan);

/* The per-algorithm functions behind dp_lb_pick (lb_<name>.c); same contract. */
typedef int (*dp_lb_fn)(const struct dp_policy *p, const struct dp_lb_wan *wans,
			unsigned int n_wans, const struct dp_lb_load *load,
			struct dp_lb_state *st, const struct dp_lb_flow *f,
			struct dp_lb_result *r);

int dp_lb_metric(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		 const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		 struct dp_lb_result *);
int dp_lb_weighted(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		   const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		   struct dp_lb_result *);
int dp_lb_persistence(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		      const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		      struct dp_lb_result *);
int dp_lb_enforced(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		   const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		   struct dp_lb_result *);
int dp_lb_priority(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		   const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		   struct dp_lb_result *);
int dp_lb_overflow(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		   const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		   struct dp_lb_result *);
int dp_lb_least_used(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		     const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		     struct dp_lb_result *);
int dp_lb_lowest_latency(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
			 const struct dp_lb_load *, struct dp_lb_state *,
			 const struct dp_lb_flow *, struct dp_lb_result *);
int dp_lb_fastest(const struct dp_policy *, const struct dp_lb_wan *, unsigned int,
		  const struct dp_lb_load *, struct dp_lb_state *, const struct dp_lb_flow *,
		  struct dp_lb_result *);

#endif
