/* SPDX-License-Identifier: BSD-3-Clause
 * dpwanctl config get|edit|validate|apply|diff|history|rollback|confirm: the network-
 * policy document through /api/v1/config*. Whole-document writes carry If-Match (the
 * generation fetched, or the running one for a file given on the command line); `edit`
 * round-trips YAML through $EDITOR and re-opens it with the server's problems as
 * comments. Single-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "lib/cfg/dpw_doc.h"

#define CT_JSON "application/json"
#define CT_YAML "application/yaml"
/* What `edit` puts above a rejected document, and takes away again before sending it. */
#define NOTE_FIRST "# dpwanctl: the server refused this document:\n"
#define NOTE_LAST "# dpwanctl: fix the problems, save and quit (leave it unchanged to give up)\n"

struct text {
	char *s;
	size_t len;
};

/* A whole file ("-": stdin) of at most DPW_DOC_MAX_BYTES; 0 or an exit code. */
static int
read_text(const char *path, struct text *t)
{
	return ctl_read_file(path, &t->s, &t->len);
}

int
ctl_read_file(const char *path, char **text, size_t *len)
{
	struct text tt, *t = &tt;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 0;
	char *p;

	t->s = NULL;
	t->len = 0;
	if (fd < 0) {
		fprintf(stderr, "dpwanctl: %s: %s\n", path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	for (;;) {
		ssize_t n;

		if (t->len + 1 >= cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > DPW_DOC_MAX_BYTES + 2)
				cap = DPW_DOC_MAX_BYTES + 2;
			p = realloc(t->s, cap);
			if (p == NULL) {
				fprintf(stderr, "dpwanctl: out of memory\n");
				goto fail;
			}
			t->s = p;
		}
		if (t->len > DPW_DOC_MAX_BYTES) {
			fprintf(stderr, "dpwanctl: %s: larger than the API's %u MiB\n", path,
				DPW_DOC_MAX_BYTES >> 20);
			goto fail;
		}
		n = read(fd, t->s + t->len, cap - 1 - t->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "dpwanctl: %s: %s\n", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		t->len += (size_t)n;
	}
	t->s[t->len] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	*text = t->s;
	*len = t->len;
	return 0;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(t->s);
	*text = NULL;
	*len = 0;
	return CTL_EXIT_USAGE;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* By the file's name, else by its first character that is no space or comment. */
static const char *
content_type_of(const char *path, const struct text *t)
{
	size_t i = 0;

	if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
		return CT_YAML;
	if (ends_with(path, ".json"))
		return CT_JSON;
	while (i < t->len) {
		if (t->s[i] == ' ' || t->s[i] == '\t' || t->s[i] == '\r' || t->s[i] == '\n') {
			i++;
		} else if (t->s[i] == '#') {
			while (i < t->len && t->s[i] != '\n')
				i++;
		} else {
			break;
		}
	}
	return i < t->len && (t->s[i] == '{' || t->s[i] == '[') ? CT_JSON : CT_YAML;
}

/* The running generation's ETag (for If-Match); 0 or an exit code. */
static int
running_etag(const struct ctl *c, char *etag, size_t len)
{
	struct ctl_resp r;
	int rc = ctl_get(c, "/api/v1/config", &r);

	if (rc != 0)
		return rc;
	if (r.status != 200) {
		rc = ctl_fail(c, &r);
	} else if (r.etag[0] == '\0') {
		fprintf(stderr, "dpwanctl: the server sent no ETag with the running config\n");
		rc = CTL_EXIT_REFUSED;
	} else {
		snprintf(etag, len, "%s", r.etag);
	}
	ctl_resp_free(&r);
	return rc;
}

/* "/api/v1/config?confirm=S&comment=T" into path. */
static int
apply_path(const struct ctl_config_opts *o, char *path, size_t len)
{
	char esc[3 * 200 + 1];
	int n = snprintf(path, len, "/api/v1/config");

	if (o->confirm > 0)
		n += snprintf(path + n, len - (size_t)n, "?confirm=%ld", o->confirm);
	if (o->comment != NULL) {
		if (ctl_escape(o->comment, esc, sizeof(esc)) < 0) {
			fprintf(stderr, "dpwanctl: --comment: longer than 200 characters\n");
			return CTL_EXIT_USAGE;
		}
		snprintf(path + n, len - (size_t)n, "%scomment=%s", o->confirm > 0 ? "&" : "?",
			 esc);
	}
	return 0;
}

/* Print a 2xx body: unchanged with --json, else rendered by out. 0 or an exit code. */
static int
show(const struct ctl *c, const struct ctl_resp *r, void (*out)(const json_t *))
{
	json_t *j;

	if (c->json) {
		ctl_print_raw(r);
		return 0;
	}
	j = ctl_json(r);
	if (j == NULL)
		return CTL_EXIT_REFUSED;
	out(j);
	json_decref(j);
	return 0;
}

static void
out_applied(const json_t *j)
{
	ctl_out_apply(j, "applied");
}

static void
out_rolled_back(const json_t *j)
{
	ctl_out_apply(j, "rolled back as");
}

static int
cmd_get(const struct ctl *c, const struct ctl_config_opts *o)
{
	struct ctl_req rq = { .method = "GET", .accept = o->yaml ? CT_YAML : CT_JSON };
	struct ctl_resp r;
	char path[64];
	int rc;

	if (o->gen > 0)
		snprintf(path, sizeof(path), "/api/v1/config/history/%lld", o->gen);
	else
		snprintf(path, sizeof(path), "/api/v1/config");
	rq.path = path;
	rc = ctl_http(c, &rq, &r);
	if (rc != 0)
		return rc;
	/* the document as the server wrote it, so that `get > f; apply f` round-trips */
	if (r.status == 200)
		ctl_print_raw(&r);
	else
		rc = ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

static void
out_valid(const json_t *j)
{
	json_t *w = json_object_get(j, "warnings");

	printf("valid%s\n", json_array_size(w) > 0 ? ", with warnings:" : "");
	ctl_out_problems(stdout, w, "warning: ");
}

static int
cmd_validate(const struct ctl *c, const char *file)
{
	struct ctl_req rq = { .method = "POST", .path = "/api/v1/config/validate" };
	struct ctl_resp r;
	struct text t;
	int rc = read_text(file, &t);

	if (rc != 0)
		return rc;
	rq.body = t.s;
	rq.body_len = t.len;
	rq.content_type = content_type_of(file, &t);
	rc = ctl_http(c, &rq, &r);
	free(t.s);
	if (rc != 0)
		return rc;
	rc = r.status == 200 ? show(c, &r, out_valid) : ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

/* After a 412: what happened and what to do; the exit code. */
static int
stale(const struct ctl_resp *r, const char *based_on, const char *kept)
{
	long long was = ctl_etag_gen(based_on), now = ctl_etag_gen(r->etag);

	fprintf(stderr, "dpwanctl: someone else changed the config since generation %lld was "
		"fetched", was);
	if (now >= 0)
		fprintf(stderr, " (now %lld)", now);
	fprintf(stderr, "; nothing applied.\n");
	if (kept != NULL)
		fprintf(stderr, "dpwanctl: your edit is kept in %s\n", kept);
	if (now >= 0)
		fprintf(stderr, "dpwanctl: see what changed: dpwanctl config diff %lld %lld\n", was,
			now);
	else
		fprintf(stderr, "dpwanctl: see what changed: dpwanctl config diff %lld\n", was);
	return CTL_EXIT_REFUSED;
}

static int
cmd_apply(const struct ctl *c, const char *file, const struct ctl_config_opts *o)
{
	struct ctl_req rq = { .method = "PUT" };
	char etag[64], path[800];
	struct ctl_resp r;
	struct text t;
	int rc;

	if ((rc = apply_path(o, path, sizeof(path))) != 0)
		return rc;
	if ((rc = read_text(file, &t)) != 0)
		return rc;
	/* a file is applied over whatever runs now: the lost-update guard is `config edit` */
	rc = running_etag(c, etag, sizeof(etag));
	if (rc != 0)
		goto out;
	rq.path = path;
	rq.body = t.s;
	rq.body_len = t.len;
	rq.content_type = content_type_of(file, &t);
	rq.if_match = etag;
	rc = ctl_http(c, &rq, &r);
	if (rc != 0)
		goto out;
	if (r.status == 200)
		rc = show(c, &r, out_applied);
	else if (r.status == 412)
		rc = stale(&r, etag, NULL);
	else
		rc = ctl_fail(c, &r);
	ctl_resp_free(&r);
out:
	free(t.s);
	return rc;
}

/* ---- config edit ------------------------------------------------------------------- */

/* Run $EDITOR (default vi) on path and wait for it; 0 when it exited with 0. */
static int
run_editor(const char *path)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status = 0, rc = -1;
	pid_t pid;

	/* like system(3): Ctrl-C belongs to the editor, not to us */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		/* unquoted: EDITOR="code --wait" is a command with arguments */
		execl("/bin/sh", "sh", "-c", "exec ${EDITOR:-vi} \"$1\"", "sh", path,
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return rc;
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace the temp file's contents: the notes (problems) if any, then the text. */
static int
write_edit_file(const char *path, const json_t *problems, const char *detail,
		const struct text *t)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), rc = 0;
	const json_t *e;
	size_t i;
	char line[512];

	if (fd < 0)
		return -1;
	if (problems != NULL || detail != NULL) {
		rc |= write_all(fd, NOTE_FIRST, strlen(NOTE_FIRST));
		if (detail != NULL && json_array_size(problems) == 0) {
			snprintf(line, sizeof(line), "# %s\n", detail);
			rc |= write_all(fd, line, strlen(line));
		}
		json_array_foreach(problems, i, e) {
			const char *p = json_string_value(json_object_get(e, "path"));
			const char *m = json_string_value(json_object_get(e, "message"));

			snprintf(line, sizeof(line), "# %s: %s\n",
				 p != NULL && p[0] != '\0' ? p : "(document)", m != NULL ? m : "?");
			rc |= write_all(fd, line, strlen(line));
		}
		rc |= write_all(fd, NOTE_LAST, strlen(NOTE_LAST));
	}
	rc |= write_all(fd, t->s, t->len);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* The notes block at the top, if there is one, taken off t (in place). */
static void
strip_notes(struct text *t)
{
	char *end;
	size_t skip;

	if (strncmp(t->s, NOTE_FIRST, strlen(NOTE_FIRST)) != 0)
		return;
	end = strstr(t->s, NOTE_LAST);
	if (end == NULL)
		return;
	skip = (size_t)(end - t->s) + strlen(NOTE_LAST);
	memmove(t->s, t->s + skip, t->len - skip + 1);
	t->len -= skip;
}

static bool
blank(const struct text *t)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (t->s[i] != ' ' && t->s[i] != '\t' && t->s[i] != '\n' && t->s[i] != '\r')
			return false;
	return true;
}

static int
cmd_edit(const struct ctl *c, const struct ctl_config_opts *o)
{
	struct ctl_req rq = { .method = "GET", .path = "/api/v1/config", .accept = CT_YAML };
	struct text last = { NULL, 0 }, now = { NULL, 0 };
	char etag[64], path[800], tmp[4096];
	const char *ctype = CT_YAML, *tmpdir = getenv("TMPDIR");
	bool rejected = false, keep = true;
	json_t *owner = NULL, *problems = NULL;
	struct ctl_resp r;
	int fd, rc;

	if ((rc = apply_path(o, path, sizeof(path))) != 0)
		return rc;
	rc = ctl_http(c, &rq, &r);
	if (rc != 0)
		return rc;
	if ((rc = ctl_expect(c, &r, 200)) != 0)
		return rc;
	if (r.etag[0] == '\0') {
		fprintf(stderr, "dpwanctl: the server sent no ETag with the config\n");
		ctl_resp_free(&r);
		return CTL_EXIT_REFUSED;
	}
	snprintf(etag, sizeof(etag), "%s", r.etag);
	/* a server without YAML answers JSON: edit that, then */
	if (strncmp(r.content_type, CT_JSON, strlen(CT_JSON)) == 0)
		ctype = CT_JSON;
	last.s = r.body;
	last.len = r.len;
	r.body = NULL;

	snprintf(tmp, sizeof(tmp), "%s/dpwanctl-config-XXXXXX%s",
		 tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp",
		 strcmp(ctype, CT_YAML) == 0 ? ".yaml" : ".json");
	fd = mkstemps(tmp, 5);
	if (fd < 0) {
		fprintf(stderr, "dpwanctl: cannot create a temporary file in %s: %s\n",
			tmpdir != NULL ? tmpdir : "/tmp", strerror(errno));
		free(last.s);
		return CTL_EXIT_REFUSED;
	}
	/* the document names addresses and, later, secrets: only for us */
	fchmod(fd, 0600);
	close(fd);
	if (write_edit_file(tmp, NULL, NULL, &last) < 0) {
		fprintf(stderr, "dpwanctl: %s: %s\n", tmp, strerror(errno));
		rc = CTL_EXIT_REFUSED;
		goto out;
	}
	for (;;) {
		if (run_editor(tmp) < 0) {
			fprintf(stderr, "dpwanctl: the editor (%s) failed; nothing applied\n",
				getenv("EDITOR") != NULL ? getenv("EDITOR") : "vi");
			rc = CTL_EXIT_REFUSED;
			break;
		}
		free(now.s);
		if ((rc = read_text(tmp, &now)) != 0)
			break;
		strip_notes(&now);
		if (blank(&now) || (now.len == last.len && memcmp(now.s, last.s, now.len) == 0)) {
			printf("%s: nothing applied\n", blank(&now) ? "empty file" : "no change");
			keep = rejected;
			rc = rejected ? CTL_EXIT_REFUSED : 0;
			break;
		}
		rq.method = "PUT";
		rq.path = path;
		rq.accept = CT_JSON;
		rq.body = now.s;
		rq.body_len = now.len;
		rq.content_type = ctype;
		rq.if_match = etag;
		if ((rc = ctl_http(c, &rq, &r)) != 0)
			break;
		if (r.status == 200) {
			rc = show(c, &r, out_applied);
			keep = false;
			ctl_resp_free(&r);
			break;
		}
		if (r.status != 400) {
			rc = r.status == 412 ? stale(&r, etag, NULL) : ctl_fail(c, &r);
			ctl_resp_free(&r);
			break;
		}
		/* rejected: show the problems above the text and open it again */
		problems = ctl_problem_errors(&r, &owner);
		{
			json_t *j = json_loads(r.body, 0, NULL);
			const char *detail = json_string_value(json_object_get(j, "detail"));

			fprintf(stderr, "dpwanctl: the server refused the document%s%s\n",
				detail != NULL ? ": " : "", detail != NULL ? detail : "");
			if (problems != NULL)
				ctl_out_problems(stderr, problems, "  ");
			rc = write_edit_file(tmp, problems, detail != NULL ? detail : "rejected",
					     &now);
			json_decref(j);
		}
		json_decref(owner);
		owner = NULL;
		ctl_resp_free(&r);
		if (rc < 0) {
			fprintf(stderr, "dpwanctl: %s: %s\n", tmp, strerror(errno));
			rc = CTL_EXIT_REFUSED;
			break;
		}
		rejected = true;
		free(last.s);
		last = now;
		now.s = NULL;
		now.len = 0;
	}
out:
	if (keep && rc != 0)
		fprintf(stderr, "dpwanctl: your edit is kept in %s\n", tmp);
	else
		unlink(tmp);
	free(last.s);
	free(now.s);
	return rc;
}

/* ---- history, diff, rollback, confirm ----------------------------------------------- */

static int
cmd_history(const struct ctl *c)
{
	struct ctl_resp r;
	int rc = ctl_get(c, "/api/v1/config/history", &r);

	if (rc != 0)
		return rc;
	rc = r.status == 200 ? show(c, &r, ctl_out_history) : ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

/* A generation number argument; -1 after saying why it is none. */
static long long
parse_gen(const char *s)
{
	char *end;
	long long g;

	errno = 0;
	g = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || g < 1) {
		fprintf(stderr, "dpwanctl: '%s' is not a generation number\n", s);
		return -1;
	}
	return g;
}

/* The two newest generations (no argument to diff): the running one and its predecessor. */
static int
last_two(const struct ctl *c, long long *from, long long *to)
{
	struct ctl_resp r;
	json_t *j, *gens;
	int rc = ctl_get(c, "/api/v1/config/history?limit=2", &r);

	if (rc != 0)
		return rc;
	if ((rc = ctl_expect(c, &r, 200)) != 0)
		return rc;
	j = ctl_json(&r);
	ctl_resp_free(&r);
	if (j == NULL)
		return CTL_EXIT_REFUSED;
	gens = json_object_get(j, "generations");
	if (json_array_size(gens) < 2) {
		fprintf(stderr, "dpwanctl: there is no earlier generation to compare with\n");
		rc = CTL_EXIT_REFUSED;
	} else {
		*to = json_integer_value(json_object_get(json_array_get(gens, 0), "generation"));
		*from = json_integer_value(json_object_get(json_array_get(gens, 1), "generation"));
	}
	json_decref(j);
	return rc;
}

static int
cmd_diff(const struct ctl *c, int argc, char **argv)
{
	long long from = 0, to = 0;
	struct ctl_resp r;
	char path[128];
	int rc;

	if (argc >= 1 && (from = parse_gen(argv[0])) < 0)
		return CTL_EXIT_USAGE;
	if (argc >= 2 && (to = parse_gen(argv[1])) < 0)
		return CTL_EXIT_USAGE;
	if (argc == 0 && (rc = last_two(c, &from, &to)) != 0)
		return rc;
	if (to > 0)
		snprintf(path, sizeof(path), "/api/v1/config/diff?from=%lld&to=%lld", from, to);
	else
		snprintf(path, sizeof(path), "/api/v1/config/diff?from=%lld", from);
	if ((rc = ctl_get(c, path, &r)) != 0)
		return rc;
	rc = r.status == 200 ? show(c, &r, ctl_out_diff) : ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

static int
cmd_rollback(const struct ctl *c, const char *arg, const struct ctl_config_opts *o)
{
	struct ctl_req rq = { .method = "POST", .path = "/api/v1/config/rollback",
			      .content_type = CT_JSON };
	long long gen = parse_gen(arg);
	char etag[64], *body;
	struct ctl_resp r;
	json_t *j;
	int rc;

	if (gen < 0)
		return CTL_EXIT_USAGE;
	j = json_pack("{s:I}", "generation", (json_int_t)gen);
	if (j == NULL)
		return CTL_EXIT_REFUSED;
	if (o->comment != NULL)
		json_object_set_new(j, "comment", json_string(o->comment));
	if (o->confirm > 0)
		json_object_set_new(j, "confirm", json_integer(o->confirm));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL) {
		fprintf(stderr, "dpwanctl: --comment is not valid UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	rc = running_etag(c, etag, sizeof(etag));
	if (rc != 0)
		goto out;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.if_match = etag;
	if ((rc = ctl_http(c, &rq, &r)) != 0)
		goto out;
	if (r.status == 200)
		rc = show(c, &r, out_rolled_back);
	else if (r.status == 412)
		rc = stale(&r, etag, NULL);
	else
		rc = ctl_fail(c, &r);
	ctl_resp_free(&r);
out:
	free(body);
	return rc;
}

static void
out_confirmed(const json_t *j)
{
	printf("generation %lld confirmed: it stays\n",
	       (long long)json_integer_value(json_object_get(j, "generation")));
}

static int
cmd_confirm(const struct ctl *c)
{
	struct ctl_req rq = { .method = "POST", .path = "/api/v1/config/confirm" };
	struct ctl_resp r;
	int rc = ctl_http(c, &rq, &r);

	if (rc != 0)
		return rc;
	rc = r.status == 200 ? show(c, &r, out_confirmed) : ctl_fail(c, &r);
	ctl_resp_free(&r);
	return rc;
}

int
ctl_config(const struct ctl *c, int argc, char **argv, const struct ctl_config_opts *o)
{
	const char *sub = argc > 0 ? argv[0] : "";
	bool apply_opts = o->confirm > 0 || o->comment != NULL;

	argc--;
	argv++;
	if ((o->yaml || o->gen > 0) && strcmp(sub, "get") != 0) {
		fprintf(stderr, "dpwanctl: --yaml and --gen go with `config get`\n");
		return CTL_EXIT_USAGE;
	}
	if (apply_opts && strcmp(sub, "apply") != 0 && strcmp(sub, "edit") != 0 &&
	    strcmp(sub, "rollback") != 0) {
		fprintf(stderr, "dpwanctl: --confirm and --comment go with `config apply`, "
			"`config edit` and `config rollback`\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(sub, "get") == 0 && argc == 0)
		return cmd_get(c, o);
	if (strcmp(sub, "edit") == 0 && argc == 0)
		return cmd_edit(c, o);
	if (strcmp(sub, "validate") == 0 && argc == 1)
		return cmd_validate(c, argv[0]);
	if (strcmp(sub, "apply") == 0 && argc == 1)
		return cmd_apply(c, argv[0], o);
	if (strcmp(sub, "diff") == 0 && argc <= 2)
		return cmd_diff(c, argc, argv);
	if (strcmp(sub, "history") == 0 && argc == 0)
		return cmd_history(c);
	if (strcmp(sub, "rollback") == 0 && argc == 1)
		return cmd_rollback(c, argv[0], o);
	if (strcmp(sub, "confirm") == 0 && argc == 0)
		return cmd_confirm(c);
	fprintf(stderr, "dpwanctl: config: expected get [--yaml] [--gen N] | edit | "
		"validate FILE | apply FILE [--confirm S] [--comment T] | diff [A] [B] | history |"
		" rollback GEN [--confirm S] | confirm\n");
	return CTL_EXIT_USAGE;
}
