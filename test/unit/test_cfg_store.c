/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/cfg_store.c on real SQLite files: open and its refusals (missing
 * or non-directory state dir, newer schema), file modes whatever the umask, WAL and the
 * other pragmas, generations, confirmations, events (with pruning: built with a small
 * CP_STORE_EVENTS_KEEP), tokens, meta, integrity, two handles, a writer that waits for
 * another (and gives up after CP_STORE_BUSY_MS with -EIO and SQLite's reason), and the
 * error text of a damaged file.
 * Each test in its own temporary directory, removed by the teardown also on failure.
 * The test of the busy wait runs the other writer on a thread of its own; no DPDK.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "control/cfg_store.h"
#include "control/token.h"

_Static_assert(CP_STORE_EVENTS_KEEP == 10, "built with -DCP_STORE_EVENTS_KEEP=10");

struct fixture {
	char dir[64];
	char db[128];
	struct cp_store *s;
};

static char logged[1024];
static unsigned int n_logged;

static void
log_fn(const char *msg)
{
	snprintf(logged, sizeof(logged), "%s", msg);
	n_logged++;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_cfg_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, CP_STORE_FILE);
	*state = f;
	return 0;
}

/* setup, then open the store */
static int
setup_open(void **state)
{
	struct fixture *f;
	char err[256];

	if (setup(state) != 0)
		return -1;
	f = *state;
	return cp_store_open(f->dir, &f->s, err, sizeof(err)) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	cp_store_close(f->s);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void
reopen(struct fixture *f)
{
	char err[256];

	cp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), 0);
}

/* A generation with a document derived from n (and its SHA-256). */
static void
make_gen(struct cp_gen *g, int64_t gen, const char *doc)
{
	memset(g, 0, sizeof(*g));
	g->gen = gen;
	g->time_ms = 1700000000000 + gen;
	snprintf(g->who, sizeof(g->who), "tok_%08llx", (unsigned long long)gen);
	g->comment = (char *)"a comment";
	g->doc = (char *)doc;
	g->len = strlen(doc);
	assert_int_equal(cp_token_hash(doc, g->len, g->hash), 0);
}

static sqlite3 *
raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

static void
raw_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void
test_open_modes_and_pragmas(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[64], path[160];
	struct cp_event e = { .type = "test" };
	struct stat st;
	mode_t old = umask(0);   /* the modes must not depend on the caller's umask */
	sqlite3 *db;

	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), 0);
	assert_int_equal(cp_store_event_add(f->s, &e), 0);
	umask(old);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s-wal", f->db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s-shm", f->db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* journal_mode is persistent in the file: another connection sees it */
	db = raw_open(f->db);
	raw_text(db, "PRAGMA journal_mode", buf, sizeof(buf));
	assert_string_equal(buf, "wal");
	raw_text(db, "PRAGMA user_version", buf, sizeof(buf));
	assert_int_equal(atoi(buf), CP_STORE_SCHEMA);
	sqlite3_close(db);

	assert_int_equal(cp_store_integrity(f->s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ok");
	assert_string_equal(cp_store_errmsg(f->s), "");
}

static void
test_open_tightens_loose_file(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct stat st;
	int fd = open(f->db, O_CREAT | O_WRONLY, 0644);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), 0);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_open_refusals(void **state)
{
	struct fixture *f = *state;
	char err[256], path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(cp_store_open(path, &f->s, err, sizeof(err)), -ENOENT);
	assert_null(f->s);
	assert_non_null(strstr(err, "missing"));
	snprintf(path, sizeof(path), "%s/file", f->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cp_store_open(path, &f->s, err, sizeof(err)), -ENOTDIR);
	assert_int_equal(cp_store_open("", &f->s, err, sizeof(err)), -EINVAL);
	/* the database a symbolic link: refused (O_NOFOLLOW), not followed */
	assert_int_equal(symlink(path, f->db), 0);
	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), -ELOOP);
	assert_null(f->s);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct cp_gen g;
	sqlite3 *db;

	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), 0);
	make_gen(&g, 1, "{\"version\":1}");
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	cp_store_close(f->s);
	f->s = NULL;
	db = raw_open(f->db);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), -EPROTO);
	assert_null(f->s);
	assert_non_null(strstr(err, "version 7"));
	assert_non_null(strstr(err, "build's 1"));
	/* refused means untouched */
	db = raw_open(f->db);
	raw_text(db, "PRAGMA user_version", err, sizeof(err));
	assert_string_equal(err, "7");
	raw_text(db, "SELECT count(*) FROM generations", err, sizeof(err));
	assert_string_equal(err, "1");
	sqlite3_close(db);
}

/* A file some older tool made (user_version 0, no tables) is migrated, not refused. */
static void
test_migrates_version_zero(void **state)
{
	struct fixture *f = *state;
	char err[256];
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE unrelated (x)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cp_store_open(f->dir, &f->s, err, sizeof(err)), 0);
	assert_int_equal(cp_store_gen_next(f->s), 1);
	db = raw_open(f->db);
	raw_text(db, "PRAGMA user_version", err, sizeof(err));
	assert_int_equal(atoi(err), CP_STORE_SCHEMA);
	sqlite3_close(db);
}

static void
test_generations(void **state)
{
	struct fixture *f = *state;
	struct cp_gen g, out, list[8];
	int i;

	assert_int_equal(cp_store_gen_latest(f->s, &out), -ENOENT);
	assert_int_equal(cp_store_gen_get(f->s, 1, &out), -ENOENT);
	assert_int_equal(cp_store_gen_next(f->s), 1);
	assert_int_equal(cp_store_gen_list(f->s, 0, 8, list), 0);

	make_gen(&g, 1, "{\"version\":1,\"wans\":[]}");
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	make_gen(&g, 2, "{\"version\":1,\"wans\":[{\"name\":\"wan1\"}]}");
	g.comment = (char *)"";
	g.time_ms = 0;   /* now */
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	/* not newer: the same number, and an older one */
	assert_int_equal(cp_store_gen_add(f->s, &g), -EEXIST);
	assert_non_null(strstr(cp_store_errmsg(f->s), "not newer"));
	make_gen(&g, 1, "{}");
	assert_int_equal(cp_store_gen_add(f->s, &g), -EEXIST);
	/* gaps are allowed: numbers only grow */
	make_gen(&g, 5, "{\"version\":1,\"wans\":[{\"name\":\"wan2\"}]}");
	g.comment = (char *)"third";
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	assert_int_equal(cp_store_gen_next(f->s), 6);

	assert_int_equal(cp_store_gen_latest(f->s, &out), 0);
	assert_int_equal(out.gen, 5);
	assert_int_equal(out.time_ms, 1700000000005);
	assert_string_equal(out.who, "tok_00000005");
	assert_string_equal(out.comment, "third");
	assert_string_equal(out.doc, g.doc);
	assert_int_equal(out.len, g.len);
	assert_memory_equal(out.hash, g.hash, 32);
	cp_gen_free(&out);
	assert_null(out.doc);

	assert_int_equal(cp_store_gen_get(f->s, 2, &out), 0);
	assert_string_equal(out.doc, "{\"version\":1,\"wans\":[{\"name\":\"wan1\"}]}");
	assert_string_equal(out.comment, "");
	assert_true(out.time_ms > 1600000000000);
	cp_gen_free(&out);
	assert_int_equal(cp_store_gen_get(f->s, 3, &out), -ENOENT);

	/* newest first, no documents, paged with before */
	assert_int_equal(cp_store_gen_list(f->s, 0, 8, list), 3);
	assert_int_equal(list[0].gen, 5);
	assert_int_equal(list[1].gen, 2);
	assert_int_equal(list[2].gen, 1);
	for (i = 0; i < 3; i++) {
		assert_null(list[i].doc);
		assert_non_null(list[i].comment);
	}
	assert_int_equal(list[0].len, g.len);
	assert_memory_equal(list[0].hash, g.hash, 32);
	assert_string_equal(list[0].comment, "third");
	for (i = 0; i < 3; i++)
		cp_gen_free(&list[i]);
	assert_int_equal(cp_store_gen_list(f->s, 0, 1, list), 1);
	assert_int_equal(list[0].gen, 5);
	cp_gen_free(&list[0]);
	assert_int_equal(cp_store_gen_list(f->s, 5, 8, list), 2);
	assert_int_equal(list[0].gen, 2);
	cp_gen_free(&list[0]);
	cp_gen_free(&list[1]);
	assert_int_equal(cp_store_gen_list(f->s, 1, 8, list), 0);
	assert_int_equal(cp_store_gen_list(f->s, 0, 0, list), 0);

	/* survives a reopen */
	reopen(f);
	assert_int_equal(cp_store_gen_latest(f->s, &out), 0);
	assert_int_equal(out.gen, 5);
	assert_string_equal(out.doc, g.doc);
	cp_gen_free(&out);
	assert_int_equal(cp_store_gen_next(f->s), 6);
}

static void
test_generation_bad_input(void **state)
{
	struct fixture *f = *state;
	struct cp_gen g, out;
	char *big, *comment;
	size_t i;

	make_gen(&g, 1, "{\"a\":1}");
	g.hash[0] ^= 1;
	assert_int_equal(cp_store_gen_add(f->s, &g), -EINVAL);
	assert_non_null(strstr(cp_store_errmsg(f->s), "hash"));
	make_gen(&g, 0, "{}");
	assert_int_equal(cp_store_gen_add(f->s, &g), -EINVAL);
	make_gen(&g, 1, "{}");
	g.doc = NULL;
	assert_int_equal(cp_store_gen_add(f->s, &g), -EINVAL);
	make_gen(&g, 1, "{}");
	g.len = 3;   /* takes in the NUL */
	assert_int_equal(cp_store_gen_add(f->s, &g), -EINVAL);
	assert_int_equal(cp_store_gen_next(f->s), 1);

	/* 8 MiB is the limit: exactly that is stored, one byte more is not */
	big = malloc(CP_STORE_DOC_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', CP_STORE_DOC_MAX + 1);
	big[CP_STORE_DOC_MAX + 1] = '\0';
	make_gen(&g, 1, big);
	assert_int_equal(cp_store_gen_add(f->s, &g), -E2BIG);
	big[CP_STORE_DOC_MAX] = '\0';
	make_gen(&g, 1, big);
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	assert_int_equal(cp_store_gen_latest(f->s, &out), 0);
	assert_int_equal(out.len, CP_STORE_DOC_MAX);
	assert_memory_equal(out.doc, big, CP_STORE_DOC_MAX);
	cp_gen_free(&out);
	free(big);

	/* a long comment is cut, at a character boundary ("é" is 2 bytes) */
	comment = malloc(2 * CP_STORE_COMMENT_MAX + 1);
	assert_non_null(comment);
	comment[0] = 'a';
	for (i = 1; i + 1 < 2 * CP_STORE_COMMENT_MAX; i += 2)
		memcpy(comment + i, "\xc3\xa9", 2);
	comment[i] = '\0';
	make_gen(&g, 2, "{}");
	g.comment = comment;
	memset(g.who, 'w', sizeof(g.who));   /* not even NUL-terminated */
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	assert_int_equal(cp_store_gen_get(f->s, 2, &out), 0);
	assert_int_equal(strlen(out.comment), CP_STORE_COMMENT_MAX - 1);
	assert_memory_equal(out.comment, comment, CP_STORE_COMMENT_MAX - 1);
	assert_int_equal(strlen(out.who), CP_STORE_WHO_LEN - 1);
	cp_gen_free(&out);
	free(comment);
}

static void
test_confirm(void **state)
{
	struct fixture *f = *state;
	struct cp_confirm c = { .gen = 2, .rollback_to = 1, .deadline_ms = 1700000123456 };
	struct cp_confirm got;
	struct cp_gen g, out;

	assert_int_equal(cp_store_confirm_get(f->s, &got), -ENOENT);
	assert_int_equal(cp_store_confirm_clear(f->s), 0);
	/* foreign keys: a confirmation of generations that are not stored is refused */
	assert_int_equal(cp_store_confirm_set(f->s, &c), -ENOENT);
	make_gen(&g, 1, "{\"g\":1}");
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	/* the confirmed apply: generation 2 and its pending confirmation at once */
	make_gen(&g, 2, "{\"g\":2}");
	assert_int_equal(cp_store_gen_add_confirm(f->s, &g, &c, 0), 0);
	assert_int_equal(cp_store_confirm_get(f->s, &got), 0);
	assert_int_equal(got.gen, 2);
	assert_int_equal(got.rollback_to, 1);
	assert_int_equal(got.deadline_ms, 1700000123456);
	assert_int_equal(cp_store_confirm_set(f->s, &c), -EBUSY);

	/* a second confirmed apply without clear: refused, and generation 3 not stored */
	make_gen(&g, 3, "{\"g\":3}");
	c.gen = 3;
	c.rollback_to = 2;
	assert_int_equal(cp_store_gen_add_confirm(f->s, &g, &c, 0), -EBUSY);
	assert_int_equal(cp_store_gen_next(f->s), 3);
	assert_int_equal(cp_store_gen_get(f->s, 3, &out), -ENOENT);
	/* with clear: replaces the pending one */
	assert_int_equal(cp_store_gen_add_confirm(f->s, &g, &c, 1), 0);
	assert_int_equal(cp_store_confirm_get(f->s, &got), 0);
	assert_int_equal(got.gen, 3);

	reopen(f);   /* the deadline survives a restart of control */
	assert_int_equal(cp_store_confirm_get(f->s, &got), 0);
	assert_int_equal(got.gen, 3);
	assert_int_equal(got.rollback_to, 2);

	/* the rollback: generation 4 (a copy of 2) and the clear at once */
	make_gen(&g, 4, "{\"g\":2}");
	snprintf(g.who, sizeof(g.who), "rollback");
	assert_int_equal(cp_store_gen_add_confirm(f->s, &g, NULL, 1), 0);
	assert_int_equal(cp_store_confirm_get(f->s, &got), -ENOENT);
	assert_int_equal(cp_store_gen_latest(f->s, &out), 0);
	assert_int_equal(out.gen, 4);
	assert_string_equal(out.who, "rollback");
	cp_gen_free(&out);

	/* set and clear on their own */
	c.gen = 4;
	c.rollback_to = 3;
	assert_int_equal(cp_store_confirm_set(f->s, &c), 0);
	assert_int_equal(cp_store_confirm_clear(f->s), 0);
	assert_int_equal(cp_store_confirm_get(f->s, &got), -ENOENT);
	/* a failing add leaves the confirmation alone (one transaction) */
	assert_int_equal(cp_store_confirm_set(f->s, &c), 0);
	assert_int_equal(cp_store_gen_add_confirm(f->s, &g, NULL, 1), -EEXIST);
	assert_int_equal(cp_store_confirm_get(f->s, &got), 0);
}

static void
test_events(void **state)
{
	struct fixture *f = *state;
	struct cp_event e, out[32];
	int i, n;

	assert_int_equal(cp_store_event_last(f->s), 0);
	assert_int_equal(cp_store_event_list(f->s, 0, 32, out), 0);
	for (i = 1; i <= 25; i++) {
		memset(&e, 0, sizeof(e));
		snprintf(e.type, sizeof(e.type), "config_applied");
		snprintf(e.wan, sizeof(e.wan), "wan%d", i % 2);
		snprintf(e.who, sizeof(e.who), "tok_0000000%d", i % 10);
		snprintf(e.message, sizeof(e.message), "event %d", i);
		e.time_ms = i == 3 ? 0 : 1000 + i;
		assert_int_equal(cp_store_event_add(f->s, &e), 0);
		assert_int_equal(e.seq, i);
		if (i == 3)
			assert_true(e.time_ms > 1600000000000);   /* filled in: now */
		if (i == 5) {
			n = cp_store_event_list(f->s, 0, 32, out);
			assert_int_equal(n, 5);
			assert_int_equal(out[0].seq, 1);
			assert_int_equal(out[0].time_ms, 1001);
			assert_string_equal(out[0].type, "config_applied");
			assert_string_equal(out[0].wan, "wan1");
			assert_string_equal(out[0].who, "tok_00000001");
			assert_string_equal(out[4].message, "event 5");
		}
	}
	/* pruned to the newest KEEP (10), in the same transaction as each insert */
	assert_int_equal(cp_store_event_last(f->s), 25);
	n = cp_store_event_list(f->s, 0, 32, out);
	assert_int_equal(n, CP_STORE_EVENTS_KEEP);
	assert_int_equal(out[0].seq, 16);
	assert_int_equal(out[n - 1].seq, 25);
	assert_string_equal(out[n - 1].message, "event 25");
	/* since and max */
	n = cp_store_event_list(f->s, 20, 3, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].seq, 21);
	assert_int_equal(out[2].seq, 23);
	assert_int_equal(cp_store_event_list(f->s, 25, 3, out), 0);

	/* fields filled to the last byte without NUL are cut, never overrun */
	memset(&e, 'm', sizeof(e));
	e.time_ms = 1;
	assert_int_equal(cp_store_event_add(f->s, &e), 0);
	assert_int_equal(e.seq, 26);
	reopen(f);
	assert_int_equal(cp_store_event_list(f->s, 25, 3, out), 1);
	assert_int_equal(strlen(out[0].type), sizeof(e.type) - 1);
	assert_int_equal(strlen(out[0].wan), sizeof(e.wan) - 1);
	assert_int_equal(strlen(out[0].who), sizeof(e.who) - 1);
	assert_int_equal(strlen(out[0].message), sizeof(e.message) - 1);
	/* a seq is never reused, also after a reopen */
	memset(&e, 0, sizeof(e));
	assert_int_equal(cp_store_event_add(f->s, &e), 0);
	assert_int_equal(e.seq, 27);
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static void
test_tokens(void **state)
{
	struct fixture *f = *state;
	struct cp_token_row row, row2, list[8];
	char tok[69], tok2[100], small[68];
	uint8_t h[32];
	int n;

	assert_int_equal(cp_store_token_list(f->s, 8, list), 0);
	assert_int_equal(cp_store_token_create(f->s, CP_STORE_ROLE_ADMIN, "factory",
					       "first admin", &row, tok, sizeof(tok)), 0);
	assert_int_equal(strlen(tok), 68);
	assert_memory_equal(tok, "dpw_", 4);
	assert_true(is_hex(tok + 4, 64));
	assert_memory_equal(row.id, "tok_", 4);
	assert_true(is_hex(row.id + 4, 8));
	assert_int_equal(row.role, CP_STORE_ROLE_ADMIN);
	assert_int_equal(cp_token_hash(tok, strlen(tok), h), 0);
	assert_memory_equal(row.hash, h, 32);   /* what the API's check computes */
	assert_string_equal(row.created_by, "factory");
	assert_string_equal(row.comment, "first admin");
	assert_int_equal(row.last_used_ms, 0);

	assert_int_equal(cp_store_token_create(f->s, CP_STORE_ROLE_READ_ONLY, "tok_x", NULL,
					       &row2, tok2, sizeof(tok2)), 0);
	assert_string_not_equal(tok, tok2);
	assert_string_not_equal(row.id, row2.id);
	assert_int_equal(cp_store_token_create(f->s, 3, "x", "", NULL, tok2, sizeof(tok2)),
			 -EINVAL);
	assert_int_equal(cp_store_token_create(f->s, CP_STORE_ROLE_ADMIN, "x", "", NULL, small,
					       sizeof(small)), -EINVAL);

	/* import: the same hash twice is refused */
	memset(h, 0xab, sizeof(h));
	assert_int_equal(cp_store_token_import(f->s, CP_STORE_ROLE_READ_ONLY, h, "import",
					       NULL), 0);
	assert_int_equal(cp_store_token_import(f->s, CP_STORE_ROLE_ADMIN, h, "import", NULL),
			 -EEXIST);
	assert_int_equal(cp_store_token_import(f->s, CP_STORE_ROLE_ADMIN, row.hash, "import",
					       NULL), -EEXIST);

	assert_int_equal(cp_store_token_touch(f->s, row2.id, 1700000000999), 0);
	assert_int_equal(cp_store_token_touch(f->s, "tok_nothere", 1), 0);
	reopen(f);
	n = cp_store_token_list(f->s, 8, list);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].id, row.id);   /* oldest first */
	assert_memory_equal(list[0].hash, row.hash, 32);
	assert_string_equal(list[1].id, row2.id);
	assert_int_equal(list[1].role, CP_STORE_ROLE_READ_ONLY);
	assert_int_equal(list[1].last_used_ms, 1700000000999);
	assert_string_equal(list[1].comment, "");
	assert_memory_equal(list[2].hash, h, 32);
	assert_int_equal(cp_store_token_list(f->s, 1, list), 1);

	assert_int_equal(cp_store_token_revoke(f->s, row.id), 0);
	assert_int_equal(cp_store_token_revoke(f->s, row.id), -ENOENT);
	n = cp_store_token_list(f->s, 8, list);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, row2.id);
}

static void
test_meta(void **state)
{
	struct fixture *f = *state;
	char val[16], tiny[4];

	assert_int_equal(cp_store_meta_get(f->s, "factory_imported", val, sizeof(val)), -ENOENT);
	assert_int_equal(cp_store_meta_set(f->s, "factory_imported", "1"), 0);
	assert_int_equal(cp_store_meta_get(f->s, "factory_imported", val, sizeof(val)), 0);
	assert_string_equal(val, "1");
	assert_int_equal(cp_store_meta_set(f->s, "factory_imported", "yes, at 12:00"), 0);
	assert_int_equal(cp_store_meta_get(f->s, "factory_imported", tiny, sizeof(tiny)),
			 -ENOSPC);
	reopen(f);
	assert_int_equal(cp_store_meta_get(f->s, "factory_imported", val, sizeof(val)), 0);
	assert_string_equal(val, "yes, at 12:00");
}

/* A second handle (as dpwanctl's token recovery would open) writes alongside. */
static void
test_two_handles(void **state)
{
	struct fixture *f = *state;
	struct cp_store *s2;
	struct cp_event e;
	char err[256], tok[69];
	int i;

	assert_int_equal(cp_store_open(f->dir, &s2, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(cp_store_event_add(i % 2 ? s2 : f->s, &e), 0);
		assert_int_equal(e.seq, i + 1);
	}
	assert_int_equal(cp_store_token_create(s2, CP_STORE_ROLE_ADMIN, "recovery", "", NULL,
					       tok, sizeof(tok)), 0);
	assert_int_equal(cp_store_event_last(f->s), 5);
	cp_store_close(s2);
	assert_int_equal(cp_store_token_list(f->s, 1, &(struct cp_token_row){ 0 }), 1);
}

struct locker {
	const char *path;
	unsigned int hold_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int locked;
};

/* Another writer (its own connection, its own thread) holding the write lock a while. */
static void *
locker_main(void *arg)
{
	struct locker *l = arg;
	struct timespec ts = { l->hold_ms / 1000, (long)(l->hold_ms % 1000) * 1000000 };
	sqlite3 *db = NULL;

	sqlite3_open_v2(l->path, &db, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	pthread_mutex_lock(&l->mu);
	l->locked = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	nanosleep(&ts, NULL);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An event written while another writer holds the lock for hold_ms; its rc and the wait. */
static int
write_while_locked(struct fixture *f, unsigned int hold_ms, double *waited)
{
	struct locker l = { .path = f->db, .hold_ms = hold_ms,
			    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct cp_event e = { .type = "test" };
	pthread_t t;
	double t0;
	int rc;

	assert_int_equal(pthread_create(&t, NULL, locker_main, &l), 0);
	pthread_mutex_lock(&l.mu);
	while (!l.locked)
		pthread_cond_wait(&l.cv, &l.mu);
	pthread_mutex_unlock(&l.mu);
	t0 = now_s();
	rc = cp_store_event_add(f->s, &e);
	*waited = now_s() - t0;
	pthread_join(t, NULL);
	return rc;
}

/*
 * Writers wait for each other up to CP_STORE_BUSY_MS: a short hold is waited out, a
 * longer one fails with -EIO and SQLite's reason, kept and logged.
 */
static void
test_busy_writer(void **state)
{
	struct fixture *f = *state;
	double waited;

	assert_int_equal(write_while_locked(f, 300, &waited), 0);
	assert_true(waited >= 0.25);
	cp_store_set_log(log_fn);
	n_logged = 0;
	assert_int_equal(write_while_locked(f, CP_STORE_BUSY_MS + 1000, &waited), -EIO);
	cp_store_set_log(NULL);
	assert_true(waited >= CP_STORE_BUSY_MS / 1000.0 - 0.1);
	assert_non_null(strstr(cp_store_errmsg(f->s), "database is locked"));
	assert_non_null(strstr(cp_store_errmsg(f->s), CP_STORE_FILE));
	assert_int_equal(n_logged, 1);
	assert_string_equal(logged, cp_store_errmsg(f->s));
	/* and the handle works on afterwards */
	assert_int_equal(cp_store_event_last(f->s), 1);
}

/* Overwrite the b-tree pages after the header: reads fail with -EIO and a reason. */
static void
test_damaged_file(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[256], junk[4096];
	struct cp_gen g, out;
	int fd, i, rc;

	cp_store_set_log(log_fn);
	for (i = 1; i <= 50; i++) {
		make_gen(&g, i, "{\"some\":\"document text to fill pages with\"}");
		assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	}
	cp_store_close(f->s);   /* checkpoints: everything is in the main file */
	f->s = NULL;
	memset(junk, 0x5a, sizeof(junk));
	fd = open(f->db, O_WRONLY);
	assert_true(fd >= 0);
	for (i = 1; i < 8; i++)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)i * 4096), sizeof(junk));
	close(fd);
	n_logged = 0;
	rc = cp_store_open(f->dir, &f->s, err, sizeof(err));
	if (rc != 0) {
		print_message("damaged file refused at open: %s\n", err);
		assert_int_equal(rc, -EIO);
		assert_non_null(strstr(err, CP_STORE_FILE));
	} else {
		rc = cp_store_gen_latest(f->s, &out);
		if (rc == 0) {
			cp_gen_free(&out);
			rc = cp_store_integrity(f->s, buf, sizeof(buf));
			assert_int_equal(rc, 0);
			assert_string_not_equal(buf, "ok");
		} else {
			print_message("damaged file: %s\n", cp_store_errmsg(f->s));
			assert_int_equal(rc, -EIO);
			assert_non_null(strstr(cp_store_errmsg(f->s), CP_STORE_FILE));
			assert_true(n_logged > 0);
			assert_string_equal(logged, cp_store_errmsg(f->s));
		}
	}
	cp_store_set_log(NULL);
}

/* A document damaged inside its row (the b-tree is fine) is caught by its hash. */
static void
test_document_hash_checked_on_read(void **state)
{
	struct fixture *f = *state;
	struct cp_gen g, out = { 0 };
	sqlite3 *db;

	make_gen(&g, 1, "{\"wans\":[]}");
	assert_int_equal(cp_store_gen_add(f->s, &g), 0);
	db = raw_open(f->db);
	assert_int_equal(sqlite3_exec(db, "UPDATE generations SET doc = '{\"wans\":[1]}'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cp_store_gen_latest(f->s, &out), -EIO);
	assert_null(out.doc);
	assert_non_null(strstr(cp_store_errmsg(f->s), "does not match"));
	assert_int_equal(cp_store_gen_get(f->s, 1, &out), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_modes_and_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_tightens_loose_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_version_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generations, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_generation_bad_input, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_confirm, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_two_handles, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_busy_writer, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_document_hash_checked_on_read, setup_open,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
