/* SPDX-License-Identifier: BSD-3-Clause
 * Packet parsing and building over plain byte buffers (no rte_mbuf): Ethernet, 802.1Q,
 * ARP, IPv4, TCP, UDP, ICMP. Every length is checked against the bytes actually present;
 * the parser never trusts a header field. Used by the dataplane stages, the control
 * probes and the tests. Pure functions, any thread.
 */
#ifndef DPW_PKT_H
#define DPW_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/shm/dpw_shm.h"

#define DPW_ETH_HLEN 14
#define DPW_ETHERTYPE_IPV4 0x0800
#define DPW_ETHERTYPE_ARP 0x0806
#define DPW_ETHERTYPE_VLAN 0x8100
#define DPW_IP_DF 0x4000           /* in the IPv4 flags + fragment offset field */
#define DPW_IP_MF 0x2000
#define DPW_IP_OFFMASK 0x1fff      /* fragment offset, in 8-byte units */
#define DPW_IPPROTO_ICMP 1
#define DPW_IPPROTO_TCP 6
#define DPW_IPPROTO_UDP 17

#define DPW_TCP_FIN 0x01
#define DPW_TCP_SYN 0x02
#define DPW_TCP_RST 0x04
#define DPW_TCP_PSH 0x08
#define DPW_TCP_ACK 0x10
#define DPW_TCP_URG 0x20
#define DPW_TCP_ECE 0x40
#define DPW_TCP_CWR 0x80
#define DPW_TCP_WSCALE_NONE 0xff  /* no window scale option in the SYN */
#define DPW_TCP_WSCALE_MAX 14     /* RFC 7323 2.3 */

#define DPW_ICMP_ECHOREPLY 0
#define DPW_ICMP_UNREACH 3
#define DPW_ICMP_UNREACH_HOST 1
#define DPW_ICMP_UNREACH_NEEDFRAG 4
#define DPW_ICMP_UNREACH_ADMIN 13   /* communication administratively prohibited */
#define DPW_ICMP_SOURCEQUENCH 4
#define DPW_ICMP_ECHO 8
#define DPW_ICMP_TIMXCEED 11
#define DPW_ICMP_PARAMPROB 12

enum dpw_l3 {
	DPW_L3_IPV4 = 1,
	DPW_L3_ARP = 2,
};

enum dpw_icmp_kind {
	DPW_ICMP_KIND_NONE = 0,   /* not ICMP */
	DPW_ICMP_KIND_QUERY,      /* echo request / reply: NATed by identifier */
	DPW_ICMP_KIND_ERROR,      /* unreachable, time exceeded, ...: NATed by the inner packet */
	DPW_ICMP_KIND_OTHER,      /* other ICMP types: not forwarded */
};

/*
 * What the parser found. Offsets are from the start of the frame; addresses and ports
 * stay in network byte order (they are compared and copied, rarely printed).
 * For ICMP queries, an echo request carries its identifier in sport (dport 0) and an
 * echo reply in dport (sport 0), so that a reply's key is the request's key reversed.
 */
struct dpw_pkt_info {
	uint8_t l3;               /* enum dpw_l3 */
	uint8_t proto;
	uint8_t has_vlan;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t icmp_kind;        /* enum dpw_icmp_kind */
	uint8_t ttl;
	uint16_t vlan_tci;
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t l4_len;          /* bytes of L4 header + payload, per the IP total length */
	uint16_t ip_len;          /* IPv4 total length */
	uint16_t frag;            /* IPv4 flags+offset field, host order */
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	/* TCP only (host order): for the session's window tracking */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint16_t tcp_win;
	uint8_t tcp_hlen;         /* header bytes, options included */
	uint8_t tcp_wscale;       /* SYN's window scale option, DPW_TCP_WSCALE_NONE if absent */
};

/*
 * Is this combination of TCP flags one a real stack sends? SYN+FIN, SYN+RST, FIN
 * without ACK, no flags at all ("null scan") and the like are not (the list Linux's
 * conntrack accepts; ECE and CWR are ignored). Pure.
 */
int dpw_tcp_flags_valid(uint8_t flags);

/*
 * Parse a frame. Returns 0 and fills pi, or -1 with *drop set to the reason
 * (enum dpw_drop). ARP frames return 0 with pi->l3 = DPW_L3_ARP once their header is
 * complete (the ARP body is checked by dpw_arp_parse).
 */
int dpw_pkt_parse(const uint8_t *frame, uint32_t len, struct dpw_pkt_info *pi,
		  unsigned int *drop);

/* The packet quoted inside an ICMP error: at least its IP header and 8 bytes of L4. */
struct dpw_pkt_inner {
	uint16_t l3_off;          /* offset of the inner IP header from the frame start */
	uint16_t l4_off;
	uint16_t l4_avail;        /* inner L4 bytes present (at least 8) */
	uint8_t proto;
	uint8_t icmp_kind;        /* for an inner ICMP packet: query or not */
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
};

/* Parse the packet quoted by an ICMP error whose outer parse is pi. 0 or -1. */
int dpw_pkt_parse_inner(const uint8_t *frame, uint32_t len, const struct dpw_pkt_info *pi,
			struct dpw_pkt_inner *in);

struct dpw_arp {
	uint16_t op;              /* 1 request, 2 reply (host order) */
	uint8_t sha[6];
	uint32_t spa;             /* network order */
	uint8_t tha[6];
	uint32_t tpa;             /* network order */
};

/* Parse an Ethernet/IPv4 ARP body at frame + l3_off. 0 or -1 (bad or unsupported). */
int dpw_arp_parse(const uint8_t *frame, uint32_t len, uint16_t l3_off, struct dpw_arp *arp);

/*
 * Write a complete ARP frame (60 bytes, padded) into out; returns its length.
 * eth_dst all-ones for a broadcast request.
 */
uint32_t dpw_arp_build(uint8_t *out, uint16_t op, const uint8_t eth_dst[6],
		       const uint8_t sha[6], uint32_t spa_be, const uint8_t tha[6],
		       uint32_t tpa_be);

/*
 * Build an ICMP error (type/code, "next-hop MTU" for frag-needed) about the IPv4 packet
 * at orig (orig_len bytes from its IP header on), from src_be to the original sender.
 * Writes the new IP header + ICMP into out (at most outlen) and returns its length, or 0
 * when the original must not be answered (an ICMP error itself, a non-first fragment,
 * a broadcast or multicast destination or source, RFC 1812 4.3.2.7).
 */
uint32_t dpw_icmp_error_build(uint8_t *out, uint32_t outlen, const uint8_t *orig,
			      uint32_t orig_len, uint8_t type, uint8_t code, uint16_t mtu,
			      uint32_t src_be);

/*
 * Clamp the MSS option of a TCP SYN at tcp (hdr_len bytes of TCP header) to mss and fix
 * the TCP checksum incrementally. Returns 1 if it changed the packet, else 0.
 */
int dpw_tcp_clamp_mss(uint8_t *tcp, uint32_t hdr_len, uint16_t mss);

/*
 * The window scale option of a TCP header of hdr_len bytes (capped at
 * DPW_TCP_WSCALE_MAX, as RFC 7323 asks), or DPW_TCP_WSCALE_NONE when it has none.
 */
uint8_t dpw_tcp_wscale(const uint8_t *tcp, uint32_t hdr_len);

/* Decrement the TTL of the IPv4 header at ip and update its checksum incrementally. */
void dpw_ipv4_dec_ttl(uint8_t *ip);

/* Load / store big-endian helpers over unaligned bytes. */
static inline uint16_t
dpw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
dpw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
dpw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
