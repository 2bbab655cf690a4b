/* SPDX-License-Identifier: BSD-3-Clause
 * /api/v1/capture (admin): POST takes {"port", "filter", "count", "duration", "snaplen",
 * "force"}, holds the request while the capture runs (control/capture.c) and answers
 * the pcap file; GET shows the running capture or the last one; DELETE ends the running
 * one now (its POST then answers what it holds). Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/capture.h"

static void
bad(struct cp_req *r, const char *path, const char *msg)
{
	cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", path, "message", msg), "%s%s%s",
		       path[0] ? path + 1 : "", path[0] ? ": " : "", msg);
}

/* An optional unsigned member of body into *v (untouched when absent). */
static int
get_uint(struct cp_req *r, json_t *body, const char *key, uint32_t max, uint32_t *v)
{
	json_t *x = json_object_get(body, key);
	char path[32], msg[64];

	if (x == NULL)
		return 0;
	if (json_is_integer(x) && json_integer_value(x) >= 0 && json_integer_value(x) <= max) {
		*v = (uint32_t)json_integer_value(x);
		return 0;
	}
	snprintf(path, sizeof(path), "/%s", key);
	snprintf(msg, sizeof(msg), "must be a whole number from 0 to %u", max);
	bad(r, path, msg);
	return -1;
}

/* The request body as a capture request. 0, or -1 with the answer queued. */
static int
parse(struct cp_req *r, struct cp_capture_req *q)
{
	static const char *const keys[] = { "port", "filter", "count", "duration", "snaplen",
					    "force" };
	json_error_t jerr;
	json_t *body = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *key;
	unsigned int i;
	int rc = -1;

	memset(q, 0, sizeof(*q));
	q->duration_s = CP_CAPTURE_DURATION_DEFAULT_S;
	q->snaplen = CP_CAPTURE_SNAPLEN_DEFAULT;
	if (!json_is_object(body)) {
		bad(r, "", body == NULL ? jerr.text : "must be a JSON object");
		goto out;
	}
	json_object_foreach(body, key, v) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			char path[80];

			snprintf(path, sizeof(path), "/%.70s", key);
			bad(r, path, "unknown member (port, filter, count, duration, snaplen, "
			    "force)");
			goto out;
		}
	}
	v = json_object_get(body, "port");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(q->port)) {
		bad(r, "/port", "required: the name of a port or a WAN");
		goto out;
	}
	snprintf(q->port, sizeof(q->port), "%s", json_string_value(v));
	v = json_object_get(body, "filter");
	if (v != NULL && (!json_is_string(v) || json_string_length(v) > CP_CAPTURE_FILTER_MAX)) {
		bad(r, "/filter", "must be a libpcap filter expression of at most 1024 bytes");
		goto out;
	}
	if (v != NULL)
		snprintf(q->filter, sizeof(q->filter), "%s", json_string_value(v));
	v = json_object_get(body, "force");
	if (v != NULL && !json_is_boolean(v)) {
		bad(r, "/force", "must be true or false");
		goto out;
	}
	q->force = json_is_true(v);
	if (get_uint(r, body, "count", CP_CAPTURE_PACKETS_MAX, &q->count) != 0 ||
	    get_uint(r, body, "duration", CP_CAPTURE_DURATION_MAX_S, &q->duration_s) != 0 ||
	    get_uint(r, body, "snaplen", CP_CAPTURE_SNAPLEN_DEFAULT, &q->snaplen) != 0)
		goto out;
	rc = 0;
out:
	json_decref(body);
	return rc;
}

static void
on_done(void *arg, const struct cp_capture_result *res)
{
	struct cp_req *r = arg;

	r->user = NULL;
	r->user_free = NULL;
	cp_api_header(r, "Content-Disposition", "attachment; filename=\"dpwan.pcap\"");
	cp_api_header(r, "X-Capture-Packets", "%llu", (unsigned long long)res->packets);
	cp_api_header(r, "X-Capture-Dropped", "%llu", (unsigned long long)res->dropped);
	cp_api_header(r, "X-Capture-Stopped-By", "%s", res->stopped_by);
	cp_api_send_text(r, 200, "application/vnd.tcpdump.pcap", res->buf, res->len);
	cp_api_resume(r);
}

static void
capture_gone(void *user)
{
	cp_capture_abandon(user);
}

void
cp_api_capture_post(struct cp_req *r)
{
	struct cp_capture_req q;
	char err[256];
	int rc;

	if (parse(r, &q) != 0)
		return;
	rc = cp_capture_start(&q, on_done, r, err, sizeof(err));
	if (rc != 0) {
		cp_api_problem(r, rc == -EINVAL ? 400 : rc == -EBUSY || rc == -EEXIST ? 409 :
			       rc == -EIO ? 503 : 500, NULL, "%s", err);
		return;
	}
	r->user = r;
	r->user_free = capture_gone;
	cp_api_suspend(r);
}

void
cp_api_capture_get(struct cp_req *r)
{
	cp_api_send_json(r, 200, cp_capture_status_json());
}

void
cp_api_capture_delete(struct cp_req *r)
{
	if (cp_capture_stop() != 0) {
		cp_api_problem(r, 409, NULL, "no capture is running");
		return;
	}
	cp_api_send_empty(r, 204);
}
