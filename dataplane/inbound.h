/* SPDX-License-Identifier: BSD-3-Clause
 * Inbound access and NAT mappings of a policy generation (issue 10): the document's
 * services (port forwards with weighted server pools), NAT mappings (outbound per WAN,
 * 1:1), the WANs' additional addresses and IP-forwarding mode, compiled for the workers.
 * Built with the rest of the generation on the builder thread (dp_pgen_build calls
 * dp_inb_build), immutable once published, but for the workers' round-robin rows (each
 * written by its own worker only). Lookups are for worker lcores; all addresses and
 * ports in network byte order unless said otherwise.
 *
 * Ownership with several workers (DESIGN.md s2): a session that carries no NAT port of
 * ours (a port forward, a 1:1 mapping, a forwarding-mode WAN) belongs to the worker
 * dp_flow_owner() names for its remote (Internet) end, which both directions carry
 * unchanged: the WAN stage computes it from the source, the LAN stage from the
 * destination, and each hands the packet to that worker.
 */
#ifndef DP_INBOUND_H
#define DP_INBOUND_H

#include <stdint.h>

#include "lib/cfg/dpw_doc.h"

/* One server of a service's pool as the workers use it. */
struct dp_inb_server {
	uint32_t addr;            /* network order */
	int32_t weight;
};

/* A compiled service (one per enabled document service). */
struct dp_inb_svc {
	uint16_t id;              /* position in the document (counters) */
	uint8_t protos;           /* DPW_SVC_* */
	uint8_t n_servers;
	uint16_t port_lo;         /* host order: the public ports */
	uint16_t port_hi;
	uint16_t to_port;         /* host order, 0: the same port */
	uint8_t wan_mask;         /* the WAN ids it listens on */
	struct dp_inb_server server[DPW_SERVICE_SERVERS_MAX];
};

struct dp_inb;

/*
 * Compile doc's inbound parts. wan_id[i]: the dataplane's WAN id of doc->wans[i].
 * n_workers: rows of round-robin state. 0 (*out set; a document with none of it gives
 * an empty, valid table) or -ENOMEM / -EINVAL with one problem in pr. Not a worker.
 */
int dp_inb_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS],
		 unsigned int n_workers, struct dp_inb **out, struct dpw_doc_problems *pr);

void dp_inb_free(struct dp_inb *ib);

/*
 * The service that takes a packet of proto to (wan, addr, dport): addr is the
 * destination when it is an additional address of wan, 0 when it is the WAN's own
 * address (whatever it is now: a DHCP lease changes it without a new generation).
 * NULL: none.
 */
const struct dp_inb_svc *dp_inb_service(const struct dp_inb *ib, unsigned int wan,
					uint32_t addr, uint8_t proto, uint16_t dport);

/* The LAN port of public port dport (network order both) of svc. */
static inline uint16_t
dp_inb_lan_port(const struct dp_inb_svc *svc, uint16_t dport)
{
	uint16_t p = (uint16_t)((dport >> 8) | (dport << 8));

	if (svc->to_port == 0)
		return dport;
	p = (uint16_t)(svc->to_port + (p - svc->port_lo));
	return (uint16_t)((p >> 8) | (p << 8));
}

/* The next server of svc for a new connection on worker w (smooth weighted round robin
 * over the worker's own row: 10 / 5 gives two of every three to the first). */
const struct dp_inb_server *dp_inb_pick(const struct dp_inb *ib, const struct dp_inb_svc *svc,
					unsigned int w);

/* The WAN id whose additional address addr is, or -1. */
int dp_inb_extra_wan(const struct dp_inb *ib, uint32_t addr);

/* 1:1 by its public address on wan: the LAN host (returns 0), or -1. */
int dp_inb_one2one_host(const struct dp_inb *ib, unsigned int wan, uint32_t pub,
			uint32_t *host);

/* 1:1 of a LAN host: its WAN id and public address (returns 0), or -1. */
int dp_inb_one2one_public(const struct dp_inb *ib, uint32_t host, unsigned int *wan,
			  uint32_t *pub);

/* The source address a LAN host's connections out of wan take: an outbound mapping's
 * (first match in document order), or 0 for the WAN's own address. */
uint32_t dp_inb_snat_addr(const struct dp_inb *ib, unsigned int wan, uint32_t host);

/* Enabled services compiled (0: no port forward, so no hairpin either). */
unsigned int dp_inb_n_services(const struct dp_inb *ib);

/* The WANs in IP-forwarding mode (no NAT), as bits of WAN ids. */
uint8_t dp_inb_forwarding_mask(const struct dp_inb *ib);

/*
 * Could a LAN packet from src:sport (proto) belong to a session the WAN side opened: src
 * is a 1:1 host, or a server of a service whose LAN ports hold sport? (Then its session,
 * if any, is on dp_flow_owner's worker, not necessarily the one the NIC chose.)
 */
int dp_inb_lan_side(const struct dp_inb *ib, uint32_t src, uint16_t sport, uint8_t proto);

/* Every LAN address the generation needs the MAC of (servers, 1:1 hosts): the main
 * lcore resolves and refreshes them (lnbr.h). Returns the count, *addrs set. */
unsigned int dp_inb_lan_hosts(const struct dp_inb *ib, const uint32_t **addrs);

/* The worker that owns a session without a NAT port of ours: a hash of its remote end
 * (address, port; ICMP: the identifier), the same from both sides. */
static inline unsigned int
dp_flow_owner(uint32_t raddr, uint16_t rport, uint8_t proto, unsigned int n_workers)
{
	uint64_t h = ((uint64_t)raddr << 24) ^ ((uint64_t)rport << 8) ^ proto;

	if (n_workers <= 1)
		return 0;
	h *= 0x9e3779b97f4a7c15ull;
	return (unsigned int)((h >> 32) % n_workers);
}

#endif
