/* SPDX-License-Identifier: BSD-3-Clause
 * The reset a LAN host gets for a connection on a failed WAN (dp_tcp_rst_build). Pure C,
 * worker lcores.
 */
#include <string.h>

#include "dataplane/tcp_rst.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

static void
put32(uint8_t *p, uint32_t v)
{
	dpw_put16(p, (uint16_t)(v >> 16));
	dpw_put16(p + 2, (uint16_t)v);
}

void
dp_tcp_rst_build(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
		 uint32_t ack)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t c;

	memset(f, 0, DP_TCP_RST_LEN);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	dpw_put16(f + 12, DPW_ETHERTYPE_IPV4);
	ip[0] = 0x45;
	dpw_put16(ip + 2, 20 + 20);
	dpw_put16(ip + 6, DPW_IP_DF);
	ip[8] = 64;
	ip[9] = DPW_IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = dpw_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	memcpy(tcp, &sport, 2);
	memcpy(tcp + 2, &dport, 2);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = DPW_TCP_RST | DPW_TCP_ACK;
	/* window 0, urgent pointer 0 */
	c = dpw_csum_l4(src, dst, DPW_IPPROTO_TCP, tcp, 20);
	memcpy(tcp + 16, &c, 2);
}
