/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of issue 10's sections of the network-policy document (lib/cfg/
 * dpw_doc_inbound.c, dpw_doc_firewall.c, the WAN members in dpw_doc_wans.c): defaults,
 * every form of a service's ports, the checks against the NAT's ports, the LAN subnet
 * and the WANs' addresses, NAT mappings and 1:1, firewall rules and their limits, DoS
 * numbers, each error at its path, the canonical form as a fixed point and a deep copy.
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

static struct dpw_doc doc;
static struct dpw_doc_problems pr;

/* The lab's system: wan1 and wan2, LAN 198.18.0.1/24, NAT ports 41000-65535. */
static const struct dpw_doc_context lab_ctx = {
	.n_wan_ports = 2,
	.wan_port = { "wan1", "wan2" },
	.wan_port_mtu = { 1500, 1500 },
	.lan_addr = 0xc6120001,
	.lan_prefixlen = 24,
	.nat_port_min = 41000,
	.nat_port_max = 65535,
};

#define WANS "\"wans\":[{\"name\":\"wan1\",\"additional_addresses\":[\"198.18.1.20\"," \
	     "\"198.18.1.21\"],\"addressing\":{\"address\":\"198.18.1.2/24\",\"gateway\":" \
	     "\"198.18.1.1\"}},{\"name\":\"wan2\",\"addressing\":{\"address\":" \
	     "\"198.18.2.2/24\",\"gateway\":\"198.18.2.1\"}}]"

static int
with(const char *members)
{
	size_t n = strlen(members) + 1024;
	char *text = malloc(n);
	int rc;

	assert_non_null(text);
	snprintf(text, n, "{\"version\":1," WANS "%s%s}", members[0] ? "," : "", members);
	dpw_doc_free(&doc);
	rc = dpw_doc_parse(text, strlen(text), DPW_DOC_JSON, &lab_ctx, &doc, &pr);
	free(text);
	return rc;
}

static void
dump_problems(void)
{
	unsigned int i;

	for (i = 0; i < pr.n; i++)
		fprintf(stderr, "  %s%s: %s\n", pr.p[i].warning ? "warning " : "", pr.p[i].path,
			pr.p[i].message);
}

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

/* The document is refused with exactly one error, at path, sub in its message. */
static void
refused(const char *members, const char *path, const char *sub)
{
	assert_int_equal(with(members), -EINVAL);
	if (pr.errors != 1)
		dump_problems();
	assert_int_equal(pr.errors, 1);
	assert_true(has(path, sub));
}

static void
accepted(const char *members)
{
	int rc = with(members);

	if (rc != 0)
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

static void
test_defaults(void **state)
{
	(void)state;
	accepted("");
	assert_int_equal(doc.n_services, 0);
	assert_null(doc.services);
	assert_int_equal(doc.nat.n_mappings, 0);
	assert_int_equal(doc.firewall.outbound_default, DPW_FW_ALLOW);
	assert_int_equal(doc.firewall.inbound_default, DPW_FW_DENY);
	assert_int_equal(doc.firewall.log_rate, DPW_FW_LOG_RATE_DEFAULT);
	assert_int_equal(doc.dos.syn_rate_per_source, DPW_DOS_SYN_SOURCE_DEFAULT);
	assert_int_equal(doc.dos.syn_rate_global, DPW_DOS_SYN_GLOBAL_DEFAULT);
	assert_int_equal(doc.dos.max_sessions_per_host, 0);
	assert_true(doc.dos.drop_invalid_tcp);
	assert_false(doc.wans[0].forwarding);
	assert_int_equal(doc.wans[0].n_extra, 2);
	assert_int_equal(doc.wans[0].extra_addr[1], 0xc6120115);
	assert_int_equal(doc.wans[1].n_extra, 0);
}

static void
test_services(void **state)
{
	const struct dpw_doc_service *s;

	(void)state;
	accepted("\"services\":[{\"name\":\"web\",\"proto\":\"tcp\",\"port\":8080,\"to_port\":80,"
		 "\"wans\":[\"wan1\"],\"servers\":[{\"address\":\"198.18.0.10\",\"weight\":10},"
		 "{\"address\":\"198.18.0.11\",\"weight\":5}]},"
		 "{\"name\":\"games\",\"proto\":\"tcp_udp\",\"port\":\"27000-27015\","
		 "\"to_port\":37000,\"servers\":[{\"address\":\"198.18.0.12\"}]},"
		 "{\"name\":\"all\",\"proto\":\"udp\",\"port\":\"any\",\"addresses\":"
		 "[\"198.18.1.21\"],\"servers\":[{\"address\":\"198.18.0.13\"}]}]");
	assert_int_equal(doc.n_services, 3);
	s = &doc.services[0];
	assert_string_equal(s->name, "web");
	assert_true(s->enabled);
	assert_int_equal(s->protos, DPW_SVC_TCP);
	assert_int_equal(s->port.lo, 8080);
	assert_int_equal(s->port.hi, 8080);
	assert_int_equal(s->to_port, 80);
	assert_int_equal(s->n_wans, 1);
	assert_int_equal(s->wan[0], 0);
	assert_int_equal(s->n_servers, 2);
	assert_int_equal(s->server[0].weight, 10);
	assert_int_equal(s->server[1].addr, 0xc612000b);
	s = &doc.services[1];
	assert_int_equal(s->protos, DPW_SVC_TCP | DPW_SVC_UDP);
	assert_int_equal(s->port.lo, 27000);
	assert_int_equal(s->port.hi, 27015);
	assert_int_equal(s->server[0].weight, 1);
	assert_int_equal(s->n_wans, 0);
	s = &doc.services[2];
	assert_int_equal(s->port.lo, 1);
	assert_int_equal(s->port.hi, 65535);
	assert_int_equal(s->n_addrs, 1);
}

static void
test_service_errors(void **state)
{
	(void)state;
#define SRV "\"servers\":[{\"address\":\"198.18.0.10\"}]"
	refused("\"services\":[{\"name\":\"a\",\"port\":80," SRV "}]", "/services/0",
		"'proto' is required");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"icmp\",\"port\":80," SRV "}]",
		"/services/0/proto", "tcp, udp or tcp_udp");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\"," SRV "}]", "/services/0",
		"'port' is required");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"90-80\"," SRV "}]",
		"/services/0/port", "ends before it starts");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"x\"," SRV "}]",
		"/services/0/port", "is not \"any\"");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":0," SRV "}]",
		"/services/0/port", "out of range 1..65535");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"65000-65535\","
		"\"to_port\":1," SRV "}]", "/services/0/port", "overlap the NAT's ports 41000-65535");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"100-200\","
		"\"to_port\":65500,\"addresses\":[\"198.18.1.20\"]," SRV "}]",
		"/services/0/to_port", "past port 65535");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"any\"," SRV "}]",
		"/services/0", "port \"any\" needs 'addresses'");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":\"any\",\"addresses\":"
		"[\"198.18.1.2\"]," SRV "}]", "/services/0/addresses/0", "only on additional");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"addresses\":"
		"[\"198.18.2.20\"]," SRV "}]", "/services/0/addresses/0",
		"neither the address nor an additional address");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"wans\":[\"wan2\"],"
		"\"addresses\":[\"198.18.1.20\"]," SRV "}]", "/services/0/addresses/0",
		"a WAN the service listens on");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"wans\":[\"wan9\"],"
		SRV "}]", "/services/0/wans/0", "wan9");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"servers\":[]}]",
		"/services/0/servers", "0 servers: 1..16");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"servers\":"
		"[{\"address\":\"198.18.5.10\"}]}]", "/services/0/servers/0/address",
		"outside the LAN subnet");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"servers\":"
		"[{\"address\":\"198.18.0.1\"}]}]", "/services/0/servers/0/address",
		"the LAN's own");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"servers\":"
		"[{\"address\":\"198.18.0.10\",\"weight\":101}]}]",
		"/services/0/servers/0/weight", "out of range");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"servers\":"
		"[{\"address\":\"198.18.0.10\"},{\"address\":\"198.18.0.10\"}]}]",
		"/services/0/servers/1/address", "duplicate server");
	/* the same port, address and protocol twice; disabled or other protocol is fine */
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80," SRV "},"
		"{\"name\":\"b\",\"proto\":\"tcp_udp\",\"port\":\"70-90\",\"wans\":[\"wan1\"],"
		SRV "}]", "/services/1", "that service 'a'");
	accepted("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80," SRV "},"
		 "{\"name\":\"b\",\"proto\":\"udp\",\"port\":80," SRV "},"
		 "{\"name\":\"c\",\"enabled\":false,\"proto\":\"tcp\",\"port\":80," SRV "},"
		 "{\"name\":\"d\",\"proto\":\"tcp\",\"port\":80,\"addresses\":[\"198.18.1.20\"],"
		 SRV "}]");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80," SRV "},"
		"{\"name\":\"a\",\"proto\":\"tcp\",\"port\":81," SRV "}]", "/services/1",
		"duplicate service name 'a'");
	refused("\"services\":[{\"name\":\"a\",\"proto\":\"tcp\",\"port\":80,\"bogus\":1," SRV
		"}]", "/services/0/bogus", "unknown member");
#undef SRV
}

static void
test_wan_members(void **state)
{
	(void)state;
	assert_int_equal(with(""), 0);
	refused("\"x\":0", "/x", "unknown member");
	dpw_doc_free(&doc);
	{
		const char *t = "{\"version\":1,\"wans\":[{\"name\":\"wan1\",\"nat\":false,"
				"\"additional_addresses\":[\"198.18.3.5\",\"198.18.1.2\","
				"\"198.18.1.9\",\"198.18.1.9\"],\"addressing\":{\"address\":"
				"\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\"}},{\"name\":\"wan2\","
				"\"additional_addresses\":[\"198.18.2.9\"],\"addressing\":{\"mode\":"
				"\"dhcp\"}}]}";

		assert_int_equal(dpw_doc_parse(t, strlen(t), DPW_DOC_JSON, &lab_ctx, &doc, &pr),
				 -EINVAL);
		assert_int_equal(pr.errors, 4);
		assert_true(has("/wans/0/additional_addresses/0", "outside the WAN's subnet"));
		assert_true(has("/wans/0/additional_addresses/1", "own address"));
		assert_true(has("/wans/0/additional_addresses/3", "duplicate address"));
		assert_true(has("/wans/1/additional_addresses", "need a static WAN"));
		assert_true(doc.wans[0].forwarding);
	}
}

static void
test_nat(void **state)
{
	(void)state;
	accepted("\"nat\":{\"mappings\":[{\"name\":\"m1\",\"lan\":\"198.18.0.10\",\"wan\":\"wan1\","
		 "\"address\":\"198.18.1.20\"},{\"name\":\"net\",\"lan\":\"198.18.0.64/26\","
		 "\"wan\":\"wan2\",\"address\":\"198.18.2.2\"},{\"name\":\"o\",\"type\":"
		 "\"one_to_one\",\"lan\":\"198.18.0.30\",\"wan\":\"wan1\",\"address\":"
		 "\"198.18.1.21\"}]}");
	assert_int_equal(doc.nat.n_mappings, 3);
	assert_int_equal(doc.nat.mapping[0].type, DPW_NATMAP_OUTBOUND);
	assert_int_equal(doc.nat.mapping[0].lan.prefixlen, 32);
	assert_int_equal(doc.nat.mapping[1].lan.prefixlen, 26);
	assert_int_equal(doc.nat.mapping[1].wan, 1);
	assert_int_equal(doc.nat.mapping[2].type, DPW_NATMAP_ONE_TO_ONE);
	assert_int_equal(doc.nat.mapping[2].addr, 0xc6120115);
	refused("\"nat\":{\"mappings\":[{\"name\":\"o\",\"type\":\"one_to_one\",\"lan\":"
		"\"198.18.0.0/28\",\"wan\":\"wan1\",\"address\":\"198.18.1.21\"}]}",
		"/nat/mappings/0/lan", "one host");
	refused("\"nat\":{\"mappings\":[{\"name\":\"o\",\"type\":\"one_to_one\",\"lan\":"
		"\"198.18.0.30\",\"wan\":\"wan1\",\"address\":\"198.18.1.2\"}]}",
		"/nat/mappings/0/address", "needs an additional address");
	refused("\"nat\":{\"mappings\":[{\"name\":\"m\",\"lan\":\"198.18.0.30\",\"wan\":\"wan1\","
		"\"address\":\"198.18.2.2\"}]}", "/nat/mappings/0/address",
		"neither the address nor an additional address of WAN 'wan1'");
	refused("\"nat\":{\"mappings\":[{\"name\":\"m\",\"lan\":\"198.18.7.30\",\"wan\":\"wan1\","
		"\"address\":\"198.18.1.2\"}]}", "/nat/mappings/0/lan", "outside the LAN");
	refused("\"nat\":{\"mappings\":[{\"name\":\"m\",\"lan\":\"198.18.0.30\",\"wan\":\"wan3\","
		"\"address\":\"198.18.1.2\"}]}", "/nat/mappings/0/wan", "wan3");
	refused("\"nat\":{\"mappings\":[{\"name\":\"m\",\"type\":\"many\",\"lan\":\"198.18.0.30\","
		"\"wan\":\"wan1\",\"address\":\"198.18.1.2\"}]}", "/nat/mappings/0/type",
		"outbound or one_to_one");
	refused("\"nat\":{\"mappings\":[{\"name\":\"a\",\"type\":\"one_to_one\",\"lan\":"
		"\"198.18.0.30\",\"wan\":\"wan1\",\"address\":\"198.18.1.21\"},{\"name\":\"b\","
		"\"type\":\"one_to_one\",\"lan\":\"198.18.0.31\",\"wan\":\"wan1\",\"address\":"
		"\"198.18.1.21\"}]}", "/nat/mappings/1", "also mapping 'a''s");
	refused("\"services\":[{\"name\":\"s\",\"proto\":\"tcp\",\"port\":80,\"addresses\":"
		"[\"198.18.1.21\"],\"servers\":[{\"address\":\"198.18.0.10\"}]}],"
		"\"nat\":{\"mappings\":[{\"name\":\"a\",\"type\":\"one_to_one\",\"lan\":"
		"\"198.18.0.30\",\"wan\":\"wan1\",\"address\":\"198.18.1.21\"}]}",
		"/nat/mappings/0", "service 's''s");
	/* covered by an earlier mapping of the same WAN: a warning */
	accepted("\"nat\":{\"mappings\":[{\"name\":\"a\",\"lan\":\"198.18.0.0/24\",\"wan\":"
		 "\"wan1\",\"address\":\"198.18.1.20\"},{\"name\":\"b\",\"lan\":\"198.18.0.30\","
		 "\"wan\":\"wan1\",\"address\":\"198.18.1.21\"}]}");
	assert_int_equal(pr.warnings, 1);
	assert_true(has("/nat/mappings/1", "never acts"));
}

static void
test_firewall(void **state)
{
	(void)state;
	accepted("\"firewall\":{\"outbound_default\":\"deny\",\"log_rate\":5,\"outbound\":"
		 "[{\"name\":\"smtp\",\"proto\":\"tcp\",\"dst_port\":25,\"action\":\"reject\","
		 "\"log\":true},{\"name\":\"ok\",\"src\":\"198.18.0.0/25\",\"src_mac\":"
		 "\"02:00:00:00:00:01\",\"wans\":[\"wan2\"],\"action\":\"allow\"}],\"inbound\":"
		 "[{\"name\":\"no_inet\",\"src\":\"198.19.0.0/24\",\"proto\":\"tcp\",\"dst_port\":"
		 "\"80,443\",\"action\":\"deny\"}]}");
	assert_int_equal(doc.firewall.outbound_default, DPW_FW_DENY);
	assert_int_equal(doc.firewall.inbound_default, DPW_FW_DENY);
	assert_int_equal(doc.firewall.log_rate, 5);
	assert_int_equal(doc.firewall.n_outbound, 2);
	assert_int_equal(doc.firewall.outbound[0].action, DPW_FW_REJECT);
	assert_true(doc.firewall.outbound[0].log);
	assert_int_equal(doc.firewall.outbound[0].match.dport[0].lo, 25);
	assert_true(doc.firewall.outbound[1].match.has_src_mac);
	assert_int_equal(doc.firewall.outbound[1].n_wans, 1);
	assert_int_equal(doc.firewall.n_inbound, 1);
	assert_int_equal(doc.firewall.inbound[0].match.n_dport, 2);
	assert_string_equal(dpw_fw_action_str(DPW_FW_REJECT), "reject");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"proto\":\"tcp\"}]}",
		"/firewall/outbound/0", "'action' is required");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"action\":\"drop\"}]}",
		"/firewall/outbound/0/action", "allow, deny or reject");
	refused("\"firewall\":{\"inbound\":[{\"name\":\"a\",\"src_mac\":\"02:00:00:00:00:01\","
		"\"action\":\"deny\"}]}", "/firewall/inbound/0/src_mac", "no MAC");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"dst_domain\":\"foo.com\","
		"\"action\":\"deny\"}]}", "/firewall/outbound/0/dst_domain", "not DNS names");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"dst_port\":80,\"action\":"
		"\"deny\"}]}", "/firewall/outbound/0/dst_port", "ports need proto tcp or udp");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"action\":\"deny\"},{\"name\":\"a\","
		"\"action\":\"deny\"}]}", "/firewall/outbound/1", "duplicate rule name 'a'");
	refused("\"firewall\":{\"inbound_default\":\"drop\"}", "/firewall/inbound_default",
		"allow, deny or reject");
	refused("\"firewall\":{\"log_rate\":0}", "/firewall/log_rate", "out of range");
	refused("\"firewall\":{\"outbound\":[{\"name\":\"a\",\"action\":\"deny\",\"wans\":"
		"[\"wan1\",\"wan1\"]}]}", "/firewall/outbound/0/wans/1", "duplicate WAN");
}

/* At most DPW_FW_RULES_MAX rules a direction: the limit holds, one more is refused. */
static void
test_firewall_limit(void **state)
{
	size_t n = (size_t)(DPW_FW_RULES_MAX + 1) * 64 + 64, k = 0;
	char *m = malloc(n);
	unsigned int i;

	(void)state;
	assert_non_null(m);
	k += (size_t)snprintf(m + k, n - k, "\"firewall\":{\"outbound\":[");
	for (i = 0; i < DPW_FW_RULES_MAX; i++)
		k += (size_t)snprintf(m + k, n - k, "%s{\"name\":\"r%u\",\"action\":\"deny\"}",
				      i ? "," : "", i);
	snprintf(m + k, n - k, "]}");
	accepted(m);
	assert_int_equal(doc.firewall.n_outbound, DPW_FW_RULES_MAX);
	snprintf(m + k, n - k, ",{\"name\":\"x\",\"action\":\"deny\"}]}");
	refused(m, "/firewall/outbound", "at most 4096");
	free(m);
}

static void
test_dos(void **state)
{
	(void)state;
	accepted("\"dos\":{\"syn_rate_per_source\":0,\"syn_rate_global\":500,"
		 "\"max_sessions_per_host\":4,\"max_sessions_per_wan_address\":60000,"
		 "\"drop_invalid_tcp\":false}");
	assert_int_equal(doc.dos.syn_rate_per_source, 0);
	assert_int_equal(doc.dos.syn_rate_global, 500);
	assert_int_equal(doc.dos.max_sessions_per_host, 4);
	assert_int_equal(doc.dos.max_sessions_per_wan_address, 60000);
	assert_false(doc.dos.drop_invalid_tcp);
	refused("\"dos\":{\"syn_rate_global\":-1}", "/dos/syn_rate_global", "out of range");
	refused("\"dos\":{\"bogus\":1}", "/dos/bogus", "unknown member");
	refused("\"dos\":[]", "/dos", "must be an object");
}

/* The canonical form of a document with every section decodes to the same document. */
static void
test_round_trip_and_copy(void **state)
{
	struct dpw_doc d2, d3;
	char *c1, *c2;
	size_t n1, n2;

	(void)state;
	accepted("\"services\":[{\"name\":\"web\",\"proto\":\"tcp\",\"port\":\"8000-8010\","
		 "\"to_port\":9000,\"wans\":[\"wan1\"],\"addresses\":[\"198.18.1.20\"],"
		 "\"servers\":[{\"address\":\"198.18.0.10\",\"weight\":3}]}],"
		 "\"nat\":{\"mappings\":[{\"name\":\"m\",\"lan\":\"198.18.0.64/26\",\"wan\":"
		 "\"wan1\",\"address\":\"198.18.1.21\"}]},"
		 "\"firewall\":{\"inbound\":[{\"name\":\"i\",\"proto\":\"udp\",\"src_port\":"
		 "\"1-1023\",\"action\":\"reject\",\"log\":true}]},"
		 "\"dos\":{\"max_sessions_per_host\":9}");
	c1 = dpw_doc_canonical(&doc, &n1);
	assert_non_null(c1);
	assert_non_null(strstr(c1, "\"port\":\"8000-8010\",\"to_port\":9000"));
	assert_non_null(strstr(c1, "\"lan\":\"198.18.0.64/26\""));
	memset(&d2, 0, sizeof(d2));
	assert_int_equal(dpw_doc_parse(c1, n1, DPW_DOC_JSON, &lab_ctx, &d2, &pr), 0);
	c2 = dpw_doc_canonical(&d2, &n2);
	assert_non_null(c2);
	assert_string_equal(c1, c2);
	assert_memory_equal(d2.services, doc.services, sizeof(*doc.services));
	assert_memory_equal(&d2.firewall.inbound[0], &doc.firewall.inbound[0],
			    sizeof(doc.firewall.inbound[0]));
	assert_int_equal(dpw_doc_copy(&d3, &d2), 0);
	assert_ptr_not_equal(d3.services, d2.services);
	assert_ptr_not_equal(d3.nat.mapping, d2.nat.mapping);
	assert_ptr_not_equal(d3.firewall.inbound, d2.firewall.inbound);
	assert_int_equal(d3.firewall.n_inbound, 1);
	assert_memory_equal(d3.nat.mapping, d2.nat.mapping, sizeof(*d2.nat.mapping));
	dpw_doc_free(&d2);
	dpw_doc_free(&d3);
	free(c1);
	free(c2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_doc)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_services),
		T(test_service_errors),
		T(test_wan_members),
		T(test_nat),
		T(test_firewall),
		T(test_firewall_limit),
		T(test_dos),
		T(test_round_trip_and_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
