/* SPDX-License-Identifier: BSD-3-Clause
 * The "firewall" and "dos" sections of the network-policy document (issue 10): Peplink's
 * outbound and inbound firewall rules (first match wins, allow / deny / reject, optional
 * logging) with their defaults, and the DoS protection limits. A firewall rule matches
 * with the members of a policy rule (dpw_doc_rules.c decodes them). Pure: no DPDK.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"

#define DOS_MAX 10000000

static const char *const fw_members[] = {
	"outbound_default", "inbound_default", "log_rate", "outbound", "inbound", NULL,
};
static const char *const fw_rule_members[] = {
	"name", "enabled", "proto", "family", "src", "src_mac", "src_port", "dst", "dst_domain",
	"dst_port", "wans", "action", "log", NULL,
};
static const char *const dos_members[] = {
	"syn_rate_per_source", "syn_rate_global", "max_sessions_per_host",
	"max_sessions_per_wan_address", "drop_invalid_tcp", NULL,
};

static const char *const action_names[DPW_FW_ACTION_MAX] = {
#define DPW_X_NAME(e, s) [DPW_FW_##e] = s,
	DPW_FW_ACTIONS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_fw_action_str(unsigned int a)
{
	return a < DPW_FW_ACTION_MAX ? action_names[a] : "unknown";
}

/* An action member: 0 and *out (def when absent and not required), or reported. */
static int
get_action(const json_t *o, const char *path, const char *key, bool required, uint8_t def,
	   uint8_t *out, struct dpw_doc_dec *dec)
{
	char p[DPW_DOC_PATH_LEN];
	const char *s;
	unsigned int i;

	*out = def;
	if (dpw_doc_get_string(o, path, key, required, &s, dec) != 0)
		return -EINVAL;
	if (s == NULL)
		return 0;
	for (i = 0; i < DPW_FW_ACTION_MAX; i++)
		if (strcmp(s, action_names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	dpw_doc_path_key(p, sizeof(p), path, key);
	dpw_doc_problem_add(dec->pr, false, p, "%s '%.16s' is unknown: allow, deny or reject",
			    key, s);
	return -EINVAL;
}

static void
decode_fw_rule(const json_t *o, const char *path, bool inbound, const struct dpw_doc *doc,
	       struct dpw_doc_dec *dec, struct dpw_doc_fw_rule *r)
{
	char p[DPW_DOC_PATH_LEN];
	const json_t *d;

	dpw_doc_check_members(o, path, fw_rule_members, NULL, dec);
	dpw_doc_get_name(o, path, r->name, dec);
	dpw_doc_get_bool(o, path, "enabled", true, &r->enabled, dec);
	d = json_object_get(o, "dst_domain");
	if (d != NULL && !(json_is_array(d) && json_array_size(d) == 0)) {
		dpw_doc_path_key(p, sizeof(p), path, "dst_domain");
		dpw_doc_problem_add(dec->pr, false, p, "firewall rules match addresses, not "
				    "DNS names: use dst");
	}
	if (inbound && json_object_get(o, "src_mac") != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "src_mac");
		dpw_doc_problem_add(dec->pr, false, p, "an inbound rule's source is on the "
				    "Internet: it has no MAC we could see");
	}
	dpw_doc_match_decode(o, path, dec, &r->match);
	r->match.n_domains = 0;
	dpw_doc_wan_list_decode(o, path, doc, dec, r->wan, &r->n_wans);
	get_action(o, path, "action", true, DPW_FW_ALLOW, &r->action, dec);
	dpw_doc_get_bool(o, path, "log", false, &r->log, dec);
}

static void
decode_fw_list(const json_t *v, const char *path, const char *key, bool inbound,
	       const struct dpw_doc *doc, struct dpw_doc_dec *dec,
	       struct dpw_doc_fw_rule **out, unsigned int *n_out)
{
	const json_t *a = json_object_get(v, key);
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	unsigned long entries = 0;
	unsigned int j, nw;
	size_t i, n;

	if (a == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, key);
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of rules", a);
		return;
	}
	n = json_array_size(a);
	if (n > DPW_FW_RULES_MAX) {
		dpw_doc_problem_add(dec->pr, false, p, "%zu rules, at most %d", n, DPW_FW_RULES_MAX);
		return;
	}
	if (n == 0)
		return;
	*out = calloc(n, sizeof(**out));
	if (*out == NULL) {
		dpw_doc_problem_add(dec->pr, false, p, "out of memory for %zu rules", n);
		return;
	}
	*n_out = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *x = json_array_get(a, i);
		struct dpw_doc_fw_rule *r = &(*out)[i];

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_object(x)) {
			dpw_doc_type_error(dec, e, "an object (a rule)", x);
			continue;
		}
		decode_fw_rule(x, e, inbound, doc, dec, r);
		for (j = 0; j < i; j++)
			if (r->name[0] && strcmp(r->name, (*out)[j].name) == 0)
				dpw_doc_problem_add(dec->pr, false, e, "duplicate rule name '%s' "
						    "(also %s/%u)", r->name, p, j);
		/* the classifier holds one entry per WAN of the rule */
		nw = r->n_wans ? r->n_wans : (doc->n_wans ? doc->n_wans : 1);
		entries += (unsigned long)dpw_doc_match_entries(&r->match) * nw;
	}
	if (entries > DPW_MAX_RULE_ENTRIES)
		dpw_doc_problem_add(dec->pr, false, p, "the rules expand into %lu classifier "
				    "entries (sources x destinations x ports x WANs), at most %d",
				    entries, DPW_MAX_RULE_ENTRIES);
}

void
dpw_doc_firewall_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc)
{
	struct dpw_doc_firewall *f = &doc->firewall;
	int64_t x;

	f->outbound_default = DPW_FW_ALLOW;
	f->inbound_default = DPW_FW_DENY;
	f->log_rate = DPW_FW_LOG_RATE_DEFAULT;
	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		dpw_doc_type_error(dec, path, "an object", v);
		return;
	}
	dpw_doc_check_members(v, path, fw_members, NULL, dec);
	get_action(v, path, "outbound_default", false, DPW_FW_ALLOW, &f->outbound_default, dec);
	get_action(v, path, "inbound_default", false, DPW_FW_DENY, &f->inbound_default, dec);
	dpw_doc_get_int(v, path, "log_rate", false, 1, 1000, DPW_FW_LOG_RATE_DEFAULT, &x, dec);
	f->log_rate = (uint32_t)x;
	decode_fw_list(v, path, "outbound", false, doc, dec, &f->outbound, &f->n_outbound);
	decode_fw_list(v, path, "inbound", true, doc, dec, &f->inbound, &f->n_inbound);
}

static json_t *
encode_fw_list(const struct dpw_doc *doc, const struct dpw_doc_fw_rule *r, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;
	int bad = 0;

	for (i = 0; a != NULL && i < n && !bad; i++) {
		json_t *o = json_object();

		bad |= json_array_append_new(a, o);
		bad |= json_object_set_new(o, "name", json_string(r[i].name));
		bad |= json_object_set_new(o, "enabled", json_boolean(r[i].enabled));
		if (o != NULL) {
			bad |= dpw_doc_match_encode(o, &r[i].match);
			json_object_del(o, "dst_domain");
		}
		bad |= json_object_set_new(o, "wans", dpw_doc_wan_list_encode(doc, r[i].wan,
									      r[i].n_wans));
		bad |= json_object_set_new(o, "action", json_string(dpw_fw_action_str(r[i].action)));
		bad |= json_object_set_new(o, "log", json_boolean(r[i].log));
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *
dpw_doc_firewall_encode(const struct dpw_doc *doc)
{
	const struct dpw_doc_firewall *f = &doc->firewall;
	json_t *o, *out = encode_fw_list(doc, f->outbound, f->n_outbound);
	json_t *in = encode_fw_list(doc, f->inbound, f->n_inbound);

	if (out == NULL || in == NULL) {
		json_decref(out);
		json_decref(in);
		return NULL;
	}
	/* a zeroed document (no firewall member decoded) still says what applies */
	o = json_pack("{s:s, s:s, s:I, s:o, s:o}",
		      "outbound_default", dpw_fw_action_str(f->outbound_default),
		      "inbound_default", dpw_fw_action_str(f->inbound_default),
		      "log_rate", (json_int_t)(f->log_rate ? f->log_rate : DPW_FW_LOG_RATE_DEFAULT),
		      "outbound", out, "inbound", in);
	return o;
}

void
dpw_doc_dos_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		   struct dpw_doc *doc)
{
	struct dpw_doc_dos *d = &doc->dos;
	int64_t x;

	d->syn_rate_per_source = DPW_DOS_SYN_SOURCE_DEFAULT;
	d->syn_rate_global = DPW_DOS_SYN_GLOBAL_DEFAULT;
	d->max_sessions_per_host = 0;
	d->max_sessions_per_wan_address = 0;
	d->drop_invalid_tcp = true;
	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		dpw_doc_type_error(dec, path, "an object", v);
		return;
	}
	dpw_doc_check_members(v, path, dos_members, NULL, dec);
	dpw_doc_get_int(v, path, "syn_rate_per_source", false, 0, DOS_MAX,
			DPW_DOS_SYN_SOURCE_DEFAULT, &x, dec);
	d->syn_rate_per_source = (uint32_t)x;
	dpw_doc_get_int(v, path, "syn_rate_global", false, 0, DOS_MAX, DPW_DOS_SYN_GLOBAL_DEFAULT,
			&x, dec);
	d->syn_rate_global = (uint32_t)x;
	dpw_doc_get_int(v, path, "max_sessions_per_host", false, 0, DOS_MAX, 0, &x, dec);
	d->max_sessions_per_host = (uint32_t)x;
	dpw_doc_get_int(v, path, "max_sessions_per_wan_address", false, 0, DOS_MAX, 0, &x, dec);
	d->max_sessions_per_wan_address = (uint32_t)x;
	dpw_doc_get_bool(v, path, "drop_invalid_tcp", true, &d->drop_invalid_tcp, dec);
}

json_t *
dpw_doc_dos_encode(const struct dpw_doc *doc)
{
	const struct dpw_doc_dos *d = &doc->dos;

	return json_pack("{s:I, s:I, s:I, s:I, s:b}",
			 "syn_rate_per_source", (json_int_t)d->syn_rate_per_source,
			 "syn_rate_global", (json_int_t)d->syn_rate_global,
			 "max_sessions_per_host", (json_int_t)d->max_sessions_per_host,
			 "max_sessions_per_wan_address", (json_int_t)d->max_sessions_per_wan_address,
			 "drop_invalid_tcp", d->drop_invalid_tcp);
}
