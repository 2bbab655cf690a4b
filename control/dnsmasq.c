/* SPDX-License-Identifier: BSD-3-Clause
 * dnsmasq beside dpwan-control (dnsmasq.h): its files in <state_dir>/dnsmasq written
 * atomically, `dnsmasq --test` before a document is taken, SIGTERM / SIGHUP to the pid
 * its pid file names, the servers re-rendered when WAN states change, leases read from
 * its lease file and dropped with a DHCPRELEASE, and its statistics asked with CHAOS
 * TXT queries on the LAN address, asynchronously. Main thread (the control loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "control/config.h"
#include "control/control.h"
#include "control/dhcp_client.h"
#include "control/dnsmasq.h"
#include "control/dplink.h"
#include "control/log.h"
#include "control/loop.h"
#include "control/wan.h"

#define DNSMASQ_BIN "/usr/sbin/dnsmasq"
#define CHECK_TIMEOUT_MS 3000
#define LEASE_FILE_MAX (4u << 20)
#define PATH_LEN 512
#define SERVERS_POLL_MS 2000   /* a safety net beside the WAN events: a lease's DNS */
#define STATS_TIMEOUT_MS 1000
#define DHCP_SERVER_PORT 67
#define DNS_PORT 53

static char dir[PATH_LEN];
static char lan_tap[IFNAMSIZ + 4];
static int ready;
static struct dpw_doc cur;       /* the document the files on disk were rendered from */
static int have_cur;
static char *servers_on_disk;    /* what servers.conf holds (cache of the file) */

static void poll_servers(void *arg);

/* ---- files ---- */

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The file's text (NUL-terminated, malloc'd) or NULL when absent or too big. */
static char *
read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (len != NULL)
		*len = got;
	return buf;
}

/* Write text to dir/name atomically: a temporary, fsync, rename, fsync of dir. */
static int
write_atomic(const char *name, const char *text)
{
	char path[PATH_LEN], tmp[PATH_LEN + 8];
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd, dfd, rc = 0;

	path_of(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Is dir/name's content text? */
static int
same_on_disk(const char *name, const char *text)
{
	char path[PATH_LEN];
	size_t len;
	char *old;
	int same;

	path_of(path, sizeof(path), name);
	old = read_file(path, LEASE_FILE_MAX, &len);
	same = old != NULL && len == strlen(text) && memcmp(old, text, len) == 0;
	free(old);
	return same;
}

/* ---- the system's side of the rendering ---- */

static void
make_env(const struct dpw_doc *doc, struct cp_dnsmasq_env *env)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	struct cp_dhcp_lease lease;
	unsigned int i, k;
	int idx;

	memset(env, 0, sizeof(*env));
	env->lan_tap = lan_tap;
	env->lan_addr = cp.doc_ctx.lan_addr;
	env->lan_prefixlen = cp.doc_ctx.lan_prefixlen;
	env->dir = dir;
	/* query ports below the NAT range: an upstream's answer is never a NAT session's */
	env->min_port = 1024;
	env->max_port = cp.conf.nat_port_min > 1025 ? (uint16_t)(cp.conf.nat_port_min - 1) :
			0;
	if (env->max_port == 0)
		env->min_port = 0;
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_doc_wan *w = &doc->wans[i];

		snprintf(env->wan[i].tap, sizeof(env->wan[i].tap), "dpw-%s", w->name);
		idx = shm != NULL ? cp_wan_find(w->name) : -1;
		env->wan[i].usable = idx >= 0 && shm->wans[idx].usable && w->enabled &&
				     !w->forced_down;
		if (w->n_dns > 0) {
			for (k = 0; k < w->n_dns && k < DPW_WAN_DNS_MAX; k++)
				env->wan[i].dns[k] = w->dns[k];
			env->wan[i].n_dns = k;
		} else if (idx >= 0 && cp_dhcp_lease((unsigned int)idx, &lease) == 0) {
			for (k = 0; k < lease.n_dns && k < DPW_WAN_DNS_MAX; k++)
				env->wan[i].dns[k] = lease.dns[k];
			env->wan[i].n_dns = k;
		}
	}
}

/* ---- the running dnsmasq ---- */

int
cp_dnsmasq_pid(struct cp_ctx *c)
{
	char path[PATH_LEN], comm[64], buf[32];
	char *text;
	long pid;
	int fd;
	ssize_t n;

	(void)c;
	if (!ready)
		return 0;
	path_of(path, sizeof(path), "dnsmasq.pid");
	text = read_file(path, 64, NULL);
	if (text == NULL)
		return 0;
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || pid > INT_MAX)
		return 0;
	/* a stale pid file must not make us signal another program */
	snprintf(buf, sizeof(buf), "/proc/%ld/comm", pid);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	comm[n] = '\0';
	if (strncmp(comm, "dnsmasq\n", 8) != 0)
		return 0;
	/* and ours: its command line names our main file (the lab's ISPs run dnsmasq too) */
	snprintf(buf, sizeof(buf), "/proc/%ld/cmdline", pid);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	{
		char cmd[2048], want[PATH_LEN + 16];
		ssize_t i;

		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			return 0;
		for (i = 0; i < n; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[n] = '\0';
		path_of(want, sizeof(want), "dnsmasq.conf");
		return strstr(cmd, want) != NULL ? (int)pid : 0;
	}
}

static void
signal_dnsmasq(int sig, const char *why)
{
	int pid = cp_dnsmasq_pid(&cp);

	if (pid <= 0) {
		CP_INFO("dnsmasq: %s; not running now (its supervisor starts it with the new "
			"files)", why);
		return;
	}
	if (kill(pid, sig) != 0)
		CP_WARN("dnsmasq: cannot signal pid %d: %s", pid, strerror(errno));
	else
		CP_INFO("dnsmasq: %s: %s to pid %d", why, sig == SIGTERM ? "SIGTERM (restart)" :
			"SIGHUP (re-read)", pid);
}

int
cp_dnsmasq_init(struct cp_ctx *c)
{
	const struct dpw_sysconf *conf = &c->conf;
	unsigned int i;

	snprintf(dir, sizeof(dir), "%s/dnsmasq", conf->state_dir);
	snprintf(lan_tap, sizeof(lan_tap), "dpw-lan");
	for (i = 0; i < conf->n_ports; i++)
		if (conf->ports[i].role == DPW_ROLE_LAN) {
			snprintf(lan_tap, sizeof(lan_tap), "dpw-%s", conf->ports[i].name);
			break;
		}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		CP_ERR("dnsmasq: cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	ready = 1;
	cp_loop_timer(SERVERS_POLL_MS, poll_servers, NULL);
	return 0;
}

/* ---- dnsmasq --test ---- */

/*
 * Run `dnsmasq --test --conf-file=path`, at most CHECK_TIMEOUT_MS. 0 (valid), 1 and its
 * message in msg (invalid), or -errno (could not run it).
 */
static int
run_test(const char *path, char *msg, size_t len)
{
	char arg[PATH_LEN + 16], out[1024];
	int pfd[2], st = 0, nul;
	size_t got = 0;
	pid_t pid;
	uint64_t end = cp_loop_now_ms() + CHECK_TIMEOUT_MS;

	msg[0] = '\0';
	if (access(DNSMASQ_BIN, X_OK) != 0)
		return -ENOENT;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -errno;
	snprintf(arg, sizeof(arg), "--conf-file=%s", path);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		nul = open("/dev/null", O_RDWR);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execl(DNSMASQ_BIN, "dnsmasq", "--test", arg, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int64_t left = (int64_t)(end - cp_loop_now_ms());
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(pfd[0], out + got, sizeof(out) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(out) - 1)
			break;
	}
	close(pfd[0]);
	out[got] = '\0';
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -ECHILD;
		if (cp_loop_now_ms() >= end) {
			kill(pid, SIGKILL);   /* our own child, by its pid */
			waitpid(pid, &st, 0);
			snprintf(msg, len, "dnsmasq --test did not finish within %d ms",
				 CHECK_TIMEOUT_MS);
			return 1;
		}
		usleep(2000);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	/* dnsmasq's own words, on one line */
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
		out[--got] = '\0';
	for (size_t i = 0; i < got; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	{
		const char *m = out;

		while (*m == ' ')
			m++;
		snprintf(msg, len, "%s", *m ? m : "dnsmasq --test failed");
	}
	return 1;
}

int
cp_dnsmasq_check(struct cp_ctx *c, const struct dpw_doc *doc, struct dpw_doc_problems *pr)
{
	struct cp_dnsmasq_env env;
	struct cp_dnsmasq_files f;
	char path[PATH_LEN], msg[DPW_DOC_MSG_LEN];
	int rc;

	(void)c;
	if (!ready)
		return 0;
	make_env(doc, &env);
	if (cp_dnsmasq_render(doc, &env, &f) != 0) {
		dpw_doc_problem_add(pr, false, "/lan", "out of memory rendering dnsmasq's files");
		return -EINVAL;
	}
	rc = write_atomic("check.conf", f.main);
	cp_dnsmasq_files_free(&f);
	if (rc < 0) {
		CP_WARN("dnsmasq: cannot write its check file in %s: %s", dir, strerror(-rc));
		return 0;   /* the system's fault, not the document's */
	}
	path_of(path, sizeof(path), "check.conf");
	rc = run_test(path, msg, sizeof(msg));
	unlink(path);
	if (rc < 0) {
		CP_WARN("dnsmasq: cannot run %s --test: %s; the LAN sections are not checked",
			DNSMASQ_BIN, strerror(-rc));
		return 0;
	}
	if (rc > 0) {
		dpw_doc_problem_add(pr, false, "/lan", "dnsmasq refuses the LAN services: %s",
				    msg);
		return -EINVAL;
	}
	return 0;
}

/* ---- applying ---- */

static void
set_servers_cache(const char *text)
{
	free(servers_on_disk);
	servers_on_disk = strdup(text);
}

void
cp_dnsmasq_apply(struct cp_ctx *c, const struct dpw_doc *doc)
{
	struct cp_dnsmasq_env env;
	struct cp_dnsmasq_files f;
	int main_ch, srv_ch, hosts_ch, rc = 0;

	(void)c;
	if (!ready)
		return;
	make_env(doc, &env);
	if (cp_dnsmasq_render(doc, &env, &f) != 0) {
		CP_ERR("dnsmasq: out of memory rendering its files");
		return;
	}
	main_ch = !same_on_disk("dnsmasq.conf", f.main);
	srv_ch = !same_on_disk("servers.conf", f.servers);
	hosts_ch = !same_on_disk("hosts.conf", f.hosts);
	/* the files the main one names first: a restart must find them */
	if (srv_ch)
		rc = write_atomic("servers.conf", f.servers);
	if (rc == 0 && hosts_ch)
		rc = write_atomic("hosts.conf", f.hosts);
	if (rc == 0 && main_ch)
		rc = write_atomic("dnsmasq.conf", f.main);
	if (rc < 0) {
		CP_ERR("dnsmasq: cannot write its files in %s: %s", dir, strerror(-rc));
		cp_dnsmasq_files_free(&f);
		return;
	}
	set_servers_cache(f.servers);
	cp_dnsmasq_files_free(&f);
	dpw_doc_free(&cur);
	have_cur = dpw_doc_copy(&cur, doc) == 0;
	if (main_ch)
		signal_dnsmasq(SIGTERM, "dnsmasq.conf changed");
	else if (srv_ch || hosts_ch)
		signal_dnsmasq(SIGHUP, srv_ch && hosts_ch ? "servers and reservations changed" :
			       srv_ch ? "servers changed" : "reservations changed");
}

void
cp_dnsmasq_wans_changed(struct cp_ctx *c)
{
	struct cp_dnsmasq_env env;
	struct cp_dnsmasq_files f;
	int rc;

	(void)c;
	if (!ready || !have_cur)
		return;
	make_env(&cur, &env);
	if (cp_dnsmasq_render(&cur, &env, &f) != 0)
		return;
	if (servers_on_disk != NULL && strcmp(servers_on_disk, f.servers) == 0) {
		cp_dnsmasq_files_free(&f);
		return;
	}
	rc = write_atomic("servers.conf", f.servers);
	if (rc < 0) {
		CP_ERR("dnsmasq: cannot write servers.conf: %s", strerror(-rc));
	} else {
		set_servers_cache(f.servers);
		signal_dnsmasq(SIGHUP, "the usable WANs' resolvers changed");
	}
	cp_dnsmasq_files_free(&f);
}

int
cp_dnsmasq_flush(struct cp_ctx *c)
{
	int pid = cp_dnsmasq_pid(c);

	if (pid <= 0)
		return -ESRCH;
	if (kill(pid, SIGHUP) != 0)
		return -errno;
	CP_INFO("dnsmasq: cache flush (SIGHUP to pid %d)", pid);
	return 0;
}

/* ---- leases ---- */

int
cp_dnsmasq_leases(struct cp_ctx *c, struct cp_lease **out)
{
	char path[PATH_LEN];
	unsigned int n, max;
	size_t len;
	char *text;

	(void)c;
	*out = NULL;
	if (!ready)
		return -ENOENT;
	path_of(path, sizeof(path), "dnsmasq.leases");
	text = read_file(path, LEASE_FILE_MAX, &len);
	if (text == NULL)
		return errno == ENOENT ? 0 : -EIO;
	n = cp_lease_parse(text, len, NULL, 0, NULL);
	max = n;
	*out = calloc(max ? max : 1, sizeof(**out));
	if (*out == NULL) {
		free(text);
		return -ENOMEM;
	}
	n = cp_lease_parse(text, len, *out, max, NULL);
	free(text);
	return (int)(n < max ? n : max);
}

int
cp_dnsmasq_lease_delete(struct cp_ctx *c, uint32_t addr)
{
	struct cp_lease *l = NULL, found;
	struct sockaddr_in dst;
	uint8_t pkt[600];
	int n, i, fd, len, hit = -1;

	n = cp_dnsmasq_leases(c, &l);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (l[i].addr == addr)
			hit = i;
	if (hit < 0) {
		free(l);
		return -ENOENT;
	}
	found = l[hit];
	free(l);
	len = cp_dhcp_release_build(&found, cp.doc_ctx.lan_addr, (uint32_t)random(), pkt,
				    sizeof(pkt));
	if (len < 0)
		return len;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* as dnsmasq-utils' dhcp_release: bound to the LAN TAP, so that dnsmasq takes the
	 * release as one that came in on its interface */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, lan_tap, (socklen_t)strlen(lan_tap))
	    != 0) {
		n = -errno;
		close(fd);
		return n;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(DHCP_SERVER_PORT);
	dst.sin_addr.s_addr = htonl(cp.doc_ctx.lan_addr);
	n = sendto(fd, pkt, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst)) == len ? 0 :
	    -errno;
	close(fd);
	if (n == 0) {
		char a[16];

		CP_INFO("dnsmasq: DHCPRELEASE sent for %s", dpw_ipv4_str(addr, a, sizeof(a)));
	}
	return n;
}

/* ---- statistics: CHAOS TXT queries, answered asynchronously ---- */

#define X_STATS(X) \
	X(CACHESIZE, "cachesize.bind") \
	X(INSERTIONS, "insertions.bind") \
	X(EVICTIONS, "evictions.bind") \
	X(MISSES, "misses.bind") \
	X(HITS, "hits.bind") \
	X(AUTH, "auth.bind") \
	X(SERVERS, "servers.bind")

enum stat_q {
#define X(e, s) Q_##e,
	X_STATS(X)
#undef X
	Q_MAX
};

static const char *const q_name[Q_MAX] = {
#define X(e, s) s,
	X_STATS(X)
#undef X
};

#define STATS_WAITERS 16

static struct cp_dnsmasq_stats stats;
static int st_fd = -1;
static int st_timer;
static uint16_t st_id;
static unsigned int st_pending;     /* bits of enum stat_q still unanswered */
static struct {
	cp_dnsmasq_stats_cb cb;
	void *arg;
} waiters[STATS_WAITERS];
static unsigned int n_waiters;

static void
stats_finish(void)
{
	unsigned int i, n = n_waiters;

	cp_loop_timer_cancel(st_timer);
	st_timer = 0;
	if (st_fd >= 0) {
		cp_loop_del_fd(st_fd);
		close(st_fd);
		st_fd = -1;
	}
	stats.complete = st_pending == 0;
	stats.at_ms = (int64_t)dpw_now_ms();
	st_pending = 0;
	n_waiters = 0;
	for (i = 0; i < n; i++)
		waiters[i].cb(&stats, waiters[i].arg);
}

static void
stats_answer(const uint8_t *b, size_t len)
{
	char txt[CP_DNSMASQ_SERVERS_MAX][CP_CHAOS_TXT_LEN];
	unsigned int q, i;
	uint16_t id;
	int n = cp_chaos_answer(b, len, &id, txt, CP_DNSMASQ_SERVERS_MAX);

	q = id & 0xff;
	if (n < 0 || (id >> 8) != (st_id & 0xff) || q >= Q_MAX || !(st_pending & (1u << q)))
		return;
	st_pending &= ~(1u << q);
	if (q == Q_SERVERS) {
		/* "IP#port queries failed" for each upstream */
		stats.n_servers = 0;
		for (i = 0; i < (unsigned int)n; i++) {
			struct cp_dnsmasq_server *s = &stats.server[stats.n_servers];
			char addr[64];

			if (sscanf(txt[i], "%63s %llu %llu", addr, &s->queries, &s->failed) == 3) {
				snprintf(s->addr, sizeof(s->addr), "%s", addr);
				stats.n_servers++;
			}
		}
		return;
	}
	if (n < 1)
		return;
	{
		unsigned long long v = strtoull(txt[0], NULL, 10);

		switch (q) {
		case Q_CACHESIZE: stats.cache_size = v; break;
		case Q_INSERTIONS: stats.insertions = v; break;
		case Q_EVICTIONS: stats.evictions = v; break;
		case Q_MISSES: stats.misses = v; break;
		case Q_HITS: stats.hits = v; break;
		case Q_AUTH: stats.auth = v; break;
		default: break;
		}
	}
}

static void
on_stats_fd(int fd, uint32_t events, void *arg)
{
	uint8_t b[1500];
	ssize_t n;

	(void)events;
	(void)arg;
	while ((n = recv(fd, b, sizeof(b), 0)) > 0)
		stats_answer(b, (size_t)n);
	if (st_pending == 0)
		stats_finish();
}

static void
on_stats_timeout(void *arg)
{
	(void)arg;
	st_timer = 0;
	stats_finish();
}

int
cp_dnsmasq_stats_get(struct cp_ctx *c, cp_dnsmasq_stats_cb cb, void *arg)
{
	struct sockaddr_in dst;
	uint8_t b[64];
	unsigned int q;
	int rc, n;

	(void)c;
	if (!ready || !have_cur || !cur.lan.dns.enabled)
		return -ENOTCONN;
	if (n_waiters == STATS_WAITERS)
		return -EBUSY;
	if (cb != NULL) {
		waiters[n_waiters].cb = cb;
		waiters[n_waiters].arg = arg;
		n_waiters++;
	}
	if (st_fd >= 0)
		return 0;   /* a round is under way: answered with it */
	st_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (st_fd < 0 || cp_loop_add_fd(st_fd, EPOLLIN, on_stats_fd, NULL) < 0) {
		if (st_fd >= 0)
			close(st_fd);
		st_fd = -1;
		if (cb != NULL)
			n_waiters--;
		return -EIO;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(DNS_PORT);
	dst.sin_addr.s_addr = htonl(cp.doc_ctx.lan_addr);
	st_id++;
	st_pending = 0;
	/* connected: only the LAN address's answers are read */
	rc = connect(st_fd, (struct sockaddr *)&dst, sizeof(dst));
	for (q = 0; q < Q_MAX && rc == 0; q++) {
		n = cp_chaos_query(b, sizeof(b), (uint16_t)((st_id & 0xff) << 8 | q), q_name[q]);
		if (n > 0 && send(st_fd, b, (size_t)n, 0) == n)
			st_pending |= 1u << q;
	}
	st_timer = cp_loop_timer(STATS_TIMEOUT_MS, on_stats_timeout, NULL);
	if (st_pending == 0 || st_timer < 0)
		cp_loop_timer(0, on_stats_timeout, NULL);
	return 0;
}

const struct cp_dnsmasq_stats *
cp_dnsmasq_stats_last(void)
{
	return &stats;
}

/* The servers follow the WANs: a safety net beside the events that call
 * cp_dnsmasq_wans_changed (a DHCP WAN's lease may bring new resolvers); and the
 * statistics for /metrics are refreshed every few rounds. */
static void
poll_servers(void *arg)
{
	static unsigned int round;

	(void)arg;
	cp_dnsmasq_wans_changed(&cp);
	if (++round % 5 == 0)
		(void)cp_dnsmasq_stats_get(&cp, NULL, NULL);
	cp_loop_timer(SERVERS_POLL_MS, poll_servers, NULL);
}
