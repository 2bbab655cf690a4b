/* SPDX-License-Identifier: BSD-3-Clause
 * conf/dpwan.conf reader and validator (libconfig). Pure: no DPDK. Any thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "lib/cfg/dpw_sysconf.h"

void
dpw_sysconf_defaults(struct dpw_sysconf *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->file_prefix, sizeof(conf->file_prefix), "dpwan");
	conf->idle_sleep_us = 0;
	conf->mbufs = 0;
	conf->sessions = 262144;
	conf->dns_sets = 65536;
	/* Linux's ephemeral range is moved below this one on the appliance (DESIGN.md). */
	conf->nat_port_min = 41000;
	conf->nat_port_max = 65535;
	/* RFC 5382 / RFC 4787 minimums, the values most NAT44 boxes ship. */
	conf->timeouts.tcp_syn = 240;
	conf->timeouts.tcp_established = 7440;
	conf->timeouts.tcp_fin = 240;
	conf->timeouts.tcp_closed = 240;
	conf->timeouts.udp = 300;
	conf->timeouts.icmp = 60;
	snprintf(conf->state_dir, sizeof(conf->state_dir), "/var/lib/dpwan");
	snprintf(conf->api_listen, sizeof(conf->api_listen), "127.0.0.1");
	conf->api_port = 8080;
	snprintf(conf->log_level, sizeof(conf->log_level), "info");
}

void
dpw_sysconf_free(struct dpw_sysconf *conf)
{
	int i;

	for (i = 0; i < conf->n_eal_args; i++)
		free(conf->eal_args[i]);
	conf->n_eal_args = 0;
}

/* One decimal number of at most maxdigits digits, no sign, no spaces. */
static const char *
parse_dec(const char *p, unsigned int maxdigits, unsigned int *v)
{
	unsigned int n = 0, digits = 0;

	while (*p >= '0' && *p <= '9') {
		if (++digits > maxdigits)
			return NULL;
		n = n * 10 + (unsigned int)(*p++ - '0');
	}
	if (digits == 0)
		return NULL;
	*v = n;
	return p;
}

int
dpw_parse_ipv4(const char *s, uint32_t *addr, uint8_t *prefixlen)
{
	unsigned int o[4], len = 32, i;
	const char *p = s;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		p = parse_dec(p, 3, &o[i]);
		if (p == NULL || o[i] > 255)
			return -EINVAL;
		if (i < 3 && *p++ != '.')
			return -EINVAL;
	}
	if (*p == '/') {
		if (prefixlen == NULL)
			return -EINVAL;
		p = parse_dec(p + 1, 2, &len);
		if (p == NULL || len > 32)
			return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	*addr = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
	if (prefixlen != NULL)
		*prefixlen = (uint8_t)len;
	return 0;
}

char *
dpw_ipv4_str(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

int
dpw_sysconf_port_by_name(const struct dpw_sysconf *conf, const char *name)
{
	unsigned int i;

	for (i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

#define FAIL(setting, ...) do { \
	int _n = snprintf(err, errlen, "%s:%d: ", path, line_of(setting)); \
	if (_n >= 0 && (size_t)_n < errlen) \
		snprintf(err + _n, errlen - _n, __VA_ARGS__); \
	rc = -EINVAL; \
	goto out; \
} while (0)

static int
is_pci_address(const char *dev)
{
	unsigned int d, b, s, f;
	char tail;

	return sscanf(dev, "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) == 4 ||
	       sscanf(dev, "%x:%x.%x%c", &b, &s, &f, &tail) == 3;
}

static int
valid_name(const char *s)
{
	size_t i, n = strlen(s);

	/* TAP names are "dpw-" + name and must fit IFNAMSIZ (16 with the NUL). */
	if (n == 0 || n > 11)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Read an optional integer setting bounded to [lo, hi]. */
static int
get_uint(config_setting_t *grp, const char *name, long long lo, long long hi,
	 uint32_t *out, const char *path, char *err, size_t errlen)
{
	config_setting_t *s;
	long long v;
	int rc = 0;

	if (grp == NULL || (s = config_setting_get_member(grp, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		FAIL(s, "'%s' must be an integer", name);
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		FAIL(s, "'%s' = %lld is out of range [%lld, %lld]", name, v, lo, hi);
	*out = (uint32_t)v;
out:
	return rc;
}

static int
get_string(config_setting_t *grp, const char *name, char *out, size_t outlen,
	   int required, const char *path, char *err, size_t errlen)
{
	config_setting_t *s;
	const char *v;
	int rc = 0;

	s = grp ? config_setting_get_member(grp, name) : NULL;
	if (s == NULL) {
		if (required)
			FAIL(grp, "missing '%s'", name);
		return 0;
	}
	v = config_setting_get_string(s);
	if (v == NULL)
		FAIL(s, "'%s' must be a string", name);
	if (strlen(v) >= outlen)
		FAIL(s, "'%s' is longer than %zu characters", name, outlen - 1);
	snprintf(out, outlen, "%s", v);
out:
	return rc;
}

/*
 * A group, if present, must be a group and hold only the settings named in `allowed`
 * (NULL-terminated): a misspelt setting is an error, not a silent default.
 */
static int
check_group(config_setting_t *grp, const char *what, const char *const *allowed,
	    const char *path, char *err, size_t errlen)
{
	int rc = 0, i, n;

	if (grp == NULL)
		return 0;
	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		FAIL(grp, "'%s' must be a group { ... }", what);
	n = config_setting_length(grp);
	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(grp, (unsigned int)i);
		const char *name = config_setting_name(m);
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (name != NULL && strcmp(name, *a) == 0)
				break;
		if (*a == NULL)
			FAIL(m, "unknown setting '%s' in %s", name ? name : "?", what);
	}
out:
	return rc;
}

static const char *const system_keys[] = { "file_prefix", "eal_args", "idle_sleep_us", "mbufs",
	"sessions", "state_dir", "log_level", "policy", "hook", "dns_sets", NULL };
static const char *const nat_keys[] = { "port_min", "port_max", NULL };
static const char *const timeout_keys[] = { "tcp_syn", "tcp_established", "tcp_fin",
	"tcp_closed", "udp", "icmp", NULL };
static const char *const api_keys[] = { "listen", "port", "allow_wan", "tls_cert", "tls_key",
	NULL };
/* "gateway", "weight" and "enabled" are known only to be refused with where they went */
static const char *const port_keys[] = { "name", "role", "device", "address", "gateway",
	"weight", "mtu", "enabled", "reply_to_ping", "allow_input", NULL };

/*
 * Port settings that moved into the network-policy document: a file written for an
 * older dpwan is refused with where the setting lives now, never half-read.
 */
static const struct {
	const char *key;
	int wan_only;       /* a LAN port keeps this one (its address) */
	const char *what;
	const char *member;
} moved_keys[] = {
	{ "address", 1, "addressing", "wans[].addressing" },
	{ "gateway", 1, "addressing", "wans[].addressing" },
	{ "weight", 0, "weight", "wans[].weight" },
	{ "enabled", 0, "admin state", "wans[].enabled" },
};

static int
get_bool(config_setting_t *grp, const char *name, int *out, const char *path, char *err,
	 size_t errlen)
{
	config_setting_t *s;
	int rc = 0;

	if (grp == NULL || (s = config_setting_get_member(grp, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		FAIL(s, "'%s' must be true or false", name);
	*out = config_setting_get_bool(s);
out:
	return rc;
}

/* "tcp/22", "udp/500-501": a service of the host a WAN may reach. 0 or -EINVAL. */
static int
parse_allow(const char *text, struct dpw_input_allow *a)
{
	unsigned long lo, hi;
	const char *p;
	char *end;

	if (strncmp(text, "tcp/", 4) == 0)
		a->proto = 6;
	else if (strncmp(text, "udp/", 4) == 0)
		a->proto = 17;
	else
		return -EINVAL;
	p = text + 4;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	lo = strtoul(p, &end, 10);
	hi = lo;
	if (*end == '-') {
		p = end + 1;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		hi = strtoul(p, &end, 10);
	}
	if (*end != '\0' || lo == 0 || lo > hi || hi > 65535)
		return -EINVAL;
	a->port_lo = (uint16_t)lo;
	a->port_hi = (uint16_t)hi;
	return 0;
}

static int
load_allow(config_setting_t *ps, struct dpw_port_conf *p, const char *path, char *err,
	   size_t errlen)
{
	config_setting_t *l = config_setting_get_member(ps, "allow_input");
	int i, n, rc = 0;

	if (l == NULL)
		return 0;
	if (config_setting_type(l) != CONFIG_TYPE_ARRAY && config_setting_type(l) != CONFIG_TYPE_LIST)
		FAIL(l, "'allow_input' must be a list of \"tcp/PORT\" or \"udp/LOW-HIGH\" strings");
	n = config_setting_length(l);
	if (n > DPW_MAX_INPUT_ALLOW)
		FAIL(l, "%d allow_input entries for port '%s', at most %d", n, p->name,
		     DPW_MAX_INPUT_ALLOW);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(l, (unsigned int)i);
		const char *t = config_setting_get_string(e);

		if (t == NULL || parse_allow(t, &p->allow[i]) != 0)
			FAIL(e, "allow_input entry %d of port '%s' ('%s') must be \"tcp/PORT\", "
			     "\"udp/PORT\" or a range such as \"udp/500-501\"", i + 1, p->name,
			     t ? t : "not a string");
	}
	p->n_allow = (unsigned int)n;
out:
	return rc;
}
static const char *const top_keys[] = { "system", "nat", "timeouts", "api", "ports", NULL };

static int
load_port(config_setting_t *ps, unsigned int idx, struct dpw_port_conf *p, const char *path,
	  char *err, size_t errlen)
{
	char role[8] = "", addr[32] = "";
	unsigned int k;
	uint32_t v;
	int rc;

	if (config_setting_type(ps) != CONFIG_TYPE_GROUP) {
		rc = -EINVAL;
		FAIL(ps, "each port must be a group { name = ...; role = ...; ... }");
	}
	if ((rc = check_group(ps, "a port", port_keys, path, err, errlen)))
		goto out;
	p->line = line_of(ps);
	if ((rc = get_string(ps, "name", p->name, sizeof(p->name), 1, path, err, errlen)) ||
	    (rc = get_string(ps, "role", role, sizeof(role), 1, path, err, errlen)) ||
	    (rc = get_string(ps, "device", p->device, sizeof(p->device), 1, path, err, errlen)))
		goto out;
	if (!valid_name(p->name))
		FAIL(config_setting_get_member(ps, "name"),
		     "port name '%s' must be 1-11 characters of a-z, 0-9 and _", p->name);
	if (strcmp(role, "lan") == 0)
		p->role = DPW_ROLE_LAN;
	else if (strcmp(role, "wan") == 0)
		p->role = DPW_ROLE_WAN;
	else
		FAIL(config_setting_get_member(ps, "role"),
		     "role '%s' of port '%s' must be \"lan\" or \"wan\"", role, p->name);
	for (k = 0; k < sizeof(moved_keys) / sizeof(moved_keys[0]); k++) {
		config_setting_t *m = config_setting_get_member(ps, moved_keys[k].key);

		if (m == NULL || (moved_keys[k].wan_only && p->role != DPW_ROLE_WAN))
			continue;
		FAIL(m, "ports[%u].%s: a WAN's %s is part of the network-policy document now "
		     "(%s in the file system.policy names)", idx, moved_keys[k].key,
		     moved_keys[k].what, moved_keys[k].member);
	}
	p->is_pci = is_pci_address(p->device);
	if (!p->is_pci && strncmp(p->device, "net_", 4) != 0)
		FAIL(config_setting_get_member(ps, "device"),
		     "device '%s' of port '%s' is neither a PCI address nor a vdev (net_...)",
		     p->device, p->name);
	if (p->role == DPW_ROLE_LAN) {
		if ((rc = get_string(ps, "address", addr, sizeof(addr), 1, path, err, errlen)))
			goto out;
		if (dpw_parse_ipv4(addr, &p->addr, &p->prefixlen) != 0 || p->prefixlen == 0 ||
		    p->prefixlen > 30 || strchr(addr, '/') == NULL)
			FAIL(config_setting_get_member(ps, "address"),
			     "address '%s' of port '%s' must be a.b.c.d/len with len 1-30",
			     addr, p->name);
		if (config_setting_get_member(ps, "gateway") != NULL)
			FAIL(config_setting_get_member(ps, "gateway"),
			     "LAN port '%s' takes no gateway", p->name);
	}
	/* the frame MTU; a WAN's IP MTU (the document's, default 1440) fits inside it */
	p->mtu = 1500;
	p->reply_to_ping = 1;
	v = p->mtu;
	if ((rc = get_uint(ps, "mtu", 576, 9000, &v, path, err, errlen)))
		goto out;
	p->mtu = (uint16_t)v;
	if (p->role == DPW_ROLE_WAN) {
		if ((rc = get_bool(ps, "reply_to_ping", &p->reply_to_ping, path, err, errlen)) ||
		    (rc = load_allow(ps, p, path, err, errlen)))
			goto out;
	} else {
		/* the LAN reaches the router's services; the WAN input policy is for WANs */
		if (config_setting_get_member(ps, "reply_to_ping") != NULL ||
		    config_setting_get_member(ps, "allow_input") != NULL)
			FAIL(ps, "reply_to_ping and allow_input are WAN settings; LAN port '%s' "
			     "takes neither", p->name);
	}
	rc = 0;
out:
	return rc;
}

/*
 * system.policy: the factory document, relative to the directory of the file that names
 * it, made absolute here so that neither process depends on its working directory.
 */
static int
load_policy(config_setting_t *sys, const char *path, struct dpw_sysconf *conf, char *err,
	    size_t errlen)
{
	char name[DPW_PATH_LEN] = "", dir[PATH_MAX], real[PATH_MAX];
	config_setting_t *s = sys ? config_setting_get_member(sys, "policy") : NULL;
	const char *ext, *slash;
	int rc = 0, n;

	if ((rc = get_string(sys, "policy", name, sizeof(name), 0, path, err, errlen)))
		return rc;
	if (s == NULL)
		return 0;
	ext = strrchr(name, '.');
	if (ext != NULL && strcmp(ext, ".json") == 0)
		conf->policy_format = DPW_DOC_JSON;
	else if (ext != NULL && (strcmp(ext, ".yaml") == 0 || strcmp(ext, ".yml") == 0))
		conf->policy_format = DPW_DOC_YAML;
	else
		FAIL(s, "policy '%s' must name a .yaml, .yml or .json file", name);
	if (name[0] == '/') {
		n = snprintf(conf->policy_path, sizeof(conf->policy_path), "%s", name);
	} else {
		slash = strrchr(path, '/');
		if (slash == NULL)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == path)
			snprintf(dir, sizeof(dir), "/");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		/* a directory that cannot be resolved (an in-memory text's stand-in name)
		 * is taken relative to the working directory */
		if (realpath(dir, real) == NULL) {
			char cwd[PATH_MAX];

			if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
				snprintf(real, sizeof(real), "%s", dir);
			else
				snprintf(real, sizeof(real), "%s/%s", cwd, dir);
		}
		n = snprintf(conf->policy_path, sizeof(conf->policy_path), "%s%s%s", real,
			     strcmp(real, "/") == 0 ? "" : "/", name);
	}
	if (n < 0 || (size_t)n >= sizeof(conf->policy_path))
		FAIL(s, "policy '%s' makes a path longer than %zu characters", name,
		     sizeof(conf->policy_path) - 1);
out:
	return rc;
}

/* libconfig could not parse: say where, then release what it holds. Returns -EINVAL. */
static int
read_failed(config_t *cfg, const char *path, char *err, size_t errlen)
{
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: cannot read the file: %s", path, strerror(errno));
	else
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(cfg),
			 config_error_text(cfg));
	config_destroy(cfg);
	return -EINVAL;
}

/* Validate a parsed configuration into *out; destroys cfg in every case. */
static int
load_parsed(config_t *cfg, const char *path, struct dpw_sysconf *out, char *err,
	    size_t errlen)
{
	struct dpw_sysconf conf;
	config_setting_t *sys, *nat, *to, *ports, *api, *eal;
	uint32_t v;
	unsigned int i, j, n_wan = 0, n_lan = 0;
	int rc = 0;

	dpw_sysconf_defaults(&conf);
	snprintf(conf.path, sizeof(conf.path), "%s", path);
	if ((rc = check_group(config_root_setting(cfg), "the file", top_keys, path, err, errlen)))
		goto out;
	sys = config_lookup(cfg, "system");
	if ((rc = check_group(sys, "system", system_keys, path, err, errlen)) ||
	    (rc = check_group(config_lookup(cfg, "nat"), "nat", nat_keys, path, err, errlen)) ||
	    (rc = check_group(config_lookup(cfg, "timeouts"), "timeouts", timeout_keys, path,
			      err, errlen)) ||
	    (rc = check_group(config_lookup(cfg, "api"), "api", api_keys, path, err, errlen)))
		goto out;
	if ((rc = get_string(sys, "file_prefix", conf.file_prefix, sizeof(conf.file_prefix), 0,
			     path, err, errlen)) ||
	    (rc = get_string(sys, "state_dir", conf.state_dir, sizeof(conf.state_dir), 0,
			     path, err, errlen)) ||
	    (rc = get_string(sys, "log_level", conf.log_level, sizeof(conf.log_level), 0,
			     path, err, errlen)) ||
	    (rc = get_string(sys, "hook", conf.hook, sizeof(conf.hook), 0, path, err, errlen)) ||
	    (rc = get_uint(sys, "idle_sleep_us", 0, 100000, &conf.idle_sleep_us,
			   path, err, errlen)) ||
	    (rc = get_uint(sys, "mbufs", 1023, 16777215, &conf.mbufs, path, err, errlen)) ||
	    (rc = get_uint(sys, "sessions", 1024, 1 << 24, &conf.sessions, path, err, errlen)) ||
	    (rc = get_uint(sys, "dns_sets", 64, 1 << 24, &conf.dns_sets, path, err, errlen)))
		goto out;
	if ((conf.dns_sets & (conf.dns_sets - 1)) != 0)
		FAIL(config_setting_get_member(sys, "dns_sets"),
		     "dns_sets = %u must be a power of two", conf.dns_sets);
	conf.mbufs_line = sys && config_setting_get_member(sys, "mbufs") ?
			  line_of(config_setting_get_member(sys, "mbufs")) : 0;
	if (conf.file_prefix[0] == '\0' || strchr(conf.file_prefix, '/') != NULL)
		FAIL(config_setting_get_member(sys, "file_prefix"),
		     "file_prefix must be a non-empty name without '/'");
	if (conf.hook[0] != '\0' && conf.hook[0] != '/')
		FAIL(config_setting_get_member(sys, "hook"),
		     "hook '%s' must be an absolute path", conf.hook);
	if (conf.state_dir[0] != '/')
		FAIL(config_setting_get_member(sys, "state_dir"),
		     "state_dir '%s' must be an absolute path", conf.state_dir);
	if (strcmp(conf.log_level, "error") != 0 && strcmp(conf.log_level, "warning") != 0 &&
	    strcmp(conf.log_level, "notice") != 0 && strcmp(conf.log_level, "info") != 0 &&
	    strcmp(conf.log_level, "debug") != 0)
		FAIL(config_setting_get_member(sys, "log_level"),
		     "log_level '%s' must be error, warning, notice, info or debug", conf.log_level);
	eal = sys ? config_setting_get_member(sys, "eal_args") : NULL;
	if (eal != NULL) {
		int n = config_setting_length(eal);

		if (config_setting_type(eal) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(eal) != CONFIG_TYPE_LIST)
			FAIL(eal, "'eal_args' must be a list of strings");
		if (n > DPW_MAX_EAL_ARGS)
			FAIL(eal, "'eal_args' has %d entries, at most %d", n, DPW_MAX_EAL_ARGS);
		for (i = 0; i < (unsigned int)n; i++) {
			const char *a = config_setting_get_string_elem(eal, i);

			if (a == NULL)
				FAIL(eal, "'eal_args' entry %u is not a string", i + 1);
			/* getopt_long takes abbreviations: --file-p, --proc, --vd ... */
			if (strncmp(a, "--fi", 4) == 0 || strncmp(a, "--vd", 4) == 0 ||
			    strncmp(a, "--pr", 4) == 0)
				FAIL(eal, "'eal_args' must not set %s: dpwan derives it from "
				     "system.file_prefix and the ports", a);
			conf.eal_args[conf.n_eal_args] = strdup(a);
			if (conf.eal_args[conf.n_eal_args++] == NULL) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
		}
	}

	nat = config_lookup(cfg, "nat");
	v = conf.nat_port_min;
	if ((rc = get_uint(nat, "port_min", 1024, 65535, &v, path, err, errlen)))
		goto out;
	conf.nat_port_min = (uint16_t)v;
	v = conf.nat_port_max;
	if ((rc = get_uint(nat, "port_max", 1024, 65535, &v, path, err, errlen)))
		goto out;
	conf.nat_port_max = (uint16_t)v;
	if (conf.nat_port_max < conf.nat_port_min + 1023)
		FAIL(nat, "nat port range %u-%u must hold at least 1024 ports",
		     conf.nat_port_min, conf.nat_port_max);

	/*
	 * The floors are what a NAT is held to: RFC 5382 REQ-5 (established TCP idle at
	 * least 2 h 4 min, transitory states at least 4 min, so a port is never reused
	 * while the server still holds TIME_WAIT), RFC 4787 REQ-5 (UDP at least 2 min).
	 */
	to = config_lookup(cfg, "timeouts");
	if ((rc = get_uint(to, "tcp_syn", 240, 86400, &conf.timeouts.tcp_syn, path, err,
			   errlen)) ||
	    (rc = get_uint(to, "tcp_established", 7440, 864000, &conf.timeouts.tcp_established,
			   path, err, errlen)) ||
	    (rc = get_uint(to, "tcp_fin", 240, 86400, &conf.timeouts.tcp_fin, path, err,
			   errlen)) ||
	    (rc = get_uint(to, "tcp_closed", 240, 86400, &conf.timeouts.tcp_closed,
			   path, err, errlen)) ||
	    (rc = get_uint(to, "udp", 120, 86400, &conf.timeouts.udp, path, err, errlen)) ||
	    (rc = get_uint(to, "icmp", 1, 86400, &conf.timeouts.icmp, path, err, errlen)))
		goto out;

	api = config_lookup(cfg, "api");
	v = conf.api_port;
	if ((rc = get_string(api, "listen", conf.api_listen, sizeof(conf.api_listen), 0,
			     path, err, errlen)) ||
	    (rc = get_uint(api, "port", 1, 65535, &v, path, err, errlen)) ||
	    (rc = get_bool(api, "allow_wan", &conf.api_allow_wan, path, err, errlen)) ||
	    (rc = get_string(api, "tls_cert", conf.api_tls_cert, sizeof(conf.api_tls_cert), 0,
			     path, err, errlen)) ||
	    (rc = get_string(api, "tls_key", conf.api_tls_key, sizeof(conf.api_tls_key), 0,
			     path, err, errlen)))
		goto out;
	conf.api_port = (uint16_t)v;
	if ((conf.api_tls_cert[0] == '\0') != (conf.api_tls_key[0] == '\0'))
		FAIL(api, "api: set both tls_cert and tls_key (HTTPS), or neither");
	if ((conf.api_tls_cert[0] != '\0' && conf.api_tls_cert[0] != '/') ||
	    (conf.api_tls_key[0] != '\0' && conf.api_tls_key[0] != '/'))
		FAIL(api, "api: tls_cert and tls_key must be absolute paths");
	{
		struct in6_addr a6;

		if (inet_pton(AF_INET, conf.api_listen, &a6) != 1 &&
		    inet_pton(AF_INET6, conf.api_listen, &a6) != 1)
			FAIL(config_setting_get_member(api, "listen"),
			     "api listen '%s' must be an IPv4 or IPv6 address", conf.api_listen);
	}

	ports = config_lookup(cfg, "ports");
	if (ports == NULL)
		FAIL(NULL, "no 'ports' list: at least one lan and one wan port are needed");
	if (config_setting_type(ports) != CONFIG_TYPE_LIST)
		FAIL(ports, "'ports' must be a list ( { ... }, { ... } )");
	if (config_setting_length(ports) > DPW_MAX_PORTS)
		FAIL(ports, "%d ports configured, at most %d", config_setting_length(ports),
		     DPW_MAX_PORTS);
	for (i = 0; i < (unsigned int)config_setting_length(ports); i++) {
		config_setting_t *ps = config_setting_get_elem(ports, i);
		struct dpw_port_conf *p = &conf.ports[i];

		if ((rc = load_port(ps, i, p, path, err, errlen)))
			goto out;
		for (j = 0; j < i; j++) {
			if (strcmp(conf.ports[j].name, p->name) == 0)
				FAIL(ps, "port name '%s' is used twice", p->name);
			if (strcmp(conf.ports[j].device, p->device) == 0)
				FAIL(ps, "device '%s' is used by ports '%s' and '%s'", p->device,
				     conf.ports[j].name, p->name);
		}
		if (p->role == DPW_ROLE_WAN)
			n_wan++;
		else
			n_lan++;
		conf.n_ports++;
	}
	if (n_lan != 1)
		FAIL(ports, "exactly one lan port is supported, %u configured", n_lan);
	if (n_wan == 0 || n_wan > DPW_MAX_WANS)
		FAIL(ports, "1 to %d wan ports are needed, %u configured", DPW_MAX_WANS, n_wan);
	/*
	 * Nothing management-facing listens on a WAN unless the file says so. A listener on
	 * one WAN's address is refused where that address is known: by the dataplane when it
	 * applies the document (dataplane/cfg_apply.c).
	 */
	if (!conf.api_allow_wan && dpw_listen_covers_all(conf.api_listen))
		FAIL(api != NULL ? config_setting_get_member(api, "listen") : NULL,
		     "api listen '%s' would expose the API on every WAN: listen on 127.0.0.1 or "
		     "the LAN address, or set api.allow_wan = true", conf.api_listen);
	if ((rc = load_policy(sys, path, &conf, err, errlen)))
		goto out;

	*out = conf;
	config_destroy(cfg);
	return 0;
out:
	dpw_sysconf_free(&conf);
	config_destroy(cfg);
	return rc ? rc : -EINVAL;
}

int
dpw_sysconf_load(const char *path, struct dpw_sysconf *out, char *err, size_t errlen)
{
	config_t cfg;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE)
		return read_failed(&cfg, path, err, errlen);
	return load_parsed(&cfg, path, out, err, errlen);
}

int
dpw_sysconf_load_string(const char *text, const char *name, struct dpw_sysconf *out,
			char *err, size_t errlen)
{
	config_t cfg;

	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		return read_failed(&cfg, name, err, errlen);
	return load_parsed(&cfg, name, out, err, errlen);
}

int
dpw_listen_covers_all(const char *listen)
{
	struct in6_addr a6;
	uint32_t a4;

	if (inet_pton(AF_INET, listen, &a4) == 1)
		return a4 == 0;
	if (inet_pton(AF_INET6, listen, &a6) == 1)
		return memcmp(&a6, &in6addr_any, sizeof(a6)) == 0;
	return 0;
}

int
dpw_ephemeral_check(const char *range_text, uint16_t nat_min, uint16_t nat_max, char *err,
		    size_t errlen)
{
	unsigned long lo, hi;
	char *end;

	errno = 0;
	lo = strtoul(range_text, &end, 10);
	if (end == range_text || errno != 0)
		goto bad;
	range_text = end;
	hi = strtoul(range_text, &end, 10);
	if (end == range_text || errno != 0 || lo > hi || hi > 65535)
		goto bad;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end != '\0')
		goto bad;
	if (hi < nat_min || lo > nat_max)
		return 0;
	snprintf(err, errlen,
		 "the kernel's ephemeral ports %lu-%lu (net.ipv4.ip_local_port_range) overlap "
		 "the NAT range %u-%u (nat.port_min, nat.port_max): a reply could belong to a "
		 "host socket and a NAT session at once; move one of them (sysctl -w "
		 "net.ipv4.ip_local_port_range=\"%u %u\", as systemd/99-dpwan.conf does at "
		 "boot for the default NAT range)", lo, hi, nat_min, nat_max,
		 nat_min > 16384 + 1024 ? 16384 : 1024, nat_min > 1024 ? nat_min - 1 : 1024);
	return -EADDRINUSE;
bad:
	snprintf(err, errlen, "cannot read net.ipv4.ip_local_port_range: '%.40s'", range_text);
	return -EINVAL;
}
