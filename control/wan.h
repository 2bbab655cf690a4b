/* SPDX-License-Identifier: BSD-3-Clause
 * WAN operations of the control process that the REST handlers (and later the health
 * checker) call. The WAN table itself lives in the dataplane's shared memory; changes
 * are changes of the document (control/config.h). Main thread, after attach.
 */
#ifndef CP_WAN_H
#define CP_WAN_H

#include "lib/shm/dpw_shm.h"

/* Index of the WAN named name in dpw_shm.wans, or -ENOENT. */
int cp_wan_find(const char *name);

/* The state of shm->wans[i] now (shared WAN view and health checker: dpw_wan_state,
 * named by dpw_wan_state_str). Main thread. */
enum dpw_wan_state cp_wan_state(const struct dpw_shm *shm, unsigned int i);

#endif
