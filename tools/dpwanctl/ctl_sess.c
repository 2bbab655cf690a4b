/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl's explainability commands: `explain PROTO SRC[:PORT] DST[:PORT]` (GET
 * /api/v1/explain: which rule, policy and algorithm would place such a flow now, from
 * which candidates, and each WAN's state), `sessions [filters]` (GET /api/v1/sessions,
 * one page or --all of them, as a table) and `sessions flush [filters]` (DELETE).
 * Single-threaded user program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define ALL_PAGE 1000

static const char *
str(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : dflt;
}

/* "a, b" of an array of names; "none" when empty. */
static void
names(const json_t *arr, char *buf, size_t len)
{
	const json_t *v;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						json_string_value(v));
	if (off == 0)
		snprintf(buf, len, "none");
}

/* A rule as the API names it: "default", "connected", "#2 https", "-". */
static void
rule_str(const json_t *rule, char *buf, size_t len)
{
	const json_t *name;

	if (json_is_string(rule)) {
		snprintf(buf, len, "%s", json_string_value(rule));
	} else if (json_is_object(rule)) {
		name = json_object_get(rule, "name");
		snprintf(buf, len, "#%lld %s",
			 (long long)json_integer_value(json_object_get(rule, "index")),
			 json_is_string(name) ? json_string_value(name) : "(not in the running "
			 "document)");
	} else {
		snprintf(buf, len, "-");
	}
}

/* "198.18.0.10:5000", or the address alone when the flow has no ports. */
static void
endpoint(const json_t *o, const char *addr, const char *port, char *buf, size_t len)
{
	const json_t *p = json_object_get(o, port);

	if (json_is_integer(p))
		snprintf(buf, len, "%s:%lld", str(o, addr, "?"), (long long)json_integer_value(p));
	else
		snprintf(buf, len, "%s", str(o, addr, "?"));
}

static void
out_explain(const json_t *e)
{
	const json_t *flow = json_object_get(e, "flow"), *w;
	char a[64], b[64], rule[96], cand[160], copies[160];
	const char *wan = str(e, "wan", NULL), *fb = str(e, "fallback", NULL);
	const char *policy = str(e, "policy", NULL);
	size_t i;

	endpoint(flow, "src", "sport", a, sizeof(a));
	endpoint(flow, "dst", "dport", b, sizeof(b));
	printf("flow:       %s %s -> %s", str(flow, "proto", "?"), a, b);
	if (json_is_string(json_object_get(flow, "src_mac")))
		printf(" (from %s)", str(flow, "src_mac", ""));
	printf("\n");
	rule_str(json_object_get(e, "rule"), rule, sizeof(rule));
	printf("rule:       %s%s\n", rule,
	       strcmp(rule, "default") == 0 ? " (no rule matched)" :
	       strcmp(rule, "connected") == 0 ? " (a WAN's own subnet: never policy-routed)" : "");
	if (policy != NULL)
		printf("policy:     %s, algorithm %s\n", policy, str(e, "algorithm", "?"));
	names(json_object_get(e, "candidates"), cand, sizeof(cand));
	if (wan != NULL)
		printf("decision:   %s (%s) from %s\n", wan, str(e, "how", "?"), cand);
	else
		printf("decision:   %s: none of %s can take it\n", str(e, "action", "drop"), cand);
	if (fb != NULL)
		printf("fallback:   %s\n", fb);
	names(json_object_get(e, "copies"), copies, sizeof(copies));
	if (strcmp(copies, "none") != 0)
		printf("copies:     first packet also on %s (fastest response)\n", copies);
	/* issue 9: a rule that matched but whose domain sets lack the destination */
	if (json_is_object(json_object_get(e, "domain_miss"))) {
		char miss[96];

		rule_str(json_object_get(e, "domain_miss"), miss, sizeof(miss));
		printf("domain:     rule %s passed: its domain sets (dst_domain) do not hold %s\n",
		       miss, str(flow, "dst", "?"));
	}
	printf("generation: %lld, rules skipped on the way: %lld\n",
	       (long long)json_integer_value(json_object_get(e, "generation")),
	       (long long)json_integer_value(json_object_get(e, "rules_skipped")));
	printf("WANs now:\n");
	json_array_foreach(json_object_get(e, "wans"), i, w) {
		const json_t *rtt = json_object_get(w, "rtt_ms");
		const json_t *loss = json_object_get(w, "loss_pct");

		printf("  %-15s %-11s %-10s health %-11s", str(w, "name", "?"),
		       str(w, "state", "?"),
		       json_is_true(json_object_get(w, "usable")) ? "usable" : "not usable",
		       str(w, "health", "?"));
		if (json_is_number(rtt))
			printf(" rtt %.1f ms", json_number_value(rtt));
		if (json_is_number(loss))
			printf(" loss %.1f %%", json_number_value(loss));
		printf("\n");
	}
}

/* Split "198.18.0.10:5000" into the address and the port ("" when none). */
static int
split_endpoint(const char *s, char *addr, size_t alen, const char **port)
{
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (n == 0 || n >= alen)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	*port = colon != NULL ? colon + 1 : "";
	return 0;
}

int
ctl_explain(const struct ctl *c, int argc, char **argv, const struct ctl_sess_opts *o)
{
	char src[64], dst[64], path[512], e[5][80];
	const char *sport, *dport;
	struct ctl_resp r;
	bool ports;
	json_t *j;
	int rc;

	if (argc != 3 || split_endpoint(argv[1], src, sizeof(src), &sport) < 0 ||
	    split_endpoint(argv[2], dst, sizeof(dst), &dport) < 0) {
		fprintf(stderr, "dpwanctl: explain PROTO SRC[:PORT] DST[:PORT] [--src-mac MAC] "
			"(explain tcp 198.18.0.10:5000 198.19.0.10:443)\n");
		return CTL_EXIT_USAGE;
	}
	ports = strcmp(argv[0], "tcp") == 0 || strcmp(argv[0], "udp") == 0;
	if (ports && dport[0] == '\0') {
		fprintf(stderr, "dpwanctl: explain %s: the destination needs a port (%s:443)\n",
			argv[0], dst);
		return CTL_EXIT_USAGE;
	}
	if (!ports && (sport[0] != '\0' || dport[0] != '\0')) {
		fprintf(stderr, "dpwanctl: explain %s: ports only with tcp or udp\n", argv[0]);
		return CTL_EXIT_USAGE;
	}
	if (ctl_escape(argv[0], e[0], sizeof(e[0])) < 0 ||
	    ctl_escape(src, e[1], sizeof(e[1])) < 0 || ctl_escape(dst, e[2], sizeof(e[2])) < 0 ||
	    ctl_escape(sport, e[3], sizeof(e[3])) < 0 ||
	    ctl_escape(dport, e[4], sizeof(e[4])) < 0) {
		fprintf(stderr, "dpwanctl: explain: an argument is too long\n");
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/explain?proto=%s&src=%s&dst=%s%s%s%s%s", e[0],
		 e[1], e[2], sport[0] ? "&sport=" : "", e[3], dport[0] ? "&dport=" : "", e[4]);
	if (o->src_mac != NULL) {
		char m[80];

		if (ctl_escape(o->src_mac, m, sizeof(m)) < 0) {
			fprintf(stderr, "dpwanctl: --src-mac: too long\n");
			return CTL_EXIT_USAGE;
		}
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "&src_mac=%s", m);
	}
	if ((rc = ctl_get(c, path, &r)) != 0)
		return rc;
	if (r.status != 200) {
		rc = ctl_fail(c, &r);
	} else if (c->json) {
		ctl_print_raw(&r);
	} else if ((j = ctl_json(&r)) == NULL) {
		rc = CTL_EXIT_REFUSED;
	} else {
		out_explain(j);
		json_decref(j);
	}
	ctl_resp_free(&r);
	return rc;
}

/* The filters as a query ("client=...&wan=..."), or -1 when one does not fit. */
static int
filter_query(const struct ctl_sess_opts *o, char *q, size_t len)
{
	const char *keys[] = { "client", "dst", "wan", "rule", "proto" };
	const char *vals[] = { o->client, o->dst, o->wan, o->rule, o->proto };
	char v[160];
	size_t i, off = 0;

	q[0] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (vals[i] == NULL)
			continue;
		if (ctl_escape(vals[i], v, sizeof(v)) < 0)
			return -1;
		off += (size_t)snprintf(q + off, len - off, "%s%s=%s", off ? "&" : "", keys[i], v);
		if (off >= len)
			return -1;
	}
	return 0;
}

static void
out_session_header(void)
{
	printf("%-5s %-21s %-21s %-21s %-8s %-12s %-16s %-16s %-14s %-12s %7s %7s %s\n",
	       "PROTO", "SOURCE", "DESTINATION", "NAT", "WAN", "STATE", "RULE", "POLICY",
	       "ALGORITHM", "HOW", "AGE", "IDLE", "BYTES OUT/IN");
}

static void
out_session(const json_t *s)
{
	char a[64], b[64], nat[64], rule[96], age[16], idle[16];

	endpoint(s, "src", "sport", a, sizeof(a));
	endpoint(s, "dst", "dport", b, sizeof(b));
	snprintf(nat, sizeof(nat), "%s:%lld", str(s, "nat_address", "?"),
		 (long long)json_integer_value(json_object_get(s, "nat_port")));
	rule_str(json_object_get(s, "rule"), rule, sizeof(rule));
	snprintf(age, sizeof(age), "%llds",
		 (long long)json_integer_value(json_object_get(s, "age_s")));
	snprintf(idle, sizeof(idle), "%llds",
		 (long long)json_integer_value(json_object_get(s, "idle_s")));
	printf("%-5s %-21s %-21s %-21s %-8s %-12s %-16s %-16s %-14s %-12s %7s %7s %lld/%lld\n",
	       str(s, "proto", "?"), a, b, nat, str(s, "wan", "-"), str(s, "state", "-"), rule,
	       str(s, "policy", "-"), str(s, "algorithm", "-"), str(s, "how", "-"), age, idle,
	       (long long)json_integer_value(json_object_get(s, "bytes_out")),
	       (long long)json_integer_value(json_object_get(s, "bytes_in")));
}

static int
sessions_flush(const struct ctl *c, const char *query)
{
	struct ctl_req rq = { .method = "DELETE" };
	struct ctl_resp r;
	char path[768];
	json_t *j;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/sessions%s%s", query[0] ? "?" : "", query);
	rq.path = path;
	if ((rc = ctl_http(c, &rq, &r)) != 0)
		return rc;
	if (r.status != 200) {
		rc = ctl_fail(c, &r);
	} else if (c->json) {
		ctl_print_raw(&r);
	} else if ((j = ctl_json(&r)) == NULL) {
		rc = CTL_EXIT_REFUSED;
	} else {
		printf("%lld session(s) deleted%s\n",
		       (long long)json_integer_value(json_object_get(j, "deleted")),
		       json_is_true(json_object_get(j, "complete")) ? "" :
		       " (stopped before the end: run it again for the rest)");
		json_decref(j);
	}
	ctl_resp_free(&r);
	return rc;
}

int
ctl_sessions(const struct ctl *c, int argc, char **argv, const struct ctl_sess_opts *o)
{
	char query[512], path[768], cur[64];
	const char *cursor = o->cursor;
	json_t *all = NULL, *j, *s;
	unsigned long long n = 0;
	struct ctl_resp r;
	size_t i;
	int rc = 0;

	if (filter_query(o, query, sizeof(query)) < 0) {
		fprintf(stderr, "dpwanctl: sessions: a filter is too long\n");
		return CTL_EXIT_USAGE;
	}
	if (argc == 1 && strcmp(argv[0], "flush") == 0) {
		if (o->limit > 0 || o->cursor != NULL || o->all) {
			fprintf(stderr, "dpwanctl: sessions flush takes filters only (no --limit, "
				"--cursor, --all)\n");
			return CTL_EXIT_USAGE;
		}
		return sessions_flush(c, query);
	}
	if (argc != 0) {
		fprintf(stderr, "dpwanctl: sessions [filters] [--limit N] [--cursor C] [--all] | "
			"sessions flush [filters]\n");
		return CTL_EXIT_USAGE;
	}
	if (o->all && o->cursor != NULL) {
		fprintf(stderr, "dpwanctl: sessions: --all starts at the beginning: no --cursor\n");
		return CTL_EXIT_USAGE;
	}
	if (c->json && o->all)
		all = json_array();
	else if (!c->json)
		out_session_header();
	for (;;) {
		snprintf(path, sizeof(path), "/api/v1/sessions?limit=%ld%s%s%s%s",
			 o->limit > 0 ? o->limit : o->all ? ALL_PAGE : 100, query[0] ? "&" : "",
			 query, cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
		if ((rc = ctl_get(c, path, &r)) != 0)
			break;
		if (r.status != 200) {
			rc = ctl_fail(c, &r);
			ctl_resp_free(&r);
			break;
		}
		if (c->json && !o->all) {
			ctl_print_raw(&r);
			ctl_resp_free(&r);
			break;
		}
		j = ctl_json(&r);
		ctl_resp_free(&r);
		if (j == NULL) {
			rc = CTL_EXIT_REFUSED;
			break;
		}
		json_array_foreach(json_object_get(j, "sessions"), i, s) {
			if (all != NULL)
				json_array_append(all, s);
			else
				out_session(s);
			n++;
		}
		cursor = NULL;
		if (json_is_string(json_object_get(j, "next"))) {
			snprintf(cur, sizeof(cur), "%s", str(j, "next", ""));
			cursor = cur;
		}
		json_decref(j);
		if (cursor == NULL || !o->all) {
			if (!c->json)
				printf("%llu session(s)%s%s%s\n", n, cursor != NULL ?
				       "; more: --cursor " : "", cursor != NULL ? cursor : "",
				       cursor != NULL ? " (or --all)" : "");
			break;
		}
	}
	if (all != NULL) {
		if (rc == 0) {
			json_t *out = json_pack("{s:O,s:n}", "sessions", all, "next");
			char *t = out != NULL ? json_dumps(out, JSON_INDENT(2)) : NULL;

			printf("%s\n", t != NULL ? t : "{}");
			free(t);
			json_decref(out);
		}
		json_decref(all);
	}
	return rc;
}
