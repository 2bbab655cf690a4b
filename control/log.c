/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-control logging to stderr with a timestamp; any thread (one fprintf per line,
 * which stdio locks, so lines from the API thread and the main loop do not interleave).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "control/log.h"

static enum cp_log_level log_level = CP_LOG_INFO;

static const char *const level_names[] = {
	[CP_LOG_ERR] = "error",
	[CP_LOG_WARN] = "warning",
	[CP_LOG_INFO] = "info",
	[CP_LOG_DEBUG] = "debug",
};

void
cp_log_set_level(enum cp_log_level level)
{
	log_level = level;
}

int
cp_log_level_parse(const char *s)
{
	if (strcasecmp(s, "err") == 0 || strcasecmp(s, "error") == 0)
		return CP_LOG_ERR;
	if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "warning") == 0)
		return CP_LOG_WARN;
	if (strcasecmp(s, "info") == 0 || strcasecmp(s, "notice") == 0)
		return CP_LOG_INFO;
	if (strcasecmp(s, "debug") == 0)
		return CP_LOG_DEBUG;
	return -EINVAL;
}

void
cp_log(enum cp_log_level level, const char *fmt, ...)
{
	char msg[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ld dpwan-control %s: %s\n", stamp, ts.tv_nsec / 1000000L,
		level_names[level], msg);
}
