/* SPDX-License-Identifier: BSD-3-Clause
 * Internet checksums over byte buffers: full (RFC 1071) and incremental (RFC 1624).
 * Pure functions, any thread.
 */
#ifndef DPW_CSUM_H
#define DPW_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes, folded to 16 bits, not inverted. */
uint16_t dpw_csum_partial(const void *buf, size_t len, uint32_t seed);

/* The checksum field value for buf (inverted folded sum). */
static inline uint16_t
dpw_csum(const void *buf, size_t len)
{
	return (uint16_t)~dpw_csum_partial(buf, len, 0);
}

/*
 * RFC 1624 eqn. 3: new checksum when a 16-bit word changes from old to new. Values
 * and checksum in the same byte order (any order works as long as it is consistent).
 */
static inline uint16_t
dpw_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Same for a 32-bit value (an IPv4 address), as two 16-bit words. */
static inline uint16_t
dpw_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	csum = dpw_csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
	return dpw_csum_update16(csum, (uint16_t)old, (uint16_t)new_);
}

/* IPv4 pseudo-header + L4 segment checksum (addresses in network order). */
uint16_t dpw_csum_l4(uint32_t src_be, uint32_t dst_be, uint8_t proto, const void *l4,
		     size_t len);

#endif
