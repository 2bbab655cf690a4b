/* SPDX-License-Identifier: BSD-3-Clause
 * Inside the document model (dpw_doc.c and one dpw_doc_<section>.c per section): the
 * section table's row type and the decoding helpers every section shares, so that each
 * section reports types, ranges and unknown members in the same words. Not for callers
 * outside lib/cfg. Pure: no DPDK. Any thread.
 */
#ifndef DPW_DOC_INT_H
#define DPW_DOC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/cfg/dpw_doc.h"

/* What a section decoder gets: where to report and what the system allows. */
struct dpw_doc_dec {
	const struct dpw_doc_context *ctx;   /* NULL: skip the checks that need the system */
	struct dpw_doc_problems *pr;
};

/*
 * One top-level member of the document. A later issue adds a section by adding one row
 * to the table in dpw_doc.c and one file with these three functions.
 *   decode: v is the member's value (NULL when absent: fill the defaults, or report it
 *           missing when required); report every problem through dec->pr.
 *   check:  cross-section checks (dangling references) once every section is decoded;
 *           optional (NULL).
 *   encode: the section's value with every member present, in schema order.
 */
struct dpw_doc_section {
	const char *name;
	bool required;
	void (*decode)(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		       struct dpw_doc *doc);
	void (*check)(const json_t *v, const char *path, struct dpw_doc_dec *dec,
		      struct dpw_doc *doc);
	json_t *(*encode)(const struct dpw_doc *doc);
};

/* A member name that is reserved for a later issue: refused with its issue number. */
struct dpw_doc_planned {
	const char *name;
	unsigned int issue;
};

/* The sections (dpw_doc_wans.c, ...). */
void dpw_doc_version_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			    struct dpw_doc *doc);
json_t *dpw_doc_version_encode(const struct dpw_doc *doc);
void dpw_doc_wans_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			 struct dpw_doc *doc);
json_t *dpw_doc_wans_encode(const struct dpw_doc *doc);

/* The outbound policy sections (issue 8): members and policies (dpw_doc_policies.c), rules
 * and the default rule (dpw_doc_rules.c). */
void dpw_doc_members_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			    struct dpw_doc *doc);
json_t *dpw_doc_members_encode(const struct dpw_doc *doc);
void dpw_doc_policies_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			     struct dpw_doc *doc);
json_t *dpw_doc_policies_encode(const struct dpw_doc *doc);
void dpw_doc_rules_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			  struct dpw_doc *doc);
void dpw_doc_rules_check(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			 struct dpw_doc *doc);
json_t *dpw_doc_rules_encode(const struct dpw_doc *doc);
void dpw_doc_default_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			    struct dpw_doc *doc);
json_t *dpw_doc_default_encode(const struct dpw_doc *doc);

/* The LAN services sections (issue 9): "lan" (dpw_doc_lan.c), "dns_records" and
 * "domain_lookup" (dpw_doc_dns.c). They refer to WANs by name: decoded after "wans". */
void dpw_doc_lan_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc);
json_t *dpw_doc_lan_encode(const struct dpw_doc *doc);
void dpw_doc_dns_records_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
				struct dpw_doc *doc);
json_t *dpw_doc_dns_records_encode(const struct dpw_doc *doc);
void dpw_doc_domain_lookup_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
				  struct dpw_doc *doc);
json_t *dpw_doc_domain_lookup_encode(const struct dpw_doc *doc);

/* Inbound access and NAT mappings (issue 10, dpw_doc_inbound.c): "services", "nat";
 * the firewall and DoS protection (dpw_doc_firewall.c): "firewall", "dos". After "wans". */
void dpw_doc_services_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			     struct dpw_doc *doc);
json_t *dpw_doc_services_encode(const struct dpw_doc *doc);
void dpw_doc_nat_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc);
json_t *dpw_doc_nat_encode(const struct dpw_doc *doc);
void dpw_doc_firewall_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			     struct dpw_doc *doc);
json_t *dpw_doc_firewall_encode(const struct dpw_doc *doc);
void dpw_doc_dos_decode(const json_t *v, const char *path, struct dpw_doc_dec *dec,
			struct dpw_doc *doc);
json_t *dpw_doc_dos_encode(const struct dpw_doc *doc);

/* A rule's match members (dpw_doc_rules.c), shared with the firewall's rules: decode
 * every field of struct dpw_doc_match from o (problems under path), and set them on o. */
void dpw_doc_match_decode(const json_t *o, const char *path, struct dpw_doc_dec *dec,
			  struct dpw_doc_match *m);
int dpw_doc_match_encode(json_t *o, const struct dpw_doc_match *m);
/* Classifier entries a match expands into (sources x destinations x ports). */
unsigned int dpw_doc_match_entries(const struct dpw_doc_match *m);

/* A WAN list "wans" of o: names of doc's WANs, no duplicates, into wan[] (indexes);
 * absent: 0 (every WAN). Problems under path. */
void dpw_doc_wan_list_decode(const json_t *o, const char *path, const struct dpw_doc *doc,
			     struct dpw_doc_dec *dec, uint8_t wan[DPW_MAX_WANS], uint8_t *n);
json_t *dpw_doc_wan_list_encode(const struct dpw_doc *doc, const uint8_t *wan, unsigned int n);
/* An IPv4 address string v at p ("server", "address" ...): 0 and *out (host order), or
 * reported and -EINVAL. */
int dpw_doc_addr_decode(const json_t *v, const char *p, const char *what,
			struct dpw_doc_dec *dec, uint32_t *out);

/*
 * A DNS name s into out, lower case, without one trailing dot: labels of 1..63 of
 * [a-z0-9-_] (any case given), at most DPW_DOMAIN_LEN - 1 characters; with wildcard, a
 * first label "*" followed by at least one label is allowed ("*.foo").
 * NULL, or why not (a phrase: "has an empty label").
 */
const char *dpw_doc_dns_name(const char *s, bool wildcard, char out[DPW_DOMAIN_LEN]);

/* A member whose WAN could not be resolved (reported there; policies skip it quietly). */
#define DPW_DOC_WAN_NONE UINT8_MAX

/*
 * An own pick given as members "algorithm", "persistence" and "wans" of o (a Peplink
 * policy, a rule's or the default rule's own algorithm): every problem reported under
 * path; *pk is filled with what decoded. 0 or -EINVAL.
 */
int dpw_doc_pick_decode(const json_t *o, const char *path, const struct dpw_doc *doc,
			struct dpw_doc_dec *dec, struct dpw_doc_pick *pk);
/* Set "algorithm", "persistence" (for persistence only) and "wans" ({wan, weight} and
 * metric for metric) of o from pk. 0 or -ENOMEM. */
int dpw_doc_pick_encode(json_t *o, const struct dpw_doc *doc, const struct dpw_doc_pick *pk);
/* The algorithm named s: 0 and *a, or -ENOENT. */
int dpw_doc_lb_algo_parse(const char *s, uint8_t *a);

/*
 * The required "name" of an object: a valid name (dpw_doc_name_valid) copied into out,
 * true; missing or invalid: reported, out left empty, false.
 */
bool dpw_doc_get_name(const json_t *o, const char *path, char out[DPW_NAME_LEN],
		      struct dpw_doc_dec *dec);
/* The index of the WAN named name in doc, or -1. */
int dpw_doc_wan_index(const struct dpw_doc *doc, const char *name);
/* As dpw_doc_wan_index, reporting a missing WAN at path (naming the document's WANs). */
int dpw_doc_wan_ref(const struct dpw_doc *doc, const char *name, const char *path,
		    struct dpw_doc_dec *dec);

/* A WAN's health member (dpw_doc_health.c): defaults (the dpwan preset, ping), decode
 * (o NULL: defaults), encode with every member. */
void dpw_doc_health_defaults(struct dpw_doc_health *h);
void dpw_doc_health_decode(const json_t *o, const char *path, struct dpw_doc_dec *dec,
			   struct dpw_doc_health *h);
json_t *dpw_doc_health_encode(const struct dpw_doc_health *h);

/* base + "/" + key, with RFC 6901 escaping (~ -> ~0, / -> ~1); truncated to out's size. */
void dpw_doc_path_key(char *out, size_t size, const char *base, const char *key);
/* base + "/" + index. */
void dpw_doc_path_index(char *out, size_t size, const char *base, size_t index);

/* "an object", "an array", "a string", "an integer", "a number", "a boolean", "null". */
const char *dpw_doc_json_type_str(const json_t *v);

/*
 * Report every member of obj that is neither in known[] nor in planned[] (both
 * NULL-terminated / {NULL} terminated; planned may be NULL) as unknown, naming the known
 * members; a planned one is "not supported yet (issue N)". Returns how many it reported.
 */
unsigned int dpw_doc_check_members(const json_t *obj, const char *path,
				   const char *const *known,
				   const struct dpw_doc_planned *planned,
				   struct dpw_doc_dec *dec);

/*
 * Typed members of obj at path. Absent: *out = def and 0 (required: reported, -ENOENT).
 * Wrong type or out of range: reported at path/key, -EINVAL. Integers given as
 * numbers with a fraction part or as reals (1.0) are refused.
 */
int dpw_doc_get_int(const json_t *obj, const char *path, const char *key, bool required,
		    int64_t lo, int64_t hi, int64_t def, int64_t *out, struct dpw_doc_dec *dec);
int dpw_doc_get_bool(const json_t *obj, const char *path, const char *key, bool def,
		     bool *out, struct dpw_doc_dec *dec);
/* *out is the string inside obj (valid while obj lives), or NULL when absent. */
int dpw_doc_get_string(const json_t *obj, const char *path, const char *key, bool required,
		       const char **out, struct dpw_doc_dec *dec);

/* Report a wrong type at path: "must be <what>, not <type of v>". */
void dpw_doc_type_error(struct dpw_doc_dec *dec, const char *path, const char *what,
			const json_t *v);

#endif
