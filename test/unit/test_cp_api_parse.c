/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/api_parse.c: REST path patterns, the strict validation of the
 * WAN admin body, and the query values of explain and the session listing. Single-threaded test program; no DPDK, no libmicrohttpd.
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

static int
m(const char *pattern, const char *path, char param[][CP_API_PARAM_LEN])
{
	return cp_api_path_match(pattern, path, param, 2);
}

static void
test_routes(void **state)
{
	char p[2][CP_API_PARAM_LEN];
	char longurl[CP_API_URL_MAX + 16];

	assert_true(m("/api/v1/status", "/api/v1/status", p));
	assert_true(m("/api/v1/wans/{name}", "/api/v1/wans/wan1", p));
	assert_string_equal(p[0], "wan1");
	assert_true(m("/api/v1/wans/{name}/admin", "/api/v1/wans/wan_2/admin", p));
	assert_string_equal(p[0], "wan_2");
	assert_true(m("/api/v1/tokens/{id}", "/api/v1/tokens/tok_1a2b3c4d", p));
	assert_string_equal(p[0], "tok_1a2b3c4d");
	assert_true(m("/a/{x}/b/{y}", "/a/1/b/2", p));
	assert_string_equal(p[0], "1");
	assert_string_equal(p[1], "2");

	assert_false(m("/api/v1/status", "/", p));
	assert_false(m("/api/v1/status", "/api/v1/status/", p));
	assert_false(m("/api/v1/wans/{name}", "/api/v1/wans/", p));
	assert_false(m("/api/v1/wans/{name}", "/api/v1/wans/..", p));
	assert_false(m("/api/v1/wans/{name}/admin", "/api/v1/wans/../status", p));
	assert_false(m("/api/v1/wans/{name}/admin", "/api/v1/wans/wan1/admin/", p));
	assert_false(m("/api/v1/wans/{name}/admin", "/api/v1/wans//admin", p));
	assert_false(m("/api/v1/wans/{name}", "/api/v1/wans/a%2fb", p));
	/* {x+}: addresses, MACs and names, never a climb */
	assert_false(m("/api/v1/wans/{name}", "/api/v1/wans/a.b", p));
	assert_true(m("/l/{address+}", "/l/198.18.0.152", p));
	assert_string_equal(p[0], "198.18.0.152");
	assert_true(m("/l/{mac+}/x", "/l/02:00:5e:10:00:01/x", p));
	assert_string_equal(p[0], "02:00:5e:10:00:01");
	assert_false(m("/l/{a+}", "/l/..", p));
	assert_false(m("/l/{a+}", "/l/.", p));
	assert_false(m("/l/{a+}/x", "/l/../x", p));
	assert_false(m("/l/{a+}", "/l/a/b", p));
	assert_true(m("/l/{a+}", "/l/..a", p));
	memset(longurl, 'a', sizeof(longurl) - 1);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_false(m("/{x}", longurl, p));
	memset(longurl, 'a', CP_API_PARAM_LEN + 1);
	longurl[0] = '/';
	longurl[CP_API_PARAM_LEN] = '\0';
	assert_true(m("/{x}", longurl, p));          /* a segment of 63 bytes fits */
	longurl[CP_API_PARAM_LEN] = 'a';
	longurl[CP_API_PARAM_LEN + 1] = '\0';
	assert_false(m("/{x}", longurl, p));         /* 64 does not */
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

static void
test_query_values(void **state)
{
	static const char *const bad_ip[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
					      "1.2.3.4 ", "-1.2.3.4", "1..2.3", "a.b.c.d",
					      "1.2.3.4/24", NULL };
	static const char *const bad_net[] = { "198.19.0.1/24", "198.19.0.0/33", "198.19.0.0/",
					       "198.19.0.0/024", "0.0.0.1/0", "x", NULL };
	static const char *const bad_mac[] = { "02:00:00:00:00", "02:00:00:00:00:1", "0200.0000",
					       "02:00-00:00:00:10", "02:00:00:00:00:10:",
					       "g2:00:00:00:00:10", "", NULL };
	uint8_t mac[6], len, proto;
	uint32_t a, w, slot;
	unsigned long v;
	uint16_t port;
	char err[128], buf[8];
	unsigned int i;

	assert_int_equal(cp_api_parse_ipv4("198.18.0.10", &a, err, sizeof(err)), 0);
	assert_int_equal(a, 0xc612000a);
	assert_int_equal(cp_api_parse_ipv4("0.0.0.0", &a, err, sizeof(err)), 0);
	assert_int_equal(a, 0);
	for (i = 0; bad_ip[i] != NULL; i++)
		assert_int_equal(cp_api_parse_ipv4(bad_ip[i], &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_ipv4(NULL, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "IPv4"));

	assert_int_equal(cp_api_parse_net("198.19.0.0/24", &a, &len, err, sizeof(err)), 0);
	assert_true(a == 0xc6130000 && len == 24);
	assert_int_equal(cp_api_parse_net("198.18.0.10", &a, &len, err, sizeof(err)), 0);
	assert_true(a == 0xc612000a && len == 32);
	assert_int_equal(cp_api_parse_net("0.0.0.0/0", &a, &len, err, sizeof(err)), 0);
	assert_true(a == 0 && len == 0);
	for (i = 0; bad_net[i] != NULL; i++)
		assert_int_equal(cp_api_parse_net(bad_net[i], &a, &len, err, sizeof(err)),
				 -EINVAL);

	assert_int_equal(cp_api_parse_proto("tcp", &proto, err, sizeof(err)), 0);
	assert_int_equal(proto, 6);
	assert_int_equal(cp_api_parse_proto("udp", &proto, err, sizeof(err)), 0);
	assert_int_equal(proto, 17);
	assert_int_equal(cp_api_parse_proto("icmp", &proto, err, sizeof(err)), 0);
	assert_int_equal(proto, 1);
	assert_int_equal(cp_api_parse_proto("47", &proto, err, sizeof(err)), 0);
	assert_int_equal(proto, 47);
	assert_int_equal(cp_api_parse_proto("0", &proto, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_proto("256", &proto, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_proto("TCP", &proto, err, sizeof(err)), -EINVAL);
	assert_string_equal(cp_api_proto_str(6, buf, sizeof(buf)), "tcp");
	assert_string_equal(cp_api_proto_str(47, buf, sizeof(buf)), "47");

	assert_int_equal(cp_api_parse_port("443", &port, err, sizeof(err)), 0);
	assert_int_equal(port, 443);
	assert_int_equal(cp_api_parse_port("65535", &port, err, sizeof(err)), 0);
	assert_int_equal(cp_api_parse_port("0", &port, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_port("65536", &port, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_port("4a", &port, err, sizeof(err)), -EINVAL);

	assert_int_equal(cp_api_parse_mac("02:00:00:ab:CD:10", mac, err, sizeof(err)), 0);
	assert_true(mac[0] == 2 && mac[3] == 0xab && mac[4] == 0xcd && mac[5] == 0x10);
	assert_int_equal(cp_api_parse_mac("02-00-00-00-00-10", mac, err, sizeof(err)), 0);
	for (i = 0; bad_mac[i] != NULL; i++)
		assert_int_equal(cp_api_parse_mac(bad_mac[i], mac, err, sizeof(err)), -EINVAL);

	assert_int_equal(cp_api_parse_cursor("1.4096", &w, &slot, err, sizeof(err)), 0);
	assert_true(w == 1 && slot == 4096);
	assert_int_equal(cp_api_parse_cursor("0.0", &w, &slot, err, sizeof(err)), 0);
	assert_true(w == 0 && slot == 0);
	assert_int_equal(cp_api_parse_cursor("1", &w, &slot, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_cursor("1.", &w, &slot, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_cursor("256.1", &w, &slot, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_cursor("1.4294967295", &w, &slot, err, sizeof(err)),
			 -EINVAL);

	assert_int_equal(cp_api_parse_uint("100", 1, 1000, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 100);
	assert_int_equal(cp_api_parse_uint("1001", 1, 1000, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1..1000"));
	assert_int_equal(cp_api_parse_uint("0", 1, 1000, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_uint("", 1, 1000, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_api_parse_uint("99999999999", 1, 1000, &v, err, sizeof(err)),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_admin_body_ok),
		cmocka_unit_test(test_admin_body_bad),
		cmocka_unit_test(test_admin_body_size),
		cmocka_unit_test(test_query_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
