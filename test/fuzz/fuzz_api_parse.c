/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the pure REST API request parsing (control/api_parse.c), what an API
 * client controls before any handler runs. The input is used twice: as a request path
 * for cp_api_path_match over a few route patterns (up to its first NUL) and as the body of PUT .../admin for
 * cp_api_parse_admin_body. Besides crashes and leaks, the checks below trap on a route
 * or a body accepted against the rules of control/api_parse.h. Single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/api_parse.h"
#include "test/fuzz/fuzz.h"

static int
valid_segment(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CP_API_PARAM_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static void
fuzz_route(const char *url)
{
	static const char *const patterns[] = {
		"/api/v1/status", "/api/v1/wans/{name}", "/api/v1/wans/{name}/admin",
		"/api/v1/config/history/{gen}", "/a/{x}/{y}",
	};
	char p[2][CP_API_PARAM_LEN], want[CP_API_URL_MAX + 256];
	unsigned int i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		memset(p, 0x5a, sizeof(p));
		if (!cp_api_path_match(patterns[i], url, p, 2))
			continue;
		/* an accepted path is exactly the pattern with its segments filled in */
		if (i == 0) {
			FUZZ_CHECK(strcmp(url, patterns[0]) == 0);
		} else if (i < 4) {
			const char *brace = strchr(patterns[i], '{');
			const char *close = strchr(brace, '}');

			FUZZ_CHECK(valid_segment(p[0]));
			snprintf(want, sizeof(want), "%.*s%s%s", (int)(brace - patterns[i]),
				 patterns[i], p[0], close + 1);
			FUZZ_CHECK(strcmp(url, want) == 0);
		} else {
			FUZZ_CHECK(valid_segment(p[0]) && valid_segment(p[1]));
			snprintf(want, sizeof(want), "/a/%s/%s", p[0], p[1]);
			FUZZ_CHECK(strcmp(url, want) == 0);
		}
	}
}

static void
fuzz_body(const char *body, size_t len)
{
	char err[256];
	bool enabled = false;
	int rc;

	memset(err, 0x5a, sizeof(err));
	rc = cp_api_parse_admin_body(body, len, &enabled, err, sizeof(err));
	if (rc == 0) {
		/* exactly {"enabled": true|false}; the key may be \u-escaped, the literal not */
		FUZZ_CHECK(len <= CP_API_BODY_MAX && memchr(body, '{', len) != NULL);
		FUZZ_CHECK(memmem(body, len, enabled ? "true" : "false", enabled ? 4 : 5) != NULL);
		return;
	}
	FUZZ_CHECK(rc == -EINVAL);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && strncmp(err, "body: ", 6) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* a copy of exactly size bytes for the body (ASan sees a read past it), and a
	 * NUL-terminated one for the path, as libmicrohttpd hands it over */
	s = malloc(size ? size : 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	fuzz_body(s, size);
	free(s);
	s = malloc(size + 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_route(s);
	free(s);
	return 0;
}
