/* SPDX-License-Identifier: BSD-3-Clause
 * REST API routing and request-body validation (pure; jansson only). Runs on the API
 * thread; unit-tested in test/unit/test_cp_api_parse.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "control/api_parse.h"

static const char *
json_type_str(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* WAN names as lib/cfg accepts them: [a-z0-9_], at most DPW_NAME_LEN - 1 bytes. */
static int
copy_wan_name(const char *s, size_t len, char *out)
{
	size_t i;

	if (len == 0 || len >= DPW_NAME_LEN)
		return -ENOENT;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -ENOENT;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
cp_api_route_match(const char *url, struct cp_api_route *r)
{
	static const char wans[] = "/api/v1/wans/";
	const char *name, *slash;

	memset(r, 0, sizeof(*r));
	r->method = "GET";
	if (url == NULL || strlen(url) > CP_API_URL_MAX)
		return -ENOENT;
	if (strcmp(url, "/api/v1/status") == 0) {
		r->id = CP_ROUTE_STATUS;
		return 0;
	}
	if (strcmp(url, "/api/v1/wans") == 0) {
		r->id = CP_ROUTE_WANS;
		return 0;
	}
	if (strcmp(url, "/metrics") == 0) {
		r->id = CP_ROUTE_METRICS;
		return 0;
	}
	if (strncmp(url, wans, sizeof(wans) - 1) != 0)
		return -ENOENT;
	name = url + sizeof(wans) - 1;
	slash = strchr(name, '/');
	if (slash == NULL) {
		r->id = CP_ROUTE_WAN;
		return copy_wan_name(name, strlen(name), r->wan);
	}
	if (strcmp(slash, "/admin") != 0)
		return -ENOENT;
	r->id = CP_ROUTE_WAN_ADMIN;
	r->method = "PUT";
	return copy_wan_name(name, slash - name, r->wan);
}

int
cp_api_parse_admin_body(const char *body, size_t len, bool *enabled, char *err,
			size_t errlen)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v, *val;
	int rc = -EINVAL;

	if (body == NULL || len == 0) {
		snprintf(err, errlen, "body: empty; expected {\"enabled\": true|false}");
		return -EINVAL;
	}
	if (len > CP_API_BODY_MAX) {
		snprintf(err, errlen, "body: %zu bytes, at most %d allowed", len,
			 CP_API_BODY_MAX);
		return -EINVAL;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "body: invalid JSON at line %d, column %d: %s",
			 jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "body: expected a JSON object, got %s",
			 json_type_str(root));
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (strcmp(key, "enabled") != 0) {
			snprintf(err, errlen, "body: unknown member \"%.64s\" (only \"enabled\" "
				 "is allowed)", key);
			goto out;
		}
	}
	v = json_object_get(root, "enabled");
	if (v == NULL) {
		snprintf(err, errlen, "body: missing member \"enabled\" (true or false)");
		goto out;
	}
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "body: member \"enabled\" must be true or false, got %s",
			 json_type_str(v));
		goto out;
	}
	*enabled = json_is_true(v);
	rc = 0;
out:
	json_decref(root);
	return rc;
}
