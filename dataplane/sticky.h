/* SPDX-License-Identifier: BSD-3-Clause
 * mwan3's sticky rules: a LAN host's new connections under one rule take the WAN its
 * last one took there, while they come within the rule's timeout. RSS spreads one
 * host's flows over every worker, so the table is shared by all of them, lock-free:
 * 4-way buckets of 64-bit entries (a 32-bit hash of rule and host, the WAN, the time in
 * seconds mod 2^24), written with relaxed atomic stores, the oldest entry of a bucket
 * replaced. Two workers placing a host's first connections at the same moment agree
 * anyway: the callers pick them by rendezvous hash of the host when there is no entry.
 * A 32-bit hash collision can give a host another host's WAN under the same rule
 * (about 4 in 2^32 lookups): harmless, the rule allows either WAN. Pure C.
 */
#ifndef DP_STICKY_H
#define DP_STICKY_H

#include <stdint.h>

#define DP_STICKY_WAYS 4

struct dp_sticky {
	uint32_t mask;            /* buckets - 1 */
	uint64_t *slot;           /* (mask + 1) * DP_STICKY_WAYS entries */
};

/* A table of at least `entries` entries (power of two buckets). 0 or -ENOMEM / -EINVAL. */
int dp_sticky_init(struct dp_sticky *t, uint32_t entries);

void dp_sticky_free(struct dp_sticky *t);

/*
 * The WAN host `src` (network order) last took under rule `rule` if that was at most
 * timeout_s seconds before now (worker clock, seconds), else -1. Any worker.
 */
int dp_sticky_get(const struct dp_sticky *t, uint16_t rule, uint32_t src, uint32_t now,
		  uint32_t timeout_s);

/* Record (or refresh) that host src took wan under rule at now. Any worker. */
void dp_sticky_put(struct dp_sticky *t, uint16_t rule, uint32_t src, uint8_t wan,
		   uint32_t now);

/* Forget every entry of WAN wan (it left the document). Main lcore. */
void dp_sticky_forget_wan(struct dp_sticky *t, uint8_t wan);

#endif
