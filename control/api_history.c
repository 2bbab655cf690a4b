/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource GET /api/v1/history (issue 11, the dashboard's graphs): per WAN its state
 * now with the time it has been in it, the health checker's latency and loss thresholds
 * from the running document, and the samples of the last hour (control/history.h) as
 * columns, optionally only those after ?since=<Unix time>. Read-only role. Main thread.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/history.h"
#include "control/wan.h"

#define SINCE_MAX 9999999999UL        /* Unix seconds: 10 digits (the year 2286) */

/* The WAN's quality bands (DESIGN.md s3), null without checks or without judging them. */
static json_t *
thresholds_json(const char *name)
{
	const struct dpw_doc_wan *dw = dpw_doc_wan_find(&cp_config_running()->doc, name);
	const struct dpw_doc_health *h;

	if (dw == NULL || dw->health.method == DPW_HM_NONE || !dw->health.quality)
		return json_null();
	h = &dw->health;
	return json_pack("{s:I,s:I,s:I,s:I}",
			 "latency_warn_ms", (json_int_t)h->latency_warn_ms,
			 "latency_down_ms", (json_int_t)h->latency_down_ms,
			 "loss_warn_pct", (json_int_t)h->loss_warn_pct,
			 "loss_down_pct", (json_int_t)h->loss_down_pct);
}

static json_t *
int_or_null(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer((json_int_t)v);
}

/* Samples from index first on, one array per figure. */
static json_t *
samples_json(const struct cp_hist_ring *ring, unsigned int first)
{
	json_t *t = json_array(), *st = json_array(), *rtt = json_array(), *jit = json_array();
	json_t *loss = json_array(), *rx = json_array(), *tx = json_array();
	unsigned int i;

	for (i = first; i < ring->n; i++) {
		const struct cp_hist_sample *s = cp_hist_ring_at(ring, i);

		json_array_append_new(t, json_integer((json_int_t)(s->t_ms / 1000)));
		json_array_append_new(st, json_string(dpw_wan_state_str(s->state)));
		json_array_append_new(rtt, int_or_null(s->rtt_us, CP_HIST_NONE));
		json_array_append_new(jit, int_or_null(s->jitter_us, CP_HIST_NONE));
		json_array_append_new(loss, isnan(s->loss_pct) ? json_null() :
				      json_real((double)(int64_t)(s->loss_pct * 100 + 0.5) / 100));
		json_array_append_new(rx, int_or_null(s->rx_bps, CP_HIST_RATE_NONE));
		json_array_append_new(tx, int_or_null(s->tx_bps, CP_HIST_RATE_NONE));
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "t", t, "state", st, "rtt_us", rtt,
			 "jitter_us", jit, "loss_pct", loss, "rx_bps", rx, "tx_bps", tx);
}

static json_t *
wan_json(const struct dpw_shm *shm, unsigned int i, int64_t since_ms, int64_t now_ms)
{
	const struct cp_hist_wan *h = cp_history_wan(i);
	const struct dpw_wan_shm *w = &shm->wans[i];
	char name[DPW_NAME_LEN + 1];

	snprintf(name, sizeof(name), "%.*s", DPW_NAME_LEN, w->name);
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "name", name,
			 "state", dpw_wan_state_str(cp_wan_state(shm, i)),
			 "state_since", h->seen ? cp_api_time_json(h->state_since_ms) : json_null(),
			 "seconds_in_state", h->seen ? json_integer((json_int_t)(
				 (now_ms - h->state_since_ms) / 1000)) : json_null(),
			 "thresholds", thresholds_json(name),
			 "samples", samples_json(&h->ring, cp_hist_ring_after(&h->ring, since_ms)));
}

void
cp_api_history_get(struct cp_req *r)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	const char *since_arg = cp_api_arg(r, "since");
	int64_t now_ms = (int64_t)dpw_now_ms(), since_ms = INT64_MIN;
	unsigned long since = 0;
	char err[128];
	json_t *wans;
	unsigned int i;

	if (since_arg != NULL) {
		if (cp_api_parse_uint(since_arg, 0, SINCE_MAX, &since, err, sizeof(err)) < 0) {
			cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "since", "message",
							 err), "since: Unix time in seconds, %s",
				       err);
			return;
		}
		/* sample times are whole seconds in the answer: "after since" is after the
		 * last millisecond of that second, so a sample is never given twice */
		since_ms = (int64_t)since * 1000 + 999;
	}
	if (shm == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return;
	}
	wans = json_array();
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		json_array_append_new(wans, wan_json(shm, i, since_ms, now_ms));
	cp_api_send_json(r, 200, json_pack("{s:i,s:i,s:I,s:o}", "period_s",
					   CP_HIST_PERIOD_MS / 1000, "span_s", CP_HIST_SPAN_S,
					   "now", (json_int_t)(now_ms / 1000), "wans", wans));
}
