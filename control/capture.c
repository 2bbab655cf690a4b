/* SPDX-License-Identifier: BSD-3-Clause
 * Packet capture through rte_pdump (see capture.h). The dataplane copies what the filter
 * accepts on the captured port (both directions, every queue) into our mempool as
 * pcapng enhanced packet blocks and enqueues them on our ring; a loop timer drains the
 * ring every CAPTURE_POLL_MS and writes each packet with pcap_dump. The ring and the
 * pool are made once and kept (a copy in flight when a capture is disabled may still
 * land in them), and emptied before the next capture starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "control/capture.h"
#include "control/dplink.h"
#include "control/log.h"
#include "control/loop.h"

#define CAPTURE_RING "dpw_cap_ring"
#define CAPTURE_POOL "dpw_cap_pool"
#define CAPTURE_RING_SIZE 8192
#define CAPTURE_MBUFS 4095
#define CAPTURE_POLL_MS 2
#define CAPTURE_BURST 256
#define EPB_TYPE 6

/* pcapng's enhanced packet block header, as rte_pcapng_copy writes it (host order) */
struct epb {
	uint32_t block_type;
	uint32_t block_length;
	uint32_t interface_id;
	uint32_t ts_hi;
	uint32_t ts_lo;
	uint32_t cap_len;
	uint32_t orig_len;
};

static struct {
	int active;
	struct cp_capture_req q;
	uint16_t dpdk_port;
	cp_capture_done_cb cb;
	void *arg;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	struct bpf_program prog;  /* the filter, run again here on what the dataplane sent */
	int have_prog;
	int in_dataplane;         /* the dataplane filters (else it sends us everything) */
	FILE *mem;
	char *buf;
	size_t len;
	uint64_t packets;
	uint64_t started_ms;      /* CLOCK_REALTIME */
	uint64_t deadline;        /* CLOCK_MONOTONIC ms */
	int timer;
	struct rte_pdump_stats base;
	/* the last capture's outcome, for the status resource */
	struct cp_capture_result last;
	char last_port[DPW_NAME_LEN];
	char last_filter[CP_CAPTURE_FILTER_MAX + 1];
	uint64_t last_started_ms;
	int have_last;
} cap = { .timer = 0 };

static struct rte_ring *ring;
static struct rte_mempool *pool;
static uint8_t pkt_buf[65536];

/* The dpdk port of a port or WAN name. -1: none such. */
static int
port_of(const char *name)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	unsigned int i;

	if (shm == NULL)
		return -1;
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++)
		if (strncmp(shm->ports[i].name, name, DPW_NAME_LEN) == 0)
			return shm->ports[i].dpdk_port;
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		if (shm->wans[i].configured && strncmp(shm->wans[i].name, name, DPW_NAME_LEN) == 0)
			return shm->ports[shm->wans[i].port].dpdk_port;
	return -1;
}

static int
make_queue(char *err, size_t errlen)
{
	if (ring == NULL)
		ring = rte_ring_lookup(CAPTURE_RING);
	if (ring == NULL)
		ring = rte_ring_create(CAPTURE_RING, CAPTURE_RING_SIZE, SOCKET_ID_ANY, 0);
	if (pool == NULL)
		pool = rte_mempool_lookup(CAPTURE_POOL);
	/*
	 * rte_pdump wants both multi-producer and multi-consumer. No per-lcore cache: the
	 * dataplane's lcores and ours would share its slots.
	 */
	if (pool == NULL)
		pool = rte_pktmbuf_pool_create_by_ops(CAPTURE_POOL, CAPTURE_MBUFS, 0, 0,
						      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY,
						      "ring_mp_mc");
	if (ring == NULL || pool == NULL) {
		snprintf(err, errlen, "cannot make the capture ring and pool: %s",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

/* Free what an earlier capture left in the ring. */
static void
drain_stale(void)
{
	struct rte_mbuf *m[CAPTURE_BURST];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(ring, (void **)m, CAPTURE_BURST, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Write one pcapng block the dataplane made as a pcap record. */
static void
write_block(const struct rte_mbuf *m)
{
	struct epb hdr;
	const struct epb *e = rte_pktmbuf_read(m, 0, sizeof(hdr), &hdr);
	const uint8_t *data;
	struct pcap_pkthdr ph;
	uint64_t ns, now = now_ns();

	if (e == NULL || e->block_type != EPB_TYPE || e->cap_len > sizeof(pkt_buf))
		return;
	data = rte_pktmbuf_read(m, sizeof(hdr), e->cap_len, pkt_buf);
	if (data == NULL)
		return;
	/* the dataplane's clock, unless it is not one we can read (then ours) */
	ns = (uint64_t)e->ts_hi << 32 | e->ts_lo;
	if (ns > now + 3600ull * 1000000000ull || ns + 3600ull * 1000000000ull < now)
		ns = now;
	ph.ts.tv_sec = (time_t)(ns / 1000000000ull);
	ph.ts.tv_usec = (suseconds_t)(ns % 1000000000ull);   /* nanoseconds: the file says so */
	ph.caplen = e->cap_len;
	ph.len = e->orig_len;
	if (cap.have_prog && pcap_offline_filter(&cap.prog, &ph, data) == 0)
		return;
	pcap_dump((u_char *)cap.dumper, &ph, data);
	cap.packets++;
}

static void
finish(const char *why, int call)
{
	struct rte_pdump_stats st;
	struct cp_capture_result *res = &cap.last;

	if (cap.timer > 0)
		cp_loop_timer_cancel(cap.timer);
	cap.timer = 0;
	rte_pdump_disable(cap.dpdk_port, RTE_PDUMP_ALL_QUEUES, RTE_PDUMP_FLAG_RXTX);
	pcap_dump_flush(cap.dumper);
	pcap_dump_close(cap.dumper);     /* closes the memstream: buf and len are final */
	pcap_close(cap.dead);
	cap.dumper = NULL;
	cap.dead = NULL;
	cap.mem = NULL;
	if (cap.have_prog)
		pcap_freecode(&cap.prog);
	cap.have_prog = 0;
	memset(&st, 0, sizeof(st));
	rte_pdump_stats(cap.dpdk_port, &st);
	res->buf = cap.buf;
	res->len = cap.len;
	res->packets = cap.packets;
	res->filter_in_dataplane = cap.in_dataplane;
	res->dropped = (st.nombuf - cap.base.nombuf) + (st.ringfull - cap.base.ringfull);
	res->stopped_by = why;
	snprintf(cap.last_port, sizeof(cap.last_port), "%s", cap.q.port);
	snprintf(cap.last_filter, sizeof(cap.last_filter), "%s", cap.q.filter);
	cap.last_started_ms = cap.started_ms;
	cap.have_last = 1;
	cap.active = 0;
	CP_INFO("capture of %s (filter '%s') ended by %s: %llu packets, %zu bytes", cap.q.port,
		cap.q.filter, why, (unsigned long long)cap.packets, cap.len);
	if (call && cap.cb != NULL)
		cap.cb(cap.arg, res);
	free(cap.buf);
	cap.buf = NULL;
	res->buf = NULL;
	res->len = 0;
	cap.cb = NULL;
	cap.arg = NULL;
}

static void
on_poll(void *arg)
{
	struct rte_mbuf *m[CAPTURE_BURST];
	unsigned int n, i;
	long pos;

	(void)arg;
	cap.timer = 0;
	if (!cap.active)
		return;
	while ((n = rte_ring_dequeue_burst(ring, (void **)m, CAPTURE_BURST, NULL)) > 0) {
		for (i = 0; i < n; i++)
			if (cap.q.count == 0 || cap.packets < cap.q.count)
				write_block(m[i]);
		rte_pktmbuf_free_bulk(m, n);
		if (n < CAPTURE_BURST)
			break;
	}
	pcap_dump_flush(cap.dumper);
	pos = ftell(cap.mem);
	if (cap.q.count != 0 && cap.packets >= cap.q.count) {
		finish("count", 1);
		return;
	}
	if (pos >= (long)CP_CAPTURE_BYTES_MAX) {
		finish("size", 1);
		return;
	}
	if (cp_loop_now_ms() >= cap.deadline) {
		finish("duration", 1);
		return;
	}
	cap.timer = cp_loop_timer(CAPTURE_POLL_MS, on_poll, NULL);
	if (cap.timer < 0)
		finish("stopped", 1);
}

static int
check_req(const struct cp_capture_req *q, int *port, char *err, size_t errlen)
{
	*port = port_of(q->port);
	if (*port < 0) {
		snprintf(err, errlen, "port: no port or WAN named '%s'", q->port);
		return -EINVAL;
	}
	if (q->duration_s == 0 || q->duration_s > CP_CAPTURE_DURATION_MAX_S) {
		snprintf(err, errlen, "duration: %u s is not 1 to %u", q->duration_s,
			 CP_CAPTURE_DURATION_MAX_S);
		return -EINVAL;
	}
	if (q->count > CP_CAPTURE_PACKETS_MAX) {
		snprintf(err, errlen, "count: %u is over %u", q->count, CP_CAPTURE_PACKETS_MAX);
		return -EINVAL;
	}
	if (q->snaplen < CP_CAPTURE_SNAPLEN_MIN || q->snaplen > CP_CAPTURE_SNAPLEN_DEFAULT) {
		snprintf(err, errlen, "snaplen: %u is not %u to %u", q->snaplen,
			 CP_CAPTURE_SNAPLEN_MIN, CP_CAPTURE_SNAPLEN_DEFAULT);
		return -EINVAL;
	}
	return 0;
}

/*
 * DPDK 22.11's cBPF to eBPF conversion gets loads of a byte or a word at an offset from
 * X wrong (icmp[0], tcp[13], "tcp[tcpflags] & tcp-syn != 0" match nothing); half-word
 * ones (the ports) are right. A program with such a load is not given to the dataplane.
 */
static int
convertible(const struct bpf_program *prog)
{
	unsigned int i;

	for (i = 0; i < prog->bf_len; i++) {
		uint16_t code = prog->bf_insns[i].code;

		if (code == (BPF_LD | BPF_IND | BPF_B) || code == (BPF_LD | BPF_IND | BPF_W))
			return 0;
	}
	return 1;
}

/*
 * The filter compiled by libpcap into cap.prog and, when it converts well, for the
 * dataplane into *prm (NULL: the dataplane sends every packet). "" is no filter.
 */
static int
compile_filter(const char *expr, uint32_t snaplen, struct rte_bpf_prm **prm, char *err,
	       size_t errlen)
{
	pcap_t *p;

	*prm = NULL;
	cap.have_prog = 0;
	cap.in_dataplane = 0;
	if (expr[0] == '\0')
		return 0;
	p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (p == NULL) {
		snprintf(err, errlen, "libpcap: out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, &cap.prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	cap.have_prog = 1;
	if (convertible(&cap.prog))
		*prm = rte_bpf_convert(&cap.prog);
	cap.in_dataplane = *prm != NULL;
	if (!cap.in_dataplane)
		CP_INFO("capture filter '%s' runs in dpwan-control only (%s)", expr,
			convertible(&cap.prog) ? rte_strerror(rte_errno) :
			"DPDK would convert it wrongly");
	return 0;
}

static int
enable(const struct cp_capture_req *q, const struct rte_bpf_prm *prm, char *err,
       size_t errlen)
{
	uint32_t flags = RTE_PDUMP_FLAG_RXTX | RTE_PDUMP_FLAG_PCAPNG;
	int rc, e;

	if (q->force)
		rte_pdump_disable(cap.dpdk_port, RTE_PDUMP_ALL_QUEUES, RTE_PDUMP_FLAG_RXTX);
	rc = rte_pdump_enable_bpf(cap.dpdk_port, RTE_PDUMP_ALL_QUEUES, flags, q->snaplen, ring,
				  pool, prm);
	if (rc == 0)
		return 0;
	e = abs(rte_errno);
	/* a half-enabled port (rx taken, tx refused) must not stay so */
	if (e != EEXIST)
		rte_pdump_disable(cap.dpdk_port, RTE_PDUMP_ALL_QUEUES, RTE_PDUMP_FLAG_RXTX);
	if (e == EEXIST) {
		snprintf(err, errlen, "port %s is already being captured by another client "
			 "(dpdk-dumpcap, or a capture a stopped dpwan-control left); force: "
			 "true stops that one first", q->port);
		return -EEXIST;
	}
	snprintf(err, errlen, "the dataplane refused the capture of %s: %s", q->port,
		 rte_strerror(e));
	return -EIO;
}

int
cp_capture_start(const struct cp_capture_req *q, cp_capture_done_cb cb, void *arg,
		 char *err, size_t errlen)
{
	struct rte_bpf_prm *prm;
	int port, rc;

	if (cap.active) {
		snprintf(err, errlen, "a capture of %s is running (one at a time)", cap.q.port);
		return -EBUSY;
	}
	if ((rc = check_req(q, &port, err, errlen)) != 0 ||
	    (rc = compile_filter(q->filter, q->snaplen, &prm, err, errlen)) != 0)
		return rc;
	if ((rc = make_queue(err, errlen)) != 0)
		goto out;
	drain_stale();
	cap.q = *q;
	cap.dpdk_port = (uint16_t)port;
	cap.buf = NULL;
	cap.len = 0;
	cap.mem = open_memstream(&cap.buf, &cap.len);
	cap.dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)q->snaplen,
							PCAP_TSTAMP_PRECISION_NANO);
	cap.dumper = cap.mem != NULL && cap.dead != NULL ?
		pcap_dump_fopen(cap.dead, cap.mem) : NULL;
	if (cap.dumper == NULL) {
		snprintf(err, errlen, "cannot start the pcap file: out of memory");
		rc = -ENOMEM;
		goto out_file;
	}
	memset(&cap.base, 0, sizeof(cap.base));
	rte_pdump_stats(cap.dpdk_port, &cap.base);
	if ((rc = enable(q, prm, err, errlen)) != 0)
		goto out_file;
	cap.packets = 0;
	cap.cb = cb;
	cap.arg = arg;
	cap.started_ms = dpw_now_ms();
	cap.deadline = cp_loop_now_ms() + (uint64_t)q->duration_s * 1000;
	cap.active = 1;
	cap.timer = cp_loop_timer(CAPTURE_POLL_MS, on_poll, NULL);
	if (cap.timer < 0) {
		cap.cb = NULL;
		finish("stopped", 0);
		snprintf(err, errlen, "no timer left in the control loop");
		rc = -ENOMEM;
		goto out;
	}
	CP_INFO("capture of %s (dpdk port %u, filter '%s' in the %s) started: count %u, %u s, "
		"snaplen %u", q->port, cap.dpdk_port, q->filter,
		cap.in_dataplane ? "dataplane" : "control process", q->count, q->duration_s,
		q->snaplen);
	rte_free(prm);
	return 0;

out_file:
	if (cap.dumper != NULL)
		pcap_dump_close(cap.dumper);
	else if (cap.mem != NULL)
		fclose(cap.mem);
	if (cap.dead != NULL)
		pcap_close(cap.dead);
	cap.dumper = NULL;
	cap.dead = NULL;
	cap.mem = NULL;
	free(cap.buf);
	cap.buf = NULL;
out:
	if (cap.have_prog)
		pcap_freecode(&cap.prog);
	cap.have_prog = 0;
	rte_free(prm);
	return rc;
}

int
cp_capture_stop(void)
{
	if (!cap.active)
		return -ENOENT;
	if (cap.timer > 0)
		cp_loop_timer_cancel(cap.timer);
	on_poll(NULL);      /* what the ring holds goes in first */
	if (cap.active)
		finish("stopped", 1);
	return 0;
}

void
cp_capture_abandon(void *arg)
{
	if (cap.active && cap.arg == arg) {
		cap.cb = NULL;
		finish("abandoned", 0);
	}
}

void
cp_capture_shutdown(void)
{
	if (cap.active) {
		cap.cb = NULL;
		finish("stopped", 0);
	}
}

static const char *
filter_in(int in_dataplane, const char *filter)
{
	return filter[0] == '\0' ? "none" : in_dataplane ? "dataplane" : "control";
}

json_t *
cp_capture_status_json(void)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "active", json_boolean(cap.active));
	if (cap.active) {
		json_object_set_new(j, "port", json_string(cap.q.port));
		json_object_set_new(j, "filter", json_string(cap.q.filter));
		json_object_set_new(j, "count", json_integer(cap.q.count));
		json_object_set_new(j, "duration", json_integer(cap.q.duration_s));
		json_object_set_new(j, "snaplen", json_integer(cap.q.snaplen));
		json_object_set_new(j, "filter_in",
				    json_string(filter_in(cap.in_dataplane, cap.q.filter)));
		json_object_set_new(j, "started_ms", json_integer((json_int_t)cap.started_ms));
		json_object_set_new(j, "packets", json_integer((json_int_t)cap.packets));
		json_object_set_new(j, "bytes", json_integer(cap.mem ? ftell(cap.mem) : 0));
	} else if (cap.have_last) {
		json_t *l = json_object();

		json_object_set_new(l, "port", json_string(cap.last_port));
		json_object_set_new(l, "filter", json_string(cap.last_filter));
		json_object_set_new(l, "started_ms", json_integer((json_int_t)cap.last_started_ms));
		json_object_set_new(l, "packets", json_integer((json_int_t)cap.last.packets));
		json_object_set_new(l, "filter_in",
				    json_string(filter_in(cap.last.filter_in_dataplane, cap.last_filter)));
		json_object_set_new(l, "dropped", json_integer((json_int_t)cap.last.dropped));
		json_object_set_new(l, "stopped_by", json_string(cap.last.stopped_by));
		json_object_set_new(j, "last", l);
	}
	return j;
}
