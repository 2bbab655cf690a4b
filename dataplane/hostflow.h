/* SPDX-License-Identifier: BSD-3-Clause
 * Flows the appliance's own host opened through a WAN (health checks, DNS, the WAN's
 * DHCP client, an operator's ping): the WAN input policy lets their answers through to
 * the kernel and nothing else unasked. One writer, the main lcore, which sees every
 * frame the host sends on a WAN TAP; readers, the workers, which decide what to punt.
 * Lock-free: a slot is a 64-bit fingerprint of the flow's inbound key and an expiry,
 * published in an order readers can rely on; nothing is ever freed, a slot is reused
 * once expired. Pure C (GCC atomics, no DPDK): unit-tested as is.
 */
#ifndef DP_HOSTFLOW_H
#define DP_HOSTFLOW_H

#include <stdint.h>

#include "dataplane/ct.h"

#define DP_HOSTFLOW_SLOTS 4096   /* a host opens tens of flows, a busy one hundreds */
#define DP_HOSTFLOW_WAYS 4

struct dp_hostflow_slot {
	uint64_t fp;              /* fingerprint of the inbound key, 0: never used */
	uint32_t expiry;          /* worker clock (seconds since start) */
	uint32_t pad;
};

struct dp_hostflow {
	struct dp_hostflow_slot slot[DP_HOSTFLOW_SLOTS];
	uint64_t evicted;         /* live flows pushed out by newer ones (main lcore) */
};

/*
 * The host sent a packet of the flow whose answers arrive with key k: keep it until
 * `expiry`, which the caller chose for that packet (the latest packet decides, so a
 * FIN or RST brings a TCP flow's end closer). Main lcore only.
 */
void dp_hostflow_note(struct dp_hostflow *t, const struct dp_flow_key *k, uint32_t expiry,
		      uint32_t now);

/* Does a packet with key k answer a live host flow at time now? Any lcore. */
int dp_hostflow_has(const struct dp_hostflow *t, const struct dp_flow_key *k, uint32_t now);

#endif
