/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the system configuration reader (lib/cfg/dpw_sysconf.c, libconfig). The
 * input is the text of a dpwan.conf, read with dpw_sysconf_load_string. Rejections are
 * expected; a crash, a leak (ASan's leak checker), an error message that does not name
 * the file, a conf written to on failure, or an accepted conf that breaks the rules the
 * reader enforces (the checks below) are bugs. Single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg/dpw_sysconf.h"
#include "test/fuzz/fuzz.h"

#define NAME "fuzz.conf"

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void
check_conf(const struct dpw_sysconf *c)
{
	unsigned int i, n_lan = 0, n_wan = 0;
	int k;

	FUZZ_CHECK(strcmp(c->path, NAME) == 0);
	FUZZ_CHECK(terminated(c->file_prefix, sizeof(c->file_prefix)) && c->file_prefix[0] &&
		   strchr(c->file_prefix, '/') == NULL);
	FUZZ_CHECK(terminated(c->state_dir, sizeof(c->state_dir)) && c->state_dir[0] == '/');
	FUZZ_CHECK(terminated(c->api_listen, sizeof(c->api_listen)));
	FUZZ_CHECK(terminated(c->log_level, sizeof(c->log_level)));
	FUZZ_CHECK(c->n_eal_args >= 0 && c->n_eal_args <= DPW_MAX_EAL_ARGS);
	for (k = 0; k < c->n_eal_args; k++) {
		FUZZ_CHECK(c->eal_args[k] != NULL);
		/* dpwan sets these itself; the reader must have refused them */
		FUZZ_CHECK(strncmp(c->eal_args[k], "--fi", 4) != 0 &&
			   strncmp(c->eal_args[k], "--vd", 4) != 0 &&
			   strncmp(c->eal_args[k], "--pr", 4) != 0);
	}
	FUZZ_CHECK(c->nat_port_min >= 1024 && c->nat_port_max >= c->nat_port_min + 1023);
	FUZZ_CHECK((c->mbufs == 0 || c->mbufs >= 1023) && c->sessions >= 1024 && c->api_port >= 1);
	FUZZ_CHECK(c->n_ports >= 2 && c->n_ports <= DPW_MAX_PORTS);
	for (i = 0; i < c->n_ports; i++) {
		const struct dpw_port_conf *p = &c->ports[i];
		unsigned int j;

		FUZZ_CHECK(terminated(p->name, sizeof(p->name)) && p->name[0]);
		FUZZ_CHECK(terminated(p->device, sizeof(p->device)) && p->device[0]);
		FUZZ_CHECK(p->mtu >= 576 && p->mtu <= 9000);
		FUZZ_CHECK(dpw_sysconf_port_by_name(c, p->name) == (int)i);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->ports[j].device, p->device) != 0);
		if (p->role == DPW_ROLE_WAN) {
			/* a WAN's addressing is the policy document's, never the file's */
			n_wan++;
			FUZZ_CHECK(p->addr == 0 && p->prefixlen == 0);
		} else {
			FUZZ_CHECK(p->role == DPW_ROLE_LAN && p->n_allow == 0);
			FUZZ_CHECK(p->prefixlen >= 1 && p->prefixlen <= 30);
			n_lan++;
		}
	}
	/* a factory document named is an absolute path of a known format */
	FUZZ_CHECK(terminated(c->policy_path, sizeof(c->policy_path)));
	FUZZ_CHECK(c->policy_path[0] == '\0' || c->policy_path[0] == '/');
	FUZZ_CHECK(c->policy_format == DPW_DOC_JSON || c->policy_format == DPW_DOC_YAML);
	FUZZ_CHECK(n_lan == 1 && n_wan >= 1 && n_wan <= DPW_MAX_WANS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpw_sysconf *c;
	char err[512], *text;
	int rc;

	/* @include opens any path named in the input (/dev/stdin, a FIFO): that is the
	 * reader's documented behaviour for a root-owned file, not something to fuzz */
	if (size > 64 * 1024 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(size + 1);
	c = malloc(sizeof(*c));
	FUZZ_CHECK(text != NULL && c != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(c, 0x5a, sizeof(*c));
	err[0] = '\0';
	rc = dpw_sysconf_load_string(text, NAME, c, err, sizeof(err));
	if (rc == 0) {
		check_conf(c);
		dpw_sysconf_free(c);
		FUZZ_CHECK(c->n_eal_args == 0);
	} else {
		const unsigned char *b = (const unsigned char *)c;
		size_t i;

		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(strncmp(err, NAME ":", sizeof(NAME)) == 0 &&
			   terminated(err, sizeof(err)));
		for (i = 0; i < sizeof(*c); i++)
			FUZZ_CHECK(b[i] == 0x5a);   /* untouched on failure */
	}
	free(c);
	free(text);
	return 0;
}
