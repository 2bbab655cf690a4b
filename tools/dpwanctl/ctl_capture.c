/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl capture PORT [--filter BPF] [--count N] [--duration S] [--snaplen N] [--force]
 * -w FILE: POST /api/v1/capture, the pcap file the answer holds written to FILE (through a
 * temporary file beside it, renamed when complete), then the capture's summary from
 * GET /api/v1/capture. `capture stop`: DELETE /api/v1/capture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/dpwanctl/ctl.h"

#define CAPTURE_MAX_FILE (64u << 20)   /* the server's bound (CP_CAPTURE_BYTES_MAX) */

static int
write_file(const char *path, const char *buf, size_t len)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if (strcmp(path, "-") == 0)
		return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
	if (snprintf(tmp, sizeof(tmp), "%s.part", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "wb");
	if (f == NULL)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
out_summary_to(FILE *f, const char *prefix, const json_t *st)
{
	const json_t *l = json_object_get(st, "last");
	const char *fin;

	if (json_is_true(json_object_get(st, "active"))) {
		fprintf(f, "capturing %s (filter '%s'): %lld packets so far\n",
			json_string_value(json_object_get(st, "port")),
			json_string_value(json_object_get(st, "filter")),
			json_integer_value(json_object_get(st, "packets")));
		return;
	}
	if (l == NULL) {
		fprintf(f, "no capture since dpwan-control started\n");
		return;
	}
	fin = json_string_value(json_object_get(l, "filter_in"));
	fin = fin == NULL ? "" : strcmp(fin, "control") == 0 ? ", filtered in dpwan-control" :
		strcmp(fin, "dataplane") == 0 ? ", filtered in the dataplane" : "";
	fprintf(f, "%s%lld packets captured on %s (%lld lost in the dataplane%s), ended by %s\n",
		prefix, json_integer_value(json_object_get(l, "packets")),
		json_string_value(json_object_get(l, "port")),
		json_integer_value(json_object_get(l, "dropped")), fin,
		json_string_value(json_object_get(l, "stopped_by")));
}

static void
out_summary(const json_t *st)
{
	out_summary_to(stderr, "dpwanctl: ", st);
}

static void
out_status(const json_t *st)
{
	out_summary_to(stdout, "last capture: ", st);
}

static int
capture(const struct ctl *c, const char *port, const struct ctl_capture_opts *o)
{
	struct ctl_req rq = { .method = "POST", .path = "/api/v1/capture",
			      .content_type = "application/json",
			      .accept = "application/vnd.tcpdump.pcap",
			      .max_len = CAPTURE_MAX_FILE + 4096 };
	struct ctl_resp r;
	json_t *body = json_pack("{s:s}", "port", port);
	char *text;
	int rc;

	if (o->filter != NULL)
		json_object_set_new(body, "filter", json_string(o->filter));
	if (o->count > 0)
		json_object_set_new(body, "count", json_integer(o->count));
	if (o->duration > 0)
		json_object_set_new(body, "duration", json_integer(o->duration));
	if (o->snaplen > 0)
		json_object_set_new(body, "snaplen", json_integer(o->snaplen));
	if (o->force)
		json_object_set_new(body, "force", json_true());
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		fprintf(stderr, "dpwanctl: out of memory\n");
		return CTL_EXIT_REFUSED;
	}
	rq.body = text;
	rq.body_len = strlen(text);
	/* the server answers when the capture ends: give it the duration and some */
	rq.timeout_ms = ((o->duration > 0 ? o->duration : 10) + 30) * 1000L;
	rc = ctl_http(c, &rq, &r);
	free(text);
	if (rc != 0)
		return rc;
	if ((rc = ctl_expect(c, &r, 200)) != 0)
		return rc;
	if (write_file(o->file, r.body, r.len) != 0) {
		fprintf(stderr, "dpwanctl: cannot write %s: %s\n", o->file, strerror(errno));
		ctl_resp_free(&r);
		return CTL_EXIT_REFUSED;
	}
	ctl_resp_free(&r);
	if (ctl_get(c, "/api/v1/capture", &r) == 0 && r.status == 200) {
		json_t *st = ctl_json(&r);

		out_summary(st);
		json_decref(st);
	}
	ctl_resp_free(&r);
	return CTL_EXIT_OK;
}

int
ctl_capture(const struct ctl *c, int argc, char **argv, const struct ctl_capture_opts *o)
{
	if (argc == 1 && strcmp(argv[0], "stop") == 0) {
		struct ctl_req rq = { .method = "DELETE", .path = "/api/v1/capture" };
		struct ctl_resp r;
		int rc = ctl_http(c, &rq, &r);

		if (rc == 0)
			rc = r.status == 204 ? CTL_EXIT_OK : ctl_fail(c, &r);
		ctl_resp_free(&r);
		return rc;
	}
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return ctl_show(c, "/api/v1/capture", out_status);
	if (argc != 1 || o->file == NULL) {
		fprintf(stderr, "dpwanctl: usage: capture PORT [--filter BPF] [--count N] "
			"[--duration S] [--snaplen N] [--force] -w FILE.pcap | capture status | "
			"capture stop\n");
		return CTL_EXIT_USAGE;
	}
	return capture(c, argv[0], o);
}
