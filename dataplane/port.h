/* SPDX-License-Identifier: BSD-3-Clause
 * Port and TAP bring-up (main thread at start and stop), and the re-addressing of a
 * WAN's TAP when a document changes it (main lcore).
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stddef.h>

#include "dataplane/dp.h"

/*
 * Create (vdev) or find (PCI) the wire device of a port and check that it takes
 * n_workers queue pairs and the port's MTU; nothing is allocated for it yet. 0, or
 * -errno with a one-line reason in err.
 */
int dp_port_probe(struct dp_port *p, const struct dpw_port_conf *pc, uint16_t n_workers,
		  char *err, size_t errlen);

/*
 * Open a probed port idx per its configuration: the wire device with n_workers queue
 * pairs and the port's MTU, and its kernel TAP. 0, or -errno with a one-line reason in err.
 */
int dp_port_open(struct dp_port *p, const struct dpw_port_conf *pc, unsigned int idx,
		 uint16_t n_workers, struct rte_mempool *pool, char *err, size_t errlen);

/*
 * (Re-)address the kernel side of port p's TAP: addr/mask (network order; addr 0 removes
 * the address) and the IP MTU. Main lcore (config apply) or main thread at start.
 * 0, or -errno with a one-line reason in err.
 */
int dp_port_tap_address(const struct dp_port *p, uint32_t addr_be, uint32_t mask_be,
			uint16_t mtu, char *err, size_t errlen);

/*
 * The host's path out of WAN p (DESIGN.md s1: the appliance's host has no default
 * route): routing table DP_WAN_TABLE(wan) holds the WAN's connected prefix and "default
 * via gw dev dpw-<wan>", rule DP_WAN_RULE_OIF(wan) sends what is bound to the TAP there
 * and rule DP_WAN_RULE_FROM(wan) what has the WAN's address as source. addr 0 removes
 * them (no address: nothing of the host may leave by this WAN but raw sockets, such as
 * the DHCP client's). Replaces what was there. Network order. Main lcore (apply, lease)
 * or main thread at start. 0, or -errno with a one-line reason in err.
 */
#define DP_WAN_TABLE(w) (2001u + (w))
#define DP_WAN_RULE_OIF(w) (2001u + (w))
#define DP_WAN_RULE_FROM(w) (2101u + (w))
int dp_port_tap_route(const struct dp_port *p, uint32_t addr_be, uint32_t mask_be,
		      uint32_t gw_be, char *err, size_t errlen);

/*
 * The TAP's carrier follows the WAN port's link (on 1, off 0), so that host software
 * sees the link as it is. Main lcore (link polling). 0 or -errno.
 */
int dp_port_tap_carrier(const struct dp_port *p, int on);

/*
 * The health checker's verdict on the TAP: link mode dormant, operational state
 * "dormant" while offline, "up" otherwise. The carrier stays on, so probes still leave
 * by the WAN and can see it recover. Main lcore (WAN_HEALTH). 0 or -errno.
 */
int dp_port_tap_health(const struct dp_port *p, int offline);

/* Stop and close the TAP (if it was made) and the wire device; a WAN's rules go. */
void dp_port_close(struct dp_port *p);

#endif
