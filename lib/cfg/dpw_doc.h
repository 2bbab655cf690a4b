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
 *   wans      [ {name, enabled, forced_down, weight, mtu, mss, priority, independent,
 *                on_failure{tcp, udp}, addressing{mode, address, gateway, dns, hostname},
 *                health{preset, method, targets, ... quality{...}}} ]
 * Planned, each by the issue that implements it (names fixed here so they fit):
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
	DPW_ADDR_DHCP = 1,        /* a DHCP client on the WAN's TAP (dpwan-control) */
};

/* Health-check method of a WAN (Peplink: ping, DNS lookup, HTTP; plus TCP connect). */
#define DPW_HEALTH_METHODS(X) \
	X(NONE, "none")     /* no checks: the WAN is judged by link and ARP alone */ \
	X(PING, "ping")     /* ICMP echo, `size` bytes of payload */ \
	X(DNS, "dns")       /* a query for dns_query; any answer (NXDOMAIN too) is up */ \
	X(HTTP, "http")     /* GET of a URL: 2xx (and http_match in the body) is up */ \
	X(HTTPS, "https")   /* the same over TLS (tls_verify) */ \
	X(TCP, "tcp")       /* a TCP connect to target:port */

enum dpw_health_method {
#define DPW_X_ENUM(e, s) DPW_HM_##e,
	DPW_HEALTH_METHODS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_HM_MAX
};

/* "ping", ... or "unknown". */
const char *dpw_health_method_str(unsigned int m);

#define DPW_HEALTH_TARGETS_MAX 8       /* targets per WAN (mwan3 track_ip list) */
#define DPW_HEALTH_TARGET_LEN 128      /* an address, or a URL for http/https */
#define DPW_HEALTH_STR_LEN 64          /* dns_query, http_match */
#define DPW_WAN_DNS_MAX 4
#define DPW_WAN_PRIORITY_MAX 8         /* Peplink: 1 always-on, 2.. backup groups */

/*
 * A WAN's health checks. The numbers start from the named preset ("dpwan", "peplink",
 * "mwan3", "pfsense": dpw_doc_health_preset) and members given in the document
 * override them; the canonical form writes every member. Times in milliseconds,
 * thresholds of 0 are off.
 */
struct dpw_doc_health {
	char preset[DPW_HEALTH_STR_LEN];
	uint8_t method;                /* enum dpw_health_method; default ping */
	/*
	 * ping, tcp, dns: IPv4 addresses (dns: the servers to ask); http(s): URLs. Empty
	 * (the default): ping and tcp probe the WAN's gateway, dns the WAN's DNS servers
	 * (addressing.dns or the DHCP lease's); http(s) needs targets.
	 */
	unsigned int n_targets;
	char targets[DPW_HEALTH_TARGETS_MAX][DPW_HEALTH_TARGET_LEN];
	uint16_t port;                 /* tcp: the port to connect to (required for tcp) */
	uint16_t size;                 /* ping: payload bytes, 0..1472, default 56 */
	char dns_query[DPW_HEALTH_STR_LEN];  /* dns: the name asked (A), default "example.com" */
	char http_match[DPW_HEALTH_STR_LEN]; /* http(s): required in the body, "" none */
	bool tls_verify;               /* https: verify the server certificate, default true */
	uint32_t interval_ms;          /* between rounds while settled */
	uint32_t failure_interval_ms;  /* while a failure is suspected (mwan3, HAProxy fastinter) */
	uint32_t recovery_interval_ms; /* while a recovery is suspected */
	uint32_t down_interval_ms;     /* while offline with nothing good seen (downinter) */
	uint32_t timeout_ms;           /* a probe unanswered after this is lost */
	uint32_t count;                /* probes per target per round */
	uint32_t reliability;          /* targets that must answer for a good round (k of n) */
	uint32_t window;               /* results per target in the quality window, 1..128 */
	uint32_t down;                 /* failed rounds to go offline */
	uint32_t up;                   /* good rounds to come back */
	uint32_t up_max;               /* hold-down: cap of the doubled up count */
	uint32_t flap_window_ms;       /* an offline sooner than this after recovery is a flap */
	bool quality;                  /* judge latency and loss (mwan3 check_quality) */
	uint32_t min_probes;           /* loss is judged on at least this many results */
	uint32_t latency_warn_ms, latency_warn_clear_ms;   /* degraded above warn */
	uint32_t latency_down_ms, latency_down_clear_ms;   /* offline above down */
	uint32_t loss_warn_pct, loss_warn_clear_pct;
	uint32_t loss_down_pct, loss_down_clear_pct;
	bool initial_offline;          /* initial_state "offline" (mwan3); default "online" */
	bool monitor_only;             /* pfSense "disable gateway monitoring action" */
	bool passive;                  /* unanswered new connections make the WAN suspect */
};

/* What happens to a WAN's sessions when it stops being usable (issue 7 point 4). */
enum dpw_fail_tcp {
	DPW_FAIL_TCP_RESET = 0,        /* default: RST to the LAN host, session removed */
	DPW_FAIL_TCP_KEEP = 1,         /* left alone: dropped while the WAN is down */
};
enum dpw_fail_udp {
	DPW_FAIL_UDP_MOVE = 0,         /* default: bound again on a usable WAN, next packet */
	DPW_FAIL_UDP_KEEP = 1,         /* left alone */
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
	unsigned int n_dns;       /* the ISP's DNS servers (static; dhcp: overrides the lease's) */
	uint32_t dns[DPW_WAN_DNS_MAX];   /* host byte order */
	char hostname[DPW_HEALTH_STR_LEN]; /* dhcp: option 12 sent, "" none */
	uint8_t priority;         /* Peplink connection priority: 1 always-on, 2.. backup */
	bool independent;         /* Peplink "independent from backup WANs" */
	uint8_t fail_tcp;         /* enum dpw_fail_tcp */
	uint8_t fail_udp;         /* enum dpw_fail_udp */
	struct dpw_doc_health health;
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

/*
 * Fill the numbers of *h (intervals .. passive; not method, targets or the method's
 * settings) from the named preset: "dpwan" (ours: sub-second), "peplink", "mwan3",
 * "pfsense". 0, or -ENOENT for another name. Pure.
 */
int dpw_doc_health_preset(const char *name, struct dpw_doc_health *h);

/* Is s a valid object name (mwan3: 1-15 characters of letters, digits, underscore)? */
bool dpw_doc_name_valid(const char *s);

#endif
