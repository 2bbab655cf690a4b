/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the conntrack table, TCP states and timeouts, NAT port allocation and
 * the weighted WAN pick (pure dataplane modules).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/ct.h"
#include "dataplane/lb_weighted.h"
#include "dataplane/nat.h"

static const struct dpw_timeouts TO = {
	.tcp_syn = 240, .tcp_established = 7440, .tcp_fin = 240, .tcp_closed = 240,
	.udp = 300, .icmp = 60,
};

static struct dp_flow_key
key(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp_, uint8_t proto, uint8_t zone)
{
	struct dp_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src = htonl(src);
	k.dst = htonl(dst);
	k.sport = htons(sp);
	k.dport = htons(dp_);
	k.proto = proto;
	k.zone = zone;
	k.family = 4;
	return k;
}

static void
test_create_lookup_delete(void **state)
{
	struct dp_ct ct;
	struct dp_flow_key o = key(0xc612000a, 0xc613000a, 40000, 80, 6, 0);
	struct dp_flow_key r = key(0xc613000a, 0xc6120102, 80, 41000, 6, 1);
	struct dp_flow_key other = key(0xc613000a, 0xc6120102, 80, 41001, 6, 1);
	struct dp_sess *s, *f;
	int err, dir;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, 1024, &TO), 0);
	s = dp_ct_create(&ct, &o, &r, 5, &err);
	assert_non_null(s);
	assert_int_equal(dp_ct_count(&ct), 1);
	f = dp_ct_lookup(&ct, &o, dp_ct_hash(&o), &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, DP_DIR_ORIG);
	f = dp_ct_lookup(&ct, &r, dp_ct_hash(&r), &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, DP_DIR_REPLY);
	assert_null(dp_ct_lookup(&ct, &other, dp_ct_hash(&other), &dir));
	/* the zone is part of the key: the same tuple on another port is another flow */
	r.zone = 2;
	assert_null(dp_ct_lookup(&ct, &r, dp_ct_hash(&r), &dir));
	r.zone = 1;
	/* a key cannot be inserted twice */
	assert_null(dp_ct_create(&ct, &o, &other, 5, &err));
	assert_int_equal(err, -EEXIST);
	dp_ct_delete(&ct, s);
	assert_int_equal(dp_ct_count(&ct), 0);
	assert_null(dp_ct_lookup(&ct, &o, dp_ct_hash(&o), &dir));
	assert_null(dp_ct_lookup(&ct, &r, dp_ct_hash(&r), &dir));
	/* the session is 128 bytes; its table slots and free-list entry add at most 64 */
	assert_int_equal(sizeof(struct dp_sess), 128);
	assert_true(dp_ct_bytes_per_session(&ct) <= 128 + 64);
	dp_ct_free(&ct);
}

static void
test_fill_and_drain(void **state)
{
	enum { N = 50000 };
	struct dp_ct ct;
	uint32_t i;
	int err, dir;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, N, &TO), 0);
	for (i = 0; i < N; i++) {
		struct dp_flow_key o = key(0x0a000000 + i, 0xc613000a, (uint16_t)i, 53, 17, 0);
		struct dp_flow_key r = key(0xc613000a, 0xc6120102, 53, (uint16_t)(i ^ 0x5555), 17, 1);

		r.src = htonl(0xc6130000 + (i >> 16));
		assert_non_null(dp_ct_create(&ct, &o, &r, 0, &err));
	}
	assert_int_equal(dp_ct_count(&ct), N);
	{
		struct dp_flow_key o = key(1, 2, 3, 4, 17, 0), r = key(2, 1, 4, 3, 17, 1);

		assert_null(dp_ct_create(&ct, &o, &r, 0, &err));
		assert_int_equal(err, -ENOSPC);
	}
	for (i = 0; i < N; i += 997) {
		struct dp_flow_key o = key(0x0a000000 + i, 0xc613000a, (uint16_t)i, 53, 17, 0);

		assert_non_null(dp_ct_lookup(&ct, &o, dp_ct_hash(&o), &dir));
	}
	/* UDP sessions expire after the udp timeout, not before */
	assert_int_equal(dp_ct_sweep(&ct, TO.udp, N), 0);
	assert_int_equal(dp_ct_sweep(&ct, TO.udp + 1, N), N);
	assert_int_equal(dp_ct_count(&ct), 0);
	/* and the table is empty again: every bucket slot was released */
	for (i = 0; i <= ct.bucket_mask; i++)
		for (unsigned int j = 0; j < DP_FT_WAYS; j++)
			assert_int_equal(ct.buckets[i].sig[j], 0);
	dp_ct_free(&ct);
}

static void
test_tcp_states(void **state)
{
	uint8_t s = DP_TCP_NONE;

	(void)state;
	s = dp_tcp_next(s, DP_DIR_ORIG, 0x02);
	assert_int_equal(s, DP_TCP_SYN_SENT);
	s = dp_tcp_next(s, DP_DIR_ORIG, 0x10);      /* a stray ACK does not establish */
	assert_int_equal(s, DP_TCP_SYN_SENT);
	s = dp_tcp_next(s, DP_DIR_REPLY, 0x12);
	assert_int_equal(s, DP_TCP_SYN_RECV);
	s = dp_tcp_next(s, DP_DIR_ORIG, 0x10);
	assert_int_equal(s, DP_TCP_ESTABLISHED);
	s = dp_tcp_next(s, DP_DIR_REPLY, 0x11);
	assert_int_equal(s, DP_TCP_FIN_REPLY);
	s = dp_tcp_next(s, DP_DIR_REPLY, 0x10);
	assert_int_equal(s, DP_TCP_FIN_REPLY);
	s = dp_tcp_next(s, DP_DIR_ORIG, 0x11);
	assert_int_equal(s, DP_TCP_FIN_BOTH);
	assert_int_equal(dp_tcp_next(DP_TCP_ESTABLISHED, DP_DIR_REPLY, 0x04), DP_TCP_CLOSED);
	assert_string_equal(dp_tcp_state_str(DP_TCP_ESTABLISHED), "established");
}

static void
seg(struct dp_sess *s, int dir, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct dp_tcp_seg g = { .seq = seq, .ack = ack, .win = 65535, .flags = flags,
				.wscale = 0xff };

	assert_int_equal(dp_tcp_track(s, dir, &g), 0);
}

static void
test_tcp_timeouts(void **state)
{
	struct dp_ct ct;
	struct dp_flow_key o = key(1, 2, 1000, 80, 6, 0), r = key(2, 3, 80, 41000, 6, 1);
	struct dp_sess *s;
	int err;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, 16, &TO), 0);
	s = dp_ct_create(&ct, &o, &r, 100, &err);
	seg(s, DP_DIR_ORIG, 1000, 0, 0x02);
	dp_ct_touch(s, DP_DIR_ORIG, 60, 100);
	assert_int_equal(dp_ct_timeout(&ct, s), TO.tcp_syn);
	seg(s, DP_DIR_REPLY, 5000, 1001, 0x12);
	dp_ct_touch(s, DP_DIR_REPLY, 60, 100);
	seg(s, DP_DIR_ORIG, 1001, 5001, 0x10);
	dp_ct_touch(s, DP_DIR_ORIG, 60, 100);
	assert_int_equal(dp_ct_timeout(&ct, s), TO.tcp_established);
	assert_int_equal(s->bytes[DP_DIR_ORIG], 120);
	assert_int_equal(dp_ct_sweep(&ct, 100 + TO.tcp_syn + 5, 16), 0);  /* established lives on */
	seg(s, DP_DIR_ORIG, 1001, 5001, 0x04);
	dp_ct_touch(s, DP_DIR_ORIG, 60, 200);
	assert_int_equal(dp_ct_timeout(&ct, s), TO.tcp_closed);
	assert_int_equal(dp_ct_sweep(&ct, 200 + TO.tcp_closed, 16), 0);
	assert_int_equal(dp_ct_sweep(&ct, 200 + TO.tcp_closed + 1, 16), 1);
	dp_ct_free(&ct);
}

/* The floors of RFC 5382 / 7857 are what the defaults give. */
static void
test_default_timeouts_rfc(void **state)
{
	struct dpw_sysconf c;
	char err[256];

	(void)state;
	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/lab.conf", &c, err, sizeof(err)), 0);
	assert_true(c.timeouts.tcp_established >= 2 * 3600 + 4 * 60);
	assert_true(c.timeouts.tcp_syn >= 240);
	assert_true(c.timeouts.tcp_fin >= 240);
	assert_true(c.timeouts.tcp_closed >= 240);
	assert_true(c.timeouts.udp >= 120);
	dpw_sysconf_free(&c);
}

struct taken {
	uint16_t used[8];
	unsigned int n;
	unsigned int calls;
};

static int
is_taken(void *arg, uint16_t port)
{
	struct taken *t = arg;
	unsigned int i;

	t->calls++;
	for (i = 0; i < t->n; i++)
		if (t->used[i] == port)
			return 1;
	return 0;
}

static void
test_nat_slices(void **state)
{
	struct dp_nat_slice s[3];
	struct taken t = { .used = { 50000, 41000, 41001 }, .n = 3 };
	unsigned int w;
	uint32_t p;

	(void)state;
	for (w = 0; w < 3; w++)
		dp_nat_slice_init(&s[w], 41000, 65535, w, 3, 0xabcdef);
	assert_int_equal(s[0].lo, 41000);
	assert_int_equal(s[2].hi, 65535);
	assert_int_equal(s[1].lo, s[0].hi + 1);
	assert_int_equal(s[2].lo, s[1].hi + 1);
	/* every port of the range belongs to exactly the worker whose slice holds it */
	for (p = 41000; p <= 65535; p++) {
		int o = dp_nat_owner((uint16_t)p, 41000, 65535, 3);

		assert_true(o >= 0 && p >= s[o].lo && p <= s[o].hi);
	}
	assert_int_equal(dp_nat_owner(40999, 41000, 65535, 3), -1);
	assert_int_equal(dp_nat_owner(1024, 41000, 65535, 3), -1);
	/* the client's port is kept when it is free and in the slice */
	assert_int_equal(dp_nat_alloc(&s[0], 41005, is_taken, &t), 41005);
	/* otherwise a free one of the slice, never a taken one */
	for (w = 0; w < 1000; w++) {
		p = dp_nat_alloc(&s[0], 1234, is_taken, &t);
		assert_true(p >= s[0].lo && p <= s[0].hi);
		assert_true(p != 41000 && p != 41001 && p != 50000);
	}
}

/*
 * RFC 6056 / RFC 5452: consecutive allocations must not be predictable. Whatever the
 * client's port, the ports chosen spread over the whole slice, successive ones are not
 * neighbours, and two workers seeded differently do not repeat each other.
 */
static void
test_nat_random(void **state)
{
	struct dp_nat_slice a, b;
	struct taken none = { .n = 0 };
	unsigned int bins[16] = { 0 }, i, adjacent = 0, same = 0;
	uint16_t prev = 0, pa, pb;

	(void)state;
	dp_nat_slice_init(&a, 41000, 65535, 0, 1, 0x1234);
	dp_nat_slice_init(&b, 41000, 65535, 0, 1, 0x9876);
	for (i = 0; i < 16000; i++) {
		pa = dp_nat_alloc(&a, 53, is_taken, &none);
		pb = dp_nat_alloc(&b, 53, is_taken, &none);
		assert_true(pa >= 41000);
		bins[(pa - 41000) * 16 / (65536 - 41000)]++;
		adjacent += (unsigned int)(pa == prev + 1);
		same += (unsigned int)(pa == pb);
		prev = pa;
	}
	/* each sixteenth of the range gets 1000 on average: allow +-20 % */
	for (i = 0; i < 16; i++)
		assert_true(bins[i] > 800 && bins[i] < 1200);
	assert_true(adjacent < 20);
	assert_true(same < 20);
}

static int
all_taken(void *arg, uint16_t port)
{
	(void)arg;
	(void)port;
	return 1;
}

static void
test_nat_exhausted(void **state)
{
	struct dp_nat_slice s;

	(void)state;
	dp_nat_slice_init(&s, 41000, 65535, 0, 1, 7);
	assert_int_equal(dp_nat_alloc(&s, 41000, all_taken, NULL), 0);
}

static void
test_wrr(void **state)
{
	struct dp_wrr st;
	uint32_t weight[3] = { 1, 1, 3 };
	uint8_t usable[3] = { 1, 1, 0 };
	unsigned int count[3] = { 0 }, i;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 400; i++)
		count[dp_wrr_pick(&st, weight, usable, 3)]++;
	assert_int_equal(count[0], 200);
	assert_int_equal(count[1], 200);
	assert_int_equal(count[2], 0);
	usable[2] = 1;
	memset(count, 0, sizeof(count));
	for (i = 0; i < 500; i++)
		count[dp_wrr_pick(&st, weight, usable, 3)]++;
	assert_int_equal(count[2], 300);
	memset(usable, 0, sizeof(usable));
	assert_int_equal(dp_wrr_pick(&st, weight, usable, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_lookup_delete),
		cmocka_unit_test(test_fill_and_drain),
		cmocka_unit_test(test_tcp_states),
		cmocka_unit_test(test_tcp_timeouts),
		cmocka_unit_test(test_default_timeouts_rfc),
		cmocka_unit_test(test_nat_slices),
		cmocka_unit_test(test_nat_random),
		cmocka_unit_test(test_nat_exhausted),
		cmocka_unit_test(test_wrr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
