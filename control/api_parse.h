/* SPDX-License-Identifier: BSD-3-Clause
 * Pure parts of the REST API: URL routing and strict request-body validation. No DPDK,
 * no libmicrohttpd, so they are unit-tested on their own. Any thread.
 */
#ifndef CP_API_PARSE_H
#define CP_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/shm/dpw_shm.h"

#define CP_API_BODY_MAX 4096        /* bytes of a request body */
#define CP_API_URL_MAX 256          /* bytes of a request path */

enum cp_api_route_id {
	CP_ROUTE_NONE = 0,
	CP_ROUTE_STATUS,            /* GET /api/v1/status */
	CP_ROUTE_WANS,              /* GET /api/v1/wans */
	CP_ROUTE_WAN,               /* GET /api/v1/wans/{name} */
	CP_ROUTE_WAN_ADMIN,         /* PUT /api/v1/wans/{name}/admin */
	CP_ROUTE_METRICS,           /* GET /metrics */
};

struct cp_api_route {
	enum cp_api_route_id id;
	const char *method;         /* the one method the resource accepts */
	char wan[DPW_NAME_LEN];     /* {name}, for the WAN routes */
};

/*
 * Match a request path (no query string) to a resource. 0 and *r filled, or -ENOENT
 * for an unknown path (including a {name} that cannot be a WAN name).
 */
int cp_api_route_match(const char *url, struct cp_api_route *r);

/*
 * Validate the body of PUT /api/v1/wans/{name}/admin: exactly {"enabled": true|false}.
 * 0 and *enabled set, or -EINVAL with what is wrong and where in err.
 */
int cp_api_parse_admin_body(const char *body, size_t len, bool *enabled, char *err,
			    size_t errlen);

#endif
