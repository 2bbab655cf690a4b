/* SPDX-License-Identifier: BSD-3-Clause
 * The control process's SQLite store (see cfg_store.h): open and migrations, the
 * document generations, the pending confirmed apply, the event log, the API tokens and
 * a key/value table. Every statement is prepared once at open and reset after each use;
 * every write is one transaction: a single statement is its own, several go between
 * BEGIN IMMEDIATE and COMMIT (IMMEDIATE, so that a second writer waits in the busy
 * handler at the start instead of failing halfway). No DPDK. One thread at a time
 * per handle (the control loop's thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "control/cfg_store.h"
#include "control/token.h"

#define TOKEN_RAW_LEN 32
#define TOKEN_TEXT_LEN (4 + 2 * TOKEN_RAW_LEN)   /* "dpw_" + hex, without the NUL */
#define TOKEN_ID_RAW_LEN 4
#define TOKEN_ID_TRIES 8                         /* 2^32 ids: a second draw is already rare */

_Static_assert(CP_TOKEN_HASH_LEN == 32, "cp_gen.hash and cp_token_row.hash are 32 bytes");
_Static_assert(4 + 2 * TOKEN_ID_RAW_LEN < CP_STORE_TOKEN_ID_LEN, "token id fits its field");

/*
 * The schema, one script per version: migrations[i] brings user_version from i to i + 1.
 * Scripts are only ever appended; a released one never changes.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE generations ("
	"  gen INTEGER PRIMARY KEY CHECK (gen > 0),"
	"  time_ms INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  comment TEXT NOT NULL,"
	"  len INTEGER NOT NULL,"               /* bytes of doc: lists need no document read */
	"  doc TEXT NOT NULL,"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32));"
	"CREATE TABLE confirm ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  gen INTEGER NOT NULL REFERENCES generations(gen),"
	"  rollback_to INTEGER NOT NULL REFERENCES generations(gen),"
	"  deadline_ms INTEGER NOT NULL);"
	/* AUTOINCREMENT: a seq is never reused, even after the newest events were pruned */
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  wan TEXT NOT NULL,"
	"  who TEXT NOT NULL,"
	"  message TEXT NOT NULL);"
	"CREATE TABLE tokens ("
	"  id TEXT PRIMARY KEY,"
	"  role INTEGER NOT NULL CHECK (role IN (1, 2)),"
	"  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  comment TEXT NOT NULL,"
	"  last_used_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL) WITHOUT ROWID;",
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == CP_STORE_SCHEMA,
	       "one migration per schema version");

#define GEN_COLS "gen, time_ms, who, comment, len, hash"
#define EVENT_COLS "seq, time_ms, type, wan, who, message"
#define TOKEN_COLS "id, role, hash, created_ms, created_by, comment, last_used_ms"

/* Every statement the store runs after open, prepared once. */
#define STORE_STMTS(X) \
	X(BEGIN, "BEGIN IMMEDIATE") \
	X(COMMIT, "COMMIT") \
	X(ROLLBACK, "ROLLBACK") \
	X(GEN_MAX, "SELECT coalesce(max(gen), 0) FROM generations") \
	X(GEN_INSERT, "INSERT INTO generations (gen, time_ms, who, comment, len, doc, hash) " \
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
	X(GEN_LATEST, "SELECT " GEN_COLS ", doc FROM generations ORDER BY gen DESC LIMIT 1") \
	X(GEN_GET, "SELECT " GEN_COLS ", doc FROM generations WHERE gen = ?1") \
	X(GEN_LIST, "SELECT " GEN_COLS " FROM generations WHERE gen < ?1 " \
		    "ORDER BY gen DESC LIMIT ?2") \
	X(CONFIRM_INSERT, "INSERT INTO confirm (id, gen, rollback_to, deadline_ms) " \
			  "VALUES (1, ?1, ?2, ?3)") \
	X(CONFIRM_GET, "SELECT gen, rollback_to, deadline_ms FROM confirm WHERE id = 1") \
	X(CONFIRM_DELETE, "DELETE FROM confirm") \
	X(EVENT_INSERT, "INSERT INTO events (time_ms, type, wan, who, message) " \
			"VALUES (?1, ?2, ?3, ?4, ?5)") \
	X(EVENT_PRUNE, "DELETE FROM events WHERE seq <= ?1") \
	X(EVENT_LIST, "SELECT " EVENT_COLS " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2") \
	X(EVENT_LAST, "SELECT coalesce(max(seq), 0) FROM events") \
	X(TOKEN_INSERT, "INSERT INTO tokens (" TOKEN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)") \
	X(TOKEN_LIST, "SELECT " TOKEN_COLS " FROM tokens ORDER BY created_ms, rowid LIMIT ?1") \
	X(TOKEN_DELETE, "DELETE FROM tokens WHERE id = ?1") \
	X(TOKEN_TOUCH, "UPDATE tokens SET last_used_ms = ?2 WHERE id = ?1") \
	X(META_GET, "SELECT value FROM meta WHERE key = ?1") \
	X(META_SET, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)") \
	X(INTEGRITY, "PRAGMA integrity_check")

enum store_stmt {
#define X(name, sql) ST_##name,
	STORE_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
#define X(name, sql) [ST_##name] = sql,
	STORE_STMTS(X)
#undef X
};

struct cp_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	char path[PATH_MAX];
	char err[512];
};

static void (*store_log)(const char *msg);

void
cp_store_set_log(void (*fn)(const char *msg))
{
	store_log = fn;
}

const char *
cp_store_errmsg(const struct cp_store *s)
{
	return s->err;
}

/* Keep (and log) what failed; SQLite's own text says why. Always -EIO. */
static int
db_fail(struct cp_store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	if (store_log != NULL)
		store_log(s->err);
	return -EIO;
}

/* A failure that is not SQLite's (hash mismatch, bad input): kept and logged alike. */
static int
store_fail(struct cp_store *s, int rc, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", s->path, what);
	if (store_log != NULL)
		store_log(s->err);
	return rc;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of str cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t
bounded_len(const char *str, size_t max)
{
	size_t n;

	if (str == NULL)
		return 0;
	n = strnlen(str, max + 1);
	if (n <= max)
		return n;
	n = max;
	/* back off over continuation bytes (10xxxxxx) to the start of the cut character */
	while (n > 0 && ((unsigned char)str[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Bind str cut to max bytes (a NULL str binds ""). */
static int
bind_str(sqlite3_stmt *st, int idx, const char *str, size_t max)
{
	return sqlite3_bind_text(st, idx, str != NULL ? str : "", (int)bounded_len(str, max),
				 SQLITE_TRANSIENT);
}

/* Copy a text column into a fixed field, cut like bounded_len. */
static void
column_str(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);
	size_t n = bounded_len(txt, size - 1);

	if (n > 0)
		memcpy(dst, txt, n);
	dst[n] = '\0';
}

static char *
column_dup(sqlite3_stmt *st, int col, size_t *len)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, txt, n);
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

static void
column_hash(sqlite3_stmt *st, int col, uint8_t hash[32])
{
	const void *b = sqlite3_column_blob(st, col);

	if (b != NULL && sqlite3_column_bytes(st, col) == 32)
		memcpy(hash, b, 32);
	else
		memset(hash, 0, 32);
}

static sqlite3_stmt *
stmt(struct cp_store *s, enum store_stmt id)
{
	return s->st[id];
}

static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns at most one row: 0 (a row), -ENOENT (none), -EIO. */
static int
step_one(struct cp_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_fail(s, what);
}

/* Run a statement that returns no row. */
static int
exec_stmt(struct cp_store *s, enum store_stmt id, const char *what)
{
	sqlite3_stmt *st = stmt(s, id);
	int rc = sqlite3_step(st);

	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, what);
}

static int
tx_begin(struct cp_store *s)
{
	return exec_stmt(s, ST_BEGIN, "begin");
}

static int
tx_commit(struct cp_store *s)
{
	return exec_stmt(s, ST_COMMIT, "commit");
}

/* Undo an open transaction; keeps the error text of what made it fail. */
static void
tx_rollback(struct cp_store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return;   /* SQLite already rolled back (an I/O error, a full disk) */
	sqlite3_step(stmt(s, ST_ROLLBACK));
	stmt_done(stmt(s, ST_ROLLBACK));
}

/* A single integer of a one-row query, or -EIO. */
static int
query_int(struct cp_store *s, enum store_stmt id, int64_t *val, const char *what)
{
	sqlite3_stmt *st = stmt(s, id);
	int rc = step_one(s, st, what);

	if (rc == 0)
		*val = sqlite3_column_int64(st, 0);
	stmt_done(st);
	return rc == -ENOENT ? db_fail(s, what) : rc;   /* an aggregate has a row */
}

/* ---- open, migrations, close ---- */

static int
exec_sql(struct cp_store *s, const char *sql, const char *what)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(s, what);
}

/* The text answer of a pragma ("wal", "ok" ...) into buf. */
static int
pragma_text(struct cp_store *s, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		column_str(st, 0, buf, len);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, sql);
}

static int
user_version(struct cp_store *s, int *v)
{
	char buf[32];
	int rc = pragma_text(s, "PRAGMA user_version", buf, sizeof(buf));

	if (rc == 0)
		*v = atoi(buf);
	return rc;
}

/*
 * Bring user_version up to CP_STORE_SCHEMA, one migration per transaction together with
 * its new user_version, so a kill between two leaves a consistent older schema that the
 * next open continues from. The version is read again under the write lock: another
 * process may have migrated meanwhile.
 */
static int
migrate(struct cp_store *s, char *err, size_t errlen)
{
	char sql[64];
	int v, again, rc;

	for (;;) {
		rc = user_version(s, &v);
		if (rc != 0)
			goto fail;
		if (v < 0 || v > CP_STORE_SCHEMA) {
			snprintf(err, errlen, "%s: schema version %d is newer than this build's %d "
				 "(written by a newer dpwan; refusing to touch it)", s->path, v,
				 CP_STORE_SCHEMA);
			return -EPROTO;
		}
		if (v == CP_STORE_SCHEMA)
			return 0;
		rc = exec_sql(s, "BEGIN IMMEDIATE", "begin migration");
		if (rc != 0)
			goto fail;
		rc = user_version(s, &again);
		if (rc != 0)
			goto rollback;
		if (again != v) {
			/* another process migrated meanwhile: look again */
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			continue;
		}
		rc = exec_sql(s, migrations[v], "migration");
		if (rc != 0)
			goto rollback;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		rc = exec_sql(s, sql, "set user_version");
		if (rc == 0)
			rc = exec_sql(s, "COMMIT", "commit migration");
		if (rc != 0)
			goto rollback;
	}

rollback:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	snprintf(err, errlen, "%s", s->err);
	return rc;
}

/*
 * Create the file 0600 before SQLite sees it (SQLite would honour the umask) and tighten
 * a looser existing one. SQLite gives -wal and -shm the database file's mode, and the
 * umask of 077 the caller holds covers them too. A new file's directory entry is synced:
 * SQLite syncs the entries of the journals it creates, not that of the database itself.
 */
static int
create_file(const char *state_dir, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, dfd, rc = 0;
	bool created = true;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (created) {
		dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: sync of the directory: %s", state_dir,
				 strerror(errno));
		}
		if (dfd >= 0)
			close(dfd);
		if (rc != 0) {
			close(fd);
			return rc;
		}
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
	} else if ((st.st_mode & 077) != 0 && fchmod(fd, st.st_mode & 0700) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: mode %03o, cannot make it 0600: %s", path,
			 (unsigned int)(st.st_mode & 0777), strerror(errno));
	}
	close(fd);
	return rc;
}

static int
configure(struct cp_store *s, char *err, size_t errlen)
{
	char mode[16];
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, CP_STORE_BUSY_MS);
	/* no writes to the schema through pragmas, no shadow-table tampering */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof(mode));
	if (rc == 0 && strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "%s: journal_mode is '%s', not 'wal' (a file system "
			 "without shared memory?)", s->path, mode);
		return -EIO;
	}
	if (rc == 0)
		rc = exec_sql(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
			      "pragmas");
	if (rc == 0)
		rc = pragma_text(s, "PRAGMA foreign_keys", mode, sizeof(mode));
	if (rc == 0 && strcmp(mode, "1") != 0) {
		snprintf(err, errlen, "%s: foreign keys cannot be enabled", s->path);
		return -EIO;
	}
	if (rc != 0)
		snprintf(err, errlen, "%s", s->err);
	return rc;
}

int
cp_store_open(const char *state_dir, struct cp_store **out, char *err, size_t errlen)
{
	struct cp_store *s;
	struct stat st;
	mode_t old_umask;
	int rc, i;

	*out = NULL;
	if (state_dir == NULL || state_dir[0] == '\0') {
		snprintf(err, errlen, "no state directory");
		return -EINVAL;
	}
	if (stat(state_dir, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "state directory %s: %s", state_dir, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s: not a directory", state_dir);
		return -ENOTDIR;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s", state_dir, CP_STORE_FILE) >=
	    sizeof(s->path)) {
		snprintf(err, errlen, "state directory %s: path too long", state_dir);
		rc = -ENAMETOOLONG;
		goto free_store;
	}

	/* process-wide: see cp_store_open in cfg_store.h */
	old_umask = umask(077);
	rc = create_file(state_dir, s->path, err, errlen);
	if (rc != 0)
		goto restore_umask;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
			    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path,
			 s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
		rc = -EIO;
		goto close_db;
	}
	rc = configure(s, err, errlen);
	if (rc == 0)
		rc = migrate(s, err, errlen);
	if (rc != 0)
		goto close_db;
	for (i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->st[i], NULL) != SQLITE_OK) {
			rc = db_fail(s, stmt_sql[i]);
			snprintf(err, errlen, "%s", s->err);
			goto close_db;
		}
	}
	umask(old_umask);
	s->err[0] = '\0';
	*out = s;
	return 0;

close_db:
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
restore_umask:
	umask(old_umask);
free_store:
	free(s);
	return rc;
}

void
cp_store_close(struct cp_store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (sqlite3_close(s->db) != SQLITE_OK)
		db_fail(s, "close");
	free(s);
}

int
cp_store_integrity(struct cp_store *s, char *buf, size_t len)
{
	sqlite3_stmt *st = stmt(s, ST_INTEGRITY);
	int rc = step_one(s, st, "integrity_check");

	if (rc == 0)
		column_str(st, 0, buf, len);
	stmt_done(st);
	return rc == -ENOENT ? db_fail(s, "integrity_check") : rc;
}

/* ---- generations ---- */

void
cp_gen_free(struct cp_gen *g)
{
	free(g->comment);
	free(g->doc);
	g->comment = NULL;
	g->doc = NULL;
}

static int
gen_insert(struct cp_store *s, const struct cp_gen *g)
{
	uint8_t hash[32];
	sqlite3_stmt *st;
	int64_t max;
	int rc;

	if (g->gen < 1 || g->doc == NULL)
		return store_fail(s, -EINVAL, "generation: no number or no document");
	if (g->len > CP_STORE_DOC_MAX)
		return store_fail(s, -E2BIG, "generation: document larger than 8 MiB");
	if (memchr(g->doc, '\0', g->len) != NULL)
		return store_fail(s, -EINVAL, "generation: NUL byte inside the document");
	if (cp_token_hash(g->doc, g->len, hash) != 0)
		return store_fail(s, -EIO, "generation: SHA-256 failed");
	if (memcmp(hash, g->hash, sizeof(hash)) != 0)
		return store_fail(s, -EINVAL, "generation: hash does not match the document");
	rc = query_int(s, ST_GEN_MAX, &max, "newest generation");
	if (rc != 0)
		return rc;
	if (g->gen <= max) {
		char what[96];

		snprintf(what, sizeof(what), "generation %lld is not newer than %lld",
			 (long long)g->gen, (long long)max);
		return store_fail(s, -EEXIST, what);
	}
	st = stmt(s, ST_GEN_INSERT);
	sqlite3_bind_int64(st, 1, g->gen);
	sqlite3_bind_int64(st, 2, g->time_ms != 0 ? g->time_ms : now_ms());
	bind_str(st, 3, g->who, sizeof(g->who) - 1);
	bind_str(st, 4, g->comment, CP_STORE_COMMENT_MAX);
	sqlite3_bind_int64(st, 5, (int64_t)g->len);
	sqlite3_bind_text(st, 6, g->doc, (int)g->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, g->hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, "insert generation");
}

static int
confirm_insert(struct cp_store *s, const struct cp_confirm *c)
{
	sqlite3_stmt *st = stmt(s, ST_CONFIRM_INSERT);
	int rc;

	sqlite3_bind_int64(st, 1, c->gen);
	sqlite3_bind_int64(st, 2, c->rollback_to);
	sqlite3_bind_int64(st, 3, c->deadline_ms);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return store_fail(s, -EBUSY, "a confirmation is already pending");
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(s, -ENOENT, "confirmation names a generation not stored");
	return db_fail(s, "insert confirmation");
}

int
cp_store_gen_add_confirm(struct cp_store *s, const struct cp_gen *g,
			 const struct cp_confirm *c, int clear)
{
	int rc = tx_begin(s);

	if (rc != 0)
		return rc;
	rc = gen_insert(s, g);
	if (rc == 0 && clear)
		rc = exec_stmt(s, ST_CONFIRM_DELETE, "clear confirmation");
	if (rc == 0 && c != NULL)
		rc = confirm_insert(s, c);
	if (rc == 0)
		rc = tx_commit(s);
	if (rc != 0)
		tx_rollback(s);
	return rc;
}

int
cp_store_gen_add(struct cp_store *s, const struct cp_gen *g)
{
	return cp_store_gen_add_confirm(s, g, NULL, 0);
}

/* Fill g from a row of GEN_COLS (+ doc at column 6 when with_doc). */
static int
gen_row(struct cp_store *s, sqlite3_stmt *st, struct cp_gen *g, bool with_doc)
{
	uint8_t hash[32];

	memset(g, 0, sizeof(*g));
	g->gen = sqlite3_column_int64(st, 0);
	g->time_ms = sqlite3_column_int64(st, 1);
	column_str(st, 2, g->who, sizeof(g->who));
	g->len = (size_t)sqlite3_column_int64(st, 4);
	column_hash(st, 5, g->hash);
	g->comment = column_dup(st, 3, NULL);
	if (g->comment == NULL)
		return store_fail(s, -ENOMEM, "generation: out of memory");
	if (!with_doc)
		return 0;
	g->doc = column_dup(st, 6, &g->len);
	if (g->doc == NULL) {
		cp_gen_free(g);
		return store_fail(s, -ENOMEM, "generation: out of memory");
	}
	/* integrity_check sees the b-trees, not the bytes of a document: verify those */
	if (cp_token_hash(g->doc, g->len, hash) != 0 || memcmp(hash, g->hash, 32) != 0) {
		char what[96];

		snprintf(what, sizeof(what), "generation %lld: stored document does not match "
			 "its hash", (long long)g->gen);
		cp_gen_free(g);
		return store_fail(s, -EIO, what);
	}
	return 0;
}

static int
gen_fetch(struct cp_store *s, enum store_stmt id, int64_t gen, struct cp_gen *g)
{
	sqlite3_stmt *st = stmt(s, id);
	int rc;

	if (id == ST_GEN_GET)
		sqlite3_bind_int64(st, 1, gen);
	rc = step_one(s, st, "read generation");
	if (rc == 0)
		rc = gen_row(s, st, g, true);
	stmt_done(st);
	return rc;
}

int
cp_store_gen_latest(struct cp_store *s, struct cp_gen *g)
{
	return gen_fetch(s, ST_GEN_LATEST, 0, g);
}

int
cp_store_gen_get(struct cp_store *s, int64_t gen, struct cp_gen *g)
{
	return gen_fetch(s, ST_GEN_GET, gen, g);
}

int64_t
cp_store_gen_next(struct cp_store *s)
{
	int64_t max;
	int rc = query_int(s, ST_GEN_MAX, &max, "newest generation");

	return rc != 0 ? rc : max + 1;
}

int
cp_store_gen_list(struct cp_store *s, int64_t before, unsigned int max, struct cp_gen *out)
{
	sqlite3_stmt *st = stmt(s, ST_GEN_LIST);
	unsigned int n = 0;
	int rc = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int64(st, 2, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = gen_row(s, st, &out[n], false);
		if (rc != 0)
			goto unwind;
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		rc = db_fail(s, "list generations");
		goto unwind;
	}
	stmt_done(st);
	return (int)n;

unwind:
	stmt_done(st);
	while (n > 0)
		cp_gen_free(&out[--n]);
	return rc;
}

/* ---- confirmed apply ---- */

int
cp_store_confirm_set(struct cp_store *s, const struct cp_confirm *c)
{
	return confirm_insert(s, c);   /* one statement: its own transaction */
}

int
cp_store_confirm_get(struct cp_store *s, struct cp_confirm *c)
{
	sqlite3_stmt *st = stmt(s, ST_CONFIRM_GET);
	int rc = step_one(s, st, "read confirmation");

	if (rc == 0) {
		c->gen = sqlite3_column_int64(st, 0);
		c->rollback_to = sqlite3_column_int64(st, 1);
		c->deadline_ms = sqlite3_column_int64(st, 2);
	}
	stmt_done(st);
	return rc;
}

int
cp_store_confirm_clear(struct cp_store *s)
{
	return exec_stmt(s, ST_CONFIRM_DELETE, "clear confirmation");
}

/* ---- events ---- */

int
cp_store_event_add(struct cp_store *s, struct cp_event *e)
{
	sqlite3_stmt *st = stmt(s, ST_EVENT_INSERT);
	int64_t seq;
	int rc;

	if (e->time_ms == 0)
		e->time_ms = now_ms();
	rc = tx_begin(s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, e->time_ms);
	bind_str(st, 2, e->type, sizeof(e->type) - 1);
	bind_str(st, 3, e->wan, sizeof(e->wan) - 1);
	bind_str(st, 4, e->who, sizeof(e->who) - 1);
	bind_str(st, 5, e->message, sizeof(e->message) - 1);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(s, "insert event");
		goto rollback;
	}
	seq = sqlite3_last_insert_rowid(s->db);
	/* a range delete on the rowid: cheap, and nothing to do until KEEP is reached */
	if (seq > CP_STORE_EVENTS_KEEP) {
		st = stmt(s, ST_EVENT_PRUNE);
		sqlite3_bind_int64(st, 1, seq - CP_STORE_EVENTS_KEEP);
		rc = exec_stmt(s, ST_EVENT_PRUNE, "prune events");
		if (rc != 0)
			goto rollback;
	}
	rc = tx_commit(s);
	if (rc != 0)
		goto rollback;
	e->seq = seq;
	return 0;

rollback:
	tx_rollback(s);
	return rc;
}

int
cp_store_event_list(struct cp_store *s, int64_t since, unsigned int max,
		    struct cp_event *out)
{
	sqlite3_stmt *st = stmt(s, ST_EVENT_LIST);
	unsigned int n = 0;
	int rc = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cp_event *e = &out[n++];

		e->seq = sqlite3_column_int64(st, 0);
		e->time_ms = sqlite3_column_int64(st, 1);
		column_str(st, 2, e->type, sizeof(e->type));
		column_str(st, 3, e->wan, sizeof(e->wan));
		column_str(st, 4, e->who, sizeof(e->who));
		column_str(st, 5, e->message, sizeof(e->message));
	}
	stmt_done(st);
	if (n < max && rc != SQLITE_DONE)
		return db_fail(s, "list events");
	return (int)n;
}

int64_t
cp_store_event_last(struct cp_store *s)
{
	int64_t seq;
	int rc = query_int(s, ST_EVENT_LAST, &seq, "newest event");

	return rc != 0 ? rc : seq;
}

/* ---- tokens ---- */

static int
random_bytes(uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

/*
 * Insert a token row under a fresh random id, drawing again when the id is taken.
 * The id names the token in logs and events; it is not a secret.
 */
static int
token_insert(struct cp_store *s, int role, const uint8_t hash[32], const char *created_by,
	     const char *comment, struct cp_token_row *row)
{
	struct cp_token_row r;
	sqlite3_stmt *st = stmt(s, ST_TOKEN_INSERT);
	uint8_t raw[TOKEN_ID_RAW_LEN];
	int tries, rc;

	if (role != CP_STORE_ROLE_READ_ONLY && role != CP_STORE_ROLE_ADMIN)
		return store_fail(s, -EINVAL, "token: unknown role");
	memset(&r, 0, sizeof(r));
	r.role = role;
	memcpy(r.hash, hash, 32);
	r.created_ms = now_ms();
	memcpy(r.created_by, created_by != NULL ? created_by : "",
	       bounded_len(created_by, sizeof(r.created_by) - 1));
	memcpy(r.comment, comment != NULL ? comment : "",
	       bounded_len(comment, sizeof(r.comment) - 1));
	for (tries = 0; tries < TOKEN_ID_TRIES; tries++) {
		rc = random_bytes(raw, sizeof(raw));
		if (rc != 0)
			return store_fail(s, rc, "token id: getrandom failed");
		memcpy(r.id, "tok_", 4);
		cp_token_hex(raw, sizeof(raw), r.id + 4);
		sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, role);
		sqlite3_bind_blob(st, 3, r.hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r.created_ms);
		sqlite3_bind_text(st, 5, r.created_by, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r.comment, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		stmt_done(st);
		if (rc == SQLITE_DONE) {
			if (row != NULL)
				*row = r;
			return 0;
		}
		if (rc == SQLITE_CONSTRAINT_UNIQUE)
			return store_fail(s, -EEXIST, "token: that hash is already stored");
		if (rc != SQLITE_CONSTRAINT_PRIMARYKEY)
			return db_fail(s, "insert token");
	}
	return store_fail(s, -EIO, "token: no free id after several draws");
}

int
cp_store_token_create(struct cp_store *s, int role, const char *created_by,
		      const char *comment, struct cp_token_row *row, char *token,
		      size_t toklen)
{
	uint8_t raw[TOKEN_RAW_LEN], hash[32];
	int rc;

	if (toklen < TOKEN_TEXT_LEN + 1)
		return store_fail(s, -EINVAL, "token: buffer too small");
	rc = random_bytes(raw, sizeof(raw));
	if (rc != 0)
		return store_fail(s, rc, "token: getrandom failed");
	memcpy(token, "dpw_", 4);
	cp_token_hex(raw, sizeof(raw), token + 4);
	explicit_bzero(raw, sizeof(raw));
	rc = cp_token_hash(token, TOKEN_TEXT_LEN, hash);
	if (rc != 0)
		rc = store_fail(s, rc, "token: SHA-256 failed");
	else
		rc = token_insert(s, role, hash, created_by, comment, row);
	if (rc != 0)
		explicit_bzero(token, TOKEN_TEXT_LEN + 1);
	return rc;
}

int
cp_store_token_import(struct cp_store *s, int role, const uint8_t hash[32],
		      const char *created_by, struct cp_token_row *row)
{
	return token_insert(s, role, hash, created_by, "", row);
}

int
cp_store_token_list(struct cp_store *s, unsigned int max, struct cp_token_row *out)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_LIST);
	unsigned int n = 0;
	int rc = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cp_token_row *r = &out[n++];

		column_str(st, 0, r->id, sizeof(r->id));
		r->role = sqlite3_column_int(st, 1);
		column_hash(st, 2, r->hash);
		r->created_ms = sqlite3_column_int64(st, 3);
		column_str(st, 4, r->created_by, sizeof(r->created_by));
		column_str(st, 5, r->comment, sizeof(r->comment));
		r->last_used_ms = sqlite3_column_int64(st, 6);
	}
	stmt_done(st);
	if (n < max && rc != SQLITE_DONE)
		return db_fail(s, "list tokens");
	return (int)n;
}

int
cp_store_token_revoke(struct cp_store *s, const char *id)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_DELETE);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = exec_stmt(s, ST_TOKEN_DELETE, "revoke token");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		return -ENOENT;
	return rc;
}

int
cp_store_token_touch(struct cp_store *s, const char *id, int64_t when_ms)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_TOUCH);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when_ms);
	return exec_stmt(s, ST_TOKEN_TOUCH, "touch token");
}

/* ---- meta ---- */

int
cp_store_meta_get(struct cp_store *s, const char *key, char *val, size_t len)
{
	sqlite3_stmt *st = stmt(s, ST_META_GET);
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = step_one(s, st, "read meta");
	if (rc == 0) {
		const unsigned char *txt = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (n + 1 > len) {
			rc = -ENOSPC;
		} else {
			memcpy(val, txt, n);
			val[n] = '\0';
		}
	}
	stmt_done(st);
	return rc;
}

int
cp_store_meta_set(struct cp_store *s, const char *key, const char *val)
{
	sqlite3_stmt *st = stmt(s, ST_META_SET);

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	return exec_stmt(s, ST_META_SET, "set meta");
}
