/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the network-policy document (lib/cfg/dpw_doc.c, dpw_doc_wans.c,
 * dpw_doc_health.c, dpw_doc_policies.c, dpw_doc_rules.c, dpw_yaml.c). The first byte of the input chooses: bit 0 the format (0 JSON, 1 YAML),
 * bit 1 a system context (the lab's two WAN ports and LAN) or none; the rest is the text
 * given to dpw_doc_parse. Rejections are expected; besides crashes, leaks and undefined
 * behaviour these are bugs:
 *  - a return code that disagrees with the problem counts, a problem list longer than
 *    its bound, a path that is not "" or "/...", an unterminated path or message;
 *  - an accepted document that breaks a rule the validator enforces (ranges, names,
 *    addresses, the WAN count, references between members, policies and rules, the
 *    rules' bounds) or whose canonical JSON is not a fixed point
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

/* A pick names WANs of the document, each once, with weights and metrics in range. */
static void
check_pick(const struct dpw_doc *d, const struct dpw_doc_pick *p)
{
	unsigned int i, j;

	FUZZ_CHECK(p->algorithm < DPW_LB_MAX && p->n >= 1 && p->n <= DPW_MAX_WANS);
	FUZZ_CHECK(p->algorithm != DPW_LB_ENFORCED || p->n == 1);
	FUZZ_CHECK(p->persist == DPW_PERSIST_SOURCE ||
		   (p->persist == DPW_PERSIST_DESTINATION && p->algorithm == DPW_LB_PERSISTENCE));
	for (i = 0; i < p->n; i++) {
		FUZZ_CHECK(p->c[i].wan < d->n_wans);
		FUZZ_CHECK(p->c[i].weight >= 1 && p->c[i].weight <= 1000);
		FUZZ_CHECK(p->c[i].metric >= 1 && p->c[i].metric <= 256);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(p->c[j].wan != p->c[i].wan);
	}
}

static void
check_action(const struct dpw_doc *d, const struct dpw_doc_action *a)
{
	FUZZ_CHECK(a->policy >= -1 && a->policy < (int32_t)d->n_policies);
	FUZZ_CHECK(a->when_unavailable < DPW_FB_MAX);
	FUZZ_CHECK(a->policy >= 0 || a->when_unavailable != DPW_FB_LAST_RESORT);
	FUZZ_CHECK(a->sticky_timeout_s >= 1 && a->sticky_timeout_s <= 86400);
	if (a->policy < 0)
		check_pick(d, &a->pick);
}

/* The issue 8 sections: references resolved, bounds kept. */
static void
check_policy(const struct dpw_doc *d)
{
	unsigned long entries = 0;
	unsigned int i, j;

	FUZZ_CHECK(d->n_members <= DPW_MAX_MEMBERS && d->n_policies <= DPW_MAX_POLICIES);
	FUZZ_CHECK(d->n_rules <= DPW_MAX_RULES && (d->n_rules == 0) == (d->rules == NULL));
	for (i = 0; i < d->n_members; i++) {
		FUZZ_CHECK(dpw_doc_name_valid(d->members[i].name));
		FUZZ_CHECK(d->members[i].wan < d->n_wans);
	}
	for (i = 0; i < d->n_policies; i++) {
		const struct dpw_doc_policy *p = &d->policies[i];

		FUZZ_CHECK(dpw_doc_name_valid(p->name) && dpw_doc_policy_find(d, p->name) == p);
		check_pick(d, &p->pick);
		FUZZ_CHECK(p->n_members == 0 || (p->n_members == p->pick.n &&
						 p->pick.algorithm == DPW_LB_METRIC));
		for (j = 0; j < p->n_members; j++)
			FUZZ_CHECK(p->member[j] < d->n_members &&
				   d->members[p->member[j]].wan == p->pick.c[j].wan);
		FUZZ_CHECK(p->last_resort == DPW_FB_UNREACHABLE || p->last_resort == DPW_FB_DROP ||
			   p->last_resort == DPW_FB_DEFAULT);
	}
	for (i = 0; i < d->n_rules; i++) {
		const struct dpw_doc_rule *r = &d->rules[i];
		const struct dpw_doc_match *m = &r->match;
		unsigned int n;

		FUZZ_CHECK(dpw_doc_name_valid(r->name));
		FUZZ_CHECK(m->family <= DPW_FAMILY_IPV6);
		FUZZ_CHECK(m->n_src <= DPW_MATCH_NETS_MAX && m->n_dst <= DPW_MATCH_NETS_MAX);
		FUZZ_CHECK(m->n_sport <= DPW_MATCH_PORTS_MAX && m->n_dport <= DPW_MATCH_PORTS_MAX);
		FUZZ_CHECK(m->n_domains <= DPW_MATCH_DOMAINS_MAX);
		FUZZ_CHECK((m->n_sport == 0 && m->n_dport == 0) || m->proto == 6 || m->proto == 17);
		for (j = 0; j < m->n_sport; j++)
			FUZZ_CHECK(m->sport[j].lo <= m->sport[j].hi);
		for (j = 0; j < m->n_dport; j++)
			FUZZ_CHECK(m->dport[j].lo <= m->dport[j].hi);
		for (j = 0; j < m->n_dst; j++)
			FUZZ_CHECK(m->dst[j].prefixlen <= 32 && (m->dst[j].prefixlen == 32 ||
				   (m->dst[j].addr << m->dst[j].prefixlen) == 0));
		for (j = 0; j < m->n_domains; j++)
			FUZZ_CHECK(terminated(m->domain[j], DPW_DOMAIN_LEN) && m->domain[j][0] != '\0');
		n = (m->n_src ? m->n_src : 1) * (m->n_dst ? m->n_dst : 1) *
		    (m->n_sport ? m->n_sport : 1) * (m->n_dport ? m->n_dport : 1);
		FUZZ_CHECK(n <= DPW_RULE_ENTRIES_MAX);
		entries += n;
		check_action(d, &r->action);
		FUZZ_CHECK(dpw_doc_match_covers(m, m) == (m->n_domains == 0));
	}
	FUZZ_CHECK(entries <= DPW_MAX_RULE_ENTRIES);
	FUZZ_CHECK(d->default_rule.preset < DPW_DEF_MAX);
	check_action(d, &d->default_rule.action);
	FUZZ_CHECK(d->default_rule.action.when_unavailable != DPW_FB_FALL_THROUGH &&
		   d->default_rule.action.when_unavailable != DPW_FB_DEFAULT);
	if (d->default_rule.preset != DPW_DEF_CUSTOM)
		FUZZ_CHECK(d->default_rule.action.policy == -1 &&
			   d->default_rule.action.pick.n == d->n_wans);
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
	check_policy(d);
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
	dpw_doc_free(d2);
	FUZZ_CHECK(dpw_doc_parse(y, ny, DPW_DOC_YAML, ctx, d2, pr) == 0);
	free(c2);
	c2 = dpw_doc_canonical(d2, &n2);
	FUZZ_CHECK(c2 != NULL && n1 == n2 && memcmp(c1, c2, n1) == 0);
	json_decref(back);
	json_decref(t);
	free(y);
	free(c2);
	free(c1);
	dpw_doc_free(d2);
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
	dpw_doc_free(d);
	free(d);
	free(pr);
	return 0;
}
