/* SPDX-License-Identifier: BSD-3-Clause
 * API authentication against the store's tokens, the first admin token, the import of
 * the old tokens file, and the per-address limit on failures (see auth.h). Main thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "control/auth.h"
#include "control/control.h"
#include "control/events.h"
#include "control/log.h"

#define META_BOOTSTRAPPED "admin_token_created"
#define TOUCH_PERIOD_MS 60000

struct live_token {
	char id[CP_STORE_TOKEN_ID_LEN];
	enum cp_role role;
	uint8_t hash[CP_TOKEN_HASH_LEN];
	int64_t touched_ms;
};

struct client {
	uint8_t addr[16];
	int used;
	unsigned int fails;
	uint64_t window_start_ms;
	uint64_t blocked_until_ms;
	uint64_t last_seen_ms;
	uint64_t last_event_ms;
};

static struct live_token toks[CP_AUTH_MAX_TOKENS];
static unsigned int n_toks;
static struct client clients[CP_AUTH_CLIENTS];
static uint64_t failures[CP_AUTH_BLOCKED + 1];

uint64_t
cp_auth_failures(enum cp_auth_verdict v)
{
	return v <= CP_AUTH_BLOCKED ? failures[v] : 0;
}

static enum cp_role
role_of(int store_role)
{
	return store_role == CP_STORE_ROLE_ADMIN ? CP_ROLE_ADMIN : CP_ROLE_READ_ONLY;
}

void
cp_auth_reload(void)
{
	static struct cp_token_row rows[CP_AUTH_MAX_TOKENS];
	int n, i;

	n = cp_store_token_list(cp.store, CP_AUTH_MAX_TOKENS, rows);
	if (n < 0) {
		CP_ERR("cannot read the API tokens from the store: keeping the %u loaded", n_toks);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(toks[i].id, sizeof(toks[i].id), "%s", rows[i].id);
		toks[i].role = role_of(rows[i].role);
		memcpy(toks[i].hash, rows[i].hash, CP_TOKEN_HASH_LEN);
		toks[i].touched_ms = rows[i].last_used_ms;
	}
	n_toks = (unsigned int)n;
	OPENSSL_cleanse(rows, sizeof(rows));
}

/* The pre-store tokens file: its hashes move into the store, once. */
static int
import_file(void)
{
	struct cp_token_set set;
	struct cp_token_row row;
	char path[600], old[600], err[512];
	unsigned int i;
	int rc;

	rc = cp_token_load(cp.conf.state_dir, &set, err, sizeof(err));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		CP_ERR("not importing %s: %s", CP_TOKEN_FILE, err);
		return 0;
	}
	for (i = 0; i < set.n; i++) {
		rc = cp_store_token_import(cp.store, set.e[i].role == CP_ROLE_ADMIN ?
					   CP_STORE_ROLE_ADMIN : CP_STORE_ROLE_READ_ONLY,
					   set.e[i].hash, "import", &row);
		if (rc < 0 && rc != -EEXIST)
			return rc;
		if (rc == 0)
			CP_INFO("imported a %s token from %s/%s as %s", cp_role_str(set.e[i].role),
				cp.conf.state_dir, CP_TOKEN_FILE, row.id);
	}
	snprintf(path, sizeof(path), "%s/%s", cp.conf.state_dir, CP_TOKEN_FILE);
	snprintf(old, sizeof(old), "%s.imported", path);
	if (rename(path, old) != 0)
		CP_WARN("rename %s: %s", path, strerror(errno));
	return cp_store_meta_set(cp.store, META_BOOTSTRAPPED, "import");
}

static int
create_first(void)
{
	struct cp_token_row row;
	char token[96], text[128], err[512];
	int rc;

	rc = cp_store_token_create(cp.store, CP_STORE_ROLE_ADMIN, "bootstrap",
				   "first admin token", &row, token, sizeof(token));
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "%s\n", token);
	OPENSSL_cleanse(token, sizeof(token));
	rc = cp_write_file_atomic(cp.conf.state_dir, CP_TOKEN_INITIAL_FILE, text, 0600, err,
				  sizeof(err));
	OPENSSL_cleanse(text, sizeof(text));
	if (rc < 0) {
		CP_ERR("%s", err);
		return rc;
	}
	CP_INFO("created the first admin API token %s: the token itself (shown once) is in "
		"%s/%s", row.id, cp.conf.state_dir, CP_TOKEN_INITIAL_FILE);
	return cp_store_meta_set(cp.store, META_BOOTSTRAPPED, row.id);
}

int
cp_auth_init(void)
{
	struct cp_token_row row;
	char val[64], path[600];
	struct stat st;
	int rc;

	if (cp_store_meta_get(cp.store, META_BOOTSTRAPPED, val, sizeof(val)) != 0) {
		rc = import_file();
		if (rc < 0)
			return rc;
		if (cp_store_token_list(cp.store, 1, &row) == 0)
			rc = create_first();
		else
			rc = cp_store_meta_set(cp.store, META_BOOTSTRAPPED, "existing");
		if (rc < 0)
			return rc;
	}
	cp_auth_reload();
	if (n_toks == 0)
		CP_ERR("no API tokens in the store: every request is refused; make an admin token "
		       "with `dpwan-control -c CONF --new-admin-token`");
	snprintf(path, sizeof(path), "%s/%s", cp.conf.state_dir, CP_TOKEN_INITIAL_FILE);
	if (lstat(path, &st) == 0)
		CP_WARN("the initial admin token is still in %s; store it elsewhere and delete "
			"the file", path);
	return 0;
}

int
cp_auth_recovery_token(char *token, size_t len, struct cp_token_row *row)
{
	return cp_store_token_create(cp.store, CP_STORE_ROLE_ADMIN, "recovery",
				     "made with dpwan-control --new-admin-token", row, token, len);
}

static void
addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static struct client *
client_of(const uint8_t key[16], uint64_t now)
{
	struct client *oldest = &clients[0];
	unsigned int i;

	for (i = 0; i < CP_AUTH_CLIENTS; i++) {
		if (clients[i].used && memcmp(clients[i].addr, key, 16) == 0)
			return &clients[i];
		if (!clients[i].used || clients[i].last_seen_ms < oldest->last_seen_ms)
			oldest = &clients[i];
		if (!clients[i].used)
			break;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = 1;
	memcpy(oldest->addr, key, 16);
	oldest->window_start_ms = now;
	return oldest;
}

static void
note_failure(struct client *cl, const struct sockaddr *sa, uint64_t now, const char *why)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (now - cl->window_start_ms > CP_AUTH_FAIL_WINDOW_MS) {
		cl->window_start_ms = now;
		cl->fails = 0;
	}
	cl->fails++;
	if (cl->fails >= CP_AUTH_FAIL_MAX)
		cl->blocked_until_ms = now + CP_AUTH_BLOCK_MS;
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof(a));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
	/* One log line and one event per address a minute: a guesser cannot fill the log. */
	if (cl->last_event_ms == 0 || now - cl->last_event_ms >= 60000) {
		cl->last_event_ms = now;
		cp_event(CP_EV_AUTH_FAILED, NULL, NULL, "API authentication failed from %s: %s "
			 "(%u in the last minute%s)", a, why, cl->fails,
			 cl->blocked_until_ms > now ? "; blocked for 60 s" : "");
	}
}

enum cp_auth_verdict
cp_auth_check(const char *hdr, const struct sockaddr *addr, struct cp_auth *out,
	      unsigned int *retry_s)
{
	uint8_t key[16], hash[CP_TOKEN_HASH_LEN];
	uint64_t now = dpw_mono_ms();
	struct live_token *best = NULL;
	struct client *cl;
	const char *tok;
	unsigned int i;
	size_t len;

	memset(out, 0, sizeof(*out));
	*retry_s = 0;
	addr_key(addr, key);
	cl = client_of(key, now);
	cl->last_seen_ms = now;
	if (cl->blocked_until_ms > now) {
		failures[CP_AUTH_BLOCKED]++;
		*retry_s = (unsigned int)((cl->blocked_until_ms - now + 999) / 1000);
		return CP_AUTH_BLOCKED;
	}
	tok = cp_token_from_header(hdr, &len);
	if (tok == NULL) {
		failures[CP_AUTH_MISSING]++;
		return CP_AUTH_MISSING;
	}
	if (len > CP_TOKEN_MAX_LEN || cp_token_hash(tok, len, hash) != 0) {
		failures[CP_AUTH_INVALID]++;
		note_failure(cl, addr, now, "malformed token");
		return CP_AUTH_INVALID;
	}
	for (i = 0; i < n_toks; i++) {
		int same = CRYPTO_memcmp(hash, toks[i].hash, CP_TOKEN_HASH_LEN) == 0;

		/* No early exit: every token is compared, whatever matched. */
		if (same && (best == NULL || toks[i].role > best->role))
			best = &toks[i];
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	if (best == NULL) {
		failures[CP_AUTH_INVALID]++;
		note_failure(cl, addr, now, "unknown token");
		return CP_AUTH_INVALID;
	}
	out->role = best->role;
	snprintf(out->id, sizeof(out->id), "%s", best->id);
	if (best->touched_ms == 0 || (int64_t)dpw_now_ms() - best->touched_ms > TOUCH_PERIOD_MS) {
		best->touched_ms = (int64_t)dpw_now_ms();
		cp_store_token_touch(cp.store, best->id, best->touched_ms);
	}
	return CP_AUTH_OK;
}
