/* SPDX-License-Identifier: BSD-3-Clause
 * The web dashboard's static files (issue 11): GET / and /dashboard redirect to
 * /dashboard/, which is index.html; /dashboard/<file> is one of control/www/ built into
 * the binary (control/www.h), with its Content-Type and headers that keep the page to
 * its own scripts and out of frames. No token: the page asks for one and sends it with
 * every data request it makes. Main thread.
 */
#include <string.h>

#include "control/api.h"
#include "control/www.h"

#define DASHBOARD_PATH "/dashboard/"
#define DASHBOARD_INDEX "index.html"

/* Only what the page itself brings: no inline script or style, no other origin. */
#define DASHBOARD_CSP "default-src 'self'; base-uri 'none'; form-action 'none'; " \
	"frame-ancestors 'none'"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
};

static const char *
type_of(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

void
cp_api_dashboard_redirect(struct cp_req *r)
{
	cp_api_header(r, MHD_HTTP_HEADER_LOCATION, DASHBOARD_PATH);
	cp_api_send_empty(r, 302);
}

static void
serve(struct cp_req *r, const char *name)
{
	const char *type = type_of(name);
	unsigned int i;

	for (i = 0; type != NULL && i < cp_www_files_n; i++) {
		if (strcmp(cp_www_files[i].name, name) != 0)
			continue;
		cp_api_header(r, "Content-Security-Policy", DASHBOARD_CSP);
		cp_api_header(r, "X-Content-Type-Options", "nosniff");
		cp_api_header(r, "X-Frame-Options", "DENY");
		cp_api_header(r, "Referrer-Policy", "no-referrer");
		cp_api_send_text(r, 200, type, (const char *)cp_www_files[i].data,
				 cp_www_files[i].len);
		return;
	}
	cp_api_problem(r, 404, NULL, "no dashboard file '%s' (the page is at %s)", name,
		       DASHBOARD_PATH);
}

void
cp_api_dashboard_index(struct cp_req *r)
{
	serve(r, DASHBOARD_INDEX);
}

void
cp_api_dashboard_file(struct cp_req *r)
{
	serve(r, r->param[0]);
}
