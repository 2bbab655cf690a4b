/* SPDX-License-Identifier: BSD-3-Clause
 * Health-check probes (issue 7 point 1): one probe of one target through one WAN, run
 * by the control process's event loop (control/loop.h) and never blocking it. Methods:
 * ping (ICMP echo on a raw socket per WAN, replies matched by identifier and
 * sequence), dns (one UDP query; any well-formed answer with our id, NXDOMAIN
 * included, is up, as in the Peplink manual), http and https (libcurl's multi
 * interface on the loop's epoll: 2xx is up, a redirect is not followed and fails, an
 * optional string must be in the first 64 KiB of the body), tcp (a non-blocking
 * connect: established is up, refused or no answer is down).
 *
 * Every socket leaves by the WAN: it is bound to the WAN's TAP (SO_BINDTODEVICE) and to
 * the WAN's address, and the dataplane keeps one routing table per WAN on the host
 * (default route via the WAN's gateway, rules for that TAP and that source address), so
 * a probe can never take another WAN's path or the host's default route.
 *
 * Probes to different targets run at the same time: the caller starts them all and
 * gets one callback each. Main thread only.
 */
#ifndef CP_PROBE_H
#define CP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cfg/dpw_doc.h"

#define CP_PROBE_DETAIL_LEN 96
#define CP_PROBE_MAX 1024           /* probes in flight at once (a fixed table) */
#define CP_PROBE_PING_SIZE_MAX 1472 /* ping payload bytes (DPW_HEALTH: size 0..1472) */
#define CP_PROBE_HTTP_BODY_MAX 65536 /* http(s): bytes of body read (http_match looked for) */

struct cp_probe_spec {
	uint8_t method;                       /* enum dpw_health_method, not NONE */
	char ifname[DPW_NAME_LEN];            /* the WAN's TAP, e.g. "dpw-wan1" */
	uint32_t src;                         /* the WAN's address, host order (0: any) */
	char target[DPW_HEALTH_TARGET_LEN];   /* a.b.c.d; http(s): a URL */
	uint16_t port;                        /* tcp */
	uint16_t size;                        /* ping payload bytes */
	char dns_query[DPW_HEALTH_STR_LEN];   /* dns */
	char http_match[DPW_HEALTH_STR_LEN];  /* http(s): "" none */
	bool tls_verify;                      /* https */
	uint32_t timeout_ms;                  /* the probe is lost after this */
};

struct cp_probe_result {
	bool up;                              /* answered as the method requires */
	uint32_t rtt_us;                      /* send to answer (http: to the end of the body) */
	/* why, for events and the API: "echo reply", "timeout", "HTTP 302",
	 * "connection refused", "no 'ok' in body", "NXDOMAIN" (still up) ... */
	char detail[CP_PROBE_DETAIL_LEN];
};

/* Called exactly once per started probe, from the loop (never inside cp_probe_start). */
typedef void (*cp_probe_cb)(void *arg, const struct cp_probe_result *r);

/* Set up (libcurl's global state, the multi handle on the loop). After cp_loop_init. */
int cp_probe_init(void);

/* Cancel every probe (no callbacks) and free everything. */
void cp_probe_fini(void);

/*
 * Start one probe. Returns its id (> 0), or -errno when it could not even start (bad
 * target, no such interface, out of sockets): then cb is never called.
 * -EINVAL: bad spec (method, target, port, size, timeout 0); -ENODEV: no interface
 * ifname; -EADDRNOTAVAIL: src is not an address of this host; -ENOSPC: CP_PROBE_MAX in
 * flight or no loop timer left; -EMFILE ...: out of sockets. A failure after the start
 * (sendto refused, connect refused at once) is a down result delivered by the loop.
 */
int64_t cp_probe_start(const struct cp_probe_spec *spec, cp_probe_cb cb, void *arg);

/* Cancel a probe that has not completed: its callback is not called. Unknown ids are
 * ignored. */
void cp_probe_cancel(int64_t id);

/* For /metrics: probes started, answered (up), lost or failed, and in flight now. */
struct cp_probe_counters {
	uint64_t started[DPW_HM_MAX];
	uint64_t up[DPW_HM_MAX];
	uint64_t down[DPW_HM_MAX];
	uint64_t in_flight;
};
void cp_probe_counters(struct cp_probe_counters *out);

#endif
