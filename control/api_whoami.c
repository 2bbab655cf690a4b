/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource GET /api/v1/whoami (issue 11): the token the request carries, its id,
 * role and comment, so that a client (the dashboard) shows only what the role may do.
 * Any valid token. Main thread.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "control/api.h"
#include "control/control.h"

void
cp_api_whoami_get(struct cp_req *r)
{
	static struct cp_token_row rows[CP_AUTH_MAX_TOKENS];
	const char *comment = "";
	int n, i;

	/* the comment is the store's: the token was found there a moment ago */
	n = cp_store_token_list(cp.store, CP_AUTH_MAX_TOKENS, rows);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].id, r->auth.id) == 0)
			comment = rows[i].comment;
	cp_api_send_json(r, 200, json_pack("{s:s,s:s,s:s}", "id", r->auth.id, "role",
					   cp_role_str(r->auth.role), "comment", comment));
	OPENSSL_cleanse(rows, sizeof(rows));
}
