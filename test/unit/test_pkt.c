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

/* A SYN from 198.18.0.10 whose TCP options are opts (optlen a multiple of 4). */
static uint32_t
build_tcp_syn_opts(uint8_t *f, const uint8_t *opts, uint32_t optlen)
{
	uint8_t l4[60] = { 0 };
	uint32_t src, dst;
	uint16_t c;

	dpw_put16(l4, 40000);
	dpw_put16(l4 + 2, 80);
	l4[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	l4[13] = DPW_TCP_SYN;
	memcpy(l4 + 20, opts, optlen);
	memcpy(&src, "\xc6\x12\x00\x0a", 4);
	memcpy(&dst, "\xc6\x13\x00\x0a", 4);
	c = dpw_csum_l4(src, dst, 6, l4, 20 + optlen);
	memcpy(l4 + 16, &c, 2);
	return build(f, 6, l4, 20 + optlen);
}

/* The TCP checksum field of the frame f (a 20-byte IP header) equals the one computed
 * from scratch over its bytes, exactly. */
static void
expect_tcp_csum_exact(uint8_t *f, uint32_t l4len)
{
	uint8_t saved[2];
	uint32_t src, dst;
	uint16_t c;

	memcpy(&src, f + 26, 4);
	memcpy(&dst, f + 30, 4);
	memcpy(saved, f + 34 + 16, 2);
	memset(f + 34 + 16, 0, 2);
	c = dpw_csum_l4(src, dst, 6, f + 34, l4len);
	memcpy(f + 34 + 16, saved, 2);
	assert_memory_equal(&c, saved, 2);
}

static void
test_mss_clamp(void **state)
{
	/* MSS 1460 after a NOP: the option word sits at an odd offset */
	static const uint8_t odd[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 };
	static const uint16_t below[] = { 536, 1200, 1399, 1400 };
	uint8_t f[2048], g[2048];
	unsigned int i;
	uint32_t n;

	(void)state;
	/* the lab's WAN MTU 1440 gives MSS 1440 - 40 = 1400, exactly */
	n = build_tcp_syn(f, 1460);
	assert_int_equal(dpw_tcp_clamp_mss(f + 34, 24, 1400), 1);
	assert_int_equal(dpw_get16(f + 34 + 22), 1400);
	expect_tcp_csum_exact(f, 24);
	assert_int_equal(dpw_tcp_clamp_mss(f + 34, 24, 1440), 0);   /* never raised */
	assert_int_equal(dpw_get16(f + 34 + 22), 1400);

	n = build_tcp_syn_opts(f, odd, sizeof(odd));
	assert_int_equal(dpw_tcp_clamp_mss(f + 34, 28, 1400), 1);
	assert_int_equal(dpw_get16(f + 34 + 23), 1400);
	expect_tcp_csum_exact(f, 28);

	/* an MSS at or below the clamp is left alone: not one byte changes */
	for (i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		n = build_tcp_syn(f, below[i]);
		memcpy(g, f, n);
		assert_int_equal(dpw_tcp_clamp_mss(f + 34, 24, 1400), 0);
		assert_memory_equal(f, g, n);
		assert_int_equal(dpw_get16(f + 34 + 22), below[i]);
	}
}

/*
 * The checksum field of buf (len bytes, field at off) computed from scratch: the field
 * zeroed, the full sum taken, the field restored. Host order of the big-endian field.
 */
static uint16_t
scratch_csum(uint8_t *buf, size_t len, size_t off)
{
	uint8_t saved[2];
	uint16_t c;

	memcpy(saved, buf + off, 2);
	memset(buf + off, 0, 2);
	c = dpw_csum(buf, len);
	memcpy(buf + off, saved, 2);
	memcpy(saved, &c, 2);
	return dpw_get16(saved);
}

/* The folded one's-complement sum of buf with the 16-bit field at off taken as 0. */
static uint16_t
sum_without(uint8_t *buf, size_t len, size_t off)
{
	return (uint16_t)~scratch_csum(buf, len, off);
}

/* RFC 1624 section 4: eqn. 2 gives 0xffff here, the right answer (eqn. 3) is 0x0000. */
static void
test_incremental_csum_rfc1624(void **state)
{
	uint8_t b[6] = { 0 };

	(void)state;
	dpw_put16(b, 0xcd7a);       /* the sum of all other header words */
	dpw_put16(b + 2, 0x5555);   /* m */
	dpw_put16(b + 4, scratch_csum(b, sizeof(b), 4));
	assert_int_equal(dpw_get16(b + 4), 0xdd2f);
	dpw_put16(b + 2, 0x3285);   /* m' */
	assert_int_equal(scratch_csum(b, sizeof(b), 4), 0x0000);
	assert_int_equal(dpw_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

/* One 16-bit word of an IPv4 header rewritten to new_: the incremental checksum must be
 * exactly the one computed from scratch (no "or its complement"). Returns the result. */
static uint16_t
rewrite16_exact(uint8_t *ip, unsigned int off, uint16_t new_)
{
	uint16_t old = dpw_get16(ip + off), c = dpw_get16(ip + 10), want;

	dpw_put16(ip + off, new_);
	c = dpw_csum_update16(c, old, new_);
	want = scratch_csum(ip, 20, 10);
	assert_int_equal(c, want);
	dpw_put16(ip + 10, c);
	assert_int_equal(dpw_csum_partial(ip, 20, 0), 0xffff);   /* and it verifies */
	return c;
}

/* Deterministic xorshift: the same "random" headers on every run. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Make the sum of the header (checksum field aside) 0xffff through the word at off:
 * the right checksum is then 0x0000, the value an "or its complement" test misses. */
static uint16_t
word_for_zero_csum(uint8_t *ip, unsigned int off)
{
	uint16_t saved = dpw_get16(ip + off), other;

	dpw_put16(ip + off, 0);
	other = sum_without(ip, 20, 10);
	dpw_put16(ip + off, saved);
	return (uint16_t)~other;
}

static void
test_incremental_csum_exact(void **state)
{
	static const unsigned int words[] = { 0, 2, 4, 6, 8, 12, 14, 16, 18 };
	uint8_t f[2048], *ip = f + 14;
	unsigned int i, got_zero = 0, from_zero = 0;
	uint32_t seed = 0x2545f491;

	(void)state;
	for (i = 0; i < 5000; i++) {
		unsigned int off = words[xorshift(&seed) % 9], k;
		uint16_t new_;

		build_udp(f, (uint16_t)xorshift(&seed), 53, 20);
		for (k = 12; k < 20; k++)
			ip[k] = (uint8_t)xorshift(&seed);
		dpw_put16(ip + 4, (uint16_t)xorshift(&seed));
		if (i % 5 == 3) {
			/* start from a header whose checksum is 0x0000 (the IP id chosen so) */
			unsigned int o2 = off == 4 ? 6 : 4;

			dpw_put16(ip + o2, word_for_zero_csum(ip, o2));
			from_zero++;
		}
		dpw_put16(ip + 10, scratch_csum(ip, 20, 10));
		if (i % 5 == 3)
			assert_int_equal(dpw_get16(ip + 10), 0x0000);
		switch (i % 5) {
		case 0:
			new_ = word_for_zero_csum(ip, off);
			break;
		case 1:
			new_ = 0x0000;
			break;
		case 2:
			new_ = 0xffff;
			break;
		default:
			new_ = (uint16_t)xorshift(&seed);
			break;
		}
		got_zero += rewrite16_exact(ip, off, new_) == 0x0000;
	}
	/* the edge cases were reached, not just hoped for */
	assert_true(got_zero >= 1000);
	assert_true(from_zero == 1000);
}

/* The L4 checksum of the segment at l4 from scratch (field zeroed), in memory order. */
static uint16_t
scratch_l4(const uint8_t *ip, uint8_t *l4, unsigned int len, unsigned int csum_off)
{
	uint32_t src, dst;
	uint8_t saved[2];
	uint16_t c;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(saved, l4 + csum_off, 2);
	memset(l4 + csum_off, 0, 2);
	c = dpw_csum_l4(src, dst, ip[9], l4, len);
	memcpy(l4 + csum_off, saved, 2);
	return c;
}

/*
 * NAT-style rewrite of the source address and port, values in memory order as the
 * dataplane does it: the IP checksum (update32) and the L4 checksum over the
 * pseudo-header (update32 + update16) must equal a full recomputation exactly.
 */
static void
test_incremental_csum_l4_exact(void **state)
{
	uint8_t f[2048], *ip = f + 14, *l4 = f + 34;
	unsigned int i, l4_zero = 0;
	uint32_t seed = 0x9e3779b9;

	(void)state;
	for (i = 0; i < 3000; i++) {
		int tcp = i & 1;
		unsigned int csum_off = tcp ? 16 : 6, len = tcp ? 24 : 8 + 40;
		uint32_t old_a, new_a = xorshift(&seed);
		uint16_t old_p, new_p = (uint16_t)xorshift(&seed), ipc, l4c;
		uint8_t b[2];

		if (tcp)
			build_tcp_syn(f, (uint16_t)(536 + xorshift(&seed) % 1000));
		else
			build_udp(f, (uint16_t)xorshift(&seed), 9000, 40);
		memcpy(&old_a, ip + 12, 4);
		memcpy(&old_p, l4, 2);
		if (i % 7 == 1)
			new_a = 0;
		else if (i % 7 == 2)
			new_a = 0xffffffffu;
		if (i % 3 == 0) {
			/* the port that makes the new L4 sum 0xffff, so the checksum is 0x0000:
			 * with port and checksum 0, the from-scratch "checksum" is that port */
			memcpy(ip + 12, &new_a, 4);
			memset(l4, 0, 2);
			new_p = scratch_l4(ip, l4, len, csum_off);
			memcpy(ip + 12, &old_a, 4);
			memcpy(l4, &old_p, 2);
		}
		memcpy(&ipc, ip + 10, 2);
		memcpy(&l4c, l4 + csum_off, 2);
		ipc = dpw_csum_update32(ipc, old_a, new_a);
		l4c = dpw_csum_update32(l4c, old_a, new_a);
		l4c = dpw_csum_update16(l4c, old_p, new_p);
		memcpy(ip + 12, &new_a, 4);
		memcpy(l4, &new_p, 2);
		memcpy(b, &ipc, 2);
		assert_int_equal(dpw_get16(b), scratch_csum(ip, 20, 10));
		assert_int_equal(l4c, scratch_l4(ip, l4, len, csum_off));
		l4_zero += l4c == 0;
	}
	assert_true(l4_zero >= 1000);
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
		cmocka_unit_test(test_incremental_csum_rfc1624),
		cmocka_unit_test(test_incremental_csum_exact),
		cmocka_unit_test(test_incremental_csum_l4_exact),
		cmocka_unit_test(test_arp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
