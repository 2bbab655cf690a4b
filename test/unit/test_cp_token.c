/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/token.c: SHA-256 hashing, tokens-file parsing, bearer header
 * extraction, role checks and the first-start bootstrap (in a temporary directory).
 * Single-threaded test program; no DPDK.
 */
#include <errno.h>
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

static void
test_bootstrap(void **state)
{
	char tmpl[] = "/tmp/test_cp_token.XXXXXX", dir[128], path[256], token[128];
	struct cp_token_set set;
	struct stat st;
	char err[256];
	int created;
	FILE *f;

	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/state/sub", tmpl);
	assert_int_equal(cp_token_bootstrap(dir, &created, err, sizeof(err)), 0);
	assert_int_equal(created, 1);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, CP_TOKEN_INITIAL_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(token, sizeof(token), f));
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	assert_int_equal(strlen(token), 64);

	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(cp_token_check(&set, token, strlen(token)), CP_ROLE_ADMIN);

	/* Second start: nothing regenerated. */
	assert_int_equal(cp_token_bootstrap(dir, &created, err, sizeof(err)), 0);
	assert_int_equal(created, 0);
	assert_int_equal(cp_token_load(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(cp_token_check(&set, token, strlen(token)), CP_ROLE_ADMIN);

	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, CP_TOKEN_FILE);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/state", tmpl);
	rmdir(path);
	rmdir(tmpl);
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
		cmocka_unit_test(test_bootstrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
