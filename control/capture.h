/* SPDX-License-Identifier: BSD-3-Clause
 * Packet capture through DPDK's capture framework (rte_pdump): the dataplane (primary)
 * runs rte_pdump_init, so dpdk-dumpcap works against it like against any DPDK
 * application; this module is the same kind of client inside dpwan-control. It compiles
 * a libpcap filter, converts it to eBPF (rte_bpf_convert) for the dataplane to run on
 * the captured port's packets only, drains the copies from a ring on the control loop
 * and writes them with libpcap into a pcap file held in memory (nanosecond timestamps,
 * the dataplane's). One capture at a time, bounded in packets, bytes and time. Main
 * thread (the control loop).
 */
#ifndef CP_CAPTURE_H
#define CP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/shm/dpw_shm.h"

#define CP_CAPTURE_FILTER_MAX 1024          /* bytes of a filter expression */
#define CP_CAPTURE_PACKETS_MAX 1000000u
#define CP_CAPTURE_DURATION_DEFAULT_S 10u
#define CP_CAPTURE_DURATION_MAX_S 600u
#define CP_CAPTURE_SNAPLEN_DEFAULT 65535u
#define CP_CAPTURE_SNAPLEN_MIN 64u
#define CP_CAPTURE_BYTES_MAX (64u << 20)    /* of the pcap file: then it stops */

struct cp_capture_req {
	char port[DPW_NAME_LEN];              /* a port's name or a WAN's */
	char filter[CP_CAPTURE_FILTER_MAX + 1]; /* libpcap syntax; "": everything */
	uint32_t count;                       /* stop after this many (0: no bound) */
	uint32_t duration_s;                  /* stop after this long (1..MAX) */
	uint32_t snaplen;                     /* bytes kept of each packet */
	bool force;                           /* stop a capture of that port left by another
					       * client (dpdk-dumpcap, a previous control) */
};

/* Why a capture ended, and what it holds. The buffer is the whole pcap file. */
struct cp_capture_result {
	const char *buf;
	size_t len;
	uint64_t packets;         /* in the file */
	uint64_t dropped;         /* lost in the dataplane: no mbuf or the ring full, as
				   * rte_pdump_stats counts them (all clients of the port) */
	bool filter_in_dataplane; /* else dpwan-control filtered all the port's packets */
	const char *stopped_by;   /* "count", "duration", "size", "stopped" */
};

/* Called once when the capture ends; res and its buffer are valid during the call. */
typedef void (*cp_capture_done_cb)(void *arg, const struct cp_capture_result *res);

/*
 * Start a capture. 0, or -EINVAL (bad port, filter or bound: err says which), -EBUSY
 * (one is running here), -EEXIST (the port is captured by another client and !force),
 * -ENOMEM, -EIO (the dataplane refused: err says why).
 */
int cp_capture_start(const struct cp_capture_req *q, cp_capture_done_cb cb, void *arg,
		     char *err, size_t errlen);

/* End the running capture now: its callback runs with what it holds. -ENOENT: none. */
int cp_capture_stop(void);

/* The requester of the capture started with arg went away: end it without a callback. */
void cp_capture_abandon(void *arg);

/* At exit: end the running capture without a callback (its request is gone). */
void cp_capture_shutdown(void);

/* The running capture (or the last one) as JSON. New reference. */
json_t *cp_capture_status_json(void);

#endif
