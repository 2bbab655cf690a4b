/* SPDX-License-Identifier: BSD-3-Clause
 * API bearer tokens, stored hashed: <state_dir>/api-tokens holds lines
 * "<role> <sha256-hex of the token>" (role: admin or read-only; '#' starts a comment).
 * Pure helpers (hashing, parsing, constant-time matching) plus the first-start
 * bootstrap that creates an admin token. No DPDK. Any thread unless said otherwise.
 */
#ifndef CP_TOKEN_H
#define CP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define CP_TOKEN_FILE "api-tokens"
#define CP_TOKEN_INITIAL_FILE "initial-admin-token"
/* Written once the first admin token exists: a later missing tokens file is a revocation. */
#define CP_TOKEN_MARKER_FILE "api-tokens.initialized"
#define CP_TOKEN_HASH_LEN 32        /* SHA-256 */
#define CP_TOKEN_MAX_ENTRIES 64
#define CP_TOKEN_MAX_LEN 256        /* longest token accepted in a header */

enum cp_role {
	CP_ROLE_NONE = 0,           /* not authenticated */
	CP_ROLE_READ_ONLY,
	CP_ROLE_ADMIN,
};

/* "admin", "read-only" or "none". */
const char *cp_role_str(enum cp_role role);

struct cp_token_entry {
	enum cp_role role;
	uint8_t hash[CP_TOKEN_HASH_LEN];
};

struct cp_token_set {
	struct cp_token_entry e[CP_TOKEN_MAX_ENTRIES];
	unsigned int n;
};

/* SHA-256 of the token (OpenSSL EVP). 0 or -EIO. */
int cp_token_hash(const char *token, size_t len, uint8_t hash[CP_TOKEN_HASH_LEN]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void cp_token_hex(const uint8_t *bytes, size_t n, char *out);

/*
 * Parse one line of the tokens file. Returns 1 and fills *e for an entry, 0 for a
 * blank or comment line, -EINVAL (with a reason in err) for anything else.
 */
int cp_token_parse_line(const char *line, struct cp_token_entry *e, char *err,
			size_t errlen);

/*
 * Parse a whole tokens file held in memory (NUL-terminated). 0, or -EINVAL with
 * "line N: reason" in err, or -E2BIG past CP_TOKEN_MAX_ENTRIES.
 */
int cp_token_parse(const char *text, struct cp_token_set *set, char *err, size_t errlen);

/*
 * Extract the token from an Authorization header value ("Bearer <token>", scheme
 * case-insensitive). Returns a pointer into hdr and its length in *len, or NULL.
 */
const char *cp_token_from_header(const char *hdr, size_t *len);

/*
 * Role of a token: compares its hash with every entry in constant time (no early
 * exit); the highest matching role wins. CP_ROLE_NONE if none matches.
 */
enum cp_role cp_token_check(const struct cp_token_set *set, const char *token, size_t len);

/*
 * Read and parse <state_dir>/api-tokens. state_dir must be an absolute path to a directory
 * owned by the effective uid and not writable by group or others; the tokens file must be
 * a regular file (not a symbolic link: O_NOFOLLOW) with the same ownership rule.
 * 0 or -errno: -ENOENT when absent, -EPERM (ownership or mode), -ELOOP (symbolic link),
 * -EINVAL (bad path or content); err names the file and what is wrong.
 */
int cp_token_load(const char *state_dir, struct cp_token_set *set, char *err,
		  size_t errlen);

/* What cp_token_bootstrap() did, for the caller to log. */
struct cp_token_boot {
	int dir_created;          /* state_dir was created (mode 0700) */
	unsigned int dir_old_mode; /* non-zero: state_dir had this looser mode, now 0700 */
	int created;              /* first start: an admin token was created */
	int locked;               /* tokens file missing after the first start: none created */
};

/*
 * Start-up: create state_dir (mode 0700) if needed, or tighten it to 0700 when it is ours
 * with a looser mode. When the tokens file is missing and no admin token was ever created
 * in state_dir (no CP_TOKEN_MARKER_FILE), generate one: its plain text to
 * <state_dir>/initial-admin-token (0600), then its hash to the tokens file, then the
 * marker (each: temp file, fsync, rename). A kill at any point leaves either no hash or a
 * hash with its plain text, and once the marker exists a missing tokens file stays missing
 * (boot->locked). 0 or -errno (err says what): -EINVAL for an empty or relative state_dir,
 * -EPERM when state_dir is not owned by the effective uid (nothing is created).
 * Main thread, before the API starts.
 */
int cp_token_bootstrap(const char *state_dir, struct cp_token_boot *boot, char *err,
		       size_t errlen);

/*
 * Create state_dir (mode 0700) if needed, or tighten it to 0700 when it is ours with a
 * looser mode (boot->dir_created / dir_old_mode say which). 0 or -errno (err says what):
 * -EPERM when state_dir is not owned by the effective uid. Main thread.
 */
int cp_state_dir_prepare(const char *dir, struct cp_token_boot *boot, char *err,
			 size_t errlen);

/* Write data to dir/name crash-safely: temp file, fsync, rename, fsync of dir. 0/-errno. */
int cp_write_file_atomic(const char *dir, const char *name, const char *data, unsigned int mode,
			 char *err, size_t errlen);

#endif
