/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the UCI reader and the mwan3 import (lib/cfg/dpw_uci.c, dpw_mwan3.c) on
 * the document's decoder. The input is the text of an /etc/config/mwan3, imported twice:
 * as it is, and with --map wan=wan1,wan6=wan1 over a base document of two static WANs.
 * Besides crashes, leaks and undefined behaviour these are bugs:
 *  - a syntax error without a message, or at line 0;
 *  - parsed sections that break the reader's promises: names empty, shared or (for
 *    anonymous ones) not TYPE_N..., an index that is not the place among its type, an
 *    option without a value, a value line before the section's;
 *  - an import that fails without saying why, whose note count is not the number of
 *    notes given, or whose document the decoder refuses (the import's promise), or
 *    whose member, policy and rule counts are not the document's.
 * Single-threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_mwan3.h"
#include "lib/cfg/dpw_uci.h"
#include "test/fuzz/fuzz.h"

static const char base_text[] =
	"{\"version\":1,\"wans\":["
	"{\"name\":\"wan1\",\"addressing\":{\"mode\":\"static\",\"address\":\"198.18.1.2/24\","
	"\"gateway\":\"198.18.1.1\"},\"health\":{\"preset\":\"dpwan\",\"targets\":"
	"[\"198.19.0.10\"]}},"
	"{\"name\":\"wan2\",\"addressing\":{\"mode\":\"static\",\"address\":\"198.18.2.2/24\","
	"\"gateway\":\"198.18.2.1\"},\"health\":{\"preset\":\"peplink\",\"method\":\"http\","
	"\"targets\":[\"http://198.19.0.10/\"]}}],"
	"\"default_rule\":{\"preset\":\"high_compatibility\"}}";

static unsigned int n_notes;

static void
count_note(void *arg, unsigned int line, const char *section, const char *option,
	   const char *msg)
{
	(void)arg;
	(void)line;
	(void)section;
	(void)option;
	FUZZ_CHECK(msg != NULL && msg[0] != '\0');
	n_notes++;
}

static void
check_sections(const struct dpw_uci *u)
{
	unsigned int i, j, k;

	for (i = 0; i < u->n; i++) {
		const struct dpw_uci_section *s = &u->s[i];
		unsigned int place = 0;

		FUZZ_CHECK(s->type != NULL && s->type[0] != '\0');
		FUZZ_CHECK(s->name != NULL && s->name[0] != '\0');
		FUZZ_CHECK(s->line >= 1 && (s->again_line == 0 || s->again_line > s->line));
		if (s->anonymous)
			FUZZ_CHECK(strncmp(s->name, s->type, strlen(s->type)) == 0 &&
				   s->name[strlen(s->type)] == '_');
		for (j = 0; j < i; j++) {
			FUZZ_CHECK(strcmp(u->s[j].name, s->name) != 0);
			place += strcmp(u->s[j].type, s->type) == 0;
		}
		FUZZ_CHECK(s->index == place);
		for (j = 0; j < s->n_opts; j++) {
			const struct dpw_uci_option *o = &s->opts[j];

			FUZZ_CHECK(o->name[0] != '\0' && (o->n > 0 || o->list));
			FUZZ_CHECK(dpw_uci_get(s, o->name) == o);
			for (k = 0; k < o->n; k++)
				FUZZ_CHECK(o->v[k].s != NULL && o->v[k].line >= s->line);
		}
	}
}

static void
import(const struct dpw_uci *u, const struct dpw_mwan3_opts *o)
{
	struct dpw_doc_problems *pr = calloc(1, sizeof(*pr));
	struct dpw_doc *doc = calloc(1, sizeof(*doc));
	struct dpw_mwan3_counts c;
	char err[256];
	json_t *t;

	if (pr == NULL || doc == NULL)
		abort();
	n_notes = 0;
	t = dpw_mwan3_import(u, o, &c, err, sizeof(err));
	FUZZ_CHECK(c.notes == n_notes);
	if (t == NULL) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		if (dpw_doc_from_json(t, NULL, doc, pr) != 0) {
			char *s = json_dumps(t, JSON_INDENT(1));
			unsigned int i;

			fprintf(stderr, "%s\n", s != NULL ? s : "");
			for (i = 0; i < pr->n; i++)
				fprintf(stderr, "%s: %s\n", pr->p[i].path, pr->p[i].message);
			free(s);
			FUZZ_CHECK(!"the imported document validates");
		}
		FUZZ_CHECK(c.wans >= 1 && doc->n_wans >= c.wans);
		FUZZ_CHECK(doc->n_members == c.members && doc->n_policies == c.policies &&
			   doc->n_rules == c.rules);
		dpw_doc_free(doc);
		json_decref(t);
	}
	free(doc);
	free(pr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dpw_mwan3_map map;
	static json_t *base;
	struct dpw_mwan3_opts plain = { .note = count_note };
	struct dpw_mwan3_opts merged = { .note = count_note, .map = &map };
	struct dpw_uci_error err;
	struct dpw_uci u;
	char e[160];
	int rc;

	if (base == NULL) {
		base = json_loads(base_text, 0, NULL);
		if (base == NULL || dpw_mwan3_map_parse(&map, "wan=wan1,wan6=wan1", e,
							 sizeof(e)) != 0)
			abort();
	}
	merged.base = base;
	rc = dpw_uci_parse((const char *)data, size, &u, &err);
	if (rc != 0) {
		FUZZ_CHECK(err.msg[0] != '\0' && u.n == 0);
		FUZZ_CHECK(rc == -E2BIG || err.line >= 1);
		return 0;
	}
	check_sections(&u);
	import(&u, &plain);
	import(&u, &merged);
	dpw_uci_free(&u);
	return 0;
}
