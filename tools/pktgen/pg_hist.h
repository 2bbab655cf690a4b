/* SPDX-License-Identifier: BSD-3-Clause
 * Latency histogram for dpwan-pktgen: log-linear buckets over nanoseconds (16 linear
 * steps per power of two, so a bucket is within 6.25 % of its values). One writer (the
 * LAN receive lcore); main() merges and reads them after the lcores have stopped.
 */
#ifndef PG_HIST_H
#define PG_HIST_H

#include <stdint.h>

#define PG_HIST_SUB_BITS 4
#define PG_HIST_SUB (1u << PG_HIST_SUB_BITS)
#define PG_HIST_BUCKETS (PG_HIST_SUB * 42)

struct pg_hist {
	uint64_t n;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t b[PG_HIST_BUCKETS];
};

static inline unsigned int
pg_hist_index(uint64_t ns)
{
	unsigned int e, idx;

	if (ns < PG_HIST_SUB)
		return (unsigned int)ns;
	e = 63u - (unsigned int)__builtin_clzll(ns);   /* >= PG_HIST_SUB_BITS */
	idx = (e - PG_HIST_SUB_BITS + 1) * PG_HIST_SUB +
	      (unsigned int)((ns >> (e - PG_HIST_SUB_BITS)) & (PG_HIST_SUB - 1));
	return idx < PG_HIST_BUCKETS ? idx : PG_HIST_BUCKETS - 1;
}

/* Record one sample. Only the owning lcore. */
static inline void
pg_hist_add(struct pg_hist *h, uint64_t ns)
{
	h->b[pg_hist_index(ns)]++;
	h->n++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (h->n == 1 || ns < h->min_ns)
		h->min_ns = ns;
}

/* Add src into dst. Any thread, once the writer has stopped. */
void pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src);

/*
 * The value at quantile q (0..1) in ns: the upper edge of the bucket holding it, clamped
 * to the largest sample seen. 0 when empty. Any thread, once the writer has stopped.
 */
uint64_t pg_hist_quantile(const struct pg_hist *h, double q);

#endif
