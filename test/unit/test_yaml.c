/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the YAML reader and writer (lib/cfg/dpw_yaml.c): scalars resolved as the
 * header says, the refusals (anchors, aliases, tags, several documents, duplicate and
 * non-string keys, depth, size, alias bombs) with line and column, and dump -> load
 * giving the same tree, also for strings that look like something else.
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
#include "lib/cfg/dpw_yaml.h"

static char err[256];

static json_t *
load(const char *text)
{
	err[0] = '\0';
	return dpw_yaml_load(text, strlen(text), 1 << 20, 32, err, sizeof(err));
}

static json_t *
jl(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);

	assert_non_null(v);
	return v;
}

/* text loads to the tree of JSON want */
static void
expect_tree(const char *text, const char *want)
{
	json_t *got = load(text), *w = jl(want);

	if (got == NULL)
		fprintf(stderr, "load failed: %s\n", err);
	assert_non_null(got);
	if (!json_equal(got, w)) {
		char *s = json_dumps(got, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

		fprintf(stderr, "got %s, want %s\n", s, want);
		free(s);
	}
	assert_true(json_equal(got, w));
	json_decref(got);
	json_decref(w);
}

/* text is refused with an error containing sub */
static void
expect_error(const char *text, const char *sub)
{
	json_t *got = load(text);

	assert_null(got);
	if (strstr(err, sub) == NULL)
		fprintf(stderr, "error '%s' lacks '%s'\n", err, sub);
	assert_non_null(strstr(err, sub));
	assert_int_equal(strncmp(err, "line ", 5), 0);
}

static void
test_scalars(void **state)
{
	(void)state;
	expect_tree("a: true\nb: False\nc: TRUE\nd: null\ne: ~\nf:\ng: Null\n",
		    "{\"a\":true,\"b\":false,\"c\":true,\"d\":null,\"e\":null,\"f\":null,\"g\":null}");
	expect_tree("[1, -2, +3, 0, -0, 9223372036854775807, -9223372036854775808]",
		    "[1,-2,3,0,0,9223372036854775807,-9223372036854775808]");
	expect_tree("[1.0, -2.5, .5, 1e3, 2.5E-2, 3.]", "[1.0,-2.5,0.5,1000.0,0.025,3.0]");
	/* strings: YAML 1.1 words, leading zeros, hex/octal forms, quoted scalars */
	expect_tree("[on, yes, no, off, 0755, 0x1F, 0o17, 1_000, '1440', \"true\", 'null', "
		    "'', abc, 198.18.1.2/24, 1.2.3.4, -, ., 1e, tRue]",
		    "[\"on\",\"yes\",\"no\",\"off\",\"0755\",\"0x1F\",\"0o17\",\"1_000\",\"1440\","
		    "\"true\",\"null\",\"\",\"abc\",\"198.18.1.2/24\",\"1.2.3.4\",\"-\",\".\","
		    "\"1e\",\"tRue\"]");
	expect_tree("s: |\n  two\n  lines\nf: >\n  folded\n  text\n",
		    "{\"s\":\"two\\nlines\\n\",\"f\":\"folded text\\n\"}");
	expect_tree("{a: [1, {b: c}], d: {}}", "{\"a\":[1,{\"b\":\"c\"}],\"d\":{}}");
	expect_tree("# only a comment\n42\n", "42");
	expect_tree("\"\\u00e9t\\u00e9\"", "\"\\u00e9t\\u00e9\"");
	expect_tree("--- {a: 1}\n...\n", "{\"a\":1}");
	/* order of members is kept */
	{
		json_t *v = load("z: 1\na: 2\nm: 3\n");
		const char *k[3], *key;
		json_t *m;
		int i = 0;

		assert_non_null(v);
		json_object_foreach(v, key, m)
			k[i++] = key;
		assert_string_equal(k[0], "z");
		assert_string_equal(k[1], "a");
		assert_string_equal(k[2], "m");
		json_decref(v);
	}
}

static void
test_refusals(void **state)
{
	(void)state;
	expect_error("a: &x 1\nb: 2\n", "line 1, column 4: anchors are not allowed");
	expect_error("a: 1\nb: *x\n", "line 2, column 4: aliases are not allowed");
	expect_error("a: !!str 1\n", "tags are not allowed");
	expect_error("a: !custom x\n", "tags are not allowed");
	expect_error("a: !!map {b: 1}\n", "tags are not allowed");
	expect_error("- ! x\n", "tags are not allowed");
	expect_error("%TAG !e! tag:example.com,2000:\n---\na: 1\n", "tags are not allowed");
	expect_error("a: 1\n---\nb: 2\n", "line 2, column 1: more than one document");
	expect_error("a: 1\nb: 2\na: 3\n", "line 3, column 1: duplicate key 'a'");
	expect_error("{a: 1, a: 2}", "duplicate key");
	expect_error("? [a]\n: 1\n", "a key must be a string, not a mapping or a sequence");
	expect_error("? {a: 1}\n: 1\n", "a key must be a string");
	expect_error("1: x\n", "a key must be a string (quote it)");
	expect_error("true: x\n", "a key must be a string");
	expect_error("~: x\n", "a key must be a string");
	expect_error("a: 9223372036854775808\n", "integer out of range");
	expect_error("a: -9223372036854775809\n", "integer out of range");
	expect_error("a: .inf\n", "JSON cannot hold");
	expect_error("a: .nan\n", "JSON cannot hold");
	expect_error("a: 1e999\n", "JSON cannot hold");
	expect_error("a: \"x\\0y\"\n", "NUL");
	expect_error("\"a\\0\": 1\n", "NUL");
	expect_error("", "no document");
	expect_error("# nothing\n", "no document");
	expect_error("a: [1, 2\n", "line ");
	expect_error("a: b: c\n", "line 1, column 5: mapping values are not allowed");
	expect_error("\tx: 1\n", "line 1");
	/* quoted keys that look like other things are fine */
	expect_tree("\"1\": x\n'true': y\n", "{\"1\":\"x\",\"true\":\"y\"}");
}

static void
test_bombs(void **state)
{
	static const char laughs[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
	char *deep, *huge;
	size_t i, n;

	(void)state;
	expect_error(laughs, "line 1, column 4: anchors are not allowed");
	/* depth: 32 nested sequences load, 33 do not */
	deep = malloc(200000);
	assert_non_null(deep);
	for (n = 32; n <= 33; n++) {
		for (i = 0; i < n; i++)
			deep[i] = '[';
		for (i = 0; i < n; i++)
			deep[n + i] = ']';
		deep[2 * n] = '\0';
		if (n == 32) {
			json_t *v = load(deep);

			assert_non_null(v);
			json_decref(v);
		} else {
			expect_error(deep, "line 1, column 33: nested too deep");
		}
	}
	/* a depth bomb of 100000 brackets stops at the limit, and so does block style */
	memset(deep, '[', 100000);
	deep[100000] = '\0';
	expect_error(deep, "nested too deep");
	n = 0;
	for (i = 0; i < 40; i++)
		n += (size_t)sprintf(deep + n, "%*sk%zu:\n", (int)(2 * i), "", i);
	expect_error(deep, "line 33, column 65: nested too deep");
	free(deep);
	/* size: refused before parsing */
	huge = malloc((1 << 20) + 2);
	assert_non_null(huge);
	memset(huge, 'a', (1 << 20) + 1);
	huge[(1 << 20) + 1] = '\0';
	expect_error(huge, "more than the limit of 1048576");
	huge[1 << 20] = '\0';
	{
		json_t *v = load(huge);   /* exactly the limit: a 1 MiB plain scalar */

		assert_non_null(v);
		assert_int_equal(json_string_length(v), 1 << 20);
		json_decref(v);
	}
	free(huge);
	/* no error buffer: still refused, no crash */
	assert_null(dpw_yaml_load("a: *x", 5, 100, 4, NULL, 0));
}

static void
round_trip(const json_t *t)
{
	char *y, e[256];
	json_t *back;
	size_t n;

	y = dpw_yaml_dump(t, &n);
	assert_non_null(y);
	assert_int_equal(strlen(y), n);
	back = dpw_yaml_load(y, n, 1 << 20, 32, e, sizeof(e));
	if (back == NULL || !json_equal(back, t)) {
		char *s = json_dumps(t, JSON_ENCODE_ANY);

		fprintf(stderr, "round trip of %s failed (%s):\n%s\n", s,
			back ? "differs" : e, y);
		free(s);
	}
	assert_non_null(back);
	assert_true(json_equal(back, t));
	json_decref(back);
	free(y);
}

static void
test_dump_round_trip(void **state)
{
	static const char *const tricky[] = {
		"true", "True", "FALSE", "null", "~", "", " ", " lead", "trail ", "1440", "-1",
		"+1", "1.5", ".5", "1e3", "0755", "0x1F", "0o17", "yes", "no", "on", "off", "y",
		"N", ".inf", "-.inf", ".nan", "a: b", "a #b", "#c", "- x", "-", "?", "? x", ":",
		"[x]", "{x}", "x, y", "'q'", "\"dq\"", "a\nb", "a\n", "\n", "tab\there", "\\",
		"&anchor", "*alias", "!tag", "%dir", "@at", "`tick", "|", ">", "2024-01-01",
		"12:30", "1_000", "été", "\xe2\x82\xac", "\x01ctl", "---", "...", "a\"b'c",
		"198.18.1.2/24", "198.18.1.1", "wan1", "auto", "<<",
	};
	json_t *t, *k;
	size_t i;
	char *text;
	size_t len;
	char e[256];

	(void)state;
	t = json_array();
	for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		json_array_append_new(t, json_string(tricky[i]));
		round_trip(json_array_get(t, i));
	}
	round_trip(t);
	/* the same strings as keys */
	k = json_object();
	for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++)
		json_object_set_new(k, tricky[i], json_integer((json_int_t)i));
	round_trip(k);
	json_object_set_new(k, "nested", json_pack("{s:[i,f,f,b,n,{},[]], s:{s:[]}}", "a", 1,
						   1.0, -0.25, 1, "b", "c"));
	json_object_set_new(k, "big", json_integer(-9223372036854775807LL - 1));
	json_object_set_new(k, "real", json_real(1e300));
	json_object_set_new(k, "tiny", json_real(5e-324));
	json_object_set_new(k, "long", json_string("a very long string that is much longer "
						   "than eighty columns, so that a writer that "
						   "folds lines would fold it somewhere here"));
	round_trip(k);
	round_trip(json_array_get(t, 0));
	json_decref(k);
	json_decref(t);
	t = json_integer(5);
	round_trip(t);
	json_decref(t);
	t = json_object();
	round_trip(t);
	json_decref(t);

	/* the lab document: dump, load, equal; and the dump is block style */
	text = malloc(1 << 16);
	{
		FILE *f = fopen(SRCDIR "/conf/lab-policy.yaml", "r");

		assert_non_null(f);
		len = fread(text, 1, (1 << 16) - 1, f);
		fclose(f);
	}
	t = dpw_yaml_load(text, len, 1 << 20, 32, e, sizeof(e));
	assert_non_null(t);
	round_trip(t);
	free(text);
	text = dpw_yaml_dump(t, &len);
	assert_non_null(strstr(text, "version: 1\nwans:\n- name: wan1\n  enabled: true\n"));
	assert_non_null(strstr(text, "  mss: auto\n"));
	assert_non_null(strstr(text, "    address: 198.18.1.2/24\n    gateway: 198.18.1.1\n"));
	free(text);
	json_decref(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bombs),
		cmocka_unit_test(test_dump_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
