/* SPDX-License-Identifier: BSD-3-Clause
 * The ping method of the probe engine (probe_int.h): ICMP echo on one raw socket per
 * WAN (interface and source address), made on first use and kept. The identifier is the
 * process's, the sequence number the probe's (a map from sequence to probe slot), and a
 * reply counts only from the target. An ICMP error quoting our request (unreachable,
 * time exceeded) ends the probe down at once. Main thread only.
 */
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/loop.h"
#include "control/probe_int.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

#define PING_SOCKS_MAX 32          /* WANs x addresses: DPW_MAX_PORTS is 8 */
#define PING_HDR 8                 /* type, code, checksum, identifier, sequence */
#define PING_RX_BURST 64           /* datagrams read per wakeup, for fairness */
#define IP_HDR_MIN 20

struct ping_sock {
	int fd;                    /* -1: free */
	char ifname[DPW_NAME_LEN];
	uint32_t src;
	unsigned int users;        /* probes in flight on it */
};

static struct ping_sock socks[PING_SOCKS_MAX] = { [0 ... PING_SOCKS_MAX - 1] = { .fd = -1 } };
/* sequence -> probe slot + 1 (0: none): 64 K entries, so lookup is one load */
static uint16_t seq_owner[65536];
static uint16_t next_seq;
static uint16_t ident;

static uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The probe of an echo with this identifier and sequence sent to dst, or NULL. */
static struct cp_probe *
owner(uint16_t id, uint16_t seq, uint32_t dst)
{
	struct cp_probe *p;

	if (id != ident || seq_owner[seq] == 0)
		return NULL;
	p = cp_probe_at(seq_owner[seq] - 1u);
	if (p == NULL || p->method != DPW_HM_PING || p->ping.seq != seq || p->dst != dst ||
	    p->failed)
		return NULL;
	return p;
}

static const char *
icmp_error_str(uint8_t type, uint8_t code)
{
	if (type == DPW_ICMP_TIMXCEED)
		return "ttl exceeded";
	switch (code) {
	case 0: return "network unreachable";
	case 1: return "host unreachable";
	case 2: return "protocol unreachable";
	case 3: return "port unreachable";
	case DPW_ICMP_UNREACH_NEEDFRAG: return "fragmentation needed";
	case 9:
	case 10:
	case 13: return "administratively prohibited";
	default: return "destination unreachable";
	}
}

/* One datagram from the raw socket: IPv4 header, then ICMP. */
static void
ping_input(const uint8_t *b, unsigned int len)
{
	unsigned int ihl, iihl;
	const uint8_t *icmp, *in;
	struct cp_probe *p;

	if (len < IP_HDR_MIN || (b[0] >> 4) != 4 || b[9] != DPW_IPPROTO_ICMP)
		return;
	ihl = (b[0] & 0xfu) * 4u;
	if (ihl < IP_HDR_MIN || len < ihl + PING_HDR)
		return;
	icmp = b + ihl;
	len -= ihl;
	if (dpw_csum_partial(icmp, len, 0) != 0xffff)
		return;
	if (icmp[0] == DPW_ICMP_ECHOREPLY && icmp[1] == 0) {
		p = owner(rd16(icmp + 4), rd16(icmp + 6), rd32(b + 12));
		if (p != NULL)
			cp_probe_done(p, true, "echo reply");
		return;
	}
	if (icmp[0] != DPW_ICMP_UNREACH && icmp[0] != DPW_ICMP_TIMXCEED)
		return;
	/* the quoted request: its IP header and at least the echo header */
	in = icmp + PING_HDR;
	if (len < PING_HDR + IP_HDR_MIN || (in[0] >> 4) != 4 || in[9] != DPW_IPPROTO_ICMP)
		return;
	iihl = (in[0] & 0xfu) * 4u;
	if (iihl < IP_HDR_MIN || len < PING_HDR + iihl + PING_HDR || in[iihl] != DPW_ICMP_ECHO)
		return;
	p = owner(rd16(in + iihl + 4), rd16(in + iihl + 6), rd32(in + 16));
	if (p != NULL)
		cp_probe_done(p, false, "%s", icmp_error_str(icmp[0], icmp[1]));
}

static void
on_readable(int fd, uint32_t events, void *arg)
{
	uint8_t buf[IP_HDR_MIN + 40 + PING_HDR + CP_PROBE_PING_SIZE_MAX];
	struct ping_sock *s = arg;
	unsigned int i;
	ssize_t n;

	/* a result callback may start a probe that retires this socket (a full cache):
	 * then fd is no longer ours to read */
	for (i = 0; i < PING_RX_BURST && s->fd == fd; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			break;   /* EAGAIN; a pending error (EHOSTUNREACH ...) is consumed */
		ping_input(buf, (unsigned int)n);
	}
}

static void
sock_close(struct ping_sock *s)
{
	cp_loop_del_fd(s->fd);
	close(s->fd);
	s->fd = -1;
}

/* The raw socket of (ifname, src): its index, or -errno. */
static int
sock_get(const char *ifname, uint32_t src)
{
	struct icmp_filter filt;
	int i, free_i = -1, idle_i = -1, fd, rc;

	for (i = 0; i < PING_SOCKS_MAX; i++) {
		if (socks[i].fd < 0) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (socks[i].src == src && strcmp(socks[i].ifname, ifname) == 0)
			return i;
		if (socks[i].users == 0 && idle_i < 0)
			idle_i = i;
	}
	if (free_i < 0) {
		/* full: a WAN gone or readdressed left it, nothing waits on it */
		if (idle_i < 0)
			return -ENOSPC;
		sock_close(&socks[idle_i]);
		free_i = idle_i;
	}
	fd = cp_probe_wan_socket(SOCK_RAW, IPPROTO_ICMP, ifname, src);
	if (fd < 0)
		return fd;
	/* the kernel gives every raw ICMP socket every ICMP packet: keep only the types a
	 * probe can use, so other traffic does not wake the loop */
	filt.data = ~(1u << DPW_ICMP_ECHOREPLY | 1u << DPW_ICMP_UNREACH |
		      1u << DPW_ICMP_TIMXCEED);
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) != 0)
		goto fail;
	rc = cp_loop_add_fd(fd, EPOLLIN, on_readable, &socks[free_i]);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	socks[free_i].fd = fd;
	snprintf(socks[free_i].ifname, sizeof(socks[free_i].ifname), "%s", ifname);
	socks[free_i].src = src;
	socks[free_i].users = 0;
	return free_i;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

int
cp_probe_ping_start(struct cp_probe *p, const struct cp_probe_spec *s)
{
	uint8_t pkt[PING_HDR + CP_PROBE_PING_SIZE_MAX];
	unsigned int len = PING_HDR + s->size, i;
	struct sockaddr_in sa;
	uint16_t csum;
	int si, err;

	p->ping.sock = -1;
	if (ident == 0)
		ident = (uint16_t)getpid();
	si = sock_get(s->ifname, s->src);
	if (si < 0)
		return si;
	/* a free sequence number: at most CP_PROBE_MAX of 65536 are taken */
	while (seq_owner[next_seq] != 0)
		next_seq++;
	p->ping.seq = next_seq++;
	p->ping.sock = si;
	seq_owner[p->ping.seq] = (uint16_t)(cp_probe_index(p) + 1);
	socks[si].users++;

	memset(pkt, 0, PING_HDR);
	pkt[0] = DPW_ICMP_ECHO;
	pkt[4] = (uint8_t)(ident >> 8);
	pkt[5] = (uint8_t)ident;
	pkt[6] = (uint8_t)(p->ping.seq >> 8);
	pkt[7] = (uint8_t)p->ping.seq;
	for (i = PING_HDR; i < len; i++)
		pkt[i] = (uint8_t)i;
	csum = dpw_csum(pkt, len);
	memcpy(pkt + 2, &csum, 2);   /* the sum of bytes in memory order is already wire order */

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(p->dst);
	p->t0_ns = cp_probe_now_ns();
	if (sendto(socks[si].fd, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	    (ssize_t)len)
		return 0;
	err = errno;
	if (err == ENODEV || err == ENXIO) {
		/* the TAP was made again: the socket names the old one, make a new one
		 * next time */
		cp_probe_ping_stop(p);
		if (socks[si].users == 0)
			sock_close(&socks[si]);
	}
	snprintf(p->res.detail, sizeof(p->res.detail), "%s", cp_probe_errno_str(err));
	return CP_PROBE_FAILED;
}

void
cp_probe_ping_stop(struct cp_probe *p)
{
	if (p->ping.sock < 0)
		return;
	if (seq_owner[p->ping.seq] == cp_probe_index(p) + 1)
		seq_owner[p->ping.seq] = 0;
	socks[p->ping.sock].users--;
	p->ping.sock = -1;
}

void
cp_probe_ping_fini(void)
{
	unsigned int i;

	for (i = 0; i < PING_SOCKS_MAX; i++)
		if (socks[i].fd >= 0)
			sock_close(&socks[i]);
}
