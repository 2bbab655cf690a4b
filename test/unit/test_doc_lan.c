/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the LAN sections of the network-policy document (issue 9:
 * lib/cfg/dpw_doc_lan.c, dpw_doc_dns.c): the defaults (with and without a system
 * context, on several LAN prefixes), every error with the exact path of its problem,
 * lease times, options, reservations up to the limit and one past it, the DNS proxy,
 * local records (CNAME exclusivity, duplicates, wildcards, PTR names), the domain
 * lookup policy, a full lan section in YAML, the canonical form as a fixed point and a
 * deep copy.
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

#define WANS "\"wans\":[{\"name\":\"wan1\",\"addressing\":{\"address\":\"198.18.1.2/24\"," \
	     "\"gateway\":\"198.18.1.1\"}},{\"name\":\"wan2\",\"addressing\":{\"address\":" \
	     "\"198.18.2.2/24\",\"gateway\":\"198.18.2.1\"}}]"
/* WANs outside 198.18.0.0/16, for a /16 LAN */
#define WANS19 "\"wans\":[{\"name\":\"wan1\",\"addressing\":{\"address\":\"198.19.1.2/24\"," \
	       "\"gateway\":\"198.19.1.1\"}}]"

static int
parse_ctx(const char *text, const struct dpw_doc_context *ctx)
{
	dpw_doc_free(&doc);
	return dpw_doc_parse(text, strlen(text), DPW_DOC_JSON, ctx, &doc, &pr);
}

/* A lab document with these top-level members after the WANs ("" none). */
static int
with(const char *members, const struct dpw_doc_context *ctx)
{
	size_t n = strlen(members) + 1024;
	char *text = malloc(n);
	int rc;

	assert_non_null(text);
	snprintf(text, n, "{\"version\":1," WANS "%s%s}", members[0] ? "," : "", members);
	rc = parse_ctx(text, ctx);
	free(text);
	return rc;
}

/* A lab document whose lan.dhcp is the text between the braces. */
static int
dhcp(const char *members)
{
	char text[4096];

	snprintf(text, sizeof(text), "\"lan\":{\"dhcp\":{%s}}", members);
	return with(text, &lab_ctx);
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

/* Exactly one error (the document refused), at path with sub in its message. */
static void
one_error(int rc, const char *path, const char *sub)
{
	assert_int_equal(rc, -EINVAL);
	if (pr.errors != 1)
		dump_problems();
	assert_int_equal(pr.errors, 1);
	assert_true(has(path, sub));
}

static void
ok(int rc)
{
	if (rc != 0 || pr.errors != 0)
		dump_problems();
	assert_int_equal(rc, 0);
}

static int
free_doc(void **state)
{
	(void)state;
	dpw_doc_free(&doc);
	return 0;
}

/* The canonical JSON of doc, decoded again under ctx, gives the same bytes. */
static void
assert_fixed_point(const struct dpw_doc_context *ctx)
{
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	char *c1, *c2;
	size_t n1, n2;

	assert_non_null(d2);
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	if (dpw_doc_parse(c1, n1, DPW_DOC_JSON, ctx, d2, &pr) != 0) {
		dump_problems();
		fail_msg("the canonical form is refused: %s", c1);
	}
	c2 = dpw_doc_canonical(d2, &n2);
	assert_non_null(c2);
	assert_string_equal(c1, c2);
	free(c1);
	free(c2);
	dpw_doc_free(d2);
	free(d2);
}

static void
test_defaults(void **state)
{
	const struct dpw_doc_dhcp *d = &doc.lan.dhcp;
	struct dpw_doc_context ctx = lab_ctx;
	char *c;

	(void)state;
	/* no lan section: DHCP and DNS on, Peplink's defaults */
	ok(with("", &lab_ctx));
	assert_true(d->enabled);
	assert_false(d->logging);
	assert_int_equal(d->n_ranges, 1);
	assert_int_equal(d->range[0].start, 0xc6120064);   /* .100 */
	assert_int_equal(d->range[0].end, 0xc61200c7);     /* .199 */
	assert_int_equal(d->lease_time_s, 86400);
	assert_int_equal(d->router, 0);
	assert_int_equal(d->n_dns, 0);
	assert_string_equal(d->domain, "lan");
	assert_int_equal(d->n_ntp, 0);
	assert_int_equal(d->n_options, 0);
	assert_int_equal(d->n_reservations, 0);
	assert_null(d->reservation);
	assert_true(doc.lan.dns.enabled);
	assert_true(doc.lan.dns.caching);
	assert_int_equal(doc.lan.dns.cache_size, 10000);
	assert_int_equal(doc.lan.dns.n_resolvers, 0);
	assert_int_equal(doc.n_dns_records, 0);
	assert_null(doc.dns_records);
	assert_int_equal(doc.n_domain_lookup, 0);
	assert_null(doc.domain_lookup);
	c = dpw_doc_canonical(&doc, NULL);
	assert_non_null(c);
	assert_non_null(strstr(c, ",\"lan\":{\"dhcp\":{\"enabled\":true,\"logging\":false,"
			       "\"ranges\":[{\"start\":\"198.18.0.100\",\"end\":\"198.18.0.199\"}],"
			       "\"lease_time\":86400,\"dns\":[],\"domain\":\"lan\",\"ntp\":[],"
			       "\"options\":[],\"reservations\":[]},\"dns\":{\"enabled\":true,"
			       "\"caching\":true,\"cache_size\":10000,\"resolvers\":[]}},"
			       "\"dns_records\":[],\"domain_lookup\":[],\"services\":[]"));
	free(c);
	assert_fixed_point(&lab_ctx);

	/* an empty lan, empty dhcp and dns objects: the same */
	ok(with("\"lan\":{}", &lab_ctx));
	assert_int_equal(d->n_ranges, 1);
	ok(with("\"lan\":{\"dhcp\":{},\"dns\":{}}", &lab_ctx));
	assert_int_equal(d->range[0].start, 0xc6120064);
	assert_true(doc.lan.dns.caching);

	/* no context: no subnet to take the range from; left out, and so read back */
	ok(with("", NULL));
	assert_int_equal(d->n_ranges, 0);
	c = dpw_doc_canonical(&doc, NULL);
	assert_non_null(c);
	assert_null(strstr(c, "\"ranges\""));
	assert_null(strstr(c, "\"router\""));
	free(c);
	assert_fixed_point(NULL);

	/* other prefixes: the middle half of the subnet, never the LAN address */
	ctx.lan_addr = 0xc6120001;          /* 198.18.0.1/25 */
	ctx.lan_prefixlen = 25;
	ok(with("", &ctx));
	assert_int_equal(d->range[0].start, 0xc6120020);   /* .32 */
	assert_int_equal(d->range[0].end, 0xc612005f);     /* .95 */
	ctx.lan_addr = 0xc6120040;          /* 198.18.0.64/25: inside .32-.95 */
	ok(with("", &ctx));
	assert_int_equal(d->range[0].start, 0xc6120020);   /* the larger side: .32-.63 */
	assert_int_equal(d->range[0].end, 0xc612003f);
	ctx.lan_addr = 0xc6120001;          /* 198.18.0.1/30: .2 only */
	ctx.lan_prefixlen = 30;
	ok(with("", &ctx));
	assert_int_equal(d->range[0].start, 0xc6120002);
	assert_int_equal(d->range[0].end, 0xc6120002);
	ctx.lan_addr = 0xc6120096;          /* 198.18.0.150/24: .100-.149 */
	ctx.lan_prefixlen = 24;
	ok(with("", &ctx));
	assert_int_equal(d->range[0].start, 0xc6120064);
	assert_int_equal(d->range[0].end, 0xc6120095);
	ctx.lan_addr = 0xc6120001;          /* 198.18.0.1/16, WANs outside it */
	ctx.lan_prefixlen = 16;
	ctx.n_wan_ports = 1;
	ok(parse_ctx("{\"version\":1," WANS19 "}", &ctx));
	assert_int_equal(d->range[0].start, 0xc6124000);   /* 198.18.64.0 */
	assert_int_equal(d->range[0].end, 0xc612bfff);     /* 198.18.191.255 */
	assert_fixed_point(&ctx);
}

static void
test_dhcp_members(void **state)
{
	const struct dpw_doc_dhcp *d = &doc.lan.dhcp;

	(void)state;
	ok(dhcp("\"enabled\":false,\"logging\":true,\"ranges\":[{\"start\":\"198.18.0.10\","
		"\"end\":\"198.18.0.19\"},{\"start\":\"198.18.0.200\",\"end\":\"198.18.0.254\"},"
		"{\"start\":\"198.18.0.2\",\"end\":\"198.18.0.2\"}],\"lease_time\":3600,"
		"\"router\":\"198.18.0.254\",\"dns\":[\"198.18.0.1\",\"198.19.0.53\"],"
		"\"domain\":\"Home.Example.\",\"ntp\":[\"198.19.0.123\"]"));
	assert_false(d->enabled);
	assert_true(d->logging);
	assert_int_equal(d->n_ranges, 3);
	assert_int_equal(d->range[1].start, 0xc61200c8);
	assert_int_equal(d->range[1].end, 0xc61200fe);
	assert_int_equal(d->range[2].start, 0xc6120002);
	assert_int_equal(d->lease_time_s, 3600);
	assert_int_equal(d->router, 0xc61200fe);
	assert_int_equal(d->n_dns, 2);
	assert_int_equal(d->dns[1], 0xc6130035);
	assert_string_equal(d->domain, "home.example");   /* lower case, no root dot */
	assert_int_equal(d->n_ntp, 1);
	assert_fixed_point(&lab_ctx);

	/* the router given as the LAN address is the default: one canonical form */
	ok(dhcp("\"router\":\"198.18.0.1\""));
	assert_int_equal(d->router, 0);
}

static void
test_dhcp_errors(void **state)
{
	(void)state;
	one_error(with("\"lan\":[]", &lab_ctx), "/lan", "must be an object");
	one_error(with("\"lan\":{\"dhcp\":1}", &lab_ctx), "/lan/dhcp", "must be an object");
	one_error(with("\"lan\":{\"dhcp\":{},\"wifi\":{}}", &lab_ctx), "/lan/wifi",
		  "unknown member 'wifi'; known members: dhcp, dns");
	one_error(dhcp("\"pool\":1"), "/lan/dhcp/pool", "unknown member");
	one_error(dhcp("\"enabled\":\"yes\""), "/lan/dhcp/enabled", "must be true or false");
	one_error(dhcp("\"logging\":1"), "/lan/dhcp/logging", "must be true or false");

	/* ranges */
	one_error(dhcp("\"ranges\":{}"), "/lan/dhcp/ranges", "must be an array");
	one_error(dhcp("\"ranges\":[]"), "/lan/dhcp/ranges", "at least one range");
	one_error(dhcp("\"ranges\":[1]"), "/lan/dhcp/ranges/0", "must be an object");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\"}]"), "/lan/dhcp/ranges/0",
		  "'end' is required");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.20\","
		       "\"mask\":24}]"), "/lan/dhcp/ranges/0/mask", "unknown member");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.2x\"}]"),
		  "/lan/dhcp/ranges/0/end", "not an address a.b.c.d");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10/24\",\"end\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/ranges/0/start", "not an address a.b.c.d");
	one_error(dhcp("\"ranges\":[{\"start\":10,\"end\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/ranges/0/start", "must be a string");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.30\",\"end\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/ranges/0/end", "end 198.18.0.20 is below start 198.18.0.30");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.1.20\"}]"),
		  "/lan/dhcp/ranges/0/end", "outside the LAN subnet 198.18.0.0/24");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.0\",\"end\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/ranges/0/start", "the network address of the LAN subnet");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.255\"}]"),
		  "/lan/dhcp/ranges/0/end", "the broadcast address");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.1\",\"end\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/ranges/0/start", "is the LAN address");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.20\"},"
		       "{\"start\":\"198.18.0.0\",\"end\":\"198.18.0.2\"}]"),
		  "/lan/dhcp/ranges/1/start", "network address");
	assert_int_equal(dhcp("\"ranges\":[{\"start\":\"198.18.0.0\",\"end\":\"198.18.0.2\"},"
			      "{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.20\"}]"), -EINVAL);
	one_error(with("\"lan\":{\"dhcp\":{\"ranges\":[{\"start\":\"198.18.0.0\",\"end\":"
		       "\"198.18.0.20\"}]}}", &(struct dpw_doc_context){
				.n_wan_ports = 2, .wan_port = { "wan1", "wan2" },
				.wan_port_mtu = { 1500, 1500 }, .lan_addr = 0xc6120015,
				.lan_prefixlen = 24 }),
		  "/lan/dhcp/ranges/0/start", "network address");
	/* a range around the LAN address (198.18.0.1 is inside .0/24 only at its start) */
	one_error(with("\"lan\":{\"dhcp\":{\"ranges\":[{\"start\":\"198.18.0.2\",\"end\":"
		       "\"198.18.0.40\"}]}}", &(struct dpw_doc_context){
				.n_wan_ports = 2, .wan_port = { "wan1", "wan2" },
				.wan_port_mtu = { 1500, 1500 }, .lan_addr = 0xc6120015,
				.lan_prefixlen = 24 }),
		  "/lan/dhcp/ranges/0", "range 198.18.0.2 - 198.18.0.40 contains the LAN address");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.20\"},"
		       "{\"start\":\"198.18.0.20\",\"end\":\"198.18.0.30\"}]"),
		  "/lan/dhcp/ranges/1", "overlaps the range 198.18.0.10 - 198.18.0.20");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.20\"},"
		       "{\"start\":\"198.18.0.2\",\"end\":\"198.18.0.50\"}]"),
		  "/lan/dhcp/ranges/1", "overlaps");
	one_error(dhcp("\"ranges\":[{\"start\":\"198.18.0.2\",\"end\":\"198.18.0.2\"},"
		       "{\"start\":\"198.18.0.3\",\"end\":\"198.18.0.3\"},"
		       "{\"start\":\"198.18.0.4\",\"end\":\"198.18.0.4\"},"
		       "{\"start\":\"198.18.0.5\",\"end\":\"198.18.0.5\"},"
		       "{\"start\":\"198.18.0.6\",\"end\":\"198.18.0.6\"},"
		       "{\"start\":\"198.18.0.7\",\"end\":\"198.18.0.7\"},"
		       "{\"start\":\"198.18.0.8\",\"end\":\"198.18.0.8\"},"
		       "{\"start\":\"198.18.0.9\",\"end\":\"198.18.0.9\"},"
		       "{\"start\":\"198.18.0.10\",\"end\":\"198.18.0.10\"}]"),
		  "/lan/dhcp/ranges", "9 ranges, at most 8");
	/* without a context the subnet checks are skipped, the others are not */
	assert_int_equal(with("\"lan\":{\"dhcp\":{\"ranges\":[{\"start\":\"198.18.9.0\",\"end\":"
			      "\"198.18.9.255\"}]}}", NULL), 0);
	one_error(with("\"lan\":{\"dhcp\":{\"ranges\":[{\"start\":\"198.18.9.9\",\"end\":"
		       "\"198.18.9.1\"}]}}", NULL), "/lan/dhcp/ranges/0/end", "below start");

	/* router, dns, ntp, domain */
	one_error(dhcp("\"router\":\"198.18.1.1\""), "/lan/dhcp/router",
		  "router 198.18.1.1 is outside the LAN subnet");
	one_error(dhcp("\"router\":\"198.18.0.255\""), "/lan/dhcp/router", "broadcast");
	one_error(dhcp("\"router\":\"gw\""), "/lan/dhcp/router", "not an address");
	one_error(dhcp("\"router\":[\"198.18.0.1\"]"), "/lan/dhcp/router", "must be a string");
	one_error(dhcp("\"dns\":\"198.18.0.1\""), "/lan/dhcp/dns", "must be an array");
	one_error(dhcp("\"dns\":[\"198.18.0.1\",\"127.0.0.1\"]"), "/lan/dhcp/dns/1",
		  "loopback");
	one_error(dhcp("\"dns\":[\"198.19.0.1\",\"198.19.0.1\"]"), "/lan/dhcp/dns/1",
		  "duplicate server 198.19.0.1");
	one_error(dhcp("\"dns\":[\"198.19.0.1\",\"198.19.0.2\",\"198.19.0.3\",\"198.19.0.4\","
		       "\"198.19.0.5\"]"), "/lan/dhcp/dns", "5 DNS servers, at most 4");
	one_error(dhcp("\"ntp\":[\"224.0.1.1\"]"), "/lan/dhcp/ntp/0", "multicast");
	one_error(dhcp("\"ntp\":[1]"), "/lan/dhcp/ntp/0", "must be a string");
	one_error(dhcp("\"ntp\":[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\",\"1.1.1.5\"]"),
		  "/lan/dhcp/ntp", "5 NTP servers, at most 4");
	one_error(dhcp("\"domain\":\"\""), "/lan/dhcp/domain", "is empty");
	one_error(dhcp("\"domain\":\"a..b\""), "/lan/dhcp/domain", "empty label");
	one_error(dhcp("\"domain\":\"*.lan\""), "/lan/dhcp/domain", "wildcard");
	one_error(dhcp("\"domain\":\"my lan\""), "/lan/dhcp/domain", "a character other than");
	one_error(dhcp("\"domain\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       ".lan\""), "/lan/dhcp/domain", "label longer than 63");
	one_error(dhcp("\"domain\":false"), "/lan/dhcp/domain", "must be a string");
}

static void
test_lease_time(void **state)
{
	static const struct {
		const char *v;
		uint32_t s;
	} good[] = {
		{ "120", 120 }, { "31536000", 31536000 }, { "\"1d\"", 86400 },
		{ "\"12h\"", 43200 }, { "\"30m\"", 1800 }, { "\"3600s\"", 3600 },
		{ "\"1d12h\"", 129600 }, { "\"2h30m\"", 9000 }, { "\"7200\"", 7200 },
		{ "\"365d\"", 31536000 },
	};
	static const struct {
		const char *v;
		const char *msg;
	} bad[] = {
		{ "119", "lease_time 119 is out of range 120..31536000" },
		{ "31536001", "out of range" },
		{ "-5", "out of range" },
		{ "\"1m\"", "'1m' is out of range 120..31536000 seconds" },
		{ "\"366d\"", "out of range" },
		{ "\"999999999999d\"", "out of range" },
		{ "\"1w\"", "is not seconds or a duration" },
		{ "\"\"", "is not seconds or a duration" },
		{ "\"h\"", "is not seconds or a duration" },
		{ "\"1 h\"", "is not seconds or a duration" },
		{ "1.5", "must be an integer (seconds) or a duration string" },
		{ "true", "must be an integer" },
	};
	char m[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(m, sizeof(m), "\"lease_time\":%s", good[i].v);
		ok(dhcp(m));
		assert_int_equal(doc.lan.dhcp.lease_time_s, good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(m, sizeof(m), "\"lease_time\":%s", bad[i].v);
		one_error(dhcp(m), "/lan/dhcp/lease_time", bad[i].msg);
	}
	/* a string is written back as seconds */
	ok(dhcp("\"lease_time\":\"1d12h\""));
	assert_fixed_point(&lab_ctx);
}

static void
test_options(void **state)
{
	static const struct {
		unsigned int code;
		const char *field;
	} owned[] = {
		{ 1, "dpwan.conf" }, { 3, "'router'" }, { 6, "'dns'" }, { 15, "'domain'" },
		{ 42, "'ntp'" }, { 51, "'lease_time'" }, { 53, "message type" },
		{ 54, "server identifier" },
	};
	const struct dpw_doc_dhcp *d = &doc.lan.dhcp;
	char m[256], big[DPW_DHCP_OPT_VALUE_LEN + 64], *text;
	unsigned int i;
	size_t n;

	(void)state;
	ok(dhcp("\"options\":[{\"code\":66,\"value\":\"tftp.lan\"},{\"code\":252,\"value\":"
		"\"\\\"http://wpad.lan/wpad.dat\\\"\"},{\"code\":44,\"value\":\"198.18.0.5,"
		"198.18.0.6\"}]"));
	assert_int_equal(d->n_options, 3);
	assert_int_equal(d->option[0].code, 66);
	assert_string_equal(d->option[0].value, "tftp.lan");
	assert_string_equal(d->option[1].value, "\"http://wpad.lan/wpad.dat\"");
	assert_string_equal(d->option[2].value, "198.18.0.5,198.18.0.6");
	assert_fixed_point(&lab_ctx);

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		snprintf(m, sizeof(m), "\"options\":[{\"code\":%u,\"value\":\"x\"}]",
			 owned[i].code);
		one_error(dhcp(m), "/lan/dhcp/options/0/code", "is set by its own field");
		assert_true(has("/lan/dhcp/options/0/code", owned[i].field));
	}
	one_error(dhcp("\"options\":[{\"code\":0,\"value\":\"x\"}]"), "/lan/dhcp/options/0/code",
		  "out of range 1..254");
	one_error(dhcp("\"options\":[{\"code\":255,\"value\":\"x\"}]"),
		  "/lan/dhcp/options/0/code", "out of range 1..254");
	one_error(dhcp("\"options\":[{\"code\":\"66\",\"value\":\"x\"}]"),
		  "/lan/dhcp/options/0/code", "must be an integer");
	one_error(dhcp("\"options\":[{\"value\":\"x\"}]"), "/lan/dhcp/options/0",
		  "'code' is required");
	one_error(dhcp("\"options\":[{\"code\":66}]"), "/lan/dhcp/options/0",
		  "'value' is required");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"x\",\"force\":true}]"),
		  "/lan/dhcp/options/0/force", "unknown member");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"a\"},{\"code\":66,\"value\":"
		       "\"b\"}]"), "/lan/dhcp/options/1/code", "option 66 is given twice");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"\"}]"),
		  "/lan/dhcp/options/0/value", "1..255");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"a\\nb\"}]"),
		  "/lan/dhcp/options/0/value", "not printable ASCII");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"a#b\"}]"),
		  "/lan/dhcp/options/0/value", "'#'");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"\\u00e9\"}]"),
		  "/lan/dhcp/options/0/value", "not printable ASCII");
	one_error(dhcp("\"options\":[{\"code\":66,\"value\":\"\\u0001\"}]"),
		  "/lan/dhcp/options/0/value", "not printable ASCII");
	one_error(dhcp("\"options\":[7]"), "/lan/dhcp/options/0", "must be an object");
	n = (size_t)snprintf(big, sizeof(big), "\"options\":[{\"code\":66,\"value\":\"");
	memset(big + n, 'v', DPW_DHCP_OPT_VALUE_LEN);
	snprintf(big + n + DPW_DHCP_OPT_VALUE_LEN, sizeof(big) - n - DPW_DHCP_OPT_VALUE_LEN,
		 "\"}]");
	one_error(dhcp(big), "/lan/dhcp/options/0/value", "256 characters: 1..255");
	/* 33 options */
	text = malloc(4096);
	assert_non_null(text);
	n = (size_t)snprintf(text, 4096, "\"options\":[");
	for (i = 0; i <= DPW_DHCP_OPTIONS_MAX; i++)
		n += (size_t)snprintf(text + n, 4096 - n, "%s{\"code\":%u,\"value\":\"x\"}",
				      i ? "," : "", 100 + i);
	snprintf(text + n, 4096 - n, "]");
	one_error(dhcp(text), "/lan/dhcp/options", "33 options, at most 32");
	free(text);
}

/* n reservations in 198.18.0.0/16 (LAN 198.18.0.1/16): distinct MACs, addresses, names. */
static char *
reservations_doc(unsigned int n)
{
	size_t cap = 128 + (size_t)n * 96, len;
	char *t = malloc(cap);
	unsigned int i;

	assert_non_null(t);
	len = (size_t)snprintf(t, cap, "{\"version\":1," WANS19 ",\"lan\":{\"dhcp\":{"
			       "\"reservations\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s{\"name\":\"host%u\",\"mac\":"
					"\"02:00:00:00:%02X:%02x\",\"address\":\"198.18.%u.%u\"}",
					i ? "," : "", i, i >> 8, i & 0xff, 16 + (i >> 8),
					i & 0xff);
	snprintf(t + len, cap - len, "]}}}");
	return t;
}

static void
test_reservations(void **state)
{
	const struct dpw_doc_dhcp *d = &doc.lan.dhcp;
	struct dpw_doc_context ctx = lab_ctx;
	char *t, *c;

	(void)state;
	ok(dhcp("\"reservations\":[{\"name\":\"Printer\",\"mac\":\"AA:BB:CC:dd:ee:01\","
		"\"address\":\"198.18.0.20\"},{\"mac\":\"aa:bb:cc:dd:ee:02\",\"address\":"
		"\"198.18.0.150\"},{\"name\":\"\",\"mac\":\"aa:bb:cc:dd:ee:03\",\"address\":"
		"\"198.18.0.254\"}]"));
	assert_int_equal(d->n_reservations, 3);
	assert_string_equal(d->reservation[0].name, "printer");
	assert_memory_equal(d->reservation[0].mac, "\xaa\xbb\xcc\xdd\xee\x01", 6);
	assert_int_equal(d->reservation[0].addr, 0xc6120014);
	assert_string_equal(d->reservation[1].name, "");
	/* inside the range is allowed too (dnsmasq gives static hosts any address) */
	assert_int_equal(d->reservation[1].addr, 0xc6120096);
	c = dpw_doc_canonical(&doc, NULL);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"reservations\":[{\"name\":\"printer\",\"mac\":"
			       "\"aa:bb:cc:dd:ee:01\",\"address\":\"198.18.0.20\"},{\"name\":\"\","
			       "\"mac\":\"aa:bb:cc:dd:ee:02\",\"address\":\"198.18.0.150\"}"));
	free(c);
	assert_fixed_point(&lab_ctx);

	one_error(dhcp("\"reservations\":{}"), "/lan/dhcp/reservations", "must be an array");
	one_error(dhcp("\"reservations\":[\"aa:bb:cc:dd:ee:01\"]"), "/lan/dhcp/reservations/0",
		  "must be an object");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\"}]"),
		  "/lan/dhcp/reservations/0", "'address' is required");
	one_error(dhcp("\"reservations\":[{\"address\":\"198.18.0.20\"}]"),
		  "/lan/dhcp/reservations/0", "'mac' is required");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.0.20\",\"ip\":1}]"), "/lan/dhcp/reservations/0/ip",
		  "unknown member 'ip'; known members: name, mac, address");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa-bb-cc-dd-ee-01\",\"address\":"
		       "\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/mac",
		  "is not aa:bb:cc:dd:ee:ff");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:011\",\"address\":"
		       "\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/mac",
		  "is not aa:bb:cc:dd:ee:ff");
	one_error(dhcp("\"reservations\":[{\"mac\":\"01:00:5e:00:00:01\",\"address\":"
		       "\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/mac", "group");
	one_error(dhcp("\"reservations\":[{\"mac\":\"00:00:00:00:00:00\",\"address\":"
		       "\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/mac", "no host's");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.0.1\"}]"), "/lan/dhcp/reservations/0/address",
		  "is the LAN address");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.3.1\"}]"), "/lan/dhcp/reservations/0/address",
		  "outside the LAN subnet");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.0.0\"}]"), "/lan/dhcp/reservations/0/address", "network");
	one_error(dhcp("\"reservations\":[{\"name\":\"pc.lan\",\"mac\":\"aa:bb:cc:dd:ee:01\","
		       "\"address\":\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/name",
		  "one label");
	one_error(dhcp("\"reservations\":[{\"name\":\"-pc\",\"mac\":\"aa:bb:cc:dd:ee:01\","
		       "\"address\":\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/name",
		  "starts or ends with '-'");
	one_error(dhcp("\"reservations\":[{\"name\":\"my_pc\",\"mac\":\"aa:bb:cc:dd:ee:01\","
		       "\"address\":\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/name",
		  "a character other than");
	one_error(dhcp("\"reservations\":[{\"name\":7,\"mac\":\"aa:bb:cc:dd:ee:01\","
		       "\"address\":\"198.18.0.20\"}]"), "/lan/dhcp/reservations/0/name",
		  "must be a string");
	/* names dnsmasq's dhcp-host would read as something else (a flag, a lease time) */
	{
		static const char *const bad[] = { "ignore", "Infinite", "3600", "12h", "7d",
						   NULL };
		char m[160];
		unsigned int i;

		for (i = 0; bad[i] != NULL; i++) {
			snprintf(m, sizeof(m), "\"reservations\":[{\"name\":\"%s\",\"mac\":"
				 "\"aa:bb:cc:dd:ee:01\",\"address\":\"198.18.0.20\"}]", bad[i]);
			one_error(dhcp(m), "/lan/dhcp/reservations/0/name",
				  i < 2 ? "dnsmasq's dhcp-host reserves" : "reads as a lease time");
			dpw_doc_free(&doc);
		}
		ok(dhcp("\"reservations\":[{\"name\":\"3com\",\"mac\":\"aa:bb:cc:dd:ee:01\","
			"\"address\":\"198.18.0.20\"}]"));
		dpw_doc_free(&doc);
	}
	/* duplicates: reported at the later one, naming the first */
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.0.20\"},{\"mac\":\"aa:bb:cc:dd:ee:02\",\"address\":"
		       "\"198.18.0.21\"},{\"mac\":\"AA:BB:CC:DD:EE:01\",\"address\":"
		       "\"198.18.0.22\"}]"), "/lan/dhcp/reservations/2/mac",
		  "duplicate MAC aa:bb:cc:dd:ee:01 (also /lan/dhcp/reservations/0)");
	one_error(dhcp("\"reservations\":[{\"mac\":\"aa:bb:cc:dd:ee:01\",\"address\":"
		       "\"198.18.0.20\"},{\"mac\":\"aa:bb:cc:dd:ee:02\",\"address\":"
		       "\"198.18.0.20\"}]"), "/lan/dhcp/reservations/1/address",
		  "duplicate address 198.18.0.20 (also /lan/dhcp/reservations/0)");
	one_error(dhcp("\"reservations\":[{\"name\":\"pc\",\"mac\":\"aa:bb:cc:dd:ee:01\","
		       "\"address\":\"198.18.0.20\"},{\"name\":\"\",\"mac\":\"aa:bb:cc:dd:ee:03\","
		       "\"address\":\"198.18.0.23\"},{\"name\":\"\",\"mac\":\"aa:bb:cc:dd:ee:04\","
		       "\"address\":\"198.18.0.24\"},{\"name\":\"PC\",\"mac\":"
		       "\"aa:bb:cc:dd:ee:02\",\"address\":\"198.18.0.21\"}]"),
		  "/lan/dhcp/reservations/3/name",
		  "duplicate name pc (also /lan/dhcp/reservations/0)");

	/* the limit: 4096 taken, 4097 refused as a whole at the list */
	ctx.lan_prefixlen = 16;
	ctx.n_wan_ports = 1;
	t = reservations_doc(DPW_DHCP_RESERVATIONS_MAX);
	ok(parse_ctx(t, &ctx));
	free(t);
	assert_int_equal(d->n_reservations, DPW_DHCP_RESERVATIONS_MAX);
	assert_string_equal(d->reservation[4095].name, "host4095");
	assert_int_equal(d->reservation[4095].addr, 0xc6121fff);   /* 198.18.31.255 */
	assert_fixed_point(&ctx);
	t = reservations_doc(DPW_DHCP_RESERVATIONS_MAX + 1);
	one_error(parse_ctx(t, &ctx), "/lan/dhcp/reservations", "4097 reservations, at most 4096");
	free(t);
}

static void
test_lan_dns(void **state)
{
	const struct dpw_doc_lan_dns *n = &doc.lan.dns;

	(void)state;
	ok(with("\"lan\":{\"dns\":{\"enabled\":false,\"caching\":false,\"cache_size\":0,"
		"\"resolvers\":[\"wan2\",\"wan1\"]}}", &lab_ctx));
	assert_false(n->enabled);
	assert_false(n->caching);
	assert_int_equal(n->cache_size, 0);
	assert_int_equal(n->n_resolvers, 2);
	assert_int_equal(n->resolver[0], 1);
	assert_int_equal(n->resolver[1], 0);
	assert_true(doc.lan.dhcp.enabled);   /* dhcp absent: its defaults */
	assert_int_equal(doc.lan.dhcp.n_ranges, 1);
	assert_fixed_point(&lab_ctx);
	ok(with("\"lan\":{\"dns\":{\"cache_size\":100000}}", &lab_ctx));
	assert_int_equal(n->cache_size, DPW_DNS_CACHE_MAX);

	one_error(with("\"lan\":{\"dns\":[]}", &lab_ctx), "/lan/dns", "must be an object");
	one_error(with("\"lan\":{\"dns\":{\"cache\":true}}", &lab_ctx), "/lan/dns/cache",
		  "unknown member 'cache'; known members: enabled, caching, cache_size, "
		  "resolvers");
	one_error(with("\"lan\":{\"dns\":{\"caching\":\"on\"}}", &lab_ctx), "/lan/dns/caching",
		  "must be true or false");
	one_error(with("\"lan\":{\"dns\":{\"cache_size\":100001}}", &lab_ctx),
		  "/lan/dns/cache_size", "out of range 0..100000");
	one_error(with("\"lan\":{\"dns\":{\"cache_size\":-1}}", &lab_ctx), "/lan/dns/cache_size",
		  "out of range");
	one_error(with("\"lan\":{\"dns\":{\"resolvers\":\"wan1\"}}", &lab_ctx),
		  "/lan/dns/resolvers", "must be an array of WAN names");
	one_error(with("\"lan\":{\"dns\":{\"resolvers\":[\"wan1\",\"wan3\"]}}", &lab_ctx),
		  "/lan/dns/resolvers/1", "no WAN 'wan3' in this document (WANs: wan1, wan2)");
	one_error(with("\"lan\":{\"dns\":{\"resolvers\":[\"wan1\",\"wan1\"]}}", &lab_ctx),
		  "/lan/dns/resolvers/1", "WAN 'wan1' is listed twice");
	one_error(with("\"lan\":{\"dns\":{\"resolvers\":[1]}}", &lab_ctx),
		  "/lan/dns/resolvers/0", "must be a string");
}

static void
test_dns_records(void **state)
{
	const struct dpw_doc_dns_record *r;
	char *c;

	(void)state;
	ok(with("\"dns_records\":[{\"name\":\"NAS.lan\",\"type\":\"a\",\"value\":\"198.18.0.30\"},"
		"{\"name\":\"nas.lan\",\"type\":\"AAAA\",\"value\":\"2001:DB8:0:0:0:0:0:1\","
		"\"ttl\":300},{\"name\":\"*.dev.lan\",\"type\":\"A\",\"value\":\"198.18.0.31\"},"
		"{\"name\":\"www.lan.\",\"type\":\"Cname\",\"value\":\"NAS.lan.\"},"
		"{\"name\":\"198.18.0.30\",\"type\":\"ptr\",\"value\":\"nas.lan\"},"
		"{\"name\":\"31.0.18.198.IN-ADDR.ARPA\",\"type\":\"PTR\",\"value\":\"dev.lan\"},"
		"{\"name\":\"nas.lan\",\"type\":\"A\",\"value\":\"198.18.0.32\",\"ttl\":86400},"
		"{\"name\":\"_sip._udp.lan\",\"type\":\"A\",\"value\":\"198.18.0.33\"}]",
		&lab_ctx));
	assert_int_equal(doc.n_dns_records, 8);
	r = doc.dns_records;
	assert_string_equal(r[0].name, "nas.lan");
	assert_int_equal(r[0].type, DPW_RR_A);
	assert_string_equal(r[0].value, "198.18.0.30");
	assert_int_equal(r[0].ttl, 0);
	assert_int_equal(r[1].type, DPW_RR_AAAA);
	assert_string_equal(r[1].value, "2001:db8::1");     /* canonical text */
	assert_int_equal(r[1].ttl, 300);
	assert_string_equal(r[2].name, "*.dev.lan");
	assert_string_equal(r[3].name, "www.lan");
	assert_int_equal(r[3].type, DPW_RR_CNAME);
	assert_string_equal(r[3].value, "nas.lan");
	assert_string_equal(r[4].name, "198.18.0.30");
	assert_int_equal(r[4].type, DPW_RR_PTR);
	assert_string_equal(r[5].name, "31.0.18.198.in-addr.arpa");
	c = dpw_doc_canonical(&doc, NULL);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"dns_records\":[{\"name\":\"nas.lan\",\"type\":\"A\","
			       "\"value\":\"198.18.0.30\",\"ttl\":0},{\"name\":\"nas.lan\","
			       "\"type\":\"AAAA\",\"value\":\"2001:db8::1\",\"ttl\":300},"));
	assert_non_null(strstr(c, "{\"name\":\"www.lan\",\"type\":\"CNAME\",\"value\":"
			       "\"nas.lan\",\"ttl\":0}"));
	free(c);
	assert_fixed_point(&lab_ctx);

	one_error(with("\"dns_records\":{}", &lab_ctx), "/dns_records", "must be an array");
	/* names dnsmasq's host-record would read as a TTL or as the address */
	one_error(with("\"dns_records\":[{\"name\":\"300\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.5\"}]", &lab_ctx), "/dns_records/0/name", "digits only");
	one_error(with("\"dns_records\":[{\"name\":\"10.0.0.9\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.5\"}]", &lab_ctx), "/dns_records/0/name", "is an address");
	one_error(with("\"dns_records\":[{\"name\":\"10.0.0.9\",\"type\":\"CNAME\","
		       "\"value\":\"nas.lan\"}]", &lab_ctx), "/dns_records/0/name",
		  "is an address");
	one_error(with("\"dns_records\":[\"nas A 1.2.3.4\"]", &lab_ctx), "/dns_records/0",
		  "must be an object");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"value\":\"198.18.0.1\"}]",
		       &lab_ctx), "/dns_records/0", "'type' is required");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"A\"}]", &lab_ctx),
		  "/dns_records/0", "'value' is required");
	one_error(with("\"dns_records\":[{\"type\":\"A\",\"value\":\"198.18.0.1\"}]", &lab_ctx),
		  "/dns_records/0", "'name' is required");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"MX\",\"value\":"
		       "\"mx.lan\"}]", &lab_ctx), "/dns_records/0/type",
		  "type 'MX' is unknown: A, AAAA, CNAME or PTR");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\",\"class\":\"IN\"}]", &lab_ctx), "/dns_records/0/class",
		  "unknown member");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"A\",\"value\":"
		       "\"2001:db8::1\"}]", &lab_ctx), "/dns_records/0/value",
		  "not an IPv4 address");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"AAAA\",\"value\":"
		       "\"198.18.0.1\"}]", &lab_ctx), "/dns_records/0/value",
		  "not an IPv6 address");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"b..lan\"}]", &lab_ctx), "/dns_records/0/value", "empty label");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"*.lan\"}]", &lab_ctx), "/dns_records/0/value", "wildcard");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\",\"ttl\":86401}]", &lab_ctx), "/dns_records/0/ttl",
		  "out of range 0..86400");
	one_error(with("\"dns_records\":[{\"name\":\"a lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\"}]", &lab_ctx), "/dns_records/0/name",
		  "a character other than");
	one_error(with("\"dns_records\":[{\"name\":\"a.*.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\"}]", &lab_ctx), "/dns_records/0/name",
		  "wildcard other than a whole first label");
	one_error(with("\"dns_records\":[{\"name\":\"*lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\"}]", &lab_ctx), "/dns_records/0/name", "wildcard");
	one_error(with("\"dns_records\":[{\"name\":\"*.c.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"c.lan\"}]", &lab_ctx), "/dns_records/0/name",
		  "only A and AAAA records take one");
	one_error(with("\"dns_records\":[{\"name\":\"*.c.lan\",\"type\":\"PTR\",\"value\":"
		       "\"c.lan\"}]", &lab_ctx), "/dns_records/0/name", "wildcard");
	one_error(with("\"dns_records\":[{\"name\":\"host.lan\",\"type\":\"PTR\",\"value\":"
		       "\"c.lan\"}]", &lab_ctx), "/dns_records/0/name",
		  "neither an IPv4 address nor an in-addr.arpa name");
	one_error(with("\"dns_records\":[{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaa.lan\",\"type\":\"A\",\"value\":\"198.18.0.1\"}]", &lab_ctx),
		  "/dns_records/0/name", "too long");
	/* a CNAME's name has no other record: at the later one, whichever it is */
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\"},{\"name\":\"b.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.2\"},{\"name\":\"A.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"b.lan\"}]", &lab_ctx), "/dns_records/2",
		  "a CNAME for 'a.lan', which has a record already (/dns_records/0)");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"b.lan\"},{\"name\":\"a.lan\",\"type\":\"AAAA\",\"value\":"
		       "\"2001:db8::1\"}]", &lab_ctx), "/dns_records/1",
		  "name 'a.lan' has a CNAME record (/dns_records/0)");
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"b.lan\"},{\"name\":\"a.lan\",\"type\":\"CNAME\",\"value\":"
		       "\"c.lan\"}]", &lab_ctx), "/dns_records/1", "a CNAME for 'a.lan'");
	/* exact duplicates (the same value written differently too) */
	one_error(with("\"dns_records\":[{\"name\":\"a.lan\",\"type\":\"AAAA\",\"value\":"
		       "\"2001:db8::1\"},{\"name\":\"a.lan\",\"type\":\"A\",\"value\":"
		       "\"198.18.0.1\"},{\"name\":\"A.LAN\",\"type\":\"aaaa\",\"value\":"
		       "\"2001:DB8:0::1\",\"ttl\":5}]", &lab_ctx), "/dns_records/2",
		  "duplicate record a.lan AAAA 2001:db8::1 (also /dns_records/0)");
	one_error(with("\"dns_records\":[{\"name\":\"198.18.0.9\",\"type\":\"PTR\",\"value\":"
		       "\"h.lan\"},{\"name\":\"9.0.18.198.in-addr.arpa\",\"type\":\"PTR\","
		       "\"value\":\"h.lan\"}]", &lab_ctx), "/dns_records/1",
		  "duplicate record");
}

static void
test_dns_records_limit(void **state)
{
	size_t cap = 64 + (DPW_DNS_RECORDS_MAX + 1) * 64, len;
	char *t = malloc(cap);
	unsigned int i, n;

	(void)state;
	assert_non_null(t);
	for (n = DPW_DNS_RECORDS_MAX; n <= DPW_DNS_RECORDS_MAX + 1; n++) {
		len = (size_t)snprintf(t, cap, "\"dns_records\":[");
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(t + len, cap - len, "%s{\"name\":\"h%u.lan\","
						"\"type\":\"A\",\"value\":\"198.18.%u.%u\"}",
						i ? "," : "", i, i >> 8, i & 0xff);
		snprintf(t + len, cap - len, "]");
		if (n == DPW_DNS_RECORDS_MAX) {
			ok(with(t, &lab_ctx));
			assert_int_equal(doc.n_dns_records, DPW_DNS_RECORDS_MAX);
		} else {
			one_error(with(t, &lab_ctx), "/dns_records", "4097 records, at most 4096");
		}
	}
	free(t);
}

static void
test_domain_lookup(void **state)
{
	const struct dpw_doc_domain_lookup *l;
	char *t;
	size_t len, cap = 64 + 300 * 48;
	unsigned int i;

	(void)state;
	ok(with("\"domain_lookup\":[{\"domain\":\"Corp.Example.\",\"wans\":[\"wan2\"]},"
		"{\"domain\":\"example.org\",\"wans\":[\"wan1\",\"wan2\"]}]", &lab_ctx));
	assert_int_equal(doc.n_domain_lookup, 2);
	l = doc.domain_lookup;
	assert_string_equal(l[0].domain, "corp.example");
	assert_int_equal(l[0].n_wans, 1);
	assert_int_equal(l[0].wan[0], 1);
	assert_int_equal(l[1].n_wans, 2);
	assert_fixed_point(&lab_ctx);

	one_error(with("\"domain_lookup\":{}", &lab_ctx), "/domain_lookup", "must be an array");
	one_error(with("\"domain_lookup\":[1]", &lab_ctx), "/domain_lookup/0",
		  "must be an object");
	one_error(with("\"domain_lookup\":[{\"wans\":[\"wan1\"]}]", &lab_ctx), "/domain_lookup/0",
		  "'domain' is required");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\"}]", &lab_ctx),
		  "/domain_lookup/0", "'wans' is required");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":[]}]", &lab_ctx),
		  "/domain_lookup/0/wans", "at least one WAN");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":\"wan1\"}]", &lab_ctx),
		  "/domain_lookup/0/wans", "must be an array of WAN names");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":[\"wan9\"]}]",
		       &lab_ctx), "/domain_lookup/0/wans/0", "no WAN 'wan9'");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":[\"wan1\",\"wan2\","
		       "\"wan1\"]}]", &lab_ctx), "/domain_lookup/0/wans/2", "listed twice");
	one_error(with("\"domain_lookup\":[{\"domain\":\"*.a.com\",\"wans\":[\"wan1\"]}]",
		       &lab_ctx), "/domain_lookup/0/domain", "covers its subdomains");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":[\"wan1\"],"
		       "\"via\":1}]", &lab_ctx), "/domain_lookup/0/via", "unknown member");
	one_error(with("\"domain_lookup\":[{\"domain\":\"a.com\",\"wans\":[\"wan1\"]},"
		       "{\"domain\":\"A.com\",\"wans\":[\"wan2\"]}]", &lab_ctx),
		  "/domain_lookup/1/domain", "duplicate domain 'a.com' (also /domain_lookup/0)");
	/* 257 entries: refused as a whole */
	t = malloc(cap);
	assert_non_null(t);
	len = (size_t)snprintf(t, cap, "\"domain_lookup\":[");
	for (i = 0; i <= DPW_DOMAIN_LOOKUP_MAX; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s{\"domain\":\"d%u.com\",\"wans\":"
					"[\"wan1\"]}", i ? "," : "", i);
	snprintf(t + len, cap - len, "]");
	one_error(with(t, &lab_ctx), "/domain_lookup", "257 domain lookup entries, at most 256");
	free(t);
}

/* Every problem is reported, not only the first; the document is refused whole. */
static void
test_many_problems(void **state)
{
	(void)state;
	assert_int_equal(with("\"lan\":{\"dhcp\":{\"lease_time\":1,\"router\":\"x\",\"options\":"
			      "[{\"code\":3,\"value\":\"1\"}]},\"dns\":{\"cache_size\":-1}},"
			      "\"dns_records\":[{\"name\":\"a\",\"type\":\"B\",\"value\":\"c\"}],"
			      "\"domain_lookup\":[{\"domain\":\"x\",\"wans\":[]}]", &lab_ctx),
			 -EINVAL);
	assert_int_equal(pr.errors, 6);
	assert_true(has("/lan/dhcp/lease_time", "out of range"));
	assert_true(has("/lan/dhcp/router", "not an address"));
	assert_true(has("/lan/dhcp/options/0/code", "'router'"));
	assert_true(has("/lan/dns/cache_size", "out of range"));
	assert_true(has("/dns_records/0/type", "unknown"));
	assert_true(has("/domain_lookup/0/wans", "at least one WAN"));
}

static const char full_yaml[] =
	"version: 1\n"
	"wans:\n"
	"  - name: wan1\n"
	"    addressing: {address: 198.18.1.2/24, gateway: 198.18.1.1}\n"
	"  - name: wan2\n"
	"    addressing: {address: 198.18.2.2/24, gateway: 198.18.2.1}\n"
	"lan:\n"
	"  dhcp:\n"
	"    enabled: true\n"
	"    logging: true\n"
	"    ranges:\n"
	"      - {start: 198.18.0.50, end: 198.18.0.99}\n"
	"      - start: 198.18.0.150\n"
	"        end: 198.18.0.160\n"
	"    lease_time: 12h\n"
	"    router: 198.18.0.254\n"
	"    dns: [198.18.0.1, 198.19.0.53]\n"
	"    domain: Home.Lan\n"
	"    ntp: [198.18.0.1]\n"
	"    options:\n"
	"      - code: 66\n"
	"        value: tftp.home.lan\n"
	"      - {code: 150, value: \"198.18.0.5\"}\n"
	"    reservations:\n"
	"      - {name: Printer, mac: \"AA:BB:CC:DD:EE:01\", address: 198.18.0.20}\n"
	"      - {mac: \"aa:bb:cc:dd:ee:02\", address: 198.18.0.21}\n"
	"  dns:\n"
	"    enabled: true\n"
	"    caching: false\n"
	"    cache_size: 0\n"
	"    resolvers: [wan2]\n"
	"dns_records:\n"
	"  - {name: nas.home.lan, type: a, value: 198.18.0.30}\n"
	"  - {name: \"*.dev.home.lan\", type: AAAA, value: \"2001:DB8::1\", ttl: 300}\n"
	"  - {name: www.home.lan, type: cname, value: nas.home.lan}\n"
	"  - {name: 198.18.0.30, type: PTR, value: nas.home.lan}\n"
	"domain_lookup:\n"
	"  - {domain: corp.example, wans: [wan1, wan2]}\n";

static void
test_yaml_full(void **state)
{
	const struct dpw_doc_dhcp *d = &doc.lan.dhcp;
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	char *c1, *c2, *y;
	json_t *t;
	size_t n1, n2, ny;

	(void)state;
	assert_non_null(d2);
	dpw_doc_free(&doc);
	ok(dpw_doc_parse(full_yaml, strlen(full_yaml), DPW_DOC_YAML, &lab_ctx, &doc, &pr));
	assert_int_equal(pr.warnings, 0);
	assert_true(d->logging);
	assert_int_equal(d->n_ranges, 2);
	assert_int_equal(d->range[1].end, 0xc61200a0);
	assert_int_equal(d->lease_time_s, 43200);
	assert_int_equal(d->router, 0xc61200fe);
	assert_int_equal(d->n_dns, 2);
	assert_string_equal(d->domain, "home.lan");
	assert_int_equal(d->n_ntp, 1);
	assert_int_equal(d->n_options, 2);
	assert_string_equal(d->option[1].value, "198.18.0.5");
	assert_int_equal(d->n_reservations, 2);
	assert_string_equal(d->reservation[0].name, "printer");
	assert_false(doc.lan.dns.caching);
	assert_int_equal(doc.lan.dns.n_resolvers, 1);
	assert_int_equal(doc.lan.dns.resolver[0], 1);
	assert_int_equal(doc.n_dns_records, 4);
	assert_string_equal(doc.dns_records[1].value, "2001:db8::1");
	assert_int_equal(doc.n_domain_lookup, 1);
	assert_int_equal(doc.domain_lookup[0].n_wans, 2);

	/* round trip: JSON canonical -> decode -> the same bytes; YAML dump -> the same */
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	ok(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, d2, &pr));
	c2 = dpw_doc_canonical(d2, &n2);
	assert_string_equal(c1, c2);
	free(c2);
	dpw_doc_free(d2);
	t = dpw_doc_to_json(&doc);
	assert_non_null(t);
	y = dpw_yaml_dump(t, &ny);
	assert_non_null(y);
	json_decref(t);
	ok(dpw_doc_parse(y, ny, DPW_DOC_YAML, &lab_ctx, d2, &pr));
	c2 = dpw_doc_canonical(d2, &n2);
	assert_string_equal(c1, c2);
	free(c1);
	free(c2);
	free(y);
	dpw_doc_free(d2);
	free(d2);
}

/* dpw_doc_copy owns new arrays: freeing the copy leaves the original whole. */
static void
test_copy(void **state)
{
	struct dpw_doc *d2 = calloc(1, sizeof(*d2));
	char *c1, *c2;

	(void)state;
	assert_non_null(d2);
	dpw_doc_free(&doc);
	ok(dpw_doc_parse(full_yaml, strlen(full_yaml), DPW_DOC_YAML, &lab_ctx, &doc, &pr));
	assert_int_equal(dpw_doc_copy(d2, &doc), 0);
	assert_ptr_not_equal(d2->lan.dhcp.reservation, doc.lan.dhcp.reservation);
	assert_ptr_not_equal(d2->dns_records, doc.dns_records);
	assert_ptr_not_equal(d2->domain_lookup, doc.domain_lookup);
	c1 = dpw_doc_canonical(&doc, NULL);
	c2 = dpw_doc_canonical(d2, NULL);
	assert_string_equal(c1, c2);
	dpw_doc_free(d2);
	free(c2);
	c2 = dpw_doc_canonical(&doc, NULL);
	assert_string_equal(c1, c2);
	free(c1);
	free(c2);
	free(d2);
}

/* The diff sees a change inside the lan section at its path. */
static void
test_diff(void **state)
{
	json_t *a, *b, *d;
	char *s;

	(void)state;
	ok(with("", &lab_ctx));
	a = dpw_doc_to_json(&doc);
	ok(with("\"lan\":{\"dhcp\":{\"lease_time\":\"1h\"}}", &lab_ctx));
	b = dpw_doc_to_json(&doc);
	d = dpw_doc_diff(a, b);
	assert_non_null(d);
	s = json_dumps(d, JSON_COMPACT);
	assert_string_equal(s, "[{\"op\":\"replace\",\"path\":\"/lan/dhcp/lease_time\","
			    "\"old\":86400,\"new\":3600}]");
	free(s);
	json_decref(a);
	json_decref(b);
	json_decref(d);
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_doc)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_dhcp_members),
		T(test_dhcp_errors),
		T(test_lease_time),
		T(test_options),
		T(test_reservations),
		T(test_lan_dns),
		T(test_dns_records),
		T(test_dns_records_limit),
		T(test_domain_lookup),
		T(test_many_problems),
		T(test_yaml_full),
		T(test_copy),
		T(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
