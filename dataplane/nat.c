/* SPDX-License-Identifier: BSD-3-Clause
 * NAT44 port allocation within a worker's slice. Pure C, per worker.
 */
#include "dataplane/nat.h"

void
dp_nat_slice_init(struct dp_nat_slice *s, uint16_t min, uint16_t max, unsigned int w,
		  unsigned int n, uint64_t seed)
{
	uint32_t span = (uint32_t)(max - min + 1) / n;

	s->lo = (uint16_t)(min + w * span);
	s->hi = (w == n - 1) ? max : (uint16_t)(s->lo + span - 1);
	s->rng = seed ^ (0x9e3779b97f4a7c15ull * (w + 1));
	if (s->rng == 0)
		s->rng = 0x2545f4914f6cdd1dull;
}

/* xorshift64* (Vigna): fast, full period, good enough to spread search starts. */
static inline uint32_t
next_random(struct dp_nat_slice *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

uint16_t
dp_nat_alloc(struct dp_nat_slice *s, uint16_t preferred, dp_nat_taken_fn taken, void *arg)
{
	uint32_t span = (uint32_t)(s->hi - s->lo) + 1, off, i;

	if (preferred >= s->lo && preferred <= s->hi && !taken(arg, preferred))
		return preferred;
	/* multiply-shift maps the 32 random bits onto the span without a division */
	off = (uint32_t)(((uint64_t)next_random(s) * span) >> 32);
	for (i = 0; i < DP_NAT_TRIES && i < span; i++) {
		uint16_t p = (uint16_t)(s->lo + (off + i) % span);

		if (!taken(arg, p))
			return p;
	}
	return 0;
}
