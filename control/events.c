/* SPDX-License-Identifier: BSD-3-Clause
 * The event log (see events.h): store, log line, stream notification. Main thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control/control.h"
#include "control/events.h"
#include "control/log.h"

static const char *const type_names[] = {
#define CP_X_NAME(e, s) [CP_EV_##e] = s,
	CP_EVENT_TYPES(CP_X_NAME)
#undef CP_X_NAME
};

static void (*notify)(int64_t seq);
static uint64_t n_events, n_failures;

const char *
cp_event_type_str(unsigned int t)
{
	return t < CP_EV_MAX ? type_names[t] : "unknown";
}

void
cp_event_set_notify(void (*fn)(int64_t seq))
{
	notify = fn;
}

uint64_t
cp_event_count(void)
{
	return n_events;
}

uint64_t
cp_event_failures(void)
{
	return n_failures;
}

int64_t
cp_event(enum cp_event_type type, const char *wan, const char *who, const char *fmt, ...)
{
	struct cp_event e;
	va_list ap;
	int rc;

	memset(&e, 0, sizeof(e));
	e.time_ms = (int64_t)dpw_now_ms();
	snprintf(e.type, sizeof(e.type), "%s", cp_event_type_str(type));
	snprintf(e.wan, sizeof(e.wan), "%s", wan != NULL ? wan : "");
	snprintf(e.who, sizeof(e.who), "%s", who != NULL ? who : "");
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	CP_INFO("event %s: %s", e.type, e.message);
	if (cp.store == NULL) {
		n_failures++;
		return -EIO;
	}
	rc = cp_store_event_add(cp.store, &e);
	if (rc < 0) {
		n_failures++;
		CP_ERR("event log: cannot store the event (%s)", strerror(-rc));
		return rc;
	}
	n_events++;
	if (notify != NULL)
		notify(e.seq);
	return e.seq;
}
