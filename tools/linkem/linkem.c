/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpwan-linkem: the lab's link emulator (DESIGN.md s5). A userspace layer-2 bridge
 * between two interfaces of one network namespace, with per-direction delay, jitter,
 * loss, rate and blackhole, changeable while it runs through a unix datagram socket.
 * The kernel of the lab machines has no netem; this replaces it.
 *
 * One process, one thread: a ppoll() loop over the two AF_PACKET sockets and the
 * control socket. Frames without impairment go straight from recvmmsg() to sendmmsg();
 * impaired frames are copied into a per-direction byte FIFO stamped with their release
 * time (release times never decrease, so order is kept).
 *
 *   dpwan-linkem run --a IF --b IF --ctl SOCK [--pidfile F]
 *   dpwan-linkem ctl SOCK set [dir=a2b|b2a|both] [delay=MS] [jitter=MS] [loss=PCT]
 *                             [rate=KBIT] [blackhole=0|1]
 *   dpwan-linkem ctl SOCK show [--json]
 *   dpwan-linkem ctl SOCK reset
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>

#define LEM_FRAME_MAX		9216	/* largest frame forwarded */
#define LEM_BURST		64	/* frames per recvmmsg/sendmmsg */
#define LEM_RX_ROUNDS		8	/* bursts read per socket per loop turn */
#define LEM_FIFO_BYTES		(8u << 20)	/* per direction: ~50 ms at 1 Gbit/s */
#define LEM_RATE_QPKTS		1000	/* rate stage: tail drop beyond this many packets */
#define LEM_RATE_QNS		(100 * NS_PER_MS)	/* ... or this much backlog */
#define LEM_RATE_BURST_NS	(5 * NS_PER_MS)	/* token bucket depth, in time at rate */
#define LEM_DELAY_MAX_MS	60000.0
#define LEM_RATE_MAX_KBIT	100000000.0	/* 100 Gbit/s */
#define LEM_CTL_MAX		4096
#define LEM_ENT_WRAP		UINT32_MAX

#define NS_PER_MS		1000000ull
#define NS_PER_S		1000000000ull

enum dir { A2B, B2A, NDIR };

static const char *const dir_name[NDIR] = { "a2b", "b2a" };

struct impair {
	double delay_ms;
	double jitter_ms;
	double loss_pct;
	double rate_kbit;
	bool blackhole;
};

struct counters {
	uint64_t forwarded;
	uint64_t dropped_loss;
	uint64_t dropped_queue;
	uint64_t dropped_blackhole;
	uint64_t dropped_tx;	/* the kernel refused the frame (link down, too big) */
};

/* A FIFO entry in the byte ring: header, then the frame, padded to 16 bytes. */
struct ent {
	uint32_t len;
	uint32_t pad;
	uint64_t release_ns;
};

struct fifo {
	uint8_t *buf;
	size_t cap;
	size_t head;	/* next entry to read */
	size_t tail;	/* next free byte */
	uint32_t count;
};

struct direction {
	struct impair imp;
	struct counters cnt;
	struct fifo q;
	uint64_t last_release_ns;
	uint64_t rate_next_ns;		/* virtual time the rate stage is free again */
	uint64_t rate_done[LEM_RATE_QPKTS];	/* ring of departure times in the rate stage */
	unsigned int rate_head, rate_count;
	bool blocked;			/* output socket said EAGAIN: wait for POLLOUT */
	int in_fd, out_fd;
	const char *in_name, *out_name;
};

struct rxbatch {
	struct mmsghdr msg[LEM_BURST];
	struct iovec iov[LEM_BURST];
	uint8_t (*buf)[LEM_FRAME_MAX];
};

static volatile sig_atomic_t stop_signal;
static struct direction dirs[NDIR];
static struct rxbatch rx;
static uint64_t rng_state;

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dpwan-linkem: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dpwan-linkem: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* splitmix64: fast, good enough for loss and jitter. */
static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- the FIFO ---------------------------------------------------------------- */

static size_t
ent_size(uint32_t len)
{
	return sizeof(struct ent) + (((size_t)len + 15) & ~(size_t)15);
}

static struct ent *
fifo_front(struct fifo *q)
{
	struct ent *e;

	if (q->count == 0)
		return NULL;
	if (q->head == q->cap)
		q->head = 0;
	e = (struct ent *)(q->buf + q->head);
	if (e->len == LEM_ENT_WRAP) {
		q->head = 0;
		e = (struct ent *)q->buf;
	}
	return e;
}

static void
fifo_pop(struct fifo *q)
{
	struct ent *e = fifo_front(q);

	if (e == NULL)
		return;
	q->head += ent_size(e->len);
	if (--q->count == 0)
		q->head = q->tail = 0;
}

/* Returns the space for a frame of len bytes, or NULL when the FIFO is full. */
static struct ent *
fifo_push(struct fifo *q, uint32_t len, uint64_t release_ns)
{
	size_t need = ent_size(len);
	struct ent *e;

	if (q->count == 0)
		q->head = q->tail = 0;
	if (q->count > 0 && q->tail <= q->head) {
		/* Wrapped: free space is [tail, head). */
		if (q->head - q->tail < need)
			return NULL;
	} else if (q->cap - q->tail < need) {
		/* Not enough room at the end: wrap to the start if it fits there. */
		if (q->head < need || (q->count > 0 && q->head == 0))
			return NULL;
		if (q->cap - q->tail >= sizeof(struct ent))
			((struct ent *)(q->buf + q->tail))->len = LEM_ENT_WRAP;
		q->tail = 0;
		if (q->head - q->tail < need && q->count > 0)
			return NULL;
	}
	e = (struct ent *)(q->buf + q->tail);
	e->len = len;
	e->release_ns = release_ns;
	q->tail += need;
	q->count++;
	return e;
}

/* ---- impairments ---------------------------------------------------------------- */

static bool
impaired(const struct impair *imp)
{
	return imp->delay_ms > 0 || imp->jitter_ms > 0 || imp->loss_pct > 0 ||
		imp->rate_kbit > 0 || imp->blackhole;
}

/*
 * Decide the fate of one received frame on direction d: dropped (returns false, counter
 * bumped) or queued with its release time (*release_ns).
 */
static bool
admit(struct direction *d, uint32_t len, uint64_t now, uint64_t *release_ns)
{
	const struct impair *imp = &d->imp;
	uint64_t t = now;
	double delay;

	if (imp->blackhole) {
		d->cnt.dropped_blackhole++;
		return false;
	}
	if (imp->loss_pct > 0 && rng_unit() * 100.0 < imp->loss_pct) {
		d->cnt.dropped_loss++;
		return false;
	}
	if (imp->rate_kbit > 0) {
		uint64_t ser = (uint64_t)((double)len * 8.0 * 1e6 / imp->rate_kbit);
		uint64_t start;

		while (d->rate_count > 0 && d->rate_done[d->rate_head] <= now) {
			d->rate_head = (d->rate_head + 1) % LEM_RATE_QPKTS;
			d->rate_count--;
		}
		if (d->rate_count >= LEM_RATE_QPKTS ||
		    (d->rate_next_ns > now && d->rate_next_ns - now > LEM_RATE_QNS)) {
			d->cnt.dropped_queue++;
			return false;
		}
		/* Token bucket as a virtual clock: lagging behind now by up to the bucket
		 * depth is unused credit. */
		start = now > LEM_RATE_BURST_NS ? now - LEM_RATE_BURST_NS : 0;
		if (d->rate_next_ns > start)
			start = d->rate_next_ns;
		d->rate_next_ns = start + ser;
		if (d->rate_next_ns > t)
			t = d->rate_next_ns;
		d->rate_done[(d->rate_head + d->rate_count) % LEM_RATE_QPKTS] = t;
		d->rate_count++;
	}
	delay = imp->delay_ms;
	if (imp->jitter_ms > 0)
		delay += (rng_unit() * 2.0 - 1.0) * imp->jitter_ms;
	if (delay > 0)
		t += (uint64_t)(delay * (double)NS_PER_MS);
	if (t < d->last_release_ns)
		t = d->last_release_ns;
	*release_ns = t;
	return true;
}

/* ---- sockets ------------------------------------------------------------------- */

static int
open_port(const char *ifname)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned int ifindex;
	int one = 1, bufsz = 8 << 20;
	int fd;

	ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		die("interface %s: %s", ifname, strerror(errno));
	/* Protocol 0 until bound, so nothing from other interfaces is queued. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		die("PACKET_IGNORE_OUTGOING on %s: %s", ifname, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", ifname, strerror(errno));
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		die("promiscuous mode on %s: %s", ifname, strerror(errno));
	return fd;
}

/* A pending socket error (ENETDOWN after a link went down) is consumed and reported. */
static void
sock_error(struct direction *d, int fd, const char *ifname)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err == 0)
		return;
	if (err == ENODEV || err == ENXIO)
		die("interface %s is gone, exiting", ifname);
	logmsg("%s: %s", ifname, strerror(err));
	(void)d;
}

/*
 * Send frames msg[0..n) on d->out_fd. Returns how many were consumed (sent or dropped
 * for good); fewer than n means the socket is full (d->blocked is set).
 */
static unsigned int
send_batch(struct direction *d, struct mmsghdr *msg, unsigned int n)
{
	unsigned int i = 0;
	int r;

	while (i < n) {
		r = sendmmsg(d->out_fd, msg + i, n - i, MSG_DONTWAIT);
		if (r > 0) {
			i += (unsigned int)r;
			d->cnt.forwarded += (uint64_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			d->blocked = true;
			break;
		}
		if (r < 0 && (errno == ENODEV || errno == ENXIO))
			die("interface %s is gone, exiting", d->out_name);
		/* ENETDOWN, EMSGSIZE, ENOBUFS ...: this frame is lost, go on. */
		d->cnt.dropped_tx++;
		i++;
	}
	return i;
}

/* Release the frames of d whose time has come. */
static void
tx_due(struct direction *d, uint64_t now)
{
	struct mmsghdr msg[LEM_BURST];
	struct iovec iov[LEM_BURST];
	struct fifo *q = &d->q;
	unsigned int n, sent, i;
	struct ent *e;

	if (d->blocked)
		return;
	for (;;) {
		/* Collect due frames without popping: they stay until the kernel takes them.
		 * The peek walks a copy of the FIFO cursor. */
		struct fifo peek = *q;

		n = 0;
		while (n < LEM_BURST && (e = fifo_front(&peek)) != NULL && e->release_ns <= now) {
			if (d->imp.blackhole) {
				/* Blackholed after it was queued: drop it here. */
				if (n > 0)
					break;
				fifo_pop(q);
				peek = *q;
				d->cnt.dropped_blackhole++;
				continue;
			}
			memset(&msg[n], 0, sizeof(msg[n]));
			iov[n].iov_base = e + 1;
			iov[n].iov_len = e->len;
			msg[n].msg_hdr.msg_iov = &iov[n];
			msg[n].msg_hdr.msg_iovlen = 1;
			n++;
			fifo_pop(&peek);
		}
		if (n == 0)
			return;
		sent = send_batch(d, msg, n);
		for (i = 0; i < sent; i++)
			fifo_pop(q);
		if (sent < n || n < LEM_BURST)
			return;
	}
}

/* Read what is waiting on d->in_fd and forward or queue it. */
static void
rx_burst(struct direction *d)
{
	uint64_t now, release;
	unsigned int i, n, sent, round;
	struct mmsghdr out[LEM_BURST];
	unsigned int nout;
	struct ent *e;
	int r;

	for (round = 0; round < LEM_RX_ROUNDS; round++) {
		for (i = 0; i < LEM_BURST; i++) {
			rx.iov[i].iov_base = rx.buf[i];
			rx.iov[i].iov_len = LEM_FRAME_MAX;
			memset(&rx.msg[i].msg_hdr, 0, sizeof(rx.msg[i].msg_hdr));
			rx.msg[i].msg_hdr.msg_iov = &rx.iov[i];
			rx.msg[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(d->in_fd, rx.msg, LEM_BURST, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (r < 0) {
			if (errno == ENODEV || errno == ENXIO)
				die("interface %s is gone, exiting", d->in_name);
			if (errno != EAGAIN && errno != EINTR)
				logmsg("%s: receive: %s", d->in_name, strerror(errno));
			return;
		}
		if (r == 0)
			return;
		n = (unsigned int)r;
		now = now_ns();

		nout = 0;
		for (i = 0; i < n; i++) {
			uint32_t len = rx.msg[i].msg_len;

			if ((rx.msg[i].msg_hdr.msg_flags & MSG_TRUNC) || len > LEM_FRAME_MAX) {
				d->cnt.dropped_tx++;
				continue;
			}
			if (!impaired(&d->imp) && d->q.count == 0 && !d->blocked) {
				/* Fast path: straight out, in place. */
				out[nout] = rx.msg[i];
				rx.iov[i].iov_len = len;
				nout++;
				continue;
			}
			if (nout > 0) {
				/* Order: flush the fast-path frames before queueing. */
				sent = send_batch(d, out, nout);
				for (; sent < nout; sent++) {
					struct iovec *v = out[sent].msg_hdr.msg_iov;

					e = fifo_push(&d->q, (uint32_t)v->iov_len, 0);
					if (e == NULL)
						d->cnt.dropped_queue++;
					else
						memcpy(e + 1, v->iov_base, v->iov_len);
				}
				nout = 0;
			}
			if (!admit(d, len, now, &release))
				continue;
			e = fifo_push(&d->q, len, release);
			if (e == NULL) {
				d->cnt.dropped_queue++;
				continue;
			}
			memcpy(e + 1, rx.buf[i], len);
			d->last_release_ns = release;
		}
		if (nout > 0) {
			sent = send_batch(d, out, nout);
			for (; sent < nout; sent++) {
				struct iovec *v = out[sent].msg_hdr.msg_iov;

				e = fifo_push(&d->q, (uint32_t)v->iov_len, 0);
				if (e == NULL)
					d->cnt.dropped_queue++;
				else
					memcpy(e + 1, v->iov_base, v->iov_len);
			}
		}
		if (n < LEM_BURST)
			return;
	}
}

/* ---- control ------------------------------------------------------------------- */

static int
parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "set k=v ..." : validated completely before anything changes. */
static void
ctl_set(char *args, char *reply, size_t rlen)
{
	struct impair next[NDIR] = { dirs[A2B].imp, dirs[B2A].imp };
	bool set_delay = false, set_jitter = false, set_loss = false, set_rate = false;
	bool set_bh = false, which[NDIR] = { true, true };
	struct impair v = { 0 };
	char *tok, *save = NULL, *val;
	double x;
	int i;

	for (tok = strtok_r(args, " \t\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		val = strchr(tok, '=');
		if (val == NULL) {
			snprintf(reply, rlen, "error: expected key=value, got '%s'", tok);
			return;
		}
		*val++ = '\0';
		if (strcmp(tok, "dir") == 0) {
			if (strcmp(val, "a2b") == 0) {
				which[A2B] = true;
				which[B2A] = false;
			} else if (strcmp(val, "b2a") == 0) {
				which[A2B] = false;
				which[B2A] = true;
			} else if (strcmp(val, "both") == 0) {
				which[A2B] = which[B2A] = true;
			} else {
				snprintf(reply, rlen, "error: dir must be a2b, b2a or both, not '%s'",
					 val);
				return;
			}
		} else if (strcmp(tok, "delay") == 0) {
			if (parse_num(val, 0, LEM_DELAY_MAX_MS, &x) < 0)
				goto bad;
			v.delay_ms = x;
			set_delay = true;
		} else if (strcmp(tok, "jitter") == 0) {
			if (parse_num(val, 0, LEM_DELAY_MAX_MS, &x) < 0)
				goto bad;
			v.jitter_ms = x;
			set_jitter = true;
		} else if (strcmp(tok, "loss") == 0) {
			if (parse_num(val, 0, 100, &x) < 0)
				goto bad;
			v.loss_pct = x;
			set_loss = true;
		} else if (strcmp(tok, "rate") == 0) {
			if (parse_num(val, 0, LEM_RATE_MAX_KBIT, &x) < 0)
				goto bad;
			v.rate_kbit = floor(x);
			set_rate = true;
		} else if (strcmp(tok, "blackhole") == 0) {
			if (strcmp(val, "0") == 0)
				v.blackhole = false;
			else if (strcmp(val, "1") == 0)
				v.blackhole = true;
			else
				goto bad;
			set_bh = true;
		} else {
			snprintf(reply, rlen,
				 "error: unknown setting '%s' (dir, delay, jitter, loss, rate, "
				 "blackhole)", tok);
			return;
		}
		continue;
bad:
		snprintf(reply, rlen,
			 "error: bad value '%s' for %s (delay, jitter: 0..%.0f ms; loss: 0..100 %%; "
			 "rate: 0..%.0f kbit, 0 = unlimited; blackhole: 0|1)",
			 val, tok, LEM_DELAY_MAX_MS, LEM_RATE_MAX_KBIT);
		return;
	}
	if (!(set_delay || set_jitter || set_loss || set_rate || set_bh)) {
		snprintf(reply, rlen, "error: nothing to set (delay=, jitter=, loss=, rate=, "
			 "blackhole=)");
		return;
	}
	for (i = 0; i < NDIR; i++) {
		if (!which[i])
			continue;
		if (set_delay)
			next[i].delay_ms = v.delay_ms;
		if (set_jitter)
			next[i].jitter_ms = v.jitter_ms;
		if (set_loss)
			next[i].loss_pct = v.loss_pct;
		if (set_rate)
			next[i].rate_kbit = v.rate_kbit;
		if (set_bh)
			next[i].blackhole = v.blackhole;
	}
	for (i = 0; i < NDIR; i++) {
		if (dirs[i].imp.rate_kbit != next[i].rate_kbit) {
			dirs[i].rate_next_ns = 0;
			dirs[i].rate_count = 0;
		}
		dirs[i].imp = next[i];
	}
	snprintf(reply, rlen, "ok a2b delay=%g jitter=%g loss=%g rate=%.0f blackhole=%d; "
		 "b2a delay=%g jitter=%g loss=%g rate=%.0f blackhole=%d",
		 next[A2B].delay_ms, next[A2B].jitter_ms, next[A2B].loss_pct,
		 next[A2B].rate_kbit, next[A2B].blackhole,
		 next[B2A].delay_ms, next[B2A].jitter_ms, next[B2A].loss_pct,
		 next[B2A].rate_kbit, next[B2A].blackhole);
	logmsg("%s", reply + 3);
}

static void
ctl_show(bool json, char *reply, size_t rlen)
{
	size_t off;
	int i;

	off = (size_t)snprintf(reply, rlen, "%s", json ? "ok\n{" : "ok\n");
	for (i = 0; i < NDIR && off < rlen; i++) {
		const struct direction *d = &dirs[i];

		if (json)
			off += (size_t)snprintf(reply + off, rlen - off,
				"%s\"%s\": {\"from\": \"%s\", \"to\": \"%s\", \"delay_ms\": %g, "
				"\"jitter_ms\": %g, \"loss\": %g, \"rate_kbit\": %.0f, "
				"\"blackhole\": %s, \"forwarded\": %" PRIu64 ", "
				"\"dropped_loss\": %" PRIu64 ", \"dropped_queue\": %" PRIu64 ", "
				"\"dropped_blackhole\": %" PRIu64 ", \"dropped_tx\": %" PRIu64 ", "
				"\"queued\": %u}",
				i ? ", " : "", dir_name[i], d->in_name, d->out_name,
				d->imp.delay_ms, d->imp.jitter_ms, d->imp.loss_pct,
				d->imp.rate_kbit, d->imp.blackhole ? "true" : "false",
				d->cnt.forwarded, d->cnt.dropped_loss, d->cnt.dropped_queue,
				d->cnt.dropped_blackhole, d->cnt.dropped_tx, d->q.count);
		else
			off += (size_t)snprintf(reply + off, rlen - off,
				"%s %s->%s delay=%gms jitter=%gms loss=%g%% rate=%.0fkbit "
				"blackhole=%d forwarded=%" PRIu64 " dropped_loss=%" PRIu64
				" dropped_queue=%" PRIu64 " dropped_blackhole=%" PRIu64
				" dropped_tx=%" PRIu64 " queued=%u\n",
				dir_name[i], d->in_name, d->out_name,
				d->imp.delay_ms, d->imp.jitter_ms, d->imp.loss_pct,
				d->imp.rate_kbit, d->imp.blackhole,
				d->cnt.forwarded, d->cnt.dropped_loss, d->cnt.dropped_queue,
				d->cnt.dropped_blackhole, d->cnt.dropped_tx, d->q.count);
	}
	if (json && off < rlen)
		snprintf(reply + off, rlen - off, "}\n");
}

static void
ctl_reset(char *reply, size_t rlen)
{
	int i;

	for (i = 0; i < NDIR; i++) {
		memset(&dirs[i].imp, 0, sizeof(dirs[i].imp));
		memset(&dirs[i].cnt, 0, sizeof(dirs[i].cnt));
		dirs[i].rate_next_ns = 0;
		dirs[i].rate_count = 0;
	}
	snprintf(reply, rlen, "ok reset: no impairment, counters cleared");
	logmsg("reset");
}

static void
ctl_handle(int fd)
{
	char req[LEM_CTL_MAX + 1], reply[LEM_CTL_MAX];
	struct sockaddr_un from;
	socklen_t flen;
	char *cmd, *rest;
	ssize_t n;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, req, LEM_CTL_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		req[n] = '\0';
		cmd = req + strspn(req, " \t\n");
		rest = cmd + strcspn(cmd, " \t\n");
		if (*rest != '\0')
			*rest++ = '\0';
		rest += strspn(rest, " \t\n");
		if (strcmp(cmd, "set") == 0)
			ctl_set(rest, reply, sizeof(reply));
		else if (strcmp(cmd, "show") == 0 && (*rest == '\0' || strcmp(rest, "json") == 0 ||
						      strcmp(rest, "--json") == 0))
			ctl_show(*rest != '\0', reply, sizeof(reply));
		else if (strcmp(cmd, "reset") == 0 && *rest == '\0')
			ctl_reset(reply, sizeof(reply));
		else
			snprintf(reply, sizeof(reply),
				 "error: unknown request '%.64s' (set k=v..., show [json], reset)",
				 cmd);
		if (flen > sizeof(sa_family_t))
			(void)sendto(fd, reply, strlen(reply), MSG_DONTWAIT,
				     (struct sockaddr *)&from, flen);
	}
}

static int
ctl_open(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("control socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket", path);
		/* A socket nobody answers on is left over from a crash. */
		probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			die("%s is in use by another linkem", path);
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_UNIX): %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("bind %s: %s", path, strerror(errno));
	return fd;
}

/* ---- run ----------------------------------------------------------------------- */

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static int
cmd_run(int argc, char **argv)
{
	const char *a = NULL, *b = NULL, *ctl = NULL, *pidfile = NULL;
	struct pollfd pfd[3];
	struct sigaction sa;
	sigset_t block, empty;
	int fa, fb, fc, i;

	for (i = 0; i < argc; i++) {
		const char **slot = NULL;

		if (strcmp(argv[i], "--a") == 0)
			slot = &a;
		else if (strcmp(argv[i], "--b") == 0)
			slot = &b;
		else if (strcmp(argv[i], "--ctl") == 0)
			slot = &ctl;
		else if (strcmp(argv[i], "--pidfile") == 0)
			slot = &pidfile;
		else
			die("run: unknown argument '%s'", argv[i]);
		if (i + 1 >= argc)
			die("run: %s needs a value", argv[i]);
		*slot = argv[++i];
	}
	if (a == NULL || b == NULL || ctl == NULL)
		die("usage: dpwan-linkem run --a IF --b IF --ctl SOCK [--pidfile F]");
	if (strcmp(a, b) == 0)
		die("--a and --b must be different interfaces");

	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state))
		rng_state = now_ns() ^ (uint64_t)getpid();
	rx.buf = calloc(LEM_BURST, LEM_FRAME_MAX);
	if (rx.buf == NULL)
		die("out of memory");
	fa = open_port(a);
	fb = open_port(b);
	for (i = 0; i < NDIR; i++) {
		dirs[i].q.cap = LEM_FIFO_BYTES;
		dirs[i].q.buf = malloc(LEM_FIFO_BYTES);
		if (dirs[i].q.buf == NULL)
			die("out of memory");
	}
	dirs[A2B].in_fd = fa;
	dirs[A2B].out_fd = fb;
	dirs[A2B].in_name = a;
	dirs[A2B].out_name = b;
	dirs[B2A].in_fd = fb;
	dirs[B2A].out_fd = fa;
	dirs[B2A].in_name = b;
	dirs[B2A].out_name = a;

	/* Signals are only delivered inside ppoll(): no races with the loop. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fc = ctl_open(ctl);
	if (pidfile != NULL) {
		FILE *f = fopen(pidfile, "w");

		if (f == NULL) {
			unlink(ctl);
			die("pidfile %s: %s", pidfile, strerror(errno));
		}
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	logmsg("bridging %s <-> %s, control on %s", a, b, ctl);

	while (!stop_signal) {
		uint64_t now = now_ns(), next = UINT64_MAX;
		struct timespec ts, *tsp = NULL;
		struct ent *e;

		for (i = 0; i < NDIR; i++) {
			if (dirs[i].blocked)
				continue;
			e = fifo_front(&dirs[i].q);
			if (e != NULL && e->release_ns < next)
				next = e->release_ns;
		}
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			ts.tv_sec = (time_t)(wait / NS_PER_S);
			ts.tv_nsec = (long)(wait % NS_PER_S);
			tsp = &ts;
		}
		pfd[0].fd = fa;
		pfd[0].events = POLLIN | (dirs[B2A].blocked ? POLLOUT : 0);
		pfd[1].fd = fb;
		pfd[1].events = POLLIN | (dirs[A2B].blocked ? POLLOUT : 0);
		pfd[2].fd = fc;
		pfd[2].events = POLLIN;
		if (ppoll(pfd, 3, tsp, &empty) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("ppoll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLERR)
			sock_error(&dirs[A2B], fa, a);
		if (pfd[1].revents & POLLERR)
			sock_error(&dirs[B2A], fb, b);
		if (pfd[0].revents & POLLOUT)
			dirs[B2A].blocked = false;
		if (pfd[1].revents & POLLOUT)
			dirs[A2B].blocked = false;
		/* Queued frames first: they are older than what is waiting in the sockets. */
		now = now_ns();
		tx_due(&dirs[A2B], now);
		tx_due(&dirs[B2A], now);
		if (pfd[0].revents & POLLIN)
			rx_burst(&dirs[A2B]);
		if (pfd[1].revents & POLLIN)
			rx_burst(&dirs[B2A]);
		if (pfd[2].revents & POLLIN)
			ctl_handle(fc);
		now = now_ns();
		tx_due(&dirs[A2B], now);
		tx_due(&dirs[B2A], now);
	}
	logmsg("signal %d, exiting", (int)stop_signal);
	close(fc);
	unlink(ctl);
	if (pidfile != NULL)
		unlink(pidfile);
	close(fa);
	close(fb);
	return 0;
}

/* ---- ctl client ---------------------------------------------------------------- */

static int
cmd_ctl(int argc, char **argv)
{
	char req[LEM_CTL_MAX], reply[LEM_CTL_MAX + 1], self[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sun, me;
	struct timeval tv = { .tv_sec = 3 };
	size_t off = 0;
	ssize_t n;
	bool show = false;
	int fd, i, rc;

	if (argc < 2)
		die("usage: dpwan-linkem ctl SOCK set|show|reset [...]");
	if (strcmp(argv[1], "show") == 0)
		show = true;
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (show && i > 1 && strcmp(w, "--json") == 0)
			w = "json";
		rc = snprintf(req + off, sizeof(req) - off, "%s%s", i > 1 ? " " : "", w);
		if (rc < 0 || (size_t)rc >= sizeof(req) - off)
			die("request too long");
		off += (size_t)rc;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[0]) >= sizeof(sun.sun_path))
		die("socket path too long: %s", argv[0]);
	strcpy(sun.sun_path, argv[0]);
	/* The reply address must be a file: abstract addresses are per network namespace
	 * and the emulator usually runs in another one. */
	rc = snprintf(self, sizeof(self), "%s.c%d", argv[0], (int)getpid());
	if (rc < 0 || (size_t)rc >= sizeof(self))
		die("socket path too long: %s", argv[0]);
	memset(&me, 0, sizeof(me));
	me.sun_family = AF_UNIX;
	strcpy(me.sun_path, self);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	unlink(self);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		die("bind %s: %s", self, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		unlink(self);
		die("cannot reach the link emulator at %s: %s", argv[0], strerror(errno));
	}
	if (send(fd, req, off, 0) < 0) {
		unlink(self);
		die("send to %s: %s", argv[0], strerror(errno));
	}
	n = recv(fd, reply, LEM_CTL_MAX, 0);
	unlink(self);
	close(fd);
	if (n < 0)
		die("no reply from %s: %s", argv[0], strerror(errno));
	reply[n] = '\0';
	if (strncmp(reply, "error", 5) == 0) {
		fprintf(stderr, "dpwan-linkem: %s\n", reply);
		return 1;
	}
	if (show && strncmp(reply, "ok\n", 3) == 0)
		fputs(reply + 3, stdout);
	else
		printf("%s\n", reply);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  dpwan-linkem run --a IF --b IF --ctl SOCK [--pidfile F]\n"
		"  dpwan-linkem ctl SOCK set [dir=a2b|b2a|both] [delay=MS] [jitter=MS] [loss=PCT]\n"
		"                            [rate=KBIT] [blackhole=0|1]\n"
		"  dpwan-linkem ctl SOCK show [--json]\n"
		"  dpwan-linkem ctl SOCK reset\n"
		"a2b is from --a to --b. rate=0 means unlimited.\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return cmd_ctl(argc - 2, argv + 2);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
