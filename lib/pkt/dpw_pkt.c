/* SPDX-License-Identifier: BSD-3-Clause
 * Bounds-checked packet parsing and building over byte buffers. Pure, any thread.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

static int
icmp_kind(uint8_t type)
{
	switch (type) {
	case DPW_ICMP_ECHO:
	case DPW_ICMP_ECHOREPLY:
		return DPW_ICMP_KIND_QUERY;
	case DPW_ICMP_UNREACH:
	case DPW_ICMP_TIMXCEED:
	case DPW_ICMP_PARAMPROB:
	case DPW_ICMP_SOURCEQUENCH:
		return DPW_ICMP_KIND_ERROR;
	default:
		return DPW_ICMP_KIND_OTHER;
	}
}

static int
bad_source(uint32_t src_be)
{
	uint32_t s = ntohl(src_be);

	/* multicast, limited broadcast, loopback: never a valid source on the wire */
	return (s >> 28) == 0xe || s == 0xffffffffu || (s >> 24) == 127;
}

/* Bit n set: flags n (FIN..URG, ECE and CWR masked off) are a valid combination. */
#define F(x) (1ull << (x))
static const uint64_t tcp_valid_flags =
	F(DPW_TCP_SYN) | F(DPW_TCP_SYN | DPW_TCP_URG) | F(DPW_TCP_SYN | DPW_TCP_ACK) |
	F(DPW_TCP_RST) | F(DPW_TCP_RST | DPW_TCP_ACK) |
	F(DPW_TCP_FIN | DPW_TCP_ACK) | F(DPW_TCP_FIN | DPW_TCP_ACK | DPW_TCP_PSH) |
	F(DPW_TCP_FIN | DPW_TCP_ACK | DPW_TCP_URG) |
	F(DPW_TCP_FIN | DPW_TCP_ACK | DPW_TCP_PSH | DPW_TCP_URG) |
	F(DPW_TCP_ACK) | F(DPW_TCP_ACK | DPW_TCP_PSH) | F(DPW_TCP_ACK | DPW_TCP_URG) |
	F(DPW_TCP_ACK | DPW_TCP_PSH | DPW_TCP_URG);
#undef F

int
dpw_tcp_flags_valid(uint8_t flags)
{
	return (int)((tcp_valid_flags >> (flags & 0x3f)) & 1);
}

int
dpw_pkt_parse(const uint8_t *frame, uint32_t len, struct dpw_pkt_info *pi, unsigned int *drop)
{
	uint32_t off = DPW_ETH_HLEN, ihl, l4len;
	uint16_t type;
	const uint8_t *ip, *l4;

	memset(pi, 0, sizeof(*pi));
	if (len < DPW_ETH_HLEN) {
		*drop = DPW_DROP_TRUNC_ETH;
		return -1;
	}
	type = dpw_get16(frame + 12);
	if (type == DPW_ETHERTYPE_VLAN) {
		if (len < DPW_ETH_HLEN + 4) {
			*drop = DPW_DROP_TRUNC_ETH;
			return -1;
		}
		pi->has_vlan = 1;
		pi->vlan_tci = dpw_get16(frame + 14);
		type = dpw_get16(frame + 16);
		off += 4;
	}
	pi->l3_off = (uint16_t)off;
	if (type == DPW_ETHERTYPE_ARP) {
		if (len < off + 28) {
			*drop = DPW_DROP_BAD_ARP;
			return -1;
		}
		pi->l3 = DPW_L3_ARP;
		return 0;
	}
	if (type != DPW_ETHERTYPE_IPV4) {
		*drop = DPW_DROP_NON_IP;
		return -1;
	}
	if (len < off + 20) {
		*drop = DPW_DROP_TRUNC_IP;
		return -1;
	}
	ip = frame + off;
	if ((ip[0] >> 4) != 4) {
		*drop = DPW_DROP_BAD_IP_VERSION;
		return -1;
	}
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || off + ihl > len) {
		*drop = DPW_DROP_BAD_IHL;
		return -1;
	}
	pi->ip_len = dpw_get16(ip + 2);
	if (pi->ip_len < ihl || off + pi->ip_len > len) {
		*drop = DPW_DROP_BAD_IP_LEN;
		return -1;
	}
	if (dpw_csum_partial(ip, ihl, 0) != 0xffff) {
		*drop = DPW_DROP_BAD_IP_CSUM;
		return -1;
	}
	pi->l3 = DPW_L3_IPV4;
	pi->ttl = ip[8];
	pi->proto = ip[9];
	memcpy(&pi->src, ip + 12, 4);
	memcpy(&pi->dst, ip + 16, 4);
	if (bad_source(pi->src)) {
		*drop = DPW_DROP_BAD_SRC_ADDR;
		return -1;
	}
	pi->frag = dpw_get16(ip + 6) & (DPW_IP_MF | DPW_IP_OFFMASK);   /* MF + offset; DF is not a fragment */
	pi->l4_off = (uint16_t)(off + ihl);
	l4len = pi->ip_len - ihl;
	pi->l4_len = (uint16_t)l4len;
	if (pi->frag & DPW_IP_OFFMASK)
		return 0;   /* non-first fragment: no L4 header to look at */
	l4 = ip + ihl;
	switch (pi->proto) {
	case DPW_IPPROTO_TCP: {
		uint32_t doff;

		if (l4len < 20) {
			*drop = DPW_DROP_TRUNC_L4;
			return -1;
		}
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4len) {
			*drop = DPW_DROP_BAD_TCP_OFF;
			return -1;
		}
		memcpy(&pi->sport, l4, 2);
		memcpy(&pi->dport, l4 + 2, 2);
		pi->tcp_flags = l4[13];
		if (!dpw_tcp_flags_valid(pi->tcp_flags)) {
			*drop = DPW_DROP_TCP_BAD_FLAGS;
			return -1;
		}
		pi->tcp_seq = dpw_get32(l4 + 4);
		pi->tcp_ack = dpw_get32(l4 + 8);
		pi->tcp_win = dpw_get16(l4 + 14);
		pi->tcp_hlen = (uint8_t)doff;
		pi->tcp_wscale = (pi->tcp_flags & DPW_TCP_SYN) ? dpw_tcp_wscale(l4, doff) :
								   DPW_TCP_WSCALE_NONE;
		break;
	}
	case DPW_IPPROTO_UDP: {
		uint16_t ulen;

		if (l4len < 8) {
			*drop = DPW_DROP_TRUNC_L4;
			return -1;
		}
		ulen = dpw_get16(l4 + 4);
		if ((ulen < 8 || ulen > l4len) && !(pi->frag & DPW_IP_MF)) {
			*drop = DPW_DROP_TRUNC_L4;
			return -1;
		}
		memcpy(&pi->sport, l4, 2);
		memcpy(&pi->dport, l4 + 2, 2);
		break;
	}
	case DPW_IPPROTO_ICMP:
		if (l4len < 8) {
			*drop = DPW_DROP_TRUNC_L4;
			return -1;
		}
		pi->icmp_type = l4[0];
		pi->icmp_code = l4[1];
		pi->icmp_kind = (uint8_t)icmp_kind(l4[0]);
		if (pi->icmp_kind == DPW_ICMP_KIND_QUERY) {
			if (pi->icmp_type == DPW_ICMP_ECHO)
				memcpy(&pi->sport, l4 + 4, 2);
			else
				memcpy(&pi->dport, l4 + 4, 2);
		}
		break;
	default:
		break;
	}
	return 0;
}

int
dpw_pkt_parse_inner(const uint8_t *frame, uint32_t len, const struct dpw_pkt_info *pi,
		    struct dpw_pkt_inner *in)
{
	uint32_t off = (uint32_t)pi->l4_off + 8, end, ihl;
	const uint8_t *ip;

	memset(in, 0, sizeof(*in));
	end = (uint32_t)pi->l3_off + pi->ip_len;
	if (end > len || off + 20 > end)
		return -1;
	ip = frame + off;
	if ((ip[0] >> 4) != 4)
		return -1;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || off + ihl + 8 > end)
		return -1;
	if (dpw_get16(ip + 6) & DPW_IP_OFFMASK)
		return -1;  /* the quoted packet is a non-first fragment: no ports */
	in->l3_off = (uint16_t)off;
	in->l4_off = (uint16_t)(off + ihl);
	in->l4_avail = (uint16_t)(end - off - ihl);
	in->proto = ip[9];
	memcpy(&in->src, ip + 12, 4);
	memcpy(&in->dst, ip + 16, 4);
	switch (in->proto) {
	case DPW_IPPROTO_TCP:
	case DPW_IPPROTO_UDP:
		memcpy(&in->sport, ip + ihl, 2);
		memcpy(&in->dport, ip + ihl + 2, 2);
		break;
	case DPW_IPPROTO_ICMP:
		in->icmp_kind = (uint8_t)icmp_kind(ip[ihl]);
		if (in->icmp_kind != DPW_ICMP_KIND_QUERY)
			return -1;  /* errors about errors are never sent */
		if (ip[ihl] == DPW_ICMP_ECHO)
			memcpy(&in->sport, ip + ihl + 4, 2);
		else
			memcpy(&in->dport, ip + ihl + 4, 2);
		break;
	default:
		return -1;
	}
	return 0;
}

int
dpw_arp_parse(const uint8_t *frame, uint32_t len, uint16_t l3_off, struct dpw_arp *arp)
{
	const uint8_t *a = frame + l3_off;

	if ((uint32_t)l3_off + 28 > len)
		return -1;
	/* Ethernet (1), IPv4, 6-byte hardware and 4-byte protocol addresses */
	if (dpw_get16(a) != 1 || dpw_get16(a + 2) != DPW_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return -1;
	arp->op = dpw_get16(a + 6);
	if (arp->op != 1 && arp->op != 2)
		return -1;
	memcpy(arp->sha, a + 8, 6);
	memcpy(&arp->spa, a + 14, 4);
	memcpy(arp->tha, a + 18, 6);
	memcpy(&arp->tpa, a + 24, 4);
	if (arp->sha[0] & 1)
		return -1;  /* a multicast sender hardware address is never valid */
	return 0;
}

uint32_t
dpw_arp_build(uint8_t *out, uint16_t op, const uint8_t eth_dst[6], const uint8_t sha[6],
	      uint32_t spa_be, const uint8_t tha[6], uint32_t tpa_be)
{
	uint8_t *a = out + DPW_ETH_HLEN;

	memset(out, 0, 60);
	memcpy(out, eth_dst, 6);
	memcpy(out + 6, sha, 6);
	dpw_put16(out + 12, DPW_ETHERTYPE_ARP);
	dpw_put16(a, 1);
	dpw_put16(a + 2, DPW_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	dpw_put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &spa_be, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa_be, 4);
	return 60;
}

uint32_t
dpw_icmp_error_build(uint8_t *out, uint32_t outlen, const uint8_t *orig, uint32_t orig_len,
		     uint8_t type, uint8_t code, uint16_t mtu, uint32_t src_be)
{
	uint32_t ihl, quote, total, osrc, odst;
	uint8_t *icmp;

	if (orig_len < 20 || outlen < 28 + 28)
		return 0;
	ihl = (uint32_t)(orig[0] & 0xf) * 4;
	if (ihl < 20 || ihl > orig_len)
		return 0;
	memcpy(&osrc, orig + 12, 4);
	memcpy(&odst, orig + 16, 4);
	if (dpw_get16(orig + 6) & DPW_IP_OFFMASK)
		return 0;
	if (orig[9] == DPW_IPPROTO_ICMP && orig_len >= ihl + 1 &&
	    icmp_kind(orig[ihl]) != DPW_ICMP_KIND_QUERY)
		return 0;
	if ((ntohl(odst) >> 28) == 0xe || odst == 0xffffffffu || bad_source(osrc) || osrc == 0)
		return 0;
	/* Quote as much as fits in 576 bytes (RFC 1812 4.3.2.3). */
	quote = orig_len;
	if (quote > 576 - 28)
		quote = 576 - 28;
	if (quote > outlen - 28)
		quote = outlen - 28;
	total = 28 + quote;
	memset(out, 0, 28);
	out[0] = 0x45;
	out[1] = 0xc0;            /* internetwork control precedence */
	dpw_put16(out + 2, (uint16_t)total);
	out[8] = 64;
	out[9] = DPW_IPPROTO_ICMP;
	memcpy(out + 12, &src_be, 4);
	memcpy(out + 16, &osrc, 4);
	icmp = out + 20;
	icmp[0] = type;
	icmp[1] = code;
	if (type == DPW_ICMP_UNREACH && code == DPW_ICMP_UNREACH_NEEDFRAG)
		dpw_put16(icmp + 6, mtu);
	memmove(icmp + 8, orig, quote);
	{
		uint16_t c = dpw_csum(icmp, 8 + quote);

		memcpy(icmp + 2, &c, 2);
		c = dpw_csum(out, 20);
		memcpy(out + 10, &c, 2);
	}
	return total;
}

/*
 * The offset of the first TCP option of this kind and exact length in a header of
 * hdr_len bytes, or 0. Stops at the end-of-options and at any option that does not fit.
 */
static uint32_t
tcp_option(const uint8_t *tcp, uint32_t hdr_len, uint8_t want, uint8_t want_len)
{
	uint32_t i = 20;

	while (i < hdr_len) {
		uint8_t kind = tcp[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hdr_len)
			break;
		olen = tcp[i + 1];
		if (olen < 2 || i + olen > hdr_len)
			break;
		if (kind == want && olen == want_len)
			return i;
		i += olen;
	}
	return 0;
}

uint8_t
dpw_tcp_wscale(const uint8_t *tcp, uint32_t hdr_len)
{
	uint32_t i = tcp_option(tcp, hdr_len, 3, 3);

	if (i == 0)
		return DPW_TCP_WSCALE_NONE;
	return tcp[i + 2] > DPW_TCP_WSCALE_MAX ? DPW_TCP_WSCALE_MAX : tcp[i + 2];
}

int
dpw_tcp_clamp_mss(uint8_t *tcp, uint32_t hdr_len, uint16_t mss)
{
	uint32_t i = tcp_option(tcp, hdr_len, 2, 4);
	uint16_t old, csum;

	if (i == 0)
		return 0;
	old = dpw_get16(tcp + i + 2);
	if (old <= mss)
		return 0;
	dpw_put16(tcp + i + 2, mss);
	csum = dpw_get16(tcp + 16);
	/* the option word is 16-bit aligned within the header when i is even; when odd,
	 * the sum sees the bytes swapped: update in that order */
	if ((i & 1) == 0)
		csum = dpw_csum_update16(csum, old, mss);
	else
		csum = dpw_csum_update16(csum, (uint16_t)((old >> 8) | (old << 8)),
					 (uint16_t)((mss >> 8) | (mss << 8)));
	dpw_put16(tcp + 16, csum);
	return 1;
}

void
dpw_ipv4_dec_ttl(uint8_t *ip)
{
	uint16_t old = dpw_get16(ip + 8), csum = dpw_get16(ip + 10);

	ip[8]--;
	dpw_put16(ip + 10, dpw_csum_update16(csum, old, dpw_get16(ip + 8)));
}
