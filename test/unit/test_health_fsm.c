/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/health_fsm.c: every transition of the WAN state machine, the
 * one rise/fall counter, the quality bands and their hysteresis, the hold-down against
 * a flapping link, last-usable protection, monitor only, forced down and disabled
 * precedence, the probe interval chosen, and the presets' values against the seeds.
 * Single-threaded; no DPDK.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/health_fsm.h"

/* a small machine: down 3, up 2 (hold-down to 8 within 10 s), bands on both measures */
static struct cp_hfsm_cfg
base_cfg(void)
{
	struct cp_hfsm_cfg c;

	memset(&c, 0, sizeof(c));
	c.interval_ms = 1000;
	c.failure_interval_ms = 250;
	c.recovery_interval_ms = 500;
	c.down_interval_ms = 4000;
	c.timeout_ms = 800;
	c.count = 1;
	c.reliability = 1;
	c.window = 20;
	c.down = 3;
	c.up = 2;
	c.up_max = 8;
	c.flap_window_ms = 10000;
	c.quality = true;
	c.min_probes = 5;
	c.lat_warn_ms = 100;
	c.lat_warn_clear_ms = 80;
	c.lat_down_ms = 300;
	c.lat_down_clear_ms = 200;
	c.loss_warn_pct = 10;
	c.loss_warn_clear_pct = 5;
	c.loss_down_pct = 30;
	c.loss_down_clear_pct = 15;
	c.initial_state = CP_HFSM_ONLINE;
	return c;
}

struct rig {
	struct cp_hfsm_cfg cfg;
	struct cp_hfsm fsm;
	struct cp_hfsm_input in;   /* level inputs persist between steps */
	struct cp_hfsm_out out;
	uint64_t now;
};

static void
rig_init(struct rig *r, const struct cp_hfsm_cfg *cfg)
{
	char err[128];

	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	assert_int_equal(cp_hfsm_cfg_check(&r->cfg, err, sizeof(err)), 0);
	r->now = 1000000;
	cp_hfsm_init(&r->cfg, &r->fsm, r->now);
	r->in.admin_up = true;
}

/* a round of 2 targets, `answered` of them answering, with the WAN's quality */
static enum cp_hfsm_state
round_q(struct rig *r, unsigned int answered, uint32_t rtt_ms, uint32_t lost, uint32_t n)
{
	r->now += 1000;
	r->in.have_round = true;
	r->in.round.targets = 2;
	r->in.round.answered = (uint16_t)answered;
	r->in.round.up = answered >= r->cfg.reliability;
	r->in.quality.lost = lost;
	r->in.quality.n = n;
	r->in.quality.have_rtt = answered > 0;
	r->in.quality.rtt_us = rtt_ms * 1000;
	r->in.quality.jitter_us = 0;
	return cp_hfsm_step(&r->cfg, &r->fsm, &r->in, r->now, &r->out);
}

static enum cp_hfsm_state
good(struct rig *r)
{
	return round_q(r, 2, 20, 0, 20);
}

static enum cp_hfsm_state
bad(struct rig *r)
{
	/* loss 0 of 20 so that only the probe counter is exercised */
	return round_q(r, 0, 0, 0, 20);
}

/* a change of the level inputs without a round */
static enum cp_hfsm_state
settle(struct rig *r)
{
	r->now += 10;
	r->in.have_round = false;
	return cp_hfsm_step(&r->cfg, &r->fsm, &r->in, r->now, &r->out);
}

static void
test_presets(void **state)
{
	struct cp_hfsm_cfg c;
	char err[128];

	(void)state;
	assert_int_equal(cp_hfsm_preset("nope", &c), -ENOENT);

	assert_int_equal(cp_hfsm_preset("dpwan", &c), 0);
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.interval_ms, 200);
	assert_int_equal(c.down, 3);
	assert_true(c.timeout_ms + (c.down - 1) * c.interval_ms < 1000); /* sub-second */
	assert_true(c.up_max > c.up);                                   /* has a hold-down */
	assert_true(c.quality);

	assert_int_equal(cp_hfsm_preset("peplink", &c), 0);
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.interval_ms, 5000);
	assert_int_equal(c.timeout_ms, 5000);
	assert_int_equal(c.down, 3);
	assert_int_equal(c.up, 3);
	assert_false(c.quality);

	assert_int_equal(cp_hfsm_preset("mwan3", &c), 0);
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.interval_ms, 10000);
	assert_int_equal(c.failure_interval_ms, 10000);
	assert_int_equal(c.recovery_interval_ms, 10000);
	assert_int_equal(c.timeout_ms, 4000);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.reliability, 1);
	assert_int_equal(c.down, 5);
	assert_int_equal(c.up, 5);
	assert_false(c.quality);
	assert_int_equal(c.lat_down_ms, 1000);
	assert_int_equal(c.lat_down_clear_ms, 500);
	assert_int_equal(c.loss_down_pct, 40);
	assert_int_equal(c.loss_down_clear_pct, 10);
	assert_int_equal(c.initial_state, CP_HFSM_ONLINE);

	assert_int_equal(cp_hfsm_preset("pfsense", &c), 0);
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.interval_ms, 500);
	assert_int_equal(c.timeout_ms, 2000);
	assert_int_equal(c.window * c.interval_ms, 60000);
	assert_int_equal(c.lat_warn_ms, 200);
	assert_int_equal(c.lat_down_ms, 500);
	assert_int_equal(c.loss_warn_pct, 10);
	assert_int_equal(c.loss_down_pct, 20);
	assert_true(c.quality);
	/* pfSense's own constraint: time period > 2 x (probe interval + loss interval) */
	assert_true(c.window * c.interval_ms > 2 * (c.interval_ms + c.timeout_ms));
}

static void
test_cfg_check(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	char err[128];

	(void)state;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	c.down = 0;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.up_max = 1;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.lat_warn_clear_ms = 120;     /* clear above enter: no hysteresis but a hole */
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "latency warning"));
	c = base_cfg();
	c.lat_down_clear_ms = 0;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.loss_down_clear_pct = 0;     /* "only at no loss at all" is a valid choice */
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), 0);
	c = base_cfg();
	c.loss_warn_pct = 40;          /* warning above down */
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.initial_state = CP_HFSM_DEGRADED;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.window = CP_HSTATS_WINDOW_MAX + 1;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
	c = base_cfg();
	c.min_probes = 21;
	assert_int_equal(cp_hfsm_cfg_check(&c, err, sizeof(err)), -EINVAL);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(cp_hfsm_state_str(CP_HFSM_ONLINE), "online");
	assert_string_equal(cp_hfsm_state_str(CP_HFSM_FORCED_DOWN), "forced_down");
	assert_string_equal(cp_hfsm_state_str(CP_HFSM_N_STATES), "unknown");
	assert_string_equal(cp_hfsm_ival_str(CP_HFSM_IVAL_FAILURE), "failure");
	assert_string_equal(cp_hfsm_ival_str(CP_HFSM_IVAL_DOWN), "down");
}

/* online -> offline after `down` consecutive failed rounds, with the fast interval between */
static void
test_online_to_offline(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	assert_int_equal(r.fsm.state, CP_HFSM_ONLINE);
	assert_int_equal(good(&r), CP_HFSM_ONLINE);
	assert_false(r.out.changed);
	assert_string_equal(r.out.reason, "");
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_NORMAL);
	assert_int_equal(r.out.next_interval_ms, 1000);
	assert_true(r.out.usable);

	assert_int_equal(bad(&r), CP_HFSM_ONLINE);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_FAILURE);
	assert_int_equal(r.out.next_interval_ms, 250);
	assert_int_equal(bad(&r), CP_HFSM_ONLINE);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_FAILURE);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_true(r.out.changed);
	assert_int_equal(r.out.prev, CP_HFSM_ONLINE);
	assert_false(r.out.usable);
	assert_string_equal(r.out.reason, "3 consecutive failed rounds: 0 of 2 targets answered");
	assert_int_equal(r.fsm.since_ms, r.now);
	assert_int_equal(r.fsm.downs, 1);
	assert_int_equal(r.fsm.changes, 1);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_DOWN);
	assert_int_equal(r.out.next_interval_ms, 4000);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_false(r.out.changed);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_DOWN);
}

/* one counter: a good round pays back one bad one (HAProxy health, mwan3track score) */
static void
test_counter_pays_back(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;
	int i;

	(void)state;
	rig_init(&r, &c);
	for (i = 0; i < 20; i++) {
		assert_int_equal(bad(&r), CP_HFSM_ONLINE);
		assert_int_equal(good(&r), CP_HFSM_ONLINE);
		assert_int_equal(r.out.ival, CP_HFSM_IVAL_NORMAL); /* back to full */
	}
	/* 2 bad, 1 good, 2 bad: 3 -> 1 -> 2 -> 0 */
	bad(&r);
	bad(&r);
	good(&r);
	assert_int_equal(bad(&r), CP_HFSM_ONLINE);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_non_null(strstr(r.out.reason, "failed rounds outweigh good ones (2 in a row now)"));
}

/* offline -> online after `up` good rounds; recovery interval while it is suspected */
static void
test_offline_to_online(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	c.initial_state = CP_HFSM_OFFLINE;
	rig_init(&r, &c);
	assert_int_equal(r.fsm.state, CP_HFSM_OFFLINE);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_DOWN);
	assert_int_equal(good(&r), CP_HFSM_OFFLINE);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_RECOVERY);
	assert_int_equal(r.out.next_interval_ms, 500);
	/* a failure during recovery takes one back */
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_int_equal(good(&r), CP_HFSM_OFFLINE);
	assert_int_equal(good(&r), CP_HFSM_ONLINE);
	assert_true(r.out.changed);
	assert_true(r.out.usable);
	assert_string_equal(r.out.reason, "2 good rounds: 2 of 2 targets answered");
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_NORMAL);
	assert_int_equal(r.fsm.ups, 1);
}

/*
 * A link up for 2 rounds, down for 3, over and over: without a hold-down it would come
 * back on every cycle; with it, the required up count doubles at each flap (2, 4, 8) and
 * the link, never up for 8 rounds in a row, stays offline after its third flap.
 */
static unsigned int
run_flapping(const struct cp_hfsm_cfg *c, unsigned int cycles, unsigned int *ups)
{
	struct rig r;
	unsigned int i, j, offline_entries = 0;

	rig_init(&r, c);
	for (i = 0; i < cycles; i++) {
		for (j = 0; j < 3; j++) {
			bad(&r);
			if (r.out.changed && r.out.state == CP_HFSM_OFFLINE)
				offline_entries++;
		}
		for (j = 0; j < 2; j++)
			good(&r);
	}
	*ups = (unsigned int)r.fsm.ups;
	return offline_entries;
}

static void
test_holddown_flapping(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	unsigned int with, without, ups_with, ups_without;

	(void)state;
	c.up = 2;
	c.up_max = 2;                 /* no hold-down */
	without = run_flapping(&c, 20, &ups_without);
	c.up_max = 8;
	with = run_flapping(&c, 20, &ups_with);
	print_message("flapping link, 20 cycles: %u offline entries without hold-down, %u with\n",
		      without, with);
	assert_int_equal(without, 20);
	assert_int_equal(ups_without, 20);
	/*
	 * with: offline #1 (needs 2, comes back), offline #2 (a flap: 4), needs 4 good in a
	 * run of 2 good + 3 bad: the counter goes 2 up, 2 down... never 4. Stays offline.
	 */
	assert_int_equal(with, 2);
	assert_int_equal(ups_with, 1);
}

/* the doubling goes 2, 4, 8 and stops at up_max; a long stable period resets it */
static void
test_holddown_doubling_and_decay(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;
	unsigned int i, flap, need[] = { 2, 4, 8, 8 };

	(void)state;
	rig_init(&r, &c);
	for (flap = 0; flap < 4; flap++) {
		bad(&r);
		bad(&r);
		assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
		assert_int_equal(r.fsm.rise_req, need[flap]);
		for (i = 0; i + 1 < need[flap]; i++)
			assert_int_equal(good(&r), CP_HFSM_OFFLINE);
		assert_int_equal(good(&r), CP_HFSM_ONLINE);
		if (need[flap] > c.up)
			assert_non_null(strstr(r.out.reason, "hold-down"));
	}
	/* stable for longer than the flap window: the next offline needs `up` again */
	for (i = 0; i < 11; i++)
		good(&r);
	bad(&r);
	bad(&r);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_int_equal(r.fsm.rise_req, 2);
	assert_int_equal(r.fsm.flaps, 0);
}

/* latency above the warning band: degraded; back only at or below the clear threshold */
static void
test_quality_warn_hysteresis(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	assert_int_equal(round_q(&r, 2, 100, 0, 20), CP_HFSM_ONLINE); /* equal: not above */
	assert_int_equal(round_q(&r, 2, 101, 0, 20), CP_HFSM_DEGRADED);
	assert_string_equal(r.out.reason, "latency 101.0 ms above the warning threshold 100 ms");
	assert_true(r.out.usable);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_NORMAL);
	/* between clear (80) and warn (100): stays degraded */
	assert_int_equal(round_q(&r, 2, 90, 0, 20), CP_HFSM_DEGRADED);
	assert_int_equal(round_q(&r, 2, 81, 0, 20), CP_HFSM_DEGRADED);
	assert_int_equal(round_q(&r, 2, 80, 0, 20), CP_HFSM_ONLINE);
	assert_non_null(strstr(r.out.reason, "quality back: latency 80.0 ms, loss 0% over 20"));
	/* the same for loss: 3 of 20 = 15 % > 10 %; clear at <= 5 % (1 of 20) */
	assert_int_equal(round_q(&r, 2, 20, 3, 20), CP_HFSM_DEGRADED);
	assert_string_equal(r.out.reason,
			    "loss 15% over 20 probes above the warning threshold 10%");
	assert_int_equal(round_q(&r, 2, 20, 2, 20), CP_HFSM_DEGRADED); /* 10 %: not clear */
	assert_int_equal(round_q(&r, 2, 20, 1, 20), CP_HFSM_ONLINE);
	/* loss is not judged on fewer than min_probes results */
	assert_int_equal(round_q(&r, 2, 20, 2, 4), CP_HFSM_ONLINE);
}

/* above the down band: offline; back after clear + `up` good rounds */
static void
test_quality_down(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	assert_int_equal(round_q(&r, 2, 20, 7, 20), CP_HFSM_OFFLINE);   /* 35 % > 30 % */
	assert_string_equal(r.out.reason, "loss 35% over 20 probes above the down threshold 30%");
	assert_true(r.fsm.offline_quality);
	assert_int_equal(r.fsm.downs, 1);
	/* probes answer: recovery interval, so that the window refreshes */
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_RECOVERY);
	/* 20 % is below the down band but above its clear threshold 15 %: no counting */
	assert_int_equal(round_q(&r, 2, 20, 4, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 4, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 4, 20), CP_HFSM_OFFLINE);
	/* 15 %: clears the down latch, still above warn-clear: comes back degraded after 2 */
	assert_int_equal(round_q(&r, 2, 20, 3, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 3, 20), CP_HFSM_DEGRADED);
	assert_int_equal(round_q(&r, 2, 20, 0, 20), CP_HFSM_ONLINE);
	/* latency down band */
	assert_int_equal(round_q(&r, 2, 301, 0, 20), CP_HFSM_OFFLINE);
	assert_string_equal(r.out.reason, "latency 301.0 ms above the down threshold 300 ms");
}

/* the last usable WAN: quality makes it degraded, never offline; probes still can */
static void
test_last_usable(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	r.in.last_usable = true;
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_DEGRADED);   /* 50 % */
	assert_non_null(strstr(r.out.reason, "but no other WAN is usable"));
	assert_true(r.out.usable);
	assert_int_equal(round_q(&r, 2, 500, 10, 20), CP_HFSM_DEGRADED);
	/* another WAN comes back: the latched verdict applies at once, without a round */
	r.in.last_usable = false;
	assert_int_equal(settle(&r), CP_HFSM_OFFLINE);
	assert_true(r.fsm.offline_quality);
	assert_non_null(strstr(r.out.reason, "above the down threshold"));
	/* and it goes away again: degraded at once, since probes answer */
	r.in.last_usable = true;
	assert_int_equal(settle(&r), CP_HFSM_DEGRADED);
	assert_true(r.out.usable);
	/* probe failure does take the last usable WAN offline */
	bad(&r);
	bad(&r);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_non_null(strstr(r.out.reason, "consecutive failed rounds"));
	/* offline for probes, last usable, bad quality latched: good rounds still count */
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_DEGRADED);
	/* without the flag, a quality-offline WAN whose probes answer stays offline */
	rig_init(&r, &c);
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_OFFLINE);
	assert_int_equal(round_q(&r, 2, 20, 10, 20), CP_HFSM_OFFLINE);
}

/* monitor only: the state is computed and reported, the usable verdict ignores it */
static void
test_monitor_only(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	r.in.monitor_only = true;
	bad(&r);
	bad(&r);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_true(r.out.changed);
	assert_true(r.out.usable);
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_DOWN);
	r.in.monitor_only = false;
	assert_int_equal(settle(&r), CP_HFSM_OFFLINE);
	assert_false(r.out.usable);
	/* forced down wins over monitor only */
	r.in.monitor_only = true;
	r.in.forced_down = true;
	assert_int_equal(settle(&r), CP_HFSM_FORCED_DOWN);
	assert_false(r.out.usable);
}

/* forced down over any health; the health underneath goes on and is reported after */
static void
test_forced_down(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	r.in.forced_down = true;
	assert_int_equal(good(&r), CP_HFSM_FORCED_DOWN);
	assert_true(r.out.changed);
	assert_false(r.out.usable);
	assert_string_equal(r.out.reason, "marked down by the administrator (health: online)");
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_NORMAL); /* monitoring goes on (pfSense) */
	bad(&r);
	bad(&r);
	assert_int_equal(bad(&r), CP_HFSM_FORCED_DOWN);
	assert_false(r.out.changed);
	assert_true(r.out.health_changed);
	assert_non_null(strstr(r.out.reason, "3 consecutive failed rounds"));
	assert_int_equal(r.fsm.health, CP_HFSM_OFFLINE);
	r.in.forced_down = false;
	assert_int_equal(settle(&r), CP_HFSM_OFFLINE);
	assert_true(r.out.changed);
	assert_string_equal(r.out.reason, "no longer marked down: offline");
	/* forced over a degraded WAN, too */
	rig_init(&r, &c);
	assert_int_equal(round_q(&r, 2, 150, 0, 20), CP_HFSM_DEGRADED);
	r.in.forced_down = true;
	assert_int_equal(settle(&r), CP_HFSM_FORCED_DOWN);
	r.in.forced_down = false;
	assert_int_equal(settle(&r), CP_HFSM_DEGRADED);
}

/* disabled over everything: forced down, good rounds, last usable; no probes */
static void
test_disabled(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;

	(void)state;
	rig_init(&r, &c);
	r.in.admin_up = false;
	r.in.forced_down = true;
	r.in.last_usable = true;
	r.in.monitor_only = true;
	assert_int_equal(good(&r), CP_HFSM_DISABLED);
	assert_true(r.out.changed);
	assert_false(r.out.usable);
	assert_string_equal(r.out.reason, "administratively disabled");
	assert_int_equal(r.out.ival, CP_HFSM_IVAL_NONE);
	assert_int_equal(r.out.next_interval_ms, 0);
	assert_int_equal(bad(&r), CP_HFSM_DISABLED);
	assert_false(r.out.changed);
	assert_string_equal(r.out.reason, "");
	/* enabled again: starts afresh at initial_state (forced down still applies) */
	r.in.admin_up = true;
	assert_int_equal(settle(&r), CP_HFSM_FORCED_DOWN);
	r.in.forced_down = false;
	assert_int_equal(settle(&r), CP_HFSM_ONLINE);
	/* with initial_state offline */
	c.initial_state = CP_HFSM_OFFLINE;
	rig_init(&r, &c);
	r.in.admin_up = false;
	assert_int_equal(settle(&r), CP_HFSM_DISABLED);
	r.in.admin_up = true;
	assert_int_equal(settle(&r), CP_HFSM_OFFLINE);
	assert_non_null(strstr(r.out.reason, "enabled: offline until probes answer"));
	assert_false(r.out.usable);
}

/* quality off (Peplink, mwan3 defaults): bad latency and loss change nothing */
static void
test_quality_off(void **state)
{
	struct cp_hfsm_cfg c;
	struct rig r;
	int i;

	(void)state;
	assert_int_equal(cp_hfsm_preset("mwan3", &c), 0);
	rig_init(&r, &c);
	for (i = 0; i < 10; i++)
		assert_int_equal(round_q(&r, 2, 5000, 19, 20), CP_HFSM_ONLINE);
	for (i = 0; i < 4; i++)
		assert_int_equal(bad(&r), CP_HFSM_ONLINE);
	assert_int_equal(bad(&r), CP_HFSM_OFFLINE);
	assert_int_equal(r.out.next_interval_ms, 10000);
}

/* time in state: since_ms moves only on a reported change */
static void
test_since(void **state)
{
	struct cp_hfsm_cfg c = base_cfg();
	struct rig r;
	uint64_t t0;

	(void)state;
	rig_init(&r, &c);
	t0 = r.fsm.since_ms;
	good(&r);
	bad(&r);
	assert_int_equal(r.fsm.since_ms, t0);
	bad(&r);
	bad(&r);
	assert_int_equal(r.fsm.since_ms, r.now);
	assert_true(r.fsm.since_ms > t0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_cfg_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_online_to_offline),
		cmocka_unit_test(test_counter_pays_back),
		cmocka_unit_test(test_offline_to_online),
		cmocka_unit_test(test_holddown_flapping),
		cmocka_unit_test(test_holddown_doubling_and_decay),
		cmocka_unit_test(test_quality_warn_hysteresis),
		cmocka_unit_test(test_quality_down),
		cmocka_unit_test(test_last_usable),
		cmocka_unit_test(test_monitor_only),
		cmocka_unit_test(test_forced_down),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_quality_off),
		cmocka_unit_test(test_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
