/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN health checker (issue 7): per WAN of the running document, rounds of probes
 * (control/probe.h) to its targets at the interval the state machine asks for
 * (control/health_fsm.h), the targets' quality windows (control/health_stats.h), the
 * passive detector over the dataplane's per-WAN connection counters, and the verdicts:
 * WAN_HEALTH to the dataplane, an event with its reason for every transition, the hook
 * script (system.hook, like mwan3.user). Main thread (event loop).
 */
#ifndef CP_HEALTH_H
#define CP_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/cfg/dpw_doc.h"

/* Start the checker (after cp_probe_init and the dataplane attach). 0 or -errno. */
int cp_health_init(void);

/* The running document changed (or was loaded): follow its WANs' health settings. */
void cp_health_sync(const struct dpw_doc *doc);

/* The "health" object of GET /api/v1/wans/{name} for the WAN with shm index wan. */
json_t *cp_health_wan_json(unsigned int wan);

/* The WAN's reported state name ("online", ... "unknown": no checker for it). */
const char *cp_health_state_str(unsigned int wan);

/* For /metrics and dpwanctl: one WAN's figures. false when the WAN has no checker. */
struct cp_health_figures {
	const char *state;
	const char *method;
	uint64_t seconds_in_state;
	bool have_rtt;
	double rtt_s, jitter_s;
	bool have_loss;
	double loss_ratio;
	uint64_t downs, ups;
	bool suspect;
};
bool cp_health_figures(unsigned int wan, struct cp_health_figures *f);

/* Rounds started and suspicions raised since start (for /metrics). */
uint64_t cp_health_rounds(void);
uint64_t cp_health_suspicions(void);

#endif
