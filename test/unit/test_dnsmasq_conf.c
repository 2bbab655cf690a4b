/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of dnsmasq's rendered files, the lease file parser and the DHCPRELEASE
 * builder (control/dnsmasq_conf.c). The rendered main file is also checked by the real
 * `dnsmasq --test` when dnsmasq is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/dnsmasq_conf.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct dpw_doc_reservation resv[2];
static struct dpw_doc_dns_record recs[5];
static struct dpw_doc_domain_lookup dlk[1];

/* The defaults the decoder fills in, two WANs, and a few of everything. */
static void
make(struct dpw_doc *doc, struct cp_dnsmasq_env *env)
{
	memset(doc, 0, sizeof(*doc));
	memset(env, 0, sizeof(*env));
	doc->version = 1;
	doc->n_wans = 2;
	snprintf(doc->wans[0].name, DPW_NAME_LEN, "wan1");
	snprintf(doc->wans[1].name, DPW_NAME_LEN, "wan2");
	doc->lan.dhcp.enabled = true;
	doc->lan.dhcp.n_ranges = 1;
	doc->lan.dhcp.range[0].start = IP(198, 18, 0, 100);
	doc->lan.dhcp.range[0].end = IP(198, 18, 0, 199);
	doc->lan.dhcp.lease_time_s = DPW_LEASE_TIME_DEFAULT;
	snprintf(doc->lan.dhcp.domain, DPW_DOMAIN_LEN, "lan");
	doc->lan.dns.enabled = true;
	doc->lan.dns.caching = true;
	doc->lan.dns.cache_size = DPW_DNS_CACHE_DEFAULT;

	env->lan_tap = "dpw-lan";
	env->lan_addr = IP(198, 18, 0, 1);
	env->lan_prefixlen = 24;
	env->dir = "/run/dpwan-lab/state/dnsmasq";
	env->min_port = 1024;
	env->max_port = 40999;
	snprintf(env->wan[0].tap, sizeof(env->wan[0].tap), "dpw-wan1");
	snprintf(env->wan[1].tap, sizeof(env->wan[1].tap), "dpw-wan2");
	env->wan[0].usable = 1;
	env->wan[0].n_dns = 1;
	env->wan[0].dns[0] = IP(198, 19, 0, 53);
	env->wan[1].usable = 1;
	env->wan[1].n_dns = 2;
	env->wan[1].dns[0] = IP(198, 19, 0, 54);
	env->wan[1].dns[1] = IP(198, 19, 0, 55);
}

static void
has(const char *text, const char *line)
{
	char want[512];
	const char *p = text;

	snprintf(want, sizeof(want), "%s\n", line);
	while ((p = strstr(p, want)) != NULL) {
		if (p == text || p[-1] == '\n')
			return;
		p++;
	}
	fail_msg("missing line '%s' in:\n%s", line, text);
}

static void
hasnt(const char *text, const char *frag)
{
	if (strstr(text, frag) != NULL)
		fail_msg("unexpected '%s' in:\n%s", frag, text);
}

/* `dnsmasq --test` on the main file, as cp_dnsmasq_check runs it; -1: no dnsmasq. */
static int
dnsmasq_test(const char *main)
{
	char path[] = "/tmp/test_dnsmasq_conf.XXXXXX", arg[64];
	int fd, st;
	pid_t pid;

	if (access("/usr/sbin/dnsmasq", X_OK) != 0)
		return -1;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, main, strlen(main)), (ssize_t)strlen(main));
	close(fd);
	snprintf(arg, sizeof(arg), "--conf-file=%s", path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execl("/usr/sbin/dnsmasq", "dnsmasq", "--test", arg, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void
test_defaults(void **state)
{
	struct cp_dnsmasq_files f;
	struct cp_dnsmasq_env env;
	struct dpw_doc doc;

	(void)state;
	make(&doc, &env);
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	has(f.main, "interface=dpw-lan");
	has(f.main, "bind-dynamic");
	has(f.main, "except-interface=lo");
	has(f.main, "no-resolv");
	has(f.main, "servers-file=/run/dpwan-lab/state/dnsmasq/servers.conf");
	has(f.main, "dhcp-hostsfile=/run/dpwan-lab/state/dnsmasq/hosts.conf");
	has(f.main, "dhcp-leasefile=/run/dpwan-lab/state/dnsmasq/dnsmasq.leases");
	has(f.main, "pid-file=/run/dpwan-lab/state/dnsmasq/dnsmasq.pid");
	has(f.main, "min-port=1024");
	has(f.main, "max-port=40999");
	has(f.main, "dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,86400");
	has(f.main, "dhcp-option=3,198.18.0.1");
	has(f.main, "dhcp-option=6,198.18.0.1");
	has(f.main, "dhcp-option=15,lan");
	has(f.main, "domain=lan");
	has(f.main, "local=/lan/");
	has(f.main, "local=/0.18.198.in-addr.arpa/");
	has(f.main, "expand-hosts");
	has(f.main, "dhcp-authoritative");
	has(f.main, "cache-size=10000");
	hasnt(f.main, "log-dhcp");
	hasnt(f.main, "port=0");
	hasnt(f.main, "dpw-wan");        /* nothing listens on (or names) a WAN TAP */
	hasnt(f.main, "dhcp-option=42");
	/* every WAN's resolvers, each out of its own TAP */
	has(f.servers, "server=198.19.0.53@dpw-wan1");
	has(f.servers, "server=198.19.0.54@dpw-wan2");
	has(f.servers, "server=198.19.0.55@dpw-wan2");
	assert_non_null(strstr(f.hosts, "#"));
	assert_null(strchr(strchr(f.hosts, '\n') + 1, ','));
	if (dnsmasq_test(f.main) >= 0)
		assert_int_equal(dnsmasq_test(f.main), 0);
	cp_dnsmasq_files_free(&f);
	assert_null(f.main);
}

static void
test_everything(void **state)
{
	struct cp_dnsmasq_files f;
	struct cp_dnsmasq_env env;
	struct dpw_doc doc;

	(void)state;
	make(&doc, &env);
	doc.lan.dhcp.logging = true;
	doc.lan.dhcp.n_ranges = 2;
	doc.lan.dhcp.range[1].start = IP(198, 18, 0, 220);
	doc.lan.dhcp.range[1].end = IP(198, 18, 0, 230);
	doc.lan.dhcp.lease_time_s = 3600;
	doc.lan.dhcp.router = IP(198, 18, 0, 2);
	doc.lan.dhcp.n_dns = 2;
	doc.lan.dhcp.dns[0] = IP(198, 18, 0, 1);
	doc.lan.dhcp.dns[1] = IP(198, 19, 0, 53);
	doc.lan.dhcp.n_ntp = 1;
	doc.lan.dhcp.ntp[0] = IP(198, 19, 0, 123);
	doc.lan.dhcp.n_options = 2;
	doc.lan.dhcp.option[0].code = 66;
	snprintf(doc.lan.dhcp.option[0].value, DPW_DHCP_OPT_VALUE_LEN, "\"tftp.lan\"");
	doc.lan.dhcp.option[1].code = 252;
	snprintf(doc.lan.dhcp.option[1].value, DPW_DHCP_OPT_VALUE_LEN, "\"http://wpad.lan/\"");
	memset(resv, 0, sizeof(resv));
	snprintf(resv[0].name, DPW_HOSTNAME_LEN, "printer");
	memcpy(resv[0].mac, "\x02\x00\x5e\x10\x00\x01", 6);
	resv[0].addr = IP(198, 18, 0, 50);
	memcpy(resv[1].mac, "\x02\x00\x5e\x10\x00\xab", 6);
	resv[1].addr = IP(198, 18, 0, 51);
	doc.lan.dhcp.n_reservations = 2;
	doc.lan.dhcp.reservation = resv;
	doc.lan.dns.caching = false;
	memset(recs, 0, sizeof(recs));
	snprintf(recs[0].name, DPW_DOMAIN_LEN, "nas.lan");
	recs[0].type = DPW_RR_A;
	snprintf(recs[0].value, DPW_DNS_RECORD_VALUE_LEN, "198.18.0.60");
	recs[0].ttl = 300;
	snprintf(recs[1].name, DPW_DOMAIN_LEN, "*.apps.lan");
	recs[1].type = DPW_RR_A;
	snprintf(recs[1].value, DPW_DNS_RECORD_VALUE_LEN, "198.18.0.61");
	snprintf(recs[2].name, DPW_DOMAIN_LEN, "files.lan");
	recs[2].type = DPW_RR_CNAME;
	snprintf(recs[2].value, DPW_DNS_RECORD_VALUE_LEN, "nas.lan");
	snprintf(recs[3].name, DPW_DOMAIN_LEN, "198.18.0.60");
	recs[3].type = DPW_RR_PTR;
	snprintf(recs[3].value, DPW_DNS_RECORD_VALUE_LEN, "nas.lan");
	snprintf(recs[4].name, DPW_DOMAIN_LEN, "v6.lan");
	recs[4].type = DPW_RR_AAAA;
	snprintf(recs[4].value, DPW_DNS_RECORD_VALUE_LEN, "2001:db8::1");
	doc.n_dns_records = 5;
	doc.dns_records = recs;
	memset(dlk, 0, sizeof(dlk));
	snprintf(dlk[0].domain, DPW_DOMAIN_LEN, "corp.example");
	dlk[0].n_wans = 1;
	dlk[0].wan[0] = 1;
	doc.n_domain_lookup = 1;
	doc.domain_lookup = dlk;
	doc.lan.dns.n_resolvers = 1;
	doc.lan.dns.resolver[0] = 0;

	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	has(f.main, "log-dhcp");
	has(f.main, "dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,3600");
	has(f.main, "dhcp-range=198.18.0.220,198.18.0.230,255.255.255.0,3600");
	has(f.main, "dhcp-option=3,198.18.0.2");
	has(f.main, "dhcp-option=6,198.18.0.1,198.19.0.53");
	has(f.main, "dhcp-option=42,198.19.0.123");
	has(f.main, "dhcp-option=66,\"tftp.lan\"");
	has(f.main, "dhcp-option=252,\"http://wpad.lan/\"");
	has(f.main, "cache-size=0");
	has(f.main, "host-record=nas.lan,198.18.0.60,300");
	has(f.main, "address=/apps.lan/198.18.0.61");
	has(f.main, "cname=files.lan,nas.lan");
	has(f.main, "ptr-record=60.0.18.198.in-addr.arpa,nas.lan");
	has(f.main, "host-record=v6.lan,2001:db8::1");
	has(f.hosts, "02:00:5e:10:00:01,198.18.0.50,printer");
	has(f.hosts, "02:00:5e:10:00:ab,198.18.0.51");
	/* resolvers: wan1 only; the domain lookup policy: wan2's */
	has(f.servers, "server=198.19.0.53@dpw-wan1");
	hasnt(f.servers, "server=198.19.0.54@");
	has(f.servers, "server=/corp.example/198.19.0.54@dpw-wan2");
	has(f.servers, "server=/corp.example/198.19.0.55@dpw-wan2");
	if (dnsmasq_test(f.main) >= 0)
		assert_int_equal(dnsmasq_test(f.main), 0);
	cp_dnsmasq_files_free(&f);

	/* wan1 is down: the chosen resolver is not usable, so every usable WAN's; wan2 is
	 * down: the domain goes to the usable ones */
	env.wan[0].usable = 0;
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	hasnt(f.servers, "@dpw-wan1");
	has(f.servers, "server=198.19.0.54@dpw-wan2");
	has(f.servers, "server=/corp.example/198.19.0.54@dpw-wan2");
	cp_dnsmasq_files_free(&f);
	env.wan[0].usable = 1;
	env.wan[1].usable = 0;
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	has(f.servers, "server=198.19.0.53@dpw-wan1");
	has(f.servers, "server=/corp.example/198.19.0.53@dpw-wan1");
	hasnt(f.servers, "@dpw-wan2");
	cp_dnsmasq_files_free(&f);
	/* none usable: no upstream at all (dnsmasq answers REFUSED), never a down WAN */
	env.wan[0].usable = 0;
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	hasnt(f.servers, "server=");
	cp_dnsmasq_files_free(&f);
}

static void
test_disabled(void **state)
{
	struct cp_dnsmasq_files f;
	struct cp_dnsmasq_env env;
	struct dpw_doc doc;

	(void)state;
	make(&doc, &env);
	doc.lan.dns.enabled = false;
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	has(f.main, "port=0");
	has(f.main, "dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,86400");
	hasnt(f.main, "dhcp-option=6,");   /* no DNS of ours to offer */
	hasnt(f.servers, "server=");
	if (dnsmasq_test(f.main) >= 0)
		assert_int_equal(dnsmasq_test(f.main), 0);
	cp_dnsmasq_files_free(&f);

	make(&doc, &env);
	doc.lan.dhcp.enabled = false;
	assert_int_equal(cp_dnsmasq_render(&doc, &env, &f), 0);
	hasnt(f.main, "dhcp-range");
	hasnt(f.main, "dhcp-option");
	hasnt(f.main, "port=0");
	has(f.servers, "server=198.19.0.53@dpw-wan1");
	cp_dnsmasq_files_free(&f);
}

static void
test_leases(void **state)
{
	const char *text =
		"1767225600 02:00:5e:10:00:01 198.18.0.150 laptop 01:02:00:5e:10:00:01\n"
		"0 02:00:5e:10:00:02 198.18.0.151 * *\n"
		"duid 00:01:00:01:2c:5b:1f:aa:02:00:5e:10:00:99\n"
		"1767225600 1234567 2001:db8::10 v6host 00:01:00:01\n"
		"garbage\n"
		"1767225600 02:00:5e:10:00:03 198.18.0.152 phone *\n"
		"-5 02:00:5e:10:00:04 198.18.0.153 x *\n"
		"1767225600 02:00:5e:10:00:0 198.18.0.154 x *\n"
		"1767225600 02:00:5e:10:00:05 198.18.0.155 x * extra\n";
	struct cp_lease l[2];
	unsigned int skipped = 99;

	(void)state;
	assert_int_equal(cp_lease_parse(text, strlen(text), l, 2, &skipped), 3);
	assert_int_equal(skipped, 6);
	assert_int_equal(l[0].expiry, 1767225600);
	assert_memory_equal(l[0].mac, "\x02\x00\x5e\x10\x00\x01", 6);
	assert_int_equal(l[0].addr, IP(198, 18, 0, 150));
	assert_string_equal(l[0].hostname, "laptop");
	assert_string_equal(l[0].client_id, "01:02:00:5e:10:00:01");
	assert_int_equal(l[1].expiry, 0);
	assert_string_equal(l[1].hostname, "");
	assert_string_equal(l[1].client_id, "");
	assert_int_equal(cp_lease_parse("", 0, NULL, 0, NULL), 0);
	/* a 255-byte client id (a LAN host chooses it): the lease is listed, and released */
	{
		char big[1200], cid[800];
		struct cp_lease one;
		uint8_t pkt[600];
		size_t o = 0;
		unsigned int i;

		for (i = 0; i < 255; i++)
			o += (size_t)snprintf(cid + o, sizeof(cid) - o, "%s%02x", i ? ":" : "",
					      i & 0xff);
		snprintf(big, sizeof(big), "1767225600 02:00:5e:10:00:07 198.18.0.157 %s %s\n",
			 "h", cid);
		assert_int_equal(cp_lease_parse(big, strlen(big), &one, 1, &skipped), 1);
		assert_int_equal(skipped, 0);
		assert_string_equal(one.client_id, cid);
		assert_true(cp_dhcp_release_build(&one, IP(198, 18, 0, 1), 1, pkt,
						  sizeof(pkt)) > 255);
	}
	/* no newline at the end, a NUL inside a line */
	assert_int_equal(cp_lease_parse("0 02:00:5e:10:00:02 198.18.0.151 * *", 36, l, 2,
					&skipped), 1);
	assert_int_equal(cp_lease_parse("0 02:00:5e:10:00:02 198.18.0.1\0 * *\n", 36, l, 2,
					&skipped), 0);
	assert_int_equal(skipped, 1);
}

static void
test_release(void **state)
{
	struct cp_lease l;
	uint8_t buf[400];
	int n;

	(void)state;
	memset(&l, 0, sizeof(l));
	memcpy(l.mac, "\x02\x00\x5e\x10\x00\x01", 6);
	l.addr = IP(198, 18, 0, 150);
	n = cp_dhcp_release_build(&l, IP(198, 18, 0, 1), 0x11223344, buf, sizeof(buf));
	assert_int_equal(n, 300);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 6);
	assert_memory_equal(buf + 4, "\x11\x22\x33\x44", 4);
	assert_memory_equal(buf + 12, "\xc6\x12\x00\x96", 4);   /* ciaddr */
	assert_memory_equal(buf + 16, "\0\0\0\0", 4);           /* yiaddr */
	assert_memory_equal(buf + 28, l.mac, 6);
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	assert_memory_equal(buf + 240, "\x35\x01\x07\x36\x04\xc6\x12\x00\x01\xff", 10);

	snprintf(l.client_id, sizeof(l.client_id), "01:02:00:5e:10:00:01");
	n = cp_dhcp_release_build(&l, IP(198, 18, 0, 1), 1, buf, sizeof(buf));
	assert_int_equal(n, 300);
	assert_memory_equal(buf + 249, "\x3d\x07\x01\x02\x00\x5e\x10\x00\x01\xff", 10);
	/* bad input */
	assert_int_equal(cp_dhcp_release_build(&l, IP(198, 18, 0, 1), 1, buf, 299), -EINVAL);
	assert_int_equal(cp_dhcp_release_build(&l, 0, 1, buf, sizeof(buf)), -EINVAL);
	snprintf(l.client_id, sizeof(l.client_id), "01:0g");
	assert_int_equal(cp_dhcp_release_build(&l, IP(198, 18, 0, 1), 1, buf, sizeof(buf)),
			 -EINVAL);
	l.client_id[0] = '\0';
	l.addr = 0;
	assert_int_equal(cp_dhcp_release_build(&l, IP(198, 18, 0, 1), 1, buf, sizeof(buf)),
			 -EINVAL);
}

static void
test_chaos(void **state)
{
	char txt[4][CP_CHAOS_TXT_LEN];
	uint8_t q[64], a[256];
	uint16_t id = 0;
	int n, len;

	(void)state;
	n = cp_chaos_query(q, sizeof(q), 0x1203, "cachesize.bind");
	assert_int_equal(n, 12 + 16 + 4);
	assert_memory_equal(q, "\x12\x03\0\0\0\x01\0\0\0\0\0\0", 12);
	assert_memory_equal(q + 12, "\x09" "cachesize" "\x04" "bind" "\0" "\0\x10\0\x03", 20);
	assert_int_equal(cp_chaos_query(a, 20, 1, "cachesize.bind"), -EINVAL);
	assert_int_equal(cp_chaos_query(a, sizeof(a), 1, "a..b"), -EINVAL);

	/* dnsmasq's answer: the question, then TXT records behind a pointer to it */
	memcpy(a, q, (size_t)n);
	a[2] = 0x84;                                   /* QR AA */
	a[7] = 2;                                      /* ANCOUNT */
	len = n;
	memcpy(a + len, "\xc0\x0c\0\x10\0\x03\0\0\0\0\0\x06\x05" "10000", 18);
	len += 18;
	/* servers.bind style: one record, two strings */
	memcpy(a + len, "\xc0\x0c\0\x10\0\x03\0\0\0\0\0\x08\x03" "a b" "\x03" "c d", 20);
	len += 20;
	assert_int_equal(cp_chaos_answer(a, (size_t)len, &id, txt, 4), 3);
	assert_int_equal(id, 0x1203);
	assert_string_equal(txt[0], "10000");
	assert_string_equal(txt[1], "a b");
	assert_string_equal(txt[2], "c d");
	assert_int_equal(cp_chaos_answer(a, (size_t)len, &id, txt, 1), 1);
	/* malformed: truncated anywhere, a string past its record, not an answer */
	for (n = 0; n < len - 20; n++)
		assert_true(cp_chaos_answer(a, (size_t)n, &id, txt, 4) < 0 || n >= len - 20);
	a[len - 20 + 11] = 0x03;                      /* rdlength 3 < the strings' 8 */
	assert_int_equal(cp_chaos_answer(a, (size_t)len, &id, txt, 4), -EINVAL);
	a[2] = 0x04;
	assert_int_equal(cp_chaos_answer(a, (size_t)len, &id, txt, 4), -EINVAL);
	a[2] = 0x84;
	a[12] = 0x45;                                  /* a label with the 0x40 bits */
	assert_int_equal(cp_chaos_answer(a, (size_t)len, &id, txt, 4), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_leases),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_chaos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
