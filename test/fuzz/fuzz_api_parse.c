/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the pure REST API request parsing (control/api_parse.c), what an API
 * client controls before any handler runs. The input is used twice: as a request path
 * for cp_api_route_match (up to its first NUL) and as the body of PUT .../admin for
 * cp_api_parse_admin_body. Besides crashes and leaks, the checks below trap on a route
 * or a body accepted against the rules of control/api_parse.h. Single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/api_parse.h"
#include "test/fuzz/fuzz.h"

static int
valid_wan(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= DPW_NAME_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static void
fuzz_route(const char *url)
{
	struct cp_api_route r;
	char want[CP_API_URL_MAX + 64];
	int rc;

	memset(&r, 0x5a, sizeof(r));
	rc = cp_api_route_match(url, &r);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT);
	FUZZ_CHECK(r.method != NULL && memchr(r.wan, '\0', sizeof(r.wan)) != NULL);
	if (rc != 0)
		return;
	/* an accepted path is exactly the one the route stands for */
	switch (r.id) {
	case CP_ROUTE_STATUS:
		FUZZ_CHECK(strcmp(url, "/api/v1/status") == 0 && strcmp(r.method, "GET") == 0);
		break;
	case CP_ROUTE_WANS:
		FUZZ_CHECK(strcmp(url, "/api/v1/wans") == 0 && strcmp(r.method, "GET") == 0);
		break;
	case CP_ROUTE_METRICS:
		FUZZ_CHECK(strcmp(url, "/metrics") == 0 && strcmp(r.method, "GET") == 0);
		break;
	case CP_ROUTE_WAN:
		FUZZ_CHECK(valid_wan(r.wan) && strcmp(r.method, "GET") == 0);
		snprintf(want, sizeof(want), "/api/v1/wans/%s", r.wan);
		FUZZ_CHECK(strcmp(url, want) == 0);
		break;
	case CP_ROUTE_WAN_ADMIN:
		FUZZ_CHECK(valid_wan(r.wan) && strcmp(r.method, "PUT") == 0);
		snprintf(want, sizeof(want), "/api/v1/wans/%s/admin", r.wan);
		FUZZ_CHECK(strcmp(url, want) == 0);
		break;
	default:
		FUZZ_CHECK(0 && "route_match returned 0 without a route");
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
