/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/rules (read-only): the running document's rules in their order
 * (first match wins), then the default rule and the "connected" pseudo rule (traffic to
 * a directly connected network, never policy-routed), each with what it matches (the
 * document encoder's own members), its action and its counters from shared memory
 * (pstats.h: 0 until the dataplane runs this generation's rules, see counters_gen).
 * Main thread.
 */
#include <string.h>

#include "control/api.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/pstats.h"
#include "lib/cfg/dpw_sysconf.h"

/* The members of an encoded rule that are its action, not its match. */
static const char *const action_members[] = {
	"name", "enabled", "policy", "algorithm", "persistence", "wans", "sticky",
	"sticky_timeout", "when_unavailable", "terminate_on_recovery", NULL,
};

/* What an encoded rule matches: the rule's tree without its name and action. */
static json_t *
match_json(const json_t *encoded)
{
	json_t *m = json_is_object(encoded) ? json_deep_copy(encoded) : json_object();
	unsigned int k;

	for (k = 0; m != NULL && action_members[k] != NULL; k++)
		json_object_del(m, action_members[k]);
	return m != NULL ? m : json_object();
}

static void
counters(json_t *j, const struct cp_pstats *ps, unsigned int i)
{
	unsigned int c;

	for (c = 0; c < CP_RC_MAX; c++)
		json_object_set_new(j, cp_rule_counters[c].json,
				    json_integer((json_int_t)ps->rule[c][i]));
}

static void
action(json_t *j, const struct dpw_doc *doc, const struct dpw_doc_action *a)
{
	const struct dpw_doc_pick *p = cp_pstats_action_pick(doc, a);

	json_object_set_new(j, "policy", a->policy >= 0 && p != NULL ?
			    json_stringn(doc->policies[a->policy].name,
					 strnlen(doc->policies[a->policy].name, DPW_NAME_LEN)) :
			    json_null());
	json_object_set_new(j, "algorithm", p != NULL ?
			    json_string(dpw_lb_algo_str(p->algorithm)) : json_null());
	json_object_set_new(j, "candidates", cp_api_candidates_json(doc, p));
	json_object_set_new(j, "when_unavailable", json_string(dpw_fallback_str(
			    cp_pstats_action_fallback(doc, a))));
	json_object_set_new(j, "sticky", json_boolean(a->sticky));
}

static json_t *
user_rule_json(const struct dpw_doc *doc, const json_t *encoded, const struct cp_pstats *ps,
	       unsigned int i)
{
	const struct dpw_doc_rule *ru = &doc->rules[i];
	json_t *j = json_object();

	json_object_set_new(j, "index", json_integer(i));
	json_object_set_new(j, "kind", json_string("user"));
	json_object_set_new(j, "name", json_stringn(ru->name, strnlen(ru->name, DPW_NAME_LEN)));
	json_object_set_new(j, "enabled", json_boolean(ru->enabled));
	json_object_set_new(j, "match", match_json(encoded));
	action(j, doc, &ru->action);
	counters(j, ps, i);
	return j;
}

static json_t *
default_rule_json(const struct dpw_doc *doc, const struct cp_pstats *ps)
{
	json_t *j = json_object();

	json_object_set_new(j, "index", json_null());
	json_object_set_new(j, "kind", json_string("default"));
	json_object_set_new(j, "name", json_string(CP_PSTATS_DEFAULT_NAME));
	json_object_set_new(j, "enabled", json_true());
	json_object_set_new(j, "match", json_object());
	json_object_set_new(j, "preset", json_string(dpw_default_preset_str(
			    doc->default_rule.preset)));
	action(j, doc, &doc->default_rule.action);
	counters(j, ps, CP_PSTATS_RULE_DEFAULT(ps));
	return j;
}

static json_t *
connected_rule_json(const struct dpw_shm *shm, const struct cp_pstats *ps)
{
	struct dpw_doc_net nets[CP_PSTATS_CONNECTED_MAX];
	unsigned int n = cp_pstats_connected(shm, nets, CP_PSTATS_CONNECTED_MAX), k;
	json_t *j = json_object(), *dst = json_array();
	char a[16], buf[24];

	for (k = 0; k < n; k++) {
		snprintf(buf, sizeof(buf), "%s/%u", dpw_ipv4_str(nets[k].addr, a, sizeof(a)),
			 nets[k].prefixlen);
		json_array_append_new(dst, json_string(buf));
	}
	json_object_set_new(j, "index", json_null());
	json_object_set_new(j, "kind", json_string("connected"));
	json_object_set_new(j, "name", json_string(CP_PSTATS_CONNECTED_NAME));
	json_object_set_new(j, "enabled", json_true());
	json_object_set_new(j, "match", json_pack("{s:o}", "dst", dst));
	json_object_set_new(j, "policy", json_null());
	json_object_set_new(j, "algorithm", json_null());
	json_object_set_new(j, "candidates", json_array());
	json_object_set_new(j, "when_unavailable", json_null());
	json_object_set_new(j, "sticky", json_false());
	counters(j, ps, CP_PSTATS_RULE_CONNECTED(ps));
	return j;
}

/*
 * Sum the running generation's counters and encode its document (the rules' match
 * members come from the encoder). 0, or an answer is queued.
 */
static int
prepare(struct cp_req *r, const struct dpw_shm **shm, struct cp_pstats *ps, json_t **tree)
{
	const struct cp_running *run = cp_config_running();

	*shm = cp_dplink_shm();
	*tree = NULL;
	memset(ps, 0, sizeof(*ps));
	if (*shm == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return -1;
	}
	if (cp_api_pstats_read(*shm, ps) < 0 ||
	    (run->doc.n_rules > 0 && (*tree = cp_config_running_json()) == NULL)) {
		cp_pstats_free(ps);
		cp_api_problem(r, 500, NULL, "out of memory");
		return -1;
	}
	return 0;
}

static json_t *
classifier_json(const struct dpw_shm *shm)
{
	return json_pack("{s:I,s:I,s:I,s:f}", "generation", (json_int_t)shm->policy_gen,
			 "rules", (json_int_t)shm->policy_rules, "entries",
			 (json_int_t)shm->policy_entries, "build_ms",
			 (double)shm->policy_build_ns / 1e6);
}

void
cp_api_rules_get(struct cp_req *r)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	const struct dpw_shm *shm;
	struct cp_pstats ps;
	json_t *tree, *encoded, *root, *arr;
	unsigned int i;

	if (prepare(r, &shm, &ps, &tree) < 0)
		return;
	encoded = json_object_get(tree, "rules");
	arr = json_array();
	for (i = 0; i < doc->n_rules; i++)
		json_array_append_new(arr, user_rule_json(doc, json_array_get(encoded, i), &ps,
							  i));
	json_array_append_new(arr, default_rule_json(doc, &ps));
	json_array_append_new(arr, connected_rule_json(shm, &ps));
	root = json_object();
	cp_api_counters_meta(root, &ps);
	json_object_set_new(root, "classifier", classifier_json(shm));
	json_object_set_new(root, "rules", arr);
	json_decref(tree);
	cp_pstats_free(&ps);
	cp_api_etag(r);
	cp_api_send_json(r, 200, root);
}

void
cp_api_rule_get(struct cp_req *r)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	const struct dpw_shm *shm;
	struct cp_pstats ps;
	json_t *tree, *j;
	unsigned int i;

	/* the document's rules first: the pseudo rules' names are theirs only when free */
	for (i = 0; i < doc->n_rules; i++)
		if (strncmp(doc->rules[i].name, r->param[0], DPW_NAME_LEN) == 0)
			break;
	if (i == doc->n_rules && strcmp(r->param[0], CP_PSTATS_DEFAULT_NAME) != 0 &&
	    strcmp(r->param[0], CP_PSTATS_CONNECTED_NAME) != 0) {
		cp_api_problem(r, 404, NULL, "no rule named '%s'", r->param[0]);
		return;
	}
	if (prepare(r, &shm, &ps, &tree) < 0)
		return;
	if (i < doc->n_rules)
		j = user_rule_json(doc, json_array_get(json_object_get(tree, "rules"), i), &ps, i);
	else if (strcmp(r->param[0], CP_PSTATS_DEFAULT_NAME) == 0)
		j = default_rule_json(doc, &ps);
	else
		j = connected_rule_json(shm, &ps);
	cp_api_counters_meta(j, &ps);
	json_decref(tree);
	cp_pstats_free(&ps);
	cp_api_etag(r);
	cp_api_send_json(r, 200, j);
}
