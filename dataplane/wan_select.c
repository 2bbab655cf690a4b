/* SPDX-License-Identifier: BSD-3-Clause
 * Peplink priority groups (dp_wan_select). Pure C, main lcore.
 */
#include "dataplane/wan_select.h"

static inline unsigned int
prio_of(const struct dp_wan_group *g)
{
	return g->priority == 0 ? 1 : g->priority;
}

void
dp_wan_select(const struct dp_wan_group *g, unsigned int n, uint8_t *usable, uint8_t *standby)
{
	/* the smallest priority number among the dependent WANs that are up */
	unsigned int best = UINT8_MAX + 1u, i;

	for (i = 0; i < n; i++)
		if (g[i].up && !g[i].independent && prio_of(&g[i]) < best)
			best = prio_of(&g[i]);
	for (i = 0; i < n; i++) {
		/* held back by a better group that is up; its own group holds nobody */
		int held = g[i].up && prio_of(&g[i]) > best;

		usable[i] = (uint8_t)(g[i].up && !held);
		standby[i] = (uint8_t)held;
	}
}
