/* SPDX-License-Identifier: BSD-3-Clause
 * API authentication: the bearer tokens of the store (only their SHA-256 kept, compared
 * in constant time), the first admin token of a new appliance, the import of the
 * pre-store <state_dir>/api-tokens file, and a per-address limit on failed attempts
 * (CP_AUTH_FAIL_MAX within CP_AUTH_FAIL_WINDOW_MS blocks that address for
 * CP_AUTH_BLOCK_MS). Main thread.
 */
#ifndef CP_AUTH_H
#define CP_AUTH_H

#include <stdint.h>
#include <sys/socket.h>

#include "control/cfg_store.h"
#include "control/token.h"

#define CP_AUTH_FAIL_MAX 10
#define CP_AUTH_FAIL_WINDOW_MS 60000
#define CP_AUTH_BLOCK_MS 60000
#define CP_AUTH_CLIENTS 256       /* addresses tracked; the oldest entry is reused */
#define CP_AUTH_MAX_TOKENS 256

struct cp_auth {
	enum cp_role role;
	char id[CP_STORE_TOKEN_ID_LEN];   /* token id, "" when none */
};

enum cp_auth_verdict {
	CP_AUTH_OK = 0,
	CP_AUTH_MISSING,          /* no Authorization header: 401 */
	CP_AUTH_INVALID,          /* unknown or malformed token: 401 */
	CP_AUTH_BLOCKED,          /* too many failures from this address: 429 */
};

/*
 * Open-time work: import the old tokens file, or create the first admin token (its text
 * into <state_dir>/initial-admin-token, 0600) on a new appliance; load the tokens.
 * 0 or -errno.
 */
int cp_auth_init(void);

/* Reload the tokens from the store (after a create or a revoke). */
void cp_auth_reload(void);

/*
 * Check an Authorization header value from addr (may be NULL). *retry_s: for BLOCKED,
 * the seconds until the address may try again.
 */
enum cp_auth_verdict cp_auth_check(const char *hdr, const struct sockaddr *addr,
				   struct cp_auth *out, unsigned int *retry_s);

/* Failed attempts since start, by verdict (missing, invalid, blocked). */
uint64_t cp_auth_failures(enum cp_auth_verdict v);

/* Make a new admin token directly in the store (local recovery). 0 or -errno. */
int cp_auth_recovery_token(char *token, size_t len, struct cp_token_row *row);

#endif
