/* SPDX-License-Identifier: BSD-3-Clause
 * probe_cli: the health-check probe engine (control/probe.c) on the control loop
 * (control/loop.c), for test_probe.py. Starts the probes given on the command line all
 * at once and prints one JSON line per result, then a summary line (counters, CPU time,
 * file descriptors before and after). --rate R --duration S starts the specs round-robin
 * at R probes/s for S seconds instead (the load figure); --cancel-after MS cancels every
 * probe still in flight at MS and waits out the timeouts (no result may appear).
 *
 *   probe_cli [--quiet] [--rate R --duration S] [--cancel-after MS] SPEC...
 *   SPEC: method=ping|dns|http|https|tcp,target=...[,if=pr0][,src=a.b.c.d]
 *         [,timeout=ms][,size=n][,port=n][,query=name][,match=str][,verify=0|1][,tag=s]
 * Exit 0 when it ran (results are data, not the verdict), 2 on a bad command line or a
 * probe that could not start, 3 on the safety deadline. Main thread only.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "control/loop.h"
#include "control/probe.h"

#define SPECS_MAX 256

struct spec {
	struct cp_probe_spec s;
	char tag[32];
};

static struct spec specs[SPECS_MAX];
static unsigned int n_specs;
static unsigned int pending;          /* started, no result yet */
static uint64_t n_results, n_up, n_start_fail;
static bool quiet;
static double rate;
static double duration;
static long cancel_after = -1;
static uint64_t t0_ms;
static uint64_t n_load_started;
static int64_t ids[CP_PROBE_MAX];
static uint32_t max_timeout;
static bool load_done;
static bool in_start;
static uint64_t n_cb_in_start;        /* the contract says never */

static const char *const method_names[] = { "none", "ping", "dns", "http", "https", "tcp" };

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int
parse_spec(char *arg, struct spec *sp)
{
	char *save = NULL, *kv;

	memset(sp, 0, sizeof(*sp));
	sp->s.timeout_ms = 1000;
	sp->s.size = 56;
	sp->s.tls_verify = true;
	snprintf(sp->s.dns_query, sizeof(sp->s.dns_query), "example.com");
	for (kv = strtok_r(arg, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		unsigned int m;

		if (v == NULL)
			return -1;
		*v++ = '\0';
		if (strcmp(kv, "method") == 0) {
			for (m = 1; m < sizeof(method_names) / sizeof(method_names[0]); m++)
				if (strcmp(v, method_names[m]) == 0)
					break;
			if (m == sizeof(method_names) / sizeof(method_names[0]))
				return -1;
			sp->s.method = (uint8_t)m;
		} else if (strcmp(kv, "target") == 0) {
			snprintf(sp->s.target, sizeof(sp->s.target), "%s", v);
		} else if (strcmp(kv, "if") == 0) {
			snprintf(sp->s.ifname, sizeof(sp->s.ifname), "%s", v);
		} else if (strcmp(kv, "src") == 0) {
			struct in_addr a;

			if (inet_pton(AF_INET, v, &a) != 1)
				return -1;
			sp->s.src = ntohl(a.s_addr);
		} else if (strcmp(kv, "timeout") == 0) {
			sp->s.timeout_ms = (uint32_t)strtoul(v, NULL, 10);
		} else if (strcmp(kv, "size") == 0) {
			sp->s.size = (uint16_t)strtoul(v, NULL, 10);
		} else if (strcmp(kv, "port") == 0) {
			sp->s.port = (uint16_t)strtoul(v, NULL, 10);
		} else if (strcmp(kv, "query") == 0) {
			snprintf(sp->s.dns_query, sizeof(sp->s.dns_query), "%s", v);
		} else if (strcmp(kv, "match") == 0) {
			snprintf(sp->s.http_match, sizeof(sp->s.http_match), "%s", v);
		} else if (strcmp(kv, "verify") == 0) {
			sp->s.tls_verify = strcmp(v, "0") != 0;
		} else if (strcmp(kv, "tag") == 0) {
			snprintf(sp->tag, sizeof(sp->tag), "%s", v);
		} else {
			return -1;
		}
	}
	return sp->s.method != 0 ? 0 : -1;
}

static unsigned int
count_fds(void)
{
	unsigned int n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");

	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;   /* the directory's own */
}

static void
on_result(void *arg, const struct cp_probe_result *r)
{
	const struct spec *sp = arg;

	if (in_start)
		n_cb_in_start++;
	pending--;
	n_results++;
	if (r->up)
		n_up++;
	if (!quiet) {
		printf("{\"target\":");
		json_str(sp->s.target);
		printf(",\"method\":\"%s\",\"up\":%s,\"rtt_us\":%u,\"detail\":",
		       method_names[sp->s.method], r->up ? "true" : "false", r->rtt_us);
		json_str(r->detail);
		printf(",\"tag\":");
		json_str(sp->tag);
		printf(",\"t_ms\":%llu}\n", (unsigned long long)(cp_loop_now_ms() - t0_ms));
		fflush(stdout);
	}
	if (pending == 0 && (rate <= 0 || load_done) && cancel_after < 0)
		cp_loop_stop();
}

static int
start_one(struct spec *sp)
{
	int64_t id;

	in_start = true;
	id = cp_probe_start(&sp->s, on_result, sp);
	in_start = false;

	if (id < 0) {
		fprintf(stderr, "probe_cli: cannot start %s %s: %s\n",
			method_names[sp->s.method], sp->s.target, strerror((int)-id));
		n_start_fail++;
		return (int)id;
	}
	ids[(id - 1) % CP_PROBE_MAX] = id;
	pending++;
	return 0;
}

static void
pace(void *arg)
{
	uint64_t total = (uint64_t)(rate * duration + 0.5);
	uint64_t due = (uint64_t)((double)(cp_loop_now_ms() - t0_ms) * rate / 1000.0);

	if (due > total)
		due = total;
	while (n_load_started < due) {
		start_one(&specs[n_load_started % n_specs]);
		n_load_started++;
	}
	if (n_load_started >= total) {
		load_done = true;
		if (pending == 0)
			cp_loop_stop();
		return;
	}
	cp_loop_timer(5, pace, NULL);
}

static void
cancel_all(void *arg)
{
	unsigned int i;

	for (i = 0; i < CP_PROBE_MAX; i++)
		if (ids[i] != 0) {
			cp_probe_cancel(ids[i]);
			ids[i] = 0;
		}
	pending = 0;
}

static void
deadline(void *arg)
{
	int *why = arg;

	*why = 1;
	cp_loop_stop();
}

int
main(int argc, char **argv)
{
	struct cp_probe_counters c;
	unsigned int fds_before, fds_after, i;
	struct rusage ru;
	struct rlimit rl;
	int a, timed_out = 0;
	double cpu, wall;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(argv[a], "--rate") == 0 && a + 1 < argc) {
			rate = atof(argv[++a]);
		} else if (strcmp(argv[a], "--duration") == 0 && a + 1 < argc) {
			duration = atof(argv[++a]);
		} else if (strcmp(argv[a], "--cancel-after") == 0 && a + 1 < argc) {
			cancel_after = atol(argv[++a]);
		} else if (n_specs < SPECS_MAX && parse_spec(argv[a], &specs[n_specs]) == 0) {
			if (specs[n_specs].s.timeout_ms > max_timeout)
				max_timeout = specs[n_specs].s.timeout_ms;
			n_specs++;
		} else {
			fprintf(stderr, "probe_cli: bad argument '%s'\n", argv[a]);
			return 2;
		}
	}
	if (n_specs == 0) {
		fprintf(stderr, "usage: probe_cli [--quiet] [--rate R --duration S] "
			"[--cancel-after MS] SPEC...\n");
		return 2;
	}
	/* a socket per probe: up to CP_PROBE_MAX of them */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* the loop's epoll fd stays: count from after it */
	if (cp_loop_init() < 0 || (fds_before = count_fds(), cp_probe_init() < 0)) {
		fprintf(stderr, "probe_cli: init failed\n");
		return 2;
	}
	t0_ms = cp_loop_now_ms();
	if (rate > 0) {
		cp_loop_timer(0, pace, NULL);
	} else {
		for (i = 0; i < n_specs; i++)
			if (start_one(&specs[i]) < 0)
				return 2;
		if (pending == 0 && cancel_after < 0)
			goto out;
	}
	if (cancel_after >= 0) {
		cp_loop_timer((uint64_t)cancel_after, cancel_all, NULL);
		/* long enough for any callback a cancelled probe would have made */
		cp_loop_timer((uint64_t)cancel_after + max_timeout + 500, deadline, &a);
	}
	cp_loop_timer((uint64_t)(duration * 1000) + max_timeout + 5000, deadline,
		      &timed_out);
	cp_loop_run();
out:
	cp_probe_counters(&c);
	cp_probe_fini();
	fds_after = count_fds();
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	wall = (double)(cp_loop_now_ms() - t0_ms) / 1000.0;
	printf("{\"summary\":true,\"results\":%llu,\"up\":%llu,\"start_failed\":%llu,"
	       "\"cb_in_start\":%llu,\"in_flight\":%llu,\"pending\":%u,\"started\":[",
	       (unsigned long long)n_results, (unsigned long long)n_up,
	       (unsigned long long)n_start_fail, (unsigned long long)n_cb_in_start,
	       (unsigned long long)c.in_flight, pending);
	for (i = 0; i < DPW_HM_MAX; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)c.started[i]);
	printf("],\"counted_up\":[");
	for (i = 0; i < DPW_HM_MAX; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)c.up[i]);
	printf("],\"counted_down\":[");
	for (i = 0; i < DPW_HM_MAX; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)c.down[i]);
	printf("],\"fds_before\":%u,\"fds_after\":%u,\"cpu_s\":%.3f,\"wall_s\":%.3f,"
	       "\"maxrss_kb\":%ld,\"timed_out\":%s}\n",
	       fds_before, fds_after, cpu, wall, ru.ru_maxrss, timed_out ? "true" : "false");
	return timed_out ? 3 : 0;
}
