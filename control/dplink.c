/* SPDX-License-Identifier: BSD-3-Clause
 * (EAL for this secondary is started in main.c with --no-pci: it never probes a NIC.)
 * dplink: attach to the dataplane's memzone and rings, request/reply with sequence
 * numbers and timeouts, event logging and the dataplane liveness check. Runs on the
 * main thread (attach, poll) and on the API thread (requests); a mutex serialises ring
 * access, so this process stays the single producer of C2D and single consumer of D2C.
 */
#include <errno.h>
#include <pthread.h>
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

static pthread_mutex_t link_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct dpw_shm *shm;
static struct rte_ring *c2d;
static struct rte_ring *d2c;
static uint32_t next_seq;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const struct dpw_shm *
cp_dplink_shm(void)
{
	return shm;
}

static void
log_event(const struct dpw_msg *m)
{
	const struct dpw_msg_event *ev = &m->u.event;
	/* Not NUL-terminated when the name fills the field: print it with %.*s. */
	const char *wan = "?";

	if ((ev->type == DPW_EV_WAN_USABLE || ev->type == DPW_EV_GW_RESOLVED) &&
	    shm != NULL && ev->a < shm->n_wans && ev->a < DPW_MAX_WANS)
		wan = shm->wans[ev->a].name;
	switch (ev->type) {
	case DPW_EV_WAN_USABLE:
		CP_INFO("event %s: wan %u (%.*s) %s (dataplane time %llu ms)",
			dpw_event_str(ev->type), ev->a, DPW_NAME_LEN, wan,
			ev->b ? "usable" : "not usable", (unsigned long long)ev->time_ms);
		break;
	case DPW_EV_GW_RESOLVED:
		CP_INFO("event %s: wan %u (%.*s) (dataplane time %llu ms)",
			dpw_event_str(ev->type), ev->a, DPW_NAME_LEN, wan,
			(unsigned long long)ev->time_ms);
		break;
	default:
		CP_INFO("event %s (%u): a=%u b=%u (dataplane time %llu ms)",
			dpw_event_str(ev->type), ev->type, ev->a, ev->b,
			(unsigned long long)ev->time_ms);
		break;
	}
}

/* A message nobody waits for. Called with link_lock held. */
static void
handle_unsolicited(const struct dpw_msg *m)
{
	switch (m->op) {
	case DPW_MSG_EVENT:
		log_event(m);
		break;
	case DPW_MSG_REPLY:
		CP_DEBUG("late reply to %s seq %u (status %d) discarded",
			 dpw_msg_op_str(m->req_op), m->seq, m->status);
		break;
	default:
		CP_WARN("unexpected message op %u (%s) from the dataplane", m->op,
			dpw_msg_op_str(m->op));
		break;
	}
}

int
cp_dplink_poll(void)
{
	struct dpw_msg m;
	int n = 0;

	if (d2c == NULL)
		return 0;
	pthread_mutex_lock(&link_lock);
	/* Bounded: a flood of events must not starve the API thread of the lock. */
	while (n < DPW_RING_SLOTS && rte_ring_dequeue_elem(d2c, &m, sizeof(m)) == 0) {
		handle_unsolicited(&m);
		n++;
	}
	pthread_mutex_unlock(&link_lock);
	return n;
}

int
cp_dplink_request(uint16_t op, const void *payload, unsigned int payload_len,
		  struct dpw_msg *reply, unsigned int timeout_ms)
{
	struct dpw_msg req, m;
	uint64_t deadline;
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
	int rc = -ETIMEDOUT;

	if (c2d == NULL || d2c == NULL)
		return -ENOTCONN;
	if (payload_len > sizeof(req.u))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.op = op;
	if (payload != NULL)
		memcpy(&req.u, payload, payload_len);

	pthread_mutex_lock(&link_lock);
	req.seq = next_seq++;
	if (rte_ring_enqueue_elem(c2d, &req, sizeof(req)) != 0) {
		rc = -ENOBUFS;
		goto unlock;
	}
	deadline = mono_ms() + timeout_ms;
	for (;;) {
		if (rte_ring_dequeue_elem(d2c, &m, sizeof(m)) == 0) {
			if (m.op == DPW_MSG_REPLY && m.seq == req.seq && m.req_op == op) {
				if (reply != NULL)
					*reply = m;
				rc = m.status;
				break;
			}
			handle_unsolicited(&m);
			continue;
		}
		if (mono_ms() >= deadline)
			break;
		/* The dataplane answers from its main lcore loop: sub-ms latency. */
		nanosleep(&pause, NULL);
	}
unlock:
	pthread_mutex_unlock(&link_lock);
	if (rc == -ETIMEDOUT)
		CP_WARN("no reply to %s seq %u within %u ms", dpw_msg_op_str(op), req.seq,
			timeout_ms);
	return rc;
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
	if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) {
		if (why != NULL)
			snprintf(why, whylen, "dataplane pid %d does not exist", (int)pid);
		return 0;
	}
	return 1;
}

int
cp_dplink_attach(void)
{
	const struct rte_memzone *mz;
	const struct dpw_shm *s;
	struct dpw_msg_hello hello;
	struct dpw_msg m;
	char why[128];
	uint32_t seed;
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
		shm = NULL;
		c2d = d2c = NULL;
		return -ESRCH;
	}

	/*
	 * A random first seq: a reply to a request of a previous control instance that
	 * arrives after the drain below cannot be mistaken for one of ours.
	 */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint32_t)cp_now_ms() ^ ((uint32_t)getpid() << 16);
	next_seq = seed;

	pthread_mutex_lock(&link_lock);
	while (rte_ring_dequeue_elem(d2c, &m, sizeof(m)) == 0)
		n++;
	pthread_mutex_unlock(&link_lock);
	if (n > 0)
		CP_INFO("discarded %d stale message(s) on %s", n, DPW_RING_D2C);

	memset(&hello, 0, sizeof(hello));
	hello.pid = getpid();
	hello.abi = DPW_MSG_ABI;
	rc = cp_dplink_request(DPW_MSG_HELLO, &hello, sizeof(hello), &m,
			       CP_DPLINK_TIMEOUT_MS);
	if (rc < 0) {
		CP_ERR("HELLO to the dataplane failed: %s", strerror(-rc));
		return rc;
	}
	CP_INFO("attached to dpwan-dataplane pid %d (%u ports, %u wans, %u workers, "
		"wan view gen %llu)", (int)s->dp_pid, s->n_ports, s->n_wans, s->n_workers,
		(unsigned long long)m.u.reply.wan_view_gen);
	return 0;
}
