/* SPDX-License-Identifier: BSD-3-Clause
 * Inbound access, NAT mappings, firewall and DoS resources (issue 10): each a section
 * of the running document (GET it, PUT it whole: the edited document is validated and
 * applied like PUT /api/v1/config, If-Match honoured), and the counters the dataplane
 * keeps for them (struct dpw_inb_stats, summed over the lcore slots of the current
 * epoch): connections each service opened, first packets each firewall rule judged.
 * Main thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/config.h"
#include "control/dplink.h"

/* The counters of the running document's services and rules; valid false when the
 * dataplane runs another generation (slot i is then another document's). */
struct istats {
	bool valid;
	uint64_t svc[DPW_SHM_SERVICES];
	uint64_t fw[2][DPW_FW_SLOTS];
};

_Static_assert(DPW_SERVICES_MAX <= DPW_SHM_SERVICES, "a counter per service");
_Static_assert(DPW_FW_RULES_MAX <= DPW_SHM_FW_RULES, "a counter per firewall rule");

static void
istats_read(const struct dpw_shm *shm, struct istats *is)
{
	memset(is, 0, sizeof(*is));
	for (int tries = 0; tries < 4; tries++) {
		uint64_t gen = __atomic_load_n(&shm->policy_gen, __ATOMIC_ACQUIRE);
		uint64_t ep = __atomic_load_n(&shm->inb_epoch, __ATOMIC_ACQUIRE);

		memset(is, 0, sizeof(*is));
		if (!cp_config_same_as_running((int64_t)gen))
			return;
		for (unsigned int i = 0; i < DPW_MAX_LCORE_SLOTS; i++) {
			const struct dpw_inb_stats *s = &shm->istats[i];

			if (__atomic_load_n(&s->epoch, __ATOMIC_ACQUIRE) != ep)
				continue;
			for (unsigned int k = 0; k < DPW_SHM_SERVICES; k++)
				is->svc[k] += s->svc_conns[k];
			for (unsigned int d = 0; d < 2; d++)
				for (unsigned int k = 0; k < DPW_FW_SLOTS; k++)
					is->fw[d][k] += s->fw_hits[d][k];
		}
		if (__atomic_load_n(&shm->policy_gen, __ATOMIC_ACQUIRE) == gen &&
		    __atomic_load_n(&shm->inb_epoch, __ATOMIC_ACQUIRE) == ep) {
			is->valid = true;
			return;
		}
	}
	memset(is, 0, sizeof(*is));
}

/* The counters, or an answer queued and NULL (free it). */
static struct istats *
read_counters(struct cp_req *r)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	struct istats *is;

	if (shm == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return NULL;
	}
	is = malloc(sizeof(*is));
	if (is == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return NULL;
	}
	istats_read(shm, is);
	return is;
}

/* Replace tree[a] (tree[a][b] when b) with the body of type, then apply. */
static void
put_section(struct cp_req *r, const char *a, const char *b, json_type type, const char *what)
{
	json_t *body, *t;

	if (cp_api_if_match(r, false) < 0 || (body = cp_api_body_json(r, type)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(body);
		return;
	}
	if (b == NULL)
		json_object_set_new(t, a, body);
	else
		json_object_set_new(cp_api_member(t, a, NULL, 1), b, body);
	cp_api_apply_tree(r, t, what);
}

void
cp_api_services_get(struct cp_req *r)
{
	cp_api_send_part(r, "services", NULL, json_array());
}

void
cp_api_services_put(struct cp_req *r)
{
	put_section(r, "services", NULL, JSON_ARRAY, "services replaced");
}

void
cp_api_nat_mappings_get(struct cp_req *r)
{
	cp_api_send_part(r, "nat", "mappings", json_array());
}

void
cp_api_nat_mappings_put(struct cp_req *r)
{
	put_section(r, "nat", "mappings", JSON_ARRAY, "nat mappings replaced");
}

void
cp_api_firewall_get(struct cp_req *r)
{
	cp_api_send_part(r, "firewall", NULL, json_object());
}

void
cp_api_firewall_put(struct cp_req *r)
{
	put_section(r, "firewall", NULL, JSON_OBJECT, "firewall replaced");
}

void
cp_api_dos_get(struct cp_req *r)
{
	cp_api_send_part(r, "dos", NULL, json_object());
}

void
cp_api_dos_put(struct cp_req *r)
{
	put_section(r, "dos", NULL, JSON_OBJECT, "dos replaced");
}

static json_t *
meta(const struct istats *is)
{
	return json_pack("{s:I,s:b}", "generation", (json_int_t)cp_config_running()->gen,
			 "counters_valid", is->valid);
}

void
cp_api_services_counters(struct cp_req *r)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	struct istats *is = read_counters(r);
	json_t *j, *a;

	if (is == NULL)
		return;
	j = meta(is);
	a = json_array();
	for (unsigned int i = 0; i < doc->n_services && i < DPW_SHM_SERVICES; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:I}", "name", doc->services[i].name,
						   "enabled", doc->services[i].enabled,
						   "connections", (json_int_t)is->svc[i]));
	json_object_set_new(j, "services", a);
	free(is);
	cp_api_send_json(r, 200, j);
}

static json_t *
rules_json(const struct dpw_doc_fw_rule *rules, unsigned int n, const uint64_t *hits)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < n && i < DPW_SHM_FW_RULES; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:I}", "name", rules[i].name,
						   "action", dpw_fw_action_str(rules[i].action),
						   "enabled", rules[i].enabled,
						   "hits", (json_int_t)hits[i]));
	return a;
}

void
cp_api_firewall_counters(struct cp_req *r)
{
	const struct dpw_doc_firewall *f = &cp_config_running()->doc.firewall;
	struct istats *is = read_counters(r);
	json_t *j;

	if (is == NULL)
		return;
	j = meta(is);
	json_object_set_new(j, "outbound", rules_json(f->outbound, f->n_outbound,
						      is->fw[DPW_FW_OUT]));
	json_object_set_new(j, "outbound_default", json_pack("{s:s,s:I}", "action",
		dpw_fw_action_str(f->outbound_default),
		"hits", (json_int_t)is->fw[DPW_FW_OUT][DPW_FW_SLOT_DEFAULT]));
	json_object_set_new(j, "inbound", rules_json(f->inbound, f->n_inbound,
						     is->fw[DPW_FW_IN]));
	json_object_set_new(j, "inbound_default", json_pack("{s:s,s:I}", "action",
		dpw_fw_action_str(f->inbound_default),
		"hits", (json_int_t)is->fw[DPW_FW_IN][DPW_FW_SLOT_DEFAULT]));
	free(is);
	cp_api_send_json(r, 200, j);
}

#define FW_SERIES_MAX 256   /* rules with a series when their counter is 0 */

void
cp_api_inbound_metrics(FILE *f, const struct dpw_shm *shm)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	const struct dpw_doc_firewall *fw = &doc->firewall;
	static const char *const dirs[2] = { "outbound", "inbound" };
	struct istats *is = malloc(sizeof(*is));

	if (is == NULL)
		return;
	istats_read(shm, is);
	/* until the dataplane runs this document, slot i is another's: no series */
	if (!is->valid) {
		free(is);
		return;
	}
	if (doc->n_services > 0)
		fprintf(f, "# HELP dpwan_service_connections_total New connections a port "
			"forward opened (from the Internet and hairpin), by service.\n"
			"# TYPE dpwan_service_connections_total counter\n");
	for (unsigned int i = 0; i < doc->n_services && i < DPW_SHM_SERVICES; i++)
		fprintf(f, "dpwan_service_connections_total{service=\"%.*s\"} %llu\n",
			DPW_NAME_LEN, doc->services[i].name, (unsigned long long)is->svc[i]);
	fprintf(f, "# HELP dpwan_firewall_rule_hits_total First packets a firewall rule judged, "
		"by direction and rule (default: no rule matched; inbound connections a "
		"service opened that no rule matched are allowed and not counted). With more "
		"than %d rules only the rules with a hit have a series.\n"
		"# TYPE dpwan_firewall_rule_hits_total counter\n", FW_SERIES_MAX);
	for (unsigned int d = 0; d < 2; d++) {
		const struct dpw_doc_fw_rule *rules = d ? fw->inbound : fw->outbound;
		unsigned int n = d ? fw->n_inbound : fw->n_outbound;

		for (unsigned int i = 0; i < n && i < DPW_SHM_FW_RULES; i++) {
			if (n > FW_SERIES_MAX && is->fw[d][i] == 0)
				continue;
			fprintf(f, "dpwan_firewall_rule_hits_total{direction=\"%s\",rule=\"%.*s\","
				"action=\"%s\"} %llu\n", dirs[d], DPW_NAME_LEN, rules[i].name,
				dpw_fw_action_str(rules[i].action),
				(unsigned long long)is->fw[d][i]);
		}
		fprintf(f, "dpwan_firewall_rule_hits_total{direction=\"%s\",rule=\"default\","
			"action=\"%s\"} %llu\n", dirs[d],
			dpw_fw_action_str(d ? fw->inbound_default : fw->outbound_default),
			(unsigned long long)is->fw[d][DPW_FW_SLOT_DEFAULT]);
	}
	free(is);
}
