/* SPDX-License-Identifier: BSD-3-Clause
 * The "lan" section of the network-policy document (issue 9): Peplink's DHCP server
 * (ranges, lease time, router, DNS and NTP servers, domain, extended options,
 * reservations) and DNS proxy (caching, cache size, the WANs whose resolvers are asked)
 * that dnsmasq on the LAN TAP provides. Addresses are judged against the LAN subnet of
 * the system configuration (the context); without one those checks are skipped and the
 * default range is left out. Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

#define LABEL_MAX 63                  /* RFC 1035 */
#define LEASE_DIGITS_MAX 9            /* one number of a lease time string */

static const char *const lan_members[] = { "dhcp", "dns", NULL };
static const char *const dhcp_members[] = {
	"enabled", "logging", "ranges", "lease_time", "router", "dns", "domain", "ntp",
	"options", "reservations", NULL,
};
static const char *const range_members[] = { "start", "end", NULL };
static const char *const option_members[] = { "code", "value", NULL };
static const char *const reservation_members[] = { "name", "mac", "address", NULL };
static const char *const dns_members[] = {
	"enabled", "caching", "cache_size", "resolvers", NULL,
};

/* The LAN subnet of the context, when there is one. */
struct lan_net {
	bool known;
	uint32_t addr;                /* the LAN address */
	uint32_t net;
	uint32_t bcast;
	uint8_t len;
};

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static void
lan_net_get(const struct dpw_doc_dec *dec, struct lan_net *ln)
{
	memset(ln, 0, sizeof(*ln));
	if (dec->ctx == NULL || dec->ctx->lan_prefixlen < 1 || dec->ctx->lan_prefixlen > 30)
		return;
	ln->known = true;
	ln->addr = dec->ctx->lan_addr;
	ln->len = dec->ctx->lan_prefixlen;
	ln->net = ln->addr & prefix_mask(ln->len);
	ln->bcast = ln->net | ~prefix_mask(ln->len);
}

/* ---- DNS names (shared with dpw_doc_dns.c) ------------------------------------------ */

const char *
dpw_doc_dns_name(const char *s, bool wildcard, char out[DPW_DOMAIN_LEN])
{
	size_t n = strlen(s), i, label = 0, o = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;          /* the root's dot: "foo.lan." is foo.lan */
	if (n == 0)
		return "is empty";
	if (n >= DPW_DOMAIN_LEN)
		return "is too long (at most 127 characters)";
	if (s[0] == '*') {
		if (!wildcard)
			return "has a wildcard: not allowed here";
		if (n < 3 || s[1] != '.')
			return "has a wildcard that is not a whole first label followed by a name "
			       "(\"*.foo.lan\")";
		out[o++] = '*';
		out[o++] = '.';
		i = 2;
	} else {
		i = 0;
	}
	for (; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return "has an empty label";
			label = 0;
		} else if (c == '*') {
			return wildcard ? "has a wildcard other than a whole first label" :
			       "has a wildcard: not allowed here";
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_')) {
			return "has a character other than letters, digits, '-', '_' and '.'";
		} else if (++label > LABEL_MAX) {
			return "has a label longer than 63 characters";
		}
		out[o++] = c;
	}
	if (label == 0)
		return "has an empty label";
	out[o] = '\0';
	return NULL;
}

/* A reservation's name: one host-name label (RFC 1123), lower case. NULL or why not. */
static const char *
host_label(const char *s, char out[DPW_HOSTNAME_LEN])
{
	size_t n = strlen(s), i;

	if (n > LABEL_MAX)
		return "is longer than 63 characters";
	if (s[0] == '-' || (n > 0 && s[n - 1] == '-'))
		return "starts or ends with '-'";
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.')
			return "has a '.': a reservation's name is one label (the domain is "
			       "added)";
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return "has a character other than letters, digits and '-'";
		out[i] = c;
	}
	out[n] = '\0';
	/* dnsmasq's dhcp-host reads its fields by form: these would not be a name there */
	if (strcmp(out, "ignore") == 0 || strcmp(out, "infinite") == 0)
		return "is a word dnsmasq's dhcp-host reserves (ignore, infinite)";
	for (i = 0; i < n && out[i] >= '0' && out[i] <= '9'; i++)
		;
	if (n > 0 && (i == n || (i == n - 1 && i > 0 && strchr("smhdw", out[i]) != NULL)))
		return "reads as a lease time (digits, with s, m, h, d or w): a name needs a "
		       "letter";
	return NULL;
}

/* ---- addresses ---------------------------------------------------------------------- */

/* Why a is no host address at all (any subnet), or NULL. */
static const char *
addr_unusable(uint32_t a)
{
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8 (this network)";
	if ((a >> 24) == 127)
		return "a loopback address (127.0.0.0/8)";
	if ((a >> 28) >= 0xe)
		return "a multicast or reserved address (224.0.0.0/3)";
	return NULL;
}

/* An IPv4 address string v at path p (what: "start", "router" ...): 0 and *out, or
 * reported and -EINVAL. */
int
dpw_doc_addr_decode(const json_t *v, const char *p, const char *what,
		    struct dpw_doc_dec *dec, uint32_t *out)
{
	const char *s, *why;
	char b[16];

	if (!json_is_string(v)) {
		dpw_doc_type_error(dec, p, "a string (a.b.c.d)", v);
		return -EINVAL;
	}
	s = json_string_value(v);
	if (strchr(s, '/') != NULL || dpw_parse_ipv4(s, out, NULL) != 0) {
		dpw_doc_problem_add(dec->pr, false, p, "%s '%.32s' is not an address a.b.c.d",
				    what, s);
		return -EINVAL;
	}
	if ((why = addr_unusable(*out)) != NULL) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is %s", what,
				    dpw_ipv4_str(*out, b, sizeof(b)), why);
		return -EINVAL;
	}
	return 0;
}

/*
 * Is a a host of the LAN subnet (not its network or broadcast address; not the LAN
 * address itself unless lan_ok)? Reported at p when not. True without a subnet.
 */
static bool
in_lan(const struct lan_net *ln, uint32_t a, bool lan_ok, const char *p, const char *what,
       struct dpw_doc_dec *dec)
{
	char b[16], n[16];

	if (!ln->known)
		return true;
	dpw_ipv4_str(a, b, sizeof(b));
	if ((a & prefix_mask(ln->len)) != ln->net) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is outside the LAN subnet %s/%u",
				    what, b, dpw_ipv4_str(ln->net, n, sizeof(n)), ln->len);
		return false;
	}
	if (a == ln->net || a == ln->bcast) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is the %s address of the LAN "
				    "subnet %s/%u", what, b, a == ln->net ? "network" : "broadcast",
				    dpw_ipv4_str(ln->net, n, sizeof(n)), ln->len);
		return false;
	}
	if (a == ln->addr && !lan_ok) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %s is the LAN address (the router's "
				    "own)", what, b);
		return false;
	}
	return true;
}

/* dns / ntp: at most DPW_LAN_SERVERS_MAX unicast addresses, no duplicates. */
static void
decode_servers(const json_t *o, const char *path, const char *key, struct dpw_doc_dec *dec,
	       uint32_t *out, unsigned int *n)
{
	const json_t *a = json_object_get(o, key);
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], b[16];
	unsigned int j;
	size_t i, k;
	uint32_t ip;

	*n = 0;
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, key);
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of addresses", a);
		return;
	}
	k = json_array_size(a);
	if (k > DPW_LAN_SERVERS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu %s servers, at most %d", k,
				    strcmp(key, "dns") == 0 ? "DNS" : "NTP", DPW_LAN_SERVERS_MAX);
	for (i = 0; i < k && i < DPW_LAN_SERVERS_MAX; i++) {
		dpw_doc_path_index(e, sizeof(e), p, i);
		if (dpw_doc_addr_decode(json_array_get(a, i), e, "server", dec, &ip) != 0)
			continue;
		for (j = 0; j < *n; j++)
			if (out[j] == ip)
				break;
		if (j < *n) {
			dpw_doc_problem_add(dec->pr, false, e, "duplicate server %s",
					    dpw_ipv4_str(ip, b, sizeof(b)));
			continue;
		}
		out[(*n)++] = ip;
	}
}

/* ---- ranges ------------------------------------------------------------------------- */

/* Peplink's .100 - .199 on a /24; otherwise the middle half of the subnet; never the LAN
 * address (the larger side of it is kept). None without a subnet. */
static void
default_range(const struct lan_net *ln, struct dpw_doc_dhcp *d)
{
	uint32_t size, s, e;

	d->n_ranges = 0;
	if (!ln->known)
		return;
	if (ln->len == 24) {
		s = ln->net + 100;
		e = ln->net + 199;
	} else {
		size = 1u << (32 - ln->len);
		s = ln->net + size / 4;
		e = ln->net + size / 4 * 3 - 1;
		if (s <= ln->net)
			s = ln->net + 1;
		if (e >= ln->bcast)
			e = ln->bcast - 1;
	}
	if (ln->addr >= s && ln->addr <= e) {
		if (ln->addr - s >= e - ln->addr)
			e = ln->addr - 1;
		else
			s = ln->addr + 1;
	}
	if (s > e)
		return;
	d->range[0].start = s;
	d->range[0].end = e;
	d->n_ranges = 1;
}

static void
decode_ranges(const json_t *o, const char *path, const struct lan_net *ln,
	      struct dpw_doc_dec *dec, struct dpw_doc_dhcp *d)
{
	const json_t *a = json_object_get(o, "ranges");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], ps[DPW_DOC_PATH_LEN];
	char pe[DPW_DOC_PATH_LEN], b1[16], b2[16];
	unsigned int j;
	size_t i, k;

	if (a == NULL) {
		default_range(ln, d);
		return;
	}
	d->n_ranges = 0;
	dpw_doc_path_key(p, sizeof(p), path, "ranges");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of ranges {start, end}", a);
		return;
	}
	k = json_array_size(a);
	if (k == 0)
		dpw_doc_problem_add(dec->pr, false, p, "at least one range is needed (leave "
				    "'ranges' out for the default; 'enabled': false turns DHCP off)");
	if (k > DPW_DHCP_RANGES_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu ranges, at most %d", k,
				    DPW_DHCP_RANGES_MAX);
	for (i = 0; i < k && i < DPW_DHCP_RANGES_MAX; i++) {
		const json_t *r = json_array_get(a, i);
		const json_t *vs, *ve;
		uint32_t s, en;
		bool ok;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(r)) {
			dpw_doc_type_error(dec, e, "an object (a range {start, end})", r);
			continue;
		}
		dpw_doc_check_members(r, e, range_members, NULL, dec);
		dpw_doc_path_key(ps, sizeof(ps), e, "start");
		dpw_doc_path_key(pe, sizeof(pe), e, "end");
		vs = json_object_get(r, "start");
		ve = json_object_get(r, "end");
		if (vs == NULL)
			dpw_doc_problem_add(dec->pr, false, e, "'start' is required");
		if (ve == NULL)
			dpw_doc_problem_add(dec->pr, false, e, "'end' is required");
		ok = vs != NULL && dpw_doc_addr_decode(vs, ps, "start", dec, &s) == 0 &&
		     in_lan(ln, s, false, ps, "start", dec);
		ok = (ve != NULL && dpw_doc_addr_decode(ve, pe, "end", dec, &en) == 0 &&
		      in_lan(ln, en, false, pe, "end", dec)) && ok;
		if (!ok)
			continue;
		if (s > en) {
			dpw_doc_problem_add(dec->pr, false, pe, "end %s is below start %s",
					    dpw_ipv4_str(en, b1, sizeof(b1)),
					    dpw_ipv4_str(s, b2, sizeof(b2)));
			continue;
		}
		if (ln->known && ln->addr >= s && ln->addr <= en) {
			dpw_doc_problem_add(dec->pr, false, e, "range %s - %s contains the LAN "
					    "address", dpw_ipv4_str(s, b1, sizeof(b1)),
					    dpw_ipv4_str(en, b2, sizeof(b2)));
			continue;
		}
		for (j = 0; j < d->n_ranges; j++)
			if (s <= d->range[j].end && d->range[j].start <= en)
				break;
		if (j < d->n_ranges) {
			dpw_doc_problem_add(dec->pr, false, e, "range %s - %s overlaps the range "
					    "%s - %s", dpw_ipv4_str(s, b1, sizeof(b1)),
					    dpw_ipv4_str(en, b2, sizeof(b2)),
					    dpw_ipv4_str(d->range[j].start, ps, sizeof(ps)),
					    dpw_ipv4_str(d->range[j].end, pe, sizeof(pe)));
			continue;
		}
		d->range[d->n_ranges].start = s;
		d->range[d->n_ranges].end = en;
		d->n_ranges++;
	}
}

/* ---- lease time --------------------------------------------------------------------- */

/* "1d", "12h", "30m", "3600s", "1d12h", or digits alone (seconds): 0 and *out, or
 * -EINVAL (*out UINT64_MAX when a number is too large). */
static int
parse_duration(const char *s, uint64_t *out)
{
	uint64_t total = 0;

	if (*s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		uint64_t x = 0, unit = 1;
		unsigned int d = 0;

		for (; *s >= '0' && *s <= '9'; s++, d++) {
			if (d >= LEASE_DIGITS_MAX) {
				*out = UINT64_MAX;
				return -EINVAL;
			}
			x = x * 10 + (uint64_t)(*s - '0');
		}
		if (d == 0)
			return -EINVAL;
		switch (*s) {
		case 'd': unit = 86400; s++; break;
		case 'h': unit = 3600; s++; break;
		case 'm': unit = 60; s++; break;
		case 's': s++; break;
		case '\0': break;
		default: return -EINVAL;
		}
		total += x * unit;
	}
	*out = total;
	return 0;
}

static void
decode_lease_time(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		  struct dpw_doc_dhcp *d)
{
	const json_t *v = json_object_get(o, "lease_time");
	char p[DPW_DOC_PATH_LEN];
	uint64_t x = 0;

	d->lease_time_s = DPW_LEASE_TIME_DEFAULT;
	if (v == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "lease_time");
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0) {
			dpw_doc_problem_add(dec->pr, false, p, "lease_time %" JSON_INTEGER_FORMAT
					    " is out of range %d..%d (seconds)",
					    json_integer_value(v), DPW_LEASE_TIME_MIN,
					    DPW_LEASE_TIME_MAX);
			return;
		}
		x = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v)) {
		if (parse_duration(json_string_value(v), &x) != 0 && x != UINT64_MAX) {
			dpw_doc_problem_add(dec->pr, false, p, "lease_time '%.32s' is not seconds "
					    "or a duration like \"1d\", \"12h\", \"30m\", \"3600s\"",
					    json_string_value(v));
			return;
		}
	} else {
		dpw_doc_type_error(dec, p, "an integer (seconds) or a duration string (\"1d\")",
				   v);
		return;
	}
	if (x < DPW_LEASE_TIME_MIN || x > DPW_LEASE_TIME_MAX) {
		if (json_is_string(v))
			dpw_doc_problem_add(dec->pr, false, p, "lease_time '%.32s' is out of range "
					    "%d..%d seconds (2 minutes to 365 days)",
					    json_string_value(v), DPW_LEASE_TIME_MIN,
					    DPW_LEASE_TIME_MAX);
		else
			dpw_doc_problem_add(dec->pr, false, p, "lease_time %" PRIu64 " is out of "
					    "range %d..%d (seconds)", x, DPW_LEASE_TIME_MIN,
					    DPW_LEASE_TIME_MAX);
		return;
	}
	d->lease_time_s = (uint32_t)x;
}

/* ---- extended options --------------------------------------------------------------- */

/* The field that owns an option code, or NULL when the code is free. */
static const char *
option_owner(unsigned int code)
{
	switch (code) {
	case 1: return "the subnet mask is the LAN port's (dpwan.conf)";
	case 3: return "use 'router'";
	case 6: return "use 'dns'";
	case 15: return "use 'domain'";
	case 42: return "use 'ntp'";
	case 51: return "use 'lease_time'";
	case 53: return "the message type is the DHCP server's own";
	case 54: return "the server identifier is the LAN address";
	default: return NULL;
	}
}

static void
decode_options(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	       struct dpw_doc_dhcp *d)
{
	const json_t *a = json_object_get(o, "options");
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	unsigned int j;
	size_t i, k;

	d->n_options = 0;
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "options");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of options {code, value}", a);
		return;
	}
	k = json_array_size(a);
	if (k > DPW_DHCP_OPTIONS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu options, at most %d", k,
				    DPW_DHCP_OPTIONS_MAX);
	for (i = 0; i < k && i < DPW_DHCP_OPTIONS_MAX; i++) {
		const json_t *x = json_array_get(a, i);
		struct dpw_doc_dhcp_option *op = &d->option[d->n_options];
		const char *val, *why;
		int64_t code;
		bool ok = true;
		size_t c, n;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(x)) {
			dpw_doc_type_error(dec, e, "an object (an option {code, value})", x);
			continue;
		}
		dpw_doc_check_members(x, e, option_members, NULL, dec);
		dpw_doc_path_key(q, sizeof(q), e, "code");
		if (dpw_doc_get_int(x, e, "code", true, 1, 254, 0, &code, dec) != 0) {
			ok = false;
		} else if ((why = option_owner((unsigned int)code)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, q, "option %" PRId64 " is set by its "
					    "own field: %s", code, why);
			ok = false;
		} else {
			for (j = 0; j < d->n_options; j++)
				if (d->option[j].code == code)
					break;
			if (j < d->n_options) {
				dpw_doc_problem_add(dec->pr, false, q, "option %" PRId64 " is given "
						    "twice (each option once)", code);
				ok = false;
			}
		}
		if (dpw_doc_get_string(x, e, "value", true, &val, dec) != 0)
			continue;
		dpw_doc_path_key(q, sizeof(q), e, "value");
		n = strlen(val);
		if (n == 0 || n >= DPW_DHCP_OPT_VALUE_LEN) {
			dpw_doc_problem_add(dec->pr, false, q, "value has %zu characters: 1..%d",
					    n, DPW_DHCP_OPT_VALUE_LEN - 1);
			continue;
		}
		for (c = 0; c < n; c++)
			if (val[c] < 0x20 || val[c] > 0x7e || val[c] == '#')
				break;
		if (c < n) {
			dpw_doc_problem_add(dec->pr, false, q, "value has a character that is not "
					    "printable ASCII, or a '#' (at %zu)", c);
			continue;
		}
		if (!ok)
			continue;
		op->code = (uint8_t)code;
		memcpy(op->value, val, n + 1);
		d->n_options++;
	}
}

/* ---- reservations ------------------------------------------------------------------- */

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		int h = hex_digit(s[3 * i]), l = h >= 0 ? hex_digit(s[3 * i + 1]) : -1;

		if (h < 0 || l < 0 || s[3 * i + 2] != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		mac[i] = (uint8_t)(h << 4 | l);
	}
	return 0;
}

static void
mac_str(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A key of one reservation for the duplicate checks, sorted with its index. */
struct resv_key {
	uint64_t k;
	const char *s;                /* names */
	unsigned int i;
};

static int
cmp_key(const void *a, const void *b)
{
	const struct resv_key *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct resv_key *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Report each key equal to an earlier one (by index), at path/<i>/<member>. */
static void
report_dups(struct resv_key *keys, unsigned int n, bool names, const char *path,
	    const char *member, const char *what, const struct dpw_doc_reservation *r,
	    struct dpw_doc_dec *dec)
{
	char p[DPW_DOC_PATH_LEN], v[DPW_HOSTNAME_LEN];
	unsigned int i, first = 0;

	qsort(keys, n, sizeof(*keys), names ? cmp_name : cmp_key);
	for (i = 1; i < n; i++) {
		bool same = names ? strcmp(keys[i].s, keys[first].s) == 0 :
			    keys[i].k == keys[first].k;

		if (!same) {
			first = i;
			continue;
		}
		if (names)
			snprintf(v, sizeof(v), "%s", keys[i].s);
		else if (strcmp(member, "mac") == 0)
			mac_str(r[keys[i].i].mac, v);
		else
			dpw_ipv4_str(r[keys[i].i].addr, v, sizeof(v));
		snprintf(p, sizeof(p), "%s/%u/%s", path, keys[i].i, member);
		dpw_doc_problem_add(dec->pr, false, p, "duplicate %s %s (also %s/%u)", what, v,
				    path, keys[first].i);
	}
}

static void
decode_reservation(const json_t *x, const char *e, const struct lan_net *ln,
		   struct dpw_doc_dec *dec, struct dpw_doc_reservation *r, bool *mac_ok,
		   bool *addr_ok)
{
	char q[DPW_DOC_PATH_LEN];
	const char *s, *why;
	const json_t *v;

	dpw_doc_check_members(x, e, reservation_members, NULL, dec);
	if (dpw_doc_get_string(x, e, "name", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(q, sizeof(q), e, "name");
		if ((why = host_label(s, r->name)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, q, "name '%.64s' %s", s, why);
			r->name[0] = '\0';
		}
	}
	if (dpw_doc_get_string(x, e, "mac", true, &s, dec) == 0) {
		dpw_doc_path_key(q, sizeof(q), e, "mac");
		if (parse_mac(s, r->mac) != 0)
			dpw_doc_problem_add(dec->pr, false, q, "mac '%.32s' is not "
					    "aa:bb:cc:dd:ee:ff", s);
		else if (r->mac[0] & 1)
			dpw_doc_problem_add(dec->pr, false, q, "mac %.32s is a group (multicast) "
					    "address", s);
		else if ((r->mac[0] | r->mac[1] | r->mac[2] | r->mac[3] | r->mac[4] |
			  r->mac[5]) == 0)
			dpw_doc_problem_add(dec->pr, false, q, "mac 00:00:00:00:00:00 is no "
					    "host's");
		else
			*mac_ok = true;
	}
	v = json_object_get(x, "address");
	dpw_doc_path_key(q, sizeof(q), e, "address");
	if (v == NULL)
		dpw_doc_problem_add(dec->pr, false, e, "'address' is required");
	else if (dpw_doc_addr_decode(v, q, "address", dec, &r->addr) == 0 &&
		 in_lan(ln, r->addr, false, q, "address", dec))
		*addr_ok = true;
}

static void
decode_reservations(const json_t *o, const char *path, const struct lan_net *ln,
		    struct dpw_doc_dec *dec, struct dpw_doc_dhcp *d)
{
	const json_t *a = json_object_get(o, "reservations");
	struct resv_key *macs, *addrs, *names;
	unsigned int nm = 0, na = 0, nn = 0;
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	size_t i, k;

	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "reservations");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of reservations {name, mac, address}", a);
		return;
	}
	k = json_array_size(a);
	if (k > DPW_DHCP_RESERVATIONS_MAX) {
		/* refused whole, like the rules: the rest would only say more of the same */
		dpw_doc_problem_add(dec->pr, false, p, "%zu reservations, at most %d", k,
				    DPW_DHCP_RESERVATIONS_MAX);
		return;
	}
	if (k == 0)
		return;
	d->reservation = calloc(k, sizeof(*d->reservation));
	macs = calloc(3 * k, sizeof(*macs));
	if (d->reservation == NULL || macs == NULL) {
		free(macs);
		dpw_doc_problem_add(dec->pr, false, p, "out of memory for %zu reservations", k);
		return;
	}
	addrs = macs + k;
	names = addrs + k;
	d->n_reservations = (unsigned int)k;
	for (i = 0; i < k; i++) {
		struct dpw_doc_reservation *r = &d->reservation[i];
		const json_t *x = json_array_get(a, i);
		bool mac_ok = false, addr_ok = false;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(x)) {
			dpw_doc_type_error(dec, e, "an object (a reservation {name, mac, "
					   "address})", x);
			continue;
		}
		decode_reservation(x, e, ln, dec, r, &mac_ok, &addr_ok);
		if (mac_ok) {
			macs[nm].k = (uint64_t)r->mac[0] << 40 | (uint64_t)r->mac[1] << 32 |
				     (uint64_t)r->mac[2] << 24 | (uint64_t)r->mac[3] << 16 |
				     (uint64_t)r->mac[4] << 8 | r->mac[5];
			macs[nm++].i = (unsigned int)i;
		}
		if (addr_ok) {
			addrs[na].k = r->addr;
			addrs[na++].i = (unsigned int)i;
		}
		if (r->name[0] != '\0') {
			names[nn].s = r->name;
			names[nn++].i = (unsigned int)i;
		}
	}
	report_dups(macs, nm, false, p, "mac", "MAC", d->reservation, dec);
	report_dups(addrs, na, false, p, "address", "address", d->reservation, dec);
	report_dups(names, nn, true, p, "name", "name", d->reservation, dec);
	free(macs);
}

/* ---- dhcp --------------------------------------------------------------------------- */

static void
decode_dhcp(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	    struct dpw_doc_dhcp *d)
{
	struct lan_net ln;
	char p[DPW_DOC_PATH_LEN];
	const char *s, *why;
	const json_t *v;
	uint32_t a;

	lan_net_get(dec, &ln);
	d->enabled = true;
	d->lease_time_s = DPW_LEASE_TIME_DEFAULT;
	snprintf(d->domain, sizeof(d->domain), "lan");
	if (o != NULL && !json_is_object(o)) {
		dpw_doc_type_error(dec, path, "an object", o);
		o = NULL;
	}
	if (o == NULL) {
		default_range(&ln, d);
		return;
	}
	dpw_doc_check_members(o, path, dhcp_members, NULL, dec);
	dpw_doc_get_bool(o, path, "enabled", true, &d->enabled, dec);
	dpw_doc_get_bool(o, path, "logging", false, &d->logging, dec);
	decode_ranges(o, path, &ln, dec, d);
	decode_lease_time(o, path, dec, d);
	v = json_object_get(o, "router");
	if (v != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "router");
		if (dpw_doc_addr_decode(v, p, "router", dec, &a) == 0 && in_lan(&ln, a, true, p, "router", dec))
			d->router = ln.known && a == ln.addr ? 0 : a;   /* 0: the LAN address */
	}
	decode_servers(o, path, "dns", dec, d->dns, &d->n_dns);
	if (dpw_doc_get_string(o, path, "domain", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "domain");
		if ((why = dpw_doc_dns_name(s, false, d->domain)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, p, "domain '%.64s' %s", s, why);
			snprintf(d->domain, sizeof(d->domain), "lan");
		}
	}
	decode_servers(o, path, "ntp", dec, d->ntp, &d->n_ntp);
	decode_options(o, path, dec, d);
	decode_reservations(o, path, &ln, dec, d);
}

/* ---- dns ---------------------------------------------------------------------------- */

static void
decode_dns(const json_t *o, const char *path, struct dpw_doc_dec *dec, const struct dpw_doc *doc,
	   struct dpw_doc_lan_dns *n)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	const json_t *a;
	unsigned int j;
	int64_t x;
	size_t i, k;

	n->enabled = true;
	n->caching = true;
	n->cache_size = DPW_DNS_CACHE_DEFAULT;
	n->n_resolvers = 0;
	if (o != NULL && !json_is_object(o)) {
		dpw_doc_type_error(dec, path, "an object", o);
		return;
	}
	if (o == NULL)
		return;
	dpw_doc_check_members(o, path, dns_members, NULL, dec);
	dpw_doc_get_bool(o, path, "enabled", true, &n->enabled, dec);
	dpw_doc_get_bool(o, path, "caching", true, &n->caching, dec);
	dpw_doc_get_int(o, path, "cache_size", false, 0, DPW_DNS_CACHE_MAX,
			DPW_DNS_CACHE_DEFAULT, &x, dec);
	n->cache_size = (uint32_t)x;
	a = json_object_get(o, "resolvers");
	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "resolvers");
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of WAN names", a);
		return;
	}
	k = json_array_size(a);
	if (k > DPW_MAX_WANS)
		dpw_doc_problem_add(dec->pr, false, p, "%zu resolvers, at most %d (one per WAN)",
				    k, DPW_MAX_WANS);
	for (i = 0; i < k && i < DPW_MAX_WANS; i++) {
		const json_t *w = json_array_get(a, i);
		int wi;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_string(w)) {
			dpw_doc_type_error(dec, e, "a string (a WAN's name)", w);
			continue;
		}
		wi = dpw_doc_wan_ref(doc, json_string_value(w), e, dec);
		if (wi < 0)
			continue;
		for (j = 0; j < n->n_resolvers; j++)
			if (n->resolver[j] == wi)
				break;
		if (j < n->n_resolvers) {
			dpw_doc_problem_add(dec->pr, false, e, "WAN '%s' is listed twice",
					    doc->wans[wi].name);
			continue;
		}
		n->resolver[n->n_resolvers++] = (uint8_t)wi;
	}
}

/* ---- the section -------------------------------------------------------------------- */

void
dpw_doc_lan_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		   struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	struct dpw_doc_lan *l = &doc->lan;

	free(l->dhcp.reservation);
	memset(l, 0, sizeof(*l));
	if (v != NULL && !json_is_object(v)) {
		dpw_doc_type_error(dec, path, "an object {dhcp, dns}", v);
		v = NULL;
	}
	if (v != NULL)
		dpw_doc_check_members(v, path, lan_members, NULL, dec);
	dpw_doc_path_key(p, sizeof(p), path, "dhcp");
	decode_dhcp(v != NULL ? json_object_get(v, "dhcp") : NULL, p, dec, &l->dhcp);
	dpw_doc_path_key(p, sizeof(p), path, "dns");
	decode_dns(v != NULL ? json_object_get(v, "dns") : NULL, p, dec, doc, &l->dns);
}

static json_t *
addrs_json(const uint32_t *a, unsigned int n)
{
	json_t *arr = json_array();
	char b[16];
	unsigned int i;

	for (i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_string(dpw_ipv4_str(a[i], b, sizeof(b)))) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *
dhcp_encode(const struct dpw_doc_dhcp *d)
{
	json_t *o = json_object(), *ranges = json_array(), *opts = json_array();
	json_t *resv = json_array();
	char b1[16], b2[16], m[18];
	unsigned int i;
	int bad = o == NULL || ranges == NULL || opts == NULL || resv == NULL;

	for (i = 0; !bad && i < d->n_ranges && i < DPW_DHCP_RANGES_MAX; i++)
		bad |= json_array_append_new(ranges, json_pack(
				"{s:s, s:s}", "start", dpw_ipv4_str(d->range[i].start, b1, sizeof(b1)),
				"end", dpw_ipv4_str(d->range[i].end, b2, sizeof(b2))));
	for (i = 0; !bad && i < d->n_options && i < DPW_DHCP_OPTIONS_MAX; i++)
		bad |= json_array_append_new(opts, json_pack("{s:I, s:s}", "code",
							     (json_int_t)d->option[i].code,
							     "value", d->option[i].value));
	for (i = 0; !bad && i < d->n_reservations; i++) {
		const struct dpw_doc_reservation *r = &d->reservation[i];

		mac_str(r->mac, m);
		bad |= json_array_append_new(resv, json_pack(
				"{s:s, s:s, s:s}", "name", r->name, "mac", m,
				"address", dpw_ipv4_str(r->addr, b1, sizeof(b1))));
	}
	if (bad) {
		json_decref(o);
		json_decref(ranges);
		json_decref(opts);
		json_decref(resv);
		return NULL;
	}
	bad |= json_object_set_new(o, "enabled", json_boolean(d->enabled));
	bad |= json_object_set_new(o, "logging", json_boolean(d->logging));
	/* no ranges only without a LAN subnet to take the default from: left to it */
	if (d->n_ranges > 0)
		bad |= json_object_set_new(o, "ranges", ranges);
	else
		json_decref(ranges);
	bad |= json_object_set_new(o, "lease_time", json_integer(d->lease_time_s));
	/* the default router is the LAN address, which the document does not know */
	if (d->router != 0)
		bad |= json_object_set_new(o, "router", json_string(dpw_ipv4_str(d->router, b1,
										  sizeof(b1))));
	bad |= json_object_set_new(o, "dns", addrs_json(d->dns, d->n_dns < DPW_LAN_SERVERS_MAX ?
							d->n_dns : DPW_LAN_SERVERS_MAX));
	bad |= json_object_set_new(o, "domain", json_string(d->domain));
	bad |= json_object_set_new(o, "ntp", addrs_json(d->ntp, d->n_ntp < DPW_LAN_SERVERS_MAX ?
							d->n_ntp : DPW_LAN_SERVERS_MAX));
	bad |= json_object_set_new(o, "options", opts);
	bad |= json_object_set_new(o, "reservations", resv);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
dpw_doc_lan_encode(const struct dpw_doc *doc)
{
	const struct dpw_doc_lan_dns *n = &doc->lan.dns;
	json_t *res = json_array(), *dhcp = dhcp_encode(&doc->lan.dhcp), *dns, *o;
	unsigned int i;
	int bad = res == NULL || dhcp == NULL;

	for (i = 0; !bad && i < n->n_resolvers && i < DPW_MAX_WANS; i++)
		bad |= json_array_append_new(res, json_string(n->resolver[i] < doc->n_wans ?
							      doc->wans[n->resolver[i]].name : ""));
	if (bad) {
		json_decref(res);
		json_decref(dhcp);
		return NULL;
	}
	dns = json_pack("{s:b, s:b, s:I, s:o}", "enabled", n->enabled, "caching", n->caching,
			"cache_size", (json_int_t)n->cache_size, "resolvers", res);
	if (dns == NULL) {
		json_decref(dhcp);
		return NULL;
	}
	o = json_pack("{s:o, s:o}", "dhcp", dhcp, "dns", dns);
	return o;
}
