/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl's HTTP side: one bounded exchange with the API (libcurl easy interface,
 * timeouts, body cap, the headers we need), the problem+json errors turned into lines
 * and exit codes, and the Server-Sent Events follower of /api/v1/events/stream with
 * reconnection. Single-threaded; SIGINT only sets a flag the transfers poll.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ctl.h"

#define SSE_MAX_LINE (1u << 20)         /* one line of the stream: an event's JSON */
#define SSE_STALL_S 45L                 /* three missed keepalives (15 s) */
#define FOLLOW_RETRY_MAX_S 5

static volatile sig_atomic_t interrupted;

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ctl_resp *r = userdata;
	size_t n = size * nmemb;
	char *p;

	if (r->len + n > (r->max_len != 0 ? r->max_len : CTL_MAX_RESPONSE)) {
		r->overflow = true;
		return 0;
	}
	p = realloc(r->body, r->len + n + 1);
	if (p == NULL)
		return 0;
	r->body = p;
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copy a header's value (trimmed) into out when the line is "name: value". */
static void
header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t k = strlen(name), e;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	e = n;
	while (e > 0 && (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' '))
		e--;
	if (e >= outlen)
		e = outlen - 1;
	memcpy(out, line, e);
	out[e] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct ctl_resp *r = userdata;
	size_t n = size * nmemb;

	/* a new response (after 100 Continue): forget the previous headers */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		r->etag[0] = r->content_type[0] = r->retry_after[0] = r->allow[0] = '\0';
		return n;
	}
	header_value(line, n, "ETag", r->etag, sizeof(r->etag));
	header_value(line, n, "Content-Type", r->content_type, sizeof(r->content_type));
	header_value(line, n, "Retry-After", r->retry_after, sizeof(r->retry_after));
	header_value(line, n, "Allow", r->allow, sizeof(r->allow));
	return n;
}

static int
on_progress(void *p, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	(void)p;
	(void)dlt;
	(void)dln;
	(void)ult;
	(void)uln;
	return interrupted ? 1 : 0;
}

static bool
is_tls_error(CURLcode res)
{
	return res == CURLE_SSL_CONNECT_ERROR || res == CURLE_PEER_FAILED_VERIFICATION ||
	       res == CURLE_SSL_CERTPROBLEM || res == CURLE_SSL_CIPHER ||
	       res == CURLE_SSL_CACERT_BADFILE || res == CURLE_SSL_ISSUER_ERROR ||
	       res == CURLE_SSL_INVALIDCERTSTATUS || res == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
	       res == CURLE_SSL_CRL_BADFILE || res == CURLE_SSL_ENGINE_INITFAILED;
}

/* Why the exchange failed, on stderr; the exit code. */
static int
report_transfer_error(const struct ctl *c, CURL *h, CURLcode res, const char *errbuf,
		      const struct ctl_resp *r)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res);
	long oserr = 0;

	if (r->overflow) {
		fprintf(stderr, "dpwanctl: the response from %s is larger than %zu MiB\n", c->url,
			(r->max_len != 0 ? r->max_len : CTL_MAX_RESPONSE) >> 20);
		return CTL_EXIT_REFUSED;
	}
	if (is_tls_error(res)) {
		fprintf(stderr, "dpwanctl: TLS with %s failed: %s%s\n", c->url, why,
			c->cacert == NULL ? " (a self-signed certificate? --cacert FILE names the "
					    "certificate to trust)" : "");
		return CTL_EXIT_UNREACHABLE;
	}
	if (res == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr != 0)
		why = strerror((int)oserr);
	fprintf(stderr, "dpwanctl: cannot reach %s: %s (is dpwan-control running? -s URL to "
		"choose another)\n", c->url, why);
	return CTL_EXIT_UNREACHABLE;
}

/* A handle with what every exchange shares: URL, auth, TLS trust, protocols. */
static CURL *
handle_new(const struct ctl *c, const char *path, struct curl_slist **hdrs, char *errbuf)
{
	char url[CTL_URL_LEN + 2048], auth[CTL_MAX_TOKEN + 32];
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	if (c->token[0] != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
		*hdrs = curl_slist_append(*hdrs, auth);
		explicit_bzero(auth, sizeof(auth));
	}
	/* no "Expect: 100-continue" round trip before a document */
	*hdrs = curl_slist_append(*hdrs, "Expect:");
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CTL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	/* the peer is always verified: there is no -k */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	return h;
}

int
ctl_http(const struct ctl *c, const struct ctl_req *rq, struct ctl_resp *r)
{
	char errbuf[CURL_ERROR_SIZE], hdr[256];
	struct curl_slist *hdrs = NULL;
	CURLcode res;
	CURL *h;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	h = handle_new(c, rq->path, &hdrs, errbuf);
	if (h == NULL) {
		fprintf(stderr, "dpwanctl: cannot initialise libcurl\n");
		return CTL_EXIT_REFUSED;
	}
	snprintf(hdr, sizeof(hdr), "Accept: %s",
		 rq->accept != NULL ? rq->accept : "application/json");
	hdrs = curl_slist_append(hdrs, hdr);
	if (rq->if_match != NULL) {
		snprintf(hdr, sizeof(hdr), "If-Match: %s", rq->if_match);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	if (rq->body != NULL && rq->content_type != NULL) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", rq->content_type);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	if (strcmp(rq->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		/* a POST without a body still sends Content-Length: 0 (the routes' limit 0) */
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(rq->body != NULL ? rq->body_len : 0));
		if (rq->body == NULL)
			hdrs = curl_slist_append(hdrs, "Content-Type:");
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 rq->timeout_ms != 0 ? rq->timeout_ms : CTL_REQUEST_TIMEOUT_MS);
	r->max_len = rq->max_len;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	res = curl_easy_perform(h);
	if (res != CURLE_OK) {
		rc = res == CURLE_ABORTED_BY_CALLBACK ? CTL_EXIT_REFUSED :
			report_transfer_error(c, h, res, errbuf, r);
		ctl_resp_free(r);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body == NULL) {
		r->body = strdup("");
		if (r->body == NULL) {
			fprintf(stderr, "dpwanctl: out of memory\n");
			rc = CTL_EXIT_REFUSED;
		}
	}
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

void
ctl_resp_free(struct ctl_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

int
ctl_get(const struct ctl *c, const char *path, struct ctl_resp *r)
{
	struct ctl_req rq = { .method = "GET", .path = path };

	return ctl_http(c, &rq, r);
}

json_t *
ctl_problem_errors(const struct ctl_resp *r, json_t **owner)
{
	json_t *j = json_loads(r->body != NULL ? r->body : "", 0, NULL);
	json_t *e = json_object_get(j, "errors");

	if (!json_is_array(e) || json_array_size(e) == 0) {
		json_decref(j);
		*owner = NULL;
		return NULL;
	}
	*owner = j;
	return e;
}

int
ctl_fail(const struct ctl *c, const struct ctl_resp *r)
{
	json_t *j = json_loads(r->body != NULL ? r->body : "", 0, NULL);
	const char *detail = json_string_value(json_object_get(j, "detail"));
	const char *title = json_string_value(json_object_get(j, "title"));
	json_t *errors = json_object_get(j, "errors");

	if (c->json && r->body != NULL && r->len > 0)
		ctl_print_raw(r);
	/* the 0.1 server's {"error": "..."} */
	if (detail == NULL)
		detail = json_string_value(json_object_get(j, "error"));
	if (detail != NULL)
		fprintf(stderr, "dpwanctl: %s (HTTP %ld%s%s)\n", detail, r->status,
			title != NULL ? " " : "", title != NULL ? title : "");
	else
		fprintf(stderr, "dpwanctl: HTTP %ld: %.300s\n", r->status,
			r->body != NULL ? r->body : "");
	if (json_is_array(errors))
		ctl_out_problems(stderr, errors, "");
	json_decref(j);

	switch (r->status) {
	case 401:
		fprintf(stderr, "dpwanctl: the token came from %s; give one with -t, --token-file "
			"or $DPWAN_TOKEN\n", c->token_from);
		return CTL_EXIT_AUTH;
	case 403:
		fprintf(stderr, "dpwanctl: the token from %s has too low a role for this; an admin "
			"makes an admin token with `dpwanctl token create --role admin`\n",
			c->token_from);
		return CTL_EXIT_AUTH;
	case 429:
		fprintf(stderr, "dpwanctl: too many failed authentications from this address; "
			"try again in %s s\n", r->retry_after[0] != '\0' ? r->retry_after : "a few");
		return CTL_EXIT_AUTH;
	default:
		return CTL_EXIT_REFUSED;
	}
}

json_t *
ctl_json(const struct ctl_resp *r)
{
	json_error_t jerr;
	json_t *j = json_loadb(r->body, r->len, 0, &jerr);

	if (j == NULL)
		fprintf(stderr, "dpwanctl: the server sent invalid JSON (line %d: %s)\n", jerr.line,
			jerr.text);
	return j;
}

void
ctl_print_raw(const struct ctl_resp *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len > 0 && r->body[r->len - 1] != '\n')
		putchar('\n');
}

long long
ctl_etag_gen(const char *etag)
{
	char *end;
	long long g;

	if (etag == NULL)
		return -1;
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	if (*etag == '"')
		etag++;
	errno = 0;
	g = strtoll(etag, &end, 10);
	if (errno != 0 || end == etag || (*end != '"' && *end != '\0') || g < 0)
		return -1;
	return g;
}

int
ctl_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
			     ch == '~';

		if (o + (plain ? 1 : 3) >= len)
			return -1;
		if (plain) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

/* ---- Server-Sent Events ------------------------------------------------------------ */

typedef void (*event_cb)(const struct ctl *c, const char *id, const char *type,
			 const char *data);

struct sse {
	const struct ctl *c;
	CURL *h;
	event_cb cb;
	long status;                  /* of this connection, read at the first byte */
	struct ctl_resp err;          /* the body of a refusal */
	char *line;                   /* the line being read */
	size_t llen;
	char *data;                   /* data lines of the event being read, '\n'-joined */
	size_t dlen;
	char id[32];                  /* of the event being read */
	char type[64];
	char last_id[32];             /* of the last event delivered: Last-Event-ID */
	bool too_long;
	bool after_cr;                /* the last byte was a '\r': a '\n' now ends nothing */
	unsigned long events;         /* delivered on this connection */
};

static void
sse_dispatch(struct sse *s)
{
	if (s->dlen > 0 || s->id[0] != '\0') {
		s->cb(s->c, s->id, s->type[0] != '\0' ? s->type : "message",
		      s->data != NULL ? s->data : "");
		s->events++;
	}
	/* the id persists per the SSE rules (it is the resume point); type and data do not */
	if (s->id[0] != '\0')
		snprintf(s->last_id, sizeof(s->last_id), "%s", s->id);
	s->id[0] = '\0';
	s->type[0] = '\0';
	s->dlen = 0;
	if (s->data != NULL)
		s->data[0] = '\0';
}

/* One complete line (without its end). */
static int
sse_line(struct sse *s, const char *l, size_t n)
{
	const char *colon, *v;
	size_t fn, vn;
	char *p;

	if (n == 0) {
		sse_dispatch(s);
		return 0;
	}
	if (l[0] == ':')               /* a comment: the keepalive */
		return 0;
	colon = memchr(l, ':', n);
	fn = colon != NULL ? (size_t)(colon - l) : n;
	v = colon != NULL ? colon + 1 : l + n;
	vn = n - (size_t)(v - l);
	if (vn > 0 && *v == ' ') {
		v++;
		vn--;
	}
	if (fn == 4 && memcmp(l, "data", 4) == 0) {
		p = realloc(s->data, s->dlen + vn + 2);
		if (p == NULL)
			return -1;
		s->data = p;
		if (s->dlen > 0)
			s->data[s->dlen++] = '\n';
		memcpy(s->data + s->dlen, v, vn);
		s->dlen += vn;
		s->data[s->dlen] = '\0';
		if (s->dlen > SSE_MAX_LINE)
			return -1;
	} else if (fn == 2 && memcmp(l, "id", 2) == 0) {
		snprintf(s->id, sizeof(s->id), "%.*s", (int)vn, v);
	} else if (fn == 5 && memcmp(l, "event", 5) == 0) {
		snprintf(s->type, sizeof(s->type), "%.*s", (int)vn, v);
	}
	/* "retry" and unknown fields are ignored, as the SSE rules say */
	return 0;
}

static size_t
on_stream(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sse *s = userdata;
	size_t n = size * nmemb, i;

	if (s->status == 0)
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status != 200)
		return on_body(ptr, size, nmemb, &s->err);
	for (i = 0; i < n; i++) {
		char ch = ptr[i];

		if (ch == '\n' && s->after_cr) {
			/* "\r\n" ends one line, even split across two reads */
			s->after_cr = false;
			continue;
		}
		s->after_cr = ch == '\r';
		if (ch == '\n' || ch == '\r') {
			if (sse_line(s, s->line, s->llen) < 0) {
				s->too_long = true;
				return 0;
			}
			s->llen = 0;
			continue;
		}
		if (s->llen + 1 >= SSE_MAX_LINE) {
			s->too_long = true;
			return 0;
		}
		s->line[s->llen++] = ch;
	}
	return n;
}

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Sleep seconds unless Ctrl-C comes first. */
static void
pause_s(unsigned int seconds)
{
	struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };

	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
ctl_follow(const struct ctl *c, long long since, event_cb on_event)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	unsigned int retry_s = 1;
	bool connected_once = false, quiet = false;
	struct sse s;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.cb = on_event;
	s.line = malloc(SSE_MAX_LINE);
	if (s.line == NULL) {
		fprintf(stderr, "dpwanctl: out of memory\n");
		return CTL_EXIT_REFUSED;
	}
	if (since > 0)
		snprintf(s.last_id, sizeof(s.last_id), "%lld", since);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!interrupted) {
		char errbuf[CURL_ERROR_SIZE], hdr[64], path[96];
		struct curl_slist *hdrs = NULL;
		CURLcode res;

		snprintf(path, sizeof(path), "/api/v1/events/stream?since=%s",
			 s.last_id[0] != '\0' ? s.last_id : "0");
		s.h = handle_new(c, path, &hdrs, errbuf);
		if (s.h == NULL) {
			fprintf(stderr, "dpwanctl: cannot initialise libcurl\n");
			rc = CTL_EXIT_REFUSED;
			break;
		}
		hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
		if (s.last_id[0] != '\0') {
			snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", s.last_id);
			hdrs = curl_slist_append(hdrs, hdr);
		}
		curl_easy_setopt(s.h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(s.h, CURLOPT_HTTPHEADER, hdrs);
		/* no total timeout: a stall (no keepalive for 45 s) ends the connection */
		curl_easy_setopt(s.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(s.h, CURLOPT_LOW_SPEED_TIME, SSE_STALL_S);
		curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, on_stream);
		curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(s.h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(s.h, CURLOPT_HEADERDATA, &s.err);
		s.status = 0;
		s.llen = 0;
		s.after_cr = false;
		s.events = 0;
		s.dlen = 0;
		s.id[0] = s.type[0] = '\0';
		res = curl_easy_perform(s.h);
		if (s.status == 0)
			curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &s.status);
		if (interrupted) {
			curl_slist_free_all(hdrs);
			curl_easy_cleanup(s.h);
			break;
		}
		if (s.too_long) {
			fprintf(stderr, "dpwanctl: an event of the stream is longer than %u bytes\n",
				SSE_MAX_LINE);
			rc = CTL_EXIT_REFUSED;
		} else if (s.status != 0 && s.status != 200 && s.status != 503) {
			s.err.status = s.status;
			if (s.err.body == NULL)
				s.err.body = strdup("");
			rc = ctl_fail(c, &s.err);
		} else if (s.status == 0 && !connected_once) {
			/* never connected: the same answer as any other command */
			rc = report_transfer_error(c, s.h, res, errbuf, &s.err);
		} else if (s.status == 200 || !quiet) {
			/* dropped, stalled, 503 or gone: resume after the last event seen */
			fprintf(stderr, "dpwanctl: the event stream %s (%s); reconnecting after "
				"event %s\n", s.status == 200 ? "was interrupted" :
				s.status == 503 ? "is unavailable" : "cannot be reached",
				res == CURLE_OK ? "closed by the server" :
				errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res),
				s.last_id[0] != '\0' ? s.last_id : "0");
			/* one line per outage, not per attempt */
			quiet = true;
		}
		if (s.status == 200 || s.status == 503)
			connected_once = true;
		if (s.status == 200 && s.events > 0)
			retry_s = 1;
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(s.h);
		ctl_resp_free(&s.err);
		if (rc != 0)
			break;
		pause_s(retry_s);
		if (retry_s < FOLLOW_RETRY_MAX_S)
			retry_s++;
	}
	free(s.line);
	free(s.data);
	return rc;
}

int
ctl_expect(const struct ctl *c, struct ctl_resp *r, long status)
{
	int rc;

	if (r->status == status)
		return 0;
	rc = ctl_fail(c, r);
	ctl_resp_free(r);
	return rc;
}

int
ctl_show_resp(const struct ctl *c, struct ctl_resp *r, void (*out)(const json_t *))
{
	json_t *j;
	int rc = 0;

	if (r->status < 200 || r->status >= 300) {
		rc = ctl_fail(c, r);
	} else if (c->json) {
		ctl_print_raw(r);
	} else if ((j = ctl_json(r)) == NULL) {
		rc = CTL_EXIT_REFUSED;
	} else {
		out(j);
		json_decref(j);
	}
	ctl_resp_free(r);
	return rc;
}

int
ctl_show(const struct ctl *c, const char *path, void (*out)(const json_t *))
{
	struct ctl_resp r;
	int rc = ctl_get(c, path, &r);

	return rc != 0 ? rc : ctl_show_resp(c, &r, out);
}
