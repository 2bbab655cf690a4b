/* SPDX-License-Identifier: BSD-3-Clause
 * REST resources /api/v1/tokens (list, create, revoke: admin only; a token is shown once,
 * at its creation, and only its hash is kept), /api/v1/health (no token: for load
 * balancers and supervisors) and /api/v1/openapi.yaml (the API's description, built
 * into the binary from api/openapi.yaml). Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dplink.h"
#include "control/events.h"

#define TOKENS_MAX 256

extern const char cp_openapi_yaml[];
extern const unsigned int cp_openapi_yaml_len;

static const char *
role_name(int store_role)
{
	return store_role == CP_STORE_ROLE_ADMIN ? "admin" : "read-only";
}

void
cp_api_tokens_get(struct cp_req *r)
{
	static struct cp_token_row rows[TOKENS_MAX];
	json_t *arr;
	int n, i;

	n = cp_store_token_list(cp.store, TOKENS_MAX, rows);
	if (n < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-n));
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:s,s:s,s:o}", "id",
			rows[i].id, "role", role_name(rows[i].role), "created",
			cp_api_time_json(rows[i].created_ms), "created_by", rows[i].created_by,
			"comment", rows[i].comment, "last_used",
			cp_api_time_json(rows[i].last_used_ms)));
	cp_api_send_json(r, 200, json_pack("{s:o}", "tokens", arr));
}

void
cp_api_tokens_post(struct cp_req *r)
{
	struct cp_token_row row;
	json_error_t jerr;
	json_t *body, *role, *comment;
	char token[96];
	int rc, sr;

	body = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	role = json_object_get(body, "role");
	comment = json_object_get(body, "comment");
	if (!json_is_object(body) || !json_is_string(role) ||
	    (comment != NULL && (!json_is_string(comment) || json_string_length(comment) > 200)) ||
	    json_object_size(body) != 1u + (comment != NULL)) {
		json_decref(body);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message",
			"{\"role\": \"admin\" | \"read-only\", \"comment\": \"at most 200 "
			"characters\"}, nothing else"), "body: {\"role\": ..., \"comment\": ...}");
		return;
	}
	if (strcmp(json_string_value(role), "admin") == 0) {
		sr = CP_STORE_ROLE_ADMIN;
	} else if (strcmp(json_string_value(role), "read-only") == 0) {
		sr = CP_STORE_ROLE_READ_ONLY;
	} else {
		json_decref(body);
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "/role", "message",
						 "must be \"admin\" or \"read-only\""),
			       "role: must be \"admin\" or \"read-only\"");
		return;
	}
	rc = cp_store_token_create(cp.store, sr, r->auth.id,
				   comment != NULL ? json_string_value(comment) : "", &row, token,
				   sizeof(token));
	json_decref(body);
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-rc));
		return;
	}
	cp_auth_reload();
	cp_event(CP_EV_TOKEN_CREATED, NULL, r->auth.id, "%s token %s created by %s",
		 role_name(sr), row.id, r->auth.id);
	cp_api_header(r, MHD_HTTP_HEADER_LOCATION, "/api/v1/tokens/%s", row.id);
	cp_api_send_json(r, 201, json_pack("{s:s,s:s,s:s,s:o,s:s}", "id", row.id, "role",
					   role_name(sr), "token", token, "created",
					   cp_api_time_json(row.created_ms), "comment", row.comment));
	OPENSSL_cleanse(token, sizeof(token));
}

void
cp_api_token_delete(struct cp_req *r)
{
	int rc = cp_store_token_revoke(cp.store, r->param[0]);

	if (rc == -ENOENT) {
		cp_api_problem(r, 404, NULL, "no token with id '%s'", r->param[0]);
		return;
	}
	if (rc < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-rc));
		return;
	}
	cp_auth_reload();
	cp_event(CP_EV_TOKEN_REVOKED, NULL, r->auth.id, "token %s revoked by %s", r->param[0],
		 r->auth.id);
	cp_api_send_empty(r, 204);
}

void
cp_api_health_get(struct cp_req *r)
{
	int alive = cp_dplink_alive(NULL, 0);
	const struct cp_running *run = cp_config_running();

	cp_api_send_json(r, alive ? 200 : 503, json_pack("{s:s,s:s,s:I}", "status",
		alive ? (run->gen > 0 ? "ok" : "degraded") : "down", "dataplane",
		alive ? "alive" : "down", "generation", (json_int_t)run->gen));
}

void
cp_api_openapi_get(struct cp_req *r)
{
	cp_api_send_text(r, 200, "application/yaml", cp_openapi_yaml, cp_openapi_yaml_len);
}
