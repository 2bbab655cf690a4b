/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl: command-line client of the dpwan REST API v1 (api/API-v1.md): options, the
 * server and token lookup (-s, -t, --token-file, $DPWAN_TOKEN, dpwan.conf), and the
 * commands other than `config`, `explain` and `sessions` (status, policies, rules, wans,
 * wan, events, token, metrics, raw), and `import-mwan3`, which needs no server
 * (ctl_mwan3.c).
 * Single-threaded user program; libcurl and jansson, no DPDK.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ctl.h"
#include "lib/cfg/dpw_sysconf.h"

#define DEFAULT_CONF "/etc/dpwan/dpwan.conf"
#define DEFAULT_URL "http://127.0.0.1:8080"
#define DEFAULT_STATE_DIR "/var/lib/dpwan"
#define EVENTS_PAGE 1000

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dpwanctl [-s URL] [-t TOKEN | --token-file FILE] [-c CONF] [--json]\n"
"                [--cacert FILE] COMMAND [ARGS]\n"
"commands:\n"
"  status                          like `mwan3 status`: interfaces, policies with their\n"
"                                  shares now, connected networks, rules with their\n"
"                                  counters; then config generation, pending\n"
"                                  confirmation, dataplane, traffic split, ports, drops\n"
"                                  (--json: /api/v1/status alone)\n"
"  policies                        the policies and the default rule: candidates,\n"
"                                  shares now, sessions per WAN\n"
"  rules                           every rule in order (then the default rule and\n"
"                                  connected networks): match, action, counters\n"
"  wans                            the WANs\n"
"  wan NAME                        one WAN in detail\n"
"  wan NAME enable|disable|force-down|clear\n"
"                                  change the WAN in the document (a new generation)\n"
"  config get [--yaml] [--gen N]   the running document (or generation N)\n"
"  config edit [--confirm S] [--comment T]\n"
"                                  edit it in $EDITOR (YAML) and apply it\n"
"  config validate FILE            check a document (JSON or YAML; - for stdin)\n"
"  config apply FILE [--confirm S] [--comment T]\n"
"                                  apply a document; --confirm: rolled back after S s\n"
"                                  (10..3600) unless `config confirm` comes first\n"
"  config diff [A] [B]             changes from generation A to B (default: running),\n"
"                                  with no argument the last change\n"
"  config history                  the stored generations\n"
"  config rollback GEN [--confirm S] [--comment T]\n"
"                                  apply generation GEN again, as a new generation\n"
"  config confirm                  keep the pending confirmed apply\n"
"  events [--since N] [--follow]   the event log; --follow streams it (Ctrl-C ends)\n"
"  token create --role admin|read-only [--comment T]\n"
"  token list | token revoke ID\n"
"  explain PROTO SRC[:PORT] DST[:PORT] [--src-mac MAC]\n"
"                                  which rule, policy and algorithm would place such a\n"
"                                  new flow now, from which WANs (tcp, udp with ports;\n"
"                                  icmp without)\n"
"  sessions [--client NET] [--dst NET] [--wan NAME] [--rule NAME|default|connected]\n"
"           [--proto P] [--limit N] [--cursor C] [--all]\n"
"                                  the sessions, a page (100) or --all of them\n"
"  sessions flush [filters]        delete the sessions that match (all without filters)\n"
"  domain-sets                     the addresses DNS snooping put in the domain sets\n"
"  services [set FILE]             port forwards and their connections (set: replace\n"
"                                  them with FILE's JSON array, - for stdin)\n"
"  firewall [set FILE]             firewall rules and their hits (set: FILE's object)\n"
"  nat-mappings [set FILE]         NAT mappings\n"
"  dos [set FILE]                  DoS limits\n"
"                                  of the rules' dst_domain patterns, with expiry\n"
"  metrics                         Prometheus metrics (text)\n"
"  capture PORT [--filter BPF] [--count N] [--duration S] [--snaplen N] [--force]\n"
"          -w FILE                 capture PORT's packets (a port or WAN name; both\n"
"                                  directions) matching the libpcap filter into a pcap\n"
"                                  file (- for stdout) until N packets, S seconds\n"
"                                  (default 10, at most 600) or 64 MiB (admin token)\n"
"  capture status | capture stop   the running (or last) capture; end it now\n"
"  lan leases | lan lease-delete IP   dnsmasq's DHCP leases; drop one (a DHCPRELEASE)\n"
"  lan reservations | lan dhcp     the DHCP reservations; the DHCP server's settings\n"
"  lan dns | lan dns-records       the DNS proxy's settings; its local records\n"
"  lan dns-stats | lan dns-flush   its cache and upstream statistics; flush the cache\n"
"                                  (each also without the word `lan`)\n"
"  raw METHOD PATH [BODY]          one request, the response body printed unchanged\n"
"  import-mwan3 FILE [--base DOC] [--map IF=WAN,...] [--json] [-o OUT]\n"
"                                  an OpenWrt /etc/config/mwan3 as a document (YAML,\n"
"                                  JSON with --json) on stdout or in OUT, offline;\n"
"                                  --base: keep DOC's WANs (addressing...) and merge the\n"
"                                  tracking options into their health; --map: interface\n"
"                                  IF becomes WAN WAN. What does not map: one note a line\n"
"                                  on stderr (FILE:LINE: section 'S': option 'O': ...);\n"
"                                  exit 1 when FILE cannot be read or parsed or nothing\n"
"                                  in it maps\n"
"options:\n"
"  -s, --server URL     the API (default: api.listen/api.port of CONF, else %s)\n"
"  -t, --token TOKEN    the bearer token (visible in ps: prefer the next two)\n"
"      --token-file F   a file whose first word is the token\n"
"  -c, --config CONF    dpwan.conf (default %s)\n"
"      --json           print the server's JSON unchanged\n"
"      --cacert FILE    trust this certificate (HTTPS with a self-signed one)\n"
"token: -t, --token-file, $DPWAN_TOKEN, else <state_dir of CONF>/initial-admin-token\n"
"exit: 0 ok, 1 the server said no, 2 usage, 3 unreachable or TLS failure,\n"
"      4 authentication (401/403)\n",
		DEFAULT_URL, DEFAULT_CONF);
}

/* Copy a token into c; -1 after saying why when it is longer than the API accepts. */
static int
set_token(struct ctl *c, const char *token, size_t len, const char *from)
{
	if (len > CTL_MAX_TOKEN) {
		fprintf(stderr, "dpwanctl: the token from %s is longer than %d characters\n",
			from, CTL_MAX_TOKEN);
		return -1;
	}
	memcpy(c->token, token, len);
	c->token[len] = '\0';
	snprintf(c->token_from, sizeof(c->token_from), "%s", from);
	return 0;
}

/*
 * The first word of the file is the token. quiet: a file that cannot be opened is no
 * error (no token then) and its mode is not checked.
 */
static int
read_token_file(const char *path, struct ctl *c, bool quiet)
{
	char text[CTL_MAX_TOKEN + 64];
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
	if (!quiet && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
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
	n = strspn(text, "\r\n \t");
	rc = set_token(c, text + n, strcspn(text + n, "\r\n \t"), path);
	explicit_bzero(text, sizeof(text));
	return rc;
}

/* The server URL and the state directory from dpwan.conf. 0 or -1 after saying why. */
static int
from_sysconf(const char *path, char *url, size_t urllen, char *state_dir, size_t sdlen)
{
	struct dpw_sysconf conf;
	const char *scheme;
	char err[512];

	if (dpw_sysconf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpwanctl: %s\n", err);
		return -1;
	}
	/* A wildcard listener is reached on loopback; api.tls_cert means HTTPS. */
	scheme = conf.api_tls_cert[0] != '\0' ? "https" : "http";
	if (strcmp(conf.api_listen, "0.0.0.0") == 0 || strcmp(conf.api_listen, "::") == 0)
		snprintf(url, urllen, "%s://%s:%u", scheme,
			 strchr(conf.api_listen, ':') ? "[::1]" : "127.0.0.1", conf.api_port);
	else if (strchr(conf.api_listen, ':') != NULL)
		snprintf(url, urllen, "%s://[%s]:%u", scheme, conf.api_listen, conf.api_port);
	else
		snprintf(url, urllen, "%s://%s:%u", scheme, conf.api_listen, conf.api_port);
	snprintf(state_dir, sdlen, "%s", conf.state_dir);
	dpw_sysconf_free(&conf);
	return 0;
}

/* GET path; the JSON unchanged with --json, else rendered. */
static int
get_and_show(const struct ctl *c, const char *path, void (*out)(const json_t *))
{
	return ctl_show(c, path, out);
}

/*
 * GET path as JSON for a status section: NULL when the server has no such resource
 * (an older one) or says no; *rc set only when it could not be reached.
 */
static json_t *
get_section(const struct ctl *c, const char *path, int *rc)
{
	struct ctl_resp r;
	json_t *j = NULL;

	*rc = ctl_get(c, path, &r);
	if (*rc != 0)
		return NULL;
	if (r.status == 200)
		j = ctl_json(&r);
	else if (r.status != 404)
		fprintf(stderr, "dpwanctl: %s: HTTP %ld: that section is left out\n", path,
			r.status);
	ctl_resp_free(&r);
	return j;
}

/*
 * status like `mwan3 status`: /status, /policies and /rules; --json is /status alone,
 * unchanged (as it always was).
 */
static int
cmd_status(const struct ctl *c)
{
	struct ctl_resp r;
	json_t *st, *pol = NULL, *rules = NULL;
	int rc = ctl_get(c, "/api/v1/status", &r);

	if (rc != 0)
		return rc;
	if (r.status != 200 || c->json) {
		rc = r.status != 200 ? ctl_fail(c, &r) : 0;
		if (rc == 0)
			ctl_print_raw(&r);
		ctl_resp_free(&r);
		return rc;
	}
	st = ctl_json(&r);
	ctl_resp_free(&r);
	if (st == NULL)
		return CTL_EXIT_REFUSED;
	pol = get_section(c, "/api/v1/policies", &rc);
	if (rc == 0)
		rules = get_section(c, "/api/v1/rules", &rc);
	if (rc == 0)
		ctl_out_status(st, pol, rules);
	json_decref(st);
	json_decref(pol);
	json_decref(rules);
	return rc;
}

static void
out_policies(const json_t *j)
{
	ctl_out_policies(stdout, j);
}

static void
out_rules(const json_t *j)
{
	ctl_out_rules(stdout, j);
}

/* issue 9: GET /api/v1/lan/dns/domain-sets, a pattern a block */
static void
out_domain_sets(const json_t *j)
{
	const json_t *set, *e, *rn;
	size_t i, k;

	printf("domain sets: %lld live entries in %lld slots\n",
	       (long long)json_integer_value(json_object_get(j, "entries")),
	       (long long)json_integer_value(json_object_get(j, "slots")));
	json_array_foreach(json_object_get(j, "sets"), i, set) {
		printf("%s (rules:", json_string_value(json_object_get(set, "pattern")));
		json_array_foreach(json_object_get(set, "rules"), k, rn)
			printf(" %s", json_string_value(rn));
		printf(") %lld address(es)%s\n",
		       (long long)json_integer_value(json_object_get(set, "count")),
		       json_is_true(json_object_get(set, "truncated")) ? ", first ones:" : "");
		json_array_foreach(json_object_get(set, "entries"), k, e)
			printf("  %-15s expires in %lld s\n",
			       json_string_value(json_object_get(e, "address")),
			       (long long)json_integer_value(json_object_get(e, "expires_in")));
	}
}

static void
out_wan_list(const json_t *j)
{
	/* {"wans": [...]} (v1) or a bare array (0.1) */
	ctl_out_wans(json_is_array(j) ? j : json_object_get(j, "wans"));
}

/* A WAN name as a path segment: the API's names need no escaping, anything else is wrong. */
static int
check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 15 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789_") != n) {
		fprintf(stderr, "dpwanctl: '%s' is not a WAN name (1-15 letters, digits, _)\n",
			name);
		return -1;
	}
	return 0;
}

static int
cmd_wan(const struct ctl *c, const char *name, const char *action)
{
	static const char *const actions[] = { "enable", "disable", "force-down", "clear" };
	struct ctl_req rq = { .method = "POST" };
	struct ctl_resp r;
	char path[128];
	json_t *j;
	size_t i;
	int rc;

	if (check_name(name) < 0)
		return CTL_EXIT_USAGE;
	if (action == NULL) {
		snprintf(path, sizeof(path), "/api/v1/wans/%s", name);
		return get_and_show(c, path, ctl_out_wan_detail);
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i]) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		fprintf(stderr, "dpwanctl: wan: expected enable, disable, force-down or clear, "
			"not '%s'\n", action);
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/wans/%s/%s", name, action);
	rq.path = path;
	if ((rc = ctl_http(c, &rq, &r)) != 0)
		return rc;
	if (r.status != 200) {
		rc = ctl_fail(c, &r);
	} else if (c->json) {
		ctl_print_raw(&r);
	} else if ((j = ctl_json(&r)) == NULL) {
		rc = CTL_EXIT_REFUSED;
	} else {
		ctl_out_wan_line(j);
		if (ctl_etag_gen(r.etag) >= 0)
			printf(" config generation %lld\n", ctl_etag_gen(r.etag));
		json_decref(j);
	}
	ctl_resp_free(&r);
	return rc;
}

static void
print_event_json(const struct ctl *c, const char *id, const char *type, const char *data)
{
	json_t *ev;

	(void)id;
	(void)type;
	if (c->json) {
		/* one Event per line (JSON Lines) */
		printf("%s\n", data);
		fflush(stdout);
		return;
	}
	ev = json_loads(data, 0, NULL);
	if (ev == NULL) {
		fprintf(stderr, "dpwanctl: event %s: data is not JSON: %.200s\n", id, data);
		return;
	}
	ctl_out_event(ev);
	json_decref(ev);
}

static int
cmd_events(const struct ctl *c, long long since, bool follow)
{
	struct ctl_resp r;
	char path[96];
	json_t *j, *evs, *ev;
	size_t i, n;
	int rc;

	if (follow)
		return ctl_follow(c, since, print_event_json);
	/* page through the log; --json is one page, unchanged (page on with --since) */
	for (;;) {
		snprintf(path, sizeof(path), "/api/v1/events?since=%lld&limit=%d", since,
			 EVENTS_PAGE);
		if ((rc = ctl_get(c, path, &r)) != 0)
			return rc;
		if (r.status != 200) {
			rc = ctl_fail(c, &r);
			ctl_resp_free(&r);
			return rc;
		}
		if (c->json) {
			ctl_print_raw(&r);
			ctl_resp_free(&r);
			return 0;
		}
		j = ctl_json(&r);
		ctl_resp_free(&r);
		if (j == NULL)
			return CTL_EXIT_REFUSED;
		evs = json_object_get(j, "events");
		n = json_array_size(evs);
		json_array_foreach(evs, i, ev)
			ctl_out_event(ev);
		/* "last" moves on, or we would ask for the same page again */
		if (n < EVENTS_PAGE || json_integer_value(json_object_get(j, "last")) <= since) {
			json_decref(j);
			return 0;
		}
		since = json_integer_value(json_object_get(j, "last"));
		json_decref(j);
	}
}

static int
cmd_token(const struct ctl *c, int argc, char **argv, const char *role, const char *comment)
{
	struct ctl_req rq = { .method = "POST", .path = "/api/v1/tokens",
			      .content_type = "application/json" };
	const char *sub = argc > 0 ? argv[0] : "";
	struct ctl_resp r;
	char path[128], *body;
	json_t *j;
	int rc;

	if ((role != NULL || comment != NULL) && strcmp(sub, "create") != 0) {
		fprintf(stderr, "dpwanctl: --role and --comment go with `token create`\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(sub, "list") == 0 && argc == 1)
		return get_and_show(c, "/api/v1/tokens", ctl_out_tokens);
	if (strcmp(sub, "revoke") == 0 && argc == 2) {
		if (strncmp(argv[1], "tok_", 4) != 0 || strlen(argv[1]) > 40 ||
		    strspn(argv[1] + 4, "0123456789abcdef") != strlen(argv[1] + 4)) {
			fprintf(stderr, "dpwanctl: '%s' is not a token id (tok_ and hex digits)\n",
				argv[1]);
			return CTL_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/tokens/%s", argv[1]);
		rq.method = "DELETE";
		rq.path = path;
		rq.content_type = NULL;
		if ((rc = ctl_http(c, &rq, &r)) != 0)
			return rc;
		if (r.status == 204 || r.status == 200)
			printf("token %s revoked\n", argv[1]);
		else
			rc = ctl_fail(c, &r);
		ctl_resp_free(&r);
		return rc;
	}
	if (strcmp(sub, "create") != 0 || argc != 1) {
		fprintf(stderr, "dpwanctl: token: expected create --role admin|read-only "
			"[--comment T] | list | revoke ID\n");
		return CTL_EXIT_USAGE;
	}
	if (role == NULL || (strcmp(role, "admin") != 0 && strcmp(role, "read-only") != 0)) {
		fprintf(stderr, "dpwanctl: token create: --role admin or --role read-only\n");
		return CTL_EXIT_USAGE;
	}
	j = json_pack("{s:s}", "role", role);
	if (comment != NULL)
		json_object_set_new(j, "comment", json_string(comment));
	body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL) {
		fprintf(stderr, "dpwanctl: --comment is not valid UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	rq.body = body;
	rq.body_len = strlen(body);
	rc = ctl_http(c, &rq, &r);
	free(body);
	if (rc != 0)
		return rc;
	if (r.status != 201 && r.status != 200) {
		rc = ctl_fail(c, &r);
	} else if (c->json) {
		ctl_print_raw(&r);
	} else if ((j = ctl_json(&r)) == NULL) {
		rc = CTL_EXIT_REFUSED;
	} else {
		ctl_out_token_created(j);
		json_decref(j);
	}
	ctl_resp_free(&r);
	return rc;
}

static int
cmd_raw(const struct ctl *c, const char *method, const char *path, const char *body)
{
	struct ctl_req rq = { .method = method, .path = path, .body = body,
			      .body_len = body != NULL ? strlen(body) : 0,
			      .content_type = body != NULL ? "application/json" : NULL,
			      .accept = "*/*" };
	struct ctl_resp r;
	int rc;

	if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "POST") != 0 && strcmp(method, "DELETE") != 0) {
		fprintf(stderr, "dpwanctl: raw: METHOD is GET, PUT, POST or DELETE\n");
		return CTL_EXIT_USAGE;
	}
	if (path[0] != '/') {
		fprintf(stderr, "dpwanctl: raw: PATH starts with / (/api/v1/status)\n");
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_http(c, &rq, &r)) != 0)
		return rc;
	if (r.status >= 200 && r.status < 300) {
		ctl_print_raw(&r);
	} else {
		ctl_print_raw(&r);
		rc = ctl_fail(c, &r);
	}
	ctl_resp_free(&r);
	return rc;
}

static int
cmd_metrics(const struct ctl *c)
{
	struct ctl_req rq = { .method = "GET", .path = "/metrics", .accept = "text/plain" };
	struct ctl_resp r;
	int rc = ctl_http(c, &rq, &r);

	if (rc != 0)
		return rc;
	if (r.status == 200)
		ctl_print_raw(&r);
	else
		rc = ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

/* A non-negative integer option; -1 after saying why it is none. */
static long long
num_opt(const char *name, const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "dpwanctl: %s: expected %lld..%lld, not '%s'\n", name, lo, hi, s);
		return -1;
	}
	return v;
}

static bool
sess_opts_given(const struct ctl_sess_opts *so)
{
	return so->client != NULL || so->dst != NULL || so->wan != NULL || so->rule != NULL ||
	       so->proto != NULL || so->cursor != NULL || so->limit > 0 || so->all;
}

static bool
capture_opts_given(const struct ctl_capture_opts *o)
{
	return o->filter != NULL || o->file != NULL || o->count > 0 || o->duration > 0 ||
	       o->snaplen > 0 || o->force;
}

static int
run(struct ctl *c, int nargs, char **args, const struct ctl_config_opts *co,
    const struct ctl_sess_opts *so, long long since, bool follow, const char *role,
    const struct ctl_capture_opts *cap)
{
	const char *cmd = args[0];

	if (capture_opts_given(cap) && strcmp(cmd, "capture") != 0) {
		fprintf(stderr, "dpwanctl: --filter, --count, --duration, --snaplen, --force and "
			"-w go with `capture`\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd, "capture") == 0)
		return ctl_capture(c, nargs - 1, args + 1, cap);

	if (sess_opts_given(so) && strcmp(cmd, "sessions") != 0) {
		fprintf(stderr, "dpwanctl: --client, --dst, --wan, --rule, --proto, --limit, "
			"--cursor and --all go with `sessions`\n");
		return CTL_EXIT_USAGE;
	}
	if (so->src_mac != NULL && strcmp(cmd, "explain") != 0) {
		fprintf(stderr, "dpwanctl: --src-mac goes with `explain`\n");
		return CTL_EXIT_USAGE;
	}

	if ((since >= 0 || follow) && strcmp(cmd, "events") != 0) {
		fprintf(stderr, "dpwanctl: --since and --follow go with `events`\n");
		return CTL_EXIT_USAGE;
	}
	if (role != NULL && strcmp(cmd, "token") != 0) {
		fprintf(stderr, "dpwanctl: --role goes with `token create`\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd, "config") == 0)
		return ctl_config(c, nargs - 1, args + 1, co);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(c, nargs - 1, args + 1, role, co->comment);
	if ((co->yaml || co->gen > 0 || co->confirm > 0 || co->comment != NULL)) {
		fprintf(stderr, "dpwanctl: --yaml, --gen, --confirm and --comment go with `config`"
			" (and --comment with `token create`)\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd, "status") == 0 && nargs == 1)
		return cmd_status(c);
	if (strcmp(cmd, "policies") == 0 && nargs == 1)
		return get_and_show(c, "/api/v1/policies", out_policies);
	if (strcmp(cmd, "rules") == 0 && nargs == 1)
		return get_and_show(c, "/api/v1/rules", out_rules);
	if (strcmp(cmd, "wans") == 0 && nargs == 1)
		return get_and_show(c, "/api/v1/wans", out_wan_list);
	if (strcmp(cmd, "wan") == 0 && (nargs == 2 || nargs == 3))
		return cmd_wan(c, args[1], nargs == 3 ? args[2] : NULL);
	if (strcmp(cmd, "events") == 0 && nargs == 1)
		return cmd_events(c, since >= 0 ? since : 0, follow);
	if (strcmp(cmd, "explain") == 0)
		return ctl_explain(c, nargs - 1, args + 1, so);
	if (strcmp(cmd, "sessions") == 0)
		return ctl_sessions(c, nargs - 1, args + 1, so);
	if (strcmp(cmd, "metrics") == 0 && nargs == 1)
		return cmd_metrics(c);
	/* LAN services (issue 9): `lan SUB` or SUB alone */
	if (strcmp(cmd, "lan") == 0)
		return ctl_lan(c, nargs - 1, args + 1);
	if (ctl_lan_command(cmd))
		return ctl_lan(c, nargs, args);
	if (ctl_inbound_command(cmd))
		return ctl_inbound(c, nargs, args);
	if (strcmp(cmd, "domain-sets") == 0 && nargs == 1)
		return get_and_show(c, "/api/v1/lan/dns/domain-sets?limit=1000", out_domain_sets);
	if (strcmp(cmd, "raw") == 0 && (nargs == 3 || nargs == 4))
		return cmd_raw(c, args[1], args[2], nargs == 4 ? args[3] : NULL);
	fprintf(stderr, "dpwanctl: bad command or arguments: %s (dpwanctl --help)\n", cmd);
	return CTL_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	enum { OPT_TOKEN_FILE = 256, OPT_JSON, OPT_CACERT, OPT_YAML, OPT_GEN, OPT_CONFIRM,
	       OPT_COMMENT, OPT_SINCE, OPT_FOLLOW, OPT_ROLE, OPT_BASE, OPT_MAP, OPT_CLIENT,
	       OPT_DST, OPT_WAN, OPT_RULE, OPT_PROTO, OPT_LIMIT, OPT_CURSOR, OPT_ALL,
	       OPT_SRC_MAC, OPT_FILTER, OPT_COUNT, OPT_DURATION, OPT_SNAPLEN, OPT_FORCE };
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 's' },        /* 0.1's name */
		{ "token", required_argument, NULL, 't' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "yaml", no_argument, NULL, OPT_YAML },
		{ "gen", required_argument, NULL, OPT_GEN },
		{ "confirm", required_argument, NULL, OPT_CONFIRM },
		{ "comment", required_argument, NULL, OPT_COMMENT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "dst", required_argument, NULL, OPT_DST },
		{ "wan", required_argument, NULL, OPT_WAN },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "cursor", required_argument, NULL, OPT_CURSOR },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "write", required_argument, NULL, 'w' },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *url = NULL, *token = NULL, *token_file = NULL;
	const char *role = NULL, *env_token = getenv("DPWAN_TOKEN");
	char state_dir[DPW_PATH_LEN] = DEFAULT_STATE_DIR, conf_url[CTL_URL_LEN] = DEFAULT_URL;
	char path[DPW_PATH_LEN + 64];
	struct ctl_config_opts co = { 0 };
	struct ctl_sess_opts so = { 0 };
	struct ctl_capture_opts cap = { 0 };
	struct ctl_mwan3_opts mo;
	bool mwan3_opts = false;
	char map_err[160];
	long long since = -1, v;
	bool follow = false, need_conf;
	struct ctl c;
	int opt, rc;

	memset(&c, 0, sizeof(c));
	memset(&mo, 0, sizeof(mo));
	/* options anywhere (`status --json`, `config get --yaml`); `--` ends them */
	while ((opt = getopt_long(argc, argv, "s:t:c:o:w:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_BASE:
			mo.base = optarg;
			mwan3_opts = true;
			break;
		case OPT_MAP:
			if (dpw_mwan3_map_parse(&mo.map, optarg, map_err, sizeof(map_err)) != 0) {
				fprintf(stderr, "dpwanctl: --map: %s\n", map_err);
				return CTL_EXIT_USAGE;
			}
			mwan3_opts = true;
			break;
		case 'o':
			mo.out = optarg;
			mwan3_opts = true;
			break;
		case 's':
			url = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		case OPT_CACERT:
			c.cacert = optarg;
			if (access(optarg, R_OK) != 0) {
				fprintf(stderr, "dpwanctl: --cacert %s: %s\n", optarg,
					strerror(errno));
				return CTL_EXIT_USAGE;
			}
			break;
		case OPT_YAML:
			co.yaml = true;
			break;
		case OPT_GEN:
			if ((v = num_opt("--gen", optarg, 1, INT64_MAX)) < 0)
				return CTL_EXIT_USAGE;
			co.gen = v;
			break;
		case OPT_CONFIRM:
			if ((v = num_opt("--confirm", optarg, 10, 3600)) < 0)
				return CTL_EXIT_USAGE;
			co.confirm = (long)v;
			break;
		case OPT_COMMENT:
			if (strlen(optarg) > 200) {
				fprintf(stderr, "dpwanctl: --comment: at most 200 characters\n");
				return CTL_EXIT_USAGE;
			}
			co.comment = optarg;
			break;
		case OPT_SINCE:
			if ((since = num_opt("--since", optarg, 0, INT64_MAX)) < 0)
				return CTL_EXIT_USAGE;
			break;
		case OPT_FOLLOW:
			follow = true;
			break;
		case OPT_ROLE:
			role = optarg;
			break;
		case OPT_CLIENT:
			so.client = optarg;
			break;
		case OPT_DST:
			so.dst = optarg;
			break;
		case OPT_WAN:
			so.wan = optarg;
			break;
		case OPT_RULE:
			so.rule = optarg;
			break;
		case OPT_PROTO:
			so.proto = optarg;
			break;
		case OPT_LIMIT:
			if ((v = num_opt("--limit", optarg, 1, 1000)) < 0)
				return CTL_EXIT_USAGE;
			so.limit = (long)v;
			break;
		case OPT_CURSOR:
			so.cursor = optarg;
			break;
		case OPT_ALL:
			so.all = true;
			break;
		case OPT_SRC_MAC:
			so.src_mac = optarg;
			break;
		case OPT_FILTER:
			cap.filter = optarg;
			break;
		case 'w':
			cap.file = optarg;
			break;
		case OPT_COUNT:
			if ((v = num_opt("--count", optarg, 1, 1000000)) < 0)
				return CTL_EXIT_USAGE;
			cap.count = (long)v;
			break;
		case OPT_DURATION:
			if ((v = num_opt("--duration", optarg, 1, 600)) < 0)
				return CTL_EXIT_USAGE;
			cap.duration = (long)v;
			break;
		case OPT_SNAPLEN:
			if ((v = num_opt("--snaplen", optarg, 64, 65535)) < 0)
				return CTL_EXIT_USAGE;
			cap.snaplen = (long)v;
			break;
		case OPT_FORCE:
			cap.force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "dpwanctl --help shows the commands and options\n");
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (token != NULL && token_file != NULL) {
		fprintf(stderr, "dpwanctl: -t and --token-file: give one of them\n");
		return CTL_EXIT_USAGE;
	}
	/* a file conversion: no server, no token, no dpwan.conf */
	if (strcmp(argv[optind], "import-mwan3") == 0) {
		mo.json = c.json;
		return ctl_import_mwan3(argc - optind, argv + optind, &mo);
	}
	if (mwan3_opts) {
		fprintf(stderr, "dpwanctl: --base, --map and -o go with `import-mwan3`\n");
		return CTL_EXIT_USAGE;
	}

	/* dpwan.conf when it is named, or when the default one exists and is needed */
	need_conf = url == NULL || (token == NULL && token_file == NULL && env_token == NULL);
	if (conf_path != NULL || (need_conf && access(DEFAULT_CONF, F_OK) == 0)) {
		if (from_sysconf(conf_path != NULL ? conf_path : DEFAULT_CONF, conf_url,
				 sizeof(conf_url), state_dir, sizeof(state_dir)) < 0)
			return CTL_EXIT_USAGE;
	}
	snprintf(c.url, sizeof(c.url), "%s", url != NULL ? url : conf_url);
	/* No trailing slash: paths start with one. */
	while (strlen(c.url) > 0 && c.url[strlen(c.url) - 1] == '/')
		c.url[strlen(c.url) - 1] = '\0';
	if (strncmp(c.url, "http://", 7) != 0 && strncmp(c.url, "https://", 8) != 0) {
		fprintf(stderr, "dpwanctl: -s %s: expected http://HOST:PORT or https://HOST:PORT\n",
			c.url);
		return CTL_EXIT_USAGE;
	}

	if (token != NULL) {
		fprintf(stderr, "dpwanctl: warning: -t shows the token in the process list and the "
			"shell history; use --token-file FILE or $DPWAN_TOKEN\n");
		if (set_token(&c, token, strlen(token), "-t") < 0)
			return CTL_EXIT_USAGE;
	} else if (token_file != NULL) {
		if (read_token_file(token_file, &c, false) < 0)
			return CTL_EXIT_USAGE;
	} else if (env_token != NULL) {
		if (set_token(&c, env_token, strlen(env_token), "$DPWAN_TOKEN") < 0)
			return CTL_EXIT_USAGE;
	} else {
		snprintf(path, sizeof(path), "%s/initial-admin-token", state_dir);
		snprintf(c.token_from, sizeof(c.token_from),
			 "nowhere (no -t, --token-file, $DPWAN_TOKEN, or readable %s)", path);
		/* Silent when absent: the API then answers 401 with a hint. */
		if (read_token_file(path, &c, true) < 0)
			return CTL_EXIT_USAGE;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "dpwanctl: cannot initialise libcurl\n");
		return CTL_EXIT_REFUSED;
	}
	rc = run(&c, argc - optind, argv + optind, &co, &so, since, follow, role, &cap);
	explicit_bzero(c.token, sizeof(c.token));
	curl_global_cleanup();
	return rc;
}
