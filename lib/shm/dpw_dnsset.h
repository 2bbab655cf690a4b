/* SPDX-License-Identifier: BSD-3-Clause
 * The domain sets (issue 9), in their own memzone DPW_DNSSET_ZONE: the IPv4 addresses
 * DNS answers gave to names that outbound rules' domain patterns match, each with its
 * expiry. The dataplane's workers and main lcore write it (lock-free, see
 * dataplane/dnsset.h), the workers read it on a rule's domain match, and dpwan-control
 * reads it for the API (GET /api/v1/lan/dns/domain-sets). Plain data only.
 *
 * Table: n_slots (a power of two) 16-byte slots in 4-way buckets, after the header. A
 * slot's key is (pattern id << 32 | address), 0 = empty; expiry is in seconds of the
 * dataplane's clock (seconds since clock_base_mono_ms, CLOCK_MONOTONIC), 0 = free.
 * A bucket's slot is replaced by the one that expires first when the bucket is full
 * (counted as an eviction if it had not expired).
 */
#ifndef DPW_DNSSET_H
#define DPW_DNSSET_H

#include <stdint.h>

#include "lib/shm/dpw_shm.h"

#define DPW_DNSSET_ZONE "dpw_dnsset"
#define DPW_DNSSET_MAGIC 0x44534554u   /* "DSET" */
#define DPW_DNSSET_ABI 2
#define DPW_DNSSET_WAYS 4
#define DPW_DNSSET_PATTERNS_MAX 1024   /* distinct patterns in the running rules */
#define DPW_DNSSET_PATTERN_LEN 128     /* = DPW_DOMAIN_LEN */
#define DPW_DNSSET_TTL_MIN 10          /* an answer's addresses are kept at least this, */
#define DPW_DNSSET_TTL_MAX 86400       /* and at most this, whatever its TTL says */

struct dpw_dnsset_slot {
	volatile uint64_t key;         /* pattern id << 32 | IPv4 address (network order) */
	volatile uint32_t expiry_s;    /* dataplane seconds; 0: free */
	uint32_t pad;
};

/* Counters of one lcore (slot as in dpw_shm.lcore), summed on read. */
struct dpw_dnsset_stats {
	uint64_t answers;              /* DNS responses parsed (any rcode) */
	uint64_t malformed;            /* dropped from snooping (the packet still goes) */
	uint64_t matched;              /* answers whose name matched a pattern */
	uint64_t inserted;             /* addresses put (new or refreshed) */
	uint64_t evicted;              /* unexpired entries replaced: the table is too small */
	uint64_t lookups;              /* rule domain checks */
	uint64_t hits;                 /* ... that found the destination */
	uint64_t pad;
};

struct dpw_dnsset_pattern {
	uint32_t id;                   /* dpw_dns_pattern_id(pattern); 0: unused slot */
	uint32_t pad;
	char pattern[DPW_DNSSET_PATTERN_LEN];
};

struct dpw_dnsset_hdr {
	uint32_t magic;
	uint32_t abi;
	uint32_t n_slots;
	uint32_t n_patterns;           /* of the running rules, in patterns[] */
	uint64_t clock_base_mono_ms;   /* dataplane second 0, CLOCK_MONOTONIC ms */
	volatile uint64_t patterns_gen;   /* policy generation patterns[] belongs to */
	/* the sets' clock now: the dataplane's seconds (its TSC since start), stored by the
	 * main lcore every 100 ms. Readers outside the dataplane judge expiry by it, not by
	 * their own clock: the TSC's rate is an estimate and drifts from CLOCK_MONOTONIC */
	volatile uint32_t now_s;
	uint32_t pad;
	struct dpw_dnsset_stats stats[DPW_MAX_LCORE_SLOTS];
	struct dpw_dnsset_pattern patterns[DPW_DNSSET_PATTERNS_MAX];
	/* followed by n_slots struct dpw_dnsset_slot */
};

static inline struct dpw_dnsset_slot *
dpw_dnsset_slots(struct dpw_dnsset_hdr *h)
{
	return (struct dpw_dnsset_slot *)(void *)(h + 1);
}

_Static_assert(sizeof(struct dpw_dnsset_slot) == 16, "slot size");
_Static_assert(sizeof(struct dpw_dnsset_stats) == 64, "stats fill a cache line");

#endif
