/* SPDX-License-Identifier: BSD-3-Clause
 * WAN operations of the control process: the core functions that the REST handlers
 * (and later the health checker) call. The WAN table itself lives in the dataplane's
 * shared memory; changes go to the dataplane as messages. Any thread after attach.
 */
#ifndef CP_WAN_H
#define CP_WAN_H

#include <stdbool.h>

/* How long to watch the WAN view for a change whose request timed out (ms). */
#define CP_WAN_LATE_MS 200

/* Index of the WAN named name in dpw_shm.wans, or -ENOENT. */
int cp_wan_find(const char *name);

/*
 * Set a WAN's administrative state and wait for the dataplane to apply it (the shared
 * WAN view then shows it). Without a reply in time, watches the shared WAN view for up to
 * CP_WAN_LATE_MS more: the dataplane may apply the change just after the deadline, and
 * then the result is 0. 0, -ENOENT (no such WAN), -ETIMEDOUT (no reply and the state
 * has not changed yet: it may still change), -ENOTCONN, or the dataplane's -errno.
 */
int cp_wan_set_admin(const char *name, bool enabled);

#endif
