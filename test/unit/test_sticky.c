/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the shared sticky table (dataplane/sticky.c): lookups and timeouts, the
 * refresh of an entry in place, the 24-bit clock wrapping, rules kept apart, forgetting
 * a WAN, which way of a full bucket is replaced, and two threads using one table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/sticky.h"

static uint32_t
host(unsigned int i)
{
	return htonl(0xc6120000u + i);   /* 198.18.x.y */
}

static unsigned int
used_slots(const struct dp_sticky *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < (t->mask + 1) * DP_STICKY_WAYS; i++)
		n += t->slot[i] != 0;
	return n;
}

static void
test_init(void **state)
{
	struct dp_sticky t;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 0), -EINVAL);
	assert_int_equal(dp_sticky_init(NULL, 4), -EINVAL);
	assert_int_equal(dp_sticky_init(&t, 1), 0);
	assert_int_equal(t.mask, 0);
	assert_int_equal(used_slots(&t), 0);
	dp_sticky_free(&t);
	assert_null(t.slot);
	assert_int_equal(dp_sticky_init(&t, 5), 0);
	assert_int_equal(t.mask, 1);
	dp_sticky_free(&t);
	assert_int_equal(dp_sticky_init(&t, 4096), 0);
	assert_int_equal(t.mask, 1023);
	assert_int_equal((uintptr_t)t.slot % 64, 0);
	dp_sticky_free(&t);
	assert_int_equal(dp_sticky_init(&t, 4097), 0);
	assert_int_equal(t.mask, 2047);
	dp_sticky_free(&t);
	dp_sticky_free(&t);   /* twice is harmless */
}

static void
test_get_put(void **state)
{
	struct dp_sticky t;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 1024), 0);
	assert_int_equal(dp_sticky_get(&t, 0, host(1), 100, 600), -1);
	dp_sticky_put(&t, 0, host(1), 3, 100);
	assert_int_equal(dp_sticky_get(&t, 0, host(1), 100, 600), 3);
	assert_int_equal(dp_sticky_get(&t, 0, host(2), 100, 600), -1);
	/* every bit of the WAN id survives */
	dp_sticky_put(&t, 0, host(2), 255, 100);
	assert_int_equal(dp_sticky_get(&t, 0, host(2), 101, 600), 255);
	dp_sticky_put(&t, 0, host(3), 0, 100);
	assert_int_equal(dp_sticky_get(&t, 0, host(3), 101, 600), 0);
	assert_int_equal(dp_sticky_get(&t, 0, host(1), 101, 600), 3);
	/* address 0 and rule 0xffff are keys like any other (the tag is never 0) */
	dp_sticky_put(&t, 0xffff, 0, 7, 5);
	assert_int_equal(dp_sticky_get(&t, 0xffff, 0, 5, 1), 7);
	dp_sticky_free(&t);
}

static void
test_timeout(void **state)
{
	struct dp_sticky t;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 64), 0);
	dp_sticky_put(&t, 1, host(1), 2, 1000);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 1000 + 600, 600), 2);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 1000 + 601, 600), -1);
	/* the timeout is the caller's (the rule's): the same entry, another rule timeout */
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 1000 + 601, 86400), 2);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 1000 + 1, 0), -1);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 1000, 0), 2);
	/* a clock a second behind the writer's (another worker's): still fresh */
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 999, 1), 2);
	dp_sticky_free(&t);
}

static void
test_refresh(void **state)
{
	struct dp_sticky t;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 64), 0);
	dp_sticky_put(&t, 1, host(9), 1, 100);
	dp_sticky_put(&t, 1, host(9), 1, 650);
	/* refreshed at 650: alive at 1200 although 100 + 600 has passed */
	assert_int_equal(dp_sticky_get(&t, 1, host(9), 1200, 600), 1);
	/* a new WAN replaces the old in the same way, not in a second one */
	dp_sticky_put(&t, 1, host(9), 4, 1201);
	assert_int_equal(dp_sticky_get(&t, 1, host(9), 1202, 600), 4);
	assert_int_equal(used_slots(&t), 1);
	dp_sticky_free(&t);
}

static void
test_clock_wrap(void **state)
{
	const uint32_t wrap = 1u << 24;
	struct dp_sticky t;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 64), 0);
	/* written 5 s before the 24-bit clock wraps, read 10 s after */
	dp_sticky_put(&t, 2, host(1), 6, wrap - 5);
	assert_int_equal(dp_sticky_get(&t, 2, host(1), wrap + 10, 30), 6);
	assert_int_equal(dp_sticky_get(&t, 2, host(1), wrap + 10, 14), -1);
	/* and the 32-bit worker clock wrapping */
	dp_sticky_put(&t, 2, host(2), 5, UINT32_MAX - 3);
	assert_int_equal(dp_sticky_get(&t, 2, host(2), 20, 600), 5);
	assert_int_equal(dp_sticky_get(&t, 2, host(2), 700, 600), -1);
	/* only the time mod 2^24 is kept: 2^24 s later it looks fresh again (194 days) */
	dp_sticky_put(&t, 2, host(3), 1, 1000);
	assert_int_equal(dp_sticky_get(&t, 2, host(3), 1000 + 700, 600), -1);
	assert_int_equal(dp_sticky_get(&t, 2, host(3), 1000 + wrap, 600), 1);
	dp_sticky_free(&t);
}

static void
test_rules_apart(void **state)
{
	struct dp_sticky t;
	unsigned int i, r;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 1u << 18), 0);
	dp_sticky_put(&t, 1, host(1), 3, 10);
	assert_int_equal(dp_sticky_get(&t, 2, host(1), 10, 600), -1);
	dp_sticky_put(&t, 2, host(1), 5, 10);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 10, 600), 3);
	assert_int_equal(dp_sticky_get(&t, 2, host(1), 10, 600), 5);
	/* 1000 hosts under 4 rules, each pair with its own WAN */
	for (i = 0; i < 1000; i++)
		for (r = 0; r < 4; r++)
			dp_sticky_put(&t, (uint16_t)(100 + r), host(i), (uint8_t)((i + r) % 8),
				      20);
	for (i = 0; i < 1000; i++) {
		for (r = 0; r < 4; r++)
			assert_int_equal(dp_sticky_get(&t, (uint16_t)(100 + r), host(i), 21,
						       600), (int)((i + r) % 8));
		assert_int_equal(dp_sticky_get(&t, 104, host(i), 21, 600), -1);
	}
	assert_int_equal(dp_sticky_get(&t, 100, host(1000), 21, 600), -1);
	dp_sticky_free(&t);
}

static void
test_forget_wan(void **state)
{
	struct dp_sticky t;
	unsigned int i;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 1u << 16), 0);
	for (i = 0; i < 400; i++)
		dp_sticky_put(&t, 7, host(i), (uint8_t)(i % 4), 50);
	assert_int_equal(used_slots(&t), 400);
	dp_sticky_forget_wan(&t, 2);
	assert_int_equal(used_slots(&t), 300);
	for (i = 0; i < 400; i++)
		assert_int_equal(dp_sticky_get(&t, 7, host(i), 51, 600),
				 i % 4 == 2 ? -1 : (int)(i % 4));
	dp_sticky_forget_wan(&t, 6);   /* no entry: nothing changes */
	assert_int_equal(used_slots(&t), 300);
	dp_sticky_free(&t);
}

static void
test_bucket_replacement(void **state)
{
	struct dp_sticky t;
	unsigned int i;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, DP_STICKY_WAYS), 0);   /* one bucket */
	assert_int_equal(t.mask, 0);
	for (i = 0; i < 4; i++)
		dp_sticky_put(&t, 1, host(i), (uint8_t)i, 10 * (i + 1));   /* 10, 20, 30, 40 */
	for (i = 0; i < 4; i++)
		assert_int_equal(dp_sticky_get(&t, 1, host(i), 45, 600), (int)i);
	/* a fifth host takes the way of the oldest (host 0, written at 10) */
	dp_sticky_put(&t, 1, host(4), 4, 50);
	assert_int_equal(dp_sticky_get(&t, 1, host(0), 50, 600), -1);
	for (i = 1; i < 5; i++)
		assert_int_equal(dp_sticky_get(&t, 1, host(i), 50, 600), (int)i);
	/* refreshing host 1 makes host 2 the oldest */
	dp_sticky_put(&t, 1, host(1), 1, 60);
	dp_sticky_put(&t, 1, host(5), 5, 61);
	assert_int_equal(dp_sticky_get(&t, 1, host(2), 61, 600), -1);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 61, 600), 1);
	/* an empty way (a forgotten WAN's) is taken before any live entry */
	dp_sticky_forget_wan(&t, 4);
	dp_sticky_put(&t, 1, host(6), 6, 62);
	assert_int_equal(dp_sticky_get(&t, 1, host(3), 62, 600), 3);
	assert_int_equal(dp_sticky_get(&t, 1, host(1), 62, 600), 1);
	assert_int_equal(dp_sticky_get(&t, 1, host(5), 62, 600), 5);
	assert_int_equal(dp_sticky_get(&t, 1, host(6), 62, 600), 6);
	assert_int_equal(used_slots(&t), 4);
	dp_sticky_free(&t);
}

/* Two threads hammering one small table: a lookup only ever gives a WAN put for its key. */
struct hammer {
	struct dp_sticky *t;
	unsigned int seed;
	unsigned int bad;
};

static void *
hammer(void *arg)
{
	struct hammer *h = arg;
	unsigned int i, x = h->seed;

	for (i = 0; i < 200000; i++) {
		unsigned int k;
		int w;

		x = x * 1103515245u + 12345u;
		k = (x >> 8) % 300;
		w = dp_sticky_get(h->t, (uint16_t)(k % 3), host(k), i / 1000, 600);
		if (w != -1 && w != (int)(k % 5))
			h->bad++;
		dp_sticky_put(h->t, (uint16_t)(k % 3), host(k), (uint8_t)(k % 5), i / 1000);
	}
	return NULL;
}

static void
test_two_threads(void **state)
{
	struct hammer h[2];
	pthread_t th[2];
	struct dp_sticky t;
	unsigned int i;

	(void)state;
	assert_int_equal(dp_sticky_init(&t, 128), 0);
	for (i = 0; i < 2; i++) {
		h[i] = (struct hammer){ .t = &t, .seed = i + 1 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &h[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(h[i].bad, 0);
	}
	dp_sticky_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_clock_wrap),
		cmocka_unit_test(test_rules_apart),
		cmocka_unit_test(test_forget_wan),
		cmocka_unit_test(test_bucket_replacement),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
