/* SPDX-License-Identifier: BSD-3-Clause
 * Weighted balance of new sessions over the usable WANs: smooth weighted round-robin
 * (the nginx algorithm), so a 1:1 weighting splits new sessions exactly in half and
 * 3:1 interleaves rather than bursting. State is per worker. Pure C.
 */
#ifndef DP_LB_WEIGHTED_H
#define DP_LB_WEIGHTED_H

#include <stdint.h>

#include "lib/shm/dpw_shm.h"

struct dp_wrr {
	int64_t current[DPW_MAX_WANS];
};

/*
 * Pick one of the n WANs whose usable[i] is nonzero, by weight[i] (> 0). Returns its
 * index or -1 when none is usable.
 */
int dp_wrr_pick(struct dp_wrr *st, const uint32_t *weight, const uint8_t *usable,
		unsigned int n);

#endif
