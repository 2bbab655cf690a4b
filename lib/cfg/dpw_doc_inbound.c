/* SPDX-License-Identifier: BSD-3-Clause
 * The "services" and "nat" sections of the network-policy document (issue 10): Peplink's
 * inbound port forwarding ("Servers and Services": a protocol, public ports, the WANs and
 * addresses it listens on, a pool of LAN servers with weights) and its NAT mappings
 * (outbound per WAN, 1:1). Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

static const char *const service_members[] = {
	"name", "enabled", "proto", "port", "to_port", "wans", "addresses", "servers", NULL,
};
static const char *const server_members[] = { "address", "weight", NULL };
static const char *const nat_members[] = { "mappings", NULL };
static const char *const mapping_members[] = { "name", "type", "lan", "wan", "address", NULL };

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* ---- shared: WAN lists, the LAN subnet ---------------------------------------------- */

void
dpw_doc_wan_list_decode(const json_t *o, const char *path, const struct dpw_doc *doc,
			struct dpw_doc_dec *dec, uint8_t wan[DPW_MAX_WANS], uint8_t *n)
{
	const json_t *a = json_object_get(o, "wans");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	unsigned int j;
	size_t i;
	int w;

	*n = 0;
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "wans");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of WAN names", a);
		return;
	}
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_string(x)) {
			dpw_doc_type_error(dec, e, "a WAN name", x);
			continue;
		}
		w = dpw_doc_wan_ref(doc, json_string_value(x), e, dec);
		if (w < 0)
			continue;
		for (j = 0; j < *n; j++)
			if (wan[j] == w)
				break;
		if (j < *n) {
			dpw_doc_problem_add(dec->pr, false, e, "duplicate WAN '%s'",
					    doc->wans[w].name);
			continue;
		}
		if (*n < DPW_MAX_WANS)
			wan[(*n)++] = (uint8_t)w;
	}
}

json_t *
dpw_doc_wan_list_encode(const struct dpw_doc *doc, const uint8_t *wan, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a != NULL && i < n; i++)
		if (wan[i] < doc->n_wans)
			json_array_append_new(a, json_string(doc->wans[wan[i]].name));
	return a;
}

/* Is a a host of the LAN subnet, not the LAN address (reported at p when not)? True
 * without a system context. */
static bool
lan_host_ok(const struct dpw_doc_dec *dec, uint32_t a, const char *p, const char *what)
{
	const struct dpw_doc_context *c = dec->ctx;
	uint32_t m, net;
	char b[16], nb[16];

	if (c == NULL || c->lan_prefixlen < 1 || c->lan_prefixlen > 30)
		return true;
	m = prefix_mask(c->lan_prefixlen);
	net = c->lan_addr & m;
	dpw_ipv4_str(a, b, sizeof(b));
	if ((a & m) != net) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is outside the LAN subnet %s/%u", what,
				    b, dpw_ipv4_str(net, nb, sizeof(nb)), c->lan_prefixlen);
		return false;
	}
	if (a == net || a == (net | ~m) || a == c->lan_addr) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is the LAN's %s address", what, b,
				    a == c->lan_addr ? "own (the router's)" :
				    a == net ? "network" : "broadcast");
		return false;
	}
	return true;
}

/* Is a/len inside the LAN subnet (reported at p when not)? True without a context. */
static bool
lan_net_ok(const struct dpw_doc_dec *dec, uint32_t a, uint8_t len, const char *p)
{
	const struct dpw_doc_context *c = dec->ctx;
	char b[16], nb[16];

	if (c == NULL || c->lan_prefixlen < 1 || c->lan_prefixlen > 30)
		return true;
	if (len >= c->lan_prefixlen && (a & prefix_mask(c->lan_prefixlen)) ==
	    (c->lan_addr & prefix_mask(c->lan_prefixlen)))
		return true;
	dpw_doc_problem_add(dec->pr, false, p, "lan network %s/%u is not inside the LAN subnet "
			    "%s/%u", dpw_ipv4_str(a, b, sizeof(b)), len,
			    dpw_ipv4_str(c->lan_addr & prefix_mask(c->lan_prefixlen), nb,
					 sizeof(nb)), c->lan_prefixlen);
	return false;
}

/* Is addr one of wan's additional addresses? */
static bool
is_extra(const struct dpw_doc_wan *w, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < w->n_extra; i++)
		if (w->extra_addr[i] == addr)
			return true;
	return false;
}

/* ---- services ----------------------------------------------------------------------- */

static int
parse_port_text(const char *s, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "port": "any", an integer, "N" or "A-B". 0 or reported -EINVAL. */
static int
decode_svc_port(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		struct dpw_doc_service *s, bool *any)
{
	const json_t *v = json_object_get(o, "port");
	char p[DPW_DOC_PATH_LEN], buf[16];
	const char *t, *dash;
	long lo, hi;

	*any = false;
	dpw_doc_path_key(p, sizeof(p), path, "port");
	if (v == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "'port' is required: \"any\", a port, "
				    "or a range \"A-B\"");
		return -EINVAL;
	}
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 65535) {
			dpw_doc_problem_add(dec->pr, false, p, "port %" JSON_INTEGER_FORMAT " is out "
					    "of range 1..65535", json_integer_value(v));
			return -EINVAL;
		}
		s->port.lo = s->port.hi = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v)) {
		dpw_doc_type_error(dec, p, "\"any\", a port or a range \"A-B\"", v);
		return -EINVAL;
	}
	t = json_string_value(v);
	if (strcmp(t, "any") == 0) {
		*any = true;
		s->port.lo = 1;
		s->port.hi = 65535;
		return 0;
	}
	dash = strchr(t, '-');
	if (dash == NULL) {
		if (parse_port_text(t, &lo) != 0)
			goto bad;
		hi = lo;
	} else {
		if ((size_t)(dash - t) >= sizeof(buf))
			goto bad;
		memcpy(buf, t, (size_t)(dash - t));
		buf[dash - t] = '\0';
		if (parse_port_text(buf, &lo) != 0 || parse_port_text(dash + 1, &hi) != 0)
			goto bad;
		if (hi < lo) {
			dpw_doc_problem_add(dec->pr, false, p, "port range '%.16s' ends before it "
					    "starts", t);
			return -EINVAL;
		}
	}
	s->port.lo = (uint16_t)lo;
	s->port.hi = (uint16_t)hi;
	return 0;
bad:
	dpw_doc_problem_add(dec->pr, false, p, "port '%.24s' is not \"any\", a port 1..65535 or "
			    "a range \"A-B\"", t);
	return -EINVAL;
}

static void
decode_servers(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	       struct dpw_doc_service *s)
{
	const json_t *a = json_object_get(o, "servers");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], pa[DPW_DOC_PATH_LEN], b[16];
	unsigned int j;
	int64_t wt;
	uint32_t x;
	size_t i, k;

	s->n_servers = 0;
	dpw_doc_path_key(p, sizeof(p), path, "servers");
	if (a == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "'servers' is required: at least one "
				    "LAN server {address, weight}");
		return;
	}
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of servers", a);
		return;
	}
	k = json_array_size(a);
	if (k == 0 || k > DPW_SERVICE_SERVERS_MAX) {
		dpw_doc_problem_add(dec->pr, false, p, "%zu servers: 1..%d", k,
				    DPW_SERVICE_SERVERS_MAX);
		if (k == 0)
			return;
	}
	for (i = 0; i < k && i < DPW_SERVICE_SERVERS_MAX; i++) {
		const json_t *x_o = json_array_get(a, i);

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(x_o)) {
			dpw_doc_type_error(dec, e, "an object {address, weight}", x_o);
			continue;
		}
		dpw_doc_check_members(x_o, e, server_members, NULL, dec);
		dpw_doc_get_int(x_o, e, "weight", false, 1, DPW_SERVICE_WEIGHT_MAX, 1, &wt, dec);
		dpw_doc_path_key(pa, sizeof(pa), e, "address");
		if (json_object_get(x_o, "address") == NULL) {
			dpw_doc_problem_add(dec->pr, false, e, "'address' is required");
			continue;
		}
		if (dpw_doc_addr_decode(json_object_get(x_o, "address"), pa, "server", dec,
					&x) != 0 || !lan_host_ok(dec, x, pa, "server"))
			continue;
		for (j = 0; j < s->n_servers; j++)
			if (s->server[j].addr == x)
				break;
		if (j < s->n_servers) {
			dpw_doc_problem_add(dec->pr, false, pa, "duplicate server %s",
					    dpw_ipv4_str(x, b, sizeof(b)));
			continue;
		}
		s->server[s->n_servers].addr = x;
		s->server[s->n_servers].weight = (uint32_t)wt;
		s->n_servers++;
	}
}

/* addresses: each the address or an additional address of one of the service's WANs. */
static void
decode_svc_addrs(const json_t *o, const char *path, const struct dpw_doc *doc,
		 struct dpw_doc_dec *dec, struct dpw_doc_service *s, bool any)
{
	const json_t *a = json_object_get(o, "addresses");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], b[16];
	unsigned int j, w;
	uint32_t x;
	size_t i;

	s->n_addrs = 0;
	dpw_doc_path_key(p, sizeof(p), path, "addresses");
	if (a != NULL && !json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of addresses", a);
		return;
	}
	if (any && (a == NULL || json_array_size(a) == 0)) {
		dpw_doc_problem_add(dec->pr, false, path, "port \"any\" needs 'addresses', "
				    "additional addresses of the WANs only: the NAT owns the ports "
				    "of a WAN's own address");
		return;
	}
	if (a == NULL)
		return;
	if (json_array_size(a) > DPW_SERVICE_ADDRS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu addresses, at most %d",
				    json_array_size(a), DPW_SERVICE_ADDRS_MAX);
	for (i = 0; i < json_array_size(a) && i < DPW_SERVICE_ADDRS_MAX; i++) {
		bool own = false, extra = false;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (dpw_doc_addr_decode(json_array_get(a, i), e, "address", dec, &x) != 0)
			continue;
		dpw_ipv4_str(x, b, sizeof(b));
		for (w = 0; w < doc->n_wans; w++) {
			const struct dpw_doc_wan *dw = &doc->wans[w];

			if (s->n_wans > 0) {
				for (j = 0; j < s->n_wans; j++)
					if (s->wan[j] == w)
						break;
				if (j == s->n_wans)
					continue;
			}
			if (dw->addr_mode == DPW_ADDR_STATIC && dw->addr == x)
				own = true;
			if (is_extra(dw, x))
				extra = true;
		}
		if (!own && !extra) {
			dpw_doc_problem_add(dec->pr, false, e, "address %s is neither the address "
					    "nor an additional address of %s", b,
					    s->n_wans ? "a WAN the service listens on" : "a WAN");
			continue;
		}
		if (any && own) {
			dpw_doc_problem_add(dec->pr, false, e, "port \"any\" on %s, a WAN's own "
					    "address: only on additional addresses (the NAT owns "
					    "the WAN address's ports)", b);
			continue;
		}
		for (j = 0; j < s->n_addrs; j++)
			if (s->addr[j] == x)
				break;
		if (j < s->n_addrs) {
			dpw_doc_problem_add(dec->pr, false, e, "duplicate address %s", b);
			continue;
		}
		s->addr[s->n_addrs++] = x;
	}
}

static void
decode_service(const json_t *o, const char *path, const struct dpw_doc *doc,
	       struct dpw_doc_dec *dec, struct dpw_doc_service *s)
{
	char p[DPW_DOC_PATH_LEN];
	const char *proto;
	bool any = false;
	int64_t to;

	dpw_doc_check_members(o, path, service_members, NULL, dec);
	dpw_doc_get_name(o, path, s->name, dec);
	dpw_doc_get_bool(o, path, "enabled", true, &s->enabled, dec);
	if (dpw_doc_get_string(o, path, "proto", true, &proto, dec) == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "proto");
		if (strcmp(proto, "tcp") == 0)
			s->protos = DPW_SVC_TCP;
		else if (strcmp(proto, "udp") == 0)
			s->protos = DPW_SVC_UDP;
		else if (strcmp(proto, "tcp_udp") == 0)
			s->protos = DPW_SVC_TCP | DPW_SVC_UDP;
		else
			dpw_doc_problem_add(dec->pr, false, p, "proto '%.16s' is unknown: tcp, udp "
					    "or tcp_udp", proto);
	}
	decode_svc_port(o, path, dec, s, &any);
	if (dpw_doc_get_int(o, path, "to_port", false, 0, 65535, 0, &to, dec) == 0 && to != 0) {
		dpw_doc_path_key(p, sizeof(p), path, "to_port");
		if (any)
			dpw_doc_problem_add(dec->pr, false, p, "to_port with port \"any\": a "
					    "mapping needs a port or a range");
		else if (to + (s->port.hi - s->port.lo) > 65535)
			dpw_doc_problem_add(dec->pr, false, p, "to_port %" PRId64 " maps the range "
					    "%u-%u past port 65535", to, s->port.lo, s->port.hi);
		else
			s->to_port = (uint16_t)to;
	}
	dpw_doc_wan_list_decode(o, path, doc, dec, s->wan, &s->n_wans);
	decode_svc_addrs(o, path, doc, dec, s, any);
	decode_servers(o, path, dec, s);
}

/* Does service s listen on WAN w's own address (its n_addrs 0: every listed WAN's)? */
static bool
svc_on_wan(const struct dpw_doc_service *s, unsigned int w)
{
	unsigned int j;

	if (s->n_wans == 0)
		return true;
	for (j = 0; j < s->n_wans; j++)
		if (s->wan[j] == w)
			return true;
	return false;
}

/*
 * What a service claims: (WAN w's own address, or an explicit address) x protos x
 * ports. Two claims collide when they share a protocol, a port and the same place.
 */
struct claim {
	bool own;                 /* the WAN's own address (whatever it is) */
	uint32_t key;             /* own: the WAN index; else the address */
};

static unsigned int
svc_claims(const struct dpw_doc *doc, const struct dpw_doc_service *s, struct claim *c)
{
	unsigned int n = 0, w, i;

	if (s->n_addrs == 0) {
		for (w = 0; w < doc->n_wans && n < DPW_MAX_WANS; w++)
			if (svc_on_wan(s, w))
				c[n++] = (struct claim){ .own = true, .key = w };
		return n;
	}
	for (i = 0; i < s->n_addrs; i++) {
		c[n] = (struct claim){ .own = false, .key = s->addr[i] };
		for (w = 0; w < doc->n_wans; w++)
			if (doc->wans[w].addr_mode == DPW_ADDR_STATIC && doc->wans[w].addr ==
			    s->addr[i])
				c[n] = (struct claim){ .own = true, .key = w };
		n++;
	}
	return n;
}

static void
check_services(const char *path, struct dpw_doc_dec *dec, const struct dpw_doc *doc)
{
	struct claim ca[DPW_SERVICE_ADDRS_MAX + DPW_MAX_WANS], cb[DPW_SERVICE_ADDRS_MAX + DPW_MAX_WANS];
	const struct dpw_doc_context *ctx = dec->ctx;
	char p[DPW_DOC_PATH_LEN];
	unsigned int i, j, x, y, na, nb;

	for (i = 0; i < doc->n_services; i++) {
		const struct dpw_doc_service *a = &doc->services[i];

		dpw_doc_path_index(p, sizeof(p), path, i);
		for (j = 0; j < i; j++)
			if (a->name[0] && strcmp(a->name, doc->services[j].name) == 0)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate service name '%s' "
						    "(also %s/%u)", a->name, path, j);
		na = svc_claims(doc, a, ca);
		/* the NAT's ports on a WAN's own address are its own */
		if (ctx != NULL && ctx->nat_port_max != 0 && a->port.hi >= ctx->nat_port_min &&
		    !(a->port.lo == 1 && a->port.hi == 65535 && a->n_addrs == 0) &&
		    a->port.lo <= ctx->nat_port_max)
			for (x = 0; x < na; x++)
				if (ca[x].own) {
					char q[DPW_DOC_PATH_LEN];

					dpw_doc_path_key(q, sizeof(q), p, "port");
					dpw_doc_problem_add(dec->pr, false, q, "ports %u-%u on WAN "
							    "%s's own address overlap the NAT's "
							    "ports %u-%u (dpwan.conf nat.port_min "
							    "..port_max): use other ports or an "
							    "additional address", a->port.lo,
							    a->port.hi, doc->wans[ca[x].key].name,
							    ctx->nat_port_min, ctx->nat_port_max);
					break;
				}
		if (!a->enabled)
			continue;
		for (j = 0; j < i; j++) {
			const struct dpw_doc_service *b = &doc->services[j];

			if (!b->enabled || !(a->protos & b->protos) || a->port.hi < b->port.lo ||
			    b->port.hi < a->port.lo)
				continue;
			nb = svc_claims(doc, b, cb);
			for (x = 0; x < na; x++)
				for (y = 0; y < nb; y++)
					if (ca[x].own == cb[y].own && ca[x].key == cb[y].key)
						goto clash;
			continue;
clash:
			dpw_doc_problem_add(dec->pr, false, p, "service '%s' claims ports %u-%u "
					    "that service '%s' (%s/%u) takes on the same address "
					    "and protocol", a->name, a->port.lo, a->port.hi,
					    b->name, path, j);
		}
	}
}

void
dpw_doc_services_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	size_t i, n;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of services", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_SERVICES_MAX) {
		dpw_doc_problem_add(dec->pr, false, path, "%zu services, at most %d", n,
				    DPW_SERVICES_MAX);
		return;
	}
	if (n == 0)
		return;
	doc->services = calloc(n, sizeof(*doc->services));
	if (doc->services == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "out of memory for %zu services", n);
		return;
	}
	doc->n_services = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a service)", e);
			continue;
		}
		decode_service(e, p, doc, dec, &doc->services[i]);
	}
	check_services(path, dec, doc);
}

static json_t *
addr_array(const uint32_t *a, unsigned int n)
{
	json_t *arr = json_array();
	unsigned int i;
	char b[16];

	for (i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_string(dpw_ipv4_str(a[i], b, sizeof(b))));
	return arr;
}

json_t *
dpw_doc_services_encode(const struct dpw_doc *doc)
{
	static const char *const protos[] = { "", "tcp", "udp", "tcp_udp" };
	json_t *a = json_array();
	unsigned int i, k;
	char port[16], b[16];

	for (i = 0; a != NULL && i < doc->n_services; i++) {
		const struct dpw_doc_service *s = &doc->services[i];
		json_t *sv = json_array(), *o;

		for (k = 0; sv != NULL && k < s->n_servers; k++)
			json_array_append_new(sv, json_pack("{s:s, s:I}", "address",
				dpw_ipv4_str(s->server[k].addr, b, sizeof(b)), "weight",
				(json_int_t)s->server[k].weight));
		if (s->port.lo == 1 && s->port.hi == 65535)
			snprintf(port, sizeof(port), "any");
		else if (s->port.lo == s->port.hi)
			snprintf(port, sizeof(port), "%u", s->port.lo);
		else
			snprintf(port, sizeof(port), "%u-%u", s->port.lo, s->port.hi);
		o = json_pack("{s:s, s:b, s:s, s:s, s:I, s:o, s:o, s:o}", "name", s->name,
			      "enabled", s->enabled, "proto", protos[s->protos & 3], "port", port,
			      "to_port", (json_int_t)s->to_port,
			      "wans", dpw_doc_wan_list_encode(doc, s->wan, s->n_wans),
			      "addresses", addr_array(s->addr, s->n_addrs), "servers", sv);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* ---- nat ---------------------------------------------------------------------------- */

static void
decode_mapping(const json_t *o, const char *path, const struct dpw_doc *doc,
	       struct dpw_doc_dec *dec, struct dpw_doc_nat_mapping *m)
{
	char p[DPW_DOC_PATH_LEN], b[24];
	const char *s;
	uint32_t a;
	uint8_t len = 32;
	int w = -1;

	dpw_doc_check_members(o, path, mapping_members, NULL, dec);
	dpw_doc_get_name(o, path, m->name, dec);
	m->type = DPW_NATMAP_OUTBOUND;
	if (dpw_doc_get_string(o, path, "type", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "type");
		if (strcmp(s, "one_to_one") == 0)
			m->type = DPW_NATMAP_ONE_TO_ONE;
		else if (strcmp(s, "outbound") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "type '%.16s' is unknown: outbound "
					    "or one_to_one", s);
	}
	if (dpw_doc_get_string(o, path, "lan", true, &s, dec) == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "lan");
		if (dpw_parse_ipv4(s, &a, &len) != 0) {
			dpw_doc_problem_add(dec->pr, false, p, "lan '%.32s' is not an address or "
					    "network a.b.c.d[/n]", s);
		} else if ((a & ~prefix_mask(len)) != 0) {
			dpw_doc_problem_add(dec->pr, false, p, "%.32s has host bits set under its "
					    "mask", s);
		} else if (m->type == DPW_NATMAP_ONE_TO_ONE && len != 32) {
			dpw_doc_problem_add(dec->pr, false, p, "a 1:1 mapping maps one host, not "
					    "the network %.32s", s);
		} else if (len == 32 ? lan_host_ok(dec, a, p, "lan host") :
			   lan_net_ok(dec, a, len, p)) {
			m->lan.addr = a;
			m->lan.prefixlen = len;
		}
	}
	if (dpw_doc_get_string(o, path, "wan", true, &s, dec) == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "wan");
		w = dpw_doc_wan_ref(doc, s, p, dec);
		if (w >= 0 && doc->wans[w].forwarding) {
			dpw_doc_problem_add(dec->pr, false, p, "WAN '%s' is in IP forwarding mode "
					    "(nat: false): it translates nothing", s);
			w = -1;
		}
	}
	m->wan = w < 0 ? DPW_DOC_WAN_NONE : (uint8_t)w;
	dpw_doc_path_key(p, sizeof(p), path, "address");
	if (json_object_get(o, "address") == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "'address' is required: the WAN's "
				    "address or one of its additional addresses");
		return;
	}
	if (dpw_doc_addr_decode(json_object_get(o, "address"), p, "address", dec, &a) != 0 ||
	    w < 0)
		return;
	dpw_ipv4_str(a, b, sizeof(b));
	if (is_extra(&doc->wans[w], a)) {
		m->addr = a;
	} else if (m->type == DPW_NATMAP_ONE_TO_ONE) {
		dpw_doc_problem_add(dec->pr, false, p, "a 1:1 mapping needs an additional "
				    "address of WAN '%s', not %s", doc->wans[w].name, b);
	} else if (doc->wans[w].addr_mode == DPW_ADDR_STATIC && doc->wans[w].addr == a) {
		m->addr = a;
	} else {
		dpw_doc_problem_add(dec->pr, false, p, "address %s is neither the address nor "
				    "an additional address of WAN '%s'", b, doc->wans[w].name);
	}
}

static void
check_mappings(const char *path, struct dpw_doc_dec *dec, const struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN], b[16];
	unsigned int i, j, k;

	for (i = 0; i < doc->nat.n_mappings; i++) {
		const struct dpw_doc_nat_mapping *m = &doc->nat.mapping[i];

		dpw_doc_path_index(p, sizeof(p), path, i);
		for (j = 0; j < i; j++) {
			const struct dpw_doc_nat_mapping *o = &doc->nat.mapping[j];

			if (m->name[0] && strcmp(m->name, o->name) == 0)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate mapping name "
						    "'%s' (also %s/%u)", m->name, path, j);
			if (m->type != DPW_NATMAP_ONE_TO_ONE || m->addr == 0)
				continue;
			if (o->addr == m->addr)
				dpw_doc_problem_add(dec->pr, false, p, "address %s of this 1:1 "
						    "mapping is also mapping '%s''s",
						    dpw_ipv4_str(m->addr, b, sizeof(b)), o->name);
			else if (o->type == DPW_NATMAP_ONE_TO_ONE && o->lan.addr == m->lan.addr)
				dpw_doc_problem_add(dec->pr, false, p, "host %s has a 1:1 mapping "
						    "already ('%s')", dpw_ipv4_str(m->lan.addr, b,
						    sizeof(b)), o->name);
		}
		for (j = 0; m->type == DPW_NATMAP_ONE_TO_ONE && m->addr != 0 &&
		     j < doc->n_services; j++)
			for (k = 0; k < doc->services[j].n_addrs; k++)
				if (doc->services[j].addr[k] == m->addr)
					dpw_doc_problem_add(dec->pr, false, p, "address %s of this "
							    "1:1 mapping is service '%s''s",
							    dpw_ipv4_str(m->addr, b, sizeof(b)),
							    doc->services[j].name);
		if (m->type == DPW_NATMAP_ONE_TO_ONE)
			continue;
		/* an outbound mapping covered by an earlier one of the same WAN never acts */
		for (j = 0; j < i; j++) {
			const struct dpw_doc_nat_mapping *o = &doc->nat.mapping[j];

			if (o->wan == m->wan && o->wan != DPW_DOC_WAN_NONE &&
			    o->lan.prefixlen <= m->lan.prefixlen &&
			    (m->lan.addr & prefix_mask(o->lan.prefixlen)) == o->lan.addr) {
				dpw_doc_problem_add(dec->pr, true, p, "mapping '%s' (%s/%u) takes "
						    "every host of this one first: it never acts",
						    o->name, path, j);
				break;
			}
		}
	}
}

void
dpw_doc_nat_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		   struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	const json_t *a;
	size_t i, n;

	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		dpw_doc_type_error(dec, path, "an object {mappings}", v);
		return;
	}
	dpw_doc_check_members(v, path, nat_members, NULL, dec);
	a = json_object_get(v, "mappings");
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "mappings");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of mappings", a);
		return;
	}
	n = json_array_size(a);
	if (n > DPW_NAT_MAPPINGS_MAX) {
		dpw_doc_problem_add(dec->pr, false, p, "%zu mappings, at most %d", n,
				    DPW_NAT_MAPPINGS_MAX);
		return;
	}
	if (n == 0)
		return;
	doc->nat.mapping = calloc(n, sizeof(*doc->nat.mapping));
	if (doc->nat.mapping == NULL) {
		dpw_doc_problem_add(dec->pr, false, p, "out of memory for %zu mappings", n);
		return;
	}
	doc->nat.n_mappings = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *x = json_array_get(a, i);

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(x)) {
			dpw_doc_type_error(dec, e, "an object (a mapping)", x);
			continue;
		}
		decode_mapping(x, e, doc, dec, &doc->nat.mapping[i]);
	}
	check_mappings(p, dec, doc);
}

json_t *
dpw_doc_nat_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i;
	char lan[24], b[16];

	for (i = 0; a != NULL && i < doc->nat.n_mappings; i++) {
		const struct dpw_doc_nat_mapping *m = &doc->nat.mapping[i];
		json_t *o;

		dpw_ipv4_str(m->lan.addr, lan, sizeof(lan));
		if (m->lan.prefixlen != 32)
			snprintf(lan + strlen(lan), sizeof(lan) - strlen(lan), "/%u",
				 m->lan.prefixlen);
		o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", m->name, "type",
			      m->type == DPW_NATMAP_ONE_TO_ONE ? "one_to_one" : "outbound",
			      "lan", lan, "wan", m->wan < doc->n_wans ? doc->wans[m->wan].name : "",
			      "address", dpw_ipv4_str(m->addr, b, sizeof(b)));
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a == NULL ? NULL : json_pack("{s:o}", "mappings", a);
}
