/* SPDX-License-Identifier: BSD-3-Clause
 * The domain sets' table (dataplane/dnsset.h) over the memzone of lib/shm/dpw_dnsset.h:
 * written by any lcore that snoops a DNS answer (workers, the main lcore), read by the
 * workers' policy stage and by dpwan-control. No lock: a slot is claimed by a
 * compare-and-swap of its key, its expiry is only ever pushed later by a CAS, readers
 * load the key (acquire) then the expiry. Two writers racing for one slot can leave an
 * entry with the other's expiry for one TTL at worst (both were just answered), never a
 * torn key. Pure C (GCC atomics), unit-tested on a malloc'd table.
 */
#include <string.h>

#include "dataplane/dnsset.h"
#include "lib/pkt/dpw_dns.h"

static inline uint64_t
slot_key(uint32_t id, uint32_t addr)
{
	return (uint64_t)id << 32 | addr;
}

/* A 64-bit finaliser (murmur3's fmix64): the id and the address both move every bit. */
static inline uint32_t
bucket_of(const struct dpw_dnsset_hdr *h, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return (uint32_t)key & (h->n_slots / DPW_DNSSET_WAYS - 1);
}

void
dp_dnsset_init(struct dpw_dnsset_hdr *h, uint32_t n_slots, uint64_t clock_base_mono_ms)
{
	memset(h, 0, sizeof(*h) + (size_t)n_slots * sizeof(struct dpw_dnsset_slot));
	h->magic = DPW_DNSSET_MAGIC;
	h->abi = DPW_DNSSET_ABI;
	h->n_slots = n_slots;
	h->clock_base_mono_ms = clock_base_mono_ms;
}

bool
dp_dnsset_has(const struct dpw_dnsset_hdr *h, uint32_t id, uint32_t addr, uint32_t now_s)
{
	const struct dpw_dnsset_slot *b;
	uint64_t key = slot_key(id, addr);
	unsigned int i;

	b = dpw_dnsset_slots((struct dpw_dnsset_hdr *)(uintptr_t)h) +
		(size_t)bucket_of(h, key) * DPW_DNSSET_WAYS;
	for (i = 0; i < DPW_DNSSET_WAYS; i++) {
		if (__atomic_load_n(&b[i].key, __ATOMIC_ACQUIRE) != key)
			continue;
		/* the key again after the expiry: a writer may have put another key in the
		 * slot (and its expiry) between the two loads */
		if (__atomic_load_n(&b[i].expiry_s, __ATOMIC_ACQUIRE) > now_s &&
		    __atomic_load_n(&b[i].key, __ATOMIC_RELAXED) == key)
			return true;
	}
	return false;
}

/* Push *e to at least exp (never earlier: another writer may have set it later). */
static void
push_expiry(volatile uint32_t *e, uint32_t exp)
{
	uint32_t cur = __atomic_load_n(e, __ATOMIC_RELAXED);

	while (cur < exp && !__atomic_compare_exchange_n(e, &cur, exp, false,
							 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

void
dp_dnsset_put(struct dpw_dnsset_hdr *h, uint32_t id, uint32_t addr, uint32_t ttl,
	      uint32_t now_s, unsigned int slot)
{
	struct dpw_dnsset_stats *st = &h->stats[slot < DPW_MAX_LCORE_SLOTS ? slot : 0];
	struct dpw_dnsset_slot *b;
	uint64_t key = slot_key(id, addr), old;
	uint32_t exp, vexp = 0;
	unsigned int i, tries, victim;

	if (id == 0)
		return;     /* key 0 is "empty" */
	if (ttl < DPW_DNSSET_TTL_MIN)
		ttl = DPW_DNSSET_TTL_MIN;
	else if (ttl > DPW_DNSSET_TTL_MAX)
		ttl = DPW_DNSSET_TTL_MAX;
	exp = now_s + ttl;
	b = dpw_dnsset_slots(h) + (size_t)bucket_of(h, key) * DPW_DNSSET_WAYS;

	/* a few rounds: a writer on another lcore may take the slot we chose */
	for (tries = 0; tries < DPW_DNSSET_WAYS; tries++) {
		victim = DPW_DNSSET_WAYS;
		for (i = 0; i < DPW_DNSSET_WAYS; i++) {
			uint64_t k = __atomic_load_n(&b[i].key, __ATOMIC_ACQUIRE);
			uint32_t e = __atomic_load_n(&b[i].expiry_s, __ATOMIC_RELAXED);

			if (k == key) {
				push_expiry(&b[i].expiry_s, exp);
				st->inserted++;
				return;
			}
			if (k == 0)
				e = 0;     /* free beats expired beats the first to expire */
			if (victim == DPW_DNSSET_WAYS || e < vexp) {
				victim = i;
				vexp = e;
			}
		}
		old = __atomic_load_n(&b[victim].key, __ATOMIC_ACQUIRE);
		if (old == key)
			continue;
		if (!__atomic_compare_exchange_n(&b[victim].key, &old, key, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&b[victim].expiry_s, exp, __ATOMIC_RELEASE);
		if (old != 0 && vexp > now_s)
			st->evicted++;
		st->inserted++;
		return;
	}
}

void
dp_dnsset_set_patterns(struct dpw_dnsset_hdr *h, uint64_t gen,
		       const char (*patterns)[DPW_DNSSET_PATTERN_LEN], unsigned int n)
{
	unsigned int i;

	if (n > DPW_DNSSET_PATTERNS_MAX)
		n = DPW_DNSSET_PATTERNS_MAX;
	/* 0 while patterns[] changes: a reader copies it between two equal non-zero gens */
	__atomic_store_n(&h->patterns_gen, 0, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++) {
		memset(&h->patterns[i], 0, sizeof(h->patterns[i]));
		strncpy(h->patterns[i].pattern, patterns[i], DPW_DNSSET_PATTERN_LEN - 1);
		h->patterns[i].id = dpw_dns_pattern_id(h->patterns[i].pattern);
	}
	for (; i < h->n_patterns && i < DPW_DNSSET_PATTERNS_MAX; i++)
		memset(&h->patterns[i], 0, sizeof(h->patterns[i]));
	h->n_patterns = n;
	__atomic_store_n(&h->patterns_gen, gen == 0 ? 1 : gen, __ATOMIC_RELEASE);
}
