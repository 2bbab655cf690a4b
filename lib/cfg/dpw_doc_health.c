/* SPDX-License-Identifier: BSD-3-Clause
 * The health member of a WAN in the network-policy document (issue 7): the seeds'
 * presets, decoding (every member optional, defaults from the preset; every problem
 * reported with its JSON pointer), the checks between members (thresholds in order,
 * reliability within the targets, a method's required settings) and encoding with
 * every member present. Pure: no DPDK. Any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_doc_int.h"
#include "lib/cfg/dpw_sysconf.h"

#define H_MS_MIN 10                  /* a probe more often than every 10 ms is a flood */
#define H_MS_MAX 3600000             /* an hour */
#define H_COUNT_MAX 10
#define H_WINDOW_MAX 128             /* CP_HSTATS_WINDOW_MAX */
#define H_ROUNDS_MAX 1000
#define H_PING_SIZE_MAX 1472         /* 1500 - IP - ICMP headers */
#define H_PING_SIZE_DEFAULT 56       /* ping(8)'s default */
#define H_LAT_MAX 60000
#define H_DNS_QUERY_DEFAULT "example.com"

static const char *const method_names[DPW_HM_MAX] = {
#define DPW_X_NAME(e, s) [DPW_HM_##e] = s,
	DPW_HEALTH_METHODS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_health_method_str(unsigned int m)
{
	return m < DPW_HM_MAX ? method_names[m] : "unknown";
}

/*
 * Presets. Each value names its source; "ours" marks a choice the seed does not make
 * (the state machine needs a value) and says why.
 */
static void
preset_dpwan(struct dpw_doc_health *h)
{
	/*
	 * Our own (issue 7: sub-second detection, e.g. 200 ms probes and 3 misses, with a
	 * hold-down). Detection of a dead WAN takes at most timeout + (down - 1) x interval
	 * = 500 + 2 x 200 = 900 ms when probes are sent every interval whatever is in flight;
	 * a 1 s timeout would make that 1.4 s, so the timeout is 500 ms (above the latency
	 * down band, so that a slow link is judged by its latency rather than lost).
	 */
	h->interval_ms = 200;
	h->failure_interval_ms = 100;   /* HAProxy fastinter: confirm a suspicion quickly */
	h->recovery_interval_ms = 200;
	h->down_interval_ms = 1000;     /* HAProxy downinter: a dead WAN costs 1 probe/s */
	h->timeout_ms = 500;
	h->count = 1;
	h->reliability = 1;
	h->window = 50;                 /* 10 s of 200 ms probes */
	h->down = 3;
	h->up = 5;                      /* 1 s of good rounds */
	h->up_max = 40;                 /* after 3 flaps: 8 s of good rounds */
	h->flap_window_ms = 60000;      /* an offline within a minute of recovery is a flap */
	h->quality = true;
	h->min_probes = 10;             /* 2 s: loss is not judged on 1 lost of 2 */
	h->latency_warn_ms = 150;
	h->latency_warn_clear_ms = 100;
	h->latency_down_ms = 400;
	h->latency_down_clear_ms = 250;
	h->loss_warn_pct = 5;
	h->loss_warn_clear_pct = 2;
	h->loss_down_pct = 20;
	h->loss_down_clear_pct = 10;
	h->initial_offline = false;     /* as mwan3's default: today's behaviour kept */
	h->passive = true;              /* ours: none of the seeds watches connections */
}

static void
preset_peplink(struct dpw_doc_health *h)
{
	/* Peplink Balance manual, Health Check Settings (seeds/000_...txt). */
	h->interval_ms = 5000;          /* "default health check interval is 5 seconds" */
	h->failure_interval_ms = 5000;  /* one interval only in Peplink */
	h->recovery_interval_ms = 5000;
	h->down_interval_ms = 5000;
	h->timeout_ms = 5000;           /* "The default timeout is 5 seconds" */
	h->count = 1;
	h->reliability = 1;             /* "up if ping responses are received from either one" */
	h->window = 10;                 /* ours: Peplink reports no quality; 50 s of results */
	h->down = 3;                    /* "Default health retries is set to 3" */
	h->up = 3;                      /* "Recover Retries is set to 3" */
	h->up_max = 3;                  /* no hold-down in Peplink */
	h->flap_window_ms = 0;
	h->quality = false;             /* Peplink's health check has no thresholds */
	h->min_probes = 1;
	h->initial_offline = false;     /* ours: the manual does not say */
	h->passive = false;
}

static void
preset_mwan3(struct dpw_doc_health *h)
{
	/* OpenWrt mwan3, interface configuration table (seeds/002_...txt). */
	h->interval_ms = 10000;         /* interval '10' */
	/*
	 * failure_interval and recovery_interval default to '<interval>' in the seed's
	 * table (not 5 s: that is the example config some images ship, not the default).
	 */
	h->failure_interval_ms = 10000;
	h->recovery_interval_ms = 10000;
	h->down_interval_ms = 10000;    /* mwan3 has no slower interval while down */
	h->timeout_ms = 4000;           /* timeout '4' */
	h->count = 1;                   /* count '1' */
	h->reliability = 1;             /* reliability '1' */
	h->window = 1;                  /* mwan3 judges quality over one test's `count` pings */
	h->down = 5;                    /* down '5' */
	h->up = 5;                      /* up '5' */
	h->up_max = 5;                  /* no hold-down in mwan3 */
	h->flap_window_ms = 0;
	h->quality = false;             /* check_quality '0' */
	h->min_probes = 1;
	h->latency_down_ms = 1000;      /* failure_latency '1000' */
	h->latency_down_clear_ms = 500; /* recovery_latency '500' */
	h->loss_down_pct = 40;          /* failure_loss '40' */
	h->loss_down_clear_pct = 10;    /* recovery_loss '10' */
	h->initial_offline = false;     /* initial_state 'online' */
	h->passive = false;
}

static void
preset_pfsense(struct dpw_doc_health *h)
{
	/* pfSense gateway settings, dpinger (seeds/001_...txt). One round is one probe. */
	h->interval_ms = 500;           /* Probe Interval: "twice per second (500 ms)" */
	h->failure_interval_ms = 500;   /* dpinger probes at one rate */
	h->recovery_interval_ms = 500;
	h->down_interval_ms = 500;
	h->timeout_ms = 2000;           /* Loss Interval: "default is 2000 ms" */
	h->count = 1;
	h->reliability = 1;             /* one Monitor IP per gateway */
	h->window = 120;                /* Time Period 60000 ms / Probe Interval 500 ms */
	/*
	 * dpinger has no consecutive-failure count: the averaged loss decides. Ours: 25 is
	 * where a clean full window first exceeds the 20 % down band, so the counter only
	 * matters where pfSense has nothing (the last usable WAN); up 1 leaves the recovery
	 * to the loss falling back to 20 % as in dpinger.
	 */
	h->down = 25;
	h->up = 1;
	h->up_max = 1;
	h->flap_window_ms = 0;
	h->quality = true;
	h->min_probes = 10;             /* ours: dpinger averages whatever it has */
	/* Latency Thresholds "From 200 and To 500"; no hysteresis in pfSense: clear = enter */
	h->latency_warn_ms = 200;
	h->latency_warn_clear_ms = 200;
	h->latency_down_ms = 500;
	h->latency_down_clear_ms = 500;
	/* Packet Loss Thresholds "From 10 and To 20" */
	h->loss_warn_pct = 10;
	h->loss_warn_clear_pct = 10;
	h->loss_down_pct = 20;
	h->loss_down_clear_pct = 20;
	/* Alert Interval (1000 ms) is not modelled: we judge at every round. */
	h->initial_offline = false;     /* ours: the text does not say */
	h->passive = false;
}

static const struct {
	const char *name;
	void (*fill)(struct dpw_doc_health *);
} presets[] = {
	{ "dpwan", preset_dpwan },
	{ "peplink", preset_peplink },
	{ "mwan3", preset_mwan3 },
	{ "pfsense", preset_pfsense },
};
#define N_PRESETS (sizeof(presets) / sizeof(presets[0]))

int
dpw_doc_health_preset(const char *name, struct dpw_doc_health *h)
{
	unsigned int i;

	for (i = 0; i < N_PRESETS; i++) {
		if (strcmp(name, presets[i].name) == 0) {
			h->interval_ms = h->failure_interval_ms = h->recovery_interval_ms = 0;
			h->down_interval_ms = h->timeout_ms = h->count = h->reliability = 0;
			h->window = h->down = h->up = h->up_max = h->flap_window_ms = 0;
			h->min_probes = 0;
			h->latency_warn_ms = h->latency_warn_clear_ms = 0;
			h->latency_down_ms = h->latency_down_clear_ms = 0;
			h->loss_warn_pct = h->loss_warn_clear_pct = 0;
			h->loss_down_pct = h->loss_down_clear_pct = 0;
			h->quality = h->initial_offline = h->monitor_only = h->passive = false;
			presets[i].fill(h);
			snprintf(h->preset, sizeof(h->preset), "%s", name);
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const health_members[] = {
	"preset", "method", "targets", "port", "size", "dns_query", "http_match", "tls_verify",
	"interval_ms", "failure_interval_ms", "recovery_interval_ms", "down_interval_ms",
	"timeout_ms", "count", "reliability", "window", "down", "up", "up_max",
	"flap_window_ms", "initial_state", "monitor_only", "passive", "quality", NULL,
};
static const char *const quality_members[] = {
	"enabled", "min_probes", "latency_warn_ms", "latency_warn_clear_ms", "latency_down_ms",
	"latency_down_clear_ms", "loss_warn_pct", "loss_warn_clear_pct", "loss_down_pct",
	"loss_down_clear_pct", NULL,
};

/* A uint32 member: absent keeps *out (the preset's value). */
static void
get_u32(const json_t *o, const char *path, const char *key, int64_t lo, int64_t hi,
	uint32_t *out, struct dpw_doc_dec *dec)
{
	int64_t x;

	if (dpw_doc_get_int(o, path, key, false, lo, hi, *out, &x, dec) == 0)
		*out = (uint32_t)x;
}

static void
get_str(const json_t *o, const char *path, const char *key, char *out, size_t size,
	struct dpw_doc_dec *dec)
{
	char p[DPW_DOC_PATH_LEN];
	const char *s;

	if (dpw_doc_get_string(o, path, key, false, &s, dec) != 0 || s == NULL)
		return;
	dpw_doc_path_key(p, sizeof(p), path, key);
	if (strlen(s) >= size) {
		dpw_doc_problem_add(dec->pr, false, p, "%s is longer than %zu characters", key,
				    size - 1);
		return;
	}
	snprintf(out, size, "%s", s);
}

static void
decode_quality(const json_t *o, const char *path, struct dpw_doc_dec *dec,
	       struct dpw_doc_health *h)
{
	dpw_doc_check_members(o, path, quality_members, NULL, dec);
	dpw_doc_get_bool(o, path, "enabled", h->quality, &h->quality, dec);
	get_u32(o, path, "min_probes", 1, H_WINDOW_MAX, &h->min_probes, dec);
	get_u32(o, path, "latency_warn_ms", 0, H_LAT_MAX, &h->latency_warn_ms, dec);
	get_u32(o, path, "latency_warn_clear_ms", 0, H_LAT_MAX, &h->latency_warn_clear_ms, dec);
	get_u32(o, path, "latency_down_ms", 0, H_LAT_MAX, &h->latency_down_ms, dec);
	get_u32(o, path, "latency_down_clear_ms", 0, H_LAT_MAX, &h->latency_down_clear_ms, dec);
	get_u32(o, path, "loss_warn_pct", 0, 100, &h->loss_warn_pct, dec);
	get_u32(o, path, "loss_warn_clear_pct", 0, 100, &h->loss_warn_clear_pct, dec);
	get_u32(o, path, "loss_down_pct", 0, 100, &h->loss_down_pct, dec);
	get_u32(o, path, "loss_down_clear_pct", 0, 100, &h->loss_down_clear_pct, dec);
}

/* A URL the http(s) method can fetch: scheme matching the method, a host, bounded. */
static const char *
url_problem(const char *u, uint8_t method)
{
	const char *scheme = method == DPW_HM_HTTPS ? "https://" : "http://";
	size_t n = strlen(scheme), i;

	if (strncmp(u, scheme, n) != 0)
		return method == DPW_HM_HTTPS ? "must start with https://" :
		       "must start with http://";
	if (u[n] == '\0' || u[n] == '/')
		return "has no host";
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 0x7f)
			return "contains a space or a control or non-ASCII character";
	return NULL;
}

/* Is the URL's host an IPv4 literal (then nothing is resolved)? */
static bool
url_host_is_ipv4(const char *u)
{
	char host[DPW_HEALTH_TARGET_LEN];
	const char *h = strstr(u, "://");
	uint32_t ip;
	size_t n;

	if (h == NULL)
		return false;
	h += 3;
	n = strcspn(h, ":/?#");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return dpw_parse_ipv4(host, &ip, NULL) == 0 && strchr(host, '/') == NULL;
}

static void
decode_targets(const json_t *a, const char *path, struct dpw_doc_dec *dec,
	       struct dpw_doc_health *h)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	size_t i, j, n;
	const char *why;
	uint32_t ip;

	if (!json_is_array(a)) {
		dpw_doc_type_error(dec, path, "an array of targets", a);
		return;
	}
	n = json_array_size(a);
	if (n > DPW_HEALTH_TARGETS_MAX)
		dpw_doc_problem_add(dec->pr, false, path, "%zu targets, at most %d", n,
				    DPW_HEALTH_TARGETS_MAX);
	for (i = 0; i < n && i < DPW_HEALTH_TARGETS_MAX; i++) {
		const json_t *e = json_array_get(a, i);
		const char *s;

		dpw_doc_path_index(p, sizeof(p), path, i);
		if (!json_is_string(e)) {
			dpw_doc_type_error(dec, p, "a string (an address or a URL)", e);
			continue;
		}
		s = json_string_value(e);
		if (strlen(s) >= DPW_HEALTH_TARGET_LEN) {
			dpw_doc_problem_add(dec->pr, false, p, "target is longer than %d characters",
					    DPW_HEALTH_TARGET_LEN - 1);
			continue;
		}
		if (h->method == DPW_HM_HTTP || h->method == DPW_HM_HTTPS) {
			if ((why = url_problem(s, h->method)) != NULL) {
				dpw_doc_problem_add(dec->pr, false, p, "URL '%.64s' %s", s, why);
				continue;
			}
			if (!url_host_is_ipv4(s))
				dpw_doc_problem_add(dec->pr, true, p, "URL '%.64s' names a host: it is "
						    "resolved by the appliance's own resolver, not through "
						    "this WAN (an address in the URL is)", s);
		} else if (dpw_parse_ipv4(s, &ip, NULL) != 0 || strchr(s, '/') != NULL) {
			dpw_doc_problem_add(dec->pr, false, p, "target '%.32s' is not an IPv4 "
					    "address a.b.c.d", s);
			continue;
		} else if ((ip >> 24) == 0 || (ip >> 24) == 127 || (ip >> 28) >= 0xe) {
			dpw_doc_problem_add(dec->pr, false, p, "target %.32s is not a unicast "
					    "host address", s);
			continue;
		}
		for (j = 0; j < h->n_targets; j++)
			if (strcmp(h->targets[j], s) == 0)
				break;
		if (j < h->n_targets) {
			dpw_doc_path_index(q, sizeof(q), path, j);
			dpw_doc_problem_add(dec->pr, false, p, "duplicate target '%.64s' (also %s)",
					    s, q);
			continue;
		}
		snprintf(h->targets[h->n_targets++], DPW_HEALTH_TARGET_LEN, "%s", s);
	}
}

/* A threshold pair: clear at or below enter (hysteresis goes one way only). */
static void
check_pair(const char *path, struct dpw_doc_dec *dec, const char *enter, uint32_t e,
	   const char *clear, uint32_t c)
{
	char p[DPW_DOC_PATH_LEN];

	if (e != 0 && c > e) {
		dpw_doc_path_key(p, sizeof(p), path, clear);
		dpw_doc_problem_add(dec->pr, false, p, "%s %u is above %s %u: a WAN must get "
				    "better than where it went bad to clear", clear, c, enter, e);
	}
}

/* The checks between members, once all are decoded. */
static void
check_health(const char *path, bool have_targets_member, struct dpw_doc_dec *dec,
	     const struct dpw_doc_health *h)
{
	char p[DPW_DOC_PATH_LEN], q[DPW_DOC_PATH_LEN];
	unsigned int n_targets = h->n_targets;

	dpw_doc_path_key(q, sizeof(q), path, "quality");
	if (h->method == DPW_HM_NONE)
		return;
	if ((h->method == DPW_HM_HTTP || h->method == DPW_HM_HTTPS) && n_targets == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "targets");
		dpw_doc_problem_add(dec->pr, false, have_targets_member ? p : path,
				    "method %s needs at least one target URL",
				    dpw_health_method_str(h->method));
	}
	if (h->method == DPW_HM_TCP && h->port == 0) {
		dpw_doc_path_key(p, sizeof(p), path, "port");
		dpw_doc_problem_add(dec->pr, false, path, "method tcp needs 'port'");
	}
	/* empty targets: one (the gateway) for ping/tcp; the DNS servers (unknown here) */
	if (n_targets == 0)
		n_targets = 1;
	if (h->reliability > n_targets && (h->n_targets > 0 || h->method != DPW_HM_DNS)) {
		dpw_doc_path_key(p, sizeof(p), path, "reliability");
		dpw_doc_problem_add(dec->pr, false, p, "reliability %u is above the number of "
				    "targets (%u): the WAN could never be up", h->reliability,
				    n_targets);
	}
	if (h->up_max < h->up) {
		dpw_doc_path_key(p, sizeof(p), path, "up_max");
		dpw_doc_problem_add(dec->pr, false, p, "up_max %u is below up %u", h->up_max,
				    h->up);
	}
	if (h->timeout_ms > h->interval_ms * 25) {
		dpw_doc_path_key(p, sizeof(p), path, "timeout_ms");
		dpw_doc_problem_add(dec->pr, true, p, "timeout_ms %u is more than 25 intervals: "
				    "many probes will be in flight at once", h->timeout_ms);
	}
	if (h->min_probes > h->window * (h->count ? h->count : 1) && h->quality) {
		dpw_doc_path_key(p, sizeof(p), q, "min_probes");
		dpw_doc_problem_add(dec->pr, false, p, "min_probes %u is more than the window "
				    "holds (%u): loss would never be judged", h->min_probes,
				    h->window);
	}
	check_pair(q, dec, "latency_warn_ms", h->latency_warn_ms, "latency_warn_clear_ms",
		   h->latency_warn_clear_ms);
	check_pair(q, dec, "latency_down_ms", h->latency_down_ms, "latency_down_clear_ms",
		   h->latency_down_clear_ms);
	check_pair(q, dec, "loss_warn_pct", h->loss_warn_pct, "loss_warn_clear_pct",
		   h->loss_warn_clear_pct);
	check_pair(q, dec, "loss_down_pct", h->loss_down_pct, "loss_down_clear_pct",
		   h->loss_down_clear_pct);
	if (h->latency_warn_ms != 0 && h->latency_down_ms != 0 &&
	    h->latency_warn_ms > h->latency_down_ms) {
		dpw_doc_path_key(p, sizeof(p), q, "latency_warn_ms");
		dpw_doc_problem_add(dec->pr, false, p, "latency_warn_ms %u is above "
				    "latency_down_ms %u", h->latency_warn_ms, h->latency_down_ms);
	}
	if (h->loss_warn_pct != 0 && h->loss_down_pct != 0 && h->loss_warn_pct > h->loss_down_pct) {
		dpw_doc_path_key(p, sizeof(p), q, "loss_warn_pct");
		dpw_doc_problem_add(dec->pr, false, p, "loss_warn_pct %u is above loss_down_pct "
				    "%u", h->loss_warn_pct, h->loss_down_pct);
	}
}

void
dpw_doc_health_defaults(struct dpw_doc_health *h)
{
	memset(h, 0, sizeof(*h));
	dpw_doc_health_preset("dpwan", h);
	h->method = DPW_HM_PING;
	h->size = H_PING_SIZE_DEFAULT;
	h->tls_verify = true;
	snprintf(h->dns_query, sizeof(h->dns_query), "%s", H_DNS_QUERY_DEFAULT);
}

void
dpw_doc_health_decode(const json_t *o, const char *path, struct dpw_doc_dec *dec,
		      struct dpw_doc_health *h)
{
	char p[DPW_DOC_PATH_LEN];
	const char *s;
	const json_t *v;
	unsigned int i;

	dpw_doc_health_defaults(h);
	if (o == NULL)
		return;
	if (!json_is_object(o)) {
		dpw_doc_type_error(dec, path, "an object", o);
		return;
	}
	dpw_doc_check_members(o, path, health_members, NULL, dec);
	if (dpw_doc_get_string(o, path, "preset", false, &s, dec) == 0 && s != NULL &&
	    dpw_doc_health_preset(s, h) != 0) {
		dpw_doc_path_key(p, sizeof(p), path, "preset");
		dpw_doc_problem_add(dec->pr, false, p, "preset '%.32s' is unknown: dpwan, "
				    "peplink, mwan3 or pfsense", s);
	}
	if (dpw_doc_get_string(o, path, "method", false, &s, dec) == 0 && s != NULL) {
		for (i = 0; i < DPW_HM_MAX; i++)
			if (strcmp(s, method_names[i]) == 0)
				break;
		if (i < DPW_HM_MAX) {
			h->method = (uint8_t)i;
		} else {
			dpw_doc_path_key(p, sizeof(p), path, "method");
			dpw_doc_problem_add(dec->pr, false, p, "method '%.32s' is unknown: none, "
					    "ping, dns, http, https or tcp", s);
		}
	}
	v = json_object_get(o, "targets");
	if (v != NULL) {
		dpw_doc_path_key(p, sizeof(p), path, "targets");
		decode_targets(v, p, dec, h);
	}
	{
		uint32_t x = h->port;

		get_u32(o, path, "port", 0, 65535, &x, dec);   /* 0: none */
		h->port = (uint16_t)x;
		x = h->size;
		get_u32(o, path, "size", 0, H_PING_SIZE_MAX, &x, dec);
		h->size = (uint16_t)x;
	}
	get_str(o, path, "dns_query", h->dns_query, sizeof(h->dns_query), dec);
	get_str(o, path, "http_match", h->http_match, sizeof(h->http_match), dec);
	dpw_doc_get_bool(o, path, "tls_verify", h->tls_verify, &h->tls_verify, dec);
	get_u32(o, path, "interval_ms", H_MS_MIN, H_MS_MAX, &h->interval_ms, dec);
	get_u32(o, path, "failure_interval_ms", H_MS_MIN, H_MS_MAX, &h->failure_interval_ms,
		dec);
	get_u32(o, path, "recovery_interval_ms", H_MS_MIN, H_MS_MAX, &h->recovery_interval_ms,
		dec);
	get_u32(o, path, "down_interval_ms", H_MS_MIN, H_MS_MAX, &h->down_interval_ms, dec);
	get_u32(o, path, "timeout_ms", H_MS_MIN, 60000, &h->timeout_ms, dec);
	get_u32(o, path, "count", 1, H_COUNT_MAX, &h->count, dec);
	get_u32(o, path, "reliability", 1, DPW_HEALTH_TARGETS_MAX, &h->reliability, dec);
	get_u32(o, path, "window", 1, H_WINDOW_MAX, &h->window, dec);
	get_u32(o, path, "down", 1, H_ROUNDS_MAX, &h->down, dec);
	get_u32(o, path, "up", 1, H_ROUNDS_MAX, &h->up, dec);
	get_u32(o, path, "up_max", 1, H_ROUNDS_MAX * 16, &h->up_max, dec);
	get_u32(o, path, "flap_window_ms", 0, 86400000, &h->flap_window_ms, dec);
	if (dpw_doc_get_string(o, path, "initial_state", false, &s, dec) == 0 && s != NULL) {
		if (strcmp(s, "online") == 0 || strcmp(s, "offline") == 0) {
			h->initial_offline = strcmp(s, "offline") == 0;
		} else {
			dpw_doc_path_key(p, sizeof(p), path, "initial_state");
			dpw_doc_problem_add(dec->pr, false, p, "initial_state '%.32s' is unknown: "
					    "online or offline", s);
		}
	}
	dpw_doc_get_bool(o, path, "monitor_only", h->monitor_only, &h->monitor_only, dec);
	dpw_doc_get_bool(o, path, "passive", h->passive, &h->passive, dec);
	v = json_object_get(o, "quality");
	dpw_doc_path_key(p, sizeof(p), path, "quality");
	if (v != NULL && !json_is_object(v))
		dpw_doc_type_error(dec, p, "an object", v);
	else if (v != NULL)
		decode_quality(v, p, dec, h);
	if (dec->pr->errors == 0)
		check_health(path, json_object_get(o, "targets") != NULL, dec, h);
}

json_t *
dpw_doc_health_encode(const struct dpw_doc_health *h)
{
	json_t *t = json_array(), *q, *o, *rest;
	unsigned int i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < h->n_targets; i++)
		json_array_append_new(t, json_string(h->targets[i]));
	q = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "enabled", h->quality, "min_probes", (json_int_t)h->min_probes,
		      "latency_warn_ms", (json_int_t)h->latency_warn_ms,
		      "latency_warn_clear_ms", (json_int_t)h->latency_warn_clear_ms,
		      "latency_down_ms", (json_int_t)h->latency_down_ms,
		      "latency_down_clear_ms", (json_int_t)h->latency_down_clear_ms,
		      "loss_warn_pct", (json_int_t)h->loss_warn_pct,
		      "loss_warn_clear_pct", (json_int_t)h->loss_warn_clear_pct,
		      "loss_down_pct", (json_int_t)h->loss_down_pct,
		      "loss_down_clear_pct", (json_int_t)h->loss_down_clear_pct);
	if (q == NULL) {
		json_decref(t);
		return NULL;
	}
	/* json_pack takes at most what fits its format: two halves, merged in schema order */
	o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "preset", h->preset, "method", dpw_health_method_str(h->method),
		      "targets", t, "port", json_integer(h->port),
		      "size", (json_int_t)h->size, "dns_query", h->dns_query,
		      "http_match", h->http_match, "tls_verify", h->tls_verify,
		      "interval_ms", (json_int_t)h->interval_ms,
		      "failure_interval_ms", (json_int_t)h->failure_interval_ms,
		      "recovery_interval_ms", (json_int_t)h->recovery_interval_ms,
		      "down_interval_ms", (json_int_t)h->down_interval_ms,
		      "timeout_ms", (json_int_t)h->timeout_ms, "count", (json_int_t)h->count);
	if (o == NULL) {
		json_decref(q);
		return NULL;
	}
	rest = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:b, s:b, s:o}",
			 "reliability", (json_int_t)h->reliability, "window", (json_int_t)h->window,
			 "down", (json_int_t)h->down, "up", (json_int_t)h->up,
			 "up_max", (json_int_t)h->up_max,
			 "flap_window_ms", (json_int_t)h->flap_window_ms,
			 "initial_state", h->initial_offline ? "offline" : "online",
			 "monitor_only", h->monitor_only, "passive", h->passive, "quality", q);
	if (rest == NULL || json_object_update(o, rest) != 0) {
		json_decref(rest);
		json_decref(o);
		return NULL;
	}
	json_decref(rest);
	return o;
}
