/* SPDX-License-Identifier: BSD-3-Clause
 * mwan3 to the network-policy document (dpw_mwan3.h): interfaces, members, policies and
 * rules in the file's order, each option either mapped or named in a note. A WAN's
 * health is worked on as the decoded struct (so that the numbers that depend on each
 * other stay valid together: reliability and targets, up and up_max, the quality bands)
 * and only the members the file set are written back into the WAN's health object.
 * Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_mwan3.h"
#include "lib/cfg/dpw_sysconf.h"

#define NOTE_LEN 384
#define METRIC_MAX 256               /* mwan3 (LuCI) and the document alike */
#define WEIGHT_MAX 1000
#define SECONDS_MAX 3600             /* the document's longest interval, an hour */
#define TIMEOUT_MAX_S 60
#define COUNT_MAX 10
#define ROUNDS_MAX 1000
#define PING_SIZE_MAX 1472
#define LATENCY_MAX 60000
#define STICKY_MAX 86400
#define NPING_TCP_PORT 80            /* nping --tcp probes port 80 unless told otherwise */

/* The health members the import can set, with the JSON names of dpw_doc_health.c. */
#define HEALTH_U32(X) \
	X(INTERVAL, "interval_ms", interval_ms, false) \
	X(FAIL_INT, "failure_interval_ms", failure_interval_ms, false) \
	X(REC_INT, "recovery_interval_ms", recovery_interval_ms, false) \
	X(DOWN_INT, "down_interval_ms", down_interval_ms, false) \
	X(TIMEOUT, "timeout_ms", timeout_ms, false) \
	X(COUNT, "count", count, false) \
	X(RELIABILITY, "reliability", reliability, false) \
	X(DOWN, "down", down, false) \
	X(UP, "up", up, false) \
	X(UP_MAX, "up_max", up_max, false) \
	X(LAT_WARN, "latency_warn_ms", latency_warn_ms, true) \
	X(LAT_WARN_CLEAR, "latency_warn_clear_ms", latency_warn_clear_ms, true) \
	X(LAT_DOWN, "latency_down_ms", latency_down_ms, true) \
	X(LAT_DOWN_CLEAR, "latency_down_clear_ms", latency_down_clear_ms, true) \
	X(LOSS_WARN, "loss_warn_pct", loss_warn_pct, true) \
	X(LOSS_WARN_CLEAR, "loss_warn_clear_pct", loss_warn_clear_pct, true) \
	X(LOSS_DOWN, "loss_down_pct", loss_down_pct, true) \
	X(LOSS_DOWN_CLEAR, "loss_down_clear_pct", loss_down_clear_pct, true)

enum health_field {
#define X_ENUM(e, key, f, q) HF_##e,
	HEALTH_U32(X_ENUM)
#undef X_ENUM
	HF_N_U32,
	HF_METHOD = HF_N_U32,
	HF_TARGETS,
	HF_PORT,
	HF_SIZE,
	HF_INITIAL,
	HF_QUALITY,
	HF_MAX
};

static const struct {
	const char *key;
	size_t off;
	bool quality;                    /* a member of health.quality */
} u32_fields[HF_N_U32] = {
#define X_ROW(e, k, f, q) [HF_##e] = { k, offsetof(struct dpw_doc_health, f), q },
	HEALTH_U32(X_ROW)
#undef X_ROW
};

#define U32(h, f) ((uint32_t *)(void *)((char *)(h) + u32_fields[f].off))

/* A WAN being built: its JSON object and its decoded health. */
struct wan {
	char name[DPW_NAME_LEN];
	json_t *obj;                     /* borrowed from imp.wans */
	const struct dpw_uci_section *from;  /* the interface that set it, or NULL */
	bool base;                       /* from the base document */
	uint8_t base_method;             /* its health method there */
	struct dpw_doc_health h;
	uint32_t set;                    /* 1 << enum health_field */
};

struct member {
	const struct dpw_uci_section *s;
	char name[DPW_NAME_LEN];
	int wan;
	uint32_t metric;
};

struct policy {
	const struct dpw_uci_section *s;
	char name[DPW_NAME_LEN];
	bool ok;                         /* imported (else rules using it are left out) */
	const char *why;                 /* when not */
};

struct imp {
	const struct dpw_uci *u;
	const struct dpw_mwan3_opts *o;
	struct dpw_mwan3_counts *c;
	json_t *wans;
	unsigned int n_wans;
	struct wan w[DPW_MAX_WANS];
	int *iface_wan;                  /* per section: its WAN, -1 none */
	struct member *members;
	unsigned int n_members;
	struct policy *policies;
	unsigned int n_policies;
	char (*rule_name)[DPW_NAME_LEN]; /* per section: the imported rule's name, or "" */
	unsigned int *deferred;          /* rules with use_policy 'default', noted at the end */
	unsigned int n_deferred;
	char (*names)[DPW_NAME_LEN];     /* every name in use, of every kind */
	size_t n_names, cap_names;
	json_t *members_json, *policies_json, *rules_json;
	bool nomem;
};

/* ---- notes --------------------------------------------------------------------------- */

static void __attribute__((format(printf, 5, 6)))
note(struct imp *im, unsigned int line, const struct dpw_uci_section *s, const char *option,
     const char *fmt, ...)
{
	char msg[NOTE_LEN];
	va_list ap;

	im->c->notes++;
	if (im->o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->o->note(im->o->arg, line, s != NULL ? s->name : NULL, option, msg);
}

/* A note about an option: at its first value's line, "'value': " before the text. */
static void __attribute__((format(printf, 5, 6)))
note_opt(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	 unsigned int vi, const char *fmt, ...)
{
	char msg[NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (op->n == 0)
		note(im, op->line, s, op->name, "%s", msg);
	else
		note(im, op->v[vi].line, s, op->name, "'%.64s': %s", op->v[vi].s, msg);
}

/* ---- names --------------------------------------------------------------------------- */

static bool
name_taken(const struct imp *im, const char *name)
{
	size_t i;

	for (i = 0; i < im->n_names; i++)
		if (strcmp(im->names[i], name) == 0)
			return true;
	return false;
}

static int
name_add(struct imp *im, const char *name)
{
	if (im->n_names == im->cap_names) {
		size_t cap = im->cap_names ? 2 * im->cap_names : 64;
		char (*n)[DPW_NAME_LEN] = realloc(im->names, cap * sizeof(*n));

		if (n == NULL) {
			im->nomem = true;
			return -ENOMEM;
		}
		im->names = n;
		im->cap_names = cap;
	}
	snprintf(im->names[im->n_names++], DPW_NAME_LEN, "%s", name);
	return 0;
}

/*
 * A name for the section of kind what: its own when it is a valid document name no
 * other object has (WANs, members, policies and rules share one name space, as in
 * mwan3), else the first 15 characters, else those with _2, _3 ... at the end. Noted
 * when it differs. 0 or -ENOMEM.
 */
static int
fit_name(struct imp *im, const struct dpw_uci_section *s, const char *what,
	 char out[DPW_NAME_LEN])
{
	char cand[DPW_NAME_LEN];
	unsigned int k;

	snprintf(cand, sizeof(cand), "%s", s->name);
	if (strlen(s->name) < DPW_NAME_LEN && !name_taken(im, cand)) {
		snprintf(out, DPW_NAME_LEN, "%s", cand);
		if (s->anonymous)
			note(im, s->line, s, NULL, "anonymous %s (@%s[%u]) imported as '%s'", what,
			     s->type, s->index, out);
		return name_add(im, out);
	}
	for (k = 2; name_taken(im, cand); k++) {
		char suffix[12];
		int n = snprintf(suffix, sizeof(suffix), "_%u", k);

		snprintf(cand, sizeof(cand), "%.*s%s", DPW_NAME_LEN - 1 - n, s->name, suffix);
	}
	snprintf(out, DPW_NAME_LEN, "%s", cand);
	if (s->anonymous)
		note(im, s->line, s, NULL, "anonymous %s (@%s[%u]) imported as '%s'", what,
		     s->type, s->index, out);
	else if (strlen(s->name) >= DPW_NAME_LEN)
		note(im, s->line, s, NULL, "the name is longer than %d characters: %s imported "
		     "as '%s'", DPW_NAME_LEN - 1, what, out);
	else
		note(im, s->line, s, NULL, "the name is taken by another WAN, member, policy or "
		     "rule (they share one name space): %s imported as '%s'", what, out);
	return name_add(im, out);
}

/* ---- values -------------------------------------------------------------------------- */

/* Decimal digits only, no sign, no space: 0 and *out, or -EINVAL. */
static int
parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * The option's number in lo..hi (unit for the note): true and *out; a value out of
 * range is brought into it (noted); one that is no number is noted and false.
 */
static bool
opt_num(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint32_t v;

	if (op->n == 0)
		return false;
	if (op->n > 1 || op->list)
		note_opt(im, s, op, 0, "a list where mwan3 takes one value: its first used");
	if (parse_u32(op->v[0].s, &v) != 0) {
		note_opt(im, s, op, 0, "not a number: not imported");
		return false;
	}
	if (v < lo || v > hi) {
		uint32_t c = v < lo ? lo : hi;

		note_opt(im, s, op, 0, "out of range %u..%u: imported as %u", lo, hi, c);
		v = c;
	}
	*out = v;
	return true;
}

/* A UCI boolean: true and *out, or false after a note. */
static bool
opt_bool(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	 bool *out)
{
	if (op->n == 0)
		return false;
	if (dpw_uci_bool(op->v[0].s, out) != 0) {
		note_opt(im, s, op, 0, "not a boolean (0/1, yes/no, on/off, true/false): not "
			 "imported");
		return false;
	}
	return true;
}

static const char *
opt_str(const struct dpw_uci_option *op)
{
	return op != NULL && op->n > 0 ? op->v[0].s : NULL;
}

/* One IPv4 address that a health check can probe. */
static bool
unicast(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 0xe;
}

/*
 * Call fn for each word of the option's values: a list's values, and within each value
 * the words split at blanks and commas (mwan3's config_list_foreach splits an option
 * at blanks; its rules split at commas).
 */
typedef void (*word_fn)(struct imp *im, const struct dpw_uci_section *s,
			const struct dpw_uci_option *op, unsigned int vi, const char *word,
			void *arg);

static void
for_each_word(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	      word_fn fn, void *arg)
{
	unsigned int i;
	char w[128];

	for (i = 0; i < op->n; i++) {
		const char *p = op->v[i].s;

		for (;;) {
			size_t n;

			p += strspn(p, " \t,");
			if (*p == '\0')
				break;
			n = strcspn(p, " \t,");
			snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), p);
			fn(im, s, op, i, w, arg);
			p += n;
		}
	}
}

/* ---- health -------------------------------------------------------------------------- */

/* The health of WAN object obj as the decoder sees it (defaults and preset applied). */
static int
decoded_health(const json_t *obj, struct dpw_doc_health *h)
{
	struct dpw_doc_problems *pr = calloc(1, sizeof(*pr));
	struct dpw_doc *doc = calloc(1, sizeof(*doc));
	json_t *d = json_pack("{s:i, s:[O]}", "version", DPW_DOC_VERSION, "wans", obj);
	int rc = -ENOMEM;

	if (pr != NULL && doc != NULL && d != NULL) {
		rc = dpw_doc_from_json(d, NULL, doc, pr);
		if (rc == 0)
			*h = doc->wans[0].health;
		dpw_doc_free(doc);
	}
	json_decref(d);
	free(doc);
	free(pr);
	return rc;
}

static int
set_member(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -ENOMEM : json_object_set_new(o, key, v);
}

/* Write the members the import set into the WAN's health object (quality last). */
static int
health_write(struct wan *w)
{
	json_t *h = json_object_get(w->obj, "health"), *q, *t;
	uint32_t qmask = 1u << HF_QUALITY;
	bool new_q = false;
	unsigned int i;
	int bad = 0;

	if (h == NULL) {
		h = json_object();
		if (h == NULL || json_object_set_new(w->obj, "health", h) != 0)
			return -ENOMEM;
	}
	if (w->set & (1u << HF_METHOD))
		bad |= set_member(h, "method", json_string(dpw_health_method_str(w->h.method)));
	if (w->set & (1u << HF_TARGETS)) {
		t = json_array();
		for (i = 0; t != NULL && i < w->h.n_targets; i++)
			bad |= json_array_append_new(t, json_string(w->h.targets[i]));
		bad |= set_member(h, "targets", t);
	}
	if (w->set & (1u << HF_PORT))
		bad |= set_member(h, "port", json_integer(w->h.port));
	if (w->set & (1u << HF_SIZE))
		bad |= set_member(h, "size", json_integer(w->h.size));
	for (i = 0; i < HF_N_U32; i++) {
		if (u32_fields[i].quality)
			qmask |= 1u << i;
		else if (w->set & (1u << i))
			bad |= set_member(h, u32_fields[i].key, json_integer(*U32(&w->h, i)));
	}
	if (w->set & (1u << HF_INITIAL))
		bad |= set_member(h, "initial_state",
				  json_string(w->h.initial_offline ? "offline" : "online"));
	if (!(w->set & qmask))
		return bad != 0 ? -ENOMEM : 0;
	q = json_object_get(h, "quality");
	if (q == NULL) {
		q = json_object();
		new_q = true;
		if (q == NULL)
			return -ENOMEM;
	}
	if (w->set & (1u << HF_QUALITY))
		bad |= set_member(q, "enabled", json_boolean(w->h.quality));
	for (i = 0; i < HF_N_U32; i++)
		if (u32_fields[i].quality && (w->set & (1u << i)))
			bad |= set_member(q, u32_fields[i].key, json_integer(*U32(&w->h, i)));
	if (new_q)
		bad |= json_object_set_new(h, "quality", q);
	return bad != 0 ? -ENOMEM : 0;
}

struct targets_ctx {
	struct wan *w;
	const char *scheme;              /* "http://" ... for http(s), else NULL */
	unsigned int n_v6, n_bad;
};

static void
target_word(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	    unsigned int vi, const char *word, void *arg)
{
	struct targets_ctx *t = arg;
	struct dpw_doc_health *h = &t->w->h;
	char text[DPW_HEALTH_TARGET_LEN];
	unsigned int i;
	uint32_t a;

	if (strchr(word, ':') != NULL) {
		t->n_v6++;
		note(im, op->v[vi].line, s, op->name, "'%.64s': an IPv6 target: not imported "
		     "(dpwan probes over IPv4)", word);
		return;
	}
	if (dpw_parse_ipv4(word, &a, NULL) != 0 || !unicast(a)) {
		t->n_bad++;
		note(im, op->v[vi].line, s, op->name, "'%.64s': not an IPv4 unicast address: not "
		     "imported", word);
		return;
	}
	if (t->scheme != NULL)
		snprintf(text, sizeof(text), "%s%s/", t->scheme, word);
	else
		snprintf(text, sizeof(text), "%s", word);
	for (i = 0; i < h->n_targets; i++) {
		if (strcmp(h->targets[i], text) == 0) {
			note(im, op->v[vi].line, s, op->name, "'%.64s': given twice: imported once",
			     word);
			return;
		}
	}
	if (h->n_targets == DPW_HEALTH_TARGETS_MAX) {
		note(im, op->v[vi].line, s, op->name, "'%.64s': more than %d targets: not "
		     "imported", word, DPW_HEALTH_TARGETS_MAX);
		return;
	}
	snprintf(h->targets[h->n_targets++], DPW_HEALTH_TARGET_LEN, "%s", text);
}

static bool
url_method(uint8_t m)
{
	return m == DPW_HM_HTTP || m == DPW_HM_HTTPS;
}

/* track_method (and httping_ssl): the method; *scheme for http(s) targets. */
static void
track_method(struct imp *im, const struct dpw_uci_section *s, struct wan *w,
	     const char **scheme)
{
	const struct dpw_uci_option *op = dpw_uci_get(s, "track_method");
	const struct dpw_uci_option *ssl = dpw_uci_get(s, "httping_ssl");
	const char *m = opt_str(op);
	bool https = false;

	*scheme = NULL;
	if (ssl != NULL && opt_bool(im, s, ssl, &https) && https &&
	    (m == NULL || strcmp(m, "httping") != 0))
		note_opt(im, s, ssl, 0, "only with track_method httping: not imported");
	if (m == NULL || strcmp(m, "ping") == 0) {
		/* a base WAN's method stays unless the file probes by ping */
		if (!w->base || m != NULL || dpw_uci_get(s, "track_ip") != NULL) {
			w->h.method = DPW_HM_PING;
			w->set |= 1u << HF_METHOD;
		}
		return;
	}
	w->set |= 1u << HF_METHOD;
	if (strcmp(m, "httping") == 0) {
		w->h.method = https ? DPW_HM_HTTPS : DPW_HM_HTTP;
		*scheme = https ? "https://" : "http://";
		note_opt(im, s, op, 0, "health method %s: a GET of %s<track_ip>/ (2xx is up)",
			 https ? "https" : "http", *scheme);
	} else if (strcmp(m, "nping-tcp") == 0) {
		w->h.method = DPW_HM_TCP;
		w->h.port = NPING_TCP_PORT;
		w->set |= 1u << HF_PORT;
		note_opt(im, s, op, 0, "health method tcp: a TCP connect to port %d of each "
			 "track_ip (nping's default port)", NPING_TCP_PORT);
	} else if (strcmp(m, "nping-icmp") == 0) {
		w->h.method = DPW_HM_PING;
		note_opt(im, s, op, 0, "ICMP echo: health method ping");
	} else {
		w->h.method = DPW_HM_PING;
		note_opt(im, s, op, 0, "not supported (dpwan: ping, http, https, tcp, dns): health "
			 "method ping instead");
	}
}

static void
track_ips(struct imp *im, const struct dpw_uci_section *s, struct wan *w, const char *scheme)
{
	const struct dpw_uci_option *op = dpw_uci_get(s, "track_ip");
	struct targets_ctx t = { .w = w, .scheme = scheme };

	if (op == NULL || op->n == 0) {
		if (w->base) {
			note(im, s->line, s, NULL, "no track_ip (mwan3 calls the interface always "
			     "up): the health checks of WAN '%s' in the base document are kept",
			     w->name);
			if (scheme != NULL) {
				w->h.method = DPW_HM_PING;
				note(im, s->line, s, "track_method", "httping without track_ip: "
				     "health method ping");
			}
			/* the base's URLs are no ping targets, nor its addresses http ones */
			if (w->h.n_targets > 0 && url_method(w->h.method) !=
			    url_method(w->base_method)) {
				w->h.n_targets = 0;
				w->set |= 1u << HF_TARGETS;
				note(im, s->line, s, NULL, "the base document's targets of WAN '%s' "
				     "are not for method %s: left out, the WAN's gateway is probed",
				     w->name, dpw_health_method_str(w->h.method));
			}
			return;
		}
		w->h.method = DPW_HM_NONE;
		w->h.n_targets = 0;
		w->set |= (1u << HF_METHOD) | (1u << HF_TARGETS);
		note(im, s->line, s, NULL, "no track_ip: mwan3 calls the interface always up: "
		     "health method none");
		return;
	}
	w->h.n_targets = 0;
	w->set |= 1u << HF_TARGETS;
	for_each_word(im, s, op, target_word, &t);
	if (w->h.n_targets > 0)
		return;
	if (scheme != NULL) {
		w->h.method = DPW_HM_PING;
		w->set |= 1u << HF_METHOD;
		note(im, op->line, s, op->name, "no IPv4 target left for httping: health method "
		     "ping of the WAN's gateway");
	} else {
		note(im, op->line, s, op->name, "no IPv4 target left: the WAN's gateway is "
		     "probed instead");
	}
}

/* Keep the bands valid: a clear threshold at or below its enter one, warn at or below down. */
static void
health_bands(struct imp *im, const struct dpw_uci_section *s, struct wan *w)
{
	static const struct {
		enum health_field down, down_clear, warn, warn_clear;
		const char *failure, *recovery;
	} pairs[] = {
		{ HF_LAT_DOWN, HF_LAT_DOWN_CLEAR, HF_LAT_WARN, HF_LAT_WARN_CLEAR,
		  "failure_latency", "recovery_latency" },
		{ HF_LOSS_DOWN, HF_LOSS_DOWN_CLEAR, HF_LOSS_WARN, HF_LOSS_WARN_CLEAR,
		  "failure_loss", "recovery_loss" },
	};
	struct dpw_doc_health *h = &w->h;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uint32_t *d = U32(h, pairs[i].down), *dc = U32(h, pairs[i].down_clear);
		uint32_t *wn = U32(h, pairs[i].warn), *wc = U32(h, pairs[i].warn_clear);
		const struct dpw_uci_option *op = dpw_uci_get(s, pairs[i].recovery);

		if (*d != 0 && *dc > *d) {
			if (op == NULL)
				op = dpw_uci_get(s, pairs[i].failure);
			note(im, op != NULL ? op->line : s->line, s, pairs[i].recovery,
			     "%s %u is above %s %u: a WAN must get better than where it went bad "
			     "to recover: imported as %u", pairs[i].recovery, *dc,
			     pairs[i].failure, *d, *d);
			*dc = *d;
			w->set |= 1u << pairs[i].down_clear;
		}
		if (*d != 0 && *wn > *d) {
			op = dpw_uci_get(s, pairs[i].failure);
			note(im, op != NULL ? op->line : s->line, s, pairs[i].failure,
			     "below the base document's degraded band (%s %u): that band is "
			     "lowered to %u", u32_fields[pairs[i].warn].key, *wn, *d);
			*wn = *d;
			if (*wc > *wn)
				*wc = *wn;
			w->set |= (1u << pairs[i].warn) | (1u << pairs[i].warn_clear);
		}
	}
}

/* The reliability the targets allow (mwan3: "the interface will always be considered down"). */
static void
health_reliability(struct imp *im, const struct dpw_uci_section *s, struct wan *w)
{
	const struct dpw_uci_option *op = dpw_uci_get(s, "reliability");
	unsigned int n = w->h.n_targets > 0 ? w->h.n_targets : 1;

	if (w->h.method == DPW_HM_NONE || w->h.reliability <= n)
		return;
	note(im, op != NULL ? op->line : s->line, s, "reliability", "%u is above the %u "
	     "target%s probed (mwan3 would keep the interface down): imported as %u",
	     w->h.reliability, n, n == 1 ? "" : "s", n);
	w->h.reliability = n;
	w->set |= 1u << HF_RELIABILITY;
}

/* The interval options, in seconds: (option, field). */
static const struct {
	const char *opt;
	enum health_field f;
	uint32_t lo, hi, scale;
} numeric_opts[] = {
	{ "reliability", HF_RELIABILITY, 1, DPW_HEALTH_TARGETS_MAX, 1 },
	{ "count", HF_COUNT, 1, COUNT_MAX, 1 },
	{ "timeout", HF_TIMEOUT, 1, TIMEOUT_MAX_S, 1000 },
	{ "interval", HF_INTERVAL, 1, SECONDS_MAX, 1000 },
	{ "failure_interval", HF_FAIL_INT, 1, SECONDS_MAX, 1000 },
	{ "recovery_interval", HF_REC_INT, 1, SECONDS_MAX, 1000 },
	{ "up", HF_UP, 1, ROUNDS_MAX, 1 },
	{ "down", HF_DOWN, 1, ROUNDS_MAX, 1 },
	{ "failure_latency", HF_LAT_DOWN, 0, LATENCY_MAX, 1 },
	{ "recovery_latency", HF_LAT_DOWN_CLEAR, 0, LATENCY_MAX, 1 },
	{ "failure_loss", HF_LOSS_DOWN, 0, 100, 1 },
	{ "recovery_loss", HF_LOSS_DOWN_CLEAR, 0, 100, 1 },
};

/* Options mwan3 has and the document has not: why each is left out. */
static const struct {
	const char *opt;
	const char *why;
} unmapped_iface[] = {
	{ "max_ttl", "the TTL of probes is not configurable: not imported" },
	{ "keep_failure_interval", "not supported (failure_interval_ms applies while a failure "
	  "is suspected, interval_ms once the WAN is down): not imported" },
	{ "flush_conntrack", "sessions of a failed WAN are handled by the WAN's on_failure "
	  "(tcp reset, udp move by default): not imported" },
	{ "track_method_ssl", "not imported" },
	{ "local", "not imported (probes always leave by their WAN's address)" },
};

static const char *const handled_iface[] = {
	"enabled", "family", "track_method", "httping_ssl", "track_ip", "check_quality",
	"initial_state", "size", NULL,
};

static bool
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

/* The tracking options of interface s into WAN w. */
static void
iface_health(struct imp *im, const struct dpw_uci_section *s, struct wan *w)
{
	const struct dpw_uci_option *op;
	const char *scheme;
	unsigned int i, k;
	uint32_t v;
	bool b;

	track_method(im, s, w, &scheme);
	track_ips(im, s, w, scheme);
	for (i = 0; i < s->n_opts; i++) {
		op = &s->opts[i];
		for (k = 0; k < sizeof(numeric_opts) / sizeof(numeric_opts[0]); k++)
			if (strcmp(op->name, numeric_opts[k].opt) == 0)
				break;
		if (k < sizeof(numeric_opts) / sizeof(numeric_opts[0])) {
			if (opt_num(im, s, op, numeric_opts[k].lo, numeric_opts[k].hi, &v)) {
				*U32(&w->h, numeric_opts[k].f) = v * numeric_opts[k].scale;
				w->set |= 1u << numeric_opts[k].f;
			}
			continue;
		}
		if (in_list(handled_iface, op->name))
			continue;
		for (k = 0; k < sizeof(unmapped_iface) / sizeof(unmapped_iface[0]); k++)
			if (strcmp(op->name, unmapped_iface[k].opt) == 0)
				break;
		if (k < sizeof(unmapped_iface) / sizeof(unmapped_iface[0]))
			note_opt(im, s, op, 0, "%s", unmapped_iface[k].why);
		else
			note_opt(im, s, op, 0, "not an mwan3 interface option known here: not "
				 "imported");
	}
	if ((op = dpw_uci_get(s, "check_quality")) != NULL && opt_bool(im, s, op, &b)) {
		w->h.quality = b;
		w->set |= 1u << HF_QUALITY;
	}
	if ((op = dpw_uci_get(s, "initial_state")) != NULL && op->n > 0) {
		if (strcmp(op->v[0].s, "online") == 0 || strcmp(op->v[0].s, "offline") == 0) {
			w->h.initial_offline = strcmp(op->v[0].s, "offline") == 0;
			w->set |= 1u << HF_INITIAL;
		} else {
			note_opt(im, s, op, 0, "not online or offline: not imported");
		}
	}
	if ((op = dpw_uci_get(s, "size")) != NULL) {
		if (w->h.method != DPW_HM_PING)
			note_opt(im, s, op, 0, "the size of ping probes, and this WAN's method is "
				 "%s: not imported", dpw_health_method_str(w->h.method));
		else if (opt_num(im, s, op, 0, PING_SIZE_MAX, &v)) {
			w->h.size = (uint16_t)v;
			w->set |= 1u << HF_SIZE;
		}
	}
	/* mwan3: failure_interval and recovery_interval default to interval */
	if (w->set & (1u << HF_INTERVAL)) {
		if (!(w->set & (1u << HF_FAIL_INT))) {
			w->h.failure_interval_ms = w->h.interval_ms;
			w->set |= 1u << HF_FAIL_INT;
		}
		if (!(w->set & (1u << HF_REC_INT))) {
			w->h.recovery_interval_ms = w->h.interval_ms;
			w->set |= 1u << HF_REC_INT;
		}
		/* mwan3 has no slower rate while down; a base WAN keeps its own */
		if (!w->base) {
			w->h.down_interval_ms = w->h.interval_ms;
			w->set |= 1u << HF_DOWN_INT;
		}
	}
	/* no hold-down in mwan3; a base WAN keeps its own cap when it is high enough */
	if ((w->set & (1u << HF_UP)) && (!w->base || w->h.up_max < w->h.up)) {
		w->h.up_max = w->h.up;
		w->set |= 1u << HF_UP_MAX;
	}
	health_reliability(im, s, w);
	health_bands(im, s, w);
}

/* ---- interfaces ---------------------------------------------------------------------- */

static const char *
mapped_name(const struct imp *im, const char *iface)
{
	unsigned int i;

	if (im->o->map == NULL)
		return iface;
	for (i = 0; i < im->o->map->n; i++)
		if (strcmp(im->o->map->m[i].iface, iface) == 0)
			return im->o->map->m[i].wan;
	return iface;
}

static int
find_wan(const struct imp *im, const char *name)
{
	unsigned int i;

	for (i = 0; i < im->n_wans; i++)
		if (strcmp(im->w[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A WAN for the interface: the base document's of that name, or a new one. */
static int
wan_for(struct imp *im, const struct dpw_uci_section *s, const char *name)
{
	struct wan *w;
	json_t *obj;
	int i = find_wan(im, name);

	if (i >= 0)
		return i;
	if (im->n_wans == DPW_MAX_WANS) {
		note(im, s->line, s, NULL, "more than %d WANs: interface not imported (nor its "
		     "members)", DPW_MAX_WANS);
		return -1;
	}
	obj = json_pack("{s:s, s:b, s:{s:s}, s:{s:s}}", "name", name, "enabled", true,
			"addressing", "mode", "dhcp", "health", "preset", "mwan3");
	if (obj == NULL || json_array_append_new(im->wans, obj) != 0) {
		im->nomem = true;
		return -1;
	}
	w = &im->w[im->n_wans];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->obj = obj;
	if (decoded_health(obj, &w->h) != 0 || name_add(im, name) != 0) {
		im->nomem = true;
		return -1;
	}
	if (im->o->base != NULL)
		note(im, s->line, s, NULL, "no WAN '%s' in the base document: added with "
		     "addressing dhcp (--map IF=WAN names a WAN of the base)", name);
	return (int)im->n_wans++;
}

static void
import_interface(struct imp *im, unsigned int si)
{
	const struct dpw_uci_section *s = &im->u->s[si];
	const struct dpw_uci_option *op;
	const char *name, *fam;
	struct wan *w;
	bool enabled = false;
	int wi;

	if (s->anonymous) {
		note(im, s->line, s, NULL, "an anonymous interface: mwan3 names interfaces as "
		     "in /etc/config/network: not imported");
		return;
	}
	name = mapped_name(im, s->name);
	if (!dpw_doc_name_valid(name)) {
		note(im, s->line, s, NULL, "'%s' is no WAN name (1-15 letters, digits, '_'): not "
		     "imported; name it with --map %s=WAN", name, s->name);
		return;
	}
	wi = find_wan(im, name);
	if (wi >= 0 && im->w[wi].from != NULL) {
		/* wan and wan6 of one port: one WAN, tracked by the first */
		note(im, s->line, s, NULL, "WAN '%s' is interface '%s''s already (line %u): its "
		     "members use that WAN; its tracking options are not imported", name,
		     im->w[wi].from->name, im->w[wi].from->line);
		im->iface_wan[si] = wi;
		return;
	}
	wi = wan_for(im, s, name);
	if (wi < 0)
		return;
	im->iface_wan[si] = wi;
	w = &im->w[wi];
	w->from = s;
	im->c->wans++;
	if ((op = dpw_uci_get(s, "family")) != NULL && (fam = opt_str(op)) != NULL) {
		if (strcmp(fam, "ipv6") == 0)
			note_opt(im, s, op, 0, "IPv6 is not forwarded yet: imported as WAN '%s' so "
				 "that its members and policies keep their shape; it carries no "
				 "IPv6 traffic", name);
		else if (strcmp(fam, "ipv4") != 0)
			note_opt(im, s, op, 0, "not ipv4 or ipv6: read as ipv4");
	}
	op = dpw_uci_get(s, "enabled");
	if (op == NULL)
		note(im, s->line, s, NULL, "no option 'enabled' (mwan3's default is 0): WAN '%s' "
		     "is imported disabled", name);
	else if (op->n > 0 && dpw_uci_bool(op->v[0].s, &enabled) != 0)
		note_opt(im, s, op, 0, "not a boolean (0/1, yes/no, on/off, true/false): WAN '%s' "
			 "is imported disabled", name);
	if (json_object_set_new(w->obj, "enabled", json_boolean(enabled)) != 0)
		im->nomem = true;
	iface_health(im, s, w);
	if (health_write(w) != 0)
		im->nomem = true;
}

/* ---- members ------------------------------------------------------------------------- */

static int
iface_index(const struct imp *im, const char *name)
{
	unsigned int i;

	for (i = 0; i < im->u->n; i++)
		if (strcmp(im->u->s[i].type, "interface") == 0 && !im->u->s[i].anonymous &&
		    strcmp(im->u->s[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
import_member(struct imp *im, const struct dpw_uci_section *s)
{
	const struct dpw_uci_option *op, *ifo = dpw_uci_get(s, "interface");
	struct member *m = &im->members[im->n_members];
	uint32_t metric = 1, weight = 1;
	unsigned int i;
	json_t *j;
	int ii;

	if (opt_str(ifo) == NULL) {
		note(im, s->line, s, NULL, "no option 'interface': member not imported");
		return;
	}
	ii = iface_index(im, opt_str(ifo));
	if (ii < 0) {
		note_opt(im, s, ifo, 0, "no interface section of that name: member not imported");
		return;
	}
	if (im->iface_wan[ii] < 0) {
		note_opt(im, s, ifo, 0, "the interface was not imported: member not imported");
		return;
	}
	if (im->n_members == DPW_MAX_MEMBERS) {
		note(im, s->line, s, NULL, "more than %d members: not imported", DPW_MAX_MEMBERS);
		return;
	}
	for (i = 0; i < s->n_opts; i++) {
		op = &s->opts[i];
		if (strcmp(op->name, "interface") == 0)
			continue;
		if (strcmp(op->name, "metric") == 0)
			opt_num(im, s, op, 1, METRIC_MAX, &metric);
		else if (strcmp(op->name, "weight") == 0)
			opt_num(im, s, op, 1, WEIGHT_MAX, &weight);
		else
			note_opt(im, s, op, 0, "not an mwan3 member option known here: not "
				 "imported");
	}
	if (fit_name(im, s, "member", m->name) != 0)
		return;
	m->s = s;
	m->wan = im->iface_wan[ii];
	m->metric = metric;
	j = json_pack("{s:s, s:s, s:I, s:I}", "name", m->name, "wan", im->w[m->wan].name,
		      "metric", (json_int_t)metric, "weight", (json_int_t)weight);
	if (j == NULL || json_array_append_new(im->members_json, j) != 0) {
		im->nomem = true;
		return;
	}
	im->n_members++;
	im->c->members++;
}

/* ---- policies ------------------------------------------------------------------------ */

struct pol_ctx {
	int used[DPW_MAX_WANS];          /* member index per WAN, -1 none */
	int order[DPW_MAX_WANS];         /* WANs in the order of their first member */
	unsigned int n;
};

static int
member_index(const struct imp *im, const char *uci_name)
{
	unsigned int i;

	for (i = 0; i < im->n_members; i++)
		if (strcmp(im->members[i].s->name, uci_name) == 0)
			return (int)i;
	return -1;
}

static void
use_member(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	   unsigned int vi, const char *word, void *arg)
{
	struct pol_ctx *pc = arg;
	const struct member *m, *old;
	int mi = member_index(im, word);

	if (mi < 0) {
		unsigned int k;

		for (k = 0; k < im->u->n; k++)
			if (strcmp(im->u->s[k].type, "member") == 0 &&
			    strcmp(im->u->s[k].name, word) == 0)
				break;
		note(im, op->v[vi].line, s, op->name, "'%.64s': %s: left out of the policy", word,
		     k < im->u->n ? "that member was not imported" : "no member of that name");
		return;
	}
	m = &im->members[mi];
	if (pc->used[m->wan] >= 0) {
		old = &im->members[pc->used[m->wan]];
		if (m->metric < old->metric) {
			note(im, op->v[vi].line, s, op->name, "'%.64s': WAN '%s' is in the policy "
			     "already by member '%s' (metric %u): a WAN at most once, the one of "
			     "metric %u is kept", word, im->w[m->wan].name, old->s->name,
			     old->metric, m->metric);
			pc->used[m->wan] = mi;
		} else {
			note(im, op->v[vi].line, s, op->name, "'%.64s': WAN '%s' is in the policy "
			     "already by member '%s' (metric %u): a WAN at most once, this one is "
			     "left out", word, im->w[m->wan].name, old->s->name, old->metric);
		}
		return;
	}
	pc->used[m->wan] = mi;
	pc->order[pc->n++] = m->wan;
}

static void
import_policy(struct imp *im, const struct dpw_uci_section *s)
{
	struct policy *p = &im->policies[im->n_policies++];
	const struct dpw_uci_option *op;
	const char *lr = "unreachable";
	struct pol_ctx pc;
	json_t *j, *ms;
	unsigned int i;

	p->s = s;
	p->ok = false;
	memset(&pc, 0, sizeof(pc));
	for (i = 0; i < DPW_MAX_WANS; i++)
		pc.used[i] = -1;
	for (i = 0; i < s->n_opts; i++) {
		op = &s->opts[i];
		if (strcmp(op->name, "use_member") == 0) {
			for_each_word(im, s, op, use_member, &pc);
		} else if (strcmp(op->name, "last_resort") == 0 && op->n > 0) {
			if (strcmp(op->v[0].s, "unreachable") == 0 ||
			    strcmp(op->v[0].s, "blackhole") == 0 ||
			    strcmp(op->v[0].s, "default") == 0)
				lr = op->v[0].s;
			else
				note_opt(im, s, op, 0, "not unreachable, blackhole or default: "
					 "unreachable (mwan3's default)");
		} else {
			note_opt(im, s, op, 0, "not an mwan3 policy option known here: not "
				 "imported");
		}
	}
	if (pc.n == 0) {
		p->why = "the policy has no member that was imported";
		note(im, s->line, s, NULL, "no member left: policy not imported (rules using it "
		     "neither)");
		return;
	}
	if (im->c->policies == DPW_MAX_POLICIES) {
		p->why = "more policies than the document holds";
		note(im, s->line, s, NULL, "more than %d policies: not imported", DPW_MAX_POLICIES);
		return;
	}
	if (fit_name(im, s, "policy", p->name) != 0)
		return;
	ms = json_array();
	for (i = 0; ms != NULL && i < pc.n; i++)
		if (json_array_append_new(ms, json_string(im->members[pc.used[pc.order[i]]].name)))
			im->nomem = true;
	j = json_pack("{s:s, s:o, s:s}", "name", p->name, "members", ms, "last_resort", lr);
	if (j == NULL || json_array_append_new(im->policies_json, j) != 0) {
		im->nomem = true;
		return;
	}
	p->ok = true;
	im->c->policies++;
}

/* ---- rules --------------------------------------------------------------------------- */

struct nets {
	json_t *v4;                      /* array of "a.b.c.d[/n]" */
	unsigned int n_v4, n_v6_any, n_v6;
	bool bad;                        /* an entry that is no address: the rule is left out */
};

static void
net_word(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	 unsigned int vi, const char *word, void *arg)
{
	struct nets *n = arg;
	char text[24], b[16];
	uint32_t a, mask;
	uint8_t len = 32;

	if (strchr(word, ':') != NULL) {
		const char *slash = strchr(word, '/');

		if (slash != NULL && strcmp(slash, "/0") == 0)
			n->n_v6_any++;
		else
			n->n_v6++;
		return;
	}
	if (dpw_parse_ipv4(word, &a, &len) != 0) {
		note(im, op->v[vi].line, s, op->name, "'%.64s': not an IPv4 address or network: "
		     "rule not imported", word);
		n->bad = true;
		return;
	}
	mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
	if ((a & ~mask) != 0) {
		note(im, op->v[vi].line, s, op->name, "'%.64s': host bits under the mask: "
		     "imported as the network %s/%u (as iptables reads it)", word,
		     dpw_ipv4_str(a & mask, b, sizeof(b)), len);
		a &= mask;
	}
	if (n->n_v4 == DPW_MATCH_NETS_MAX) {
		if (!n->bad)
			note(im, op->v[vi].line, s, op->name, "more than %d addresses or networks "
			     "(an ipset, or dst_domain with issue 9, holds more): rule not "
			     "imported", DPW_MATCH_NETS_MAX);
		n->bad = true;
		return;
	}
	dpw_ipv4_str(a, text, sizeof(text));
	if (strchr(word, '/') != NULL)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u", len);
	if (json_array_append_new(n->v4, json_string(text)) != 0)
		im->nomem = true;
	n->n_v4++;
}

struct ports {
	json_t *a;
	unsigned int n;
	bool bad;
};

static const char *
port_num(const char *s, uint32_t *v)
{
	uint32_t x = 0;
	int d = 0;

	while (*s >= '0' && *s <= '9' && d < 6) {
		x = x * 10 + (uint32_t)(*s++ - '0');
		d++;
	}
	if (d == 0 || d > 5 || x > 65535)
		return NULL;
	*v = x;
	return s;
}

static void
port_word(struct imp *im, const struct dpw_uci_section *s, const struct dpw_uci_option *op,
	  unsigned int vi, const char *word, void *arg)
{
	struct ports *p = arg;
	uint32_t lo = 0, hi = 0;
	const char *e;
	char text[16];

	e = port_num(word, &lo);
	hi = lo;
	if (e != NULL && (*e == ':' || *e == '-'))
		e = port_num(e + 1, &hi);
	if (e == NULL || *e != '\0' || lo > hi) {
		note(im, op->v[vi].line, s, op->name, "'%.64s': not a port or a range lo:hi / "
		     "lo-hi: rule not imported", word);
		p->bad = true;
		return;
	}
	if (p->n == DPW_MATCH_PORTS_MAX) {
		if (!p->bad)
			note(im, op->v[vi].line, s, op->name, "more than %d ports or ranges: rule "
			     "not imported", DPW_MATCH_PORTS_MAX);
		p->bad = true;
		return;
	}
	if (lo == hi)
		snprintf(text, sizeof(text), "%u", lo);
	else
		snprintf(text, sizeof(text), "%u-%u", lo, hi);
	if (json_array_append_new(p->a, json_string(text)) != 0)
		im->nomem = true;
	p->n++;
}

/* Protocols by name (mwan3 passes proto to iptables -p, which reads /etc/protocols). */
static int
proto_number(const char *s, bool *v6)
{
	static const struct {
		const char *name;
		int num;
	} names[] = {
		{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
		{ "esp", 50 }, { "ah", 51 }, { "ospf", 89 }, { "sctp", 132 },
		{ "udplite", 136 },
	};
	uint32_t v;
	unsigned int i;

	*v6 = strcmp(s, "icmpv6") == 0 || strcmp(s, "ipv6-icmp") == 0 || strcmp(s, "58") == 0;
	if (*v6)
		return 58;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].num;
	if (parse_u32(s, &v) == 0 && v <= 255)
		return (int)v;
	return -1;
}

static const struct policy *
find_policy(const struct imp *im, const char *uci_name)
{
	unsigned int i;

	for (i = 0; i < im->n_policies; i++)
		if (strcmp(im->policies[i].s->name, uci_name) == 0)
			return &im->policies[i];
	return NULL;
}

/* One side's addresses (src_ip or dest_ip): what kinds it holds. */
static bool
only6(const struct nets *n)
{
	return n->n_v4 == 0 && n->n_v6 + n->n_v6_any > 0;
}

static bool
only4(const struct nets *n)
{
	return n->n_v4 > 0 && n->n_v6 + n->n_v6_any == 0;
}

/*
 * The family of the rule given its two sides, and the addresses that stay: false when
 * the rule cannot be imported (said in a note). An IPv6-only side makes an `all` rule
 * IPv6's; an IPv6 rule keeps no address (the document holds IPv4 ones), which is the
 * same match only for ::/0; in an IPv4 (or `all` with IPv4 addresses) rule the IPv6
 * addresses are dropped, which narrows it to what the document can match.
 */
static bool
rule_family(struct imp *im, const struct dpw_uci_section *s, char *family, size_t flen,
	    const struct dpw_uci_option *op[2], struct nets *n[2])
{
	unsigned int i;

	if ((only6(n[0]) && only4(n[1])) || (only4(n[0]) && only6(n[1]))) {
		note(im, s->line, s, NULL, "IPv4 addresses on one side and only IPv6 ones on the "
		     "other: the rule matches nothing: not imported");
		return false;
	}
	if (strcmp(family, "all") == 0 && (only6(n[0]) || only6(n[1])))
		snprintf(family, flen, "ipv6");
	for (i = 0; i < 2; i++) {
		const struct dpw_uci_option *o = op[i];

		if (o == NULL)
			continue;
		if (strcmp(family, "ipv6") == 0) {
			if (only4(n[i])) {
				note(im, o->line, s, o->name, "only IPv4 addresses in a family "
				     "ipv6 rule: it matches nothing: rule not imported");
				return false;
			}
			if (n[i]->n_v6 > 0) {
				note(im, o->line, s, o->name, "IPv6 networks are not supported "
				     "yet, and without them the rule would match every IPv6 "
				     "address: rule not imported");
				return false;
			}
			if (n[i]->n_v4 > 0)
				note(im, o->line, s, o->name, "its IPv4 addresses cannot match "
				     "in a family ipv6 rule: left out");
			if (n[i]->n_v6_any > 0)
				note(im, o->line, s, o->name, "'::/0' (every IPv6 address) is "
				     "left out: the rule is family ipv6 and matches as before");
			json_array_clear(n[i]->v4);
			n[i]->n_v4 = 0;
			continue;
		}
		if (only6(n[i])) {
			note(im, o->line, s, o->name, "only IPv6 addresses in a family ipv4 rule: "
			     "it matches nothing: rule not imported");
			return false;
		}
		if (n[i]->n_v6 + n[i]->n_v6_any > 0)
			note(im, o->line, s, o->name, "its IPv6 addresses are left out (IPv6 is "
			     "not forwarded yet): the rule keeps its IPv4 ones");
	}
	return true;
}

/* The imported rules after section si (the first few), or "". */
static void
later_rules(const struct imp *im, unsigned int si, char *out, size_t len)
{
	unsigned int i, n = 0;
	size_t k = 0;

	out[0] = '\0';
	for (i = si + 1; i < im->u->n && k < len; i++) {
		if (im->rule_name[i][0] == '\0')
			continue;
		if (n++ == 4) {
			k += (size_t)snprintf(out + k, len - k, ", ...");
			break;
		}
		k += (size_t)snprintf(out + k, len - k, "%s'%s'", n > 1 ? ", " : "",
				      im->rule_name[i]);
	}
}

/*
 * use_policy 'default': once every rule is imported, so that the note can name the
 * later rules that may now take the traffic.
 */
static void
note_default_rules(struct imp *im)
{
	unsigned int i;
	char later[128];

	for (i = 0; i < im->n_deferred; i++) {
		const struct dpw_uci_section *s = &im->u->s[im->deferred[i]];
		const struct dpw_uci_option *pol = dpw_uci_get(s, "use_policy");

		later_rules(im, im->deferred[i], later, sizeof(later));
		if (later[0] == '\0')
			note_opt(im, s, pol, 0, "the main routing table: the rule is left out, so "
				 "its traffic goes to the default rule as if no rule matched (no "
				 "later rule takes it)");
		else
			note_opt(im, s, pol, 0, "the main routing table: the rule is left out, so "
				 "its traffic goes to the default rule unless a later rule (%s) "
				 "matches it first: check them", later);
	}
}

static const char *const handled_rule[] = {
	"use_policy", "proto", "family", "src_ip", "dest_ip", "src_port", "dest_port",
	"sticky", "timeout", "ipset", NULL,
};

static void
import_rule(struct imp *im, unsigned int si)
{
	const struct dpw_uci_section *s = &im->u->s[si];
	const struct dpw_uci_option *pol = dpw_uci_get(s, "use_policy");
	const struct dpw_uci_option *op, *src = dpw_uci_get(s, "src_ip");
	const struct dpw_uci_option *dst = dpw_uci_get(s, "dest_ip");
	const struct dpw_uci_option *sp = dpw_uci_get(s, "src_port");
	const struct dpw_uci_option *dp = dpw_uci_get(s, "dest_port");
	struct nets ns = { 0 }, nd = { 0 }, *nets[2] = { &ns, &nd };
	const struct dpw_uci_option *sides[2];
	struct ports ps = { 0 }, pd = { 0 };
	char family[8] = "all", name[DPW_NAME_LEN];
	const struct policy *p;
	bool sticky = false, v6;
	const char *proto = NULL;
	uint32_t timeout = 0;
	json_t *r = NULL;
	unsigned int i;
	int num = 0;

	if (opt_str(pol) == NULL) {
		note(im, s->line, s, NULL, "no option 'use_policy': rule not imported");
		return;
	}
	if (strcmp(opt_str(pol), "default") == 0) {
		im->deferred[im->n_deferred++] = si;
		return;
	}
	p = find_policy(im, opt_str(pol));
	if (p == NULL || !p->ok) {
		note_opt(im, s, pol, 0, "%s: rule not imported", p == NULL ? "no policy of that "
			 "name" : p->why);
		return;
	}
	if ((op = dpw_uci_get(s, "ipset")) != NULL) {
		note_opt(im, s, op, 0, "ipset matches are not supported (domain sets come with "
			 "issue 9; dst_domain): rule not imported");
		return;
	}
	if ((op = dpw_uci_get(s, "family")) != NULL && opt_str(op) != NULL) {
		if (strcmp(opt_str(op), "ipv4") == 0 || strcmp(opt_str(op), "ipv6") == 0 ||
		    strcmp(opt_str(op), "all") == 0)
			snprintf(family, sizeof(family), "%s", opt_str(op));
		else if (strcmp(opt_str(op), "any") != 0)
			note_opt(im, s, op, 0, "not ipv4, ipv6 or all: all");
	}
	if ((op = dpw_uci_get(s, "proto")) != NULL && opt_str(op) != NULL &&
	    strcmp(opt_str(op), "all") != 0) {
		num = proto_number(opt_str(op), &v6);
		if (num < 0) {
			note_opt(im, s, op, 0, "an unknown protocol: rule not imported");
			return;
		}
		if (v6 && strcmp(family, "ipv4") == 0) {
			note_opt(im, s, op, 0, "ICMPv6 in a family ipv4 rule matches nothing: rule "
				 "not imported");
			return;
		}
		if (v6)
			snprintf(family, sizeof(family), "ipv6");
		proto = opt_str(op);
	}
	ns.v4 = json_array();
	nd.v4 = json_array();
	ps.a = json_array();
	pd.a = json_array();
	if (ns.v4 == NULL || nd.v4 == NULL || ps.a == NULL || pd.a == NULL) {
		im->nomem = true;
		goto out;
	}
	if (src != NULL)
		for_each_word(im, s, src, net_word, &ns);
	if (dst != NULL)
		for_each_word(im, s, dst, net_word, &nd);
	if (ns.bad || nd.bad)
		goto out;
	sides[0] = src;
	sides[1] = dst;
	if (!rule_family(im, s, family, sizeof(family), sides, nets))
		goto out;
	if ((sp != NULL || dp != NULL) && (proto == NULL || (num != 6 && num != 17))) {
		if (sp != NULL)
			note_opt(im, s, sp, 0, "ports with proto %s: not imported (mwan3 ignores "
				 "them too)", proto != NULL ? proto : "all");
		if (dp != NULL)
			note_opt(im, s, dp, 0, "ports with proto %s: not imported (mwan3 ignores "
				 "them too)", proto != NULL ? proto : "all");
		sp = dp = NULL;
	}
	if (sp != NULL)
		for_each_word(im, s, sp, port_word, &ps);
	if (dp != NULL)
		for_each_word(im, s, dp, port_word, &pd);
	if (ps.bad || pd.bad)
		goto out;
	if ((op = dpw_uci_get(s, "sticky")) != NULL)
		opt_bool(im, s, op, &sticky);
	if ((op = dpw_uci_get(s, "timeout")) != NULL)
		opt_num(im, s, op, 1, STICKY_MAX, &timeout);
	for (i = 0; i < s->n_opts; i++) {
		op = &s->opts[i];
		if (in_list(handled_rule, op->name))
			continue;
		if (strcmp(op->name, "logging") == 0)
			note_opt(im, s, op, 0, "firewall logging: not imported (dpwanctl status "
				 "counts each rule's connections)");
		else
			note_opt(im, s, op, 0, "not an mwan3 rule option known here: not imported "
				 "(if it narrows the match, the imported rule matches more)");
	}
	if (im->c->rules == DPW_MAX_RULES) {
		note(im, s->line, s, NULL, "more than %d rules: not imported", DPW_MAX_RULES);
		goto out;
	}
	if (fit_name(im, s, "rule", name) != 0)
		goto out;
	r = json_pack("{s:s}", "name", name);
	if (r == NULL) {
		im->nomem = true;
		goto out;
	}
	if (proto != NULL)
		set_member(r, "proto", num == 6 ? json_string("tcp") : num == 17 ?
			   json_string("udp") : num == 1 ? json_string("icmp") : json_integer(num));
	if (strcmp(family, "all") != 0)
		set_member(r, "family", json_string(family));
	if (ns.n_v4 > 0)
		set_member(r, "src", json_incref(ns.v4));
	if (ps.n > 0)
		set_member(r, "src_port", json_incref(ps.a));
	if (nd.n_v4 > 0)
		set_member(r, "dst", json_incref(nd.v4));
	if (pd.n > 0)
		set_member(r, "dst_port", json_incref(pd.a));
	set_member(r, "policy", json_string(p->name));
	if (sticky)
		set_member(r, "sticky", json_true());
	if (timeout != 0)
		set_member(r, "sticky_timeout", json_integer(timeout));
	if (json_array_append_new(im->rules_json, r) != 0) {
		im->nomem = true;
	} else {
		im->c->rules++;
		snprintf(im->rule_name[si], DPW_NAME_LEN, "%s", name);
	}
out:
	json_decref(ns.v4);
	json_decref(nd.v4);
	json_decref(ps.a);
	json_decref(pd.a);
}

/* Does an imported rule take every IPv4 connection (no match but dst 0.0.0.0/0)? */
static bool
has_catch_all(const struct imp *im)
{
	const char *key;
	json_t *r, *v;
	size_t i;

	json_array_foreach(im->rules_json, i, r) {
		bool all = true;

		json_object_foreach(r, key, v) {
			if (strcmp(key, "dst") == 0)
				all &= json_array_size(v) == 1 &&
				       strcmp(json_string_value(json_array_get(v, 0)),
					      "0.0.0.0/0") == 0;
			else if (strcmp(key, "family") == 0)
				all &= strcmp(json_string_value(v), "ipv4") == 0;
			else
				all &= strcmp(key, "name") == 0 || strcmp(key, "policy") == 0 ||
				       strcmp(key, "sticky") == 0 ||
				       strcmp(key, "sticky_timeout") == 0;
		}
		if (all)
			return true;
	}
	return false;
}

/* ---- globals and the rest ------------------------------------------------------------ */

static void
import_globals(struct imp *im, const struct dpw_uci_section *s)
{
	static const struct {
		const char *opt, *why;
	} known[] = {
		{ "mmx_mask", "dpwan marks no packets: no firewall mask is needed: not imported" },
		{ "logging", "firewall logging: not imported (dpwanctl status counts each rule's "
		  "connections; dpwanctl events has the WAN changes)" },
		{ "loglevel", "not imported" },
		{ "rtmon_interval", "deprecated since mwan3 2.9.0: not imported" },
		{ "rt_table_lookup", "not imported: the networks that are never policy-routed are "
		  "the LAN's and the WANs' own" },
		{ "local_source", "not imported: the appliance's own traffic leaves by the "
		  "default rule's choice" },
	};
	unsigned int i, k;

	for (i = 0; i < s->n_opts; i++) {
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(s->opts[i].name, known[k].opt) == 0)
				break;
		note_opt(im, s, &s->opts[i], 0, "%s", k < sizeof(known) / sizeof(known[0]) ?
			 known[k].why : "not an mwan3 global option known here: not imported");
	}
}

/* The base's WANs first (kept whole, names taken), with their decoded health. */
static int
base_wans(struct imp *im)
{
	const json_t *bw = json_object_get(im->o->base, "wans");
	size_t i;

	for (i = 0; i < json_array_size(bw) && im->n_wans < DPW_MAX_WANS; i++) {
		json_t *obj = json_deep_copy(json_array_get(bw, i));
		struct wan *w = &im->w[im->n_wans];
		const char *name = json_string_value(json_object_get(obj, "name"));

		if (obj == NULL || json_array_append_new(im->wans, obj) != 0)
			return -ENOMEM;
		memset(w, 0, sizeof(*w));
		snprintf(w->name, sizeof(w->name), "%s", name != NULL ? name : "");
		w->obj = obj;
		w->base = true;
		if (decoded_health(obj, &w->h) != 0)
			return -EINVAL;
		w->base_method = w->h.method;
		if (name_add(im, w->name) != 0)
			return -ENOMEM;
		im->n_wans++;
	}
	return 0;
}

/* The document: the base's members in order with ours replacing theirs, or ours alone. */
static json_t *
assemble(struct imp *im)
{
	static const char *const ours[] = {
		"version", "wans", "members", "policies", "rules", "default_rule",
	};
	json_t *d = json_object(), *v[6];
	const char *key;
	json_t *bv;
	unsigned int i;

	if (d == NULL)
		return NULL;
	v[0] = json_integer(DPW_DOC_VERSION);
	v[1] = json_incref(im->wans);
	v[2] = json_array_size(im->members_json) > 0 ? json_incref(im->members_json) : NULL;
	v[3] = json_array_size(im->policies_json) > 0 ? json_incref(im->policies_json) : NULL;
	v[4] = json_array_size(im->rules_json) > 0 ? json_incref(im->rules_json) : NULL;
	v[5] = NULL;
	bv = im->o->base != NULL ? json_object_get(im->o->base, "default_rule") : NULL;
	if (bv != NULL) {
		const char *pn = json_string_value(json_object_get(bv, "policy"));
		bool found = pn == NULL;

		for (i = 0; !found && i < im->n_policies; i++)
			found = im->policies[i].ok && strcmp(im->policies[i].name, pn) == 0;
		if (found) {
			v[5] = json_deep_copy(bv);
		} else {
			note(im, 0, NULL, NULL, "the base document's default_rule uses policy "
			     "'%s', which the file replaces: default_rule is preset auto", pn);
			v[5] = json_pack("{s:s}", "preset", "auto");
		}
	} else {
		/* mwan3's main routing table has no equivalent: Peplink's default behaviour */
		v[5] = json_pack("{s:s}", "preset", "auto");
	}
	if (im->o->base != NULL) {
		json_object_foreach((json_t *)(uintptr_t)im->o->base, key, bv) {
			for (i = 0; i < 6; i++)
				if (strcmp(key, ours[i]) == 0)
					break;
			if (i < 6)
				continue;
			if (json_object_set_new(d, key, json_deep_copy(bv)) != 0)
				goto fail;
		}
	}
	for (i = 0; i < 6; i++) {
		if (v[i] != NULL && json_object_set_new(d, ours[i], v[i]) != 0) {
			v[i] = NULL;
			goto fail;
		}
		v[i] = NULL;
	}
	if (im->o->base != NULL) {
		/* the base's member order: ours where theirs were, the rest after */
		json_t *ordered = json_object();

		if (ordered == NULL)
			goto fail;
		json_object_foreach((json_t *)(uintptr_t)im->o->base, key, bv)
			if (json_object_get(d, key) != NULL)
				json_object_set(ordered, key, json_object_get(d, key));
		json_object_foreach(d, key, bv)
			if (json_object_get(ordered, key) == NULL)
				json_object_set(ordered, key, bv);
		json_decref(d);
		d = ordered;
	}
	return d;
fail:
	for (i = 0; i < 6; i++)
		json_decref(v[i]);
	json_decref(d);
	return NULL;
}

/* ---- the API ------------------------------------------------------------------------- */

int
dpw_mwan3_map_parse(struct dpw_mwan3_map *map, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;
	unsigned int i;

	while (*p != '\0') {
		size_t n = strcspn(p, ","), k;
		const char *eq = memchr(p, '=', n);
		char iface[DPW_MWAN3_IFACE_LEN], wan[DPW_NAME_LEN + 8];

		if (n == 0) {
			p++;
			continue;
		}
		if (eq == NULL || eq == p || (size_t)(eq - p) >= sizeof(iface)) {
			snprintf(err, errlen, "'%.*s' is not IF=WAN", (int)n, p);
			return -EINVAL;
		}
		k = (size_t)(eq - p);
		snprintf(iface, sizeof(iface), "%.*s", (int)k, p);
		snprintf(wan, sizeof(wan), "%.*s", (int)(n - k - 1 < sizeof(wan) - 1 ?
							n - k - 1 : sizeof(wan) - 1), eq + 1);
		if (n - k - 1 >= sizeof(wan) - 1 || !dpw_doc_name_valid(wan)) {
			snprintf(err, errlen, "'%.*s': '%s' is not a WAN name (1-15 letters, "
				 "digits, '_')", (int)n, p, wan);
			return -EINVAL;
		}
		for (i = 0; i < map->n; i++) {
			if (strcmp(map->m[i].iface, iface) == 0) {
				snprintf(err, errlen, "interface '%s' is mapped twice", iface);
				return -EINVAL;
			}
		}
		if (map->n == DPW_MWAN3_MAP_MAX) {
			snprintf(err, errlen, "more than %d mappings", DPW_MWAN3_MAP_MAX);
			return -EINVAL;
		}
		snprintf(map->m[map->n].iface, sizeof(map->m[0].iface), "%s", iface);
		snprintf(map->m[map->n].wan, sizeof(map->m[0].wan), "%s", wan);
		map->n++;
		p += n;
	}
	return 0;
}

json_t *
dpw_mwan3_import(const struct dpw_uci *u, const struct dpw_mwan3_opts *o,
		 struct dpw_mwan3_counts *counts, char *err, size_t errlen)
{
	static const char *const types[] = { "globals", "interface", "member", "policy", "rule",
					     NULL };
	struct imp im = { .u = u, .o = o, .c = counts };
	json_t *doc = NULL;
	unsigned int i, pass;

	memset(counts, 0, sizeof(*counts));
	err[0] = '\0';
	im.wans = json_array();
	im.members_json = json_array();
	im.policies_json = json_array();
	im.rules_json = json_array();
	im.iface_wan = malloc((u->n ? u->n : 1) * sizeof(*im.iface_wan));
	im.members = calloc(u->n ? u->n : 1, sizeof(*im.members));
	im.policies = calloc(u->n ? u->n : 1, sizeof(*im.policies));
	im.rule_name = calloc(u->n ? u->n : 1, sizeof(*im.rule_name));
	im.deferred = calloc(u->n ? u->n : 1, sizeof(*im.deferred));
	if (im.wans == NULL || im.members_json == NULL || im.policies_json == NULL ||
	    im.rules_json == NULL || im.iface_wan == NULL || im.members == NULL ||
	    im.policies == NULL || im.rule_name == NULL || im.deferred == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < u->n; i++)
		im.iface_wan[i] = -1;
	if (u->package != NULL && strcmp(u->package, "mwan3") != 0)
		note(&im, u->package_line, NULL, NULL, "package '%s', not mwan3: read as mwan3 all "
		     "the same", u->package);
	if (o->base != NULL && base_wans(&im) != 0) {
		snprintf(err, errlen, "the base document's WANs cannot be read");
		goto out;
	}
	/* interfaces, then members, policies and rules: each may name the ones before */
	for (pass = 0; pass < 5; pass++) {
		for (i = 0; i < u->n; i++) {
			const struct dpw_uci_section *s = &u->s[i];

			if (pass == 0 && s->again_line != 0)
				note(&im, s->again_line, s, NULL, "the section is named again: its "
				     "options continue those of line %u (type '%s'), as uci reads "
				     "them", s->line, s->type);
			if (pass == 0 && strcmp(s->type, "globals") == 0)
				import_globals(&im, s);
			else if (pass == 0 && !in_list(types, s->type))
				note(&im, s->line, s, NULL, "section type '%s' is not mwan3's "
				     "(globals, interface, member, policy, rule): not imported",
				     s->type);
			else if (pass == 1 && strcmp(s->type, "interface") == 0)
				import_interface(&im, i);
			else if (pass == 2 && strcmp(s->type, "member") == 0)
				import_member(&im, s);
			else if (pass == 3 && strcmp(s->type, "policy") == 0)
				import_policy(&im, s);
			else if (pass == 4 && strcmp(s->type, "rule") == 0)
				import_rule(&im, i);
			if (im.nomem)
				break;
		}
		if (pass == 1 && o->map != NULL) {
			unsigned int k;

			for (k = 0; k < o->map->n; k++)
				if (iface_index(&im, o->map->m[k].iface) < 0)
					note(&im, 0, NULL, NULL, "--map %s=%s: no interface "
					     "'%s' in the file", o->map->m[k].iface,
					     o->map->m[k].wan, o->map->m[k].iface);
		}
	}
	if (im.nomem) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	note_default_rules(&im);
	if (counts->wans > 0 && o->base == NULL && !has_catch_all(&im))
		note(&im, 0, NULL, NULL, "traffic that matches no rule takes mwan3's main routing "
		     "table; here the default rule, preset auto (weighted balance over the "
		     "enabled WANs): add a last rule for 0.0.0.0/0 to choose");
	if (counts->wans == 0) {
		snprintf(err, errlen, "no interface section maps to a WAN: nothing to import");
		goto out;
	}
	if (o->base != NULL) {
		static const char *const replaced[] = { "members", "policies", "rules" };

		for (i = 0; i < 3; i++) {
			size_t n = json_array_size(json_object_get(o->base, replaced[i]));

			if (n > 0)
				note(&im, 0, NULL, NULL, "the base document's %zu %s are replaced "
				     "by the file's", n, replaced[i]);
		}
	}
	doc = assemble(&im);
	if (doc == NULL)
		snprintf(err, errlen, "out of memory");
out:
	json_decref(im.wans);
	json_decref(im.members_json);
	json_decref(im.policies_json);
	json_decref(im.rules_json);
	free(im.iface_wan);
	free(im.members);
	free(im.policies);
	free(im.rule_name);
	free(im.deferred);
	free(im.names);
	return doc;
}
