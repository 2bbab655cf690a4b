/* SPDX-License-Identifier: BSD-3-Clause
 * The UCI reader (dpw_uci.h): one pass over the text that cuts it into commands of
 * words, quoting, escapes, comments and line continuations as libuci reads them, and
 * builds the sections; a second pass names the anonymous sections. Pure: no DPDK. Any
 * thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_uci.h"

#define MAX_WORDS 8                  /* a command has at most 3; more is an error */

struct word {
	char *s;
	size_t len, cap;
	unsigned int line, column;
};

struct parser {
	const char *t;
	size_t len, pos;
	unsigned int line;
	size_t line_start;               /* offset of the current line's first byte */
	struct dpw_uci *u;
	struct dpw_uci_error *err;
	struct dpw_uci_section *cur;     /* the section options go to, or NULL */
	/* section names -> index + 1 (0: free), open addressing */
	uint32_t *slots;
	size_t n_slots, n_used;
	struct word w[MAX_WORDS];
	unsigned int n_words;
};

static int
fail(struct parser *p, unsigned int line, unsigned int column, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	p->err->column = column;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static unsigned int
column_of(const struct parser *p)
{
	return (unsigned int)(p->pos - p->line_start) + 1;
}

static void
newline(struct parser *p)
{
	p->pos++;
	p->line++;
	p->line_start = p->pos;
}

/*
 * Arrays grow to the next power of two from first: the new capacity when n elements
 * fill the array, else 0.
 */
static size_t
grow_to(size_t n, size_t first)
{
	if (n == 0)
		return first;
	return n >= first && (n & (n - 1)) == 0 ? 2 * n : 0;
}

static int
add_char(struct word *w, char c)
{
	if (w->len + 1 >= w->cap) {
		size_t cap = w->cap == 0 ? 64 : w->cap * 2;
		char *s = realloc(w->s, cap);

		if (s == NULL)
			return -ENOMEM;
		w->s = s;
		w->cap = cap;
	}
	w->s[w->len++] = c;
	w->s[w->len] = '\0';
	return 0;
}

/* ---- the section name table ---------------------------------------------------------- */

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;    /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The index of the section named name, or -1. */
static long
find_section(const struct parser *p, const char *name)
{
	size_t i;

	if (p->n_slots == 0)
		return -1;
	for (i = name_hash(name) & (p->n_slots - 1); p->slots[i] != 0;
	     i = (i + 1) & (p->n_slots - 1))
		if (strcmp(p->u->s[p->slots[i] - 1].name, name) == 0)
			return (long)p->slots[i] - 1;
	return -1;
}

static int
table_insert(struct parser *p, uint32_t index)
{
	size_t i;

	/* keep the table at most half full */
	if (2 * (p->n_used + 1) > p->n_slots) {
		size_t n = p->n_slots == 0 ? 64 : p->n_slots * 2, k;
		uint32_t *old = p->slots, *t = calloc(n, sizeof(*t));

		if (t == NULL)
			return -ENOMEM;
		for (k = 0; k < p->n_slots; k++) {
			if (old[k] == 0)
				continue;
			for (i = name_hash(p->u->s[old[k] - 1].name) & (n - 1); t[i] != 0;
			     i = (i + 1) & (n - 1))
				;
			t[i] = old[k];
		}
		free(old);
		p->slots = t;
		p->n_slots = n;
	}
	for (i = name_hash(p->u->s[index].name) & (p->n_slots - 1); p->slots[i] != 0;
	     i = (i + 1) & (p->n_slots - 1))
		;
	p->slots[i] = index + 1;
	p->n_used++;
	return 0;
}

/* ---- names --------------------------------------------------------------------------- */

/* libuci's names of sections and options: letters, digits and underscores. */
static bool
valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Section types and package names: a '-' as well. */
static bool
valid_type(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* ---- words --------------------------------------------------------------------------- */

/*
 * A backslash at p->pos outside single quotes: the next character as it is, or nothing
 * when it ends the line (the command continues on the next one). 1: c is a character,
 * 0: a continuation, or an error.
 */
static int
backslash(struct parser *p, char *c)
{
	unsigned int line = p->line, col = column_of(p);

	p->pos++;
	if (p->pos >= p->len)
		return fail(p, line, col, "a backslash at the end of the file");
	if (p->t[p->pos] == '\n') {
		newline(p);
		return 0;
	}
	if (p->t[p->pos] == '\r' && p->pos + 1 < p->len && p->t[p->pos + 1] == '\n') {
		p->pos++;
		newline(p);
		return 0;
	}
	*c = p->t[p->pos++];
	return 1;
}

/*
 * One word at p->pos (not a blank): its parts, quoted or not, until a blank, the end of
 * the line, ';' or '#'. 0 or an error.
 */
static int
read_word(struct parser *p, struct word *w)
{
	unsigned int qline, qcol;
	char c;
	int rc;

	w->len = 0;
	if (add_char(w, 'x') != 0)   /* allocate; an empty quoted word is a word */
		return -ENOMEM;
	w->len = 0;
	w->s[0] = '\0';
	w->line = p->line;
	w->column = column_of(p);
	while (p->pos < p->len) {
		c = p->t[p->pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '#')
			return 0;
		if (c == '\'') {
			qline = p->line;
			qcol = column_of(p);
			p->pos++;
			while (p->pos < p->len && p->t[p->pos] != '\'' && p->t[p->pos] != '\n')
				if (add_char(w, p->t[p->pos++]) != 0)
					return -ENOMEM;
			if (p->pos >= p->len || p->t[p->pos] != '\'')
				return fail(p, qline, qcol, "unterminated '");
			p->pos++;
		} else if (c == '"') {
			qline = p->line;
			qcol = column_of(p);
			p->pos++;
			for (;;) {
				if (p->pos >= p->len || p->t[p->pos] == '\n')
					return fail(p, qline, qcol, "unterminated \"");
				c = p->t[p->pos];
				if (c == '"')
					break;
				if (c == '\\') {
					rc = backslash(p, &c);
					if (rc < 0)
						return rc;
					if (rc == 0)
						continue;
				} else {
					p->pos++;
				}
				if (add_char(w, c) != 0)
					return -ENOMEM;
			}
			p->pos++;
		} else if (c == '\\') {
			rc = backslash(p, &c);
			if (rc < 0)
				return rc;
			if (rc == 1 && add_char(w, c) != 0)
				return -ENOMEM;
		} else {
			if (add_char(w, c) != 0)
				return -ENOMEM;
			p->pos++;
		}
	}
	return 0;
}

/*
 * The words of one command into p->w: up to the end of the line, a ';' or a comment.
 * Returns 1 when the text continues after it, 0 at its end, or an error.
 */
static int
read_command(struct parser *p)
{
	char c;
	int rc;

	p->n_words = 0;
	while (p->pos < p->len) {
		c = p->t[p->pos];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			p->pos++;
		} else if (c == '\n') {
			newline(p);
			return 1;
		} else if (c == ';') {
			p->pos++;
			return 1;
		} else if (c == '#') {
			while (p->pos < p->len && p->t[p->pos] != '\n')
				p->pos++;
		} else if (c == '\\' && p->pos + 1 < p->len &&
			   (p->t[p->pos + 1] == '\n' ||
			    (p->t[p->pos + 1] == '\r' && p->pos + 2 < p->len &&
			     p->t[p->pos + 2] == '\n'))) {
			if ((rc = backslash(p, &c)) < 0)
				return rc;
		} else {
			if (p->n_words == MAX_WORDS)
				return fail(p, p->line, column_of(p), "too many arguments");
			rc = read_word(p, &p->w[p->n_words]);
			if (rc < 0)
				return rc;
			p->n_words++;
		}
	}
	return 0;
}

/* ---- commands ------------------------------------------------------------------------ */

static char *
dup_word(const struct word *w)
{
	return strdup(w->s);
}

static int
cmd_package(struct parser *p)
{
	if (p->n_words < 2)
		return fail(p, p->w[0].line, p->w[0].column, "package needs a name");
	if (p->n_words > 2)
		return fail(p, p->w[2].line, p->w[2].column, "too many arguments");
	if (!valid_type(p->w[1].s))
		return fail(p, p->w[1].line, p->w[1].column, "invalid character in package name "
			    "'%.40s'", p->w[1].s);
	free(p->u->package);
	p->u->package = dup_word(&p->w[1]);
	if (p->u->package == NULL)
		return -ENOMEM;
	p->u->package_line = p->w[0].line;
	/* a new package starts: options before its first config are errors again */
	p->cur = NULL;
	return 0;
}

static int
cmd_config(struct parser *p)
{
	struct dpw_uci *u = p->u;
	struct dpw_uci_section *s;
	long at;

	if (p->n_words < 2 || p->w[1].len == 0)
		return fail(p, p->w[0].line, p->w[0].column, "config needs a section type");
	if (p->n_words > 3)
		return fail(p, p->w[3].line, p->w[3].column, "too many arguments");
	if (!valid_type(p->w[1].s))
		return fail(p, p->w[1].line, p->w[1].column, "invalid character in section type "
			    "'%.40s' (letters, digits, '_', '-')", p->w[1].s);
	if (p->n_words == 3 && p->w[2].len > 0 && !valid_name(p->w[2].s))
		return fail(p, p->w[2].line, p->w[2].column, "invalid character in section name "
			    "'%.40s' (letters, digits, '_')", p->w[2].s);
	if (p->n_words == 3 && p->w[2].len > 0 && (at = find_section(p, p->w[2].s)) >= 0) {
		/* libuci: the same section again; it takes the new type */
		char *type = dup_word(&p->w[1]);

		if (type == NULL)
			return -ENOMEM;
		s = &u->s[at];
		free(s->type);
		s->type = type;
		if (s->again_line == 0)
			s->again_line = p->w[0].line;
		p->cur = s;
		return 0;
	}
	if (u->n >= DPW_UCI_MAX_SECTIONS)
		return fail(p, p->w[0].line, p->w[0].column, "more than %d sections",
			    DPW_UCI_MAX_SECTIONS);
	if (grow_to(u->n, 16) != 0) {
		struct dpw_uci_section *n = realloc(u->s, grow_to(u->n, 16) * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		u->s = n;   /* p->cur is set again below */
	}
	s = &u->s[u->n];
	memset(s, 0, sizeof(*s));
	s->type = dup_word(&p->w[1]);
	s->anonymous = p->n_words < 3 || p->w[2].len == 0;
	s->name = s->anonymous ? NULL : dup_word(&p->w[2]);
	s->line = p->w[0].line;
	u->n++;
	if (s->type == NULL || (!s->anonymous && s->name == NULL))
		return -ENOMEM;
	if (!s->anonymous && table_insert(p, u->n - 1) != 0)
		return -ENOMEM;
	p->cur = s;
	return 0;
}

static struct dpw_uci_option *
find_option(struct dpw_uci_section *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n_opts; i++)
		if (strcmp(s->opts[i].name, name) == 0)
			return &s->opts[i];
	return NULL;
}

static void
free_option(struct dpw_uci_option *o)
{
	unsigned int i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].s);
	free(o->v);
	free(o->name);
}

static int
add_value(struct dpw_uci_option *o, const struct word *w, unsigned int line)
{
	struct dpw_uci_value *v;

	if (o->n >= DPW_UCI_MAX_VALUES)
		return -E2BIG;
	if (grow_to(o->n, 4) != 0) {
		v = realloc(o->v, grow_to(o->n, 4) * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		o->v = v;
	}
	o->v[o->n].s = dup_word(w);
	if (o->v[o->n].s == NULL)
		return -ENOMEM;
	o->v[o->n].line = line;
	if (o->n == 0)
		o->line = line;
	o->n++;
	return 0;
}

static int
cmd_option(struct parser *p, bool list)
{
	struct dpw_uci_section *s = p->cur;
	const char *what = list ? "list" : "option";
	unsigned int line = p->w[0].line, i;
	struct dpw_uci_option *o;
	int rc;

	if (s == NULL)
		return fail(p, line, p->w[0].column, "%s before the first config section", what);
	if (p->n_words < 2)
		return fail(p, line, p->w[0].column, "%s needs a name", what);
	if (p->n_words > 3)
		return fail(p, p->w[3].line, p->w[3].column, "too many arguments");
	if (!valid_name(p->w[1].s))
		return fail(p, p->w[1].line, p->w[1].column, "invalid character in %s name "
			    "'%.40s' (letters, digits, '_')", what, p->w[1].s);
	if (list && p->n_words < 3)
		return fail(p, line, p->w[0].column, "list needs a value");
	o = find_option(s, p->w[1].s);
	if (!list) {
		if (o != NULL) {
			/* replaced, or removed by an empty value */
			free_option(o);
			i = (unsigned int)(o - s->opts);
			memmove(o, o + 1, (s->n_opts - i - 1) * sizeof(*o));
			s->n_opts--;
		}
		if (p->n_words < 3 || p->w[2].len == 0)
			return 0;
	}
	if (o == NULL || !list) {
		if (s->n_opts >= DPW_UCI_MAX_OPTIONS)
			return fail(p, line, p->w[0].column, "more than %d options in section "
				    "'%.40s'", DPW_UCI_MAX_OPTIONS,
				    s->name != NULL ? s->name : s->type);
		if (grow_to(s->n_opts, 8) != 0) {
			o = realloc(s->opts, grow_to(s->n_opts, 8) * sizeof(*o));
			if (o == NULL)
				return -ENOMEM;
			s->opts = o;
		}
		o = &s->opts[s->n_opts++];
		memset(o, 0, sizeof(*o));
		o->name = dup_word(&p->w[1]);
		if (o->name == NULL)
			return -ENOMEM;
	}
	o->list = list;
	rc = add_value(o, &p->w[2], line);
	if (rc == -E2BIG)
		return fail(p, line, p->w[0].column, "more than %d values in list '%.40s'",
			    DPW_UCI_MAX_VALUES, o->name);
	return rc;
}

static int
run_command(struct parser *p)
{
	const char *c = p->w[0].s;

	if (strcmp(c, "package") == 0 || strcmp(c, "p") == 0)
		return cmd_package(p);
	if (strcmp(c, "config") == 0 || strcmp(c, "c") == 0)
		return cmd_config(p);
	if (strcmp(c, "option") == 0 || strcmp(c, "o") == 0)
		return cmd_option(p, false);
	if (strcmp(c, "list") == 0 || strcmp(c, "l") == 0)
		return cmd_option(p, true);
	return fail(p, p->w[0].line, p->w[0].column, "invalid command '%.40s' (package, config, "
		    "option or list)", c);
}

/* ---- anonymous sections -------------------------------------------------------------- */

static int
name_anonymous(struct parser *p)
{
	struct dpw_uci *u = p->u;
	struct type_count {
		const char *type;
		unsigned int count;
	} *t;
	size_t size = 16, h;
	unsigned int i, k;

	/* the place of each section among those of its type: a table of types and counts */
	while (size < 2 * (size_t)u->n)
		size <<= 1;
	t = calloc(size, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	for (i = 0; i < u->n; i++) {
		for (h = name_hash(u->s[i].type) & (size - 1);
		     t[h].type != NULL && strcmp(t[h].type, u->s[i].type) != 0;
		     h = (h + 1) & (size - 1))
			;
		t[h].type = u->s[i].type;
		u->s[i].index = t[h].count++;
	}
	free(t);
	for (i = 0; i < u->n; i++) {
		struct dpw_uci_section *s = &u->s[i];
		size_t len = strlen(s->type) + 24;
		char *name;

		if (!s->anonymous)
			continue;
		name = malloc(len);
		if (name == NULL)
			return -ENOMEM;
		snprintf(name, len, "%s_%u", s->type, s->index + 1);
		for (k = 2; find_section(p, name) >= 0; k++)
			snprintf(name, len, "%s_%u_%u", s->type, s->index + 1, k);
		s->name = name;
		if (table_insert(p, i) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- the API ------------------------------------------------------------------------- */

void
dpw_uci_free(struct dpw_uci *u)
{
	unsigned int i, j;

	for (i = 0; i < u->n; i++) {
		for (j = 0; j < u->s[i].n_opts; j++)
			free_option(&u->s[i].opts[j]);
		free(u->s[i].opts);
		free(u->s[i].type);
		free(u->s[i].name);
	}
	free(u->s);
	free(u->package);
	memset(u, 0, sizeof(*u));
}

int
dpw_uci_parse(const char *text, size_t len, struct dpw_uci *u, struct dpw_uci_error *err)
{
	struct parser p = { .t = text, .len = len, .line = 1, .u = u, .err = err };
	const char *nul;
	unsigned int i;
	int rc = 0, more = 1;

	memset(u, 0, sizeof(*u));
	memset(err, 0, sizeof(*err));
	if (len > DPW_UCI_MAX_BYTES) {
		snprintf(err->msg, sizeof(err->msg), "larger than %u MiB", DPW_UCI_MAX_BYTES >> 20);
		return -E2BIG;
	}
	nul = len > 0 ? memchr(text, '\0', len) : NULL;
	if (nul != NULL) {
		for (i = 0; text + i < nul; i++)
			if (text[i] == '\n') {
				p.line++;
				p.line_start = i + 1;
			}
		p.pos = (size_t)(nul - text);
		return fail(&p, p.line, column_of(&p), "a NUL byte");
	}
	while (more > 0) {
		more = read_command(&p);
		if (more < 0) {
			rc = more;
			break;
		}
		if (p.n_words > 0 && (rc = run_command(&p)) != 0)
			break;
	}
	if (rc == 0)
		rc = name_anonymous(&p);
	for (i = 0; i < MAX_WORDS; i++)
		free(p.w[i].s);
	free(p.slots);
	if (rc != 0) {
		if (rc == -ENOMEM)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		dpw_uci_free(u);
	}
	return rc;
}

const struct dpw_uci_option *
dpw_uci_get(const struct dpw_uci_section *s, const char *name)
{
	return find_option((struct dpw_uci_section *)(uintptr_t)s, name);
}

int
dpw_uci_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "enabled" };
	static const char *const no[] = { "0", "no", "off", "false", "disabled" };
	unsigned int i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
