/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the network-policy document (lib/cfg/dpw_doc.c, dpw_doc_wans.c): the
 * shipped examples, defaults, every rule of the wans section with the exact path of its
 * problem, several problems at once, the system context, canonical JSON as a fixed
 * point, the hash, JSON and YAML giving equal trees, and the diff.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/cfg/dpw_yaml.h"

static struct dpw_doc doc;
static struct dpw_doc_problems pr;

/* The lab's system: wan1 and wan2 with port MTU 1500, LAN 198.18.0.1/24. */
static const struct dpw_doc_context lab_ctx = {
	.n_wan_ports = 2,
	.wan_port = { "wan1", "wan2" },
	.wan_port_mtu = { 1500, 1500 },
	.lan_addr = 0xc6120001,
	.lan_prefixlen = 24,
};

#define WAN1 "{\"name\":\"wan1\",\"addressing\":{\"address\":\"198.18.1.2/24\"," \
	     "\"gateway\":\"198.18.1.1\"}}"
#define WAN2 "{\"name\":\"wan2\",\"addressing\":{\"address\":\"198.18.2.2/24\"," \
	     "\"gateway\":\"198.18.2.1\"}}"

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
parse(const char *text, const struct dpw_doc_context *ctx)
{
	return dpw_doc_parse(text, strlen(text), DPW_DOC_JSON, ctx, &doc, &pr);
}

static void
dump_problems(void)
{
	unsigned int i;

	for (i = 0; i < pr.n; i++)
		fprintf(stderr, "  %s %s: %s\n", pr.p[i].warning ? "warning" : "error",
			pr.p[i].path, pr.p[i].message);
}

/* Is there a problem at exactly path whose message contains sub? */
static bool
has(const char *path, const char *sub)
{
	unsigned int i;

	for (i = 0; i < pr.n; i++)
		if (strcmp(pr.p[i].path, path) == 0 && strstr(pr.p[i].message, sub) != NULL)
			return true;
	fprintf(stderr, "no problem at '%s' with '%s'; problems:\n", path, sub);
	dump_problems();
	return false;
}

/* A document of one WAN (wan1) whose body is the text between the braces. */
static int
one_wan(const char *members, const struct dpw_doc_context *ctx)
{
	char text[2048];

	snprintf(text, sizeof(text), "{\"version\":1,\"wans\":[{%s}]}", members);
	return parse(text, ctx);
}

#define ADDR1 "\"addressing\":{\"address\":\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\"}"

static void
expect_one_error(const char *members, const char *path, const char *sub)
{
	assert_int_equal(one_wan(members, &lab_ctx), -EINVAL);
	if (pr.errors != 1)
		dump_problems();
	assert_int_equal(pr.errors, 1);
	assert_true(has(path, sub));
}

static void
test_examples(void **state)
{
	struct dpw_sysconf conf;
	struct dpw_doc_context ctx;
	char err[512], *text;
	size_t len;

	(void)state;
	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/lab.conf", &conf, err, sizeof(err)), 0);
	dpw_doc_context_from_sysconf(&conf, &ctx);
	dpw_sysconf_free(&conf);
	assert_int_equal(ctx.n_wan_ports, 2);
	assert_string_equal(ctx.wan_port[0], "wan1");
	assert_string_equal(ctx.wan_port[1], "wan2");
	assert_int_equal(ctx.wan_port_mtu[0], 1440);
	assert_int_equal(ctx.lan_addr, 0xc6120001);
	assert_int_equal(ctx.lan_prefixlen, 24);

	text = read_file(SRCDIR "/conf/lab-policy.yaml", &len);
	assert_int_equal(dpw_doc_parse(text, len, DPW_DOC_YAML, &ctx, &doc, &pr), 0);
	free(text);
	assert_int_equal(pr.n, 0);
	assert_int_equal(doc.version, 1);
	assert_int_equal(doc.n_wans, 2);
	assert_string_equal(doc.wans[0].name, "wan1");
	assert_int_equal(doc.wans[0].addr, 0xc6120102);
	assert_int_equal(doc.wans[0].prefixlen, 24);
	assert_int_equal(doc.wans[0].gateway, 0xc6120101);
	assert_int_equal(doc.wans[1].addr, 0xc6120202);
	assert_int_equal(doc.wans[1].gateway, 0xc6120201);
	assert_int_equal(doc.wans[1].weight, 1);
	assert_int_equal(doc.wans[1].mtu, 1440);

	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/dpwan.conf", &conf, err, sizeof(err)), 0);
	dpw_doc_context_from_sysconf(&conf, &ctx);
	dpw_sysconf_free(&conf);
	text = read_file(SRCDIR "/conf/dpwan-policy.yaml", &len);
	assert_int_equal(dpw_doc_parse(text, len, DPW_DOC_YAML, &ctx, &doc, &pr), 0);
	free(text);
	assert_int_equal(doc.wans[0].weight, 2);
	assert_int_equal(doc.wans[0].mtu, 1500);
	assert_int_equal(doc.wans[1].weight, 1);
	assert_int_equal(doc.wans[1].mtu, 1440);
	assert_int_equal(doc.wans[1].mss, 0);
}

static void
test_defaults(void **state)
{
	const struct dpw_doc_wan *w;

	(void)state;
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "," WAN2 "]}", &lab_ctx), 0);
	assert_int_equal(pr.n, 0);
	assert_int_equal(doc.n_wans, 2);
	w = dpw_doc_wan_find(&doc, "wan2");
	assert_ptr_equal(w, &doc.wans[1]);
	assert_null(dpw_doc_wan_find(&doc, "wan3"));
	assert_true(w->enabled);
	assert_false(w->forced_down);
	assert_int_equal(w->weight, 1);
	assert_int_equal(w->mtu, 1440);
	assert_int_equal(w->mss, 0);
	assert_int_equal(w->addr_mode, DPW_ADDR_STATIC);
	/* without a context too */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "]}", NULL), 0);
	assert_int_equal(doc.wans[0].mtu, 1440);
	/* a port below 1440 makes its MTU the default */
	{
		struct dpw_doc_context c = lab_ctx;

		c.wan_port_mtu[0] = 1400;
		assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "]}", &c), 0);
		assert_int_equal(doc.wans[0].mtu, 1400);
	}
}

#define H(x) "\"name\":\"wan1\",\"health\":{" x "}," ADDR1

/* The health member: presets, overrides, and the checks between members. */
static void
test_health(void **state)
{
	const struct dpw_doc_health *h = &doc.wans[0].health;

	(void)state;
	assert_int_equal(one_wan(H(""), &lab_ctx), 0);
	assert_int_equal(h->method, DPW_HM_PING);
	assert_int_equal(h->interval_ms, 200);
	assert_int_equal(h->down, 3);
	assert_true(h->passive);
	assert_int_equal(one_wan(H("\"preset\":\"mwan3\",\"down\":2"), &lab_ctx), 0);
	assert_int_equal(h->interval_ms, 10000);
	assert_int_equal(h->timeout_ms, 4000);
	assert_int_equal(h->down, 2);
	assert_false(h->quality);
	assert_int_equal(one_wan(H("\"preset\":\"pfsense\",\"quality\":{\"loss_down_pct\":30}"),
				 &lab_ctx), 0);
	assert_int_equal(h->loss_down_pct, 30);
	assert_int_equal(h->loss_warn_pct, 10);
	assert_int_equal(h->window, 120);
	assert_int_equal(one_wan(H("\"method\":\"https\",\"targets\":[\"https://198.19.0.10/ok\"],"
				   "\"http_match\":\"ok\",\"tls_verify\":false"), &lab_ctx), 0);
	assert_int_equal(h->method, DPW_HM_HTTPS);
	assert_int_equal(h->n_targets, 1);
	assert_false(h->tls_verify);
	assert_int_equal(one_wan(H("\"targets\":[\"198.19.0.10\",\"198.19.0.11\"],"
				   "\"reliability\":2"), &lab_ctx), 0);
	assert_int_equal(h->reliability, 2);

	expect_one_error(H("\"preset\":\"cisco\""), "/wans/0/health/preset", "unknown");
	expect_one_error(H("\"method\":\"icmp\""), "/wans/0/health/method", "unknown");
	expect_one_error(H("\"interval_ms\":5"), "/wans/0/health/interval_ms", "out of range");
	expect_one_error(H("\"targets\":[\"198.19.0.10\"],\"reliability\":2"),
			 "/wans/0/health/reliability", "could never be up");
	expect_one_error(H("\"targets\":[\"198.19.0.10\",\"198.19.0.10\"]"),
			 "/wans/0/health/targets/1", "duplicate target");
	expect_one_error(H("\"targets\":[\"example.com\"]"), "/wans/0/health/targets/0",
			 "not an IPv4 address");
	expect_one_error(H("\"method\":\"http\""), "/wans/0/health", "needs at least one target");
	expect_one_error(H("\"method\":\"http\",\"targets\":[\"https://x/\"]"),
			 "/wans/0/health/targets/0", "must start with http://");
	expect_one_error(H("\"method\":\"tcp\""), "/wans/0/health", "needs 'port'");
	expect_one_error(H("\"up\":10,\"up_max\":5"), "/wans/0/health/up_max", "below up");
	expect_one_error(H("\"quality\":{\"latency_warn_ms\":100,\"latency_warn_clear_ms\":200}"),
			 "/wans/0/health/quality/latency_warn_clear_ms", "above latency_warn_ms");
	expect_one_error(H("\"quality\":{\"loss_warn_pct\":50}"),
			 "/wans/0/health/quality/loss_warn_pct", "above loss_down_pct");
	expect_one_error(H("\"initial_state\":\"up\""), "/wans/0/health/initial_state",
			 "online or offline");
	expect_one_error(H("\"quality\":{\"x\":1}"), "/wans/0/health/quality/x",
			 "unknown member");
}

static void
test_full_members(void **state)
{
	(void)state;
	assert_int_equal(one_wan("\"name\":\"wan1\",\"enabled\":false,\"forced_down\":true,"
				 "\"weight\":1000,\"mtu\":1500,\"mss\":1460," ADDR1 ",\"x\":1",
				 &lab_ctx), -EINVAL);
	assert_true(has("/wans/0/x", "unknown member 'x'"));
	assert_true(has("/wans/0/x", "name, enabled, forced_down, weight, mtu, mss, priority, "
			"independent, on_failure, addressing, health"));
	assert_int_equal(one_wan("\"name\":\"wan1\",\"enabled\":false,\"forced_down\":true,"
				 "\"weight\":1000,\"mtu\":1500,\"mss\":1460," ADDR1, &lab_ctx), 0);
	assert_false(doc.wans[0].enabled);
	assert_true(doc.wans[0].forced_down);
	assert_int_equal(doc.wans[0].weight, 1000);
	assert_int_equal(doc.wans[0].mtu, 1500);
	assert_int_equal(doc.wans[0].mss, 1460);
	/* every WAN unusable: a warning, not an error */
	assert_int_equal(pr.errors, 0);
	assert_int_equal(pr.warnings, 1);
	assert_true(has("/wans", "no WAN can carry traffic"));
	assert_true(pr.p[0].warning);
	assert_int_equal(one_wan("\"name\":\"wan1\",\"mss\":536,\"mtu\":576," ADDR1, &lab_ctx), 0);
	assert_int_equal(one_wan("\"name\":\"wan1\",\"mss\":537,\"mtu\":576," ADDR1, &lab_ctx),
			 -EINVAL);
	assert_int_equal(one_wan("\"name\":\"W_9_abcdefghijk\"," ADDR1, NULL), 0);
}

static void
test_wan_errors(void **state)
{
	(void)state;
	expect_one_error("\"name\":\"wan1\",\"weight\":0," ADDR1, "/wans/0/weight",
			 "weight 0 is out of range 1..1000");
	expect_one_error("\"name\":\"wan1\",\"weight\":1001," ADDR1, "/wans/0/weight", "1..1000");
	expect_one_error("\"name\":\"wan1\",\"weight\":\"2\"," ADDR1, "/wans/0/weight",
			 "must be an integer, not a string");
	expect_one_error("\"name\":\"wan1\",\"weight\":1.0," ADDR1, "/wans/0/weight",
			 "must be an integer, not a real number");
	expect_one_error("\"name\":\"wan1\",\"enabled\":1," ADDR1, "/wans/0/enabled",
			 "must be true or false, not an integer");
	expect_one_error("\"name\":\"wan1\",\"forced_down\":null," ADDR1, "/wans/0/forced_down",
			 "not null");
	expect_one_error("\"name\":\"wan1\",\"mtu\":575," ADDR1, "/wans/0/mtu", "576..1500");
	expect_one_error("\"name\":\"wan1\",\"mtu\":1501," ADDR1, "/wans/0/mtu", "576..1500");
	expect_one_error("\"name\":\"wan1\",\"mss\":1401," ADDR1, "/wans/0/mss",
			 "mss 1401 is out of range 536..1400");
	expect_one_error("\"name\":\"wan1\",\"mss\":535," ADDR1, "/wans/0/mss", "536..");
	expect_one_error("\"name\":\"wan1\",\"mss\":\"big\"," ADDR1, "/wans/0/mss", "\"auto\"");
	expect_one_error("\"name\":\"wan1\",\"mss\":[]," ADDR1, "/wans/0/mss", "not an array");
	expect_one_error(ADDR1, "/wans/0", "'name' is required");
	expect_one_error("\"name\":\"wan-1\"," ADDR1, "/wans/0/name", "invalid");
	expect_one_error("\"name\":\"\"," ADDR1, "/wans/0/name", "invalid");
	expect_one_error("\"name\":\"abcdefghijklmnop\"," ADDR1, "/wans/0/name", "invalid");
	expect_one_error("\"name\":7," ADDR1, "/wans/0/name", "must be a string, not an integer");
	expect_one_error("\"name\":\"wan9\"," ADDR1, "/wans/0/name",
			 "no WAN port 'wan9' in the system configuration (WAN ports: wan1, wan2)");
	expect_one_error("\"name\":\"wan1\"", "/wans/0", "'addressing' is required");
	expect_one_error("\"name\":\"wan1\",\"addressing\":\"dhcp\"", "/wans/0/addressing",
			 "must be an object, not a string");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"mode\":\"dhcp\",\"address\":"
			 "\"198.18.1.2/24\"}", "/wans/0/addressing/address", "unknown member");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"mode\":\"dhcp\",\"hostname\":"
			 "\"-x\"}", "/wans/0/addressing/hostname", "not a host name");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"mode\":\"dhcp\",\"dns\":"
			 "[\"127.0.0.1\"]}", "/wans/0/addressing/dns/0", "not a unicast");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"mode\":\"pppoe\"}",
			 "/wans/0/addressing/mode", "unknown");
	expect_one_error("\"name\":\"wan1\",\"priority\":9," ADDR1, "/wans/0/priority",
			 "out of range 1..8");
	expect_one_error("\"name\":\"wan1\",\"on_failure\":{\"tcp\":\"drop\"}," ADDR1,
			 "/wans/0/on_failure/tcp", "reset or keep");
	expect_one_error("\"name\":\"wan1\",\"health\":7," ADDR1, "/wans/0/health",
			 "must be an object");
}

#define ADDR(a, g) "\"name\":\"wan1\",\"addressing\":{\"address\":\"" a "\",\"gateway\":\"" g "\"}"

static void
test_addressing_errors(void **state)
{
	(void)state;
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"gateway\":\"198.18.1.1\"}",
			 "/wans/0/addressing", "'address' is required");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"address\":\"198.18.1.2/24\"}",
			 "/wans/0/addressing", "'gateway' is required");
	expect_one_error(ADDR("198.18.1.2", "198.18.1.1"), "/wans/0/addressing/address",
			 "a.b.c.d/len");
	expect_one_error(ADDR("198.18.1.300/24", "198.18.1.1"), "/wans/0/addressing/address",
			 "a.b.c.d/len");
	expect_one_error(ADDR("198.18.1.2/31", "198.18.1.3"), "/wans/0/addressing/address",
			 "/31 is out of range 1..30");
	expect_one_error(ADDR("198.18.1.2/0", "198.18.1.1"), "/wans/0/addressing/address",
			 "1..30");
	expect_one_error(ADDR("198.18.1.0/24", "198.18.1.1"), "/wans/0/addressing/address",
			 "network address");
	expect_one_error(ADDR("198.18.1.255/24", "198.18.1.1"), "/wans/0/addressing/address",
			 "broadcast address");
	expect_one_error(ADDR("127.0.0.2/8", "198.18.1.1"), "/wans/0/addressing/address",
			 "loopback");
	expect_one_error(ADDR("0.1.2.3/8", "198.18.1.1"), "/wans/0/addressing/address",
			 "0.0.0.0/8");
	expect_one_error(ADDR("224.1.2.3/24", "198.18.1.1"), "/wans/0/addressing/address",
			 "multicast");
	expect_one_error(ADDR("198.18.1.2/24", "198.18.2.1"), "/wans/0/addressing/gateway",
			 "outside the subnet 198.18.1.0/24");
	expect_one_error(ADDR("198.18.1.2/24", "198.18.1.2"), "/wans/0/addressing/gateway",
			 "own address");
	expect_one_error(ADDR("198.18.1.2/24", "198.18.1.255"), "/wans/0/addressing/gateway",
			 "broadcast");
	expect_one_error(ADDR("198.18.1.2/24", "198.18.1.0"), "/wans/0/addressing/gateway",
			 "network");
	expect_one_error(ADDR("198.18.1.2/24", "198.18.1.1/24"), "/wans/0/addressing/gateway",
			 "not a.b.c.d");
	expect_one_error(ADDR("198.18.0.2/16", "198.18.0.1"), "/wans/0/addressing/address",
			 "overlaps the LAN subnet 198.18.0.0/24");
	expect_one_error("\"name\":\"wan1\",\"addressing\":{\"address\":\"198.18.1.2/24\","
			 "\"gateway\":\"198.18.1.1\",\"vlan\":5}", "/wans/0/addressing/vlan",
			 "known members: mode, address, gateway");
	/* without a context the LAN is unknown */
	assert_int_equal(one_wan(ADDR("198.18.0.2/24", "198.18.0.1"), NULL), 0);
	/* /30 and /1 are fine */
	assert_int_equal(one_wan(ADDR("198.18.1.1/30", "198.18.1.2"), &lab_ctx), 0);
}

static void
test_top_level(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"wans\":[" WAN1 "]}", &lab_ctx), -EINVAL);
	assert_true(has("", "'version' is required"));
	assert_int_equal(parse("{\"version\":2,\"wans\":[" WAN1 "]}", &lab_ctx), -EINVAL);
	assert_true(has("/version", "version 2 is not supported"));
	assert_int_equal(parse("{\"version\":\"1\",\"wans\":[" WAN1 "]}", &lab_ctx), -EINVAL);
	assert_true(has("/version", "must be an integer, not a string"));
	assert_int_equal(parse("{\"version\":1}", &lab_ctx), -EINVAL);
	assert_true(has("", "'wans' is required"));
	assert_int_equal(parse("{\"version\":1,\"wans\":[]}", &lab_ctx), -EINVAL);
	assert_true(has("/wans", "at least one WAN"));
	assert_int_equal(parse("{\"version\":1,\"wans\":{}}", &lab_ctx), -EINVAL);
	assert_true(has("/wans", "must be an array of WANs, not an object"));
	assert_int_equal(parse("{\"version\":1,\"wans\":[5]}", &lab_ctx), -EINVAL);
	assert_true(has("/wans/0", "must be an object (a WAN), not an integer"));
	assert_int_equal(parse("[1]", &lab_ctx), -EINVAL);
	assert_true(has("", "must be an object, not an array"));
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"rules\":[],\"bogus\":1,"
			       "\"a/b~c\":1}", &lab_ctx), -EINVAL);
	assert_int_equal(pr.errors, 3);
	assert_true(has("/rules", "'rules' is not supported yet (issue 8)"));
	assert_true(has("/bogus", "unknown member 'bogus'; known members: version, wans"));
	assert_true(has("/a~1b~0c", "unknown member"));   /* RFC 6901 */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"firewall\":{}}", NULL),
			 -EINVAL);
	assert_true(has("/firewall", "issue 10"));
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"lan\":{}}", NULL), -EINVAL);
	assert_true(has("/lan", "issue 9"));
}

static void
test_syntax_and_limits(void **state)
{
	char *big;
	size_t i;

	(void)state;
	assert_int_equal(parse("{\"version\":1,\n \"wans\": }", NULL), -EINVAL);
	assert_int_equal(pr.n, 1);
	assert_true(has("", "line 2, column "));
	assert_int_equal(parse("{\"version\":1,\"version\":1,\"wans\":[" WAN1 "]}", NULL), -EINVAL);
	assert_int_equal(pr.n, 1);
	assert_true(has("", "duplicate object key"));
	assert_int_equal(parse("", NULL), -EINVAL);
	assert_true(has("", "line 1, column 1"));
	assert_int_equal(dpw_doc_parse("{\"version\":1}", 13, DPW_DOC_YAML, NULL, &doc, &pr),
			 -EINVAL);
	assert_true(has("", "'wans' is required"));
	assert_int_equal(dpw_doc_parse("a: [", 4, DPW_DOC_YAML, NULL, &doc, &pr), -EINVAL);
	assert_int_equal(pr.n, 1);
	assert_true(has("", "line "));

	/* nesting: 32 deep is allowed by the parser (then refused as an unknown member),
	 * 33 is a depth problem */
	big = malloc(DPW_DOC_MAX_BYTES + 2);
	assert_non_null(big);
	for (int depth = 32; depth <= 33; depth++) {
		size_t n = 0;

		n += (size_t)sprintf(big + n, "{\"version\":1,\"wans\":[" WAN1 "],\"x\":");
		for (i = 0; i < (size_t)depth - 1; i++)
			big[n++] = '[';
		for (i = 0; i < (size_t)depth - 1; i++)
			big[n++] = ']';
		big[n++] = '}';
		big[n] = '\0';
		assert_int_equal(dpw_doc_parse(big, n, DPW_DOC_JSON, NULL, &doc, &pr), -EINVAL);
		assert_int_equal(pr.errors, 1);
		if (depth == 32)
			assert_true(has("/x", "unknown member"));
		else
			assert_true(has("", "nested deeper than 32"));
		assert_int_equal(dpw_doc_parse(big, n, DPW_DOC_YAML, NULL, &doc, &pr), -EINVAL);
		assert_int_equal(pr.errors, 1);
		if (depth == 32)
			assert_true(has("/x", "unknown member"));
		else
			assert_true(has("", "nested too deep"));
	}
	/* too long */
	memset(big, ' ', DPW_DOC_MAX_BYTES + 1);
	big[0] = '{';
	big[DPW_DOC_MAX_BYTES] = '}';
	assert_int_equal(dpw_doc_parse(big, DPW_DOC_MAX_BYTES + 1, DPW_DOC_JSON, NULL, &doc, &pr),
			 -E2BIG);
	assert_true(has("", "more than the limit"));
	assert_int_equal(dpw_doc_parse(big, DPW_DOC_MAX_BYTES + 1, DPW_DOC_YAML, NULL, &doc, &pr),
			 -E2BIG);
	/* the limit itself is fine (then refused for what it says) */
	assert_int_equal(dpw_doc_parse(big + 1, DPW_DOC_MAX_BYTES, DPW_DOC_JSON, NULL, &doc, &pr),
			 -EINVAL);
	assert_true(has("", "line 1"));
	free(big);
}

static void
test_cross_checks(void **state)
{
	(void)state;
	/* duplicate name, at the second one */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 ",{\"name\":\"wan1\","
			       "\"addressing\":{\"address\":\"198.18.2.2/24\",\"gateway\":"
			       "\"198.18.2.1\"}}]}", &lab_ctx), -EINVAL);
	assert_int_equal(pr.errors, 1);
	assert_true(has("/wans/1/name", "duplicate name 'wan1' (also /wans/0/name)"));
	/* overlapping subnets and duplicate addresses, at the later WAN */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 ",{\"name\":\"wan2\","
			       "\"addressing\":{\"address\":\"198.18.1.3/16\",\"gateway\":"
			       "\"198.18.1.1\"}}]}", &lab_ctx), -EINVAL);
	assert_true(has("/wans/1/addressing/address",
			"subnet 198.18.0.0/16 overlaps the subnet 198.18.1.0/24 of "
			"/wans/0/addressing/address"));
	assert_true(has("/wans/1/addressing/address", "overlaps the LAN subnet"));
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 ",{\"name\":\"wan2\","
			       "\"addressing\":{\"address\":\"198.18.1.2/24\",\"gateway\":"
			       "\"198.18.1.1\"}}]}", NULL), -EINVAL);
	assert_int_equal(pr.errors, 1);
	assert_true(has("/wans/1/addressing/address",
			"duplicate address 198.18.1.2 (also /wans/0/addressing/address)"));
	/* a context with no WAN port at all */
	{
		struct dpw_doc_context c = { 0 };

		assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "]}", &c), -EINVAL);
		assert_true(has("/wans/0/name", "(WAN ports: none)"));
	}
	/* too many WANs */
	{
		char text[4096];
		size_t n = 0;
		int i;

		n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"version\":1,\"wans\":[");
		for (i = 0; i < DPW_MAX_WANS + 1; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%s{\"name\":\"w%d\",\"addressing\":{\"address\":"
					      "\"198.18.%d.2/24\",\"gateway\":\"198.18.%d.1\"}}",
					      i ? "," : "", i, i + 10, i + 10);
		snprintf(text + n, sizeof(text) - n, "]}");
		assert_int_equal(parse(text, NULL), -EINVAL);
		assert_int_equal(pr.errors, 1);
		assert_true(has("/wans", "9 WANs, at most 8"));
		text[0] = '\0';
	}
}

/* Every problem, not the first: errors in two WANs and at the top level together. */
static void
test_many_problems(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"version\":3,\"wans\":[{\"name\":\"wan1\",\"weight\":0,"
			       "\"mtu\":\"x\",\"enabled\":\"yes\",\"addressing\":{\"address\":"
			       "\"1.2.3.0/24\",\"gateway\":\"9.9.9.9\"}},{\"name\":\"wan-2\","
			       "\"mss\":1,\"addressing\":{\"mode\":\"dhcp\"}}],\"nat\":{}}",
			       &lab_ctx), -EINVAL);
	assert_int_equal(pr.errors, 8);
	assert_int_equal(pr.n, 8);
	assert_true(has("/nat", "issue 10"));
	assert_true(has("/version", "version 3"));
	assert_true(has("/wans/0/weight", "out of range"));
	assert_true(has("/wans/0/mtu", "must be an integer, not a string"));
	assert_true(has("/wans/0/enabled", "must be true or false, not a string"));
	assert_true(has("/wans/0/addressing/address", "network address"));
	assert_true(has("/wans/1/name", "invalid"));
	assert_true(has("/wans/1/mss", "out of range"));
	assert_int_equal(pr.warnings, 0);

	/* the list is bounded, the count is not */
	{
		char *text = malloc(64 * 1024);
		size_t n = 0;
		int i;

		assert_non_null(text);
		n += (size_t)sprintf(text, "{\"version\":1,\"wans\":[" WAN1 "]");
		for (i = 0; i < 100; i++)
			n += (size_t)sprintf(text + n, ",\"x%d\":%d", i, i);
		sprintf(text + n, "}");
		assert_int_equal(parse(text, NULL), -EINVAL);
		assert_int_equal(pr.n, DPW_DOC_MAX_PROBLEMS);
		assert_int_equal(pr.errors, 100);
		free(text);
	}
}

static void
test_canonical_hash(void **state)
{
	struct dpw_doc d2;
	uint8_t h1[DPW_DOC_HASH_LEN], h2[DPW_DOC_HASH_LEN];
	char hex[2 * DPW_DOC_HASH_LEN + 1], *c1, *c2;
	size_t n1, n2;

	(void)state;
	/* members in any order, defaults left out */
	assert_int_equal(parse("{\"wans\":[{\"addressing\":{\"gateway\":\"198.18.1.1\","
			       "\"address\":\"198.18.1.2/24\"},\"weight\":3,\"name\":\"wan1\"}],"
			       "\"version\":1}", &lab_ctx), 0);
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	assert_string_equal(c1, "{\"version\":1,\"wans\":[{\"name\":\"wan1\",\"enabled\":true,"
			    "\"forced_down\":false,\"weight\":3,\"mtu\":1440,\"mss\":\"auto\","
			    "\"priority\":1,\"independent\":false,\"on_failure\":{\"tcp\":\"reset\","
			    "\"udp\":\"move\"},\"addressing\":{\"mode\":\"static\",\"address\":"
			    "\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\",\"dns\":[]},\"health\":"
			    "{\"preset\":\"dpwan\",\"method\":\"ping\",\"targets\":[],\"port\":0,"
			    "\"size\":56,\"dns_query\":\"example.com\",\"http_match\":\"\","
			    "\"tls_verify\":true,\"interval_ms\":200,\"failure_interval_ms\":100,"
			    "\"recovery_interval_ms\":200,\"down_interval_ms\":1000,\"timeout_ms\":500,"
			    "\"count\":1,\"reliability\":1,\"window\":50,\"down\":3,\"up\":5,"
			    "\"up_max\":40,\"flap_window_ms\":60000,\"initial_state\":\"online\","
			    "\"monitor_only\":false,\"passive\":true,\"quality\":{\"enabled\":true,"
			    "\"min_probes\":10,\"latency_warn_ms\":150,\"latency_warn_clear_ms\":100,"
			    "\"latency_down_ms\":400,\"latency_down_clear_ms\":250,"
			    "\"loss_warn_pct\":5,\"loss_warn_clear_pct\":2,\"loss_down_pct\":20,"
			    "\"loss_down_clear_pct\":10}}}]}");
	assert_int_equal(n1, strlen(c1));
	/* a fixed point: parse(canonical(d)) == d, canonical of that == the same bytes */
	assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, &d2, &pr), 0);
	assert_memory_equal(&d2.wans[0], &doc.wans[0], sizeof(doc.wans[0]));
	assert_int_equal(d2.n_wans, doc.n_wans);
	c2 = dpw_doc_canonical(&d2, &n2);
	assert_non_null(c2);
	assert_int_equal(n1, n2);
	assert_memory_equal(c1, c2, n1);
	assert_int_equal(dpw_doc_hash(c1, n1, h1), 0);
	assert_int_equal(dpw_doc_hash(c2, n2, h2), 0);
	assert_memory_equal(h1, h2, sizeof(h1));
	free(c2);
	/* a different document hashes differently */
	doc.wans[0].weight = 4;
	c2 = dpw_doc_canonical(&doc, &n2);
	assert_int_equal(dpw_doc_hash(c2, n2, h2), 0);
	assert_memory_not_equal(h1, h2, sizeof(h1));
	free(c2);
	free(c1);
	/* SHA-256 of "abc" (FIPS 180-2) */
	assert_int_equal(dpw_doc_hash("abc", 3, h1), 0);
	assert_string_equal(dpw_doc_hash_hex(h1, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* mss as a number survives */
	assert_int_equal(one_wan("\"name\":\"wan1\",\"mss\":1300," ADDR1, &lab_ctx), 0);
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(strstr(c1, "\"mss\":1300,"));
	free(c1);
}

/* The same document in JSON and in YAML gives equal trees and equal structs. */
static void
test_json_yaml_equal(void **state)
{
	struct dpw_doc dj, dy;
	json_t *tj, *ty, *back;
	char err[256], *text, *yaml;
	json_error_t je;
	size_t len, ylen;

	(void)state;
	text = read_file(SRCDIR "/conf/lab-policy.yaml", &len);
	ty = dpw_yaml_load(text, len, DPW_DOC_MAX_BYTES, DPW_DOC_MAX_DEPTH, err, sizeof(err));
	assert_non_null(ty);
	free(text);
	tj = json_loads("{\"version\":1,\"wans\":[{\"name\":\"wan1\",\"enabled\":true,\"forced_down\""
			":false,\"weight\":1,\"mtu\":1440,\"mss\":\"auto\",\"priority\":1,\"on_failur"
			"e\":{\"tcp\":\"reset\",\"udp\":\"move\"},\"addressing\":{\"mode\":\"static\""
			",\"address\":\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\"},\"health\":{\"pre"
			"set\":\"dpwan\",\"method\":\"ping\",\"targets\":[\"198.19.0.10\"]}},{\"name"
			"\":\"wan2\",\"enabled\":true,\"forced_down\":false,\"weight\":1,\"mtu\":1440"
			",\"mss\":\"auto\",\"priority\":1,\"addressing\":{\"mode\":\"static\",\"addre"
			"ss\":\"198.18.2.2/24\",\"gateway\":\"198.18.2.1\"},\"health\":{\"preset\":\""
			"dpwan\",\"method\":\"ping\",\"targets\":[\"198.19.0.10\"]}}]}", 0, &je);
	assert_non_null(tj);
	assert_true(json_equal(tj, ty));
	assert_int_equal(dpw_doc_from_json(tj, &lab_ctx, &dj, &pr), 0);
	assert_int_equal(dpw_doc_from_json(ty, &lab_ctx, &dy, &pr), 0);
	assert_memory_equal(&dj, &dy, sizeof(dj));
	/* to_json -> YAML -> tree is the same tree, and decodes to the same struct */
	back = dpw_doc_to_json(&dj);
	assert_int_equal(dpw_doc_from_json(back, &lab_ctx, &dy, &pr), 0);
	assert_memory_equal(&dj, &dy, sizeof(dj));
	yaml = dpw_yaml_dump(back, &ylen);
	assert_non_null(yaml);
	assert_int_equal(dpw_doc_parse(yaml, ylen, DPW_DOC_YAML, &lab_ctx, &dy, &pr), 0);
	assert_memory_equal(&dj, &dy, sizeof(dj));
	free(yaml);
	json_decref(back);
	json_decref(tj);
	json_decref(ty);
}

static json_t *
jl(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);

	if (v == NULL)
		fprintf(stderr, "bad test JSON: %s\n", e.text);
	assert_non_null(v);
	return v;
}

static void
expect_diff(const char *a, const char *b, const char *want)
{
	json_t *ta = jl(a), *tb = jl(b), *d = dpw_doc_diff(ta, tb), *w = jl(want);
	char *got;

	assert_non_null(d);
	if (!json_equal(d, w)) {
		got = json_dumps(d, JSON_PRESERVE_ORDER | JSON_COMPACT);
		fprintf(stderr, "diff:\n got  %s\n want %s\n", got, want);
		free(got);
	}
	assert_true(json_equal(d, w));
	json_decref(ta);
	json_decref(tb);
	json_decref(d);
	json_decref(w);
}

static void
test_diff(void **state)
{
	(void)state;
	expect_diff("{\"a\":1}", "{\"a\":1}", "[]");
	expect_diff("{\"a\":1,\"b\":2}", "{\"b\":3,\"c\":4}",
		    "[{\"op\":\"remove\",\"path\":\"/a\",\"old\":1},"
		    "{\"op\":\"replace\",\"path\":\"/b\",\"old\":2,\"new\":3},"
		    "{\"op\":\"add\",\"path\":\"/c\",\"new\":4}]");
	expect_diff("{\"a/b\":{\"~\":1}}", "{\"a/b\":{\"~\":\"1\"}}",
		    "[{\"op\":\"replace\",\"path\":\"/a~1b/~0\",\"old\":1,\"new\":\"1\"}]");
	/* named elements match by name: inserting a WAN is one add */
	expect_diff("{\"wans\":[{\"name\":\"wan1\",\"w\":1},{\"name\":\"wan2\",\"w\":1}]}",
		    "{\"wans\":[{\"name\":\"wan0\",\"w\":5},{\"name\":\"wan1\",\"w\":1},"
		    "{\"name\":\"wan2\",\"w\":2}]}",
		    "[{\"op\":\"replace\",\"path\":\"/wans/2/w\",\"old\":1,\"new\":2},"
		    "{\"op\":\"add\",\"path\":\"/wans/0\",\"new\":{\"name\":\"wan0\",\"w\":5}}]");
	expect_diff("{\"wans\":[{\"name\":\"wan1\"},{\"name\":\"wan2\"}]}",
		    "{\"wans\":[{\"name\":\"wan2\"}]}",
		    "[{\"op\":\"remove\",\"path\":\"/wans/0\",\"old\":{\"name\":\"wan1\"}}]");
	/* other arrays element by element */
	expect_diff("[1,2,3]", "[1,5]",
		    "[{\"op\":\"replace\",\"path\":\"/1\",\"old\":2,\"new\":5},"
		    "{\"op\":\"remove\",\"path\":\"/2\",\"old\":3}]");
	expect_diff("[1]", "[1,[2]]", "[{\"op\":\"add\",\"path\":\"/1\",\"new\":[2]}]");
	expect_diff("{\"a\":[1]}", "{\"a\":{}}",
		    "[{\"op\":\"replace\",\"path\":\"/a\",\"old\":[1],\"new\":{}}]");
	expect_diff("1", "2", "[{\"op\":\"replace\",\"path\":\"\",\"old\":1,\"new\":2}]");
	/* 1 and 1.0 differ (the decoder refuses one of them) */
	expect_diff("[1]", "[1.0]", "[{\"op\":\"replace\",\"path\":\"/0\",\"old\":1,\"new\":1.0}]");

	/* two real documents: disabling wan2 is one replace */
	{
		struct dpw_doc d;
		json_t *a, *b, *df, *c;

		assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "," WAN2 "]}", &lab_ctx), 0);
		d = doc;
		a = dpw_doc_to_json(&d);
		d.wans[1].enabled = false;
		b = dpw_doc_to_json(&d);
		df = dpw_doc_diff(a, b);
		assert_int_equal(json_array_size(df), 1);
		c = json_array_get(df, 0);
		assert_string_equal(json_string_value(json_object_get(c, "op")), "replace");
		assert_string_equal(json_string_value(json_object_get(c, "path")),
				    "/wans/1/enabled");
		assert_true(json_is_true(json_object_get(c, "old")));
		assert_true(json_is_false(json_object_get(c, "new")));
		json_decref(a);
		json_decref(b);
		json_decref(df);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(dpw_doc_name_valid("wan1"));
	assert_true(dpw_doc_name_valid("A"));
	assert_true(dpw_doc_name_valid("abcdefghijklmno"));      /* 15 */
	assert_false(dpw_doc_name_valid("abcdefghijklmnop"));    /* 16 */
	assert_false(dpw_doc_name_valid(""));
	assert_false(dpw_doc_name_valid(NULL));
	assert_false(dpw_doc_name_valid("wan 1"));
	assert_false(dpw_doc_name_valid("wan.1"));
	assert_false(dpw_doc_name_valid("wän"));
}

static void
test_problem_add(void **state)
{
	char longpath[300];

	(void)state;
	dpw_doc_problems_init(&pr);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	dpw_doc_problem_add(&pr, false, longpath, "%s %d", "x", 5);
	dpw_doc_problem_add(&pr, true, NULL, "w");
	assert_int_equal(pr.n, 2);
	assert_int_equal(pr.errors, 1);
	assert_int_equal(pr.warnings, 1);
	assert_int_equal(strlen(pr.p[0].path), DPW_DOC_PATH_LEN - 1);
	assert_string_equal(pr.p[0].message, "x 5");
	assert_string_equal(pr.p[1].path, "");
	assert_true(pr.p[1].warning);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_members),
		cmocka_unit_test(test_wan_errors),
		cmocka_unit_test(test_addressing_errors),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_syntax_and_limits),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_many_problems),
		cmocka_unit_test(test_canonical_hash),
		cmocka_unit_test(test_json_yaml_equal),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_problem_add),
		cmocka_unit_test(test_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
