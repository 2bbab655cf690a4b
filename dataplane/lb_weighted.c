/* SPDX-License-Identifier: BSD-3-Clause
 * Smooth weighted round-robin over usable WANs. Pure C, per worker.
 */
#include "dataplane/lb_weighted.h"

int
dp_wrr_pick(struct dp_wrr *st, const uint32_t *weight, const uint8_t *usable, unsigned int n)
{
	int64_t total = 0;
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!usable[i] || weight[i] == 0) {
			st->current[i] = 0;
			continue;
		}
		st->current[i] += weight[i];
		total += weight[i];
		if (best < 0 || st->current[i] > st->current[best])
			best = (int)i;
	}
	if (best >= 0)
		st->current[best] -= total;
	return best;
}
