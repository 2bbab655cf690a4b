/* SPDX-License-Identifier: BSD-3-Clause
 * REST resources /api/v1/lan/... (issue 9): the LAN services' part of the document
 * (DHCP settings and reservations, the DNS proxy, local records, the domain lookup
 * policy), dnsmasq's leases and statistics, and its cache flush. A write edits the
 * running document's tree, which is then decoded and validated as a whole
 * (cp_config_parse: the same checks as PUT /api/v1/config, dnsmasq --test included,
 * problems at their document paths) and applied through the same path
 * (cp_api_config_apply_doc). No policy here. Main thread.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dnsmasq.h"
#include "lib/cfg/dpw_sysconf.h"

/* ---- the running document as a tree ---- */

/* The running document's tree (new reference), or an answer queued and NULL. */
json_t *
cp_api_running_tree(struct cp_req *r)
{
	json_t *t = cp_config_running_json();

	if (t == NULL)
		cp_api_problem(r, 409, NULL, "no document has been applied yet: PUT /api/v1/config "
			       "first");
	return t;
}

/* tree[a][b] (b may be NULL), borrowed; objects made on the way when create. */
json_t *
cp_api_member(json_t *tree, const char *a, const char *b, int create)
{
	json_t *o = json_object_get(tree, a);

	if (o == NULL && create) {
		o = json_object();
		json_object_set_new(tree, a, o);
	}
	if (b == NULL || o == NULL)
		return o;
	if (json_object_get(o, b) == NULL && create)
		json_object_set_new(o, b, json_object());
	return json_object_get(o, b);
}

/* Decode, validate and apply an edited tree (reference taken). */
void
cp_api_apply_tree(struct cp_req *r, json_t *tree, const char *comment)
{
	struct dpw_doc_problems pr;
	struct dpw_doc doc;
	char *text = json_dumps(tree, JSON_COMPACT);
	int rc;

	json_decref(tree);
	if (text == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	memset(&doc, 0, sizeof(doc));
	dpw_doc_problems_init(&pr);
	rc = cp_config_parse(text, strlen(text), DPW_DOC_JSON, &doc, &pr);
	free(text);
	if (rc < 0) {
		dpw_doc_free(&doc);
		cp_api_etag(r);
		cp_api_problem(r, rc == -E2BIG ? 413 : 400, cp_config_problems_json(&pr, false),
			       "the document would not be valid: %u problem%s", pr.errors,
			       pr.errors == 1 ? "" : "s");
		return;
	}
	cp_api_config_apply_doc(r, &doc, comment, &pr);
	dpw_doc_free(&doc);
}

/* The request body as JSON of the given type (JSON_OBJECT / JSON_ARRAY), or an answer
 * queued and NULL. */
json_t *
cp_api_body_json(struct cp_req *r, json_type type)
{
	json_error_t e;
	json_t *b;

	if (r->body == NULL || r->len == 0) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message",
						 "a JSON body is needed"), "a JSON body is needed");
		return NULL;
	}
	b = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &e);
	if (b == NULL) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message", e.text),
			       "body: line %d, column %d: %s", e.line, e.column, e.text);
		return NULL;
	}
	if (json_typeof(b) != type) {
		json_decref(b);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message",
			       type == JSON_OBJECT ? "must be an object" : "must be an array"),
			       "body: must be %s", type == JSON_OBJECT ? "an object" : "an array");
		return NULL;
	}
	return b;
}

/* Answer tree[a][b] (a copy) with the running generation's ETag. */
void
cp_api_send_part(struct cp_req *r, const char *a, const char *b, json_t *dflt)
{
	json_t *t = cp_api_running_tree(r), *p;

	if (t == NULL) {
		json_decref(dflt);
		return;
	}
	p = cp_api_member(t, a, b, 0);
	cp_api_etag(r);
	cp_api_send_json(r, 200, p != NULL ? json_deep_copy(p) : dflt);
	if (p != NULL)
		json_decref(dflt);
	json_decref(t);
}

/* ---- DHCP ---- */

void
cp_api_lan_dhcp_get(struct cp_req *r)
{
	cp_api_send_part(r, "lan", "dhcp", json_object());
}

void
cp_api_lan_dhcp_put(struct cp_req *r)
{
	json_t *b, *t, *lan, *old;

	if (cp_api_if_match(r, false) < 0 || (b = cp_api_body_json(r, JSON_OBJECT)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(b);
		return;
	}
	lan = cp_api_member(t, "lan", NULL, 1);
	old = json_object_get(lan, "dhcp");
	/* the reservations have their own resource: kept unless the body has them */
	if (json_object_get(b, "reservations") == NULL && old != NULL &&
	    json_object_get(old, "reservations") != NULL)
		json_object_set(b, "reservations", json_object_get(old, "reservations"));
	json_object_set_new(lan, "dhcp", b);
	cp_api_apply_tree(r, t, "lan dhcp");
}

/* A MAC from a path ("02:00:5e:10:00:01", "02-00-5e-10-00-01", "02005e100001") in the
 * encoder's form (lower case, colons); -1 if it is none. */
static int
mac_norm(const char *s, char out[18])
{
	char hex[13];
	size_t n = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (isxdigit((unsigned char)s[i])) {
			if (n == 12)
				return -1;
			hex[n++] = (char)tolower((unsigned char)s[i]);
		} else if (s[i] != ':' && s[i] != '-') {
			return -1;
		}
	}
	if (n != 12 || (strlen(s) != 12 && strlen(s) != 17))
		return -1;
	snprintf(out, 18, "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4, hex + 6,
		 hex + 8, hex + 10);
	return 0;
}

/* The index of the reservation with MAC mac in arr, or -1. */
static int
resv_find(const json_t *arr, const char *mac)
{
	char m[18];
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		const char *v = json_string_value(json_object_get(e, "mac"));

		if (v != NULL && mac_norm(v, m) == 0 && strcmp(m, mac) == 0)
			return (int)i;
	}
	return -1;
}

/* tree.lan.dhcp.reservations, made when absent (borrowed). */
static json_t *
resv_array(json_t *t)
{
	json_t *d = cp_api_member(t, "lan", "dhcp", 1), *a = json_object_get(d, "reservations");

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(d, "reservations", a);
	}
	return a;
}

void
cp_api_lan_reservations_get(struct cp_req *r)
{
	json_t *t = cp_api_running_tree(r);

	if (t == NULL)
		return;
	cp_api_etag(r);
	cp_api_send_json(r, 200, json_deep_copy(resv_array(t)));
	json_decref(t);
}

void
cp_api_lan_reservations_post(struct cp_req *r)
{
	char mac[18], comment[64];
	const char *m;
	json_t *b, *t, *a;

	if (cp_api_if_match(r, false) < 0 || (b = cp_api_body_json(r, JSON_OBJECT)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(b);
		return;
	}
	a = resv_array(t);
	m = json_string_value(json_object_get(b, "mac"));
	if (m != NULL && mac_norm(m, mac) == 0 && resv_find(a, mac) >= 0) {
		json_decref(b);
		json_decref(t);
		cp_api_problem(r, 409, json_pack("[{s:s,s:s}]", "path", "/mac", "message",
						 "has a reservation already"),
			       "%s has a reservation already: PUT "
			       "/api/v1/lan/dhcp/reservations/%s changes it", mac, mac);
		return;
	}
	json_array_append_new(a, b);
	snprintf(comment, sizeof(comment), "lan dhcp reservation %s added", m != NULL ? m : "");
	cp_api_apply_tree(r, t, comment);
}

void
cp_api_lan_reservation(struct cp_req *r)
{
	char mac[18], comment[64];
	json_t *t, *a, *b;
	int i;

	if (mac_norm(r->param[0], mac) < 0) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "mac", "message",
						 "not a MAC address"),
			       "'%s' is not a MAC address (02:00:5e:10:00:01 or "
			       "02-00-5e-10-00-01)", r->param[0]);
		return;
	}
	if (r->method != CP_GET && cp_api_if_match(r, false) < 0)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL)
		return;
	a = resv_array(t);
	i = resv_find(a, mac);
	if (i < 0) {
		json_decref(t);
		cp_api_problem(r, 404, NULL, "no reservation for %s", mac);
		return;
	}
	if (r->method == CP_GET) {
		cp_api_etag(r);
		cp_api_send_json(r, 200, json_deep_copy(json_array_get(a, (size_t)i)));
		json_decref(t);
		return;
	}
	if (r->method == CP_DELETE) {
		json_array_remove(a, (size_t)i);
		snprintf(comment, sizeof(comment), "lan dhcp reservation %s removed", mac);
		cp_api_apply_tree(r, t, comment);
		return;
	}
	b = cp_api_body_json(r, JSON_OBJECT);
	if (b == NULL) {
		json_decref(t);
		return;
	}
	/* the MAC is the resource's name: the body may repeat it, not change it */
	if (json_object_get(b, "mac") == NULL) {
		json_object_set_new(b, "mac", json_string(mac));
	} else {
		const char *bm = json_string_value(json_object_get(b, "mac"));
		char m[18];

		if (bm == NULL || mac_norm(bm, m) < 0 || strcmp(m, mac) != 0) {
			cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "/mac", "message",
					 "the body's MAC differs from the path's: a reservation's "
					 "MAC is its name (DELETE it and POST a new one)"), "%s",
				       "bad reservation");
			json_decref(b);
			json_decref(t);
			return;
		}
	}
	json_array_set_new(a, (size_t)i, b);
	snprintf(comment, sizeof(comment), "lan dhcp reservation %s changed", mac);
	cp_api_apply_tree(r, t, comment);
}

/* ---- leases ---- */

static json_t *
lease_json(const struct cp_lease *l, const json_t *resv, int64_t now)
{
	char a[16], mac[18];
	json_t *j;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
		 l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
	j = json_object();
	json_object_set_new(j, "address", json_string(dpw_ipv4_str(l->addr, a, sizeof(a))));
	json_object_set_new(j, "mac", json_string(mac));
	json_object_set_new(j, "hostname", l->hostname[0] ? json_string(l->hostname) :
			    json_null());
	json_object_set_new(j, "client_id", l->client_id[0] ? json_string(l->client_id) :
			    json_null());
	json_object_set_new(j, "expires", l->expiry > 0 ? cp_api_time_json(l->expiry * 1000) :
			    json_null());
	json_object_set_new(j, "expires_in_s", l->expiry > 0 ?
			    json_integer(l->expiry > now ? l->expiry - now : 0) : json_null());
	json_object_set_new(j, "reserved", json_boolean(resv != NULL && resv_find(resv, mac) >= 0));
	return j;
}

void
cp_api_lan_leases_get(struct cp_req *r)
{
	struct cp_lease *l = NULL;
	json_t *arr, *t = cp_config_running_json(), *resv = NULL;
	int n = cp_dnsmasq_leases(&cp, &l), i;
	int64_t now = (int64_t)time(NULL);

	if (n < 0) {
		json_decref(t);
		cp_api_problem(r, 503, NULL, "dnsmasq's lease file cannot be read: %s",
			       strerror(-n));
		return;
	}
	if (t != NULL)
		resv = json_object_get(cp_api_member(t, "lan", "dhcp", 0), "reservations");
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, lease_json(&l[i], resv, now));
	free(l);
	json_decref(t);
	cp_api_send_json(r, 200, json_pack("{s:o,s:i,s:b}", "leases", arr, "count", n,
					   "dnsmasq_running", cp_dnsmasq_pid(&cp) > 0));
}

void
cp_api_lan_lease_delete(struct cp_req *r)
{
	struct in_addr a;
	int rc;

	if (inet_pton(AF_INET, r->param[0], &a) != 1) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "address", "message",
						 "not an IPv4 address"),
			       "'%s' is not an IPv4 address", r->param[0]);
		return;
	}
	if (cp_dnsmasq_pid(&cp) <= 0) {
		cp_api_problem(r, 503, NULL, "dnsmasq is not running: a lease is dropped by "
			       "dnsmasq itself");
		return;
	}
	rc = cp_dnsmasq_lease_delete(&cp, ntohl(a.s_addr));
	if (rc == -ENOENT) {
		cp_api_problem(r, 404, NULL, "no lease of %s", r->param[0]);
		return;
	}
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "DHCPRELEASE for %s: %s", r->param[0], strerror(-rc));
		return;
	}
	cp_api_send_empty(r, 204);
}

/* ---- DNS ---- */

void
cp_api_lan_dns_get(struct cp_req *r)
{
	cp_api_send_part(r, "lan", "dns", json_object());
}

void
cp_api_lan_dns_put(struct cp_req *r)
{
	json_t *b, *t;

	if (cp_api_if_match(r, false) < 0 || (b = cp_api_body_json(r, JSON_OBJECT)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(b);
		return;
	}
	json_object_set_new(cp_api_member(t, "lan", NULL, 1), "dns", b);
	cp_api_apply_tree(r, t, "lan dns");
}

void
cp_api_lan_records_get(struct cp_req *r)
{
	cp_api_send_part(r, "dns_records", NULL, json_array());
}

static json_t *
top_array(json_t *t, const char *name)
{
	json_t *a = json_object_get(t, name);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(t, name, a);
	}
	return a;
}

void
cp_api_lan_records_post(struct cp_req *r)
{
	char comment[DPW_DOMAIN_LEN + 32];
	const char *name;
	json_t *b, *t;

	if (cp_api_if_match(r, false) < 0 || (b = cp_api_body_json(r, JSON_OBJECT)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(b);
		return;
	}
	name = json_string_value(json_object_get(b, "name"));
	snprintf(comment, sizeof(comment), "dns record %.*s added", DPW_DOMAIN_LEN,
		 name != NULL ? name : "");
	json_array_append_new(top_array(t, "dns_records"), b);
	cp_api_apply_tree(r, t, comment);
}

void
cp_api_lan_records_delete(struct cp_req *r)
{
	char comment[DPW_DOMAIN_LEN + 48], type[16];
	const char *want = strstr(r->route->pattern, "{type}") != NULL ? r->param[1] : NULL;
	size_t i, n = 0;
	json_t *t, *a, *e;

	if (want != NULL) {
		for (i = 0; want[i] != '\0' && i < sizeof(type) - 1; i++)
			type[i] = (char)toupper((unsigned char)want[i]);
		type[i] = '\0';
		want = type;
		if (strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0 &&
		    strcmp(type, "CNAME") != 0 && strcmp(type, "PTR") != 0) {
			cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "type", "message",
							 "A, AAAA, CNAME or PTR"),
				       "record type '%s': A, AAAA, CNAME or PTR", r->param[1]);
			return;
		}
	}
	if (cp_api_if_match(r, false) < 0)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL)
		return;
	a = top_array(t, "dns_records");
	for (i = json_array_size(a); i-- > 0;) {
		const char *nm, *ty;

		e = json_array_get(a, i);
		nm = json_string_value(json_object_get(e, "name"));
		ty = json_string_value(json_object_get(e, "type"));
		if (nm == NULL || strcasecmp(nm, r->param[0]) != 0)
			continue;
		if (want != NULL && (ty == NULL || strcasecmp(ty, want) != 0))
			continue;
		json_array_remove(a, i);
		n++;
	}
	if (n == 0) {
		json_decref(t);
		cp_api_problem(r, 404, NULL, "no %s%srecord named '%s'", want ? want : "",
			       want ? " " : "", r->param[0]);
		return;
	}
	snprintf(comment, sizeof(comment), "dns record %s%s%s removed", r->param[0],
		 want ? " " : "", want ? want : "");
	cp_api_apply_tree(r, t, comment);
}

void
cp_api_lan_lookup_get(struct cp_req *r)
{
	cp_api_send_part(r, "domain_lookup", NULL, json_array());
}

void
cp_api_lan_lookup_put(struct cp_req *r)
{
	json_t *b, *t;

	if (cp_api_if_match(r, false) < 0 || (b = cp_api_body_json(r, JSON_ARRAY)) == NULL)
		return;
	t = cp_api_running_tree(r);
	if (t == NULL) {
		json_decref(b);
		return;
	}
	json_object_set_new(t, "domain_lookup", b);
	cp_api_apply_tree(r, t, "dns domain lookup policy");
}

/* ---- statistics and the cache ---- */

static json_t *
stats_json(const struct cp_dnsmasq_stats *s)
{
	json_t *srv = json_array();
	unsigned int i;

	for (i = 0; i < s->n_servers; i++)
		json_array_append_new(srv, json_pack("{s:s,s:I,s:I}", "server", s->server[i].addr,
						     "queries", (json_int_t)s->server[i].queries,
						     "failed", (json_int_t)s->server[i].failed));
	return json_pack("{s:o,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "time",
			 cp_api_time_json(s->at_ms), "complete", s->complete, "cache_size",
			 (json_int_t)s->cache_size, "insertions", (json_int_t)s->insertions,
			 "evictions", (json_int_t)s->evictions, "misses", (json_int_t)s->misses,
			 "hits", (json_int_t)s->hits, "authoritative", (json_int_t)s->auth,
			 "servers", srv);
}

struct stats_wait {
	struct cp_req *r;
	int gone;
};

static void
stats_wait_free(void *p)
{
	struct stats_wait *w = p;

	w->gone = 1;   /* the client left: the callback frees */
	w->r = NULL;
}

static void
stats_done(const struct cp_dnsmasq_stats *s, void *arg)
{
	struct stats_wait *w = arg;

	if (!w->gone && w->r != NULL) {
		if (!s->complete && s->hits == 0 && s->misses == 0 && s->cache_size == 0)
			cp_api_problem(w->r, 503, NULL, "dnsmasq did not answer its statistics "
				       "queries within a second");
		else
			cp_api_send_json(w->r, 200, stats_json(s));
		w->r->user = NULL;
		w->r->user_free = NULL;
		cp_api_resume(w->r);
	}
	free(w);
}

void
cp_api_lan_stats_get(struct cp_req *r)
{
	struct stats_wait *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	w->r = r;
	r->user = w;
	r->user_free = stats_wait_free;
	cp_api_suspend(r);
	rc = cp_dnsmasq_stats_get(&cp, stats_done, w);
	if (rc < 0) {
		r->user = NULL;
		r->user_free = NULL;
		free(w);
		if (rc == -ENOTCONN)
			cp_api_problem(r, 409, NULL, "the DNS proxy is disabled (lan.dns.enabled)");
		else
			cp_api_problem(r, 503, NULL, "dnsmasq's statistics: %s", strerror(-rc));
		cp_api_resume(r);
	}
}

void
cp_api_lan_flush(struct cp_req *r)
{
	int rc = cp_dnsmasq_flush(&cp);

	if (rc == -ESRCH) {
		cp_api_problem(r, 503, NULL, "dnsmasq is not running");
		return;
	}
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "cache flush: %s", strerror(-rc));
		return;
	}
	cp_api_send_json(r, 200, json_pack("{s:b,s:i}", "flushed", 1, "pid",
					   cp_dnsmasq_pid(&cp)));
}
