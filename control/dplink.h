/* SPDX-License-Identifier: BSD-3-Clause
 * dplink: the one owner of the control <-> dataplane rings and the reader of the shared
 * memzone. Attach after rte_eal_init; afterwards requests are asynchronous: the caller
 * gets a callback from the event loop (cp_dplink_tick) with the reply or a timeout, and
 * nothing ever waits for the dataplane while other work is pending. Main thread only:
 * this process is the single producer of DPW_RING_C2D and the single consumer of
 * DPW_RING_D2C.
 */
#ifndef CP_DPLINK_H
#define CP_DPLINK_H

#include <stdint.h>

#include "lib/msg/dpw_msg.h"
#include "lib/shm/dpw_shm.h"

/* Wait for a reply to a request before giving up (ms). */
#define CP_DPLINK_TIMEOUT_MS 1000
/* After a timeout, a late reply is still delivered for this long (ms). */
#define CP_DPLINK_LATE_MS 10000
#define CP_DPLINK_MAX_PENDING 32
/* The dataplane is dead when its heartbeat is older than this (ms). */
#define CP_DPLINK_HEARTBEAT_MS 3000

/*
 * Look up the memzone and the rings, check the shm magic/ABI, refuse when another
 * control process is attached (-EBUSY, before touching the rings), drain what a
 * previous control instance left on D2C and say HELLO with our message ABI (waiting for
 * the answer: nothing else runs yet). 0 or -errno (-ENOENT: a DPDK object is missing,
 * -EPROTO: ABI mismatch, -ESRCH: the dataplane is dead, -ETIMEDOUT: no reply to HELLO).
 * *reply gets HELLO's reply. Main thread, once, after rte_eal_init.
 */
int cp_dplink_attach(struct dpw_msg *reply);

/* The shared memory written by the dataplane (read-only here); NULL before attach. */
const struct dpw_shm *cp_dplink_shm(void);

/*
 * A reply (status 0 or the dataplane's -errno, reply set), a timeout (-ETIMEDOUT, reply
 * NULL, late 0), then either a reply that came after the timeout (late 1, reply set,
 * within CP_DPLINK_LATE_MS) or the end of that window (-ETIMEDOUT, reply NULL, late 1).
 * arg must stay valid that long.
 */
typedef void (*cp_dplink_cb)(int status, const struct dpw_msg *reply, int late, void *arg);

/*
 * Send one request (op + payload, which may be NULL); cb runs from cp_dplink_tick.
 * Returns the request's seq (>= 0 as an int64), or -ENOBUFS (C2D full or too many
 * pending), -ENOTCONN before attach, -EINVAL (payload too long). Main thread.
 */
int64_t cp_dplink_send(uint16_t op, const void *payload, unsigned int payload_len,
		       unsigned int timeout_ms, cp_dplink_cb cb, void *arg);

/* Unsolicited dataplane events go to this function (one; NULL: only logged). */
void cp_dplink_set_event_cb(void (*cb)(const struct dpw_msg_event *ev));

/*
 * Loop tick: drain D2C (replies to their callbacks, events to the event callback),
 * expire timed-out requests. Returns how long the loop may sleep (1 ms while requests
 * are pending, else 50 ms). Main thread.
 */
int cp_dplink_tick(void *arg);

/*
 * 1 if the dataplane is alive: its monotonic heartbeat is recent and its pid exists;
 * 0 otherwise (why is written into why, if not NULL). Any thread.
 */
int cp_dplink_alive(char *why, unsigned int whylen);

/* CLOCK_REALTIME in ms, the clock of dpw_shm's timestamps. Any thread. */
#define cp_now_ms dpw_now_ms

#endif
