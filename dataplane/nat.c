/* SPDX-License-Identifier: BSD-3-Clause
 * NAT44 port allocation within a worker's slice. Pure C, per worker.
 */
#include "dataplane/nat.h"

void
dp_nat_slice_init(struct dp_nat_slice *s, uint16_t min, uint16_t max, unsigned int w,
		  unsigned int n)
{
	uint32_t span = (uint32_t)(max - min + 1) / n;

	s->lo = (uint16_t)(min + w * span);
	s->hi = (w == n - 1) ? max : (uint16_t)(s->lo + span - 1);
	s->cursor = s->lo;
}

uint16_t
dp_nat_alloc(struct dp_nat_slice *s, uint16_t preferred, dp_nat_taken_fn taken, void *arg)
{
	unsigned int i;

	if (preferred >= s->lo && preferred <= s->hi && !taken(arg, preferred))
		return preferred;
	for (i = 0; i < DP_NAT_TRIES; i++) {
		uint16_t p = s->cursor;

		s->cursor = (p >= s->hi) ? s->lo : (uint16_t)(p + 1);
		if (!taken(arg, p))
			return p;
	}
	return 0;
}
