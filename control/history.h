/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN history of the dashboard (issue 11): every CP_HIST_PERIOD_MS the state, RTT,
 * jitter and loss (health checker) and the receive / transmit rates (the dataplane's
 * per-WAN byte counters) of every WAN, the last hour of them in a fixed ring per WAN
 * (control/history_ring.h: no allocation per sample); every second the WAN's state, for
 * its time in state. Driven by a timer of the control loop. In memory only: a restarted
 * control process starts an empty history. Main thread.
 */
#ifndef CP_HISTORY_H
#define CP_HISTORY_H

#include "control/history_ring.h"

#define CP_HISTORY_STATE_MS 1000          /* between two looks at the WANs' states */

/* Start sampling (after the dataplane attach and cp_health_init). 0 or -errno. */
int cp_history_init(void);

/* The history of the WAN with shm index wan, NULL when out of range. */
const struct cp_hist_wan *cp_history_wan(unsigned int wan);

#endif
