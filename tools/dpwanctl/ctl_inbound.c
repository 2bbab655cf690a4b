/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl's inbound access commands (issue 10): `services`, `firewall`, `nat-mappings`
 * and `dos` show a section of the running document with its counters; `SECTION set
 * FILE` (FILE "-": stdin) replaces the section with FILE's JSON, validated and applied
 * like `config apply`. Over /api/v1/services, /api/v1/firewall, /api/v1/nat/mappings,
 * /api/v1/dos and their /counters. Single-threaded user program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *
str(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : dflt;
}

static long long
num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* GET path as JSON (NULL after saying why; *rc the exit code). */
static json_t *
get_json(const struct ctl *c, const char *path, int *rc)
{
	struct ctl_resp r;
	json_t *j = NULL;

	*rc = ctl_get(c, path, &r);
	if (*rc != 0)
		return NULL;
	if (r.status != 200)
		*rc = ctl_fail(c, &r);
	else if ((j = ctl_json(&r)) == NULL)
		*rc = CTL_EXIT_REFUSED;
	ctl_resp_free(&r);
	return j;
}

/* A JSON value as text for a table cell ("any" for a missing one). */
static void
cell(const json_t *v, char *out, size_t len)
{
	char *s;

	if (v == NULL) {
		snprintf(out, len, "any");
		return;
	}
	if (json_is_string(v)) {
		snprintf(out, len, "%s", json_string_value(v));
		return;
	}
	if (json_is_array(v)) {
		/* a list: its items, comma-separated */
		size_t i, n = 0;
		const json_t *e;

		out[0] = '\0';
		json_array_foreach(v, i, e) {
			char one[64];

			cell(e, one, sizeof(one));
			if (n < len)
				n += (size_t)snprintf(out + n, len - n, "%s%s", i ? "," : "", one);
		}
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(out, len, "%s", s != NULL ? s : "?");
	free(s);
}

static void
out_services(const json_t *svcs, const json_t *counters)
{
	const json_t *s, *v, *cnt = json_object_get(counters, "services");
	size_t i, k;

	printf("%-20s %-7s %-12s %-8s %-10s %-12s %s\n", "NAME", "PROTO", "PORT", "TO", "WANS",
	       "CONNECTIONS", "SERVERS (weight)");
	json_array_foreach(svcs, i, s) {
		char port[32], to[16], wans[64];
		const json_t *c = json_array_get(cnt, i);

		cell(json_object_get(s, "port"), port, sizeof(port));
		cell(json_object_get(s, "to_port"), to, sizeof(to));
		cell(json_object_get(s, "wans"), wans, sizeof(wans));
		if (json_object_get(s, "to_port") == NULL)
			snprintf(to, sizeof(to), "-");
		printf("%-20s %-7s %-12s %-8s %-10s %-12lld", str(s, "name", "?"),
		       str(s, "proto", "tcp"), port, to, wans, c != NULL ? num(c, "connections") : 0);
		json_array_foreach(json_object_get(s, "servers"), k, v)
			printf("%s%s (%lld)", k ? ", " : " ", str(v, "address", "?"),
			       json_object_get(v, "weight") ? num(v, "weight") : 1);
		printf("%s\n", json_is_false(json_object_get(s, "enabled")) ? " [disabled]" : "");
	}
	printf("%zu service%s\n", json_array_size(svcs), json_array_size(svcs) == 1 ? "" : "s");
	if (json_is_false(json_object_get(counters, "counters_valid")))
		printf("(counters: the dataplane does not run this generation yet)\n");
}

/* The match of a rule in one line: the members a rule names, or "any". */
static void
match_text(const json_t *rule, char *out, size_t len)
{
	static const char *const keys[] = { "proto", "src", "src_port", "dst", "dst_port",
					     "src_mac", "wans" };
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(rule, keys[i]);
		char val[160];

		if (v == NULL || n >= len || (json_is_array(v) && json_array_size(v) == 0))
			continue;
		cell(v, val, sizeof(val));
		n += (size_t)snprintf(out + n, len - n, "%s%s=%s", n ? " " : "", keys[i], val);
	}
	if (out[0] == '\0')
		snprintf(out, len, "any");
}

static void
out_fw_dir(const char *dir, const json_t *rules, const json_t *counts, const json_t *def)
{
	const json_t *r;
	size_t i;

	printf("%s (first match wins):\n", dir);
	printf("  %-20s %-7s %-12s %s\n", "RULE", "ACTION", "HITS", "MATCH");
	json_array_foreach(rules, i, r) {
		const json_t *c = json_array_get(counts, i);
		char m[400];

		match_text(r, m, sizeof(m));
		printf("  %-20s %-7s %-12lld %s%s%s\n", str(r, "name", "?"), str(r, "action", "?"),
		       c != NULL ? num(c, "hits") : 0, m,
		       json_is_true(json_object_get(r, "log")) ? " [log]" : "",
		       json_is_false(json_object_get(r, "enabled")) ? " [disabled]" : "");
	}
	printf("  %-20s %-7s %-12lld %s\n", "(default)", str(def, "action", "?"), num(def, "hits"),
	       "no rule matched");
}

static void
out_firewall(const json_t *fw, const json_t *counters)
{
	out_fw_dir("outbound (LAN to WAN)", json_object_get(fw, "outbound"),
		   json_object_get(counters, "outbound"),
		   json_object_get(counters, "outbound_default"));
	out_fw_dir("inbound (WAN to LAN; a port forward's connection no rule matches is allowed)",
		   json_object_get(fw, "inbound"), json_object_get(counters, "inbound"),
		   json_object_get(counters, "inbound_default"));
	printf("logged hits: at most %lld events a second\n",
	       json_object_get(fw, "log_rate") ? num(fw, "log_rate") : 10);
	if (json_is_false(json_object_get(counters, "counters_valid")))
		printf("(counters: the dataplane does not run this generation yet)\n");
}

static void
out_mappings(const json_t *maps)
{
	const json_t *m;
	size_t i;

	printf("%-20s %-11s %-20s %-10s %s\n", "NAME", "TYPE", "LAN", "WAN", "ADDRESS");
	json_array_foreach(maps, i, m)
		printf("%-20s %-11s %-20s %-10s %s\n", str(m, "name", "?"),
		       str(m, "type", "outbound"), str(m, "lan", "?"), str(m, "wan", "?"),
		       str(m, "address", "?"));
	printf("%zu mapping%s\n", json_array_size(maps), json_array_size(maps) == 1 ? "" : "s");
}

static void
out_dos(const json_t *d)
{
	static const struct { const char *key, *what; long long dflt; } lim[] = {
		{ "syn_rate_per_source", "new inbound connections a second per source", 200 },
		{ "syn_rate_global", "new inbound connections a second in all", 20000 },
		{ "max_sessions_per_host", "sessions per LAN host", 0 },
		{ "max_sessions_per_wan_address", "sessions per WAN address", 0 },
	};

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		long long v = json_object_get(d, lim[i].key) ? num(d, lim[i].key) : lim[i].dflt;

		if (v == 0)
			printf("  %-30s off (%s)\n", lim[i].key, lim[i].what);
		else
			printf("  %-30s %lld (%s)\n", lim[i].key, v, lim[i].what);
	}
	printf("  %-30s %s\n", "drop_invalid_tcp",
	       json_is_false(json_object_get(d, "drop_invalid_tcp")) ? "false" : "true");
}

static void
out_applied(const json_t *res)
{
	ctl_out_apply(res, "applied:");
}

/* PUT the JSON of file to path; the apply result, like `config apply`. */
static int
put_file(const struct ctl *c, const char *path, const char *file)
{
	struct ctl_req rq = { .method = "PUT", .path = path,
			      .content_type = "application/json" };
	struct ctl_resp r;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (ctl_read_file(file, &text, &len) != 0)
		return CTL_EXIT_REFUSED;
	rq.body = text;
	rq.body_len = len;
	rc = ctl_http(c, &rq, &r);
	free(text);
	return rc != 0 ? rc : ctl_show_resp(c, &r, out_applied);
}

struct section {
	const char *cmd;
	const char *path;             /* the section resource */
	const char *counters;         /* its counters, or NULL */
	void (*out)(const json_t *sec, const json_t *counters);
	void (*out1)(const json_t *sec);
};

static const struct section sections[] = {
	{ "services", "/api/v1/services", "/api/v1/services/counters", out_services, NULL },
	{ "firewall", "/api/v1/firewall", "/api/v1/firewall/counters", out_firewall, NULL },
	{ "nat-mappings", "/api/v1/nat/mappings", NULL, NULL, out_mappings },
	{ "dos", "/api/v1/dos", NULL, NULL, out_dos },
};

bool
ctl_inbound_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(cmd, sections[i].cmd) == 0)
			return true;
	return false;
}

int
ctl_inbound(const struct ctl *c, int argc, char **argv)
{
	const struct section *s = NULL;
	json_t *sec, *cnt = NULL;
	int rc;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (argc > 0 && strcmp(argv[0], sections[i].cmd) == 0)
			s = &sections[i];
	if (s == NULL)
		return CTL_EXIT_USAGE;
	if (argc == 3 && strcmp(argv[1], "set") == 0)
		return put_file(c, s->path, argv[2]);
	if (argc != 1) {
		fprintf(stderr, "dpwanctl: %s [set FILE]\n", s->cmd);
		return CTL_EXIT_USAGE;
	}
	if (c->json) {
		/* the section and its counters as the server gives them, one object */
		json_t *o = json_object();

		if ((sec = get_json(c, s->path, &rc)) == NULL)
			goto fail;
		json_object_set_new(o, "section", sec);
		if (s->counters != NULL) {
			if ((cnt = get_json(c, s->counters, &rc)) == NULL)
				goto fail;
			json_object_set_new(o, "counters", cnt);
		}
		json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
		return CTL_EXIT_OK;
fail:
		json_decref(o);
		return rc;
	}
	if ((sec = get_json(c, s->path, &rc)) == NULL)
		return rc;
	if (s->counters != NULL && (cnt = get_json(c, s->counters, &rc)) == NULL) {
		json_decref(sec);
		return rc;
	}
	if (s->out != NULL)
		s->out(sec, cnt);
	else
		s->out1(sec);
	json_decref(sec);
	json_decref(cnt);
	return CTL_EXIT_OK;
}
