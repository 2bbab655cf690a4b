/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl: command-line client of the dpwan REST API (status like `mwan3 status`, WAN
 * enable/disable, metrics, raw requests). Single-threaded user program; libcurl and
 * jansson, no DPDK.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lib/cfg/dpw_sysconf.h"

#define DEFAULT_CONF "/etc/dpwan/dpwan.conf"
#define DEFAULT_URL "http://127.0.0.1:8080"
#define TIMEOUT_MS 5000L
#define MAX_RESPONSE (16L * 1024 * 1024)
#define MAX_TOKEN 256 /* the API's limit (CP_TOKEN_MAX_LEN in control/token.h) */
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct client {
	char url[300];
	char token[300];
};

struct buf {
	char *data;
	size_t len;
	int overflow;
};

struct response {
	long status;
	struct buf body;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: dpwanctl [-c CONF] [--url URL] [--token TOKEN | --token-file FILE]\n"
		"                COMMAND\n"
		"commands:\n"
		"  status [--json]            interfaces, dataplane, traffic split, ports, drops\n"
		"  wans [--json]              the WANs\n"
		"  wan NAME enable|disable    change a WAN's administrative state\n"
		"  metrics                    Prometheus metrics (raw text)\n"
		"  raw GET|PUT PATH [BODY]    one request, the response body printed unchanged\n"
		"defaults: CONF %s; URL from its api section, else %s;\n"
		"token from --token, --token-file, $DPWAN_TOKEN,\n"
		"  else <state_dir>/initial-admin-token\n",
		DEFAULT_CONF, DEFAULT_URL);
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > (size_t)MAX_RESPONSE) {
		b->overflow = 1;
		return 0;
	}
	p = realloc(b->data, b->len + n + 1);
	if (p == NULL)
		return 0;
	b->data = p;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* One request; 0 with resp filled (any HTTP status), or -1 after printing why. */
static int
request(const struct client *cl, const char *method, const char *path, const char *body,
	struct response *resp)
{
	char url[1024], auth[400], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	CURLcode res;
	CURL *h;
	int rc = -1;

	memset(resp, 0, sizeof(*resp));
	snprintf(url, sizeof(url), "%s%s", cl->url, path);
	h = curl_easy_init();
	if (h == NULL) {
		fprintf(stderr, "dpwanctl: cannot initialise libcurl\n");
		return -1;
	}
	errbuf[0] = '\0';
	if (cl->token[0] != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cl->token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json, text/plain");
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp->body);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	res = curl_easy_perform(h);
	if (res != CURLE_OK) {
		if (resp->body.overflow)
			fprintf(stderr, "dpwanctl: response from %s larger than %ld bytes\n", url,
				MAX_RESPONSE);
		else
			fprintf(stderr, "dpwanctl: cannot reach the API at %s: %s\n", cl->url,
				errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res));
		free(resp->body.data);
		resp->body.data = NULL;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body.data == NULL) {
		resp->body.data = strdup("");
		if (resp->body.data == NULL)
			goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

/* Print the server's {"error": ...} (or the raw body) for an HTTP error. */
static void
print_http_error(const struct response *r)
{
	json_t *j = json_loads(r->body.data, 0, NULL);
	const char *msg = NULL;

	if (j != NULL)
		msg = json_string_value(json_object_get(j, "error"));
	if (msg != NULL)
		fprintf(stderr, "dpwanctl: HTTP %ld: %s\n", r->status, msg);
	else
		fprintf(stderr, "dpwanctl: HTTP %ld: %.200s\n", r->status, r->body.data);
	if (r->status == 401)
		fprintf(stderr, "dpwanctl: give a token with --token, --token-file or "
			"$DPWAN_TOKEN\n");
	json_decref(j);
}

/* GET or PUT and parse the JSON; NULL after printing why. */
static json_t *
call_json(const struct client *cl, const char *method, const char *path, const char *body,
	  char **raw)
{
	struct response r;
	json_error_t jerr;
	json_t *j;

	if (request(cl, method, path, body, &r) < 0)
		return NULL;
	if (r.status < 200 || r.status >= 300) {
		print_http_error(&r);
		free(r.body.data);
		return NULL;
	}
	j = json_loads(r.body.data, 0, &jerr);
	if (j == NULL)
		fprintf(stderr, "dpwanctl: the API sent invalid JSON: %s\n", jerr.text);
	if (raw != NULL && j != NULL)
		*raw = r.body.data;
	else
		free(r.body.data);
	return j;
}

static unsigned long long
u64(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (unsigned long long)json_integer_value(v) : 0;
}

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "?";
}

static void
fmt_duration(unsigned long long s, char *buf, size_t len)
{
	snprintf(buf, len, "%02lluh:%02llum:%02llus", s / 3600, (s / 60) % 60, s % 60);
}

static unsigned long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void
print_wan_line(const json_t *w)
{
	const char *state = str(w, "state");
	json_t *since = json_object_get(w, "online_since_ms");
	const char *mac = json_string_value(json_object_get(w, "gateway_mac"));
	char dur[32] = "";

	printf(" interface %s is %s", str(w, "name"), state);
	if (strcmp(state, "online") == 0 && json_is_integer(since)) {
		unsigned long long t = (unsigned long long)json_integer_value(since), n = now_ms();

		fmt_duration(n > t ? (n - t) / 1000 : 0, dur, sizeof(dur));
		printf(" %s", dur);
	}
	printf(", weight %llu, %s via %s (%s), tx %llu pkts / rx %llu pkts\n", u64(w, "weight"),
	       str(w, "address"), str(w, "gateway"), mac != NULL ? mac : "unresolved",
	       u64(w, "tx_packets"), u64(w, "rx_packets"));
}

static void
print_wans(const json_t *wans)
{
	size_t i;
	json_t *w;

	printf("Interface status:\n");
	json_array_foreach(wans, i, w)
		print_wan_line(w);
	if (json_array_size(wans) == 0)
		printf(" (no WAN)\n");
}

static void
print_status(const json_t *st)
{
	json_t *dp = json_object_get(st, "dataplane");
	json_t *wans = json_object_get(st, "wans");
	json_t *ctr = json_object_get(st, "counters");
	json_t *drops = json_object_get(st, "drops");
	json_t *ports = json_object_get(st, "ports");
	unsigned long long total = 0, n;
	const char *key;
	char dur[32];
	json_t *v;
	size_t i;
	int any = 0;

	print_wans(wans);

	fmt_duration(u64(dp, "uptime_s"), dur, sizeof(dur));
	printf("\nDataplane: pid %llu, %s, %llu worker(s), up %s, wan view gen %llu, "
	       "sessions %llu active / %llu created\n", u64(dp, "pid"),
	       json_is_true(json_object_get(dp, "alive")) ? "alive" : "NOT RESPONDING",
	       u64(dp, "workers"), dur, u64(dp, "wan_view_gen"), u64(ctr, "sessions_active"),
	       u64(ctr, "sessions_created"));

	printf("\nTraffic split (sessions created per WAN):\n");
	json_array_foreach(wans, i, v)
		total += u64(v, "sessions_created");
	json_array_foreach(wans, i, v) {
		n = u64(v, "sessions_created");
		printf(" %-12s %5.1f%% (%llu)\n", str(v, "name"),
		       total > 0 ? 100.0 * (double)n / (double)total : 0.0, n);
	}

	printf("\nPorts:\n");
	json_array_foreach(ports, i, v)
		printf(" %-8s %-3s %-4s rx %llu pkts %llu B, tx %llu pkts %llu B, "
		       "missed %llu, errors rx %llu tx %llu\n", str(v, "name"), str(v, "role"),
		       json_is_true(json_object_get(v, "link_up")) ? "up" : "down",
		       u64(v, "rx_packets"), u64(v, "rx_bytes"), u64(v, "tx_packets"),
		       u64(v, "tx_bytes"), u64(v, "rx_missed"), u64(v, "rx_errors"),
		       u64(v, "tx_errors"));

	printf("\nDrops:\n");
	json_object_foreach(drops, key, v) {
		if (json_integer_value(v) == 0)
			continue;
		printf(" %-28s %llu\n", key, (unsigned long long)json_integer_value(v));
		any = 1;
	}
	if (!any)
		printf(" none\n");
}

static int
cmd_get_json(const struct client *cl, const char *path, bool as_json, int is_status)
{
	char *raw = NULL;
	json_t *j = call_json(cl, "GET", path, NULL, &raw);

	if (j == NULL)
		return EXIT_FAIL;
	if (as_json)
		fputs(raw, stdout);
	else if (is_status)
		print_status(j);
	else
		print_wans(j);
	free(raw);
	json_decref(j);
	return 0;
}

static int
cmd_wan(const struct client *cl, const char *name, const char *action)
{
	char path[256];
	bool enable;
	json_t *j;

	if (strcmp(action, "enable") == 0) {
		enable = true;
	} else if (strcmp(action, "disable") == 0) {
		enable = false;
	} else {
		fprintf(stderr, "dpwanctl: wan: expected enable or disable, got '%s'\n", action);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/wans/%s/admin", name);
	j = call_json(cl, "PUT", path, enable ? "{\"enabled\": true}" : "{\"enabled\": false}",
		      NULL);
	if (j == NULL)
		return EXIT_FAIL;
	print_wan_line(j);
	json_decref(j);
	return 0;
}

static int
cmd_raw(const struct client *cl, const char *method, const char *path, const char *body,
	int text_ok)
{
	struct response r;
	int rc = 0;

	if (request(cl, method, path, body, &r) < 0)
		return EXIT_FAIL;
	if (r.status < 200 || r.status >= 300) {
		if (text_ok)
			fputs(r.body.data, stdout);
		print_http_error(&r);
		rc = EXIT_FAIL;
	} else {
		fputs(r.body.data, stdout);
	}
	free(r.body.data);
	return rc;
}

/* Copy a token into cl; -1 after saying why when it is longer than the API accepts. */
static int
set_token(struct client *cl, const char *token, size_t len, const char *from)
{
	if (len > MAX_TOKEN) {
		fprintf(stderr, "dpwanctl: the token from %s is longer than %d characters\n",
			from, MAX_TOKEN);
		return -1;
	}
	memcpy(cl->token, token, len);
	cl->token[len] = '\0';
	return 0;
}

/*
 * The first word of the file is the token. quiet: a file that cannot be opened is no
 * error (no token then) and its mode is not checked.
 */
static int
read_token_file(const char *path, struct client *cl, int quiet)
{
	char text[MAX_TOKEN + 64];
	struct stat st;
	size_t n = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (quiet)
			return 0;
		fprintf(stderr, "dpwanctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!quiet && fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		fprintf(stderr, "dpwanctl: warning: %s is readable by group or others (mode %04o):"
			" chmod 600 it\n", path, (unsigned int)(st.st_mode & 07777));
	/* A loop: --token-file <(command) is a pipe. */
	while (n < sizeof(text) - 1) {
		ssize_t r = read(fd, text + n, sizeof(text) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "dpwanctl: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	text[n] = '\0';
	rc = set_token(cl, text, strcspn(text, "\r\n \t"), path);
	explicit_bzero(text, sizeof(text));
	return rc;
}

int
main(int argc, char **argv)
{
	enum { OPT_URL = 256, OPT_TOKEN, OPT_TOKEN_FILE, OPT_JSON };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, OPT_URL },
		{ "token", required_argument, NULL, OPT_TOKEN },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *url = NULL, *token = NULL, *token_file = NULL, *cmd;
	char err[512], state_dir[DPW_PATH_LEN] = "/var/lib/dpwan", path[600];
	struct dpw_sysconf conf;
	struct client cl;
	bool as_json = false;
	int opt, rc, nargs;
	char **args;

	/* "+": options after the command belong to it (status --json is handled below). */
	while ((opt = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_TOKEN:
			token = optarg;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_JSON:
			as_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (nargs > 0 && strcmp(args[nargs - 1], "--json") == 0 &&
	    (strcmp(cmd, "status") == 0 || strcmp(cmd, "wans") == 0)) {
		as_json = true;
		nargs--;
	}

	memset(&cl, 0, sizeof(cl));
	snprintf(cl.url, sizeof(cl.url), "%s", DEFAULT_URL);
	if (conf_path != NULL || access(DEFAULT_CONF, F_OK) == 0) {
		const char *p = conf_path != NULL ? conf_path : DEFAULT_CONF;

		if (dpw_sysconf_load(p, &conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "dpwanctl: %s\n", err);
			return EXIT_FAIL;
		}
		/* A wildcard listener is reached on loopback. */
		if (strcmp(conf.api_listen, "0.0.0.0") == 0 || strcmp(conf.api_listen, "::") == 0)
			snprintf(cl.url, sizeof(cl.url), "http://%s:%u",
				 strchr(conf.api_listen, ':') ? "[::1]" : "127.0.0.1",
				 conf.api_port);
		else if (strchr(conf.api_listen, ':') != NULL)
			snprintf(cl.url, sizeof(cl.url), "http://[%s]:%u", conf.api_listen,
				 conf.api_port);
		else
			snprintf(cl.url, sizeof(cl.url), "http://%s:%u", conf.api_listen,
				 conf.api_port);
		snprintf(state_dir, sizeof(state_dir), "%s", conf.state_dir);
		dpw_sysconf_free(&conf);
	}
	if (url != NULL)
		snprintf(cl.url, sizeof(cl.url), "%s", url);
	/* No trailing slash: paths start with one. */
	while (strlen(cl.url) > 0 && cl.url[strlen(cl.url) - 1] == '/')
		cl.url[strlen(cl.url) - 1] = '\0';

	if (token != NULL) {
		fprintf(stderr, "dpwanctl: warning: --token shows the token in the process list "
			"and the shell history; use --token-file FILE or $DPWAN_TOKEN\n");
		if (set_token(&cl, token, strlen(token), "--token") < 0)
			return EXIT_USAGE;
	} else if (token_file != NULL) {
		if (read_token_file(token_file, &cl, 0) < 0)
			return EXIT_FAIL;
	} else if (getenv("DPWAN_TOKEN") != NULL) {
		if (set_token(&cl, getenv("DPWAN_TOKEN"), strlen(getenv("DPWAN_TOKEN")),
			      "$DPWAN_TOKEN") < 0)
			return EXIT_USAGE;
	} else {
		snprintf(path, sizeof(path), "%s/initial-admin-token", state_dir);
		/* Silent when absent: the API then answers 401 with a hint. */
		if (read_token_file(path, &cl, 1) < 0)
			return EXIT_FAIL;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "dpwanctl: cannot initialise libcurl\n");
		return EXIT_FAIL;
	}
	if (strcmp(cmd, "status") == 0 && nargs == 0) {
		rc = cmd_get_json(&cl, "/api/v1/status", as_json, 1);
	} else if (strcmp(cmd, "wans") == 0 && nargs == 0) {
		rc = cmd_get_json(&cl, "/api/v1/wans", as_json, 0);
	} else if (strcmp(cmd, "wan") == 0 && nargs == 2) {
		rc = cmd_wan(&cl, args[0], args[1]);
	} else if (strcmp(cmd, "metrics") == 0 && nargs == 0) {
		rc = cmd_raw(&cl, "GET", "/metrics", NULL, 0);
	} else if (strcmp(cmd, "raw") == 0 && (nargs == 2 || nargs == 3) &&
		   (strcmp(args[0], "GET") == 0 || strcmp(args[0], "PUT") == 0) &&
		   args[1][0] == '/') {
		rc = cmd_raw(&cl, args[0], args[1], nargs == 3 ? args[2] : NULL, 1);
	} else {
		fprintf(stderr, "dpwanctl: bad command or arguments: %s\n", cmd);
		usage(stderr);
		rc = EXIT_USAGE;
	}
	curl_global_cleanup();
	return rc;
}
