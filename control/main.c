/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-control main: loads the system conf, takes the state directory (lock, store,
 * API tokens), joins the dataplane as a DPDK secondary process, attaches dplink, starts
 * the REST API, brings the dataplane to the stored document and runs the one event loop
 * (signals, the API, the dataplane's replies and events, timers) on the main thread.
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
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "control/api.h"
#include "control/auth.h"
#include "control/capture.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dhcp_client.h"
#include "control/dnsmasq.h"
#include "control/dplink.h"
#include "control/events.h"
#include "control/health.h"
#include "control/history.h"
#include "control/probe.h"
#include "control/log.h"
#include "control/loop.h"
#include "control/token.h"
#include "lib/cfg/dpw_sysconf.h"

struct cp_ctx cp;

#define ALIVE_PERIOD_MS 500

static int exit_code = 1;

static void
usage(FILE *f)
{
	fprintf(f, "usage: dpwan-control -c CONF [--foreground]\n"
		"       dpwan-control -c CONF --new-admin-token\n"
		"  -c, --config CONF   system configuration (conf/dpwan.conf format)\n"
		"  --foreground        stay in the foreground (always the case: run under\n"
		"                      systemd or another supervisor)\n"
		"  --new-admin-token   make a new admin API token in the store of CONF's state\n"
		"                      directory, print it and exit (recovery when every token\n"
		"                      is lost; needs no running dataplane)\n");
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
on_signal_fd(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	CP_INFO("signal %u: stopping", si.ssi_signo);
	exit_code = 0;
	cp_loop_stop();
}

static void
check_alive(void *arg)
{
	char why[128];

	if (!cp_dplink_alive(why, sizeof(why))) {
		CP_ERR("dpwan-dataplane went away (%s): exiting so the supervisor restarts us",
		       why);
		exit_code = 1;
		cp_loop_stop();
		return;
	}
	cp_loop_timer(ALIVE_PERIOD_MS, check_alive, NULL);
}

/* A logged firewall rule's hit: which rule, what it did, to which flow. */
static void
fw_hit_event(const struct dpw_msg_event *ev, const char *wan)
{
	static const char *const actions[] = { "allowed", "denied", "rejected" };
	const struct dpw_doc *doc = &cp_config_running()->doc;
	unsigned int dir = ev->b >> 24, action = (ev->b >> 16) & 0xff, slot = ev->b & 0xffff;
	const struct dpw_doc_fw_rule *rules = dir ? doc->firewall.inbound : doc->firewall.outbound;
	unsigned int n = dir ? doc->firewall.n_inbound : doc->firewall.n_outbound;
	char src[16], dst[16], proto[8];

	dpw_ipv4_str(ntohl(ev->flow.src), src, sizeof(src));
	dpw_ipv4_str(ntohl(ev->flow.dst), dst, sizeof(dst));
	if (ev->flow.proto == 6 || ev->flow.proto == 17 || ev->flow.proto == 1)
		snprintf(proto, sizeof(proto), "%s", ev->flow.proto == 6 ? "tcp" :
			 ev->flow.proto == 17 ? "udp" : "icmp");
	else
		snprintf(proto, sizeof(proto), "%u", ev->flow.proto);
	cp_event(CP_EV_FIREWALL, wan, NULL, "firewall %s rule '%s' %s %s %s:%u -> %s:%u on %s",
		 dir ? "inbound" : "outbound", slot < n ? rules[slot].name : "?",
		 action < 3 ? actions[action] : "judged", proto, src, ntohs(ev->flow.sport),
		 dst, ntohs(ev->flow.dport), wan);
}

/* What the dataplane tells unasked, into the event log. */
static void
on_dp_event(const struct dpw_msg_event *ev)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	char wan[DPW_NAME_LEN] = "?";

	if (shm != NULL && ev->a < shm->n_wans && ev->a < DPW_MAX_WANS)
		snprintf(wan, sizeof(wan), "%.*s", DPW_NAME_LEN - 1, shm->wans[ev->a].name);
	switch (ev->type) {
	case DPW_EV_WAN_USABLE:
		cp_event(ev->b ? CP_EV_WAN_USABLE : CP_EV_WAN_UNUSABLE, wan, NULL,
			 "%s %s", wan, ev->b ? "usable: carries new sessions" :
			 "not usable: no new sessions (disabled, forced down, link down, "
			 "gateway unresolved, health offline or a higher priority WAN usable)");
		cp_dnsmasq_wans_changed(&cp);   /* the LAN's resolvers follow the WANs */
		break;
	case DPW_EV_GW_RESOLVED:
		cp_event(CP_EV_GATEWAY_RESOLVED, wan, NULL, "%s gateway resolved", wan);
		break;
	case DPW_EV_WAN_SESSIONS_RESET:
		cp_event(CP_EV_WAN_SESSIONS_RESET, wan, NULL, "%s: %u TCP sessions reset towards "
			 "the LAN (on_failure tcp reset)", wan, ev->b);
		break;
	case DPW_EV_FW_HIT:
		fw_hit_event(ev, wan);
		break;
	case DPW_EV_NAT_EXHAUSTED:
		cp_event(CP_EV_NAT_PORTS_EXHAUSTED, wan, NULL, "%s: %u new flows dropped: no free "
			 "NAT port for their destination (nat.port_min..port_max of the system "
			 "configuration; ports are never shared)", wan, ev->b);
		break;
	default:
		break;
	}
}

/* One control process per state directory: the lock lives as long as we do. */
static int
lock_state_dir(const char *dir)
{
	char path[600], pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/control.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		CP_ERR("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = '\0';
		CP_ERR("another dpwan-control (pid %s) runs on state directory %s: stop it first",
		       n > 0 ? pid : "?", dir);
		close(fd);
		return -EBUSY;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(fd, pid, (size_t)n, 0) != n)
			CP_WARN("%s: cannot write our pid", path);
	}
	return fd;
}

static int
new_admin_token(void)
{
	struct cp_token_row row;
	char token[96];
	int rc;

	rc = cp_auth_recovery_token(token, sizeof(token), &row);
	if (rc < 0) {
		fprintf(stderr, "dpwan-control: cannot create a token: %s\n", strerror(-rc));
		return 1;
	}
	cp_event(CP_EV_TOKEN_CREATED, NULL, "recovery", "admin token %s created with "
		 "dpwan-control --new-admin-token", row.id);
	printf("%s\n", token);
	fprintf(stderr, "dpwan-control: admin token %s created; a running dpwan-control "
		"accepts it from its next token reload (restart it, or create or revoke a token)\n",
		row.id);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "new-admin-token", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char prefix_arg[96], lcores[1024], err[512], cfgpath[128];
	char *eal_argv[8];
	struct cp_token_boot boot;
	struct dpw_msg hello;
	sigset_t mask;
	const char *conf_path = NULL;
	int opt, rc, level, eal_argc = 0, want_token = 0, lock_fd, sig_fd;

	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			break;
		case 't':
			want_token = 1;
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
	rc = dpw_sysconf_load(conf_path, &cp.conf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dpwan-control: %s\n", err);
		return 1;
	}
	level = cp_log_level_parse(cp.conf.log_level);
	cp_log_set_level(level < 0 ? CP_LOG_INFO : (enum cp_log_level)level);
	cp.started_ms = dpw_now_ms();
	dpw_doc_context_from_sysconf(&cp.conf, &cp.doc_ctx);

	/* The state directory: ours, 0700; the store in it; one control process on it. */
	rc = cp_state_dir_prepare(cp.conf.state_dir, &boot, err, sizeof(err));
	if (rc < 0) {
		CP_ERR("state directory: %s", err);
		goto free_conf;
	}
	if (boot.dir_created)
		CP_INFO("created state directory %s (mode 0700)", cp.conf.state_dir);
	if (boot.dir_old_mode != 0)
		CP_WARN("state directory %s had mode %04o: changed it to 0700", cp.conf.state_dir,
			boot.dir_old_mode);
	lock_fd = want_token ? -1 : lock_state_dir(cp.conf.state_dir);
	if (!want_token && lock_fd < 0)
		goto free_conf;
	rc = cp_store_open(cp.conf.state_dir, &cp.store, err, sizeof(err));
	if (rc < 0) {
		CP_ERR("store: %s", err);
		goto free_conf;
	}
	if (want_token) {
		exit_code = new_admin_token();
		goto close_store;
	}
	rc = cp_auth_init();
	if (rc < 0) {
		CP_ERR("API tokens: %s", strerror(-rc));
		goto close_store;
	}

	if (!primary_running(cp.conf.file_prefix, cfgpath, sizeof(cfgpath))) {
		CP_ERR("dpwan-dataplane is not running (no %s for file prefix '%s')", cfgpath,
		       cp.conf.file_prefix);
		goto close_store;
	}
	/* Signals arrive through the loop's signalfd: block them before EAL's threads. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", cp.conf.file_prefix);
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
		       "-- is the dataplane running?", cp.conf.file_prefix, strerror(rte_errno));
		goto close_store;
	}
	rc = cp_loop_init();
	if (rc < 0)
		goto eal_cleanup;
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0 || cp_loop_add_fd(sig_fd, EPOLLIN, on_signal_fd, NULL) < 0)
		goto eal_cleanup;
	rc = cp_dplink_attach(&hello);
	if (rc < 0)
		goto eal_cleanup;
	cp_dplink_set_event_cb(on_dp_event);
	cp_loop_add_tick(cp_dplink_tick, NULL);
	cp_event_set_notify(cp_api_events_notify);
	rc = cp_api_start();
	if (rc < 0)
		goto eal_cleanup;
	cp_event(CP_EV_CONTROL_STARTED, NULL, NULL, "dpwan-control pid %d started, attached "
		 "to dpwan-dataplane pid %d (document generation %llu)", (int)getpid(),
		 (int)cp_dplink_shm()->dp_pid, (unsigned long long)hello.u.reply.config_gen);
	if (cp_probe_init() < 0 || cp_health_init() < 0) {
		CP_ERR("cannot start the health checker");
		goto eal_cleanup;
	}
	if (cp_history_init() < 0)
		CP_WARN("history: no loop timer: the dashboard's graphs stay empty");
	if (cp_dnsmasq_init(&cp) < 0)
		CP_WARN("dnsmasq: its files cannot be written: DHCP and DNS keep what they had");
	cp_config_start();
	cp_loop_timer(ALIVE_PERIOD_MS, check_alive, NULL);
	CP_INFO("running (pid %d)", (int)getpid());

	if (cp_loop_run() < 0)
		exit_code = 1;
	cp_dhcp_stop();
	cp_capture_shutdown();    /* the dataplane stops copying for a capture nobody reads */
	cp_api_stop();
	cp_probe_fini();
eal_cleanup:
	rte_eal_cleanup();
close_store:
	cp_store_close(cp.store);
free_conf:
	dpw_sysconf_free(&cp.conf);
	return exit_code;
}
