/* SPDX-License-Identifier: BSD-3-Clause
 * The "wans" section of the network-policy document: decode and validate each WAN
 * (types, ranges, names, addressing) and the WANs against each other and the system
 * configuration (names of WAN ports, overlapping subnets, duplicates), and encode them
 * back with every member present. Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

#define WAN_WEIGHT_MIN 1
#define WAN_WEIGHT_MAX 1000          /* mwan3's weight range, like dpwan.conf's */
#define WAN_MTU_MIN 576              /* RFC 791: every host accepts 576 */
#define WAN_MTU_MAX 9000             /* without a system context: a jumbo frame */
#define WAN_MTU_DEFAULT 1440         /* Peplink's default WAN MTU */
#define WAN_MSS_MIN 536              /* RFC 879's default MSS */
#define WAN_MSS_OVERHEAD 40          /* IPv4 + TCP headers without options */
#define WAN_KBPS_MAX 100000000       /* 100 Gbit/s */

static const char *const wan_members[] = {
	"name", "enabled", "forced_down", "weight", "mtu", "mss", "priority", "independent",
	"upload_kbps", "download_kbps", "on_failure", "addressing", "health", "nat",
	"additional_addresses", NULL,
};
static const char *const addressing_members[] = {
	"mode", "address", "gateway", "dns", "hostname", NULL,
};
static const char *const dhcp_members[] = { "mode", "dns", "hostname", NULL };
static const char *const on_failure_members[] = { "tcp", "udp", NULL };

/* What decoded well enough for the cross-checks. */
struct wan_ok {
	bool name;
	bool addr;
};

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* The port's MTU of the WAN port named name, 0 if ctx has no such port. */
static uint16_t
ctx_port_mtu(const struct dpw_doc_context *ctx, const char *name)
{
	unsigned int i;

	for (i = 0; i < ctx->n_wan_ports && i < DPW_MAX_WANS; i++)
		if (strcmp(ctx->wan_port[i], name) == 0)
			return ctx->wan_port_mtu[i] != 0 ? ctx->wan_port_mtu[i] : WAN_MTU_MAX;
	return 0;
}

/* Why a.b.c.d is no host address at all (any subnet), or NULL. */
static const char *
addr_unusable(uint32_t a)
{
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8 (this network)";
	if ((a >> 24) == 127)
		return "a loopback address (127.0.0.0/8)";
	if ((a >> 28) == 0xe)
		return "a multicast address (224.0.0.0/4)";
	if (a == 0xffffffffu)
		return "the limited broadcast address";
	return NULL;
}

/* RFC 1123 host name, as DHCP option 12 carries it. */
static bool
hostname_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* addressing.dns: the ISP's DNS servers (Peplink "DNS Servers"), at most 4. */
static void
decode_dns(const json_t *o, const char *path, struct dpw_doc_dec *dec, struct dpw_doc_wan *w)
{
	const json_t *a = json_object_get(o, "dns");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	size_t i, n;
	uint32_t ip;

	w->n_dns = 0;
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "dns");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of addresses", a);
		return;
	}
	n = json_array_size(a);
	if (n > DPW_WAN_DNS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu DNS servers, at most %d", n,
				    DPW_WAN_DNS_MAX);
	for (i = 0; i < n && i < DPW_WAN_DNS_MAX; i++) {
		const json_t *v = json_array_get(a, i);

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_string(v)) {
			dpw_doc_type_error(dec, e, "a string (a.b.c.d)", v);
			continue;
		}
		if (dpw_parse_ipv4(json_string_value(v), &ip, NULL) != 0 ||
		    strchr(json_string_value(v), '/') != NULL || addr_unusable(ip) != NULL) {
			dpw_doc_problem_add(dec->pr, false, e, "DNS server '%.32s' is not a unicast "
					    "address a.b.c.d", json_string_value(v));
			continue;
		}
		w->dns[w->n_dns++] = ip;
	}
}

static void
decode_on_failure(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		  struct dpw_doc_wan *w)
{
	char p[DPW_DOC_PATH_LEN];
	const char *s;

	w->fail_tcp = DPW_FAIL_TCP_RESET;
	w->fail_udp = DPW_FAIL_UDP_MOVE;
	if (o == NULL)
		return;
	if (!json_is_object(o)) {
		dpw_doc_type_error(dec, path, "an object", o);
		return;
	}
	dpw_doc_check_members(o, path, on_failure_members, NULL, dec);
	if (dpw_doc_get_string(o, path, "tcp", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "tcp");
		if (strcmp(s, "keep") == 0)
			w->fail_tcp = DPW_FAIL_TCP_KEEP;
		else if (strcmp(s, "reset") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "tcp '%.32s' is unknown: reset or "
					    "keep", s);
	}
	if (dpw_doc_get_string(o, path, "udp", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "udp");
		if (strcmp(s, "keep") == 0)
			w->fail_udp = DPW_FAIL_UDP_KEEP;
		else if (strcmp(s, "move") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "udp '%.32s' is unknown: move or "
					    "keep", s);
	}
}

static void
decode_addressing(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		  struct dpw_doc_wan *w, struct wan_ok *ok)
{
	char p[DPW_DOC_PATH_LEN], pa[DPW_DOC_PATH_LEN], pg[DPW_DOC_PATH_LEN], b[16];
	const char *mode, *addr, *gw, *why;
	uint32_t mask, a, g;
	uint8_t len;
	int rc;

	w->addr_mode = DPW_ADDR_STATIC;
	if (dpw_doc_get_string(o, path, "mode", false, &mode, dec) != 0)
		return;
	decode_dns(o, path, dec, w);
	if (mode != NULL && strcmp(mode, "dhcp") == 0) {
		/* the address, gateway and DNS servers come from the lease */
		dpw_doc_check_members(o, path, dhcp_members, NULL, dec);
		w->addr_mode = DPW_ADDR_DHCP;
		if (dpw_doc_get_string(o, path, "hostname", false, &gw, dec) == 0 && gw != NULL) {
			dpw_doc_path_key(p, sizeof(p), path, "hostname");
			if (!hostname_valid(gw))
				dpw_doc_problem_add(dec->pr, false, p, "hostname '%.32s' is not a "
						    "host name (letters, digits, '-' and '.', at most "
						    "63)", gw);
			else
				snprintf(w->hostname, sizeof(w->hostname), "%s", gw);
		}
		return;
	}
	dpw_doc_check_members(o, path, addressing_members, NULL, dec);
	if (json_object_get(o, "hostname") != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "hostname");
		dpw_doc_problem_add(dec->pr, false, p, "hostname is for mode dhcp only");
	}
	if (mode != NULL && strcmp(mode, "static") != 0) {
		dpw_doc_path_key(p, sizeof(p), path, "mode");
		dpw_doc_problem_add(dec->pr, false, p, "mode '%.32s' is unknown: \"static\" or "
				    "\"dhcp\"", mode);
		return;
	}
	dpw_doc_path_key(pa, sizeof(pa), path, "address");
	dpw_doc_path_key(pg, sizeof(pg), path, "gateway");
	rc = dpw_doc_get_string(o, path, "address", true, &addr, dec);
	if (rc == 0) {
		len = 0;
		if (dpw_parse_ipv4(addr, &a, &len) != 0 || strchr(addr, '/') == NULL) {
			dpw_doc_problem_add(dec->pr, false, pa, "address '%.32s' is not "
					    "a.b.c.d/len", addr);
		} else if (len < 1 || len > 30) {
			dpw_doc_problem_add(dec->pr, false, pa, "prefix length /%u is out of "
					    "range 1..30", len);
		} else if ((why = addr_unusable(a)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, pa, "address %s is %s",
					    dpw_ipv4_str(a, b, sizeof(b)), why);
		} else if ((a & ~prefix_mask(len)) == 0) {
			dpw_doc_problem_add(dec->pr, false, pa, "address %s is the network address "
					    "of its subnet /%u", dpw_ipv4_str(a, b, sizeof(b)), len);
		} else if ((a | prefix_mask(len)) == 0xffffffffu) {
			dpw_doc_problem_add(dec->pr, false, pa, "address %s is the broadcast "
					    "address of its subnet /%u",
					    dpw_ipv4_str(a, b, sizeof(b)), len);
		} else {
			w->addr = a;
			w->prefixlen = len;
			ok->addr = true;
		}
	}
	if (dpw_doc_get_string(o, path, "gateway", true, &gw, dec) != 0)
		return;
	if (dpw_parse_ipv4(gw, &g, NULL) != 0) {
		dpw_doc_problem_add(dec->pr, false, pg, "gateway '%.32s' is not a.b.c.d", gw);
		return;
	}
	if ((why = addr_unusable(g)) != NULL) {
		dpw_doc_problem_add(dec->pr, false, pg, "gateway %s is %s",
				    dpw_ipv4_str(g, b, sizeof(b)), why);
		return;
	}
	w->gateway = g;
	if (!ok->addr)
		return;
	mask = prefix_mask(w->prefixlen);
	if ((g & mask) != (w->addr & mask)) {
		dpw_doc_problem_add(dec->pr, false, pg, "gateway %s is outside the subnet %s/%u",
				    dpw_ipv4_str(g, b, sizeof(b)),
				    dpw_ipv4_str(w->addr & mask, p, sizeof(p)), w->prefixlen);
	} else if (g == w->addr) {
		dpw_doc_problem_add(dec->pr, false, pg, "gateway %s is the WAN's own address",
				    dpw_ipv4_str(g, b, sizeof(b)));
	} else if ((g & ~mask) == 0 || (g | mask) == 0xffffffffu) {
		dpw_doc_problem_add(dec->pr, false, pg, "gateway %s is the %s address of the "
				    "subnet", dpw_ipv4_str(g, b, sizeof(b)),
				    (g & ~mask) == 0 ? "network" : "broadcast");
	}
}

/*
 * Peplink's additional public addresses of a static WAN: inside its subnet, not its
 * address, gateway, network or broadcast address, no duplicates (across WANs:
 * check_wans).
 */
static void
decode_extra(const json_t *o, const char *path, struct dpw_doc_dec *dec, struct dpw_doc_wan *w,
	     const struct wan_ok *ok)
{
	const json_t *a = json_object_get(o, "additional_addresses");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], b[16];
	uint32_t x, mask;
	unsigned int j;
	size_t i, k;

	w->n_extra = 0;
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "additional_addresses");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of addresses", a);
		return;
	}
	k = json_array_size(a);
	if (k == 0)
		return;
	if (w->addr_mode != DPW_ADDR_STATIC) {
		dpw_doc_problem_add(dec->pr, false, p, "additional addresses need a static WAN "
				    "(addressing mode static): a DHCP lease gives one address");
		return;
	}
	if (k > DPW_WAN_EXTRA_ADDRS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu additional addresses, at most %d", k,
				    DPW_WAN_EXTRA_ADDRS_MAX);
	mask = prefix_mask(w->prefixlen);
	for (i = 0; i < k && i < DPW_WAN_EXTRA_ADDRS_MAX; i++) {
		dpw_doc_path_index(e, sizeof(e), p, i);
		if (dpw_doc_addr_decode(json_array_get(a, i), e, "address", dec, &x) != 0)
			continue;
		dpw_ipv4_str(x, b, sizeof(b));
		if (ok->addr && (x & mask) != (w->addr & mask)) {
			dpw_doc_problem_add(dec->pr, false, e, "address %s is outside the WAN's "
					    "subnet /%u", b, w->prefixlen);
			continue;
		}
		if (ok->addr && (x == w->addr || x == w->gateway || (x & ~mask) == 0 ||
				 (x | mask) == 0xffffffffu)) {
			dpw_doc_problem_add(dec->pr, false, e, "address %s is the WAN's %s", b,
					    x == w->addr ? "own address" : x == w->gateway ?
					    "gateway" : "network or broadcast address");
			continue;
		}
		for (j = 0; j < w->n_extra; j++)
			if (w->extra_addr[j] == x)
				break;
		if (j < w->n_extra) {
			dpw_doc_problem_add(dec->pr, false, e, "duplicate address %s", b);
			continue;
		}
		w->extra_addr[w->n_extra++] = x;
	}
}

static void
decode_wan(const json_t *o, const char *path, struct dpw_doc_dec *dec, struct dpw_doc_wan *w,
	   struct wan_ok *ok)
{
	char p[DPW_DOC_PATH_LEN];
	int64_t x, mtu_max = WAN_MTU_MAX, mtu_def = WAN_MTU_DEFAULT;
	const char *name;
	const json_t *v;
	bool mtu_ok, nat;

	dpw_doc_check_members(o, path, wan_members, NULL, dec);
	if (dpw_doc_get_string(o, path, "name", true, &name, dec) == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "name");
		if (!dpw_doc_name_valid(name)) {
			dpw_doc_problem_add(dec->pr, false, p, "name '%.32s' is invalid: 1-15 "
					    "letters, digits or underscores", name);
		} else {
			snprintf(w->name, sizeof(w->name), "%s", name);
			ok->name = true;
		}
	}
	if (ok->name && dec->ctx != NULL && ctx_port_mtu(dec->ctx, w->name) != 0) {
		mtu_max = ctx_port_mtu(dec->ctx, w->name);
		/* a port below Peplink's default gets its own MTU by default */
		mtu_def = mtu_max < mtu_def ? mtu_max : mtu_def;
	}
	dpw_doc_get_bool(o, path, "enabled", true, &w->enabled, dec);
	dpw_doc_get_bool(o, path, "forced_down", false, &w->forced_down, dec);
	dpw_doc_get_int(o, path, "weight", false, WAN_WEIGHT_MIN, WAN_WEIGHT_MAX, 1, &x, dec);
	w->weight = (uint32_t)x;
	mtu_ok = dpw_doc_get_int(o, path, "mtu", false, WAN_MTU_MIN, mtu_max, mtu_def, &x,
				 dec) == 0;
	w->mtu = (uint16_t)x;

	v = json_object_get(o, "mss");
	dpw_doc_path_key(p, sizeof(p), path, "mss");
	w->mss = 0;
	if (v == NULL || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0)) {
		/* auto: mtu - 40 */
	} else if (json_is_integer(v)) {
		int64_t hi = (mtu_ok ? w->mtu : mtu_max) - WAN_MSS_OVERHEAD;
		json_int_t m = json_integer_value(v);

		if (m < WAN_MSS_MIN || m > hi)
			dpw_doc_problem_add(dec->pr, false, p, "mss %" JSON_INTEGER_FORMAT " is out "
					    "of range %d..%" PRId64 " (mtu - %d)", m, WAN_MSS_MIN,
					    hi, WAN_MSS_OVERHEAD);
		else
			w->mss = (uint16_t)m;
	} else if (json_is_string(v)) {
		dpw_doc_problem_add(dec->pr, false, p, "mss must be \"auto\" or an integer, not "
				    "'%.32s'", json_string_value(v));
	} else {
		dpw_doc_type_error(dec, p, "\"auto\" or an integer", v);
	}

	dpw_doc_get_int(o, path, "priority", false, 1, DPW_WAN_PRIORITY_MAX, 1, &x, dec);
	w->priority = (uint8_t)x;
	dpw_doc_get_bool(o, path, "independent", false, &w->independent, dec);
	dpw_doc_get_int(o, path, "upload_kbps", false, 1, WAN_KBPS_MAX, DPW_BANDWIDTH_DEFAULT, &x,
			dec);
	w->upload_kbps = (uint32_t)x;
	dpw_doc_get_int(o, path, "download_kbps", false, 1, WAN_KBPS_MAX, DPW_BANDWIDTH_DEFAULT,
			&x, dec);
	w->download_kbps = (uint32_t)x;
	dpw_doc_path_key(p, sizeof(p), path, "on_failure");
	decode_on_failure(json_object_get(o, "on_failure"), p, dec, w);
	dpw_doc_path_key(p, sizeof(p), path, "health");
	dpw_doc_health_decode(json_object_get(o, "health"), p, dec, &w->health);

	v = json_object_get(o, "addressing");
	dpw_doc_path_key(p, sizeof(p), path, "addressing");
	if (v == NULL)
		dpw_doc_problem_add(dec->pr, false, path, "'addressing' is required");
	else if (!json_is_object(v))
		dpw_doc_type_error(dec, p, "an object", v);
	else
		decode_addressing(v, p, dec, w, ok);
	dpw_doc_get_bool(o, path, "nat", true, &nat, dec);
	w->forwarding = !nat;
	decode_extra(o, path, dec, w, ok);
}

/* The cross-checks: names against each other and the system, subnets, duplicates. */
static void
check_wans(const char *path, struct dpw_doc_dec *dec, const struct dpw_doc *doc,
	   const struct wan_ok *ok)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN], b1[16], b2[16], list[DPW_DOC_MSG_LEN];
	const struct dpw_doc_context *ctx = dec->ctx;
	unsigned int i, j, usable = 0;

	for (i = 0; i < doc->n_wans; i++) {
		const struct dpw_doc_wan *w = &doc->wans[i];

		if (w->enabled && !w->forced_down)
			usable++;
		if (ok[i].name) {
			snprintf(p, sizeof(p), "%s/%u/name", path, i);
			for (j = 0; j < i; j++)
				if (ok[j].name && strcmp(doc->wans[j].name, w->name) == 0)
					break;
			if (j < i)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate name '%s' (also "
						    "%s/%u/name)", w->name, path, j);
			if (ctx != NULL && ctx_port_mtu(ctx, w->name) == 0) {
				size_t n = 0;

				list[0] = '\0';
				for (j = 0; j < ctx->n_wan_ports && j < DPW_MAX_WANS &&
				     n < sizeof(list); j++)
					n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
							      j ? ", " : "", ctx->wan_port[j]);
				dpw_doc_problem_add(dec->pr, false, p, "no WAN port '%s' in the "
						    "system configuration (WAN ports: %s)", w->name,
						    n ? list : "none");
			}
		}
		if (!ok[i].addr)
			continue;
		snprintf(p, sizeof(p), "%s/%u/addressing/address", path, i);
		for (j = 0; j < i; j++) {
			const struct dpw_doc_wan *o = &doc->wans[j];
			uint8_t len = w->prefixlen < o->prefixlen ? w->prefixlen : o->prefixlen;

			if (!ok[j].addr)
				continue;
			snprintf(q, sizeof(q), "%s/%u/addressing/address", path, j);
			if (o->addr == w->addr)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate address %s (also %s)",
						    dpw_ipv4_str(w->addr, b1, sizeof(b1)), q);
			else if ((o->addr & prefix_mask(len)) == (w->addr & prefix_mask(len)))
				dpw_doc_problem_add(dec->pr, false, p, "subnet %s/%u overlaps the "
						    "subnet %s/%u of %s",
						    dpw_ipv4_str(w->addr & prefix_mask(w->prefixlen),
								 b1, sizeof(b1)), w->prefixlen,
						    dpw_ipv4_str(o->addr & prefix_mask(o->prefixlen),
								 b2, sizeof(b2)), o->prefixlen, q);
		}
		if (ctx != NULL && ctx->lan_prefixlen > 0 && ctx->lan_prefixlen <= 32) {
			uint8_t len = w->prefixlen < ctx->lan_prefixlen ? w->prefixlen :
				      ctx->lan_prefixlen;

			if ((ctx->lan_addr & prefix_mask(len)) == (w->addr & prefix_mask(len)))
				dpw_doc_problem_add(dec->pr, false, p, "subnet %s/%u overlaps the "
						    "LAN subnet %s/%u",
						    dpw_ipv4_str(w->addr & prefix_mask(w->prefixlen),
								 b1, sizeof(b1)), w->prefixlen,
						    dpw_ipv4_str(ctx->lan_addr &
								 prefix_mask(ctx->lan_prefixlen),
								 b2, sizeof(b2)), ctx->lan_prefixlen);
		}
	}
	/* an additional address belongs to one WAN, and is no WAN's own address */
	for (i = 0; i < doc->n_wans; i++)
		for (unsigned int k = 0; k < doc->wans[i].n_extra; k++)
			for (j = 0; j < doc->n_wans; j++) {
				const struct dpw_doc_wan *o = &doc->wans[j];
				uint32_t x = doc->wans[i].extra_addr[k];
				unsigned int m;

				for (m = 0; m < o->n_extra && j < i; m++)
					if (o->extra_addr[m] == x)
						break;
				if ((j != i && o->addr_mode == DPW_ADDR_STATIC && o->addr == x) ||
				    (j < i && m < o->n_extra)) {
					snprintf(p, sizeof(p), "%s/%u/additional_addresses/%u", path,
						 i, k);
					dpw_doc_problem_add(dec->pr, false, p, "address %s is also "
							    "WAN %s's", dpw_ipv4_str(x, b1,
							    sizeof(b1)), o->name);
					break;
				}
			}
	if (doc->n_wans > 0 && usable == 0)
		dpw_doc_problem_add(dec->pr, true, path, "no WAN can carry traffic: every WAN is "
				    "disabled or forced down");
}

void
dpw_doc_wans_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		    struct dpw_doc *doc)
{
	struct wan_ok ok[DPW_MAX_WANS];
	char p[DPW_DOC_PATH_LEN];
	size_t i, n;

	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of WANs", v);
		return;
	}
	n = json_array_size(v);
	if (n == 0) {
		dpw_doc_problem_add(dec->pr, false, path, "at least one WAN is required");
		return;
	}
	if (n > DPW_MAX_WANS)
		dpw_doc_problem_add(dec->pr, false, path, "%zu WANs, at most %d are supported", n,
				    DPW_MAX_WANS);
	memset(ok, 0, sizeof(ok));
	for (i = 0; i < n && i < DPW_MAX_WANS; i++) {
		const json_t *e = json_array_get(v, i);

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a WAN)", e);
			continue;
		}
		decode_wan(e, p, dec, &doc->wans[i], &ok[i]);
	}
	doc->n_wans = (unsigned int)(n < DPW_MAX_WANS ? n : DPW_MAX_WANS);
	check_wans(path, dec, doc, ok);
}

json_t *
dpw_doc_wans_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	char buf[24];
	unsigned int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_doc_wan *w = &doc->wans[i];
		json_t *ad;

		json_t *dns = json_array(), *hl = dpw_doc_health_encode(&w->health), *of;
		json_t *ex = json_array();
		unsigned int k;
		char d[16];

		for (k = 0; ex != NULL && k < w->n_extra; k++)
			json_array_append_new(ex, json_string(dpw_ipv4_str(w->extra_addr[k], d,
									   sizeof(d))));

		for (k = 0; dns != NULL && k < w->n_dns; k++)
			json_array_append_new(dns, json_string(dpw_ipv4_str(w->dns[k], d,
									    sizeof(d))));
		if (w->addr_mode == DPW_ADDR_DHCP) {
			ad = json_pack("{s:s, s:o}", "mode", "dhcp", "dns", dns);
			/* no hostname is no member: "" is not one the decoder takes back */
			if (ad != NULL && w->hostname[0] != '\0')
				json_object_set_new(ad, "hostname", json_string(w->hostname));
		} else {
			char g[16];

			dpw_ipv4_str(w->addr, buf, sizeof(buf));
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", w->prefixlen);
			ad = json_pack("{s:s, s:s, s:s, s:o}", "mode", "static", "address", buf,
				       "gateway", dpw_ipv4_str(w->gateway, g, sizeof(g)),
				       "dns", dns);
		}
		of = json_pack("{s:s, s:s}", "tcp", w->fail_tcp == DPW_FAIL_TCP_KEEP ? "keep" :
			       "reset", "udp", w->fail_udp == DPW_FAIL_UDP_KEEP ? "keep" : "move");
		if (ad == NULL || hl == NULL || of == NULL || ex == NULL ||
		    json_array_append_new(a, json_pack("{s:s, s:b, s:b, s:I, s:I, s:o, s:I, s:b, "
						       "s:I, s:I, s:o, s:o, s:o, s:b, s:o}",
						       "name", w->name, "enabled", w->enabled,
						       "forced_down", w->forced_down,
						       "weight", (json_int_t)w->weight,
						       "mtu", (json_int_t)w->mtu,
						       "mss", w->mss == 0 ? json_string("auto") :
						       json_integer(w->mss),
						       "priority", (json_int_t)w->priority,
						       "independent", w->independent,
						       "upload_kbps", (json_int_t)w->upload_kbps,
						       "download_kbps", (json_int_t)w->download_kbps,
						       "on_failure", of, "addressing", ad,
						       "health", hl, "nat", !w->forwarding,
						       "additional_addresses", ex)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
