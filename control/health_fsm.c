/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN state machine and its presets (see health_fsm.h for the rules). Pure: the
 * time comes in as an argument, nothing is read from the system. Any thread; one
 * writer per cp_hfsm.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control/health_fsm.h"

static const char *const state_names[] = {
#define CP_X_STR(e, s) [CP_HFSM_##e] = s,
	CP_HFSM_STATES(CP_X_STR)
#undef CP_X_STR
};
_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == CP_HFSM_N_STATES,
	       "one name per state");

static const char *const ival_names[] = {
#define CP_X_STR(e, s) [CP_HFSM_IVAL_##e] = s,
	CP_HFSM_IVALS(CP_X_STR)
#undef CP_X_STR
};
_Static_assert(sizeof(ival_names) / sizeof(ival_names[0]) == CP_HFSM_N_IVALS,
	       "one name per interval");

const char *
cp_hfsm_state_str(enum cp_hfsm_state s)
{
	return (unsigned int)s < CP_HFSM_N_STATES ? state_names[s] : "unknown";
}

const char *
cp_hfsm_ival_str(enum cp_hfsm_ival i)
{
	return (unsigned int)i < CP_HFSM_N_IVALS ? ival_names[i] : "unknown";
}

void
cp_hfsm_cfg_from_doc(const struct dpw_doc_health *h, struct cp_hfsm_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_ms = h->interval_ms;
	c->failure_interval_ms = h->failure_interval_ms;
	c->recovery_interval_ms = h->recovery_interval_ms;
	c->down_interval_ms = h->down_interval_ms;
	c->timeout_ms = h->timeout_ms;
	c->count = h->count;
	c->reliability = h->reliability;
	c->window = h->window;
	c->down = h->down;
	c->up = h->up;
	c->up_max = h->up_max;
	c->flap_window_ms = h->flap_window_ms;
	c->quality = h->quality;
	c->min_probes = h->min_probes;
	c->lat_warn_ms = h->latency_warn_ms;
	c->lat_warn_clear_ms = h->latency_warn_clear_ms;
	c->lat_down_ms = h->latency_down_ms;
	c->lat_down_clear_ms = h->latency_down_clear_ms;
	c->loss_warn_pct = h->loss_warn_pct;
	c->loss_warn_clear_pct = h->loss_warn_clear_pct;
	c->loss_down_pct = h->loss_down_pct;
	c->loss_down_clear_pct = h->loss_down_clear_pct;
	c->initial_state = h->initial_offline ? CP_HFSM_OFFLINE : CP_HFSM_ONLINE;
}

/* The presets live with the document (lib/cfg/dpw_doc_health.c): one table for both. */
int
cp_hfsm_preset(const char *name, struct cp_hfsm_cfg *cfg)
{
	struct dpw_doc_health h;

	memset(&h, 0, sizeof(h));
	if (dpw_doc_health_preset(name, &h) != 0)
		return -ENOENT;
	cp_hfsm_cfg_from_doc(&h, cfg);
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* one enter/clear pair: clear at most enter; a latency clear of 0 could never be met */
static int
check_band(const char *what, uint32_t enter, uint32_t clear, bool zero_clear_ok, char *err,
	   size_t errlen)
{
	if (enter == 0)
		return 0;
	if (clear > enter) {
		say(err, errlen, "%s: the clear threshold %u is above the threshold %u", what,
		    clear, enter);
		return -EINVAL;
	}
	if (clear == 0 && !zero_clear_ok) {
		say(err, errlen, "%s: a clear threshold of 0 is never met", what);
		return -EINVAL;
	}
	return 0;
}

int
cp_hfsm_cfg_check(const struct cp_hfsm_cfg *c, char *err, size_t errlen)
{
	if (c->interval_ms == 0 || c->failure_interval_ms == 0 || c->recovery_interval_ms == 0 ||
	    c->down_interval_ms == 0 || c->timeout_ms == 0) {
		say(err, errlen, "intervals and the timeout must be above 0 ms");
		return -EINVAL;
	}
	if (c->count == 0 || c->reliability == 0) {
		say(err, errlen, "count and reliability must be at least 1");
		return -EINVAL;
	}
	if (c->window == 0 || c->window > CP_HSTATS_WINDOW_MAX) {
		say(err, errlen, "window must be 1..%u probes", CP_HSTATS_WINDOW_MAX);
		return -EINVAL;
	}
	if (c->down == 0 || c->up == 0 || c->up_max < c->up) {
		say(err, errlen, "down and up must be at least 1 and up_max at least up");
		return -EINVAL;
	}
	if (c->min_probes > c->window) {
		say(err, errlen, "min_probes %u is above the window %u", c->min_probes, c->window);
		return -EINVAL;
	}
	if (c->initial_state != CP_HFSM_ONLINE && c->initial_state != CP_HFSM_OFFLINE) {
		say(err, errlen, "initial_state must be online or offline");
		return -EINVAL;
	}
	if (c->loss_warn_pct > 100 || c->loss_down_pct > 100) {
		say(err, errlen, "loss thresholds are percentages");
		return -EINVAL;
	}
	if (c->lat_warn_ms && c->lat_down_ms && c->lat_warn_ms > c->lat_down_ms) {
		say(err, errlen, "latency: the warning threshold is above the down threshold");
		return -EINVAL;
	}
	if (c->loss_warn_pct && c->loss_down_pct && c->loss_warn_pct > c->loss_down_pct) {
		say(err, errlen, "loss: the warning threshold is above the down threshold");
		return -EINVAL;
	}
	if (check_band("latency warning", c->lat_warn_ms, c->lat_warn_clear_ms, false, err,
		       errlen) < 0 ||
	    check_band("latency down", c->lat_down_ms, c->lat_down_clear_ms, false, err,
		       errlen) < 0 ||
	    check_band("loss warning", c->loss_warn_pct, c->loss_warn_clear_pct, true, err,
		       errlen) < 0 ||
	    check_band("loss down", c->loss_down_pct, c->loss_down_clear_pct, true, err,
		       errlen) < 0)
		return -EINVAL;
	return 0;
}

uint32_t
cp_hfsm_interval_ms(const struct cp_hfsm_cfg *cfg, enum cp_hfsm_ival ival)
{
	switch (ival) {
	case CP_HFSM_IVAL_NORMAL:
		return cfg->interval_ms;
	case CP_HFSM_IVAL_FAILURE:
		return cfg->failure_interval_ms;
	case CP_HFSM_IVAL_RECOVERY:
		return cfg->recovery_interval_ms;
	case CP_HFSM_IVAL_DOWN:
		return cfg->down_interval_ms;
	default:
		return 0;
	}
}

static void
health_start(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *f, uint64_t now_ms)
{
	f->health = cfg->initial_state == CP_HFSM_OFFLINE ? CP_HFSM_OFFLINE : CP_HFSM_ONLINE;
	f->probe_up = f->health == CP_HFSM_ONLINE;
	f->counter = f->probe_up ? cfg->down : 0;
	f->last_round_up = f->probe_up;
	f->offline_quality = false;
	f->qwarn = false;
	f->qdown = false;
	f->rise_req = cfg->up;
	f->flaps = 0;
	f->fail_run = 0;
	f->ok_run = 0;
	f->recovered_ms = 0;
	f->health_since_ms = now_ms;
	memset(&f->last_q, 0, sizeof(f->last_q));
}

void
cp_hfsm_init(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *fsm, uint64_t now_ms)
{
	memset(fsm, 0, sizeof(*fsm));
	health_start(cfg, fsm, now_ms);
	fsm->state = fsm->health;
	fsm->since_ms = now_ms;
}

/* milliseconds with one decimal from microseconds: lab RTTs are below 1 ms */
#define MS_FMT "%u.%u ms"
#define MS_ARGS(us) (unsigned int)((us) / 1000), (unsigned int)((us) % 1000 / 100)

static uint32_t
pct_round(uint32_t lost, uint32_t n)
{
	return n ? (uint32_t)(((uint64_t)lost * 100 + n / 2) / n) : 0;
}

/* why a latched verdict was taken, from the quality it was taken on */
static void
say_quality(char *buf, size_t len, const struct cp_hquality *q, bool by_latency,
	    uint32_t lat_ms, uint32_t loss_pct, const char *band)
{
	if (by_latency)
		say(buf, len, "latency " MS_FMT " above the %s threshold %u ms",
		    MS_ARGS(q->rtt_us), band, lat_ms);
	else
		say(buf, len, "loss %u%% over %u probes above the %s threshold %u%%",
		    pct_round(q->lost, q->n), q->n, band, loss_pct);
}

/*
 * Set or clear one latched verdict. Set: a judged value strictly above its threshold.
 * Clear: every judged value at or below its clear threshold (a value not judged, e.g.
 * no RTT yet, neither sets nor blocks).
 */
static void
latch(bool *on, bool *by_latency, const struct cp_hquality *q, bool lat_ok, bool loss_ok,
      uint32_t lat_ms, uint32_t lat_clear_ms, uint32_t loss_pct, uint32_t loss_clear_pct)
{
	bool lat_on = lat_ok && lat_ms != 0;
	bool loss_on = loss_ok && loss_pct != 0;

	if (!*on) {
		if (lat_on && q->rtt_us > (uint64_t)lat_ms * 1000) {
			*on = true;
			*by_latency = true;
		} else if (loss_on && cp_hstats_loss_above(q->lost, q->n, loss_pct)) {
			*on = true;
			*by_latency = false;
		}
		return;
	}
	if (!lat_on && !loss_on)
		return;
	if (lat_on && q->rtt_us > (uint64_t)lat_clear_ms * 1000)
		return;
	if (loss_on && !cp_hstats_loss_at_most(q->lost, q->n, loss_clear_pct))
		return;
	*on = false;
}

static void
go_offline(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *f, bool quality, uint64_t now_ms)
{
	uint32_t req = cfg->up;
	unsigned int i;

	if (f->recovered_ms != 0 && now_ms - f->recovered_ms < cfg->flap_window_ms) {
		if (f->flaps < CP_HFSM_FLAPS_MAX)
			f->flaps++;
	} else {
		f->flaps = 0;
	}
	for (i = 0; i < f->flaps && req < cfg->up_max; i++)
		req *= 2;
	f->rise_req = req < cfg->up_max ? req : cfg->up_max;
	f->probe_up = false;
	f->counter = 0;
	f->offline_quality = quality;
	f->downs++;
}

/*
 * recovered: the link itself came back (the start of a flap window); the last-usable
 * exception is not that, it follows the other WANs, not this one.
 */
static void
go_up(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *f, bool recovered, uint64_t now_ms)
{
	f->probe_up = true;
	f->counter = cfg->down;
	f->offline_quality = false;
	if (recovered)
		f->recovered_ms = now_ms;
	f->ups++;
}

/* The round: counters, latches, and the probe side of the machine. */
static void
on_round(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *f, const struct cp_hfsm_input *in,
	 uint64_t now_ms, char *why, size_t len)
{
	const struct cp_hround *r = &in->round;

	f->last_round_up = r->up;
	if (r->up) {
		f->ok_run++;
		f->fail_run = 0;
	} else {
		f->fail_run++;
		f->ok_run = 0;
	}
	if (cfg->quality) {
		const struct cp_hquality *q = &in->quality;
		bool loss_ok = q->n > 0 && q->n >= cfg->min_probes;

		f->last_q = *q;
		latch(&f->qdown, &f->qdown_lat, q, q->have_rtt, loss_ok, cfg->lat_down_ms,
		      cfg->lat_down_clear_ms, cfg->loss_down_pct, cfg->loss_down_clear_pct);
		latch(&f->qwarn, &f->qwarn_lat, q, q->have_rtt, loss_ok, cfg->lat_warn_ms,
		      cfg->lat_warn_clear_ms, cfg->loss_warn_pct, cfg->loss_warn_clear_pct);
	}

	if (f->probe_up) {
		if (r->up) {
			if (f->counter < cfg->down)
				f->counter++;
			return;
		}
		if (--f->counter > 0)
			return;
		go_offline(cfg, f, false, now_ms);
		if (f->fail_run >= cfg->down)
			say(why, len, "%u consecutive failed rounds: %u of %u targets answered",
			    f->fail_run, r->answered, r->targets);
		else
			say(why, len, "failed rounds outweigh good ones (%u in a row now): "
			    "%u of %u targets answered", f->fail_run, r->answered, r->targets);
		return;
	}
	/* offline: quality latched down keeps a round from counting, unless last usable */
	if (r->up && (!f->qdown || in->last_usable))
		f->counter++;
	else if (!r->up && f->counter > 0)
		f->counter--;
	if (f->counter < f->rise_req)
		return;
	go_up(cfg, f, true, now_ms);
	if (f->rise_req > cfg->up)
		say(why, len, "%u good rounds (hold-down after %u flaps: %u needed, normally %u): "
		    "%u of %u targets answered", f->ok_run, f->flaps, f->rise_req, cfg->up,
		    r->answered, r->targets);
	else
		say(why, len, "%u good rounds: %u of %u targets answered", f->ok_run,
		    r->answered, r->targets);
}

/* The quality and last-usable rules over the probe side, at every step. */
static void
derive(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *f, const struct cp_hfsm_input *in,
       uint64_t now_ms, char *why, size_t len)
{
	enum cp_hfsm_state before = f->health;
	char q[CP_HFSM_REASON_LEN];

	if (!f->probe_up && f->offline_quality && in->last_usable && f->last_round_up) {
		go_up(cfg, f, false, now_ms);
		say_quality(q, sizeof(q), &f->last_q, f->qdown_lat, cfg->lat_down_ms,
			    cfg->loss_down_pct, "down");
		say(why, len, "%s, but no other WAN is usable: degraded, not offline", q);
		f->health = CP_HFSM_DEGRADED;
		return;
	}
	if (!f->probe_up) {
		f->health = CP_HFSM_OFFLINE;
		return;
	}
	if (f->qdown && !in->last_usable) {
		go_offline(cfg, f, true, now_ms);
		f->health = CP_HFSM_OFFLINE;
		say_quality(why, len, &f->last_q, f->qdown_lat, cfg->lat_down_ms,
			    cfg->loss_down_pct, "down");
		return;
	}
	f->health = f->qdown || f->qwarn ? CP_HFSM_DEGRADED : CP_HFSM_ONLINE;
	if (f->health == before || why[0] != '\0')
		return;
	if (f->qdown) {
		say_quality(q, sizeof(q), &f->last_q, f->qdown_lat, cfg->lat_down_ms,
			    cfg->loss_down_pct, "down");
		say(why, len, "%s, but no other WAN is usable: degraded, not offline", q);
	} else if (f->qwarn) {
		say_quality(why, len, &f->last_q, f->qwarn_lat, cfg->lat_warn_ms,
			    cfg->loss_warn_pct, "warning");
	} else {
		say(why, len, "quality back: latency " MS_FMT ", loss %u%% over %u probes",
		    MS_ARGS(f->last_q.rtt_us), pct_round(f->last_q.lost, f->last_q.n),
		    f->last_q.n);
	}
}

static enum cp_hfsm_ival
next_ival(const struct cp_hfsm_cfg *cfg, const struct cp_hfsm *f)
{
	if (f->state == CP_HFSM_DISABLED)
		return CP_HFSM_IVAL_NONE;
	if (f->probe_up)
		return f->counter < cfg->down ? CP_HFSM_IVAL_FAILURE : CP_HFSM_IVAL_NORMAL;
	return f->counter > 0 || f->last_round_up ? CP_HFSM_IVAL_RECOVERY : CP_HFSM_IVAL_DOWN;
}

enum cp_hfsm_state
cp_hfsm_step(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *fsm,
	     const struct cp_hfsm_input *in, uint64_t now_ms, struct cp_hfsm_out *out)
{
	enum cp_hfsm_state prev = fsm->state, prev_health = fsm->health;
	char why[CP_HFSM_REASON_LEN] = "";
	bool enabled_now = false;

	memset(out, 0, sizeof(*out));
	out->prev = prev;
	if (!in->admin_up) {
		fsm->state = CP_HFSM_DISABLED;
		goto report;
	}
	if (fsm->state == CP_HFSM_DISABLED) {
		/* mwan3 ifup: a WAN enabled again starts afresh, its past is no evidence */
		health_start(cfg, fsm, now_ms);
		prev_health = CP_HFSM_N_STATES;
		enabled_now = true;
	}
	if (in->have_round)
		on_round(cfg, fsm, in, now_ms, why, sizeof(why));
	derive(cfg, fsm, in, now_ms, why, sizeof(why));
	fsm->state = in->forced_down ? CP_HFSM_FORCED_DOWN : fsm->health;

report:
	out->state = fsm->state;
	out->changed = fsm->state != prev;
	out->health_changed = fsm->state != CP_HFSM_DISABLED && fsm->health != prev_health;
	if (out->changed) {
		fsm->since_ms = now_ms;
		fsm->changes++;
	}
	if (out->health_changed)
		fsm->health_since_ms = now_ms;
	if (fsm->state == CP_HFSM_DISABLED) {
		if (out->changed)
			say(out->reason, sizeof(out->reason), "administratively disabled");
	} else if (enabled_now) {
		say(out->reason, sizeof(out->reason), "enabled: %s", why[0] ? why :
		    fsm->health == CP_HFSM_ONLINE ? "online (initial state)" :
		    "offline until probes answer (initial state)");
	} else if (out->changed && fsm->state == CP_HFSM_FORCED_DOWN) {
		say(out->reason, sizeof(out->reason), "marked down by the administrator "
		    "(health: %s%s%s)", cp_hfsm_state_str(fsm->health), why[0] ? ", " : "", why);
	} else if (out->changed && prev == CP_HFSM_FORCED_DOWN) {
		say(out->reason, sizeof(out->reason), "no longer marked down: %s", why[0] ? why :
		    cp_hfsm_state_str(fsm->health));
	} else if (out->changed || out->health_changed) {
		say(out->reason, sizeof(out->reason), "%s", why);
	}
	if (fsm->state == CP_HFSM_DISABLED || fsm->state == CP_HFSM_FORCED_DOWN)
		out->usable = false;
	else
		out->usable = in->monitor_only || fsm->health != CP_HFSM_OFFLINE;
	out->ival = next_ival(cfg, fsm);
	out->next_interval_ms = cp_hfsm_interval_ms(cfg, out->ival);
	return fsm->state;
}
