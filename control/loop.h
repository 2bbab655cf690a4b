/* SPDX-License-Identifier: BSD-3-Clause
 * The control process's one event loop (DESIGN.md s3): epoll over file descriptors
 * (libmicrohttpd's epoll fd, signalfd, the health probes' sockets and libcurl's),
 * one-shot timers kept in a binary min-heap (a probe each: hundreds at once) and served
 * from epoll_wait's timeout, and "tick" callbacks run every iteration with the wait they
 * need. Single-threaded: every callback runs on the main thread, so nothing in
 * dpwan-control takes a lock.
 */
#ifndef CP_LOOP_H
#define CP_LOOP_H

#include <stdint.h>

/* Room for CP_PROBE_MAX probes in flight (a socket and a timer each) and the rest. */
#define CP_LOOP_MAX_FDS 2048
#define CP_LOOP_MAX_TIMERS 2048
#define CP_LOOP_MAX_TICKS 8

typedef void (*cp_loop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void (*cp_loop_timer_cb)(void *arg);
/* Runs every iteration; returns how long the loop may sleep for it (ms, -1: no bound). */
typedef int (*cp_loop_tick_cb)(void *arg);

/* Create the epoll instance. 0 or -errno. */
int cp_loop_init(void);

/* Watch fd for events (EPOLLIN ...). 0 or -errno. */
int cp_loop_add_fd(int fd, uint32_t events, cp_loop_fd_cb cb, void *arg);

/* Change the events watched on fd (added before). 0 or -errno (-ENOENT: not watched). */
int cp_loop_mod_fd(int fd, uint32_t events);

/* Stop watching fd (before closing it). Events already read for it are not delivered. */
void cp_loop_del_fd(int fd);

/* Call cb(arg) once, after ms (CLOCK_MONOTONIC; 0: in the next iteration, never from
 * inside this call). Returns a timer id > 0, or -ENOSPC. */
int cp_loop_timer(uint64_t ms, cp_loop_timer_cb cb, void *arg);

/* Cancel a timer that has not fired (0 and unknown ids are ignored). */
void cp_loop_timer_cancel(int id);

/* Register a tick callback. 0 or -ENOSPC. */
int cp_loop_add_tick(cp_loop_tick_cb cb, void *arg);

/* Run until cp_loop_stop(). Returns 0, or -errno if epoll_wait failed. */
int cp_loop_run(void);

/* Make cp_loop_run return after the current iteration. Any callback. */
void cp_loop_stop(void);

/* CLOCK_MONOTONIC in ms. */
uint64_t cp_loop_now_ms(void);

#endif
