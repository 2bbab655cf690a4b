/* SPDX-License-Identifier: BSD-3-Clause
 * REST API server: libmicrohttpd daemon with its own polling thread, bearer-token
 * authentication and roles, bounded requests (URL, body, connections), routing to the
 * resource handlers, JSON error bodies. cp_api_start/stop run on the main thread,
 * everything else on the API thread (one thread: handlers never run concurrently).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/dplink.h"
#include "control/log.h"
#include "control/token.h"

struct req_ctx {
	struct cp_api_route route;
	size_t len;
	int too_big;
	char body[CP_API_BODY_MAX];
};

static struct MHD_Daemon *daemon_handle;
static char tokens_dir[512];
static uint64_t started_ms;

/* Tokens are re-read when the file changes, so an operator can add one live. */
static struct cp_token_set tokens;
static struct stat tokens_st;
static int tokens_ok;

uint64_t
cp_api_started_ms(void)
{
	return started_ms;
}

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned int status, const char *ctype, const char *buf,
      size_t len, const char *hdr, const char *hval)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)buf,
					    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (hdr != NULL)
		MHD_add_response_header(r, hdr, hval);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
cp_api_send_text(struct MHD_Connection *c, unsigned int status, const char *content_type,
		 const char *buf, size_t len)
{
	return queue(c, status, content_type, buf, len, NULL, NULL);
}

static enum MHD_Result
send_json_hdr(struct MHD_Connection *c, unsigned int status, json_t *j, const char *hdr,
	      const char *hval)
{
	enum MHD_Result ret;
	char *s;

	if (j == NULL)
		return MHD_NO;
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	/* A trailing newline keeps shells and `curl` output tidy. */
	{
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (t == NULL) {
			free(s);
			return MHD_NO;
		}
		s = t;
		s[n] = '\n';
		s[n + 1] = '\0';
		ret = queue(c, status, "application/json", s, n + 1, hdr, hval);
	}
	free(s);
	return ret;
}

enum MHD_Result
cp_api_send_json(struct MHD_Connection *c, unsigned int status, json_t *j)
{
	return send_json_hdr(c, status, j, NULL, NULL);
}

static enum MHD_Result
send_error_hdr(struct MHD_Connection *c, unsigned int status, const char *hdr,
	       const char *hval, const char *fmt, va_list ap)
{
	char msg[512];
	json_t *j;
	size_t i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* messages quote what the client sent (a URL, a name): keep them printable ASCII,
	 * so the JSON string is always valid UTF-8 and the client always gets an answer */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			msg[i] = '?';
	j = json_pack("{s:s}", "error", msg);
	if (j == NULL)
		j = json_pack("{s:s}", "error", "bad request");
	return send_json_hdr(c, status, j, hdr, hval);
}

enum MHD_Result
cp_api_send_error(struct MHD_Connection *c, unsigned int status, const char *fmt, ...)
{
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	ret = send_error_hdr(c, status, NULL, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static enum MHD_Result
send_error_with(struct MHD_Connection *c, unsigned int status, const char *hdr,
		const char *hval, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result
send_error_with(struct MHD_Connection *c, unsigned int status, const char *hdr,
		const char *hval, const char *fmt, ...)
{
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	ret = send_error_hdr(c, status, hdr, hval, fmt, ap);
	va_end(ap);
	return ret;
}

static void
reload_tokens(void)
{
	char path[600], err[512];
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", tokens_dir, CP_TOKEN_FILE);
	if (stat(path, &st) != 0) {
		if (tokens_ok || tokens_st.st_ino != 0)
			CP_ERR("%s: %s: every API request will be refused", path,
			       strerror(errno));
		memset(&tokens_st, 0, sizeof(tokens_st));
		tokens.n = 0;
		tokens_ok = 0;
		return;
	}
	if (st.st_ino == tokens_st.st_ino && st.st_size == tokens_st.st_size &&
	    st.st_mtim.tv_sec == tokens_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == tokens_st.st_mtim.tv_nsec)
		return;
	tokens_st = st;
	rc = cp_token_load(tokens_dir, &tokens, err, sizeof(err));
	if (rc < 0) {
		CP_ERR("%s: every API request will be refused", err);
		tokens.n = 0;
		tokens_ok = 0;
		return;
	}
	tokens_ok = 1;
	CP_INFO("loaded %u API token(s) from %s", tokens.n, path);
}

static enum cp_role
authenticate(struct MHD_Connection *c, int *had_token)
{
	const char *hdr, *tok;
	size_t len;

	*had_token = 0;
	hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	tok = cp_token_from_header(hdr, &len);
	if (tok == NULL)
		return CP_ROLE_NONE;
	*had_token = 1;
	reload_tokens();
	return cp_token_check(&tokens, tok, len);
}

static enum MHD_Result
dispatch(struct MHD_Connection *c, struct req_ctx *ctx)
{
	switch (ctx->route.id) {
	case CP_ROUTE_STATUS:
		return cp_api_status_get(c);
	case CP_ROUTE_WANS:
		return cp_api_wans_get(c);
	case CP_ROUTE_WAN:
		return cp_api_wan_get(c, ctx->route.wan);
	case CP_ROUTE_WAN_ADMIN:
		return cp_api_wan_admin_put(c, ctx->route.wan, ctx->body, ctx->len);
	case CP_ROUTE_METRICS:
		return cp_api_metrics_get(c);
	default:
		return cp_api_send_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	}
}

/* First call for a request: everything that can be refused before reading a body. */
static enum MHD_Result
admit(struct MHD_Connection *c, const char *url, const char *method, struct req_ctx *ctx)
{
	const char *clen;
	enum cp_role role;
	int had_token;

	if (strlen(url) > CP_API_URL_MAX)
		return cp_api_send_error(c, MHD_HTTP_URI_TOO_LONG,
					 "request path longer than %d bytes", CP_API_URL_MAX);
	role = authenticate(c, &had_token);
	if (role == CP_ROLE_NONE && had_token)
		return send_error_with(c, MHD_HTTP_UNAUTHORIZED, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				       "Bearer realm=\"dpwan\", error=\"invalid_token\"",
				       "invalid bearer token");
	if (role == CP_ROLE_NONE)
		return send_error_with(c, MHD_HTTP_UNAUTHORIZED, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				       "Bearer realm=\"dpwan\"",
				       "missing 'Authorization: Bearer <token>' header");
	if (cp_api_route_match(url, &ctx->route) < 0)
		return cp_api_send_error(c, MHD_HTTP_NOT_FOUND, "no such resource: %s", url);
	if (strcmp(method, ctx->route.method) != 0)
		return send_error_with(c, MHD_HTTP_METHOD_NOT_ALLOWED, MHD_HTTP_HEADER_ALLOW,
				       ctx->route.method,
				       "method %s not allowed on %s (allowed: %s)", method, url,
				       ctx->route.method);
	if (strcmp(method, "GET") != 0 && role != CP_ROLE_ADMIN)
		return cp_api_send_error(c, MHD_HTTP_FORBIDDEN,
					 "role %s may only read; %s %s needs an admin token",
					 cp_role_str(role), method, url);
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > CP_API_BODY_MAX)
		return cp_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					 "body: larger than %d bytes", CP_API_BODY_MAX);
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size,
	   void **con_cls)
{
	struct req_ctx *ctx = *con_cls;

	if (ctx == NULL) {
		ctx = calloc(1, sizeof(*ctx));
		if (ctx == NULL)
			return MHD_NO;
		*con_cls = ctx;
		/* A queued refusal here answers without reading the body. */
		return admit(c, url, method, ctx);
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!ctx->too_big && ctx->len + n <= CP_API_BODY_MAX) {
			memcpy(ctx->body + ctx->len, upload_data, n);
			ctx->len += n;
		} else {
			ctx->too_big = 1;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->too_big)
		return cp_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					 "body: larger than %d bytes", CP_API_BODY_MAX);
	return dispatch(c, ctx);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int
cp_api_start(const char *listen, uint16_t port, const char *state_dir)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ERROR_LOG;

	started_ms = cp_now_ms();
	snprintf(tokens_dir, sizeof(tokens_dir), "%s", state_dir);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, listen, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else {
		CP_ERR("api listen address '%s' is not an IPv4 or IPv6 literal", listen);
		return -EINVAL;
	}
	if (!is_loopback(&ss))
		CP_WARN("the API listens on %s, not on loopback: bearer tokens cross the network in "
			"clear text (no TLS yet); make sure no WAN reaches it", listen);
	reload_tokens();
	daemon_handle = MHD_start_daemon(flags, port, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CP_API_CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CP_API_CONN_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CP_API_CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CP_API_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (daemon_handle == NULL) {
		CP_ERR("cannot start the API on %s port %u (address in use?)", listen, port);
		return -EADDRINUSE;
	}
	CP_INFO("API listening on %s port %u", listen, port);
	return 0;
}

void
cp_api_stop(void)
{
	if (daemon_handle != NULL) {
		MHD_stop_daemon(daemon_handle);
		daemon_handle = NULL;
	}
}
