/* SPDX-License-Identifier: BSD-3-Clause
 * The one event loop of dpwan-control (see loop.h). Main thread only.
 *
 * Timers are a binary min-heap of slots (the health probes arm one per probe, hundreds
 * at once): arming and cancelling cost O(log n), the next deadline is the heap's top.
 * A timer id carries its slot and a per-slot round, so a stale id never cancels the
 * slot's next user. An epoll event carries the fd slot and its generation for the same
 * reason: a callback that closes one fd and adds another in the same batch must not
 * get the old fd's events.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "control/log.h"
#include "control/loop.h"

struct fd_slot {
	int fd;                   /* -1: free */
	uint32_t gen;             /* bumped on every reuse, in the epoll data */
	cp_loop_fd_cb cb;
	void *arg;
};

struct timer_slot {
	int id;                   /* 0: free */
	unsigned int heap_pos;
	uint64_t pass;            /* the run_timers pass that armed it */
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
static struct fd_slot fds[CP_LOOP_MAX_FDS];
static unsigned int fds_hwm;            /* slots at or above are free: bounds the scans */
static struct timer_slot timers[CP_LOOP_MAX_TIMERS];
static unsigned int timer_round[CP_LOOP_MAX_TIMERS];
static unsigned int heap[CP_LOOP_MAX_TIMERS];   /* slot indices, earliest due first */
static unsigned int n_heap;
static unsigned int timer_free[CP_LOOP_MAX_TIMERS];
static unsigned int n_timer_free;
static unsigned int n_timer_fresh;      /* slots never used yet: [n_timer_fresh, MAX) */
static uint64_t timer_pass;
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
	fds_hwm = 0;
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
	fds[i].gen++;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (uint64_t)fds[i].gen << 32 | i;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	fds[i].fd = fd;
	fds[i].cb = cb;
	fds[i].arg = arg;
	if (i >= fds_hwm)
		fds_hwm = i + 1;
	return 0;
}

int
cp_loop_mod_fd(int fd, uint32_t events)
{
	struct epoll_event ev;
	unsigned int i;

	for (i = 0; i < fds_hwm; i++)
		if (fds[i].fd == fd)
			break;
	if (i == fds_hwm)
		return -ENOENT;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (uint64_t)fds[i].gen << 32 | i;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
		return -errno;
	return 0;
}

void
cp_loop_del_fd(int fd)
{
	unsigned int i;

	for (i = 0; i < fds_hwm; i++)
		if (fds[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			fds[i].fd = -1;
			fds[i].gen++;
		}
	while (fds_hwm > 0 && fds[fds_hwm - 1].fd < 0)
		fds_hwm--;
}

static int
timer_before(unsigned int a, unsigned int b)
{
	return timers[a].due_ms < timers[b].due_ms;
}

static void
heap_set(unsigned int pos, unsigned int slot)
{
	heap[pos] = slot;
	timers[slot].heap_pos = pos;
}

static void
heap_up(unsigned int pos)
{
	unsigned int slot = heap[pos];

	while (pos > 0) {
		unsigned int parent = (pos - 1) / 2;

		if (!timer_before(slot, heap[parent]))
			break;
		heap_set(pos, heap[parent]);
		pos = parent;
	}
	heap_set(pos, slot);
}

static void
heap_down(unsigned int pos)
{
	unsigned int slot = heap[pos];

	for (;;) {
		unsigned int c = 2 * pos + 1;

		if (c >= n_heap)
			break;
		if (c + 1 < n_heap && timer_before(heap[c + 1], heap[c]))
			c++;
		if (!timer_before(heap[c], slot))
			break;
		heap_set(pos, heap[c]);
		pos = c;
	}
	heap_set(pos, slot);
}

/* Take slot out of the heap and give it back to the free list. */
static void
timer_release(unsigned int slot)
{
	unsigned int pos = timers[slot].heap_pos;

	timers[slot].id = 0;
	timer_free[n_timer_free++] = slot;
	n_heap--;
	if (pos == n_heap)
		return;
	heap_set(pos, heap[n_heap]);
	if (pos > 0 && timer_before(heap[pos], heap[(pos - 1) / 2]))
		heap_up(pos);
	else
		heap_down(pos);
}

int
cp_loop_timer(uint64_t ms, cp_loop_timer_cb cb, void *arg)
{
	unsigned int slot;

	if (n_timer_free > 0)
		slot = timer_free[--n_timer_free];
	else if (n_timer_fresh < CP_LOOP_MAX_TIMERS)
		slot = n_timer_fresh++;
	else
		return -ENOSPC;
	if (timer_round[slot] >= (unsigned int)(INT_MAX / CP_LOOP_MAX_TIMERS) - 1)
		timer_round[slot] = 0;
	timers[slot].id = (int)(timer_round[slot]++ * CP_LOOP_MAX_TIMERS + slot + 1);
	timers[slot].due_ms = cp_loop_now_ms() + ms;
	timers[slot].pass = timer_pass;
	timers[slot].cb = cb;
	timers[slot].arg = arg;
	heap[n_heap] = slot;
	timers[slot].heap_pos = n_heap++;
	heap_up(timers[slot].heap_pos);
	return timers[slot].id;
}

void
cp_loop_timer_cancel(int id)
{
	unsigned int slot;

	if (id <= 0)
		return;
	slot = (unsigned int)(id - 1) % CP_LOOP_MAX_TIMERS;
	if (timers[slot].id == id)
		timer_release(slot);
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
	uint64_t d;

	/* a timer armed by one of this pass's callbacks waits for the next iteration, so
	 * a callback that re-arms itself at 0 ms cannot keep the loop here */
	timer_pass++;
	while (n_heap > 0) {
		unsigned int slot = heap[0];
		cp_loop_timer_cb cb = timers[slot].cb;
		void *arg = timers[slot].arg;

		if (timers[slot].due_ms > now)
			break;
		if (timers[slot].pass == timer_pass)
			return 0;
		timer_release(slot);   /* before the call: the callback may re-arm */
		cb(arg);
	}
	if (n_heap == 0)
		return -1;
	d = timers[heap[0]].due_ms - now;
	return d > 1000000 ? 1000000 : (int)d;
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
	struct epoll_event evs[64];
	int n, i, wait;

	stopping = 0;
	while (!stopping) {
		unsigned int k;

		wait = run_timers();
		for (k = 0; k < n_ticks && !stopping; k++)
			wait = min_wait(wait, ticks[k].cb(ticks[k].arg));
		if (stopping)
			break;
		n = epoll_wait(epfd, evs, 64, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			CP_ERR("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)evs[i].data.u64;
			struct fd_slot *s = &fds[idx];

			if (s->fd >= 0 && s->gen == (uint32_t)(evs[i].data.u64 >> 32))
				s->cb(s->fd, evs[i].events, s->arg);
		}
	}
	return 0;
}
