/* SPDX-License-Identifier: BSD-3-Clause
 * The "dns_records" and "domain_lookup" sections of the network-policy document
 * (issue 9): Peplink's local DNS records (A, AAAA, CNAME, PTR, answered by the DNS
 * proxy itself) and its Domain Lookup Policy (a domain's queries go to chosen WANs'
 * resolvers only). Pure: no DPDK. Any thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

#define RECORD_TTL_MAX 86400          /* a day */
#define ARPA_SUFFIX ".in-addr.arpa"

static const char *const record_members[] = { "name", "type", "value", "ttl", NULL };
static const char *const lookup_members[] = { "domain", "wans", NULL };
static const char *const rtype_names[] = {
	[DPW_RR_A] = "A", [DPW_RR_AAAA] = "AAAA", [DPW_RR_CNAME] = "CNAME", [DPW_RR_PTR] = "PTR",
};
#define N_RTYPES (sizeof(rtype_names) / sizeof(rtype_names[0]))

static int
rtype_parse(const char *s, uint8_t *t)
{
	unsigned int i;

	for (i = 0; i < N_RTYPES; i++)
		if (strcasecmp(s, rtype_names[i]) == 0) {
			*t = (uint8_t)i;
			return 0;
		}
	return -ENOENT;
}

/* ---- dns_records -------------------------------------------------------------------- */

/* A record's name as the duplicate checks compare it (a PTR's address as its arpa name). */
struct rec_key {
	char name[DPW_DOMAIN_LEN];
	unsigned int i;
};

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The name of a PTR record: an IPv4 address (kept as its text) or an in-addr.arpa name. */
/*
 * dnsmasq's host-record and cname read their fields by form: a name of digits only is
 * taken as a TTL there, one that is an address as the record's address. NULL or why.
 */
static const char *
field_like(const char *name)
{
	unsigned char bin[16];
	size_t i;

	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++)
		;
	if (i > 0 && name[i] == '\0')
		return "is digits only: a host name needs a letter";
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1)
		return "is an address: a record's name is a host name (PTR records take an "
		       "address as their name)";
	return NULL;
}

static const char *
ptr_name(const char *s, char out[DPW_DOMAIN_LEN])
{
	const char *why;
	struct in_addr a;
	size_t n, k = strlen(ARPA_SUFFIX);

	if (inet_pton(AF_INET, s, &a) == 1) {
		inet_ntop(AF_INET, &a, out, DPW_DOMAIN_LEN);
		return NULL;
	}
	if ((why = dpw_doc_dns_name(s, false, out)) != NULL)
		return why;
	n = strlen(out);
	if (n <= k || strcmp(out + n - k, ARPA_SUFFIX) != 0)
		return "is neither an IPv4 address nor an in-addr.arpa name (a PTR record's)";
	return NULL;
}

/* The key of a PTR name given as an address: its reverse name. */
static void
rec_key_name(const struct dpw_doc_dns_record *r, char out[DPW_DOMAIN_LEN])
{
	struct in_addr a;
	uint32_t h;

	if (r->type == DPW_RR_PTR && inet_pton(AF_INET, r->name, &a) == 1) {
		h = ntohl(a.s_addr);
		snprintf(out, DPW_DOMAIN_LEN, "%u.%u.%u.%u" ARPA_SUFFIX, h & 0xff,
			 (h >> 8) & 0xff, (h >> 16) & 0xff, h >> 24);
		return;
	}
	snprintf(out, DPW_DOMAIN_LEN, "%s", r->name);
}

/* One record; true when it decoded whole (then the name checks take it). */
static bool
decode_record(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	      struct dpw_doc_dns_record *r)
{
	char p[DPW_DOC_PATH_LEN], pn[DPW_DOC_PATH_LEN];
	const char *name, *type, *value, *why;
	unsigned char bin[16];
	bool ok = true;
	int64_t ttl;

	dpw_doc_check_members(o, path, record_members, NULL, dec);
	if (dpw_doc_get_string(o, path, "type", true, &type, dec) != 0) {
		ok = false;
	} else if (rtype_parse(type, &r->type) != 0) {
		dpw_doc_path_key(p, sizeof(p), path, "type");
		dpw_doc_problem_add(dec->pr, false, p, "type '%.16s' is unknown: A, AAAA, CNAME "
				    "or PTR", type);
		ok = false;
	}
	if (dpw_doc_get_int(o, path, "ttl", false, 0, RECORD_TTL_MAX, 0, &ttl, dec) != 0)
		ok = false;
	r->ttl = (uint32_t)ttl;
	dpw_doc_path_key(pn, sizeof(pn), path, "name");
	if (dpw_doc_get_string(o, path, "name", true, &name, dec) != 0) {
		ok = false;
	} else if (!ok) {
		/* without a type the name's form is unknown: checked as a plain name */
		if ((why = dpw_doc_dns_name(name, true, r->name)) != NULL)
			dpw_doc_problem_add(dec->pr, false, pn, "name '%.64s' %s", name, why);
	} else if (r->type == DPW_RR_PTR) {
		if ((why = ptr_name(name, r->name)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, pn, "name '%.64s' %s", name, why);
			ok = false;
		}
	} else if ((why = dpw_doc_dns_name(name, r->type == DPW_RR_A || r->type == DPW_RR_AAAA,
					   r->name)) != NULL) {
		if (r->type == DPW_RR_CNAME && name[0] == '*')
			why = "has a wildcard: only A and AAAA records take one";
		dpw_doc_problem_add(dec->pr, false, pn, "name '%.64s' %s", name, why);
		ok = false;
	} else if ((why = field_like(r->name)) != NULL) {
		dpw_doc_problem_add(dec->pr, false, pn, "name '%.64s' %s", name, why);
		ok = false;
	}
	if (dpw_doc_get_string(o, path, "value", true, &value, dec) != 0 || !ok)
		return false;
	dpw_doc_path_key(p, sizeof(p), path, "value");
	switch (r->type) {
	case DPW_RR_A:
		if (inet_pton(AF_INET, value, bin) != 1) {
			dpw_doc_problem_add(dec->pr, false, p, "value '%.64s' is not an IPv4 "
					    "address a.b.c.d (an A record's)", value);
			return false;
		}
		inet_ntop(AF_INET, bin, r->value, sizeof(r->value));
		break;
	case DPW_RR_AAAA:
		if (inet_pton(AF_INET6, value, bin) != 1) {
			dpw_doc_problem_add(dec->pr, false, p, "value '%.64s' is not an IPv6 "
					    "address (an AAAA record's)", value);
			return false;
		}
		inet_ntop(AF_INET6, bin, r->value, sizeof(r->value));
		break;
	default:
		if ((why = dpw_doc_dns_name(value, false, r->value)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, p, "value '%.64s' %s (a %s record's "
					    "value is a host name)", value, why,
					    rtype_names[r->type]);
			return false;
		}
		break;
	}
	return true;
}

/*
 * A name with a CNAME has no other record (RFC 1034 3.6.2), and no record is given
 * twice: reported at the later one.
 */
static void
check_records(const char *path, const bool *ok, struct dpw_doc_dec *dec,
	      const struct dpw_doc *doc)
{
	struct rec_key *keys;
	char p[DPW_DOC_PATH_LEN];
	unsigned int i, j, n = 0, first, cname;

	keys = calloc(doc->n_dns_records, sizeof(*keys));
	if (keys == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "out of memory checking records");
		return;
	}
	for (i = 0; i < doc->n_dns_records; i++) {
		if (!ok[i])
			continue;
		rec_key_name(&doc->dns_records[i], keys[n].name);
		keys[n++].i = i;
	}
	qsort(keys, n, sizeof(*keys), cmp_rec);
	for (first = 0; first < n; first = j) {
		cname = n;
		for (j = first; j < n && strcmp(keys[j].name, keys[first].name) == 0; j++)
			if (doc->dns_records[keys[j].i].type == DPW_RR_CNAME && cname == n)
				cname = j;
		for (i = first + 1; i < j; i++) {
			const struct dpw_doc_dns_record *r = &doc->dns_records[keys[i].i];
			unsigned int k;

			snprintf(p, sizeof(p), "%s/%u", path, keys[i].i);
			if (cname < j && r->type == DPW_RR_CNAME) {
				dpw_doc_problem_add(dec->pr, false, p, "a CNAME for '%s', which has "
						    "a record already (%s/%u): a name with a CNAME "
						    "has no other record", r->name, path,
						    keys[first].i);
				continue;
			}
			if (cname < j) {
				dpw_doc_problem_add(dec->pr, false, p, "name '%s' has a CNAME record "
						    "(%s/%u): a name with a CNAME has no other record",
						    r->name, path, keys[cname].i);
				continue;
			}
			for (k = first; k < i; k++) {
				const struct dpw_doc_dns_record *q = &doc->dns_records[keys[k].i];

				if (q->type == r->type && strcmp(q->value, r->value) == 0)
					break;
			}
			if (k < i)
				dpw_doc_problem_add(dec->pr, false, p, "duplicate record %s %s %s "
						    "(also %s/%u)", r->name, rtype_names[r->type],
						    r->value, path, keys[k].i);
		}
	}
	free(keys);
}

void
dpw_doc_dns_records_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			   struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	bool *ok;
	size_t i, n;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of records {name, type, value, ttl}", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_DNS_RECORDS_MAX) {
		dpw_doc_problem_add(dec->pr, false, path, "%zu records, at most %d", n,
				    DPW_DNS_RECORDS_MAX);
		return;
	}
	if (n == 0)
		return;
	doc->dns_records = calloc(n, sizeof(*doc->dns_records));
	ok = calloc(n, sizeof(*ok));
	if (doc->dns_records == NULL || ok == NULL) {
		free(ok);
		dpw_doc_problem_add(dec->pr, false, path, "out of memory for %zu records", n);
		return;
	}
	doc->n_dns_records = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object (a record {name, type, value, ttl})",
					   e);
			continue;
		}
		ok[i] = decode_record(e, p, dec, &doc->dns_records[i]);
	}
	check_records(path, ok, dec, doc);
	free(ok);
}

json_t *
dpw_doc_dns_records_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_dns_records; i++) {
		const struct dpw_doc_dns_record *r = &doc->dns_records[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "name", r->name,
						       "type", r->type < N_RTYPES ?
						       rtype_names[r->type] : "A",
						       "value", r->value,
						       "ttl", (json_int_t)r->ttl)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* ---- domain_lookup ------------------------------------------------------------------ */

static void
decode_lookup(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	      const struct dpw_doc *doc, struct dpw_doc_domain_lookup *l)
{
	char p[DPW_DOC_PATH_LEN], e[DPW_DOC_PATH_LEN];
	const char *s, *why;
	const json_t *a;
	unsigned int j;
	size_t i, k;

	dpw_doc_check_members(o, path, lookup_members, NULL, dec);
	if (dpw_doc_get_string(o, path, "domain", true, &s, dec) == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "domain");
		if ((why = dpw_doc_dns_name(s, false, l->domain)) != NULL) {
			dpw_doc_problem_add(dec->pr, false, p, "domain '%.64s' %s%s", s, why,
					    s[0] == '*' ? " (\"foo.com\" covers its subdomains)" :
					    "");
			l->domain[0] = '\0';
		}
	}
	a = json_object_get(o, "wans");
	dpw_doc_path_key(p, sizeof(p), path, "wans");
	if (a == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "'wans' is required");
		return;
	}
	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, p, "an array of WAN names", a);
		return;
	}
	k = json_array_size(a);
	if (k == 0)
		dpw_doc_problem_add(dec->pr, false, p, "at least one WAN is needed");
	if (k > DPW_MAX_WANS)
		dpw_doc_problem_add(dec->pr, false, p, "%zu WANs, at most %d", k, DPW_MAX_WANS);
	for (i = 0; i < k && i < DPW_MAX_WANS; i++) {
		const json_t *w = json_array_get(a, i);
		int wi;

		dpw_doc_path_index(e, sizeof(e), p, i);
		if (!json_is_string(w)) {
			dpw_doc_type_error(dec, e, "a string (a WAN's name)", w);
			continue;
		}
		wi = dpw_doc_wan_ref(doc, json_string_value(w), e, dec);
		if (wi < 0)
			continue;
		for (j = 0; j < l->n_wans; j++)
			if (l->wan[j] == wi)
				break;
		if (j < l->n_wans) {
			dpw_doc_problem_add(dec->pr, false, e, "WAN '%s' is listed twice",
					    doc->wans[wi].name);
			continue;
		}
		l->wan[l->n_wans++] = (uint8_t)wi;
	}
}

void
dpw_doc_domain_lookup_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			     struct dpw_doc *doc)
{
	char p[DPW_DOC_PATH_LEN];
	unsigned int i, j;
	size_t n;

	if (v == NULL)
		return;
	if (!json_is_array(v)) {
		dpw_doc_type_error(dec, path, "an array of {domain, wans}", v);
		return;
	}
	n = json_array_size(v);
	if (n > DPW_DOMAIN_LOOKUP_MAX) {
		dpw_doc_problem_add(dec->pr, false, path, "%zu domain lookup entries, at most %d",
				    n, DPW_DOMAIN_LOOKUP_MAX);
		return;
	}
	if (n == 0)
		return;
	doc->domain_lookup = calloc(n, sizeof(*doc->domain_lookup));
	if (doc->domain_lookup == NULL) {
		dpw_doc_problem_add(dec->pr, false, path, "out of memory for %zu entries", n);
		return;
	}
	doc->n_domain_lookup = (unsigned int)n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);
		struct dpw_doc_domain_lookup *l = &doc->domain_lookup[i];

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_object(e)) {
			dpw_doc_type_error(dec, p, "an object {domain, wans}", e);
			continue;
		}
		decode_lookup(e, p, dec, doc, l);
		if (l->domain[0] == '\0')
			continue;
		/* at most 256: quadratic is cheap */
		for (j = 0; j < i; j++)
			if (strcmp(doc->domain_lookup[j].domain, l->domain) == 0)
				break;
		if (j < i) {
			snprintf(p, sizeof(p), "%s/%u/domain", path, i);
			dpw_doc_problem_add(dec->pr, false, p, "duplicate domain '%s' (also "
					    "%s/%u)", l->domain, path, j);
		}
	}
}

json_t *
dpw_doc_domain_lookup_encode(const struct dpw_doc *doc)
{
	json_t *a = json_array();
	unsigned int i, k;

	if (a == NULL)
		return NULL;
	for (i = 0; i < doc->n_domain_lookup; i++) {
		const struct dpw_doc_domain_lookup *l = &doc->domain_lookup[i];
		json_t *w = json_array();

		for (k = 0; w != NULL && k < l->n_wans && k < DPW_MAX_WANS; k++)
			if (json_array_append_new(w, json_string(l->wan[k] < doc->n_wans ?
								 doc->wans[l->wan[k]].name : "")) !=
			    0) {
				json_decref(w);
				w = NULL;
			}
		if (w == NULL || json_array_append_new(a, json_pack("{s:s, s:o}", "domain",
								    l->domain, "wans", w)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
