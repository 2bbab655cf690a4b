/* SPDX-License-Identifier: BSD-3-Clause
 * mbuf pool and data room sizing (see dpw_mbufs.h). Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_mbufs.h"

#define MAX_POOL ((1u << 24) - 1)    /* the range system.mbufs accepts */
#define MAX_LCORE 128                /* RTE_MAX_LCORE of Debian's DPDK */

void
dpw_mbuf_need(const struct dpw_mbuf_shape *s, struct dpw_mbuf_need *n)
{
	uint64_t per_worker;

	memset(n, 0, sizeof(*n));
	n->n_ports = s->n_ports;
	n->n_workers = s->n_workers;
	n->wire = (uint64_t)s->n_ports * s->n_workers * (s->rx_desc + s->tx_desc);
	n->taps = (uint64_t)s->n_ports * s->tap_rx_desc;
	n->rings = s->shared_ring_slots + (uint64_t)s->n_workers * s->worker_ring_slots + s->held;
	/* rte_mempool lets a cache grow to 1.5 x its size before it flushes */
	n->caches = (uint64_t)(s->n_workers + 1) * (s->cache + s->cache / 2);
	/* a worker holds one RX burst, the frames it makes for it (ICMP errors, copies) and
	 * its TX buffers; the main lcore one burst from a ring and one from a TAP */
	per_worker = 2ull * s->burst + (uint64_t)s->n_ports * s->txq_len;
	n->in_flight = (uint64_t)s->n_workers * per_worker + 2ull * s->burst;
	n->total = n->wire + n->taps + n->rings + n->caches + n->in_flight;
	n->with_margin = n->total + n->total / 8;
}

int
dpw_mbuf_pool_size(const struct dpw_mbuf_need *n, uint32_t configured, const char *where,
		   uint32_t *size, char *err, size_t errlen)
{
	if (configured == 0) {
		if (n->total > MAX_POOL) {
			snprintf(err, errlen, "%s: the ports and workers need %" PRIu64 " mbufs, "
				 "more than one pool holds (%u): use fewer workers or ports",
				 where, n->total, MAX_POOL);
			return -ENOSPC;
		}
		*size = (uint32_t)(n->with_margin > MAX_POOL ? MAX_POOL : n->with_margin);
		return 0;
	}
	if (configured < n->total) {
		snprintf(err, errlen, "%s: system.mbufs = %u is too small: %" PRIu64 " are needed "
			 "for %u ports and %u workers (wire queues %" PRIu64 " + TAPs %" PRIu64
			 " + rings %" PRIu64 " + lcore caches %" PRIu64 " + bursts in flight %"
			 PRIu64 "); raise it or leave it out to size it from the ports and workers",
			 where, configured, n->total, n->n_ports, n->n_workers, n->wire, n->taps,
			 n->rings, n->caches, n->in_flight);
		return -ENOSPC;
	}
	*size = configured;
	return 0;
}

uint32_t
dpw_mbuf_data_room(uint32_t max_mtu, uint32_t headroom, uint32_t default_room)
{
	uint32_t room = headroom + max_mtu + DPW_FRAME_OVERHEAD + DPW_RX_SLACK;

	if (room <= default_room)
		return default_room;
	return (room + 63) & ~63u;
}

/* Mark lcore ids a..b (one number or a range) of s; returns the end, or NULL. */
static const char *
mark_range(const char *s, unsigned char *seen)
{
	char *end;
	unsigned long a, b, i;

	a = strtoul(s, &end, 10);
	if (end == s || a >= MAX_LCORE)
		return NULL;
	b = a;
	if (*end == '-') {
		s = end + 1;
		b = strtoul(s, &end, 10);
		if (end == s || b >= MAX_LCORE || b < a)
			return NULL;
	}
	for (i = a; i <= b; i++)
		seen[i] = 1;
	return end;
}

/* "-l 0-3,5": numbers and ranges. */
static int
count_list(const char *s, unsigned char *seen)
{
	for (;;) {
		s = mark_range(s, seen);
		if (s == NULL)
			return -EINVAL;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

/* "--lcores 0@0,(1-2)@1,3": lcore sets, each with an optional @cpu set we skip. */
static int
count_lcores(const char *s, unsigned char *seen)
{
	for (;;) {
		if (*s == '(') {
			s++;
			for (;;) {
				s = mark_range(s, seen);
				if (s == NULL)
					return -EINVAL;
				if (*s == ')')
					break;
				if (*s++ != ',')
					return -EINVAL;
			}
			s++;
		} else {
			s = mark_range(s, seen);
			if (s == NULL)
				return -EINVAL;
		}
		if (*s == '@') {
			int depth = 0;

			for (s++; *s != '\0' && (depth > 0 || *s != ','); s++)
				depth += *s == '(' ? 1 : *s == ')' ? -1 : 0;
		}
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

static int
count_mask(const char *s, unsigned char *seen)
{
	size_t len;
	unsigned int bit = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	len = strlen(s);
	if (len == 0)
		return -EINVAL;
	while (len-- > 0) {
		char c = s[len];
		unsigned int v, k;

		if (c >= '0' && c <= '9')
			v = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		for (k = 0; k < 4; k++, bit++)
			if (v & (1u << k)) {
				if (bit >= MAX_LCORE)
					return -EINVAL;
				seen[bit] = 1;
			}
	}
	return 0;
}

int
dpw_eal_lcore_count(char *const *args, int n_args, unsigned int n_cpus)
{
	unsigned char seen[MAX_LCORE];
	int i, kind = 0, rc, n = 0;
	const char *val = NULL;

	for (i = 0; i < n_args; i++) {
		const char *a = args[i], *v = NULL;
		int k = 0;

		if (strncmp(a, "--lcores", 8) == 0 && (a[8] == '=' || a[8] == '\0')) {
			k = 'L';
			v = a[8] == '=' ? a + 9 : NULL;
		} else if (a[0] == '-' && (a[1] == 'l' || a[1] == 'c')) {
			k = a[1];
			v = a[2] != '\0' ? a + 2 : NULL;
		} else {
			continue;
		}
		if (v == NULL) {
			if (i + 1 >= n_args)
				return -EINVAL;
			v = args[++i];
		}
		kind = k;
		val = v;
	}
	if (kind == 0)
		return (int)n_cpus;
	memset(seen, 0, sizeof(seen));
	rc = kind == 'L' ? count_lcores(val, seen) : kind == 'l' ? count_list(val, seen) :
	     count_mask(val, seen);
	if (rc != 0)
		return rc;
	for (i = 0; i < MAX_LCORE; i++)
		n += seen[i];
	return n ? n : -EINVAL;
}
