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

/*
 * A WAN's state as the API reports it, in the order it is decided: unconfigured, else
 * disabled, else forced down, else standby (a higher priority group is usable), else
 * offline when not usable, else the health checker's degraded or online.
 */
#define CP_WAN_STATES(X) \
	X(ONLINE, "online") \
	X(DEGRADED, "degraded") \
	X(OFFLINE, "offline") \
	X(DISABLED, "disabled") \
	X(FORCED_DOWN, "forced_down") \
	X(STANDBY, "standby") \
	X(UNCONFIGURED, "unconfigured")

enum cp_wan_state {
#define CP_X_ENUM(e, s) CP_WAN_##e,
	CP_WAN_STATES(CP_X_ENUM)
#undef CP_X_ENUM
	CP_WAN_STATE_MAX
};

/* Name of a state ("online" ...), "unknown" out of range. Any thread. */
const char *cp_wan_state_str(enum cp_wan_state s);

/* The state of shm->wans[i] now (shared WAN view and health checker). Main thread. */
enum cp_wan_state cp_wan_state(const struct dpw_shm *shm, unsigned int i);

#endif
