/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/config: the running document (JSON or YAML), apply (PUT, with
 * If-Match and an optional confirm deadline), validate, history, one generation, diff,
 * rollback and confirm. Applies wait for the dataplane with the request suspended.
 * Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dplink.h"
#include "control/wan.h"
#include "control/log.h"
#include "lib/cfg/dpw_yaml.h"

#define HISTORY_MAX 100
#define COMMENT_MAX 200

/* RFC 3339 UTC with milliseconds. */
static json_t *
time_json(int64_t ms)
{
	char buf[40];
	struct tm tm;
	time_t s = (time_t)(ms / 1000);

	if (ms <= 0)
		return json_null();
	gmtime_r(&s, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

json_t *
cp_api_time_json(int64_t ms)
{
	return time_json(ms);
}

/* Answer a document tree in the format Accept asks for. */
static void
send_doc(struct cp_req *r, json_t *doc)
{
	int fmt = cp_api_doc_format(cp_api_header_in(r, MHD_HTTP_HEADER_ACCEPT), true);
	char *y;
	size_t len;

	if (fmt < 0) {
		json_decref(doc);
		cp_api_problem(r, 406, NULL, "Accept: this resource is application/json or "
			       "application/yaml");
		return;
	}
	if (fmt == 0) {
		cp_api_send_json(r, 200, doc);
		return;
	}
	y = dpw_yaml_dump(doc, &len);
	json_decref(doc);
	if (y == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	cp_api_send_text(r, 200, "application/yaml", y, len);
	free(y);
}

void
cp_api_config_get(struct cp_req *r)
{
	json_t *doc = cp_config_running_json();

	cp_api_etag(r);
	if (doc == NULL) {
		cp_api_problem(r, 404, NULL, "no document has been applied yet: PUT one");
		return;
	}
	send_doc(r, doc);
}

/*
 * Parse the request body as a document (by Content-Type). 0 and *doc (the caller frees
 * it: dpw_doc_free), or an answer is queued (415, 400 with every problem) and -1 with
 * nothing to free. The warnings are left in *pr.
 */
static int
body_doc(struct cp_req *r, struct dpw_doc *doc, struct dpw_doc_problems *pr)
{
	const char *ct = cp_api_header_in(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	int fmt = cp_api_doc_format(ct, false);
	int rc;

	if (fmt < 0) {
		cp_api_problem(r, 415, NULL, "Content-Type %s: send application/json or "
			       "application/yaml", ct != NULL ? ct : "(none)");
		return -1;
	}
	dpw_doc_problems_init(pr);
	rc = cp_config_parse(r->body, r->len, fmt ? DPW_DOC_YAML : DPW_DOC_JSON, doc, pr);
	if (rc < 0) {
		dpw_doc_free(doc);
		cp_api_etag(r);
		cp_api_problem(r, rc == -E2BIG ? 413 : 400, cp_config_problems_json(pr, false),
			       "the document is not valid: %u problem%s", pr->errors,
			       pr->errors == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

void
cp_api_config_validate(struct cp_req *r)
{
	struct dpw_doc_problems pr;
	struct dpw_doc doc;

	if (body_doc(r, &doc, &pr) < 0)
		return;
	dpw_doc_free(&doc);
	cp_api_etag(r);
	cp_api_send_json(r, 200, json_pack("{s:b,s:o}", "valid", 1, "warnings",
					   cp_config_problems_json(&pr, true)));
}

/* State of an apply across the suspension. */
struct apply_wait {
	struct cp_req *r;
	json_t *warnings;
	char wan[DPW_NAME_LEN];   /* a WAN action: answer with the WAN */
	int gone;                 /* the client left: answer nobody */
};

static void
apply_wait_free(void *p)
{
	struct apply_wait *w = p;

	/* The connection ended while the apply runs: the callback must not touch it. */
	w->gone = 1;
	w->r = NULL;
}

static json_t *
apply_result_json(const struct cp_apply_result *res, json_t *warnings)
{
	json_t *j = json_object(), *c = json_null();

	if (res->confirm_deadline_ms > 0)
		c = json_pack("{s:o,s:I,s:I}", "deadline", time_json(res->confirm_deadline_ms),
			      "rollback_to", (json_int_t)res->rollback_to, "seconds",
			      (json_int_t)((res->confirm_deadline_ms - (int64_t)dpw_now_ms() +
					    500) / 1000));
	json_object_set_new(j, "generation", json_integer(res->gen));
	json_object_set_new(j, "applied", json_boolean(res->status == 0));
	json_object_set_new(j, "previous", json_integer(res->previous));
	json_object_set_new(j, "changes", json_integer(res->n_changes));
	json_object_set_new(j, "warnings", warnings != NULL ? json_incref(warnings) :
			    json_array());
	json_object_set_new(j, "confirm", c);
	json_object_set_new(j, "apply_ms", json_real(res->apply_ms));
	return j;
}

static void
answer_apply(struct cp_req *r, const struct cp_apply_result *res, json_t *warnings)
{
	switch (res->status) {
	case 0:
	case 1:
		cp_api_etag(r);
		cp_api_send_json(r, 200, apply_result_json(res, warnings));
		break;
	case -EINVAL: {
		/* the dataplane says "path: message": the path goes where a client looks */
		const char *sep = res->text[0] == '/' ? strstr(res->text, ": ") : NULL;
		char path[DPW_DOC_PATH_LEN] = "";

		if (sep != NULL && (size_t)(sep - res->text) < sizeof(path))
			snprintf(path, sizeof(path), "%.*s", (int)(sep - res->text), res->text);
		else
			sep = NULL;
		cp_api_etag(r);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", path, "message",
						 sep != NULL ? sep + 2 : res->text),
			       "the dataplane rejected the document: %s", res->text);
		break;
	}
	case -ETIMEDOUT:
		cp_api_etag(r);
		cp_api_problem(r, 504, NULL, "%s", res->text);
		break;
	default:
		cp_api_problem(r, res->status == -EIO ? 500 : 503, NULL, "%s", res->text);
		break;
	}
}

static void
applied(const struct cp_apply_result *res, void *arg)
{
	struct apply_wait *w = arg;

	if (!w->gone && w->r != NULL) {
		const struct dpw_shm *shm = cp_dplink_shm();
		int idx = w->wan[0] ? cp_wan_find(w->wan) : -1;

		if (idx >= 0 && shm != NULL && (res->status == 0 || res->status == 1)) {
			cp_api_etag(w->r);
			cp_api_send_json(w->r, 200, cp_api_wan_json(shm, (unsigned int)idx));
		} else {
			answer_apply(w->r, res, w->warnings);
		}
		w->r->user_free = NULL;
		w->r->user = NULL;
		cp_api_resume(w->r);
	}
	json_decref(w->warnings);
	free(w);
}

/* Answer the refusals of cp_config_apply / cp_config_rollback. */
static void
apply_refused(struct cp_req *r, int rc)
{
	struct cp_confirm c;

	switch (rc) {
	case -EBUSY:
		cp_api_problem(r, 409, NULL, "another apply is in flight: try again");
		break;
	case -EALREADY:
		cp_config_pending(&c);
		cp_api_problem(r, 409, NULL, "generation %lld waits for a confirmation: POST "
			       "/api/v1/config/confirm or let it roll back first",
			       (long long)c.gen);
		break;
	case -ENOENT:
		cp_api_problem(r, 404, NULL, "no such generation");
		break;
	case -ENODATA:
		cp_api_problem(r, 409, NULL, "a confirmed apply needs a running generation to "
			       "go back to: apply this one without ?confirm first");
		break;
	case -EINVAL:
		cp_api_problem(r, 409, NULL, "that generation does not fit the system "
			       "configuration any more");
		break;
	case -ENOTCONN:
	case -ENOBUFS:
		cp_api_problem(r, 503, NULL, "the dataplane cannot take requests: %s",
			       strerror(-rc));
		break;
	default:
		cp_api_problem(r, 500, NULL, "apply failed: %s", strerror(-rc));
		break;
	}
}

/* Start an apply of doc (rollback_gen 0) or of a stored generation, and suspend. */
static void
start(struct cp_req *r, const struct dpw_doc *doc, int64_t rollback_gen,
      const char *comment, unsigned int confirm_s, const struct dpw_doc_problems *pr,
      const char *wan)
{
	struct apply_wait *w = calloc(1, sizeof(*w));
	const char *who = r->auth.id[0] ? r->auth.id : "anonymous";
	int rc;

	if (w == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	w->r = r;
	if (wan != NULL)
		snprintf(w->wan, sizeof(w->wan), "%s", wan);
	w->warnings = pr != NULL ? cp_config_problems_json(pr, true) : json_array();
	r->user = w;
	r->user_free = apply_wait_free;
	cp_api_suspend(r);
	if (rollback_gen > 0)
		rc = cp_config_rollback(rollback_gen, who, comment, confirm_s, applied, w);
	else
		rc = cp_config_apply(doc, who, comment, confirm_s, applied, w);
	if (rc < 0) {
		r->user = NULL;
		r->user_free = NULL;
		json_decref(w->warnings);
		free(w);
		apply_refused(r, rc);
		cp_api_resume(r);
	}
	/* An unchanged document was answered already, from inside the call. */
}

/* Parse ?confirm=S: 0 and *s (0 when absent), or -1 with a 400 queued. */
static int
confirm_arg(struct cp_req *r, const char *v, unsigned int *s)
{
	char *end;
	unsigned long n;

	*s = 0;
	if (v == NULL)
		return 0;
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < CP_CONFIG_CONFIRM_MIN_S ||
	    n > CP_CONFIG_CONFIRM_MAX_S) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "confirm", "message",
						 "seconds, 10..3600"),
			       "confirm: must be a number of seconds, %d..%d", CP_CONFIG_CONFIRM_MIN_S,
			       CP_CONFIG_CONFIRM_MAX_S);
		return -1;
	}
	*s = (unsigned int)n;
	return 0;
}

void
cp_api_config_apply_doc(struct cp_req *r, const struct dpw_doc *doc, const char *comment,
			const struct dpw_doc_problems *pr)
{
	start(r, doc, 0, comment, 0, pr, NULL);
}

void
cp_api_config_put(struct cp_req *r)
{
	struct dpw_doc_problems pr;
	struct dpw_doc doc;
	const char *comment = cp_api_arg(r, "comment");
	unsigned int confirm_s;

	if (cp_api_if_match(r, true) < 0)
		return;
	if (confirm_arg(r, cp_api_arg(r, "confirm"), &confirm_s) < 0)
		return;
	if (comment != NULL && strlen(comment) > COMMENT_MAX) {
		cp_api_problem(r, 400, NULL, "comment: at most %d characters", COMMENT_MAX);
		return;
	}
	if (body_doc(r, &doc, &pr) < 0)
		return;
	start(r, &doc, 0, comment != NULL ? comment : "", confirm_s, &pr, NULL);
	dpw_doc_free(&doc);   /* the apply has its own copy */
}

void
cp_api_config_rollback(struct cp_req *r)
{
	json_error_t jerr;
	json_t *body, *g, *c, *s;
	unsigned int confirm_s = 0;
	char cbuf[16];

	if (cp_api_if_match(r, true) < 0)
		return;
	body = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message",
						 body == NULL ? jerr.text : "must be an object"),
			       "body: {\"generation\": N, \"comment\": \"...\", \"confirm\": S}");
		return;
	}
	g = json_object_get(body, "generation");
	c = json_object_get(body, "comment");
	s = json_object_get(body, "confirm");
	if (!json_is_integer(g) || json_integer_value(g) < 1 ||
	    (c != NULL && (!json_is_string(c) || json_string_length(c) > COMMENT_MAX)) ||
	    (s != NULL && !json_is_integer(s)) ||
	    json_object_size(body) != 1u + (c != NULL) + (s != NULL)) {
		json_decref(body);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message",
			"generation: integer >= 1; comment: string <= 200; confirm: integer; "
			"nothing else"), "body: {\"generation\": N, \"comment\": \"...\", "
			"\"confirm\": S}");
		return;
	}
	if (s != NULL) {
		snprintf(cbuf, sizeof(cbuf), "%lld", (long long)json_integer_value(s));
		if (confirm_arg(r, cbuf, &confirm_s) < 0) {
			json_decref(body);
			return;
		}
	}
	{
		char comment[COMMENT_MAX + 64];

		snprintf(comment, sizeof(comment), "%s%srollback to generation %lld",
			 c != NULL ? json_string_value(c) : "", c != NULL ? ": " : "",
			 (long long)json_integer_value(g));
		start(r, NULL, json_integer_value(g), comment, confirm_s, NULL, NULL);
	}
	json_decref(body);
}

void
cp_api_config_confirm(struct cp_req *r)
{
	int64_t gen;
	int rc = cp_config_confirm(r->auth.id, &gen);

	cp_api_etag(r);
	if (rc == -ENOENT) {
		cp_api_problem(r, 409, NULL, "no confirmed apply is pending");
		return;
	}
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-rc));
		return;
	}
	cp_api_send_json(r, 200, json_pack("{s:I,s:b}", "generation", (json_int_t)gen,
					   "confirmed", 1));
}

/* Parse an integer argument in [lo, hi]; def when absent. -1 with a 400 queued. */
static int
int_arg(struct cp_req *r, const char *key, long long lo, long long hi, long long def,
	long long *out)
{
	const char *v = cp_api_arg(r, key);
	char *end;
	long long n;

	*out = def;
	if (v == NULL)
		return 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", key, "message",
						 "out of range or not an integer"),
			       "%s: an integer %lld..%lld", key, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

void
cp_api_config_history(struct cp_req *r)
{
	static struct cp_gen gens[HISTORY_MAX];
	long long limit, before;
	char hex[2 * DPW_DOC_HASH_LEN + 1];
	json_t *arr;
	int n, i;

	if (int_arg(r, "limit", 1, HISTORY_MAX, 20, &limit) < 0 ||
	    int_arg(r, "before", 1, INT64_MAX, 0, &before) < 0)
		return;
	n = cp_store_gen_list(cp.store, before, (unsigned int)limit, gens);
	if (n < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-n));
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, json_pack("{s:I,s:o,s:s,s:s,s:s,s:I,s:b}",
			"generation", (json_int_t)gens[i].gen, "time", time_json(gens[i].time_ms),
			"who", gens[i].who, "comment", gens[i].comment ? gens[i].comment : "",
			"hash", dpw_doc_hash_hex(gens[i].hash, hex), "bytes",
			(json_int_t)gens[i].len, "running",
			gens[i].gen == cp_config_running()->gen));
		cp_gen_free(&gens[i]);
	}
	cp_api_etag(r);
	cp_api_send_json(r, 200, json_pack("{s:o}", "generations", arr));
}

/* A stored generation's document as a tree, or an answer queued and NULL. */
static json_t *
gen_tree(struct cp_req *r, int64_t gen)
{
	json_error_t jerr;
	struct cp_gen g;
	json_t *t;
	int rc = cp_store_gen_get(cp.store, gen, &g);

	if (rc == -ENOENT) {
		cp_api_problem(r, 404, NULL, "no generation %lld", (long long)gen);
		return NULL;
	}
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-rc));
		return NULL;
	}
	t = json_loadb(g.doc, g.len, 0, &jerr);
	cp_gen_free(&g);
	if (t == NULL)
		cp_api_problem(r, 500, NULL, "stored generation %lld is not JSON: %s",
			       (long long)gen, jerr.text);
	return t;
}

void
cp_api_config_history_get(struct cp_req *r)
{
	char *end;
	long long gen = strtoll(r->param[0], &end, 10);
	json_t *t;

	if (*end != '\0' || gen < 1) {
		cp_api_problem(r, 404, NULL, "no generation '%s'", r->param[0]);
		return;
	}
	t = gen_tree(r, gen);
	if (t == NULL)
		return;
	cp_api_etag(r);
	send_doc(r, t);
}

void
cp_api_config_diff(struct cp_req *r)
{
	long long from, to;
	json_t *a, *b, *d;

	if (int_arg(r, "to", 1, INT64_MAX, cp_config_running()->gen, &to) < 0 ||
	    int_arg(r, "from", 0, INT64_MAX, to - 1, &from) < 0)
		return;
	if (cp_api_arg(r, "from") == NULL && from < 1) {
		cp_api_problem(r, 400, NULL, "from: there is no generation before %lld", to);
		return;
	}
	a = gen_tree(r, from);
	if (a == NULL)
		return;
	b = gen_tree(r, to);
	if (b == NULL) {
		json_decref(a);
		return;
	}
	d = dpw_doc_diff(a, b);
	json_decref(a);
	json_decref(b);
	cp_api_etag(r);
	cp_api_send_json(r, 200, json_pack("{s:I,s:I,s:o}", "from", (json_int_t)from, "to",
					   (json_int_t)to, "changes", d != NULL ? d : json_array()));
}

/* ---- WAN actions: each a change of the document ---- */

void
cp_api_wan_change(struct cp_req *r, const char *name, int enabled, int forced_down)
{
	const struct cp_running *run = cp_config_running();
	struct dpw_doc doc;
	char comment[96];
	unsigned int i;

	if (cp_api_if_match(r, false) < 0)
		return;
	if (dpw_doc_copy(&doc, &run->doc) != 0) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	for (i = 0; i < doc.n_wans; i++)
		if (strcmp(doc.wans[i].name, name) == 0)
			break;
	if (run->gen == 0 || i == doc.n_wans) {
		dpw_doc_free(&doc);
		cp_api_problem(r, 404, NULL, "no WAN named '%s' in the running document", name);
		return;
	}
	if (enabled >= 0)
		doc.wans[i].enabled = enabled != 0;
	if (forced_down >= 0)
		doc.wans[i].forced_down = forced_down != 0;
	snprintf(comment, sizeof(comment), "%s %s", enabled == 1 ? "enable" :
		 enabled == 0 ? "disable" : forced_down == 1 ? "force down" : "clear", name);
	start(r, &doc, 0, comment, 0, NULL, name);
	dpw_doc_free(&doc);
}

void
cp_api_wan_action(struct cp_req *r)
{
	const char *act = strrchr(r->url, '/') + 1;

	if (strcmp(act, "enable") == 0)
		cp_api_wan_change(r, r->param[0], 1, -1);
	else if (strcmp(act, "disable") == 0)
		cp_api_wan_change(r, r->param[0], 0, -1);
	else if (strcmp(act, "force-down") == 0)
		cp_api_wan_change(r, r->param[0], -1, 1);
	else
		cp_api_wan_change(r, r->param[0], -1, 0);
}
