/* SPDX-License-Identifier: BSD-3-Clause
 * dnsmasq, run beside dpwan-control (issue 9): DHCP and the DNS proxy on the LAN TAP.
 * dnsmasq is not our child: a supervisor keeps it alive (systemd's
 * dpwan-dnsmasq.service, the lab's dns supervisor in tools/lab), so it keeps serving
 * while dpwan-control restarts or is down. dpwan-control only writes its files
 * (dnsmasq_conf.h), checks the main file with `dnsmasq --test` before it takes a
 * document, and signals the pid in <dir>/dnsmasq.pid: SIGTERM when the main file
 * changed (the supervisor starts it again with the new file; the lease file keeps the
 * leases), SIGHUP when only the servers or reservations did (and for a cache flush).
 * On start it renders and compares with the files on disk: equal files, no signal, so a
 * control restart does not disturb DHCP or DNS. Main thread (the control loop).
 */
#ifndef CP_DNSMASQ_H
#define CP_DNSMASQ_H

#include <stdbool.h>
#include <stdint.h>

#include "control/dnsmasq_conf.h"
#include "lib/cfg/dpw_doc.h"

struct cp_ctx;

/* Set up (the directory, the first render). 0 or -errno. */
int cp_dnsmasq_init(struct cp_ctx *c);

/*
 * Would doc work with dnsmasq? Renders it and runs `dnsmasq --test` on the result
 * (bounded in time). Problems go to pr at "/lan" with dnsmasq's own message. Called by
 * validate and apply before the dataplane sees the document. 0 or -EINVAL.
 */
int cp_dnsmasq_check(struct cp_ctx *c, const struct dpw_doc *doc, struct dpw_doc_problems *pr);

/* The document doc was applied: write what changed and signal dnsmasq. */
void cp_dnsmasq_apply(struct cp_ctx *c, const struct dpw_doc *doc);

/* WAN states (or a WAN's DHCP lease and its DNS servers) changed: new servers.conf and
 * SIGHUP if it differs. */
void cp_dnsmasq_wans_changed(struct cp_ctx *c);

/* Flush dnsmasq's cache (SIGHUP). 0, or -ESRCH when dnsmasq is not running. */
int cp_dnsmasq_flush(struct cp_ctx *c);

/* The current leases (the lease file, read now): malloc'd array in *out, count
 * returned, or -errno. */
int cp_dnsmasq_leases(struct cp_ctx *c, struct cp_lease **out);

/* Drop the lease of addr (a DHCPRELEASE to dnsmasq on the LAN TAP). 0, -ENOENT (no
 * such lease), -errno. */
int cp_dnsmasq_lease_delete(struct cp_ctx *c, uint32_t addr);

/* The pid of the running dnsmasq (its pid file's, a dnsmasq whose command line names
 * <dir>/dnsmasq.conf), or 0. */
int cp_dnsmasq_pid(struct cp_ctx *c);

/* Added with the implementation: dnsmasq's statistics (its CHAOS TXT answers). */
#define CP_DNSMASQ_SERVERS_MAX 16
struct cp_dnsmasq_server {
	char addr[64];                 /* "198.19.0.53#53" */
	unsigned long long queries;
	unsigned long long failed;
};

struct cp_dnsmasq_stats {
	int64_t at_ms;                 /* CLOCK_REALTIME of the last round; 0: none yet */
	bool complete;                 /* every question of that round was answered */
	unsigned long long cache_size, insertions, evictions, misses, hits, auth;
	unsigned int n_servers;
	struct cp_dnsmasq_server server[CP_DNSMASQ_SERVERS_MAX];
};

typedef void (*cp_dnsmasq_stats_cb)(const struct cp_dnsmasq_stats *s, void *arg);

/*
 * Ask dnsmasq for its statistics (CHAOS TXT queries to the LAN address, answered on
 * the event loop, bounded by a second). cb (may be NULL) is called once, never from
 * inside this call, with what came back (complete false when some question was not
 * answered). 0, -ENOTCONN (DNS disabled or not set up), -EBUSY (too many waiting).
 */
int cp_dnsmasq_stats_get(struct cp_ctx *c, cp_dnsmasq_stats_cb cb, void *arg);

/* The last round's statistics (refreshed every few seconds), for /metrics. */
const struct cp_dnsmasq_stats *cp_dnsmasq_stats_last(void);

#endif
