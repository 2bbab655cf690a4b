/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the WAN input policy: the classifier's decisions (default deny,
 * reply_to_ping, allow_input, the API only with api.allow_wan, DHCP client answers) and
 * the host-flow table that lets answers to the host's own traffic in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/hostflow.h"
#include "dataplane/wan_input.h"

static struct dpw_sysconf sys;
static struct dpw_port_conf wan;
static int dhcp_wan;      /* the WAN's addressing mode is dhcp */

static void
setup_conf(void)
{
	dpw_sysconf_defaults(&sys);
	dhcp_wan = 0;
	memset(&wan, 0, sizeof(wan));
	wan.role = DPW_ROLE_WAN;
	wan.reply_to_ping = 1;
}

static int
classify(uint8_t proto, uint16_t sport, uint16_t dport, uint8_t icmp_type, int to_addr,
	 int host_flow, int err_about_us)
{
	struct dpw_pkt_info pi;
	struct dp_wan_input in = { .pi = &pi, .to_addr = to_addr, .host_flow = host_flow,
				   .icmp_err_about_us = err_about_us,
				   .wan_addr = 0xc6120102 /* 198.18.1.2, the document's */,
				   .dhcp_wan = dhcp_wan };

	memset(&pi, 0, sizeof(pi));
	pi.l3 = DPW_L3_IPV4;
	pi.proto = proto;
	pi.sport = htons(sport);
	pi.dport = htons(dport);
	if (proto == DPW_IPPROTO_ICMP) {
		pi.icmp_type = icmp_type;
		pi.icmp_kind = icmp_type == DPW_ICMP_ECHO || icmp_type == DPW_ICMP_ECHOREPLY ?
			DPW_ICMP_KIND_QUERY : icmp_type == DPW_ICMP_UNREACH ?
			DPW_ICMP_KIND_ERROR : DPW_ICMP_KIND_OTHER;
	}
	return dp_wan_input_class(&in, &wan, &sys);
}

static void
test_default_deny(void **state)
{
	(void)state;
	setup_conf();
	/* sshd, a DNS server for the LAN, the API: nothing unasked gets in */
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 22, 0, 1, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 40000, 53, 0, 1, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 8080, 0, 1, 0, 0), -1);
	assert_int_equal(classify(47, 0, 0, 0, 1, 0, 0), -1);                     /* GRE */
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, 13, 1, 0, 0), -1);      /* timestamp */
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, DPW_ICMP_ECHOREPLY, 1, 0, 0), -1);
	/* an ICMP error about something we never sent */
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, DPW_ICMP_UNREACH, 1, 0, 0), -1);
	/* broadcasts and multicast on the WAN segment */
	assert_int_equal(classify(DPW_IPPROTO_UDP, 137, 137, 0, 0, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 1900, 1900, 0, 0, 0, 0), -1);
}

static void
test_allowed(void **state)
{
	(void)state;
	setup_conf();
	/* answers to the host's own flows, whatever their ports */
	assert_int_equal(classify(DPW_IPPROTO_TCP, 443, 35000, 0, 1, 1, 0), DPW_PUNT_HOST_REPLY);
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 7, DPW_ICMP_ECHOREPLY, 1, 1, 0),
			 DPW_PUNT_HOST_REPLY);
	/* but never as broadcast */
	assert_int_equal(classify(DPW_IPPROTO_TCP, 443, 35000, 0, 0, 1, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, DPW_ICMP_ECHO, 1, 0, 0), DPW_PUNT_ECHO);
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, DPW_ICMP_UNREACH, 1, 0, 1),
			 DPW_PUNT_ICMP_ERROR);
	/* a static WAN runs no DHCP client: a server's answers are nobody's */
	assert_int_equal(classify(DPW_IPPROTO_UDP, 67, 68, 0, 0, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 67, 68, 0, 1, 0, 0), -1);
	/* the DHCP WAN's client: unicast (to the address held or offered) or broadcast */
	dhcp_wan = 1;
	assert_int_equal(classify(DPW_IPPROTO_UDP, 67, 68, 0, 0, 0, 0), DPW_PUNT_DHCP);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 67, 68, 0, 1, 0, 0), DPW_PUNT_DHCP);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 68, 67, 0, 1, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_TCP, 67, 68, 0, 1, 0, 0), -1);
	/* and nothing else gets in for being on a DHCP WAN */
	assert_int_equal(classify(DPW_IPPROTO_UDP, 53, 68, 0, 0, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 67, 67, 0, 0, 0, 0), -1);
}

static void
test_dhcp_reply(void **state)
{
	struct dpw_pkt_info pi;

	(void)state;
	memset(&pi, 0, sizeof(pi));
	pi.l3 = DPW_L3_IPV4;
	pi.proto = DPW_IPPROTO_UDP;
	pi.sport = htons(67);
	pi.dport = htons(68);
	assert_true(dp_wan_input_dhcp_reply(&pi));
	pi.frag = 0x2000;   /* MF: the first fragment still has the ports */
	assert_true(dp_wan_input_dhcp_reply(&pi));
	pi.frag = 0x0010;   /* a later fragment: no UDP header */
	assert_false(dp_wan_input_dhcp_reply(&pi));
	pi.frag = 0;
	pi.dport = htons(67);
	assert_false(dp_wan_input_dhcp_reply(&pi));
	pi.dport = htons(68);
	pi.l3 = DPW_L3_ARP;
	assert_false(dp_wan_input_dhcp_reply(&pi));
}

static void
test_switches(void **state)
{
	(void)state;
	setup_conf();
	wan.reply_to_ping = 0;
	assert_int_equal(classify(DPW_IPPROTO_ICMP, 0, 0, DPW_ICMP_ECHO, 1, 0, 0), -1);
	wan.allow[0] = (struct dpw_input_allow){ .proto = 6, .port_lo = 22, .port_hi = 22 };
	wan.allow[1] = (struct dpw_input_allow){ .proto = 17, .port_lo = 500, .port_hi = 501 };
	wan.n_allow = 2;
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 22, 0, 1, 0, 0), DPW_PUNT_SERVICE);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 40000, 22, 0, 1, 0, 0), -1);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 500, 501, 0, 1, 0, 0), DPW_PUNT_SERVICE);
	assert_int_equal(classify(DPW_IPPROTO_UDP, 500, 502, 0, 1, 0, 0), -1);
	/* the API: only with api.allow_wan and a listener that covers this WAN */
	snprintf(sys.api_listen, sizeof(sys.api_listen), "0.0.0.0");
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 8080, 0, 1, 0, 0), -1);
	sys.api_allow_wan = 1;
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 8080, 0, 1, 0, 0), DPW_PUNT_SERVICE);
	snprintf(sys.api_listen, sizeof(sys.api_listen), "198.18.2.2");
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 8080, 0, 1, 0, 0), -1);
	snprintf(sys.api_listen, sizeof(sys.api_listen), "198.18.1.2");
	assert_int_equal(classify(DPW_IPPROTO_TCP, 40000, 8080, 0, 1, 0, 0), DPW_PUNT_SERVICE);
	for (unsigned int c = 0; c < DPW_PUNT_MAX; c++)
		assert_true(dp_punt_rate(c)->pps > 0 && dp_punt_rate(c)->burst > 0);
	assert_string_equal(dpw_punt_class_str(DPW_PUNT_HOST_REPLY), "wan_host_reply");
}

static struct dp_flow_key
key(uint32_t remote, uint16_t rport, uint16_t lport)
{
	struct dp_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src = htonl(remote);
	k.dst = htonl(0xc6120102);
	k.sport = htons(rport);
	k.dport = htons(lport);
	k.proto = 6;
	k.zone = 1;
	k.family = 4;
	return k;
}

static struct dp_hostflow table;

static void
test_hostflow(void **state)
{
	struct dp_flow_key a = key(0xc6130010, 443, 35000), b = key(0xc6130010, 443, 35001);
	unsigned int i, live = 0;

	(void)state;
	memset(&table, 0, sizeof(table));
	assert_false(dp_hostflow_has(&table, &a, 10));
	dp_hostflow_note(&table, &a, 100, 10);
	assert_true(dp_hostflow_has(&table, &a, 10));
	assert_true(dp_hostflow_has(&table, &a, 100));
	assert_false(dp_hostflow_has(&table, &a, 101));     /* expired */
	assert_false(dp_hostflow_has(&table, &b, 10));      /* another port */
	/* a later packet extends it; the latest packet decides (a FIN shortens it) */
	dp_hostflow_note(&table, &a, 200, 50);
	assert_true(dp_hostflow_has(&table, &a, 199));
	dp_hostflow_note(&table, &a, 120, 60);
	assert_true(dp_hostflow_has(&table, &a, 120));
	assert_false(dp_hostflow_has(&table, &a, 121));
	/* the table holds as many live flows as it has slots, give or take a bucket's skew;
	 * when a bucket is full, the flow closest to expiry gives way, counted */
	memset(&table, 0, sizeof(table));
	for (i = 0; i < DP_HOSTFLOW_SLOTS; i++) {
		struct dp_flow_key k = key(0xc6130000 + i, 53, 33000);

		dp_hostflow_note(&table, &k, 1000 + i, 1);
	}
	for (i = 0; i < DP_HOSTFLOW_SLOTS; i++) {
		struct dp_flow_key k = key(0xc6130000 + i, 53, 33000);

		live += (unsigned int)dp_hostflow_has(&table, &k, 2);
	}
	assert_int_equal(live + table.evicted, DP_HOSTFLOW_SLOTS);
	assert_true(live > DP_HOSTFLOW_SLOTS * 3 / 4);
	/* expired slots are reused without evicting anything */
	table.evicted = 0;
	for (i = 0; i < 256; i++) {
		struct dp_flow_key k = key(0xc6140000 + i, 53, 33001);

		dp_hostflow_note(&table, &k, 20000, 10000);
		assert_true(dp_hostflow_has(&table, &k, 10001));
	}
	assert_int_equal(table.evicted, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_deny),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_dhcp_reply),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_hostflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
