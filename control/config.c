/* SPDX-License-Identifier: BSD-3-Clause
 * The document's apply pipeline, confirmed applies and the start-up synchronisation
 * (see config.h). One apply at a time; the dataplane's verdict arrives through dplink's
 * callback, so the loop keeps serving other requests meanwhile. Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_memzone.h>

#include "control/config.h"
#include "control/health.h"
#include "control/control.h"
#include "control/dhcp_client.h"
#include "control/dnsmasq.h"
#include "control/dplink.h"
#include "control/events.h"
#include "control/log.h"
#include "control/loop.h"
#include "lib/msg/dpw_msg.h"

enum apply_kind {
	APPLY_NEW,                /* a new generation: stored once the dataplane took it */
	APPLY_REAPPLY,            /* the store's newest, to a dataplane that lacks it */
};

struct inflight {
	int active;
	enum apply_kind kind;
	int64_t gen;
	struct dpw_doc doc;
	char *json;
	size_t len;
	uint8_t hash[DPW_DOC_HASH_LEN];
	char who[64];
	char comment[256];
	unsigned int confirm_s;
	int clear_confirm;        /* a rollback or an apply that ends the pending confirm */
	const struct rte_memzone *mz;
	uint64_t sent_us;         /* monotonic */
	int reported;             /* cb already told (a timeout) */
	cp_apply_cb cb;
	void *arg;
};

static struct cp_running running;

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
static struct inflight fl;
static int confirm_timer;

const struct cp_running *
cp_config_running(void)
{
	return &running;
}

bool
cp_config_busy(void)
{
	return fl.active;
}

int
cp_config_parse(const char *text, size_t len, enum dpw_doc_format fmt, struct dpw_doc *doc,
		struct dpw_doc_problems *pr)
{
	int rc = dpw_doc_parse(text, len, fmt, &cp.doc_ctx, doc, pr);

	/* the LAN services: would dnsmasq take them? (problems at "/lan") */
	if (rc == 0)
		rc = cp_dnsmasq_check(&cp, doc, pr);
	return rc;
}

json_t *
cp_config_problems_json(const struct dpw_doc_problems *pr, bool warnings)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; i < pr->n; i++) {
		if (pr->p[i].warning != warnings)
			continue;
		json_array_append_new(arr, json_pack("{s:s,s:s}", "path", pr->p[i].path,
						     "message", pr->p[i].message));
	}
	if (!warnings && pr->errors > pr->n)
		json_array_append_new(arr, json_pack("{s:s,s:s+}", "path", "", "message",
			"further problems were found but not listed: fix these first", ""));
	return arr;
}

json_t *
cp_config_running_json(void)
{
	if (running.gen == 0 && running.json == NULL)
		return NULL;
	return dpw_doc_to_json(&running.doc);
}

bool
cp_config_same_as_running(int64_t gen)
{
	/* one answer kept: the dataplane's generation changes only with an apply */
	static int64_t asked = -1, for_running = -1;
	static bool same;
	struct cp_gen g;

	if (gen == running.gen)
		return running.gen > 0;
	if (gen <= 0 || cp.store == NULL)
		return false;
	if (gen == asked && running.gen == for_running)
		return same;
	memset(&g, 0, sizeof(g));
	same = cp_store_gen_get(cp.store, gen, &g) == 0 &&
	       memcmp(g.hash, running.hash, DPW_DOC_HASH_LEN) == 0;
	cp_gen_free(&g);
	asked = gen;
	for_running = running.gen;
	return same;
}

/* Takes doc's memory (and json): the caller zeroes or forgets its own. */
static void
set_running(int64_t gen, const struct dpw_doc *doc, char *json, size_t len,
	    const uint8_t *hash, const char *who)
{
	free(running.json);
	running.gen = gen;
	dpw_doc_free(&running.doc);
	running.doc = *doc;
	running.json = json;
	running.len = len;
	memcpy(running.hash, hash, DPW_DOC_HASH_LEN);
	running.applied_ms = (int64_t)dpw_now_ms();
	snprintf(running.who, sizeof(running.who), "%s", who);
	/* the dataplane runs doc now: its DHCP WANs get (or lose) their clients */
	(void)cp_dhcp_sync(&running.doc);
	cp_health_sync(&running.doc);
	/* dnsmasq's files follow it (unchanged files: no signal, so a restart of ours
	 * does not disturb DHCP or DNS) */
	cp_dnsmasq_apply(&cp, &running.doc);
}

static void
free_zone(void)
{
	if (fl.mz != NULL && rte_memzone_free(fl.mz) != 0)
		CP_WARN("cannot free memzone %s", fl.mz->name);
	fl.mz = NULL;
}

static void confirm_expired(void *arg);

static void
arm_confirm(int64_t deadline_ms)
{
	int64_t left = deadline_ms - (int64_t)dpw_now_ms();

	cp_loop_timer_cancel(confirm_timer);
	confirm_timer = cp_loop_timer(left > 0 ? (uint64_t)left : 0, confirm_expired, NULL);
}

/* The dataplane runs fl's document: make it the running one (and store it). */
static int
commit(struct cp_apply_result *r)
{
	struct cp_confirm c;
	struct cp_gen g;
	json_t *a = NULL, *b;
	int rc = 0;

	r->previous = running.gen;
	if (fl.kind == APPLY_NEW) {
		memset(&g, 0, sizeof(g));
		g.gen = fl.gen;
		g.time_ms = (int64_t)dpw_now_ms();
		snprintf(g.who, sizeof(g.who), "%s", fl.who);
		g.comment = fl.comment;
		g.doc = fl.json;
		g.len = fl.len;
		memcpy(g.hash, fl.hash, sizeof(g.hash));
		memset(&c, 0, sizeof(c));
		if (fl.confirm_s > 0) {
			c.gen = fl.gen;
			c.rollback_to = running.gen;
			c.deadline_ms = g.time_ms + (int64_t)fl.confirm_s * 1000;
		}
		rc = cp_store_gen_add_confirm(cp.store, &g, fl.confirm_s > 0 ? &c : NULL,
					      fl.clear_confirm || fl.confirm_s > 0);
		if (rc < 0)
			return rc;
		if (fl.confirm_s > 0) {
			r->confirm_deadline_ms = c.deadline_ms;
			r->rollback_to = c.rollback_to;
			arm_confirm(c.deadline_ms);
		} else if (fl.clear_confirm) {
			cp_loop_timer_cancel(confirm_timer);
			confirm_timer = 0;
		}
	}
	if (running.gen > 0)
		a = dpw_doc_to_json(&running.doc);
	b = dpw_doc_to_json(&fl.doc);
	r->changes = dpw_doc_diff(a != NULL ? a : json_object(), b);
	r->n_changes = r->changes != NULL ? (unsigned int)json_array_size(r->changes) : 0;
	json_decref(a);
	json_decref(b);
	set_running(fl.gen, &fl.doc, fl.json, fl.len, fl.hash, fl.who);
	memset(&fl.doc, 0, sizeof(fl.doc));   /* running owns it now */
	fl.json = NULL;
	r->gen = fl.gen;
	return 0;
}

static void
finish(struct cp_apply_result *r)
{
	cp_apply_cb cb = fl.reported ? NULL : fl.cb;
	void *arg = fl.arg;

	free_zone();
	free(fl.json);
	fl.json = NULL;
	dpw_doc_free(&fl.doc);
	fl.active = 0;
	if (cb != NULL)
		cb(r, arg);
	json_decref(r->changes);
	r->changes = NULL;
}

static void
on_reply(int status, const struct dpw_msg *reply, int late, void *arg)
{
	struct cp_apply_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.gen = running.gen;
	r.previous = running.gen;
	r.apply_ms = (double)(mono_us() - fl.sent_us) / 1000.0;
	if (reply == NULL && late) {
		CP_ERR("the dataplane never answered the apply of generation %lld",
		       (long long)fl.gen);
		r.status = -ETIMEDOUT;
		finish(&r);
		return;
	}
	if (status == -ETIMEDOUT && reply == NULL) {
		/* Tell the client now; keep the zone: the verdict may still come (late). */
		r.status = -ETIMEDOUT;
		snprintf(r.text, sizeof(r.text), "the dataplane did not answer within %d ms; the "
			 "document may still be applied: see GET /api/v1/config",
			 CP_CONFIG_APPLY_TIMEOUT_MS);
		if (fl.cb != NULL)
			fl.cb(&r, fl.arg);
		fl.reported = 1;
		return;
	}
	if (status == 0) {
		rc = commit(&r);
		if (rc < 0) {
			r.status = -EIO;
			snprintf(r.text, sizeof(r.text), "the dataplane applied generation %lld but "
				 "the store failed (%s): putting generation %lld back",
				 (long long)fl.gen, strerror(-rc), (long long)running.gen);
			CP_ERR("%s", r.text);
			finish(&r);
			/* Best effort: the dataplane runs what the store says. */
			if (running.json != NULL)
				cp_config_start();
			return;
		}
		r.status = 0;
		if (fl.kind == APPLY_NEW)
			cp_event(CP_EV_CONFIG_APPLIED, NULL, fl.who,
				 "generation %lld applied by %s%s (%u change%s, %.1f ms)%s%s",
				 (long long)fl.gen, fl.who, late ? " (late)" : "", r.n_changes,
				 r.n_changes == 1 ? "" : "s", r.apply_ms,
				 fl.comment[0] ? ": " : "", fl.comment);
		else
			CP_INFO("re-applied stored generation %lld to the dataplane (%.1f ms)",
				(long long)fl.gen, r.apply_ms);
		finish(&r);
		return;
	}
	r.status = status == -EINVAL ? -EINVAL : status;
	snprintf(r.text, sizeof(r.text), "%.*s", (int)sizeof(reply->u.reply.text),
		 reply->u.reply.text[0] ? reply->u.reply.text : strerror(-status));
	cp_event(CP_EV_CONFIG_REJECTED, NULL, fl.who,
		 "the dataplane rejected generation %lld (%s): %s", (long long)fl.gen,
		 strerror(-status), r.text);
	finish(&r);
}

static int
start_apply(enum apply_kind kind, int64_t gen, const struct dpw_doc *doc, const char *who,
	    const char *comment, unsigned int confirm_s, int clear_confirm, cp_apply_cb cb,
	    void *arg)
{
	struct dpw_msg_config_apply m;
	struct dpw_doc_zone *z;
	char name[RTE_MEMZONE_NAMESIZE];
	int64_t seq;

	if (fl.active)
		return -EBUSY;
	memset(&fl, 0, sizeof(fl));
	fl.kind = kind;
	fl.gen = gen;
	if (dpw_doc_copy(&fl.doc, doc) != 0)
		return -ENOMEM;
	fl.json = dpw_doc_canonical(doc, &fl.len);
	if (fl.json == NULL) {
		dpw_doc_free(&fl.doc);
		return -ENOMEM;
	}
	dpw_doc_hash(fl.json, fl.len, fl.hash);
	snprintf(fl.who, sizeof(fl.who), "%s", who);
	snprintf(fl.comment, sizeof(fl.comment), "%s", comment != NULL ? comment : "");
	fl.confirm_s = confirm_s;
	fl.clear_confirm = clear_confirm;
	fl.cb = cb;
	fl.arg = arg;

	if (kind == APPLY_NEW && confirm_s == 0 && running.json != NULL &&
	    memcmp(fl.hash, running.hash, DPW_DOC_HASH_LEN) == 0 && !clear_confirm) {
		struct cp_apply_result r = { .status = 1, .gen = running.gen,
					     .previous = running.gen };

		free(fl.json);
		fl.json = NULL;
		dpw_doc_free(&fl.doc);
		cb(&r, arg);
		return 0;
	}
	snprintf(name, sizeof(name), DPW_DOC_ZONE_FMT, (unsigned long long)gen);
	/* A zone of this name left by a control process that died mid-apply. */
	fl.mz = rte_memzone_lookup(name);
	if (fl.mz != NULL)
		rte_memzone_free(fl.mz);
	fl.mz = rte_memzone_reserve(name, sizeof(*z) + fl.len + 1, SOCKET_ID_ANY, 0);
	if (fl.mz == NULL) {
		free(fl.json);
		fl.json = NULL;
		dpw_doc_free(&fl.doc);
		CP_ERR("cannot reserve memzone %s for %zu bytes", name, fl.len);
		return -ENOMEM;
	}
	z = fl.mz->addr;
	z->len = (uint32_t)fl.len;
	z->gen = (uint64_t)gen;
	memcpy(z->hash, fl.hash, sizeof(z->hash));
	memcpy(z->json, fl.json, fl.len);
	z->json[fl.len] = '\0';
	__atomic_store_n(&z->magic, DPW_DOC_ZONE_MAGIC, __ATOMIC_RELEASE);

	memset(&m, 0, sizeof(m));
	m.gen = (uint64_t)gen;
	m.len = (uint32_t)fl.len;
	memcpy(m.hash, fl.hash, sizeof(m.hash));
	snprintf(m.zone, sizeof(m.zone), "%s", name);
	fl.active = 1;
	fl.sent_us = mono_us();
	seq = cp_dplink_send(DPW_MSG_CONFIG_APPLY, &m, sizeof(m), CP_CONFIG_APPLY_TIMEOUT_MS,
			     on_reply, NULL);
	if (seq < 0) {
		free_zone();
		free(fl.json);
		fl.json = NULL;
		dpw_doc_free(&fl.doc);
		fl.active = 0;
		return (int)seq;
	}
	return 0;
}

static int64_t
next_gen(void)
{
	int64_t g = cp_store_gen_next(cp.store);

	return g > running.gen ? g : running.gen + 1;
}

int
cp_config_apply(const struct dpw_doc *doc, const char *who, const char *comment,
		unsigned int confirm_s, cp_apply_cb cb, void *arg)
{
	struct cp_confirm c;

	if (fl.active)
		return -EBUSY;
	if (cp_store_confirm_get(cp.store, &c) == 0)
		return -EALREADY;
	if (confirm_s > 0 && running.gen == 0)
		return -ENODATA;  /* nothing to go back to */
	return start_apply(APPLY_NEW, next_gen(), doc, who, comment, confirm_s, 0, cb, arg);
}

int
cp_config_rollback(int64_t gen, const char *who, const char *comment,
		   unsigned int confirm_s, cp_apply_cb cb, void *arg)
{
	struct dpw_doc_problems pr;
	struct cp_confirm c;
	struct dpw_doc doc;
	struct cp_gen g;
	int rc, pending;

	if (fl.active)
		return -EBUSY;
	pending = cp_store_confirm_get(cp.store, &c) == 0;
	if (pending && confirm_s > 0)
		return -EALREADY;
	rc = cp_store_gen_get(cp.store, gen, &g);
	if (rc < 0)
		return rc;
	dpw_doc_problems_init(&pr);
	rc = dpw_doc_parse(g.doc, g.len, DPW_DOC_JSON, &cp.doc_ctx, &doc, &pr);
	cp_gen_free(&g);
	if (rc < 0) {
		dpw_doc_free(&doc);
		return -EINVAL;   /* the system configuration changed under it */
	}
	rc = start_apply(APPLY_NEW, next_gen(), &doc, who, comment, confirm_s, pending, cb,
			 arg);
	dpw_doc_free(&doc);
	return rc;
}

int
cp_config_confirm(const char *who, int64_t *gen)
{
	struct cp_confirm c;
	int rc;

	rc = cp_store_confirm_get(cp.store, &c);
	if (rc < 0)
		return rc;
	rc = cp_store_confirm_clear(cp.store);
	if (rc < 0)
		return rc;
	cp_loop_timer_cancel(confirm_timer);
	confirm_timer = 0;
	*gen = c.gen;
	cp_event(CP_EV_CONFIG_CONFIRMED, NULL, who, "generation %lld confirmed by %s",
		 (long long)c.gen, who);
	return 0;
}

int
cp_config_pending(struct cp_confirm *c)
{
	return cp.store != NULL && cp_store_confirm_get(cp.store, c) == 0;
}

static void
rolled_back(const struct cp_apply_result *r, void *arg)
{
	const struct cp_confirm *c = arg;

	if (r->status == 0 || r->status == 1)
		cp_event(CP_EV_CONFIG_ROLLED_BACK, NULL, "rollback",
			 "generation %lld was not confirmed in time: generation %lld's document "
			 "runs again as generation %lld", (long long)c->gen,
			 (long long)c->rollback_to, (long long)r->gen);
	else
		CP_ERR("rollback of unconfirmed generation %lld failed: %s; retrying in 1 s",
		       (long long)c->gen, r->text);
	if (r->status < 0)
		arm_confirm((int64_t)dpw_now_ms() + 1000);
}

static void
confirm_expired(void *arg)
{
	static struct cp_confirm c;
	char comment[128];
	int rc;

	confirm_timer = 0;
	if (cp_store_confirm_get(cp.store, &c) != 0)
		return;
	if (c.deadline_ms > (int64_t)dpw_now_ms()) {
		arm_confirm(c.deadline_ms);
		return;
	}
	snprintf(comment, sizeof(comment), "automatic rollback: generation %lld was not "
		 "confirmed in time", (long long)c.gen);
	rc = cp_config_rollback(c.rollback_to, "rollback", comment, 0, rolled_back, &c);
	if (rc == -EBUSY) {
		arm_confirm((int64_t)dpw_now_ms() + 200);
	} else if (rc < 0) {
		CP_ERR("rollback to generation %lld failed: %s; retrying in 1 s",
		       (long long)c.rollback_to, strerror(-rc));
		arm_confirm((int64_t)dpw_now_ms() + 1000);
	}
}

static void
started(const struct cp_apply_result *r, void *arg)
{
	struct cp_confirm c;

	if (r->status < 0)
		CP_ERR("start-up apply failed: %s", r->text);
	if (cp_store_confirm_get(cp.store, &c) == 0) {
		CP_INFO("generation %lld waits for a confirmation: rollback to %lld in %lld ms",
			(long long)c.gen, (long long)c.rollback_to,
			(long long)(c.deadline_ms - (int64_t)dpw_now_ms()));
		arm_confirm(c.deadline_ms);
	}
}

static int
load_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	long n;

	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (long)DPW_DOC_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -EFBIG;
	}
	*text = malloc((size_t)n + 1);
	if (*text == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*text, 1, (size_t)n, f);
	(*text)[*len] = '\0';
	fclose(f);
	return 0;
}

static void
log_problems(const char *what, const struct dpw_doc_problems *pr)
{
	unsigned int i;

	for (i = 0; i < pr->n; i++)
		CP_ERR("%s: %s: %s", what, pr->p[i].path[0] ? pr->p[i].path : "(document)",
		       pr->p[i].message);
}

static int
start_factory(void)
{
	const char *path = cp.conf.policy_path;
	struct dpw_doc_problems pr;
	struct dpw_doc doc;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path[0] == '\0') {
		CP_WARN("no document in the store and no system.policy: every WAN stays "
			"unconfigured until a document is applied (PUT /api/v1/config)");
		return 0;
	}
	rc = load_file(path, &text, &len);
	if (rc < 0) {
		CP_ERR("system.policy %s: %s", path, strerror(-rc));
		return rc;
	}
	dpw_doc_problems_init(&pr);
	rc = cp_config_parse(text, len, cp.conf.policy_format, &doc, &pr);
	free(text);
	if (rc < 0) {
		log_problems(path, &pr);
		dpw_doc_free(&doc);
		return rc;
	}
	CP_INFO("first start: applying the factory document %s as generation 1", path);
	rc = start_apply(APPLY_NEW, next_gen(), &doc, "factory", "system.policy", 0, 0,
			 started, NULL);
	dpw_doc_free(&doc);
	return rc;
}

int
cp_config_start(void)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	struct dpw_doc_problems pr;
	struct dpw_doc doc;
	struct cp_gen g;
	char *json;
	size_t len;
	int rc;

	rc = cp_store_gen_latest(cp.store, &g);
	if (rc == -ENOENT)
		return start_factory();
	if (rc < 0)
		return rc;
	dpw_doc_problems_init(&pr);
	rc = dpw_doc_parse(g.doc, g.len, DPW_DOC_JSON, &cp.doc_ctx, &doc, &pr);
	if (rc < 0) {
		log_problems("stored generation", &pr);
		CP_ERR("stored generation %lld does not fit this system configuration: not "
		       "applied; apply a corrected document", (long long)g.gen);
		cp_gen_free(&g);
		dpw_doc_free(&doc);
		return rc;
	}
	if (shm != NULL && shm->config_gen == (uint64_t)g.gen &&
	    memcmp((const void *)shm->config_hash, g.hash, DPW_DOC_HASH_LEN) == 0) {
		json = dpw_doc_canonical(&doc, &len);
		if (json == NULL) {
			cp_gen_free(&g);
			dpw_doc_free(&doc);
			return -ENOMEM;
		}
		set_running(g.gen, &doc, json, len, g.hash, g.who);   /* doc is running's now */
		running.applied_ms = (int64_t)shm->config_applied_ms;
		CP_INFO("re-attached: the dataplane runs stored generation %lld already",
			(long long)g.gen);
		cp_gen_free(&g);
		started(&(struct cp_apply_result){ .status = 0 }, NULL);
		return 0;
	}
	CP_INFO("the dataplane runs document generation %llu, the store's newest is %lld: "
		"applying it", shm != NULL ? (unsigned long long)shm->config_gen : 0ULL,
		(long long)g.gen);
	rc = start_apply(APPLY_REAPPLY, g.gen, &doc, g.who, "", 0, 0, started, NULL);
	cp_gen_free(&g);
	dpw_doc_free(&doc);
	return rc;
}
