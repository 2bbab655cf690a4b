/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN DHCP client's supervision (dhcp_client.h): one ISC dhclient per DHCP WAN on
 * its TAP, its script writing lease files, an inotify watch on their directory, and
 * WAN_LEASE to the dataplane. Everything runs from the event loop: a client's exit is a
 * pidfd becoming readable, a lease is an inotify event, a restart is a timer. Main thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/control.h"
#include "control/dhcp_client.h"
#include "control/dnsmasq.h"
#include "control/dplink.h"
#include "control/events.h"
#include "control/log.h"
#include "control/loop.h"
#include "lib/msg/dpw_msg.h"

#define PATH_LEN 600
#define SCRIPT_NAME "dhclient-script"
#define LEASE_FILE_MAX 4096
#define SEND_RETRY_MS 500

struct client {
	int want;                 /* the running document addresses this WAN by DHCP */
	char name[DPW_NAME_LEN];
	char hostname[DPW_HEALTH_STR_LEN];
	pid_t pid;                /* the running dhclient, 0 none */
	int pidfd;
	uint64_t started_ms;      /* monotonic */
	unsigned int backoff_ms;
	int restart_timer;
	int send_timer;
	int known;                /* lease read (from the file) at least once */
	struct cp_dhcp_lease lease;
	struct dpw_msg_wan_lease msg;
};

static struct client cl[DPW_MAX_WANS];
static char dir[PATH_LEN];
static int ino_fd = -1;

static void start_client(unsigned int w);

static void
restart_cb(void *arg)
{
	struct client *c = arg;

	c->restart_timer = 0;
	if (c->want && c->pid == 0)
		start_client((unsigned int)(c - cl));
}

static void
path_of(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/%s%s", dir, name, suffix);
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_LEN + 8];
	size_t n = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n || fchmod(fd, mode) != 0)
		rc = -errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/*
 * The script dhclient runs: it never touches the interface (the dataplane owns the TAP's
 * address) and writes the lease for us, tmp file + rename, so that we never read half a
 * file. TIMEOUT (no server answered, the old lease offered for a test) is refused: a
 * lease nobody confirmed is not one the WAN uses.
 */
static int
write_script(void)
{
	char path[PATH_LEN], text[2048];

	if (strchr(dir, '\'') != NULL)
		return -EINVAL;
	path_of(path, sizeof(path), SCRIPT_NAME, "");
	snprintf(text, sizeof(text),
		 "#!/bin/sh\n"
		 "# Written by dpwan-control: dhclient's script for the WAN DHCP client.\n"
		 "# It never configures the interface (the dataplane owns the TAP's\n"
		 "# address); it leaves the lease in %s/<wan>.lease.\n"
		 "dir='%s'\n"
		 "wan=${interface#dpw-}\n"
		 "tmp=\"$dir/.$wan.lease.$$\"\n"
		 "case $reason in\n"
		 "BOUND|RENEW|REBIND|REBOOT)\n"
		 "\t{\n"
		 "\t\techo \"reason=$reason\"\n"
		 "\t\techo \"ip=$new_ip_address\"\n"
		 "\t\techo \"mask=$new_subnet_mask\"\n"
		 "\t\techo \"router=$new_routers\"\n"
		 "\t\techo \"dns=$new_domain_name_servers\"\n"
		 "\t\techo \"lease=$new_dhcp_lease_time\"\n"
		 "\t} >\"$tmp\" && mv -f \"$tmp\" \"$dir/$wan.lease\"\n"
		 "\t;;\n"
		 "EXPIRE|FAIL|RELEASE|STOP|TIMEOUT)\n"
		 "\techo \"reason=$reason\" >\"$tmp\" && mv -f \"$tmp\" \"$dir/$wan.lease\"\n"
		 "\t[ \"$reason\" = TIMEOUT ] && exit 1\n"
		 "\t;;\n"
		 "esac\n"
		 "exit 0\n", dir, dir);
	return write_file(path, text, 0700);
}

static int
write_conf(const struct client *c)
{
	char path[PATH_LEN], text[1024], host[DPW_HEALTH_STR_LEN + 32] = "";

	/* the decoder keeps hostnames to [A-Za-z0-9.-]; anything else is not sent */
	if (c->hostname[0] != '\0' && strpbrk(c->hostname, "\"\\;\n") == NULL)
		snprintf(host, sizeof(host), "send host-name \"%s\";\n", c->hostname);
	/* short retries: a WAN without a lease carries nothing, so ask again soon */
	snprintf(text, sizeof(text),
		 "# Written by dpwan-control for WAN %s.\n"
		 "timeout 20;\n"
		 "retry 5;\n"
		 "initial-interval 1;\n"
		 "backoff-cutoff 4;\n"
		 "request subnet-mask, broadcast-address, routers, domain-name-servers,\n"
		 "\tdhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;\n"
		 "%s", c->name, host);
	path_of(path, sizeof(path), c->name, ".conf");
	return write_file(path, text, 0600);
}

static int
pid_alive_as(pid_t pid, const char *what)
{
	char path[64], cmd[1024];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;   /* a zombie: gone */
	for (i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, CP_DHCP_CLIENT) != NULL && strstr(cmd, what) != NULL;
}

/*
 * A dhclient that a previous control process left (it was killed, not stopped): two
 * clients on one interface would fight. Stopped by the PID in its pid file, when that
 * process is a dhclient on our files; waits at most 1 s (rare: after a crash only).
 */
static void
stop_orphan(const struct client *c)
{
	char path[PATH_LEN], buf[32], lf[PATH_LEN];
	ssize_t n;
	pid_t pid;
	int fd, i;

	path_of(path, sizeof(path), c->name, ".pid");
	path_of(lf, sizeof(lf), c->name, ".dhclient.leases");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	pid = (pid_t)strtol(buf, NULL, 10);
	if (pid <= 1 || !pid_alive_as(pid, lf))
		return;
	CP_INFO("wan %s: stopping dhclient pid %d left by a previous dpwan-control", c->name,
		(int)pid);
	kill(pid, SIGTERM);
	for (i = 0; i < 50 && pid_alive_as(pid, lf); i++)
		usleep(20000);
	if (pid_alive_as(pid, lf))
		kill(pid, SIGKILL);
}

static int
wan_id(const char *name)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	unsigned int w;

	if (shm == NULL)
		return -1;
	for (w = 0; w < shm->n_wans && w < DPW_MAX_WANS; w++)
		if (strncmp((const char *)shm->wans[w].name, name, DPW_NAME_LEN) == 0)
			return (int)w;
	return -1;
}

static void send_lease(void *arg);

static void
on_lease_reply(int status, const struct dpw_msg *reply, int late, void *arg)
{
	struct client *c = arg;

	if (status == 0)
		return;
	if (status == -ETIMEDOUT && !late)
		return;   /* the answer may still come */
	CP_WARN("wan %s: the dataplane did not take the lease: %s", c->name, strerror(-status));
	if (status == -ETIMEDOUT && c->send_timer == 0)
		c->send_timer = cp_loop_timer(SEND_RETRY_MS, send_lease, c);
}

static void
send_lease(void *arg)
{
	struct client *c = arg;
	int64_t seq;

	c->send_timer = 0;
	if (!c->want || !c->known)
		return;
	seq = cp_dplink_send(DPW_MSG_WAN_LEASE, &c->msg, sizeof(c->msg), CP_DPLINK_TIMEOUT_MS,
			     on_lease_reply, c);
	if (seq < 0) {
		CP_WARN("wan %s: cannot send the lease to the dataplane (%s): again in %d ms",
			c->name, strerror((int)-seq), SEND_RETRY_MS);
		c->send_timer = cp_loop_timer(SEND_RETRY_MS, send_lease, c);
	}
}

/* The client's lease file changed (or is there at start): tell the dataplane. */
static void
read_lease(unsigned int w)
{
	struct client *c = &cl[w];
	struct cp_dhcp_lease l;
	char path[PATH_LEN], text[LEASE_FILE_MAX], desc[160];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), c->name, ".lease");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(text) || cp_dhcp_lease_parse(text, (size_t)n, &l) != 0) {
		CP_WARN("wan %s: %s is not a lease file dpwan-control understands: ignored",
			c->name, path);
		return;
	}
	cp_dhcp_lease_str(&l, desc, sizeof(desc));
	if (c->known && cp_dhcp_lease_same(&c->lease, &l)) {
		CP_DEBUG("wan %s: lease %s again (%s)", c->name, desc, l.reason);
		c->lease = l;
		return;
	}
	if (l.bound)
		cp_event(CP_EV_WAN_LEASE, c->name, "dhcp", "%s lease %s", c->name, desc);
	else if (c->known && c->lease.bound)
		cp_event(CP_EV_WAN_LEASE, c->name, "dhcp", "%s lease lost (%s): no address, "
			 "not usable", c->name, l.reason);
	c->known = 1;
	c->lease = l;
	cp_dnsmasq_wans_changed(&cp);   /* its DNS servers may be the LAN's upstreams */
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.wan = w;
	c->msg.addr = l.bound ? l.addr : 0;
	c->msg.gateway = l.bound ? l.gateway : 0;
	c->msg.prefixlen = l.bound ? l.prefixlen : 0;
	cp_loop_timer_cancel(c->send_timer);
	send_lease(c);
}

static void
on_inotify(int fd, uint32_t events, void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		const char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			size_t len = ev->len ? strlen(ev->name) : 0;
			unsigned int w;

			p += sizeof(*ev) + ev->len;
			if (len < 7 || ev->name[0] == '.' || strcmp(ev->name + len - 6, ".lease") != 0)
				continue;
			for (w = 0; w < DPW_MAX_WANS; w++)
				if (cl[w].want && strlen(cl[w].name) == len - 6 &&
				    strncmp(cl[w].name, ev->name, len - 6) == 0)
					read_lease(w);
		}
	}
}

static void
on_exit_fd(int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	unsigned int w = (unsigned int)(c - cl);
	uint64_t ran;
	int st = 0;

	cp_loop_del_fd(fd);
	close(fd);
	c->pidfd = -1;
	if (c->pid > 0 && waitpid(c->pid, &st, WNOHANG) <= 0)
		st = -1;
	ran = cp_loop_now_ms() - c->started_ms;
	c->pid = 0;
	if (!c->want)
		return;
	if (ran >= CP_DHCP_STABLE_MS)
		c->backoff_ms = CP_DHCP_BACKOFF_MIN_MS;
	CP_WARN("wan %s: dhclient exited (%s %d) after %llu ms: restarting in %u ms", c->name,
		st >= 0 && WIFSIGNALED(st) ? "signal" : "status",
		st >= 0 ? (WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)) : -1,
		(unsigned long long)ran, c->backoff_ms);
	c->restart_timer = cp_loop_timer(c->backoff_ms, restart_cb, c);
	c->backoff_ms = c->backoff_ms * 2 > CP_DHCP_BACKOFF_MAX_MS ? CP_DHCP_BACKOFF_MAX_MS :
			c->backoff_ms * 2;
	(void)w;
}

static void
start_client(unsigned int w)
{
	struct client *c = &cl[w];
	char ifname[DPW_NAME_LEN + 8], script[PATH_LEN], pidf[PATH_LEN], lf[PATH_LEN];
	char conf[PATH_LEN], logf[PATH_LEN], buf[32];
	char *argv[] = { (char *)CP_DHCP_CLIENT, (char *)"-4", (char *)"-d", (char *)"-sf",
			 script, (char *)"-pf", pidf, (char *)"-lf", lf, (char *)"-cf", conf,
			 ifname, NULL };
	pid_t pid;
	int fd, n;

	snprintf(ifname, sizeof(ifname), "dpw-%s", c->name);
	path_of(script, sizeof(script), SCRIPT_NAME, "");
	path_of(pidf, sizeof(pidf), c->name, ".pid");
	path_of(lf, sizeof(lf), c->name, ".dhclient.leases");
	path_of(conf, sizeof(conf), c->name, ".conf");
	path_of(logf, sizeof(logf), c->name, ".log");
	if (write_conf(c) != 0) {
		CP_ERR("wan %s: cannot write %s: %s", c->name, conf, strerror(errno));
		goto retry;
	}
	pid = fork();
	if (pid < 0) {
		CP_ERR("wan %s: cannot start dhclient: fork: %s", c->name, strerror(errno));
		goto retry;
	}
	if (pid == 0) {
		sigset_t none;

		/* our blocked TERM/INT (the loop's signalfd) must not be dhclient's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* nothing of ours (DPDK's, the store's, the API's descriptors) goes with it */
		syscall(SYS_close_range, 3, ~0u, 0);
		execv(CP_DHCP_CLIENT, argv);
		_exit(127);
	}
	c->pid = pid;
	c->started_ms = cp_loop_now_ms();
	/* ours, so that a successor finds it even if dhclient has not written it yet */
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	fd = open(pidf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, buf, (size_t)n) != n)
			CP_WARN("wan %s: cannot write %s", c->name, pidf);
		close(fd);
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0 || cp_loop_add_fd(c->pidfd, EPOLLIN, on_exit_fd, c) != 0) {
		/* without a pidfd the exit would go unseen: poll for it instead */
		CP_WARN("wan %s: cannot watch dhclient pid %d (%s)", c->name, (int)pid,
			strerror(errno));
		if (c->pidfd >= 0)
			close(c->pidfd);
		c->pidfd = -1;
	}
	CP_INFO("wan %s: dhclient pid %d on %s (log %s)", c->name, (int)pid, ifname, logf);
	return;
retry:
	c->restart_timer = cp_loop_timer(c->backoff_ms, restart_cb, c);
}

static void
stop_client(struct client *c, int wait_ms)
{
	int st, i;

	cp_loop_timer_cancel(c->restart_timer);
	c->restart_timer = 0;
	if (c->pidfd >= 0) {
		cp_loop_del_fd(c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	for (i = 0; i < wait_ms / 10; i++) {
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			break;
		usleep(10000);
	}
	if (i == wait_ms / 10) {
		kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, &st, 0);
	}
	CP_INFO("wan %s: dhclient pid %d stopped", c->name, (int)c->pid);
	c->pid = 0;
}

static int
setup(void)
{
	int rc;

	snprintf(dir, sizeof(dir), "%s/dhcp", cp.conf.state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		CP_ERR("%s: %s", dir, strerror(errno));
		return -errno;
	}
	rc = write_script();
	if (rc != 0) {
		CP_ERR("%s/%s: cannot write the DHCP client's script: %s", dir, SCRIPT_NAME,
		       strerror(-rc));
		return rc;
	}
	ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino_fd < 0 || inotify_add_watch(ino_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0 ||
	    cp_loop_add_fd(ino_fd, EPOLLIN, on_inotify, NULL) != 0) {
		rc = -errno;
		CP_ERR("%s: cannot watch for leases: %s", dir, strerror(errno));
		if (ino_fd >= 0)
			close(ino_fd);
		ino_fd = -1;
		return rc;
	}
	return 0;
}

int
cp_dhcp_sync(const struct dpw_doc *doc)
{
	unsigned int i, w;
	int rc, want[DPW_MAX_WANS] = { 0 };
	const char *host[DPW_MAX_WANS] = { NULL };

	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		int id = wan_id(doc->wans[i].name);

		if (id >= 0 && doc->wans[i].addr_mode == DPW_ADDR_DHCP) {
			want[id] = 1;
			host[id] = doc->wans[i].hostname;
		}
	}
	for (w = 0; w < DPW_MAX_WANS; w++)
		if (want[w])
			break;
	if (w < DPW_MAX_WANS && ino_fd < 0 && (rc = setup()) != 0)
		return rc;
	for (w = 0; w < DPW_MAX_WANS; w++) {
		struct client *c = &cl[w];
		char path[PATH_LEN];

		if (!want[w]) {
			if (!c->want)
				continue;
			/* static now (or gone): its lease means nothing any more */
			c->want = 0;
			stop_client(c, 1000);
			cp_loop_timer_cancel(c->send_timer);
			c->send_timer = 0;
			path_of(path, sizeof(path), c->name, ".lease");
			unlink(path);
			c->known = 0;
			memset(&c->lease, 0, sizeof(c->lease));
			continue;
		}
		if (c->want && strcmp(c->hostname, host[w]) == 0)
			continue;
		if (c->want) {
			/* another hostname to send: the client starts again with it */
			snprintf(c->hostname, sizeof(c->hostname), "%s", host[w]);
			stop_client(c, 1000);
			start_client(w);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->want = 1;
		c->pidfd = -1;
		c->backoff_ms = CP_DHCP_BACKOFF_MIN_MS;
		snprintf(c->name, sizeof(c->name), "%.*s", DPW_NAME_LEN - 1,
			 (const char *)cp_dplink_shm()->wans[w].name);
		snprintf(c->hostname, sizeof(c->hostname), "%s", host[w]);
		stop_orphan(c);
		/* the lease a previous control process saw: the dataplane may have lost it */
		read_lease(w);
		start_client(w);
	}
	return 0;
}

int
cp_dhcp_lease(unsigned int wan, struct cp_dhcp_lease *out)
{
	if (wan >= DPW_MAX_WANS || !cl[wan].want || !cl[wan].known || !cl[wan].lease.bound)
		return -ENOENT;
	*out = cl[wan].lease;
	return 0;
}

void
cp_dhcp_stop(void)
{
	unsigned int w;

	for (w = 0; w < DPW_MAX_WANS; w++)
		if (cl[w].want)
			stop_client(&cl[w], 1000);
}
