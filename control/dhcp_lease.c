/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN DHCP client's lease file (dhcp_lease.h): parse, compare, describe. Pure C.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/dhcp_lease.h"

#define LINE_MAX_LEN 256

/* The reasons dhclient-script is called with that leave the client holding a lease */
static const char *const bound_reasons[] = { "BOUND", "RENEW", "REBIND", "REBOOT" };

static int
ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

/* A contiguous netmask's length, or -1. */
static int
mask_len(uint32_t m)
{
	int n = __builtin_popcount(m);

	return m == (n == 0 ? 0 : 0xffffffffu << (32 - n)) ? n : -1;
}

/* The first space-separated word of s into w (at most wlen - 1 bytes); s after it. */
static const char *
word(const char *s, char *w, size_t wlen)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (n + 1 < wlen)
			w[n++] = *s;
		s++;
	}
	w[n] = '\0';
	return s;
}

static int
unicast(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 0xe;
}

static int
set(struct cp_dhcp_lease *l, const char *k, const char *v, int *have_prefix)
{
	char w[64];
	uint32_t a;
	long n;
	char *end;

	if (strcmp(k, "reason") == 0) {
		if (v[0] == '\0' || strlen(v) >= sizeof(l->reason))
			return -EINVAL;
		snprintf(l->reason, sizeof(l->reason), "%s", v);
	} else if (strcmp(k, "ip") == 0) {
		if (v[0] != '\0' && ip_parse(v, &l->addr) != 0)
			return -EINVAL;
	} else if (strcmp(k, "prefix") == 0) {
		if (v[0] == '\0')
			return 0;
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 0 || n > 32)
			return -EINVAL;
		l->prefixlen = (uint8_t)n;
		*have_prefix = 1;
	} else if (strcmp(k, "mask") == 0) {
		if (v[0] == '\0')
			return 0;
		if (ip_parse(v, &a) != 0 || mask_len(a) < 0)
			return -EINVAL;
		if (!*have_prefix)
			l->prefixlen = (uint8_t)mask_len(a);
		*have_prefix = 1;
	} else if (strcmp(k, "router") == 0) {
		word(v, w, sizeof(w));
		if (w[0] != '\0' && ip_parse(w, &l->gateway) != 0)
			return -EINVAL;
	} else if (strcmp(k, "dns") == 0) {
		const char *p = v;

		l->n_dns = 0;
		for (;;) {
			p = word(p, w, sizeof(w));
			if (w[0] == '\0')
				break;
			if (ip_parse(w, &a) != 0)
				return -EINVAL;
			/* more than we keep: the first ones are the server's preference */
			if (l->n_dns < DPW_WAN_DNS_MAX)
				l->dns[l->n_dns++] = a;
		}
	} else if (strcmp(k, "lease") == 0) {
		if (v[0] == '\0')
			return 0;
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 0)
			return -EINVAL;
		l->lease_s = n > 0x7fffffffL ? 0x7fffffffu : (uint32_t)n;
	}
	return 0;
}

int
cp_dhcp_lease_parse(const char *text, size_t len, struct cp_dhcp_lease *out)
{
	struct cp_dhcp_lease l;
	char line[LINE_MAX_LEN];
	size_t i = 0, n;
	int have_prefix = 0;
	unsigned int r;
	uint32_t mask;

	memset(&l, 0, sizeof(l));
	while (i < len) {
		char *eq;

		for (n = 0; i < len && text[i] != '\n'; i++)
			if (n + 1 < sizeof(line))
				line[n++] = text[i];
			else
				return -EINVAL;   /* no line of ours is that long */
		i++;
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL)
			return -EINVAL;
		*eq = '\0';
		if (set(&l, line, eq + 1, &have_prefix) != 0)
			return -EINVAL;
	}
	if (l.reason[0] == '\0')
		return -EINVAL;
	for (r = 0; r < sizeof(bound_reasons) / sizeof(bound_reasons[0]); r++)
		if (strcmp(l.reason, bound_reasons[r]) == 0)
			l.bound = 1;
	if (!l.bound) {
		/* no lease: whatever else the file says is not an address to use */
		memset(&l.addr, 0, sizeof(l) - offsetof(struct cp_dhcp_lease, addr));
		*out = l;
		return 0;
	}
	if (!have_prefix || l.prefixlen < 1 || l.prefixlen > 30 || !unicast(l.addr))
		return -EINVAL;
	mask = 0xffffffffu << (32 - l.prefixlen);
	if ((l.addr & ~mask) == 0 || (l.addr | mask) == 0xffffffffu)
		return -EINVAL;
	if (l.gateway == 0 || l.gateway == l.addr || (l.gateway & mask) != (l.addr & mask))
		return -EINVAL;
	*out = l;
	return 0;
}

int
cp_dhcp_lease_same(const struct cp_dhcp_lease *a, const struct cp_dhcp_lease *b)
{
	return a->bound == b->bound && a->addr == b->addr && a->prefixlen == b->prefixlen &&
	       a->gateway == b->gateway && a->n_dns == b->n_dns &&
	       memcmp(a->dns, b->dns, sizeof(a->dns[0]) * a->n_dns) == 0;
}

static void
ip_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

void
cp_dhcp_lease_str(const struct cp_dhcp_lease *l, char *buf, size_t len)
{
	char a[16], g[16], d[16];
	size_t off;
	unsigned int i;

	if (!l->bound) {
		snprintf(buf, len, "none (%s)", l->reason);
		return;
	}
	ip_str(l->addr, a, sizeof(a));
	ip_str(l->gateway, g, sizeof(g));
	off = (size_t)snprintf(buf, len, "%s/%u via %s, dns", a, l->prefixlen, g);
	for (i = 0; i < l->n_dns && off < len; i++) {
		ip_str(l->dns[i], d, sizeof(d));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : " ", d);
	}
	if (l->n_dns == 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, " none");
	if (off < len)
		snprintf(buf + off, len - off, ", %u s", l->lease_s);
}
