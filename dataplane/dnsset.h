/* SPDX-License-Identifier: BSD-3-Clause
 * Domain sets (issue 9) on the dataplane side: the table of lib/shm/dpw_dnsset.h,
 * shared by every worker and the main lcore, written with atomic compare-and-swap on a
 * slot's key and relaxed stores of its expiry, read without a lock. RSS puts a host's
 * DNS answer and its next connection on any workers, so one table serves all. Pure C
 * over the memzone (unit-testable on a malloc'd table).
 */
#ifndef DP_DNSSET_H
#define DP_DNSSET_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/shm/dpw_dnsset.h"

/* Initialise a table of n_slots (a power of two >= DPW_DNSSET_WAYS) in h. */
void dp_dnsset_init(struct dpw_dnsset_hdr *h, uint32_t n_slots, uint64_t clock_base_mono_ms);

/* Does set `id` hold addr (network order) unexpired at now_s? Any lcore. */
bool dp_dnsset_has(const struct dpw_dnsset_hdr *h, uint32_t id, uint32_t addr, uint32_t now_s);

/*
 * Put addr into set id until now_s + ttl (clamped to DPW_DNSSET_TTL_MIN..MAX), or push
 * an existing entry's expiry later. Counts in h->stats[slot]. Any lcore.
 */
void dp_dnsset_put(struct dpw_dnsset_hdr *h, uint32_t id, uint32_t addr, uint32_t ttl,
		   uint32_t now_s, unsigned int slot);

/* Publish the running rules' patterns (main lcore, after a policy generation). */
void dp_dnsset_set_patterns(struct dpw_dnsset_hdr *h, uint64_t gen,
			    const char (*patterns)[DPW_DNSSET_PATTERN_LEN], unsigned int n);

#endif
