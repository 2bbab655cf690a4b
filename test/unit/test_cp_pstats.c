/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of control/pstats.c: the rule and policy counters summed over the lcore
 * slots of the current epoch only, zero while the dataplane runs another generation, the
 * compact rule / policy indexes (default rule, connected), the WANs' flags in document
 * order, the directly connected networks and the actions' effective pick and fallback.
 * A struct dpw_shm in plain memory; single-threaded test program, no DPDK.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/pstats.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct dpw_shm *
new_shm(void)
{
	struct dpw_shm *shm = calloc(1, sizeof(*shm));

	assert_non_null(shm);
	shm->n_wans = 2;
	shm->n_ports = 3;
	snprintf(shm->wans[0].name, DPW_NAME_LEN, "wan1");
	snprintf(shm->wans[1].name, DPW_NAME_LEN, "wan2");
	shm->wans[0].port = 1;
	shm->wans[1].port = 2;
	snprintf(shm->ports[0].name, DPW_NAME_LEN, "lan");
	shm->ports[0].role = DPW_ROLE_LAN;
	shm->ports[0].addr = IP(198, 18, 0, 1);
	shm->ports[0].prefixlen = 24;
	shm->ports[1].role = DPW_ROLE_WAN;
	shm->ports[2].role = DPW_ROLE_WAN;
	return shm;
}

/* Slot s of epoch e with hits h on rule slot r (and as many unavailable as r). */
static void
put(struct dpw_shm *shm, unsigned int s, uint64_t e, unsigned int r, uint64_t h)
{
	shm->pstats[s].epoch = e;
	shm->pstats[s].rule_hits[r] += h;
	shm->pstats[s].rule_unavailable[r] += r;
}

static void
test_epoch_sum(void **state)
{
	struct dpw_shm *shm = new_shm();
	struct cp_pstats ps;

	(void)state;
	shm->policy_gen = 7;
	shm->policy_epoch = 3;
	put(shm, 0, 3, 0, 10);
	put(shm, 1, 3, 0, 5);
	put(shm, 1, 3, 2, 1);
	/* slot 2 has not seen epoch 3 yet: its figures are of the old rules */
	put(shm, 2, 2, 0, 1000);
	put(shm, 2, 2, 1, 1000);
	/* the main lcore's slot counts like the workers' */
	put(shm, DPW_SHM_MAIN_SLOT, 3, 1, 4);
	put(shm, 0, 3, DPW_RULE_SLOT_DEFAULT, 20);
	put(shm, 1, 3, DPW_RULE_SLOT_CONNECTED, 2);
	shm->pstats[0].policy_wan[0][1] = 6;
	shm->pstats[1].policy_wan[0][1] = 1;
	shm->pstats[2].policy_wan[0][1] = 500;
	shm->pstats[0].policy_wan[DPW_POLICY_SLOT_DEFAULT][0] = 9;
	shm->pstats[1].policy_wan[1][0] = 3;    /* policy 1: not in a 1-policy document */

	assert_int_equal(cp_pstats_read(shm, 7, 3, 1, &ps), 0);
	assert_true(ps.valid);
	assert_int_equal(ps.gen, 7);
	assert_int_equal(ps.epoch, 3);
	assert_int_equal(ps.rule[CP_RC_HITS][0], 15);
	assert_int_equal(ps.rule[CP_RC_HITS][1], 4);
	assert_int_equal(ps.rule[CP_RC_HITS][2], 1);
	assert_int_equal(ps.rule[CP_RC_UNAVAILABLE][1], 1);
	assert_int_equal(ps.rule[CP_RC_UNAVAILABLE][2], 2);
	assert_int_equal(ps.rule[CP_RC_HITS][CP_PSTATS_RULE_DEFAULT(&ps)], 20);
	assert_int_equal(ps.rule[CP_RC_HITS][CP_PSTATS_RULE_CONNECTED(&ps)], 2);
	assert_int_equal(ps.rule[CP_RC_UNAVAILABLE][CP_PSTATS_RULE_DEFAULT(&ps)],
			 DPW_RULE_SLOT_DEFAULT);
	assert_int_equal(ps.policy_wan[0][1], 7);
	assert_int_equal(ps.policy_wan[0][0], 0);
	assert_int_equal(ps.policy_wan[CP_PSTATS_POLICY_DEFAULT(&ps)][0], 9);
	cp_pstats_free(&ps);

	/* slot 2 catches up: it zeroes its slot, then takes the epoch */
	memset(&shm->pstats[2], 0, sizeof(shm->pstats[2]));
	put(shm, 2, 3, 0, 1);
	assert_int_equal(cp_pstats_read(shm, 7, 3, 1, &ps), 0);
	assert_int_equal(ps.rule[CP_RC_HITS][0], 16);
	cp_pstats_free(&ps);

	/* a new generation with the same rules keeps the epoch: the counters go on */
	shm->policy_gen = 8;
	assert_int_equal(cp_pstats_read(shm, 8, 3, 1, &ps), 0);
	assert_true(ps.valid);
	assert_int_equal(ps.rule[CP_RC_HITS][0], 16);
	cp_pstats_free(&ps);
	free(shm);
}

static void
test_generation_mismatch(void **state)
{
	struct dpw_shm *shm = new_shm();
	struct cp_pstats ps;
	unsigned int c, i;

	(void)state;
	shm->policy_gen = 7;
	shm->policy_epoch = 1;
	put(shm, 0, 1, 0, 10);
	put(shm, 0, 1, DPW_RULE_SLOT_DEFAULT, 10);
	shm->pstats[0].policy_wan[0][0] = 3;
	/* the control process runs generation 8, the dataplane still builds it: slot 0 is
	 * rule 0 of generation 7, maybe another rule altogether */
	assert_int_equal(cp_pstats_read(shm, 8, 2, 1, &ps), 0);
	assert_false(ps.valid);
	assert_int_equal(ps.gen, 7);
	for (c = 0; c < CP_RC_MAX; c++)
		for (i = 0; i < 4; i++)
			assert_int_equal(ps.rule[c][i], 0);
	assert_int_equal(ps.policy_wan[0][0], 0);
	cp_pstats_free(&ps);
	/* no document yet, and a dataplane without rules: nothing is valid */
	shm->policy_gen = 0;
	assert_int_equal(cp_pstats_read(shm, 0, 0, 0, &ps), 0);
	assert_false(ps.valid);
	assert_int_equal(ps.rule[CP_RC_HITS][CP_PSTATS_RULE_DEFAULT(&ps)], 0);
	cp_pstats_free(&ps);
	/* out of the layout's bounds */
	assert_int_equal(cp_pstats_read(shm, 7, DPW_MAX_RULES + 1, 0, &ps), -EINVAL);
	cp_pstats_free(&ps);
	assert_int_equal(cp_pstats_read(shm, 7, 0, DPW_MAX_POLICIES + 1, &ps), -EINVAL);
	cp_pstats_free(&ps);
	/* the largest document fits: its last rule is slot DPW_MAX_RULES - 1 */
	shm->policy_gen = 7;
	put(shm, 0, 1, DPW_MAX_RULES - 1, 2);
	assert_int_equal(cp_pstats_read(shm, 7, DPW_MAX_RULES, DPW_MAX_POLICIES, &ps), 0);
	assert_int_equal(ps.rule[CP_RC_HITS][DPW_MAX_RULES - 1], 2);
	assert_int_equal(ps.rule[CP_RC_HITS][CP_PSTATS_RULE_DEFAULT(&ps)], 10);
	assert_int_equal(ps.policy_wan[0][0], 3);
	cp_pstats_free(&ps);
	free(shm);
}

static void
test_wan_flags(void **state)
{
	struct dpw_shm *shm = new_shm();
	struct dpw_doc doc;
	uint8_t usable[DPW_MAX_WANS], up[DPW_MAX_WANS];
	struct dpw_wan_shm *w1 = &shm->wans[0], *w2 = &shm->wans[1];

	(void)state;
	memset(&doc, 0, sizeof(doc));
	/* the document's order is not the dataplane's */
	doc.n_wans = 3;
	snprintf(doc.wans[0].name, DPW_NAME_LEN, "wan2");
	snprintf(doc.wans[1].name, DPW_NAME_LEN, "wan1");
	snprintf(doc.wans[2].name, DPW_NAME_LEN, "wan9");
	w1->configured = w1->usable = w1->link_up = w1->gw_resolved = 1;
	w1->admin = DPW_WAN_ADMIN_UP;
	/* wan2: health took it down (not usable) but it is up: ENFORCED still uses it */
	w2->configured = w2->link_up = w2->gw_resolved = 1;
	w2->admin = DPW_WAN_ADMIN_UP;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(usable[0], 0);
	assert_int_equal(up[0], 1);
	assert_int_equal(usable[1], 1);
	assert_int_equal(up[1], 1);
	assert_int_equal(usable[2], 0);
	assert_int_equal(up[2], 0);
	/* disabled, forced down, link down, gateway unknown: not up */
	w2->admin = DPW_WAN_ADMIN_DOWN;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(up[0], 0);
	w2->admin = DPW_WAN_ADMIN_UP;
	w2->forced_down = 1;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(up[0], 0);
	w2->forced_down = 0;
	w2->gw_resolved = 0;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(up[0], 0);
	w1->link_up = 0;
	w1->configured = 1;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(up[1], 0);
	/* an unconfigured port takes nothing, whatever it says */
	w1->configured = 0;
	w1->link_up = 1;
	cp_pstats_wan_flags(shm, &doc, usable, up);
	assert_int_equal(usable[1], 0);
	assert_int_equal(up[1], 0);
	assert_int_equal(cp_pstats_wan_id(shm, "wan2"), 1);
	assert_int_equal(cp_pstats_wan_id(shm, "wan3"), -1);
	free(shm);
}

static void
test_connected(void **state)
{
	struct dpw_shm *shm = new_shm();
	struct dpw_doc_net nets[CP_PSTATS_CONNECTED_MAX];
	unsigned int n;

	(void)state;
	shm->wans[0].configured = 1;
	shm->wans[0].addr = IP(198, 18, 1, 2);
	shm->ports[1].prefixlen = 24;          /* the view mirrors it into the port */
	shm->wans[1].configured = 1;
	shm->wans[1].addr = IP(198, 18, 2, 2);
	shm->wans[1].prefixlen = 30;           /* the WAN's own, when given, wins */
	shm->ports[2].prefixlen = 24;
	n = cp_pstats_connected(shm, nets, CP_PSTATS_CONNECTED_MAX);
	assert_int_equal(n, 3);
	assert_int_equal(nets[0].addr, IP(198, 18, 1, 0));
	assert_int_equal(nets[0].prefixlen, 24);
	assert_int_equal(nets[1].addr, IP(198, 18, 2, 0));
	assert_int_equal(nets[1].prefixlen, 30);
	assert_int_equal(nets[2].addr, IP(198, 18, 0, 0));
	assert_int_equal(nets[2].prefixlen, 24);
	/* unconfigured, no address yet (DHCP), a duplicate: left out; max is kept */
	shm->wans[1].configured = 0;
	shm->wans[0].addr = IP(198, 18, 0, 77);
	shm->ports[1].prefixlen = 24;
	n = cp_pstats_connected(shm, nets, CP_PSTATS_CONNECTED_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(nets[0].addr, IP(198, 18, 0, 0));
	shm->wans[0].addr = 0;
	shm->wans[0].configured = 1;
	n = cp_pstats_connected(shm, nets, CP_PSTATS_CONNECTED_MAX);
	assert_int_equal(n, 1);
	shm->wans[0].addr = IP(198, 18, 1, 2);
	n = cp_pstats_connected(shm, nets, 1);
	assert_int_equal(n, 1);
	assert_int_equal(nets[0].addr, IP(198, 18, 1, 0));
	free(shm);
}

static void
test_action(void **state)
{
	static struct dpw_doc doc;
	struct dpw_doc_action a;

	(void)state;
	memset(&doc, 0, sizeof(doc));
	memset(&a, 0, sizeof(a));
	doc.n_policies = 1;
	doc.policies[0].pick.algorithm = DPW_LB_METRIC;
	doc.policies[0].last_resort = DPW_FB_DEFAULT;
	a.policy = 0;
	a.when_unavailable = DPW_FB_LAST_RESORT;
	assert_ptr_equal(cp_pstats_action_pick(&doc, &a), &doc.policies[0].pick);
	assert_int_equal(cp_pstats_action_fallback(&doc, &a), DPW_FB_DEFAULT);
	a.when_unavailable = DPW_FB_ANY;
	assert_int_equal(cp_pstats_action_fallback(&doc, &a), DPW_FB_ANY);
	a.policy = -1;
	assert_ptr_equal(cp_pstats_action_pick(&doc, &a), &a.pick);
	a.when_unavailable = DPW_FB_LAST_RESORT;
	assert_int_equal(cp_pstats_action_fallback(&doc, &a), DPW_FB_DROP);
	a.policy = 5;
	assert_null(cp_pstats_action_pick(&doc, &a));
	/* the counter table is the X-macro list */
	assert_int_equal(cp_rule_counters[CP_RC_HITS].offset,
			 offsetof(struct dpw_policy_stats, rule_hits));
	assert_string_equal(cp_rule_counters[CP_RC_UNAVAILABLE].metric,
			    "dpwan_rule_unavailable_total");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_sum),
		cmocka_unit_test(test_generation_mismatch),
		cmocka_unit_test(test_wan_flags),
		cmocka_unit_test(test_connected),
		cmocka_unit_test(test_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
