/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN state machine of the health checker, as one pure function: settings
 * (cp_hfsm_cfg, with named presets of the seeds' defaults), a WAN's state (cp_hfsm) and
 * one step per completed probe round or per change of the WAN's settings. Pure: no
 * DPDK, no I/O, no clock reads (the caller passes CLOCK_MONOTONIC milliseconds). Any
 * thread; a cp_hfsm has one writer (the control process's main loop).
 *
 * Rules, in order of precedence (the test file walks every one):
 *   admin disabled          -> disabled (no probes; enabling starts again at initial_state)
 *   forced down (pfSense)   -> forced_down (probes go on; the health state underneath is
 *                              kept and reported when the force is cleared)
 *   health, with one counter (HAProxy's rise/fall health, mwan3track's score):
 *     online/degraded: a failed round takes one off the counter, a good one gives one back
 *       (at most `down`): `down` consecutive failed rounds from a settled state -> offline
 *     offline: a good round adds one, a failed one takes one off (not below 0):
 *       rise_req good rounds -> online (or degraded, if quality says so)
 *     hold-down: an offline that comes less than flap_window_ms after the last recovery
 *       is a flap; each flap doubles rise_req (up << flaps), at most up_max; an offline
 *       after a longer stable period starts again from `up`
 *     quality (pfSense latency/loss bands, mwan3 check_quality), latched with hysteresis:
 *       above warn -> degraded until every judged value is at or below warn_clear;
 *       above down -> offline until at or below down_clear, and then rise_req good rounds
 *     last usable WAN: quality alone never makes it offline (degraded instead, and an
 *       offline-for-quality WAN that becomes the last one is degraded at once); only the
 *       probe counter can
 *   monitor only (pfSense "disable gateway monitoring action"): states are computed and
 *     reported, but the usable verdict ignores online/degraded/offline
 * Probe interval next: none while disabled; failure (fast) while the counter of an
 * online/degraded WAN is below `down`; recovery while an offline WAN's counter is above
 * 0 or its last round was good; down (slow) while offline with nothing good seen;
 * normal otherwise. Forced down keeps the interval of the health underneath.
 */
#ifndef CP_HEALTH_FSM_H
#define CP_HEALTH_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/health_stats.h"
#include "lib/cfg/dpw_doc.h"

#define CP_HFSM_REASON_LEN 160
/* longest hold-down doubling: up << 16 is beyond any sensible up_max */
#define CP_HFSM_FLAPS_MAX 16

#define CP_HFSM_STATES(X) \
	X(ONLINE, "online") \
	X(DEGRADED, "degraded") \
	X(OFFLINE, "offline") \
	X(DISABLED, "disabled") \
	X(FORCED_DOWN, "forced_down")

enum cp_hfsm_state {
#define CP_X_ENUM(e, s) CP_HFSM_##e,
	CP_HFSM_STATES(CP_X_ENUM)
#undef CP_X_ENUM
	CP_HFSM_N_STATES
};

/* Which probe interval applies next (HAProxy inter / fastinter / downinter). */
#define CP_HFSM_IVALS(X) \
	X(NONE, "none") \
	X(NORMAL, "normal") \
	X(FAILURE, "failure") \
	X(RECOVERY, "recovery") \
	X(DOWN, "down")

enum cp_hfsm_ival {
#define CP_X_ENUM(e, s) CP_HFSM_IVAL_##e,
	CP_HFSM_IVALS(CP_X_ENUM)
#undef CP_X_ENUM
	CP_HFSM_N_IVALS
};

/*
 * One WAN's health settings. Probe fields (interval .. window) are carried so that a
 * preset is complete; the state machine itself reads down, up, up_max, flap_window_ms,
 * the quality fields and initial_state. Thresholds of 0 are off.
 */
struct cp_hfsm_cfg {
	uint32_t interval_ms;          /* between rounds while settled */
	uint32_t failure_interval_ms;  /* while a failure is suspected */
	uint32_t recovery_interval_ms; /* while a recovery is suspected */
	uint32_t down_interval_ms;     /* while offline with nothing good seen */
	uint32_t timeout_ms;           /* a probe unanswered after this is lost */
	uint32_t count;                /* probes per target per round */
	uint32_t reliability;          /* targets that must answer for a good round */
	uint32_t window;               /* probe results per target in the quality window */
	uint32_t down;                 /* failed rounds to go offline, >= 1 */
	uint32_t up;                   /* good rounds to come back, >= 1 */
	uint32_t up_max;               /* hold-down cap on the doubled up count, >= up */
	uint32_t flap_window_ms;       /* an offline sooner than this after recovery is a flap */
	bool quality;                  /* judge latency and loss (mwan3 check_quality) */
	uint32_t min_probes;           /* loss is judged on at least this many results */
	uint32_t lat_warn_ms, lat_warn_clear_ms;   /* degraded above warn, back at <= clear */
	uint32_t lat_down_ms, lat_down_clear_ms;   /* offline above down, back at <= clear */
	uint32_t loss_warn_pct, loss_warn_clear_pct;
	uint32_t loss_down_pct, loss_down_clear_pct;
	enum cp_hfsm_state initial_state; /* ONLINE or OFFLINE (mwan3 initial_state) */
};

/* A WAN's state machine. Read freely; written only by cp_hfsm_init / cp_hfsm_step. */
struct cp_hfsm {
	enum cp_hfsm_state state;   /* reported */
	enum cp_hfsm_state health;  /* ONLINE, DEGRADED or OFFLINE, under disabled/forced */
	bool probe_up;              /* the counter's side: online/degraded (true) or offline */
	bool offline_quality;       /* offline because of quality, probes answering */
	bool qwarn, qdown;          /* latched quality verdicts */
	bool qwarn_lat, qdown_lat;  /* latched by latency (true) or by loss */
	struct cp_hquality last_q;  /* the quality of the last round, for reasons */
	bool last_round_up;
	uint32_t counter;           /* the one rise/fall counter (see the rules above) */
	uint32_t rise_req;          /* good rounds needed now to leave offline */
	uint32_t flaps;             /* doublings in force */
	uint32_t fail_run, ok_run;  /* consecutive failed / good rounds, for reasons */
	uint64_t since_ms;          /* reported state entered at */
	uint64_t health_since_ms;   /* health state entered at */
	uint64_t recovered_ms;      /* last offline -> online/degraded, 0: never */
	uint64_t downs;             /* entries into offline */
	uint64_t ups;               /* recoveries from offline */
	uint64_t changes;           /* reported state changes */
};

/* What the caller knows at the step: the WAN's settings now and, maybe, a round. */
struct cp_hfsm_input {
	bool admin_up;              /* the document enables the WAN */
	bool forced_down;           /* pfSense "mark gateway as down" */
	bool monitor_only;          /* pfSense "disable gateway monitoring action" */
	bool last_usable;           /* no other WAN is usable now */
	bool have_round;            /* a round completed at now_ms: round and quality hold */
	struct cp_hround round;
	struct cp_hquality quality;
};

struct cp_hfsm_out {
	enum cp_hfsm_state prev;
	enum cp_hfsm_state state;
	bool changed;               /* reported state changed */
	bool health_changed;        /* health state changed (also under forced_down) */
	bool usable;                /* may carry new connections */
	enum cp_hfsm_ival ival;
	uint32_t next_interval_ms;  /* 0 with CP_HFSM_IVAL_NONE */
	char reason[CP_HFSM_REASON_LEN]; /* why, when changed or health_changed; else "" */
};

/* "online", "degraded", ... or "unknown". */
const char *cp_hfsm_state_str(enum cp_hfsm_state s);

/* "normal", "failure", ... or "unknown". */
const char *cp_hfsm_ival_str(enum cp_hfsm_ival i);

/*
 * Fill *cfg with the named preset: "dpwan", "peplink", "mwan3" or "pfsense".
 * 0, or -ENOENT for another name.
 */
int cp_hfsm_preset(const char *name, struct cp_hfsm_cfg *cfg);

/* The state machine's settings from a document's health member. */
void cp_hfsm_cfg_from_doc(const struct dpw_doc_health *h, struct cp_hfsm_cfg *cfg);

/* 0, or -EINVAL with the reason in err. */
int cp_hfsm_cfg_check(const struct cp_hfsm_cfg *cfg, char *err, size_t errlen);

/* The interval in milliseconds that ival stands for under cfg (0 for NONE). */
uint32_t cp_hfsm_interval_ms(const struct cp_hfsm_cfg *cfg, enum cp_hfsm_ival ival);

/* A WAN starting at now_ms in cfg->initial_state (admin up, not forced down). */
void cp_hfsm_init(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *fsm, uint64_t now_ms);

/*
 * One step at now_ms: apply the settings in *in and, if in->have_round, the round.
 * Fills *out (out may not be NULL) and returns the reported state. cfg must pass
 * cp_hfsm_cfg_check.
 */
enum cp_hfsm_state cp_hfsm_step(const struct cp_hfsm_cfg *cfg, struct cp_hfsm *fsm,
				const struct cp_hfsm_input *in, uint64_t now_ms,
				struct cp_hfsm_out *out);

#endif
