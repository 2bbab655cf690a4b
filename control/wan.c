/* SPDX-License-Identifier: BSD-3-Clause
 * WAN core operations (see wan.h): name lookup in the shared WAN table and the WAN's
 * state as the API reports it. Main thread.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/dplink.h"
#include "control/health.h"
#include "control/wan.h"

static const char *const state_names[CP_WAN_STATE_MAX] = {
#define CP_X_NAME(e, s) [CP_WAN_##e] = s,
	CP_WAN_STATES(CP_X_NAME)
#undef CP_X_NAME
};

int
cp_wan_find(const char *name)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	unsigned int i;

	if (shm == NULL)
		return -ENOTCONN;
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		if (strncmp(shm->wans[i].name, name, DPW_NAME_LEN) == 0)
			return (int)i;
	return -ENOENT;
}

const char *
cp_wan_state_str(enum cp_wan_state s)
{
	return (unsigned int)s < CP_WAN_STATE_MAX ? state_names[s] : "unknown";
}

enum cp_wan_state
cp_wan_state(const struct dpw_shm *shm, unsigned int i)
{
	const struct dpw_wan_shm *w = &shm->wans[i];

	/*
	 * The health checker's state where it has one; the dataplane's verdict decides
	 * whether an online WAN carries traffic (link, gateway, priority groups).
	 */
	if (!w->configured)
		return CP_WAN_UNCONFIGURED;
	if (w->admin != DPW_WAN_ADMIN_UP)
		return CP_WAN_DISABLED;
	if (w->forced_down)
		return CP_WAN_FORCED_DOWN;
	if (w->standby)
		return CP_WAN_STANDBY;
	if (!w->usable)
		return CP_WAN_OFFLINE;
	return strcmp(cp_health_state_str(i), "degraded") == 0 ? CP_WAN_DEGRADED : CP_WAN_ONLINE;
}
