/* SPDX-License-Identifier: BSD-3-Clause
 * Quality statistics of the WAN health checks: per target a sliding window of the last
 * probe results (answered or lost, RTT), its loss, RTT mean and mean deviation (jitter)
 * and runs of losses / answers; per WAN the k-of-n verdict of a round over its targets
 * and the WAN's quality as seen through its k best targets. Pure: no DPDK, no I/O, no
 * clock, integer arithmetic only. Any thread; a cp_hstats has one writer.
 */
#ifndef CP_HEALTH_STATS_H
#define CP_HEALTH_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* pfSense's default time period (60 s) over its 500 ms probes is 120 results: it fits. */
#define CP_HSTATS_WINDOW_MAX 128
/* an RTT above this is clamped, so that the sums below can never overflow */
#define CP_HSTATS_RTT_MAX_US 60000000u
/* targets per WAN that a round and the WAN quality consider; more are ignored */
#define CP_HSTATS_TARGETS_MAX 16

/* One target's window: a ring of the last `window` results. */
struct cp_hstats {
	uint32_t rtt_us[CP_HSTATS_WINDOW_MAX]; /* meaningful where answered[i] */
	uint8_t answered[CP_HSTATS_WINDOW_MAX];
	uint16_t window;          /* capacity in use, 1..CP_HSTATS_WINDOW_MAX */
	uint16_t head;            /* slot of the next result */
	uint16_t n;               /* results held, <= window */
	uint32_t run_lost;        /* consecutive losses up to the newest result */
	uint32_t run_answered;    /* consecutive answers up to the newest result */
	uint64_t sent;            /* results since init, not only those in the window */
	uint64_t lost;
};

/* What the window says now. RTT fields are 0 when nothing in the window was answered. */
struct cp_hstats_sum {
	uint32_t n;               /* results in the window */
	uint32_t lost;
	uint32_t answered;
	uint32_t loss_pct;        /* rounded to the nearest percent, for display only */
	uint32_t rtt_mean_us;     /* over the answered results, rounded */
	uint32_t rtt_mdev_us;     /* mean absolute deviation from rtt_mean_us, rounded */
	uint32_t rtt_min_us;
	uint32_t rtt_max_us;
	uint32_t run_lost;
	uint32_t run_answered;
};

/* One round of a WAN's probes over its targets (mwan3 reliability, Peplink's "either one"). */
struct cp_hround {
	uint16_t targets;
	uint16_t answered;        /* targets with at least one answered probe this round */
	bool up;                  /* answered >= reliability */
};

/*
 * A WAN's quality as one number each: the values of its reliability-th best target, so
 * that "at least k targets are below a threshold" is the same as "the WAN's value is
 * below it". Loss is kept as a fraction (lost of n) so thresholds compare exactly.
 */
struct cp_hquality {
	uint32_t lost;
	uint32_t n;               /* 0: no results yet, loss unknown */
	uint32_t rtt_us;          /* meaningful if have_rtt */
	uint32_t jitter_us;
	bool have_rtt;            /* at least k targets had an answer in their window */
};

/* Empty window of `window` results. 0, or -EINVAL if window is 0 or above the maximum. */
int cp_hstats_init(struct cp_hstats *s, unsigned int window);

/* Add one probe result; rtt_us is ignored for a lost probe. The oldest falls out. */
void cp_hstats_add(struct cp_hstats *s, bool answered, uint32_t rtt_us);

/* Summarise the window into *sum. */
void cp_hstats_sum(const struct cp_hstats *s, struct cp_hstats_sum *sum);

/* lost/n strictly above pct percent, exactly (no rounding). False when n is 0. */
bool cp_hstats_loss_above(uint32_t lost, uint32_t n, uint32_t pct);

/* lost/n at most pct percent, exactly. False when n is 0 (nothing to clear on). */
bool cp_hstats_loss_at_most(uint32_t lost, uint32_t n, uint32_t pct);

/*
 * The round's verdict: answered[i] is the number of probes target i answered in the
 * round (mwan3 count: one answer of `count` is enough for the target). reliability 0 is
 * taken as 1; a reliability above the number of targets is never met (as in mwan3).
 */
void cp_hstats_round(const uint8_t *answered, unsigned int n_targets,
		     unsigned int reliability, struct cp_hround *out);

/*
 * The WAN's quality from its targets' summaries: the reliability-th smallest loss and,
 * independently, the reliability-th smallest RTT mean among targets with answers (its
 * jitter comes with it). reliability is clamped to 1..n.
 */
void cp_hstats_wan_quality(const struct cp_hstats_sum *sums, unsigned int n,
			   unsigned int reliability, struct cp_hquality *q);

#endif
