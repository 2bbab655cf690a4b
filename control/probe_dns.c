/* SPDX-License-Identifier: BSD-3-Clause
 * The dns method of the probe engine (probe_int.h): one UDP query (type A, class IN,
 * recursion desired, a random id) from a socket of the probe's own, connected to port 53
 * of the server so the kernel drops datagrams from anyone else. Any well-formed response
 * to it is up whatever its rcode (Peplink: "the server answered"); a datagram that is
 * short, has another id or another question is ignored and the probe waits on. A port
 * unreachable for the query ends it down. The wire format is the few lines below, not a
 * DNS library. Main thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/loop.h"
#include "control/probe_int.h"

#define DNS_PORT 53
#define DNS_HDR 12
#define DNS_FLAG_QR 0x80           /* byte 2 */
#define DNS_FLAG_RD 0x01           /* byte 2 */
#define DNS_RCODE_MASK 0x0f        /* byte 3 */
#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 255
#define DNS_RX_MAX 1500            /* bigger answers are read cut, the header is enough */
#define DNS_RX_BURST 8

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

const char *
cp_probe_dns_rcode_str(int rcode)
{
	if (rcode >= 0 && (unsigned int)rcode < sizeof(rcode_names) / sizeof(rcode_names[0]))
		return rcode_names[rcode];
	return "RCODE?";
}

int
cp_probe_dns_query(uint8_t *buf, unsigned int size, const char *name, uint16_t id,
		   unsigned int *qlen)
{
	unsigned int n = DNS_HDR, start;
	const char *l = name, *dot;

	if (size < DNS_HDR + DNS_NAME_MAX + 1 + 4)
		return -EINVAL;
	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = DNS_FLAG_RD;
	buf[5] = 1;                 /* one question */
	start = n;
	if (strcmp(name, ".") != 0 && name[0] != '\0') {
		for (;;) {
			size_t ll;

			dot = strchr(l, '.');
			ll = dot != NULL ? (size_t)(dot - l) : strlen(l);
			if (ll == 0 && dot == NULL)
				break;   /* "example.com." */
			if (ll == 0 || ll > DNS_LABEL_MAX || n - start + 1 + ll + 1 > DNS_NAME_MAX)
				return -EINVAL;
			buf[n++] = (uint8_t)ll;
			memcpy(buf + n, l, ll);
			n += (unsigned int)ll;
			if (dot == NULL)
				break;
			l = dot + 1;
		}
	} else if (name[0] == '\0') {
		return -EINVAL;
	}
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = DNS_TYPE_A;
	buf[n++] = 0;
	buf[n++] = DNS_CLASS_IN;
	*qlen = n - DNS_HDR;
	return (int)n;
}

int
cp_probe_dns_answer(const uint8_t *r, unsigned int rlen, const uint8_t *q,
		    unsigned int qlen)
{
	unsigned int i;

	if (rlen < DNS_HDR + qlen || r[0] != q[0] || r[1] != q[1] || !(r[2] & DNS_FLAG_QR) ||
	    r[4] != 0 || r[5] != 1)
		return -1;
	/* the same question; names compare without case (a server may use 0x20 bits) */
	for (i = 0; i < qlen; i++) {
		uint8_t a = r[DNS_HDR + i], b = q[DNS_HDR + i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (a != b)
			return -1;
	}
	return r[3] & DNS_RCODE_MASK;
}

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
