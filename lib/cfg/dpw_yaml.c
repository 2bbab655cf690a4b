/* SPDX-License-Identifier: BSD-3-Clause
 * YAML <-> jansson trees (dpw_yaml.h). The reader walks libyaml's parser events and
 * builds the tree itself, so that nothing YAML has and JSON lacks (anchors, aliases,
 * tags, complex keys, several documents) reaches the decoder: each is refused with its
 * line and column. The writer drives libyaml's emitter and quotes every string that a
 * plain scalar would turn into something else. Pure: no DPDK. Any thread.
 *
 * Plain scalars (YAML 1.2 core schema, narrowed):
 *   null, Null, NULL, ~, empty          -> null
 *   true/True/TRUE, false/False/FALSE    -> booleans
 *   [-+]?(0|[1-9][0-9]*)                 -> integers (beyond json_int_t: an error)
 *   [-+]?(.N|N(.N*)?)([eE][-+]?N)?       -> reals (.inf and .nan: an error, JSON has none)
 *   everything else                      -> strings; 0x1F, 0o17 and 0755 stay strings
 * (the core schema would read 0x/0o forms and leading zeros as integers: refusing that
 * reading keeps "0755" a string, and the decoder then says "must be an integer").
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "lib/cfg/dpw_yaml.h"

enum plain_kind {
	PLAIN_STRING,
	PLAIN_NULL,
	PLAIN_TRUE,
	PLAIN_FALSE,
	PLAIN_INT,
	PLAIN_REAL,
	PLAIN_SPECIAL_REAL,   /* .inf, .nan: a real JSON cannot hold */
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
str_in(const char *s, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	return false;
}

/* What a plain scalar s[0..n) resolves to. */
static enum plain_kind
plain_kind(const char *s, size_t n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const specials[] = {
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
		".nan", ".NaN", ".NAN", NULL,
	};
	size_t i = 0, d;

	if (str_in(s, n, nulls))
		return PLAIN_NULL;
	if (str_in(s, n, trues))
		return PLAIN_TRUE;
	if (str_in(s, n, falses))
		return PLAIN_FALSE;
	if (str_in(s, n, specials))
		return PLAIN_SPECIAL_REAL;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (d = i; i < n && is_digit(s[i]); i++)
		;
	if (i == n && i > d) {
		if (s[d] == '0' && i - d > 1)
			return PLAIN_STRING;   /* 0755 */
		return PLAIN_INT;
	}
	/* real: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	if (i < n && s[i] == '.') {
		size_t f = ++i;

		for (; i < n && is_digit(s[i]); i++)
			;
		if (f == i && f - 1 == d)
			return PLAIN_STRING;   /* "." or "-." */
	} else if (i == d) {
		return PLAIN_STRING;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (e = i; i < n && is_digit(s[i]); i++)
			;
		if (e == i)
			return PLAIN_STRING;
	}
	return i == n ? PLAIN_REAL : PLAIN_STRING;
}

/* ---- reader -------------------------------------------------------------------------- */

struct frame {
	json_t *node;        /* an object or an array */
	char *key;           /* object: the key waiting for its value (malloc'd) */
	yaml_mark_t key_mark;
};

struct reader {
	char *err;
	size_t errlen;
	struct frame *stack;
	unsigned int depth;
	unsigned int max_depth;
	json_t *root;
	unsigned int documents;
	bool failed;         /* err may be too short to tell */
};

static void
fail(struct reader *r, yaml_mark_t m, const char *what, const char *detail)
{
	if (r->failed)
		return;   /* the first problem is the one to report */
	r->failed = true;
	snprintf(r->err, r->errlen, "line %zu, column %zu: %s%s%.40s%s", m.line + 1,
		 m.column + 1, what, detail ? " '" : "", detail ? detail : "", detail ? "'" : "");
}

static json_t *
scalar_value(struct reader *r, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *end, buf[64];
	json_t *v;

	if (memchr(s, '\0', n) != NULL) {
		fail(r, ev->start_mark, "a NUL character in a string", NULL);
		return NULL;
	}
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		goto string;
	switch (plain_kind(s, n)) {
	case PLAIN_NULL:
		return json_null();
	case PLAIN_TRUE:
		return json_true();
	case PLAIN_FALSE:
		return json_false();
	case PLAIN_INT: {
		long long x;

		errno = 0;
		x = strtoll(s, &end, 10);
		if (errno == ERANGE || end != s + n) {
			fail(r, ev->start_mark, "integer out of range", s);
			return NULL;
		}
		return json_integer((json_int_t)x);
	}
	case PLAIN_REAL: {
		double x;

		if (n >= sizeof(buf))
			goto bad_real;
		memcpy(buf, s, n);
		buf[n] = '\0';
		x = strtod(buf, &end);
		if (end != buf + n || !isfinite(x))
			goto bad_real;
		return json_real(x);
	}
	case PLAIN_SPECIAL_REAL:
		goto bad_real;
	case PLAIN_STRING:
		break;
	}
string:
	v = json_stringn(s, n);
	if (v == NULL)
		fail(r, ev->start_mark, "not a valid UTF-8 string", NULL);
	return v;
bad_real:
	fail(r, ev->start_mark, "a number JSON cannot hold (infinite, NaN or too long)", NULL);
	return NULL;
}

/* Attach v (a new reference, stolen) to the container on top, or make it the root. */
static int
attach(struct reader *r, json_t *v, yaml_mark_t m)
{
	struct frame *f;

	if (r->depth == 0) {
		r->root = v;
		return 0;
	}
	f = &r->stack[r->depth - 1];
	if (json_is_array(f->node)) {
		if (json_array_append_new(f->node, v) != 0) {
			fail(r, m, "out of memory", NULL);
			return -ENOMEM;
		}
		return 0;
	}
	if (json_object_set_new(f->node, f->key, v) != 0) {
		fail(r, m, "out of memory", NULL);
		free(f->key);
		f->key = NULL;
		return -ENOMEM;
	}
	free(f->key);
	f->key = NULL;
	return 0;
}

/* A scalar in key position of the mapping on top. */
static int
take_key(struct reader *r, const yaml_event_t *ev)
{
	struct frame *f = &r->stack[r->depth - 1];
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (memchr(s, '\0', n) != NULL) {
		fail(r, ev->start_mark, "a NUL character in a key", NULL);
		return -EINVAL;
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && plain_kind(s, n) != PLAIN_STRING) {
		fail(r, ev->start_mark, "a key must be a string (quote it):", s);
		return -EINVAL;
	}
	if (json_object_get(f->node, s) != NULL) {
		fail(r, ev->start_mark, "duplicate key", s);
		return -EINVAL;
	}
	f->key = strdup(s);
	f->key_mark = ev->start_mark;
	if (f->key == NULL) {
		fail(r, ev->start_mark, "out of memory", NULL);
		return -ENOMEM;
	}
	return 0;
}

/* Is the next node the key of a mapping (the mapping on top waits for a key)? */
static bool
want_key(const struct reader *r)
{
	return r->depth > 0 && json_is_object(r->stack[r->depth - 1].node) &&
	       r->stack[r->depth - 1].key == NULL;
}

static int
on_event(struct reader *r, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	json_t *v;

	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_NO_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++r->documents > 1) {
			fail(r, ev->start_mark, "more than one document", NULL);
			return -EINVAL;
		}
		if (ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end) {
			fail(r, ev->start_mark, "tags are not allowed (a %TAG directive)", NULL);
			return -EINVAL;
		}
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_ALIAS_EVENT:
		fail(r, ev->start_mark, "aliases are not allowed:",
		     (const char *)ev->data.alias.anchor);
		return -EINVAL;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		v = r->stack[--r->depth].node;
		r->stack[r->depth].node = NULL;
		return attach(r, v, ev->start_mark);
	}
	if (anchor != NULL) {
		fail(r, ev->start_mark, "anchors are not allowed:", (const char *)anchor);
		return -EINVAL;
	}
	if (tag != NULL) {
		fail(r, ev->start_mark, "tags are not allowed:", (const char *)tag);
		return -EINVAL;
	}
	if (want_key(r)) {
		if (ev->type != YAML_SCALAR_EVENT) {
			fail(r, ev->start_mark, "a key must be a string, not a mapping or a "
			     "sequence", NULL);
			return -EINVAL;
		}
		return take_key(r, ev);
	}
	if (ev->type == YAML_SCALAR_EVENT) {
		v = scalar_value(r, ev);
		if (v == NULL)
			return -EINVAL;
		return attach(r, v, ev->start_mark);
	}
	if (r->depth >= r->max_depth) {
		fail(r, ev->start_mark, "nested too deep", NULL);
		return -EINVAL;
	}
	v = ev->type == YAML_MAPPING_START_EVENT ? json_object() : json_array();
	if (v == NULL) {
		fail(r, ev->start_mark, "out of memory", NULL);
		return -ENOMEM;
	}
	r->stack[r->depth].node = v;
	r->stack[r->depth].key = NULL;
	r->depth++;
	return 0;
}

json_t *
dpw_yaml_load(const char *text, size_t len, size_t max_bytes, unsigned int max_depth,
	      char *err, size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen, .max_depth = max_depth };
	yaml_mark_t start = { 0, 0, 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	char dummy[1];
	unsigned int i;

	if (err == NULL || errlen == 0) {
		r.err = dummy;
		r.errlen = sizeof(dummy);
	}
	r.err[0] = '\0';
	if (len > max_bytes) {
		snprintf(r.err, r.errlen, "line 1, column 1: the text is %zu bytes, more than "
			 "the limit of %zu", len, max_bytes);
		return NULL;
	}
	r.stack = calloc(max_depth + 1, sizeof(*r.stack));
	if (r.stack == NULL || !yaml_parser_initialize(&parser)) {
		free(r.stack);
		snprintf(r.err, r.errlen, "line 1, column 1: out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			char what[160];

			snprintf(what, sizeof(what), "%s%s%s",
				 parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			fail(&r, parser.problem_mark, what, NULL);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (on_event(&r, &ev) != 0)
			done = false;
		yaml_event_delete(&ev);
		if (r.failed)
			break;
	}
	yaml_parser_delete(&parser);
	for (i = 0; i < r.depth; i++) {
		json_decref(r.stack[i].node);
		free(r.stack[i].key);
	}
	free(r.stack);
	if (!r.failed && r.root == NULL)
		fail(&r, start, "no document (an empty text)", NULL);
	if (r.failed) {
		json_decref(r.root);
		return NULL;
	}
	return r.root;
}

/* ---- writer -------------------------------------------------------------------------- */

struct outbuf {
	char *p;
	size_t n;
	size_t cap;
	bool nomem;
};

static int
write_out(void *data, unsigned char *buf, size_t size)
{
	struct outbuf *o = data;

	if (o->n + size + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *p;

		while (cap < o->n + size + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (p == NULL) {
			o->nomem = true;
			return 0;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, buf, size);
	o->n += size;
	o->p[o->n] = '\0';
	return 1;
}

/*
 * Must a string be quoted to read back as that string? Yes when our reader would
 * resolve it as something else, and, for readers that follow YAML 1.1 (PyYAML in the
 * tests, older tools), when it looks like a 1.1 boolean (yes, on, n ...) or a number,
 * octal, hex, sexagesimal or date ("0755", "0x1F", "1:30", "2024-01-01").
 */
static bool
needs_quotes(const char *s, size_t n)
{
	static const char *const yaml11[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", NULL,
	};
	size_t i, dots = 0;

	if (plain_kind(s, n) != PLAIN_STRING || str_in(s, n, yaml11))
		return true;
	if (n > 0 && (is_digit(s[0]) || s[0] == '+' || s[0] == '-' || s[0] == '.')) {
		for (i = 0; i < n; i++) {
			char c = s[i];

			if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      c == '_' || c == '.' || c == ':' || c == '+' || c == '-'))
				return false;
			dots += c == '.';
		}
		/* no 1.1 number or date has two dots: an address like 198.18.1.1 stays plain */
		return dots < 2;
	}
	return false;
}

static int
emit_scalar(yaml_emitter_t *em, const char *s, size_t n, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style))
		return -ENOMEM;
	return yaml_emitter_emit(em, &ev) ? 0 : -EIO;
}

static int
emit_string(yaml_emitter_t *em, const char *s, size_t n)
{
	return emit_scalar(em, s, n, needs_quotes(s, n) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
			   YAML_ANY_SCALAR_STYLE);
}

static int
emit_node(yaml_emitter_t *em, const json_t *v)
{
	yaml_event_t ev;
	char buf[64];
	const char *key;
	json_t *m;
	size_t i;
	int rc;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return -EIO;
		json_object_foreach((json_t *)v, key, m) {
			if ((rc = emit_string(em, key, strlen(key))) != 0 ||
			    (rc = emit_node(em, m)) != 0)
				return rc;
		}
		if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev))
			return -EIO;
		return 0;
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return -EIO;
		json_array_foreach(v, i, m)
			if ((rc = emit_node(em, m)) != 0)
				return rc;
		if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev))
			return -EIO;
		return 0;
	case JSON_STRING:
		return emit_string(em, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(em, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		/* "1" would read back as an integer */
		if (strpbrk(buf, ".eE") == NULL)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".0");
		return emit_scalar(em, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(em, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(em, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return -EINVAL;
}

char *
dpw_yaml_dump(const json_t *root, size_t *len)
{
	struct outbuf o = { 0 };
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (root == NULL || !yaml_emitter_initialize(&em))
		return NULL;
	yaml_emitter_set_output(&em, write_out, &o);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_indent(&em, 2);
	yaml_emitter_set_width(&em, -1);   /* no folding of long scalars */
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) &&
	     emit_node(&em, root) == 0 &&
	     yaml_document_end_event_initialize(&ev, 1) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
	if (!ok || o.nomem || o.p == NULL) {
		free(o.p);
		return NULL;
	}
	if (len != NULL)
		*len = o.n;
	return o.p;
}
