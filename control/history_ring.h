/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN history's pure core (the dashboard's graphs): a fixed ring of the last hour of
 * samples per WAN (state, RTT, jitter, loss, receive and transmit rates), the rate of a
 * byte counter between two samples, the time a WAN has been in its state, and which
 * samples are newer than a given time. No allocation, no I/O, no clock: the caller passes
 * the times, so the unit tests (test/unit/test_cp_history.c) drive it. Any one thread.
 */
#ifndef CP_HISTORY_RING_H
#define CP_HISTORY_RING_H

#include <stdbool.h>
#include <stdint.h>

#define CP_HIST_PERIOD_MS 5000                  /* between two samples */
#define CP_HIST_SPAN_S 3600                     /* kept: the last hour */
#define CP_HIST_LEN (CP_HIST_SPAN_S * 1000 / CP_HIST_PERIOD_MS)
#define CP_HIST_RATE_NONE (-1)                  /* no rate: first sample, counter reset */
#define CP_HIST_NONE (-1)                       /* no RTT / jitter */

struct cp_hist_sample {
	int64_t t_ms;             /* CLOCK_REALTIME, Unix ms */
	int32_t rtt_us;           /* CP_HIST_NONE: none (no checker, nothing answered) */
	int32_t jitter_us;
	float loss_pct;           /* NaN: none */
	int64_t rx_bps;           /* bits per second received on the WAN, or CP_HIST_RATE_NONE */
	int64_t tx_bps;
	uint8_t state;            /* enum dpw_wan_state (lib/shm/dpw_shm.h) */
};

struct cp_hist_ring {
	struct cp_hist_sample s[CP_HIST_LEN];
	unsigned int head;        /* the next slot written */
	unsigned int n;           /* samples held, <= CP_HIST_LEN */
};

/* One WAN's history: its ring, what the next rates are taken from, its state's age. */
struct cp_hist_wan {
	struct cp_hist_ring ring;
	bool have_prev;
	uint64_t prev_rx, prev_tx;    /* byte counters at the last sample */
	uint64_t prev_mono_ms;        /* CLOCK_MONOTONIC of the last sample */
	bool seen;                    /* state below is valid */
	uint8_t state;
	int64_t state_since_ms;       /* Unix ms */
};

/* Empty the ring. */
void cp_hist_ring_reset(struct cp_hist_ring *r);

/* Append a sample; the oldest goes once CP_HIST_LEN are held. */
void cp_hist_ring_push(struct cp_hist_ring *r, const struct cp_hist_sample *s);

/* Sample i, 0 the oldest, i < r->n (NULL beyond). */
const struct cp_hist_sample *cp_hist_ring_at(const struct cp_hist_ring *r, unsigned int i);

/*
 * Index of the first of the newest samples whose times are all after since_ms (r->n:
 * none is). The ring is walked from its newest sample back to the first at or before
 * since_ms, so a clock stepped back only hides the samples before the step.
 */
unsigned int cp_hist_ring_after(const struct cp_hist_ring *r, int64_t since_ms);

/*
 * Bits per second of a byte counter that went from prev to cur in dt_ms, or
 * CP_HIST_RATE_NONE when dt_ms is 0 or the counter went back (the dataplane restarted).
 */
int64_t cp_hist_rate_bps(uint64_t prev, uint64_t cur, uint64_t dt_ms);

/* Forget everything of w (a new WAN at its index). */
void cp_hist_wan_reset(struct cp_hist_wan *w);

/*
 * The WAN's state now: the time in state restarts at now_ms when it differs from the
 * last one seen; the first state seen dates from first_since_ms (the dataplane's
 * usable_since for a usable WAN; now_ms when nothing better is known).
 */
void cp_hist_wan_state(struct cp_hist_wan *w, uint8_t state, int64_t now_ms,
		       int64_t first_since_ms);

/*
 * Take a sample of w: s's state and health figures as given, its rates from the byte
 * counters rx / tx at mono_ms against the last sample's; then pushed.
 */
void cp_hist_wan_sample(struct cp_hist_wan *w, struct cp_hist_sample *s, uint64_t rx,
			uint64_t tx, uint64_t mono_ms);

#endif
