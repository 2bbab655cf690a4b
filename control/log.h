/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-control logging: one line per message on stderr, prefixed with the wall-clock
 * time and the level (journald adds its own metadata). Any thread.
 */
#ifndef CP_LOG_H
#define CP_LOG_H

enum cp_log_level {
	CP_LOG_ERR = 0,
	CP_LOG_WARN,
	CP_LOG_INFO,
	CP_LOG_DEBUG,
};

/* Messages above this level are dropped. Set once by main() before any thread starts. */
void cp_log_set_level(enum cp_log_level level);

/* Map "err", "warning", "info", "debug" to a level; -EINVAL otherwise. Any thread. */
int cp_log_level_parse(const char *s);

/* Write one line (no trailing newline needed). Any thread. */
void cp_log(enum cp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define CP_ERR(...) cp_log(CP_LOG_ERR, __VA_ARGS__)
#define CP_WARN(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define CP_INFO(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define CP_DEBUG(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)

#endif
