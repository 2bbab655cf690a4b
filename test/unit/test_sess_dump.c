/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the session listing (dataplane/sess_dump.c): the filter, the record of a
 * session, the policy kind of an index, and the chunked walk of a table - a walk in
 * small chunks and short pages sees every matching session exactly once, and a walk
 * that deletes leaves exactly the others. Single-threaded, no DPDK.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/sess_dump.h"

#define N_SESS 300

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

/* Session i: host 198.18.0.(10 + i % 3), server 198.19.(i % 2).10, TCP when i is even,
 * WAN i % 2, rule i % 4 (3: the default rule), placed by the engine unless i % 10 == 9. */
static struct dp_sess *
make(struct dp_ct *ct, unsigned int i)
{
	uint8_t proto = (i % 2) ? 17 : 6;
	struct dp_flow_key o = key(0xc612000a + i % 3, 0xc613000a + (i % 2) * 256,
				   (uint16_t)(10000 + i), 443, proto, 0);
	struct dp_flow_key r = key(0xc613000a + (i % 2) * 256, 0xc6120102 + (i % 2) * 256, 443,
				   (uint16_t)(41000 + i), proto, 1 + i % 2);
	struct dp_sess *s;
	int err;

	s = dp_ct_create(ct, &o, &r, 100, &err);
	assert_non_null(s);
	s->wan = (uint8_t)(i % 2);
	s->rule = i % 4 == 3 ? DP_RULE_DEFAULT : (uint16_t)(i % 4);
	s->policy = (uint16_t)(i % 4);
	s->how = i % 10 == 9 ? DP_HOW_NONE : DP_HOW_PICK;
	s->algorithm = DPW_LB_WEIGHTED;
	s->cand_mask = 3;
	s->usable_mask = 3;
	s->bytes[0] = i;
	s->bytes[1] = 2 * i;
	return s;
}

static struct dpw_sess_filter
any(void)
{
	struct dpw_sess_filter f;

	memset(&f, 0, sizeof(f));
	f.wan = DPW_SESS_ANY_WAN;
	f.rule = DPW_SESS_ANY_RULE;
	return f;
}

static void
test_filter(void **state)
{
	struct dpw_sess_filter f;
	struct dp_ct ct;
	struct dp_sess *s0, *s1, *s9;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, 64, &TO), 0);
	s0 = make(&ct, 0);     /* 198.18.0.10 -> 198.19.0.10 tcp wan 0 rule 0 */
	s1 = make(&ct, 1);     /* 198.18.0.11 -> 198.19.1.10 udp wan 1 rule 1 */
	f = any();
	assert_true(dp_sess_filter_match(&f, s0) && dp_sess_filter_match(&f, s1));
	f.client = 0xc612000a;
	f.client_len = 32;
	assert_true(dp_sess_filter_match(&f, s0));
	assert_false(dp_sess_filter_match(&f, s1));
	f.client_len = 24;
	assert_true(dp_sess_filter_match(&f, s1));
	f = any();
	f.dst = 0xc6130000;
	f.dst_len = 24;
	assert_true(dp_sess_filter_match(&f, s0));
	assert_false(dp_sess_filter_match(&f, s1));
	f = any();
	f.proto = 17;
	assert_false(dp_sess_filter_match(&f, s0));
	assert_true(dp_sess_filter_match(&f, s1));
	f = any();
	f.wan = 1;
	assert_false(dp_sess_filter_match(&f, s0));
	assert_true(dp_sess_filter_match(&f, s1));
	f = any();
	f.rule = 0;
	assert_true(dp_sess_filter_match(&f, s0));
	assert_false(dp_sess_filter_match(&f, s1));
	/* not placed by the engine: its rule is "none", whatever the field holds */
	s9 = make(&ct, 9);
	s9->rule = 0;
	assert_false(dp_sess_filter_match(&f, s9));
	f.rule = DP_RULE_NONE;
	assert_true(dp_sess_filter_match(&f, s9));
	/* a fastest-response shadow copy is never listed */
	f = any();
	s0->flags |= DP_SESS_SHADOW;
	assert_false(dp_sess_filter_match(&f, s0));
	dp_ct_free(&ct);
}

static void
test_policy_kind(void **state)
{
	struct dp_pgen g;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.n_named = 2;          /* 0, 1 named; 2, 3 rules' own; 4 default's; 5 any */
	g.n_policies = 6;
	g.def.policy = 4;
	g.any_policy = 5;
	assert_int_equal(dp_policy_kind(&g, 0), DPW_PK_NAMED);
	assert_int_equal(dp_policy_kind(&g, 1), DPW_PK_NAMED);
	assert_int_equal(dp_policy_kind(&g, 2), DPW_PK_RULE);
	assert_int_equal(dp_policy_kind(&g, 3), DPW_PK_RULE);
	assert_int_equal(dp_policy_kind(&g, 4), DPW_PK_DEFAULT);
	assert_int_equal(dp_policy_kind(&g, 5), DPW_PK_ANY);
	assert_int_equal(dp_policy_kind(&g, 6), DPW_PK_UNKNOWN);
	assert_int_equal(dp_policy_kind(&g, 0xffff), DPW_PK_NONE);
	assert_int_equal(dp_policy_kind(NULL, 0), DPW_PK_UNKNOWN);
	/* the default rule on a named policy: named */
	g.def.policy = 1;
	assert_int_equal(dp_policy_kind(&g, 1), DPW_PK_NAMED);
	assert_string_equal(dpw_policy_kind_str(DPW_PK_RULE), "rule");
	assert_string_equal(dpw_sess_how_str(DP_HOW_STICKY), "sticky");
	assert_string_equal(dpw_tcp_state_str(DP_TCP_ESTABLISHED), "established");
	assert_string_equal(dpw_tcp_state_str(99), "unknown");
}

static void
test_record(void **state)
{
	struct dpw_sess_rec r;
	struct dp_ct ct;
	struct dp_sess *s;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, 64, &TO), 0);
	make(&ct, 0);
	s = make(&ct, 4);
	s->tcp_state = DP_TCP_ESTABLISHED;
	s->last_seen = 130;
	memcpy(s->client_mac, "\x02\x00\x00\x00\x00\x10", 6);
	dp_sess_record(&ct, s, (uint32_t)(s - ct.sess), 3, 142, NULL, &r);
	assert_int_equal(r.src, 0xc612000b);
	assert_int_equal(r.dst, 0xc613000a);
	assert_int_equal(r.sport, 10004);
	assert_int_equal(r.dport, 443);
	assert_int_equal(r.nat_addr, 0xc6120102);
	assert_int_equal(r.nat_port, 41004);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.wan, 0);
	assert_int_equal(r.rule, 0);
	assert_int_equal(r.policy, 0);
	assert_int_equal(r.policy_kind, DPW_PK_UNKNOWN);    /* no generation to judge by */
	assert_int_equal(r.how, DP_HOW_PICK);
	assert_int_equal(r.cand_mask, 3);
	assert_int_equal(r.tcp_state, DPW_TCP_ESTABLISHED);
	assert_int_equal(r.worker, 3);
	assert_int_equal(r.age_s, 42);
	assert_int_equal(r.idle_s, 12);
	assert_int_equal(r.timeout_s, TO.tcp_established);
	assert_int_equal(r.slot, (uint32_t)(s - ct.sess));
	assert_int_equal(r.bytes_orig, 4);
	assert_int_equal(r.bytes_reply, 8);
	assert_memory_equal(r.client_mac, "\x02\x00\x00\x00\x00\x10", 6);
	/* not placed by the engine */
	s->how = DP_HOW_NONE;
	dp_sess_record(&ct, s, 0, 0, 142, NULL, &r);
	assert_int_equal(r.rule, DPW_RULE_ID_NONE);
	assert_int_equal(r.policy, 0xffff);
	assert_int_equal(r.policy_kind, DPW_PK_NONE);
	dp_ct_free(&ct);
}

/* Walk the whole table in chunks of `budget` slots and pages of `page` records. */
static unsigned int
walk(struct dp_ct *ct, const struct dpw_sess_filter *f, uint32_t budget, uint32_t page,
     int remove, uint8_t *seen)
{
	static struct dpw_sess_rec rec[N_SESS];
	struct dp_dump_chunk o;
	uint32_t slot = 0, n, i, total = 0;

	while (slot < ct->capacity) {
		n = 0;
		/* one page: chunks until it is full or the table ends */
		while (slot < ct->capacity && n < page) {
			dp_sess_dump_chunk(ct, f, NULL, slot, budget, rec + n, page - n, remove, 0,
					   100, &o);
			assert_true(o.scanned <= budget && o.count <= page - n);
			assert_int_equal(o.next, slot + o.scanned);
			assert_int_equal(o.removed, remove ? o.count : 0);
			slot = o.next;
			n += o.count;
		}
		for (i = 0; i < n; i++) {
			assert_true(rec[i].slot < ct->capacity);
			assert_int_equal(seen[rec[i].slot], 0);
			seen[rec[i].slot] = 1;
		}
		total += n;
	}
	return total;
}

static void
test_walk(void **state)
{
	static uint8_t seen[1024], udp_seen[1024];
	struct dp_sess *s[N_SESS];
	struct dpw_sess_filter f = any();
	struct dp_ct ct;
	unsigned int i, n_udp = 0;
	int dir;

	(void)state;
	assert_int_equal(dp_ct_init(&ct, 1024, &TO), 0);
	for (i = 0; i < N_SESS; i++)
		s[i] = make(&ct, i);
	/* gaps: some sessions gone again */
	for (i = 0; i < N_SESS; i += 7) {
		dp_ct_delete(&ct, s[i]);
		s[i] = NULL;
	}
	for (i = 0; i < N_SESS; i++)
		n_udp += s[i] != NULL && (i % 2);
	/* every session once, whatever the chunk and page sizes */
	assert_int_equal(walk(&ct, &f, 4096, 1000, 0, seen), dp_ct_count(&ct));
	memset(seen, 0, sizeof(seen));
	assert_int_equal(walk(&ct, &f, 5, 1, 0, seen), dp_ct_count(&ct));
	memset(seen, 0, sizeof(seen));
	assert_int_equal(walk(&ct, &f, 64, 7, 0, seen), dp_ct_count(&ct));
	for (i = 0; i < N_SESS; i++)
		if (s[i] != NULL)
			assert_int_equal(seen[s[i] - ct.sess], 1);
	/* delete the UDP ones in pages of 3: exactly they go, the TCP ones stay */
	f.proto = 17;
	assert_int_equal(walk(&ct, &f, 50, 3, 1, udp_seen), n_udp);
	f = any();
	memset(seen, 0, sizeof(seen));
	assert_int_equal(walk(&ct, &f, 4096, 1000, 0, seen), dp_ct_count(&ct));
	for (i = 0; i < N_SESS; i++) {
		if (s[i] == NULL)
			continue;
		if (i % 2) {
			assert_int_equal(udp_seen[s[i] - ct.sess], 1);
			assert_int_equal(seen[s[i] - ct.sess], 0);
			/* gone from the flow table too, both ways */
			assert_null(dp_ct_lookup(&ct, &s[i]->key[DP_DIR_ORIG],
						 dp_ct_hash(&s[i]->key[DP_DIR_ORIG]), &dir));
		} else {
			assert_int_equal(seen[s[i] - ct.sess], 1);
		}
	}
	dp_ct_free(&ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_policy_kind),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
