/* SPDX-License-Identifier: BSD-3-Clause
 * DNS snooping (dns_snoop.h): a DNS answer on its way to a LAN host, parsed, its
 * question name matched against the running rules' domain patterns, its A records put
 * into the sets of the patterns that match. Runs on the workers (answers from the
 * Internet, after reverse NAT) and on the main lcore (answers of our dnsmasq on the LAN
 * TAP). Never changes or drops the packet. The patterns are scanned linearly: an answer
 * is rare next to the packets of the connections it starts (tools/bench-dns-snoop).
 */
#include "dataplane/dns_snoop.h"
#include "dataplane/dnsset.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_dns.h"

void
dp_dns_snoop(const struct dp_pgen *g, struct dpw_dnsset_hdr *h, const uint8_t *udp,
	     uint16_t len, uint32_t now_s, unsigned int slot)
{
	struct dpw_dnsset_stats *st;
	struct dpw_dns_answer a;
	enum dpw_dns_result r;
	unsigned int p, i, matched = 0;

	if (g == NULL || g->n_patterns == 0 || h == NULL)
		return;
	st = &h->stats[slot < DPW_MAX_LCORE_SLOTS ? slot : DPW_SHM_MAIN_SLOT];
	r = dpw_dns_parse_answer(udp, len, &a);
	if (r == DPW_DNS_MALFORMED) {
		st->malformed++;
		return;
	}
	if (r != DPW_DNS_OK)
		return;
	st->answers++;
	for (p = 0; p < g->n_patterns; p++) {
		if (!dpw_dns_pattern_match(g->patterns[p], a.qname))
			continue;
		matched = 1;
		for (i = 0; i < a.n_addrs; i++)
			dp_dnsset_put(h, g->pattern_ids[p], a.a[i].addr, a.a[i].ttl, now_s, slot);
	}
	st->matched += matched;
}
