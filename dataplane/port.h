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

/* Stop and close the TAP (if it was made) and the wire device. */
void dp_port_close(struct dp_port *p);

#endif
