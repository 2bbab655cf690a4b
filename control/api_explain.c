/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/explain: how the dataplane would place a new flow now (EXPLAIN:
 * the workers' own decision function, run by the dataplane's main lcore), named from the
 * running document, with each WAN's state from shared memory. The request waits for the
 * dataplane suspended. Also the names that explain and the session listing share
 * (rules, policies, WAN masks). Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/health.h"
#include "lib/cfg/dpw_sysconf.h"

#define EXPLAIN_TIMEOUT_MS 2000

json_t *
cp_api_rule_json(unsigned int rule)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;

	switch (rule) {
	case DPW_RULE_ID_DEFAULT:
		return json_string("default");
	case DPW_RULE_ID_CONNECTED:
		return json_string("connected");
	case DPW_RULE_ID_NONE:
		return json_null();
	default:
		/* a rule of another generation than the running one has no name here */
		return json_pack("{s:i,s:o}", "index", (int)rule, "name",
				 rule < doc->n_rules ? json_string(doc->rules[rule].name) :
				 json_null());
	}
}

json_t *
cp_api_policy_json(unsigned int kind, unsigned int policy, unsigned int rule)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	char name[DPW_NAME_LEN + 8];

	switch (kind) {
	case DPW_PK_NAMED:
		return policy < doc->n_policies ? json_string(doc->policies[policy].name) :
			json_null();
	case DPW_PK_RULE:
		if (rule >= doc->n_rules)
			return json_null();
		snprintf(name, sizeof(name), "rule %s", doc->rules[rule].name);
		return json_string(name);
	case DPW_PK_DEFAULT:
		return json_string("default");
	case DPW_PK_ANY:
		return json_string("any");
	default:
		return json_null();
	}
}

json_t *
cp_api_wan_name_json(const struct dpw_shm *shm, int wan)
{
	if (shm == NULL || wan < 0 || (unsigned int)wan >= shm->n_wans || wan >= DPW_MAX_WANS)
		return json_null();
	return json_stringn(shm->wans[wan].name, strnlen(shm->wans[wan].name, DPW_NAME_LEN));
}

json_t *
cp_api_wan_mask_json(const struct dpw_shm *shm, unsigned int mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < DPW_MAX_WANS; i++)
		if (mask & (1u << i))
			json_array_append_new(a, cp_api_wan_name_json(shm, i));
	return a;
}

/* Each configured WAN now, as the decision saw it (usable) and as health judges it. */
static json_t *
wans_now_json(const struct dpw_shm *shm)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_wan_shm *w = &shm->wans[i];

		if (!w->configured)
			continue;
		json_array_append_new(a, json_pack("{s:o,s:b,s:s,s:s,s:o,s:o}",
			"name", cp_api_wan_name_json(shm, (int)i),
			"usable", w->usable != 0,
			"state", cp_api_wan_state_str(shm, i),
			"health", dpw_wan_health_str(w->health),
			"rtt_ms", w->rtt_us ? json_real(w->rtt_us / 1000.0) : json_null(),
			"loss_pct", w->health != DPW_WH_UNKNOWN ?
				json_real(w->loss_permille / 10.0) : json_null()));
	}
	return a;
}

/* A request across its suspension. */
struct explain_wait {
	struct cp_req *r;         /* NULL once the client left or was answered */
	struct dpw_msg_explain q;
};

static void
explain_gone(void *p)
{
	struct explain_wait *w = p;

	/* the connection ended: the callback answers nobody, and frees w */
	w->r = NULL;
}

static json_t *
explain_json(const struct dpw_msg_explain *q, const struct dpw_msg_explain_reply *e)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	char src[16], dst[16], mac[18], pbuf[8];
	int ports = q->proto == 6 || q->proto == 17;
	json_t *flow, *j;

	dpw_ipv4_str(q->src, src, sizeof(src));
	dpw_ipv4_str(q->dst, dst, sizeof(dst));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", q->mac[0], q->mac[1],
		 q->mac[2], q->mac[3], q->mac[4], q->mac[5]);
	flow = json_pack("{s:s,s:s,s:o,s:s,s:o,s:o}", "proto",
			 cp_api_proto_str(q->proto, pbuf, sizeof(pbuf)), "src", src,
			 "sport", ports ? json_integer(q->sport) : json_null(), "dst", dst,
			 "dport", ports ? json_integer(q->dport) : json_null(),
			 "src_mac", q->has_mac ? json_string(mac) : json_null());
	j = json_object();
	json_object_set_new(j, "flow", flow);
	/* the document in force: what the names come from */
	json_object_set_new(j, "generation", json_integer((json_int_t)e->config_gen));
	json_object_set_new(j, "rule", cp_api_rule_json(e->rule));
	json_object_set_new(j, "policy", cp_api_policy_json(e->policy_kind, e->policy, e->rule));
	/* the connected pseudo rule has no policy and no algorithm */
	json_object_set_new(j, "algorithm", e->policy_kind != DPW_PK_NONE ?
			    json_string(dpw_lb_algo_str(e->algorithm)) : json_null());
	json_object_set_new(j, "how", json_string(dpw_sess_how_str(e->how)));
	json_object_set_new(j, "fallback", e->fallback < DPW_FB_MAX ?
			    json_string(dpw_fallback_str(e->fallback)) : json_null());
	json_object_set_new(j, "wan", cp_api_wan_name_json(shm, e->wan));
	json_object_set_new(j, "action", json_string(e->wan >= 0 ? "forward" :
			    e->fallback == DPW_FB_UNREACHABLE ? "unreachable" : "drop"));
	json_object_set_new(j, "candidates", cp_api_wan_mask_json(shm, e->cand_mask));
	json_object_set_new(j, "usable", cp_api_wan_mask_json(shm, e->usable_mask));
	json_object_set_new(j, "copies", cp_api_wan_mask_json(shm, e->also_mask));
	json_object_set_new(j, "rules_skipped", json_integer(e->rules_skipped));
	/* issue 9: the first rule passed because its domain sets lacked the destination */
	json_object_set_new(j, "domain_miss", e->domain_miss != 0 ?
			    cp_api_rule_json((uint16_t)(e->domain_miss - 1)) : json_null());
	json_object_set_new(j, "wans", shm != NULL ? wans_now_json(shm) : json_array());
	return j;
}

static void
on_explain(int status, const struct dpw_msg *reply, int late, void *arg)
{
	struct explain_wait *w = arg;
	struct cp_req *r = w->r;

	if (r != NULL) {
		w->r = NULL;
		r->user = NULL;
		r->user_free = NULL;
		if (status == 0 && reply != NULL) {
			cp_api_etag(r);
			cp_api_send_json(r, 200, explain_json(&w->q, &reply->u.explain_reply));
		} else if (status == -EAGAIN) {
			cp_api_problem(r, 503, NULL, "the dataplane has no policy generation yet");
		} else if (status == -ETIMEDOUT) {
			cp_api_problem(r, 503, NULL, "the dataplane did not answer within %d ms",
				       EXPLAIN_TIMEOUT_MS);
		} else {
			cp_api_problem(r, status == -EINVAL ? 400 : 503, NULL,
				       "the dataplane refused: %s", strerror(-status));
		}
		cp_api_resume(r);
	}
	/* the last call for this request: a reply, or the end of the late window */
	if (reply != NULL || late)
		free(w);
}

/* A query value that must be valid when present: 0, 1 (absent), or -1 with a 400 sent. */
static int
bad_arg(struct cp_req *r, const char *name, const char *err)
{
	cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", name, "message", err),
		       "%s: %s", name, err);
	return -1;
}

void
cp_api_explain_get(struct cp_req *r)
{
	const char *proto = cp_api_arg(r, "proto"), *src = cp_api_arg(r, "src");
	const char *dst = cp_api_arg(r, "dst"), *sport = cp_api_arg(r, "sport");
	const char *dport = cp_api_arg(r, "dport"), *mac = cp_api_arg(r, "src_mac");
	struct explain_wait *w;
	struct dpw_msg_explain q;
	char err[128];
	int64_t seq;
	int ports;

	memset(&q, 0, sizeof(q));
	if (proto == NULL)
		proto = "tcp";
	if (cp_api_parse_proto(proto, &q.proto, err, sizeof(err)) < 0) {
		bad_arg(r, "proto", err);
		return;
	}
	if (src == NULL || cp_api_parse_ipv4(src, &q.src, err, sizeof(err)) < 0) {
		bad_arg(r, "src", src == NULL ? "is required" : err);
		return;
	}
	if (dst == NULL || cp_api_parse_ipv4(dst, &q.dst, err, sizeof(err)) < 0) {
		bad_arg(r, "dst", dst == NULL ? "is required" : err);
		return;
	}
	ports = q.proto == 6 || q.proto == 17;
	if (!ports && (sport != NULL || dport != NULL)) {
		bad_arg(r, sport != NULL ? "sport" : "dport", "only with proto tcp or udp");
		return;
	}
	if (ports && (dport == NULL || cp_api_parse_port(dport, &q.dport, err, sizeof(err)) < 0)) {
		bad_arg(r, "dport", dport == NULL ? "is required with tcp and udp" : err);
		return;
	}
	/* a rule may match source ports; without one the flow has none (0) */
	if (ports && sport != NULL && cp_api_parse_port(sport, &q.sport, err, sizeof(err)) < 0) {
		bad_arg(r, "sport", err);
		return;
	}
	if (mac != NULL) {
		if (cp_api_parse_mac(mac, q.mac, err, sizeof(err)) < 0) {
			bad_arg(r, "src_mac", err);
			return;
		}
		q.has_mac = 1;
	}
	if (cp_dplink_shm() == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	w->r = r;
	w->q = q;
	seq = cp_dplink_send(DPW_MSG_EXPLAIN, &q, sizeof(q), EXPLAIN_TIMEOUT_MS, on_explain, w);
	if (seq < 0) {
		free(w);
		cp_api_problem(r, 503, NULL, "the dataplane cannot take requests: %s",
			       strerror((int)-seq));
		return;
	}
	r->user = w;
	r->user_free = explain_gone;
	cp_api_suspend(r);
}
