/* SPDX-License-Identifier: BSD-3-Clause
 * The one event loop of dpwan-control (see loop.h). Main thread only.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "control/log.h"
#include "control/loop.h"

struct fd_slot {
	int fd;                   /* -1: free */
	cp_loop_fd_cb cb;
	void *arg;
};

struct timer_slot {
	int id;                   /* 0: free */
	uint64_t due_ms;
	cp_loop_timer_cb cb;
	void *arg;
};

struct tick_slot {
	cp_loop_tick_cb cb;
	void *arg;
};

static int epfd = -1;
static int stopping;
static int next_timer_id = 1;
static struct fd_slot fds[CP_LOOP_MAX_FDS];
static struct timer_slot timers[CP_LOOP_MAX_TIMERS];
static struct tick_slot ticks[CP_LOOP_MAX_TICKS];
static unsigned int n_ticks;

uint64_t
cp_loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
cp_loop_init(void)
{
	unsigned int i;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	for (i = 0; i < CP_LOOP_MAX_FDS; i++)
		fds[i].fd = -1;
	return 0;
}

int
cp_loop_add_fd(int fd, uint32_t events, cp_loop_fd_cb cb, void *arg)
{
	struct epoll_event ev;
	unsigned int i;

	for (i = 0; i < CP_LOOP_MAX_FDS; i++)
		if (fds[i].fd < 0)
			break;
	if (i == CP_LOOP_MAX_FDS)
		return -ENOSPC;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u32 = i;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	fds[i].fd = fd;
	fds[i].cb = cb;
	fds[i].arg = arg;
	return 0;
}

void
cp_loop_del_fd(int fd)
{
	unsigned int i;

	for (i = 0; i < CP_LOOP_MAX_FDS; i++)
		if (fds[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			fds[i].fd = -1;
		}
}

int
cp_loop_timer(uint64_t ms, cp_loop_timer_cb cb, void *arg)
{
	unsigned int i;

	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++)
		if (timers[i].id == 0)
			break;
	if (i == CP_LOOP_MAX_TIMERS)
		return -ENOSPC;
	if (next_timer_id <= 0)
		next_timer_id = 1;
	timers[i].id = next_timer_id++;
	timers[i].due_ms = cp_loop_now_ms() + ms;
	timers[i].cb = cb;
	timers[i].arg = arg;
	return timers[i].id;
}

void
cp_loop_timer_cancel(int id)
{
	unsigned int i;

	if (id <= 0)
		return;
	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++)
		if (timers[i].id == id)
			timers[i].id = 0;
}

int
cp_loop_add_tick(cp_loop_tick_cb cb, void *arg)
{
	if (n_ticks == CP_LOOP_MAX_TICKS)
		return -ENOSPC;
	ticks[n_ticks].cb = cb;
	ticks[n_ticks].arg = arg;
	n_ticks++;
	return 0;
}

void
cp_loop_stop(void)
{
	stopping = 1;
}

/* Fire the timers that are due; returns ms until the next one, or -1 if none. */
static int
run_timers(void)
{
	uint64_t now = cp_loop_now_ms();
	int64_t next = -1;
	unsigned int i;

	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++) {
		struct timer_slot t = timers[i];

		if (t.id == 0)
			continue;
		if (t.due_ms <= now) {
			timers[i].id = 0;   /* before the call: the callback may re-arm */
			t.cb(t.arg);
			continue;
		}
		if (next < 0 || (int64_t)(t.due_ms - now) < next)
			next = (int64_t)(t.due_ms - now);
	}
	/* a callback may have added a timer that is due at once */
	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++)
		if (timers[i].id != 0 && timers[i].due_ms <= now)
			return 0;
	return next > 1000000 ? 1000000 : (int)next;
}

static int
min_wait(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int
cp_loop_run(void)
{
	struct epoll_event evs[32];
	int n, i, wait;

	stopping = 0;
	while (!stopping) {
		unsigned int k;

		wait = run_timers();
		for (k = 0; k < n_ticks && !stopping; k++)
			wait = min_wait(wait, ticks[k].cb(ticks[k].arg));
		if (stopping)
			break;
		n = epoll_wait(epfd, evs, 32, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			CP_ERR("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			struct fd_slot *s = &fds[evs[i].data.u32];

			if (s->fd >= 0)
				s->cb(s->fd, evs[i].events, s->arg);
		}
	}
	return 0;
}
