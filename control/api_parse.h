/* SPDX-License-Identifier: BSD-3-Clause
 * Pure parts of the REST API: path patterns and strict request-body validation. No DPDK,
 * no libmicrohttpd, so they are unit-tested on their own. Any thread.
 */
#ifndef CP_API_PARSE_H
#define CP_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/shm/dpw_shm.h"

#define CP_API_BODY_MAX 4096        /* bytes of a small request body (PUT .../admin) */
#define CP_API_URL_MAX 256          /* bytes of a request path */

#define CP_API_PARAM_LEN 64

/*
 * Match a request path (no query string) against a route pattern in which "{x}" stands
 * for one non-empty segment of [A-Za-z0-9_-], shorter than CP_API_PARAM_LEN, copied into
 * param[] in order (at most max_params). 1 on a match, 0 otherwise. Pure.
 */
int cp_api_path_match(const char *pattern, const char *path,
		      char param[][CP_API_PARAM_LEN], unsigned int max_params);

/*
 * Validate the body of PUT /api/v1/wans/{name}/admin: exactly {"enabled": true|false}.
 * 0 and *enabled set, or -EINVAL with what is wrong and where in err.
 */
int cp_api_parse_admin_body(const char *body, size_t len, bool *enabled, char *err,
			    size_t errlen);

#endif
