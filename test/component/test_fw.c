/* SPDX-License-Identifier: BSD-3-Clause
 * Component test: the firewall classifier (dataplane/fw.c) on a real rte_acl, EAL with
 * --no-huge --no-pci. Random rules (protocol, source prefix, destination port range,
 * WAN, enabled or not), documents built as structs; dp_fw_judge must agree with a
 * linear first-match reference on 100,000 random keys. And dp_tcp_flags_invalid.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "dataplane/dp.h"
#include "dataplane/fw.h"

struct dp_ctx dp;     /* dp_core wants the global; unused here */

#define CHECK(c, ...) do { if (!(c)) { printf("FAIL %s:%d: ", __FILE__, __LINE__); \
	printf(__VA_ARGS__); printf("\n"); exit(1); } } while (0)

static uint64_t rs;

static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}

static uint32_t
pmask(uint8_t l)
{
	return l == 0 ? 0 : ~0u << (32 - l);
}

/* the reference: first enabled rule whose fields all accept k (host order inputs) */
static int
ref(const struct dpw_doc_fw_rule *r, unsigned int n, const uint8_t *wan_id,
    const struct dp_fw_key *k)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct dpw_doc_match *m = &r[i].match;
		uint16_t dp = ntohs(k->dport);
		int ok = 1;

		if (!r[i].enabled)
			continue;
		if (m->proto != 0 && m->proto != k->proto)
			ok = 0;
		if (m->n_dport != 0 && k->proto != 6 && k->proto != 17)
			ok = 0;
		if (m->n_src != 0 && ((ntohl(k->src) ^ m->src[0].addr) & pmask(m->src[0].prefixlen)))
			ok = 0;
		if (m->n_dport != 0 && (dp < m->dport[0].lo || dp > m->dport[0].hi))
			ok = 0;
		if (r[i].n_wans != 0) {
			int any = 0;

			for (j = 0; j < r[i].n_wans; j++)
				any |= wan_id[r[i].wan[j]] == k->wan;
			ok &= any;
		}
		if (ok)
			return (int)i;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256", "--no-shconf", prefix,
			"--no-telemetry", "--log-level=*:warning", "-l", "0", NULL };
	static struct dpw_doc doc;
	static struct dpw_doc_fw_rule rules[300];
	static struct dpw_doc_problems pr;
	uint8_t wan_id[DPW_MAX_WANS];
	struct dp_fw *fw;
	unsigned int i, it, bad = 0;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpw_fw_%d", (int)getpid());
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	rs = 0x9e3779b97f4a7c15ull;

	/* flags */
	CHECK(dp_tcp_flags_invalid(0x00), "none");
	CHECK(dp_tcp_flags_invalid(0x03), "SYN+FIN");
	CHECK(dp_tcp_flags_invalid(0x06), "SYN+RST");
	CHECK(dp_tcp_flags_invalid(0x01), "FIN alone");
	CHECK(dp_tcp_flags_invalid(0x29), "xmas");
	CHECK(!dp_tcp_flags_invalid(0x02), "SYN");
	CHECK(!dp_tcp_flags_invalid(0x12), "SYN+ACK");
	CHECK(!dp_tcp_flags_invalid(0x10), "ACK");
	CHECK(!dp_tcp_flags_invalid(0x11), "FIN+ACK");
	CHECK(!dp_tcp_flags_invalid(0x04), "RST");
	CHECK(!dp_tcp_flags_invalid(0x18), "PSH+ACK");

	for (i = 0; i < DPW_MAX_WANS; i++)
		wan_id[i] = (uint8_t)(i + 1);
	for (i = 0; i < RTE_DIM(rules); i++) {
		struct dpw_doc_fw_rule *r = &rules[i];

		snprintf(r->name, sizeof(r->name), "r%u", i);
		r->enabled = rnd() % 8 != 0;
		r->action = (uint8_t)(rnd() % 3);
		r->match.proto = (uint8_t[]){ 0, 6, 17, 1 }[rnd() % 4];
		if (rnd() % 2) {
			r->match.n_src = 1;
			r->match.src[0].prefixlen = (uint8_t)(8 + rnd() % 25);
			r->match.src[0].addr = (0xc6120000u | (rnd() & 0x1ffff)) &
				pmask(r->match.src[0].prefixlen);
		}
		if (rnd() % 2 && r->match.proto != 1) {
			r->match.n_dport = 1;
			r->match.dport[0].lo = (uint16_t)(rnd() % 100);
			r->match.dport[0].hi = (uint16_t)(r->match.dport[0].lo + rnd() % 50);
		}
		if (rnd() % 3 == 0) {
			r->n_wans = 1;
			r->wan[0] = (uint8_t)(rnd() % 3);
		}
	}
	doc.firewall.outbound = rules;
	doc.firewall.n_outbound = RTE_DIM(rules);
	doc.firewall.outbound_default = DPW_FW_ALLOW;
	doc.firewall.inbound_default = DPW_FW_DENY;
	doc.firewall.log_rate = 10;
	CHECK(dp_fw_build(&doc, wan_id, 7, &fw, &pr) == 0, "build: %s %s",
	      pr.n ? pr.p[0].path : "", pr.n ? pr.p[0].message : "");
	for (it = 0; it < 100000 / 64; it++) {
		struct dp_fw_key k[64];
		const struct dp_fw_key *kp[64];
		uint8_t act[64];

		memset(k, 0, sizeof(k));
		for (i = 0; i < 64; i++) {
			k[i].proto = (uint8_t[]){ 6, 17, 1 }[rnd() % 3];
			k[i].wan = (uint8_t)(1 + rnd() % 3);
			k[i].src = htonl(0xc6120000u | (rnd() & 0x1ffff));
			k[i].dst = htonl(0xc6130000u | (rnd() & 0xffff));
			k[i].dport = htons(k[i].proto == 1 ? 0 : (uint16_t)(rnd() % 160));
			k[i].sport = htons(k[i].proto == 1 ? 0 : (uint16_t)rnd());
			kp[i] = &k[i];
		}
		dp_fw_judge(fw, DP_FW_OUT, kp, 64, NULL, act, NULL);
		for (i = 0; i < 64; i++) {
			int r = ref(rules, RTE_DIM(rules), wan_id, &k[i]);
			uint8_t want = r < 0 ? DPW_FW_ALLOW : rules[r].action;

			bad += act[i] != want;
		}
		/* inbound has no rules: default deny unless opened */
		{
			uint8_t op[64];

			for (i = 0; i < 64; i++)
				op[i] = (uint8_t)(i & 1);
			dp_fw_judge(fw, DP_FW_IN, kp, 64, op, act, NULL);
			for (i = 0; i < 64; i++)
				bad += act[i] != (op[i] ? DPW_FW_ALLOW : DPW_FW_DENY);
		}
	}
	CHECK(bad == 0, "%u judgements differ from the linear reference", bad);
	dp_fw_free(fw);
	printf("ok: firewall classifier agrees with the reference\n");
	rte_eal_cleanup();
	return 0;
}
