/* SPDX-License-Identifier: BSD-3-Clause
 * (EAL for this secondary is started in main.c with --no-pci: it never probes a NIC.)
 * dplink: attach to the dataplane's memzone and rings, asynchronous requests with
 * sequence numbers, timeouts and late replies, events, and the dataplane liveness check.
 * Main thread only (the event loop), so this process is the single producer of C2D and
 * the single consumer of D2C without a lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_memzone.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "control/dplink.h"
#include "control/log.h"
#include "control/loop.h"

struct pending {
	int used;
	uint32_t seq;
	uint16_t op;
	int timed_out;
	uint64_t deadline_ms;     /* monotonic: timeout, then the end of the late window */
	cp_dplink_cb cb;
	void *arg;
};

static const struct dpw_shm *shm;
static struct rte_ring *c2d;
static struct rte_ring *d2c;
static uint32_t next_seq;
static struct pending pend[CP_DPLINK_MAX_PENDING];
static unsigned int n_waiting;  /* pending entries that have not timed out */
static void (*event_cb)(const struct dpw_msg_event *ev);

const struct dpw_shm *
cp_dplink_shm(void)
{
	return shm;
}

void
cp_dplink_set_event_cb(void (*cb)(const struct dpw_msg_event *ev))
{
	event_cb = cb;
}

static void
log_event(const struct dpw_msg *m)
{
	const struct dpw_msg_event *ev = &m->u.event;

	CP_DEBUG("event %s (%u): a=%u b=%u (dataplane time %llu ms)", dpw_event_str(ev->type),
		 ev->type, ev->a, ev->b, (unsigned long long)ev->time_ms);
	if (event_cb != NULL)
		event_cb(ev);
}

static void
handle(const struct dpw_msg *m)
{
	unsigned int i;

	switch (m->op) {
	case DPW_MSG_EVENT:
		log_event(m);
		return;
	case DPW_MSG_REPLY:
		for (i = 0; i < CP_DPLINK_MAX_PENDING; i++) {
			struct pending *p = &pend[i];
			int late;

			if (!p->used || p->seq != m->seq || p->op != m->req_op)
				continue;
			late = p->timed_out;
			p->used = 0;
			if (!late)
				n_waiting--;
			p->cb(m->status, m, late, p->arg);
			return;
		}
		CP_DEBUG("reply to %s seq %u (status %d) that nobody waits for: discarded",
			 dpw_msg_op_str(m->req_op), m->seq, m->status);
		return;
	default:
		CP_WARN("unexpected message op %u (%s) from the dataplane", m->op,
			dpw_msg_op_str(m->op));
		return;
	}
}

int
cp_dplink_tick(void *arg)
{
	struct dpw_msg m;
	uint64_t now;
	unsigned int i, n = 0;

	if (d2c == NULL)
		return -1;
	/* Bounded: a flood of events must not starve the rest of the loop. */
	while (n < DPW_RING_SLOTS && rte_ring_dequeue_elem(d2c, &m, sizeof(m)) == 0) {
		handle(&m);
		n++;
	}
	now = cp_loop_now_ms();
	for (i = 0; i < CP_DPLINK_MAX_PENDING; i++) {
		struct pending *p = &pend[i];

		if (!p->used || now < p->deadline_ms)
			continue;
		if (p->timed_out) {
			p->used = 0;    /* the late window is over too: the last word */
			p->cb(-ETIMEDOUT, NULL, 1, p->arg);
			continue;
		}
		p->timed_out = 1;
		p->deadline_ms = now + CP_DPLINK_LATE_MS;
		n_waiting--;
		CP_WARN("no reply to %s seq %u in time", dpw_msg_op_str(p->op), p->seq);
		p->cb(-ETIMEDOUT, NULL, 0, p->arg);
	}
	return n == DPW_RING_SLOTS ? 0 : n_waiting > 0 ? 1 : 50;
}

int64_t
cp_dplink_send(uint16_t op, const void *payload, unsigned int payload_len,
	       unsigned int timeout_ms, cp_dplink_cb cb, void *arg)
{
	struct dpw_msg req;
	unsigned int i;

	if (c2d == NULL || d2c == NULL)
		return -ENOTCONN;
	if (payload_len > sizeof(req.u))
		return -EINVAL;
	for (i = 0; i < CP_DPLINK_MAX_PENDING; i++)
		if (!pend[i].used)
			break;
	if (i == CP_DPLINK_MAX_PENDING)
		return -ENOBUFS;
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.seq = next_seq++;
	if (payload != NULL)
		memcpy(&req.u, payload, payload_len);
	if (rte_ring_enqueue_elem(c2d, &req, sizeof(req)) != 0)
		return -ENOBUFS;
	pend[i] = (struct pending){ .used = 1, .seq = req.seq, .op = op,
		.deadline_ms = cp_loop_now_ms() + timeout_ms, .cb = cb, .arg = arg };
	n_waiting++;
	return req.seq;
}

/* HELLO at attach: nothing else runs yet, so waiting here blocks nobody. */
static int
hello_wait(struct dpw_msg *reply)
{
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
	struct dpw_msg_hello hello;
	struct dpw_msg req, m;
	uint64_t deadline;

	memset(&hello, 0, sizeof(hello));
	hello.pid = getpid();
	hello.abi = DPW_MSG_ABI;
	memset(&req, 0, sizeof(req));
	req.op = DPW_MSG_HELLO;
	req.seq = next_seq++;
	memcpy(&req.u, &hello, sizeof(hello));
	if (rte_ring_enqueue_elem(c2d, &req, sizeof(req)) != 0)
		return -ENOBUFS;
	deadline = cp_loop_now_ms() + CP_DPLINK_TIMEOUT_MS;
	while (cp_loop_now_ms() < deadline) {
		if (rte_ring_dequeue_elem(d2c, &m, sizeof(m)) != 0) {
			nanosleep(&pause, NULL);
			continue;
		}
		if (m.op == DPW_MSG_REPLY && m.seq == req.seq && m.req_op == DPW_MSG_HELLO) {
			*reply = m;
			return m.status;
		}
		if (m.op == DPW_MSG_EVENT)
			log_event(&m);
	}
	return -ETIMEDOUT;
}

/* A process that exists and is not a zombie (a killed one nobody reaped yet). */
static int
pid_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 1;       /* no /proc: trust kill() */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	p = strrchr(buf, ')');
	return !(p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

int
cp_dplink_alive(char *why, unsigned int whylen)
{
	uint64_t now, hb;
	pid_t pid;

	if (shm == NULL) {
		if (why != NULL)
			snprintf(why, whylen, "not attached");
		return 0;
	}
	/* Both sides use CLOCK_MONOTONIC: a step of the wall clock is no dead dataplane. */
	now = dpw_mono_ms();
	hb = shm->heartbeat_ms;
	if (hb + CP_DPLINK_HEARTBEAT_MS < now) {
		if (why != NULL)
			snprintf(why, whylen, "heartbeat is %llu ms old",
				 (unsigned long long)(now - hb));
		return 0;
	}
	pid = (pid_t)shm->dp_pid;
	if (!pid_alive(pid)) {
		if (why != NULL)
			snprintf(why, whylen, "dataplane pid %d does not exist", (int)pid);
		return 0;
	}
	return 1;
}

int
cp_dplink_attach(struct dpw_msg *reply)
{
	const struct rte_memzone *mz;
	const struct dpw_shm *s;
	struct dpw_msg m;
	char why[128];
	uint32_t seed;
	pid_t other;
	int n = 0, rc;

	mz = rte_memzone_lookup(DPW_SHM_ZONE);
	if (mz == NULL) {
		CP_ERR("memzone %s not found: is dpwan-dataplane running?", DPW_SHM_ZONE);
		return -ENOENT;
	}
	if (mz->len < sizeof(struct dpw_shm)) {
		CP_ERR("memzone %s is %zu bytes, expected at least %zu", DPW_SHM_ZONE,
		       mz->len, sizeof(struct dpw_shm));
		return -EPROTO;
	}
	s = mz->addr;
	if (s->magic != DPW_SHM_MAGIC || s->abi != DPW_SHM_ABI) {
		CP_ERR("memzone %s: magic 0x%08x abi %u, expected 0x%08x abi %u "
		       "(dataplane and control from different builds?)", DPW_SHM_ZONE,
		       s->magic, s->abi, DPW_SHM_MAGIC, DPW_SHM_ABI);
		return -EPROTO;
	}
	c2d = rte_ring_lookup(DPW_RING_C2D);
	d2c = rte_ring_lookup(DPW_RING_D2C);
	if (c2d == NULL || d2c == NULL) {
		CP_ERR("ring %s not found", c2d == NULL ? DPW_RING_C2D : DPW_RING_D2C);
		c2d = d2c = NULL;
		return -ENOENT;
	}
	shm = s;
	/* A stale runtime dir of a dead primary still maps: say so instead of timing out. */
	if (!cp_dplink_alive(why, sizeof(why))) {
		CP_ERR("dpwan-dataplane is not running: %s", why);
		goto detach;
	}
	/* One control process at a time: a second one must not drain the first's replies. */
	other = (pid_t)s->control_pid;
	if (other > 0 && other != getpid() && pid_alive(other)) {
		CP_ERR("another dpwan-control (pid %d) is attached to this dataplane: stop it "
		       "first; this one exits without touching the rings", (int)other);
		shm = NULL;
		c2d = d2c = NULL;
		return -EBUSY;
	}

	/*
	 * A random first seq: a reply to a request of a previous control instance that
	 * arrives after the drain below cannot be mistaken for one of ours.
	 */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint32_t)cp_now_ms() ^ ((uint32_t)getpid() << 16);
	next_seq = seed;
	while (rte_ring_dequeue_elem(d2c, &m, sizeof(m)) == 0)
		n++;
	if (n > 0)
		CP_INFO("discarded %d stale message(s) on %s", n, DPW_RING_D2C);

	rc = hello_wait(reply);
	/* Both sides refuse a mismatch: an older dataplane does not know to. */
	if (rc == 0 && reply->u.reply.abi != DPW_MSG_ABI)
		rc = -EPROTO;
	if (rc == -EPROTO) {
		CP_ERR("the dataplane speaks message ABI %u, this dpwan-control %u: run the "
		       "dataplane and the control process of the same build", reply->u.reply.abi,
		       DPW_MSG_ABI);
		goto detach_rc;
	}
	if (rc < 0) {
		CP_ERR("HELLO to the dataplane failed: %s", strerror(-rc));
		goto detach_rc;
	}
	CP_INFO("attached to dpwan-dataplane pid %d (%u ports, %u wans, %u workers, message "
		"ABI %u, wan view gen %llu, document generation %llu)", (int)s->dp_pid,
		s->n_ports, s->n_wans, s->n_workers, reply->u.reply.abi,
		(unsigned long long)reply->u.reply.wan_view_gen,
		(unsigned long long)reply->u.reply.config_gen);
	return 0;
detach:
	rc = -ESRCH;
detach_rc:
	shm = NULL;
	c2d = d2c = NULL;
	return rc;
}
