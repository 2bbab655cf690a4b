/* SPDX-License-Identifier: BSD-3-Clause
 * The "rules" and "default_rule" sections of the network-policy document (issue 8):
 * what a rule matches (protocol, family, source and destination addresses or networks,
 * ports, source MAC, Peplink's domain patterns) and what it does (a policy, or its own
 * algorithm and WANs, with stickiness and what happens when no WAN can take the
 * connection); the bounds of the classifier the rules expand into; the names of every
 * kind (mwan3: interfaces, members, policies and rules share one namespace); the "can
 * never match" warnings; and the default rule's presets. Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define STICKY_TIMEOUT_MAX 86400     /* a day */
#define DOMAIN_LABEL_MAX 63          /* RFC 1035 */
#define TOKEN_MAX 48                 /* one address, network or port range as text */

static const char *const preset_names[DPW_DEF_MAX] = {
#define DPW_X_NAME(e, s) [DPW_DEF_##e] = s,
	DPW_DEFAULT_PRESETS(DPW_X_NAME)
#undef DPW_X_NAME
};

static const char *const rule_members[] = {
	"name", "enabled", "proto", "family", "src", "src_mac", "src_port", "dst", "dst_domain",
	"dst_port", "policy", "algorithm", "persistence", "wans", "sticky", "sticky_timeout",
	"when_unavailable", "terminate_on_recovery", NULL,
};
static const char *const default_members[] = {
	"preset", "policy", "algorithm", "persistence", "wans", "sticky", "sticky_timeout",
	"when_unavailable", "terminate_on_recovery", NULL,
};

const char *
dpw_default_preset_str(unsigned int p)
{
	return p < DPW_DEF_MAX ? preset_names[p] : "unknown";
}

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* Split s at commas into trimmed tokens; fn(token) for each; an empty one is passed on. */
typedef void (*token_fn)(const char *tok, void *arg);

static void
for_each_token(const char *s, token_fn fn, void *arg)
{
	char tok[TOKEN_MAX + 2];

	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *b = s, *e = s + n;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		/* a token too long for any valid form is cut where no form can end */
		n = (size_t)(e - b) <= TOKEN_MAX ? (size_t)(e - b) : TOKEN_MAX + 1;
		memcpy(tok, b, n);
		tok[n] = '\0';
		fn(tok, arg);
		if (end == NULL)
			return;
		s = end + 1;
	}
}

/* ---- addresses and networks ---------------------------------------------------------- */

struct nets_ctx {
	struct dpw_doc_dec *dec;
	const char *path;           /* the string's path */
	struct dpw_doc_net *out;
	uint8_t *n;
	bool full;                  /* reported once */
	const char *key;
};

static void
net_token(const char *tok, void *arg)
{
	struct nets_ctx *c = arg;
	char b[16];
	uint32_t a;
	uint8_t len = 32;

	if (dpw_parse_ipv4(tok, &a, &len) != 0) {
		dpw_doc_problem_add(c->dec->pr, false, c->path, "'%.*s' is not an IPv4 address "
				    "or network (a.b.c.d or a.b.c.d/n)", TOKEN_MAX, tok);
		return;
	}
	if ((a & ~prefix_mask(len)) != 0) {
		dpw_doc_problem_add(c->dec->pr, false, c->path, "%s has host bits set under its "
				    "mask: the network is %s/%u", tok,
				    dpw_ipv4_str(a & prefix_mask(len), b, sizeof(b)), len);
		return;
	}
	if (*c->n >= DPW_MATCH_NETS_MAX) {
		if (!c->full)
			dpw_doc_problem_add(c->dec->pr, false, c->path, "more than %d addresses or "
					    "networks in %s", DPW_MATCH_NETS_MAX, c->key);
		c->full = true;
		return;
	}
	c->out[*c->n].addr = a;
	c->out[*c->n].prefixlen = len;
	(*c->n)++;
}

/* src / dst: "a.b.c.d[/n]", a comma-separated list of those (mwan3), or an array. */
static void
decode_nets(const json_t *o, const char *path, const char *key, struct dpw_doc_dec *dec,
	    struct dpw_doc_net *out, uint8_t *n)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	const json_t *v = json_object_get(o, key);
	struct nets_ctx c = { .dec = dec, .out = out, .n = n, .key = key };
	size_t i;

	*n = 0;
	if (v == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, key);
	if (json_is_string(v)) {
		c.path = p;
		for_each_token(json_string_value(v), net_token, &c);
		return;
	}
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, p, "an address or network string or an array of them", v);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *x = json_array_get(v, i);

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_string(x)) {
			dpw_doc_type_error(dec, e, "a string (a.b.c.d or a.b.c.d/n)", x);
			continue;
		}
		c.path = e;
		for_each_token(json_string_value(x), net_token, &c);
	}
}

/* ---- ports --------------------------------------------------------------------------- */

struct ports_ctx {
	struct dpw_doc_dec *dec;
	const char *path;
	struct dpw_doc_ports *out;
	uint8_t *n;
	bool full;
	const char *key;
};

static void
add_ports(struct ports_ctx *c, long lo, long hi, const char *text)
{
	if (lo < 0 || hi > 65535) {
		dpw_doc_problem_add(c->dec->pr, false, c->path, "port %s is out of range "
				    "0..65535", text);
		return;
	}
	if (lo > hi) {
		dpw_doc_problem_add(c->dec->pr, false, c->path, "range %s: the first port is "
				    "above the last", text);
		return;
	}
	if (*c->n >= DPW_MATCH_PORTS_MAX) {
		if (!c->full)
			dpw_doc_problem_add(c->dec->pr, false, c->path, "more than %d ports or "
					    "ranges in %s", DPW_MATCH_PORTS_MAX, c->key);
		c->full = true;
		return;
	}
	c->out[*c->n].lo = (uint16_t)lo;
	c->out[*c->n].hi = (uint16_t)hi;
	(*c->n)++;
}

/* Decimal digits only, at most 5: 0..99999 (the range is checked after). */
static const char *
parse_port(const char *s, long *out)
{
	long x = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9' && n < 6) {
		x = x * 10 + (*s++ - '0');
		n++;
	}
	if (n == 0 || n > 5)
		return NULL;
	*out = x;
	return s;
}

static void
port_token(const char *tok, void *arg)
{
	struct ports_ctx *c = arg;
	const char *s;
	long lo, hi;

	s = parse_port(tok, &lo);
	if (s != NULL && *s == '\0') {
		add_ports(c, lo, lo, tok);
		return;
	}
	if (s != NULL && *s == '-') {
		s = parse_port(s + 1, &hi);
		if (s != NULL && *s == '\0') {
			add_ports(c, lo, hi, tok);
			return;
		}
	}
	dpw_doc_problem_add(c->dec->pr, false, c->path, "'%.*s' is not a port or a range "
			    "lo-hi", TOKEN_MAX, tok);
}

/* src_port / dst_port: 443, "443", "1000-2000", "80,443,8000-8090", or an array. */
static void
decode_ports(const json_t *o, const char *path, const char *key, struct dpw_doc_dec *dec,
	     struct dpw_doc_ports *out, uint8_t *n)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], t[24];
	const json_t *v = json_object_get(o, key);
	struct ports_ctx c = { .dec = dec, .out = out, .n = n, .key = key };
	size_t i, m;

	*n = 0;
	if (v == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, key);
	m = json_is_array(v) ? json_array_size(v) : 1;
	for (i = 0; i < m; i++) {
		const json_t *x = json_is_array(v) ? json_array_get(v, i) : v;

		if (json_is_array(v))
			dpw_doc_path_index(e, sizeof(e), p, i);
		else
			snprintf(e, sizeof(e), "%s", p);
		c.path = e;
		if (json_is_integer(x)) {
			snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, json_integer_value(x));
			if (json_integer_value(x) < 0 || json_integer_value(x) > 65535)
				add_ports(&c, -1, -1, t);
			else
				add_ports(&c, (long)json_integer_value(x),
					  (long)json_integer_value(x), t);
		} else if (json_is_string(x)) {
			for_each_token(json_string_value(x), port_token, &c);
		} else {
			dpw_doc_type_error(dec, e, json_is_array(v) ? "a port or a range string" :
					   "a port, a range string or an array of them", x);
		}
	}
}

/* ---- MAC, domains -------------------------------------------------------------------- */

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

/*
 * One Peplink domain pattern into out (lower case): "foo.com" (foo.com and its
 * subdomains; a leading "*." says the same and is dropped) or "foo.*" (the label foo
 * followed by anything). NULL, or why not.
 */
static const char *
domain_pattern(const char *s, char out[DPW_DOMAIN_LEN])
{
	size_t n, i, label = 0;

	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	n = strlen(s);
	if (n == 0)
		return "is empty";
	if (n >= DPW_DOMAIN_LEN)
		return "is too long (at most 127 characters)";
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '*') {
			/* only as the whole last label, after at least one label */
			if (i == 0 || s[i - 1] != '.' || i != n - 1)
				return "has a wildcard where Peplink takes none: only a leading "
				       "'*.' or a trailing '.*' (placing wildcards in any other "
				       "position is not supported)";
		} else if (c == '.') {
			if (label == 0)
				return "has an empty label";
			label = 0;
			out[i] = c;
			continue;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_')) {
			return "has a character other than letters, digits, '-', '_' and '.'";
		}
		if (++label > DOMAIN_LABEL_MAX)
			return "has a label longer than 63 characters";
		out[i] = c;
	}
	if (label == 0)
		return "has an empty label";
	out[n] = '\0';
	return NULL;
}

static void
decode_domains(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	       struct dpw_doc_match *m)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	const json_t *v = json_object_get(o, "dst_domain");
	const char *why;
	size_t i, k;

	m->n_domains = 0;
	if (v == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "dst_domain");
	if (!json_is_string(v) && !json_is_array(v)) {
		dpw_doc_type_error(dec, p, "a domain name or an array of them", v);
		return;
	}
	k = json_is_array(v) ? json_array_size(v) : 1;
	if (k > DPW_MATCH_DOMAINS_MAX)
		dpw_doc_problem_add(dec->pr, false, p, "%zu domains, at most %d", k,
				    DPW_MATCH_DOMAINS_MAX);
	for (i = 0; i < k && i < DPW_MATCH_DOMAINS_MAX; i++) {
		const json_t *x = json_is_array(v) ? json_array_get(v, i) : v;

		if (json_is_array(v))
			dpw_doc_path_index(e, sizeof(e), p, i);
		else
			snprintf(e, sizeof(e), "%s", p);
		if (!json_is_string(x)) {
			dpw_doc_type_error(dec, e, "a domain name", x);
			continue;
		}
		why = domain_pattern(json_string_value(x), m->domain[m->n_domains]);
		if (why != NULL) {
			dpw_doc_problem_add(dec->pr, false, e, "domain '%.64s' %s",
					    json_string_value(x), why);
			continue;
		}
		m->n_domains++;
	}
}

/* ---- the match ----------------------------------------------------------------------- */

void
dpw_doc_match_decode(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	     struct dpw_doc_match *m)
{
	char p[DPW_DOC_PATH_LEN];
	const json_t *v;
	const char *s;

	m->proto = 0;
	v = json_object_get(o, "proto");
	dpw_doc_path_key(p, sizeof(p), path, "proto");
	if (v == NULL) {
		/* all */
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
			dpw_doc_problem_add(dec->pr, false, p, "proto %" JSON_INTEGER_FORMAT " is "
					    "out of range 0..255", json_integer_value(v));
		else
			m->proto = (uint8_t)json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(s, "tcp") == 0)
			m->proto = PROTO_TCP;
		else if (strcmp(s, "udp") == 0)
			m->proto = PROTO_UDP;
		else if (strcmp(s, "icmp") == 0)
			m->proto = PROTO_ICMP;
		else if (strcmp(s, "all") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "proto '%.32s' is unknown: tcp, "
					    "udp, icmp, all or a protocol number 0..255", s);
	} else {
		dpw_doc_type_error(dec, p, "a protocol name or number", v);
	}
	m->family = DPW_FAMILY_ALL;
	if (dpw_doc_get_string(o, path, "family", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "family");
		if (strcmp(s, "ipv4") == 0)
			m->family = DPW_FAMILY_IPV4;
		else if (strcmp(s, "ipv6") == 0)
			m->family = DPW_FAMILY_IPV6;
		else if (strcmp(s, "all") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "family '%.32s' is unknown: ipv4, "
					    "ipv6 or all", s);
	}
	decode_nets(o, path, "src", dec, m->src, &m->n_src);
	m->has_src_mac = false;
	if (dpw_doc_get_string(o, path, "src_mac", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "src_mac");
		if (parse_mac(s, m->src_mac) != 0)
			dpw_doc_problem_add(dec->pr, false, p, "src_mac '%.32s' is not a MAC "
					    "address aa:bb:cc:dd:ee:ff", s);
		else
			m->has_src_mac = true;
	}
	decode_ports(o, path, "src_port", dec, m->sport, &m->n_sport);
	decode_nets(o, path, "dst", dec, m->dst, &m->n_dst);
	decode_domains(o, path, dec, m);
	decode_ports(o, path, "dst_port", dec, m->dport, &m->n_dport);
	if (m->proto != PROTO_TCP && m->proto != PROTO_UDP) {
		const char *const keys[] = { "src_port", "dst_port" };
		unsigned int i;

		for (i = 0; i < 2; i++) {
			v = json_object_get(o, keys[i]);
			/* [] is "any port", what the canonical form writes for no ports */
			if (v == NULL || (json_is_array(v) && json_array_size(v) == 0))
				continue;
			dpw_doc_path_key(p, sizeof(p), path, keys[i]);
			dpw_doc_problem_add(dec->pr, false, p, "ports need proto tcp or udp, not "
					    "%s", m->proto == 0 ? "all" :
					    m->proto == PROTO_ICMP ? "icmp" : "this protocol");
		}
	}
}

static int
json_set_nets(json_t *o, const char *key, const struct dpw_doc_net *n, unsigned int k)
{
	json_t *a = json_array();
	char b[24];
	unsigned int i;
	int bad = 0;

	for (i = 0; a != NULL && i < k && i < DPW_MATCH_NETS_MAX; i++) {
		dpw_ipv4_str(n[i].addr, b, sizeof(b));
		snprintf(b + strlen(b), sizeof(b) - strlen(b), "/%u", n[i].prefixlen);
		bad |= json_array_append_new(a, json_string(b));
	}
	return json_object_set_new(o, key, a) | bad;
}

static int
json_set_ports(json_t *o, const char *key, const struct dpw_doc_ports *pt, unsigned int k)
{
	json_t *a = json_array();
	char b[16];
	unsigned int i;
	int bad = 0;

	for (i = 0; a != NULL && i < k && i < DPW_MATCH_PORTS_MAX; i++) {
		if (pt[i].lo == pt[i].hi)
			snprintf(b, sizeof(b), "%u", pt[i].lo);
		else
			snprintf(b, sizeof(b), "%u-%u", pt[i].lo, pt[i].hi);
		bad |= json_array_append_new(a, json_string(b));
	}
	return json_object_set_new(o, key, a) | bad;
}

int
dpw_doc_match_encode(json_t *o, const struct dpw_doc_match *m)
{
	static const char *const fam[] = { "all", "ipv4", "ipv6" };
	json_t *d = json_array();
	char mac[18];
	unsigned int i;
	int bad = 0;

	if (m->proto == 0)
		bad |= json_object_set_new(o, "proto", json_string("all"));
	else if (m->proto == PROTO_TCP)
		bad |= json_object_set_new(o, "proto", json_string("tcp"));
	else if (m->proto == PROTO_UDP)
		bad |= json_object_set_new(o, "proto", json_string("udp"));
	else if (m->proto == PROTO_ICMP)
		bad |= json_object_set_new(o, "proto", json_string("icmp"));
	else
		bad |= json_object_set_new(o, "proto", json_integer(m->proto));
	bad |= json_object_set_new(o, "family", json_string(m->family <= DPW_FAMILY_IPV6 ?
							    fam[m->family] : "all"));
	bad |= json_set_nets(o, "src", m->src, m->n_src);
	/* no MAC is no member: "" is not one the decoder takes back */
	if (m->has_src_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->src_mac[0],
			 m->src_mac[1], m->src_mac[2], m->src_mac[3], m->src_mac[4],
			 m->src_mac[5]);
		bad |= json_object_set_new(o, "src_mac", json_string(mac));
	}
	bad |= json_set_ports(o, "src_port", m->sport, m->n_sport);
	bad |= json_set_nets(o, "dst", m->dst, m->n_dst);
	for (i = 0; d != NULL && i < m->n_domains && i < DPW_MATCH_DOMAINS_MAX; i++)
		bad |= json_array_append_new(d, json_string(m->domain[i]));
	bad |= json_object_set_new(o, "dst_domain", d);
	bad |= json_set_ports(o, "dst_port", m->dport, m->n_dport);
	return bad;
}

/* ---- covering ------------------------------------------------------------------------ */

static bool
nets_any(const struct dpw_doc_net *n, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		if (n[i].prefixlen == 0)
			return true;
	return k == 0;
}

/* Is every network of b inside one of a's (a not "any": checked by the caller)? */
static bool
nets_cover(const struct dpw_doc_net *a, unsigned int ka, const struct dpw_doc_net *b,
	   unsigned int kb)
{
	unsigned int i, j;

	if (kb == 0)
		return false;   /* b takes any address, a only some */
	for (i = 0; i < kb; i++) {
		for (j = 0; j < ka; j++)
			if (b[i].prefixlen >= a[j].prefixlen &&
			    (b[i].addr & prefix_mask(a[j].prefixlen)) == a[j].addr)
				break;
		if (j == ka)
			return false;
	}
	return true;
}

static bool
ports_any(const struct dpw_doc_ports *p, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		if (p[i].lo == 0 && p[i].hi == 65535)
			return true;
	return k == 0;
}

static bool
ports_cover(const struct dpw_doc_ports *a, unsigned int ka, const struct dpw_doc_ports *b,
	    unsigned int kb)
{
	unsigned int i, j;

	if (kb == 0)
		return false;
	for (i = 0; i < kb; i++) {
		for (j = 0; j < ka; j++)
			if (b[i].lo >= a[j].lo && b[i].hi <= a[j].hi)
				break;
		if (j == ka)
			return false;
	}
	return true;
}

bool
dpw_doc_match_covers(const struct dpw_doc_match *a, const struct dpw_doc_match *b)
{
	if (a->n_domains > 0)
		return false;   /* which addresses it takes is known only from DNS answers */
	if (a->proto != 0 && a->proto != b->proto)
		return false;
	if (a->family != DPW_FAMILY_ALL && a->family != b->family)
		return false;
	if (a->has_src_mac &&
	    (!b->has_src_mac || memcmp(a->src_mac, b->src_mac, sizeof(a->src_mac)) != 0))
		return false;
	if (!nets_any(a->src, a->n_src) && !nets_cover(a->src, a->n_src, b->src, b->n_src))
		return false;
	if (!nets_any(a->dst, a->n_dst) && !nets_cover(a->dst, a->n_dst, b->dst, b->n_dst))
		return false;
	if (!ports_any(a->sport, a->n_sport) &&
	    !ports_cover(a->sport, a->n_sport, b->sport, b->n_sport))
		return false;
	if (!ports_any(a->dport, a->n_dport) &&
	    !ports_cover(a->dport, a->n_dport, b->dport, b->n_dport))
		return false;
	return true;
}

/* ---- the action ---------------------------------------------------------------------- */

/* The fallback named s (mwan3's "blackhole" is drop): 0 and *f, or -ENOENT. */
static int
fallback_parse(const char *s, uint8_t *f)
{
	unsigned int i;

	if (strcmp(s, "blackhole") == 0) {
		*f = DPW_FB_DROP;
		return 0;
	}
	for (i = 0; i < DPW_FB_MAX; i++) {
		if (strcmp(s, dpw_fallback_str(i)) == 0) {
			*f = (uint8_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* sticky, sticky_timeout, terminate_on_recovery: the same in rules and the default rule */
static void
decode_action_flags(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		    struct dpw_doc_action *a)
{
	int64_t x;

	dpw_doc_get_bool(o, path, "sticky", false, &a->sticky, dec);
	dpw_doc_get_int(o, path, "sticky_timeout", false, 1, STICKY_TIMEOUT_MAX,
			DPW_STICKY_TIMEOUT_DEFAULT, &x, dec);
	a->sticky_timeout_s = (uint32_t)x;
	dpw_doc_get_bool(o, path, "terminate_on_recovery", false, &a->terminate_on_recovery,
			 dec);
}

/* policy | (algorithm, persistence, wans): a rule's action, or a custom default rule's. */
static void
decode_action(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	      const struct dpw_doc *doc, struct dpw_doc_action *a)
{
	char p[DPW_DOC_PATH_LEN];
	const json_t *pol = json_object_get(o, "policy");
	const json_t *alg = json_object_get(o, "algorithm");
	const struct dpw_doc_policy *found;
	const char *s;

	a->policy = -1;
	memset(&a->pick, 0, sizeof(a->pick));
	if (pol != NULL && alg != NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "either 'policy' or an own "
				    "'algorithm', not both");
	} else if (pol != NULL) {
		if (dpw_doc_get_string(o, path, "policy", false, &s, dec) == 0) {
			found = dpw_doc_policy_find(doc, s);
			dpw_doc_path_key(p, sizeof(p), path, "policy");
			if (found == NULL)
				dpw_doc_problem_add(dec->pr, false, p, "no policy '%.32s' in "
						    "/policies", s);
			else
				a->policy = (int32_t)(found - doc->policies);
		}
		if (json_object_get(o, "wans") != NULL) {
			dpw_doc_path_key(p, sizeof(p), path, "wans");
			dpw_doc_problem_add(dec->pr, false, p, "'wans' belong to an own algorithm: "
					    "with a policy the WANs are the policy's");
		}
		if (json_object_get(o, "persistence") != NULL) {
			dpw_doc_path_key(p, sizeof(p), path, "persistence");
			dpw_doc_problem_add(dec->pr, false, p, "persistence belongs to an own "
					    "algorithm persistence, not to a policy");
		}
	} else if (alg != NULL) {
		dpw_doc_pick_decode(o, path, doc, dec, &a->pick);
	} else {
		dpw_doc_problem_add(dec->pr, false, path, "needs policy or algorithm (and wans)");
	}
}

/* when_unavailable of a rule or a custom default rule (the default depends on policy). */
static void
decode_when(const json_t *o, const char *path, struct dpw_doc_dec *dec, bool has_policy,
	    struct dpw_doc_action *a)
{
	char p[DPW_DOC_PATH_LEN];
	const char *s;

	a->when_unavailable = has_policy ? DPW_FB_LAST_RESORT : DPW_FB_DROP;
	if (dpw_doc_get_string(o, path, "when_unavailable", false, &s, dec) != 0 || s == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, "when_unavailable");
	if (fallback_parse(s, &a->when_unavailable) != 0) {
		dpw_doc_problem_add(dec->pr, false, p, "when_unavailable '%.32s' is unknown: "
				    "last_resort, drop, unreachable, default, any or fall_through",
				    s);
		a->when_unavailable = has_policy ? DPW_FB_LAST_RESORT : DPW_FB_DROP;
	} else if (a->when_unavailable == DPW_FB_LAST_RESORT && !has_policy) {
		dpw_doc_problem_add(dec->pr, false, p, "last_resort is a policy's: without a "
				    "policy say drop, unreachable, default, any or fall_through");
		a->when_unavailable = DPW_FB_DROP;
	}
}

static int
encode_action(json_t *o, const struct dpw_doc *doc, const struct dpw_doc_action *a)
{
	int bad = 0;

	if (a->policy >= 0)
		bad |= json_object_set_new(o, "policy", json_string(
				(unsigned int)a->policy < doc->n_policies ?
				doc->policies[a->policy].name : ""));
	else
		bad |= dpw_doc_pick_encode(o, doc, &a->pick);
	bad |= json_object_set_new(o, "sticky", json_boolean(a->sticky));
	bad |= json_object_set_new(o, "sticky_timeout", json_integer(a->sticky_timeout_s));
	bad |= json_object_set_new(o, "when_unavailable",
				   json_string(dpw_fallback_str(a->when_unavailable)));
	bad |= json_object_set_new(o, "terminate_on_recovery",
				   json_boolean(a->terminate_on_recovery));
	return bad;
}

/* ---- rules --------------------------------------------------------------------------- */

unsigned int
dpw_doc_match_entries(const struct dpw_doc_match *m)
{
	return (m->n_src ? m->n_src : 1u) * (m->n_dst ? m->n_dst : 1u) *
	       (m->n_sport ? m->n_sport : 1u) * (m->n_dport ? m->n_dport : 1u);
}

static void
decode_rule(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	    const struct dpw_doc *doc, struct dpw_doc_rule *r)
{
	char p[DPW_DOC_PATH_LEN];
	unsigned int n;

	dpw_doc_check_members(o, path, rule_members, NULL, dec);
	dpw_doc_get_name(o, path, r->name, dec);
	dpw_doc_get_bool(o, path, "enabled", true, &r->enabled, dec);
	dpw_doc_match_decode(o, path, dec, &r->match);
	decode_action(o, path, dec, doc, &r->action);
	decode_action_flags(o, path, dec, &r->action);
	decode_when(o, path, dec, json_object_get(o, "policy") != NULL, &r->action);
	n = dpw_doc_match_entries(&r->match);
	if (n > DPW_RULE_ENTRIES_MAX)
		dpw_doc_problem_add(dec->pr, false, path, "the rule expands into %u classifier "
				    "entries (sources x destinations x source ports x destination "
				    "ports), at most %d: split it", n, DPW_RULE_ENTRIES_MAX);
	if (r->match.family == DPW_FAMILY_IPV6) {
		dpw_doc_path_key(p, sizeof(p), path, "family");
		dpw_doc_problem_add(dec->pr, true, p, "IPv6 is not forwarded yet: never matches");
	}
}

/*
 * What the shadow check compares first, small enough for 16,384 rules to stay in the
 * cache: for each list the smallest network (the range) holding all its elements, the
 * whole space for an empty list. If a covers b, b's bounds lie inside a's (each element
 * of b lies inside one of a's, so inside a's bound), so a pair whose bounds do not nest
 * is rejected without reading the rules.
 */
struct cover_hint {
	uint32_t rule;
	uint32_t src_net, dst_net;
	uint8_t src_len, dst_len;
	uint8_t proto, family;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	bool has_mac;
	uint64_t mac;
};

static void
net_bound(const struct dpw_doc_net *n, unsigned int k, uint32_t *net, uint8_t *len)
{
	uint32_t a = 0;
	uint8_t l = 0;
	unsigned int i;

	if (k > 0) {
		a = n[0].addr;
		l = n[0].prefixlen;
	}
	for (i = 1; i < k && l > 0; i++) {
		uint32_t x = a ^ n[i].addr;
		uint8_t common = x == 0 ? 32 : (uint8_t)__builtin_clz(x);

		l = common < l ? common : l;
		l = n[i].prefixlen < l ? n[i].prefixlen : l;
	}
	*len = l;
	*net = a & prefix_mask(l);
}

static void
port_bound(const struct dpw_doc_ports *p, unsigned int k, uint16_t *lo, uint16_t *hi)
{
	unsigned int i;

	*lo = 0;
	*hi = 65535;
	if (k == 0)
		return;
	*lo = p[0].lo;
	*hi = p[0].hi;
	for (i = 1; i < k; i++) {
		*lo = p[i].lo < *lo ? p[i].lo : *lo;
		*hi = p[i].hi > *hi ? p[i].hi : *hi;
	}
}

static void
hint_of(const struct dpw_doc_match *m, struct cover_hint *h)
{
	unsigned int i;

	net_bound(m->src, m->n_src, &h->src_net, &h->src_len);
	net_bound(m->dst, m->n_dst, &h->dst_net, &h->dst_len);
	port_bound(m->sport, m->n_sport, &h->sport_lo, &h->sport_hi);
	port_bound(m->dport, m->n_dport, &h->dport_lo, &h->dport_hi);
	h->proto = m->proto;
	h->family = m->family;
	h->has_mac = m->has_src_mac;
	h->mac = 0;
	for (i = 0; i < 6; i++)
		h->mac = h->mac << 8 | m->src_mac[i];
}

/*
 * Can a cover b, as far as the bounds tell? (false: it cannot) Branch-free: nearly every
 * pair fails somewhere, and a failure at an unpredictable test costs more than the rest.
 */
static inline bool
hint_may_cover(const struct cover_hint *a, const struct cover_hint *b)
{
	uint32_t dm = a->dst_len ? 0xffffffffu << (32 - a->dst_len) : 0;
	uint32_t sm = a->src_len ? 0xffffffffu << (32 - a->src_len) : 0;

	return ((a->proto == 0) | (a->proto == b->proto)) &
	       ((a->family == DPW_FAMILY_ALL) | (a->family == b->family)) &
	       (b->dst_len >= a->dst_len) & ((b->dst_net & dm) == a->dst_net) &
	       (b->src_len >= a->src_len) & ((b->src_net & sm) == a->src_net) &
	       (b->dport_lo >= a->dport_lo) & (b->dport_hi <= a->dport_hi) &
	       (b->sport_lo >= a->sport_lo) & (b->sport_hi <= a->sport_hi) &
	       ((!a->has_mac) | (b->has_mac & (a->mac == b->mac)));
}

/*
 * "can never match": an enabled rule whose every packet an earlier enabled rule takes
 * and keeps (no fall_through, no domain list). Quadratic in the rules, but the bounds
 * reject nearly every pair in a few instructions over a compact array.
 */
static void
check_shadowed(const char *path, struct dpw_doc_dec *dec, const struct dpw_doc *doc)
{
	struct cover_hint *h, hb;
	char p[DPW_DOC_PATH_LEN];
	unsigned int i, j, n = 0;

	if (doc->n_rules < 2)
		return;
	/* the candidates, in order: the enabled rules that keep what they match */
	h = malloc(doc->n_rules * sizeof(*h));
	if (h == NULL)
		return;   /* a warning only: none rather than a failed validation */
	for (i = 0; i < doc->n_rules; i++) {
		const struct dpw_doc_rule *b = &doc->rules[i];

		if (!b->enabled)
			continue;
		hint_of(&b->match, &hb);
		hb.rule = i;
		for (j = 0; j < n; j++)
			if (hint_may_cover(&h[j], &hb) &&
			    dpw_doc_match_covers(&doc->rules[h[j].rule].match, &b->match))
				break;
		if (j < n) {
			snprintf(p, sizeof(p), "%s/%u", path, i);
			dpw_doc_problem_add(dec->pr, true, p, "can never match: rule '%s' "
					    "(%s/%u) above covers it", doc->rules[h[j].rule].name,
					    path, h[j].rule);
		}
		if (b->action.when_unavailable != DPW_FB_FALL_THROUGH && b->match.n_domains == 0)
			h[n++] = hb;
	}
	free(h);
}

void
dpw_doc_rules_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		     struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	unsigned long entries = 0;
	size_t i, n;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of rules", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_MAX_RULES) {
		/* refused whole: decoding 16,384 of them would only say more of the same */
		dpw_doc_problem_add(dec->pr, false, path, "%zu rules, at most %d", n,
				    DPW_MAX_RULES);
		return;
	}
	if (n == 0)
		return;
	doc->rules = calloc(n, sizeof(*doc->rules));
	if (doc->rules == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "out of memory for %zu rules", n);
		return;
	}
	doc->n_rules = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);
		struct dpw_doc_rule *r = &doc->rules[i];

		r->action.policy = -1;
		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a rule)", e);
			continue;
		}
		decode_rule(e, p, dec, doc, r);
		entries += dpw_doc_match_entries(&r->match);
	}
	if (entries > DPW_MAX_RULE_ENTRIES)
		dpw_doc_problem_add(dec->pr, false, path, "the rules expand into %lu classifier "
				    "entries, at most %d", entries, DPW_MAX_RULE_ENTRIES);
	check_shadowed(path, dec, doc);
}

/* ---- names of every kind ------------------------------------------------------------- */

enum name_kind { K_WAN, K_MEMBER, K_POLICY, K_RULE };

static const char *const kind_name[] = { "WAN", "member", "policy", "rule" };
static const char *const kind_path[] = { "/wans", "/members", "/policies", "/rules" };

struct name_slot {
	const char *name;          /* NULL: free */
	uint8_t kind;
	uint32_t index;
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*
 * mwan3: "Policies may not share the same name as configured interfaces, members or
 * rules" (and rules likewise). Each name is reported at its later holder; duplicates of
 * WAN names among WANs are the wans section's. A hash table: 16,384 rules cost no more
 * than their count.
 */
static void
check_names(struct dpw_doc_dec *dec, const struct dpw_doc *doc)
{
	unsigned int total = doc->n_wans + doc->n_members + doc->n_policies + doc->n_rules;
	unsigned int size = 64, kind, i, count[4];
	struct name_slot *t;
	char p[DPW_DOC_PATH_LEN];

	while (size < 2 * total)
		size <<= 1;
	t = calloc(size, sizeof(*t));
	if (t == NULL) {
		dpw_doc_problem_add(dec->pr, false, "", "out of memory checking names");
		return;
	}
	count[K_WAN] = doc->n_wans;
	count[K_MEMBER] = doc->n_members;
	count[K_POLICY] = doc->n_policies;
	count[K_RULE] = doc->n_rules;
	for (kind = K_WAN; kind <= K_RULE; kind++) {
		for (i = 0; i < count[kind]; i++) {
			const char *name = kind == K_WAN ? doc->wans[i].name :
					   kind == K_MEMBER ? doc->members[i].name :
					   kind == K_POLICY ? doc->policies[i].name :
					   doc->rules[i].name;
			uint32_t s = name_hash(name) & (size - 1);

			if (name[0] == '\0')
				continue;   /* missing or invalid: reported at its object */
			while (t[s].name != NULL && strcmp(t[s].name, name) != 0)
				s = (s + 1) & (size - 1);
			if (t[s].name == NULL) {
				t[s].name = name;
				t[s].kind = (uint8_t)kind;
				t[s].index = i;
				continue;
			}
			if (kind == K_WAN)
				continue;
			snprintf(p, sizeof(p), "%s/%u/name", kind_path[kind], i);
			if (t[s].kind == kind)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate name '%s' (also "
						    "%s/%u/name)", name, kind_path[kind],
						    t[s].index);
			else
				dpw_doc_problem_add(dec->pr, false, p, "name '%s' is the name of "
						    "the %s %s/%u already: WANs, members, policies "
						    "and rules may not share names (mwan3)", name,
						    kind_name[t[s].kind], kind_path[t[s].kind],
						    t[s].index);
		}
	}
	free(t);
}

void
dpw_doc_rules_check(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		    struct dpw_doc *doc)
{
	(void)v;
	(void)path;
	check_names(dec, doc);
}

json_t *
dpw_doc_rules_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i;
	int bad = 0;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_rules && !bad; i++) {
		const struct dpw_doc_rule *r = &doc->rules[i];
		json_t *o = json_object();

		bad |= json_array_append_new(a, o);
		bad |= json_object_set_new(o, "name", json_string(r->name));
		bad |= json_object_set_new(o, "enabled", json_boolean(r->enabled));
		if (o != NULL) {
			bad |= dpw_doc_match_encode(o, &r->match);
			bad |= encode_action(o, doc, &r->action);
		}
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* ---- the default rule ---------------------------------------------------------------- */

/* A preset's pick: every configured WAN, by its weight. */
static void
preset_pick(const struct dpw_doc *doc, uint8_t preset, struct dpw_doc_pick *pk)
{
	unsigned int i;

	memset(pk, 0, sizeof(*pk));
	pk->algorithm = preset == DPW_DEF_AUTO ? DPW_LB_WEIGHTED : DPW_LB_PERSISTENCE;
	pk->persist = preset == DPW_DEF_NORMAL_COMPAT ? DPW_PERSIST_DESTINATION :
		      DPW_PERSIST_SOURCE;
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		pk->c[pk->n].wan = (uint8_t)i;
		pk->c[pk->n].metric = 1;
		pk->c[pk->n].weight = doc->wans[i].weight;
		pk->n++;
	}
}

void
dpw_doc_default_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		       struct dpw_doc *doc)
{
	static const char *const own[] = { "policy", "algorithm", "persistence", "wans" };
	struct dpw_doc_default *d = &doc->default_rule;
	char p[DPW_DOC_PATH_LEN];
	const char *s;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->preset = DPW_DEF_AUTO;
	d->action.policy = -1;
	d->action.when_unavailable = DPW_FB_DROP;
	d->action.sticky_timeout_s = DPW_STICKY_TIMEOUT_DEFAULT;
	if (v != NULL && !json_is_object(v)) {
		dpw_doc_type_error(dec, path, "an object", v);
		v = NULL;
	}
	if (v == NULL) {
		preset_pick(doc, d->preset, &d->action.pick);
		return;
	}
	dpw_doc_check_members(v, path, default_members, NULL, dec);
	if (dpw_doc_get_string(v, path, "preset", false, &s, dec) == 0 && s != NULL) {
		for (i = 0; i < DPW_DEF_MAX; i++)
			if (strcmp(s, preset_names[i]) == 0)
				break;
		dpw_doc_path_key(p, sizeof(p), path, "preset");
		if (i < DPW_DEF_MAX)
			d->preset = (uint8_t)i;
		else
			dpw_doc_problem_add(dec->pr, false, p, "preset '%.32s' is unknown: "
					    "auto, high_compatibility, normal_compatibility or "
					    "custom", s);
	}
	decode_action_flags(v, path, dec, &d->action);
	if (d->preset == DPW_DEF_CUSTOM) {
		decode_action(v, path, dec, doc, &d->action);
		decode_when(v, path, dec, json_object_get(v, "policy") != NULL, &d->action);
		dpw_doc_path_key(p, sizeof(p), path, "when_unavailable");
		if (d->action.when_unavailable == DPW_FB_DEFAULT ||
		    d->action.when_unavailable == DPW_FB_FALL_THROUGH) {
			dpw_doc_problem_add(dec->pr, false, p, "the default rule is the last one: "
					    "no %s (drop, unreachable or any%s)",
					    dpw_fallback_str(d->action.when_unavailable),
					    d->action.policy >= 0 ? ", or last_resort" : "");
		} else if (d->action.when_unavailable == DPW_FB_LAST_RESORT &&
			   d->action.policy >= 0 &&
			   doc->policies[d->action.policy].last_resort == DPW_FB_DEFAULT) {
			const char *at = json_object_get(v, "when_unavailable") ? p : path;

			dpw_doc_problem_add(dec->pr, false, at, "policy '%s' falls back to "
					    "'default', which is this rule: say when_unavailable "
					    "drop, unreachable or any",
					    doc->policies[d->action.policy].name);
		}
		return;
	}
	/* a preset chooses over every WAN itself */
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (json_object_get(v, own[i]) == NULL)
			continue;
		dpw_doc_path_key(p, sizeof(p), path, own[i]);
		dpw_doc_problem_add(dec->pr, false, p, "'%s' is for preset custom: preset %s "
				    "chooses over every WAN by its weight", own[i],
				    dpw_default_preset_str(d->preset));
	}
	preset_pick(doc, d->preset, &d->action.pick);
	if (dpw_doc_get_string(v, path, "when_unavailable", false, &s, dec) == 0 && s != NULL) {
		uint8_t f = DPW_FB_MAX;

		dpw_doc_path_key(p, sizeof(p), path, "when_unavailable");
		if (fallback_parse(s, &f) == 0 &&
		    (f == DPW_FB_DROP || f == DPW_FB_UNREACHABLE || f == DPW_FB_ANY))
			d->action.when_unavailable = f;
		else
			dpw_doc_problem_add(dec->pr, false, p, "when_unavailable '%.32s' is not "
					    "one of the default rule's: drop, unreachable or any",
					    s);
	}
}

json_t *
dpw_doc_default_encode(const struct dpw_doc *doc)
{
	const struct dpw_doc_default *d = &doc->default_rule;
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "preset", json_string(dpw_default_preset_str(d->preset)));
	if (d->preset == DPW_DEF_CUSTOM) {
		bad |= encode_action(o, doc, &d->action);
	} else {
		bad |= json_object_set_new(o, "sticky", json_boolean(d->action.sticky));
		bad |= json_object_set_new(o, "sticky_timeout",
					   json_integer(d->action.sticky_timeout_s));
		bad |= json_object_set_new(o, "when_unavailable", json_string(
				dpw_fallback_str(d->action.when_unavailable)));
		bad |= json_object_set_new(o, "terminate_on_recovery",
					   json_boolean(d->action.terminate_on_recovery));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
