/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/health_stats.c: windows partially filled and wrapped, all lost,
 * RTT mean and jitter of known series, exact loss comparisons, the k-of-n round and the
 * WAN quality through its k best targets. Single-threaded; no DPDK.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "control/health_stats.h"

static void
test_init_bounds(void **state)
{
	struct cp_hstats s;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 0), -EINVAL);
	assert_int_equal(cp_hstats_init(&s, CP_HSTATS_WINDOW_MAX + 1), -EINVAL);
	assert_int_equal(cp_hstats_init(&s, CP_HSTATS_WINDOW_MAX), 0);
	assert_int_equal(cp_hstats_init(&s, 1), 0);
}

static void
test_empty(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 8), 0);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.lost, 0);
	assert_int_equal(m.loss_pct, 0);
	assert_int_equal(m.rtt_mean_us, 0);
}

/* 10, 20, 30, 40 ms: mean 25 ms, mean deviation (15 + 5 + 5 + 15) / 4 = 10 ms */
static void
test_partial_jitter_known_series(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 10), 0);
	cp_hstats_add(&s, true, 10000);
	cp_hstats_add(&s, true, 20000);
	cp_hstats_add(&s, false, 999999); /* ignored: lost */
	cp_hstats_add(&s, true, 30000);
	cp_hstats_add(&s, true, 40000);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.n, 5);
	assert_int_equal(m.lost, 1);
	assert_int_equal(m.answered, 4);
	assert_int_equal(m.loss_pct, 20);
	assert_int_equal(m.rtt_mean_us, 25000);
	assert_int_equal(m.rtt_mdev_us, 10000);
	assert_int_equal(m.rtt_min_us, 10000);
	assert_int_equal(m.rtt_max_us, 40000);
	assert_int_equal(m.run_answered, 2);
	assert_int_equal(m.run_lost, 0);
}

/* a constant RTT has no jitter; a rounding case: 1, 2 us -> mean 2 (1.5 up), mdev 1 */
static void
test_jitter_constant_and_rounding(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;
	int i;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 16), 0);
	for (i = 0; i < 16; i++)
		cp_hstats_add(&s, true, 7000);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.rtt_mean_us, 7000);
	assert_int_equal(m.rtt_mdev_us, 0);

	assert_int_equal(cp_hstats_init(&s, 4), 0);
	cp_hstats_add(&s, true, 1);
	cp_hstats_add(&s, true, 2);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.rtt_mean_us, 2);
	assert_int_equal(m.rtt_mdev_us, 1); /* (1 + 0) / 2 = 0.5, rounded up */
}

/* window 4: after 6 results only the last 4 count */
static void
test_wrap_around(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 4), 0);
	cp_hstats_add(&s, false, 0);
	cp_hstats_add(&s, false, 0);
	cp_hstats_add(&s, true, 100);
	cp_hstats_add(&s, true, 200);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.lost, 2);
	assert_int_equal(m.loss_pct, 50);
	cp_hstats_add(&s, true, 300);
	cp_hstats_add(&s, true, 400);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.n, 4);
	assert_int_equal(m.lost, 0);
	assert_int_equal(m.rtt_mean_us, 250);
	assert_int_equal(m.rtt_mdev_us, 100); /* (150 + 50 + 50 + 150) / 4 */
	assert_int_equal(m.rtt_min_us, 100);
	/* one more: 100 falls out */
	cp_hstats_add(&s, false, 0);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.lost, 1);
	assert_int_equal(m.rtt_min_us, 200);
	assert_int_equal(m.rtt_mean_us, 300);
	assert_int_equal(s.sent, 7);
	assert_int_equal(s.lost, 3);
	/* many wraps of a maximal window */
	assert_int_equal(cp_hstats_init(&s, CP_HSTATS_WINDOW_MAX), 0);
	for (int i = 0; i < 1000; i++)
		cp_hstats_add(&s, i % 4 != 0, 1000);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.n, CP_HSTATS_WINDOW_MAX);
	assert_int_equal(m.lost, CP_HSTATS_WINDOW_MAX / 4);
	assert_int_equal(m.loss_pct, 25);
}

static void
test_all_lost(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;
	int i;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, 20), 0);
	for (i = 0; i < 25; i++)
		cp_hstats_add(&s, false, 0);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.n, 20);
	assert_int_equal(m.lost, 20);
	assert_int_equal(m.answered, 0);
	assert_int_equal(m.loss_pct, 100);
	assert_int_equal(m.rtt_mean_us, 0);
	assert_int_equal(m.rtt_mdev_us, 0);
	assert_int_equal(m.run_lost, 25);
	assert_int_equal(m.run_answered, 0);
	cp_hstats_add(&s, true, 5);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.run_lost, 0);
	assert_int_equal(m.run_answered, 1);
	assert_int_equal(m.rtt_mean_us, 5);
}

/* an absurd RTT is clamped and cannot overflow the sums */
static void
test_rtt_clamped(void **state)
{
	struct cp_hstats s;
	struct cp_hstats_sum m;
	int i;

	(void)state;
	assert_int_equal(cp_hstats_init(&s, CP_HSTATS_WINDOW_MAX), 0);
	for (i = 0; i < CP_HSTATS_WINDOW_MAX; i++)
		cp_hstats_add(&s, true, UINT32_MAX);
	cp_hstats_sum(&s, &m);
	assert_int_equal(m.rtt_mean_us, CP_HSTATS_RTT_MAX_US);
	assert_int_equal(m.rtt_mdev_us, 0);
}

/* 1 of 3 is 33.3 %: above 33, not above 34; rounding would get this wrong one way */
static void
test_loss_exact(void **state)
{
	(void)state;
	assert_true(cp_hstats_loss_above(1, 3, 33));
	assert_false(cp_hstats_loss_above(1, 3, 34));
	assert_false(cp_hstats_loss_above(2, 10, 20)); /* equal is not above */
	assert_true(cp_hstats_loss_above(3, 10, 20));
	assert_true(cp_hstats_loss_at_most(2, 10, 20));
	assert_false(cp_hstats_loss_at_most(1, 3, 33));
	assert_true(cp_hstats_loss_at_most(0, 5, 0));
	assert_false(cp_hstats_loss_above(0, 0, 0));   /* no data: neither */
	assert_false(cp_hstats_loss_at_most(0, 0, 100));
}

static void
test_round_k_of_n(void **state)
{
	struct cp_hround r;
	const uint8_t a3[3] = { 0, 2, 1 };  /* target 1 answered 2 of its count */
	const uint8_t none[2] = { 0, 0 };

	(void)state;
	cp_hstats_round(a3, 3, 2, &r);
	assert_int_equal(r.targets, 3);
	assert_int_equal(r.answered, 2);
	assert_true(r.up);
	cp_hstats_round(a3, 3, 3, &r);
	assert_false(r.up);
	cp_hstats_round(a3, 3, 4, &r);     /* more than the targets: never (mwan3) */
	assert_false(r.up);
	cp_hstats_round(a3, 3, 0, &r);     /* 0 is taken as 1 */
	assert_true(r.up);
	cp_hstats_round(none, 2, 1, &r);
	assert_int_equal(r.answered, 0);
	assert_false(r.up);
}

/* three targets, one dead: with reliability 2 the WAN's loss is the second best's */
static void
test_wan_quality_kth_best(void **state)
{
	struct cp_hstats_sum s[3] = {
		{ .n = 20, .lost = 20, .answered = 0 },                               /* dead */
		{ .n = 20, .lost = 2, .answered = 18, .rtt_mean_us = 30000, .rtt_mdev_us = 3000 },
		{ .n = 10, .lost = 0, .answered = 10, .rtt_mean_us = 50000, .rtt_mdev_us = 500 },
	};
	struct cp_hquality q;

	(void)state;
	cp_hstats_wan_quality(s, 3, 1, &q);
	assert_int_equal(q.lost, 0);
	assert_int_equal(q.n, 10);
	assert_true(q.have_rtt);
	assert_int_equal(q.rtt_us, 30000);
	assert_int_equal(q.jitter_us, 3000);

	cp_hstats_wan_quality(s, 3, 2, &q);
	assert_int_equal(q.lost, 2);
	assert_int_equal(q.n, 20);
	assert_true(q.have_rtt);
	assert_int_equal(q.rtt_us, 50000);
	assert_int_equal(q.jitter_us, 500);

	cp_hstats_wan_quality(s, 3, 3, &q);       /* the dead one decides */
	assert_int_equal(q.lost, 20);
	assert_false(q.have_rtt);

	cp_hstats_wan_quality(s, 3, 9, &q);       /* clamped to 3 */
	assert_int_equal(q.lost, 20);

	cp_hstats_wan_quality(s, 0, 1, &q);
	assert_int_equal(q.n, 0);
	assert_false(q.have_rtt);
}

/* a target with no results yet sorts after every measured one */
static void
test_wan_quality_unknown_last(void **state)
{
	struct cp_hstats_sum s[2] = {
		{ .n = 0 },
		{ .n = 4, .lost = 4 },
	};
	struct cp_hquality q;

	(void)state;
	cp_hstats_wan_quality(s, 2, 1, &q);
	assert_int_equal(q.n, 4);
	assert_int_equal(q.lost, 4);
	cp_hstats_wan_quality(s, 2, 2, &q);
	assert_int_equal(q.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_partial_jitter_known_series),
		cmocka_unit_test(test_jitter_constant_and_rounding),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_all_lost),
		cmocka_unit_test(test_rtt_clamped),
		cmocka_unit_test(test_loss_exact),
		cmocka_unit_test(test_round_k_of_n),
		cmocka_unit_test(test_wan_quality_kth_best),
		cmocka_unit_test(test_wan_quality_unknown_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
