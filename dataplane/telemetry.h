/* SPDX-License-Identifier: BSD-3-Clause
 * The dataplane's commands on DPDK's telemetry socket (/var/run/dpdk/<file prefix>/
 * dpdk_telemetry.v2), beside DPDK's own (/ethdev/..., /eal/...): /dpwan/info,
 * /dpwan/wans[,NAME|ID], /dpwan/ports, /dpwan/workers[,ID], /dpwan/stats, /dpwan/sessions,
 * /dpwan/drops. dpdk-telemetry.py and any DPDK telemetry collector read them.
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

#include "lib/shm/dpw_shm.h"

/*
 * Register the commands; they read shm (which must outlive the process's EAL). After
 * rte_eal_init, main thread. 0 or -errno (a command name taken).
 */
int dp_telemetry_init(const struct dpw_shm *shm);

#endif
