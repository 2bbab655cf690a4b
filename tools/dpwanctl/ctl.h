/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl internals shared by its files: the client (server URL, token and where it
 * came from), one HTTP exchange, the exit codes of api/API-v1.md, and the renderers.
 * dpwanctl is a single-threaded user program: libcurl's easy interface and jansson.
 */
#ifndef DPWANCTL_CTL_H
#define DPWANCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/cfg/dpw_mwan3.h"

/* Exit codes (api/API-v1.md, "dpwanctl"). */
#define CTL_EXIT_OK 0
#define CTL_EXIT_REFUSED 1        /* the server said no (or a local failure) */
#define CTL_EXIT_USAGE 2
#define CTL_EXIT_UNREACHABLE 3    /* no connection, TLS failure, timeout */
#define CTL_EXIT_AUTH 4           /* 401 or 403 */

#define CTL_MAX_RESPONSE (16u << 20)   /* a response body; the largest is a document */
#define CTL_CONNECT_TIMEOUT_MS 3000L
#define CTL_REQUEST_TIMEOUT_MS 30000L
#define CTL_MAX_TOKEN 256              /* the API's limit (CP_TOKEN_MAX_LEN) */
#define CTL_URL_LEN 512

struct ctl {
	char url[CTL_URL_LEN];        /* scheme://host:port, no trailing slash */
	char token[CTL_MAX_TOKEN + 1];
	char token_from[320];         /* "-t", "$DPWAN_TOKEN", a file name: for the hints */
	const char *cacert;           /* --cacert FILE or NULL */
	bool json;                    /* --json: the server's JSON unchanged */
};

/* One request. Strings may be NULL (no body, no such header). */
struct ctl_req {
	const char *method;
	const char *path;             /* "/api/v1/..." with the query, already escaped */
	const char *body;
	size_t body_len;
	const char *content_type;
	const char *accept;           /* default "application/json" */
	const char *if_match;         /* the header's value, quotes included */
	long timeout_ms;              /* 0: CTL_REQUEST_TIMEOUT_MS */
	size_t max_len;               /* of the response body; 0: CTL_MAX_RESPONSE */
};

struct ctl_resp {
	long status;
	char *body;                   /* NUL-terminated, malloc'd; "" when empty */
	size_t len;
	char etag[64];                /* as sent, quotes included; "" when absent */
	char content_type[128];
	char retry_after[32];
	char allow[128];
	bool overflow;                /* body over CTL_MAX_RESPONSE (then an error) */
	size_t max_len;               /* the request's bound (set by ctl_http) */
};

/*
 * One exchange. Returns 0 with r filled (any HTTP status; free with ctl_resp_free), or
 * CTL_EXIT_UNREACHABLE after printing why the server could not be reached.
 */
int ctl_http(const struct ctl *c, const struct ctl_req *rq, struct ctl_resp *r);
void ctl_resp_free(struct ctl_resp *r);

/* A GET of path with Accept: application/json; as ctl_http. */
int ctl_get(const struct ctl *c, const char *path, struct ctl_resp *r);

/*
 * An HTTP status >= 300: print the problem (detail, then "path: message" per error),
 * the hints for 401/403/429, and return the exit code (CTL_EXIT_AUTH or
 * CTL_EXIT_REFUSED). With --json the body also goes to stdout unchanged.
 */
int ctl_fail(const struct ctl *c, const struct ctl_resp *r);

/* 0 when r has that status; else ctl_fail's exit code, with r freed. */
int ctl_expect(const struct ctl *c, struct ctl_resp *r, long status);

/* The problem's errors array of a response (borrowed from *owner, decref it), or NULL. */
json_t *ctl_problem_errors(const struct ctl_resp *r, json_t **owner);

/*
 * Show a response: a 2xx body through out (with --json: unchanged), anything else as
 * ctl_fail does; frees r. Returns the exit code. ctl_show: the same for a GET of path.
 */
int ctl_show_resp(const struct ctl *c, struct ctl_resp *r, void (*out)(const json_t *));
int ctl_show(const struct ctl *c, const char *path, void (*out)(const json_t *));

/* Parse a 2xx JSON body; NULL (after saying why) when it is not JSON. */
json_t *ctl_json(const struct ctl_resp *r);

/* Success: print the body unchanged (with a final newline). */
void ctl_print_raw(const struct ctl_resp *r);

/* The generation of an ETag ("7" -> 7), or -1. */
long long ctl_etag_gen(const char *etag);

/* Percent-encode s for a query value into out; -1 when it does not fit. */
int ctl_escape(const char *s, char *out, size_t len);

/*
 * GET path/events/stream and call on_event for each event until Ctrl-C (then 0) or an
 * error that reconnecting cannot fix (an exit code). Reconnects with Last-Event-ID.
 */
int ctl_follow(const struct ctl *c, long long since,
	       void (*on_event)(const struct ctl *c, const char *id, const char *type,
				const char *data));

/*
 * Renderers (ctl_output.c): human text of the server's JSON. ctl_out_status: /status,
 * then (each may be NULL: an older server) the sections of /policies and /rules.
 */
void ctl_out_status(const json_t *st, const json_t *policies, const json_t *rules);
void ctl_out_wan_line(const json_t *w);
void ctl_out_wans(const json_t *wans);
void ctl_out_wan_detail(const json_t *w);
void ctl_out_apply(const json_t *res, const char *what);
void ctl_out_history(const json_t *h);
void ctl_out_diff(const json_t *d);
void ctl_out_event(const json_t *ev);
void ctl_out_tokens(const json_t *t);
void ctl_out_token_created(const json_t *t);
void ctl_out_problems(FILE *f, const json_t *errors, const char *prefix);

/* mwan3's "Current ipv4 policies:": "name:" then " wan1 (60%)" per WAN with a share. */
void ctl_out_policy_shares(FILE *f, const json_t *policies);
/* "Directly connected ipv4 networks:" from the connected pseudo rule of /rules. */
void ctl_out_connected(FILE *f, const json_t *rules);
/* "Active ipv4 user rules:": sessions, unavailable, sticky, name, match -> action. */
void ctl_out_rule_lines(FILE *f, const json_t *rules);
/* `dpwanctl policies` and `dpwanctl rules`: every detail, disabled rules too. */
void ctl_out_policies(FILE *f, const json_t *policies);
void ctl_out_rules(FILE *f, const json_t *rules);
/* A rule's match as words ("tcp from 198.18.0.10 to 198.19.0.0/24 port 443"). */
void ctl_match_str(const json_t *match, char *buf, size_t len);
/* A rule's action: "-> policy", "-> algorithm(wan1,wan2)" or "-> direct ...". */
void ctl_action_str(const json_t *rule, char *buf, size_t len);

/*
 * RFC 3339 ("2024-05-01T12:00:03.123Z", "+02:00" offsets) to Unix time in ms; -1 when
 * it is not one.
 */
long long ctl_time_ms(const char *s);

/* Unix time in ms as local time: "2024-05-01 14:00:03" (+ ".123" when ms). */
void ctl_local_time(long long ms, bool with_ms, char *buf, size_t len);

/* "lan ..." (ctl_lan.c, issue 9): args after "lan"; returns the exit code. Its
 * subcommands also work without "lan" (ctl_lan_command says which they are). */
int ctl_lan(const struct ctl *c, int argc, char **argv);
bool ctl_lan_command(const char *cmd);

/* Inbound access (issue 10, ctl_inbound.c): `services | firewall | nat-mappings | dos`
 * [set FILE]; ctl_inbound_command says which commands those are. */
int ctl_inbound(const struct ctl *c, int argc, char **argv);
bool ctl_inbound_command(const char *cmd);

/* "config ..." (ctl_config.c): args after "config"; returns the exit code. */
struct ctl_config_opts {
	bool yaml;
	long long gen;                /* --gen, 0: none */
	long confirm;                 /* --confirm, 0: none */
	const char *comment;          /* --comment or NULL */
};
int ctl_config(const struct ctl *c, int argc, char **argv, const struct ctl_config_opts *o);

/* "explain ..." and "sessions ..." (ctl_sess.c): args after the command; the exit code. */
struct ctl_sess_opts {
	const char *client;           /* --client NET */
	const char *dst;              /* --dst NET */
	const char *wan;              /* --wan NAME */
	const char *rule;             /* --rule NAME */
	const char *proto;            /* --proto P */
	const char *cursor;           /* --cursor C */
	const char *src_mac;          /* --src-mac MAC (explain) */
	long limit;                   /* --limit N, 0: the default */
	bool all;                     /* --all: every page */
};
int ctl_explain(const struct ctl *c, int argc, char **argv, const struct ctl_sess_opts *o);
int ctl_sessions(const struct ctl *c, int argc, char **argv, const struct ctl_sess_opts *o);

/*
 * A whole file ("-": stdin) of at most DPW_DOC_MAX_BYTES, NUL-terminated, malloc'd into
 * *text. 0, or CTL_EXIT_USAGE after saying why (ctl_config.c).
 */
int ctl_read_file(const char *path, char **text, size_t *len);

/* "capture PORT ... -w FILE", "capture status", "capture stop" (ctl_capture.c). */
struct ctl_capture_opts {
	const char *filter;           /* --filter BPF or NULL */
	const char *file;             /* -w FILE ("-": stdout) */
	long count;                   /* --count N, 0: no bound */
	long duration;                /* --duration S, 0: the server's default */
	long snaplen;                 /* --snaplen N, 0: the server's default */
	bool force;                   /* --force */
};
int ctl_capture(const struct ctl *c, int argc, char **argv, const struct ctl_capture_opts *o);

/* "import-mwan3 FILE" (ctl_mwan3.c): no server involved; returns the exit code. */
struct ctl_mwan3_opts {
	const char *base;             /* --base DOC or NULL */
	const char *out;              /* -o OUT or NULL: stdout */
	bool json;                    /* --json: JSON, else YAML */
	struct dpw_mwan3_map map;     /* --map IF=WAN,... */
};
int ctl_import_mwan3(int argc, char **argv, const struct ctl_mwan3_opts *o);

#endif
