/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: lib/pkt as the dataplane feeds it with frames from the Internet and the
 * LAN. The input is one Ethernet frame. dpw_pkt_parse runs on it; on success, the calls
 * a worker makes next run too, each on its own copy: dpw_arp_parse (ARP), the ICMP
 * error builder (as stage_icmp.c calls it, into a buffer of exactly the size it is
 * given), dpw_pkt_parse_inner (ICMP errors), dpw_tcp_clamp_mss (SYNs) and
 * dpw_ipv4_dec_ttl. The builder also runs on the raw bytes after the Ethernet header,
 * parsed or not. Every promise of lib/pkt/dpw_pkt.h that can be checked from outside is
 * a FUZZ_CHECK, so a logic bug traps like an overflow. Single-threaded.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"
#include "test/fuzz/fuzz.h"

#define ROUTER_BE htonl(0xc6120001u)      /* 198.18.0.1: the appliance's own source */

/* 0x0000 and 0xffff are the same one's-complement number. */
static int
csum_same(uint16_t a, uint16_t b)
{
	return a == b || (uint16_t)(a + b) == 0xffff;
}

static int
multicast_or_bcast(uint32_t a_be)
{
	return (ntohl(a_be) >> 28) == 0xe || a_be == 0xffffffffu;
}

/* What dpw_pkt_parse promises about a frame it accepted. */
static void
check_info(const uint8_t *f, uint32_t len, const struct dpw_pkt_info *pi)
{
	const uint8_t *ip;
	uint32_t ihl;

	FUZZ_CHECK(pi->l3_off == (pi->has_vlan ? DPW_ETH_HLEN + 4 : DPW_ETH_HLEN));
	if (pi->has_vlan)
		FUZZ_CHECK(dpw_get16(f + 12) == DPW_ETHERTYPE_VLAN &&
			   pi->vlan_tci == dpw_get16(f + 14));
	if (pi->l3 == DPW_L3_ARP) {
		FUZZ_CHECK((uint32_t)pi->l3_off + 28 <= len);
		FUZZ_CHECK(dpw_get16(f + pi->l3_off - 2) == DPW_ETHERTYPE_ARP);
		return;
	}
	FUZZ_CHECK(pi->l3 == DPW_L3_IPV4);
	FUZZ_CHECK(dpw_get16(f + pi->l3_off - 2) == DPW_ETHERTYPE_IPV4);
	ip = f + pi->l3_off;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	FUZZ_CHECK((ip[0] >> 4) == 4 && ihl >= 20);
	FUZZ_CHECK(pi->l4_off == pi->l3_off + ihl);
	FUZZ_CHECK(pi->ip_len >= ihl && (uint32_t)pi->l3_off + pi->ip_len <= len);
	FUZZ_CHECK(pi->ip_len == dpw_get16(ip + 2));
	FUZZ_CHECK((uint32_t)pi->l4_off + pi->l4_len == (uint32_t)pi->l3_off + pi->ip_len);
	FUZZ_CHECK(dpw_csum_partial(ip, ihl, 0) == 0xffff);
	FUZZ_CHECK(pi->proto == ip[9] && pi->ttl == ip[8]);
	FUZZ_CHECK(memcmp(&pi->src, ip + 12, 4) == 0 && memcmp(&pi->dst, ip + 16, 4) == 0);
	FUZZ_CHECK(!multicast_or_bcast(pi->src) && (ntohl(pi->src) >> 24) != 127);
	FUZZ_CHECK(pi->frag == (dpw_get16(ip + 6) & 0x3fff));
	if (pi->frag & 0x1fff) {
		/* a non-first fragment: nothing read from an L4 header it does not have */
		FUZZ_CHECK(pi->sport == 0 && pi->dport == 0 && pi->tcp_flags == 0 &&
			   pi->icmp_kind == DPW_ICMP_KIND_NONE);
		return;
	}
	switch (pi->proto) {
	case DPW_IPPROTO_TCP: {
		uint32_t doff = (uint32_t)(f[pi->l4_off + 12] >> 4) * 4;

		FUZZ_CHECK(pi->l4_len >= 20 && doff >= 20 && doff <= pi->l4_len);
		FUZZ_CHECK(pi->tcp_flags == f[pi->l4_off + 13]);
		FUZZ_CHECK(memcmp(&pi->sport, f + pi->l4_off, 2) == 0 &&
			   memcmp(&pi->dport, f + pi->l4_off + 2, 2) == 0);
		break;
	}
	case DPW_IPPROTO_UDP:
		FUZZ_CHECK(pi->l4_len >= 8);
		FUZZ_CHECK(memcmp(&pi->sport, f + pi->l4_off, 2) == 0 &&
			   memcmp(&pi->dport, f + pi->l4_off + 2, 2) == 0);
		/* a first fragment's UDP length covers the whole datagram; else it must fit */
		if (!(pi->frag & 0x2000))
			FUZZ_CHECK(dpw_get16(f + pi->l4_off + 4) >= 8 &&
				   dpw_get16(f + pi->l4_off + 4) <= pi->l4_len);
		break;
	case DPW_IPPROTO_ICMP:
		FUZZ_CHECK(pi->l4_len >= 8);
		FUZZ_CHECK(pi->icmp_type == f[pi->l4_off] && pi->icmp_code == f[pi->l4_off + 1]);
		FUZZ_CHECK(pi->icmp_kind == DPW_ICMP_KIND_QUERY ||
			   pi->icmp_kind == DPW_ICMP_KIND_ERROR ||
			   pi->icmp_kind == DPW_ICMP_KIND_OTHER);
		if (pi->icmp_kind == DPW_ICMP_KIND_QUERY) {
			/* the request's key is the reply's key reversed */
			if (pi->icmp_type == DPW_ICMP_ECHO)
				FUZZ_CHECK(memcmp(&pi->sport, f + pi->l4_off + 4, 2) == 0 &&
					   pi->dport == 0);
			else
				FUZZ_CHECK(pi->icmp_type == DPW_ICMP_ECHOREPLY && pi->sport == 0 &&
					   memcmp(&pi->dport, f + pi->l4_off + 4, 2) == 0);
		} else {
			FUZZ_CHECK(pi->sport == 0 && pi->dport == 0);
		}
		break;
	default:
		FUZZ_CHECK(pi->sport == 0 && pi->dport == 0);
		break;
	}
}

/* What dpw_pkt_parse_inner promises about the packet an ICMP error quotes. */
static void
check_inner(uint32_t len, const struct dpw_pkt_info *pi, const uint8_t *f,
	    const struct dpw_pkt_inner *in)
{
	uint32_t end = (uint32_t)pi->l3_off + pi->ip_len;

	FUZZ_CHECK(end <= len);
	FUZZ_CHECK(in->l3_off == pi->l4_off + 8);
	FUZZ_CHECK(in->l4_off >= in->l3_off + 20 && in->l4_off <= end);
	FUZZ_CHECK((uint32_t)(in->l4_off - in->l3_off) == (uint32_t)(f[in->l3_off] & 0xf) * 4);
	FUZZ_CHECK(in->l4_avail >= 8 && (uint32_t)in->l4_off + in->l4_avail == end);
	FUZZ_CHECK(in->proto == f[in->l3_off + 9]);
	FUZZ_CHECK(memcmp(&in->src, f + in->l3_off + 12, 4) == 0 &&
		   memcmp(&in->dst, f + in->l3_off + 16, 4) == 0);
	if (in->proto == DPW_IPPROTO_ICMP)
		FUZZ_CHECK(in->icmp_kind == DPW_ICMP_KIND_QUERY);
	else
		FUZZ_CHECK(in->proto == DPW_IPPROTO_TCP || in->proto == DPW_IPPROTO_UDP);
}

static void
fuzz_arp(const uint8_t *f, uint32_t len, const struct dpw_pkt_info *pi)
{
	struct dpw_arp a, b;
	struct dpw_pkt_info pi2;
	unsigned int drop;
	uint8_t out[60];

	if (dpw_arp_parse(f, len, pi->l3_off, &a) != 0)
		return;
	FUZZ_CHECK(a.op == 1 || a.op == 2);
	FUZZ_CHECK(!(a.sha[0] & 1));
	FUZZ_CHECK(memcmp(a.sha, f + pi->l3_off + 8, 6) == 0 &&
		   memcmp(&a.tpa, f + pi->l3_off + 24, 4) == 0);
	/* what the builder writes, the parser reads back */
	FUZZ_CHECK(dpw_arp_build(out, a.op, f, a.sha, a.spa, a.tha, a.tpa) == sizeof(out));
	FUZZ_CHECK(dpw_pkt_parse(out, sizeof(out), &pi2, &drop) == 0 && pi2.l3 == DPW_L3_ARP);
	FUZZ_CHECK(dpw_arp_parse(out, sizeof(out), pi2.l3_off, &b) == 0);
	FUZZ_CHECK(b.op == a.op && memcmp(b.sha, a.sha, 6) == 0 && b.spa == a.spa &&
		   memcmp(b.tha, a.tha, 6) == 0 && b.tpa == a.tpa);
}

/*
 * Build an ICMP error about orig (orig_len bytes) into a heap buffer of exactly outlen
 * bytes and check the result. pi is the parse of the frame orig came from, or NULL.
 * Returns the length built (0: refused).
 */
static uint32_t
fuzz_icmp_error(const uint8_t *orig, uint32_t orig_len, uint32_t outlen, uint8_t type,
		uint8_t code, uint16_t mtu, const struct dpw_pkt_info *pi)
{
	uint8_t *out = malloc(outlen), *frame;
	struct dpw_pkt_info epi;
	struct dpw_pkt_inner in;
	unsigned int drop;
	uint32_t n, quote, ihl;

	FUZZ_CHECK(out != NULL);
	n = dpw_icmp_error_build(out, outlen, orig, orig_len, type, code, mtu, ROUTER_BE);
	if (pi != NULL && pi->l3 == DPW_L3_IPV4 && pi->proto == DPW_IPPROTO_UDP &&
	    !(pi->frag & 0x1fff) && !multicast_or_bcast(pi->dst) && pi->src != 0 && outlen >= 56)
		FUZZ_CHECK(n != 0);  /* a good unicast datagram is answered */
	if (n == 0) {
		free(out);
		return 0;
	}
	quote = orig_len;
	if (quote > 576 - 28)
		quote = 576 - 28;
	if (quote > outlen - 28)
		quote = outlen - 28;
	FUZZ_CHECK(n == 28 + quote && n <= outlen && n <= 576);
	FUZZ_CHECK(out[0] == 0x45 && dpw_get16(out + 2) == n && out[9] == DPW_IPPROTO_ICMP);
	FUZZ_CHECK(dpw_csum_partial(out, 20, 0) == 0xffff);
	FUZZ_CHECK(dpw_csum_partial(out + 20, n - 20, 0) == 0xffff);
	FUZZ_CHECK(memcmp(out + 16, orig + 12, 4) == 0);       /* back to the sender */
	FUZZ_CHECK(out[20] == type && out[21] == code);
	FUZZ_CHECK(memcmp(out + 28, orig, quote) == 0);
	ihl = (uint32_t)(orig[0] & 0xf) * 4;
	FUZZ_CHECK(!(dpw_get16(orig + 6) & 0x1fff));           /* never about a later fragment */
	{
		uint32_t dst;

		memcpy(&dst, out + 16, 4);
		FUZZ_CHECK(!multicast_or_bcast(dst));
	}

	/* the error goes out as a frame: our own parser must accept it and find the quote */
	frame = malloc(DPW_ETH_HLEN + n);
	FUZZ_CHECK(frame != NULL);
	memset(frame, 0x02, 12);
	dpw_put16(frame + 12, DPW_ETHERTYPE_IPV4);
	memcpy(frame + DPW_ETH_HLEN, out, n);
	free(out);
	if (pi == NULL) {
		free(frame);
		return n;
	}
	FUZZ_CHECK(dpw_pkt_parse(frame, DPW_ETH_HLEN + n, &epi, &drop) == 0);
	check_info(frame, DPW_ETH_HLEN + n, &epi);
	FUZZ_CHECK(epi.proto == DPW_IPPROTO_ICMP && epi.icmp_type == type);
	if ((pi->proto == DPW_IPPROTO_TCP || pi->proto == DPW_IPPROTO_UDP ||
	     (pi->proto == DPW_IPPROTO_ICMP && pi->icmp_kind == DPW_ICMP_KIND_QUERY)) &&
	    quote >= ihl + 8 && epi.icmp_kind == DPW_ICMP_KIND_ERROR) {
		FUZZ_CHECK(dpw_pkt_parse_inner(frame, DPW_ETH_HLEN + n, &epi, &in) == 0);
		check_inner(DPW_ETH_HLEN + n, &epi, frame, &in);
		FUZZ_CHECK(in.proto == pi->proto && in.src == pi->src && in.dst == pi->dst &&
			   in.sport == pi->sport && in.dport == pi->dport);
	}
	free(frame);
	return n;
}

/* Clamp the MSS of a copy of the SYN f and check what changed (nothing unless it says 1). */
static void
fuzz_mss(const uint8_t *f, uint32_t len, const struct dpw_pkt_info *pi, uint16_t mss)
{
	uint32_t doff = (uint32_t)(f[pi->l4_off + 12] >> 4) * 4, i;
	uint8_t *g = malloc(len), *tcp;
	uint16_t before, after;
	int changed = 0, rc;

	FUZZ_CHECK(g != NULL);
	memcpy(g, f, len);
	tcp = g + pi->l4_off;
	before = dpw_csum_l4(pi->src, pi->dst, DPW_IPPROTO_TCP, tcp, pi->l4_len);
	rc = dpw_tcp_clamp_mss(tcp, doff, mss);
	FUZZ_CHECK(rc == 0 || rc == 1);
	for (i = 0; i < len; i++) {
		uint32_t o = i - pi->l4_off;

		if (g[i] == f[i])
			continue;
		changed = 1;
		/* only the checksum and the value of an MSS option (kind 2, length 4) */
		FUZZ_CHECK(i >= pi->l4_off && o < doff);
		if (o == 16 || o == 17)
			continue;
		FUZZ_CHECK(o >= 22);
		FUZZ_CHECK((tcp[o - 2] == 2 && tcp[o - 1] == 4) ||
			   (tcp[o - 3] == 2 && tcp[o - 2] == 4));
	}
	if (rc == 0) {
		FUZZ_CHECK(!changed);
		free(g);
		return;
	}
	/* the incremental update leaves the segment's sum as it was, valid or not */
	after = dpw_csum_l4(pi->src, pi->dst, DPW_IPPROTO_TCP, tcp, pi->l4_len);
	FUZZ_CHECK(csum_same(before, after));
	/* clamped once is clamped: never raised, never again */
	FUZZ_CHECK(dpw_tcp_clamp_mss(tcp, doff, mss) == 0);
	free(g);
}

static void
fuzz_dec_ttl(const uint8_t *f, uint32_t len, const struct dpw_pkt_info *pi)
{
	uint8_t *g = malloc(len);
	uint32_t ihl = pi->l4_off - pi->l3_off;

	FUZZ_CHECK(g != NULL);
	memcpy(g, f, len);
	dpw_ipv4_dec_ttl(g + pi->l3_off);
	FUZZ_CHECK(g[pi->l3_off + 8] == (uint8_t)(f[pi->l3_off + 8] - 1));
	FUZZ_CHECK(dpw_csum_partial(g + pi->l3_off, ihl, 0) == 0xffff);
	FUZZ_CHECK(memcmp(g, f, pi->l3_off + 8) == 0 &&
		   memcmp(g + pi->l3_off + 12, f + pi->l3_off + 12, len - pi->l3_off - 12) == 0);
	free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpw_pkt_info pi, pi2;
	struct dpw_pkt_inner in;
	unsigned int drop = ~0u;
	uint32_t len, outlen;
	uint8_t knob;

	if (size > 65535 + 18)
		return 0;   /* beyond any frame the ports deliver */
	len = (uint32_t)size;
	/* the last byte picks the bounded buffer size (also below the builder's minimum of
	 * 56) and the MSS: corpus-reachable, no extra input format */
	knob = len ? data[len - 1] : 0;
	outlen = 20 + (uint32_t)knob * 3;

	/* the builder on whatever follows the Ethernet header, parsed or not */
	if (len > DPW_ETH_HLEN)
		(void)fuzz_icmp_error(data + DPW_ETH_HLEN, len - DPW_ETH_HLEN, outlen,
				      DPW_ICMP_PARAMPROB, 0, 0, NULL);

	if (dpw_pkt_parse(data, len, &pi, &drop) != 0) {
		FUZZ_CHECK(drop < DPW_DROP_MAX);
		return 0;
	}
	check_info(data, len, &pi);
	/* pure: a second parse finds the same */
	FUZZ_CHECK(dpw_pkt_parse(data, len, &pi2, &drop) == 0 &&
		   memcmp(&pi, &pi2, sizeof(pi)) == 0);
	if (pi.l3 == DPW_L3_ARP) {
		fuzz_arp(data, len, &pi);
		return 0;
	}
	/* the worker's own answers: TTL exceeded, and fragmentation needed at a WAN MTU */
	(void)fuzz_icmp_error(data + pi.l3_off, pi.ip_len, outlen, DPW_ICMP_TIMXCEED, 0, 0, &pi);
	(void)fuzz_icmp_error(data + pi.l3_off, pi.ip_len, 600, DPW_ICMP_UNREACH,
			      DPW_ICMP_UNREACH_NEEDFRAG, (uint16_t)(576 + knob * 4), &pi);
	fuzz_dec_ttl(data, len, &pi);
	if (pi.icmp_kind == DPW_ICMP_KIND_ERROR &&
	    dpw_pkt_parse_inner(data, len, &pi, &in) == 0)
		check_inner(len, &pi, data, &in);
	if (pi.proto == DPW_IPPROTO_TCP && (pi.tcp_flags & DPW_TCP_SYN)) {
		fuzz_mss(data, len, &pi, (uint16_t)(536 + knob * 4));
		fuzz_mss(data, len, &pi, 1360);
	}
	return 0;
}
