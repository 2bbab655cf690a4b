/* SPDX-License-Identifier: BSD-3-Clause
 * The lease file a WAN's DHCP client leaves in <state_dir>/dhcp/<wan>.lease (written by
 * the client's script, dhcp_client.c): its parser and its meaning. Pure C (no DPDK, no
 * I/O): unit-tested. Any thread.
 */
#ifndef CP_DHCP_LEASE_H
#define CP_DHCP_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/cfg/dpw_doc.h"

#define CP_DHCP_REASON_LEN 16

/* A WAN's lease as its DHCP client last reported it. */
struct cp_dhcp_lease {
	int bound;                /* the client holds a lease (addr and the rest valid) */
	char reason[CP_DHCP_REASON_LEN]; /* dhclient's: BOUND, RENEW, REBIND, REBOOT, EXPIRE... */
	uint32_t addr;            /* host byte order */
	uint8_t prefixlen;
	uint32_t gateway;         /* host byte order; the first router */
	unsigned int n_dns;
	uint32_t dns[DPW_WAN_DNS_MAX];   /* host byte order */
	uint32_t lease_s;         /* the lease time, seconds (0: not given) */
};

/*
 * Parse a lease file: "key=value" lines, keys reason, ip, prefix or mask, router (one
 * or more, space-separated: the first is taken), dns (space-separated), lease; unknown
 * keys are ignored (a newer script may write more). The reasons that mean a lease is
 * held (BOUND, RENEW, REBIND, REBOOT) need ip, a prefix 1..30 and a router inside it;
 * every other reason (EXPIRE, FAIL, RELEASE, STOP, TIMEOUT...) means no lease, bound 0.
 * 0 and *out filled, or -EINVAL (no reason, a held lease missing or with a bad ip,
 * prefix, mask or router). Pure.
 */
int cp_dhcp_lease_parse(const char *text, size_t len, struct cp_dhcp_lease *out);

/* The same lease (bound, address, prefix, gateway, DNS servers)? Pure. */
int cp_dhcp_lease_same(const struct cp_dhcp_lease *a, const struct cp_dhcp_lease *b);

/* "198.18.1.50/24 via 198.18.1.1, dns 198.19.0.10, 3600 s" or "none (EXPIRE)". Pure. */
void cp_dhcp_lease_str(const struct cp_dhcp_lease *l, char *buf, size_t len);

#endif
