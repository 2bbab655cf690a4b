/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the DNS answer parser and domain patterns (lib/pkt/dpw_dns.c) and of
 * the domain sets' table (dataplane/dnsset.c) on a malloc'd table, also with writer and
 * reader threads at once. Messages are built here byte by byte.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dnsset.h"
#include "lib/pkt/dpw_dns.h"

/* ---- a tiny DNS message writer ----------------------------------------------------- */
struct msg {
	uint8_t b[1024];
	size_t n;
};

static void
put8(struct msg *m, unsigned int v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned int v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* "www.example.test" as labels, ending in a root label */
static void
put_name(struct msg *m, const char *name)
{
	const char *p = name, *dot;

	while (*p != '\0') {
		size_t l;

		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		put8(m, (unsigned int)l);
		memcpy(m->b + m->n, p, l);
		m->n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	put8(m, 0);
}

static void
put_ptr(struct msg *m, unsigned int off)
{
	put16(m, 0xc000u | off);
}

static void
hdr(struct msg *m, unsigned int flags, unsigned int qd, unsigned int an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void
question(struct msg *m, const char *name)
{
	put_name(m, name);
	put16(m, 1);
	put16(m, 1);
}

/* an A record whose owner is a pointer to off */
static void
rr_a(struct msg *m, unsigned int owner_off, uint32_t ttl, const char *addr)
{
	struct in_addr a;

	put_ptr(m, owner_off);
	put16(m, 1);
	put16(m, 1);
	put32(m, ttl);
	put16(m, 4);
	assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
	memcpy(m->b + m->n, &a, 4);
	m->n += 4;
}

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

#define RESP 0x8180u   /* QR, RD, RA, rcode 0 */

static void
test_simple_answer(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;

	(void)state;
	hdr(&m, RESP, 1, 2);
	question(&m, "Example.TEST");
	rr_a(&m, 12, 300, "198.19.0.10");
	rr_a(&m, 12, 0x80000000u, "198.19.0.11");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_string_equal(a.qname, "example.test");
	assert_int_equal(a.id, 0x1234);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.qtype, 1);
	assert_int_equal(a.n_addrs, 2);
	assert_int_equal(a.a[0].addr, ip("198.19.0.10"));
	assert_int_equal(a.a[0].ttl, 300);
	assert_int_equal(a.a[1].ttl, 0);   /* top bit set: 0 (RFC 2181) */

	/* every truncation of it is malformed, none reads past the end (ASan) */
	for (size_t n = 0; n < m.n; n++) {
		uint8_t *c = malloc(n + 1);

		memcpy(c, m.b, n);
		assert_int_equal(dpw_dns_parse_answer(c, n, &a), DPW_DNS_MALFORMED);
		free(c);
	}
}

static void
test_not_answers(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;

	(void)state;
	hdr(&m, 0x0100, 1, 0);      /* a query */
	question(&m, "example.test");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_NOT_ANSWER);
	hdr(&m, 0x8000 | (4 << 11), 1, 0);   /* opcode NOTIFY */
	question(&m, "example.test");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_NOT_ANSWER);
	hdr(&m, RESP, 2, 0);
	question(&m, "example.test");
	question(&m, "example.test");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_NOT_ANSWER);
	/* NXDOMAIN: OK, no address */
	hdr(&m, RESP | 3, 1, 0);
	question(&m, "nope.test");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_int_equal(a.rcode, 3);
	assert_int_equal(a.n_addrs, 0);
}

static void
test_cname_chain(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;
	size_t cn1, cn2;

	(void)state;
	/* www.example.test CNAME cdn.example.net; cdn.example.net CNAME edge.cdn.test;
	 * edge.cdn.test A x; other.test A y (not on the chain) */
	hdr(&m, RESP, 1, 5);
	question(&m, "www.example.test");
	put_ptr(&m, 12);
	put16(&m, 5); put16(&m, 1); put32(&m, 60);
	cn1 = m.n + 2;
	put16(&m, 17);
	put_name(&m, "cdn.example.net");
	put_ptr(&m, (unsigned int)cn1);
	put16(&m, 5); put16(&m, 1); put32(&m, 60);
	cn2 = m.n + 2;
	put16(&m, 15);
	put_name(&m, "edge.cdn.test");
	rr_a(&m, (unsigned int)cn2, 30, "198.19.0.20");
	put_name(&m, "other.test");
	put16(&m, 1); put16(&m, 1); put32(&m, 30); put16(&m, 4); put32(&m, 0x01020304);
	rr_a(&m, 12, 30, "198.19.0.21");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_int_equal(a.n_addrs, 2);
	assert_int_equal(a.a[0].addr, ip("198.19.0.20"));
	assert_int_equal(a.a[1].addr, ip("198.19.0.21"));

	/* a CNAME from a name not on the chain adds nothing */
	hdr(&m, RESP, 1, 2);
	question(&m, "www.example.test");
	put_name(&m, "evil.test");
	put16(&m, 5); put16(&m, 1); put32(&m, 60);
	cn1 = m.n + 2;
	put16(&m, 8);
	put_name(&m, "x.test");
	rr_a(&m, (unsigned int)cn1, 30, "198.19.0.66");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_int_equal(a.n_addrs, 0);
}

static void
test_authority_ignored(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;

	(void)state;
	hdr(&m, RESP, 1, 0);
	m.b[9] = 1;    /* nscount 1 */
	m.b[11] = 1;   /* arcount 1 */
	question(&m, "example.test");
	rr_a(&m, 12, 30, "198.19.0.66");
	rr_a(&m, 12, 30, "198.19.0.67");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_int_equal(a.n_addrs, 0);
}

static void
test_malformed(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;
	size_t at;

	(void)state;
	/* pointer to itself */
	hdr(&m, RESP, 1, 0);
	put_ptr(&m, 12);
	put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* forward pointer */
	hdr(&m, RESP, 1, 0);
	put_ptr(&m, 14);
	put_name(&m, "x");
	put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* a loop through a backwards pointer: label at 12, pointer at 14 back to 12 */
	hdr(&m, RESP, 1, 1);
	question(&m, "a");
	at = m.n;
	put8(&m, 1); put8(&m, 'b');
	put_ptr(&m, (unsigned int)at);
	put16(&m, 1); put16(&m, 1); put32(&m, 1); put16(&m, 4); put32(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* huge answer count */
	hdr(&m, RESP, 1, 0xffff);
	question(&m, "example.test");
	rr_a(&m, 12, 30, "198.19.0.10");
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* label types 0x40 / 0x80, a dot or a control byte in a label */
	hdr(&m, RESP, 1, 0);
	put8(&m, 0x41); put8(&m, 'x'); put8(&m, 0); put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	hdr(&m, RESP, 1, 0);
	put8(&m, 3); put8(&m, 'a'); put8(&m, '.'); put8(&m, 'b'); put8(&m, 0);
	put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	hdr(&m, RESP, 1, 0);
	put8(&m, 1); put8(&m, 0); put8(&m, 0); put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* an A record with rdlength 5 */
	hdr(&m, RESP, 1, 1);
	question(&m, "example.test");
	put_ptr(&m, 12);
	put16(&m, 1); put16(&m, 1); put32(&m, 1); put16(&m, 5); put32(&m, 1); put8(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* too short for a header */
	assert_int_equal(dpw_dns_parse_answer(m.b, 11, &a), DPW_DNS_MALFORMED);
}

static void
test_long_names(void **state)
{
	struct dpw_dns_answer a;
	struct msg m;
	char name[400];
	unsigned int i;

	(void)state;
	/* 4 labels of 63: 4 * 64 + 1 = 257 wire octets: too long */
	name[0] = '\0';
	for (i = 0; i < 4; i++) {
		size_t l = strlen(name);

		if (i)
			name[l++] = '.';
		memset(name + l, 'a' + i, 63);
		name[l + 63] = '\0';
	}
	hdr(&m, RESP, 1, 0);
	question(&m, name);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* 3 of 63 and one of 61: 255 wire octets, the longest: fine */
	name[strlen(name) - 2] = '\0';
	hdr(&m, RESP, 1, 0);
	question(&m, name);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_OK);
	assert_int_equal(strlen(a.qname), 253);
	/* a label of 64 */
	hdr(&m, RESP, 1, 0);
	put8(&m, 64);
	for (i = 0; i < 64; i++)
		put8(&m, 'x');
	put8(&m, 0); put16(&m, 1); put16(&m, 1);
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
	/* more than DPW_DNS_MAX_JUMPS pointers, each backwards: the answer's owner is a
	 * chain of 20 names, each a label and a pointer to the one before */
	hdr(&m, RESP, 1, 1);
	question(&m, "z");      /* 12..14 name, 15..18 type/class */
	{
		size_t prev = 12, here;

		for (i = 0; i < 20; i++) {
			/* a name of one label then a pointer to the previous name */
			here = m.n;
			put8(&m, 1); put8(&m, 'a');
			put_ptr(&m, (unsigned int)prev);
			prev = here;
		}
		/* the answer's owner: the last of them (21 labels, 20 jumps) */
		put_ptr(&m, (unsigned int)prev);
		put16(&m, 1); put16(&m, 1); put32(&m, 1); put16(&m, 4); put32(&m, 1);
	}
	assert_int_equal(dpw_dns_parse_answer(m.b, m.n, &a), DPW_DNS_MALFORMED);
}

static void
test_patterns(void **state)
{
	(void)state;
	assert_true(dpw_dns_pattern_match("foo.com", "foo.com"));
	assert_true(dpw_dns_pattern_match("foo.com", "www.foo.com"));
	assert_true(dpw_dns_pattern_match("foo.com", "a.b.foo.com"));
	assert_false(dpw_dns_pattern_match("foo.com", "barfoo.com"));
	assert_false(dpw_dns_pattern_match("foo.com", "foo.com.evil"));
	assert_false(dpw_dns_pattern_match("foo.com", "com"));
	assert_true(dpw_dns_pattern_match("foo.*", "foo.com"));
	assert_true(dpw_dns_pattern_match("foo.*", "www.foo.co.jp"));
	assert_true(dpw_dns_pattern_match("foo.*", "foo.co.uk"));
	assert_false(dpw_dns_pattern_match("foo.*", "foo"));
	assert_false(dpw_dns_pattern_match("foo.*", "barfoo.com"));
	assert_false(dpw_dns_pattern_match("foo.*", "www.foo"));
	assert_false(dpw_dns_pattern_match("foo.*", "foo."));
	assert_false(dpw_dns_pattern_match("", "foo"));
	assert_false(dpw_dns_pattern_match(".*", "foo.com"));
	assert_true(dpw_dns_pattern_id("example.test") != 0);
	assert_int_equal(dpw_dns_pattern_id("example.test"), dpw_dns_pattern_id("example.test"));
	assert_true(dpw_dns_pattern_id("a.test") != dpw_dns_pattern_id("b.test"));
	assert_int_equal(dpw_dns_pattern_id(""), 2166136261u);
}

/* ---- the table ------------------------------------------------------------------- */
static struct dpw_dnsset_hdr *
table(uint32_t n_slots)
{
	struct dpw_dnsset_hdr *h = malloc(sizeof(*h) + n_slots * sizeof(struct dpw_dnsset_slot));

	assert_non_null(h);
	dp_dnsset_init(h, n_slots, 1000);
	return h;
}

static void
test_set_basic(void **state)
{
	struct dpw_dnsset_hdr *h = table(64);
	uint32_t a = ip("198.19.0.10");

	(void)state;
	assert_int_equal(h->magic, DPW_DNSSET_MAGIC);
	assert_false(dp_dnsset_has(h, 7, a, 100));
	dp_dnsset_put(h, 7, a, 1, 100, 0);        /* ttl 1: clamped to TTL_MIN */
	assert_true(dp_dnsset_has(h, 7, a, 100));
	assert_true(dp_dnsset_has(h, 7, a, 100 + DPW_DNSSET_TTL_MIN - 1));
	assert_false(dp_dnsset_has(h, 7, a, 100 + DPW_DNSSET_TTL_MIN));
	assert_false(dp_dnsset_has(h, 8, a, 100));
	assert_false(dp_dnsset_has(h, 7, a + 1, 100));
	dp_dnsset_put(h, 7, a, 1000000, 100, 0);  /* clamped to TTL_MAX, refreshed */
	assert_true(dp_dnsset_has(h, 7, a, 100 + DPW_DNSSET_TTL_MAX - 1));
	assert_false(dp_dnsset_has(h, 7, a, 100 + DPW_DNSSET_TTL_MAX));
	dp_dnsset_put(h, 7, a, 20, 100, 0);       /* a shorter TTL never shortens it */
	assert_true(dp_dnsset_has(h, 7, a, 1000));
	assert_int_equal(h->stats[0].inserted, 3);
	assert_int_equal(h->stats[0].evicted, 0);
	free(h);
}

static void
test_set_eviction(void **state)
{
	struct dpw_dnsset_hdr *h = table(DPW_DNSSET_WAYS);   /* one bucket */
	unsigned int i;

	(void)state;
	for (i = 0; i < DPW_DNSSET_WAYS; i++)
		dp_dnsset_put(h, 1, i + 1, 100 + i * 10, 0, 2);
	for (i = 0; i < DPW_DNSSET_WAYS; i++)
		assert_true(dp_dnsset_has(h, 1, i + 1, 0));
	/* full: the one expiring first (address 1) goes, counted as an eviction */
	dp_dnsset_put(h, 1, 99, 1000, 0, 2);
	assert_true(dp_dnsset_has(h, 1, 99, 0));
	assert_false(dp_dnsset_has(h, 1, 1, 0));
	assert_true(dp_dnsset_has(h, 1, 2, 0));
	assert_int_equal(h->stats[2].evicted, 1);
	/* an expired entry is replaced without an eviction */
	dp_dnsset_put(h, 1, 98, 1000, 115, 2);   /* address 2 expired at 110 */
	assert_true(dp_dnsset_has(h, 1, 98, 115));
	assert_int_equal(h->stats[2].evicted, 1);
	free(h);
}

static void
test_set_patterns(void **state)
{
	struct dpw_dnsset_hdr *h = table(64);
	char p[3][DPW_DNSSET_PATTERN_LEN] = {"example.test", "foo.*", "x.y"};

	(void)state;
	dp_dnsset_set_patterns(h, 5, (const char (*)[DPW_DNSSET_PATTERN_LEN])p, 3);
	assert_int_equal(h->n_patterns, 3);
	assert_int_equal(h->patterns_gen, 5);
	assert_string_equal(h->patterns[1].pattern, "foo.*");
	assert_int_equal(h->patterns[1].id, dpw_dns_pattern_id("foo.*"));
	dp_dnsset_set_patterns(h, 6, (const char (*)[DPW_DNSSET_PATTERN_LEN])p, 1);
	assert_int_equal(h->n_patterns, 1);
	assert_int_equal(h->patterns[1].id, 0);
	free(h);
}

/* two writers and two readers: a reader never sees an address that was never put, and
 * sees each stable address (put before the threads start, long TTL) every time */
#define MT_SLOTS 1024
#define MT_ROUNDS 200000
static struct dpw_dnsset_hdr *mt_h;
static volatile int mt_bad;

static void *
mt_writer(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg, i;

	for (i = 0; i < MT_ROUNDS; i++)
		dp_dnsset_put(mt_h, 2 + w, 0x10000u + (i % 5000), 10 + i % 50, i / 1000, w);
	return NULL;
}

static void *
mt_reader(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < MT_ROUNDS; i++) {
		if (dp_dnsset_has(mt_h, 2, 0x20000u + i % 1000, 0))   /* never put */
			mt_bad = 1;
		if (dp_dnsset_has(mt_h, 99, 0x10000u + i % 5000, 0))  /* other id */
			mt_bad = 1;
	}
	return NULL;
}

static void
test_set_threads(void **state)
{
	pthread_t t[4];
	unsigned int i;

	(void)state;
	mt_h = table(MT_SLOTS);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, mt_writer, (void *)(uintptr_t)i), 0);
	for (i = 2; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, mt_reader, NULL), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_false(mt_bad);
	/* the table holds at most MT_SLOTS keys, every one of them a key that was put */
	for (i = 0; i < MT_SLOTS; i++) {
		uint64_t k = dpw_dnsset_slots(mt_h)[i].key;

		if (k == 0)
			continue;
		assert_true((k >> 32) == 2 || (k >> 32) == 3);
		assert_true((uint32_t)k >= 0x10000u && (uint32_t)k < 0x10000u + 5000);
	}
	assert_true(mt_h->stats[0].evicted + mt_h->stats[1].evicted > 0);
	free(mt_h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_answer),
		cmocka_unit_test(test_not_answers),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_authority_ignored),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_set_basic),
		cmocka_unit_test(test_set_eviction),
		cmocka_unit_test(test_set_patterns),
		cmocka_unit_test(test_set_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
