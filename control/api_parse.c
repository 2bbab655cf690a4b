/* SPDX-License-Identifier: BSD-3-Clause
 * REST API path patterns and request-body validation (pure; jansson only). Runs on the API
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

int
cp_api_path_match(const char *pattern, const char *path,
		  char param[][CP_API_PARAM_LEN], unsigned int max_params)
{
	const char *p = pattern, *u = path;
	unsigned int np = 0;

	if (pattern == NULL || path == NULL || strlen(path) > CP_API_URL_MAX)
		return 0;
	while (*p != '\0') {
		if (*p == '{') {
			const char *end = strchr(u, '/');
			size_t n = end != NULL ? (size_t)(end - u) : strlen(u);
			size_t i;

			if (n == 0 || n >= CP_API_PARAM_LEN || np == max_params)
				return 0;
			/* a segment is a name, a number or an id: nothing that could climb */
			for (i = 0; i < n; i++) {
				char c = u[i];

				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '_' || c == '-'))
					return 0;
			}
			memcpy(param[np], u, n);
			param[np][n] = '\0';
			np++;
			u += n;
			p = strchr(p, '}');
			if (p == NULL)
				return 0;
			p++;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	return *u == '\0';
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
