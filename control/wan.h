/* SPDX-License-Identifier: BSD-3-Clause
 * WAN operations of the control process: the core functions that the REST handlers
 * (and later the health checker) call. The WAN table itself lives in the dataplane's
 * shared memory; changes go to the dataplane as messages. Any thread after attach.
 */
#ifndef CP_WAN_H
#define CP_WAN_H

#include <stdbool.h>

/* Index of the WAN named name in dpw_shm.wans, or -ENOENT. */
int cp_wan_find(const char *name);

/*
 * Set a WAN's administrative state and wait for the dataplane to apply it (the shared
 * WAN view then shows it). 0, -ENOENT (no such WAN), -ETIMEDOUT (no reply), -ENOTCONN,
 * or the dataplane's -errno.
 */
int cp_wan_set_admin(const char *name, bool enabled);

#endif
