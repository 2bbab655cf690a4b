/* SPDX-License-Identifier: BSD-3-Clause
 * The TCP reset the dataplane sends a LAN host when the WAN its connection went out of
 * has failed (on_failure tcp "reset"): a byte-buffer builder, pure C, so the unit tests
 * check it as is; the workers put it in a fresh mbuf (mbox.c).
 */
#ifndef DP_TCP_RST_H
#define DP_TCP_RST_H

#include <stdint.h>

#define DP_TCP_RST_LEN (14 + 20 + 20)   /* Ethernet, IPv4, TCP without options */

/*
 * Write into f (DP_TCP_RST_LEN bytes) an Ethernet frame dst_mac <- src_mac carrying a
 * TCP RST|ACK from src:sport to dst:dport with sequence number seq and acknowledgement
 * ack, TTL 64, DF, both checksums computed. Addresses and ports in network order,
 * seq and ack in host order. Pure.
 */
void dp_tcp_rst_build(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		      uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
		      uint32_t ack);

#endif
