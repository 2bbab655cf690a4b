/* SPDX-License-Identifier: BSD-3-Clause
 * Latency histogram queries for dpwan-pktgen (main lcore, after the run): merge the
 * per-lcore histograms and read percentiles.
 */
#include <math.h>

#include "tools/pktgen/pg_hist.h"

void
pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src)
{
	unsigned int i;

	if (src->n == 0)
		return;
	if (dst->n == 0 || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->n += src->n;
	dst->sum_ns += src->sum_ns;
	for (i = 0; i < PG_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

static uint64_t
bucket_upper(unsigned int idx)
{
	unsigned int e, sub;

	if (idx < PG_HIST_SUB)
		return idx;
	e = idx / PG_HIST_SUB + PG_HIST_SUB_BITS - 1;
	sub = idx % PG_HIST_SUB;
	return (((uint64_t)PG_HIST_SUB + sub + 1) << (e - PG_HIST_SUB_BITS)) - 1;
}

uint64_t
pg_hist_quantile(const struct pg_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned int i;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < PG_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_upper(i);
			if (v > h->max_ns)
				v = h->max_ns;
			if (v < h->min_ns)
				v = h->min_ns;
			return v;
		}
	}
	return h->max_ns;
}
