/* SPDX-License-Identifier: BSD-3-Clause
 * The http and https methods of the probe engine (probe_int.h): one GET per probe on
 * libcurl's multi interface, driven by the control loop (curl's sockets are loop fds,
 * its one timeout a loop timer, curl_multi_socket_action from their callbacks), so
 * hundreds of transfers run at once on the main thread. curl's socket is made here,
 * bound to the WAN's TAP and address; no redirect is followed (a 3xx is down), no proxy
 * is used and no connection is reused (it could have left by another WAN). 2xx is up if
 * http_match is in the first CP_PROBE_HTTP_BODY_MAX bytes of the body, which is where
 * reading stops. Main thread only.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/log.h"
#include "control/loop.h"
#include "control/probe_int.h"

#define USER_AGENT "dpwan-health/1"

static CURLM *multi;
static int curl_timer;
static char watched;    /* curl_multi_assign's mark: the socket is a loop fd */

static void check_done(void);

static void
on_fd(int fd, uint32_t events, void *arg)
{
	int flags = 0, running;

	if (events & (EPOLLIN | EPOLLHUP))
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(multi, fd, flags, &running);
	check_done();
}

static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	uint32_t ev = 0;
	int rc;

	if (what == CURL_POLL_REMOVE) {
		if (socketp != NULL)
			cp_loop_del_fd(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp == NULL) {
		rc = cp_loop_add_fd(s, ev, on_fd, NULL);
		if (rc == 0)
			curl_multi_assign(multi, s, &watched);
	} else {
		rc = cp_loop_mod_fd(s, ev);
	}
	/* the transfer then hears nothing and ends by its timeout */
	if (rc < 0)
		CP_WARN("probe: cannot watch curl's socket %d: %s", s, strerror(-rc));
	return 0;
}

static void
on_curl_timeout(void *arg)
{
	int running;

	curl_timer = 0;   /* fired: curl may arm the next one from inside the call */
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}

static int
on_curl_timer(CURLM *m, long ms, void *userp)
{
	cp_loop_timer_cancel(curl_timer);
	curl_timer = 0;
	if (ms < 0)
		return 0;
	curl_timer = cp_loop_timer((uint64_t)ms, on_curl_timeout, NULL);
	if (curl_timer < 0) {
		curl_timer = 0;
		return -1;
	}
	return 0;
}

static curl_socket_t
on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct cp_probe *p = clientp;
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN || a->family != AF_INET)
		return CURL_SOCKET_BAD;
	fd = cp_probe_wan_socket(a->socktype, a->protocol, p->http.ifname, p->http.src);
	if (fd < 0) {
		snprintf(p->http.err, sizeof(p->http.err), "%s", cp_probe_errno_str(-fd));
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static int
on_close_socket(void *clientp, curl_socket_t fd)
{
	cp_loop_del_fd(fd);   /* a no-op when curl said CURL_POLL_REMOVE before */
	return close(fd);
}

/* Look for the match in the body, across the chunks curl hands over. */
static void
body_scan(struct cp_probe *p, const char *d, size_t n)
{
	char tmp[2 * DPW_HEALTH_STR_LEN];
	size_t m = p->http.match_len, head, keep;

	if (m == 0 || p->http.matched || n == 0)
		return;
	/* a match that starts in the tail and ends in this chunk */
	head = n < m - 1 ? n : m - 1;
	memcpy(tmp, p->http.tail, p->http.tail_len);
	memcpy(tmp + p->http.tail_len, d, head);
	if (memmem(tmp, p->http.tail_len + head, p->http.match, m) != NULL ||
	    memmem(d, n, p->http.match, m) != NULL) {
		p->http.matched = true;
		return;
	}
	/* the new tail: the last m - 1 bytes of tail + chunk */
	if (n >= m - 1) {
		memcpy(p->http.tail, d + n - (m - 1), m - 1);
		p->http.tail_len = (uint8_t)(m - 1);
		return;
	}
	keep = p->http.tail_len + n > m - 1 ? m - 1 - n : p->http.tail_len;
	memmove(p->http.tail, p->http.tail + p->http.tail_len - keep, keep);
	memcpy(p->http.tail + keep, d, n);
	p->http.tail_len = (uint8_t)(keep + n);
}

static size_t
on_body(char *d, size_t size, size_t nmemb, void *arg)
{
	struct cp_probe *p = arg;
	size_t n = size * nmemb, take = n;

	if (p->http.seen + take > CP_PROBE_HTTP_BODY_MAX)
		take = CP_PROBE_HTTP_BODY_MAX - p->http.seen;
	body_scan(p, d, take);
	p->http.seen += (uint32_t)take;
	if (p->http.seen >= CP_PROBE_HTTP_BODY_MAX) {
		/* enough to judge: stop reading (curl ends with a write error) */
		p->http.capped = true;
		return n == take ? n - 1 : 0;
	}
	return n;
}

static void
finish(struct cp_probe *p, CURLcode code)
{
	CURL *easy = p->http.easy;
	long status = 0, os_errno = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && p->http.capped)) {
		if (status < 200 || status > 299)
			cp_probe_done(p, false, "HTTP %ld", status);
		else if (p->http.match_len != 0 && !p->http.matched)
			cp_probe_done(p, false, "no '%s' in body", p->http.match);
		else
			cp_probe_done(p, true, "HTTP %ld", status);
		return;
	}
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		cp_probe_done(p, false, "timeout");
		break;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno != 0)
			cp_probe_done(p, false, "%s", cp_probe_errno_str((int)os_errno));
		else
			cp_probe_done(p, false, "%s", p->http.err[0] != '\0' ? p->http.err :
				      "could not connect");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		cp_probe_done(p, false, "TLS: %s", p->http.err[0] != '\0' ? p->http.err :
			      curl_easy_strerror(code));
		break;
	default:
		cp_probe_done(p, false, "%s", p->http.err[0] != '\0' ? p->http.err :
			      curl_easy_strerror(code));
		break;
	}
}

static void
check_done(void)
{
	struct cp_probe *p;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		p = (struct cp_probe *)priv;
		if (p == NULL || (p->method != DPW_HM_HTTP && p->method != DPW_HM_HTTPS) ||
		    p->http.easy != m->easy_handle)
			continue;
		finish(p, m->data.result);
	}
}

int
cp_probe_http_start(struct cp_probe *p, const struct cp_probe_spec *s)
{
	bool tls = s->method == DPW_HM_HTTPS;
	CURL *e;
	int bad = 0;

	if (strncasecmp(s->target, tls ? "https://" : "http://", tls ? 8 : 7) != 0)
		return -EINVAL;
	snprintf(p->http.ifname, sizeof(p->http.ifname), "%s", s->ifname);
	p->http.src = s->src;
	p->http.match_len = (uint8_t)strlen(s->http_match);
	memcpy(p->http.match, s->http_match, p->http.match_len + 1u);
	e = curl_easy_init();
	if (e == NULL)
		return -ENOMEM;
	p->http.easy = e;
	bad |= curl_easy_setopt(e, CURLOPT_URL, s->target);
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)p);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->http.err);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, p);
	bad |= curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
	bad |= curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->tls_verify ? 1L : 0L);
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->tls_verify ? 2L : 0L);
	if (bad != 0)
		return -EINVAL;
	p->t0_ns = cp_probe_now_ns();
	if (curl_multi_add_handle(multi, e) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

void
cp_probe_http_stop(struct cp_probe *p)
{
	CURL *e = p->http.easy;

	if (e == NULL)
		return;
	p->http.easy = NULL;
	/* no-op for a handle that was never added */
	curl_multi_remove_handle(multi, e);
	curl_easy_cleanup(e);
}

int
cp_probe_http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	multi = curl_multi_init();
	if (multi == NULL) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	return 0;
}

void
cp_probe_http_fini(void)
{
	cp_loop_timer_cancel(curl_timer);
	curl_timer = 0;
	curl_multi_cleanup(multi);
	multi = NULL;
	curl_global_cleanup();
}
