/* SPDX-License-Identifier: BSD-3-Clause
 * The event log: every change and every transition, with who made it, written to the
 * store (it survives restarts), logged, and pushed to the API's event streams. Main
 * thread.
 */
#ifndef CP_EVENTS_H
#define CP_EVENTS_H

#include <stdint.h>

#include "control/cfg_store.h"

#define CP_EVENT_TYPES(X) \
	X(CONTROL_STARTED, "control_started") \
	X(DATAPLANE_ATTACHED, "dataplane_attached") \
	X(CONFIG_APPLIED, "config_applied") \
	X(CONFIG_REJECTED, "config_rejected") \
	X(CONFIG_ROLLED_BACK, "config_rolled_back") \
	X(CONFIG_CONFIRMED, "config_confirmed") \
	X(WAN_USABLE, "wan_usable") \
	X(WAN_UNUSABLE, "wan_unusable") \
	X(GATEWAY_RESOLVED, "gateway_resolved") \
	X(WAN_STATE, "wan_state") \
	X(WAN_SUSPECT, "wan_suspect") \
	X(WAN_SESSIONS_RESET, "wan_sessions_reset") \
	X(WAN_LEASE, "wan_lease")     /* a DHCP WAN's lease: new, changed or lost */ \
	X(TOKEN_CREATED, "token_created") \
	X(TOKEN_REVOKED, "token_revoked") \
	X(AUTH_FAILED, "auth_failed") \
	X(FIREWALL, "firewall")       /* a logged rule's hit (issue 10) */ \
	X(NAT_PORTS_EXHAUSTED, "nat_ports_exhausted") /* new flows found no free NAT port */

enum cp_event_type {
#define CP_X_ENUM(e, s) CP_EV_##e,
	CP_EVENT_TYPES(CP_X_ENUM)
#undef CP_X_ENUM
	CP_EV_MAX
};

const char *cp_event_type_str(unsigned int t);

/*
 * Record an event: wan and who may be NULL. Returns its seq (> 0), or -EIO when the
 * store refused it (the event is still logged).
 */
int64_t cp_event(enum cp_event_type type, const char *wan, const char *who, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* Called with each new event's seq (the API's event streams); one subscriber. */
void cp_event_set_notify(void (*fn)(int64_t seq));

/* Events written since start, and the ones the store refused (for /metrics). */
uint64_t cp_event_count(void);
uint64_t cp_event_failures(void);

#endif
