/* SPDX-License-Identifier: BSD-3-Clause
 * Internet checksum helpers; pure, any thread.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/pkt/dpw_csum.h"

uint16_t
dpw_csum_partial(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	uint64_t sum = seed;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		sum += (v & 0xffffffffu) + (v >> 32);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		sum += v;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t v = 0;

		memcpy(&v, p, 1);
		sum += v;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t
dpw_csum_l4(uint32_t src_be, uint32_t dst_be, uint8_t proto, const void *l4, size_t len)
{
	uint32_t seed = 0;
	uint16_t w[2];

	memcpy(w, &src_be, 4);
	seed += w[0] + w[1];
	memcpy(w, &dst_be, 4);
	seed += w[0] + w[1];
	seed += htons(proto);
	seed += htons((uint16_t)len);
	return (uint16_t)~dpw_csum_partial(l4, len, seed);
}
