/* SPDX-License-Identifier: BSD-3-Clause
 * The dns method of the probe engine (probe_int.h): one UDP query (type A, class IN,
 * recursion desired, a random id) from a socket of the probe's own, connected to port 53
 * of the server so the kernel drops datagrams from anyone else. Any well-formed response
 * to it is up whatever its rcode (Peplink: "the server answered"); a datagram that is
 * short, has another id or another question is ignored and the probe waits on. A port
 * unreachable for the query ends it down. The wire format is probe_dns_msg.c (pure), not
 * a DNS library. Main thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/loop.h"
#include "control/probe_int.h"

#define DNS_PORT 53
#define DNS_RX_MAX 1500            /* bigger answers are read cut, the header is enough */
#define DNS_RX_BURST 8

static void
on_readable(int fd, uint32_t events, void *arg)
{
	struct cp_probe *p = arg;
	uint8_t buf[DNS_RX_MAX];
	unsigned int i;
	ssize_t n;
	int rc;

	for (i = 0; i < DNS_RX_BURST; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
				cp_probe_done(p, false, "%s", errno == ECONNREFUSED ?
					      "port unreachable" : cp_probe_errno_str(errno));
				return;
			}
			return;
		}
		rc = cp_probe_dns_answer(buf, (unsigned int)n, p->dns.q, p->dns.qlen);
		if (rc >= 0) {
			cp_probe_done(p, true, "%s", cp_probe_dns_rcode_str(rc));
			return;
		}
	}
}

int
cp_probe_dns_start(struct cp_probe *p, const struct cp_probe_spec *s)
{
	struct sockaddr_in sa;
	uint16_t id;
	unsigned int qlen;
	int len, fd, rc;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(cp_probe_now_ns() ^ (uint64_t)cp_probe_index(p) << 7);
	len = cp_probe_dns_query(p->dns.q, sizeof(p->dns.q), s->dns_query, id, &qlen);
	if (len < 0)
		return len;
	p->dns.qid = id;
	p->dns.qlen = (uint16_t)qlen;
	fd = cp_probe_wan_socket(SOCK_DGRAM, IPPROTO_UDP, s->ifname, s->src);
	if (fd < 0)
		return fd;
	p->fd = fd;
	rc = cp_loop_add_fd(fd, EPOLLIN, on_readable, p);
	if (rc < 0) {
		close(fd);
		p->fd = -1;
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(DNS_PORT);
	sa.sin_addr.s_addr = htonl(p->dst);
	p->t0_ns = cp_probe_now_ns();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, p->dns.q, (size_t)len, 0) != len) {
		snprintf(p->res.detail, sizeof(p->res.detail), "%s", cp_probe_errno_str(errno));
		return CP_PROBE_FAILED;
	}
	return 0;
}

void
cp_probe_dns_stop(struct cp_probe *p)
{
	/* the socket is p->fd: the core closes it */
}
