/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the network-policy document (lib/cfg/dpw_doc.c, dpw_doc_wans.c,
 * dpw_yaml.c). The first byte of the input chooses: bit 0 the format (0 JSON, 1 YAML),
 * bit 1 a system context (the lab's two WAN ports and LAN) or none; the rest is the text
 * given to dpw_doc_parse. Rejections are expected; besides crashes, leaks and undefined
 * behaviour these are bugs:
 *  - a return code that disagrees with the problem counts, a problem list longer than
 *    its bound, a path that is not "" or "/...", an unterminated path or message;
 *  - an accepted document that breaks a rule the validator enforces (ranges, names,
 *    addresses, the WAN count) or whose canonical JSON is not a fixed point
 *    (parse(canonical(d)) gives d again, byte for byte), or whose YAML dump does not
 *    read back as the same tree;
 *  - for YAML text that dpw_yaml_load accepts: a dump that does not load back equal.
 * Single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_yaml.h"
#include "test/fuzz/fuzz.h"

static const struct dpw_doc_context lab_ctx = {
	.n_wan_ports = 2,
	.wan_port = { "wan1", "wan2" },
	.wan_port_mtu = { 1500, 1440 },
	.lan_addr = 0xc6120001,
	.lan_prefixlen = 24,
};

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void
check_problems(const struct dpw_doc_problems *pr)
{
	unsigned int i, errors = 0, warnings = 0;

	FUZZ_CHECK(pr->n <= DPW_DOC_MAX_PROBLEMS && pr->n <= pr->errors + pr->warnings);
	for (i = 0; i < pr->n; i++) {
		const struct dpw_doc_problem *p = &pr->p[i];

		FUZZ_CHECK(terminated(p->path, sizeof(p->path)));
		FUZZ_CHECK(terminated(p->message, sizeof(p->message)) && p->message[0] != '\0');
		FUZZ_CHECK(p->path[0] == '\0' || p->path[0] == '/');
		if (p->warning)
			warnings++;
		else
			errors++;
	}
	FUZZ_CHECK(errors <= pr->errors && warnings <= pr->warnings);
	if (pr->n < DPW_DOC_MAX_PROBLEMS)
		FUZZ_CHECK(errors == pr->errors && warnings == pr->warnings);
}

static void
check_doc(const struct dpw_doc *d, const struct dpw_doc_context *ctx)
{
	unsigned int i, j;

	FUZZ_CHECK(d->version == DPW_DOC_VERSION);
	FUZZ_CHECK(d->n_wans >= 1 && d->n_wans <= DPW_MAX_WANS);
	for (i = 0; i < d->n_wans; i++) {
		const struct dpw_doc_wan *w = &d->wans[i];
		uint32_t mask = 0xffffffffu << (32 - w->prefixlen);

		FUZZ_CHECK(terminated(w->name, sizeof(w->name)) && dpw_doc_name_valid(w->name));
		FUZZ_CHECK(dpw_doc_wan_find(d, w->name) == w);
		FUZZ_CHECK(w->weight >= 1 && w->weight <= 1000);
		FUZZ_CHECK(w->mtu >= 576 && w->mtu <= 9000);
		FUZZ_CHECK(w->mss == 0 || (w->mss >= 536 && w->mss <= w->mtu - 40));
		FUZZ_CHECK(w->addr_mode == DPW_ADDR_STATIC);
		FUZZ_CHECK(w->prefixlen >= 1 && w->prefixlen <= 30);
		FUZZ_CHECK((w->addr & ~mask) != 0 && (w->addr | mask) != 0xffffffffu);
		FUZZ_CHECK((w->gateway & mask) == (w->addr & mask) && w->gateway != w->addr);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(d->wans[j].addr != w->addr);
		if (ctx != NULL) {
			for (j = 0; j < ctx->n_wan_ports; j++)
				if (strcmp(ctx->wan_port[j], w->name) == 0)
					break;
			FUZZ_CHECK(j < ctx->n_wan_ports && w->mtu <= ctx->wan_port_mtu[j]);
		}
	}
}

static void
check_accepted(const struct dpw_doc *d, const struct dpw_doc_context *ctx)
{
	struct dpw_doc_problems *pr = malloc(sizeof(*pr));
	struct dpw_doc *d2 = malloc(sizeof(*d2));
	char *c1, *c2, *y;
	json_t *t, *back;
	size_t n1, n2, ny;
	char err[256];

	FUZZ_CHECK(pr != NULL && d2 != NULL);
	check_doc(d, ctx);
	c1 = dpw_doc_canonical(d, &n1);
	FUZZ_CHECK(c1 != NULL && strlen(c1) == n1);
	FUZZ_CHECK(dpw_doc_parse(c1, n1, DPW_DOC_JSON, ctx, d2, pr) == 0);
	c2 = dpw_doc_canonical(d2, &n2);
	FUZZ_CHECK(c2 != NULL && n1 == n2 && memcmp(c1, c2, n1) == 0);
	/* the YAML form of the document reads back as the same tree and document */
	t = dpw_doc_to_json(d);
	FUZZ_CHECK(t != NULL);
	y = dpw_yaml_dump(t, &ny);
	FUZZ_CHECK(y != NULL);
	back = dpw_yaml_load(y, ny, DPW_DOC_MAX_BYTES, DPW_DOC_MAX_DEPTH, err, sizeof(err));
	FUZZ_CHECK(back != NULL && json_equal(back, t));
	FUZZ_CHECK(dpw_doc_parse(y, ny, DPW_DOC_YAML, ctx, d2, pr) == 0);
	free(c2);
	c2 = dpw_doc_canonical(d2, &n2);
	FUZZ_CHECK(c2 != NULL && n1 == n2 && memcmp(c1, c2, n1) == 0);
	json_decref(back);
	json_decref(t);
	free(y);
	free(c2);
	free(c1);
	free(d2);
	free(pr);
}

/* Any tree the YAML reader builds must survive dump -> load unchanged. */
static void
check_yaml_tree(const char *text, size_t len)
{
	char err[256], *y;
	json_t *t, *back;
	size_t ny;

	err[0] = '\0';
	t = dpw_yaml_load(text, len, DPW_DOC_MAX_BYTES, DPW_DOC_MAX_DEPTH, err, sizeof(err));
	if (t == NULL) {
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0 && terminated(err, sizeof(err)));
		return;
	}
	y = dpw_yaml_dump(t, &ny);
	FUZZ_CHECK(y != NULL);
	back = dpw_yaml_load(y, ny, DPW_DOC_MAX_BYTES, DPW_DOC_MAX_DEPTH, err, sizeof(err));
	if (back == NULL || !json_equal(back, t)) {
		fprintf(stderr, "dump does not load back (%s):\n%s\n", back ? "differs" : err, y);
		FUZZ_CHECK(0);
	}
	json_decref(back);
	json_decref(t);
	free(y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dpw_doc_context *ctx;
	struct dpw_doc_problems *pr;
	enum dpw_doc_format fmt;
	struct dpw_doc *d;
	int rc;

	if (size < 1 || size > 64 * 1024)
		return 0;
	fmt = (data[0] & 1) ? DPW_DOC_YAML : DPW_DOC_JSON;
	ctx = (data[0] & 2) ? &lab_ctx : NULL;
	pr = malloc(sizeof(*pr));
	d = malloc(sizeof(*d));
	FUZZ_CHECK(pr != NULL && d != NULL);
	memset(pr, 0x5a, sizeof(*pr));
	rc = dpw_doc_parse((const char *)data + 1, size - 1, fmt, ctx, d, pr);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	check_problems(pr);
	FUZZ_CHECK((rc == 0) == (pr->errors == 0));
	if (rc == 0)
		check_accepted(d, ctx);
	if (fmt == DPW_DOC_YAML)
		check_yaml_tree((const char *)data + 1, size - 1);
	free(d);
	free(pr);
	return 0;
}
