/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/events: the event log since a sequence number, and as a
 * Server-Sent Events stream that resumes after Last-Event-ID. A stream with nothing to
 * send is suspended and woken by the next event or by its keep-alive timer, so idle
 * streams cost nothing. Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/control.h"
#include "control/log.h"
#include "control/loop.h"

#define EVENTS_MAX 1000
#define STREAMS_MAX 16
#define STREAM_BATCH 32
#define KEEPALIVE_MS 15000

struct stream {
	struct MHD_Connection *conn;
	int64_t last;             /* seq of the last event sent */
	int suspended;
	int used;
	uint64_t last_write_ms;
	char buf[STREAM_BATCH * 600];
	size_t len, off;
};

static struct stream streams[STREAMS_MAX];
static int keepalive_timer;

static json_t *
event_json(const struct cp_event *e)
{
	return json_pack("{s:I,s:o,s:s,s:o,s:o,s:s}", "seq", (json_int_t)e->seq, "time",
			 cp_api_time_json(e->time_ms), "type", e->type, "wan",
			 e->wan[0] ? json_string(e->wan) : json_null(), "who",
			 e->who[0] ? json_string(e->who) : json_null(), "message", e->message);
}

static int
parse_seq(const char *v, long long *out)
{
	char *end;

	*out = 0;
	if (v == NULL)
		return 0;
	*out = strtoll(v, &end, 10);
	return (*v == '\0' || *end != '\0' || *out < 0) ? -1 : 0;
}

void
cp_api_events_get(struct cp_req *r)
{
	static struct cp_event evs[EVENTS_MAX];
	long long since, limit = 100;
	const char *l = cp_api_arg(r, "limit");
	json_t *arr;
	int n, i;

	if (parse_seq(cp_api_arg(r, "since"), &since) < 0 ||
	    (l != NULL && (parse_seq(l, &limit) < 0 || limit < 1 || limit > EVENTS_MAX))) {
		cp_api_problem(r, 400, NULL, "since: an event sequence number >= 0; limit: "
			       "1..%d", EVENTS_MAX);
		return;
	}
	n = cp_store_event_list(cp.store, since, (unsigned int)limit, evs);
	if (n < 0) {
		cp_api_problem(r, 500, NULL, "store: %s", strerror(-n));
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, event_json(&evs[i]));
	cp_api_send_json(r, 200, json_pack("{s:o,s:I}", "events", arr, "last",
					   (json_int_t)(n > 0 ? evs[n - 1].seq :
							cp_store_event_last(cp.store))));
}

/* Fill the stream's buffer with the events after its last one; how many. */
static int
refill(struct stream *s)
{
	static struct cp_event evs[STREAM_BATCH];
	int n, i;

	s->len = s->off = 0;
	n = cp_store_event_list(cp.store, s->last, STREAM_BATCH, evs);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		json_t *j = event_json(&evs[i]);
		char *d = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		int w;

		json_decref(j);
		if (d == NULL)
			break;
		w = snprintf(s->buf + s->len, sizeof(s->buf) - s->len,
			     "id: %lld\nevent: %s\ndata: %s\n\n", (long long)evs[i].seq,
			     evs[i].type, d);
		free(d);
		if (w < 0 || (size_t)w >= sizeof(s->buf) - s->len)
			break;
		s->len += (size_t)w;
		s->last = evs[i].seq;
	}
	return i;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;
	size_t n;

	if (s->off == s->len && refill(s) == 0) {
		if (cp_loop_now_ms() - s->last_write_ms >= KEEPALIVE_MS) {
			s->len = (size_t)snprintf(s->buf, sizeof(s->buf), ": keepalive\n\n");
			s->off = 0;
		} else {
			/* nothing to say: sleep until an event or the keep-alive wakes us */
			s->suspended = 1;
			MHD_suspend_connection(s->conn);
			return 0;
		}
	}
	n = s->len - s->off;
	if (n > max)
		n = max;
	memcpy(out, s->buf + s->off, n);
	s->off += n;
	s->last_write_ms = cp_loop_now_ms();
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	s->used = 0;
	s->conn = NULL;
}

static void
wake_all(void)
{
	unsigned int i;

	for (i = 0; i < STREAMS_MAX; i++)
		if (streams[i].used && streams[i].suspended) {
			streams[i].suspended = 0;
			MHD_resume_connection(streams[i].conn);
			cp_api_kick();
		}
}

void
cp_api_events_notify(int64_t seq)
{
	wake_all();
}

static void
keepalive(void *arg)
{
	unsigned int i, any = 0;

	keepalive_timer = 0;
	for (i = 0; i < STREAMS_MAX; i++)
		any |= streams[i].used;
	if (!any)
		return;
	wake_all();
	keepalive_timer = cp_loop_timer(KEEPALIVE_MS, keepalive, NULL);
}

void
cp_api_events_stream(struct cp_req *r)
{
	const char *lei = cp_api_header_in(r, "Last-Event-ID");
	struct MHD_Response *resp;
	struct stream *s = NULL;
	long long since;
	unsigned int i;

	if (parse_seq(lei != NULL ? lei : cp_api_arg(r, "since"), &since) < 0) {
		cp_api_problem(r, 400, NULL, "Last-Event-ID / since: an event sequence number");
		return;
	}
	for (i = 0; i < STREAMS_MAX; i++)
		if (!streams[i].used) {
			s = &streams[i];
			break;
		}
	if (s == NULL) {
		cp_api_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "10");
		cp_api_problem(r, 503, NULL, "%d event streams are open already", STREAMS_MAX);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->conn = r->conn;
	s->last = since;
	s->last_write_ms = cp_loop_now_ms();
	/* The first bytes say the stream is open, also when there is nothing to send yet. */
	s->len = (size_t)snprintf(s->buf, sizeof(s->buf), ": dpwan events after %lld\n\n",
				  since);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
						 stream_free);
	if (resp == NULL) {
		s->used = 0;
		cp_api_problem(r, 500, NULL, "out of memory");
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	r->resp = resp;
	r->status = 200;
	if (keepalive_timer == 0)
		keepalive_timer = cp_loop_timer(KEEPALIVE_MS, keepalive, NULL);
	/* a backlog to send: run the daemon again, nothing else wakes the stream */
	cp_api_kick();
}
