/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/sessions: the dataplane's sessions, filtered (client, destination,
 * WAN, rule, protocol) and paginated with an opaque cursor (GET), or deleted (DELETE:
 * page after page until the walk is over, bounded). Each page is one SESSIONS request:
 * a memzone "dpw_sess_<n>" for the records, reserved here, filled by the dataplane's
 * workers, read and freed here after the reply. The dataplane serves one request at a
 * time, so requests wait here in a queue, each one suspended; nothing blocks the loop.
 * Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memzone.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/log.h"
#include "control/loop.h"
#include "control/wan.h"
#include "lib/cfg/dpw_sysconf.h"

#define SESS_TIMEOUT_MS 5000          /* one page: the workers walk their tables */
#define SESS_LIMIT_DEFAULT 100
#define SESS_QUEUE_MAX 16             /* requests waiting for the dataplane */
#define SESS_DELETE_MAX_MS 20000      /* a DELETE answers what it removed after this */
#define SESS_DELETE_MAX_PAGES 4096

struct sess_job {
	struct cp_req *r;         /* NULL once the client left or was answered */
	int remove;               /* DELETE */
	struct dpw_msg_sessions q;
	const struct rte_memzone *mz;
	uint64_t removed;
	unsigned int pages;
	uint64_t started_ms;
	struct sess_job *next;
};

static struct sess_job *head, *tail;
static unsigned int n_queued;
static unsigned int zone_seq;

static void job_start(void);

static void
job_gone(void *p)
{
	struct sess_job *j = p;

	/* the connection ended: the job answers nobody (it is freed when it ends) */
	j->r = NULL;
}

/* Let the request go with the answer set on it. */
static void
job_answered(struct sess_job *j)
{
	struct cp_req *r = j->r;

	if (r == NULL)
		return;
	j->r = NULL;
	r->user = NULL;
	r->user_free = NULL;
	cp_api_resume(r);
}

/* The head job is over: its zone goes, and the next one starts. */
static void
job_finish(void)
{
	struct sess_job *j = head;

	head = j->next;
	if (head == NULL)
		tail = NULL;
	n_queued--;
	if (j->mz != NULL && rte_memzone_free(j->mz) != 0)
		CP_WARN("cannot free memzone %s", j->mz->name);
	free(j);
	job_start();
}

static json_t *
record_json(const struct dpw_shm *shm, const struct dpw_sess_rec *s)
{
	char src[16], dst[16], nat[16], mac[18], pbuf[8];
	int ports = s->proto == 6 || s->proto == 17;
	json_t *j = json_object();

	dpw_ipv4_str(s->src, src, sizeof(src));
	dpw_ipv4_str(s->dst, dst, sizeof(dst));
	dpw_ipv4_str(s->nat_addr, nat, sizeof(nat));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", s->client_mac[0],
		 s->client_mac[1], s->client_mac[2], s->client_mac[3], s->client_mac[4],
		 s->client_mac[5]);
	json_object_set_new(j, "proto", json_string(cp_api_proto_str(s->proto, pbuf,
								  sizeof(pbuf))));
	json_object_set_new(j, "src", json_string(src));
	json_object_set_new(j, "sport", ports ? json_integer(s->sport) : json_null());
	json_object_set_new(j, "dst", json_string(dst));
	json_object_set_new(j, "dport", ports ? json_integer(s->dport) : json_null());
	json_object_set_new(j, "nat_address", json_string(nat));
	json_object_set_new(j, "nat_port", json_integer(s->nat_port));
	json_object_set_new(j, "wan", cp_api_wan_name_json(shm, s->wan));
	json_object_set_new(j, "rule", cp_api_rule_json(s->rule));
	json_object_set_new(j, "policy", cp_api_policy_json(s->policy_kind, s->policy, s->rule));
	json_object_set_new(j, "algorithm", s->policy_kind != DPW_PK_NONE &&
			    s->policy_kind != DPW_PK_UNKNOWN ?
			    json_string(dpw_lb_algo_str(s->algorithm)) : json_null());
	json_object_set_new(j, "how", json_string(dpw_sess_how_str(s->how)));
	json_object_set_new(j, "candidates", cp_api_wan_mask_json(shm, s->cand_mask));
	json_object_set_new(j, "usable", cp_api_wan_mask_json(shm, s->usable_mask));
	json_object_set_new(j, "state", s->proto == 6 ?
			    json_string(dpw_tcp_state_str(s->tcp_state)) : json_null());
	json_object_set_new(j, "age_s", json_integer(s->age_s));
	json_object_set_new(j, "idle_s", json_integer(s->idle_s));
	json_object_set_new(j, "expires_s", json_integer(s->timeout_s > s->idle_s ?
							 s->timeout_s - s->idle_s : 0));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)s->bytes_orig));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)s->bytes_reply));
	json_object_set_new(j, "client_mac", json_string(mac));
	json_object_set_new(j, "worker", json_integer(s->worker));
	return j;
}

static void
answer_error(struct sess_job *j, int status)
{
	if (j->r == NULL)
		return;
	switch (status) {
	case -ETIMEDOUT:
		cp_api_problem(j->r, 503, NULL, "the dataplane did not answer within %d ms",
			       SESS_TIMEOUT_MS);
		break;
	case -EINVAL:
		cp_api_problem(j->r, 400, json_pack("[{s:s,s:s}]", "path", "cursor", "message",
						    "not a cursor of this dataplane"),
			       "the dataplane refused the cursor or limit");
		break;
	default:
		cp_api_problem(j->r, 503, NULL, "the dataplane cannot list sessions now: %s",
			       strerror(-status));
		break;
	}
	job_answered(j);
}

static int job_send(struct sess_job *j);

static void
on_page(int status, const struct dpw_msg *reply, int late, void *arg)
{
	struct sess_job *j = arg;
	const struct dpw_msg_sessions_reply *p = reply != NULL ? &reply->u.sessions_reply : NULL;
	const struct dpw_shm *shm = cp_dplink_shm();
	const struct dpw_sess_zone *z = j->mz->addr;
	uint32_t i;

	if (status == -ETIMEDOUT && !late) {
		/* the client hears now; the zone stays until the dataplane is done with it */
		answer_error(j, status);
		return;
	}
	if (late || p == NULL || status != 0) {
		answer_error(j, status != 0 ? status : -ETIMEDOUT);
		job_finish();
		return;
	}
	j->pages++;
	j->removed += p->removed;
	if (j->remove) {
		if (p->worker != DPW_SESS_CURSOR_END && j->r != NULL &&
		    j->pages < SESS_DELETE_MAX_PAGES &&
		    cp_loop_now_ms() - j->started_ms < SESS_DELETE_MAX_MS) {
			j->q.worker = p->worker;
			j->q.slot = p->slot;
			if (job_send(j) == 0)
				return;
		}
		if (j->r != NULL) {
			cp_api_etag(j->r);
			cp_api_send_json(j->r, 200, json_pack("{s:I,s:b}", "deleted",
					 (json_int_t)j->removed, "complete",
					 p->worker == DPW_SESS_CURSOR_END));
			job_answered(j);
		}
		job_finish();
		return;
	}
	if (j->r != NULL) {
		json_t *list = json_array();
		char next[32];

		for (i = 0; i < p->count && i < z->capacity; i++)
			json_array_append_new(list, record_json(shm, &z->rec[i]));
		snprintf(next, sizeof(next), "%u.%u", p->worker, p->slot);
		cp_api_etag(j->r);
		cp_api_send_json(j->r, 200, json_pack("{s:o,s:o}", "sessions", list, "next",
				 p->worker == DPW_SESS_CURSOR_END ? json_null() :
				 json_string(next)));
		job_answered(j);
	}
	job_finish();
}

/* One page of the head job; 0, or -errno (the job is answered and over). */
static int
job_send(struct sess_job *j)
{
	int64_t seq = cp_dplink_send(DPW_MSG_SESSIONS, &j->q, sizeof(j->q), SESS_TIMEOUT_MS,
				     on_page, j);

	if (seq >= 0)
		return 0;
	if (j->remove && j->pages > 0 && j->r != NULL) {
		/* some pages went: say what was removed rather than nothing */
		cp_api_send_json(j->r, 200, json_pack("{s:I,s:b}", "deleted",
				 (json_int_t)j->removed, "complete", 0));
		job_answered(j);
	}
	answer_error(j, (int)seq);
	return (int)seq;
}

/* Start the head job (job_finish skips to the next when it cannot start). */
static void
job_start(void)
{
	struct sess_job *j = head;
	char name[RTE_MEMZONE_NAMESIZE];
	struct dpw_sess_zone *z;
	size_t size;

	if (j == NULL)
		return;
	if (j->r == NULL) {
		/* its client left while it waited */
		job_finish();
		return;
	}
	size = sizeof(*z) + (size_t)j->q.limit * sizeof(z->rec[0]);
	snprintf(name, sizeof(name), DPW_SESS_ZONE_FMT, zone_seq++);
	/* a zone of this name left by a control process that died mid-request */
	j->mz = rte_memzone_lookup(name);
	if (j->mz != NULL)
		rte_memzone_free(j->mz);
	j->mz = rte_memzone_reserve(name, size, SOCKET_ID_ANY, 0);
	if (j->mz == NULL) {
		CP_ERR("cannot reserve memzone %s for %zu bytes", name, size);
		answer_error(j, -ENOMEM);
		job_finish();
		return;
	}
	z = j->mz->addr;
	z->capacity = j->q.limit;
	__atomic_store_n(&z->magic, DPW_SESS_ZONE_MAGIC, __ATOMIC_RELEASE);
	snprintf(j->q.zone, sizeof(j->q.zone), "%s", name);
	j->started_ms = cp_loop_now_ms();
	if (job_send(j) != 0)
		job_finish();
}

/* A query value: -1 with a 400 sent when it is present and bad. */
static int
bad_arg(struct cp_req *r, const char *name, const char *err)
{
	cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", name, "message", err),
		       "%s: %s", name, err);
	return -1;
}

/* The filters common to GET and DELETE; 0, or -1 with an answer sent. */
static int
parse_filter(struct cp_req *r, struct dpw_sess_filter *f)
{
	const char *client = cp_api_arg(r, "client"), *dst = cp_api_arg(r, "dst");
	const char *wan = cp_api_arg(r, "wan"), *rule = cp_api_arg(r, "rule");
	const char *proto = cp_api_arg(r, "proto");
	const struct dpw_doc *doc = &cp_config_running()->doc;
	char err[128];
	unsigned int i;
	int w;

	memset(f, 0, sizeof(*f));
	f->wan = DPW_SESS_ANY_WAN;
	f->rule = DPW_SESS_ANY_RULE;
	if (client != NULL &&
	    cp_api_parse_net(client, &f->client, &f->client_len, err, sizeof(err)) < 0)
		return bad_arg(r, "client", err);
	if (dst != NULL && cp_api_parse_net(dst, &f->dst, &f->dst_len, err, sizeof(err)) < 0)
		return bad_arg(r, "dst", err);
	if (proto != NULL && cp_api_parse_proto(proto, &f->proto, err, sizeof(err)) < 0)
		return bad_arg(r, "proto", err);
	if (wan != NULL) {
		w = cp_wan_find(wan);
		if (w < 0)
			return bad_arg(r, "wan", "no such WAN");
		f->wan = (uint8_t)w;
	}
	if (rule != NULL) {
		/* the document's rules by name first, then the two pseudo rules */
		for (i = 0; i < doc->n_rules && strcmp(doc->rules[i].name, rule) != 0; i++)
			;
		if (i < doc->n_rules)
			f->rule = i;
		else if (strcmp(rule, "default") == 0)
			f->rule = DPW_RULE_ID_DEFAULT;
		else if (strcmp(rule, "connected") == 0)
			f->rule = DPW_RULE_ID_CONNECTED;
		else
			return bad_arg(r, "rule", "no such rule in the running document (a rule's "
				       "name, default or connected)");
	}
	return 0;
}

static void
enqueue(struct cp_req *r, struct sess_job *j)
{
	if (cp_dplink_shm() == NULL) {
		free(j);
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return;
	}
	if (n_queued >= SESS_QUEUE_MAX) {
		free(j);
		cp_api_problem(r, 503, NULL, "%u session requests are waiting already: try again",
			       n_queued);
		return;
	}
	j->r = r;
	r->user = j;
	r->user_free = job_gone;
	cp_api_suspend(r);
	if (tail != NULL)
		tail->next = j;
	else
		head = j;
	tail = j;
	n_queued++;
	if (head == j)
		job_start();
}

void
cp_api_sessions_get(struct cp_req *r)
{
	const char *limit = cp_api_arg(r, "limit"), *cursor = cp_api_arg(r, "cursor");
	struct sess_job *j = calloc(1, sizeof(*j));
	unsigned long n = SESS_LIMIT_DEFAULT;
	char err[128];

	if (j == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	if (parse_filter(r, &j->q.filter) < 0 ||
	    (limit != NULL && cp_api_parse_uint(limit, 1, DPW_SESS_LIMIT_MAX, &n, err,
						sizeof(err)) < 0 && bad_arg(r, "limit", err) < 0) ||
	    (cursor != NULL && cp_api_parse_cursor(cursor, &j->q.worker, &j->q.slot, err,
						   sizeof(err)) < 0 &&
	     bad_arg(r, "cursor", err) < 0)) {
		free(j);
		return;
	}
	j->q.limit = (uint32_t)n;
	enqueue(r, j);
}

void
cp_api_sessions_delete(struct cp_req *r)
{
	struct sess_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	if (parse_filter(r, &j->q.filter) < 0) {
		free(j);
		return;
	}
	j->remove = 1;
	j->q.remove = 1;
	j->q.limit = DPW_SESS_LIMIT_MAX;
	enqueue(r, j);
}
