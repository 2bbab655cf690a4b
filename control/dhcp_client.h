/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN DHCP client (issue 7): for each WAN whose addressing mode is dhcp in the
 * applied document, dpwan-control supervises ISC dhclient on the WAN's TAP
 * ("dpw-<wan>"). The client's script never configures the interface (the dataplane owns
 * the TAP's address): it writes the lease atomically into <state_dir>/dhcp/<wan>.lease,
 * which this module watches with inotify on the event loop; a new or changed lease goes
 * to the dataplane as WAN_LEASE (a lost one as address 0) and into the event log, and its
 * DNS servers are kept for the health checker. A client that dies is restarted with a
 * backoff; on exit the clients are stopped by PID. The lease outlives a control restart
 * (the file is read again and re-sent); dhclient itself is restarted. Main thread.
 */
#ifndef CP_DHCP_CLIENT_H
#define CP_DHCP_CLIENT_H

#include "control/dhcp_lease.h"
#include "lib/cfg/dpw_doc.h"

/* The client program and its backoff between restarts (ms). */
#define CP_DHCP_CLIENT "/usr/sbin/dhclient"
#define CP_DHCP_BACKOFF_MIN_MS 1000
#define CP_DHCP_BACKOFF_MAX_MS 30000
/* A client that ran this long before dying starts again with the shortest backoff. */
#define CP_DHCP_STABLE_MS 60000

/*
 * Bring the clients in line with doc (the document now running in the dataplane): start
 * one for each DHCP WAN that has none (sending the lease a previous control process left
 * at once), stop those of WANs that are no longer DHCP (their lease file goes). The
 * first call also sets up <state_dir>/dhcp, the script and the inotify watch. Called by
 * config.c after every successful apply and at start-up. 0 or -errno (logged).
 */
int cp_dhcp_sync(const struct dpw_doc *doc);

/*
 * The lease WAN id wan holds (its DNS servers for the health checker): 0 and *out, or
 * -ENOENT (not a DHCP WAN, or no lease held now).
 */
int cp_dhcp_lease(unsigned int wan, struct cp_dhcp_lease *out);

/* Stop every client (SIGTERM, then SIGKILL after a short wait). On exit. */
void cp_dhcp_stop(void);

#endif
