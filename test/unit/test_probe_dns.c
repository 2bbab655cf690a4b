/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/probe_dns_msg.c: the query's exact bytes, names refused (empty
 * label, label of 64, name over 255), and which datagrams answer a query (any rcode;
 * not another id, QR clear, short, another question). Single-threaded; no DPDK.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/probe_int.h"

static void
test_query_bytes(void **state)
{
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x01, 0x00, 0x01,
	};
	uint8_t q[CP_PROBE_DNS_MSG_MAX];
	unsigned int qlen;

	(void)state;
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), "example.com", 0x1234, &qlen),
			 sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
	assert_int_equal(qlen, sizeof(want) - 12);
	/* a trailing dot is the same name */
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), "example.com.", 0x1234, &qlen),
			 sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
}

static void
test_query_refused(void **state)
{
	char name[300];
	uint8_t q[CP_PROBE_DNS_MSG_MAX];
	unsigned int qlen, i;

	(void)state;
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), "", 1, &qlen), -EINVAL);
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), "a..b", 1, &qlen), -EINVAL);
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), ".a", 1, &qlen), -EINVAL);
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), name, 1, &qlen), -EINVAL);
	name[63] = '\0';
	assert_true(cp_probe_dns_query(q, sizeof(q), name, 1, &qlen) > 0);
	/* 4 labels of 63: 4 * 64 + 1 = 257 bytes on the wire, over 255 */
	for (i = 0; i < 4; i++) {
		memset(name + i * 64, 'b', 63);
		name[i * 64 + 63] = i < 3 ? '.' : '\0';
	}
	assert_int_equal(cp_probe_dns_query(q, sizeof(q), name, 1, &qlen), -EINVAL);
	/* 3 of 63 and one of 61: 255 exactly */
	name[3 * 64 + 61] = '\0';
	assert_true(cp_probe_dns_query(q, sizeof(q), name, 1, &qlen) > 0);
	assert_int_equal(qlen, 255 + 4);
	/* too small a buffer for any name */
	assert_int_equal(cp_probe_dns_query(q, 100, "a", 1, &qlen), -EINVAL);
}

static void
test_answers(void **state)
{
	uint8_t q[CP_PROBE_DNS_MSG_MAX], r[CP_PROBE_DNS_MSG_MAX + 16];
	unsigned int qlen, rlen;
	int len;

	(void)state;
	len = cp_probe_dns_query(q, sizeof(q), "ok.test", 0xbeef, &qlen);
	assert_true(len > 0);
	/* the query itself (QR clear) is no answer */
	assert_int_equal(cp_probe_dns_answer(q, (unsigned int)len, q, qlen), -1);
	memcpy(r, q, (size_t)len);
	r[2] |= 0x80;
	rlen = (unsigned int)len;
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), 0);
	r[3] = 0x83;   /* RA, NXDOMAIN */
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), 3);
	assert_string_equal(cp_probe_dns_rcode_str(3), "NXDOMAIN");
	assert_string_equal(cp_probe_dns_rcode_str(2), "SERVFAIL");
	assert_string_equal(cp_probe_dns_rcode_str(5), "REFUSED");
	assert_string_equal(cp_probe_dns_rcode_str(15), "RCODE?");
	/* answer records after the question change nothing */
	memset(r + rlen, 0xc0, 16);
	assert_int_equal(cp_probe_dns_answer(r, rlen + 16, q, qlen), 3);
	/* cut short */
	assert_int_equal(cp_probe_dns_answer(r, rlen - 1, q, qlen), -1);
	assert_int_equal(cp_probe_dns_answer(r, 6, q, qlen), -1);
	/* another id */
	r[1] ^= 1;
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), -1);
	r[1] ^= 1;
	/* another question: name, type, count */
	r[12 + 1] = 'x';
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), -1);
	r[12 + 1] = 'O';   /* case differs only: the same name */
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), 3);
	r[rlen - 3] = 28;  /* AAAA */
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), -1);
	r[rlen - 3] = 1;
	r[5] = 2;
	assert_int_equal(cp_probe_dns_answer(r, rlen, q, qlen), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_bytes),
		cmocka_unit_test(test_query_refused),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
