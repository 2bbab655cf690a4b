/* SPDX-License-Identifier: BSD-3-Clause
 * REST API server (libmicrohttpd in external epoll mode, driven by the control loop):
 * one route table (method set, pattern, least role, body limit, handler), bearer-token
 * authentication with roles, bounded requests, application/problem+json errors, ETags,
 * and suspended requests for answers that wait on the dataplane (so a scrape of /metrics
 * is served while an apply is in flight). Handlers parse the request and call core
 * functions (control/config.h, control/wan.h ...): no policy logic here. Main thread.
 */
#ifndef CP_API_H
#define CP_API_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "control/api_parse.h"
#include "control/auth.h"
#include "lib/shm/dpw_shm.h"

/* one client cannot hold every slot; an idle connection is dropped after 10 s */
#define CP_API_CONN_LIMIT 64
#define CP_API_CONN_PER_IP 8
#define CP_API_CONN_TIMEOUT_S 10
#define CP_API_CONN_MEMORY (64 * 1024)  /* bounds headers and URL per connection */
#define CP_API_MAX_PARAMS 2
#define CP_API_MAX_HEADERS 4
#define CP_API_URI_MAX 2048     /* bytes of path and query together */

enum cp_method {
	CP_GET = 1 << 0,
	CP_PUT = 1 << 1,
	CP_POST = 1 << 2,
	CP_DELETE = 1 << 3,
};

struct cp_req;
typedef void (*cp_api_handler)(struct cp_req *r);

struct cp_api_route {
	unsigned int methods;     /* enum cp_method bits */
	const char *pattern;      /* "/api/v1/wans/{name}/enable": {x} matches one segment */
	enum cp_role role;        /* least role; CP_ROLE_NONE: no token needed */
	size_t body_max;          /* bytes of request body accepted (0: none) */
	cp_api_handler handler;
};

/* One request, from its first byte to its completion. */
struct cp_req {
	struct MHD_Connection *conn;
	const struct cp_api_route *route;
	unsigned int method;      /* enum cp_method */
	const char *method_str;
	char url[CP_API_URL_MAX + 1];
	char param[CP_API_MAX_PARAMS][CP_API_PARAM_LEN];
	struct cp_auth auth;      /* who asked */
	char client[64];          /* address, for logs */
	char *body;               /* NUL-terminated */
	size_t len;
	int too_big;
	int suspended;
	int admitted;             /* admit() ran */
	int uri_too_long;         /* path and query over CP_API_URI_MAX */
	/* the answer, once decided */
	struct MHD_Response *resp;
	unsigned int status;
	char hdr_name[CP_API_MAX_HEADERS][32];
	char hdr_val[CP_API_MAX_HEADERS][160];
	unsigned int n_hdr;
	void *user;               /* a handler's state across a suspension */
	void (*user_free)(void *);
};

/*
 * Start the API on the system configuration's listener (api.listen, api.port, optional
 * api.tls_cert / api.tls_key) and register it with the control loop. 0 or -errno.
 */
int cp_api_start(void);

/* Stop the server (connections closed). */
void cp_api_stop(void);

/* ---- for handlers ---- */

/* Query-string argument, or NULL. */
const char *cp_api_arg(struct cp_req *r, const char *key);

/* Request header, or NULL. */
const char *cp_api_header_in(struct cp_req *r, const char *name);

/* Add a response header (before one of the send functions). */
void cp_api_header(struct cp_req *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answer with JSON (takes the reference to j). */
void cp_api_send_json(struct cp_req *r, unsigned int status, json_t *j);

/* Answer with a text body (copied). */
void cp_api_send_text(struct cp_req *r, unsigned int status, const char *content_type,
		      const char *buf, size_t len);

/* Answer with no body (204). */
void cp_api_send_empty(struct cp_req *r, unsigned int status);

/*
 * Answer application/problem+json: title from the status, detail from fmt, and errors
 * (an array of {path, message}; reference taken; may be NULL).
 */
void cp_api_problem(struct cp_req *r, unsigned int status, json_t *errors, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

/* The old name of cp_api_problem without errors. */
#define cp_api_send_error(r, status, ...) cp_api_problem((r), (status), NULL, __VA_ARGS__)

/* Hold the answer: the handler returns, and answers later from a callback. */
void cp_api_suspend(struct cp_req *r);

/* Let a suspended request go out with the answer a send function set meanwhile. */
void cp_api_resume(struct cp_req *r);

/* Have the server run once more this loop iteration (after MHD_resume_connection). */
void cp_api_kick(void);

/* ETag of the running generation on this response, and If-Match handling. */
void cp_api_etag(struct cp_req *r);

/*
 * Check If-Match against the running generation: 0 (matches or absent and !required),
 * or an answer is already queued (412 stale, 428 missing when required): -1.
 */
int cp_api_if_match(struct cp_req *r, bool required);

/* Requests served, by status class, and failures to authenticate (for /metrics). */
struct cp_api_stats {
	uint64_t requests;
	uint64_t by_class[6];     /* 1xx..5xx at [1..5] */
	uint64_t suspended_now;
	uint64_t streams_now;
};
const struct cp_api_stats *cp_api_stats(void);

/* The WAN object of the API for shm->wans[i] (new reference). */
json_t *cp_api_wan_json(const struct dpw_shm *shm, unsigned int i);

/* The API's state of shm->wans[i]: "online", "degraded", "offline", "standby" ... */
const char *cp_api_wan_state_str(const struct dpw_shm *shm, unsigned int i);

/*
 * Names of what explain and the session listing report, from the running document
 * (api_explain.c). New references. A rule id: {"index", "name"}, "default",
 * "connected" or null (DPW_RULE_ID_NONE); a policy: the named policy's name,
 * "rule <name>" (a rule's own pick), "default", "any" or null; a WAN mask: the names
 * of its WANs, in WAN order.
 */
json_t *cp_api_rule_json(unsigned int rule);
json_t *cp_api_policy_json(unsigned int kind, unsigned int policy, unsigned int rule);
json_t *cp_api_wan_mask_json(const struct dpw_shm *shm, unsigned int mask);

/* The WAN named by id as a JSON string, null when there is none. New reference. */
json_t *cp_api_wan_name_json(const struct dpw_shm *shm, int wan);

/* Resource handlers, one file per resource. */
void cp_api_health_get(struct cp_req *r);
void cp_api_status_get(struct cp_req *r);
void cp_api_wans_get(struct cp_req *r);
void cp_api_wan_get(struct cp_req *r);
void cp_api_wan_action(struct cp_req *r);
void cp_api_wan_admin_put(struct cp_req *r);
void cp_api_metrics_get(struct cp_req *r);
void cp_api_config_get(struct cp_req *r);
void cp_api_config_put(struct cp_req *r);
void cp_api_config_validate(struct cp_req *r);
void cp_api_config_history(struct cp_req *r);
void cp_api_config_history_get(struct cp_req *r);
void cp_api_config_diff(struct cp_req *r);
void cp_api_config_rollback(struct cp_req *r);
void cp_api_config_confirm(struct cp_req *r);
void cp_api_events_get(struct cp_req *r);
void cp_api_events_stream(struct cp_req *r);
void cp_api_tokens_get(struct cp_req *r);
void cp_api_tokens_post(struct cp_req *r);
void cp_api_token_delete(struct cp_req *r);
void cp_api_openapi_get(struct cp_req *r);
/* issue 11: the dashboard's files (api_dashboard.c), whoami, the WAN history */
void cp_api_dashboard_redirect(struct cp_req *r);
void cp_api_dashboard_index(struct cp_req *r);
void cp_api_dashboard_file(struct cp_req *r);
void cp_api_whoami_get(struct cp_req *r);
void cp_api_history_get(struct cp_req *r);
void cp_api_explain_get(struct cp_req *r);
void cp_api_sessions_get(struct cp_req *r);
void cp_api_sessions_delete(struct cp_req *r);
void cp_api_policies_get(struct cp_req *r);
void cp_api_policy_get(struct cp_req *r);
void cp_api_rules_get(struct cp_req *r);
void cp_api_rule_get(struct cp_req *r);
/* issue 11 (api_capture.c): POST, GET and DELETE /api/v1/capture */
void cp_api_capture_post(struct cp_req *r);
void cp_api_capture_get(struct cp_req *r);
void cp_api_capture_delete(struct cp_req *r);
/* issue 9 (api_dnsset.c): GET /api/v1/lan/dns/domain-sets; the snooping counters summed
 * over the lcores and the live entries, for /metrics (0, or -ENOENT: no memzone). API
 * thread. */
void cp_api_dnsset_get(struct cp_req *r);
struct dpw_dnsset_stats;
int cp_api_dnsset_stats(struct dpw_dnsset_stats *sum, uint64_t *entries);

struct dpw_doc;
struct dpw_doc_pick;
struct dpw_doc_problems;
struct cp_pstats;

/* [{wan, metric, weight}] of a pick's candidates, in its order; p may be NULL ([]). */
json_t *cp_api_candidates_json(const struct dpw_doc *doc, const struct dpw_doc_pick *p);

/*
 * The rule and policy counters of the running document (pstats.h): valid when the
 * dataplane classifies with its generation, or with an older one of the same document.
 * 0 or -ENOMEM (ps freed).
 */
int cp_api_pstats_read(const struct dpw_shm *shm, struct cp_pstats *ps);

/* generation, counters_gen and counters_valid of the policy counters into object j. */
void cp_api_counters_meta(json_t *j, const struct cp_pstats *ps);

/* Change a WAN's enabled / forced_down (-1: keep) as a new generation; answers the WAN. */
void cp_api_wan_change(struct cp_req *r, const char *name, int enabled, int forced_down);

/* RFC 3339 UTC time with milliseconds (null for 0). New reference. */
json_t *cp_api_time_json(int64_t ms);

/* Event streams: wake them for a new event (events.h notify). */
void cp_api_events_notify(int64_t seq);

/*
 * Apply doc (validated: cp_config_parse) as a new generation through the same path as
 * PUT /api/v1/config, the request suspended until the dataplane's verdict, answered
 * with the apply result (warnings from pr, may be NULL). For resources that edit a part
 * of the document (api_lan.c).
 */
void cp_api_config_apply_doc(struct cp_req *r, const struct dpw_doc *doc,
			     const char *comment, const struct dpw_doc_problems *pr);

/* LAN services (issue 9, api_lan.c). */
void cp_api_lan_dhcp_get(struct cp_req *r);
void cp_api_lan_dhcp_put(struct cp_req *r);
void cp_api_lan_reservations_get(struct cp_req *r);
void cp_api_lan_reservations_post(struct cp_req *r);
void cp_api_lan_reservation(struct cp_req *r);
void cp_api_lan_leases_get(struct cp_req *r);
void cp_api_lan_lease_delete(struct cp_req *r);
void cp_api_lan_dns_get(struct cp_req *r);
void cp_api_lan_dns_put(struct cp_req *r);

/*
 * Section resources (api_lan.c): the running document's tree (a new reference, or 409
 * queued and NULL); tree[a][b] (b may be NULL), borrowed, objects made on the way when
 * create; decode, validate and apply an edited tree (reference taken) with a history
 * comment; the request body as JSON of a type (or 400 queued and NULL); answer
 * tree[a][b] (dflt when absent, reference taken) with the running ETag.
 */
json_t *cp_api_running_tree(struct cp_req *r);
json_t *cp_api_member(json_t *tree, const char *a, const char *b, int create);
void cp_api_apply_tree(struct cp_req *r, json_t *tree, const char *comment);
json_t *cp_api_body_json(struct cp_req *r, json_type type);
void cp_api_send_part(struct cp_req *r, const char *a, const char *b, json_t *dflt);

/* Inbound access, NAT mappings, firewall, DoS (api_inbound.c, issue 10). */
void cp_api_services_get(struct cp_req *r);
void cp_api_services_put(struct cp_req *r);
void cp_api_services_counters(struct cp_req *r);
void cp_api_nat_mappings_get(struct cp_req *r);
void cp_api_nat_mappings_put(struct cp_req *r);
void cp_api_firewall_get(struct cp_req *r);
void cp_api_firewall_put(struct cp_req *r);
void cp_api_firewall_counters(struct cp_req *r);
void cp_api_dos_get(struct cp_req *r);
void cp_api_dos_put(struct cp_req *r);
/* Their Prometheus families (api_metrics.c calls it). */
void cp_api_inbound_metrics(FILE *f, const struct dpw_shm *shm);
void cp_api_lan_records_get(struct cp_req *r);
void cp_api_lan_records_post(struct cp_req *r);
void cp_api_lan_records_delete(struct cp_req *r);
void cp_api_lan_lookup_get(struct cp_req *r);
void cp_api_lan_lookup_put(struct cp_req *r);
void cp_api_lan_stats_get(struct cp_req *r);
void cp_api_lan_flush(struct cp_req *r);

/* Document format of a Content-Type or Accept value: 0 JSON, 1 YAML, -1 neither. */
int cp_api_doc_format(const char *value, bool accept);

#endif
