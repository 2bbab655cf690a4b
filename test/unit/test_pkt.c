/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of lib/pkt: parsing with bounds checks, checksums (full and incremental),
 * ICMP error building, MSS clamping, ARP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

/* Build Ethernet + IPv4 + L4 into f; returns the frame length. */
static uint32_t
build(uint8_t *f, uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	uint8_t *ip = f + 14;
	uint16_t c;

	memset(f, 0, 14 + 20 + l4len);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	dpw_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	dpw_put16(ip + 2, (uint16_t)(20 + l4len));
	ip[6] = 0x40;   /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\xc6\x12\x00\x0a", 4);   /* 198.18.0.10 */
	memcpy(ip + 16, "\xc6\x13\x00\x0a", 4);   /* 198.19.0.10 */
	c = dpw_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	memcpy(ip + 20, l4, l4len);
	return 14 + 20 + l4len;
}

static uint32_t
build_udp(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t payload)
{
	uint8_t l4[1500];
	uint32_t src, dst;
	uint16_t c;

	memset(l4, 0xab, sizeof(l4));
	dpw_put16(l4, sport);
	dpw_put16(l4 + 2, dport);
	dpw_put16(l4 + 4, (uint16_t)(8 + payload));
	dpw_put16(l4 + 6, 0);
	memcpy(&src, "\xc6\x12\x00\x0a", 4);
	memcpy(&dst, "\xc6\x13\x00\x0a", 4);
	c = dpw_csum_l4(src, dst, 17, l4, 8 + payload);
	memcpy(l4 + 6, &c, 2);
	return build(f, 17, l4, 8 + payload);
}

static uint32_t
build_tcp_syn(uint8_t *f, uint16_t mss)
{
	uint8_t l4[24] = { 0 };
	uint32_t src, dst;
	uint16_t c;

	dpw_put16(l4, 40000);
	dpw_put16(l4 + 2, 80);
	l4[12] = 6 << 4;
	l4[13] = DPW_TCP_SYN;
	l4[20] = 2;
	l4[21] = 4;
	dpw_put16(l4 + 22, mss);
	memcpy(&src, "\xc6\x12\x00\x0a", 4);
	memcpy(&dst, "\xc6\x13\x00\x0a", 4);
	c = dpw_csum_l4(src, dst, 6, l4, 24);
	memcpy(l4 + 16, &c, 2);
	return build(f, 6, l4, 24);
}

static void
test_parse_udp(void **state)
{
	uint8_t f[2048];
	struct dpw_pkt_info pi;
	unsigned int drop = 999;
	uint32_t n = build_udp(f, 1234, 53, 100);

	(void)state;
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.l3, DPW_L3_IPV4);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(ntohs(pi.sport), 1234);
	assert_int_equal(ntohs(pi.dport), 53);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.ip_len, 128);
	/* Ethernet padding after the IP packet is fine */
	assert_int_equal(dpw_pkt_parse(f, n + 10, &pi, &drop), 0);
}

static void
expect_drop(uint8_t *f, uint32_t n, unsigned int reason)
{
	struct dpw_pkt_info pi;
	unsigned int drop = 999;

	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), -1);
	assert_string_equal(dpw_drop_str(drop), dpw_drop_str(reason));
}

static void
fix_ip_csum(uint8_t *f)
{
	uint16_t c = 0;

	memcpy(f + 24, &c, 2);
	c = dpw_csum(f + 14, (f[14] & 0xf) * 4);
	memcpy(f + 24, &c, 2);
}

static void
test_parse_malformed(void **state)
{
	uint8_t f[2048];
	uint32_t n;

	(void)state;
	n = build_udp(f, 1, 2, 10);
	expect_drop(f, 10, DPW_DROP_TRUNC_ETH);
	expect_drop(f, 14 + 12, DPW_DROP_TRUNC_IP);
	/* bad version */
	n = build_udp(f, 1, 2, 10);
	f[14] = 0x65;
	fix_ip_csum(f);
	expect_drop(f, n, DPW_DROP_BAD_IP_VERSION);
	/* IHL below 5 and IHL beyond the frame */
	n = build_udp(f, 1, 2, 10);
	f[14] = 0x43;
	expect_drop(f, n, DPW_DROP_BAD_IHL);
	n = build_udp(f, 1, 2, 0);
	f[14] = 0x4f;
	expect_drop(f, n, DPW_DROP_BAD_IHL);
	/* total length beyond the frame, and below the header */
	n = build_udp(f, 1, 2, 10);
	dpw_put16(f + 16, 1000);
	fix_ip_csum(f);
	expect_drop(f, n, DPW_DROP_BAD_IP_LEN);
	dpw_put16(f + 16, 12);
	fix_ip_csum(f);
	expect_drop(f, n, DPW_DROP_BAD_IP_LEN);
	/* bad header checksum */
	n = build_udp(f, 1, 2, 10);
	f[24] ^= 0x5a;
	expect_drop(f, n, DPW_DROP_BAD_IP_CSUM);
	/* UDP length beyond the IP payload */
	n = build_udp(f, 1, 2, 10);
	dpw_put16(f + 34 + 4, 200);
	expect_drop(f, n, DPW_DROP_TRUNC_L4);
	/* truncated TCP header */
	{
		uint8_t l4[10] = { 0 };

		n = build(f, 6, l4, sizeof(l4));
		expect_drop(f, n, DPW_DROP_TRUNC_L4);
	}
	/* TCP data offset beyond the segment */
	n = build_tcp_syn(f, 1460);
	f[34 + 12] = 15 << 4;
	expect_drop(f, n, DPW_DROP_BAD_TCP_OFF);
	/* multicast source */
	n = build_udp(f, 1, 2, 10);
	f[26] = 224;
	fix_ip_csum(f);
	expect_drop(f, n, DPW_DROP_BAD_SRC_ADDR);
	/* unknown ethertype */
	n = build_udp(f, 1, 2, 10);
	dpw_put16(f + 12, 0x86dd);
	expect_drop(f, n, DPW_DROP_NON_IP);
}

static void
test_parse_vlan_and_icmp(void **state)
{
	uint8_t f[2048], g[2048];
	uint8_t echo[16] = { DPW_ICMP_ECHO, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct dpw_pkt_info pi;
	unsigned int drop;
	uint32_t n;

	(void)state;
	n = build(f, 1, echo, sizeof(echo));
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.icmp_kind, DPW_ICMP_KIND_QUERY);
	assert_int_equal(ntohs(pi.sport), 0x1234);
	assert_int_equal(pi.dport, 0);
	/* the same behind an 802.1Q tag */
	memcpy(g, f, 12);
	dpw_put16(g + 12, 0x8100);
	dpw_put16(g + 14, 42);
	memcpy(g + 16, f + 12, n - 12);
	assert_int_equal(dpw_pkt_parse(g, n + 4, &pi, &drop), 0);
	assert_int_equal(pi.has_vlan, 1);
	assert_int_equal(pi.vlan_tci, 42);
	assert_int_equal(pi.l3_off, 18);
	assert_int_equal(ntohs(pi.sport), 0x1234);
}

static void
test_icmp_error_roundtrip(void **state)
{
	uint8_t f[2048], err[600], frame[700];
	struct dpw_pkt_info pi, epi;
	struct dpw_pkt_inner in;
	unsigned int drop;
	uint32_t n, en, router;

	(void)state;
	n = build_udp(f, 33434, 33435, 32);
	memcpy(&router, "\xc6\x12\x00\x01", 4);
	en = dpw_icmp_error_build(err, sizeof(err), f + 14, n - 14, DPW_ICMP_TIMXCEED, 0, 0,
				  router);
	assert_int_equal(en, 28 + (n - 14));
	assert_int_equal(dpw_csum_partial(err, 20, 0), 0xffff);       /* IP header valid */
	assert_int_equal(dpw_csum_partial(err + 20, en - 20, 0), 0xffff); /* ICMP valid */
	memcpy(frame, f, 14);
	memcpy(frame + 14, err, en);
	assert_int_equal(dpw_pkt_parse(frame, 14 + en, &epi, &drop), 0);
	assert_int_equal(epi.icmp_kind, DPW_ICMP_KIND_ERROR);
	assert_int_equal(dpw_pkt_parse_inner(frame, 14 + en, &epi, &in), 0);
	assert_int_equal(in.proto, 17);
	assert_int_equal(ntohs(in.sport), 33434);
	assert_int_equal(ntohs(in.dport), 33435);
	/* never an error about an error */
	assert_int_equal(dpw_icmp_error_build(err, sizeof(err), frame + 14, en, 3, 3, 0, router), 0);
	/* never about a broadcast */
	(void)dpw_pkt_parse(f, n, &pi, &drop);
	memset(f + 30, 0xff, 4);
	assert_int_equal(dpw_icmp_error_build(err, sizeof(err), f + 14, n - 14, 11, 0, 0, router), 0);
}

static void
test_mss_clamp(void **state)
{
	uint8_t f[2048];
	uint32_t n, src, dst;

	(void)state;
	n = build_tcp_syn(f, 1460);
	assert_int_equal(dpw_tcp_clamp_mss(f + 34, 24, 1400), 1);
	assert_int_equal(dpw_get16(f + 34 + 22), 1400);
	memcpy(&src, f + 26, 4);
	memcpy(&dst, f + 30, 4);
	/* the incrementally updated checksum equals a full recomputation */
	assert_int_equal(dpw_csum_l4(src, dst, 6, f + 34, 24), 0);
	assert_int_equal(dpw_tcp_clamp_mss(f + 34, 24, 1440), 0);   /* never raised */
	(void)n;
}

static void
test_incremental_csum(void **state)
{
	uint8_t buf[64];
	uint16_t c, c2, old, new_;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	c = dpw_csum(buf, sizeof(buf));
	for (i = 0; i < 1000; i++) {
		unsigned int off = (i * 2) % sizeof(buf);

		memcpy(&old, buf + off, 2);
		new_ = (uint16_t)(i * 7919);
		memcpy(buf + off, &new_, 2);
		c = dpw_csum_update16(c, old, new_);
		c2 = dpw_csum(buf, sizeof(buf));
		/* 0x0000 and 0xffff are the same one's-complement value */
		assert_true(c == c2 || (uint16_t)(c + c2) == 0xffff);
	}
}

static void
test_arp(void **state)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t me[6] = { 2, 0, 0, 0, 0, 9 };
	static const uint8_t zero[6];
	uint8_t f[64];
	struct dpw_pkt_info pi;
	struct dpw_arp a;
	unsigned int drop;
	uint32_t n, spa, tpa;

	(void)state;
	memcpy(&spa, "\xc6\x12\x01\x02", 4);
	memcpy(&tpa, "\xc6\x12\x01\x01", 4);
	n = dpw_arp_build(f, 1, bc, me, spa, zero, tpa);
	assert_int_equal(n, 60);
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.l3, DPW_L3_ARP);
	assert_int_equal(dpw_arp_parse(f, n, pi.l3_off, &a), 0);
	assert_int_equal(a.op, 1);
	assert_memory_equal(a.sha, me, 6);
	assert_int_equal(a.spa, spa);
	assert_int_equal(a.tpa, tpa);
	assert_int_equal(dpw_arp_parse(f, 30, pi.l3_off, &a), -1);
	f[14 + 5] = 16;   /* IPv6-sized protocol address: not ours */
	assert_int_equal(dpw_arp_parse(f, n, pi.l3_off, &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_udp),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_vlan_and_icmp),
		cmocka_unit_test(test_icmp_error_roundtrip),
		cmocka_unit_test(test_mss_clamp),
		cmocka_unit_test(test_incremental_csum),
		cmocka_unit_test(test_arp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
