/* SPDX-License-Identifier: BSD-3-Clause
 * Helpers over the shared-memory layout; pure functions, any thread of either process.
 */
#include <stddef.h>
#include <time.h>

#include "lib/shm/dpw_shm.h"

static const char *const drop_names[DPW_DROP_MAX] = {
#define DPW_X_NAME(e, s) [DPW_DROP_##e] = s,
	DPW_DROP_REASONS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_drop_str(unsigned int reason)
{
	return reason < DPW_DROP_MAX ? drop_names[reason] : "unknown";
}

static const char *const punt_names[DPW_PUNT_MAX] = {
#define DPW_X_NAME(e, s) [DPW_PUNT_##e] = s,
	DPW_PUNT_CLASSES(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_punt_class_str(unsigned int c)
{
	return c < DPW_PUNT_MAX ? punt_names[c] : "unknown";
}

static const char *const wan_state_names[] = {
#define DPW_X_NAME(e, n) n,
	DPW_WAN_STATES(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_wan_state_str(unsigned int s)
{
	return s < DPW_WS_MAX ? wan_state_names[s] : "unknown";
}

enum dpw_wan_state
dpw_wan_state(const struct dpw_wan_shm *w, int degraded)
{
	if (!w->configured)
		return DPW_WS_UNCONFIGURED;
	if (w->admin != DPW_WAN_ADMIN_UP)
		return DPW_WS_DISABLED;
	if (w->forced_down)
		return DPW_WS_FORCED_DOWN;
	if (w->standby)
		return DPW_WS_STANDBY;
	if (!w->usable)
		return DPW_WS_OFFLINE;
	return degraded ? DPW_WS_DEGRADED : DPW_WS_ONLINE;
}

uint64_t
dpw_shm_sum(const struct dpw_shm *shm, unsigned long offset)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < DPW_MAX_LCORE_SLOTS; i++) {
		const char *slot = (const char *)&shm->lcore[i];

		sum += *(const volatile uint64_t *)(slot + offset);
	}
	return sum;
}

uint64_t
dpw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
dpw_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const struct dpw_counter_info dpw_lcore_counters[] = {
#define DPW_X_INFO(f, j, m, t, h) \
	{ offsetof(struct dpw_lcore_stats, f), j, m, DPW_COUNTER_IS_##t, h },
#define DPW_COUNTER_IS_COUNTER 0
#define DPW_COUNTER_IS_GAUGE 1
	DPW_LCORE_COUNTERS(DPW_X_INFO)
#undef DPW_X_INFO
};
const unsigned int dpw_n_lcore_counters =
	sizeof(dpw_lcore_counters) / sizeof(dpw_lcore_counters[0]);
