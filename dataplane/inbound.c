/* SPDX-License-Identifier: BSD-3-Clause
 * Inbound access and NAT mappings compiled for the workers (inbound.h). Pure C (no EAL):
 * test/unit/test_inbound.c runs it as it is.
 *
 * Services: one entry per (service, WAN, address-or-0, proto); single ports sit in a
 * sorted array of keys (binary search), ranges in a small list searched after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "inbound.h"

#define INB_CACHE_LINE 64

struct inb_key {
	uint64_t key;             /* wan 8 | addr 32 | proto 8 | port 16 */
	uint16_t svc;
};

struct inb_range {
	uint8_t wan;
	uint8_t proto;
	uint32_t addr;            /* network order, 0: the WAN's own */
	uint16_t lo, hi;          /* host order */
	uint16_t svc;
};

struct inb_121 {
	uint8_t wan;
	uint32_t pub;             /* network order */
	uint32_t host;            /* network order */
};

struct inb_omap {
	uint8_t wan;
	uint32_t net, mask;       /* network order */
	uint32_t addr;            /* network order */
};

struct inb_extra {
	uint32_t addr;            /* network order */
	uint8_t wan;
};

/* One worker's smooth weighted round robin state: current weights per service/server. */
struct inb_rr_row {
	int32_t *cur;             /* n_svc * DPW_SERVICE_SERVERS_MAX */
};

struct dp_inb {
	unsigned int n_svc;
	struct dp_inb_svc *svc;
	unsigned int n_keys;
	struct inb_key *keys;
	unsigned int n_ranges;
	struct inb_range *ranges;
	unsigned int n_121;
	struct inb_121 *o2o;
	unsigned int n_omap;
	struct inb_omap *omap;
	unsigned int n_extra;
	struct inb_extra *extra;
	unsigned int n_hosts;
	uint32_t *hosts;
	uint8_t fwd_mask;
	unsigned int n_workers;
	size_t row_stride;        /* int32_t per row, a multiple of a cache line */
	int32_t *rr;              /* n_workers rows */
};

static uint64_t
inb_key(unsigned int wan, uint32_t addr, uint8_t proto, uint16_t port)
{
	return ((uint64_t)(wan & 0xff) << 56) | ((uint64_t)addr << 24) |
	       ((uint64_t)proto << 16) | port;
}

static int
inb_key_cmp(const void *a, const void *b)
{
	const struct inb_key *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

void
dp_inb_free(struct dp_inb *ib)
{
	if (ib == NULL)
		return;
	free(ib->svc);
	free(ib->keys);
	free(ib->ranges);
	free(ib->o2o);
	free(ib->omap);
	free(ib->extra);
	free(ib->hosts);
	free(ib->rr);
	free(ib);
}

static void
inb_host_add(struct dp_inb *ib, uint32_t addr)
{
	for (unsigned int i = 0; i < ib->n_hosts; i++)
		if (ib->hosts[i] == addr)
			return;
	ib->hosts[ib->n_hosts++] = addr;
}

int
dp_inb_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS],
	     unsigned int n_workers, struct dp_inb **out, struct dpw_doc_problems *pr)
{
	struct dp_inb *ib = calloc(1, sizeof(*ib));
	size_t n_keys_max = 0, n_ranges_max = 0, n_hosts_max = 0, n_extra = 0;
	unsigned int n_wans = doc->n_wans;

	if (ib == NULL)
		goto nomem;
	if (n_workers == 0)
		n_workers = 1;
	for (unsigned int i = 0; i < n_wans; i++)
		n_extra += doc->wans[i].n_extra;
	for (unsigned int s = 0; s < doc->n_services; s++) {
		const struct dpw_doc_service *ds = &doc->services[s];
		size_t nw = ds->n_wans ? ds->n_wans : n_wans;
		size_t na = ds->n_addrs ? ds->n_addrs : 1;

		if (!ds->enabled)
			continue;
		n_keys_max += nw * na * 2;
		n_ranges_max += nw * na * 2;
		n_hosts_max += ds->n_servers;
	}
	n_hosts_max += doc->nat.n_mappings;
	ib->svc = calloc(doc->n_services + 1, sizeof(*ib->svc));
	ib->keys = calloc(n_keys_max + 1, sizeof(*ib->keys));
	ib->ranges = calloc(n_ranges_max + 1, sizeof(*ib->ranges));
	ib->o2o = calloc(doc->nat.n_mappings + 1, sizeof(*ib->o2o));
	ib->omap = calloc(doc->nat.n_mappings + 1, sizeof(*ib->omap));
	ib->extra = calloc(n_extra + 1, sizeof(*ib->extra));
	ib->hosts = calloc(n_hosts_max + 1, sizeof(*ib->hosts));
	if (!ib->svc || !ib->keys || !ib->ranges || !ib->o2o || !ib->omap || !ib->extra ||
	    !ib->hosts)
		goto nomem;

	for (unsigned int i = 0; i < n_wans; i++) {
		const struct dpw_doc_wan *w = &doc->wans[i];

		if (w->forwarding)
			ib->fwd_mask |= (uint8_t)(1u << wan_id[i]);
		for (unsigned int k = 0; k < w->n_extra; k++) {
			ib->extra[ib->n_extra].addr = htonl(w->extra_addr[k]);
			ib->extra[ib->n_extra++].wan = wan_id[i];
		}
	}

	for (unsigned int s = 0; s < doc->n_services; s++) {
		const struct dpw_doc_service *ds = &doc->services[s];
		struct dp_inb_svc *sv;
		unsigned int nw;

		if (!ds->enabled)
			continue;
		if (ds->n_servers == 0 || ds->n_servers > DPW_SERVICE_SERVERS_MAX ||
		    ds->port.lo == 0 || ds->port.lo > ds->port.hi) {
			dpw_doc_problem_add(pr, false, "", "/services/%u: no servers or bad port",
					    s);
			goto inval;
		}
		sv = &ib->svc[ib->n_svc];
		sv->id = (uint16_t)s;
		sv->protos = ds->protos;
		sv->n_servers = ds->n_servers;
		sv->port_lo = ds->port.lo;
		sv->port_hi = ds->port.hi;
		sv->to_port = ds->to_port;
		for (unsigned int k = 0; k < ds->n_servers; k++) {
			sv->server[k].addr = htonl(ds->server[k].addr);
			sv->server[k].weight = (int32_t)(ds->server[k].weight ?
							 ds->server[k].weight : 1);
			inb_host_add(ib, sv->server[k].addr);
		}
		nw = ds->n_wans ? ds->n_wans : n_wans;
		for (unsigned int wi = 0; wi < nw; wi++) {
			unsigned int di = ds->n_wans ? ds->wan[wi] : wi;
			unsigned int wan, na = ds->n_addrs ? ds->n_addrs : 1;

			if (di >= n_wans)
				continue;
			wan = wan_id[di];
			sv->wan_mask |= (uint8_t)(1u << wan);
			for (unsigned int ai = 0; ai < na; ai++) {
				uint32_t a = 0;

				if (ds->n_addrs) {
					a = ds->addr[ai];
					if (a == doc->wans[di].addr &&
					    doc->wans[di].addr_mode == DPW_ADDR_STATIC)
						a = 0;
					else {
						/* only addresses of this WAN */
						unsigned int k;

						for (k = 0; k < doc->wans[di].n_extra; k++)
							if (doc->wans[di].extra_addr[k] == a)
								break;
						if (k == doc->wans[di].n_extra)
							continue;
					}
					a = htonl(a);
				}
				for (uint8_t p = 0; p < 2; p++) {
					uint8_t proto = p == 0 ? 6 : 17;

					if (!(ds->protos & (p == 0 ? DPW_SVC_TCP : DPW_SVC_UDP)))
						continue;
					if (ds->port.lo == ds->port.hi) {
						struct inb_key *k = &ib->keys[ib->n_keys++];

						k->key = inb_key(wan, a, proto, ds->port.lo);
						k->svc = (uint16_t)ib->n_svc;
					} else {
						struct inb_range *r = &ib->ranges[ib->n_ranges++];

						r->wan = (uint8_t)wan;
						r->proto = proto;
						r->addr = a;
						r->lo = ds->port.lo;
						r->hi = ds->port.hi;
						r->svc = (uint16_t)ib->n_svc;
					}
				}
			}
		}
		ib->n_svc++;
	}
	qsort(ib->keys, ib->n_keys, sizeof(*ib->keys), inb_key_cmp);

	for (unsigned int m = 0; m < doc->nat.n_mappings; m++) {
		const struct dpw_doc_nat_mapping *dm = &doc->nat.mapping[m];

		if (dm->wan >= n_wans) {
			dpw_doc_problem_add(pr, false, "", "/nat/mappings/%u/wan: no such WAN", m);
			goto inval;
		}
		if (dm->type == DPW_NATMAP_ONE_TO_ONE) {
			struct inb_121 *o = &ib->o2o[ib->n_121++];

			o->wan = wan_id[dm->wan];
			o->pub = htonl(dm->addr);
			o->host = htonl(dm->lan.addr);
			inb_host_add(ib, o->host);
		} else {
			struct inb_omap *o = &ib->omap[ib->n_omap++];
			uint32_t mask = dm->lan.prefixlen ?
				(uint32_t)(0xffffffffu << (32 - dm->lan.prefixlen)) : 0;

			o->wan = wan_id[dm->wan];
			o->mask = htonl(mask);
			o->net = htonl(dm->lan.addr & mask);
			o->addr = htonl(dm->addr);
		}
	}

	ib->n_workers = n_workers;
	ib->row_stride = ((size_t)(ib->n_svc ? ib->n_svc : 1) * DPW_SERVICE_SERVERS_MAX *
			  sizeof(int32_t) + INB_CACHE_LINE - 1) / INB_CACHE_LINE *
			 INB_CACHE_LINE / sizeof(int32_t);
	if (posix_memalign((void **)&ib->rr, INB_CACHE_LINE,
			   ib->row_stride * n_workers * sizeof(int32_t)) != 0) {
		ib->rr = NULL;
		goto nomem;
	}
	memset(ib->rr, 0, ib->row_stride * n_workers * sizeof(int32_t));
	*out = ib;
	return 0;
nomem:
	dpw_doc_problem_add(pr, false, "", "inbound tables: out of memory");
	dp_inb_free(ib);
	return -ENOMEM;
inval:
	dp_inb_free(ib);
	return -EINVAL;
}

static const struct dp_inb_svc *
inb_find(const struct dp_inb *ib, unsigned int wan, uint32_t addr, uint8_t proto,
	 uint16_t port)
{
	uint64_t k = inb_key(wan, addr, proto, port);
	unsigned int lo = 0, hi = ib->n_keys;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (ib->keys[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ib->n_keys && ib->keys[lo].key == k)
		return &ib->svc[ib->keys[lo].svc];
	for (unsigned int i = 0; i < ib->n_ranges; i++) {
		const struct inb_range *r = &ib->ranges[i];

		if (r->wan == wan && r->addr == addr && r->proto == proto && port >= r->lo &&
		    port <= r->hi)
			return &ib->svc[r->svc];
	}
	return NULL;
}

const struct dp_inb_svc *
dp_inb_service(const struct dp_inb *ib, unsigned int wan, uint32_t addr, uint8_t proto,
	       uint16_t dport)
{
	if (ib == NULL || (proto != 6 && proto != 17))
		return NULL;
	return inb_find(ib, wan, addr, proto, ntohs(dport));
}

const struct dp_inb_server *
dp_inb_pick(const struct dp_inb *ib, const struct dp_inb_svc *svc, unsigned int w)
{
	unsigned int si = (unsigned int)(svc - ib->svc);
	int32_t *cur, total = 0;
	unsigned int best = 0;

	if (w >= ib->n_workers)
		w = 0;
	cur = ib->rr + ib->row_stride * w + (size_t)si * DPW_SERVICE_SERVERS_MAX;
	for (unsigned int k = 0; k < svc->n_servers; k++) {
		cur[k] += svc->server[k].weight;
		total += svc->server[k].weight;
		if (cur[k] > cur[best])
			best = k;
	}
	cur[best] -= total;
	return &svc->server[best];
}

int
dp_inb_extra_wan(const struct dp_inb *ib, uint32_t addr)
{
	if (ib == NULL)
		return -1;
	for (unsigned int i = 0; i < ib->n_extra; i++)
		if (ib->extra[i].addr == addr)
			return ib->extra[i].wan;
	return -1;
}

int
dp_inb_one2one_host(const struct dp_inb *ib, unsigned int wan, uint32_t pub, uint32_t *host)
{
	if (ib == NULL)
		return -1;
	for (unsigned int i = 0; i < ib->n_121; i++)
		if (ib->o2o[i].wan == wan && ib->o2o[i].pub == pub) {
			*host = ib->o2o[i].host;
			return 0;
		}
	return -1;
}

int
dp_inb_one2one_public(const struct dp_inb *ib, uint32_t host, unsigned int *wan,
		      uint32_t *pub)
{
	if (ib == NULL)
		return -1;
	for (unsigned int i = 0; i < ib->n_121; i++)
		if (ib->o2o[i].host == host) {
			*wan = ib->o2o[i].wan;
			*pub = ib->o2o[i].pub;
			return 0;
		}
	return -1;
}

uint32_t
dp_inb_snat_addr(const struct dp_inb *ib, unsigned int wan, uint32_t host)
{
	if (ib == NULL)
		return 0;
	for (unsigned int i = 0; i < ib->n_omap; i++)
		if (ib->omap[i].wan == wan && (host & ib->omap[i].mask) == ib->omap[i].net)
			return ib->omap[i].addr;
	return 0;
}

unsigned int
dp_inb_n_services(const struct dp_inb *ib)
{
	return ib ? ib->n_svc : 0;
}

uint8_t
dp_inb_forwarding_mask(const struct dp_inb *ib)
{
	return ib ? ib->fwd_mask : 0;
}

int
dp_inb_lan_side(const struct dp_inb *ib, uint32_t src, uint16_t sport, uint8_t proto)
{
	uint16_t p = ntohs(sport);

	if (ib == NULL)
		return 0;
	for (unsigned int i = 0; i < ib->n_121; i++)
		if (ib->o2o[i].host == src)
			return 1;
	if (proto != 6 && proto != 17)
		return 0;
	for (unsigned int s = 0; s < ib->n_svc; s++) {
		const struct dp_inb_svc *sv = &ib->svc[s];
		uint16_t lo = sv->to_port ? sv->to_port : sv->port_lo;
		uint32_t hi = (uint32_t)lo + (uint32_t)(sv->port_hi - sv->port_lo);

		if (!(sv->protos & (proto == 6 ? DPW_SVC_TCP : DPW_SVC_UDP)))
			continue;
		if (p < lo || p > hi)
			continue;
		for (unsigned int k = 0; k < sv->n_servers; k++)
			if (sv->server[k].addr == src)
				return 1;
	}
	return 0;
}

unsigned int
dp_inb_lan_hosts(const struct dp_inb *ib, const uint32_t **addrs)
{
	if (ib == NULL) {
		*addrs = NULL;
		return 0;
	}
	*addrs = ib->hosts;
	return ib->n_hosts;
}
