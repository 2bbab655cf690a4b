/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl's human output: the server's JSON (api/openapi.yaml) rendered as text -
 * status like `mwan3 status` (interfaces, policies with their shares, connected networks,
 * rules with their counters), policies, rules, WANs, apply results, history as a table, diffs as
 * "replace /path: old -> new" lines, events one per line in local time, tokens.
 * Tolerates members that are missing (an older server): it prints "?" or skips them.
 * Single-threaded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static unsigned long long
u64(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (unsigned long long)json_integer_value(v) : 0;
}

static const char *
str(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : dflt;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mwan3's "00h:12m:03s" */
static void
fmt_duration(unsigned long long s, char *buf, size_t len)
{
	snprintf(buf, len, "%02lluh:%02llum:%02llus", s / 3600, (s / 60) % 60, s % 60);
}

long long
ctl_time_ms(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0, oh, om;
	long long ms = 0, scale = 100;
	struct tm tm;
	time_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%*[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
				&sec, &n) != 6 || n == 0)
		return -1;
	s += n;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			ms += (*s - '0') * scale;
			scale /= 10;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d", &oh, &om) == 2) {
		long off = (oh * 60L + om) * 60L;

		t -= *s == '+' ? off : -off;
		s += 6;
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	return (long long)t * 1000 + ms;
}

void
ctl_local_time(long long ms, bool with_ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms < 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	if (with_ms && n > 0)
		snprintf(buf + n, len - n, ".%03lld", ms % 1000);
}

/* An RFC 3339 member as local time, or the text itself when it does not parse. */
static void
member_time(const json_t *obj, const char *key, bool with_ms, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(obj, key));
	long long ms = ctl_time_ms(s);

	if (s == NULL)
		snprintf(buf, len, "-");
	else if (ms < 0)
		snprintf(buf, len, "%s", s);
	else
		ctl_local_time(ms, with_ms, buf, len);
}

void
ctl_out_problems(FILE *f, const json_t *errors, const char *prefix)
{
	const json_t *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		const char *path = str(e, "path", "");

		fprintf(f, "%s%s: %s\n", prefix, path[0] != '\0' ? path : "(document)",
			str(e, "message", "?"));
	}
}

/* Milliseconds since the WAN became usable: usable_since (v1) or online_since_ms (0.1). */
static long long
wan_since_ms(const json_t *w)
{
	json_t *old = json_object_get(w, "online_since_ms");
	long long t = ctl_time_ms(json_string_value(json_object_get(w, "usable_since")));

	if (t < 0 && json_is_integer(old))
		t = json_integer_value(old);
	return t;
}

/* " rtt 1.2 ms, jitter 0.3 ms, loss 0.0 %" from an object with rtt_ms, jitter_ms, loss_pct */
static void
print_quality(const json_t *o)
{
	json_t *r = json_object_get(o, "rtt_ms"), *j = json_object_get(o, "jitter_ms");
	json_t *l = json_object_get(o, "loss_pct");

	if (json_is_number(r))
		printf(", rtt %.1f ms", json_number_value(r));
	if (json_is_number(j))
		printf(", jitter %.1f ms", json_number_value(j));
	if (json_is_number(l))
		printf(", loss %.1f %%", json_number_value(l));
}

void
ctl_out_wan_line(const json_t *w)
{
	const char *state = str(w, "state", "?");
	long long since = wan_since_ms(w), n = now_ms();
	const json_t *h = json_object_get(w, "health"), *t;
	bool tracked = json_is_object(h) && strcmp(str(h, "method", "none"), "none") != 0 &&
		       strcmp(str(h, "state", "unknown"), "unknown") != 0;
	char dur[32];
	size_t i;

	if (strcmp(state, "unconfigured") == 0) {
		printf(" interface %s is unconfigured (not in the document)\n", str(w, "name", "?"));
		return;
	}
	/* mwan3: "interface wan1 is online 00h:00m:12s, uptime ..." - time in the state */
	printf(" interface %s is %s", str(w, "name", "?"),
	       strcmp(state, "forced_down") == 0 ? "forced down" : state);
	if (tracked) {
		fmt_duration(u64(h, "seconds_in_state"), dur, sizeof(dur));
		printf(" %s", dur);
	} else if (strcmp(state, "online") == 0 && since > 0) {
		fmt_duration(n > since ? (unsigned long long)(n - since) / 1000 : 0, dur,
			     sizeof(dur));
		printf(" %s", dur);
	}
	printf(", address %s, gateway %s", str(w, "address", "none"), str(w, "gateway", "none"));
	if (json_is_false(json_object_get(w, "gateway_resolved")) ||
	    (json_object_get(w, "gateway_resolved") == NULL &&
	     json_is_null(json_object_get(w, "gateway_mac"))))
		printf(" (unresolved)");
	if (json_is_string(json_object_get(w, "link")) && strcmp(str(w, "link", ""), "up") != 0)
		printf(", link %s", str(w, "link", "?"));
	printf(", weight %llu", u64(w, "weight"));
	if (json_integer_value(json_object_get(w, "priority")) > 1)
		printf(", priority %llu", u64(w, "priority"));
	if (!tracked) {
		printf("%s\n", json_is_object(h) ? ", tracking is off" : "");
		return;
	}
	printf(", tracking (%s) is %s%s", str(h, "method", "?"),
	       json_is_true(json_object_get(h, "monitor_only")) ? "monitor only" : "active",
	       json_is_true(json_object_get(h, "suspect")) ? ", suspected" : "");
	print_quality(h);
	printf("\n");
	if (str(h, "reason", "")[0] != '\0')
		printf("   %s\n", str(h, "reason", ""));
	json_array_foreach(json_object_get(h, "targets"), i, t) {
		printf("   %s %s", str(t, "target", "?"), str(t, "state", "?"));
		print_quality(t);
		if (str(t, "detail", "")[0] != '\0')
			printf(" (%s)", str(t, "detail", ""));
		printf("\n");
	}
}

void
ctl_out_wans(const json_t *wans)
{
	const json_t *w;
	size_t i;

	printf("Interface status:\n");
	json_array_foreach(wans, i, w)
		ctl_out_wan_line(w);
	if (json_array_size(wans) == 0)
		printf(" (no WAN)\n");
}

/* A WAN's counter, from counters{} (v1) or the member itself (0.1). */
static unsigned long long
wan_counter(const json_t *w, const char *key)
{
	json_t *ctr = json_object_get(w, "counters");

	return json_is_object(ctr) ? u64(ctr, key) : u64(w, key);
}

void
ctl_out_wan_detail(const json_t *w)
{
	char since[40];
	long long t = wan_since_ms(w);

	ctl_out_wan_line(w);
	if (t > 0)
		ctl_local_time(t, false, since, sizeof(since));
	else
		snprintf(since, sizeof(since), "-");
	printf("  port %s, %s, %s%s\n", str(w, "port", str(w, "name", "?")),
	       json_is_false(json_object_get(w, "configured")) ? "unconfigured" : "configured",
	       json_is_false(json_object_get(w, "enabled")) ? "disabled" : "enabled",
	       json_is_true(json_object_get(w, "forced_down")) ? ", forced down" : "");
	printf("  usable %s since %s, link %s, gateway MAC %s\n",
	       json_is_true(json_object_get(w, "usable")) ? "yes" : "no", since,
	       str(w, "link", "?"), str(w, "gateway_mac", "unresolved"));
	printf("  mtu %llu, mss %llu\n", u64(w, "mtu"), u64(w, "mss"));
	printf("  tx %llu packets %llu bytes, rx %llu packets %llu bytes, %llu sessions created\n",
	       wan_counter(w, "tx_packets"), wan_counter(w, "tx_bytes"),
	       wan_counter(w, "rx_packets"), wan_counter(w, "rx_bytes"),
	       wan_counter(w, "sessions_created"));
}

static void
out_config_state(const json_t *cfg)
{
	json_t *pc = json_object_get(cfg, "pending_confirm");
	char when[40], deadline[40];
	const char *hash = str(cfg, "hash", "");

	if (!json_is_object(cfg))
		return;
	member_time(cfg, "applied_at", false, when, sizeof(when));
	printf("\nConfig: generation %llu, applied %s, hash %.12s\n", u64(cfg, "generation"), when,
	       hash[0] != '\0' ? hash : "?");
	if (json_is_object(pc)) {
		member_time(pc, "deadline", false, deadline, sizeof(deadline));
		printf("Pending confirmation: generation %llu rolls back to %llu in %llu s (at %s) "
		       "unless confirmed: dpwanctl config confirm\n", u64(pc, "generation"),
		       u64(pc, "rollback_to"), u64(pc, "seconds_left"), deadline);
	}
}

void
ctl_out_status(const json_t *st, const json_t *policies, const json_t *rules)
{
	json_t *dp = json_object_get(st, "dataplane");
	json_t *wans = json_object_get(st, "wans");
	json_t *ctr = json_object_get(st, "counters");
	json_t *drops = json_object_get(st, "drops");
	json_t *ports = json_object_get(st, "ports");
	unsigned long long total = 0, n;
	const char *key;
	char dur[32];
	json_t *v;
	size_t i;
	int any = 0;

	ctl_out_wans(wans);
	/* mwan3 status's order: interfaces, policies, connected networks, rules */
	if (policies != NULL) {
		putchar('\n');
		ctl_out_policy_shares(stdout, policies);
	}
	if (rules != NULL) {
		putchar('\n');
		ctl_out_connected(stdout, rules);
		putchar('\n');
		ctl_out_rule_lines(stdout, rules);
	}
	out_config_state(json_object_get(st, "config"));

	fmt_duration(u64(dp, "uptime_s"), dur, sizeof(dur));
	printf("\nDataplane: pid %llu, %s, %llu worker(s), up %s, wan view gen %llu, "
	       "sessions %llu active / %llu created\n", u64(dp, "pid"),
	       json_is_true(json_object_get(dp, "alive")) ? "alive" : "NOT RESPONDING",
	       u64(dp, "workers"), dur, u64(dp, "wan_view_gen"), u64(ctr, "sessions_active"),
	       u64(ctr, "sessions_created"));

	printf("\nTraffic split (sessions created per WAN):\n");
	json_array_foreach(wans, i, v)
		total += wan_counter(v, "sessions_created");
	json_array_foreach(wans, i, v) {
		n = wan_counter(v, "sessions_created");
		printf(" %-12s %5.1f%% (%llu)\n", str(v, "name", "?"),
		       total > 0 ? 100.0 * (double)n / (double)total : 0.0, n);
	}

	printf("\nPorts:\n");
	json_array_foreach(ports, i, v)
		printf(" %-8s %-3s %-4s rx %llu pkts %llu B, tx %llu pkts %llu B, "
		       "missed %llu, errors rx %llu tx %llu\n", str(v, "name", "?"),
		       str(v, "role", "?"),
		       json_is_true(json_object_get(v, "link_up")) ? "up" : "down",
		       u64(v, "rx_packets"), u64(v, "rx_bytes"), u64(v, "tx_packets"),
		       u64(v, "tx_bytes"), u64(v, "rx_missed"), u64(v, "rx_errors"),
		       u64(v, "tx_errors"));

	printf("\nDrops:\n");
	json_object_foreach(drops, key, v) {
		if (u64(drops, key) == 0)
			continue;
		printf(" %-28s %llu\n", key, u64(drops, key));
		any = 1;
	}
	if (!any)
		printf(" none\n");
}

void
ctl_out_apply(const json_t *res, const char *what)
{
	json_t *warnings = json_object_get(res, "warnings");
	json_t *cf = json_object_get(res, "confirm");
	json_t *ms = json_object_get(res, "apply_ms");
	char deadline[40];

	if (u64(res, "changes") == 0 && u64(res, "generation") == u64(res, "previous"))
		printf("unchanged: the document equals the running generation %llu\n",
		       u64(res, "generation"));
	else
		printf("%s generation %llu (was %llu, %llu change%s, %.1f ms)\n",
		       json_is_false(json_object_get(res, "applied")) ? "NOT applied:" : what,
		       u64(res, "generation"), u64(res, "previous"), u64(res, "changes"),
		       u64(res, "changes") == 1 ? "" : "s", json_is_number(ms) ?
		       json_number_value(ms) : 0.0);
	if (json_is_array(warnings))
		ctl_out_problems(stdout, warnings, "warning: ");
	if (json_is_object(cf)) {
		member_time(cf, "deadline", false, deadline, sizeof(deadline));
		printf("confirmed apply: rolls back to generation %llu at %s (in %llu s) unless "
		       "confirmed: dpwanctl config confirm\n", u64(cf, "rollback_to"), deadline,
		       u64(cf, "seconds"));
	}
}

void
ctl_out_history(const json_t *h)
{
	json_t *gens = json_object_get(h, "generations");
	const json_t *g;
	char when[40];
	size_t i;

	printf("  %-6s %-19s  %-12s %8s  %-12s  %s\n", "GEN", "TIME", "WHO", "BYTES", "HASH",
	       "COMMENT");
	json_array_foreach(gens, i, g) {
		member_time(g, "time", false, when, sizeof(when));
		printf("%c %-6llu %-19s  %-12s %8llu  %-12.12s  %s\n",
		       json_is_true(json_object_get(g, "running")) ? '*' : ' ',
		       u64(g, "generation"), when, str(g, "who", "-"), u64(g, "bytes"),
		       str(g, "hash", "?"), str(g, "comment", ""));
	}
	if (json_array_size(gens) == 0)
		printf("  (no generation stored)\n");
}

/* A JSON value on one line, for diffs. */
static void
print_value(const json_t *v)
{
	char *s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
					 JSON_PRESERVE_ORDER) : NULL;

	fputs(s != NULL ? s : "?", stdout);
	free(s);
}

void
ctl_out_diff(const json_t *d)
{
	json_t *changes = json_object_get(d, "changes");
	const json_t *ch;
	size_t i;

	printf("generation %llu -> %llu: %zu change%s\n", u64(d, "from"), u64(d, "to"),
	       json_array_size(changes), json_array_size(changes) == 1 ? "" : "s");
	json_array_foreach(changes, i, ch) {
		const char *op = str(ch, "op", "?");

		printf("%s %s: ", op, str(ch, "path", "?"));
		if (strcmp(op, "add") == 0) {
			print_value(json_object_get(ch, "new"));
		} else if (strcmp(op, "remove") == 0) {
			print_value(json_object_get(ch, "old"));
		} else {
			print_value(json_object_get(ch, "old"));
			fputs(" -> ", stdout);
			print_value(json_object_get(ch, "new"));
		}
		putchar('\n');
	}
}

void
ctl_out_event(const json_t *ev)
{
	char when[40];
	const char *wan = str(ev, "wan", NULL), *who = str(ev, "who", NULL);

	member_time(ev, "time", true, when, sizeof(when));
	printf("%s  #%-6llu %-18s %s", when, u64(ev, "seq"), str(ev, "type", "?"),
	       str(ev, "message", ""));
	if (wan != NULL || who != NULL)
		printf(" [%s%s%s%s]", wan != NULL ? "wan " : "", wan != NULL ? wan : "",
		       wan != NULL && who != NULL ? ", " : "", who != NULL ? who : "");
	putchar('\n');
	/* a pipe (| grep) sees each event as it comes */
	fflush(stdout);
}

void
ctl_out_tokens(const json_t *t)
{
	json_t *tokens = json_object_get(t, "tokens");
	char created[40], used[40];
	const json_t *k;
	size_t i;

	printf("%-12s %-9s %-19s  %-12s %-19s  %s\n", "ID", "ROLE", "CREATED", "CREATED BY",
	       "LAST USED", "COMMENT");
	json_array_foreach(tokens, i, k) {
		member_time(k, "created", false, created, sizeof(created));
		member_time(k, "last_used", false, used, sizeof(used));
		printf("%-12s %-9s %-19s  %-12s %-19s  %s\n", str(k, "id", "?"),
		       str(k, "role", "?"), created, str(k, "created_by", "-"), used,
		       str(k, "comment", ""));
	}
	if (json_array_size(tokens) == 0)
		printf("(no token)\n");
}

void
ctl_out_token_created(const json_t *t)
{
	printf("token %s (%s) created; it is shown only this once:\n%s\n", str(t, "id", "?"),
	       str(t, "role", "?"), str(t, "token", "?"));
	fprintf(stderr, "dpwanctl: keep it in a file of mode 0600 and use --token-file FILE "
		"(or $DPWAN_TOKEN)\n");
}

/* ---- the outbound policy: policies with their shares, rules with their counters ---- */

/* Append printf output to buf (len bytes), cut at its end; returns the new length. */
static size_t __attribute__((format(printf, 4, 5)))
cat(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= len)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	return off + (size_t)n >= len ? len - 1 : off + (size_t)n;
}

/* A network as people write it: a host without "/32". */
static const char *
net_text(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n > 3 && strcmp(s + n - 3, "/32") == 0)
		n -= 3;
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

/* ",".join of an array member (networks shortened), or 0 when it is absent or empty. */
static size_t
list_text(const json_t *arr, bool nets, char *buf, size_t len, size_t off)
{
	const json_t *v;
	char one[64];
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (s != NULL)
			off = cat(buf, len, off, "%s%s", i > 0 ? "," : "",
				  nets ? net_text(s, one, sizeof(one)) : s);
		else if (json_is_integer(v))
			off = cat(buf, len, off, "%s%lld", i > 0 ? "," : "",
				  (long long)json_integer_value(v));
	}
	return off;
}

void
ctl_match_str(const json_t *m, char *buf, size_t len)
{
	static const struct {
		const char *key, *word;
		bool nets;
	} parts[] = {
		{ "src", "from", true },
		{ "src_mac", "mac", false },
		{ "src_port", "sport", false },
		{ "dst", "to", true },
		{ "dst_domain", "to", false },
		{ "dst_port", "port", false },
	};
	const char *proto = str(m, "proto", "all"), *fam = str(m, "family", "all"), *key;
	json_t *pv = json_object_get(m, "proto"), *v;
	size_t off = 0, i, k;

	buf[0] = '\0';
	if (json_is_integer(pv))
		off = cat(buf, len, off, "proto %lld", (long long)json_integer_value(pv));
	else
		off = cat(buf, len, off, "%s", proto);
	if (strcmp(fam, "all") != 0 && strcmp(fam, "ipv4") != 0)
		off = cat(buf, len, off, " %s", fam);
	for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		v = json_object_get(m, parts[k].key);
		if (json_is_string(v) && json_string_value(v)[0] != '\0') {
			off = cat(buf, len, off, " %s %s", parts[k].word, json_string_value(v));
		} else if (json_array_size(v) > 0) {
			off = cat(buf, len, off, " %s ", parts[k].word);
			off = list_text(v, parts[k].nets, buf, len, off);
		}
	}
	/* members of a newer server: shown as they are, so nothing is hidden */
	json_object_foreach((json_t *)m, key, v) {
		bool known = strcmp(key, "proto") == 0 || strcmp(key, "family") == 0;

		for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && !known; i++)
			known = strcmp(key, parts[i].key) == 0;
		if (known || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
			continue;
		if (json_is_string(v))
			off = cat(buf, len, off, " %s=%s", key, json_string_value(v));
		else if (json_is_array(v))
			off = list_text(v, false, buf, len, cat(buf, len, off, " %s=", key));
		else if (json_is_integer(v))
			off = cat(buf, len, off, " %s=%lld", key, (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			off = cat(buf, len, off, " %s=%s", key, json_is_true(v) ? "true" : "false");
	}
}

void
ctl_action_str(const json_t *rule, char *buf, size_t len)
{
	const char *policy = str(rule, "policy", NULL), *algo = str(rule, "algorithm", NULL);
	const json_t *c;
	size_t off, i;

	if (policy != NULL) {
		snprintf(buf, len, "-> %s", policy);
		return;
	}
	if (algo == NULL) {
		snprintf(buf, len, "-> direct (never policy-routed)");
		return;
	}
	off = cat(buf, len, 0, "-> %s(", algo);
	json_array_foreach(json_object_get(rule, "candidates"), i, c)
		off = cat(buf, len, off, "%s%s", i > 0 ? "," : "", str(c, "wan", "?"));
	cat(buf, len, off, ")");
}

/* Does this policy entry give any WAN a share now? */
static bool
has_share(const json_t *p)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(p, "shares"), i, s)
		if (u64(s, "percent") > 0)
			return true;
	return false;
}

void
ctl_out_policy_shares(FILE *f, const json_t *resp)
{
	const json_t *p, *s;
	size_t i, k;

	/* mwan3: "name:" then " wan (60%)" for each WAN that gets new connections */
	fprintf(f, "Current ipv4 policies:\n");
	json_array_foreach(json_object_get(resp, "policies"), i, p) {
		fprintf(f, "%s:\n", str(p, "name", "?"));
		json_array_foreach(json_object_get(p, "shares"), k, s)
			if (u64(s, "percent") > 0)
				fprintf(f, " %s (%llu%%)\n", str(s, "wan", "?"), u64(s, "percent"));
		if (!has_share(p))
			fprintf(f, " no usable WAN (%s)\n", str(p, "last_resort", "?"));
	}
}

void
ctl_out_connected(FILE *f, const json_t *resp)
{
	const json_t *r, *n;
	size_t i, k;

	fprintf(f, "Directly connected ipv4 networks:\n");
	json_array_foreach(json_object_get(resp, "rules"), i, r) {
		if (strcmp(str(r, "kind", ""), "connected") != 0)
			continue;
		json_array_foreach(json_object_get(json_object_get(r, "match"), "dst"), k, n)
			fprintf(f, "%s\n", json_string_value(n) != NULL ? json_string_value(n) : "?");
	}
}

/* Counters "of generation N", or why they are 0 for now. */
static void
counters_note(FILE *f, const json_t *resp)
{
	if (!json_is_false(json_object_get(resp, "counters_valid")))
		return;
	if (u64(resp, "counters_gen") == 0)
		fprintf(f, " (counters are 0 until the dataplane classifies with generation %llu:"
			" it has no rules running yet)\n", u64(resp, "generation"));
	else
		fprintf(f, " (counters are 0 until the dataplane classifies with generation %llu:"
			" it still runs generation %llu's rules)\n", u64(resp, "generation"),
			u64(resp, "counters_gen"));
}

/* One rule: hits, unavailable, S(ticky) or -, name, what it matches, what it does. */
static void
rule_line(FILE *f, const json_t *r)
{
	char match[512], act[160];

	ctl_match_str(json_object_get(r, "match"), match, sizeof(match));
	ctl_action_str(r, act, sizeof(act));
	fprintf(f, "%10llu %6llu %c %-15s %s %s\n", u64(r, "hits"), u64(r, "unavailable"),
		json_is_true(json_object_get(r, "sticky")) ? 'S' : '-', str(r, "name", "?"),
		match, act);
}

void
ctl_out_rule_lines(FILE *f, const json_t *resp)
{
	const json_t *r;
	size_t i;

	/* mwan3's iptables lines (packets, bytes, rule, match, policy), in words: new
	 * sessions placed, sessions its WANs could not take, sticky, the rule, ... */
	fprintf(f, "Active ipv4 user rules:\n");
	fprintf(f, "%10s %6s   %-15s %s\n", "sessions", "unavl", "rule", "match -> action");
	json_array_foreach(json_object_get(resp, "rules"), i, r) {
		const char *fam = str(json_object_get(r, "match"), "family", "all");

		if (json_is_false(json_object_get(r, "enabled")) || strcmp(fam, "ipv6") == 0)
			continue;
		rule_line(f, r);
	}
	counters_note(f, resp);
}

void
ctl_out_policies(FILE *f, const json_t *resp)
{
	const json_t *p, *c, *s, *m;
	size_t i, k, j;

	json_array_foreach(json_object_get(resp, "policies"), i, p) {
		const char *pers = str(p, "persistence", NULL);

		fprintf(f, "%s%s: %s%s%s, last resort %s, %llu sessions", i > 0 ? "\n" : "",
			str(p, "name", "?"), str(p, "algorithm", "?"), pers != NULL ? " by " : "",
			pers != NULL ? pers : "", str(p, "last_resort", "?"),
			u64(p, "sessions_total"));
		if (json_is_true(json_object_get(p, "default_rule")))
			fprintf(f, " (the default rule, preset %s%s%s)", str(p, "preset", "?"),
				str(p, "policy", NULL) != NULL ? ", policy " : "",
				str(p, "policy", ""));
		fputc('\n', f);
		if (json_array_size(json_object_get(p, "members")) > 0) {
			fprintf(f, " members");
			json_array_foreach(json_object_get(p, "members"), k, m)
				fprintf(f, "%s%s", k > 0 ? ", " : " ",
					json_string_value(m) != NULL ? json_string_value(m) : "?");
			fputc('\n', f);
		}
		json_array_foreach(json_object_get(p, "candidates"), k, c) {
			unsigned long long pct = 0, n = 0;

			json_array_foreach(json_object_get(p, "shares"), j, s)
				if (strcmp(str(s, "wan", ""), str(c, "wan", "?")) == 0)
					pct = u64(s, "percent");
			json_array_foreach(json_object_get(p, "sessions"), j, s)
				if (strcmp(str(s, "wan", ""), str(c, "wan", "?")) == 0)
					n = u64(s, "sessions");
			fprintf(f, " %-15s %3llu%%  metric %llu, weight %llu, %llu sessions\n",
				str(c, "wan", "?"), pct, u64(c, "metric"), u64(c, "weight"), n);
		}
		if (!has_share(p))
			fprintf(f, " no usable WAN: %s\n", str(p, "last_resort", "?"));
	}
	counters_note(f, resp);
}

void
ctl_out_rules(FILE *f, const json_t *resp)
{
	const json_t *r, *cl;
	size_t i;

	fprintf(f, "%5s %-15s %-8s %10s %6s  %s\n", "#", "RULE", "STATE", "SESSIONS", "UNAVL",
		"MATCH -> ACTION [WHEN UNAVAILABLE]");
	json_array_foreach(json_object_get(resp, "rules"), i, r) {
		char match[512], act[160], idx[16];
		const json_t *ix = json_object_get(r, "index");

		ctl_match_str(json_object_get(r, "match"), match, sizeof(match));
		ctl_action_str(r, act, sizeof(act));
		if (json_is_integer(ix))
			snprintf(idx, sizeof(idx), "%lld", (long long)json_integer_value(ix));
		else
			snprintf(idx, sizeof(idx), "-");
		fprintf(f, "%5s %-15s %-8s %10llu %6llu  %s %s%s", idx, str(r, "name", "?"),
			json_is_false(json_object_get(r, "enabled")) ? "disabled" : "enabled",
			u64(r, "hits"), u64(r, "unavailable"), match, act,
			json_is_true(json_object_get(r, "sticky")) ? " sticky" : "");
		if (str(r, "when_unavailable", NULL) != NULL)
			fprintf(f, " [%s]", str(r, "when_unavailable", ""));
		fputc('\n', f);
	}
	cl = json_object_get(resp, "classifier");
	if (json_is_object(cl))
		fprintf(f, "classifier: generation %llu, %llu rules, %llu entries, built in "
			"%.1f ms\n", u64(cl, "generation"), u64(cl, "rules"), u64(cl, "entries"),
			json_number_value(json_object_get(cl, "build_ms")));
	counters_note(f, resp);
}
