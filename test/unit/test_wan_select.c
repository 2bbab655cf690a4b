/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the priority-group rule (dataplane/wan_select.c: which WANs that are up
 * take new sessions, which wait in standby) and of the RST a LAN host gets when its
 * connection's WAN fails (dataplane/tcp_rst.c: fields and both checksums).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/tcp_rst.h"
#include "dataplane/wan_select.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

#define N 4

static void
pick(const struct dp_wan_group *g, unsigned int n, const char *want_usable,
     const char *want_standby)
{
	uint8_t usable[N], standby[N];
	char u[N + 1], s[N + 1];
	unsigned int i;

	memset(usable, 0xaa, sizeof(usable));
	memset(standby, 0xaa, sizeof(standby));
	dp_wan_select(g, n, usable, standby);
	for (i = 0; i < n; i++) {
		assert_true(usable[i] <= 1 && standby[i] <= 1);
		assert_false(usable[i] && standby[i]);
		/* standby or usable only for a WAN that is up, and every up WAN is one of them */
		assert_int_equal(usable[i] | standby[i], g[i].up);
		u[i] = (char)('0' + usable[i]);
		s[i] = (char)('0' + standby[i]);
	}
	u[n] = s[n] = '\0';
	assert_string_equal(u, want_usable);
	assert_string_equal(s, want_standby);
}

static void
test_one_group(void **state)
{
	struct dp_wan_group g[N] = {
		{ .up = 1, .priority = 1 }, { .up = 1, .priority = 1 },
		{ .up = 0, .priority = 1 }, { .up = 1, .priority = 0 },   /* 0 is 1 */
	};

	(void)state;
	pick(g, N, "1101", "0000");
	g[0].up = g[1].up = g[3].up = 0;
	pick(g, N, "0000", "0000");
}

static void
test_backup_groups(void **state)
{
	/* wan1 always-on, wan2 and wan3 backups in group 2, wan4 last resort in group 3 */
	struct dp_wan_group g[N] = {
		{ .up = 1, .priority = 1 }, { .up = 1, .priority = 2 },
		{ .up = 1, .priority = 2 }, { .up = 1, .priority = 3 },
	};

	(void)state;
	pick(g, N, "1000", "0111");
	g[0].up = 0;                         /* group 1 down: group 2 takes over */
	pick(g, N, "0110", "0001");
	g[1].up = 0;                         /* one of group 2 is enough to hold group 3 */
	pick(g, N, "0010", "0001");
	g[2].up = 0;
	pick(g, N, "0001", "0000");
	g[0].up = 1;                         /* group 1 back: the others wait again */
	pick(g, N, "1000", "0001");
}

static void
test_priority_1_always_on(void **state)
{
	/* whatever the others do, a priority-1 WAN that is up takes sessions */
	struct dp_wan_group g[3] = {
		{ .up = 1, .priority = 2 }, { .up = 1, .priority = 1 }, { .up = 1, .priority = 1,
									  .independent = 1 },
	};

	(void)state;
	pick(g, 3, "011", "100");
}

static void
test_independent(void **state)
{
	/* wan1 independent in group 1: its being up does not hold group 2 back */
	struct dp_wan_group g[N] = {
		{ .up = 1, .priority = 1, .independent = 1 }, { .up = 0, .priority = 1 },
		{ .up = 1, .priority = 2 }, { .up = 1, .priority = 3 },
	};

	(void)state;
	pick(g, N, "1010", "0001");
	g[1].up = 1;                         /* a dependent WAN of group 1: group 2 waits */
	pick(g, N, "1100", "0011");
	g[2].independent = 1;                /* an independent group 2 does not hold group 3 */
	g[1].up = 0;
	pick(g, N, "1011", "0000");
	g[0].up = 0;
	pick(g, N, "0011", "0000");
}

static void
test_rst(void **state)
{
	static const uint8_t host_mac[6] = { 2, 0, 0, 0, 0, 0x10 }, lan_mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t f[DP_TCP_RST_LEN + 8];
	uint32_t server = htonl(0xc613000a), host = htonl(0xc612000a);
	const uint8_t *ip = f + 14, *tcp = ip + 20;
	struct dpw_pkt_info pi;
	unsigned int reason;

	(void)state;
	memset(f, 0x5a, sizeof(f));
	dp_tcp_rst_build(f, host_mac, lan_mac, server, host, htons(443), htons(40000),
			 0xfffffff0u, 0x12345678u);
	assert_int_equal(f[DP_TCP_RST_LEN], 0x5a);          /* nothing written past it */
	assert_memory_equal(f, host_mac, 6);
	assert_memory_equal(f + 6, lan_mac, 6);
	assert_int_equal(dpw_pkt_parse(f, DP_TCP_RST_LEN, &pi, &reason), 0);
	assert_int_equal(pi.l3, DPW_L3_IPV4);
	assert_int_equal(pi.proto, DPW_IPPROTO_TCP);
	assert_int_equal(pi.src, server);
	assert_int_equal(pi.dst, host);
	assert_int_equal(pi.sport, htons(443));
	assert_int_equal(pi.dport, htons(40000));
	assert_int_equal(pi.tcp_seq, 0xfffffff0u);
	assert_int_equal(pi.tcp_ack, 0x12345678u);
	assert_int_equal(pi.tcp_flags, DPW_TCP_RST | DPW_TCP_ACK);
	assert_int_equal(pi.ip_len, 40);
	assert_true(pi.ttl > 1);
	/* both checksums verify: the IP header's, and TCP's over the pseudo-header */
	assert_int_equal(dpw_csum_partial(ip, 20, 0), 0xffff);
	assert_int_equal(dpw_csum_l4(server, host, DPW_IPPROTO_TCP, tcp, 20), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_group),
		cmocka_unit_test(test_backup_groups),
		cmocka_unit_test(test_priority_1_always_on),
		cmocka_unit_test(test_independent),
		cmocka_unit_test(test_rst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
