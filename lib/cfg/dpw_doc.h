/* SPDX-License-Identifier: BSD-3-Clause
 * The network-policy document (DESIGN.md s1): everything that is not a restart-time
 * system setting, in one model. Read from JSON (jansson) or YAML (dpw_yaml.h builds the
 * same json_t tree), validated as a whole (every problem at once, each with a JSON
 * pointer), written back as canonical JSON (the bytes that are hashed, stored and sent
 * to the dataplane) or YAML. Pure: no DPDK. Any thread.
 *
 * Layout of the document (top-level members; a section not yet implemented is refused
 * as an unknown member, never accepted and ignored):
 *   version   1                                   this format's version
 *   wans      [ {name, enabled, forced_down, weight, mtu, mss, addressing{...}} ]
 * Planned, each by the issue that implements it (names fixed here so they fit):
 *   wans[].health         health checks of that WAN (issue 7)
 *   members, policies, rules                     outbound policy engine (issue 8)
 *   lan {dhcp, dns}, dns_records, domain_lookup  LAN services (issue 9)
 *   nat {mappings, one_to_one}, services, firewall {outbound, inbound}, dos (issue 10)
 * Every section is a member of struct dpw_doc with its own decode / validate / encode
 * functions in its own file (dpw_doc_wans.c, later dpw_doc_rules.c ...), driven by one
 * table of sections in dpw_doc.c.
 */
#ifndef DPW_DOC_H
#define DPW_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/shm/dpw_shm.h"

#define DPW_DOC_VERSION 1
#define DPW_DOC_MAX_BYTES (8u << 20)   /* a document's text, JSON or YAML */
#define DPW_DOC_MAX_DEPTH 32           /* nesting of objects and arrays */
#define DPW_DOC_HASH_LEN 32            /* SHA-256 of the canonical JSON */
#define DPW_DOC_PATH_LEN 128
#define DPW_DOC_MSG_LEN 192
#define DPW_DOC_MAX_PROBLEMS 64        /* kept; further ones are only counted */

enum dpw_doc_format {
	DPW_DOC_JSON = 0,
	DPW_DOC_YAML = 1,
};

/* WAN addressing mode. */
enum dpw_doc_addr_mode {
	DPW_ADDR_STATIC = 0,
	DPW_ADDR_DHCP = 1,        /* issue 7 point 5: refused by the validator until then */
};

struct dpw_doc_wan {
	char name[DPW_NAME_LEN];  /* mwan3's rules: 1-15 of [A-Za-z0-9_]; names a WAN port */
	bool enabled;             /* default true; false: "disabled" (no new sessions) */
	bool forced_down;         /* default false; pfSense "mark gateway as down" */
	uint32_t weight;          /* default 1, 1..1000 */
	uint16_t mtu;             /* default 1440 (Peplink), 576..the port's MTU */
	uint16_t mss;             /* 0: "auto" (mtu - 40, Peplink's default), else 536..mtu-40 */
	uint8_t addr_mode;        /* enum dpw_doc_addr_mode */
	uint32_t addr;            /* static: host byte order */
	uint8_t prefixlen;        /* static: 1..30 */
	uint32_t gateway;         /* static: host byte order, inside addr/prefixlen */
};

struct dpw_doc {
	uint32_t version;
	unsigned int n_wans;
	struct dpw_doc_wan wans[DPW_MAX_WANS];
};

/*
 * What the system configuration allows, so that the same document is judged alike by
 * the control process and by the dataplane (both build it with
 * dpw_doc_context_from_sysconf from the same dpwan.conf).
 */
struct dpw_doc_context {
	unsigned int n_wan_ports;
	char wan_port[DPW_MAX_WANS][DPW_NAME_LEN];   /* names of the WAN ports */
	uint16_t wan_port_mtu[DPW_MAX_WANS];         /* each one's port MTU (frame size) */
	uint32_t lan_addr;                           /* host order */
	uint8_t lan_prefixlen;
};

struct dpw_doc_problem {
	char path[DPW_DOC_PATH_LEN];   /* JSON pointer (RFC 6901): "/wans/1/weight", "" */
	char message[DPW_DOC_MSG_LEN];
	bool warning;                  /* true: reported, does not make the document invalid */
};

struct dpw_doc_problems {
	unsigned int n;                /* kept in p[] */
	unsigned int errors;           /* all errors found, kept or not */
	unsigned int warnings;
	struct dpw_doc_problem p[DPW_DOC_MAX_PROBLEMS];
};

struct dpw_sysconf;

/* The validation context of a system configuration. Pure. */
void dpw_doc_context_from_sysconf(const struct dpw_sysconf *conf,
				  struct dpw_doc_context *ctx);

/* Reset a problem list. */
void dpw_doc_problems_init(struct dpw_doc_problems *pr);

/*
 * Add a problem (printf-style message) at path. Counts it when the list is full.
 * Used by the section decoders and by callers that add their own (the API's syntax
 * errors, the dataplane's build errors).
 */
void dpw_doc_problem_add(struct dpw_doc_problems *pr, bool warning, const char *path,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Decode and validate a document tree: types, ranges, names, duplicates, dangling
 * references, unknown members, the seeds' constraints, and what ctx allows (ctx may be
 * NULL: then the checks that need the system are skipped). Defaults are filled in for
 * missing optional members (a WAN's mtu: 1440, or its port's MTU when that is smaller).
 * Every problem is recorded, not only the first. pr is reset first (add a caller's own
 * problems after the call). The tree's nesting is checked against DPW_DOC_MAX_DEPTH here
 * too, so a tree from another parser is bounded alike.
 * Returns 0 (doc filled; warnings may be present) or -EINVAL (errors in pr; doc is
 * undefined).
 */
int dpw_doc_from_json(const json_t *root, const struct dpw_doc_context *ctx,
		      struct dpw_doc *doc, struct dpw_doc_problems *pr);

/*
 * Parse text (JSON or YAML, at most DPW_DOC_MAX_BYTES) and decode it as above. A syntax
 * error is one problem at path "" whose message says "line L, column C: ...". JSON: no
 * duplicate keys, no NUL in strings, any value at the top (a non-object is then "must be
 * an object"). pr is reset first.
 * 0 or -EINVAL (problems in pr), -E2BIG (text too long, also in pr).
 */
int dpw_doc_parse(const char *text, size_t len, enum dpw_doc_format fmt,
		  const struct dpw_doc_context *ctx, struct dpw_doc *doc,
		  struct dpw_doc_problems *pr);

/* The document as a tree with every member present (defaults explicit). New reference. */
json_t *dpw_doc_to_json(const struct dpw_doc *doc);

/*
 * Canonical JSON of the document: dpw_doc_to_json, members in schema order, compact, no
 * trailing newline. Equal documents give equal bytes. malloc'd (free()), length in *len;
 * NULL on allocation failure.
 */
char *dpw_doc_canonical(const struct dpw_doc *doc, size_t *len);

/* SHA-256 of bytes (the canonical JSON). 0 or -EIO. */
int dpw_doc_hash(const void *buf, size_t len, uint8_t out[DPW_DOC_HASH_LEN]);

/* Lower-case hex of a hash into out (2 * DPW_DOC_HASH_LEN + 1 bytes); returns out. */
char *dpw_doc_hash_hex(const uint8_t hash[DPW_DOC_HASH_LEN], char *out);

/*
 * The changes from tree a to tree b (two documents, canonical or not): an array of
 * {"op": "add"|"remove"|"replace", "path": JSON pointer, "old": ..., "new": ...}
 * ("old" absent for add, "new" absent for remove), in document order. Arrays of named
 * objects (members with a "name") are matched by name, so inserting a WAN reports one
 * add, not a replace of every later element; other arrays element by element.
 * Order: a's members in a's order (each changed or removed), then the members only b
 * has, in b's order; recursively. In a named array a removed element's path has its
 * index in a, an added one and the changes inside a matched one their index in b; a
 * reordering alone reports nothing (the order of WANs has no meaning today).
 * New reference, or NULL on allocation failure.
 */
json_t *dpw_doc_diff(const json_t *a, const json_t *b);

/* The WAN named name in doc, or NULL. */
const struct dpw_doc_wan *dpw_doc_wan_find(const struct dpw_doc *doc, const char *name);

/* Is s a valid object name (mwan3: 1-15 characters of letters, digits, underscore)? */
bool dpw_doc_name_valid(const char *s);

#endif
