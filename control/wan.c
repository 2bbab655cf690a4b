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

enum dpw_wan_state
cp_wan_state(const struct dpw_shm *shm, unsigned int i)
{
	/*
	 * The health checker's state where it has one; the dataplane's verdict decides
	 * whether an online WAN carries traffic (link, gateway, priority groups).
	 */
	return dpw_wan_state(&shm->wans[i], strcmp(cp_health_state_str(i), "degraded") == 0);
}
