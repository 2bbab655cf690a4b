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

static const char *const wan_members[] = {
	"name", "enabled", "forced_down", "weight", "mtu", "mss", "addressing", NULL,
};
static const struct dpw_doc_planned wan_planned[] = {
	{ "health", 7 },
	{ NULL, 0 },
};
static const char *const addressing_members[] = { "mode", "address", "gateway", NULL };

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

static void
decode_addressing(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		  struct dpw_doc_wan *w, struct wan_ok *ok)
{
	char p[DPW_DOC_PATH_LEN], pa[DPW_DOC_PATH_LEN], pg[DPW_DOC_PATH_LEN], b[16];
	const char *mode, *addr, *gw, *why;
	uint32_t mask, a, g;
	uint8_t len;
	int rc;

	dpw_doc_check_members(o, path, addressing_members, NULL, dec);
	w->addr_mode = DPW_ADDR_STATIC;
	if (dpw_doc_get_string(o, path, "mode", false, &mode, dec) != 0)
		return;
	if (mode != NULL && strcmp(mode, "dhcp") == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "mode");
		w->addr_mode = DPW_ADDR_DHCP;
		dpw_doc_problem_add(dec->pr, false, p,
				    "mode 'dhcp' is not supported yet: the WAN DHCP client comes "
				    "with issue 7");
		return;
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

static void
decode_wan(const json_t *o, const char *path, struct dpw_doc_dec *dec, struct dpw_doc_wan *w,
	   struct wan_ok *ok)
{
	char p[DPW_DOC_PATH_LEN];
	int64_t x, mtu_max = WAN_MTU_MAX, mtu_def = WAN_MTU_DEFAULT;
	const char *name;
	const json_t *v;
	bool mtu_ok;

	dpw_doc_check_members(o, path, wan_members, wan_planned, dec);
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

	v = json_object_get(o, "addressing");
	dpw_doc_path_key(p, sizeof(p), path, "addressing");
	if (v == NULL)
		dpw_doc_problem_add(dec->pr, false, path, "'addressing' is required");
	else if (!json_is_object(v))
		dpw_doc_type_error(dec, p, "an object", v);
	else
		decode_addressing(v, p, dec, w, ok);
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
				for (j = 0; j < ctx->n_wan_ports && j < DPW_MAX_WANS; j++)
					n += (size_t)snprintf(list + n, n < sizeof(list) ?
							      sizeof(list) - n : 0, "%s%s",
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

		if (w->addr_mode == DPW_ADDR_DHCP) {
			ad = json_pack("{s:s}", "mode", "dhcp");
		} else {
			char g[16];

			dpw_ipv4_str(w->addr, buf, sizeof(buf));
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", w->prefixlen);
			ad = json_pack("{s:s, s:s, s:s}", "mode", "static", "address", buf,
				       "gateway", dpw_ipv4_str(w->gateway, g, sizeof(g)));
		}
		if (ad == NULL ||
		    json_array_append_new(a, json_pack("{s:s, s:b, s:b, s:I, s:I, s:o, s:o}",
						       "name", w->name, "enabled", w->enabled,
						       "forced_down", w->forced_down,
						       "weight", (json_int_t)w->weight,
						       "mtu", (json_int_t)w->mtu,
						       "mss", w->mss == 0 ? json_string("auto") :
						       json_integer(w->mss),
						       "addressing", ad)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
