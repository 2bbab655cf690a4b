/* SPDX-License-Identifier: BSD-3-Clause
 * dplink: the one owner of the control <-> dataplane rings and the reader of the shared
 * memzone. Attach after rte_eal_init (main thread); requests may then come from any
 * thread (the API thread, the main loop): a mutex makes this process the single
 * producer of DPW_RING_C2D and the single consumer of DPW_RING_D2C.
 */
#ifndef CP_DPLINK_H
#define CP_DPLINK_H

#include <stdint.h>

#include "lib/msg/dpw_msg.h"
#include "lib/shm/dpw_shm.h"

/* Wait for a reply to a request before giving up (ms). */
#define CP_DPLINK_TIMEOUT_MS 1000
/* The dataplane is dead when its heartbeat is older than this (ms). */
#define CP_DPLINK_HEARTBEAT_MS 3000

/*
 * Look up the memzone and the rings, check the shm magic/ABI, drain what a previous
 * control instance left on D2C and say HELLO. 0 or -errno (-ENOENT: a DPDK object is
 * missing, -EPROTO: ABI mismatch, -ESRCH: the dataplane is dead, -ETIMEDOUT: no reply
 * to HELLO). Main thread, once, after rte_eal_init.
 */
int cp_dplink_attach(void);

/* The shared memory written by the dataplane (read-only here); NULL before attach. */
const struct dpw_shm *cp_dplink_shm(void);

/*
 * Send one request (op + payload, which may be NULL) and wait up to timeout_ms for the
 * reply with the same seq, logging any EVENT that arrives meanwhile. On success returns
 * the reply's status (0 or the dataplane's -errno) and copies the reply into *reply if
 * not NULL; -ETIMEDOUT without a reply, -ENOBUFS when C2D is full, -ENOTCONN before
 * attach. Any thread.
 */
int cp_dplink_request(uint16_t op, const void *payload, unsigned int payload_len,
		      struct dpw_msg *reply, unsigned int timeout_ms);

/*
 * Handle what arrived on D2C without a waiter (events; late replies to requests that
 * timed out). Returns how many messages were handled. Any thread; the main loop calls
 * it periodically.
 */
int cp_dplink_poll(void);

/*
 * 1 if the dataplane is alive: its heartbeat is recent and its pid exists; 0 otherwise
 * (why is written into why, if not NULL). Any thread.
 */
int cp_dplink_alive(char *why, unsigned int whylen);

/* CLOCK_REALTIME in ms, the clock of dpw_shm's timestamps. Any thread. */
#define cp_now_ms dpw_now_ms

#endif
