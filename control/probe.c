/* SPDX-License-Identifier: BSD-3-Clause
 * The health-check probe engine's core (see probe.h): a fixed table of CP_PROBE_MAX
 * probes (a free list, no allocation per probe outside libcurl), one loop timer each for
 * its timeout, the one place a result is delivered and counted, and the socket that
 * leaves by a WAN. The methods are in probe_ping.c, probe_dns.c, probe_http.c and
 * probe_tcp.c (probe_int.h). Main thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/log.h"
#include "control/loop.h"
#include "control/probe_int.h"

static struct cp_probe probes[CP_PROBE_MAX];
static unsigned int free_list[CP_PROBE_MAX];
static unsigned int n_free;
static int64_t next_round = 1;
static struct cp_probe_counters counters;
static bool ready;

uint64_t
cp_probe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct cp_probe *
cp_probe_at(unsigned int idx)
{
	if (idx >= CP_PROBE_MAX || probes[idx].id == 0)
		return NULL;
	return &probes[idx];
}

unsigned int
cp_probe_index(const struct cp_probe *p)
{
	return (unsigned int)(p - probes);
}

const char *
cp_probe_errno_str(int err)
{
	switch (err) {
	case ECONNREFUSED: return "connection refused";
	case ECONNRESET: return "connection reset";
	case ENETUNREACH: return "network unreachable";
	case EHOSTUNREACH: return "host unreachable";
	case ETIMEDOUT: return "timeout";
	case EACCES:
	case EPERM: return "not permitted";
	case ENODEV:
	case ENXIO: return "no such interface";
	case EADDRNOTAVAIL: return "address not available";
	case EAGAIN: return "send buffer full";
	case EMSGSIZE: return "message too long";
	case ENOBUFS: return "no buffer space";
	default: return strerror(err);
	}
}

int
cp_probe_wan_socket(int type, int proto, const char *ifname, uint32_t src)
{
	struct sockaddr_in sa;
	int fd, rc;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	/* the device first: the bind below and every route lookup then see only the WAN */
	if (ifname[0] != '\0' &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname) + 1) != 0)
		goto fail;
	if (src != 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(src);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			goto fail;
	}
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

/* Release what the method holds; the probe's slot stays taken. */
static void
method_stop(struct cp_probe *p)
{
	switch (p->method) {
	case DPW_HM_PING: cp_probe_ping_stop(p); break;
	case DPW_HM_DNS: cp_probe_dns_stop(p); break;
	case DPW_HM_HTTP:
	case DPW_HM_HTTPS: cp_probe_http_stop(p); break;
	case DPW_HM_TCP: cp_probe_tcp_stop(p); break;
	default: break;
	}
	if (p->fd >= 0) {
		cp_loop_del_fd(p->fd);
		close(p->fd);
		p->fd = -1;
	}
}

static void
slot_free(struct cp_probe *p)
{
	p->id = 0;
	free_list[n_free++] = cp_probe_index(p);
	counters.in_flight--;
}

/* End p with p->res and call back; the slot is free (and may be reused) by then. */
static void
deliver(struct cp_probe *p)
{
	struct cp_probe_result res = p->res;
	cp_probe_cb cb = p->cb;
	void *arg = p->arg;

	cp_loop_timer_cancel(p->timer);
	p->timer = 0;
	method_stop(p);
	if (res.up)
		counters.up[p->method]++;
	else
		counters.down[p->method]++;
	slot_free(p);
	cb(arg, &res);
}

void
cp_probe_done(struct cp_probe *p, bool up, const char *fmt, ...)
{
	uint64_t us = (cp_probe_now_ns() - p->t0_ns) / 1000;
	va_list ap;

	p->res.up = up;
	p->res.rtt_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	if (p->res.rtt_us == 0)
		p->res.rtt_us = 1;   /* an answer took time: 0 is "no answer" */
	va_start(ap, fmt);
	vsnprintf(p->res.detail, sizeof(p->res.detail), fmt, ap);
	va_end(ap);
	deliver(p);
}

static void
on_timer(void *arg)
{
	struct cp_probe *p = arg;

	p->timer = 0;
	if (!p->failed) {
		p->res.up = false;
		p->res.rtt_us = 0;
		snprintf(p->res.detail, sizeof(p->res.detail), "timeout");
	}
	deliver(p);
}

static int
check_spec(const struct cp_probe_spec *s)
{
	if (s->timeout_ms == 0 || memchr(s->ifname, '\0', sizeof(s->ifname)) == NULL ||
	    memchr(s->target, '\0', sizeof(s->target)) == NULL ||
	    memchr(s->dns_query, '\0', sizeof(s->dns_query)) == NULL ||
	    memchr(s->http_match, '\0', sizeof(s->http_match)) == NULL)
		return -EINVAL;
	switch (s->method) {
	case DPW_HM_PING:
		return s->size <= CP_PROBE_PING_SIZE_MAX ? 0 : -EINVAL;
	case DPW_HM_TCP:
		return s->port != 0 ? 0 : -EINVAL;
	case DPW_HM_DNS:
	case DPW_HM_HTTP:
	case DPW_HM_HTTPS:
		return 0;
	default:
		return -EINVAL;
	}
}

int64_t
cp_probe_start(const struct cp_probe_spec *spec, cp_probe_cb cb, void *arg)
{
	struct in_addr a = { 0 };
	struct cp_probe *p;
	unsigned int idx;
	int rc;

	if (!ready)
		return -ENODEV;
	rc = check_spec(spec);
	if (rc < 0)
		return rc;
	if (spec->method != DPW_HM_HTTP && spec->method != DPW_HM_HTTPS &&
	    (inet_pton(AF_INET, spec->target, &a) != 1 || a.s_addr == 0))
		return -EINVAL;
	if (n_free == 0)
		return -ENOSPC;
	idx = free_list[--n_free];
	p = &probes[idx];
	memset(p, 0, sizeof(*p));
	p->id = next_round++ * CP_PROBE_MAX + idx + 1;
	p->method = spec->method;
	p->cb = cb;
	p->arg = arg;
	p->fd = -1;
	p->dst = ntohl(a.s_addr);
	counters.in_flight++;
	p->timer = cp_loop_timer(spec->timeout_ms, on_timer, p);
	if (p->timer < 0) {
		rc = p->timer;
		p->timer = 0;
		goto undo;
	}
	p->t0_ns = cp_probe_now_ns();
	switch (p->method) {
	case DPW_HM_PING: rc = cp_probe_ping_start(p, spec); break;
	case DPW_HM_DNS: rc = cp_probe_dns_start(p, spec); break;
	case DPW_HM_HTTP:
	case DPW_HM_HTTPS: rc = cp_probe_http_start(p, spec); break;
	default: rc = cp_probe_tcp_start(p, spec); break;
	}
	if (rc < 0)
		goto undo;
	counters.started[p->method]++;
	if (rc == CP_PROBE_FAILED) {
		/* the callback must not run inside this call: deliver from the loop */
		method_stop(p);
		cp_loop_timer_cancel(p->timer);
		p->failed = true;
		p->res.up = false;
		p->res.rtt_us = 0;
		p->timer = cp_loop_timer(0, on_timer, p);
		if (p->timer < 0) {
			/* cannot happen: the timeout's slot was just freed */
			rc = p->timer;
			p->timer = 0;
			counters.started[p->method]--;
			goto undo;
		}
	}
	return p->id;
undo:
	cp_loop_timer_cancel(p->timer);
	method_stop(p);
	slot_free(p);
	return rc;
}

void
cp_probe_cancel(int64_t id)
{
	struct cp_probe *p;

	if (id <= 0)
		return;
	p = cp_probe_at((unsigned int)((id - 1) % CP_PROBE_MAX));
	if (p == NULL || p->id != id)
		return;
	cp_loop_timer_cancel(p->timer);
	p->timer = 0;
	method_stop(p);
	slot_free(p);
}

void
cp_probe_counters(struct cp_probe_counters *out)
{
	*out = counters;
}

int
cp_probe_init(void)
{
	unsigned int i;
	int rc;

	if (ready)
		return 0;
	rc = cp_probe_http_init();
	if (rc < 0)
		return rc;
	for (i = 0; i < CP_PROBE_MAX; i++) {
		probes[i].id = 0;
		probes[i].fd = -1;
		free_list[i] = CP_PROBE_MAX - 1 - i;
	}
	n_free = CP_PROBE_MAX;
	memset(&counters, 0, sizeof(counters));
	ready = true;
	return 0;
}

void
cp_probe_fini(void)
{
	unsigned int i;

	if (!ready)
		return;
	for (i = 0; i < CP_PROBE_MAX; i++)
		if (probes[i].id != 0)
			cp_probe_cancel(probes[i].id);
	cp_probe_ping_fini();
	cp_probe_http_fini();
	ready = false;
}
