/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the shallow virtual reassembly table (dataplane/frag.c): contexts found
 * by datagram, ranges checked for duplicates and overlaps (RFC 1858 / 3128 attacks),
 * completion, holding, bounds, expiry, and the owner function every worker agrees on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/frag.h"

static struct dp_frag_table t;

static struct dp_flow_key
k(uint16_t id)
{
	return dp_frag_key(htonl(0xc6120010), htonl(0xc613000a), htons(id), 17, 0);
}

static void
test_in_order_and_out_of_order(void **state)
{
	struct dp_flow_key a = k(1), b = k(2);
	struct dp_frag_ctx *c, *c2;

	(void)state;
	memset(&t, 0, sizeof(t));
	/* 3000 bytes of UDP in 1480-byte pieces: [0,185) [185,370) [370, 375) */
	c = dp_frag_get(&t, &a, 1000);
	assert_non_null(c);
	assert_int_equal(c->x.verdict, DP_FRAG_PENDING);
	assert_int_equal(dp_frag_add(c, 0, 185, 1480, 0), DP_FRAG_OK);
	assert_false(dp_frag_complete(c));
	assert_ptr_equal(dp_frag_get(&t, &a, 1001), c);
	assert_int_equal(dp_frag_add(c, 185, 185, 1480, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 370, 5, 40, 1), DP_FRAG_OK);
	assert_true(dp_frag_complete(c));
	assert_int_equal(c->total, 3000);
	/* another datagram (another IP id) has its own context */
	c2 = dp_frag_get(&t, &b, 1000);
	assert_non_null(c2);
	assert_ptr_not_equal(c2, c);
	/* the last first, the first last */
	assert_int_equal(dp_frag_add(c2, 370, 5, 40, 1), DP_FRAG_OK);
	assert_false(dp_frag_complete(c2));
	assert_int_equal(dp_frag_add(c2, 185, 185, 1480, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c2, 0, 185, 1480, 0), DP_FRAG_OK);
	assert_true(dp_frag_complete(c2));
	assert_int_equal(t.n_used, 2);
	dp_frag_release(&t, c);
	dp_frag_release(&t, c2);
	assert_int_equal(t.n_used, 0);
}

static void
test_overlaps_poison(void **state)
{
	struct dp_frag_ctx *c;

	(void)state;
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	assert_non_null(c);
	assert_int_equal(dp_frag_add(c, 0, 185, 1480, 0), DP_FRAG_OK);
	/* an exact copy is a duplicate: dropped, the datagram lives on */
	assert_int_equal(dp_frag_add(c, 0, 185, 1480, 0), DP_FRAG_DUPLICATE);
	assert_int_equal(c->x.verdict, DP_FRAG_PENDING);
	assert_int_equal(c->got, 1480);
	/* rewriting part of another fragment (the Teardrop / RFC 1858 overlap) is not */
	assert_int_equal(dp_frag_add(c, 100, 185, 1480, 0), DP_FRAG_OVERLAP);
	assert_int_equal(c->x.verdict, DP_FRAG_DROP);
	/* data beyond the end the last fragment set, or a second end */
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	assert_int_equal(dp_frag_add(c, 0, 185, 1480, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 185, 5, 40, 1), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 190, 185, 1480, 0), DP_FRAG_OVERLAP);
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	assert_int_equal(dp_frag_add(c, 200, 185, 1480, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 100, 5, 40, 1), DP_FRAG_OVERLAP);   /* ends before it */
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	assert_int_equal(dp_frag_add(c, 0, 185, 1480, 1), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 500, 5, 40, 1), DP_FRAG_OVERLAP);   /* two ends */
	/* past 64 KB */
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	assert_int_equal(dp_frag_add(c, 8190, 5, 40, 0), DP_FRAG_TOO_MANY);
}

static void
test_bounds(void **state)
{
	struct dp_frag_ctx *c;
	unsigned int i, n = 0;
	int x = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &(struct dp_flow_key){ 0 }, 0);
	for (i = 0; i < DP_FRAG_MAX; i++)
		assert_int_equal(dp_frag_add(c, i * 2, 1, 8, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_add(c, 4000, 1, 8, 0), DP_FRAG_TOO_MANY);
	assert_int_equal(c->x.verdict, DP_FRAG_DROP);
	for (i = 0; i < DP_FRAG_HELD; i++)
		assert_int_equal(dp_frag_hold(c, &x), 0);
	assert_int_equal(dp_frag_hold(c, &x), -1);
	/* contexts: when every way of a set is live, a new datagram is refused */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 20000; i++) {
		struct dp_flow_key key = k((uint16_t)i);

		n += dp_frag_get(&t, &key, 0) != NULL;
	}
	assert_int_equal(n, DP_FRAG_CTX);
	assert_int_equal(t.n_used, DP_FRAG_CTX);
}

static unsigned int dropped;

static void
count_drop(void *arg, void *pkt)
{
	(void)arg;
	(void)pkt;
	dropped++;
}

static void
test_expiry(void **state)
{
	struct dp_flow_key a = k(7);
	struct dp_frag_ctx *c;
	int x[3];

	(void)state;
	memset(&t, 0, sizeof(t));
	c = dp_frag_get(&t, &a, 1000);
	assert_int_equal(dp_frag_add(c, 185, 185, 1480, 0), DP_FRAG_OK);
	assert_int_equal(dp_frag_hold(c, &x[0]), 0);
	assert_int_equal(dp_frag_hold(c, &x[1]), 0);
	dropped = 0;
	/* not before the timeout */
	assert_int_equal(dp_frag_sweep(&t, 1000 + DP_FRAG_TIMEOUT_MS - 1, DP_FRAG_CTX, count_drop,
				       NULL), 0);
	assert_ptr_equal(dp_frag_get(&t, &a, 1000 + DP_FRAG_TIMEOUT_MS - 1), c);
	/* then its held fragments are given back and the context is free again */
	assert_int_equal(dp_frag_sweep(&t, 1000 + DP_FRAG_TIMEOUT_MS, DP_FRAG_CTX, count_drop,
				       NULL), 1);
	assert_int_equal(dropped, 2);
	assert_int_equal(t.n_used, 0);
	/* a late fragment of the expired datagram starts afresh */
	c = dp_frag_get(&t, &a, 1000 + DP_FRAG_TIMEOUT_MS + 5);
	assert_non_null(c);
	assert_int_equal(c->n_frags, 0);
	assert_int_equal(c->x.verdict, DP_FRAG_PENDING);
}

static void
test_owner(void **state)
{
	unsigned int hits[4] = { 0 }, i;

	(void)state;
	for (i = 0; i < 4000; i++) {
		struct dp_flow_key key = k((uint16_t)i);
		unsigned int o = dp_frag_owner(&key, 4);

		assert_true(o < 4);
		assert_int_equal(dp_frag_owner(&key, 4), o);   /* the same on every worker */
		hits[o]++;
	}
	for (i = 0; i < 4; i++)
		assert_true(hits[i] > 800 && hits[i] < 1200);
	assert_int_equal(dp_frag_owner(&(struct dp_flow_key){ 0 }, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_out_of_order),
		cmocka_unit_test(test_overlaps_poison),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
