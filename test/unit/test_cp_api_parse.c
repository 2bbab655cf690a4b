/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/api_parse.c: REST routing and the strict validation of the
 * WAN admin body. Single-threaded test program; no DPDK, no libmicrohttpd.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/api_parse.h"

static void
test_routes(void **state)
{
	struct cp_api_route r;
	char longurl[CP_API_URL_MAX + 16];

	assert_int_equal(cp_api_route_match("/api/v1/status", &r), 0);
	assert_int_equal(r.id, CP_ROUTE_STATUS);
	assert_string_equal(r.method, "GET");
	assert_int_equal(cp_api_route_match("/api/v1/wans", &r), 0);
	assert_int_equal(r.id, CP_ROUTE_WANS);
	assert_int_equal(cp_api_route_match("/metrics", &r), 0);
	assert_int_equal(r.id, CP_ROUTE_METRICS);
	assert_int_equal(cp_api_route_match("/api/v1/wans/wan1", &r), 0);
	assert_int_equal(r.id, CP_ROUTE_WAN);
	assert_string_equal(r.wan, "wan1");
	assert_int_equal(cp_api_route_match("/api/v1/wans/wan_2/admin", &r), 0);
	assert_int_equal(r.id, CP_ROUTE_WAN_ADMIN);
	assert_string_equal(r.method, "PUT");
	assert_string_equal(r.wan, "wan_2");

	assert_int_equal(cp_api_route_match("/", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/status/", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/WAN1", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/../status", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/wan1/admin/", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/wan1/other", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans//admin", &r), -ENOENT);
	assert_int_equal(cp_api_route_match("/api/v1/wans/abcdefghijklmnop", &r), -ENOENT);
	memset(longurl, 'a', sizeof(longurl) - 1);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_int_equal(cp_api_route_match(longurl, &r), -ENOENT);
}

static int
parse(const char *body, bool *enabled, char *err, size_t errlen)
{
	return cp_api_parse_admin_body(body, body != NULL ? strlen(body) : 0, enabled, err,
				       errlen);
}

static void
test_admin_body_ok(void **state)
{
	char err[256];
	bool en = false;

	assert_int_equal(parse("{\"enabled\": true}", &en, err, sizeof(err)), 0);
	assert_true(en);
	assert_int_equal(parse(" {\"enabled\":false}\n", &en, err, sizeof(err)), 0);
	assert_false(en);
}

static void
test_admin_body_bad(void **state)
{
	static const struct {
		const char *body;
		const char *expect;
	} cases[] = {
		{ NULL, "empty" },
		{ "", "empty" },
		{ "nope", "invalid JSON" },
		{ "{\"enabled\": true", "invalid JSON" },
		{ "{\"enabled\": true} x", "invalid JSON" },
		{ "[true]", "got an array" },
		{ "true", "got a boolean" },
		{ "{}", "missing member \"enabled\"" },
		{ "{\"enabled\": 1}", "got a number" },
		{ "{\"enabled\": \"true\"}", "got a string" },
		{ "{\"enabled\": null}", "got null" },
		{ "{\"enabled\": true, \"x\": 1}", "unknown member \"x\"" },
		{ "{\"Enabled\": true}", "unknown member" },
		{ "{\"enabled\": true, \"enabled\": false}", "duplicate" },
	};
	char err[256];
	bool en;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(cases[i].body, &en, err, sizeof(err)), -EINVAL);
		if (strstr(err, cases[i].expect) == NULL)
			fail_msg("body %s: error '%s' lacks '%s'", cases[i].body, err,
				 cases[i].expect);
		assert_non_null(strstr(err, "body"));
	}
}

static void
test_admin_body_size(void **state)
{
	static char big[CP_API_BODY_MAX + 64];
	char err[256];
	bool en;
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "{\"enabled\": true}");
	memset(big + n, ' ', CP_API_BODY_MAX + 1 - n);
	big[CP_API_BODY_MAX + 1] = '\0';
	assert_int_equal(cp_api_parse_admin_body(big, strlen(big), &en, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "at most"));
	/* Exactly at the limit is fine. */
	assert_int_equal(cp_api_parse_admin_body(big, CP_API_BODY_MAX, &en, err, sizeof(err)),
			 0);
	/* An embedded NUL is not JSON. */
	assert_int_equal(cp_api_parse_admin_body("{\"enabled\": true}\0x", 19, &en, err,
						 sizeof(err)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_admin_body_ok),
		cmocka_unit_test(test_admin_body_bad),
		cmocka_unit_test(test_admin_body_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
