/* SPDX-License-Identifier: BSD-3-Clause
 * dnsmasq's three files rendered from the document and the system's side (WAN TAPs,
 * which WANs are usable, their resolvers), the lease file parser and the DHCPRELEASE
 * builder (dnsmasq_conf.h). Pure: no I/O. Any thread.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "control/dnsmasq_conf.h"

/* A growing text; on allocation failure it remembers the failure and stops. */
struct sb {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, b->p != NULL ?
			      b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *q;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			q = realloc(b->p, cap);
			if (q == NULL) {
				b->failed = 1;
				return;
			}
			b->p = q;
			b->cap = cap;
		}
	}
}

static char *
sb_done(struct sb *b)
{
	if (b->p == NULL && !b->failed)
		sb_add(b, "%s", "");
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

static const char *
ip4(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

static void
addr_list(struct sb *b, const uint32_t *a, unsigned int n)
{
	char s[16];
	unsigned int i;

	for (i = 0; i < n; i++)
		sb_add(b, ",%s", ip4(a[i], s));
}

/* "d.c.b.a.in-addr.arpa" for a PTR record named by an address; other names as they are */
static void
ptr_name(const char *name, char *out, size_t len)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, name, &a) == 1) {
		h = ntohl(a.s_addr);
		snprintf(out, len, "%u.%u.%u.%u.in-addr.arpa", h & 0xff, (h >> 8) & 0xff,
			 (h >> 16) & 0xff, h >> 24);
		return;
	}
	snprintf(out, len, "%s", name);
}

static void
records(struct sb *b, const struct dpw_doc *doc)
{
	char pn[DPW_DOMAIN_LEN + 32];
	unsigned int i;

	for (i = 0; i < doc->n_dns_records; i++) {
		const struct dpw_doc_dns_record *r = &doc->dns_records[i];

		switch (r->type) {
		case DPW_RR_A:
		case DPW_RR_AAAA:
			/* Peplink's wildcard: the name and everything below it */
			if (strncmp(r->name, "*.", 2) == 0)
				sb_add(b, "address=/%s/%s\n", r->name + 2, r->value);
			else if (r->ttl > 0)
				sb_add(b, "host-record=%s,%s,%u\n", r->name, r->value, r->ttl);
			else
				sb_add(b, "host-record=%s,%s\n", r->name, r->value);
			break;
		case DPW_RR_CNAME:
			if (r->ttl > 0)
				sb_add(b, "cname=%s,%s,%u\n", r->name, r->value, r->ttl);
			else
				sb_add(b, "cname=%s,%s\n", r->name, r->value);
			break;
		case DPW_RR_PTR:
			ptr_name(r->name, pn, sizeof(pn));
			sb_add(b, "ptr-record=%s,%s\n", pn, r->value);
			break;
		default:
			break;
		}
	}
}

static char *
render_main(const struct dpw_doc *doc, const struct cp_dnsmasq_env *env)
{
	const struct dpw_doc_dhcp *d = &doc->lan.dhcp;
	const struct dpw_doc_lan_dns *dns = &doc->lan.dns;
	uint32_t mask = mask_of(env->lan_prefixlen), net = env->lan_addr & mask;
	struct sb b = { 0 };
	char s1[16], s2[16], s3[16];
	unsigned int i;

	sb_add(&b, "# dnsmasq.conf rendered by dpwan-control from the document: do not edit\n"
		   "# (a change here restarts dnsmasq; servers.conf and hosts.conf are re-read on\n"
		   "# SIGHUP)\n");
	sb_add(&b, "interface=%s\n", env->lan_tap);
	/* only the LAN TAP: nothing of ours listens on a WAN or on lo; bind-dynamic
	 * follows the TAP when the dataplane makes it again */
	sb_add(&b, "bind-dynamic\nexcept-interface=lo\n");
	sb_add(&b, "no-resolv\nno-hosts\nno-poll\n");
	sb_add(&b, "user=root\n");
	sb_add(&b, "pid-file=%s/dnsmasq.pid\n", env->dir);
	sb_add(&b, "servers-file=%s/servers.conf\n", env->dir);
	sb_add(&b, "dhcp-hostsfile=%s/hosts.conf\n", env->dir);
	sb_add(&b, "dhcp-leasefile=%s/dnsmasq.leases\n", env->dir);
	if (env->min_port > 0 && env->max_port >= env->min_port)
		sb_add(&b, "min-port=%u\nmax-port=%u\n", env->min_port, env->max_port);

	if (!dns->enabled) {
		sb_add(&b, "port=0\n");
	} else {
		sb_add(&b, "domain-needed\nbogus-priv\n");
		sb_add(&b, "cache-size=%u\n", dns->caching ? dns->cache_size : 0);
		if (d->domain[0]) {
			sb_add(&b, "local=/%s/\n", d->domain);
			sb_add(&b, "expand-hosts\n");
		}
		/* reverse lookups of the LAN stay here */
		if (env->lan_prefixlen == 8 || env->lan_prefixlen == 16 ||
		    env->lan_prefixlen == 24) {
			sb_add(&b, "local=/");
			for (i = env->lan_prefixlen / 8; i > 0; i--)
				sb_add(&b, "%u.", (net >> (32 - 8 * i)) & 0xff);
			sb_add(&b, "in-addr.arpa/\n");
		}
		records(&b, doc);
	}
	if (d->domain[0])
		sb_add(&b, "domain=%s\n", d->domain);

	if (d->enabled && d->n_ranges > 0) {
		sb_add(&b, "dhcp-authoritative\n");
		for (i = 0; i < d->n_ranges; i++)
			sb_add(&b, "dhcp-range=%s,%s,%s,%u\n", ip4(d->range[i].start, s1),
			       ip4(d->range[i].end, s2), ip4(mask, s3), d->lease_time_s);
		sb_add(&b, "dhcp-option=3,%s\n", ip4(d->router ? d->router : env->lan_addr, s1));
		if (d->n_dns > 0) {
			sb_add(&b, "dhcp-option=6");
			addr_list(&b, d->dns, d->n_dns);
			sb_add(&b, "\n");
		} else if (dns->enabled) {
			sb_add(&b, "dhcp-option=6,%s\n", ip4(env->lan_addr, s1));
		}
		if (d->domain[0])
			sb_add(&b, "dhcp-option=15,%s\n", d->domain);
		if (d->n_ntp > 0) {
			sb_add(&b, "dhcp-option=42");
			addr_list(&b, d->ntp, d->n_ntp);
			sb_add(&b, "\n");
		}
		for (i = 0; i < d->n_options; i++)
			sb_add(&b, "dhcp-option=%u,%s\n", d->option[i].code, d->option[i].value);
		if (d->logging)
			sb_add(&b, "log-dhcp\n");
	}
	return sb_done(&b);
}

/* The WANs a query may go to: the chosen ones usable now, else every usable one. */
static unsigned int
pick_wans(const struct cp_dnsmasq_env *env, unsigned int n_wans, const uint8_t *chosen,
	  unsigned int n_chosen, uint8_t *out)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_chosen; i++)
		if (chosen[i] < n_wans && chosen[i] < DPW_MAX_WANS && env->wan[chosen[i]].usable)
			out[n++] = chosen[i];
	if (n > 0)
		return n;
	for (i = 0; i < n_wans && i < DPW_MAX_WANS; i++)
		if (env->wan[i].usable)
			out[n++] = (uint8_t)i;
	return n;
}

static void
server_lines(struct sb *b, const struct cp_dnsmasq_env *env, const char *domain,
	     const uint8_t *wans, unsigned int n)
{
	char s[16];
	unsigned int i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < env->wan[wans[i]].n_dns && k < DPW_WAN_DNS_MAX; k++) {
			if (domain != NULL)
				sb_add(b, "server=/%s/%s@%s\n", domain,
				       ip4(env->wan[wans[i]].dns[k], s), env->wan[wans[i]].tap);
			else
				sb_add(b, "server=%s@%s\n", ip4(env->wan[wans[i]].dns[k], s),
				       env->wan[wans[i]].tap);
		}
}

static char *
render_servers(const struct dpw_doc *doc, const struct cp_dnsmasq_env *env)
{
	const struct dpw_doc_lan_dns *dns = &doc->lan.dns;
	uint8_t all[DPW_MAX_WANS], pick[DPW_MAX_WANS];
	struct sb b = { 0 };
	unsigned int i, n;

	sb_add(&b, "# servers.conf rendered by dpwan-control: the resolvers of the WANs usable "
		   "now\n");
	if (!dns->enabled)
		return sb_done(&b);
	for (i = 0; i < DPW_MAX_WANS; i++)
		all[i] = (uint8_t)i;
	if (dns->n_resolvers > 0)
		n = pick_wans(env, doc->n_wans, dns->resolver, dns->n_resolvers, pick);
	else
		n = pick_wans(env, doc->n_wans, all, doc->n_wans, pick);
	server_lines(&b, env, NULL, pick, n);
	for (i = 0; i < doc->n_domain_lookup; i++) {
		const struct dpw_doc_domain_lookup *dl = &doc->domain_lookup[i];

		n = pick_wans(env, doc->n_wans, dl->wan, dl->n_wans, pick);
		server_lines(&b, env, dl->domain, pick, n);
	}
	return sb_done(&b);
}

static char *
render_hosts(const struct dpw_doc *doc)
{
	const struct dpw_doc_dhcp *d = &doc->lan.dhcp;
	struct sb b = { 0 };
	char s[16];
	unsigned int i;

	sb_add(&b, "# hosts.conf rendered by dpwan-control: the DHCP reservations\n");
	for (i = 0; i < d->n_reservations && d->reservation != NULL; i++) {
		const struct dpw_doc_reservation *r = &d->reservation[i];

		sb_add(&b, "%02x:%02x:%02x:%02x:%02x:%02x,%s", r->mac[0], r->mac[1], r->mac[2],
		       r->mac[3], r->mac[4], r->mac[5], ip4(r->addr, s));
		if (r->name[0])
			sb_add(&b, ",%s", r->name);
		sb_add(&b, "\n");
	}
	return sb_done(&b);
}

int
cp_dnsmasq_render(const struct dpw_doc *doc, const struct cp_dnsmasq_env *env,
		  struct cp_dnsmasq_files *out)
{
	memset(out, 0, sizeof(*out));
	out->main = render_main(doc, env);
	out->servers = render_servers(doc, env);
	out->hosts = render_hosts(doc);
	if (out->main == NULL || out->servers == NULL || out->hosts == NULL) {
		cp_dnsmasq_files_free(out);
		return -ENOMEM;
	}
	return 0;
}

void
cp_dnsmasq_files_free(struct cp_dnsmasq_files *f)
{
	free(f->main);
	free(f->servers);
	free(f->hosts);
	memset(f, 0, sizeof(*f));
}

/* ---- the lease file ---- */

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int v[6], i;
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
				      &v[3], &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (s[3 * i] == ':' || s[3 * i + 1] == ':' || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* One line (NUL-terminated, no newline) into *l: 0, or -EINVAL. */
static int
parse_line(char *line, struct cp_lease *l)
{
	char *f[6], *save = NULL, *end;
	struct in_addr a;
	long long exp;
	unsigned int n = 0;

	for (f[n] = strtok_r(line, " \t\r", &save); f[n] != NULL && n < 5;
	     f[n] = strtok_r(NULL, " \t\r", &save))
		n++;
	if (n != 5 || f[5] != NULL)
		return -EINVAL;
	exp = strtoll(f[0], &end, 10);
	if (*f[0] == '\0' || *end != '\0' || exp < 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->expiry = exp;
	if (parse_mac(f[1], l->mac) < 0 || inet_pton(AF_INET, f[2], &a) != 1)
		return -EINVAL;
	l->addr = ntohl(a.s_addr);
	/* a longer name than we keep is cut, not a reason to hide the lease */
	if (strcmp(f[3], "*") != 0)
		snprintf(l->hostname, sizeof(l->hostname), "%.*s",
			 (int)sizeof(l->hostname) - 1, f[3]);
	if (strcmp(f[4], "*") != 0) {
		if (strlen(f[4]) >= sizeof(l->client_id))
			return -EINVAL;
		snprintf(l->client_id, sizeof(l->client_id), "%s", f[4]);
	}
	return 0;
}

unsigned int
cp_lease_parse(const char *text, size_t len, struct cp_lease *out, unsigned int max,
	       unsigned int *skipped)
{
	char line[2048];     /* the longest: a 255-character name and a 255-byte client id */
	struct cp_lease l;
	unsigned int n = 0, skip = 0;
	size_t i = 0, j, ll;

	while (i < len) {
		for (j = i; j < len && text[j] != '\n'; j++)
			;
		ll = j - i;
		if (ll > 0 && ll < sizeof(line) && memchr(text + i, '\0', ll) == NULL) {
			memcpy(line, text + i, ll);
			line[ll] = '\0';
			if (parse_line(line, &l) == 0) {
				if (n < max && out != NULL)
					out[n] = l;
				n++;
			} else {
				skip++;
			}
		} else if (ll > 0) {
			skip++;
		}
		i = j + 1;
	}
	if (skipped != NULL)
		*skipped = skip;
	return n;
}

/* ---- CHAOS TXT ---- */

#define DNS_HDR 12
#define DNS_QR 0x80              /* in the flags' first byte */
#define DNS_TYPE_TXT 16
#define DNS_CLASS_CH 3

int
cp_chaos_query(uint8_t *b, size_t cap, uint16_t id, const char *name)
{
	size_t o = DNS_HDR, n = strlen(name), l;
	const char *p = name, *dot;

	if (n == 0 || n > 253 || cap < DNS_HDR + n + 2 + 4)
		return -EINVAL;
	memset(b, 0, DNS_HDR);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[5] = 1;                    /* QDCOUNT */
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			return -EINVAL;
		b[o++] = (uint8_t)l;
		memcpy(b + o, p, l);
		o += l;
		p += l + (dot != NULL);
	}
	b[o++] = 0;
	b[o++] = 0;
	b[o++] = DNS_TYPE_TXT;
	b[o++] = 0;
	b[o++] = DNS_CLASS_CH;
	return (int)o;
}

/* The offset after a (possibly compressed) name at off, or 0. */
static size_t
skip_name(const uint8_t *b, size_t len, size_t off)
{
	unsigned int labels = 0;

	while (off < len && labels++ < 128) {
		if (b[off] == 0)
			return off + 1;
		if ((b[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if ((b[off] & 0xc0) != 0)
			return 0;
		off += 1u + b[off];
	}
	return 0;
}

int
cp_chaos_answer(const uint8_t *b, size_t len, uint16_t *id, char out[][CP_CHAOS_TXT_LEN],
		unsigned int max)
{
	unsigned int qd, an, i, n = 0;
	size_t o;

	if (len < DNS_HDR || !(b[2] & DNS_QR))
		return -EINVAL;
	*id = (uint16_t)(b[0] << 8 | b[1]);
	qd = (unsigned int)b[4] << 8 | b[5];
	an = (unsigned int)b[6] << 8 | b[7];
	if (qd > 1)
		return -EINVAL;
	o = DNS_HDR;
	if (qd == 1) {
		o = skip_name(b, len, o);
		if (o == 0 || o + 4 > len)
			return -EINVAL;
		o += 4;
	}
	for (i = 0; i < an; i++) {
		size_t rdl, end;
		unsigned int type;

		o = skip_name(b, len, o);
		if (o == 0 || o + 10 > len)
			return -EINVAL;
		type = (unsigned int)b[o] << 8 | b[o + 1];
		rdl = (size_t)b[o + 8] << 8 | b[o + 9];
		o += 10;
		end = o + rdl;
		if (end > len)
			return -EINVAL;
		while (type == DNS_TYPE_TXT && o < end) {
			size_t sl = b[o++];

			if (o + sl > end)
				return -EINVAL;
			if (n < max) {
				size_t c = sl < CP_CHAOS_TXT_LEN - 1 ? sl : CP_CHAOS_TXT_LEN - 1;

				memcpy(out[n], b + o, c);
				out[n][c] = '\0';
				n++;
			}
			o += sl;
		}
		o = end;
	}
	return (int)n;
}

/* ---- DHCPRELEASE ---- */

#define BOOTREQUEST 1
#define HTYPE_ETHER 1
#define DHCP_MAGIC 0x63825363u
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_CLIENT_ID 61
#define OPT_END 255
#define DHCPRELEASE 7
#define BOOTP_FIXED 236          /* op .. file: the fixed part before the cookie */
#define BOOTP_MIN 300

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The lease file's client id ("01:aa:bb:..") as bytes; -EINVAL if it is not hex pairs. */
static int
client_id_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	while (*s != '\0') {
		if (n == cap || !isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]) || sscanf(s, "%2x", &v) != 1)
			return -EINVAL;
		out[n++] = (uint8_t)v;
		s += 2;
		if (*s == ':')
			s++;
		else if (*s != '\0')
			return -EINVAL;
	}
	return (int)n;
}

int
cp_dhcp_release_build(const struct cp_lease *lease, uint32_t server, uint32_t xid,
		      uint8_t *buf, size_t cap)
{
	uint8_t cid[255];
	int ncid = 0;
	size_t o, need;

	if (lease == NULL || buf == NULL || lease->addr == 0 || server == 0)
		return -EINVAL;
	if (lease->client_id[0]) {
		ncid = client_id_bytes(lease->client_id, cid, sizeof(cid));
		if (ncid <= 0)
			return -EINVAL;
	}
	need = BOOTP_FIXED + 4 + 3 + 6 + (ncid > 0 ? 2 + (size_t)ncid : 0) + 1;
	if (need < BOOTP_MIN)
		need = BOOTP_MIN;
	if (cap < need)
		return -EINVAL;
	memset(buf, 0, need);
	buf[0] = BOOTREQUEST;
	buf[1] = HTYPE_ETHER;
	buf[2] = 6;                       /* hlen */
	put32(buf + 4, xid);
	put32(buf + 12, lease->addr);     /* ciaddr: the address given back */
	memcpy(buf + 28, lease->mac, 6);  /* chaddr */
	put32(buf + BOOTP_FIXED, DHCP_MAGIC);
	o = BOOTP_FIXED + 4;
	buf[o++] = OPT_MSG_TYPE;
	buf[o++] = 1;
	buf[o++] = DHCPRELEASE;
	buf[o++] = OPT_SERVER_ID;
	buf[o++] = 4;
	put32(buf + o, server);
	o += 4;
	if (ncid > 0) {
		buf[o++] = OPT_CLIENT_ID;
		buf[o++] = (uint8_t)ncid;
		memcpy(buf + o, cid, (size_t)ncid);
		o += (size_t)ncid;
	}
	buf[o++] = OPT_END;
	return (int)need;
}
