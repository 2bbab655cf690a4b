/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl import-mwan3 FILE [--base DOC] [--map IF=WAN,...] [--json] [-o OUT]: an
 * OpenWrt /etc/config/mwan3 as a network-policy document, offline (no server). The file
 * is read by lib/cfg/dpw_uci.c and mapped by lib/cfg/dpw_mwan3.c; here are the files,
 * the notes on stderr (FILE:LINE: section 'NAME': option 'X': what happened), the check
 * of the result by the document's own decoder, and the output (YAML, or JSON with
 * --json). Single-threaded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_mwan3.h"
#include "lib/cfg/dpw_uci.h"
#include "lib/cfg/dpw_yaml.h"

/* The notes, kept to be printed in the order of the file's lines. */
struct notes {
	const char *file;
	struct note {
		unsigned int line;         /* 0: the file as a whole (printed last) */
		unsigned int seq;
		char *text;
	} *v;
	size_t n, cap;
	bool nomem;
};

static void
add_note(void *arg, unsigned int line, const char *section, const char *option,
	 const char *msg)
{
	struct notes *ns = arg;
	char *text;
	int rc;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 64;
		struct note *v = realloc(ns->v, cap * sizeof(*v));

		if (v == NULL) {
			ns->nomem = true;
			return;
		}
		ns->v = v;
		ns->cap = cap;
	}
	/* "option 'x' 'value': what" when the note starts with the value, else "option 'x': " */
	rc = asprintf(&text, "%s%s%s%s%s%s", section != NULL ? "section '" : "",
		      section != NULL ? section : "", section != NULL ? "': " : "",
		      option != NULL ? "option '" : "", option != NULL ? option : "",
		      option != NULL ? (msg[0] == '\'' ? "' " : "': ") : "");
	if (rc < 0) {
		ns->nomem = true;
		return;
	}
	rc = asprintf(&ns->v[ns->n].text, "%s%s", text, msg);
	free(text);
	if (rc < 0) {
		ns->nomem = true;
		return;
	}
	ns->v[ns->n].line = line;
	ns->v[ns->n].seq = (unsigned int)ns->n;
	ns->n++;
}

static int
note_cmp(const void *a, const void *b)
{
	const struct note *x = a, *y = b;
	unsigned int lx = x->line ? x->line : UINT32_MAX, ly = y->line ? y->line : UINT32_MAX;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print and release the notes: "FILE:LINE: ..." in line order, "FILE: ..." last. */
static void
print_notes(struct notes *ns)
{
	size_t i;

	qsort(ns->v, ns->n, sizeof(ns->v[0]), note_cmp);
	for (i = 0; i < ns->n; i++) {
		if (ns->v[i].line == 0)
			fprintf(stderr, "%s: %s\n", ns->file, ns->v[i].text);
		else
			fprintf(stderr, "%s:%u: %s\n", ns->file, ns->v[i].line, ns->v[i].text);
		free(ns->v[i].text);
	}
	if (ns->nomem)
		fprintf(stderr, "%s: (out of memory: some notes are missing)\n", ns->file);
	free(ns->v);
	ns->v = NULL;
	ns->n = ns->cap = 0;
}

/* The problems of a decode, one a line: "prefix/path: message". */
static void
print_problems(const char *prefix, const struct dpw_doc_problems *pr, bool warnings)
{
	unsigned int i;

	for (i = 0; i < pr->n; i++)
		if (pr->p[i].warning == warnings)
			fprintf(stderr, "%s%s: %s\n", prefix,
				pr->p[i].path[0] ? pr->p[i].path : "/", pr->p[i].message);
	if (!warnings && pr->errors > pr->n)
		fprintf(stderr, "%s... and %u more\n", prefix, pr->errors - pr->n);
}

/* The base document as a tree, checked whole. NULL after saying why. */
static json_t *
load_base(const char *path, struct dpw_doc_problems *pr, struct dpw_doc *doc)
{
	char err[256], prefix[300];
	json_error_t je;
	json_t *root;
	size_t len, i;
	char *text;

	if (ctl_read_file(path, &text, &len) != 0)
		return NULL;
	i = strspn(text, " \t\r\n");
	if (text[i] == '{') {
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (root == NULL)
			fprintf(stderr, "%s:%d:%d: %s\n", path, je.line, je.column, je.text);
	} else {
		root = dpw_yaml_load(text, len, DPW_DOC_MAX_BYTES, DPW_DOC_MAX_DEPTH, err,
				     sizeof(err));
		if (root == NULL)
			fprintf(stderr, "%s: %s\n", path, err);
	}
	free(text);
	if (root == NULL)
		return NULL;
	if (dpw_doc_from_json(root, NULL, doc, pr) != 0) {
		snprintf(prefix, sizeof(prefix), "%s: ", path);
		fprintf(stderr, "dpwanctl: import-mwan3: --base %s is not a valid document:\n",
			path);
		print_problems(prefix, pr, false);
		json_decref(root);
		return NULL;
	}
	return root;
}

/* text to path (through path.tmp and a rename: no half-written OUT) or stdout. */
static int
write_out(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "dpwanctl: stdout: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		fprintf(stderr, "dpwanctl: -o %s: the name is too long\n", path);
		return -1;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "dpwanctl: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "dpwanctl: %s: %s\n", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "dpwanctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
ctl_import_mwan3(int argc, char **argv, const struct ctl_mwan3_opts *o)
{
	struct dpw_mwan3_opts mo = { .map = &o->map, .note = add_note };
	struct notes notes = { 0 };
	struct dpw_doc_problems *pr = calloc(1, sizeof(*pr));
	struct dpw_doc *doc = calloc(1, sizeof(*doc));
	struct dpw_mwan3_counts counts;
	struct dpw_uci_error uerr;
	struct dpw_uci u = { 0 };
	json_t *base = NULL, *out = NULL;
	char err[256], prefix[300], *text = NULL, *dump = NULL;
	const char *file;
	int rc = CTL_EXIT_REFUSED, prc;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "dpwanctl: usage: import-mwan3 FILE [--base DOC] "
			"[--map IF=WAN,...] [--json] [-o OUT]\n");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (pr == NULL || doc == NULL) {
		fprintf(stderr, "dpwanctl: out of memory\n");
		goto out;
	}
	file = argv[1];
	notes.file = file;
	mo.arg = &notes;
	if (o->base != NULL) {
		base = load_base(o->base, pr, doc);
		dpw_doc_free(doc);
		if (base == NULL)
			goto out;
		mo.base = base;
	}
	if (ctl_read_file(file, &text, &len) != 0)
		goto out;
	prc = dpw_uci_parse(text, len, &u, &uerr);
	if (prc != 0) {
		if (uerr.line > 0)
			fprintf(stderr, "%s:%u:%u: %s\n", file, uerr.line, uerr.column, uerr.msg);
		else
			fprintf(stderr, "%s: %s\n", file, uerr.msg);
		goto out;
	}
	out = dpw_mwan3_import(&u, &mo, &counts, err, sizeof(err));
	print_notes(&notes);
	if (out == NULL) {
		fprintf(stderr, "%s: %s\n", file, err);
		goto out;
	}
	/* what the API will say of it: the same decoder, without the system's ports */
	memset(doc, 0, sizeof(*doc));
	snprintf(prefix, sizeof(prefix), "%s: imported document: ", file);
	if (dpw_doc_from_json(out, NULL, doc, pr) != 0) {
		fprintf(stderr, "dpwanctl: import-mwan3: the imported document does not "
			"validate (an import bug: please report it with the file):\n");
		print_problems(prefix, pr, false);
		dpw_doc_free(doc);
		goto out;
	}
	dpw_doc_free(doc);
	print_problems(prefix, pr, true);
	if (o->json) {
		dump = json_dumps(out, JSON_INDENT(2));
		len = dump != NULL ? strlen(dump) : 0;
		if (dump != NULL) {
			char *nl = realloc(dump, len + 2);

			if (nl == NULL) {
				free(dump);
				dump = NULL;
			} else {
				dump = nl;
				dump[len++] = '\n';
				dump[len] = '\0';
			}
		}
	} else {
		dump = dpw_yaml_dump(out, &len);
	}
	if (dump == NULL) {
		fprintf(stderr, "dpwanctl: out of memory\n");
		goto out;
	}
	if (write_out(o->out, dump, len) != 0)
		goto out;
	fprintf(stderr, "dpwanctl: import-mwan3: %s: %u WAN%s, %u member%s, %u polic%s, "
		"%u rule%s; %u note%s\n", file, counts.wans, counts.wans == 1 ? "" : "s",
		counts.members, counts.members == 1 ? "" : "s", counts.policies,
		counts.policies == 1 ? "y" : "ies", counts.rules, counts.rules == 1 ? "" : "s",
		counts.notes, counts.notes == 1 ? "" : "s");
	rc = CTL_EXIT_OK;
out:
	free(dump);
	json_decref(out);
	json_decref(base);
	dpw_uci_free(&u);
	free(text);
	free(doc);
	free(pr);
	return rc;
}
