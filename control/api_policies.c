/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/policies (read-only): every named policy of the running document
 * and the default rule, each with its candidates, the share of new connections each WAN
 * would get now (dpw_doc_pick_shares over the WANs' flags in shared memory, what
 * `dpwanctl status` prints like mwan3) and the sessions it placed per WAN (the policy
 * counters of shared memory, summed over the current epoch's lcore slots: pstats.h).
 * Main thread.
 */
#include <string.h>

#include "control/api.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/pstats.h"

static json_t *
name_json(const char *s)
{
	return json_stringn(s, strnlen(s, DPW_NAME_LEN));
}

json_t *
cp_api_candidates_json(const struct dpw_doc *doc, const struct dpw_doc_pick *p)
{
	json_t *arr = json_array();
	unsigned int k;

	for (k = 0; p != NULL && k < p->n && k < DPW_MAX_WANS; k++) {
		if (p->c[k].wan >= doc->n_wans)
			continue;
		json_array_append_new(arr, json_pack("{s:o,s:i,s:I}", "wan",
				      name_json(doc->wans[p->c[k].wan].name), "metric",
				      (int)p->c[k].metric, "weight", (json_int_t)p->c[k].weight));
	}
	return arr;
}

/* [{wan, percent}] for each candidate, in the pick's order. */
static json_t *
shares_json(const struct dpw_doc *doc, const struct dpw_doc_pick *p,
	    const uint8_t usable[DPW_MAX_WANS], const uint8_t up[DPW_MAX_WANS])
{
	unsigned int share[DPW_MAX_WANS], k;
	json_t *arr = json_array();

	if (p == NULL)
		return arr;
	memset(share, 0, sizeof(share));
	dpw_doc_pick_shares(p, usable, up, share);
	for (k = 0; k < p->n && k < DPW_MAX_WANS; k++) {
		if (p->c[k].wan >= doc->n_wans)
			continue;
		json_array_append_new(arr, json_pack("{s:o,s:i}", "wan",
				      name_json(doc->wans[p->c[k].wan].name), "percent",
				      (int)share[p->c[k].wan]));
	}
	return arr;
}

/*
 * [{wan, sessions}] from one policy slot (indexed by the dataplane's WAN id): each
 * candidate, then any other WAN that has sessions (placed by a fallback).
 */
static json_t *
sessions_json(const struct dpw_shm *shm, const struct dpw_doc *doc,
	      const struct dpw_doc_pick *p, const uint64_t counts[DPW_MAX_WANS],
	      uint64_t *total)
{
	uint8_t shown[DPW_MAX_WANS] = { 0 };
	json_t *arr = json_array();
	unsigned int k, w;
	int id;

	*total = 0;
	for (k = 0; p != NULL && k < p->n && k < DPW_MAX_WANS; k++) {
		if (p->c[k].wan >= doc->n_wans)
			continue;
		id = cp_pstats_wan_id(shm, doc->wans[p->c[k].wan].name);
		if (id < 0 || shown[id])
			continue;
		shown[id] = 1;
		json_array_append_new(arr, json_pack("{s:o,s:I}", "wan",
				      name_json(shm->wans[id].name), "sessions",
				      (json_int_t)counts[id]));
	}
	for (w = 0; w < shm->n_wans && w < DPW_MAX_WANS; w++) {
		*total += counts[w];
		if (!shown[w] && counts[w] > 0)
			json_array_append_new(arr, json_pack("{s:o,s:I}", "wan",
					      name_json(shm->wans[w].name), "sessions",
					      (json_int_t)counts[w]));
	}
	return arr;
}

static json_t *
persistence_json(const struct dpw_doc_pick *p)
{
	if (p == NULL || p->algorithm != DPW_LB_PERSISTENCE)
		return json_null();
	return json_string(p->persist == DPW_PERSIST_DESTINATION ? "destination" : "source");
}

/* The API object of named policy i, or of the default rule (i == doc->n_policies). */
static json_t *
policy_json(const struct dpw_shm *shm, const struct dpw_doc *doc, const struct cp_pstats *ps,
	    unsigned int i, const uint8_t usable[DPW_MAX_WANS], const uint8_t up[DPW_MAX_WANS])
{
	const struct dpw_doc_pick *p;
	json_t *j = json_object(), *members = json_array();
	uint64_t total;
	unsigned int k;

	if (i < doc->n_policies) {
		const struct dpw_doc_policy *pol = &doc->policies[i];

		p = &pol->pick;
		json_object_set_new(j, "name", name_json(pol->name));
		json_object_set_new(j, "default_rule", json_false());
		for (k = 0; k < pol->n_members && k < DPW_MAX_WANS; k++)
			if (pol->member[k] < doc->n_members)
				json_array_append_new(members,
					name_json(doc->members[pol->member[k]].name));
		json_object_set_new(j, "last_resort", json_string(dpw_fallback_str(
				    pol->last_resort)));
	} else {
		const struct dpw_doc_action *a = &doc->default_rule.action;

		p = cp_pstats_action_pick(doc, a);
		json_object_set_new(j, "name", json_string(CP_PSTATS_DEFAULT_NAME));
		json_object_set_new(j, "default_rule", json_true());
		json_object_set_new(j, "preset", json_string(dpw_default_preset_str(
				    doc->default_rule.preset)));
		json_object_set_new(j, "policy", a->policy >= 0 && p != NULL ?
				    name_json(doc->policies[a->policy].name) : json_null());
		json_object_set_new(j, "last_resort", json_string(dpw_fallback_str(
				    cp_pstats_action_fallback(doc, a))));
	}
	json_object_set_new(j, "algorithm", p != NULL ? json_string(dpw_lb_algo_str(
			    p->algorithm)) : json_null());
	json_object_set_new(j, "persistence", persistence_json(p));
	json_object_set_new(j, "members", members);
	json_object_set_new(j, "candidates", cp_api_candidates_json(doc, p));
	json_object_set_new(j, "shares", shares_json(doc, p, usable, up));
	json_object_set_new(j, "sessions", sessions_json(shm, doc, p, ps->policy_wan[i], &total));
	json_object_set_new(j, "sessions_total", json_integer((json_int_t)total));
	return j;
}

int
cp_api_pstats_read(const struct dpw_shm *shm, struct cp_pstats *ps)
{
	const struct cp_running *run = cp_config_running();
	int64_t pg = (int64_t)__atomic_load_n(&shm->policy_gen, __ATOMIC_ACQUIRE);
	int rc;

	/* the running document's rules, under its number or an older one of the same bytes */
	rc = cp_pstats_read(shm, cp_config_same_as_running(pg) ? pg : run->gen,
			    run->doc.n_rules, run->doc.n_policies, ps);
	if (rc < 0)
		cp_pstats_free(ps);
	return rc;
}

/* Sum the counters of the running generation; 0, or an answer is queued. */
static int
read_stats(struct cp_req *r, const struct dpw_shm **shm, struct cp_pstats *ps)
{
	*shm = cp_dplink_shm();
	memset(ps, 0, sizeof(*ps));
	if (*shm == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return -1;
	}
	if (cp_api_pstats_read(*shm, ps) < 0) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return -1;
	}
	return 0;
}

void
cp_api_counters_meta(json_t *j, const struct cp_pstats *ps)
{
	json_object_set_new(j, "generation", json_integer((json_int_t)cp_config_running()->gen));
	json_object_set_new(j, "counters_gen", json_integer((json_int_t)ps->gen));
	json_object_set_new(j, "counters_valid", json_boolean(ps->valid));
}

void
cp_api_policies_get(struct cp_req *r)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	uint8_t usable[DPW_MAX_WANS], up[DPW_MAX_WANS];
	const struct dpw_shm *shm;
	struct cp_pstats ps;
	json_t *root, *arr;
	unsigned int i;

	if (read_stats(r, &shm, &ps) < 0)
		return;
	cp_pstats_wan_flags(shm, doc, usable, up);
	arr = json_array();
	for (i = 0; i <= doc->n_policies; i++)
		json_array_append_new(arr, policy_json(shm, doc, &ps, i, usable, up));
	root = json_object();
	cp_api_counters_meta(root, &ps);
	json_object_set_new(root, "policies", arr);
	cp_pstats_free(&ps);
	cp_api_etag(r);
	cp_api_send_json(r, 200, root);
}

void
cp_api_policy_get(struct cp_req *r)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	uint8_t usable[DPW_MAX_WANS], up[DPW_MAX_WANS];
	const struct dpw_shm *shm;
	struct cp_pstats ps;
	unsigned int i;
	json_t *j;

	/* a named policy first: the default rule's name is only its name when no policy has it */
	for (i = 0; i < doc->n_policies; i++)
		if (strncmp(doc->policies[i].name, r->param[0], DPW_NAME_LEN) == 0)
			break;
	if (i == doc->n_policies && strcmp(r->param[0], CP_PSTATS_DEFAULT_NAME) != 0) {
		cp_api_problem(r, 404, NULL, "no policy named '%s'", r->param[0]);
		return;
	}
	if (read_stats(r, &shm, &ps) < 0)
		return;
	cp_pstats_wan_flags(shm, doc, usable, up);
	j = policy_json(shm, doc, &ps, i, usable, up);
	cp_api_counters_meta(j, &ps);
	cp_pstats_free(&ps);
	cp_api_etag(r);
	cp_api_send_json(r, 200, j);
}
