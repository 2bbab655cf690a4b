/* SPDX-License-Identifier: BSD-3-Clause
 * ICMP errors on a worker lcore: the ones the appliance sends itself (TTL exceeded,
 * fragmentation needed) and the translation of errors about NATed flows, so that
 * traceroute and path-MTU discovery work through the appliance.
 */
#include <string.h>

#include "dataplane/worker.h"

void
dp_icmp_reply_error(struct dp_worker *w, struct rte_mbuf *m, const struct dpw_pkt_info *pi,
		    unsigned int pidx, uint8_t type, uint8_t code, uint16_t mtu, uint32_t src,
		    unsigned int reason)
{
	const struct dp_port *p = &dp.port[pidx];
	uint8_t buf[600], *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_addr back;
	uint32_t n;

	w->st->drops[reason]++;
	n = dpw_icmp_error_build(buf, sizeof(buf), d + pi->l3_off, pi->ip_len, type, code, mtu,
				 src);
	if (n == 0 || rte_pktmbuf_data_len(m) < DPW_ETH_HLEN) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(&back, d + 6, 6);
	if (rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - DPW_ETH_HLEN)) != 0 ||
	    rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	d = rte_pktmbuf_mtod(m, uint8_t *);
	dp_set_eth(d, &back, &p->mac);
	dpw_put16(d + 12, DPW_ETHERTYPE_IPV4);
	memcpy(d + DPW_ETH_HLEN, buf, n);
	w->st->icmp_errors_sent++;
	dp_tx(w, pidx, m);
}

void
dp_icmp_translate_error(uint8_t *d, const struct dpw_pkt_info *pi,
			const struct dpw_pkt_inner *in, int to_lan, uint32_t addr, uint16_t port)
{
	uint8_t *ip = d + pi->l3_off, *icmp = d + pi->l4_off;
	uint8_t *iip = d + in->l3_off, *il4 = d + in->l4_off;
	uint8_t *outer_a = ip + (to_lan ? 16 : 12);
	uint8_t *inner_a = iip + (to_lan ? 12 : 16);
	uint32_t old;
	uint16_t csum, oldp, zero = 0;
	int poff = to_lan ? 0 : 2;

	/* outer header: the address on our side of the NAT */
	memcpy(&old, outer_a, 4);
	memcpy(outer_a, &addr, 4);
	memcpy(&csum, ip + 10, 2);
	csum = dpw_csum_update32(csum, old, addr);
	memcpy(ip + 10, &csum, 2);

	/* quoted packet: its address and port on our side of the NAT */
	memcpy(&old, inner_a, 4);
	memcpy(inner_a, &addr, 4);
	memcpy(&csum, iip + 10, 2);
	csum = dpw_csum_update32(csum, old, addr);
	memcpy(iip + 10, &csum, 2);
	switch (in->proto) {
	case DPW_IPPROTO_UDP:
		memcpy(&oldp, il4 + poff, 2);
		memcpy(il4 + poff, &port, 2);
		memcpy(&csum, il4 + 6, 2);
		if (csum != 0) {
			csum = dpw_csum_update32(csum, old, addr);
			csum = dpw_csum_update16(csum, oldp, port);
			if (csum == 0)
				csum = 0xffff;
			memcpy(il4 + 6, &csum, 2);
		}
		break;
	case DPW_IPPROTO_TCP:
		memcpy(&oldp, il4 + poff, 2);
		memcpy(il4 + poff, &port, 2);
		if (in->l4_avail >= 18) {
			memcpy(&csum, il4 + 16, 2);
			csum = dpw_csum_update32(csum, old, addr);
			csum = dpw_csum_update16(csum, oldp, port);
			memcpy(il4 + 16, &csum, 2);
		}
		break;
	case DPW_IPPROTO_ICMP:
		memcpy(&oldp, il4 + 4, 2);
		memcpy(il4 + 4, &port, 2);
		memcpy(&csum, il4 + 2, 2);
		csum = dpw_csum_update16(csum, oldp, port);
		memcpy(il4 + 2, &csum, 2);
		break;
	default:
		break;
	}
	/* errors are rare: recompute the ICMP checksum over the whole message */
	memcpy(icmp + 2, &zero, 2);
	csum = dpw_csum(icmp, pi->l4_len);
	memcpy(icmp + 2, &csum, 2);
}
