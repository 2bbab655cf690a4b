/* SPDX-License-Identifier: BSD-3-Clause
 * The tcp method of the probe engine (probe_int.h): a non-blocking connect to
 * target:port from a socket of the probe's own; writable with SO_ERROR 0 is up (the
 * connection is reset at once), an error (refused, unreachable) is down with its name,
 * and no answer is the timeout. Main thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/loop.h"
#include "control/probe_int.h"

static void
on_writable(int fd, uint32_t events, void *arg)
{
	struct cp_probe *p = arg;
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
		err = errno;
	if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
		err = ECONNRESET;
	if (err == 0)
		cp_probe_done(p, true, "connected");
	else
		cp_probe_done(p, false, "%s", cp_probe_errno_str(err));
}

int
cp_probe_tcp_start(struct cp_probe *p, const struct cp_probe_spec *s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in sa;
	int fd, rc;

	fd = cp_probe_wan_socket(SOCK_STREAM, IPPROTO_TCP, s->ifname, s->src);
	if (fd < 0)
		return fd;
	p->fd = fd;
	/* close with a reset: a probe every second must not leave a TIME_WAIT (and a
	 * source port taken) behind each time */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	rc = cp_loop_add_fd(fd, EPOLLOUT, on_writable, p);
	if (rc < 0) {
		close(fd);
		p->fd = -1;
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(s->port);
	sa.sin_addr.s_addr = htonl(p->dst);
	p->t0_ns = cp_probe_now_ns();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS)
		return 0;   /* connected at once (loopback) shows as writable too */
	snprintf(p->res.detail, sizeof(p->res.detail), "%s", cp_probe_errno_str(errno));
	return CP_PROBE_FAILED;
}

void
cp_probe_tcp_stop(struct cp_probe *p)
{
	/* the socket is p->fd: the core closes it */
}
