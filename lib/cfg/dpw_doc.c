/* SPDX-License-Identifier: BSD-3-Clause
 * The network-policy document (dpw_doc.h): the table of sections, the problem list, the
 * shared decoding helpers, parse (JSON or YAML text -> tree -> struct), the canonical
 * JSON and its SHA-256, the diff of two trees and the validation context of a system
 * configuration. The sections themselves live in dpw_doc_<section>.c. Pure: no DPDK.
 * Any thread (no global state but constant tables).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/cfg/dpw_yaml.h"

/*
 * The top-level members, in schema order (the order of the canonical JSON). A later
 * issue adds its section here and in its own file; a name in planned[] until then.
 */
static const struct dpw_doc_section sections[] = {
	{ "version", true, dpw_doc_version_decode, NULL, dpw_doc_version_encode },
	{ "wans", true, dpw_doc_wans_decode, NULL, dpw_doc_wans_encode },
	/* each of these refers only to sections above it, so decode resolves names at once */
	{ "members", false, dpw_doc_members_decode, NULL, dpw_doc_members_encode },
	{ "policies", false, dpw_doc_policies_decode, NULL, dpw_doc_policies_encode },
	{ "rules", false, dpw_doc_rules_decode, dpw_doc_rules_check, dpw_doc_rules_encode },
	{ "default_rule", false, dpw_doc_default_decode, NULL, dpw_doc_default_encode },
	/* LAN services (issue 9): refer to WANs by name */
	{ "lan", false, dpw_doc_lan_decode, NULL, dpw_doc_lan_encode },
	{ "dns_records", false, dpw_doc_dns_records_decode, NULL, dpw_doc_dns_records_encode },
	{ "domain_lookup", false, dpw_doc_domain_lookup_decode, NULL,
	  dpw_doc_domain_lookup_encode },
	/* inbound access, NAT mappings, firewall, DoS (issue 10): refer to WANs by name */
	{ "services", false, dpw_doc_services_decode, NULL, dpw_doc_services_encode },
	{ "nat", false, dpw_doc_nat_decode, NULL, dpw_doc_nat_encode },
	{ "firewall", false, dpw_doc_firewall_decode, NULL, dpw_doc_firewall_encode },
	{ "dos", false, dpw_doc_dos_decode, NULL, dpw_doc_dos_encode },
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static const struct dpw_doc_planned planned[] = {
	{ NULL, 0 },
};

/* ---- problems ------------------------------------------------------------------------ */

void
dpw_doc_problems_init(struct dpw_doc_problems *pr)
{
	pr->n = 0;
	pr->errors = 0;
	pr->warnings = 0;
}

void
dpw_doc_problem_add(struct dpw_doc_problems *pr, bool warning, const char *path,
		    const char *fmt, ...)
{
	struct dpw_doc_problem *p;
	va_list ap;

	if (warning)
		pr->warnings++;
	else
		pr->errors++;
	if (pr->n >= DPW_DOC_MAX_PROBLEMS)
		return;
	p = &pr->p[pr->n++];
	snprintf(p->path, sizeof(p->path), "%s", path != NULL ? path : "");
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	p->warning = warning;
}

/* ---- helpers shared by the sections -------------------------------------------------- */

void
dpw_doc_path_key(char *out, size_t size, const char *base, const char *key)
{
	size_t n;

	if (size == 0)
		return;
	n = (size_t)snprintf(out, size, "%s/", base);
	for (; *key != '\0' && n + 1 < size; key++) {
		if (*key == '~' || *key == '/') {
			if (n + 2 >= size)
				break;
			out[n++] = '~';
			out[n++] = *key == '~' ? '0' : '1';
		} else {
			out[n++] = *key;
		}
	}
	out[n < size ? n : size - 1] = '\0';
}

void
dpw_doc_path_index(char *out, size_t size, const char *base, size_t index)
{
	snprintf(out, size, "%s/%zu", base, index);
}

const char *
dpw_doc_json_type_str(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

void
dpw_doc_type_error(struct dpw_doc_dec *dec, const char *path, const char *what,
		   const json_t *v)
{
	dpw_doc_problem_add(dec->pr, false, path, "must be %s, not %s", what,
			    dpw_doc_json_type_str(v));
}

unsigned int
dpw_doc_check_members(const json_t *obj, const char *path, const char *const *known,
		      const struct dpw_doc_planned *plan, struct dpw_doc_dec *dec)
{
	char p[DPW_DOC_PATH_LEN], list[DPW_DOC_MSG_LEN];
	unsigned int bad = 0, i;
	const char *key;
	json_t *v;
	size_t n = 0;

	list[0] = '\0';
	/* a long list is cut (never written, nor pointed, past its end) */
	for (i = 0; known[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      known[i]);
	json_object_foreach((json_t *)obj, key, v) {
		const struct dpw_doc_planned *pl = NULL;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i] != NULL)
			continue;
		for (i = 0; plan != NULL && plan[i].name != NULL; i++)
			if (strcmp(plan[i].name, key) == 0)
				pl = &plan[i];
		dpw_doc_path_key(p, sizeof(p), path, key);
		if (pl != NULL)
			dpw_doc_problem_add(dec->pr, false, p,
					    "'%s' is not supported yet (issue %u); known members: %s",
					    pl->name, pl->issue, list);
		else
			dpw_doc_problem_add(dec->pr, false, p,
					    "unknown member '%.40s'; known members: %s", key, list);
		bad++;
	}
	return bad;
}

int
dpw_doc_get_int(const json_t *obj, const char *path, const char *key, bool required,
		int64_t lo, int64_t hi, int64_t def, int64_t *out, struct dpw_doc_dec *dec)
{
	json_t *v = json_object_get(obj, key);
	char p[DPW_DOC_PATH_LEN];
	json_int_t x;

	*out = def;
	dpw_doc_path_key(p, sizeof(p), path, key);
	if (v == NULL) {
		if (!required)
			return 0;
		dpw_doc_problem_add(dec->pr, false, path, "'%s' is required", key);
		return -ENOENT;
	}
	if (!json_is_integer(v)) {
		dpw_doc_type_error(dec, p, "an integer", v);
		return -EINVAL;
	}
	x = json_integer_value(v);
	if (x < lo || x > hi) {
		dpw_doc_problem_add(dec->pr, false, p, "%s %" JSON_INTEGER_FORMAT
				    " is out of range %" PRId64 "..%" PRId64, key, x, lo, hi);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

int
dpw_doc_get_bool(const json_t *obj, const char *path, const char *key, bool def, bool *out,
		 struct dpw_doc_dec *dec)
{
	json_t *v = json_object_get(obj, key);
	char p[DPW_DOC_PATH_LEN];

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		dpw_doc_path_key(p, sizeof(p), path, key);
		dpw_doc_type_error(dec, p, "true or false", v);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

int
dpw_doc_get_string(const json_t *obj, const char *path, const char *key, bool required,
		   const char **out, struct dpw_doc_dec *dec)
{
	json_t *v = json_object_get(obj, key);
	char p[DPW_DOC_PATH_LEN];

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return 0;
		dpw_doc_problem_add(dec->pr, false, path, "'%s' is required", key);
		return -ENOENT;
	}
	if (!json_is_string(v)) {
		dpw_doc_path_key(p, sizeof(p), path, key);
		dpw_doc_type_error(dec, p, "a string", v);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

bool
dpw_doc_get_name(const json_t *o, const char *path, char out[DPW_NAME_LEN],
		 struct dpw_doc_dec *dec)
{
	char p[DPW_DOC_PATH_LEN];
	const char *name;

	out[0] = '\0';
	if (dpw_doc_get_string(o, path, "name", true, &name, dec) != 0)
		return false;
	if (!dpw_doc_name_valid(name)) {
		dpw_doc_path_key(p, sizeof(p), path, "name");
		dpw_doc_problem_add(dec->pr, false, p, "name '%.32s' is invalid: 1-15 letters, "
				    "digits or underscores", name);
		return false;
	}
	snprintf(out, DPW_NAME_LEN, "%s", name);
	return true;
}

int
dpw_doc_wan_index(const struct dpw_doc *doc, const char *name)
{
	unsigned int i;

	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++)
		if (doc->wans[i].name[0] != '\0' && strcmp(doc->wans[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
dpw_doc_wan_ref(const struct dpw_doc *doc, const char *name, const char *path,
		struct dpw_doc_dec *dec)
{
	char list[DPW_DOC_MSG_LEN];
	unsigned int i;
	size_t n = 0;
	int w = dpw_doc_wan_index(doc, name);

	if (w >= 0)
		return w;
	list[0] = '\0';
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS && n < sizeof(list); i++)
		if (doc->wans[i].name[0] != '\0')
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
					      doc->wans[i].name);
	dpw_doc_problem_add(dec->pr, false, path, "no WAN '%.32s' in this document (WANs: %s)",
			    name, n ? list : "none");
	return -1;
}

bool
dpw_doc_name_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= DPW_NAME_LEN - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return n > 0;
}

/* ---- the version section ------------------------------------------------------------- */

void
dpw_doc_version_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		       struct dpw_doc *doc)
{
	if (!json_is_integer(v)) {
		dpw_doc_type_error(dec, path, "an integer", v);
		return;
	}
	if (json_integer_value(v) != DPW_DOC_VERSION) {
		dpw_doc_problem_add(dec->pr, false, path, "version %" JSON_INTEGER_FORMAT
				    " is not supported: this appliance reads version %d",
				    json_integer_value(v), DPW_DOC_VERSION);
		return;
	}
	doc->version = DPW_DOC_VERSION;
}

json_t *
dpw_doc_version_encode(const struct dpw_doc *doc)
{
	return json_integer(doc->version);
}

/* ---- ownership ----------------------------------------------------------------------- */

void
dpw_doc_free(struct dpw_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->rules);
	free(doc->lan.dhcp.reservation);
	free(doc->dns_records);
	free(doc->domain_lookup);
	free(doc->services);
	free(doc->nat.mapping);
	free(doc->firewall.outbound);
	free(doc->firewall.inbound);
	memset(doc, 0, sizeof(*doc));
}

/* A malloc'd copy of n elements of size sz at p (NULL when there are none). */
static int
dup_array(const void *p, size_t n, size_t sz, void **out)
{
	*out = NULL;
	if (n == 0 || p == NULL)
		return 0;
	*out = malloc(n * sz);
	if (*out == NULL)
		return -ENOMEM;
	memcpy(*out, p, n * sz);
	return 0;
}

int
dpw_doc_copy(struct dpw_doc *dst, const struct dpw_doc *src)
{
	void *rules, *resv = NULL, *recs = NULL, *dl = NULL, *svc = NULL, *map = NULL;
	void *fo = NULL, *fi = NULL;

	if (dup_array(src->rules, src->n_rules, sizeof(*src->rules), &rules) != 0 ||
	    dup_array(src->lan.dhcp.reservation, src->lan.dhcp.n_reservations,
		      sizeof(*src->lan.dhcp.reservation), &resv) != 0 ||
	    dup_array(src->dns_records, src->n_dns_records, sizeof(*src->dns_records),
		      &recs) != 0 ||
	    dup_array(src->domain_lookup, src->n_domain_lookup, sizeof(*src->domain_lookup),
		      &dl) != 0 ||
	    dup_array(src->services, src->n_services, sizeof(*src->services), &svc) != 0 ||
	    dup_array(src->nat.mapping, src->nat.n_mappings, sizeof(*src->nat.mapping),
		      &map) != 0 ||
	    dup_array(src->firewall.outbound, src->firewall.n_outbound,
		      sizeof(*src->firewall.outbound), &fo) != 0 ||
	    dup_array(src->firewall.inbound, src->firewall.n_inbound,
		      sizeof(*src->firewall.inbound), &fi) != 0) {
		free(rules);
		free(resv);
		free(recs);
		free(dl);
		free(svc);
		free(map);
		free(fo);
		free(fi);
		memset(dst, 0, sizeof(*dst));
		return -ENOMEM;
	}
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
	dst->rules = rules;
	dst->n_rules = rules != NULL ? src->n_rules : 0;
	dst->lan.dhcp.reservation = resv;
	dst->lan.dhcp.n_reservations = resv != NULL ? src->lan.dhcp.n_reservations : 0;
	dst->dns_records = recs;
	dst->n_dns_records = recs != NULL ? src->n_dns_records : 0;
	dst->domain_lookup = dl;
	dst->n_domain_lookup = dl != NULL ? src->n_domain_lookup : 0;
	dst->services = svc;
	dst->n_services = svc != NULL ? src->n_services : 0;
	dst->nat.mapping = map;
	dst->nat.n_mappings = map != NULL ? src->nat.n_mappings : 0;
	dst->firewall.outbound = fo;
	dst->firewall.n_outbound = fo != NULL ? src->firewall.n_outbound : 0;
	dst->firewall.inbound = fi;
	dst->firewall.n_inbound = fi != NULL ? src->firewall.n_inbound : 0;
	return 0;
}

/* ---- decode, parse ------------------------------------------------------------------- */

/* Deepest nesting of objects and arrays under v (v itself counts), stopping past limit. */
static unsigned int
tree_depth(const json_t *v, unsigned int limit)
{
	unsigned int d = 0, x;
	const char *key;
	json_t *m;
	size_t i;

	if (limit == 0)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m) {
			x = tree_depth(m, limit - 1);
			d = x > d ? x : d;
			if (d >= limit)
				break;
		}
		return d + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			x = tree_depth(m, limit - 1);
			d = x > d ? x : d;
			if (d >= limit)
				break;
		}
		return d + 1;
	}
	return 0;
}

int
dpw_doc_from_json(const json_t *root, const struct dpw_doc_context *ctx, struct dpw_doc *doc,
		  struct dpw_doc_problems *pr)
{
	const char *known[N_SECTIONS + 1];
	struct dpw_doc_dec dec = { .ctx = ctx, .pr = pr };
	char path[DPW_DOC_PATH_LEN];
	unsigned int i;

	dpw_doc_problems_init(pr);
	memset(doc, 0, sizeof(*doc));
	for (i = 0; i < N_SECTIONS; i++)
		known[i] = sections[i].name;
	known[N_SECTIONS] = NULL;
	if (root == NULL || !json_is_object(root)) {
		dpw_doc_problem_add(pr, false, "", "the document must be an object, not %s",
				    root != NULL ? dpw_doc_json_type_str(root) : "nothing");
		return -EINVAL;
	}
	if (tree_depth(root, DPW_DOC_MAX_DEPTH + 1) > DPW_DOC_MAX_DEPTH) {
		dpw_doc_problem_add(pr, false, "", "objects and arrays nested deeper than %d",
				    DPW_DOC_MAX_DEPTH);
		return -EINVAL;
	}
	dpw_doc_check_members(root, "", known, planned, &dec);
	for (i = 0; i < N_SECTIONS; i++) {
		const json_t *v = json_object_get(root, sections[i].name);

		dpw_doc_path_key(path, sizeof(path), "", sections[i].name);
		if (v == NULL && sections[i].required) {
			dpw_doc_problem_add(pr, false, "", "'%s' is required", sections[i].name);
			continue;
		}
		sections[i].decode(v, path, &dec, doc);
	}
	for (i = 0; i < N_SECTIONS; i++) {
		if (sections[i].check == NULL)
			continue;
		dpw_doc_path_key(path, sizeof(path), "", sections[i].name);
		sections[i].check(json_object_get(root, sections[i].name), path, &dec, doc);
	}
	return pr->errors > 0 ? -EINVAL : 0;
}

int
dpw_doc_parse(const char *text, size_t len, enum dpw_doc_format fmt,
	      const struct dpw_doc_context *ctx, struct dpw_doc *doc,
	      struct dpw_doc_problems *pr)
{
	char err[DPW_DOC_MSG_LEN];
	json_error_t je;
	json_t *root;
	int rc;

	dpw_doc_problems_init(pr);
	memset(doc, 0, sizeof(*doc));
	if (len > DPW_DOC_MAX_BYTES) {
		dpw_doc_problem_add(pr, false, "", "the document is %zu bytes, more than the "
				    "limit of %u", len, DPW_DOC_MAX_BYTES);
		return -E2BIG;
	}
	if (text == NULL)
		len = 0;
	switch (fmt) {
	case DPW_DOC_JSON:
		root = json_loadb(text != NULL ? text : "", len,
				  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
		if (root == NULL) {
			dpw_doc_problem_add(pr, false, "", "line %d, column %d: %s",
					    je.line > 0 ? je.line : 1,
					    je.column > 0 ? je.column : 1, je.text);
			return -EINVAL;
		}
		break;
	case DPW_DOC_YAML:
		root = dpw_yaml_load(text != NULL ? text : "", len, DPW_DOC_MAX_BYTES,
				     DPW_DOC_MAX_DEPTH, err, sizeof(err));
		if (root == NULL) {
			dpw_doc_problem_add(pr, false, "", "%s", err);
			return -EINVAL;
		}
		break;
	default:
		dpw_doc_problem_add(pr, false, "", "unknown document format %d", (int)fmt);
		return -EINVAL;
	}
	rc = dpw_doc_from_json(root, ctx, doc, pr);
	json_decref(root);
	return rc;
}

/* ---- encode, canonical, hash --------------------------------------------------------- */

json_t *
dpw_doc_to_json(const struct dpw_doc *doc)
{
	json_t *root = json_object(), *v;
	unsigned int i;

	if (root == NULL)
		return NULL;
	for (i = 0; i < N_SECTIONS; i++) {
		v = sections[i].encode(doc);
		if (v == NULL || json_object_set_new(root, sections[i].name, v) != 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

char *
dpw_doc_canonical(const struct dpw_doc *doc, size_t *len)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	json_t *root = dpw_doc_to_json(doc);
	char *buf = NULL;
	size_t n;

	if (root == NULL)
		return NULL;
	/* our own buffer: jansson's may come from allocators set by json_set_alloc_funcs */
	n = json_dumpb(root, NULL, 0, flags);
	if (n > 0 && (buf = malloc(n + 1)) != NULL) {
		if (json_dumpb(root, buf, n, flags) != n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len != NULL)
				*len = n;
		}
	}
	json_decref(root);
	return buf;
}

int
dpw_doc_hash(const void *buf, size_t len, uint8_t out[DPW_DOC_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 || n != DPW_DOC_HASH_LEN)
		return -EIO;
	return 0;
}

char *
dpw_doc_hash_hex(const uint8_t hash[DPW_DOC_HASH_LEN], char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < DPW_DOC_HASH_LEN; i++) {
		out[2 * i] = hex[hash[i] >> 4];
		out[2 * i + 1] = hex[hash[i] & 0xf];
	}
	out[2 * DPW_DOC_HASH_LEN] = '\0';
	return out;
}

/* ---- diff ---------------------------------------------------------------------------- */

/* A path of any length (diff paths are not limited to DPW_DOC_PATH_LEN). */
static char *
path_join_key(const char *base, const char *key)
{
	size_t n = strlen(base), k = strlen(key), i, o;
	char *p = malloc(n + 2 * k + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, base, n);
	o = n;
	p[o++] = '/';
	for (i = 0; i < k; i++) {
		if (key[i] == '~' || key[i] == '/') {
			p[o++] = '~';
			p[o++] = key[i] == '~' ? '0' : '1';
		} else {
			p[o++] = key[i];
		}
	}
	p[o] = '\0';
	return p;
}

static char *
path_join_index(const char *base, size_t index)
{
	size_t n = strlen(base) + 24;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%zu", base, index);
	return p;
}

static int
diff_emit(json_t *out, const char *op, const char *path, const json_t *old, const json_t *new)
{
	json_t *c = json_object();

	if (c == NULL || json_object_set_new(c, "op", json_string(op)) != 0 ||
	    json_object_set_new(c, "path", json_string(path)) != 0 ||
	    (old != NULL && json_object_set(c, "old", (json_t *)old) != 0) ||
	    (new != NULL && json_object_set(c, "new", (json_t *)new) != 0) ||
	    json_array_append_new(out, c) != 0) {
		json_decref(c);
		return -ENOMEM;
	}
	return 0;
}

/* The "name" of an element of an array of named objects, or NULL. */
static const char *
elem_name(const json_t *e)
{
	return json_is_object(e) ? json_string_value(json_object_get(e, "name")) : NULL;
}

/* Is every element a named object, with names unique? Then elements match by name. */
static bool
array_named(const json_t *a)
{
	size_t i, j, n = json_array_size(a);

	for (i = 0; i < n; i++) {
		const char *ni = elem_name(json_array_get(a, i));

		if (ni == NULL)
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(ni, elem_name(json_array_get(a, j))) == 0)
				return false;
	}
	return true;
}

static int
array_find_name(const json_t *a, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(elem_name(json_array_get(a, i)), name) == 0)
			return (int)i;
	return -1;
}

static int diff_rec(json_t *out, const char *path, const json_t *a, const json_t *b);

static int
diff_child(json_t *out, char *path, const json_t *a, const json_t *b)
{
	int rc;

	if (path == NULL)
		return -ENOMEM;
	if (a == NULL)
		rc = diff_emit(out, "add", path, NULL, b);
	else if (b == NULL)
		rc = diff_emit(out, "remove", path, a, NULL);
	else
		rc = diff_rec(out, path, a, b);
	free(path);
	return rc;
}

static int
diff_rec(json_t *out, const char *path, const json_t *a, const json_t *b)
{
	const char *key;
	size_t i, na, nb;
	json_t *v;
	int rc = 0;

	if (json_is_object(a) && json_is_object(b)) {
		/* a's members in a's order (changed or removed), then the ones b adds */
		json_object_foreach((json_t *)a, key, v) {
			rc = diff_child(out, path_join_key(path, key), v, json_object_get(b, key));
			if (rc != 0)
				return rc;
		}
		json_object_foreach((json_t *)b, key, v) {
			if (json_object_get(a, key) != NULL)
				continue;
			rc = diff_child(out, path_join_key(path, key), NULL, v);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (json_is_array(a) && json_is_array(b)) {
		na = json_array_size(a);
		nb = json_array_size(b);
		if (na + nb > 0 && array_named(a) && array_named(b)) {
			/* a change inside a matched element is at its index in b, a removal at
			 * its index in a, an addition at its index in b; a pure reordering is no
			 * change */
			for (i = 0; i < na; i++) {
				json_t *ea = json_array_get(a, i);
				int j = array_find_name(b, elem_name(ea));

				if (j < 0)
					rc = diff_child(out, path_join_index(path, i), ea, NULL);
				else
					rc = diff_child(out, path_join_index(path, (size_t)j), ea,
							json_array_get(b, (size_t)j));
				if (rc != 0)
					return rc;
			}
			for (i = 0; i < nb; i++) {
				json_t *eb = json_array_get(b, i);

				if (array_find_name(a, elem_name(eb)) >= 0)
					continue;
				rc = diff_child(out, path_join_index(path, i), NULL, eb);
				if (rc != 0)
					return rc;
			}
			return 0;
		}
		for (i = 0; i < na || i < nb; i++) {
			rc = diff_child(out, path_join_index(path, i), json_array_get(a, i),
					json_array_get(b, i));
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (!json_equal((json_t *)a, (json_t *)b))
		return diff_emit(out, "replace", path, a, b);
	return 0;
}

json_t *
dpw_doc_diff(const json_t *a, const json_t *b)
{
	json_t *out = json_array();

	if (out == NULL)
		return NULL;
	if (a == NULL || b == NULL) {
		if ((a != NULL || b != NULL) &&
		    diff_emit(out, a == NULL ? "add" : "remove", "", a, b) != 0)
			goto fail;
		return out;
	}
	if (diff_rec(out, "", a, b) != 0)
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* ---- context, lookup ----------------------------------------------------------------- */

void
dpw_doc_context_from_sysconf(const struct dpw_sysconf *conf, struct dpw_doc_context *ctx)
{
	unsigned int i;

	memset(ctx, 0, sizeof(*ctx));
	for (i = 0; i < conf->n_ports && i < DPW_MAX_PORTS; i++) {
		const struct dpw_port_conf *p = &conf->ports[i];

		if (p->role == DPW_ROLE_WAN && ctx->n_wan_ports < DPW_MAX_WANS) {
			snprintf(ctx->wan_port[ctx->n_wan_ports], DPW_NAME_LEN, "%s", p->name);
			ctx->wan_port_mtu[ctx->n_wan_ports] = p->mtu;
			ctx->n_wan_ports++;
		} else if (p->role == DPW_ROLE_LAN) {
			ctx->lan_addr = p->addr;
			ctx->lan_prefixlen = p->prefixlen;
		}
	}
	ctx->nat_port_min = conf->nat_port_min;
	ctx->nat_port_max = conf->nat_port_max;
}

const struct dpw_doc_wan *
dpw_doc_wan_find(const struct dpw_doc *doc, const char *name)
{
	unsigned int i;

	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++)
		if (strcmp(doc->wans[i].name, name) == 0)
			return &doc->wans[i];
	return NULL;
}
