/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/loop.c on a real epoll: timers fire in deadline order whatever
 * order they were armed in (the min-heap), cancelled ones never, a stale id cancels
 * nothing, a 0 ms timer armed by a callback waits for the next iteration, the table's
 * bound is -ENOSPC, and fds are watched, modified and removed. Single-threaded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/loop.h"

#define N_MANY 2000

static uint64_t due_of[N_MANY];
static uint64_t due_lo[N_MANY], due_hi[N_MANY];   /* absolute: the clock may tick while arming */
static unsigned int fired[N_MANY];
static unsigned int n_fired;
static unsigned int order[N_MANY];

static void
on_fire(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;

	fired[i]++;
	order[n_fired++] = i;
}

static void
on_stop(void *arg)
{
	cp_loop_stop();
}

static void
test_order_and_cancel(void **state)
{
	static const uint64_t ms[] = { 30, 10, 20, 0, 10 };
	unsigned int i;
	int ids[5];

	(void)state;
	memset(fired, 0, sizeof(fired));
	n_fired = 0;
	for (i = 0; i < 5; i++) {
		ids[i] = cp_loop_timer(ms[i], on_fire, (void *)(uintptr_t)i);
		assert_true(ids[i] > 0);
	}
	cp_loop_timer_cancel(ids[2]);
	cp_loop_timer_cancel(ids[2]);   /* twice: nothing */
	cp_loop_timer_cancel(0);
	cp_loop_timer_cancel(-5);
	cp_loop_timer(60, on_stop, NULL);
	assert_int_equal(cp_loop_run(), 0);
	assert_int_equal(n_fired, 4);
	assert_int_equal(order[0], 3);
	assert_true((order[1] == 1 && order[2] == 4) || (order[1] == 4 && order[2] == 1));
	assert_int_equal(order[3], 0);
	assert_int_equal(fired[2], 0);
}

static void
test_stale_id(void **state)
{
	int a, b;

	(void)state;
	memset(fired, 0, sizeof(fired));
	n_fired = 0;
	a = cp_loop_timer(0, on_fire, (void *)(uintptr_t)0);
	cp_loop_timer(5, on_stop, NULL);
	cp_loop_run();
	assert_int_equal(fired[0], 1);
	/* the slot is free again and likely reused: the old id must not cancel it */
	b = cp_loop_timer(0, on_fire, (void *)(uintptr_t)1);
	assert_true(b != a);
	cp_loop_timer_cancel(a);
	cp_loop_timer(5, on_stop, NULL);
	cp_loop_run();
	assert_int_equal(fired[1], 1);
}

static void
on_many(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;

	/* never early, and no earlier deadline fires after a later one */
	assert_true(cp_loop_now_ms() >= due_lo[i]);
	if (n_fired > 0)
		assert_true(due_lo[order[n_fired - 1]] <= due_hi[i]);
	on_fire(arg);
}

static void
test_many(void **state)
{
	static int ids[N_MANY];
	unsigned int i, want = 0;

	(void)state;
	memset(fired, 0, sizeof(fired));
	n_fired = 0;
	srand(7);
	for (i = 0; i < N_MANY; i++) {
		due_of[i] = (uint64_t)(rand() % 80);
		due_lo[i] = cp_loop_now_ms() + due_of[i];
		ids[i] = cp_loop_timer(due_of[i], on_many, (void *)(uintptr_t)i);
		due_hi[i] = cp_loop_now_ms() + due_of[i];
		assert_true(ids[i] > 0);
	}
	for (i = 0; i < N_MANY; i += 3)
		cp_loop_timer_cancel(ids[i]);
	for (i = 0; i < N_MANY; i++)
		want += i % 3 != 0;
	cp_loop_timer(300, on_stop, NULL);
	cp_loop_run();
	assert_int_equal(n_fired, want);
	for (i = 0; i < N_MANY; i++)
		assert_int_equal(fired[i], i % 3 != 0 ? 1 : 0);
}

static void
test_enospc(void **state)
{
	static int ids[CP_LOOP_MAX_TIMERS];
	unsigned int i;

	(void)state;
	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++) {
		ids[i] = cp_loop_timer(1000, on_fire, NULL);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(cp_loop_timer(1000, on_fire, NULL), -ENOSPC);
	for (i = 0; i < CP_LOOP_MAX_TIMERS; i++)
		cp_loop_timer_cancel(ids[i]);
	assert_true(cp_loop_timer(0, on_stop, NULL) > 0);
	cp_loop_run();
}

static unsigned int spins, iterations;

static void
respin(void *arg)
{
	/* re-arms itself at 0 ms: one firing per loop iteration, never a busy pass */
	spins++;
	assert_true(spins <= iterations + 1);
	if (spins < 50)
		cp_loop_timer(0, respin, NULL);
	else
		cp_loop_stop();
}

static int
count_iter(void *arg)
{
	iterations++;
	return -1;
}

static void
test_zero_ms_next_iteration(void **state)
{
	(void)state;
	spins = 0;
	iterations = 0;
	assert_int_equal(cp_loop_add_tick(count_iter, NULL), 0);
	cp_loop_timer(0, respin, NULL);
	cp_loop_run();
	assert_int_equal(spins, 50);
	assert_true(iterations >= 49);
}

static unsigned int reads, writes;

static void
on_pipe(int fd, uint32_t events, void *arg)
{
	char c;

	if (events & EPOLLIN) {
		assert_int_equal(read(fd, &c, 1), 1);
		reads++;
		cp_loop_stop();
	}
	if (events & EPOLLOUT) {
		writes++;
		cp_loop_stop();
	}
}

static void
test_fds(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cp_loop_mod_fd(p[1], EPOLLOUT), -ENOENT);
	assert_int_equal(cp_loop_add_fd(p[0], EPOLLIN, on_pipe, NULL), 0);
	assert_int_equal(cp_loop_add_fd(p[1], 0, on_pipe, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	cp_loop_run();
	assert_int_equal(reads, 1);
	assert_int_equal(writes, 0);
	assert_int_equal(cp_loop_mod_fd(p[1], EPOLLOUT), 0);
	cp_loop_run();
	assert_int_equal(writes, 1);
	cp_loop_del_fd(p[1]);
	cp_loop_del_fd(p[0]);
	assert_int_equal(write(p[1], "x", 1), 1);
	cp_loop_timer(20, on_stop, NULL);
	cp_loop_run();
	assert_int_equal(reads, 1);
	assert_int_equal(writes, 1);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_cancel),
		cmocka_unit_test(test_stale_id),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_zero_ms_next_iteration),
	};

	if (cp_loop_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
