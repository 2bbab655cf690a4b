/* SPDX-License-Identifier: BSD-3-Clause
 * dataplane/inbound.c: service lookups (a port, a range, a mapping, a range mapping,
 * "any" on an additional address), the smooth weighted round robin per worker, the LAN
 * side test, the LAN hosts, additional addresses and NAT mappings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/inbound.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))

static struct dpw_doc doc;
static struct dpw_doc_service svcs[8];
static struct dpw_doc_nat_mapping maps[4];
static const uint8_t wan_id[DPW_MAX_WANS] = { 0, 1 };

static void
svc(unsigned int i, uint8_t protos, uint16_t lo, uint16_t hi, uint16_t to, int wan,
    uint32_t addr, uint32_t s1, uint32_t w1, uint32_t s2, uint32_t w2)
{
	struct dpw_doc_service *s = &svcs[i];

	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->protos = protos;
	s->port.lo = lo;
	s->port.hi = hi;
	s->to_port = to;
	if (wan >= 0) {
		s->n_wans = 1;
		s->wan[0] = (uint8_t)wan;
	}
	if (addr != 0) {
		s->n_addrs = 1;
		s->addr[0] = addr;
	}
	s->server[0] = (struct dpw_doc_service_server){ s1, w1 };
	s->n_servers = 1;
	if (s2 != 0) {
		s->server[1] = (struct dpw_doc_service_server){ s2, w2 };
		s->n_servers = 2;
	}
}

static struct dp_inb *
build(unsigned int n_svc, unsigned int n_workers)
{
	struct dpw_doc_problems pr;
	struct dp_inb *ib = NULL;
	struct dpw_doc_wan *wans = doc.wans;

	memset(&doc, 0, sizeof(doc));
	wans[0].forwarding = false;
	wans[0].addr = A(198, 18, 1, 2);
	wans[0].n_extra = 1;
	wans[0].extra_addr[0] = A(198, 18, 1, 9);
	wans[1].forwarding = true;
	wans[1].addr = A(198, 18, 2, 2);
	doc.n_wans = 2;
	doc.n_services = n_svc;
	doc.services = svcs;
	doc.nat.n_mappings = 2;
	doc.nat.mapping = maps;
	memset(maps, 0, sizeof(maps));
	maps[0] = (struct dpw_doc_nat_mapping){ .type = DPW_NATMAP_ONE_TO_ONE,
		.lan = { A(198, 18, 0, 20), 32 }, .wan = 0, .addr = A(198, 18, 1, 9) };
	maps[1] = (struct dpw_doc_nat_mapping){ .type = DPW_NATMAP_OUTBOUND,
		.lan = { A(198, 18, 0, 0), 24 }, .wan = 1, .addr = A(198, 18, 2, 7) };
	dpw_doc_problems_init(&pr);
	assert_int_equal(dp_inb_build(&doc, wan_id, n_workers, &ib, &pr), 0);
	assert_non_null(ib);
	return ib;
}

static void
test_lookups(void **state)
{
	struct dp_inb *ib;
	const struct dp_inb_svc *s;
	const uint32_t *hosts;
	unsigned int wan;
	uint32_t a;

	(void)state;
	svc(0, DPW_SVC_TCP, 8080, 8080, 80, 0, 0, A(198, 18, 0, 10), 10, 0, 0);  /* mapping */
	svc(1, DPW_SVC_UDP, 5000, 5009, 0, -1, 0, A(198, 18, 0, 11), 1, 0, 0);   /* range */
	svc(2, DPW_SVC_TCP | DPW_SVC_UDP, 22, 22, 0, 1, 0, A(198, 18, 0, 12), 1, 0, 0);
	svc(3, DPW_SVC_TCP, 6000, 6009, 7000, 0, 0, A(198, 18, 0, 13), 1, 0, 0);  /* range map */
	svc(4, DPW_SVC_TCP, 1, 65535, 0, 0, A(198, 18, 1, 9), A(198, 18, 0, 14), 1, 0, 0);
	ib = build(5, 1);

	s = dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(8080));
	assert_non_null(s);
	assert_int_equal(s->id, 0);
	assert_int_equal(dp_inb_lan_port(s, htons(8080)), htons(80));
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_UDP, htons(8080)));
	assert_null(dp_inb_service(ib, 1, 0, IPPROTO_TCP, htons(8080)));   /* wan1 only */
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(8081)));
	/* a range on every WAN, no mapping */
	for (unsigned int w = 0; w < 2; w++) {
		s = dp_inb_service(ib, w, 0, IPPROTO_UDP, htons(5009));
		assert_non_null(s);
		assert_int_equal(s->id, 1);
		assert_int_equal(dp_inb_lan_port(s, htons(5009)), htons(5009));
	}
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_UDP, htons(5010)));
	assert_non_null(dp_inb_service(ib, 1, 0, IPPROTO_TCP, htons(22)));
	assert_non_null(dp_inb_service(ib, 1, 0, IPPROTO_UDP, htons(22)));
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(22)));
	assert_null(dp_inb_service(ib, 1, 0, IPPROTO_ICMP, htons(22)));
	/* a range mapping: 6003 -> 7003 */
	s = dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(6003));
	assert_non_null(s);
	assert_int_equal(dp_inb_lan_port(s, htons(6003)), htons(7003));
	/* any on the additional address, not on the WAN's own */
	s = dp_inb_service(ib, 0, htonl(A(198, 18, 1, 9)), IPPROTO_TCP, htons(443));
	assert_non_null(s);
	assert_int_equal(s->id, 4);
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(443)));
	assert_null(dp_inb_service(ib, 1, htonl(A(198, 18, 1, 9)), IPPROTO_TCP, htons(443)));

	/* LAN side: servers from their LAN ports */
	assert_true(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 10)), htons(80), IPPROTO_TCP));
	assert_false(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 10)), htons(8080), IPPROTO_TCP));
	assert_false(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 10)), htons(80), IPPROTO_UDP));
	assert_true(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 13)), htons(7009), IPPROTO_TCP));
	assert_false(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 13)), htons(7010), IPPROTO_TCP));
	assert_true(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 20)), htons(1234), IPPROTO_ICMP));
	assert_false(dp_inb_lan_side(ib, htonl(A(198, 18, 0, 99)), htons(80), IPPROTO_TCP));

	/* 5 servers + the 1:1 host */
	assert_int_equal(dp_inb_lan_hosts(ib, &hosts), 6);
	assert_int_equal(hosts[5], htonl(A(198, 18, 0, 20)));

	assert_int_equal(dp_inb_extra_wan(ib, htonl(A(198, 18, 1, 9))), 0);
	assert_int_equal(dp_inb_extra_wan(ib, htonl(A(198, 18, 1, 2))), -1);
	assert_int_equal(dp_inb_one2one_host(ib, 0, htonl(A(198, 18, 1, 9)), &a), 0);
	assert_int_equal(a, htonl(A(198, 18, 0, 20)));
	assert_int_equal(dp_inb_one2one_host(ib, 1, htonl(A(198, 18, 1, 9)), &a), -1);
	assert_int_equal(dp_inb_one2one_public(ib, htonl(A(198, 18, 0, 20)), &wan, &a), 0);
	assert_int_equal(wan, 0);
	assert_int_equal(a, htonl(A(198, 18, 1, 9)));
	assert_int_equal(dp_inb_snat_addr(ib, 1, htonl(A(198, 18, 0, 33))), htonl(A(198, 18, 2, 7)));
	assert_int_equal(dp_inb_snat_addr(ib, 0, htonl(A(198, 18, 0, 33))), 0);
	assert_int_equal(dp_inb_forwarding_mask(ib), 0x2);
	dp_inb_free(ib);
}

static void
test_wrr(void **state)
{
	struct dp_inb *ib;
	const struct dp_inb_svc *s;
	unsigned int n10[2] = { 0, 0 }, n5[2] = { 0, 0 };

	(void)state;
	svc(0, DPW_SVC_TCP, 8080, 8080, 80, 0, 0, A(198, 18, 0, 10), 10, A(198, 18, 0, 11), 5);
	ib = build(1, 2);
	s = dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(8080));
	assert_non_null(s);
	for (unsigned int w = 0; w < 2; w++) {
		for (unsigned int i = 0; i < 300; i++) {
			const struct dp_inb_server *p = dp_inb_pick(ib, s, w);

			assert_non_null(p);
			if (p->addr == htonl(A(198, 18, 0, 10)))
				n10[w]++;
			else
				n5[w]++;
			/* smooth, not 10 then 5: a fresh row gives A B A ... */
			if (i == 1)
				assert_int_equal(p->addr, htonl(A(198, 18, 0, 11)));
		}
		/* each worker keeps its own row: worker 1 starts fresh after worker 0's 300 */
		assert_int_equal(n10[w], 200);
		assert_int_equal(n5[w], 100);
	}
	dp_inb_free(ib);
}

static void
test_empty(void **state)
{
	struct dpw_doc_problems pr;
	struct dpw_doc empty;
	struct dp_inb *ib = NULL;
	const uint32_t *hosts;

	(void)state;
	memset(&empty, 0, sizeof(empty));
	dpw_doc_problems_init(&pr);
	assert_int_equal(dp_inb_build(&empty, wan_id, 1, &ib, &pr), 0);
	assert_null(dp_inb_service(ib, 0, 0, IPPROTO_TCP, htons(80)));
	assert_int_equal(dp_inb_lan_hosts(ib, &hosts), 0);
	assert_int_equal(dp_inb_forwarding_mask(ib), 0);
	dp_inb_free(ib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_wrr),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
