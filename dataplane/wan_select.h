/* SPDX-License-Identifier: BSD-3-Clause
 * Which WANs take new sessions: Peplink's priority groups over the WANs that are up
 * (configured, enabled, link, gateway, health). Pure C: the main lcore calls it when it
 * builds a WAN view (gen.c), the unit tests call it as is.
 */
#ifndef DP_WAN_SELECT_H
#define DP_WAN_SELECT_H

#include <stdint.h>

/* One WAN as the group rule sees it. */
struct dp_wan_group {
	uint8_t up;               /* usable on its own: could carry traffic now */
	uint8_t priority;         /* 1 always-on, 2.. backup groups; 0 is taken as 1 */
	uint8_t independent;      /* its state is ignored by the groups below it */
};

/*
 * For each of the n WANs: usable[i] when it is up and no dependent (not independent)
 * WAN of a smaller priority number is up; standby[i] when it is up but held back by
 * such a WAN. Priority 1 is never held back. Pure.
 */
void dp_wan_select(const struct dp_wan_group *g, unsigned int n, uint8_t *usable,
		   uint8_t *standby);

#endif
