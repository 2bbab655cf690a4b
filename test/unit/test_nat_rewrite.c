/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the dataplane's NAT header rewrite (dp_nat_rewrite in dataplane/worker.h,
 * a pure function over the frame's bytes): after every rewrite, the IPv4 and L4
 * checksums are exactly the ones computed from scratch over the rewritten bytes, a UDP
 * checksum that comes out 0x0000 is sent as 0xffff (RFC 768: 0 means "none"), and a UDP
 * datagram without a checksum keeps none. Built with DPDK's headers only (no EAL).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/worker.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

#define UDP_LEN (8 + 40)
#define TCP_LEN 24
#define ICMP_LEN (8 + 32)

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Ethernet + IPv4 (198.18.0.10 -> 198.19.0.10) + an L4 header with random payload and
 * valid checksums; pi is what the parser makes of it. */
static uint32_t
build(uint8_t *f, uint8_t proto, uint16_t sport, uint32_t *seed, struct dpw_pkt_info *pi)
{
	uint32_t l4len = proto == DPW_IPPROTO_TCP ? TCP_LEN :
			 proto == DPW_IPPROTO_UDP ? UDP_LEN : ICMP_LEN;
	uint8_t *ip = f + 14, *l4 = f + 34;
	uint32_t src, dst, i;
	unsigned int drop;
	uint16_t c;

	memset(f, 0, 34 + l4len);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	dpw_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	dpw_put16(ip + 2, (uint16_t)(20 + l4len));
	dpw_put16(ip + 4, (uint16_t)xorshift(seed));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\xc6\x12\x00\x0a", 4);
	memcpy(ip + 16, "\xc6\x13\x00\x0a", 4);
	c = dpw_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	for (i = 8; i < l4len; i++)
		l4[i] = (uint8_t)xorshift(seed);
	switch (proto) {
	case DPW_IPPROTO_TCP:
		dpw_put16(l4, sport);
		dpw_put16(l4 + 2, 80);
		l4[12] = 5 << 4;
		l4[13] = DPW_TCP_ACK;
		memset(l4 + 16, 0, 4);
		break;
	case DPW_IPPROTO_UDP:
		dpw_put16(l4, sport);
		dpw_put16(l4 + 2, 9000);
		dpw_put16(l4 + 4, UDP_LEN);
		break;
	default:
		l4[0] = DPW_ICMP_ECHO;
		l4[1] = 0;
		dpw_put16(l4 + 4, sport);
		dpw_put16(l4 + 6, 1);
		break;
	}
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (proto == DPW_IPPROTO_ICMP) {
		memset(l4 + 2, 0, 2);
		c = dpw_csum(l4, l4len);
		memcpy(l4 + 2, &c, 2);
	} else {
		unsigned int off = proto == DPW_IPPROTO_TCP ? 16 : 6;

		c = dpw_csum_l4(src, dst, proto, l4, l4len);
		if (proto == DPW_IPPROTO_UDP && c == 0)
			c = 0xffff;
		memcpy(l4 + off, &c, 2);
	}
	assert_int_equal(dpw_pkt_parse(f, 34 + l4len, pi, &drop), 0);
	return l4len;
}

static unsigned int
csum_off(uint8_t proto)
{
	return proto == DPW_IPPROTO_TCP ? 16 : proto == DPW_IPPROTO_UDP ? 6 : 2;
}

/* The checksum fields a correct sender would put there, from scratch over the bytes. */
static void
expect_scratch(uint8_t *f, uint8_t proto, uint32_t l4len)
{
	uint8_t *ip = f + 14, *l4 = f + 34;
	unsigned int off = csum_off(proto);
	uint16_t got, want;
	uint32_t src, dst;

	memcpy(&got, ip + 10, 2);
	memset(ip + 10, 0, 2);
	want = dpw_csum(ip, 20);
	memcpy(ip + 10, &got, 2);
	assert_int_equal(got, want);

	memcpy(&got, l4 + off, 2);
	memset(l4 + off, 0, 2);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	want = proto == DPW_IPPROTO_ICMP ? dpw_csum(l4, l4len) :
	       dpw_csum_l4(src, dst, proto, l4, l4len);
	if (proto == DPW_IPPROTO_UDP && want == 0)
		want = 0xffff;
	memcpy(l4 + off, &got, 2);
	assert_int_equal(got, want);
}

static void
test_rewrite_exact(void **state)
{
	static const uint8_t protos[] = { DPW_IPPROTO_TCP, DPW_IPPROTO_UDP, DPW_IPPROTO_ICMP };
	unsigned int i;
	uint32_t seed = 0x12345678;

	(void)state;
	for (i = 0; i < 3000; i++) {
		uint8_t f[256], proto = protos[i % 3];
		struct dpw_pkt_info pi;
		uint32_t l4len = build(f, proto, (uint16_t)xorshift(&seed), &seed, &pi);
		uint32_t addr = xorshift(&seed);
		uint16_t port = (uint16_t)xorshift(&seed);

		if (i % 11 == 0)
			addr = 0;
		else if (i % 11 == 1)
			addr = 0xffffffffu;
		if (i % 13 == 0)
			port = 0xffff;
		dp_nat_rewrite(f, &pi, (i / 3) & 1, addr, port);
		expect_scratch(f, proto, l4len);
	}
}

/*
 * UDP's rule: the source port is chosen so that the translated datagram's checksum,
 * computed from scratch, is 0x0000; it must go out as 0xffff, never as 0 ("none").
 */
static void
test_rewrite_udp_zero_becomes_ffff(void **state)
{
	unsigned int i, hit = 0;
	uint32_t seed = 0xcafef00d;

	(void)state;
	for (i = 0; i < 500; i++) {
		uint8_t f[256], g[256], *l4 = f + 34;
		struct dpw_pkt_info pi;
		uint32_t l4len = build(f, DPW_IPPROTO_UDP, (uint16_t)xorshift(&seed), &seed, &pi);
		uint32_t addr = xorshift(&seed), src, dst;
		uint16_t port, c;

		/* the port that makes the sum 0xffff: with port and checksum 0 the
		 * from-scratch "checksum" (~sum) is exactly that port */
		memcpy(g, f, sizeof(g));
		memcpy(g + 14 + 12, &addr, 4);
		memset(g + 34, 0, 2);
		memset(g + 34 + 6, 0, 2);
		memcpy(&src, g + 14 + 12, 4);
		memcpy(&dst, g + 14 + 16, 4);
		port = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, g + 34, l4len);
		dp_nat_rewrite(f, &pi, 1, addr, port);
		memcpy(&c, l4 + 6, 2);
		assert_int_equal(c, 0xffff);
		/* and it verifies: the sum over pseudo-header and datagram is 0xffff */
		memcpy(&src, f + 14 + 12, 4);
		assert_int_equal((uint16_t)~dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, l4, l4len), 0xffff);
		expect_scratch(f, DPW_IPPROTO_UDP, l4len);
		hit++;
	}
	assert_int_equal(hit, 500);
}

/* A UDP datagram sent without a checksum (0) keeps none after translation. */
static void
test_rewrite_udp_no_checksum_stays(void **state)
{
	unsigned int i;
	uint32_t seed = 0xdeadbeef;

	(void)state;
	for (i = 0; i < 200; i++) {
		uint8_t f[256];
		struct dpw_pkt_info pi;
		uint16_t c;

		build(f, DPW_IPPROTO_UDP, (uint16_t)xorshift(&seed), &seed, &pi);
		memset(f + 34 + 6, 0, 2);
		dp_nat_rewrite(f, &pi, i & 1, xorshift(&seed), (uint16_t)xorshift(&seed));
		memcpy(&c, f + 34 + 6, 2);
		assert_int_equal(c, 0);
		memcpy(&c, f + 14 + 10, 2);
		{
			uint16_t want;

			memset(f + 14 + 10, 0, 2);
			want = dpw_csum(f + 14, 20);
			assert_int_equal(c, want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_exact),
		cmocka_unit_test(test_rewrite_udp_zero_becomes_ffff),
		cmocka_unit_test(test_rewrite_udp_no_checksum_stays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
