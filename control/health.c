/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN health checker (see health.h). Per WAN: a one-shot loop timer starts a round
 * (count probes to every target at once), rounds may overlap (a round is started every
 * interval whatever is still in flight, so detection takes timeout + (down - 1) x
 * interval), and finished rounds are judged strictly in the order they were started.
 * Main thread only: every callback comes from the event loop.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "control/config.h"
#include "control/control.h"
#include "control/dhcp_client.h"
#include "control/dplink.h"
#include "control/events.h"
#include "control/health.h"
#include "control/health_fsm.h"
#include "control/health_stats.h"
#include "control/log.h"
#include "control/loop.h"
#include "control/probe.h"
#include "lib/msg/dpw_msg.h"
#include "lib/shm/dpw_shm.h"

extern char **environ;

#define ROUNDS_MAX 16                     /* rounds in flight per WAN */
#define PROBES_MAX (DPW_HEALTH_TARGETS_MAX * 10)
#define PASSIVE_TICK_MS 100
#define PASSIVE_SAMPLES 20                /* 2 s of samples */
#define PASSIVE_MIN_NEW 5                 /* connections before a WAN can be suspected */
#define PASSIVE_HOLD_MS 5000              /* a suspicion lasts this long unless cleared */
#define REPORT_PERIOD_MS 1000             /* WAN_HEALTH at least this often */
#define HOOKS_MAX 16
#define HOOK_TIMEOUT_MS 30000

struct hwan;

struct probe_ref {
	struct hwan *w;
	uint8_t slot;
	uint8_t target;
	int64_t id;                           /* 0: done */
};

struct round {
	bool used;
	uint64_t seq;
	uint64_t started_ms;
	unsigned int pending;
	unsigned int n_targets;
	uint8_t answered[DPW_HEALTH_TARGETS_MAX];
	char detail[DPW_HEALTH_TARGETS_MAX][CP_PROBE_DETAIL_LEN];  /* a failed probe's */
	unsigned int n_refs;
	struct probe_ref refs[PROBES_MAX];
};

struct htarget {
	char name[DPW_HEALTH_TARGET_LEN];
	struct cp_hstats st;
	uint64_t sent, lost;                  /* since the target was set, for the API */
	uint32_t held_lost;                   /* losses after a run's first, offline */
	bool last_up;
	bool seen;
	char detail[CP_PROBE_DETAIL_LEN];
};

struct hwan {
	bool active;                          /* in the document */
	unsigned int wan;                     /* shm index */
	char name[DPW_NAME_LEN];
	struct dpw_doc_health h;
	bool admin_up, forced_down;
	struct cp_hfsm_cfg cfg;
	struct cp_hfsm fsm;
	unsigned int n_targets;
	struct htarget t[DPW_HEALTH_TARGETS_MAX];
	struct round rounds[ROUNDS_MAX];
	uint64_t next_seq, judge_seq;
	uint64_t last_start_ms;
	uint32_t next_interval_ms;
	enum cp_hfsm_ival ival;
	int timer;
	bool usable;                          /* the checker's verdict */
	char reason[CP_HFSM_REASON_LEN + 160];
	/* WAN_HEALTH sent */
	bool sent_valid;
	uint8_t sent_state, sent_usable;
	uint64_t sent_ms;
	bool in_flight;
	/* passive detection */
	uint64_t p_new[PASSIVE_SAMPLES], p_ans[PASSIVE_SAMPLES];
	unsigned int p_n, p_head;
	bool suspect;
	uint64_t suspect_until_ms;
};

static struct hwan wans[DPW_MAX_WANS];
static uint64_t n_rounds, n_suspicions;
static pid_t hooks[HOOKS_MAX];
static uint64_t hook_started_ms[HOOKS_MAX];

static void schedule(struct hwan *w, uint64_t at_ms);
static void judge(struct hwan *w);

static const struct dpw_shm *
shm(void)
{
	return cp_dplink_shm();
}

static uint8_t
wire_state(enum cp_hfsm_state s)
{
	switch (s) {
	case CP_HFSM_ONLINE: return DPW_WH_ONLINE;
	case CP_HFSM_DEGRADED: return DPW_WH_DEGRADED;
	case CP_HFSM_OFFLINE: return DPW_WH_OFFLINE;
	case CP_HFSM_DISABLED: return DPW_WH_DISABLED;
	case CP_HFSM_FORCED_DOWN: return DPW_WH_FORCED_DOWN;
	default: return DPW_WH_UNKNOWN;
	}
}

/* ---- the hook script (mwan3.user) ------------------------------------------------------ */

static void
reap_hooks(void)
{
	uint64_t now = cp_loop_now_ms();
	unsigned int i;
	int st;

	for (i = 0; i < HOOKS_MAX; i++) {
		if (hooks[i] <= 0)
			continue;
		if (waitpid(hooks[i], &st, WNOHANG) == hooks[i]) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				CP_WARN("hook %s (pid %d) failed: %s %d", cp.conf.hook, (int)hooks[i],
					WIFEXITED(st) ? "exit status" : "signal",
					WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			hooks[i] = 0;
		} else if (now - hook_started_ms[i] > HOOK_TIMEOUT_MS) {
			CP_WARN("hook %s (pid %d) still runs after %d s: killed", cp.conf.hook,
				(int)hooks[i], HOOK_TIMEOUT_MS / 1000);
			kill(hooks[i], SIGKILL);
		}
	}
}

static void
run_hook(const struct hwan *w, const char *old, const char *new, const char *reason)
{
	char e_wan[64], e_old[64], e_new[64], e_reason[sizeof(w->reason) + 16], e_if[64];
	char *argv[] = { (char *)cp.conf.hook, NULL };
	char *envp[] = { e_wan, e_old, e_new, e_reason, e_if,
			 (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	unsigned int i;
	pid_t pid;
	int rc;

	if (cp.conf.hook[0] == '\0')
		return;
	reap_hooks();
	for (i = 0; i < HOOKS_MAX && hooks[i] > 0; i++)
		;
	if (i == HOOKS_MAX) {
		CP_WARN("hook %s not run for %s %s: %d hooks still running", cp.conf.hook,
			w->name, new, HOOKS_MAX);
		return;
	}
	snprintf(e_wan, sizeof(e_wan), "DPWAN_WAN=%s", w->name);
	snprintf(e_old, sizeof(e_old), "DPWAN_OLD_STATE=%s", old);
	snprintf(e_new, sizeof(e_new), "DPWAN_NEW_STATE=%s", new);
	snprintf(e_reason, sizeof(e_reason), "DPWAN_REASON=%s", reason);
	snprintf(e_if, sizeof(e_if), "DPWAN_DEVICE=%s",
		 shm() ? shm()->ports[shm()->wans[w->wan].port].tap : "");
	rc = posix_spawn(&pid, cp.conf.hook, NULL, NULL, argv, envp);
	if (rc != 0) {
		CP_WARN("hook %s: cannot run: %s", cp.conf.hook, strerror(rc));
		return;
	}
	hooks[i] = pid;
	hook_started_ms[i] = cp_loop_now_ms();
}

/* ---- verdicts to the dataplane --------------------------------------------------------- */

static void
on_health_reply(int status, const struct dpw_msg *reply, int late, void *arg)
{
	struct hwan *w = arg;

	(void)reply;
	if (late)
		return;
	w->in_flight = false;
	if (status != 0) {
		w->sent_valid = false;   /* send again at the next report */
		CP_DEBUG("WAN_HEALTH %s: %s", w->name, strerror(-status));
	}
}

static void
report(struct hwan *w, bool force)
{
	struct dpw_msg_wan_health m;
	struct cp_hstats_sum sums[DPW_HEALTH_TARGETS_MAX];
	struct cp_hquality q;
	uint64_t now = cp_loop_now_ms();
	unsigned int i;
	int64_t rc;

	memset(&m, 0, sizeof(m));
	m.wan = w->wan;
	m.state = wire_state(w->fsm.state);
	m.usable = w->usable;
	if (!force && w->sent_valid && m.state == w->sent_state && m.usable == w->sent_usable &&
	    now - w->sent_ms < REPORT_PERIOD_MS)
		return;
	if (w->in_flight && !force)
		return;
	for (i = 0; i < w->n_targets; i++)
		cp_hstats_sum(&w->t[i].st, &sums[i]);
	cp_hstats_wan_quality(sums, w->n_targets, w->cfg.reliability, &q);
	m.rtt_us = q.have_rtt ? q.rtt_us : 0;
	m.jitter_us = q.have_rtt ? q.jitter_us : 0;
	m.loss_permille = q.n ? (uint32_t)((uint64_t)q.lost * 1000 / q.n) : 0;
	rc = cp_dplink_send(DPW_MSG_WAN_HEALTH, &m, sizeof(m), 1000, on_health_reply, w);
	if (rc < 0) {
		w->sent_valid = false;
		return;
	}
	w->in_flight = true;
	w->sent_valid = true;
	w->sent_state = m.state;
	w->sent_usable = m.usable;
	w->sent_ms = now;
}

/* ---- targets ----------------------------------------------------------------------------- */

/* The targets in force now: the document's, or the gateway / the DNS servers. */
static unsigned int
effective_targets(const struct hwan *w, char out[][DPW_HEALTH_TARGET_LEN])
{
	const struct dpw_wan_shm *ws = shm() ? &shm()->wans[w->wan] : NULL;
	const struct dpw_doc_wan *dw = NULL;
	struct cp_dhcp_lease lease;
	const struct dpw_doc *doc;
	unsigned int i, n = 0;
	char b[16];

	if (w->h.n_targets > 0) {
		for (i = 0; i < w->h.n_targets; i++)
			snprintf(out[i], DPW_HEALTH_TARGET_LEN, "%s", w->h.targets[i]);
		return w->h.n_targets;
	}
	if (ws == NULL)
		return 0;
	if (w->h.method == DPW_HM_DNS) {
		doc = &cp_config_running()->doc;
		dw = dpw_doc_wan_find(doc, w->name);
		if (dw != NULL && dw->n_dns > 0) {
			for (i = 0; i < dw->n_dns && n < DPW_HEALTH_TARGETS_MAX; i++)
				snprintf(out[n++], DPW_HEALTH_TARGET_LEN, "%s",
					 dpw_ipv4_str(dw->dns[i], b, sizeof(b)));
			return n;
		}
		/* a DHCP WAN without dns of its own: the lease's servers */
		if (cp_dhcp_lease(w->wan, &lease) == 0)
			for (i = 0; i < lease.n_dns && n < DPW_HEALTH_TARGETS_MAX; i++)
				snprintf(out[n++], DPW_HEALTH_TARGET_LEN, "%s",
					 dpw_ipv4_str(lease.dns[i], b, sizeof(b)));
		return n;
	}
	if (ws->gateway == 0)
		return 0;
	snprintf(out[0], DPW_HEALTH_TARGET_LEN, "%s", dpw_ipv4_str(ws->gateway, b, sizeof(b)));
	return 1;
}

/* Follow a change of the effective targets (a new gateway, DNS servers): new windows. */
static void
refresh_targets(struct hwan *w)
{
	char t[DPW_HEALTH_TARGETS_MAX][DPW_HEALTH_TARGET_LEN];
	unsigned int n = effective_targets(w, t), i;

	if (n == w->n_targets) {
		for (i = 0; i < n; i++)
			if (strcmp(t[i], w->t[i].name) != 0)
				break;
		if (i == n)
			return;
	}
	for (i = 0; i < n; i++) {
		memset(&w->t[i], 0, sizeof(w->t[i]));
		snprintf(w->t[i].name, sizeof(w->t[i].name), "%s", t[i]);
		cp_hstats_init(&w->t[i].st, w->cfg.window);
	}
	w->n_targets = n;
}

/*
 * A probe's result into its target's window. While the WAN is down by its probe counter,
 * a run of losses is an outage, not a quality problem: only its first loss goes into
 * the window (the counter acts on the rest), or a dead link would be held down by its
 * loss band for a whole window after it is back. The run's later losses are held: when
 * an answer ends a run shorter than an outage (the rounds that take a WAN down), they
 * were scattered losses of a lossy link and go in before the answer, so such a link is
 * judged by all of its loss; a longer run stays one loss.
 */
static void
add_result(struct hwan *w, struct htarget *t, bool up, uint32_t rtt_us)
{
	t->sent++;
	t->lost += !up;
	if (!up && !w->fsm.probe_up && t->st.run_lost != 0) {
		t->held_lost++;
		return;
	}
	if (up && t->held_lost != 0) {
		if (t->held_lost + 1 < w->cfg.down)
			for (; t->held_lost != 0; t->held_lost--)
				cp_hstats_add(&t->st, false, 0);
		t->held_lost = 0;
	}
	cp_hstats_add(&t->st, up, rtt_us);
}

/* The windows start again (an outage began: its last losses are not quality either). */
static void
reset_windows(struct hwan *w)
{
	unsigned int i;

	for (i = 0; i < w->n_targets; i++) {
		cp_hstats_init(&w->t[i].st, w->cfg.window);
		w->t[i].held_lost = 0;
	}
}

/* ---- rounds ------------------------------------------------------------------------------- */

static void
on_probe(void *arg, const struct cp_probe_result *r)
{
	struct probe_ref *ref = arg;
	struct hwan *w = ref->w;
	struct round *rd = &w->rounds[ref->slot];
	struct htarget *t = &w->t[ref->target];

	ref->id = 0;
	if (ref->target < w->n_targets) {
		add_result(w, t, r->up, r->rtt_us);
		t->last_up = r->up;
		t->seen = true;
		snprintf(t->detail, sizeof(t->detail), "%s", r->detail);
	}
	if (r->up)
		rd->answered[ref->target]++;
	else if (rd->detail[ref->target][0] == '\0')
		snprintf(rd->detail[ref->target], CP_PROBE_DETAIL_LEN, "%s", r->detail);
	if (rd->pending > 0)
		rd->pending--;
	judge(w);
}

static void
cancel_rounds(struct hwan *w)
{
	unsigned int s, k;

	for (s = 0; s < ROUNDS_MAX; s++) {
		struct round *rd = &w->rounds[s];

		for (k = 0; rd->used && k < rd->n_refs; k++)
			if (rd->refs[k].id > 0)
				cp_probe_cancel(rd->refs[k].id);
		rd->used = false;
	}
	w->judge_seq = w->next_seq;
}

static void
start_round(struct hwan *w)
{
	const struct dpw_shm *sh = shm();
	const struct dpw_wan_shm *ws = &sh->wans[w->wan];
	struct cp_probe_spec spec;
	struct round *rd = NULL;
	unsigned int s, i, c;

	for (s = 0; s < ROUNDS_MAX; s++)
		if (!w->rounds[s].used) {
			rd = &w->rounds[s];
			break;
		}
	if (rd == NULL) {
		CP_WARN("%s: %d health rounds in flight, one skipped (timeout_ms above the "
			"interval?)", w->name, ROUNDS_MAX);
		return;
	}
	refresh_targets(w);
	memset(rd, 0, offsetof(struct round, refs));
	rd->used = true;
	rd->seq = w->next_seq++;
	rd->started_ms = cp_loop_now_ms();
	rd->n_targets = w->n_targets;
	n_rounds++;
	memset(&spec, 0, sizeof(spec));
	spec.method = w->h.method;
	snprintf(spec.ifname, sizeof(spec.ifname), "%s", sh->ports[ws->port].tap);
	spec.src = ws->addr;
	spec.port = w->h.port;
	spec.size = w->h.size;
	snprintf(spec.dns_query, sizeof(spec.dns_query), "%s", w->h.dns_query);
	snprintf(spec.http_match, sizeof(spec.http_match), "%s", w->h.http_match);
	spec.tls_verify = w->h.tls_verify;
	spec.timeout_ms = w->cfg.timeout_ms;
	for (i = 0; i < w->n_targets; i++) {
		snprintf(spec.target, sizeof(spec.target), "%s", w->t[i].name);
		for (c = 0; c < w->cfg.count && rd->n_refs < PROBES_MAX; c++) {
			struct probe_ref *ref = &rd->refs[rd->n_refs++];
			int64_t id;

			ref->w = w;
			ref->slot = (uint8_t)s;
			ref->target = (uint8_t)i;
			ref->id = 0;
			if (ws->addr == 0) {
				id = -EADDRNOTAVAIL;
			} else {
				rd->pending++;
				id = cp_probe_start(&spec, on_probe, ref);
			}
			if (id > 0) {
				ref->id = id;
				continue;
			}
			if (ws->addr != 0)
				rd->pending--;
			add_result(w, &w->t[i], false, 0);
			w->t[i].last_up = false;
			w->t[i].seen = true;
			snprintf(w->t[i].detail, sizeof(w->t[i].detail), "%s",
				 ws->addr == 0 ? "the WAN has no address" : strerror((int)-id));
			if (rd->detail[i][0] == '\0')
				memcpy(rd->detail[i], w->t[i].detail, CP_PROBE_DETAIL_LEN);
		}
	}
	judge(w);
}

static void
on_timer(void *arg)
{
	struct hwan *w = arg;

	w->timer = 0;
	if (!w->active || shm() == NULL)
		return;
	w->last_start_ms = cp_loop_now_ms();
	start_round(w);
	if (w->active && w->timer == 0 && w->next_interval_ms > 0)
		schedule(w, w->last_start_ms + w->next_interval_ms);
}

static void
schedule(struct hwan *w, uint64_t at_ms)
{
	uint64_t now = cp_loop_now_ms();

	if (w->timer > 0)
		cp_loop_timer_cancel(w->timer);
	w->timer = cp_loop_timer(at_ms > now ? at_ms - now : 0, on_timer, w);
	if (w->timer < 0) {
		CP_ERR("%s: no timer for the health checks: %s", w->name, strerror(-w->timer));
		w->timer = 0;
	}
}

/* "ping 198.19.0.10: timeout, 198.19.0.11: timeout" from a failed round's details. */
static void
round_details(const struct hwan *w, const struct round *rd, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	n += (size_t)snprintf(buf, len, "%s ", dpw_health_method_str(w->h.method));
	for (i = 0; i < rd->n_targets && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s: %s", i ? ", " : "", w->t[i].name,
				      rd->answered[i] ? "answered" :
				      rd->detail[i][0] ? rd->detail[i] : "no answer");
	if (rd->n_targets == 0 && n < len)
		snprintf(buf + n, len - n, "%s",
			 w->h.method == DPW_HM_DNS ? "no DNS servers known" : "no gateway known");
}

static bool
others_usable(const struct hwan *w)
{
	const struct dpw_shm *sh = shm();
	unsigned int i;

	for (i = 0; sh != NULL && i < sh->n_wans && i < DPW_MAX_WANS; i++)
		if (i != w->wan && sh->wans[i].usable)
			return true;
	return false;
}

/* Apply a state machine output: events, hook, the verdict to the dataplane, the timer. */
static void
take(struct hwan *w, const struct cp_hfsm_out *out, const char *details)
{
	uint64_t now = cp_loop_now_ms();
	uint32_t ival = out->next_interval_ms;

	w->usable = out->usable;
	if (out->health_changed && w->fsm.health == CP_HFSM_OFFLINE && !w->fsm.offline_quality)
		reset_windows(w);
	if (out->changed || out->health_changed) {
		snprintf(w->reason, sizeof(w->reason), "%s%s%s%s", out->reason,
			 details && details[0] ? " (" : "", details ? details : "",
			 details && details[0] ? ")" : "");
		cp_event(CP_EV_WAN_STATE, w->name, NULL, "%s %s: %s (was %s)", w->name,
			 cp_hfsm_state_str(out->state), w->reason, cp_hfsm_state_str(out->prev));
		if (out->changed)
			run_hook(w, cp_hfsm_state_str(out->prev), cp_hfsm_state_str(out->state),
				 w->reason);
	}
	if (w->suspect && now >= w->suspect_until_ms)
		w->suspect = false;
	if (w->suspect && (w->fsm.state == CP_HFSM_ONLINE || w->fsm.state == CP_HFSM_DEGRADED) &&
	    ival > w->cfg.failure_interval_ms)
		ival = w->cfg.failure_interval_ms;
	w->ival = out->ival;
	report(w, out->changed || out->health_changed);
	if (ival == 0) {
		if (w->timer > 0)
			cp_loop_timer_cancel(w->timer);
		w->timer = 0;
		cancel_rounds(w);
		w->next_interval_ms = 0;
		return;
	}
	if (ival != w->next_interval_ms || w->timer == 0) {
		w->next_interval_ms = ival;
		schedule(w, w->last_start_ms + ival);
	}
}

/* Judge the finished rounds, oldest first; stop at the first one still waiting. */
static void
judge(struct hwan *w)
{
	for (;;) {
		struct cp_hstats_sum sums[DPW_HEALTH_TARGETS_MAX];
		struct cp_hfsm_input in;
		struct cp_hfsm_out out;
		struct round *rd = NULL;
		char details[256];
		unsigned int s, i;
		uint32_t run;

		for (s = 0; s < ROUNDS_MAX; s++)
			if (w->rounds[s].used && w->rounds[s].seq == w->judge_seq)
				rd = &w->rounds[s];
		if (rd == NULL) {
			if (w->judge_seq < w->next_seq) {
				w->judge_seq++;   /* a skipped round */
				continue;
			}
			return;
		}
		if (rd->pending > 0)
			return;
		memset(&in, 0, sizeof(in));
		in.admin_up = w->admin_up;
		in.forced_down = w->forced_down;
		in.monitor_only = w->h.monitor_only;
		in.last_usable = !others_usable(w);
		in.have_round = true;
		cp_hstats_round(rd->answered, rd->n_targets, w->cfg.reliability, &in.round);
		for (i = 0; i < w->n_targets; i++) {
			cp_hstats_sum(&w->t[i].st, &sums[i]);
			/*
			 * The losses of a run still going on are the probe counter's to judge
			 * (an outage in progress, offline after `down` rounds): the loss band
			 * judges the results before it, so a dying link is not called
			 * degraded for the round before it is called offline.
			 */
			run = sums[i].run_lost < sums[i].lost ? sums[i].run_lost : sums[i].lost;
			sums[i].lost -= run;
			sums[i].n -= run;
		}
		cp_hstats_wan_quality(sums, w->n_targets, w->cfg.reliability, &in.quality);
		round_details(w, rd, details, sizeof(details));
		rd->used = false;
		w->judge_seq++;
		if (in.round.up && w->suspect) {
			w->suspect = false;
			cp_event(CP_EV_WAN_SUSPECT, w->name, NULL, "%s cleared: its probes answer",
				 w->name);
		}
		cp_hfsm_step(&w->cfg, &w->fsm, &in, cp_loop_now_ms(), &out);
		take(w, &out, details);
	}
}

/* ---- passive detection ------------------------------------------------------------------ */

static void
passive_sample(struct hwan *w, uint64_t *new_old, uint64_t *new_mid, uint64_t *ans_old,
	       uint64_t *ans_now)
{
	const struct dpw_shm *sh = shm();
	uint64_t n = 0, a = 0;
	unsigned int i, old, mid;

	for (i = 0; i < DPW_MAX_LCORE_SLOTS; i++) {
		n += sh->lcore[i].wan_tcp_syn[w->wan] + sh->lcore[i].wan_udp_new[w->wan];
		a += sh->lcore[i].wan_tcp_synack[w->wan] + sh->lcore[i].wan_udp_answered[w->wan];
	}
	w->p_new[w->p_head] = n;
	w->p_ans[w->p_head] = a;
	w->p_head = (w->p_head + 1) % PASSIVE_SAMPLES;
	if (w->p_n < PASSIVE_SAMPLES)
		w->p_n++;
	/* oldest sample (about 2 s ago) and the one 0.5 s ago */
	old = w->p_n < PASSIVE_SAMPLES ? 0 : w->p_head;
	mid = (w->p_head + PASSIVE_SAMPLES - 1 - 5) % PASSIVE_SAMPLES;
	*new_old = w->p_new[old];
	*new_mid = w->p_n > 5 ? w->p_new[mid] : w->p_new[old];
	*ans_old = w->p_ans[old];
	*ans_now = a;
}

/*
 * Every 100 ms: connections opened on each WAN between about 2 s and 0.5 s ago, and
 * the answers they got since. A WAN whose new connections go unanswered (at most one
 * in five) while another usable WAN's are answered (at least one in two) is suspected:
 * its probes switch to the failure interval at once to confirm or clear it.
 */
static void
passive_tick(void *arg)
{
	uint64_t opened[DPW_MAX_WANS] = { 0 }, answered[DPW_MAX_WANS] = { 0 };
	bool good[DPW_MAX_WANS] = { false };
	const struct dpw_shm *sh = shm();
	unsigned int i, j;

	(void)arg;
	cp_loop_timer(PASSIVE_TICK_MS, passive_tick, NULL);
	reap_hooks();
	if (sh == NULL)
		return;
	for (i = 0; i < DPW_MAX_WANS; i++) {
		uint64_t n0, nm, a0, an;

		if (!wans[i].active)
			continue;
		passive_sample(&wans[i], &n0, &nm, &a0, &an);
		opened[i] = nm - n0;
		answered[i] = an - a0;
		good[i] = sh->wans[i].usable && opened[i] >= 2 && answered[i] * 2 >= opened[i];
	}
	for (i = 0; i < DPW_MAX_WANS; i++) {
		struct hwan *w = &wans[i];
		uint64_t now = cp_loop_now_ms();

		if (!w->active || !w->h.passive || w->h.method == DPW_HM_NONE || w->suspect ||
		    opened[i] < PASSIVE_MIN_NEW || answered[i] * 5 > opened[i] ||
		    (w->fsm.state != CP_HFSM_ONLINE && w->fsm.state != CP_HFSM_DEGRADED))
			continue;
		for (j = 0; j < DPW_MAX_WANS; j++)
			if (j != i && wans[j].active && good[j])
				break;
		if (j == DPW_MAX_WANS)
			continue;
		w->suspect = true;
		w->suspect_until_ms = now + PASSIVE_HOLD_MS;
		n_suspicions++;
		cp_event(CP_EV_WAN_SUSPECT, w->name, NULL, "%s suspected: %llu new connections "
			 "unanswered in 1.5 s while %s answered %llu of %llu; probing every %u ms",
			 w->name, (unsigned long long)(opened[i] - answered[i]), wans[j].name,
			 (unsigned long long)answered[j], (unsigned long long)opened[j],
			 w->cfg.failure_interval_ms);
		/* confirm now: a round at once, then the failure interval */
		w->next_interval_ms = w->cfg.failure_interval_ms;
		schedule(w, now);
	}
}

/* ---- settings ----------------------------------------------------------------------------- */

static void
deactivate(struct hwan *w)
{
	if (w->timer > 0)
		cp_loop_timer_cancel(w->timer);
	w->timer = 0;
	cancel_rounds(w);
	w->active = false;
}

/*
 * New settings for a WAN that keeps its state: its rise/fall counter is re-based on the
 * new down count, so that a settled WAN needs the new `down` failed rounds, not what is
 * left of the old one (3 of Peplink's when mwan3's 5 were asked for).
 */
static void
rebase_counter(struct cp_hfsm *f, const struct cp_hfsm_cfg *old, const struct cp_hfsm_cfg *new)
{
	if (!f->probe_up || old->down == 0 || old->down == new->down)
		return;
	f->counter = (uint32_t)(((uint64_t)f->counter * new->down + old->down - 1) / old->down);
	if (f->counter > new->down)
		f->counter = new->down;
	if (f->counter == 0)
		f->counter = 1;
}

void
cp_health_sync(const struct dpw_doc *doc)
{
	const struct dpw_shm *sh = shm();
	unsigned int i, k;

	if (sh == NULL)
		return;
	for (i = 0; i < DPW_MAX_WANS; i++) {
		struct hwan *w = &wans[i];
		const struct dpw_doc_wan *dw = NULL;
		struct cp_hfsm_input in;
		struct cp_hfsm_out out;
		char err[128];
		bool fresh;

		if (i < sh->n_wans)
			dw = dpw_doc_wan_find(doc, sh->wans[i].name);
		if (dw == NULL || dw->health.method == DPW_HM_NONE) {
			if (w->active) {
				deactivate(w);
				/* no checker: the dataplane judges by link and ARP alone */
				memset(&w->fsm, 0, sizeof(w->fsm));
				w->usable = true;
				w->fsm.state = CP_HFSM_N_STATES;
				report(w, true);
			}
			continue;
		}
		fresh = !w->active || memcmp(&w->h, &dw->health, sizeof(w->h)) != 0;
		w->wan = i;
		snprintf(w->name, sizeof(w->name), "%s", dw->name);
		w->admin_up = dw->enabled;
		w->forced_down = dw->forced_down;
		if (fresh) {
			struct cp_hfsm_cfg cfg;

			cp_hfsm_cfg_from_doc(&dw->health, &cfg);
			if (cp_hfsm_cfg_check(&cfg, err, sizeof(err)) != 0) {
				CP_ERR("%s: health settings refused by the checker: %s", dw->name, err);
				continue;
			}
			if (w->active) {
				cancel_rounds(w);
				rebase_counter(&w->fsm, &w->cfg, &cfg);
			}
			w->h = dw->health;
			w->cfg = cfg;
			w->n_targets = 0;
			memset(w->t, 0, sizeof(w->t));
			refresh_targets(w);
			for (k = 0; k < w->n_targets; k++)
				cp_hstats_init(&w->t[k].st, w->cfg.window);
			if (!w->active) {
				struct cp_hfsm_cfg c0 = w->cfg;

				/*
				 * A restarted control process takes up the verdict the dataplane
				 * still holds: a WAN it had offline stays offline until its probes
				 * bring it back, never online for the rounds it takes to see again
				 * that it is dead.
				 */
				if (sh->wans[i].health == DPW_WH_OFFLINE)
					c0.initial_state = CP_HFSM_OFFLINE;
				cp_hfsm_init(&c0, &w->fsm, cp_loop_now_ms());
				w->next_seq = w->judge_seq = 0;
				w->suspect = false;
				w->p_n = w->p_head = 0;
				w->sent_valid = false;
			}
			w->active = true;
		}
		/* a step without a round: admin, forced down, new settings */
		memset(&in, 0, sizeof(in));
		in.admin_up = w->admin_up;
		in.forced_down = w->forced_down;
		in.monitor_only = w->h.monitor_only;
		in.last_usable = !others_usable(w);
		cp_hfsm_step(&w->cfg, &w->fsm, &in, cp_loop_now_ms(), &out);
		if (fresh)
			w->next_interval_ms = 0;   /* reschedule by the new settings */
		take(w, &out, NULL);
		if (w->timer == 0 && w->next_interval_ms > 0 && fresh)
			schedule(w, cp_loop_now_ms());
	}
}

int
cp_health_init(void)
{
	memset(wans, 0, sizeof(wans));
	if (cp_loop_timer(PASSIVE_TICK_MS, passive_tick, NULL) < 0)
		return -ENOSPC;
	return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

const char *
cp_health_state_str(unsigned int wan)
{
	if (wan >= DPW_MAX_WANS || !wans[wan].active)
		return "unknown";
	return cp_hfsm_state_str(wans[wan].fsm.state);
}

static json_t *
ms_or_null(bool have, uint32_t us)
{
	return have ? json_real((double)us / 1000.0) : json_null();
}

bool
cp_health_figures(unsigned int wan, struct cp_health_figures *f)
{
	struct cp_hstats_sum sums[DPW_HEALTH_TARGETS_MAX];
	const struct hwan *w;
	struct cp_hquality q;
	unsigned int i;

	if (wan >= DPW_MAX_WANS || !wans[wan].active)
		return false;
	w = &wans[wan];
	for (i = 0; i < w->n_targets; i++)
		cp_hstats_sum(&w->t[i].st, &sums[i]);
	cp_hstats_wan_quality(sums, w->n_targets, w->cfg.reliability, &q);
	memset(f, 0, sizeof(*f));
	f->state = cp_hfsm_state_str(w->fsm.state);
	f->method = dpw_health_method_str(w->h.method);
	f->seconds_in_state = (cp_loop_now_ms() - w->fsm.since_ms) / 1000;
	f->have_rtt = q.have_rtt;
	f->rtt_s = q.rtt_us / 1e6;
	f->jitter_s = q.jitter_us / 1e6;
	f->have_loss = q.n > 0;
	f->loss_ratio = q.n ? (double)q.lost / q.n : 0;
	f->downs = w->fsm.downs;
	f->ups = w->fsm.ups;
	f->suspect = w->suspect;
	return true;
}

json_t *
cp_health_wan_json(unsigned int wan)
{
	struct cp_health_figures f;
	const struct hwan *w;
	json_t *j, *ts;
	unsigned int i;

	if (!cp_health_figures(wan, &f))
		return json_pack("{s:s, s:s}", "state", "unknown", "method", "none");
	w = &wans[wan];
	ts = json_array();
	for (i = 0; ts != NULL && i < w->n_targets; i++) {
		struct cp_hstats_sum s;

		cp_hstats_sum(&w->t[i].st, &s);
		json_array_append_new(ts, json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:s}",
			"target", w->t[i].name,
			"state", !w->t[i].seen ? "unknown" : w->t[i].last_up ? "up" : "down",
			"rtt_ms", ms_or_null(s.answered > 0, s.rtt_mean_us),
			"jitter_ms", ms_or_null(s.answered > 0, s.rtt_mdev_us),
			"loss_pct", s.n ? json_real(100.0 * s.lost / s.n) : json_null(),
			"sent", (json_int_t)w->t[i].sent, "lost", (json_int_t)w->t[i].lost,
			"detail", w->t[i].detail));
	}
	j = json_pack("{s:s, s:s, s:b, s:b, s:I, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:o}",
		      "state", f.state, "method", f.method, "monitor_only", w->h.monitor_only,
		      "suspect", f.suspect, "seconds_in_state", (json_int_t)f.seconds_in_state,
		      "reason", w->reason, "interval", cp_hfsm_ival_str(w->ival),
		      "rtt_ms", f.have_rtt ? json_real(f.rtt_s * 1000) : json_null(),
		      "jitter_ms", f.have_rtt ? json_real(f.jitter_s * 1000) : json_null(),
		      "loss_pct", f.have_loss ? json_real(f.loss_ratio * 100) : json_null(),
		      "downs", (json_int_t)f.downs, "ups", (json_int_t)f.ups,
		      "targets", ts ? ts : json_array());
	return j;
}

uint64_t
cp_health_rounds(void)
{
	return n_rounds;
}

uint64_t
cp_health_suspicions(void)
{
	return n_suspicions;
}
