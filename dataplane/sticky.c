/* SPDX-License-Identifier: BSD-3-Clause
 * The shared sticky table (sticky.h): every worker reads and writes it on the miss path
 * without a lock, the main lcore forgets a WAN's entries. Each entry is one 64-bit word,
 * so a reader sees an old entry or a new one, never half of each: relaxed atomics are
 * enough, as nothing else is published through it. Pure C.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/sticky.h"

/* Entry layout: tag (32 bits, never 0) | wan (8 bits) | time (24 bits). 0 is empty. */
#define TIME_BITS 24
#define TIME_MASK ((1u << TIME_BITS) - 1)
#define WAN_SHIFT TIME_BITS
#define TAG_SHIFT 32

/* Buckets are 32 bytes: aligned so that none straddles a cache line. */
#define BUCKET_ALIGN 64

/*
 * One 64-bit hash of (rule, host): its high half is the tag, its low half the bucket,
 * so the tag still tells apart the hosts that share a bucket. A fixed finalizer
 * (splitmix64) that every worker computes alike; no secret seed is needed, a LAN host
 * gains nothing by colliding with another (sticky.h).
 */
static inline uint64_t
sticky_hash(uint16_t rule, uint32_t src)
{
	uint64_t x = ((uint64_t)rule << 32 | src) + 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Seconds since t, modulo 2^24. A time "ahead" of now (the upper half of the circle)
 * is another worker's clock that read the next second first: age 0, not an expired
 * entry. Timeouts are at most 86400 s, far below 2^23.
 */
static inline uint32_t
age_of(uint64_t e, uint32_t now)
{
	uint32_t age = (now - (uint32_t)e) & TIME_MASK;

	return age >= (1u << (TIME_BITS - 1)) ? 0 : age;
}

int
dp_sticky_init(struct dp_sticky *t, uint32_t entries)
{
	uint64_t buckets = 1;
	size_t bytes;

	if (t == NULL || entries == 0)
		return -EINVAL;
	while (buckets * DP_STICKY_WAYS < entries)
		buckets <<= 1;
	if (buckets > (1ull << 31))
		return -EINVAL;
	bytes = (size_t)buckets * DP_STICKY_WAYS * sizeof(uint64_t);
	bytes = (bytes + BUCKET_ALIGN - 1) & ~(size_t)(BUCKET_ALIGN - 1);
	t->slot = aligned_alloc(BUCKET_ALIGN, bytes);
	if (t->slot == NULL)
		return -ENOMEM;
	memset(t->slot, 0, bytes);
	t->mask = (uint32_t)(buckets - 1);
	return 0;
}

void
dp_sticky_free(struct dp_sticky *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	t->slot = NULL;
	t->mask = 0;
}

int
dp_sticky_get(const struct dp_sticky *t, uint16_t rule, uint32_t src, uint32_t now,
	      uint32_t timeout_s)
{
	uint64_t h = sticky_hash(rule, src);
	uint32_t tag = (uint32_t)(h >> 32) | 1, best_age = UINT32_MAX;
	const uint64_t *b;
	int wan = -1;
	unsigned int i;

	if (t->slot == NULL)
		return -1;
	b = t->slot + (size_t)((uint32_t)h & t->mask) * DP_STICKY_WAYS;
	/*
	 * Two workers placing a host's first connections at once can both miss and write
	 * two ways of the bucket: the fresher one is the host's latest.
	 */
	for (i = 0; i < DP_STICKY_WAYS; i++) {
		uint64_t e = __atomic_load_n(&b[i], __ATOMIC_RELAXED);
		uint32_t age;

		if ((uint32_t)(e >> TAG_SHIFT) != tag)
			continue;
		age = age_of(e, now);
		if (age <= timeout_s && age < best_age) {
			best_age = age;
			wan = (int)(uint8_t)(e >> WAN_SHIFT);
		}
	}
	return wan;
}

void
dp_sticky_put(struct dp_sticky *t, uint16_t rule, uint32_t src, uint8_t wan, uint32_t now)
{
	uint64_t h = sticky_hash(rule, src);
	uint32_t tag = (uint32_t)(h >> 32) | 1, oldest_age = 0;
	uint64_t *b, e;
	unsigned int i, victim = DP_STICKY_WAYS;

	if (t->slot == NULL)
		return;
	b = t->slot + (size_t)((uint32_t)h & t->mask) * DP_STICKY_WAYS;
	e = (uint64_t)tag << TAG_SHIFT | (uint64_t)wan << WAN_SHIFT | (now & TIME_MASK);
	for (i = 0; i < DP_STICKY_WAYS; i++) {
		uint64_t old = __atomic_load_n(&b[i], __ATOMIC_RELAXED);
		uint32_t age;

		if ((uint32_t)(old >> TAG_SHIFT) == tag) {
			/* refresh in place: the host keeps one way, its others age out */
			__atomic_store_n(&b[i], e, __ATOMIC_RELAXED);
			return;
		}
		if (old == 0) {
			if (victim == DP_STICKY_WAYS || oldest_age != UINT32_MAX) {
				victim = i;
				oldest_age = UINT32_MAX;   /* an empty way beats any entry */
			}
			continue;
		}
		age = age_of(old, now);
		if (victim == DP_STICKY_WAYS || age > oldest_age) {
			victim = i;
			oldest_age = age;
		}
	}
	__atomic_store_n(&b[victim], e, __ATOMIC_RELAXED);
}

void
dp_sticky_forget_wan(struct dp_sticky *t, uint8_t wan)
{
	uint64_t n, i;

	if (t->slot == NULL)
		return;
	n = ((uint64_t)t->mask + 1) * DP_STICKY_WAYS;
	for (i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&t->slot[i], __ATOMIC_RELAXED);

		if (e == 0 || (uint8_t)(e >> WAN_SHIFT) != wan)
			continue;
		/*
		 * A worker may have just put another host (or refreshed this one on a live
		 * WAN) into the slot: clear it only if it still holds what was read.
		 */
		__atomic_compare_exchange_n(&t->slot[i], &e, 0, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
}
