/* SPDX-License-Identifier: BSD-3-Clause
 * The "members" and "policies" sections of the network-policy document (issue 8): mwan3
 * members (a WAN with a metric and a weight) and named policies, either mwan3's (a list
 * of members: the metric algorithm) or Peplink's (an algorithm with its own WAN list);
 * the own pick (algorithm, persistence, wans[]) that rules and the default rule share;
 * the names of the algorithms and fallbacks; a pick's shares for status. Every problem
 * is reported with its JSON pointer. Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"

#define METRIC_MIN 1
#define METRIC_MAX 256               /* mwan3's metric range */
#define WEIGHT_MIN 1
#define WEIGHT_MAX 1000              /* mwan3's weight range, as a WAN's */

static const char *const algo_names[DPW_LB_MAX] = {
#define DPW_X_NAME(e, s) [DPW_LB_##e] = s,
	DPW_LB_ALGOS(DPW_X_NAME)
#undef DPW_X_NAME
};

static const char *const fallback_names[DPW_FB_MAX] = {
#define DPW_X_NAME(e, s) [DPW_FB_##e] = s,
	DPW_FALLBACKS(DPW_X_NAME)
#undef DPW_X_NAME
};

static const char *const member_members[] = { "name", "wan", "metric", "weight", NULL };
static const char *const policy_members[] = {
	"name", "members", "algorithm", "persistence", "wans", "last_resort", NULL,
};
static const char *const pick_wan_members[] = { "wan", "weight", "metric", NULL };

const char *
dpw_lb_algo_str(unsigned int a)
{
	return a < DPW_LB_MAX ? algo_names[a] : "unknown";
}

const char *
dpw_fallback_str(unsigned int f)
{
	return f < DPW_FB_MAX ? fallback_names[f] : "unknown";
}

int
dpw_doc_lb_algo_parse(const char *s, uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < DPW_LB_MAX; i++) {
		if (strcmp(s, algo_names[i]) == 0) {
			*a = (uint8_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* "metric, weighted, ..." for messages. */
static const char *
algo_list(char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < DPW_LB_MAX && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", algo_names[i]);
	return buf;
}

const struct dpw_doc_policy *
dpw_doc_policy_find(const struct dpw_doc *doc, const char *name)
{
	unsigned int i;

	for (i = 0; i < doc->n_policies && i < DPW_MAX_POLICIES; i++)
		if (doc->policies[i].name[0] != '\0' && strcmp(doc->policies[i].name, name) == 0)
			return &doc->policies[i];
	return NULL;
}

/* ---- the own pick: algorithm, persistence, wans[] ------------------------------------- */

/* One element of wans[]: a WAN name, or {wan, weight, metric}. */
static void
decode_pick_wan(const json_t *e, const char *path, const struct dpw_doc *doc,
		struct dpw_doc_dec *dec, struct dpw_doc_pick *pk, int src[DPW_MAX_WANS],
		const char *wans_path, size_t index)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	const char *name;
	const char *name_path = path;
	int64_t weight = 0, metric = 1;
	bool have_weight = false;
	unsigned int j;
	int w;

	if (json_is_string(e)) {
		name = json_string_value(e);
	} else if (json_is_object(e)) {
		dpw_doc_check_members(e, path, pick_wan_members, NULL, dec);
		if (json_object_get(e, "weight") != NULL) {
			have_weight = true;
			dpw_doc_get_int(e, path, "weight", false, WEIGHT_MIN, WEIGHT_MAX, 1,
					&weight, dec);
		}
		if (json_object_get(e, "metric") != NULL && pk->algorithm != DPW_LB_METRIC) {
			dpw_doc_path_key(p, sizeof(p), path, "metric");
			dpw_doc_problem_add(dec->pr, false, p, "metric is for algorithm metric only, "
					    "not %s", dpw_lb_algo_str(pk->algorithm));
		} else {
			dpw_doc_get_int(e, path, "metric", false, METRIC_MIN, METRIC_MAX, 1,
					&metric, dec);
		}
		if (dpw_doc_get_string(e, path, "wan", true, &name, dec) != 0)
			return;
		dpw_doc_path_key(p, sizeof(p), path, "wan");
		name_path = p;
	} else {
		dpw_doc_type_error(dec, path, "a WAN name or an object {wan, weight, metric}", e);
		return;
	}
	w = dpw_doc_wan_ref(doc, name, name_path, dec);
	if (w < 0)
		return;
	for (j = 0; j < pk->n; j++) {
		if (pk->c[j].wan == w) {
			dpw_doc_path_index(q, sizeof(q), wans_path, (size_t)src[j]);
			dpw_doc_problem_add(dec->pr, false, path, "WAN '%s' is in this list "
					    "already (%s): a WAN at most once", doc->wans[w].name, q);
			return;
		}
	}
	src[pk->n] = (int)index;
	pk->c[pk->n].wan = (uint8_t)w;
	pk->c[pk->n].metric = (uint16_t)metric;
	pk->c[pk->n].weight = have_weight && weight > 0 ? (uint32_t)weight :
			      doc->wans[w].weight;
	pk->n++;
}

int
dpw_doc_pick_decode(const json_t *o, const char *path, const struct dpw_doc *doc,
		    struct dpw_doc_dec *dec, struct dpw_doc_pick *pk)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN], list[DPW_DOC_MSG_LEN];
	unsigned int errors = dec->pr->errors;
	int src[DPW_MAX_WANS];
	const json_t *wans;
	const char *s;
	size_t i, n;

	memset(pk, 0, sizeof(*pk));
	if (dpw_doc_get_string(o, path, "algorithm", true, &s, dec) != 0)
		return -EINVAL;
	if (dpw_doc_lb_algo_parse(s, &pk->algorithm) != 0) {
		dpw_doc_path_key(p, sizeof(p), path, "algorithm");
		dpw_doc_problem_add(dec->pr, false, p, "algorithm '%.32s' is unknown: %s", s,
				    algo_list(list, sizeof(list)));
		return -EINVAL;
	}
	pk->persist = DPW_PERSIST_SOURCE;
	if (dpw_doc_get_string(o, path, "persistence", false, &s, dec) == 0 && s != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "persistence");
		if (pk->algorithm != DPW_LB_PERSISTENCE)
			dpw_doc_problem_add(dec->pr, false, p, "persistence is for algorithm "
					    "persistence only, not %s",
					    dpw_lb_algo_str(pk->algorithm));
		else if (strcmp(s, "destination") == 0)
			pk->persist = DPW_PERSIST_DESTINATION;
		else if (strcmp(s, "source") != 0)
			dpw_doc_problem_add(dec->pr, false, p, "persistence '%.32s' is unknown: "
					    "source or destination", s);
	}
	wans = json_object_get(o, "wans");
	dpw_doc_path_key(p, sizeof(p), path, "wans");
	if (wans == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "algorithm %s needs 'wans' (the WANs "
				    "it chooses from)", dpw_lb_algo_str(pk->algorithm));
		return -EINVAL;
	}
	if (!json_is_array(wans)) {
		dpw_doc_type_error(dec, p, "an array of WANs", wans);
		return -EINVAL;
	}
	n = json_array_size(wans);
	if (n == 0)
		dpw_doc_problem_add(dec->pr, false, p, "at least one WAN is required");
	else if (n > DPW_MAX_WANS)
		dpw_doc_problem_add(dec->pr, false, p, "%zu WANs, at most %d", n, DPW_MAX_WANS);
	else if (pk->algorithm == DPW_LB_ENFORCED && n != 1)
		dpw_doc_problem_add(dec->pr, false, p, "algorithm enforced takes exactly one WAN, "
				    "not %zu", n);
	for (i = 0; i < n && i < DPW_MAX_WANS; i++) {
		dpw_doc_path_index(e, sizeof(e), p, i);
		decode_pick_wan(json_array_get(wans, i), e, doc, dec, pk, src, p, i);
	}
	return dec->pr->errors > errors ? -EINVAL : 0;
}

int
dpw_doc_pick_encode(json_t *o, const struct dpw_doc *doc, const struct dpw_doc_pick *pk)
{
	json_t *a = json_array();
	unsigned int i;
	int bad = 0;

	if (a == NULL)
		return -ENOMEM;
	for (i = 0; i < pk->n && i < DPW_MAX_WANS; i++) {
		json_t *c = json_object();
		const char *name = pk->c[i].wan < doc->n_wans ? doc->wans[pk->c[i].wan].name : "";

		bad |= json_array_append_new(a, c);
		bad |= json_object_set_new(c, "wan", json_string(name));
		bad |= json_object_set_new(c, "weight", json_integer(pk->c[i].weight));
		if (pk->algorithm == DPW_LB_METRIC)
			bad |= json_object_set_new(c, "metric", json_integer(pk->c[i].metric));
	}
	bad |= json_object_set_new(o, "algorithm", json_string(dpw_lb_algo_str(pk->algorithm)));
	if (pk->algorithm == DPW_LB_PERSISTENCE)
		bad |= json_object_set_new(o, "persistence", json_string(
				pk->persist == DPW_PERSIST_DESTINATION ? "destination" : "source"));
	bad |= json_object_set_new(o, "wans", a);
	return bad ? -ENOMEM : 0;
}

/* ---- members ------------------------------------------------------------------------- */

void
dpw_doc_members_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		       struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	const char *s;
	size_t i, n;
	int64_t x;
	int w;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of members", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_MAX_MEMBERS)
		dpw_doc_problem_add(dec->pr, false, path, "%zu members, at most %d", n,
				    DPW_MAX_MEMBERS);
	for (i = 0; i < n && i < DPW_MAX_MEMBERS; i++) {
		const json_t *e = json_array_get(v, i);
		struct dpw_doc_member *m = &doc->members[i];

		m->wan = DPW_DOC_WAN_NONE;
		m->metric = 1;
		m->weight = 1;
		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a member)", e);
			continue;
		}
		dpw_doc_check_members(e, p, member_members, NULL, dec);
		dpw_doc_get_name(e, p, m->name, dec);
		if (dpw_doc_get_string(e, p, "wan", true, &s, dec) == 0) {
			dpw_doc_path_key(q, sizeof(q), p, "wan");
			w = dpw_doc_wan_ref(doc, s, q, dec);
			if (w >= 0)
				m->wan = (uint8_t)w;
		}
		if (dpw_doc_get_int(e, p, "metric", false, METRIC_MIN, METRIC_MAX, 1, &x, dec) == 0)
			m->metric = (uint16_t)x;
		if (dpw_doc_get_int(e, p, "weight", false, WEIGHT_MIN, WEIGHT_MAX, 1, &x, dec) == 0)
			m->weight = (uint32_t)x;
	}
	doc->n_members = (unsigned int)(n < DPW_MAX_MEMBERS ? n : DPW_MAX_MEMBERS);
}

json_t *
dpw_doc_members_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_members && i < DPW_MAX_MEMBERS; i++) {
		const struct dpw_doc_member *m = &doc->members[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}", "name", m->name,
						       "wan", m->wan < doc->n_wans ?
						       doc->wans[m->wan].name : "",
						       "metric", (json_int_t)m->metric,
						       "weight", (json_int_t)m->weight)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* ---- policies ------------------------------------------------------------------------ */

static int
member_index(const struct dpw_doc *doc, const char *name)
{
	unsigned int i;

	for (i = 0; i < doc->n_members && i < DPW_MAX_MEMBERS; i++)
		if (doc->members[i].name[0] != '\0' && strcmp(doc->members[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* mwan3's form: use_member names; the pick is the members' WANs, metrics and weights. */
static void
decode_policy_members(const json_t *a, const char *path, struct dpw_doc_dec *dec,
		      const struct dpw_doc *doc, struct dpw_doc_policy *pol)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	int src[DPW_MAX_WANS];
	unsigned int j;
	size_t i, n;

	pol->pick.algorithm = DPW_LB_METRIC;
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, path, "an array of member names", a);
		return;
	}
	n = json_array_size(a);
	if (n == 0)
		dpw_doc_problem_add(dec->pr, false, path, "at least one member is required");
	else if (n > DPW_MAX_WANS)
		dpw_doc_problem_add(dec->pr, false, path, "%zu members, at most %d (each WAN at "
				    "most once)", n, DPW_MAX_WANS);
	for (i = 0; i < n && i < DPW_MAX_WANS; i++) {
		const json_t *e = json_array_get(a, i);
		const struct dpw_doc_member *m;
		int k;

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_string(e)) {
			dpw_doc_type_error(dec, p, "a member name", e);
			continue;
		}
		k = member_index(doc, json_string_value(e));
		if (k < 0) {
			dpw_doc_problem_add(dec->pr, false, p, "no member '%.32s' in /members",
					    json_string_value(e));
			continue;
		}
		m = &doc->members[k];
		if (m->wan == DPW_DOC_WAN_NONE)
			continue;   /* its WAN is reported at the member */
		for (j = 0; j < pol->n_members; j++)
			if (doc->members[pol->member[j]].wan == m->wan)
				break;
		if (j < pol->n_members) {
			dpw_doc_path_index(q, sizeof(q), path, (size_t)src[j]);
			dpw_doc_problem_add(dec->pr, false, p, "member '%s' is WAN '%s', which "
					    "member '%s' (%s) puts in this policy already: a WAN at "
					    "most once", m->name, doc->wans[m->wan].name,
					    doc->members[pol->member[j]].name, q);
			continue;
		}
		src[pol->n_members] = (int)i;
		pol->member[pol->n_members] = (uint16_t)k;
		pol->pick.c[pol->n_members].wan = m->wan;
		pol->pick.c[pol->n_members].metric = m->metric;
		pol->pick.c[pol->n_members].weight = m->weight;
		pol->n_members++;
	}
	pol->pick.n = (uint8_t)pol->n_members;
}

static void
decode_policy(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	      const struct dpw_doc *doc, struct dpw_doc_policy *pol)
{
	char p[DPW_DOC_PATH_LEN];
	const json_t *members = json_object_get(o, "members");
	const char *s;

	pol->last_resort = DPW_FB_UNREACHABLE;
	dpw_doc_check_members(o, path, policy_members, NULL, dec);
	dpw_doc_get_name(o, path, pol->name, dec);
	if (members != NULL) {
		if (dpw_doc_get_string(o, path, "algorithm", false, &s, dec) == 0 && s != NULL &&
		    strcmp(s, "metric") != 0) {
			dpw_doc_path_key(p, sizeof(p), path, "algorithm");
			dpw_doc_problem_add(dec->pr, false, p, "a policy of members chooses by "
					    "metric (mwan3), not by '%.32s': give 'wans' instead of "
					    "'members' for another algorithm", s);
		}
		if (json_object_get(o, "wans") != NULL) {
			dpw_doc_path_key(p, sizeof(p), path, "wans");
			dpw_doc_problem_add(dec->pr, false, p, "a policy has 'members' (mwan3) or "
					    "'wans' (its own algorithm), not both");
		}
		if (json_object_get(o, "persistence") != NULL) {
			dpw_doc_path_key(p, sizeof(p), path, "persistence");
			dpw_doc_problem_add(dec->pr, false, p, "persistence is for algorithm "
					    "persistence only, not a policy of members");
		}
		dpw_doc_path_key(p, sizeof(p), path, "members");
		decode_policy_members(members, p, dec, doc, pol);
	} else if (json_object_get(o, "algorithm") != NULL) {
		dpw_doc_pick_decode(o, path, doc, dec, &pol->pick);
	} else {
		dpw_doc_problem_add(dec->pr, false, path, "a policy needs 'members' (mwan3) or "
				    "'algorithm' and 'wans'");
	}
	if (dpw_doc_get_string(o, path, "last_resort", false, &s, dec) == 0 && s != NULL) {
		if (strcmp(s, "unreachable") == 0) {
			pol->last_resort = DPW_FB_UNREACHABLE;
		} else if (strcmp(s, "blackhole") == 0) {
			pol->last_resort = DPW_FB_DROP;
		} else if (strcmp(s, "default") == 0) {
			pol->last_resort = DPW_FB_DEFAULT;
		} else {
			dpw_doc_path_key(p, sizeof(p), path, "last_resort");
			dpw_doc_problem_add(dec->pr, false, p, "last_resort '%.32s' is unknown: "
					    "unreachable, blackhole or default", s);
		}
	}
}

void
dpw_doc_policies_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	size_t i, n;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of policies", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_MAX_POLICIES)
		dpw_doc_problem_add(dec->pr, false, path, "%zu policies, at most %d", n,
				    DPW_MAX_POLICIES);
	for (i = 0; i < n && i < DPW_MAX_POLICIES; i++) {
		const json_t *e = json_array_get(v, i);

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a policy)", e);
			continue;
		}
		decode_policy(e, p, dec, doc, &doc->policies[i]);
	}
	doc->n_policies = (unsigned int)(n < DPW_MAX_POLICIES ? n : DPW_MAX_POLICIES);
}

static const char *
last_resort_str(uint8_t f)
{
	return f == DPW_FB_DROP ? "blackhole" : f == DPW_FB_DEFAULT ? "default" : "unreachable";
}

json_t *
dpw_doc_policies_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i, j;
	int bad = 0;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_policies && i < DPW_MAX_POLICIES && !bad; i++) {
		const struct dpw_doc_policy *pol = &doc->policies[i];
		json_t *o = json_object(), *m;

		bad |= json_array_append_new(a, o);
		bad |= json_object_set_new(o, "name", json_string(pol->name));
		if (pol->n_members > 0) {
			m = json_array();
			bad |= json_object_set_new(o, "members", m);
			for (j = 0; m != NULL && j < pol->n_members && j < DPW_MAX_WANS; j++)
				bad |= json_array_append_new(m, json_string(
						doc->members[pol->member[j]].name));
			bad |= json_object_set_new(o, "algorithm", json_string("metric"));
		} else if (o != NULL) {
			bad |= dpw_doc_pick_encode(o, doc, &pol->pick);
		}
		bad |= json_object_set_new(o, "last_resort",
					   json_string(last_resort_str(pol->last_resort)));
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* ---- shares -------------------------------------------------------------------------- */

void
dpw_doc_pick_shares(const struct dpw_doc_pick *p, const uint8_t usable[DPW_MAX_WANS],
		    const uint8_t up[DPW_MAX_WANS], unsigned int share[DPW_MAX_WANS])
{
	uint64_t w[DPW_MAX_WANS] = { 0 }, total = 0, given = 0, rem[DPW_MAX_WANS] = { 0 };
	unsigned int i, n = p->n < DPW_MAX_WANS ? p->n : DPW_MAX_WANS;
	unsigned int tier = UINT32_MAX;

	memset(share, 0, DPW_MAX_WANS * sizeof(share[0]));
	switch (p->algorithm) {
	case DPW_LB_ENFORCED:
		/* the one WAN whatever its health: all of it while it is up at all */
		if (n > 0 && p->c[0].wan < DPW_MAX_WANS && up[p->c[0].wan])
			share[p->c[0].wan] = 100;
		return;
	case DPW_LB_PRIORITY:
	case DPW_LB_OVERFLOW:
		/* overflow's spill depends on the measured load: the first WAN is its answer
		 * while none is full */
		for (i = 0; i < n; i++) {
			if (p->c[i].wan < DPW_MAX_WANS && usable[p->c[i].wan]) {
				share[p->c[i].wan] = 100;
				return;
			}
		}
		return;
	case DPW_LB_METRIC:
		for (i = 0; i < n; i++)
			if (p->c[i].wan < DPW_MAX_WANS && usable[p->c[i].wan] &&
			    p->c[i].metric < tier)
				tier = p->c[i].metric;
		for (i = 0; i < n; i++)
			if (p->c[i].wan < DPW_MAX_WANS && usable[p->c[i].wan] &&
			    p->c[i].metric == tier)
				w[i] = p->c[i].weight;
		break;
	case DPW_LB_WEIGHTED:
	case DPW_LB_PERSISTENCE:
		for (i = 0; i < n; i++)
			if (p->c[i].wan < DPW_MAX_WANS && usable[p->c[i].wan])
				w[i] = p->c[i].weight;
		break;
	default:
		/* least used, lowest latency, fastest response: decided by live figures */
		for (i = 0; i < n; i++)
			if (p->c[i].wan < DPW_MAX_WANS && usable[p->c[i].wan])
				w[i] = 1;
		break;
	}
	for (i = 0; i < n; i++)
		total += w[i];
	if (total == 0)
		return;
	/* largest remainder, ties to the earlier candidate: the shares sum to 100 */
	for (i = 0; i < n; i++) {
		share[p->c[i].wan] = (unsigned int)(w[i] * 100 / total);
		rem[i] = w[i] * 100 % total;
		given += share[p->c[i].wan];
	}
	while (given < 100) {
		unsigned int best = 0;

		for (i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		share[p->c[best].wan]++;
		rem[best] = 0;
		given++;
	}
}
