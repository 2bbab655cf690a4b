/* SPDX-License-Identifier: BSD-3-Clause
 * REST API server (see api.h): libmicrohttpd in external epoll mode inside the control
 * loop, the route table, admission (URL length, route, method, token, role, body size),
 * answers (JSON, problem+json, text), suspension and resumption. Main thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/log.h"
#include "control/loop.h"

#define KB(n) ((size_t)(n) * 1024)
#define DOC_BODY_MAX ((size_t)DPW_DOC_MAX_BYTES)

/* The one table of the API. The role a route needs is declared here. */
static const struct cp_api_route routes[] = {
	{ CP_GET, "/api/v1/health", CP_ROLE_NONE, 0, cp_api_health_get },
	{ CP_GET, "/api/v1/openapi.yaml", CP_ROLE_NONE, 0, cp_api_openapi_get },
	/* issue 11: the web dashboard (its files need no token), whoami, the WAN history */
	{ CP_GET, "/", CP_ROLE_NONE, 0, cp_api_dashboard_redirect },
	{ CP_GET, "/dashboard", CP_ROLE_NONE, 0, cp_api_dashboard_redirect },
	{ CP_GET, "/dashboard/", CP_ROLE_NONE, 0, cp_api_dashboard_index },
	{ CP_GET, "/dashboard/{file+}", CP_ROLE_NONE, 0, cp_api_dashboard_file },
	{ CP_GET, "/api/v1/whoami", CP_ROLE_READ_ONLY, 0, cp_api_whoami_get },
	{ CP_GET, "/api/v1/history", CP_ROLE_READ_ONLY, 0, cp_api_history_get },
	{ CP_GET, "/api/v1/status", CP_ROLE_READ_ONLY, 0, cp_api_status_get },
	{ CP_GET, "/metrics", CP_ROLE_READ_ONLY, 0, cp_api_metrics_get },
	{ CP_GET, "/api/v1/wans", CP_ROLE_READ_ONLY, 0, cp_api_wans_get },
	{ CP_GET, "/api/v1/wans/{name}", CP_ROLE_READ_ONLY, 0, cp_api_wan_get },
	{ CP_POST, "/api/v1/wans/{name}/enable", CP_ROLE_ADMIN, 0, cp_api_wan_action },
	{ CP_POST, "/api/v1/wans/{name}/disable", CP_ROLE_ADMIN, 0, cp_api_wan_action },
	{ CP_POST, "/api/v1/wans/{name}/force-down", CP_ROLE_ADMIN, 0, cp_api_wan_action },
	{ CP_POST, "/api/v1/wans/{name}/clear", CP_ROLE_ADMIN, 0, cp_api_wan_action },
	{ CP_PUT, "/api/v1/wans/{name}/admin", CP_ROLE_ADMIN, KB(4), cp_api_wan_admin_put },
	{ CP_GET, "/api/v1/policies", CP_ROLE_READ_ONLY, 0, cp_api_policies_get },
	{ CP_GET, "/api/v1/policies/{name}", CP_ROLE_READ_ONLY, 0, cp_api_policy_get },
	{ CP_GET, "/api/v1/rules", CP_ROLE_READ_ONLY, 0, cp_api_rules_get },
	{ CP_GET, "/api/v1/rules/{name}", CP_ROLE_READ_ONLY, 0, cp_api_rule_get },
	{ CP_GET, "/api/v1/config", CP_ROLE_READ_ONLY, 0, cp_api_config_get },
	{ CP_PUT, "/api/v1/config", CP_ROLE_ADMIN, DOC_BODY_MAX, cp_api_config_put },
	{ CP_POST, "/api/v1/config/validate", CP_ROLE_READ_ONLY, DOC_BODY_MAX,
	  cp_api_config_validate },
	{ CP_GET, "/api/v1/config/history", CP_ROLE_READ_ONLY, 0, cp_api_config_history },
	{ CP_GET, "/api/v1/config/history/{gen}", CP_ROLE_READ_ONLY, 0,
	  cp_api_config_history_get },
	{ CP_GET, "/api/v1/config/diff", CP_ROLE_READ_ONLY, 0, cp_api_config_diff },
	{ CP_POST, "/api/v1/config/rollback", CP_ROLE_ADMIN, KB(4), cp_api_config_rollback },
	{ CP_POST, "/api/v1/config/confirm", CP_ROLE_ADMIN, 0, cp_api_config_confirm },
	{ CP_GET, "/api/v1/events", CP_ROLE_READ_ONLY, 0, cp_api_events_get },
	{ CP_GET, "/api/v1/events/stream", CP_ROLE_READ_ONLY, 0, cp_api_events_stream },
	{ CP_GET, "/api/v1/tokens", CP_ROLE_ADMIN, 0, cp_api_tokens_get },
	{ CP_POST, "/api/v1/tokens", CP_ROLE_ADMIN, KB(4), cp_api_tokens_post },
	{ CP_DELETE, "/api/v1/tokens/{id}", CP_ROLE_ADMIN, 0, cp_api_token_delete },
	{ CP_GET, "/api/v1/explain", CP_ROLE_READ_ONLY, 0, cp_api_explain_get },
	{ CP_GET, "/api/v1/sessions", CP_ROLE_READ_ONLY, 0, cp_api_sessions_get },
	{ CP_DELETE, "/api/v1/sessions", CP_ROLE_ADMIN, 0, cp_api_sessions_delete },
	/* LAN services (issue 9): api_lan.c */
	{ CP_GET, "/api/v1/lan/dhcp", CP_ROLE_READ_ONLY, 0, cp_api_lan_dhcp_get },
	{ CP_PUT, "/api/v1/lan/dhcp", CP_ROLE_ADMIN, KB(1024), cp_api_lan_dhcp_put },
	{ CP_GET, "/api/v1/lan/dhcp/reservations", CP_ROLE_READ_ONLY, 0,
	  cp_api_lan_reservations_get },
	{ CP_POST, "/api/v1/lan/dhcp/reservations", CP_ROLE_ADMIN, KB(4),
	  cp_api_lan_reservations_post },
	{ CP_GET, "/api/v1/lan/dhcp/reservations/{mac+}", CP_ROLE_READ_ONLY, 0,
	  cp_api_lan_reservation },
	{ CP_PUT | CP_DELETE, "/api/v1/lan/dhcp/reservations/{mac+}", CP_ROLE_ADMIN, KB(4),
	  cp_api_lan_reservation },
	{ CP_GET, "/api/v1/lan/dhcp/leases", CP_ROLE_READ_ONLY, 0, cp_api_lan_leases_get },
	{ CP_DELETE, "/api/v1/lan/dhcp/leases/{address+}", CP_ROLE_ADMIN, 0,
	  cp_api_lan_lease_delete },
	{ CP_GET, "/api/v1/lan/dns", CP_ROLE_READ_ONLY, 0, cp_api_lan_dns_get },
	{ CP_PUT, "/api/v1/lan/dns", CP_ROLE_ADMIN, KB(4), cp_api_lan_dns_put },
	{ CP_GET, "/api/v1/lan/dns/records", CP_ROLE_READ_ONLY, 0, cp_api_lan_records_get },
	{ CP_POST, "/api/v1/lan/dns/records", CP_ROLE_ADMIN, KB(4), cp_api_lan_records_post },
	{ CP_DELETE, "/api/v1/lan/dns/records/{name+}", CP_ROLE_ADMIN, 0,
	  cp_api_lan_records_delete },
	{ CP_DELETE, "/api/v1/lan/dns/records/{name+}/{type}", CP_ROLE_ADMIN, 0,
	  cp_api_lan_records_delete },
	{ CP_GET, "/api/v1/lan/dns/domain-lookup", CP_ROLE_READ_ONLY, 0, cp_api_lan_lookup_get },
	{ CP_PUT, "/api/v1/lan/dns/domain-lookup", CP_ROLE_ADMIN, KB(256),
	  cp_api_lan_lookup_put },
	{ CP_GET, "/api/v1/lan/dns/stats", CP_ROLE_READ_ONLY, 0, cp_api_lan_stats_get },
	{ CP_POST, "/api/v1/lan/dns/cache/flush", CP_ROLE_ADMIN, 0, cp_api_lan_flush },
	/* issue 9: DNS snooping's domain sets */
	{ CP_GET, "/api/v1/lan/dns/domain-sets", CP_ROLE_READ_ONLY, 0, cp_api_dnsset_get },
	/* issue 10: inbound access, NAT mappings, firewall, DoS */
	{ CP_GET, "/api/v1/services", CP_ROLE_READ_ONLY, 0, cp_api_services_get },
	{ CP_PUT, "/api/v1/services", CP_ROLE_ADMIN, DOC_BODY_MAX, cp_api_services_put },
	{ CP_GET, "/api/v1/services/counters", CP_ROLE_READ_ONLY, 0, cp_api_services_counters },
	{ CP_GET, "/api/v1/nat/mappings", CP_ROLE_READ_ONLY, 0, cp_api_nat_mappings_get },
	{ CP_PUT, "/api/v1/nat/mappings", CP_ROLE_ADMIN, DOC_BODY_MAX, cp_api_nat_mappings_put },
	{ CP_GET, "/api/v1/firewall", CP_ROLE_READ_ONLY, 0, cp_api_firewall_get },
	{ CP_PUT, "/api/v1/firewall", CP_ROLE_ADMIN, DOC_BODY_MAX, cp_api_firewall_put },
	{ CP_GET, "/api/v1/firewall/counters", CP_ROLE_READ_ONLY, 0, cp_api_firewall_counters },
	{ CP_GET, "/api/v1/dos", CP_ROLE_READ_ONLY, 0, cp_api_dos_get },
	{ CP_PUT, "/api/v1/dos", CP_ROLE_ADMIN, KB(4), cp_api_dos_put },
	/* packet capture (issue 11): api_capture.c */
	{ CP_POST, "/api/v1/capture", CP_ROLE_ADMIN, KB(4), cp_api_capture_post },
	{ CP_GET, "/api/v1/capture", CP_ROLE_ADMIN, 0, cp_api_capture_get },
	{ CP_DELETE, "/api/v1/capture", CP_ROLE_ADMIN, 0, cp_api_capture_delete },
};

static struct MHD_Daemon *daemon_handle;
static int mhd_epoll_fd = -1;
static int need_run;
static struct cp_api_stats stats;
static char *tls_key, *tls_cert;

const struct cp_api_stats *
cp_api_stats(void)
{
	return &stats;
}

static const char *
status_title(unsigned int s)
{
	switch (s) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

static unsigned int
method_of(const char *m)
{
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return CP_GET;
	if (strcmp(m, "PUT") == 0)
		return CP_PUT;
	if (strcmp(m, "POST") == 0)
		return CP_POST;
	if (strcmp(m, "DELETE") == 0)
		return CP_DELETE;
	return 0;
}

static void
methods_str(unsigned int set, char *buf, size_t len)
{
	static const char *const names[] = { "GET", "PUT", "POST", "DELETE" };
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 4; i++)
		if (set & (1u << i))
			off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", names[i]);
}

void
cp_api_header(struct cp_req *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (r->n_hdr == CP_API_MAX_HEADERS)
		return;
	snprintf(r->hdr_name[r->n_hdr], sizeof(r->hdr_name[0]), "%s", name);
	va_start(ap, fmt);
	vsnprintf(r->hdr_val[r->n_hdr], sizeof(r->hdr_val[0]), fmt, ap);
	va_end(ap);
	r->n_hdr++;
}

const char *
cp_api_arg(struct cp_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
cp_api_header_in(struct cp_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Set the answer; it goes out now, or on resume when the request is suspended. */
static void
set_response(struct cp_req *r, unsigned int status, struct MHD_Response *resp)
{
	unsigned int i;

	if (resp == NULL)
		return;
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	for (i = 0; i < r->n_hdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_val[i]);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	r->resp = resp;
	r->status = status;
}

void
cp_api_send_text(struct cp_req *r, unsigned int status, const char *content_type,
		 const char *buf, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)buf,
					       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	set_response(r, status, resp);
}

void
cp_api_send_empty(struct cp_req *r, unsigned int status)
{
	set_response(r, status, MHD_create_response_from_buffer(0, NULL,
								 MHD_RESPMEM_PERSISTENT));
}

static void
send_json_type(struct cp_req *r, unsigned int status, json_t *j, const char *ctype)
{
	char *s;
	size_t n;

	if (j == NULL) {
		cp_api_send_text(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return;
	n = strlen(s);
	/* A trailing newline keeps shells and `curl` output tidy. */
	{
		char *t = realloc(s, n + 2);

		if (t == NULL) {
			free(s);
			return;
		}
		s = t;
	}
	s[n] = '\n';
	s[n + 1] = '\0';
	cp_api_send_text(r, status, ctype, s, n + 1);
	free(s);
}

void
cp_api_send_json(struct cp_req *r, unsigned int status, json_t *j)
{
	send_json_type(r, status, j, "application/json");
}

void
cp_api_problem(struct cp_req *r, unsigned int status, json_t *errors, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *j;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* messages quote what the client sent (a URL, a name): keep them printable ASCII,
	 * so the JSON string is always valid UTF-8 and the client always gets an answer */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			msg[i] = '?';
	j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title", status_title(status),
		      "status", (int)status, "detail", msg);
	if (j != NULL && errors != NULL)
		json_object_set_new(j, "errors", errors);
	else
		json_decref(errors);
	send_json_type(r, status, j, "application/problem+json");
}

void
cp_api_suspend(struct cp_req *r)
{
	if (r->suspended)
		return;
	r->suspended = 1;
	stats.suspended_now++;
	MHD_suspend_connection(r->conn);
}

void
cp_api_resume(struct cp_req *r)
{
	if (!r->suspended)
		return;
	r->suspended = 0;
	stats.suspended_now--;
	MHD_resume_connection(r->conn);
	need_run = 1;
}

void
cp_api_kick(void)
{
	need_run = 1;
}

void
cp_api_etag(struct cp_req *r)
{
	cp_api_header(r, MHD_HTTP_HEADER_ETAG, "\"%lld\"", (long long)cp_config_running()->gen);
}

int
cp_api_if_match(struct cp_req *r, bool required)
{
	const char *im = cp_api_header_in(r, MHD_HTTP_HEADER_IF_MATCH);
	char want[32];
	long long gen = cp_config_running()->gen;

	if (im == NULL) {
		if (!required)
			return 0;
		cp_api_etag(r);
		cp_api_problem(r, 428, NULL, "a write of the whole document needs If-Match: "
			       "\"%lld\" (the generation it was based on: GET /api/v1/config "
			       "returns it as ETag)", gen);
		return -1;
	}
	snprintf(want, sizeof(want), "\"%lld\"", gen);
	if (strcmp(im, "*") == 0 || strcmp(im, want) == 0 ||
	    (strncmp(im, "W/", 2) == 0 && strcmp(im + 2, want) == 0))
		return 0;
	cp_api_etag(r);
	cp_api_problem(r, 412, NULL, "If-Match %s is stale: the running generation is %lld; "
		       "fetch it, merge your change and try again", im, gen);
	return -1;
}

int
cp_api_doc_format(const char *value, bool accept)
{
	if (value == NULL || value[0] == '\0')
		return accept ? 0 : -1;
	if (strstr(value, "yaml") != NULL)
		return 1;
	if (strstr(value, "application/json") != NULL || strstr(value, "+json") != NULL)
		return 0;
	if (accept && (strstr(value, "*/*") != NULL || strstr(value, "application/*") != NULL))
		return 0;
	return -1;
}

static void
client_str(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(buf, len, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, len);
}

/* First call for a request: everything that can be refused before reading a body. */
static void
admit(struct cp_req *r, const char *url, const char *method)
{
	const union MHD_ConnectionInfo *ci;
	const char *clen, *hdr;
	unsigned int m, allowed = 0, i, retry;
	enum cp_auth_verdict v;
	char allow[64];

	r->method = m = method_of(method);
	r->method_str = method;
	client_str(r->conn, r->client, sizeof(r->client));
	if (strlen(url) > CP_API_URL_MAX) {
		cp_api_problem(r, 414, NULL, "request path longer than %d bytes", CP_API_URL_MAX);
		return;
	}
	snprintf(r->url, sizeof(r->url), "%s", url);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		char param[CP_API_MAX_PARAMS][CP_API_PARAM_LEN];

		if (!cp_api_path_match(routes[i].pattern, url, param, CP_API_MAX_PARAMS))
			continue;
		allowed |= routes[i].methods;
		if ((routes[i].methods & m) && r->route == NULL) {
			r->route = &routes[i];
			memcpy(r->param, param, sizeof(param));
		}
	}
	if (r->route == NULL || r->route->role != CP_ROLE_NONE) {
		ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						  MHD_HTTP_HEADER_AUTHORIZATION);
		v = cp_auth_check(hdr, ci != NULL ? ci->client_addr : NULL, &r->auth, &retry);
		switch (v) {
		case CP_AUTH_OK:
			break;
		case CP_AUTH_BLOCKED:
			cp_api_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "%u", retry);
			cp_api_problem(r, 429, NULL, "too many failed authentications from %s: "
				       "try again in %u s", r->client, retry);
			return;
		case CP_AUTH_INVALID:
			cp_api_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				      "Bearer realm=\"dpwan\", error=\"invalid_token\"");
			cp_api_problem(r, 401, NULL, "invalid bearer token");
			return;
		default:
			cp_api_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"dpwan\"");
			cp_api_problem(r, 401, NULL,
				       "missing 'Authorization: Bearer <token>' header");
			return;
		}
	}
	if (allowed == 0) {
		cp_api_problem(r, 404, NULL, "no such resource: %s", url);
		return;
	}
	if (r->route == NULL) {
		methods_str(allowed, allow, sizeof(allow));
		cp_api_header(r, MHD_HTTP_HEADER_ALLOW, "%s", allow);
		cp_api_problem(r, 405, NULL, "method %s not allowed on %s (allowed: %s)", method,
			       url, allow);
		return;
	}
	if (r->route->role > r->auth.role) {
		cp_api_problem(r, 403, NULL, "%s %s needs an %s token; token %s is %s", method,
			       url, cp_role_str(r->route->role), r->auth.id,
			       cp_role_str(r->auth.role));
		return;
	}
	clen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > r->route->body_max) {
		if (r->route->body_max == 0)
			cp_api_problem(r, 413, NULL, "%s %s takes no body", method, url);
		else
			cp_api_problem(r, 413, NULL, "body: larger than %zu bytes",
				       r->route->body_max);
	}
}

static enum MHD_Result
queue_answer(struct cp_req *r)
{
	enum MHD_Result ret;
	unsigned int cls = r->status / 100;

	stats.requests++;
	if (cls < 6)
		stats.by_class[cls]++;
	if (r->status >= 400 && r->status != 401)
		CP_DEBUG("%s %s from %s (%s): %u", r->method_str, r->url, r->client,
			 r->auth.id[0] ? r->auth.id : "no token", r->status);
	ret = MHD_queue_response(r->conn, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

/* Before the headers: the whole request URI, query included, for the 414 check. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct cp_req *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->uri_too_long = strlen(uri) > CP_API_URI_MAX;
	return r;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size,
	   void **con_cls)
{
	struct cp_req *r = *con_cls;

	if (r == NULL)
		return MHD_NO;          /* on_uri found no memory */
	if (!r->admitted) {
		r->admitted = 1;
		r->conn = c;
		if (r->uri_too_long) {
			cp_api_problem(r, 414, NULL, "request URI longer than %d bytes",
				       CP_API_URI_MAX);
			return queue_answer(r);
		}
		admit(r, url, method);
		/* A refusal goes out at once, without reading the body. */
		return r->resp != NULL ? queue_answer(r) : MHD_YES;
	}
	if (r->resp != NULL)
		return queue_answer(r);      /* resumed with its answer */
	if (r->suspended)
		return MHD_YES;
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!r->too_big && r->len + n <= r->route->body_max) {
			char *b = realloc(r->body, r->len + n + 1);

			if (b == NULL)
				return MHD_NO;
			r->body = b;
			memcpy(r->body + r->len, upload_data, n);
			r->len += n;
			r->body[r->len] = '\0';
		} else {
			r->too_big = 1;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->too_big) {
		cp_api_problem(r, 413, NULL, "body: larger than %zu bytes", r->route->body_max);
		return queue_answer(r);
	}
	if (r->body == NULL) {
		r->body = calloc(1, 1);
		if (r->body == NULL)
			return MHD_NO;
	}
	r->route->handler(r);
	if (r->resp != NULL)
		return queue_answer(r);
	if (r->suspended)
		return MHD_YES;
	/* A streaming handler queued its own response. */
	return MHD_YES;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct cp_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->user_free != NULL)
		r->user_free(r->user);
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	if (r->suspended)
		stats.suspended_now--;
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/*
 * MHD_run, again while MHD says it has work now (timeout 0): a connection whose data did
 * not fit its read buffer stays readable without a new edge on MHD's epoll fd, so one
 * run would leave the rest of a large body (over 32 KB) unread until the client gave
 * up. Bounded: a busy client cannot hold the loop.
 */
static void
run_mhd(void)
{
	MHD_UNSIGNED_LONG_LONG to;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		MHD_run(daemon_handle);
		if (MHD_get_timeout(daemon_handle, &to) != MHD_YES || to != 0)
			break;
	}
}

static void
on_mhd_ready(int fd, uint32_t events, void *arg)
{
	run_mhd();
}

static int
api_tick(void *arg)
{
	MHD_UNSIGNED_LONG_LONG to;

	if (daemon_handle == NULL)
		return -1;
	if (need_run || (MHD_get_timeout(daemon_handle, &to) == MHD_YES && to == 0)) {
		need_run = 0;
		run_mhd();
	}
	if (MHD_get_timeout(daemon_handle, &to) == MHD_YES)
		return to > 1000 ? 1000 : (to == 0 ? 1 : (int)to);
	return 1000;
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static char *
read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65537);
	if (buf != NULL) {
		n = fread(buf, 1, 65536, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

int
cp_api_start(void)
{
	const struct dpw_sysconf *conf = &cp.conf;
	const union MHD_DaemonInfo *di;
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	int tls = conf->api_tls_cert[0] != '\0';

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, conf->api_listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(conf->api_port);
	} else if (inet_pton(AF_INET6, conf->api_listen,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(conf->api_port);
		flags |= MHD_USE_IPv6;
	} else {
		CP_ERR("api listen address '%s' is not an IPv4 or IPv6 literal", conf->api_listen);
		return -EINVAL;
	}
	if (tls) {
		tls_cert = read_pem(conf->api_tls_cert);
		tls_key = read_pem(conf->api_tls_key);
		if (tls_cert == NULL || tls_key == NULL) {
			CP_ERR("api TLS: cannot read %s", tls_cert == NULL ? conf->api_tls_cert :
			       conf->api_tls_key);
			return -ENOENT;
		}
		flags |= MHD_USE_TLS;
	} else if (!is_loopback(&ss)) {
		CP_WARN("the API listens on %s without TLS: bearer tokens cross the network in "
			"clear text; set api.tls_cert and api.tls_key", conf->api_listen);
	}
	{
		/* One option list; the TLS pair is appended only for HTTPS. */
		struct MHD_OptionItem opts[] = {
			{ MHD_OPTION_SOCK_ADDR, 0, &ss },
			{ MHD_OPTION_CONNECTION_LIMIT, CP_API_CONN_LIMIT, NULL },
			{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, CP_API_CONN_PER_IP, NULL },
			{ MHD_OPTION_CONNECTION_TIMEOUT, CP_API_CONN_TIMEOUT_S, NULL },
			{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, CP_API_CONN_MEMORY, NULL },
			{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
			{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, NULL },
			{ tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, tls_key },
			{ tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls_cert },
			{ MHD_OPTION_END, 0, NULL },
		};

		daemon_handle = MHD_start_daemon(flags, conf->api_port, NULL, NULL, on_request,
						 NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	}
	if (daemon_handle == NULL) {
		CP_ERR("cannot start the API on %s port %u (address in use?%s)", conf->api_listen,
		       conf->api_port, tls ? " a bad certificate or key?" : "");
		return -EADDRINUSE;
	}
	di = MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		CP_ERR("libmicrohttpd gives no epoll fd");
		cp_api_stop();
		return -ENOTSUP;
	}
	mhd_epoll_fd = di->epoll_fd;
	if (cp_loop_add_fd(mhd_epoll_fd, EPOLLIN, on_mhd_ready, NULL) < 0 ||
	    cp_loop_add_tick(api_tick, NULL) < 0) {
		cp_api_stop();
		return -ENOSPC;
	}
	CP_INFO("API listening on %s%s port %u", tls ? "https " : "", conf->api_listen,
		conf->api_port);
	return 0;
}

void
cp_api_stop(void)
{
	if (daemon_handle == NULL)
		return;
	if (mhd_epoll_fd >= 0)
		cp_loop_del_fd(mhd_epoll_fd);
	mhd_epoll_fd = -1;
	MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	free(tls_cert);
	free(tls_key);
	tls_cert = tls_key = NULL;
}
