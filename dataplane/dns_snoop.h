/* SPDX-License-Identifier: BSD-3-Clause
 * DNS snooping (issue 9): a UDP packet from port 53 on its way to a LAN host (an
 * answer from an Internet resolver after reverse NAT on a worker, or from our dnsmasq
 * on the LAN TAP on the main lcore) is parsed (lib/pkt/dpw_dns.h) and, when its
 * question name matches a domain pattern of the running rules (dp_pgen's patterns),
 * its A records go into that pattern's set (dataplane/dnsset.h) before the packet is
 * sent, so the host's first connection to the name is classified by the rule. The
 * packet itself is never changed or dropped here. With no domain rule it costs one
 * test.
 */
#ifndef DP_DNS_SNOOP_H
#define DP_DNS_SNOOP_H

#include <stdint.h>

struct dp_pgen;
struct dpw_dnsset_hdr;

/*
 * Snoop the UDP payload udp[0..len) (the DNS message) of a packet from port 53 under
 * generation g (NULL or without patterns: nothing). now_s: the dataplane's seconds;
 * slot: the caller's counter slot (worker index, or DPW_SHM_MAIN_SLOT).
 */
void dp_dns_snoop(const struct dp_pgen *g, struct dpw_dnsset_hdr *h, const uint8_t *udp,
		  uint16_t len, uint32_t now_s, unsigned int slot);

/*
 * (Re)build g's pattern index (pattern_slot, wild_labels: policy.h) from its
 * n_patterns, patterns and pattern_ids; dp_pgen_build calls it. 0 or -ENOMEM. Pure:
 * whoever builds g (the builder thread; the bench, the tests, the fuzz target).
 */
int dp_dns_snoop_index(struct dp_pgen *g);

#endif
