/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN history's ring, rates and state age (see history_ring.h). Pure. Main thread
 * (control/history.c) and the unit tests.
 */
#include <string.h>

#include "control/history_ring.h"

void
cp_hist_ring_reset(struct cp_hist_ring *r)
{
	r->head = 0;
	r->n = 0;
}

void
cp_hist_ring_push(struct cp_hist_ring *r, const struct cp_hist_sample *s)
{
	r->s[r->head] = *s;
	r->head = (r->head + 1) % CP_HIST_LEN;
	if (r->n < CP_HIST_LEN)
		r->n++;
}

const struct cp_hist_sample *
cp_hist_ring_at(const struct cp_hist_ring *r, unsigned int i)
{
	if (i >= r->n)
		return NULL;
	/* the oldest is at head once the ring is full, at 0 before */
	return &r->s[(r->head + CP_HIST_LEN - r->n + i) % CP_HIST_LEN];
}

unsigned int
cp_hist_ring_after(const struct cp_hist_ring *r, int64_t since_ms)
{
	unsigned int i = r->n;

	while (i > 0 && cp_hist_ring_at(r, i - 1)->t_ms > since_ms)
		i--;
	return i;
}

int64_t
cp_hist_rate_bps(uint64_t prev, uint64_t cur, uint64_t dt_ms)
{
	uint64_t bytes;

	if (dt_ms == 0 || cur < prev)
		return CP_HIST_RATE_NONE;
	bytes = cur - prev;
	/* bytes x 8000 overflows past 2^64 / 8000 bytes (2.3 PB): divide first then */
	if (bytes > UINT64_MAX / 8000)
		return (int64_t)(bytes / dt_ms * 8000);
	return (int64_t)(bytes * 8000 / dt_ms);
}

void
cp_hist_wan_reset(struct cp_hist_wan *w)
{
	memset(w, 0, sizeof(*w));
}

void
cp_hist_wan_state(struct cp_hist_wan *w, uint8_t state, int64_t now_ms,
		  int64_t first_since_ms)
{
	if (!w->seen) {
		w->seen = true;
		w->state = state;
		w->state_since_ms = first_since_ms > 0 && first_since_ms <= now_ms ?
				    first_since_ms : now_ms;
		return;
	}
	if (w->state != state) {
		w->state = state;
		w->state_since_ms = now_ms;
	}
}

void
cp_hist_wan_sample(struct cp_hist_wan *w, struct cp_hist_sample *s, uint64_t rx,
		   uint64_t tx, uint64_t mono_ms)
{
	s->rx_bps = CP_HIST_RATE_NONE;
	s->tx_bps = CP_HIST_RATE_NONE;
	if (w->have_prev && mono_ms > w->prev_mono_ms) {
		s->rx_bps = cp_hist_rate_bps(w->prev_rx, rx, mono_ms - w->prev_mono_ms);
		s->tx_bps = cp_hist_rate_bps(w->prev_tx, tx, mono_ms - w->prev_mono_ms);
	}
	w->have_prev = true;
	w->prev_rx = rx;
	w->prev_tx = tx;
	w->prev_mono_ms = mono_ms;
	cp_hist_ring_push(&w->ring, s);
}
