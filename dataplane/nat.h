/* SPDX-License-Identifier: BSD-3-Clause
 * NAT44 port / ICMP identifier allocation. The NAT range is cut into one slice per worker,
 * so the port of a reply tells which worker owns its session (dp_nat_owner). A port is
 * free for a new session when the session's reply key is not in the flow table yet
 * (endpoint-dependent reuse, as VPP NAT44-ED does), so one WAN address carries many
 * more sessions than ports. Pure C, per worker.
 */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdint.h>

struct dp_nat_slice {
	uint16_t lo;      /* host order, inclusive */
	uint16_t hi;
	uint64_t rng;     /* xorshift64* state, never 0 */
};

#define DP_NAT_TRIES 256

/*
 * Slice of worker w out of n in [min, max]. seed: unpredictable bits (the caller reads
 * getrandom()); the searches start from points drawn from it.
 */
void dp_nat_slice_init(struct dp_nat_slice *s, uint16_t min, uint16_t max, unsigned int w,
		       unsigned int n, uint64_t seed);

/* Worker owning `port` (host order), or -1 when the port is outside [min, max]. */
static inline int
dp_nat_owner(uint16_t port, uint16_t min, uint16_t max, unsigned int n)
{
	uint32_t span = (uint32_t)(max - min + 1) / n, w;

	if (port < min || port > max)
		return -1;
	w = (uint32_t)(port - min) / span;
	return (int)(w >= n ? n - 1 : w);
}

/* Returns nonzero when `port` (host order) is already taken for the flow in arg. */
typedef int (*dp_nat_taken_fn)(void *arg, uint16_t port);

/*
 * Choose a port in the slice for which taken() says no: the preferred one (the client's
 * own port, kept when possible: a client that randomises keeps its randomness) first,
 * then onwards from a random point of the slice (RFC 6056 3.3.1), so that what leaves
 * the appliance cannot be predicted from what left before (RFC 5452). Returns the port
 * in host order, or 0 after DP_NAT_TRIES candidates.
 */
uint16_t dp_nat_alloc(struct dp_nat_slice *s, uint16_t preferred, dp_nat_taken_fn taken,
		      void *arg);

#endif
