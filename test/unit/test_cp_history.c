/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/history_ring.c (the dashboard's WAN history): the ring before and
 * after it wraps, the samples after a time (also with a clock stepped back), byte counter
 * rates (first sample, counter reset, no overflow) and the time in state. Single-threaded;
 * no DPDK.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "control/history_ring.h"

static struct cp_hist_sample
at_time(int64_t t_ms)
{
	struct cp_hist_sample s = { .t_ms = t_ms, .rtt_us = CP_HIST_NONE,
				    .jitter_us = CP_HIST_NONE, .loss_pct = NAN,
				    .rx_bps = CP_HIST_RATE_NONE, .tx_bps = CP_HIST_RATE_NONE };

	return s;
}

static struct cp_hist_ring *
new_ring(void)
{
	struct cp_hist_ring *r = malloc(sizeof(*r));

	assert_non_null(r);
	cp_hist_ring_reset(r);
	return r;
}

static void
test_empty(void **state)
{
	struct cp_hist_ring *r = new_ring();

	(void)state;
	assert_int_equal(r->n, 0);
	assert_null(cp_hist_ring_at(r, 0));
	assert_int_equal(cp_hist_ring_after(r, INT64_MIN), 0);
	assert_int_equal(cp_hist_ring_after(r, 0), 0);
	free(r);
}

static void
test_partial_in_order(void **state)
{
	struct cp_hist_ring *r = new_ring();
	struct cp_hist_sample s;
	unsigned int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		s = at_time(1000 * (int64_t)i);
		s.rtt_us = (int32_t)i;
		cp_hist_ring_push(r, &s);
	}
	assert_int_equal(r->n, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(cp_hist_ring_at(r, i)->rtt_us, i);
	assert_null(cp_hist_ring_at(r, 10));
	free(r);
}

static void
test_wraps_keeping_the_newest(void **state)
{
	struct cp_hist_ring *r = new_ring();
	struct cp_hist_sample s;
	unsigned int i, extra = 7;

	(void)state;
	for (i = 0; i < CP_HIST_LEN + extra; i++) {
		s = at_time(CP_HIST_PERIOD_MS * (int64_t)i);
		cp_hist_ring_push(r, &s);
	}
	assert_int_equal(r->n, CP_HIST_LEN);
	/* the oldest is the first one not overwritten; the order holds across the seam */
	assert_int_equal(cp_hist_ring_at(r, 0)->t_ms, CP_HIST_PERIOD_MS * (int64_t)extra);
	for (i = 1; i < CP_HIST_LEN; i++)
		assert_int_equal(cp_hist_ring_at(r, i)->t_ms - cp_hist_ring_at(r, i - 1)->t_ms,
				 CP_HIST_PERIOD_MS);
	assert_int_equal(cp_hist_ring_at(r, CP_HIST_LEN - 1)->t_ms,
			 CP_HIST_PERIOD_MS * (int64_t)(CP_HIST_LEN + extra - 1));
	assert_null(cp_hist_ring_at(r, CP_HIST_LEN));
	/* an hour of 5 s samples */
	assert_int_equal(CP_HIST_LEN, 720);
	free(r);
}

static void
test_after(void **state)
{
	struct cp_hist_ring *r = new_ring();
	struct cp_hist_sample s;
	unsigned int i;

	(void)state;
	for (i = 0; i < CP_HIST_LEN + 3; i++) {
		s = at_time(1000000 + 5000 * (int64_t)i);
		cp_hist_ring_push(r, &s);
	}
	/* oldest held: 1000000 + 5000 * 3 */
	assert_int_equal(cp_hist_ring_after(r, 0), 0);
	assert_int_equal(cp_hist_ring_after(r, 1015000 - 1), 0);
	assert_int_equal(cp_hist_ring_after(r, 1015000), 1);       /* strictly after */
	assert_int_equal(cp_hist_ring_after(r, 1015001), 1);
	assert_int_equal(cp_hist_ring_after(r, 1015000 + 5000 * 100), 101);
	s = *cp_hist_ring_at(r, CP_HIST_LEN - 1);
	assert_int_equal(cp_hist_ring_after(r, s.t_ms), CP_HIST_LEN);
	assert_int_equal(cp_hist_ring_after(r, s.t_ms - 1), CP_HIST_LEN - 1);
	assert_int_equal(cp_hist_ring_after(r, INT64_MAX), CP_HIST_LEN);
	free(r);
}

static void
test_after_clock_stepped_back(void **state)
{
	struct cp_hist_ring *r = new_ring();
	static const int64_t t[] = { 100, 200, 300, 150, 250 };
	struct cp_hist_sample s;
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		s = at_time(t[i]);
		cp_hist_ring_push(r, &s);
	}
	/* the walk back stops at the first sample at or before since (150 for 200) */
	assert_int_equal(cp_hist_ring_after(r, 200), 4);
	assert_int_equal(cp_hist_ring_after(r, 140), 1);
	assert_int_equal(cp_hist_ring_after(r, 99), 0);
	/* 300, from before the step, is hidden behind 250 */
	assert_int_equal(cp_hist_ring_after(r, 260), 5);
	free(r);
}

static void
test_rate(void **state)
{
	(void)state;
	assert_int_equal(cp_hist_rate_bps(0, 1000, 1000), 8000);
	assert_int_equal(cp_hist_rate_bps(500, 500, 5000), 0);
	assert_int_equal(cp_hist_rate_bps(0, 125000000, 1000), 1000000000);     /* 1 Gbit/s */
	assert_int_equal(cp_hist_rate_bps(0, 625, 5000), 1000);
	assert_int_equal(cp_hist_rate_bps(0, 1000, 0), CP_HIST_RATE_NONE);
	assert_int_equal(cp_hist_rate_bps(1000, 10, 5000), CP_HIST_RATE_NONE);   /* reset */
	/* near the counter's top: no overflow of bytes x 8000 */
	assert_int_equal(cp_hist_rate_bps(0, UINT64_MAX / 4000, 1000000000000ull),
			 (int64_t)(UINT64_MAX / 4000 / 1000000000000ull * 8000));
	assert_true(cp_hist_rate_bps(0, UINT64_MAX / 4000, 1000000000000ull) > 0);
}

static void
test_wan_sample_rates(void **state)
{
	struct cp_hist_wan *w = malloc(sizeof(*w));
	struct cp_hist_sample s;

	(void)state;
	assert_non_null(w);
	cp_hist_wan_reset(w);
	s = at_time(1);
	cp_hist_wan_sample(w, &s, 1000, 2000, 10000);
	assert_int_equal(w->ring.n, 1);
	assert_int_equal(cp_hist_ring_at(&w->ring, 0)->rx_bps, CP_HIST_RATE_NONE);   /* first */
	s = at_time(2);
	cp_hist_wan_sample(w, &s, 1000 + 6250, 2000 + 625, 15000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 1)->rx_bps, 10000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 1)->tx_bps, 1000);
	/* the dataplane restarted: its counters start again from 0 */
	s = at_time(3);
	cp_hist_wan_sample(w, &s, 100, 100, 20000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 2)->rx_bps, CP_HIST_RATE_NONE);
	assert_int_equal(cp_hist_ring_at(&w->ring, 2)->tx_bps, CP_HIST_RATE_NONE);
	s = at_time(4);
	cp_hist_wan_sample(w, &s, 100 + 625, 100, 25000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 3)->rx_bps, 1000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 3)->tx_bps, 0);
	/* the same monotonic time twice: no rate rather than a division by 0 */
	s = at_time(5);
	cp_hist_wan_sample(w, &s, 100 + 1250, 100, 25000);
	assert_int_equal(cp_hist_ring_at(&w->ring, 4)->rx_bps, CP_HIST_RATE_NONE);
	free(w);
}

static void
test_wan_state_since(void **state)
{
	struct cp_hist_wan *w = malloc(sizeof(*w));

	(void)state;
	assert_non_null(w);
	cp_hist_wan_reset(w);
	assert_false(w->seen);
	/* first seen: from what the dataplane knows */
	cp_hist_wan_state(w, 0, 50000, 20000);
	assert_true(w->seen);
	assert_int_equal(w->state_since_ms, 20000);
	cp_hist_wan_state(w, 0, 51000, 0);
	assert_int_equal(w->state_since_ms, 20000);         /* unchanged: kept */
	cp_hist_wan_state(w, 2, 52000, 0);
	assert_int_equal(w->state, 2);
	assert_int_equal(w->state_since_ms, 52000);         /* changed: from now */
	cp_hist_wan_state(w, 2, 60000, 0);
	assert_int_equal(w->state_since_ms, 52000);
	/* nothing known, or a time in the future: from now */
	cp_hist_wan_reset(w);
	cp_hist_wan_state(w, 1, 70000, 0);
	assert_int_equal(w->state_since_ms, 70000);
	cp_hist_wan_reset(w);
	cp_hist_wan_state(w, 1, 70000, 90000);
	assert_int_equal(w->state_since_ms, 70000);
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_partial_in_order),
		cmocka_unit_test(test_wraps_keeping_the_newest),
		cmocka_unit_test(test_after),
		cmocka_unit_test(test_after_clock_stepped_back),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_wan_sample_rates),
		cmocka_unit_test(test_wan_state_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
