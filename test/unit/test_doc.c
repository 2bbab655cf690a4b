/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the network-policy document (lib/cfg/dpw_doc.c, dpw_doc_wans.c): the
 * shipped examples, defaults, every rule of the wans section with the exact path of its
 * problem, several problems at once, the system context, canonical JSON as a fixed
 * point, the hash, JSON and YAML giving equal trees, and the diff.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	dpw_doc_free(&doc);   /* the previous test's document owns its rules */
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
	dpw_doc_free(&doc);
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
	dpw_doc_free(&doc);
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
			"independent, upload_kbps, download_kbps, on_failure, addressing, health"));
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
			       "\"a/b~c\":1,\"nat\":{\"x\":1}}", &lab_ctx), -EINVAL);
	assert_int_equal(pr.errors, 3);
	assert_true(has("/nat/x", "unknown member 'x'; known members: mappings"));
	assert_true(has("/bogus", "unknown member 'bogus'; known members: version, wans, "
			"members, policies, rules, default_rule"));
	assert_true(has("/a~1b~0c", "unknown member"));   /* RFC 6901 */
	/* issue 10's sections are known now: empty ones are every default */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"firewall\":{}}", NULL), 0);
	assert_int_equal(doc.firewall.inbound_default, DPW_FW_DENY);
	/* issue 9's sections are known now: an empty lan is every default */
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"lan\":{}}", NULL), 0);
	assert_int_equal(parse("{\"version\":1,\"wans\":[" WAN1 "],\"lan\":{},\"dos\":{}}",
			       NULL), 0);
	assert_true(doc.dos.drop_invalid_tcp);
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
	dpw_doc_free(&doc);
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
			       "\"mss\":1,\"addressing\":{\"mode\":\"dhcp\"}}],\"nat\":[]}",
			       &lab_ctx), -EINVAL);
	assert_int_equal(pr.errors, 8);
	assert_int_equal(pr.n, 8);
	assert_true(has("/nat", "must be an object {mappings}, not an array"));
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
			    "\"priority\":1,\"independent\":false,\"upload_kbps\":1000000,"
			    "\"download_kbps\":1000000,\"on_failure\":{\"tcp\":\"reset\","
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
			    "\"loss_down_clear_pct\":10}},\"nat\":true,\"additional_addresses\":[]}],"
			    "\"members\":[],\"policies\":[],"
			    "\"rules\":[],\"default_rule\":{\"preset\":\"auto\",\"sticky\":false,"
			    "\"sticky_timeout\":600,\"when_unavailable\":\"drop\","
			    "\"terminate_on_recovery\":false},\"lan\":{\"dhcp\":{\"enabled\":true,"
			    "\"logging\":false,\"ranges\":[{\"start\":\"198.18.0.100\",\"end\":"
			    "\"198.18.0.199\"}],\"lease_time\":86400,\"dns\":[],\"domain\":\"lan\","
			    "\"ntp\":[],\"options\":[],\"reservations\":[]},\"dns\":{\"enabled\":true,"
			    "\"caching\":true,\"cache_size\":10000,\"resolvers\":[]}},"
			    "\"dns_records\":[],\"domain_lookup\":[],"
			    "\"services\":[],\"nat\":{\"mappings\":[]},\"firewall\":{\"outbound_default\":"
			    "\"allow\",\"inbound_default\":\"deny\",\"log_rate\":10,\"outbound\":[],"
			    "\"inbound\":[]},\"dos\":{\"syn_rate_per_source\":200,\"syn_rate_global\":"
			    "20000,\"max_sessions_per_host\":0,\"max_sessions_per_wan_address\":0,"
			    "\"drop_invalid_tcp\":true}}");
	assert_int_equal(n1, strlen(c1));
	/* a fixed point: parse(canonical(d)) == d, canonical of that == the same bytes */
	assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, &d2, &pr), 0);
	assert_memory_equal(&d2.wans[0], &doc.wans[0], sizeof(doc.wans[0]));
	assert_int_equal(d2.n_wans, doc.n_wans);
	c2 = dpw_doc_canonical(&d2, &n2);
	dpw_doc_free(&d2);
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
			"dpwan\",\"method\":\"ping\",\"targets\":[\"198.19.0.10\"]}}],\"lan\":{"
			"\"dhcp\":{\"enabled\":true,\"logging\":false,\"ranges\":[{\"start\":"
			"\"198.18.0.100\",\"end\":\"198.18.0.199\"}],\"lease_time\":86400,\"dns\""
			":[],\"domain\":\"lan\",\"ntp\":[],\"options\":[],\"reservations\":[]},"
			"\"dns\":{\"enabled\":true,\"caching\":true,\"cache_size\":10000,"
			"\"resolvers\":[]}},\"dns_records\":[],\"domain_lookup\":[]}", 0, &je);
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
	dpw_doc_free(&dj);
	dpw_doc_free(&dy);
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

/* ---- issue 8: members, policies, rules, the default rule ------------------------------ */

/* Two WANs (wan2 of weight 2) in YAML flow style; the sections of a test follow. */
#define YWANS "version: 1\n" \
	"wans: [{name: wan1, addressing: {address: 198.18.1.2/24, gateway: 198.18.1.1}},\n" \
	"  {name: wan2, weight: 2, addressing: {address: 198.18.2.2/24, gateway: 198.18.2.1}}]\n"
#define YMEMBERS "members: [{name: m1, wan: wan1, metric: 1, weight: 3}, " \
	"{name: m2, wan: wan2, metric: 2, weight: 2}, {name: m3, wan: wan2}]\n"
#define YPOLICY "policies: [{name: p, algorithm: weighted, wans: [wan1, wan2]}]\n"

static int
ydoc(const char *sections)
{
	size_t n = strlen(YWANS) + strlen(sections) + 2;
	char *text = malloc(n);
	int rc;

	assert_non_null(text);
	snprintf(text, n, "%s%s\n", YWANS, sections);
	dpw_doc_free(&doc);
	rc = dpw_doc_parse(text, strlen(text), DPW_DOC_YAML, &lab_ctx, &doc, &pr);
	free(text);
	return rc;
}

/* Valid, without a problem of any kind. */
static void
yok(const char *sections)
{
	int rc = ydoc(sections);

	if (rc != 0 || pr.n != 0) {
		fprintf(stderr, "document:\n%s\n", sections);
		dump_problems();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(pr.n, 0);
}

/* Exactly one error, at path, saying sub (warnings aside). */
static void
yerr(const char *sections, const char *path, const char *sub)
{
	int rc = ydoc(sections);

	if (rc != -EINVAL || pr.errors != 1) {
		fprintf(stderr, "document:\n%s\n", sections);
		dump_problems();
	}
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(pr.errors, 1);
	assert_true(has(path, sub));
}

/* A rule "r" with the given members (and policy p unless the members say otherwise). */
static const char *
rule(const char *members)
{
	static char text[4096];

	snprintf(text, sizeof(text), YPOLICY "rules: [{name: r%s%s%s}]", members[0] ? ", " : "",
		 members, strstr(members, "algorithm:") || strstr(members, "policy:") ? "" :
		 ", policy: p");
	return text;
}

static void
test_wan_bandwidth(void **state)
{
	(void)state;
	yok("");
	assert_int_equal(doc.wans[0].upload_kbps, DPW_BANDWIDTH_DEFAULT);
	assert_int_equal(doc.wans[1].download_kbps, DPW_BANDWIDTH_DEFAULT);
	assert_int_equal(one_wan("\"name\":\"wan1\",\"upload_kbps\":1,\"download_kbps\":100000000,"
				 ADDR1, &lab_ctx), 0);
	assert_int_equal(doc.wans[0].upload_kbps, 1);
	assert_int_equal(doc.wans[0].download_kbps, 100000000);
	expect_one_error("\"name\":\"wan1\",\"upload_kbps\":0," ADDR1, "/wans/0/upload_kbps",
			 "upload_kbps 0 is out of range 1..100000000");
	expect_one_error("\"name\":\"wan1\",\"download_kbps\":100000001," ADDR1,
			 "/wans/0/download_kbps", "out of range 1..100000000");
	expect_one_error("\"name\":\"wan1\",\"download_kbps\":\"1G\"," ADDR1,
			 "/wans/0/download_kbps", "must be an integer, not a string");
}

static void
test_members(void **state)
{
	(void)state;
	yok(YMEMBERS);
	assert_int_equal(doc.n_members, 3);
	assert_string_equal(doc.members[0].name, "m1");
	assert_int_equal(doc.members[0].wan, 0);
	assert_int_equal(doc.members[0].metric, 1);
	assert_int_equal(doc.members[0].weight, 3);
	assert_int_equal(doc.members[1].wan, 1);
	assert_int_equal(doc.members[1].metric, 2);
	assert_int_equal(doc.members[1].weight, 2);
	/* mwan3's defaults: metric 1, weight 1 (not the WAN's weight) */
	assert_int_equal(doc.members[2].metric, 1);
	assert_int_equal(doc.members[2].weight, 1);
	yok("members: []");
	assert_int_equal(doc.n_members, 0);

	yerr("members: [{wan: wan1}]", "/members/0", "'name' is required");
	yerr("members: [{name: m-1, wan: wan1}]", "/members/0/name", "name 'm-1' is invalid");
	yerr("members: [{name: m1}]", "/members/0", "'wan' is required");
	yerr("members: [{name: m1, wan: wan9}]", "/members/0/wan",
	     "no WAN 'wan9' in this document (WANs: wan1, wan2)");
	yerr("members: [{name: m1, wan: 1}]", "/members/0/wan", "must be a string");
	yerr("members: [{name: m1, wan: wan1, metric: 0}]", "/members/0/metric",
	     "metric 0 is out of range 1..256");
	yerr("members: [{name: m1, wan: wan1, metric: 257}]", "/members/0/metric", "1..256");
	yerr("members: [{name: m1, wan: wan1, weight: 1001}]", "/members/0/weight", "1..1000");
	yerr("members: [{name: m1, wan: wan1, interface: wan1}]", "/members/0/interface",
	     "unknown member 'interface'; known members: name, wan, metric, weight");
	yerr("members: {name: m1}", "/members", "must be an array of members, not an object");
	yerr("members: [m1]", "/members/0", "must be an object (a member), not a string");
	yerr("members: [{name: m1, wan: wan1}, {name: m1, wan: wan2}]", "/members/1/name",
	     "duplicate name 'm1' (also /members/0/name)");
}

static void
test_policies_members(void **state)
{
	const struct dpw_doc_policy *p;

	(void)state;
	yok(YMEMBERS "policies: [{name: wan1_wan2, members: [m1, m2]},"
	    " {name: p2, members: [m3], algorithm: metric, last_resort: blackhole},"
	    " {name: p3, members: [m1], last_resort: default},"
	    " {name: p4, members: [m1], last_resort: unreachable}]");
	assert_int_equal(doc.n_policies, 4);
	p = dpw_doc_policy_find(&doc, "wan1_wan2");
	assert_ptr_equal(p, &doc.policies[0]);
	assert_ptr_equal(dpw_doc_policy_find(&doc, "p3"), &doc.policies[2]);
	assert_null(dpw_doc_policy_find(&doc, "nope"));
	assert_int_equal(p->n_members, 2);
	assert_int_equal(p->member[0], 0);
	assert_int_equal(p->member[1], 1);
	assert_int_equal(p->pick.algorithm, DPW_LB_METRIC);
	assert_int_equal(p->pick.n, 2);
	assert_int_equal(p->pick.c[0].wan, 0);
	assert_int_equal(p->pick.c[0].metric, 1);
	assert_int_equal(p->pick.c[0].weight, 3);
	assert_int_equal(p->pick.c[1].wan, 1);
	assert_int_equal(p->pick.c[1].metric, 2);
	assert_int_equal(p->pick.c[1].weight, 2);
	assert_int_equal(p->last_resort, DPW_FB_UNREACHABLE);
	assert_int_equal(doc.policies[1].last_resort, DPW_FB_DROP);
	assert_int_equal(doc.policies[1].pick.c[0].wan, 1);
	assert_int_equal(doc.policies[1].pick.c[0].weight, 1);
	assert_int_equal(doc.policies[2].last_resort, DPW_FB_DEFAULT);
	assert_int_equal(doc.policies[3].last_resort, DPW_FB_UNREACHABLE);

	yerr(YMEMBERS "policies: [{name: p, members: [m1, m9]}]", "/policies/0/members/1",
	     "no member 'm9' in /members");
	yerr(YMEMBERS "policies: [{name: p, members: [m2, m1, m3]}]", "/policies/0/members/2",
	     "member 'm3' is WAN 'wan2', which member 'm2' (/policies/0/members/0) puts in this "
	     "policy already");
	yerr(YMEMBERS "policies: [{name: p, members: []}]", "/policies/0/members",
	     "at least one member");
	yerr(YMEMBERS "policies: [{name: p, members: m1}]", "/policies/0/members",
	     "must be an array of member names, not a string");
	yerr(YMEMBERS "policies: [{name: p, members: [[m1]]}]", "/policies/0/members/0",
	     "must be a member name, not an array");
	yerr(YMEMBERS "policies: [{name: p, members: [m1], algorithm: weighted}]",
	     "/policies/0/algorithm", "a policy of members chooses by metric (mwan3)");
	yerr(YMEMBERS "policies: [{name: p, members: [m1], wans: [wan1]}]", "/policies/0/wans",
	     "'members' (mwan3) or 'wans' (its own algorithm), not both");
	yerr(YMEMBERS "policies: [{name: p, members: [m1], persistence: source}]",
	     "/policies/0/persistence", "persistence only");
	yerr(YMEMBERS "policies: [{name: p, members: [m1], last_resort: drop}]",
	     "/policies/0/last_resort",
	     "last_resort 'drop' is unknown: unreachable, blackhole or default");
	yerr(YMEMBERS "policies: [{name: p}]", "/policies/0",
	     "a policy needs 'members' (mwan3) or 'algorithm' and 'wans'");
	yerr(YMEMBERS "policies: [{members: [m1]}]", "/policies/0", "'name' is required");
	yerr(YMEMBERS "policies: [{name: p, members: [m1], use_member: [m1]}]",
	     "/policies/0/use_member", "unknown member 'use_member'");
	yerr("policies: 5", "/policies", "must be an array of policies, not an integer");
	yerr("policies: [5]", "/policies/0", "must be an object (a policy), not an integer");
}

static void
test_policies_algorithms(void **state)
{
	static const char *const algos[] = {
		"metric", "weighted", "persistence", "enforced", "priority", "overflow",
		"least_used", "lowest_latency", "fastest_response",
	};
	const struct dpw_doc_pick *pk = &doc.policies[0].pick;
	char text[512];
	unsigned int i;

	(void)state;
	assert_int_equal(sizeof(algos) / sizeof(algos[0]), DPW_LB_MAX);
	for (i = 0; i < DPW_LB_MAX; i++) {
		assert_string_equal(dpw_lb_algo_str(i), algos[i]);
		snprintf(text, sizeof(text), "policies: [{name: p, algorithm: %s, wans: [%s]}]",
			 algos[i], i == DPW_LB_ENFORCED ? "wan2" : "wan2, wan1");
		yok(text);
		assert_int_equal(doc.policies[0].n_members, 0);
		assert_int_equal(pk->algorithm, i);
		assert_int_equal(pk->n, i == DPW_LB_ENFORCED ? 1 : 2);
		assert_int_equal(pk->c[0].wan, 1);
		assert_int_equal(pk->c[0].weight, 2);   /* the WAN's weight by default */
		assert_int_equal(pk->c[0].metric, 1);
		assert_int_equal(pk->persist, DPW_PERSIST_SOURCE);
		assert_int_equal(doc.policies[0].last_resort, DPW_FB_UNREACHABLE);
		if (i != DPW_LB_ENFORCED) {
			assert_int_equal(pk->c[1].wan, 0);
			assert_int_equal(pk->c[1].weight, 1);
		}
	}
	assert_string_equal(dpw_lb_algo_str(DPW_LB_MAX), "unknown");
	yok("policies: [{name: p, algorithm: metric, wans: [{wan: wan1, metric: 2, weight: 7},"
	    " {wan: wan2}]}]");
	assert_int_equal(pk->c[0].metric, 2);
	assert_int_equal(pk->c[0].weight, 7);
	assert_int_equal(pk->c[1].metric, 1);
	assert_int_equal(pk->c[1].weight, 2);
	yok("policies: [{name: p, algorithm: persistence, persistence: destination,"
	    " wans: [wan1, {wan: wan2, weight: 5}]}]");
	assert_int_equal(pk->persist, DPW_PERSIST_DESTINATION);
	assert_int_equal(pk->c[1].weight, 5);
	yok("policies: [{name: p, algorithm: persistence, persistence: source, wans: [wan1]}]");
	assert_int_equal(pk->persist, DPW_PERSIST_SOURCE);

	yerr("policies: [{name: p, algorithm: random, wans: [wan1]}]", "/policies/0/algorithm",
	     "algorithm 'random' is unknown: metric, weighted, persistence, enforced, priority, "
	     "overflow, least_used, lowest_latency, fastest_response");
	yerr("policies: [{name: p, algorithm: weighted}]", "/policies/0",
	     "algorithm weighted needs 'wans'");
	yerr("policies: [{name: p, algorithm: weighted, wans: []}]", "/policies/0/wans",
	     "at least one WAN");
	yerr("policies: [{name: p, algorithm: weighted, wans: wan1}]", "/policies/0/wans",
	     "must be an array of WANs, not a string");
	yerr("policies: [{name: p, algorithm: weighted, wans: [wan1, wan2, wan1]}]",
	     "/policies/0/wans/2", "WAN 'wan1' is in this list already (/policies/0/wans/0)");
	yerr("policies: [{name: p, algorithm: weighted, wans: [wan2, {wan: wan2}]}]",
	     "/policies/0/wans/1", "WAN 'wan2' is in this list already (/policies/0/wans/0)");
	yerr("policies: [{name: p, algorithm: weighted, wans: [wan3]}]", "/policies/0/wans/0",
	     "no WAN 'wan3' in this document");
	yerr("policies: [{name: p, algorithm: weighted, wans: [{wan: wan3}]}]",
	     "/policies/0/wans/0/wan", "no WAN 'wan3'");
	yerr("policies: [{name: p, algorithm: weighted, wans: [{weight: 2}]}]",
	     "/policies/0/wans/0", "'wan' is required");
	yerr("policies: [{name: p, algorithm: weighted, wans: [{wan: wan1, weight: 0}]}]",
	     "/policies/0/wans/0/weight", "weight 0 is out of range 1..1000");
	yerr("policies: [{name: p, algorithm: weighted, wans: [{wan: wan1, metric: 2}]}]",
	     "/policies/0/wans/0/metric", "metric is for algorithm metric only, not weighted");
	yerr("policies: [{name: p, algorithm: metric, wans: [{wan: wan1, metric: 300}]}]",
	     "/policies/0/wans/0/metric", "1..256");
	yerr("policies: [{name: p, algorithm: weighted, wans: [{wan: wan1, mtu: 2}]}]",
	     "/policies/0/wans/0/mtu", "known members: wan, weight, metric");
	yerr("policies: [{name: p, algorithm: weighted, wans: [7]}]", "/policies/0/wans/0",
	     "must be a WAN name or an object {wan, weight, metric}, not an integer");
	yerr("policies: [{name: p, algorithm: enforced, wans: [wan1, wan2]}]",
	     "/policies/0/wans", "algorithm enforced takes exactly one WAN, not 2");
	yerr("policies: [{name: p, algorithm: weighted, persistence: source, wans: [wan1]}]",
	     "/policies/0/persistence", "persistence is for algorithm persistence only, not "
	     "weighted");
	yerr("policies: [{name: p, algorithm: persistence, persistence: host, wans: [wan1]}]",
	     "/policies/0/persistence", "persistence 'host' is unknown: source or destination");
	yerr("policies: [{name: p, algorithm: 5, wans: [wan1]}]", "/policies/0/algorithm",
	     "must be a string, not an integer");
	assert_int_equal(ydoc("policies: [{name: p, algorithm: weighted, wans: [wan1, wan2, wan1,"
			      " wan2, wan1, wan2, wan1, wan2, wan1]}]"), -EINVAL);
	assert_true(has("/policies/0/wans", "9 WANs, at most 8"));
}

static void
test_rules_match(void **state)
{
	const struct dpw_doc_rule *r;
	const struct dpw_doc_match *m;
	char text[1024], dom[200];

	(void)state;
	yok(rule(""));
	assert_int_equal(doc.n_rules, 1);
	r = &doc.rules[0];
	m = &r->match;
	assert_string_equal(r->name, "r");
	assert_true(r->enabled);
	assert_int_equal(m->proto, 0);
	assert_int_equal(m->family, DPW_FAMILY_ALL);
	assert_false(m->has_src_mac);
	assert_int_equal(m->n_src + m->n_dst + m->n_sport + m->n_dport + m->n_domains, 0);
	assert_int_equal(r->action.policy, 0);
	assert_int_equal(r->action.when_unavailable, DPW_FB_LAST_RESORT);
	assert_false(r->action.sticky);
	assert_int_equal(r->action.sticky_timeout_s, DPW_STICKY_TIMEOUT_DEFAULT);
	assert_false(r->action.terminate_on_recovery);

	yok(rule("enabled: false"));
	assert_false(doc.rules[0].enabled);
	/* proto by name or number, family */
	yok(rule("proto: tcp"));
	assert_int_equal(doc.rules[0].match.proto, 6);
	yok(rule("proto: udp, family: ipv4"));
	assert_int_equal(doc.rules[0].match.proto, 17);
	assert_int_equal(doc.rules[0].match.family, DPW_FAMILY_IPV4);
	yok(rule("proto: icmp, family: all"));
	assert_int_equal(doc.rules[0].match.proto, 1);
	yok(rule("proto: all"));
	assert_int_equal(doc.rules[0].match.proto, 0);
	yok(rule("proto: 47"));
	assert_int_equal(doc.rules[0].match.proto, 47);
	yerr(rule("proto: sctp"), "/rules/0/proto", "proto 'sctp' is unknown: tcp, udp, icmp, "
	     "all or a protocol number 0..255");
	yerr(rule("proto: 256"), "/rules/0/proto", "proto 256 is out of range 0..255");
	yerr(rule("proto: [tcp]"), "/rules/0/proto", "must be a protocol name or number, not "
	     "an array");
	yerr(rule("family: inet"), "/rules/0/family", "family 'inet' is unknown: ipv4, ipv6 or "
	     "all");

	/* addresses and networks: one, a comma list (mwan3), an array of either */
	yok(rule("src: 198.18.0.10, dst: 198.19.0.0/16"));
	m = &doc.rules[0].match;
	assert_int_equal(m->n_src, 1);
	assert_int_equal(m->src[0].addr, 0xc612000a);
	assert_int_equal(m->src[0].prefixlen, 32);
	assert_int_equal(m->n_dst, 1);
	assert_int_equal(m->dst[0].addr, 0xc6130000);
	assert_int_equal(m->dst[0].prefixlen, 16);
	yok(rule("dst: '1.1.1.1,2.2.2.0/24, 3.3.3.3'"));
	assert_int_equal(doc.rules[0].match.n_dst, 3);
	assert_int_equal(doc.rules[0].match.dst[1].addr, 0x02020200);
	assert_int_equal(doc.rules[0].match.dst[1].prefixlen, 24);
	yok(rule("src: [1.1.1.1, '2.2.2.2,3.3.3.3'], dst: 0.0.0.0/0"));
	assert_int_equal(doc.rules[0].match.n_src, 3);
	assert_int_equal(doc.rules[0].match.dst[0].prefixlen, 0);
	yerr(rule("src: 198.18.0.1/24"), "/rules/0/src", "198.18.0.1/24 has host bits set under "
	     "its mask: the network is 198.18.0.0/24");
	yerr(rule("dst: [1.1.1.1, 1.1.1.300]"), "/rules/0/dst/1", "'1.1.1.300' is not an IPv4 "
	     "address or network (a.b.c.d or a.b.c.d/n)");
	yerr(rule("dst: '1.1.1.1,,2.2.2.2'"), "/rules/0/dst", "'' is not an IPv4 address");
	yerr(rule("dst: '::/0'"), "/rules/0/dst", "'::/0' is not an IPv4 address");
	yerr(rule("dst: 1.1.1.1/33"), "/rules/0/dst", "is not an IPv4 address");
	yerr(rule("dst: 5"), "/rules/0/dst", "must be an address or network string or an array "
	     "of them, not an integer");
	yerr(rule("dst: [5]"), "/rules/0/dst/0", "must be a string (a.b.c.d or a.b.c.d/n), not "
	     "an integer");
	yerr(rule("src: '1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,"
		  "1.0.0.9'"), "/rules/0/src", "more than 8 addresses or networks in src");
	yerr(rule("src: [1.0.0.1, 1.0.0.2, 1.0.0.3, 1.0.0.4, 1.0.0.5, 1.0.0.6, 1.0.0.7, 1.0.0.8,"
		  " 1.0.0.9]"), "/rules/0/src/8", "more than 8");

	/* source MAC */
	yok(rule("src_mac: 'AA:bb:cc:dd:ee:0f'"));
	m = &doc.rules[0].match;
	assert_true(m->has_src_mac);
	assert_memory_equal(m->src_mac, "\xaa\xbb\xcc\xdd\xee\x0f", 6);
	yerr(rule("src_mac: 'aa:bb:cc:dd:ee'"), "/rules/0/src_mac", "src_mac 'aa:bb:cc:dd:ee' "
	     "is not a MAC address aa:bb:cc:dd:ee:ff");
	yerr(rule("src_mac: 'aa-bb-cc-dd-ee-ff'"), "/rules/0/src_mac", "not a MAC address");
	yerr(rule("src_mac: 'aa:bb:cc:dd:ee:ff:00'"), "/rules/0/src_mac", "not a MAC address");

	/* ports: an integer, a string, a range, a list, an array of those */
	yok(rule("proto: tcp, dst_port: 443"));
	m = &doc.rules[0].match;
	assert_int_equal(m->n_dport, 1);
	assert_int_equal(m->dport[0].lo, 443);
	assert_int_equal(m->dport[0].hi, 443);
	yok(rule("proto: tcp, dst_port: '443', src_port: 1000-2000"));
	assert_int_equal(doc.rules[0].match.dport[0].lo, 443);
	assert_int_equal(doc.rules[0].match.sport[0].lo, 1000);
	assert_int_equal(doc.rules[0].match.sport[0].hi, 2000);
	yok(rule("proto: udp, dst_port: '80,443, 8000-8090'"));
	m = &doc.rules[0].match;
	assert_int_equal(m->n_dport, 3);
	assert_int_equal(m->dport[2].lo, 8000);
	assert_int_equal(m->dport[2].hi, 8090);
	yok(rule("proto: udp, dst_port: [80, '443', '1000-1100,2000'], src_port: 0-65535"));
	assert_int_equal(doc.rules[0].match.n_dport, 4);
	assert_int_equal(doc.rules[0].match.dport[3].lo, 2000);
	assert_int_equal(doc.rules[0].match.sport[0].hi, 65535);
	yerr(rule("proto: tcp, dst_port: 2000-1000"), "/rules/0/dst_port", "range 2000-1000: the "
	     "first port is above the last");
	yerr(rule("proto: tcp, dst_port: 65536"), "/rules/0/dst_port", "port 65536 is out of "
	     "range 0..65535");
	yerr(rule("proto: tcp, dst_port: '1-70000'"), "/rules/0/dst_port", "out of range");
	yerr(rule("proto: tcp, dst_port: -1"), "/rules/0/dst_port", "port -1 is out of range");
	yerr(rule("proto: tcp, dst_port: [80, http]"), "/rules/0/dst_port/1", "'http' is not a "
	     "port or a range lo-hi");
	yerr(rule("proto: tcp, dst_port: '1-'"), "/rules/0/dst_port", "'1-' is not a port");
	yerr(rule("proto: tcp, dst_port: '1,2,3,4,5,6,7,8,9'"), "/rules/0/dst_port",
	     "more than 8 ports or ranges in dst_port");
	yerr(rule("proto: tcp, dst_port: true"), "/rules/0/dst_port", "must be a port, a range "
	     "string or an array of them, not a boolean");
	yerr(rule("proto: tcp, dst_port: [[1]]"), "/rules/0/dst_port/0", "must be a port or a "
	     "range string, not an array");
	yerr(rule("dst_port: 443"), "/rules/0/dst_port", "ports need proto tcp or udp, not all");
	yerr(rule("proto: icmp, src_port: 443"), "/rules/0/src_port", "ports need proto tcp or "
	     "udp, not icmp");
	yerr(rule("proto: 47, src_port: 443"), "/rules/0/src_port", "ports need proto tcp or udp");

	/* Peplink's domain patterns */
	yok(rule("dst_domain: Foo.Example.COM"));
	m = &doc.rules[0].match;
	assert_int_equal(m->n_domains, 1);
	assert_string_equal(m->domain[0], "foo.example.com");
	yok(rule("dst_domain: ['*.example.com', 'foo.*', b_c-d.org, x]"));
	m = &doc.rules[0].match;
	assert_int_equal(m->n_domains, 4);
	assert_string_equal(m->domain[0], "example.com");
	assert_string_equal(m->domain[1], "foo.*");
	assert_string_equal(m->domain[2], "b_c-d.org");
	assert_string_equal(m->domain[3], "x");
	yerr(rule("dst_domain: 'f*o.com'"), "/rules/0/dst_domain", "domain 'f*o.com' has a "
	     "wildcard where Peplink takes none: only a leading '*.' or a trailing '.*' (placing "
	     "wildcards in any other position is not supported)");
	yerr(rule("dst_domain: '*'"), "/rules/0/dst_domain", "has a wildcard where");
	yerr(rule("dst_domain: 'foo.*.com'"), "/rules/0/dst_domain", "has a wildcard where");
	yerr(rule("dst_domain: '*foo.com'"), "/rules/0/dst_domain", "has a wildcard where");
	yerr(rule("dst_domain: '*.*'"), "/rules/0/dst_domain", "has a wildcard where");
	yerr(rule("dst_domain: 'foo..com'"), "/rules/0/dst_domain", "has an empty label");
	yerr(rule("dst_domain: 'foo.com.'"), "/rules/0/dst_domain", "has an empty label");
	yerr(rule("dst_domain: '*.'"), "/rules/0/dst_domain", "is empty");
	yerr(rule("dst_domain: 'foo bar.com'"), "/rules/0/dst_domain", "has a character other "
	     "than letters, digits, '-', '_' and '.'");
	yerr(rule("dst_domain: [a.com, 'b..com']"), "/rules/0/dst_domain/1", "empty label");
	yerr(rule("dst_domain: [a.com, 7]"), "/rules/0/dst_domain/1", "must be a domain name, "
	     "not an integer");
	yerr(rule("dst_domain: [a.com, b.com, c.com, d.com, e.com]"), "/rules/0/dst_domain",
	     "5 domains, at most 4");
	yerr(rule("dst_domain: 7"), "/rules/0/dst_domain", "must be a domain name or an array of "
	     "them, not an integer");
	memset(dom, 'a', 70);
	snprintf(dom + 70, sizeof(dom) - 70, ".com");
	snprintf(text, sizeof(text), "dst_domain: %s", dom);
	yerr(rule(text), "/rules/0/dst_domain", "has a label longer than 63 characters");
	memset(dom, 'a', 128);
	for (int i = 10; i < 128; i += 11)
		dom[i] = '.';
	dom[128] = '\0';
	snprintf(text, sizeof(text), "dst_domain: %s", dom);
	yerr(rule(text), "/rules/0/dst_domain", "is too long (at most 127 characters)");
	dom[127] = '\0';
	snprintf(text, sizeof(text), "dst_domain: %s", dom);
	yok(rule(text));
}

static void
test_rules_action(void **state)
{
	static const struct {
		const char *name;
		uint8_t f;
	} whens[] = {
		{ "last_resort", DPW_FB_LAST_RESORT }, { "drop", DPW_FB_DROP },
		{ "blackhole", DPW_FB_DROP }, { "unreachable", DPW_FB_UNREACHABLE },
		{ "default", DPW_FB_DEFAULT }, { "any", DPW_FB_ANY },
		{ "fall_through", DPW_FB_FALL_THROUGH },
	};
	const struct dpw_doc_action *a;
	char text[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(whens) / sizeof(whens[0]); i++) {
		snprintf(text, sizeof(text), "when_unavailable: %s", whens[i].name);
		yok(rule(text));
		assert_int_equal(doc.rules[0].action.when_unavailable, whens[i].f);
		if (whens[i].f == DPW_FB_LAST_RESORT)
			continue;
		snprintf(text, sizeof(text), "algorithm: weighted, wans: [wan1], "
			 "when_unavailable: %s", whens[i].name);
		yok(rule(text));
		assert_int_equal(doc.rules[0].action.when_unavailable, whens[i].f);
	}
	for (i = 0; i < DPW_FB_MAX; i++)
		assert_string_not_equal(dpw_fallback_str(i), "unknown");
	assert_string_equal(dpw_fallback_str(DPW_FB_FALL_THROUGH), "fall_through");
	assert_string_equal(dpw_fallback_str(DPW_FB_MAX), "unknown");

	/* an own algorithm: drop by default (Peplink) */
	yok(rule("algorithm: priority, wans: [wan2, wan1]"));
	a = &doc.rules[0].action;
	assert_int_equal(a->policy, -1);
	assert_int_equal(a->pick.algorithm, DPW_LB_PRIORITY);
	assert_int_equal(a->pick.n, 2);
	assert_int_equal(a->pick.c[0].wan, 1);
	assert_int_equal(a->when_unavailable, DPW_FB_DROP);
	yok(rule("algorithm: persistence, persistence: destination, wans: [wan1], sticky: true, "
		 "sticky_timeout: 86400, terminate_on_recovery: true"));
	a = &doc.rules[0].action;
	assert_int_equal(a->pick.persist, DPW_PERSIST_DESTINATION);
	assert_true(a->sticky);
	assert_int_equal(a->sticky_timeout_s, 86400);
	assert_true(a->terminate_on_recovery);
	yok(rule("sticky_timeout: 1"));
	assert_int_equal(doc.rules[0].action.sticky_timeout_s, 1);

	yerr("rules: [{name: r}]", "/rules/0", "needs policy or algorithm");
	yerr(rule("policy: p, algorithm: weighted, wans: [wan1]"), "/rules/0",
	     "either 'policy' or an own 'algorithm', not both");
	yerr(rule("policy: nope"), "/rules/0/policy", "no policy 'nope' in /policies");
	yerr(rule("policy: 1"), "/rules/0/policy", "must be a string, not an integer");
	yerr(rule("policy: p, wans: [wan1]"), "/rules/0/wans", "with a policy the WANs are the "
	     "policy's");
	yerr(rule("policy: p, persistence: source"), "/rules/0/persistence", "not to a policy");
	yerr(rule("wans: [wan1]"), "/rules/0/wans", "'wans' belong to an own algorithm");
	yerr(rule("algorithm: weighted, wans: [wan1], when_unavailable: last_resort"),
	     "/rules/0/when_unavailable", "last_resort is a policy's: without a policy say "
	     "drop, unreachable, default, any or fall_through");
	yerr(rule("when_unavailable: retry"), "/rules/0/when_unavailable", "when_unavailable "
	     "'retry' is unknown: last_resort, drop, unreachable, default, any or fall_through");
	yerr(rule("sticky_timeout: 0"), "/rules/0/sticky_timeout", "sticky_timeout 0 is out of "
	     "range 1..86400");
	yerr(rule("sticky_timeout: 86401"), "/rules/0/sticky_timeout", "1..86400");
	yerr(rule("sticky: 1"), "/rules/0/sticky", "must be true or false, not an integer");
	yerr(rule("terminate_on_recovery: yes"), "/rules/0/terminate_on_recovery",
	     "must be true or false");
	yerr(rule("enabled: 0"), "/rules/0/enabled", "must be true or false");
	yerr(rule("algorithm: enforced, wans: [wan1, wan2]"), "/rules/0/wans",
	     "algorithm enforced takes exactly one WAN, not 2");
	yerr(rule("algorithm: weighted, wans: [wan1, wan7]"), "/rules/0/wans/1", "no WAN 'wan7'");
	yerr(rule("use_policy: p, policy: p"), "/rules/0/use_policy",
	     "unknown member 'use_policy'");
	yerr("rules: [{policy: p}]\n" YPOLICY, "/rules/0", "'name' is required");
	yerr("rules: {}", "/rules", "must be an array of rules, not an object");
	yerr("rules: [[]]", "/rules/0", "must be an object (a rule), not an array");
}

static void
test_rules_shadow(void **state)
{
	(void)state;
	assert_int_equal(ydoc(YPOLICY "rules: [{name: web, proto: tcp, policy: p},"
			      " {name: https, proto: tcp, dst_port: 443, policy: p}]"), 0);
	assert_int_equal(pr.errors, 0);
	assert_int_equal(pr.warnings, 1);
	assert_true(has("/rules/1", "can never match: rule 'web' (/rules/0) above covers it"));
	assert_true(pr.p[0].warning);
	/* the earlier rule passes what it cannot place on: no warning */
	yok(YPOLICY "rules: [{name: web, proto: tcp, policy: p, when_unavailable: fall_through},"
	    " {name: https, proto: tcp, dst_port: 443, policy: p}]");
	/* nor when it matches by domain, is disabled, or the later one is disabled */
	yok(YPOLICY "rules: [{name: web, proto: tcp, dst_domain: example.com, policy: p},"
	    " {name: https, proto: tcp, dst_port: 443, policy: p}]");
	yok(YPOLICY "rules: [{name: web, enabled: false, proto: tcp, policy: p},"
	    " {name: https, proto: tcp, dst_port: 443, policy: p}]");
	yok(YPOLICY "rules: [{name: web, proto: tcp, policy: p},"
	    " {name: https, enabled: false, proto: tcp, dst_port: 443, policy: p}]");
	/* the narrower first is fine */
	yok(YPOLICY "rules: [{name: https, proto: tcp, dst_port: 443, policy: p},"
	    " {name: web, proto: tcp, policy: p}]");
	/* networks inside networks, port ranges inside ranges, the first covering one named */
	assert_int_equal(ydoc(YPOLICY "rules: [{name: a, proto: udp, dst: 10.0.0.0/8,"
			      " dst_port: 1-1000, policy: p}, {name: b, dst: 198.19.0.0/16,"
			      " policy: p}, {name: c, dst: 198.19.0.0/24, policy: p},"
			      " {name: d, proto: udp, dst: [10.1.0.0/16, 10.2.3.4], dst_port:"
			      " '53,100-200', src: 198.18.0.5, policy: p},"
			      " {name: e, proto: udp, dst: [10.1.0.0/16, 11.0.0.1], dst_port: 53,"
			      " policy: p}]"), 0);
	assert_int_equal(pr.warnings, 2);
	assert_true(has("/rules/2", "rule 'b' (/rules/1) above covers it"));
	assert_true(has("/rules/3", "rule 'a' (/rules/0) above covers it"));
	/* a rule for everything hides all after it; 0.0.0.0/0 is everything too */
	assert_int_equal(ydoc(YPOLICY "rules: [{name: all, dst: 0.0.0.0/0, policy: p},"
			      " {name: b, src: 198.18.0.5, policy: p},"
			      " {name: c, src_mac: 'aa:bb:cc:dd:ee:ff', policy: p}]"), 0);
	assert_int_equal(pr.warnings, 2);
	assert_true(has("/rules/1", "rule 'all' (/rules/0)"));
	assert_true(has("/rules/2", "rule 'all' (/rules/0)"));
	/* IPv6 */
	assert_int_equal(ydoc(rule("family: ipv6")), 0);
	assert_int_equal(pr.warnings, 1);
	assert_true(has("/rules/0/family", "IPv6 is not forwarded yet: never matches"));
}

static void
test_match_covers(void **state)
{
	struct dpw_doc_match a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_true(dpw_doc_match_covers(&a, &b));
	a.proto = 6;
	assert_false(dpw_doc_match_covers(&a, &b));
	b.proto = 17;
	assert_false(dpw_doc_match_covers(&a, &b));
	b.proto = 6;
	assert_true(dpw_doc_match_covers(&a, &b));
	assert_true(dpw_doc_match_covers(&b, &a));
	a.family = DPW_FAMILY_IPV4;
	assert_false(dpw_doc_match_covers(&a, &b));
	b.family = DPW_FAMILY_IPV4;
	assert_true(dpw_doc_match_covers(&a, &b));
	/* MAC */
	a.has_src_mac = true;
	memcpy(a.src_mac, "\x02\0\0\0\0\x01", 6);
	assert_false(dpw_doc_match_covers(&a, &b));
	b.has_src_mac = true;
	memcpy(b.src_mac, "\x02\0\0\0\0\x02", 6);
	assert_false(dpw_doc_match_covers(&a, &b));
	b.src_mac[5] = 1;
	assert_true(dpw_doc_match_covers(&a, &b));
	/* networks */
	a.n_src = 1;
	a.src[0] = (struct dpw_doc_net){ 0x0a000000, 8 };
	assert_false(dpw_doc_match_covers(&a, &b));
	b.n_src = 1;
	b.src[0] = (struct dpw_doc_net){ 0x0a010000, 16 };
	assert_true(dpw_doc_match_covers(&a, &b));
	b.src[0] = (struct dpw_doc_net){ 0x0a000000, 7 };
	assert_false(dpw_doc_match_covers(&a, &b));
	b.n_src = 2;
	b.src[0] = (struct dpw_doc_net){ 0x0a010101, 32 };
	b.src[1] = (struct dpw_doc_net){ 0x0b000001, 32 };
	assert_false(dpw_doc_match_covers(&a, &b));
	a.n_src = 2;
	a.src[1] = (struct dpw_doc_net){ 0x0b000000, 24 };
	assert_true(dpw_doc_match_covers(&a, &b));
	a.n_dst = 1;
	a.dst[0] = (struct dpw_doc_net){ 0, 0 };   /* 0.0.0.0/0: any */
	assert_true(dpw_doc_match_covers(&a, &b));
	/* ports */
	a.n_dport = 1;
	a.dport[0] = (struct dpw_doc_ports){ 1000, 2000 };
	assert_false(dpw_doc_match_covers(&a, &b));
	b.n_dport = 1;
	b.dport[0] = (struct dpw_doc_ports){ 1500, 1500 };
	assert_true(dpw_doc_match_covers(&a, &b));
	b.dport[0] = (struct dpw_doc_ports){ 1500, 2500 };
	assert_false(dpw_doc_match_covers(&a, &b));
	a.dport[0] = (struct dpw_doc_ports){ 0, 65535 };
	assert_true(dpw_doc_match_covers(&a, &b));
	a.n_sport = 1;
	a.sport[0] = (struct dpw_doc_ports){ 5, 5 };
	assert_false(dpw_doc_match_covers(&a, &b));
	a.n_sport = 0;
	/* a domain list on a: unknown addresses, never covers; on b: b is narrower still */
	b.n_domains = 1;
	assert_true(dpw_doc_match_covers(&a, &b));
	a.n_domains = 1;
	assert_false(dpw_doc_match_covers(&a, &b));
}

static void
test_name_clashes(void **state)
{
	(void)state;
	yerr("members: [{name: wan1, wan: wan1}]", "/members/0/name", "name 'wan1' is the name "
	     "of the WAN /wans/0 already: WANs, members, policies and rules may not share "
	     "names (mwan3)");
	yerr(YMEMBERS "policies: [{name: m2, members: [m1]}]", "/policies/0/name",
	     "name 'm2' is the name of the member /members/1 already");
	yerr(YPOLICY "rules: [{name: p, policy: p}]", "/rules/0/name", "name 'p' is the name of "
	     "the policy /policies/0 already");
	yerr("rules: [{name: wan2, algorithm: weighted, wans: [wan1]}]", "/rules/0/name",
	     "the name of the WAN /wans/1 already");
	yerr(YMEMBERS "rules: [{name: m3, algorithm: weighted, wans: [wan1]}]", "/rules/0/name",
	     "the name of the member /members/2 already");
	yerr(YPOLICY "rules: [{name: r, policy: p}, {name: s, policy: p}, {name: r, policy: p}]",
	     "/rules/2/name", "duplicate name 'r' (also /rules/0/name)");
	yerr("policies: [{name: p, algorithm: weighted, wans: [wan1]}, {name: p, algorithm: "
	     "weighted, wans: [wan2]}]", "/policies/1/name", "duplicate name 'p' (also "
	     "/policies/0/name)");
	/* a rule's reference to a duplicated policy is to the first */
	assert_int_equal(ydoc("policies: [{name: p, algorithm: weighted, wans: [wan1]}, {name: p,"
			      " algorithm: weighted, wans: [wan2]}]\nrules: [{name: r, policy: p}]"),
			 -EINVAL);
	assert_int_equal(doc.rules[0].action.policy, 0);
	/* a name invalid at its object is not reported again */
	assert_int_equal(ydoc("members: [{name: 'w-1', wan: wan1}, {name: 'w-1', wan: wan2}]"),
			 -EINVAL);
	assert_int_equal(pr.errors, 2);
	assert_true(has("/members/0/name", "invalid"));
	assert_true(has("/members/1/name", "invalid"));
}

/* A JSON document of the two lab WANs, policy p and n rules made by fn. */
static char *
many_rules(unsigned int n, void (*fn)(char *buf, size_t size, unsigned int i))
{
	size_t size = 256 + (size_t)n * 512, len;
	char *text = malloc(size);
	unsigned int i;

	assert_non_null(text);
	len = (size_t)snprintf(text, size, "{\"version\":1,\"wans\":[" WAN1 "," WAN2 "],"
			       "\"policies\":[{\"name\":\"p\",\"algorithm\":\"weighted\","
			       "\"wans\":[\"wan1\",\"wan2\"]}],\"rules\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			text[len++] = ',';
		fn(text + len, size - len, i);
		len += strlen(text + len);
	}
	snprintf(text + len, size - len, "]}");
	return text;
}

/* Distinct destinations: no rule covers another. */
static void
rule_distinct(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, "{\"name\":\"r%u\",\"proto\":\"tcp\",\"dst\":\"10.%u.%u.%u\","
		 "\"dst_port\":%u,\"policy\":\"p\"}", i, i >> 16, (i >> 8) & 0xff, i & 0xff,
		 1000 + i % 1000);
}

/* 256 entries each: 8 sources x 8 destinations x 4 ports. */
static void
rule_wide(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, "{\"name\":\"w%u\",\"proto\":\"udp\",\"src\":\"198.18.0.1,"
		 "198.18.0.2,198.18.0.3,198.18.0.4,198.18.0.5,198.18.0.6,198.18.0.7,198.18.0.8\","
		 "\"dst\":[\"10.0.0.%u\",\"10.1.0.0/16\",\"10.2.0.0/16\",\"10.3.0.0/16\","
		 "\"10.4.0.0/16\",\"10.5.0.0/16\",\"10.6.0.0/16\",\"10.7.0.0/16\"],"
		 "\"dst_port\":\"1,2,3,%u\",\"policy\":\"p\"}", i, i & 0xff, 100 + i);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_rules_bounds(void **state)
{
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	char *text, *c1, *c2;
	size_t n1, n2;
	double t0, t1;

	(void)state;
	assert_non_null(d2);
	/* one rule: 8 x 8 x 4 = 256 entries is the most */
	text = many_rules(1, rule_wide);
	assert_int_equal(parse(text, &lab_ctx), 0);
	free(text);
	yerr(YPOLICY "rules: [{name: r, proto: tcp, src: '1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,"
	     "1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8', dst: '2.0.0.1,2.0.0.2,2.0.0.3,2.0.0.4,2.0.0.5,"
	     "2.0.0.6,2.0.0.7,2.0.0.8', dst_port: '1,2,3,4,5', policy: p}]", "/rules/0",
	     "the rule expands into 320 classifier entries (sources x destinations x source "
	     "ports x destination ports), at most 256: split it");
	/* all rules together: 513 x 256 > 131072 */
	text = many_rules(513, rule_wide);
	assert_int_equal(parse(text, &lab_ctx), -EINVAL);
	free(text);
	assert_int_equal(pr.errors, 1);
	assert_true(has("/rules", "the rules expand into 131328 classifier entries, at most "
			"131072"));
	text = many_rules(512, rule_wide);
	assert_int_equal(parse(text, &lab_ctx), 0);
	free(text);

	/* 20,000 rules: more than DPW_MAX_RULES */
	text = many_rules(20000, rule_distinct);
	t0 = now_s();
	assert_int_equal(parse(text, &lab_ctx), -EINVAL);
	t1 = now_s();
	free(text);
	assert_int_equal(pr.errors, 1);
	assert_true(has("/rules", "20000 rules, at most 16384"));
	fprintf(stderr, "20,000 rules refused in %.3f s\n", t1 - t0);

	/* 10,000 rules: accepted, quickly (every pair is looked at for the shadow warning) */
	text = many_rules(10000, rule_distinct);
	t0 = now_s();
	assert_int_equal(parse(text, &lab_ctx), 0);
	t1 = now_s();
	free(text);
	fprintf(stderr, "10,000 rules validated in %.3f s (sanitizers on)\n", t1 - t0);
	assert_int_equal(pr.n, 0);
	assert_int_equal(doc.n_rules, 10000);
	assert_string_equal(doc.rules[9999].name, "r9999");
	assert_int_equal(doc.rules[9999].match.dst[0].addr, 0x0a00270f);
	assert_true(t1 - t0 < 10.0);
	/* and their canonical form is a fixed point */
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, d2, &pr), 0);
	assert_int_equal(d2->n_rules, 10000);
	assert_memory_equal(d2->rules, doc.rules, 10000 * sizeof(*doc.rules));
	c2 = dpw_doc_canonical(d2, &n2);
	assert_non_null(c2);
	assert_int_equal(n1, n2);
	assert_memory_equal(c1, c2, n1);
	free(c1);
	free(c2);
	dpw_doc_free(d2);
	free(d2);
}

static void
test_default_rule(void **state)
{
	const struct dpw_doc_default *d = &doc.default_rule;

	(void)state;
	/* absent: auto, weighted over every WAN by the WANs' weights */
	yok("");
	assert_int_equal(d->preset, DPW_DEF_AUTO);
	assert_int_equal(d->action.policy, -1);
	assert_int_equal(d->action.pick.algorithm, DPW_LB_WEIGHTED);
	assert_int_equal(d->action.pick.n, 2);
	assert_int_equal(d->action.pick.c[0].wan, 0);
	assert_int_equal(d->action.pick.c[0].weight, 1);
	assert_int_equal(d->action.pick.c[1].wan, 1);
	assert_int_equal(d->action.pick.c[1].weight, 2);
	assert_int_equal(d->action.when_unavailable, DPW_FB_DROP);
	assert_false(d->action.sticky);
	assert_int_equal(d->action.sticky_timeout_s, DPW_STICKY_TIMEOUT_DEFAULT);
	yok("default_rule: {}");
	assert_int_equal(d->preset, DPW_DEF_AUTO);
	assert_int_equal(d->action.pick.n, 2);
	yok("default_rule: {preset: high_compatibility}");
	assert_int_equal(d->preset, DPW_DEF_HIGH_COMPAT);
	assert_int_equal(d->action.pick.algorithm, DPW_LB_PERSISTENCE);
	assert_int_equal(d->action.pick.persist, DPW_PERSIST_SOURCE);
	assert_int_equal(d->action.pick.c[1].weight, 2);
	yok("default_rule: {preset: normal_compatibility, sticky: true, sticky_timeout: 60,"
	    " when_unavailable: any, terminate_on_recovery: true}");
	assert_int_equal(d->preset, DPW_DEF_NORMAL_COMPAT);
	assert_int_equal(d->action.pick.algorithm, DPW_LB_PERSISTENCE);
	assert_int_equal(d->action.pick.persist, DPW_PERSIST_DESTINATION);
	assert_true(d->action.sticky);
	assert_int_equal(d->action.sticky_timeout_s, 60);
	assert_int_equal(d->action.when_unavailable, DPW_FB_ANY);
	assert_true(d->action.terminate_on_recovery);
	yok("default_rule: {preset: auto, when_unavailable: unreachable}");
	assert_int_equal(d->action.when_unavailable, DPW_FB_UNREACHABLE);
	yok("default_rule: {preset: auto, when_unavailable: blackhole}");
	assert_int_equal(d->action.when_unavailable, DPW_FB_DROP);
	yok(YPOLICY "default_rule: {preset: custom, policy: p}");
	assert_int_equal(d->preset, DPW_DEF_CUSTOM);
	assert_int_equal(d->action.policy, 0);
	assert_int_equal(d->action.when_unavailable, DPW_FB_LAST_RESORT);
	yok("default_rule: {preset: custom, algorithm: priority, wans: [wan2, wan1],"
	    " when_unavailable: any, sticky: true}");
	assert_int_equal(d->action.policy, -1);
	assert_int_equal(d->action.pick.algorithm, DPW_LB_PRIORITY);
	assert_int_equal(d->action.pick.c[0].wan, 1);
	assert_int_equal(d->action.when_unavailable, DPW_FB_ANY);
	assert_true(d->action.sticky);
	yok("default_rule: {preset: custom, algorithm: weighted, wans: [wan1]}");
	assert_int_equal(d->action.when_unavailable, DPW_FB_DROP);
	yok("policies: [{name: p, algorithm: weighted, wans: [wan1], last_resort: default}]\n"
	    "default_rule: {preset: custom, policy: p, when_unavailable: unreachable}");

	yerr("default_rule: {preset: custom}", "/default_rule", "needs policy or algorithm");
	yerr(YPOLICY "default_rule: {preset: auto, policy: p}", "/default_rule/policy",
	     "'policy' is for preset custom: preset auto chooses over every WAN by its weight");
	yerr("default_rule: {preset: high_compatibility, wans: [wan1]}", "/default_rule/wans",
	     "'wans' is for preset custom: preset high_compatibility");
	yerr("default_rule: {algorithm: weighted}", "/default_rule/algorithm",
	     "'algorithm' is for preset custom");
	yerr("default_rule: {preset: auto, when_unavailable: fall_through}",
	     "/default_rule/when_unavailable", "when_unavailable 'fall_through' is not one of "
	     "the default rule's: drop, unreachable or any");
	yerr("default_rule: {preset: auto, when_unavailable: last_resort}",
	     "/default_rule/when_unavailable", "not one of the default rule's");
	yerr("default_rule: {preset: custom, algorithm: weighted, wans: [wan1],"
	     " when_unavailable: fall_through}", "/default_rule/when_unavailable",
	     "the default rule is the last one: no fall_through (drop, unreachable or any)");
	yerr(YPOLICY "default_rule: {preset: custom, policy: p, when_unavailable: default}",
	     "/default_rule/when_unavailable", "the default rule is the last one: no default "
	     "(drop, unreachable or any, or last_resort)");
	yerr("policies: [{name: p, algorithm: weighted, wans: [wan1], last_resort: default}]\n"
	     "default_rule: {preset: custom, policy: p}", "/default_rule",
	     "policy 'p' falls back to 'default', which is this rule");
	yerr("default_rule: {preset: custom, policy: q}", "/default_rule/policy",
	     "no policy 'q' in /policies");
	yerr("default_rule: {preset: peplink}", "/default_rule/preset", "preset 'peplink' is "
	     "unknown: auto, high_compatibility, normal_compatibility or custom");
	yerr("default_rule: [auto]", "/default_rule", "must be an object, not an array");
	yerr("default_rule: {preset: auto, name: x}", "/default_rule/name",
	     "unknown member 'name'");
	yerr("default_rule: {sticky_timeout: 0}", "/default_rule/sticky_timeout", "1..86400");
	assert_string_equal(dpw_default_preset_str(DPW_DEF_AUTO), "auto");
	assert_string_equal(dpw_default_preset_str(DPW_DEF_HIGH_COMPAT), "high_compatibility");
	assert_string_equal(dpw_default_preset_str(DPW_DEF_NORMAL_COMPAT),
			    "normal_compatibility");
	assert_string_equal(dpw_default_preset_str(DPW_DEF_CUSTOM), "custom");
	assert_string_equal(dpw_default_preset_str(DPW_DEF_MAX), "unknown");
}

/* Every member of every issue 8 section, in YAML. */
static const char full_sections[] =
	YMEMBERS
	"policies: [{name: balanced, members: [m1, m3]},\n"
	"  {name: w, algorithm: metric, wans: [{wan: wan1, metric: 3, weight: 4}, wan2],"
	" last_resort: default},\n"
	"  {name: pers, algorithm: persistence, persistence: destination, wans: [wan2, wan1]},\n"
	"  {name: only, algorithm: enforced, wans: [wan1], last_resort: blackhole}]\n"
	"rules: [{name: https, proto: tcp, dst_port: 443, sticky: true, policy: balanced},\n"
	"  {name: r2, enabled: false, proto: udp, family: ipv4,"
	" src: '198.18.0.0/25,198.18.0.200', src_mac: 'AA:bb:cc:dd:ee:ff',"
	" src_port: '1000-2000,3000', dst: [198.19.0.0/16], dst_port: [53, 5353],"
	" algorithm: priority, wans: [wan2, wan1], when_unavailable: fall_through,"
	" terminate_on_recovery: true, sticky_timeout: 30},\n"
	"  {name: r3, proto: 47, dst_domain: ['*.Example.com', 'cdn.*'],"
	" algorithm: persistence, wans: [wan1, {wan: wan2, weight: 9}]},\n"
	"  {name: r4, proto: icmp, policy: w, when_unavailable: any}]\n"
	"default_rule: {preset: custom, policy: pers, when_unavailable: unreachable,"
	" sticky: true}\n";

/* a and b hold the same document (their rules compared by value). */
static void
assert_docs_equal(const struct dpw_doc *a, const struct dpw_doc *b)
{
	static struct dpw_doc x, y;

	assert_int_equal(a->n_rules, b->n_rules);
	if (a->n_rules > 0)
		assert_memory_equal(a->rules, b->rules, a->n_rules * sizeof(*a->rules));
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.rules = y.rules = NULL;
	assert_memory_equal(&x, &y, sizeof(x));
}

static void
test_policy_round_trip(void **state)
{
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	char *c1, *c2, *y;
	json_t *t;
	size_t n1, n2, ny;

	(void)state;
	assert_non_null(d2);
	yok(full_sections);
	assert_int_equal(doc.n_rules, 4);
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	assert_non_null(strstr(c1, ",\"members\":[{\"name\":\"m1\",\"wan\":\"wan1\",\"metric\":1,"
			       "\"weight\":3},{\"name\":\"m2\",\"wan\":\"wan2\",\"metric\":2,"
			       "\"weight\":2},{\"name\":\"m3\",\"wan\":\"wan2\",\"metric\":1,"
			       "\"weight\":1}],\"policies\":[{\"name\":\"balanced\",\"members\":"
			       "[\"m1\",\"m3\"],\"algorithm\":\"metric\",\"last_resort\":"
			       "\"unreachable\"},{\"name\":\"w\",\"algorithm\":\"metric\",\"wans\":"
			       "[{\"wan\":\"wan1\",\"weight\":4,\"metric\":3},{\"wan\":\"wan2\","
			       "\"weight\":2,\"metric\":1}],\"last_resort\":\"default\"},"
			       "{\"name\":\"pers\",\"algorithm\":\"persistence\",\"persistence\":"
			       "\"destination\",\"wans\":[{\"wan\":\"wan2\",\"weight\":2},"
			       "{\"wan\":\"wan1\",\"weight\":1}],\"last_resort\":\"unreachable\"},"
			       "{\"name\":\"only\",\"algorithm\":\"enforced\",\"wans\":[{\"wan\":"
			       "\"wan1\",\"weight\":1}],\"last_resort\":\"blackhole\"}],"));
	assert_non_null(strstr(c1, "\"rules\":[{\"name\":\"https\",\"enabled\":true,\"proto\":"
			       "\"tcp\",\"family\":\"all\",\"src\":[],\"src_port\":[],\"dst\":[],"
			       "\"dst_domain\":[],\"dst_port\":[\"443\"],\"policy\":\"balanced\","
			       "\"sticky\":true,\"sticky_timeout\":600,\"when_unavailable\":"
			       "\"last_resort\",\"terminate_on_recovery\":false},"
			       "{\"name\":\"r2\",\"enabled\":false,\"proto\":\"udp\",\"family\":"
			       "\"ipv4\",\"src\":[\"198.18.0.0/25\",\"198.18.0.200/32\"],"
			       "\"src_mac\":\"aa:bb:cc:dd:ee:ff\",\"src_port\":[\"1000-2000\","
			       "\"3000\"],\"dst\":[\"198.19.0.0/16\"],\"dst_domain\":[],"
			       "\"dst_port\":[\"53\",\"5353\"],\"algorithm\":\"priority\",\"wans\":"
			       "[{\"wan\":\"wan2\",\"weight\":2},{\"wan\":\"wan1\",\"weight\":1}],"
			       "\"sticky\":false,\"sticky_timeout\":30,\"when_unavailable\":"
			       "\"fall_through\",\"terminate_on_recovery\":true},"
			       "{\"name\":\"r3\",\"enabled\":true,\"proto\":47,"));
	assert_non_null(strstr(c1, "\"dst_domain\":[\"example.com\",\"cdn.*\"],\"dst_port\":[],"
			       "\"algorithm\":\"persistence\",\"persistence\":\"source\",\"wans\":"
			       "[{\"wan\":\"wan1\",\"weight\":1},{\"wan\":\"wan2\",\"weight\":9}],"
			       "\"sticky\":false,\"sticky_timeout\":600,\"when_unavailable\":"
			       "\"drop\""));
	assert_non_null(strstr(c1, "\"proto\":\"icmp\","));
	assert_non_null(strstr(c1, "\"default_rule\":{\"preset\":\"custom\",\"policy\":\"pers\","
			       "\"sticky\":true,\"sticky_timeout\":600,\"when_unavailable\":"
			       "\"unreachable\",\"terminate_on_recovery\":false},\"lan\":"));
	/* decode(encode(x)) == x, and the bytes are a fixed point */
	if (dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, d2, &pr) != 0)
		dump_problems();
	assert_int_equal(pr.errors, 0);
	assert_int_equal(pr.n, 0);
	assert_docs_equal(&doc, d2);
	c2 = dpw_doc_canonical(d2, &n2);
	assert_non_null(c2);
	assert_int_equal(n1, n2);
	assert_memory_equal(c1, c2, n1);
	free(c2);
	/* through YAML too */
	t = dpw_doc_to_json(&doc);
	assert_non_null(t);
	y = dpw_yaml_dump(t, &ny);
	assert_non_null(y);
	dpw_doc_free(d2);
	if (dpw_doc_parse(y, ny, DPW_DOC_YAML, &lab_ctx, d2, &pr) != 0)
		fprintf(stderr, "%s\n", y);
	dump_problems();
	assert_int_equal(pr.errors, 0);
	assert_docs_equal(&doc, d2);
	free(y);
	json_decref(t);
	free(c1);
	dpw_doc_free(d2);

	/* the presets come back from their name alone */
	yok("default_rule: {preset: normal_compatibility, when_unavailable: any}");
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(strstr(c1, "\"default_rule\":{\"preset\":\"normal_compatibility\","
			       "\"sticky\":false,\"sticky_timeout\":600,\"when_unavailable\":\"any\","
			       "\"terminate_on_recovery\":false},\"lan\":"));
	assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, d2, &pr), 0);
	assert_docs_equal(&doc, d2);
	free(c1);
	dpw_doc_free(d2);
	free(d2);
}

static void
test_copy_free(void **state)
{
	struct dpw_doc *c = calloc(1, sizeof(*c));
	char *c1, *c2;
	size_t n1, n2;

	(void)state;
	assert_non_null(c);
	yok(full_sections);
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_int_equal(dpw_doc_copy(c, &doc), 0);
	assert_ptr_not_equal(c->rules, doc.rules);
	assert_docs_equal(c, &doc);
	/* the copy owns its rules: it outlives the original (ASan sees any sharing) */
	dpw_doc_free(&doc);
	assert_null(doc.rules);
	assert_int_equal(doc.n_rules, 0);
	assert_int_equal(doc.n_wans, 0);
	c2 = dpw_doc_canonical(c, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(c1, c2, n1);
	free(c1);
	free(c2);
	dpw_doc_free(c);
	dpw_doc_free(c);      /* a freed document is a zeroed, valid one */
	dpw_doc_free(NULL);
	/* a document without rules copies without allocating */
	yok("");
	assert_int_equal(dpw_doc_copy(c, &doc), 0);
	assert_null(c->rules);
	assert_docs_equal(c, &doc);
	dpw_doc_free(c);
	/* a refused document may own rules: freeable whatever was refused */
	assert_int_equal(ydoc("rules: [{name: r}, {name: 'x-y', policy: p}, 5]"), -EINVAL);
	assert_non_null(doc.rules);
	assert_int_equal(doc.n_rules, 3);
	free(c);
}

static void
test_pick_shares(void **state)
{
	struct dpw_doc_pick p;
	uint8_t usable[DPW_MAX_WANS] = { 0 }, up[DPW_MAX_WANS] = { 0 };
	unsigned int s[DPW_MAX_WANS];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.algorithm = DPW_LB_WEIGHTED;
	p.n = 3;
	p.c[0] = (typeof(p.c[0])){ .wan = 0, .metric = 1, .weight = 1 };
	p.c[1] = (typeof(p.c[0])){ .wan = 4, .metric = 1, .weight = 1 };
	p.c[2] = (typeof(p.c[0])){ .wan = 2, .metric = 1, .weight = 1 };
	usable[0] = usable[2] = usable[4] = 1;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 34);
	assert_int_equal(s[4], 33);
	assert_int_equal(s[2], 33);
	assert_int_equal(s[1] + s[3] + s[5] + s[6] + s[7], 0);
	p.c[0].weight = 3;
	p.c[1].weight = 2;
	p.n = 2;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 60);
	assert_int_equal(s[4], 40);
	assert_int_equal(s[2], 0);
	p.algorithm = DPW_LB_PERSISTENCE;
	usable[0] = 0;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[4], 100);
	usable[4] = 0;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0] + s[4], 0);
	/* metric: the lowest usable tier, by weight inside it */
	usable[0] = usable[2] = usable[4] = 1;
	p.algorithm = DPW_LB_METRIC;
	p.n = 3;
	p.c[0] = (typeof(p.c[0])){ .wan = 0, .metric = 1, .weight = 3 };
	p.c[1] = (typeof(p.c[0])){ .wan = 4, .metric = 2, .weight = 2 };
	p.c[2] = (typeof(p.c[0])){ .wan = 2, .metric = 1, .weight = 1 };
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 75);
	assert_int_equal(s[2], 25);
	assert_int_equal(s[4], 0);
	usable[0] = usable[2] = 0;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[4], 100);
	/* priority and overflow: the first usable one */
	usable[0] = usable[2] = usable[4] = 1;
	p.algorithm = DPW_LB_PRIORITY;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 100);
	usable[0] = 0;
	p.algorithm = DPW_LB_OVERFLOW;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[4], 100);
	assert_int_equal(s[0] + s[2], 0);
	/* enforced: health aside, the WAN only has to be up */
	p.algorithm = DPW_LB_ENFORCED;
	p.n = 1;
	p.c[0].wan = 3;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[3], 0);
	up[3] = 1;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[3], 100);
	/* the live ones: even over the usable candidates */
	p.algorithm = DPW_LB_LOWEST_LATENCY;
	p.n = 3;
	p.c[0].wan = 0;
	usable[0] = 1;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 34);
	assert_int_equal(s[4], 33);
	assert_int_equal(s[2], 33);
	p.algorithm = DPW_LB_FASTEST_RESPONSE;
	usable[2] = 0;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0], 50);
	assert_int_equal(s[4], 50);
	p.algorithm = DPW_LB_LEAST_USED;
	dpw_doc_pick_shares(&p, usable, up, s);
	assert_int_equal(s[0] + s[4], 100);
}

/*
 * Every document shipped in conf/ is valid, without a warning, for the system
 * configuration it is written for, and its canonical form is a fixed point.
 */
static void
test_all_examples(void **state)
{
	static const struct {
		const char *doc, *conf;
	} pairs[] = {
		{ "lab-policy.yaml", "lab.conf" },
		{ "dpwan-policy.yaml", "dpwan.conf" },
		{ "mwan3-policy.yaml", "lab.conf" },
	};
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	const struct dpw_doc_policy *pol;
	struct dpw_doc_context ctx;
	struct dpw_sysconf conf;
	char path[512], err[512], *text, *c1, *c2;
	struct dirent *de;
	unsigned int i, seen = 0;
	size_t len, n1, n2;
	DIR *dir;

	(void)state;
	assert_non_null(d2);
	dir = opendir(SRCDIR "/conf");
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
			if (strcmp(pairs[i].doc, de->d_name) == 0)
				break;
		if (i == sizeof(pairs) / sizeof(pairs[0]))
			fprintf(stderr, "conf/%s: add it to this test's list\n", de->d_name);
		assert_true(i < sizeof(pairs) / sizeof(pairs[0]));
		seen++;
		snprintf(path, sizeof(path), SRCDIR "/conf/%s", pairs[i].conf);
		assert_int_equal(dpw_sysconf_load(path, &conf, err, sizeof(err)), 0);
		dpw_doc_context_from_sysconf(&conf, &ctx);
		dpw_sysconf_free(&conf);
		snprintf(path, sizeof(path), SRCDIR "/conf/%s", de->d_name);
		text = read_file(path, &len);
		dpw_doc_free(&doc);
		if (dpw_doc_parse(text, len, DPW_DOC_YAML, &ctx, &doc, &pr) != 0 || pr.n != 0) {
			fprintf(stderr, "conf/%s:\n", de->d_name);
			dump_problems();
		}
		free(text);
		assert_int_equal(pr.errors + pr.warnings, 0);
		c1 = dpw_doc_canonical(&doc, &n1);
		assert_non_null(c1);
		assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &ctx, d2, &pr), 0);
		assert_docs_equal(&doc, d2);
		c2 = dpw_doc_canonical(d2, &n2);
		assert_int_equal(n1, n2);
		assert_memory_equal(c1, c2, n1);
		free(c1);
		free(c2);
		dpw_doc_free(d2);
		if (strcmp(de->d_name, "mwan3-policy.yaml") != 0)
			continue;
		/* mwan3's default configuration, for the lab's two WANs */
		assert_int_equal(doc.n_members, 4);
		assert_string_equal(doc.members[3].name, "wan2_m2_w2");
		assert_int_equal(doc.members[3].wan, 1);
		assert_int_equal(doc.members[3].metric, 2);
		assert_int_equal(doc.members[3].weight, 2);
		assert_int_equal(doc.n_policies, 5);
		pol = dpw_doc_policy_find(&doc, "balanced");
		assert_non_null(pol);
		assert_int_equal(pol->pick.algorithm, DPW_LB_METRIC);
		assert_int_equal(pol->pick.n, 2);
		assert_int_equal(pol->pick.c[0].weight, 3);
		assert_int_equal(pol->pick.c[1].weight, 2);
		assert_int_equal(pol->last_resort, DPW_FB_UNREACHABLE);
		pol = dpw_doc_policy_find(&doc, "wan2_wan1");
		assert_non_null(pol);
		assert_int_equal(pol->pick.c[0].wan, 0);
		assert_int_equal(pol->pick.c[0].metric, 2);
		assert_int_equal(pol->pick.c[1].wan, 1);
		assert_int_equal(pol->pick.c[1].metric, 1);
		assert_non_null(dpw_doc_policy_find(&doc, "wan1_wan2"));
		assert_non_null(dpw_doc_policy_find(&doc, "wan1_only"));
		assert_non_null(dpw_doc_policy_find(&doc, "wan2_only"));
		assert_int_equal(doc.n_rules, 1);
		assert_string_equal(doc.rules[0].name, "https");
		assert_int_equal(doc.rules[0].match.proto, 6);
		assert_int_equal(doc.rules[0].match.n_dport, 1);
		assert_int_equal(doc.rules[0].match.dport[0].lo, 443);
		assert_true(doc.rules[0].action.sticky);
		assert_int_equal(doc.rules[0].action.sticky_timeout_s, 600);
		assert_ptr_equal(&doc.policies[doc.rules[0].action.policy],
				 dpw_doc_policy_find(&doc, "balanced"));
		assert_int_equal(doc.default_rule.preset, DPW_DEF_CUSTOM);
		assert_int_equal(doc.default_rule.action.policy, doc.rules[0].action.policy);
	}
	closedir(dir);
	assert_int_equal(seen, sizeof(pairs) / sizeof(pairs[0]));
	free(d2);
}

/* Every test leaves the shared document freed (LeakSanitizer sees what is lost). */
static int
free_doc(void **state)
{
	(void)state;
	dpw_doc_free(&doc);
	return 0;
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_doc)
	const struct CMUnitTest tests[] = {
		T(test_examples),
		T(test_defaults),
		T(test_full_members),
		T(test_wan_errors),
		T(test_addressing_errors),
		T(test_top_level),
		T(test_syntax_and_limits),
		T(test_cross_checks),
		T(test_many_problems),
		T(test_canonical_hash),
		T(test_json_yaml_equal),
		T(test_diff),
		T(test_names),
		T(test_problem_add),
		T(test_health),
		T(test_wan_bandwidth),
		T(test_members),
		T(test_policies_members),
		T(test_policies_algorithms),
		T(test_rules_match),
		T(test_rules_action),
		T(test_rules_shadow),
		T(test_match_covers),
		T(test_name_clashes),
		T(test_rules_bounds),
		T(test_default_rule),
		T(test_policy_round_trip),
		T(test_copy_free),
		T(test_pick_shares),
		T(test_all_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
