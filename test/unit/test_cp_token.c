/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/token.c: SHA-256 hashing, tokens-file parsing, bearer header
 * extraction, role checks, the first-start bootstrap and its marker, and the ownership
 * and mode checks of the state directory and the tokens file (each test in its own
 * temporary directory, removed by the teardown also when the test fails).
 * Single-threaded test program; no DPDK.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/token.h"

/* sha256("abc"), FIPS 180-2 appendix B.1 */
#define ABC_HEX "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void
test_hash_known_vector(void **state)
{
	uint8_t h[CP_TOKEN_HASH_LEN];
	char hex[2 * CP_TOKEN_HASH_LEN + 1];

	assert_int_equal(cp_token_hash("abc", 3, h), 0);
	cp_token_hex(h, sizeof(h), hex);
	assert_string_equal(hex, ABC_HEX);
}

static void
test_parse_line(void **state)
{
	struct cp_token_entry e;
	char err[128];

	assert_int_equal(cp_token_parse_line("admin " ABC_HEX, &e, err, sizeof(err)), 1);
	assert_int_equal(e.role, CP_ROLE_ADMIN);
	assert_int_equal(e.hash[0], 0xba);
	assert_int_equal(e.hash[31], 0xad);
	assert_int_equal(cp_token_parse_line("  read-only\t" ABC_HEX "  \r", &e, err,
					     sizeof(err)), 1);
	assert_int_equal(e.role, CP_ROLE_READ_ONLY);
	assert_int_equal(cp_token_parse_line("", &e, err, sizeof(err)), 0);
	assert_int_equal(cp_token_parse_line("   # comment", &e, err, sizeof(err)), 0);
	assert_int_equal(cp_token_parse_line("root " ABC_HEX, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown role"));
	assert_int_equal(cp_token_parse_line("admin abcd", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "64 hex digits"));
	assert_int_equal(cp_token_parse_line("admin " ABC_HEX " extra", &e, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cp_token_parse_line("admin "
		"zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &e, err,
		sizeof(err)), -EINVAL);
	assert_int_equal(cp_token_parse_line("admin", &e, err, sizeof(err)), -EINVAL);
}

static void
test_parse_file(void **state)
{
	struct cp_token_set set;
	char err[128];

	assert_int_equal(cp_token_parse("# header\nadmin " ABC_HEX "\n\nread-only " ABC_HEX,
					&set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(cp_token_parse("admin " ABC_HEX "\nbogus line\n", &set, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
}

static void
test_header(void **state)
{
	const char *t;
	size_t len;

	t = cp_token_from_header("Bearer abc", &len);
	assert_non_null(t);
	assert_int_equal(len, 3);
	assert_memory_equal(t, "abc", 3);
	t = cp_token_from_header("bearer   abc  ", &len);
	assert_non_null(t);
	assert_int_equal(len, 3);
	assert_null(cp_token_from_header(NULL, &len));
	assert_null(cp_token_from_header("Basic abc", &len));
	assert_null(cp_token_from_header("Bearerabc", &len));
	assert_null(cp_token_from_header("Bearer ", &len));
	assert_null(cp_token_from_header("Bearer a b", &len));
}

static void
test_check_roles(void **state)
{
	struct cp_token_set set;
	uint8_t h[CP_TOKEN_HASH_LEN];
	char err[128], text[256], hex[2 * CP_TOKEN_HASH_LEN + 1];

	cp_token_hash("ro-secret", 9, h);
	cp_token_hex(h, sizeof(h), hex);
	snprintf(text, sizeof(text), "admin " ABC_HEX "\nread-only %s\n", hex);
	assert_int_equal(cp_token_parse(text, &set, err, sizeof(err)), 0);
	assert_int_equal(cp_token_check(&set, "abc", 3), CP_ROLE_ADMIN);
	assert_int_equal(cp_token_check(&set, "ro-secret", 9), CP_ROLE_READ_ONLY);
	assert_int_equal(cp_token_check(&set, "abd", 3), CP_ROLE_NONE);
	assert_int_equal(cp_token_check(&set, "ab", 2), CP_ROLE_NONE);
	set.n = 0;
	assert_int_equal(cp_token_check(&set, "abc", 3), CP_ROLE_NONE);
	assert_string_equal(cp_role_str(CP_ROLE_READ_ONLY), "read-only");
}

/* A fresh temporary directory per test: *state is its path. */
static int
tmpdir_setup(void **state)
{
	static char tmpl[64];

	snprintf(tmpl, sizeof(tmpl), "/tmp/test_cp_token.XXXXXX");
	if (mkdtemp(tmpl) == NULL)
		return -1;
	*state = tmpl;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int
tmpdir_teardown(void **state)
{
	/* Tests may leave a directory unwritable: open it up first. */
	chmod(*state, 0700);
	return nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int
exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	path_in(path, sizeof(path), dir, name);
	return lstat(path, &st) == 0;
}

/* First line of dir/name without its newline. */
static void
read_line(const char *dir, const char *name, char *out, size_t len)
{
	char path[512];
	FILE *f;

	path_in(path, sizeof(path), dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, (int)len, f));
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static void
test_bootstrap(void **state)
{
	char dir[128], path[256], token[128];
	struct cp_token_boot boot;
	struct cp_token_set set;
	struct stat st;
	char err[256];

	snprintf(dir, sizeof(dir), "%s/state/sub", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 1);
	assert_int_equal(boot.dir_created, 1);
	assert_int_equal(boot.dir_old_mode, 0);
	assert_int_equal(boot.locked, 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	path_in(path, sizeof(path), dir, CP_TOKEN_INITIAL_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path_in(path, sizeof(path), dir, CP_TOKEN_MARKER_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	read_line(dir, CP_TOKEN_INITIAL_FILE, token, sizeof(token));
	assert_int_equal(strlen(token), 64);

	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(cp_token_check(&set, token, strlen(token)), CP_ROLE_ADMIN);

	/* Second start: nothing regenerated. */
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 0);
	assert_int_equal(boot.dir_created, 0);
	assert_int_equal(boot.locked, 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(cp_token_check(&set, token, strlen(token)), CP_ROLE_ADMIN);
}

/* The operator deleted api-tokens to revoke everything: stay locked across restarts. */
static void
test_bootstrap_revoked_stays_locked(void **state)
{
	char dir[128], path[256], token[128], again[128];
	struct cp_token_boot boot;
	struct cp_token_set set;
	char err[256];
	int i;

	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 1);
	read_line(dir, CP_TOKEN_INITIAL_FILE, token, sizeof(token));
	path_in(path, sizeof(path), dir, CP_TOKEN_FILE);
	assert_int_equal(unlink(path), 0);

	for (i = 0; i < 2; i++) {
		assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
		assert_int_equal(boot.locked, 1);
		assert_int_equal(boot.created, 0);
		assert_false(exists(dir, CP_TOKEN_FILE));
		read_line(dir, CP_TOKEN_INITIAL_FILE, again, sizeof(again));
		assert_string_equal(again, token);
		assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -ENOENT);
	}

	/* Removing the marker is the documented way to get a new admin token. */
	path_in(path, sizeof(path), dir, CP_TOKEN_MARKER_FILE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 1);
	assert_int_equal(boot.locked, 0);
	read_line(dir, CP_TOKEN_INITIAL_FILE, again, sizeof(again));
	assert_string_not_equal(again, token);
	assert_true(exists(dir, CP_TOKEN_MARKER_FILE));
}

/*
 * Killed after the tokens file but before the marker (or a state_dir from before the
 * marker): the next start writes the marker, so a later revocation still holds.
 */
static void
test_bootstrap_repairs_missing_marker(void **state)
{
	char dir[128], path[256];
	struct cp_token_boot boot;
	char err[256];

	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_MARKER_FILE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 0);
	assert_true(exists(dir, CP_TOKEN_MARKER_FILE));

	path_in(path, sizeof(path), dir, CP_TOKEN_FILE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.locked, 1);
	assert_false(exists(dir, CP_TOKEN_FILE));
}

static void
test_bootstrap_tightens_dir_mode(void **state)
{
	struct cp_token_boot boot;
	char dir[128], err[256];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.dir_created, 0);
	assert_int_equal(boot.dir_old_mode, 0775);
	assert_int_equal(boot.created, 1);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

static void
test_bad_state_dir_path(void **state)
{
	struct cp_token_boot boot;
	struct cp_token_set set;
	char err[256];
	struct stat st;

	assert_int_equal(cp_token_bootstrap("", &boot, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "absolute"));
	assert_int_equal(cp_token_bootstrap("test_cp_token_rel/state", &boot, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "absolute"));
	assert_int_not_equal(lstat("test_cp_token_rel", &st), 0);
	assert_int_equal(cp_token_load("", &set, err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_token_load("rel", &set, err, sizeof(err)), -EINVAL);
}

static void
test_load_refuses_writable_file_and_dir(void **state)
{
	char dir[128], path[256], err[256];
	struct cp_token_boot boot;
	struct cp_token_set set;

	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_FILE);

	assert_int_equal(chmod(path, 0620), 0);
	set.n = 7;
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -EPERM);
	/* Readable by others is no threat: the file holds hashes. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 1);

	/* Whoever can write the directory can replace the file. */
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, "mode 0770"));
}

static void
test_load_refuses_symlink(void **state)
{
	char dir[128], path[256], real[256], err[256];
	struct cp_token_boot boot;
	struct cp_token_set set;

	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_FILE);
	path_in(real, sizeof(real), (char *)*state, "elsewhere");
	assert_int_equal(rename(path, real), 0);
	assert_int_equal(symlink(real, path), 0);

	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "symbolic link"));
	/* A symbolic link is a tokens file for the bootstrap: nothing regenerated. */
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	assert_int_equal(boot.created, 0);
	assert_int_equal(boot.locked, 0);
}

/* Ownership by another uid: needs root to chown. */
static void
test_refuses_foreign_owner(void **state)
{
	char dir[128], path[256], err[256];
	struct cp_token_boot boot;
	struct cp_token_set set;

	if (geteuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/state", (char *)*state);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_FILE);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_int_equal(chown(path, 0, 0), 0);

	/* A foreign state_dir: refused, and no token is created in it. */
	assert_int_equal(unlink(path), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_MARKER_FILE);
	assert_int_equal(unlink(path), 0);
	path_in(path, sizeof(path), dir, CP_TOKEN_INITIAL_FILE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(cp_token_bootstrap(dir, &boot, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, dir));
	assert_false(exists(dir, CP_TOKEN_FILE));
	assert_false(exists(dir, CP_TOKEN_INITIAL_FILE));
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), -EPERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_vector),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_check_roles),
		cmocka_unit_test_setup_teardown(test_bootstrap, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_bootstrap_revoked_stays_locked,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_bootstrap_repairs_missing_marker,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_bootstrap_tightens_dir_mode, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test(test_bad_state_dir_path),
		cmocka_unit_test_setup_teardown(test_load_refuses_writable_file_and_dir,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_symlink, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_refuses_foreign_owner, tmpdir_setup,
						tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
