/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the system configuration reader: the shipped examples load, and bad
 * files are rejected with the file and line of the problem.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/cfg/dpw_sysconf.h"

static char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/dpw_sysconf_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *GOOD_PORTS =
	"ports = (\n"
	"  { name = \"lan\"; role = \"lan\"; device = \"net_af_packet0,iface=lan0\";\n"
	"    address = \"198.18.0.1/24\"; },\n"
	"  { name = \"wan1\"; role = \"wan\"; device = \"net_af_packet1,iface=wan1\";\n"
	"    mtu = 1600; }\n"
	");\n";

static void
test_examples_load(void **state)
{
	struct dpw_sysconf c;
	char err[512];

	(void)state;
	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/lab.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_ports, 3);
	assert_string_equal(c.file_prefix, "dpwan-lab");
	assert_int_equal(c.ports[1].role, DPW_ROLE_WAN);
	assert_int_equal(c.ports[1].mtu, 1440);   /* lab.conf sets it; the default is 1500 */
	assert_int_equal(c.ports[1].addr, 0);               /* the document's */
	assert_string_equal(c.policy_path, SRCDIR "/conf/lab-policy.yaml");
	assert_int_equal(c.policy_format, DPW_DOC_YAML);
	dpw_sysconf_free(&c);
	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/lab-2workers.conf", &c, err, sizeof(err)), 0);
	dpw_sysconf_free(&c);
	assert_int_equal(dpw_sysconf_load(SRCDIR "/conf/dpwan.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c.ports[0].is_pci, 1);
	assert_int_equal(c.ports[2].mtu, 1500);   /* a frame MTU; the document's is 1440 */
	assert_string_equal(c.policy_path, SRCDIR "/conf/dpwan-policy.yaml");
	dpw_sysconf_free(&c);
}

static void
test_defaults(void **state)
{
	struct dpw_sysconf c;
	char err[512], *p = write_tmp(GOOD_PORTS);

	(void)state;
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nat_port_min, 41000);
	assert_int_equal(c.timeouts.udp, 300);
	assert_int_equal(c.ports[1].mtu, 1600);
	assert_int_equal(c.ports[0].mtu, 1500);
	assert_string_equal(c.policy_path, "");             /* none: no factory document */
	assert_int_equal(c.dns_sets, 65536);
	dpw_sysconf_free(&c);
	unlink(p);
}

static void
expect_error(const char *text, const char *needle)
{
	struct dpw_sysconf c;
	char err[512], *p = write_tmp(text);

	memset(&c, 0x5a, sizeof(c));
	assert_int_not_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	if (strstr(err, needle) == NULL || strstr(err, p) == NULL)
		fail_msg("error \"%s\" does not name the file and \"%s\"", err, needle);
	assert_int_equal(((unsigned char *)&c)[0], 0x5a);   /* untouched on failure */
	unlink(p);
}

/* system.dns_sets (issue 9): slots of the domain sets, a power of two in [64, 2^24] */
static void
test_dns_sets(void **state)
{
	struct dpw_sysconf c;
	char text[1024], err[512], *p;

	(void)state;
	snprintf(text, sizeof(text), "system = { dns_sets = 1024; };\n%s", GOOD_PORTS);
	p = write_tmp(text);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.dns_sets, 1024);
	dpw_sysconf_free(&c);
	unlink(p);
	snprintf(text, sizeof(text), "system = { dns_sets = 1000; };\n%s", GOOD_PORTS);
	expect_error(text, "dns_sets = 1000 must be a power of two");
	snprintf(text, sizeof(text), "system = { dns_sets = 32; };\n%s", GOOD_PORTS);
	expect_error(text, "'dns_sets' = 32 is out of range");
	snprintf(text, sizeof(text), "system = { dns_sets = \"big\"; };\n%s", GOOD_PORTS);
	expect_error(text, "'dns_sets' must be an integer");
}

static void
test_errors(void **state)
{
	char buf[2048];

	(void)state;
	expect_error("system = { idle_sleep_us = ; };\n", ":1:");
	snprintf(buf, sizeof(buf), "system = { idle_sleep_us = -1; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: 'idle_sleep_us' = -1 is out of range");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; },\n"
		     " { name = \"wan1\"; role = \"isp\"; device = \"net_tap1\"; }\n);\n",
		     ":3: role 'isp'");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; gateway = \"198.18.0.9\"; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\"; }\n);\n",
		     ":2: LAN port 'lan' takes no gateway");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"eth0\"; address = \"198.18.0.1/24\"; }\n);\n",
		     "neither a PCI address nor a vdev");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; }\n);\n",
		     "1 to 8 wan ports");
	snprintf(buf, sizeof(buf), "system = { eal_args = [ \"--file-prefix=x\" ]; };\n%s", GOOD_PORTS);
	expect_error(buf, "must not set --file-prefix");
	snprintf(buf, sizeof(buf), "nat = { port_min = 60000; port_max = 60010; };\n%s", GOOD_PORTS);
	expect_error(buf, "at least 1024 ports");
	expect_error("", "no 'ports' list");
	/* a misspelt or misplaced setting is an error, not a silent default */
	snprintf(buf, sizeof(buf), "api = { prot = 3; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: unknown setting 'prot' in api");
	snprintf(buf, sizeof(buf), "nat = 5;\n%s", GOOD_PORTS);
	expect_error(buf, ":1: 'nat' must be a group");
	snprintf(buf, sizeof(buf), "sytem = { };\n%s", GOOD_PORTS);
	expect_error(buf, "unknown setting 'sytem' in the file");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; mut = 1500; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\"; }\n);\n",
		     ":2: unknown setting 'mut' in a port");
	snprintf(buf, sizeof(buf), "system = { state_dir = \"state\"; };\n%s", GOOD_PORTS);
	expect_error(buf, "must be an absolute path");
	snprintf(buf, sizeof(buf), "system = { log_level = \"verbose\"; };\n%s", GOOD_PORTS);
	expect_error(buf, "log_level 'verbose'");
	snprintf(buf, sizeof(buf), "system = { eal_args = [ \"--file-pref=x\" ]; };\n%s", GOOD_PORTS);
	expect_error(buf, "must not set --file-pref=x");
	snprintf(buf, sizeof(buf), "api = { listen = \"localhost\"; };\n%s", GOOD_PORTS);
	expect_error(buf, "api listen 'localhost'");
	/* below what RFC 5382 / 4787 allow a NAT */
	snprintf(buf, sizeof(buf), "timeouts = { tcp_closed = 10; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: 'tcp_closed' = 10 is out of range [240,");
	snprintf(buf, sizeof(buf), "timeouts = { tcp_established = 3600; };\n%s", GOOD_PORTS);
	expect_error(buf, "'tcp_established' = 3600 is out of range [7440,");
	snprintf(buf, sizeof(buf), "timeouts = { udp = 30; };\n%s", GOOD_PORTS);
	expect_error(buf, "'udp' = 30 is out of range [120,");
}

/* The WAN input policy's settings, and the API kept off the WANs unless asked. */
static void
test_wan_input_settings(void **state)
{
	static const char *WAN_INPUT =
		"ports = (\n"
		"  { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; },\n"
		"  { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		"    reply_to_ping = false; allow_input = [ \"tcp/22\", \"udp/500-501\" ]; }\n"
		");\n";
	struct dpw_sysconf c;
	char err[512], buf[2048], *p;

	(void)state;
	p = write_tmp(GOOD_PORTS);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ports[1].reply_to_ping, 1);     /* Peplink's default */
	assert_int_equal(c.ports[1].n_allow, 0);           /* default deny */
	assert_int_equal(c.api_allow_wan, 0);
	dpw_sysconf_free(&c);
	unlink(p);
	p = write_tmp(WAN_INPUT);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ports[1].reply_to_ping, 0);
	assert_int_equal(c.ports[1].n_allow, 2);
	assert_int_equal(c.ports[1].allow[0].proto, 6);
	assert_int_equal(c.ports[1].allow[0].port_lo, 22);
	assert_int_equal(c.ports[1].allow[0].port_hi, 22);
	assert_int_equal(c.ports[1].allow[1].proto, 17);
	assert_int_equal(c.ports[1].allow[1].port_lo, 500);
	assert_int_equal(c.ports[1].allow[1].port_hi, 501);
	dpw_sysconf_free(&c);
	unlink(p);
	/* the API on every address, or on a WAN's, only when the file says so */
	snprintf(buf, sizeof(buf), "api = { listen = \"0.0.0.0\"; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: api listen '0.0.0.0' would expose the API on every WAN");
	snprintf(buf, sizeof(buf), "api = { listen = \"::\"; };\n%s", GOOD_PORTS);
	expect_error(buf, "would expose the API on every WAN");
	/* a WAN's address is the document's: the dataplane refuses a document giving a WAN
	 * the API's address (dataplane/cfg_apply.c); the file alone cannot know it */
	snprintf(buf, sizeof(buf), "api = { listen = \"198.18.1.2\"; };\n%s", GOOD_PORTS);
	p = write_tmp(buf);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	dpw_sysconf_free(&c);
	unlink(p);
	snprintf(buf, sizeof(buf), "api = { listen = \"0.0.0.0\"; allow_wan = true; };\n%s",
		 GOOD_PORTS);
	p = write_tmp(buf);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.api_allow_wan, 1);
	dpw_sysconf_free(&c);
	unlink(p);
	snprintf(buf, sizeof(buf), "api = { listen = \"198.18.0.1\"; };\n%s", GOOD_PORTS);
	p = write_tmp(buf);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);   /* the LAN address */
	dpw_sysconf_free(&c);
	unlink(p);
	/* malformed entries, and WAN settings on the LAN */
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		     "   allow_input = [ \"tcp/22\", \"sctp/9\" ]; }\n);\n",
		     ":4: allow_input entry 2 of port 'wan1' ('sctp/9')");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		     "   allow_input = [ \"udp/9-3\" ]; }\n);\n", "('udp/9-3')");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		     "   reply_to_ping = 1; }\n);\n", "'reply_to_ping' must be true or false");
	expect_error("ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; address = \"198.18.0.1/24\"; allow_input = [ \"tcp/22\" ]; },\n"
		     " { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\"; }\n);\n",
		     "are WAN settings");
}

/* What moved into the network-policy document is refused with where it lives now. */
static void
test_moved_to_document(void **state)
{
	static const char *const LAN =
		"ports = (\n { name = \"lan\"; role = \"lan\"; device = \"net_tap0\"; "
		"address = \"198.18.0.1/24\"; },\n";
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "%s { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		 "   address = \"198.18.1.2/24\"; }\n);\n", LAN);
	expect_error(buf, ":4: ports[1].address: a WAN's addressing is part of the "
		     "network-policy document now (wans[].addressing in the file system.policy "
		     "names)");
	snprintf(buf, sizeof(buf), "%s { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		 "   gateway = \"198.18.1.1\"; }\n);\n", LAN);
	expect_error(buf, ":4: ports[1].gateway: a WAN's addressing is part of");
	snprintf(buf, sizeof(buf), "%s { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		 "   weight = 2; }\n);\n", LAN);
	expect_error(buf, ":4: ports[1].weight: a WAN's weight is part of the network-policy "
		     "document now (wans[].weight in");
	snprintf(buf, sizeof(buf), "%s { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		 "   enabled = false; }\n);\n", LAN);
	expect_error(buf, ":4: ports[1].enabled: a WAN's admin state is part of the "
		     "network-policy document now (wans[].enabled in");
	/* the port's frame MTU stays, in the usual range */
	snprintf(buf, sizeof(buf), "%s { name = \"wan1\"; role = \"wan\"; device = \"net_tap1\";\n"
		 "   mtu = 100; }\n);\n", LAN);
	expect_error(buf, ":4: 'mtu' = 100 is out of range [576, 9000]");
}

/* system.policy: the factory document, absolute, its format by its extension. */
static void
test_policy_path(void **state)
{
	struct dpw_sysconf c;
	char err[512], buf[2048], cwd[512], want[600], *p;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* relative: to the directory of the file (write_tmp makes it in /tmp) */
	snprintf(buf, sizeof(buf), "system = { policy = \"sub/p.yml\"; };\n%s", GOOD_PORTS);
	p = write_tmp(buf);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_string_equal(c.policy_path, "/tmp/sub/p.yml");
	assert_int_equal(c.policy_format, DPW_DOC_YAML);
	dpw_sysconf_free(&c);
	unlink(p);
	snprintf(buf, sizeof(buf), "system = { policy = \"/etc/dpwan/p.json\"; };\n%s",
		 GOOD_PORTS);
	p = write_tmp(buf);
	assert_int_equal(dpw_sysconf_load(p, &c, err, sizeof(err)), 0);
	assert_string_equal(c.policy_path, "/etc/dpwan/p.json");
	assert_int_equal(c.policy_format, DPW_DOC_JSON);
	dpw_sysconf_free(&c);
	unlink(p);
	/* a text in memory named without a directory: the working directory's */
	snprintf(buf, sizeof(buf), "system = { policy = \"p.json\"; };\n%s", GOOD_PORTS);
	assert_int_equal(dpw_sysconf_load_string(buf, "mem.conf", &c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/p.json", cwd);
	assert_string_equal(c.policy_path, want);
	dpw_sysconf_free(&c);
	snprintf(buf, sizeof(buf), "system = { policy = \"p.txt\"; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: policy 'p.txt' must name a .yaml, .yml or .json file");
	snprintf(buf, sizeof(buf), "system = { policy = 5; };\n%s", GOOD_PORTS);
	expect_error(buf, ":1: 'policy' must be a string");
}

static void
test_ephemeral_ports(void **state)
{
	char err[512];

	(void)state;
	/* Linux's default range overlaps the default NAT range */
	assert_int_equal(dpw_ephemeral_check("32768\t60999\n", 41000, 65535, err, sizeof(err)),
			 -EADDRINUSE);
	assert_non_null(strstr(err, "32768-60999"));
	assert_non_null(strstr(err, "41000-65535"));
	assert_non_null(strstr(err, "net.ipv4.ip_local_port_range=\"16384 40999\""));
	/* the lab's and the units' setting */
	assert_int_equal(dpw_ephemeral_check("32768\t40999\n", 41000, 65535, err, sizeof(err)), 0);
	/* touching at one end is an overlap, adjacent is not */
	assert_int_equal(dpw_ephemeral_check("41000 50000", 41000, 65535, err, sizeof(err)),
			 -EADDRINUSE);
	assert_int_equal(dpw_ephemeral_check("20000 30000", 30001, 40000, err, sizeof(err)), 0);
	assert_int_equal(dpw_ephemeral_check("20000 30001", 30001, 40000, err, sizeof(err)),
			 -EADDRINUSE);
	assert_int_equal(dpw_ephemeral_check("", 41000, 65535, err, sizeof(err)), -EINVAL);
	assert_int_equal(dpw_ephemeral_check("5 x", 41000, 65535, err, sizeof(err)), -EINVAL);
	assert_int_equal(dpw_ephemeral_check("9 5", 41000, 65535, err, sizeof(err)), -EINVAL);
	assert_int_equal(dpw_ephemeral_check("1 70000", 41000, 65535, err, sizeof(err)), -EINVAL);
}

/* Read a whole file into a NUL-terminated heap string. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The in-memory loader gives what the file loader gives, and names `name` in errors. */
static void
test_load_string(void **state)
{
	static const char *const files[] = { SRCDIR "/conf/dpwan.conf", SRCDIR "/conf/lab.conf",
		SRCDIR "/conf/lab-2workers.conf" };
	struct dpw_sysconf a, b;
	char err[512], buf[2048];
	unsigned int i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = slurp(files[i]);

		assert_int_equal(dpw_sysconf_load(files[i], &a, err, sizeof(err)), 0);
		assert_int_equal(dpw_sysconf_load_string(text, "mem.conf", &b, err, sizeof(err)),
				 0);
		assert_string_equal(b.path, "mem.conf");
		assert_int_equal(a.n_eal_args, b.n_eal_args);
		for (k = 0; k < a.n_eal_args; k++)
			assert_string_equal(a.eal_args[k], b.eal_args[k]);
		assert_int_equal(a.n_ports, b.n_ports);
		assert_memory_equal(a.ports, b.ports, sizeof(a.ports));
		assert_memory_equal(&a.timeouts, &b.timeouts, sizeof(a.timeouts));
		assert_string_equal(a.file_prefix, b.file_prefix);
		assert_int_equal(a.mbufs, b.mbufs);
		assert_int_equal(a.nat_port_min, b.nat_port_min);
		dpw_sysconf_free(&a);
		dpw_sysconf_free(&b);
		free(text);
	}
	/* a syntax error and a validation error both name the stand-in and the line */
	memset(&b, 0x5a, sizeof(b));
	assert_int_equal(dpw_sysconf_load_string("\nsystem = { mbufs = ; };\n", "mem.conf", &b,
						 err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "mem.conf:2:"));
	assert_int_equal(((unsigned char *)&b)[0], 0x5a);
	snprintf(buf, sizeof(buf), "system = { eal_args = [ \"-l\", \"0\" ]; mbufs = 5; };\n%s",
		 GOOD_PORTS);
	assert_int_equal(dpw_sysconf_load_string(buf, "mem.conf", &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "mem.conf:1: 'mbufs' = 5 is out of range"));
	assert_int_equal(((unsigned char *)&b)[0], 0x5a);
}

static void
test_ipv4_parse(void **state)
{
	uint32_t a;
	uint8_t len;
	char buf[16];

	(void)state;
	assert_int_equal(dpw_parse_ipv4("198.18.0.1/24", &a, &len), 0);
	assert_int_equal(a, 0xc6120001);
	assert_int_equal(len, 24);
	assert_int_equal(dpw_parse_ipv4("198.18.0.1", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.1/24", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.256", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.1/33", &a, &len), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.1x", &a, NULL), 0);
	/* no wraparound, no signs, no spaces, no missing octets */
	assert_int_not_equal(dpw_parse_ipv4("4294967306.0.1.2/24", &a, &len), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.1/4294967320", &a, &len), 0);
	assert_int_not_equal(dpw_parse_ipv4("+198.18.0.1", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4(" 198.18.0.1", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.1", &a, NULL), 0);
	assert_int_not_equal(dpw_parse_ipv4("198.18.0.1/", &a, &len), 0);
	assert_string_equal(dpw_ipv4_str(0xc6120102, buf, sizeof(buf)), "198.18.1.2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_string),
		cmocka_unit_test(test_ipv4_parse),
		cmocka_unit_test(test_ephemeral_ports),
		cmocka_unit_test(test_wan_input_settings),
		cmocka_unit_test(test_dns_sets),
		cmocka_unit_test(test_moved_to_document),
		cmocka_unit_test(test_policy_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
