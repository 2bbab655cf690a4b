/* SPDX-License-Identifier: BSD-3-Clause
 * WAN core operations (see wan.h): name lookup in the shared WAN table. Main thread.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/dplink.h"
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
