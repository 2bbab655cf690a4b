/* SPDX-License-Identifier: BSD-3-Clause
 * The control process's store: one SQLite database, <state_dir>/dpwan.db (mode 0600,
 * WAL, synchronous=FULL, foreign keys on, schema migrations by PRAGMA user_version, each
 * migration one transaction). It holds the applied document generations, the pending
 * confirmed apply, the event log and the API tokens (hashed). Every write is one
 * transaction, so a kill -9 or a power cut at any point leaves either the old or the
 * new state. No DPDK. One thread at a time per handle (the control loop); a second
 * process (dpwanctl's local token recovery) may open the same file: writers wait up to
 * CP_STORE_BUSY_MS for each other.
 */
#ifndef CP_CFG_STORE_H
#define CP_CFG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/msg/dpw_msg.h"

#define CP_STORE_FILE DPW_STORE_FILE   /* lib/msg: the dataplane looks for it too */
#define CP_STORE_SCHEMA 1             /* PRAGMA user_version after the migrations */
#define CP_STORE_BUSY_MS 5000
#ifndef CP_STORE_EVENTS_KEEP          /* overridable only so the unit test can prune */
#define CP_STORE_EVENTS_KEEP 100000   /* older events are pruned */
#endif
#define CP_STORE_WHO_LEN 64
#define CP_STORE_TOKEN_ID_LEN 24
#define CP_STORE_COMMENT_MAX 1024     /* bytes of a generation's comment kept (UTF-8 safe) */
#define CP_STORE_DOC_MAX (8u << 20)   /* a stored document (= DPW_DOC_MAX_BYTES) */

struct cp_store;

/*
 * Errors: every SQLite failure is -EIO; its text (what was done and sqlite3_errmsg) is
 * kept in the handle until the next failure (cp_store_errmsg) and, when a log function
 * is set, passed to it at once. Constraint failures map to the codes each function names.
 * Strings longer than their fields are cut at a UTF-8 character boundary.
 */

/*
 * Open (create) the database in state_dir, apply the migrations up to CP_STORE_SCHEMA,
 * and refuse a database from a newer build (user_version above ours: -EPROTO).
 * state_dir must exist (the caller creates it 0700): -ENOENT, -ENOTDIR. The file and its
 * -wal / -shm companions are created 0600 whatever the umask (a looser existing file is
 * tightened; a symbolic link is refused). The umask is set to 077 for the duration of the
 * call, and umask is process-wide: open the store before starting threads that create
 * files. 0 or -errno, with what went wrong in err.
 */
int cp_store_open(const char *state_dir, struct cp_store **out, char *err, size_t errlen);

/* Finalize the statements and close the database (checkpoints the WAL). NULL is a no-op. */
void cp_store_close(struct cp_store *s);

/* The text of the handle's last failure, "" if none yet. Valid until the next call. */
const char *cp_store_errmsg(const struct cp_store *s);

/*
 * Where each failure's text also goes (NULL: nowhere). Process-wide; set once by main()
 * before any store is opened or any thread starts.
 */
void cp_store_set_log(void (*fn)(const char *msg));

/* "ok", or the first problem PRAGMA integrity_check reports, into buf. 0 or -EIO. */
int cp_store_integrity(struct cp_store *s, char *buf, size_t len);

/* ---- Generations: the documents the dataplane acknowledged, newest last ---- */

struct cp_gen {
	int64_t gen;                  /* 1, 2, ...: never reused */
	int64_t time_ms;              /* CLOCK_REALTIME of the apply (0 on add: now) */
	char who[CP_STORE_WHO_LEN];   /* token id, "factory", "rollback" ... */
	char *comment;                /* malloc'd, may be "" */
	char *doc;                    /* malloc'd canonical JSON, NUL-terminated */
	size_t len;
	uint8_t hash[32];
};

/* Release what a cp_gen holds (not the struct). */
void cp_gen_free(struct cp_gen *g);

/*
 * Record a generation the dataplane applied: gen must be greater than every stored one.
 * doc holds len bytes (no NUL inside, at most CP_STORE_DOC_MAX) whose SHA-256 is hash:
 * checked here, and again on every read of the document (a mismatch there is -EIO), so
 * a document is never handed out damaged. 0, -EEXIST (gen not new), -EINVAL (gen < 1,
 * no doc, NUL in doc, hash mismatch), -E2BIG, -EIO.
 */
int cp_store_gen_add(struct cp_store *s, const struct cp_gen *g);

/*
 * The newest generation (the running one), doc and comment malloc'd (cp_gen_free).
 * 0, -ENOENT (none yet), -ENOMEM, -EIO.
 */
int cp_store_gen_latest(struct cp_store *s, struct cp_gen *g);

/* One generation. 0, -ENOENT, -EIO. */
int cp_store_gen_get(struct cp_store *s, int64_t gen, struct cp_gen *g);

/* The number the next generation gets: newest + 1, or 1; -EIO (negative) on failure. */
int64_t cp_store_gen_next(struct cp_store *s);

/*
 * Up to max generations older than before (0: from the newest), newest first, without
 * their documents (doc NULL, len and hash set; comment malloc'd: cp_gen_free each).
 * Returns how many, or -ENOMEM, -EIO (nothing left to free then).
 */
int cp_store_gen_list(struct cp_store *s, int64_t before, unsigned int max,
		      struct cp_gen *out);

/* ---- Confirmed apply: at most one pending at a time ---- */

struct cp_confirm {
	int64_t gen;                  /* the generation that waits for a confirmation */
	int64_t rollback_to;          /* what runs again if it does not come */
	int64_t deadline_ms;          /* CLOCK_REALTIME: survives a restart of control */
};

/*
 * Record the pending confirmation (replaces none: -EBUSY if one is pending). gen and
 * rollback_to must be stored generations (foreign keys): -ENOENT otherwise.
 */
int cp_store_confirm_set(struct cp_store *s, const struct cp_confirm *c);

/* The pending confirmation. 0, -ENOENT (none), -EIO. */
int cp_store_confirm_get(struct cp_store *s, struct cp_confirm *c);

/* Drop the pending confirmation (confirmed, or rolled back). 0 or -EIO. */
int cp_store_confirm_clear(struct cp_store *s);

/*
 * Add a generation and clear/set the confirmation in one transaction (the apply of a
 * confirmed or a rollback generation). c may be NULL (clear only when clear is set).
 * The clear comes before the set, so clear=1 with c replaces a pending confirmation.
 * Errors as cp_store_gen_add and cp_store_confirm_set; on any error nothing is stored.
 */
int cp_store_gen_add_confirm(struct cp_store *s, const struct cp_gen *g,
			     const struct cp_confirm *c, int clear);

/* ---- Event log ---- */

struct cp_event {
	int64_t seq;                  /* 1, 2, ...: increasing, never reused */
	int64_t time_ms;              /* CLOCK_REALTIME */
	char type[32];                /* "config_applied", "wan_disabled", "auth_failed" ... */
	char wan[16];                 /* "" when none */
	char who[CP_STORE_WHO_LEN];   /* token id or "" (dataplane, health checker) */
	char message[256];            /* one line for people */
};

/*
 * Append an event; its seq is written to e->seq (and time_ms when it was 0). Prunes
 * events older than the newest CP_STORE_EVENTS_KEEP in the same transaction. 0 or -EIO.
 */
int cp_store_event_add(struct cp_store *s, struct cp_event *e);

/* Up to max events with seq > since, oldest first. Returns how many, or -EIO. */
int cp_store_event_list(struct cp_store *s, int64_t since, unsigned int max,
			struct cp_event *out);

/* Highest seq stored, 0 when none, -EIO (negative) on failure. */
int64_t cp_store_event_last(struct cp_store *s);

/* ---- API tokens: only their SHA-256 is stored ---- */

enum cp_store_role {
	CP_STORE_ROLE_READ_ONLY = 1,
	CP_STORE_ROLE_ADMIN = 2,
};

struct cp_token_row {
	char id[CP_STORE_TOKEN_ID_LEN];   /* "tok_" + 8 hex: names a token in logs and events */
	int role;                         /* enum cp_store_role */
	uint8_t hash[32];
	int64_t created_ms;
	char created_by[CP_STORE_WHO_LEN];
	char comment[128];
	int64_t last_used_ms;             /* 0: never */
};

/*
 * Create a token: 32 random bytes (getrandom), returned once as text
 * ("dpw_" + 64 hex) in token (at least 69 bytes); its hash (cp_token_hash of that
 * text, what the API checks) and a new id ("tok_" + 8 random hex, drawn again on a
 * collision) are stored. row (may be NULL) gets the stored row. 0, -EINVAL (role,
 * toklen), -EIO, or getrandom's -errno.
 */
int cp_store_token_create(struct cp_store *s, int role, const char *created_by,
			  const char *comment, struct cp_token_row *row, char *token,
			  size_t toklen);

/*
 * Store an existing hash (import of the pre-store api-tokens file) under a new id.
 * row may be NULL. 0, -EEXIST (that hash is stored), -EINVAL (role), -EIO.
 */
int cp_store_token_import(struct cp_store *s, int role, const uint8_t hash[32],
			  const char *created_by, struct cp_token_row *row);

/* Up to max live tokens, oldest first. Returns how many, or -EIO. */
int cp_store_token_list(struct cp_store *s, unsigned int max, struct cp_token_row *out);

/* Revoke (delete) the token with this id. 0, -ENOENT, -EIO. */
int cp_store_token_revoke(struct cp_store *s, const char *id);

/* Note a token's use (throttled by the caller). 0 (also for an unknown id) or -EIO. */
int cp_store_token_touch(struct cp_store *s, const char *id, int64_t when_ms);

/*
 * A key/value of the control process's own (the factory import marker ...).
 * get: 0, -ENOENT, -ENOSPC (val too small: nothing copied), -EIO. set: insert or replace,
 * 0 or -EIO.
 */
int cp_store_meta_get(struct cp_store *s, const char *key, char *val, size_t len);
int cp_store_meta_set(struct cp_store *s, const char *key, const char *val);

#endif
