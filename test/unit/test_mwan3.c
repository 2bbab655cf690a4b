/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the UCI reader (lib/cfg/dpw_uci.c) and of the mwan3 import
 * (lib/cfg/dpw_mwan3.c): quoting, escapes, comments, continuations, `;`, anonymous and
 * repeated sections, every syntax error with its line and column; then the import of the
 * mwan3 page's default configuration and of a messy file (counts, names, values, the
 * notes at their lines), --map, --base, renaming in the shared name space, the IPv6
 * rules, and every produced document checked by the document's own decoder.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_mwan3.h"
#include "lib/cfg/dpw_uci.h"

static struct dpw_uci u;
static struct dpw_uci_error uerr;

/* ---- helpers ------------------------------------------------------------------------- */

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
parse(const char *text)
{
	dpw_uci_free(&u);
	return dpw_uci_parse(text, strlen(text), &u, &uerr);
}

static const struct dpw_uci_section *
section(const char *name)
{
	unsigned int i;

	for (i = 0; i < u.n; i++)
		if (strcmp(u.s[i].name, name) == 0)
			return &u.s[i];
	fail_msg("no section '%s'", name);
	return NULL;
}

/* The value vi of option name of section sec. */
static const char *
value(const char *sec, const char *name, unsigned int vi)
{
	const struct dpw_uci_option *o = dpw_uci_get(section(sec), name);

	if (o == NULL || vi >= o->n)
		fail_msg("no value %u of %s.%s", vi, sec, name);
	return o->v[vi].s;
}

static void
expect_error(const char *text, unsigned int line, unsigned int column, const char *sub)
{
	int rc = parse(text);

	assert_int_equal(rc, -EINVAL);
	if (uerr.line != line || uerr.column != column || strstr(uerr.msg, sub) == NULL)
		fail_msg("expected %u:%u '%s', got %u:%u '%s'", line, column, sub, uerr.line,
			 uerr.column, uerr.msg);
	assert_int_equal(u.n, 0);
}

/* Notes of an import, kept whole. */
#define MAX_NOTES 256
static struct {
	unsigned int line;
	char text[512];
} notes[MAX_NOTES];
static unsigned int n_notes;

static void
keep_note(void *arg, unsigned int line, const char *section, const char *option,
	  const char *msg)
{
	(void)arg;
	assert_true(n_notes < MAX_NOTES);
	notes[n_notes].line = line;
	snprintf(notes[n_notes].text, sizeof(notes[0].text), "%s|%s|%s", section ? section : "",
		 option ? option : "", msg);
	n_notes++;
}

/* Is there a note at line (0: any) whose "section|option|message" contains sub? */
static bool
noted(unsigned int line, const char *sub)
{
	unsigned int i;

	for (i = 0; i < n_notes; i++)
		if ((line == 0 || notes[i].line == line) && strstr(notes[i].text, sub) != NULL)
			return true;
	fprintf(stderr, "no note at line %u with '%s'; notes:\n", line, sub);
	for (i = 0; i < n_notes; i++)
		fprintf(stderr, "  %u: %s\n", notes[i].line, notes[i].text);
	return false;
}

/* The line of the first line of text holding sub. */
static unsigned int
line_of(const char *text, const char *sub)
{
	const char *p = strstr(text, sub);
	unsigned int line = 1;

	assert_non_null(p);
	for (; text < p; text++)
		line += *text == '\n';
	return line;
}

static struct dpw_mwan3_counts counts;

/* Import text (with opts), check the result with the decoder; the tree (decref it). */
static json_t *
import_opts(const char *text, const struct dpw_mwan3_opts *in)
{
	struct dpw_mwan3_opts o = *in;
	struct dpw_doc_problems *pr = calloc(1, sizeof(*pr));
	struct dpw_doc *doc = calloc(1, sizeof(*doc));
	char err[256];
	json_t *t;
	unsigned int i;

	assert_non_null(pr);
	assert_non_null(doc);
	n_notes = 0;
	o.note = keep_note;
	assert_int_equal(parse(text), 0);
	t = dpw_mwan3_import(&u, &o, &counts, err, sizeof(err));
	if (t == NULL)
		fail_msg("import failed: %s", err);
	assert_int_equal(counts.notes, n_notes);
	if (dpw_doc_from_json(t, NULL, doc, pr) != 0) {
		char *s = json_dumps(t, JSON_INDENT(1));

		fprintf(stderr, "%s\n", s);
		free(s);
		for (i = 0; i < pr->n; i++)
			fprintf(stderr, "  %s: %s\n", pr->p[i].path, pr->p[i].message);
		fail_msg("the imported document does not validate");
	}
	/* what was counted is what the document has */
	assert_int_equal(doc->n_members, counts.members);
	assert_int_equal(doc->n_policies, counts.policies);
	assert_int_equal(doc->n_rules, counts.rules);
	dpw_doc_free(doc);
	free(doc);
	free(pr);
	return t;
}

static json_t *
import(const char *text)
{
	struct dpw_mwan3_opts o = { 0 };

	return import_opts(text, &o);
}

/* The element of array key of t named name. */
static json_t *
named(const json_t *t, const char *key, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(t, key), i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
			return e;
	fail_msg("no %s '%s'", key, name);
	return NULL;
}

/* The JSON text of v, compact (for comparing small values). */
static void
assert_json(const json_t *v, const char *expect)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(s);
	if (strcmp(s, expect) != 0)
		fail_msg("expected %s, got %s", expect, s);
	free(s);
}

static json_int_t
iget(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	if (!json_is_integer(json_object_get(o, path)))
		fail_msg("%s is no integer", path);
	return json_integer_value(json_object_get(o, path));
}

/* ---- the reader ---------------------------------------------------------------------- */

static void
test_uci_quoting(void **state)
{
	(void)state;
	assert_int_equal(parse("config interface 'wan'\n"
			       "\toption a 'one two'\n"
			       "  option b \"say \\\"hi\\\"\"\n"
			       "\t option c plain\n"
			       "option d 'x'\"y\"z\n"
			       "option e 'a#b' # a comment\n"
			       "option f '' \n"
			       "option g \"it's\"\n"
			       "option h back\\ slash\n"), 0);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.s[0].type, "interface");
	assert_false(u.s[0].anonymous);
	assert_string_equal(value("wan", "a", 0), "one two");
	assert_string_equal(value("wan", "b", 0), "say \"hi\"");
	assert_string_equal(value("wan", "c", 0), "plain");
	assert_string_equal(value("wan", "d", 0), "xyz");
	assert_string_equal(value("wan", "e", 0), "a#b");
	assert_null(dpw_uci_get(section("wan"), "f"));   /* an empty option is none */
	assert_string_equal(value("wan", "g", 0), "it's");
	assert_string_equal(value("wan", "h", 0), "back slash");
	/* single quotes take a backslash as it is */
	assert_int_equal(parse("config x 'y'\noption p 'a\\b'\n"), 0);
	assert_string_equal(value("y", "p", 0), "a\\b");
}

static void
test_uci_lines(void **state)
{
	const struct dpw_uci_option *o;

	(void)state;
	/* comments, blank lines, CRLF, `;`, a continuation, one-letter commands */
	assert_int_equal(parse("# header\n"
			       "\n"
			       "package mwan3\n"
			       "config rule 'r' ; option proto tcp\r\n"
			       "\tlist dest_port 80 # http\n"
			       "\tlist dest_port \\\n"
			       "\t\t443\n"
			       "c member m\n"
			       "o interface wan\n"
			       "l use 1\n"), 0);
	assert_string_equal(u.package, "mwan3");
	assert_int_equal(u.package_line, 3);
	assert_int_equal(u.n, 2);
	assert_int_equal(section("r")->line, 4);
	assert_string_equal(value("r", "proto", 0), "tcp");
	o = dpw_uci_get(section("r"), "dest_port");
	assert_non_null(o);
	assert_true(o->list);
	assert_int_equal(o->n, 2);
	assert_int_equal(o->v[0].line, 5);
	assert_int_equal(o->v[1].line, 6);      /* the line the command starts on */
	assert_string_equal(o->v[1].s, "443");
	assert_int_equal(section("m")->line, 8);
	assert_string_equal(value("m", "interface", 0), "wan");
	assert_string_equal(value("m", "use", 0), "1");
	/* an empty text and a text of comments: no section */
	assert_int_equal(parse(""), 0);
	assert_int_equal(u.n, 0);
	assert_int_equal(parse("# only\n   \n\t# comments\n"), 0);
	assert_int_equal(u.n, 0);
}

static void
test_uci_sections(void **state)
{
	const struct dpw_uci_option *o;

	(void)state;
	assert_int_equal(parse("config rule\n option a 1\n"
			       "config rule 'rule_3'\n option a 2\n"
			       "config rule\n option a 3\n"
			       "config member\n"
			       "config rule\n"
			       "config interface 'wan'\n option x 1\n list y a\n"
			       "config policy 'wan'\n option x 2\n list y b\n option z ''\n"), 0);
	/* anonymous: TYPE_N for the N-th of its type, named or not (@rule[N-1]) */
	assert_int_equal(u.n, 6);
	assert_true(u.s[0].anonymous);
	assert_string_equal(u.s[0].name, "rule_1");
	assert_int_equal(u.s[0].index, 0);
	assert_string_equal(u.s[1].name, "rule_3");   /* named */
	assert_int_equal(u.s[1].index, 1);
	/* the third rule would be rule_3, which is taken */
	assert_string_equal(u.s[2].name, "rule_3_2");
	assert_int_equal(u.s[2].index, 2);
	assert_string_equal(u.s[3].name, "member_1");
	assert_string_equal(u.s[4].name, "rule_4");
	/* a name again: the same section, the new type, options continued */
	assert_string_equal(u.s[5].name, "wan");
	assert_string_equal(u.s[5].type, "policy");
	assert_int_equal(u.s[5].line, 9);
	assert_int_equal(u.s[5].again_line, 12);
	assert_string_equal(value("wan", "x", 0), "2");   /* option: replaced */
	o = dpw_uci_get(section("wan"), "y");
	assert_int_equal(o->n, 2);                         /* list: appended */
	assert_string_equal(o->v[1].s, "b");
	/* list after option keeps the option's value first */
	assert_int_equal(parse("config a b\noption l one\nlist l two\n"), 0);
	o = dpw_uci_get(section("b"), "l");
	assert_true(o->list);
	assert_int_equal(o->n, 2);
	assert_string_equal(o->v[0].s, "one");
	assert_string_equal(o->v[1].s, "two");
}

static void
test_uci_errors(void **state)
{
	char nul[] = "config a b\noption x 1\nopt\0ion";

	(void)state;
	expect_error("config interface 'wan\n", 1, 18, "unterminated '");
	expect_error("config interface wan\n\toption a \"x\n", 2, 11, "unterminated \"");
	expect_error("option a b\n", 1, 1, "before the first config");
	expect_error("\n\nconfig a b\n  foo bar\n", 4, 3, "invalid command 'foo'");
	expect_error("config a 'b c'\n", 1, 10, "invalid character in section name");
	expect_error("config 'a b' c\n", 1, 8, "invalid character in section type");
	expect_error("config a b\noption 'x-y' 1\n", 2, 8, "invalid character in option name");
	expect_error("config a b c\n", 1, 12, "too many arguments");
	expect_error("config a b\noption x 1 2\n", 2, 12, "too many arguments");
	expect_error("config a b\nlist x\n", 2, 1, "list needs a value");
	expect_error("config\n", 1, 1, "needs a section type");
	expect_error("config a b\noption\n", 2, 1, "needs a name");
	expect_error("package\n", 1, 1, "package needs a name");
	expect_error("config a b\noption x 1\\", 2, 11, "backslash at the end of the file");
	assert_int_equal(dpw_uci_parse(nul, sizeof(nul) - 1, &u, &uerr), -EINVAL);
	assert_int_equal(uerr.line, 3);
	assert_int_equal(uerr.column, 4);
	assert_non_null(strstr(uerr.msg, "NUL"));
}

static void
test_uci_bool(void **state)
{
	static const char *const t[] = { "1", "yes", "on", "true", "enabled" };
	static const char *const f[] = { "0", "no", "off", "false", "disabled" };
	unsigned int i;
	bool b;

	(void)state;
	for (i = 0; i < 5; i++) {
		b = false;
		assert_int_equal(dpw_uci_bool(t[i], &b), 0);
		assert_true(b);
		assert_int_equal(dpw_uci_bool(f[i], &b), 0);
		assert_false(b);
	}
	assert_int_equal(dpw_uci_bool("2", &b), -EINVAL);
	assert_int_equal(dpw_uci_bool("", &b), -EINVAL);
	assert_int_equal(dpw_uci_bool("Yes", &b), -EINVAL);
}

/* ---- the import ---------------------------------------------------------------------- */

static void
test_import_default(void **state)
{
	static const char *const pol[5][2] = {
		{ "wan_only", "[\"wan_m1_w3\",\"wan6_m1_w3\"]" },
		{ "wanb_only", "[\"wanb_m1_w2\",\"wanb6_m1_w2\"]" },
		{ "balanced", "[\"wan_m1_w3\",\"wanb_m1_w2\",\"wan6_m1_w3\",\"wanb6_m1_w2\"]" },
		{ "wan_wanb", "[\"wan_m1_w3\",\"wanb_m2_w2\",\"wan6_m1_w3\",\"wanb6_m2_w2\"]" },
		{ "wanb_wan", "[\"wan_m2_w3\",\"wanb_m1_w2\",\"wan6_m2_w3\",\"wanb6_m1_w2\"]" },
	};
	size_t len;
	char *text = read_file(SRCDIR "/test/data/mwan3/default.conf", &len);
	json_t *t = import(text), *w, *m, *r;
	unsigned int i;

	(void)state;
	/* the numbers */
	assert_int_equal(counts.wans, 4);
	assert_int_equal(counts.members, 8);
	assert_int_equal(counts.policies, 5);
	assert_int_equal(counts.rules, 3);
	assert_int_equal(json_array_size(json_object_get(t, "wans")), 4);
	assert_int_equal(iget(t, "version"), 1);

	w = named(t, "wans", "wan");
	assert_json(json_object_get(w, "enabled"), "true");
	assert_json(json_object_get(w, "addressing"), "{\"mode\":\"dhcp\"}");
	assert_json(json_object_get(json_object_get(w, "health"), "targets"),
		    "[\"8.8.4.4\",\"8.8.8.8\",\"208.67.222.222\",\"208.67.220.220\"]");
	assert_int_equal(iget(w, "health.reliability"), 2);
	assert_json(json_object_get(json_object_get(w, "health"), "preset"), "\"mwan3\"");
	w = named(t, "wans", "wanb");
	assert_json(json_object_get(w, "enabled"), "false");
	assert_int_equal(iget(w, "health.reliability"), 1);
	/* IPv6 interfaces: WANs without their IPv6 targets, reliability within reach */
	w = named(t, "wans", "wan6");
	assert_json(json_object_get(w, "enabled"), "false");
	assert_json(json_object_get(json_object_get(w, "health"), "targets"), "[]");
	assert_int_equal(iget(w, "health.reliability"), 1);
	named(t, "wans", "wanb6");

	m = named(t, "members", "wanb6_m2_w2");
	assert_json(m, "{\"name\":\"wanb6_m2_w2\",\"wan\":\"wanb6\",\"metric\":2,\"weight\":2}");
	m = named(t, "members", "wan_m1_w3");
	assert_json(m, "{\"name\":\"wan_m1_w3\",\"wan\":\"wan\",\"metric\":1,\"weight\":3}");
	for (i = 0; i < 5; i++) {
		json_t *p = named(t, "policies", pol[i][0]);

		assert_json(json_object_get(p, "members"), pol[i][1]);
		assert_json(json_object_get(p, "last_resort"), "\"unreachable\"");
	}
	r = named(t, "rules", "https");
	assert_json(r, "{\"name\":\"https\",\"proto\":\"tcp\",\"dst_port\":[\"443\"],"
		    "\"policy\":\"balanced\",\"sticky\":true}");
	r = named(t, "rules", "default_rule_v4");
	assert_json(r, "{\"name\":\"default_rule_v4\",\"family\":\"ipv4\",\"dst\":[\"0.0.0.0/0\"],"
		    "\"policy\":\"balanced\"}");
	r = named(t, "rules", "default_rule_v6");
	assert_json(r, "{\"name\":\"default_rule_v6\",\"family\":\"ipv6\","
		    "\"policy\":\"balanced\"}");
	assert_json(json_object_get(t, "default_rule"), "{\"preset\":\"auto\"}");

	/* the notes, at the lines of the options */
	assert_true(noted(2, "globals|mmx_mask|'0x3F00': dpwan marks no packets"));
	assert_true(noted(line_of(text, "option family 'ipv6'"), "wan6|family|'ipv6': IPv6 is "
			  "not forwarded yet"));
	assert_true(noted(line_of(text, "'2001:4860:4860::8844'"), "wan6|track_ip|"
			  "'2001:4860:4860::8844': an IPv6 target"));
	assert_true(noted(line_of(text, "'2620:0:ccc::2'"), "wan6|track_ip|'2620:0:ccc::2'"));
	assert_true(noted(line_of(text, "\toption reliability '2'\n\toption family 'ipv6'"),
			  "wan6|reliability|2 is above the 1 target"));
	assert_true(noted(line_of(text, "'::/0'"), "default_rule_v6|dest_ip|'::/0' (every IPv6 "
			  "address) is left out"));
	/* nothing else: 4 + 4 IPv6 targets, 2 "no IPv4 target left", 2 families, 1
	 * reliability (wanb6's is 1), mmx_mask, ::/0 */
	assert_int_equal(n_notes, 15);
	json_decref(t);
	free(text);
}

static void
test_import_messy(void **state)
{
	size_t len;
	char *text = read_file(SRCDIR "/test/data/mwan3/messy.conf", &len);
	json_t *t = import(text), *w, *h, *r;

	(void)state;
	assert_int_equal(counts.wans, 3);
	assert_int_equal(counts.members, 3);
	assert_int_equal(counts.policies, 3);
	assert_int_equal(counts.rules, 4);

	w = named(t, "wans", "wan");
	h = json_object_get(w, "health");
	assert_json(json_object_get(h, "targets"), "[\"1.1.1.1\",\"9.9.9.9\"]");
	assert_int_equal(iget(h, "count"), 3);
	assert_int_equal(iget(h, "timeout_ms"), 2000);
	assert_int_equal(iget(h, "interval_ms"), 5000);
	assert_int_equal(iget(h, "failure_interval_ms"), 2000);
	assert_int_equal(iget(h, "recovery_interval_ms"), 5000);   /* mwan3: = interval */
	assert_int_equal(iget(h, "down"), 3);
	assert_int_equal(iget(h, "up"), 8);
	assert_int_equal(iget(h, "up_max"), 8);                    /* no hold-down */
	assert_int_equal(iget(h, "size"), 100);
	assert_json(json_object_get(h, "initial_state"), "\"offline\"");
	assert_json(json_object_get(h, "quality"), "{\"enabled\":true,\"latency_down_ms\":800,"
		    "\"latency_down_clear_ms\":400,\"loss_down_pct\":20,"
		    "\"loss_down_clear_pct\":5}");
	w = named(t, "wans", "wanb");
	h = json_object_get(w, "health");
	assert_json(json_object_get(w, "enabled"), "true");         /* 'yes' */
	assert_json(json_object_get(h, "method"), "\"tcp\"");
	assert_int_equal(iget(h, "port"), 80);
	assert_int_equal(iget(h, "recovery_interval_ms"), 3000);
	named(t, "wans", "wanb_v6");

	assert_json(json_object_get(named(t, "policies", "balanced"), "members"),
		    "[\"wan_m1_w3\",\"wanb_m1_w2\"]");
	assert_json(json_object_get(named(t, "policies", "balanced"), "last_resort"),
		    "\"blackhole\"");
	assert_json(json_object_get(named(t, "policies", "wan_only"), "members"),
		    "[\"wan_m1_w3\"]");
	assert_json(json_object_get(named(t, "policies", "wanb_only"), "last_resort"),
		    "\"default\"");
	r = named(t, "rules", "voip");
	assert_json(r, "{\"name\":\"voip\",\"proto\":\"udp\",\"family\":\"ipv4\",\"src\":"
		    "[\"198.18.0.0/24\"],\"dst_port\":[\"5060\",\"10000-20000\"],"
		    "\"policy\":\"wan_only\"}");
	r = named(t, "rules", "rule_2");   /* the anonymous @rule[1] */
	assert_json(r, "{\"name\":\"rule_2\",\"proto\":\"tcp\",\"dst\":[\"198.51.100.7\"],"
		    "\"dst_port\":[\"22\",\"80\",\"443\",\"8000-8080\"],\"policy\":\"balanced\","
		    "\"sticky\":true,\"sticky_timeout\":300}");
	assert_json(named(t, "rules", "icmp_ports"), "{\"name\":\"icmp_ports\",\"proto\":"
		    "\"icmp\",\"policy\":\"wanb_only\"}");
	assert_json(named(t, "rules", "default_rule"), "{\"name\":\"default_rule\",\"dst\":"
		    "[\"0.0.0.0/0\"],\"policy\":\"balanced\"}");

	assert_true(noted(line_of(text, "option logging '1'"), "globals|logging|"));
	assert_true(noted(line_of(text, "list rt_table_lookup"), "globals|rt_table_lookup|"));
	assert_true(noted(line_of(text, "config rule\n"), "rule_2||anonymous rule (@rule[1]) "
			  "imported as 'rule_2'"));
	assert_true(noted(line_of(text, "option logging 1"), "rule_2|logging|'1': firewall "
			  "logging: not imported"));
	assert_true(noted(line_of(text, "option use_policy 'default'"), "lan_bypass|use_policy|"
			  "'default': the main routing table: the rule is left out, so its traffic "
			  "goes to the default rule unless a later rule ('icmp_ports', "
			  "'default_rule') matches it first"));
	assert_true(noted(line_of(text, "'2001:db8:10::/48'"), "ipv6_office|dest_ip|IPv6 "
			  "networks are not supported yet"));
	assert_true(noted(line_of(text, "option ipset"), "youtube|ipset|'youtube': ipset "
			  "matches are not supported"));
	assert_true(noted(line_of(text, "option dest_port '1-100'"), "icmp_ports|dest_port|"
			  "'1-100': ports with proto icmp: not imported"));
	assert_true(noted(line_of(text, "option use_policy 'lte_only'"), "backup_dns|use_policy|"
			  "'lte_only': the policy has no member that was imported"));
	assert_true(noted(line_of(text, "option src_port '1024:65535'"), "default_rule|src_port|"
			  "'1024:65535': ports with proto all"));
	assert_true(noted(line_of(text, "list use_member wan_m2_w1"), "balanced|use_member|"
			  "'wan_m2_w1': WAN 'wan' is in the policy already by member 'wan_m1_w3'"));
	assert_true(noted(line_of(text, "'missing_member'"), "wan_only|use_member|"
			  "'missing_member': no member of that name"));
	assert_true(noted(line_of(text, "config policy 'lte_only'"), "lte_only||no member left"));
	assert_true(noted(line_of(text, "option interface 'cellular_backup1'"), "lte_m1|"
			  "interface|'cellular_backup1': the interface was not imported"));
	assert_true(noted(line_of(text, "list track_ip 2606"), "wan|track_ip|"
			  "'2606:4700:4700::1111': an IPv6 target"));
	assert_true(noted(line_of(text, "option max_ttl"), "wan|max_ttl|'60': the TTL"));
	assert_true(noted(line_of(text, "option flush_conntrack"), "wan|flush_conntrack|"));
	assert_true(noted(line_of(text, "option keep_failure_interval"),
			  "wan|keep_failure_interval|"));
	assert_true(noted(line_of(text, "option track_method 'nping-tcp'"), "wanb|track_method|"
			  "'nping-tcp': health method tcp"));
	assert_true(noted(line_of(text, "config interface 'cellular_backup1'"),
			  "cellular_backup1||'cellular_backup1' is no WAN name"));
	assert_true(noted(line_of(text, "config mwan3_notify"), "notify||section type "
			  "'mwan3_notify' is not mwan3's"));
	json_decref(t);
	free(text);
}

/* --map to the WANs of a base document: addressing kept, tracking merged. */
static void
test_import_base(void **state)
{
	static const char base_text[] =
		"{\"version\":1,\"wans\":["
		"{\"name\":\"wan1\",\"weight\":3,\"addressing\":{\"mode\":\"static\","
		"\"address\":\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\"},"
		"\"health\":{\"preset\":\"dpwan\",\"targets\":[\"198.19.0.10\"]}},"
		"{\"name\":\"wan2\",\"addressing\":{\"mode\":\"static\","
		"\"address\":\"198.18.2.2/24\",\"gateway\":\"198.18.2.1\"},"
		"\"health\":{\"preset\":\"dpwan\",\"method\":\"http\","
		"\"targets\":[\"http://198.19.0.10/\"]}}],"
		"\"default_rule\":{\"preset\":\"high_compatibility\"}}";
	static const char text[] =
		"config interface 'wan'\n"
		"\toption enabled 1\n"
		"\tlist track_ip 198.19.9.9\n"
		"\toption up 3\n"
		"\toption failure_latency 100\n"   /* below the dpwan preset's warn band */
		"config interface 'wanb'\n"
		"\toption enabled 1\n"
		"\toption interval 2\n"
		"config interface 'lte'\n"
		"\toption enabled 1\n"
		"config member 'm1'\n\toption interface 'wan'\n"
		"config member 'm2'\n\toption interface 'wanb'\n"
		"config member 'm3'\n\toption interface 'lte'\n"
		"config policy 'p'\n\tlist use_member m1\n\tlist use_member m2\n"
		"\tlist use_member m3\n";
	struct dpw_mwan3_map map = { 0 };
	struct dpw_mwan3_opts o = { .map = &map };
	json_t *base, *t, *w, *h;
	char err[160];

	(void)state;
	base = json_loads(base_text, 0, NULL);
	assert_non_null(base);
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan=wan1,wanb=wan2", err, sizeof(err)), 0);
	o.base = base;
	t = import_opts(text, &o);
	assert_int_equal(counts.wans, 3);
	assert_int_equal(json_array_size(json_object_get(t, "wans")), 3);
	w = named(t, "wans", "wan1");
	assert_int_equal(iget(w, "weight"), 3);   /* the base's */
	assert_json(json_object_get(w, "addressing"), "{\"mode\":\"static\",\"address\":"
		    "\"198.18.1.2/24\",\"gateway\":\"198.18.1.1\"}");
	h = json_object_get(w, "health");
	assert_json(json_object_get(h, "preset"), "\"dpwan\"");
	assert_json(json_object_get(h, "targets"), "[\"198.19.9.9\"]");
	assert_int_equal(iget(h, "up"), 3);
	assert_null(json_object_get(h, "up_max"));   /* the preset's 40 is above 3 */
	assert_int_equal(iget(h, "quality.latency_down_ms"), 100);
	/* the dpwan preset's clear 250 and warn 150 are above 100: brought down */
	assert_int_equal(iget(h, "quality.latency_down_clear_ms"), 100);
	assert_int_equal(iget(h, "quality.latency_warn_ms"), 100);
	assert_int_equal(iget(h, "quality.latency_warn_clear_ms"), 100);
	assert_true(noted(5, "wan|failure_latency|below the base document's degraded band"));
	/* no track_ip: the base's checks stay (method http with its URL) */
	w = named(t, "wans", "wan2");
	h = json_object_get(w, "health");
	assert_json(json_object_get(h, "method"), "\"http\"");
	assert_int_equal(iget(h, "interval_ms"), 2000);
	assert_int_equal(iget(h, "failure_interval_ms"), 2000);
	assert_null(json_object_get(h, "down_interval_ms"));
	assert_true(noted(6, "wanb||no track_ip (mwan3 calls the interface always up): the "
			  "health checks of WAN 'wan2' in the base document are kept"));
	/* not in the base: added, said */
	w = named(t, "wans", "lte");
	assert_json(json_object_get(w, "addressing"), "{\"mode\":\"dhcp\"}");
	assert_true(noted(9, "lte||no WAN 'lte' in the base document: added with addressing "
			  "dhcp"));
	assert_json(json_object_get(named(t, "members", "m2"), "wan"), "\"wan2\"");
	assert_json(json_object_get(t, "default_rule"), "{\"preset\":\"high_compatibility\"}");
	json_decref(t);

	/* a base default_rule that uses a policy the file replaces */
	json_object_set_new(base, "default_rule", json_pack("{s:s, s:s}", "preset", "custom",
							    "policy", "old"));
	json_object_set_new(base, "members", json_pack("[{s:s, s:s}]", "name", "mo",
						       "wan", "wan1"));
	json_object_set_new(base, "policies", json_pack("[{s:s, s:[s]}]", "name", "old",
							"members", "mo"));
	t = import_opts(text, &o);
	assert_json(json_object_get(t, "default_rule"), "{\"preset\":\"auto\"}");
	assert_true(noted(0, "||the base document's default_rule uses policy 'old'"));
	assert_true(noted(0, "||the base document's 1 members are replaced"));
	assert_json(json_object_get(t, "policies"), "[{\"name\":\"p\",\"members\":[\"m1\","
		    "\"m2\",\"m3\"],\"last_resort\":\"unreachable\"}]");
	json_decref(t);
	json_decref(base);
}

static void
test_import_names(void **state)
{
	static const char text[] =
		"config interface 'wan'\n\toption enabled 1\n\tlist track_ip 198.19.0.1\n"
		"config member 'member_with_a_long_name'\n\toption interface wan\n"
		"config member 'member_with_a_long_nameX'\n\toption interface wan\n"
		"config policy 'p1'\n\tlist use_member member_with_a_long_name\n"
		"config policy 'p2'\n\tlist use_member member_with_a_long_nameX\n"
		"config rule 'voip'\n\toption use_policy p1\n"
		"config rule\n\toption use_policy p2\n";
	struct dpw_mwan3_map map = { 0 };
	struct dpw_mwan3_opts o = { .map = &map };
	char err[160];
	json_t *t;

	(void)state;
	/* the WAN takes the name 'voip': the rule of that name is renamed */
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan=voip", err, sizeof(err)), 0);
	t = import_opts(text, &o);
	named(t, "wans", "voip");
	named(t, "rules", "voip_2");
	assert_true(noted(line_of(text, "config rule 'voip'"), "voip||the name is taken by "
			  "another WAN, member, policy or rule"));
	/* long names: cut to 15, then made unique */
	assert_json(json_object_get(named(t, "policies", "p1"), "members"),
		    "[\"member_with_a_l\"]");
	assert_json(json_object_get(named(t, "policies", "p2"), "members"),
		    "[\"member_with_a_2\"]");
	assert_true(noted(line_of(text, "'member_with_a_long_name'"), "longer than 15"));
	named(t, "rules", "rule_2");
	json_decref(t);
}

static void
test_import_rules(void **state)
{
	static const char text[] =
		"config interface 'wan'\n\toption enabled 1\n"
		"config member 'm'\n\toption interface 'wan'\n"
		"config policy 'p'\n\tlist use_member 'm'\n"
		/* mixed families: the IPv4 part kept */
		"config rule 'mixed'\n\toption dest_ip '198.19.1.0/24, 2001:db8::/32'\n"
		"\toption use_policy p\n"
		/* host bits: the network, as iptables reads it */
		"config rule 'hostbits'\n\toption src_ip '198.18.0.77/24'\n\toption use_policy p\n"
		/* an IPv6-only side makes the rule IPv6's; ::/0 then goes */
		"config rule 'v6any'\n\toption src_ip '::/0'\n\toption use_policy p\n"
		/* family ipv4 with only IPv6: nothing */
		"config rule 'v4of6'\n\toption family ipv4\n\toption dest_ip '2001:db8::1'\n"
		"\toption use_policy p\n"
		/* IPv4 on one side, IPv6 on the other */
		"config rule 'cross'\n\toption src_ip 198.18.0.1\n\toption dest_ip 2001:db8::1\n"
		"\toption use_policy p\n"
		/* nine addresses: more than a rule holds */
		"config rule 'many'\n\toption dest_ip '198.19.0.1,198.19.0.2,198.19.0.3,"
		"198.19.0.4,198.19.0.5,198.19.0.6,198.19.0.7,198.19.0.8,198.19.0.9'\n"
		"\toption use_policy p\n"
		/* a protocol by name, any family, ports with both range forms */
		"config rule 'named'\n\toption proto sctp\n\toption family any\n"
		"\toption use_policy p\n"
		"config rule 'ports'\n\toption proto udp\n\toption src_port '1000:2000 3000-3001'\n"
		"\toption dest_port 53\n\toption use_policy p\n"
		"config rule 'badport'\n\toption proto tcp\n\toption dest_port '70000'\n"
		"\toption use_policy p\n"
		"config rule 'badproto'\n\toption proto 'foo'\n\toption use_policy p\n"
		"config rule 'nopolicy'\n\toption proto tcp\n"
		"config rule 'nosuch'\n\toption use_policy 'q'\n"
		"config rule 'sticky'\n\toption sticky yes\n\toption timeout 100000\n"
		"\toption use_policy p\n"
		"config rule 'last'\n\toption use_policy default\n";
	json_t *t;

	(void)state;
	t = import(text);
	assert_int_equal(counts.rules, 6);
	assert_json(named(t, "rules", "mixed"), "{\"name\":\"mixed\",\"dst\":[\"198.19.1.0/24\"],"
		    "\"policy\":\"p\"}");
	assert_true(noted(line_of(text, "'198.19.1.0/24, 2001"), "mixed|dest_ip|its IPv6 "
			  "addresses are left out"));
	assert_json(json_object_get(named(t, "rules", "hostbits"), "src"), "[\"198.18.0.0/24\"]");
	assert_true(noted(0, "hostbits|src_ip|'198.18.0.77/24': host bits under the mask"));
	assert_json(named(t, "rules", "v6any"), "{\"name\":\"v6any\",\"family\":\"ipv6\","
		    "\"policy\":\"p\"}");
	assert_true(noted(0, "v4of6|dest_ip|only IPv6 addresses in a family ipv4 rule"));
	assert_true(noted(0, "cross||IPv4 addresses on one side and only IPv6 ones"));
	assert_true(noted(0, "many|dest_ip|more than 8 addresses"));
	assert_json(named(t, "rules", "named"), "{\"name\":\"named\",\"proto\":132,"
		    "\"policy\":\"p\"}");
	assert_json(named(t, "rules", "ports"), "{\"name\":\"ports\",\"proto\":\"udp\","
		    "\"src_port\":[\"1000-2000\",\"3000-3001\"],\"dst_port\":[\"53\"],"
		    "\"policy\":\"p\"}");
	assert_true(noted(0, "badport|dest_port|'70000': not a port"));
	assert_true(noted(0, "badproto|proto|'foo': an unknown protocol"));
	assert_true(noted(0, "nopolicy||no option 'use_policy'"));
	assert_true(noted(0, "nosuch|use_policy|'q': no policy of that name"));
	assert_json(named(t, "rules", "sticky"), "{\"name\":\"sticky\",\"policy\":\"p\","
		    "\"sticky\":true,\"sticky_timeout\":86400}");
	assert_true(noted(0, "sticky|timeout|'100000': out of range 1..86400"));
	assert_true(noted(0, "last|use_policy|'default': the main routing table: the rule is "
			  "left out, so its traffic goes to the default rule as if no rule "
			  "matched (no later rule takes it)"));
	json_decref(t);

	/* an interface without enabled (mwan3's default 0) nor track_ip */

	t = import("config interface wan\nconfig member m\n\toption interface wan\n");
	assert_json(json_object_get(named(t, "wans", "wan"), "enabled"), "false");
	assert_true(noted(1, "wan||no option 'enabled' (mwan3's default is 0)"));
	assert_json(json_object_get(json_object_get(named(t, "wans", "wan"), "health"),
				    "method"), "\"none\"");
	assert_true(noted(1, "wan||no track_ip: mwan3 calls the interface always up"));
	json_decref(t);
}

static void
test_import_nothing(void **state)
{
	struct dpw_mwan3_opts o = { .note = keep_note };
	char err[160];

	(void)state;
	n_notes = 0;
	assert_int_equal(parse("package network\nconfig globals g\n\toption mmx_mask 1\n"
			       "config interface 'a_name_too_long_for_a_wan'\n"), 0);
	assert_null(dpw_mwan3_import(&u, &o, &counts, err, sizeof(err)));
	assert_non_null(strstr(err, "nothing to import"));
	assert_true(noted(1, "||package 'network', not mwan3"));
	assert_true(noted(4, "is no WAN name"));
	assert_int_equal(parse(""), 0);
	assert_null(dpw_mwan3_import(&u, &o, &counts, err, sizeof(err)));
}

static void
test_map_parse(void **state)
{
	struct dpw_mwan3_map map = { 0 };
	char err[160];

	(void)state;
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan=wan1,wanb=wan2", err, sizeof(err)), 0);
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan6=wan1", err, sizeof(err)), 0);
	assert_int_equal(map.n, 3);
	assert_string_equal(map.m[1].iface, "wanb");
	assert_string_equal(map.m[1].wan, "wan2");
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan=wan3", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "mapped twice"));
	assert_int_equal(dpw_mwan3_map_parse(&map, "x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not IF=WAN"));
	assert_int_equal(dpw_mwan3_map_parse(&map, "x=a-b", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a WAN name"));
	assert_int_equal(dpw_mwan3_map_parse(&map, "x=abcdefghijklmnop", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(dpw_mwan3_map_parse(&map, "=a", err, sizeof(err)), -EINVAL);
}

/* Two interfaces on one WAN (wan and wan6 of one port): one WAN, one member per policy. */
static void
test_import_shared_wan(void **state)
{
	static const char text[] =
		"config interface 'wan'\n\toption enabled 1\n\tlist track_ip 198.19.0.1\n"
		"config interface 'wan6'\n\toption enabled 1\n\toption family ipv6\n"
		"config member 'a'\n\toption interface wan\n\toption metric 2\n"
		"config member 'b'\n\toption interface wan6\n\toption metric 1\n"
		"config policy 'p'\n\tlist use_member a\n\tlist use_member b\n";
	struct dpw_mwan3_map map = { 0 };
	struct dpw_mwan3_opts o = { .map = &map };
	char err[160];
	json_t *t;

	(void)state;
	assert_int_equal(dpw_mwan3_map_parse(&map, "wan=wan1,wan6=wan1", err, sizeof(err)), 0);
	t = import_opts(text, &o);
	assert_int_equal(counts.wans, 1);
	assert_int_equal(json_array_size(json_object_get(t, "wans")), 1);
	assert_true(noted(4, "wan6||WAN 'wan1' is interface 'wan''s already (line 1)"));
	/* the lower metric stays */
	assert_json(json_object_get(named(t, "policies", "p"), "members"), "[\"b\"]");
	assert_true(noted(0, "p|use_member|'b': WAN 'wan1' is in the policy already by member "
			  "'a' (metric 2): a WAN at most once, the one of metric 1 is kept"));
	/* no rule takes everything: what the default rule does instead of the main table */
	assert_true(noted(0, "||traffic that matches no rule takes mwan3's main routing table"));
	json_decref(t);
}

static int
teardown(void **state)
{
	(void)state;
	dpw_uci_free(&u);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_uci_quoting, teardown),
		cmocka_unit_test_teardown(test_uci_lines, teardown),
		cmocka_unit_test_teardown(test_uci_sections, teardown),
		cmocka_unit_test_teardown(test_uci_errors, teardown),
		cmocka_unit_test(test_uci_bool),
		cmocka_unit_test(test_map_parse),
		cmocka_unit_test_teardown(test_import_default, teardown),
		cmocka_unit_test_teardown(test_import_messy, teardown),
		cmocka_unit_test_teardown(test_import_base, teardown),
		cmocka_unit_test_teardown(test_import_names, teardown),
		cmocka_unit_test_teardown(test_import_rules, teardown),
		cmocka_unit_test_teardown(test_import_nothing, teardown),
		cmocka_unit_test_teardown(test_import_shared_wan, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
