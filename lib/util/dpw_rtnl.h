/* SPDX-License-Identifier: BSD-3-Clause
 * A minimal rtnetlink client (pure libc, no libmnl): routes in a table, policy rules,
 * and a link's carrier and operational state. Each call opens a NETLINK_ROUTE socket in
 * the caller's network namespace, sends one request, waits for its ACK and closes the
 * socket: these run on configuration changes and link events, not per packet. Addresses
 * are in network byte order. Every function returns 0 or -errno (the kernel's answer).
 * Any thread (no shared state).
 */
#ifndef DPW_RTNL_H
#define DPW_RTNL_H

#include <stdint.h>

/*
 * Replace (create or overwrite) the route dst/plen in table: via gw (0: a connected,
 * scope-link route), out of ifindex, preferred source prefsrc (0: none).
 */
int dpw_rtnl_route_replace(uint32_t table, uint32_t dst, uint8_t plen, uint32_t gw,
			   int ifindex, uint32_t prefsrc);

/* Delete the route dst/plen of table (any next hop). -ESRCH when there is none. */
int dpw_rtnl_route_delete(uint32_t table, uint32_t dst, uint8_t plen);

/*
 * Add a rule at priority prio that looks up table: for packets leaving by oif (an
 * interface name; NULL or "": any) and/or from src/32 (0: any source).
 */
int dpw_rtnl_rule_add(uint32_t prio, uint32_t table, const char *oif, uint32_t src);

/*
 * Delete one rule at priority prio that looks up table (whatever its selectors).
 * -ENOENT when there is none.
 */
int dpw_rtnl_rule_delete(uint32_t prio, uint32_t table);

/*
 * Delete every rule at priority prio that looks up table, then add the one described
 * (dpw_rtnl_rule_add): a rule "replaced" whatever an earlier run left there.
 */
int dpw_rtnl_rule_replace(uint32_t prio, uint32_t table, const char *oif, uint32_t src);

/* Carrier on or off (IFLA_CARRIER; tun/tap and dummy devices take it). */
int dpw_rtnl_link_carrier(int ifindex, int on);

/*
 * Link mode dormant (IFLA_LINKMODE 1) and operational state dormant (dormant != 0) or up
 * (IFLA_OPERSTATE): RFC 2863's "the link works, the layer above is not ready yet".
 */
int dpw_rtnl_link_dormant(int ifindex, int dormant);

#endif
