/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-control main: loads the system conf, joins the dataplane as a DPDK secondary
 * process, attaches dplink, bootstraps the API tokens, starts the REST API thread and
 * runs the main loop (D2C events, dataplane liveness, signals) on the main thread.
 * Exits 0 on SIGTERM/SIGINT, 1 when the dataplane is missing or dies (the supervisor
 * restarts us and we re-attach).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "control/api.h"
#include "control/dplink.h"
#include "control/log.h"
#include "control/token.h"
#include "lib/cfg/dpw_sysconf.h"

#define LOOP_PERIOD_MS 100
#define ALIVE_PERIOD_MS 500

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: dpwan-control -c CONF [--foreground]\n"
		"  -c, --config CONF  system configuration (conf/dpwan.conf format)\n"
		"  --foreground       stay in the foreground (always the case: run under\n"
		"                     systemd or another supervisor)\n");
}

/* "0@(a,b,c)": the one lcore floats over every CPU we may run on. */
static int
lcores_arg(char *buf, size_t len)
{
	cpu_set_t set;
	size_t off;
	int cpu, first = 1;

	off = snprintf(buf, len, "--lcores=0@(");
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		snprintf(buf + off, len - off, "0-%ld)", n > 1 ? n - 1 : 0);
		return 0;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		off += snprintf(buf + off, len - off, "%s%d", first ? "" : ",", cpu);
		first = 0;
		if (off + 8 >= len)
			return -ENOSPC;
	}
	snprintf(buf + off, len - off, ")");
	return 0;
}

/* DPDK's runtime directory of the primary: where a running dataplane leaves its config. */
static int
primary_running(const char *prefix, char *path, size_t len)
{
	const char *base = "/var/run";
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() != 0 && xdg != NULL)
		base = xdg;
	snprintf(path, len, "%s/dpdk/%s/config", base, prefix);
	return access(path, F_OK) == 0;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Say what the token bootstrap did, and nag while the plain-text token lies around. */
static void
log_token_boot(const char *dir, const struct cp_token_boot *boot)
{
	char path[600];
	struct stat st;

	if (boot->dir_created)
		CP_INFO("created state directory %s (mode 0700)", dir);
	if (boot->dir_old_mode != 0)
		CP_WARN("state directory %s had mode %04o: changed it to 0700", dir,
			boot->dir_old_mode);
	if (boot->created)
		CP_INFO("created an admin API token: its hash is in %s/%s, the token itself "
			"(shown once) in %s/%s", dir, CP_TOKEN_FILE, dir, CP_TOKEN_INITIAL_FILE);
	if (boot->locked)
		CP_ERR("no API tokens in %s/%s: every request is refused; to create a new admin "
		       "token remove %s/%s and restart", dir, CP_TOKEN_FILE, dir,
		       CP_TOKEN_MARKER_FILE);
	snprintf(path, sizeof(path), "%s/%s", dir, CP_TOKEN_INITIAL_FILE);
	if (lstat(path, &st) == 0)
		CP_WARN("the initial admin token is still in %s; store it elsewhere and delete "
			"the file", path);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char prefix_arg[96], lcores[1024], err[512], why[128], cfgpath[128];
	char *eal_argv[8];
	struct dpw_sysconf conf;
	struct cp_token_boot boot;
	struct sigaction sa;
	const char *conf_path = NULL;
	unsigned int tick = 0;
	int opt, rc, level, exit_code = 1, eal_argc = 0;

	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (conf_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = dpw_sysconf_load(conf_path, &conf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dpwan-control: %s\n", err);
		return 1;
	}
	level = cp_log_level_parse(conf.log_level);
	cp_log_set_level(level < 0 ? CP_LOG_INFO : (enum cp_log_level)level);

	if (!primary_running(conf.file_prefix, cfgpath, sizeof(cfgpath))) {
		CP_ERR("dpwan-dataplane is not running (no %s for file prefix '%s')", cfgpath,
		       conf.file_prefix);
		goto free_conf;
	}

	/* The bootstrap needs no dataplane; do it first so a token exists early. */
	rc = cp_token_bootstrap(conf.state_dir, &boot, err, sizeof(err));
	if (rc == -EPERM) {
		/* Someone else controls state_dir: run, but trust no token in it. */
		CP_ERR("API tokens: %s: every API request will be refused", err);
	} else if (rc < 0) {
		CP_ERR("API tokens: %s", err);
		goto free_conf;
	}
	log_token_boot(conf.state_dir, &boot);

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", conf.file_prefix);
	if (lcores_arg(lcores, sizeof(lcores)) < 0)
		snprintf(lcores, sizeof(lcores), "--lcores=0");
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--proc-type=secondary";
	eal_argv[eal_argc++] = prefix_arg;
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = lcores;
	eal_argv[eal_argc++] = (char *)"--log-level=*:warning";
	/* The primary owns the telemetry socket; a 22.11 secondary would fight for it. */
	eal_argv[eal_argc++] = (char *)"--no-telemetry";
	eal_argv[eal_argc] = NULL;

	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		CP_ERR("cannot join dpwan-dataplane as a DPDK secondary (file prefix '%s'): %s "
		       "-- is the dataplane running?", conf.file_prefix, strerror(rte_errno));
		goto free_conf;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = cp_dplink_attach();
	if (rc < 0)
		goto eal_cleanup;
	rc = cp_api_start(conf.api_listen, conf.api_port, conf.state_dir);
	if (rc < 0)
		goto eal_cleanup;
	CP_INFO("running (pid %d)", (int)getpid());

	while (!stop_signal) {
		sleep_ms(LOOP_PERIOD_MS);
		cp_dplink_poll();
		if (++tick % (ALIVE_PERIOD_MS / LOOP_PERIOD_MS) != 0)
			continue;
		if (!cp_dplink_alive(why, sizeof(why))) {
			CP_ERR("dpwan-dataplane went away (%s): exiting so the supervisor "
			       "restarts us", why);
			break;
		}
	}
	if (stop_signal) {
		CP_INFO("signal %d: stopping", (int)stop_signal);
		exit_code = 0;
	}
	cp_api_stop();
eal_cleanup:
	rte_eal_cleanup();
free_conf:
	dpw_sysconf_free(&conf);
	return exit_code;
}
