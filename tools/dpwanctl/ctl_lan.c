/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl's LAN services commands (issue 9): `lan leases | lease-delete IP |
 * reservations | dhcp | dns | dns-records | dns-flush | dns-stats` (also without the
 * `lan` word) over /api/v1/lan/... Single-threaded user program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "ctl.h"

static const char *
str(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : dflt;
}

static void
out_leases(const json_t *j)
{
	const json_t *arr = json_object_get(j, "leases"), *l;
	size_t i;

	printf("%-16s %-17s %-20s %s\n", "ADDRESS", "MAC", "HOSTNAME", "EXPIRES IN");
	json_array_foreach(arr, i, l) {
		const json_t *e = json_object_get(l, "expires_in_s");
		char exp[32];

		if (json_is_integer(e))
			snprintf(exp, sizeof(exp), "%llds", (long long)json_integer_value(e));
		else
			snprintf(exp, sizeof(exp), "never");
		printf("%-16s %-17s %-20s %s%s\n", str(l, "address", "?"), str(l, "mac", "?"),
		       str(l, "hostname", "-"), exp,
		       json_is_true(json_object_get(l, "reserved")) ? " (reserved)" : "");
	}
	printf("%zu lease%s%s\n", json_array_size(arr), json_array_size(arr) == 1 ? "" : "s",
	       json_is_false(json_object_get(j, "dnsmasq_running")) ?
	       "; dnsmasq is NOT running" : "");
}

static void
out_reservations(const json_t *arr)
{
	const json_t *r;
	size_t i;

	printf("%-17s %-16s %s\n", "MAC", "ADDRESS", "NAME");
	json_array_foreach(arr, i, r)
		printf("%-17s %-16s %s\n", str(r, "mac", "?"), str(r, "address", "?"),
		       str(r, "name", "")[0] ? str(r, "name", "") : "-");
	printf("%zu reservation%s\n", json_array_size(arr), json_array_size(arr) == 1 ? "" : "s");
}

static void
addr_list(const char *label, const json_t *a, const char *none)
{
	const json_t *v;
	size_t i;

	printf("  %-12s", label);
	if (json_array_size(a) == 0)
		printf(" %s", none);
	json_array_foreach(a, i, v)
		printf("%s%s", i ? ", " : " ", json_string_value(v) ? json_string_value(v) : "?");
	printf("\n");
}

static void
out_dhcp(const json_t *d)
{
	const json_t *r, *o;
	size_t i;

	printf("DHCP server: %s%s\n", json_is_true(json_object_get(d, "enabled")) ? "enabled" :
	       "disabled", json_is_true(json_object_get(d, "logging")) ? " (logging)" : "");
	json_array_foreach(json_object_get(d, "ranges"), i, r)
		printf("  range        %s - %s\n", str(r, "start", "?"), str(r, "end", "?"));
	printf("  lease time   %llds\n",
	       (long long)json_integer_value(json_object_get(d, "lease_time")));
	printf("  router       %s\n", str(d, "router", "the LAN address"));
	addr_list("dns", json_object_get(d, "dns"), "the LAN address (the DNS proxy)");
	printf("  domain       %s\n", str(d, "domain", "-"));
	addr_list("ntp", json_object_get(d, "ntp"), "-");
	json_array_foreach(json_object_get(d, "options"), i, o)
		printf("  option %-5lld %s\n", (long long)json_integer_value(json_object_get(o, "code")),
		       str(o, "value", ""));
	printf("  reservations %zu\n", json_array_size(json_object_get(d, "reservations")));
}

static void
out_dns(const json_t *d)
{
	printf("DNS proxy: %s\n", json_is_true(json_object_get(d, "enabled")) ? "enabled" :
	       "disabled");
	printf("  caching      %s (%lld names)\n",
	       json_is_true(json_object_get(d, "caching")) ? "on" : "off",
	       (long long)json_integer_value(json_object_get(d, "cache_size")));
	addr_list("resolvers", json_object_get(d, "resolvers"), "every usable WAN's");
}

static void
out_records(const json_t *arr)
{
	const json_t *r;
	size_t i;

	printf("%-40s %-6s %-30s %s\n", "NAME", "TYPE", "VALUE", "TTL");
	json_array_foreach(arr, i, r)
		printf("%-40s %-6s %-30s %lld\n", str(r, "name", "?"), str(r, "type", "?"),
		       str(r, "value", "?"), (long long)json_integer_value(json_object_get(r, "ttl")));
	printf("%zu record%s\n", json_array_size(arr), json_array_size(arr) == 1 ? "" : "s");
}

static void
out_stats(const json_t *s)
{
	const json_t *v;
	size_t i;

	printf("DNS cache: size %lld, insertions %lld, evictions %lld, hits %lld, misses %lld\n",
	       (long long)json_integer_value(json_object_get(s, "cache_size")),
	       (long long)json_integer_value(json_object_get(s, "insertions")),
	       (long long)json_integer_value(json_object_get(s, "evictions")),
	       (long long)json_integer_value(json_object_get(s, "hits")),
	       (long long)json_integer_value(json_object_get(s, "misses")));
	json_array_foreach(json_object_get(s, "servers"), i, v)
		printf("  upstream %-24s queries %lld, failed %lld\n", str(v, "server", "?"),
		       (long long)json_integer_value(json_object_get(v, "queries")),
		       (long long)json_integer_value(json_object_get(v, "failed")));
}

static int
show(const struct ctl *c, const char *path, void (*out)(const json_t *))
{
	return ctl_show(c, path, out);
}

static int
act(const struct ctl *c, const char *method, const char *path, const char *done)
{
	struct ctl_req rq = { .method = method, .path = path };
	struct ctl_resp r;
	int rc = ctl_http(c, &rq, &r);

	if (rc != 0)
		return rc;
	if (r.status >= 300)
		rc = ctl_fail(c, &r);
	else if (c->json && r.len > 0)
		ctl_print_raw(&r);
	else
		printf("%s\n", done);
	ctl_resp_free(&r);
	return rc;
}

int
ctl_lan(const struct ctl *c, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";
	char path[96], done[96];
	struct in_addr a;

	if (strcmp(sub, "leases") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dhcp/leases", out_leases);
	if (strcmp(sub, "lease-delete") == 0 && argc == 2) {
		if (inet_pton(AF_INET, argv[1], &a) != 1) {
			fprintf(stderr, "dpwanctl: lease-delete: '%s' is not an IPv4 address\n",
				argv[1]);
			return CTL_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/lan/dhcp/leases/%s", argv[1]);
		snprintf(done, sizeof(done), "lease of %s released (dnsmasq dropped it)", argv[1]);
		return act(c, "DELETE", path, done);
	}
	if (strcmp(sub, "reservations") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dhcp/reservations", out_reservations);
	if (strcmp(sub, "dhcp") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dhcp", out_dhcp);
	if (strcmp(sub, "dns") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dns", out_dns);
	if (strcmp(sub, "dns-records") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dns/records", out_records);
	if (strcmp(sub, "dns-stats") == 0 && argc == 1)
		return show(c, "/api/v1/lan/dns/stats", out_stats);
	if (strcmp(sub, "dns-flush") == 0 && argc == 1)
		return act(c, "POST", "/api/v1/lan/dns/cache/flush", "DNS cache flushed");
	fprintf(stderr, "dpwanctl: lan: expected leases, lease-delete IP, reservations, dhcp, "
		"dns, dns-records, dns-stats or dns-flush\n");
	return CTL_EXIT_USAGE;
}

bool
ctl_lan_command(const char *cmd)
{
	static const char *const cmds[] = { "leases", "lease-delete", "reservations", "dhcp",
					    "dns", "dns-records", "dns-stats", "dns-flush", NULL };
	unsigned int i;

	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return true;
	return false;
}
