/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the WAN DHCP client's lease file parser (control/dhcp_lease.c): what
 * the script writes for each dhclient reason, and what must be refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "control/dhcp_lease.h"

static int
parse(const char *text, struct cp_dhcp_lease *l)
{
	memset(l, 0xa5, sizeof(*l));
	return cp_dhcp_lease_parse(text, strlen(text), l);
}

static void
test_bound(void **state)
{
	struct cp_dhcp_lease l, m;
	char buf[160];

	(void)state;
	/* exactly what the script writes for BOUND */
	assert_int_equal(parse("reason=BOUND\nip=198.18.1.57\nmask=255.255.255.0\n"
			       "router=198.18.1.1\ndns=198.19.0.10 198.19.0.11\nlease=3600\n", &l),
			 0);
	assert_true(l.bound);
	assert_string_equal(l.reason, "BOUND");
	assert_int_equal(l.addr, 0xc6120139);
	assert_int_equal(l.prefixlen, 24);
	assert_int_equal(l.gateway, 0xc6120101);
	assert_int_equal(l.n_dns, 2);
	assert_int_equal(l.dns[0], 0xc613000a);
	assert_int_equal(l.dns[1], 0xc613000b);
	assert_int_equal(l.lease_s, 3600);
	cp_dhcp_lease_str(&l, buf, sizeof(buf));
	assert_string_equal(buf, "198.18.1.57/24 via 198.18.1.1, dns 198.19.0.10 198.19.0.11, "
			    "3600 s");
	/* RENEW of the same lease: the same; prefix= works as mask= does; CRLF, comments */
	assert_int_equal(parse("# x\r\nreason=RENEW\r\nip=198.18.1.57\r\nprefix=24\r\n"
			       "router=198.18.1.1 198.18.1.254\r\ndns=198.19.0.10 198.19.0.11\r\n"
			       "lease=1800\r\nnew_key=ignored\r\n", &m), 0);
	assert_true(cp_dhcp_lease_same(&l, &m));
	assert_int_equal(m.gateway, 0xc6120101);   /* the first router */
	/* another address, another DNS: not the same */
	assert_int_equal(parse("reason=REBIND\nip=198.18.1.58\nmask=255.255.255.0\n"
			       "router=198.18.1.1\ndns=198.19.0.10 198.19.0.11\n", &m), 0);
	assert_false(cp_dhcp_lease_same(&l, &m));
	assert_int_equal(parse("reason=REBOOT\nip=198.18.1.57\nmask=255.255.255.0\n"
			       "router=198.18.1.1\ndns=198.19.0.10\n", &m), 0);
	assert_false(cp_dhcp_lease_same(&l, &m));
	/* no DNS, no lease time given: still a lease */
	assert_int_equal(parse("reason=BOUND\nip=198.18.1.57\nmask=255.255.255.0\n"
			       "router=198.18.1.1\ndns=\nlease=\n", &m), 0);
	assert_true(m.bound);
	assert_int_equal(m.n_dns, 0);
	assert_int_equal(m.lease_s, 0);
	/* more DNS servers than kept: the first DPW_WAN_DNS_MAX */
	assert_int_equal(parse("reason=BOUND\nip=198.18.1.57\nprefix=24\nrouter=198.18.1.1\n"
			       "dns=1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6\n", &m), 0);
	assert_int_equal(m.n_dns, DPW_WAN_DNS_MAX);
	assert_int_equal(m.dns[0], 0x01010101);
}

static void
test_lost(void **state)
{
	static const char *const reasons[] = { "EXPIRE", "FAIL", "RELEASE", "STOP", "TIMEOUT" };
	struct cp_dhcp_lease l;
	char text[64], buf[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		snprintf(text, sizeof(text), "reason=%s\n", reasons[i]);
		assert_int_equal(parse(text, &l), 0);
		assert_false(l.bound);
		assert_int_equal(l.addr, 0);
		assert_int_equal(l.gateway, 0);
		assert_int_equal(l.n_dns, 0);
		assert_string_equal(l.reason, reasons[i]);
	}
	cp_dhcp_lease_str(&l, buf, sizeof(buf));
	assert_string_equal(buf, "none (TIMEOUT)");
	/* an EXPIRE that still names the old address: no lease all the same */
	assert_int_equal(parse("reason=EXPIRE\nip=198.18.1.57\nmask=255.255.255.0\n", &l), 0);
	assert_false(l.bound);
	assert_int_equal(l.addr, 0);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",                                                    /* no reason */
		"ip=198.18.1.57\nprefix=24\nrouter=198.18.1.1\n",
		"reason=BOUND\n",                                      /* nothing held */
		"reason=BOUND\nip=198.18.1.57\nrouter=198.18.1.1\n",   /* no prefix */
		"reason=BOUND\nip=198.18.1.57\nprefix=24\n",           /* no router */
		"reason=BOUND\nip=198.18.1.57\nprefix=31\nrouter=198.18.1.56\n",
		"reason=BOUND\nip=198.18.1.57\nprefix=0\nrouter=198.18.1.1\n",
		"reason=BOUND\nip=198.18.1.57\nmask=255.0.255.0\nrouter=198.18.1.1\n",
		"reason=BOUND\nip=198.18.1.57\nprefix=24\nrouter=198.18.2.1\n", /* outside */
		"reason=BOUND\nip=198.18.1.57\nprefix=24\nrouter=198.18.1.57\n", /* itself */
		"reason=BOUND\nip=198.18.1.0\nprefix=24\nrouter=198.18.1.1\n",   /* network */
		"reason=BOUND\nip=198.18.1.255\nprefix=24\nrouter=198.18.1.1\n", /* broadcast */
		"reason=BOUND\nip=127.0.0.5\nprefix=8\nrouter=127.0.0.1\n",
		"reason=BOUND\nip=224.0.0.5\nprefix=24\nrouter=224.0.0.1\n",
		"reason=BOUND\nip=198.18.1.300\nprefix=24\nrouter=198.18.1.1\n",
		"reason=BOUND\nip=198.18.1.57\nprefix=24x\nrouter=198.18.1.1\n",
		"reason=BOUND\nip=198.18.1.57\nprefix=24\nrouter=198.18.1.1\ndns=1.2.3\n",
		"reason=BOUND\nip=198.18.1.57\nprefix=24\nrouter=198.18.1.1\nlease=-5\n",
		"reason=BOUND\nno equals sign here\n",
		"reason=THIS_REASON_IS_FAR_TOO_LONG\n",
	};
	struct cp_dhcp_lease l;
	char longline[600];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &l) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "reason=", 7);
	assert_int_equal(parse(longline, &l), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
