/* SPDX-License-Identifier: BSD-3-Clause
 * dnsmasq's configuration rendered from the document (issue 9), and its lease database
 * read back. Pure functions (no I/O but what the names say), unit-tested
 * (test/unit/test_dnsmasq_conf.c). The running side - files, `dnsmasq --test`,
 * signals, WAN state changes, stats - is control/dnsmasq.c (dnsmasq.h).
 *
 * Three files in <state_dir>/dnsmasq/, so that what changes often needs no restart:
 *   dnsmasq.conf   the main file: interface, DHCP ranges, options, local records, cache,
 *                  the lease file, pid file, and the two below. A change restarts
 *                  dnsmasq (its leases are in the lease file: none is lost).
 *   servers.conf   servers-file: the upstream resolvers of the WANs usable now, each
 *                  `server=IP@<WAN TAP>` (out of its WAN), and the domain lookup
 *                  policy's `server=/domain/IP@<TAP>`; re-read on SIGHUP.
 *   hosts.conf     dhcp-hostsfile: the reservations (MAC,IP[,name]); re-read on SIGHUP.
 */
#ifndef CP_DNSMASQ_CONF_H
#define CP_DNSMASQ_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/cfg/dpw_doc.h"

/* What the document does not say: the system's side. */
struct cp_dnsmasq_env {
	const char *lan_tap;           /* "dpw-lan" */
	uint32_t lan_addr;             /* host order */
	uint8_t lan_prefixlen;
	const char *dir;               /* <state_dir>/dnsmasq (absolute) */
	/* dnsmasq's query source ports (min-port, max-port): kept below the dataplane's
	 * NAT range on the WAN addresses (DESIGN.md s1), so that an upstream's answer is
	 * never taken for a NAT session's; 0: dnsmasq's own defaults */
	uint16_t min_port;
	uint16_t max_port;
	/* per document WAN (index as doc->wans): its TAP, whether it is usable now (up in
	 * the WAN view: online or degraded, enabled, not forced down) and its resolvers
	 * (addressing.dns if given, else its DHCP lease's) */
	struct {
		char tap[DPW_NAME_LEN + 4];
		int usable;
		unsigned int n_dns;
		uint32_t dns[DPW_WAN_DNS_MAX];   /* host order */
	} wan[DPW_MAX_WANS];
};

/* A rendered text: malloc'd, NUL-terminated; free with free(). */
struct cp_dnsmasq_files {
	char *main;
	char *servers;
	char *hosts;
};

/* Render all three. 0, or -ENOMEM (nothing allocated). */
int cp_dnsmasq_render(const struct dpw_doc *doc, const struct cp_dnsmasq_env *env,
		      struct cp_dnsmasq_files *out);

void cp_dnsmasq_files_free(struct cp_dnsmasq_files *f);

/* One lease of dnsmasq's lease file: "<expiry> <mac> <ip> <hostname|*> <clientid|*>". */
struct cp_lease {
	int64_t expiry;                /* unix seconds; 0: infinite */
	uint8_t mac[6];
	uint32_t addr;                 /* host order */
	char hostname[DPW_HOSTNAME_LEN];   /* "" for "*" */
	char client_id[768];           /* "" for "*"; hex pairs, up to 255 bytes */
};

/*
 * Parse a lease file's text. Lines that are not IPv4 leases (the "duid" line, IPv6
 * leases, malformed lines) are skipped and counted in *skipped (may be NULL). At most
 * max leases are returned in out; returns how many lines were leases (may exceed max).
 */
unsigned int cp_lease_parse(const char *text, size_t len, struct cp_lease *out,
			    unsigned int max, unsigned int *skipped);

/*
 * The DHCPRELEASE that makes dnsmasq drop a lease (dnsmasq-utils' dhcp_release does
 * the same): a BOOTP request from lease->addr for lease->mac, server identifier
 * server (host order), the lease's client id if it has one. Written into buf (at least
 * 520 bytes); returns its length, or -EINVAL.
 */
int cp_dhcp_release_build(const struct cp_lease *lease, uint32_t server, uint32_t xid,
			  uint8_t *buf, size_t cap);

/*
 * Added with the implementation: dnsmasq's statistics are CHAOS TXT answers
 * (cachesize.bind, hits.bind, servers.bind ...). cp_chaos_query writes the query for
 * name with id into buf: its length, or -EINVAL (name too long, cap too small).
 * cp_chaos_answer reads an answer: *id, and its TXT strings (each NUL-terminated, cut
 * to CP_CHAOS_TXT_LEN - 1) into out, at most max; returns how many, or -EINVAL when the
 * message is malformed or not an answer.
 */
#define CP_CHAOS_TXT_LEN 128
int cp_chaos_query(uint8_t *buf, size_t cap, uint16_t id, const char *name);
int cp_chaos_answer(const uint8_t *buf, size_t len, uint16_t *id,
		    char out[][CP_CHAOS_TXT_LEN], unsigned int max);

#endif
