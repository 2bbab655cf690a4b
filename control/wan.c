/* SPDX-License-Identifier: BSD-3-Clause
 * WAN core operations (see wan.h): name lookup in the shared WAN table and the
 * WAN_ADMIN request. Called from the API thread.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "control/dplink.h"
#include "control/log.h"
#include "control/wan.h"

int
cp_wan_find(const char *name)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	unsigned int i;

	if (shm == NULL)
		return -ENOTCONN;
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		if (strncmp(shm->wans[i].name, name, DPW_NAME_LEN) == 0)
			return (int)i;
	return -ENOENT;
}

/* Has the dataplane published admin == want for WAN idx within CP_WAN_LATE_MS? */
static bool
admin_applied_late(const struct dpw_shm *shm, int idx, uint8_t want)
{
	const volatile uint8_t *admin = &shm->wans[idx].admin;
	struct timespec step = { .tv_sec = 0, .tv_nsec = 5 * 1000 * 1000 };
	int i;

	for (i = 0; i <= CP_WAN_LATE_MS / 5; i++) {
		if (*admin == want)
			return true;
		if (i < CP_WAN_LATE_MS / 5)
			nanosleep(&step, NULL);
	}
	return false;
}

int
cp_wan_set_admin(const char *name, bool enabled)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	struct dpw_msg_wan_admin req;
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	struct dpw_msg reply;
	int idx, rc, i;

	idx = cp_wan_find(name);
	if (idx < 0)
		return idx;
	memset(&req, 0, sizeof(req));
	req.wan = (uint32_t)idx;
	req.up = enabled ? 1 : 0;
	rc = cp_dplink_request(DPW_MSG_WAN_ADMIN, &req, sizeof(req), &reply,
			       CP_DPLINK_TIMEOUT_MS);
	if (rc == -ETIMEDOUT) {
		/* The request is in the ring: the dataplane may apply it a moment later. */
		if (admin_applied_late(shm, idx, enabled ? DPW_WAN_ADMIN_UP : DPW_WAN_ADMIN_DOWN)) {
			CP_INFO("wan %s %s (applied after the request timed out)", name,
				enabled ? "enabled" : "disabled");
			return 0;
		}
		CP_WARN("wan %s: %s: no reply from the dataplane; the change may still be "
			"applied: check GET /api/v1/wans/%s", name,
			enabled ? "enable" : "disable", name);
		return rc;
	}
	if (rc < 0) {
		CP_WARN("wan %s: %s failed: %s", name, enabled ? "enable" : "disable",
			strerror(-rc));
		return rc;
	}
	/* The reply names the generation holding the change; let the shm catch up. */
	for (i = 0; i < 100 && shm->wan_view_gen < reply.u.reply.wan_view_gen; i++)
		nanosleep(&ms, NULL);
	CP_INFO("wan %s %s (wan view gen %llu)", name, enabled ? "enabled" : "disabled",
		(unsigned long long)reply.u.reply.wan_view_gen);
	return 0;
}
