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
			/* a segment is a name, a number or an id: nothing that could climb;
			 * "{x+}" also takes '.' and ':' (an address, a MAC, a host name),
			 * never in a segment of dots only */
			int wide = strncmp(strchr(p, '}') != NULL ? strchr(p, '}') - 1 : p,
					   "+}", 2) == 0;
			int dots = 1;

			for (i = 0; i < n; i++) {
				char c = u[i];

				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
				      (wide && (c == '.' || c == ':'))))
					return 0;
				dots &= c == '.';
			}
			if (dots)
				return 0;
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

/* A decimal number of at most `digits` digits, in lo..hi; the end of it in *end. */
static int
decimal(const char *s, unsigned int digits, unsigned long lo, unsigned long hi,
	unsigned long *v, const char **end)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == digits)
			return -EINVAL;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	/* no sign, no blank, no leading zero but "0" itself */
	if (i == 0 || (i > 1 && s[0] == '0') || n < lo || n > hi)
		return -EINVAL;
	*v = n;
	*end = s + i;
	return 0;
}

int
cp_api_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *v,
		  char *err, size_t errlen)
{
	const char *end;

	if (s == NULL || decimal(s, 10, lo, hi, v, &end) != 0 || *end != '\0') {
		snprintf(err, errlen, "must be a number %lu..%lu", lo, hi);
		return -EINVAL;
	}
	return 0;
}

/* A dotted quad at s; the end of it in *end. */
static int
quad(const char *s, uint32_t *addr, const char **end)
{
	unsigned long b;
	uint32_t a = 0;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (decimal(s, 3, 0, 255, &b, &s) != 0)
			return -EINVAL;
		a = a << 8 | (uint32_t)b;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	*addr = a;
	*end = s;
	return 0;
}

int
cp_api_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen)
{
	const char *end;

	if (s == NULL || quad(s, addr, &end) != 0 || *end != '\0') {
		snprintf(err, errlen, "must be an IPv4 address (198.18.0.10)");
		return -EINVAL;
	}
	return 0;
}

int
cp_api_parse_net(const char *s, uint32_t *addr, uint8_t *len, char *err, size_t errlen)
{
	const char *end;
	unsigned long n = 32;
	uint32_t mask;

	if (s == NULL || quad(s, addr, &end) != 0 ||
	    (*end == '/' && decimal(end + 1, 2, 0, 32, &n, &end) != 0) || *end != '\0') {
		snprintf(err, errlen, "must be an IPv4 address or network (198.19.0.0/24)");
		return -EINVAL;
	}
	mask = n == 0 ? 0 : ~0u << (32 - n);
	if (*addr & ~mask) {
		snprintf(err, errlen, "has bits set beyond its /%lu prefix", n);
		return -EINVAL;
	}
	*len = (uint8_t)n;
	return 0;
}

int
cp_api_parse_proto(const char *s, uint8_t *proto, char *err, size_t errlen)
{
	unsigned long n;
	const char *end;

	if (s != NULL && strcmp(s, "tcp") == 0)
		*proto = 6;
	else if (s != NULL && strcmp(s, "udp") == 0)
		*proto = 17;
	else if (s != NULL && strcmp(s, "icmp") == 0)
		*proto = 1;
	else if (s != NULL && decimal(s, 3, 1, 255, &n, &end) == 0 && *end == '\0')
		*proto = (uint8_t)n;
	else {
		snprintf(err, errlen, "must be tcp, udp, icmp or a protocol number 1..255");
		return -EINVAL;
	}
	return 0;
}

const char *
cp_api_proto_str(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

int
cp_api_parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	unsigned long n;
	const char *end;

	if (s == NULL || decimal(s, 5, 1, 65535, &n, &end) != 0 || *end != '\0') {
		snprintf(err, errlen, "must be a port 1..65535");
		return -EINVAL;
	}
	*port = (uint16_t)n;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cp_api_parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; s != NULL && i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hi < 0 ? -1 : hexval(s[3 * i + 1]);
		char sep = lo < 0 ? 'x' : s[3 * i + 2];

		if (lo < 0 || (i < 5 && sep != ':' && sep != '-') || (i == 5 && sep != '\0') ||
		    (i > 0 && i < 5 && sep != s[2]))
			break;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (i < 6) {
		snprintf(err, errlen, "must be a MAC address (02:00:00:00:00:10)");
		return -EINVAL;
	}
	return 0;
}

int
cp_api_parse_cursor(const char *s, uint32_t *worker, uint32_t *slot, char *err,
		    size_t errlen)
{
	unsigned long w, n;
	const char *end;

	if (s == NULL || decimal(s, 3, 0, 255, &w, &end) != 0 || *end != '.' ||
	    decimal(end + 1, 10, 0, 0xfffffffeul, &n, &end) != 0 || *end != '\0') {
		snprintf(err, errlen, "must be a cursor as a listing's \"next\" gave it");
		return -EINVAL;
	}
	*worker = (uint32_t)w;
	*slot = (uint32_t)n;
	return 0;
}
