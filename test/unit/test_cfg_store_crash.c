/* SPDX-License-Identifier: BSD-3-Clause
 * Crash safety of control/cfg_store.c: a child process appends generations (each one a
 * transaction; every seventh also sets a pending confirmation, the next one clears it)
 * and events in a tight loop and writes each generation number to a pipe only after
 * cp_store_gen_add* returned 0. The parent SIGKILLs it after a random 1-50 ms, then
 * opens the store and checks: PRAGMA integrity_check says ok; the newest generation is
 * the last acknowledged one or the one in flight (never older, never two ahead); its
 * document is byte for byte the one written (and its SHA-256 matches); no generation
 * below it is missing; the confirmation and the newest event agree with it. Repeated
 * for ROUNDS kills on the same database (the first kills may land in the creation and
 * migration). In the first ROUNDS_MIN / 2 rounds the parent's check is the only other
 * connection, so its close checkpoints and removes the WAL: each kill is recovered from
 * a fresh WAL. After them the parent holds one more connection open throughout (as
 * dpwanctl might), so the WAL survives the checks, grows to the auto-checkpoint size and
 * the child checkpoints: kills land in checkpoints too. Every fourth kill counts its
 * delay from the fork (it may land in the open), the others from the child's "opened".
 * The child is a fresh exec of this program (an SQLite connection must not cross a
 * fork). Bounded: the run stops starting rounds after DEADLINE_S and fails if it
 * did fewer than ROUNDS_MIN. The seed is printed; DPWAN_CRASH_SEED replays a run.
 * Single-threaded parent, single-threaded child; no DPDK.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/cfg_store.h"
#include "control/token.h"

#define ROUNDS 100                /* wanted */
#define ROUNDS_MIN 30             /* required before the deadline stops the run */
#define DELAY_MIN_MS 1
#define DELAY_MAX_MS 50
#define DEADLINE_S 20
#define BIG_EVERY 16              /* every 16th document spans many overflow pages */
#define BIG_LEN (200 * 1024)
#define SMALL_MAX 12000
#define CONFIRM_SET_EVERY 7       /* gen % 7 == 0 sets a confirmation, == 1 clears it */
#define LIST_CHECK 64
#define ACK_FD 3                  /* the child's end of the pipe */

static uint64_t rng;

static uint64_t
rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* The document of generation gen: its length and bytes depend on gen alone. */
static size_t
doc_for(int64_t gen, char *buf)
{
	uint64_t h = (uint64_t)gen * 0x9e3779b97f4a7c15ull;
	size_t len = gen % BIG_EVERY == 0 ? BIG_LEN : 64 + (size_t)(h >> 40) % SMALL_MAX;
	int n = snprintf(buf, len + 1, "{\"gen\":%" PRId64 ",\"pad\":\"", gen);
	size_t i;

	for (i = (size_t)n; i < len - 2; i++)
		buf[i] = (char)('a' + (i + (size_t)gen) % 26);
	memcpy(buf + len - 2, "\"}", 2);
	buf[len] = '\0';
	return len;
}

static void
make_gen(struct cp_gen *g, int64_t gen, char *buf)
{
	memset(g, 0, sizeof(*g));
	g->gen = gen;
	g->time_ms = 1700000000000 + gen;
	snprintf(g->who, sizeof(g->who), "crash-test");
	g->comment = (char *)"crash test";
	g->doc = buf;
	g->len = doc_for(gen, buf);
	cp_token_hash(buf, g->len, g->hash);
}

/* The child: append until killed. Exits non-zero only on a store error. */
static int
child(const char *dir, int fd)
{
	static char buf[BIG_LEN + 1];
	struct cp_store *s;
	struct cp_gen g;
	char err[512];
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rc = cp_store_open(dir, &s, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "child: open: %s\n", err);
		_exit(2);
	}
	if (write(fd, &(int64_t){ 0 }, sizeof(int64_t)) != sizeof(int64_t))
		_exit(3);
	for (;;) {
		int64_t gen = cp_store_gen_next(s);
		struct cp_confirm c = { .gen = gen, .rollback_to = gen - 1,
					.deadline_ms = 1700000000000 + gen };
		struct cp_event e = { .time_ms = 1 };

		if (gen < 1) {
			fprintf(stderr, "child: gen_next: %s\n", cp_store_errmsg(s));
			_exit(2);
		}
		make_gen(&g, gen, buf);
		if (gen % CONFIRM_SET_EVERY == 0)
			rc = cp_store_gen_add_confirm(s, &g, &c, 1);
		else if (gen % CONFIRM_SET_EVERY == 1)
			rc = cp_store_gen_add_confirm(s, &g, NULL, 1);
		else
			rc = cp_store_gen_add(s, &g);
		if (rc != 0) {
			fprintf(stderr, "child: gen_add %" PRId64 ": %d %s\n", gen, rc,
				cp_store_errmsg(s));
			_exit(2);
		}
		/* acknowledged: from here on the generation must survive */
		if (write(fd, &gen, sizeof(gen)) != sizeof(gen))
			_exit(3);
		snprintf(e.type, sizeof(e.type), "config_applied");
		snprintf(e.message, sizeof(e.message), "gen %" PRId64, gen);
		if (cp_store_event_add(s, &e) != 0) {
			fprintf(stderr, "child: event_add: %s\n", cp_store_errmsg(s));
			_exit(2);
		}
	}
}

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return -1;
}

/* Open the store after a kill and check everything the header promises. */
static int
verify(const char *dir, int64_t lo, int64_t ev_lo, int64_t *latest_out, int64_t *ev_out)
{
	static char expect[BIG_LEN + 1];
	static struct cp_gen list[LIST_CHECK];
	struct cp_store *s;
	struct cp_confirm c;
	struct cp_event ev;
	struct cp_gen g = { 0 };
	char err[512], integ[256];
	int64_t latest = 0, evgen;
	uint8_t h[32];
	int rc, n, i, ret = -1;
	bool bad;

	rc = cp_store_open(dir, &s, err, sizeof(err));
	if (rc != 0)
		return fail("reopen: %d %s", rc, err);
	if (cp_store_integrity(s, integ, sizeof(integ)) != 0 || strcmp(integ, "ok") != 0) {
		fail("integrity_check: %s", integ);
		goto close;
	}
	rc = cp_store_gen_latest(s, &g);
	if (rc == 0) {
		latest = g.gen;
	} else if (rc != -ENOENT) {
		fail("gen_latest: %d %s", rc, cp_store_errmsg(s));
		goto close;
	}
	if (latest < lo || latest > lo + 1) {
		fail("newest generation %" PRId64 ", acknowledged %" PRId64 " (allowed %" PRId64
		     "..%" PRId64 ")", latest, lo, lo, lo + 1);
		goto free_gen;
	}
	if (latest > 0) {
		size_t len = doc_for(latest, expect);

		if (g.len != len || memcmp(g.doc, expect, len) != 0) {
			fail("generation %" PRId64 ": document differs", latest);
			goto free_gen;
		}
		cp_token_hash(g.doc, g.len, h);
		if (memcmp(h, g.hash, 32) != 0) {
			fail("generation %" PRId64 ": hash differs", latest);
			goto free_gen;
		}
	}
	/* no hole below the newest: every acknowledged generation is still there */
	n = cp_store_gen_list(s, 0, LIST_CHECK, list);
	if (n < 0 || n != (latest < LIST_CHECK ? latest : LIST_CHECK)) {
		fail("gen_list: %d rows for newest %" PRId64, n, latest);
		goto free_gen;
	}
	bad = false;
	for (i = 0; i < n; i++) {
		if (list[i].gen != latest - i || list[i].len != doc_for(list[i].gen, expect)) {
			fail("gen_list[%d]: generation %" PRId64 " (%zu bytes), expected %" PRId64,
			     i, list[i].gen, list[i].len, latest - i);
			bad = true;
		}
		cp_gen_free(&list[i]);
	}
	if (bad)
		goto free_gen;
	/* the confirmation was written in the generation's transaction */
	rc = cp_store_confirm_get(s, &c);
	if (latest > 0 && latest % CONFIRM_SET_EVERY == 0) {
		if (rc != 0 || c.gen != latest || c.rollback_to != latest - 1) {
			fail("generation %" PRId64 ": its confirmation is missing (%d)", latest, rc);
			goto free_gen;
		}
	} else if (rc != -ENOENT) {
		fail("generation %" PRId64 ": a confirmation is pending (%d, gen %" PRId64 ")",
		     latest, rc, c.gen);
		goto free_gen;
	}
	/*
	 * The event of a generation comes after its acknowledgement, by the same child: the
	 * newest event names a stored generation and is not older than ev_lo.
	 */
	evgen = 0;
	if (cp_store_event_last(s) > 0) {
		if (cp_store_event_list(s, cp_store_event_last(s) - 1, 1, &ev) != 1 ||
		    sscanf(ev.message, "gen %" SCNd64, &evgen) != 1) {
			fail("newest event unreadable");
			goto free_gen;
		}
	}
	if (evgen < ev_lo || evgen > latest) {
		fail("newest event is of generation %" PRId64 ", newest generation %" PRId64
		     " (allowed %" PRId64 "..%" PRId64 ")", evgen, latest, ev_lo, latest);
		goto free_gen;
	}
	*latest_out = latest;
	*ev_out = evgen;
	ret = 0;
free_gen:
	cp_gen_free(&g);
close:
	cp_store_close(s);
	return ret;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/test_cfg_store_crash.XXXXXX", wal[64], err[512];
	struct cp_store *watcher = NULL;
	off_t wal_max = 0;
	struct stat st;
	const char *env = getenv("DPWAN_CRASH_SEED");
	unsigned int round, in_flight = 0, no_ack = 0, before_open = 0;
	int64_t latest = 0, evgen = 0, acks_total = 0;
	struct timespec t0;
	uint64_t seed;
	int ret = 1;

	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child(argv[2], ACK_FD);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed = env != NULL ? strtoull(env, NULL, 0) :
		(uint64_t)t0.tv_nsec ^ ((uint64_t)getpid() << 32);
	rng = seed != 0 ? seed : 1;
	printf("seed %#" PRIx64 " (DPWAN_CRASH_SEED replays it)\n", seed);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (round = 0; round < ROUNDS; round++) {
		unsigned int delay = DELAY_MIN_MS + rnd() % (DELAY_MAX_MS - DELAY_MIN_MS + 1);
		struct timespec ts = { 0, (long)delay * 1000000 };
		int64_t gen, ack = 0, lo, ev_lo;
		unsigned int acks = 0;
		bool from_ready = round % 4 != 0;
		int fds[2], status;
		pid_t pid;

		if (elapsed(&t0) > DEADLINE_S) {
			if (round >= ROUNDS_MIN)
				break;
			fail("deadline of %d s reached after %u rounds", DEADLINE_S, round);
			goto out;
		}
		if (pipe(fds) != 0) {
			perror("pipe");
			goto out;
		}
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			goto out;
		}
		if (pid == 0) {
			char *args[] = { argv[0], (char *)"--child", dir, NULL };

			if (dup2(fds[1], ACK_FD) < 0)
				_exit(4);
			execv("/proc/self/exe", args);
			_exit(5);
		}
		close(fds[1]);
		/*
		 * Every fourth kill counts from the fork, so it may land in the exec, the open,
		 * a WAL recovery or the migration; the others count from the child's "open" (a
		 * 0 on the pipe) and land among the writes.
		 */
		if (from_ready) {
			struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

			if (poll(&pfd, 1, 10000) != 1 ||
			    read(fds[0], &gen, sizeof(gen)) != sizeof(gen) || gen != 0) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				close(fds[0]);
				fail("round %u: the child did not open the store", round);
				goto out;
			}
		}
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			close(fds[0]);
			goto out;
		}
		/* the child is gone: read every acknowledgement up to EOF */
		while (read(fds[0], &gen, sizeof(gen)) == sizeof(gen)) {
			if (gen == 0 && !from_ready && acks == 0) {
				from_ready = true;   /* the "open" marker, not waited for */
				continue;
			}
			if (gen <= ack || (ack > 0 && gen != ack + 1)) {
				fail("acknowledgements out of order: %" PRId64 " after %" PRId64,
				     gen, ack);
				close(fds[0]);
				goto out;
			}
			ack = gen;
			acks++;
			acks_total++;
		}
		close(fds[0]);
		snprintf(wal, sizeof(wal), "%s/%s-wal", dir, CP_STORE_FILE);
		if (stat(wal, &st) == 0 && st.st_size > wal_max)
			wal_max = st.st_size;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			fail("round %u: the child ended by itself (status %#x)", round, status);
			goto out;
		}
		lo = ack > latest ? ack : latest;
		/* the child wrote the event of every generation it acknowledged but the last */
		ev_lo = acks >= 2 ? ack - 1 : evgen;
		if (verify(dir, lo, ev_lo, &latest, &evgen) != 0) {
			fail("round %u (kill after %u ms, acknowledged %" PRId64 ")", round, delay,
			     ack);
			goto out;
		}
		in_flight += latest == lo + 1;
		no_ack += acks == 0;
		before_open += !from_ready;
		if (round + 1 == ROUNDS_MIN / 2 && cp_store_open(dir, &watcher, err, sizeof(err)) != 0) {
			fail("second connection: %s", err);
			goto out;
		}
	}
	printf("%u kills (%d-%d ms), %" PRId64 " generations acknowledged, newest %" PRId64
	       "; %u kills left the in-flight generation committed, %u came before any "
	       "acknowledgement of their round, %u before the child had opened the store; "
	       "all checks passed each time; WAL up to %.1f MiB (%.1f s)\n", round,
	       DELAY_MIN_MS, DELAY_MAX_MS, acks_total, latest, in_flight, no_ack, before_open,
	       (double)wal_max / (1 << 20), elapsed(&t0));
	ret = 0;
out:
	cp_store_close(watcher);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return ret;
}
