/* SPDX-License-Identifier: BSD-3-Clause
 * Sizing of the dataplane's one mbuf pool and of its mbufs' data room, from the ports,
 * the workers and the rings (system.mbufs, ports[].mtu). Pure: no DPDK; the dataplane
 * passes its descriptor, ring and burst sizes in. Any thread.
 *
 * Every place that can hold an mbuf while the pool must still serve the others is
 * counted: a pool that runs dry stops RX on every port at once, a failure that shows up
 * only under load and only on a real NIC (whose RX rings are filled at start).
 */
#ifndef DPW_MBUFS_H
#define DPW_MBUFS_H

#include <stddef.h>
#include <stdint.h>

/* Ethernet header and one 802.1Q tag: what a frame adds to its MTU in the data room. */
#define DPW_FRAME_OVERHEAD (14 + 4)
/*
 * Room some PMDs keep in the receive buffer besides the frame: virtio's 12-byte net
 * header comes out of it and virtio refuses an RX queue (without scatter) whose buffer
 * is smaller than MTU + 18 + that header. 64 keeps a cache line of slack for others.
 */
#define DPW_RX_SLACK 64

/* What holds mbufs, as the dataplane builds it. */
struct dpw_mbuf_shape {
	unsigned int n_ports;       /* wire ports; each also has a kernel TAP */
	unsigned int n_workers;     /* worker lcores: one RX and one TX queue per port each */
	unsigned int rx_desc;       /* per wire RX queue */
	unsigned int tx_desc;       /* per wire TX queue */
	unsigned int tap_rx_desc;   /* per TAP (one queue; net_tap fills its RX ring at setup) */
	unsigned int shared_ring_slots; /* rings of the whole process (slow, hold, arp, inject) */
	unsigned int worker_ring_slots; /* rings of each worker (handoff, relay) */
	unsigned int held;          /* frames parked outside rings (waiting for a gateway MAC) */
	unsigned int cache;         /* per-lcore mempool cache size */
	unsigned int burst;         /* packets per burst */
	unsigned int txq_len;       /* per worker and port: the TX buffer (dp_txq) */
};

/* The sum, and what it is made of (for the message that refuses a too small pool). */
struct dpw_mbuf_need {
	unsigned int n_ports, n_workers;
	uint64_t wire;              /* n_ports x n_workers x (rx_desc + tx_desc) */
	uint64_t taps;              /* n_ports x tap_rx_desc */
	uint64_t rings;             /* shared + n_workers x per-worker rings, + held */
	uint64_t caches;            /* (n_workers + 1) x 1.5 x cache: a cache fills to 1.5x */
	uint64_t in_flight;         /* workers: RX burst, made frames, TX buffers; main: 2 bursts */
	uint64_t total;             /* the sum of the above: the least system.mbufs accepted */
	uint64_t with_margin;       /* total + 1/8: the default when system.mbufs is not set */
};

/* Fill need from shape. Any thread. */
void dpw_mbuf_need(const struct dpw_mbuf_shape *shape, struct dpw_mbuf_need *need);

/*
 * The pool size to use: the configured one (0 = not set: total + margin, capped at
 * 2^24 - 1) if it holds need->total. 0, or -ENOSPC with one line in err that names the
 * setting, the value and the sum with its parts. Any thread.
 */
int dpw_mbuf_pool_size(const struct dpw_mbuf_need *need, uint32_t configured,
		       const char *where, uint32_t *size, char *err, size_t errlen);

/*
 * Data room of one mbuf (headroom included) so that a frame of the largest MTU plus
 * DPW_FRAME_OVERHEAD and DPW_RX_SLACK fits one segment: the default room (default_room,
 * headroom included) or more, rounded up to 64 bytes. The stages never see chained mbufs.
 */
uint32_t dpw_mbuf_data_room(uint32_t max_mtu, uint32_t headroom, uint32_t default_room);

/*
 * Lcores EAL will run with the given extra arguments (--lcores / -l / -c, the last one
 * given wins as in EAL's own parser), or n_cpus when none names them (EAL then takes
 * every CPU of the process's affinity). -EINVAL if a list cannot be read.
 */
int dpw_eal_lcore_count(char *const *args, int n_args, unsigned int n_cpus);

#endif
