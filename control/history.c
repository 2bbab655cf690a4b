/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN history's sampler (see history.h): one loop timer a second reads the shared
 * WAN view (states) and, on every CP_HIST_PERIOD_MS boundary, the health figures and the
 * WAN byte counters summed over the lcores into each WAN's ring. Reads only: never waits
 * on the dataplane. Main thread.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "control/dplink.h"
#include "control/health.h"
#include "control/history.h"
#include "control/log.h"
#include "control/loop.h"
#include "control/wan.h"

static struct cp_hist_wan hist[DPW_MAX_WANS];
static char hist_name[DPW_MAX_WANS][DPW_NAME_LEN];
static uint64_t next_tick_ms, next_sample_ms;   /* CLOCK_MONOTONIC, on their grids */

const struct cp_hist_wan *
cp_history_wan(unsigned int wan)
{
	return wan < DPW_MAX_WANS ? &hist[wan] : NULL;
}

static void
sample_wan(const struct dpw_shm *shm, unsigned int i, int64_t now_ms, uint64_t mono_ms)
{
	struct cp_health_figures f;
	struct cp_hist_sample s;

	memset(&s, 0, sizeof(s));
	s.t_ms = now_ms;
	s.state = hist[i].state;
	s.rtt_us = s.jitter_us = CP_HIST_NONE;
	s.loss_pct = NAN;
	if (cp_health_figures(i, &f)) {
		if (f.have_rtt) {
			/* (the checker's own figures are whole microseconds) */
			s.rtt_us = (int32_t)(f.rtt_s * 1e6 + 0.5);
			s.jitter_us = (int32_t)(f.jitter_s * 1e6 + 0.5);
		}
		if (f.have_loss)
			s.loss_pct = (float)(f.loss_ratio * 100);
	}
	cp_hist_wan_sample(&hist[i], &s, DPW_SHM_SUM(shm, wan_rx_bytes[i]),
			   DPW_SHM_SUM(shm, wan_tx_bytes[i]), mono_ms);
}

static void
on_tick(void *arg)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	uint64_t mono = cp_loop_now_ms();
	int64_t now = (int64_t)dpw_now_ms();
	bool sample = mono >= next_sample_ms;
	unsigned int i;

	for (i = 0; shm != NULL && i < shm->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_wan_shm *w = &shm->wans[i];

		/* a WAN index is a port of dpwan.conf: it changes only with a new dataplane */
		if (strncmp(hist_name[i], w->name, DPW_NAME_LEN) != 0) {
			cp_hist_wan_reset(&hist[i]);
			memcpy(hist_name[i], w->name, DPW_NAME_LEN);
		}
		cp_hist_wan_state(&hist[i], (uint8_t)cp_wan_state(shm, i), now,
				  w->usable ? (int64_t)w->usable_since_ms : 0);
		if (sample)
			sample_wan(shm, i, now, mono);
	}
	/* on their grids, so that samples stay CP_HIST_PERIOD_MS apart; after a stall, the
	 * next from now (no burst of late ones) */
	if (sample)
		next_sample_ms += CP_HIST_PERIOD_MS;
	if (next_sample_ms <= mono)
		next_sample_ms = mono + CP_HIST_PERIOD_MS;
	next_tick_ms += CP_HISTORY_STATE_MS;
	if (next_tick_ms <= mono)
		next_tick_ms = mono + CP_HISTORY_STATE_MS;
	if (cp_loop_timer(next_tick_ms - mono, on_tick, NULL) < 0)
		CP_ERR("history: no loop timer left: the WAN history stops");
}

int
cp_history_init(void)
{
	unsigned int i;

	for (i = 0; i < DPW_MAX_WANS; i++)
		cp_hist_wan_reset(&hist[i]);
	memset(hist_name, 0, sizeof(hist_name));
	next_tick_ms = next_sample_ms = cp_loop_now_ms();
	return cp_loop_timer(0, on_tick, NULL) < 0 ? -ENOSPC : 0;
}
