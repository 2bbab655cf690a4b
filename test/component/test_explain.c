/* SPDX-License-Identifier: BSD-3-Clause
 * Component test of explainability: EXPLAIN and SESSIONS as the control process sends
 * them (over the c2d/d2c rings, served by the real main-lcore code, dp_mgmt_serve_messages
 * and dp_mbox_poll_events), a real policy generation (dp_pgen_build: a rule for TCP 443
 * to a policy of wan2 alone, the default rule over both WANs), and two workers running
 * the real worker loop over net_ring ports. Checked:
 *   - explain: TCP 443 -> the rule, its named policy, wan2 the only candidate; UDP ->
 *     the default rule's own pick over both WANs; a WAN's own subnet -> connected;
 *     -EAGAIN while no policy generation is published;
 *   - a SYN to 443 from the LAN leaves by wan2, and its session's record says what
 *     explain said (rule, policy, algorithm, candidates), with its NAT address and port;
 *   - the listing: every session once across both workers, whatever the page size (limit
 *     1 walks worker 0, then worker 1), filters by client, destination, protocol, WAN
 *     and rule; a second request while one runs gets -EBUSY; a bad zone or limit is
 *     refused;
 *   - delete: the UDP sessions go, the others stay, both tables agree; the deleted flow's
 *     next packet makes a new session.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "dataplane/dp.h"
#include "dataplane/worker.h"
#include "lib/msg/dpw_msg.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

struct dp_ctx dp;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED); \
		exit(1); \
	} \
} while (0)

#define WAIT_MS 3000
#define N_WORKERS 2
#define N_UDP 12
#define N_W1 5                     /* sessions put straight into worker 1's table */
#define ZONE "dpw_sess_test"

static const uint8_t LAN_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t HOST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t WAN_MAC[2][6] = { { 0x02, 0, 0, 0, 1, 0x02 }, { 0x02, 0, 0, 0, 2, 0x02 } };
static const uint8_t GW_MAC[2][6] = { { 0x02, 0, 0, 0, 1, 0x01 }, { 0x02, 0, 0, 0, 2, 0x01 } };
static const uint32_t HOST = 0xc612000a, HOST2 = 0xc612000b, SERVER = 0xc613000a;
static struct rte_ring *rxr[3][N_WORKERS], *txr[3][N_WORKERS];
static uint32_t wan_addr[2];                /* network order */
static uint32_t seq = 1000;
static struct dpw_sess_zone *zone;

static uint16_t
open_ring_port(const char *name, unsigned int idx)
{
	struct rte_eth_conf conf;
	unsigned int q;
	char rn[32];
	int id;

	for (q = 0; q < N_WORKERS; q++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, q);
		rxr[idx][q] = rte_ring_create(rn, 1024, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, q);
		txr[idx][q] = rte_ring_create(rn, 1024, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		CHECK(rxr[idx][q] && txr[idx][q], "rings");
	}
	id = rte_eth_from_rings(name, rxr[idx], N_WORKERS, txr[idx], N_WORKERS, SOCKET_ID_ANY);
	CHECK(id >= 0, "ring port %s", name);
	memset(&conf, 0, sizeof(conf));
	CHECK(rte_eth_dev_configure((uint16_t)id, N_WORKERS, N_WORKERS, &conf) == 0, "configure");
	for (q = 0; q < N_WORKERS; q++) {
		CHECK(rte_eth_rx_queue_setup((uint16_t)id, (uint16_t)q, 64, SOCKET_ID_ANY, NULL,
					     dp.pool) == 0, "rxq");
		CHECK(rte_eth_tx_queue_setup((uint16_t)id, (uint16_t)q, 64, SOCKET_ID_ANY,
					     NULL) == 0, "txq");
	}
	CHECK(rte_eth_dev_start((uint16_t)id) == 0, "start");
	return (uint16_t)id;
}

/* One request as the control process sends it; its reply (waiting for the workers). */
static struct dpw_msg
request(uint16_t op, const void *payload, unsigned int len)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * WAIT_MS / 1000;
	struct dpw_msg m, r;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.seq = ++seq;
	memcpy(&m.u, payload, len);
	CHECK(rte_ring_enqueue_elem(dp.c2d, &m, sizeof(m)) == 0, "c2d");
	for (;;) {
		dp_mgmt_serve_messages();
		dp_mbox_poll_events();
		dp_gen_reclaim(0);
		while (rte_ring_dequeue_elem(dp.d2c, &r, sizeof(r)) == 0)
			if (r.op == DPW_MSG_REPLY && r.seq == m.seq) {
				CHECK(r.req_op == op, "reply to op %u", r.req_op);
				return r;
			}
		CHECK(rte_rdtsc() < deadline, "no reply to %s", dpw_msg_op_str(op));
		usleep(100);
	}
}

static struct dpw_msg_explain_reply
explain(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, int want)
{
	struct dpw_msg_explain q = { .src = src, .dst = dst, .sport = sport, .dport = dport,
				     .proto = proto };
	struct dpw_msg r = request(DPW_MSG_EXPLAIN, &q, sizeof(q));

	CHECK(r.status == want, "explain: status %d, want %d", r.status, want);
	return r.u.explain_reply;
}

static struct dpw_sess_filter
any(void)
{
	struct dpw_sess_filter f;

	memset(&f, 0, sizeof(f));
	f.wan = DPW_SESS_ANY_WAN;
	f.rule = DPW_SESS_ANY_RULE;
	return f;
}

/* One SESSIONS page into the zone; the reply's status and payload. */
static int
sessions(const struct dpw_sess_filter *f, uint32_t worker, uint32_t slot, uint32_t limit,
	 int remove, struct dpw_msg_sessions_reply *out)
{
	struct dpw_msg_sessions q;
	struct dpw_msg r;

	memset(&q, 0, sizeof(q));
	snprintf(q.zone, sizeof(q.zone), "%s", ZONE);
	q.filter = *f;
	q.worker = worker;
	q.slot = slot;
	q.limit = limit;
	q.remove = (uint8_t)remove;
	r = request(DPW_MSG_SESSIONS, &q, sizeof(q));
	if (out != NULL)
		*out = r.u.sessions_reply;
	return r.status;
}

/* Walk every page of limit `limit`: the number of records; each (worker, slot) once. */
static unsigned int
walk(const struct dpw_sess_filter *f, uint32_t limit, unsigned int per_worker[N_WORKERS])
{
	static uint8_t seen[N_WORKERS][4096];
	struct dpw_msg_sessions_reply p;
	uint32_t w = 0, slot = 0, i, n = 0, pages = 0;

	memset(seen, 0, sizeof(seen));
	memset(per_worker, 0, sizeof(unsigned int) * N_WORKERS);
	do {
		CHECK(sessions(f, w, slot, limit, 0, &p) == 0, "page");
		CHECK(p.count <= limit, "%u records for a limit of %u", p.count, limit);
		for (i = 0; i < p.count; i++) {
			const struct dpw_sess_rec *r = &zone->rec[i];

			CHECK(r->worker < N_WORKERS && r->slot < 4096, "record %u", i);
			CHECK(!seen[r->worker][r->slot], "worker %u slot %u listed twice",
			      r->worker, r->slot);
			seen[r->worker][r->slot] = 1;
			per_worker[r->worker]++;
		}
		n += p.count;
		w = p.worker;
		slot = p.slot;
		CHECK(++pages < 100, "the walk does not end");
	} while (w != DPW_SESS_CURSOR_END);
	return n;
}

static void
frame(uint8_t *f, unsigned int len, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
      uint32_t dst, uint8_t proto)
{
	uint16_t c;

	memset(f, 0, len);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	dpw_put16(f + 12, DPW_ETHERTYPE_IPV4);
	f[14] = 0x45;
	dpw_put16(f + 16, (uint16_t)(len - 14));
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	c = dpw_csum(f + 14, 20);
	memcpy(f + 24, &c, 2);
}

/* A frame from a LAN host (network-order addresses and ports) into the LAN's queue 0. */
static void
send_lan(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	unsigned int l4len = proto == DPW_IPPROTO_TCP ? 20 : 8 + 16, flen = 14 + 20 + l4len;
	uint8_t *f, *t;
	uint16_t c;

	CHECK(m != NULL && (f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)flen)) != NULL, "mbuf");
	frame(f, flen, LAN_MAC, HOST_MAC, src, dst, proto);
	t = f + 34;
	memcpy(t, &sport, 2);
	memcpy(t + 2, &dport, 2);
	if (proto == DPW_IPPROTO_TCP) {
		dpw_put16(t + 4, 0x1234);
		t[12] = 5 << 4;
		t[13] = DPW_TCP_SYN;
		dpw_put16(t + 14, 65535);
		c = dpw_csum_l4(src, dst, proto, t, l4len);
		memcpy(t + 16, &c, 2);
	} else {
		dpw_put16(t + 4, (uint16_t)l4len);
		c = dpw_csum_l4(src, dst, proto, t, l4len);
		memcpy(t + 6, &c, 2);
	}
	CHECK(rte_ring_enqueue(rxr[0][0], m) == 0, "rx ring");
}

/* The next frame out of either WAN (worker 0's queue): the WAN index, pi filled. */
static int
take_wan(struct dpw_pkt_info *pi)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * WAIT_MS / 1000;
	struct rte_mbuf *m;
	unsigned int k, reason;

	do {
		dp_mbox_poll_events();
		for (k = 0; k < 2; k++)
			if (rte_ring_dequeue(txr[k + 1][0], (void **)&m) == 0) {
				CHECK(dpw_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *),
						    rte_pktmbuf_data_len(m), pi, &reason) == 0,
				      "parse: %u", reason);
				rte_pktmbuf_free(m);
				return (int)k;
			}
		usleep(100);
	} while (rte_rdtsc() < deadline);
	return -1;
}

static void
setup_wan(unsigned int w)
{
	struct dp_wan_state *ws = &dp.wst[w];

	dp_wan_health_reset(ws);
	ws->cfg = (struct dp_wan_cfg){ .configured = 1, .enabled = 1, .prefixlen = 24,
		.addr = wan_addr[w], .mask = htonl(0xffffff00),
		.gateway = htonl(0xc6120101 + 256 * w),
		.mtu = 1440, .mss = 1400, .weight = 1, .priority = 1,
		.fail_tcp = DPW_FAIL_TCP_RESET, .fail_udp = DPW_FAIL_UDP_MOVE };
	ws->admin = 1;
	ws->link_up = 1;
	ws->gw_resolved = 1;
	memcpy(&ws->gw_mac, GW_MAC[w], 6);
}

/* wan1, wan2; policy "only_wan2" (priority over wan2); rule "https": TCP 443 to it. */
static struct dp_pgen *
build_policy(void)
{
	static const uint8_t wan_id[DPW_MAX_WANS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static struct dpw_doc_problems pr;
	struct dpw_doc d;
	struct dp_pgen *g = NULL;
	unsigned int i;
	int rc;

	memset(&d, 0, sizeof(d));
	d.version = DPW_DOC_VERSION;
	d.n_wans = 2;
	for (i = 0; i < 2; i++) {
		snprintf(d.wans[i].name, sizeof(d.wans[i].name), "wan%u", i + 1);
		d.wans[i].enabled = true;
		d.wans[i].weight = 1;
	}
	d.n_policies = 1;
	snprintf(d.policies[0].name, DPW_NAME_LEN, "only_wan2");
	d.policies[0].pick = (struct dpw_doc_pick){ .algorithm = DPW_LB_PRIORITY, .n = 1,
		.c = { { .wan = 1, .weight = 1 } } };
	d.policies[0].last_resort = DPW_FB_UNREACHABLE;
	d.default_rule.preset = DPW_DEF_AUTO;
	d.default_rule.action.policy = -1;
	d.n_rules = 1;
	d.rules = calloc(1, sizeof(*d.rules));
	CHECK(d.rules != NULL, "calloc");
	snprintf(d.rules[0].name, DPW_NAME_LEN, "https");
	d.rules[0].enabled = true;
	d.rules[0].match.proto = DPW_IPPROTO_TCP;
	d.rules[0].match.dport[0] = (struct dpw_doc_ports){ 443, 443 };
	d.rules[0].match.n_dport = 1;
	d.rules[0].action.policy = 0;
	d.rules[0].action.sticky_timeout_s = DPW_STICKY_TIMEOUT_DEFAULT;
	dpw_doc_problems_init(&pr);
	rc = dp_pgen_build(&d, wan_id, 7, N_WORKERS, NULL, &g, &pr);
	CHECK(rc == 0, "build: %d %s", rc, pr.n ? pr.p[0].message : "");
	free(d.rules);
	return g;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
			"--file-prefix=dpwan-component-explain", "--no-telemetry",
			"--log-level=*:warning", "--log-level=user1:notice",
			"--lcores=0@0,1@1,2@0", NULL };
	struct dpw_msg_explain_reply e;
	struct dpw_msg_sessions_reply p;
	struct dpw_sess_filter f;
	const struct rte_memzone *mz;
	const struct dpw_sess_rec *tcp = NULL;
	struct dpw_pkt_info pi;
	struct dp_pgen *g;
	unsigned int i, k, n, per[N_WORKERS], lcore[N_WORKERS], total, n_udp_wan[2] = { 0 };
	uint16_t tcp_nat = 0;
	int wan;
	char rundir[256];

	(void)argc;
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	dp.pool = rte_pktmbuf_pool_create("mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	CHECK(dp.pool != NULL, "pool");
	dpw_sysconf_defaults(&dp.conf);
	dp.conf.idle_sleep_us = 50;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.start_tsc = rte_rdtsc();
	dp.shm = calloc(1, sizeof(*dp.shm));
	CHECK(dp.shm != NULL, "shm");
	dp.n_ports = 3;
	dp.lan = 0;
	dp.n_wans = 2;
	dp.n_workers = N_WORKERS;
	dp.port[0] = (struct dp_port){ .name = "lan", .role = DPW_ROLE_LAN, .wan = -1,
		.addr = htonl(0xc6120001), .mask = htonl(0xffffff00), .mtu = 1500 };
	dp.port[0].port_id = open_ring_port("net_ring_elan", 0);
	memcpy(&dp.port[0].mac, LAN_MAC, 6);
	for (i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "net_ring_ewan%u", i + 1);
		dp.port[i + 1] = (struct dp_port){ .role = DPW_ROLE_WAN, .wan = (int)i,
						   .mtu = 1500 };
		snprintf(dp.port[i + 1].name, sizeof(dp.port[i + 1].name), "wan%u", i + 1);
		dp.port[i + 1].port_id = open_ring_port(name, i + 1);
		memcpy(&dp.port[i + 1].mac, WAN_MAC[i], 6);
		dp.wan_port[i] = i + 1;
		wan_addr[i] = htonl(0xc6120102 + 256 * i);   /* 198.18.1.2, 198.18.2.2 */
	}
	dp.c2d = rte_ring_create_elem("c2d", sizeof(struct dpw_msg), 256, SOCKET_ID_ANY,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp.d2c = rte_ring_create_elem("d2c", sizeof(struct dpw_msg), 256, SOCKET_ID_ANY,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp.arp = rte_ring_create("arp", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.slow = rte_ring_create("slow", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.hold = rte_ring_create("hold", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.inject = rte_ring_create("inject", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(dp.c2d && dp.d2c && dp.arp && dp.slow && dp.hold && dp.inject && dp_punt_init() == 0,
	      "rings");
	dp.qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(N_WORKERS), RTE_CACHE_LINE_SIZE);
	CHECK(dp.qsbr != NULL && rte_rcu_qsbr_init(dp.qsbr, N_WORKERS) == 0, "rcu");
	for (k = 0; k < N_WORKERS; k++) {
		struct dp_worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		char rn[32];

		CHECK(w != NULL, "worker");
		w->idx = k;
		w->st = &dp.shm->lcore[k];
		CHECK(dp_ct_init(&w->ct, 4096, &dp.conf.timeouts) == 0, "ct");
		dp_nat_slice_init(&w->nat, dp.conf.nat_port_min, dp.conf.nat_port_max, k,
				  N_WORKERS, 7 + k);
		snprintf(rn, sizeof(rn), "handoff%u", k);
		w->handoff = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "relay%u", k);
		w->relay = rte_ring_create(rn, 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "mbox%u", k);
		w->mbox = rte_ring_create_elem(rn, sizeof(struct dp_mbox_cmd), 64, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "mbev%u", k);
		w->mbox_ev = rte_ring_create_elem(rn, sizeof(struct dp_mbox_ev), 64, SOCKET_ID_ANY,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		w->frag = rte_zmalloc("frag", sizeof(*w->frag), RTE_CACHE_LINE_SIZE);
		CHECK(w->handoff && w->relay && w->mbox && w->mbox_ev && w->frag &&
		      dp_punt_worker_init(w) == 0, "worker %u state", k);
		dp.workers[k] = w;
	}
	setup_wan(0);
	setup_wan(1);
	CHECK(dp_gen_publish() == 0, "view");

	/* ---- explain --------------------------------------------------------------- */
	explain(DPW_IPPROTO_TCP, HOST, SERVER, 5000, 443, -EAGAIN);
	g = build_policy();
	__atomic_store_n(&dp.pgen, g, __ATOMIC_RELEASE);
	e = explain(DPW_IPPROTO_TCP, HOST, SERVER, 5000, 443, 0);
	CHECK(e.policy_gen == 7 && e.rule == 0 && e.policy_kind == DPW_PK_NAMED &&
	      e.policy == 0 && e.algorithm == DPW_LB_PRIORITY && e.how == DP_HOW_PICK &&
	      e.wan == 1 && e.cand_mask == 0x2 && e.usable_mask == 0x3 &&
	      e.fallback == DPW_FB_MAX, "tcp 443: rule %u kind %u policy %u algo %u how %u wan %d "
	      "cand %x usable %x fallback %u", e.rule, e.policy_kind, e.policy, e.algorithm,
	      e.how, e.wan, e.cand_mask, e.usable_mask, e.fallback);
	e = explain(DPW_IPPROTO_UDP, HOST, SERVER, 5000, 53, 0);
	CHECK(e.rule == DPW_RULE_ID_DEFAULT && e.policy_kind == DPW_PK_DEFAULT &&
	      e.algorithm == DPW_LB_WEIGHTED && e.how == DP_HOW_PICK && e.wan >= 0 &&
	      e.cand_mask == 0x3, "udp: rule %x kind %u algo %u wan %d cand %x", e.rule,
	      e.policy_kind, e.algorithm, e.wan, e.cand_mask);
	/* TCP to another port: the rule does not match */
	e = explain(DPW_IPPROTO_TCP, HOST, SERVER, 5000, 80, 0);
	CHECK(e.rule == DPW_RULE_ID_DEFAULT, "tcp 80: rule %x", e.rule);
	/* to wan1's own subnet: never policy-routed */
	e = explain(DPW_IPPROTO_TCP, HOST, 0xc6120105, 5000, 443, 0);
	CHECK(e.rule == DPW_RULE_ID_CONNECTED && e.how == DP_HOW_CONNECTED && e.wan == 0 &&
	      e.policy_kind == DPW_PK_NONE, "connected: rule %x how %u wan %d", e.rule, e.how,
	      e.wan);
	printf("ok: explain: rule https -> only_wan2 (wan2), default over both, connected\n");

	/* ---- sessions: a SYN to 443, UDP flows (worker 0); worker 1's by hand --------- */
	for (i = 0; i < N_W1; i++) {
		struct dp_flow_key o = { .src = htonl(HOST2), .dst = htonl(SERVER),
			.sport = htons((uint16_t)(7000 + i)), .dport = htons(53),
			.proto = DPW_IPPROTO_UDP, .zone = 0, .family = 4 };
		struct dp_flow_key r = { .src = htonl(SERVER), .dst = wan_addr[0],
			.sport = htons(53), .dport = htons((uint16_t)(dp.workers[1]->nat.lo + i)),
			.proto = DPW_IPPROTO_UDP, .zone = 1, .family = 4 };
		struct dp_sess *s;
		int err;

		s = dp_ct_create(&dp.workers[1]->ct, &o, &r, 0, &err);
		CHECK(s != NULL, "worker 1 session %u: %d", i, err);
		s->rule = DP_RULE_DEFAULT;
		s->policy = g->def.policy;
		s->how = DP_HOW_PICK;
		s->wan = 0;
	}
	for (k = 0; k < N_WORKERS; k++) {
		lcore[k] = rte_get_next_lcore(k == 0 ? (unsigned int)-1 : lcore[k - 1], 1, 0);
		dp.workers[k]->lcore = lcore[k];
		CHECK(rte_eal_remote_launch(dp_worker_main, dp.workers[k], lcore[k]) == 0,
		      "launch %u", k);
	}
	send_lan(htonl(HOST), htonl(SERVER), DPW_IPPROTO_TCP, htons(5000), htons(443));
	wan = take_wan(&pi);
	CHECK(wan == 1 && pi.tcp_flags == DPW_TCP_SYN && pi.src == wan_addr[1],
	      "the SYN to 443 leaves by wan2 (wan %d)", wan);
	tcp_nat = ntohs(pi.sport);
	for (i = 0; i < N_UDP; i++) {
		send_lan(htonl(HOST), htonl(SERVER), DPW_IPPROTO_UDP, htons((uint16_t)(6000 + i)),
			 htons(53));
		wan = take_wan(&pi);
		CHECK(wan >= 0 && pi.proto == DPW_IPPROTO_UDP, "UDP flow %u went nowhere", i);
		n_udp_wan[wan]++;
	}
	printf("ok: a SYN to 443 by wan2, %u UDP flows by wan1 and %u by wan2\n", n_udp_wan[0],
	       n_udp_wan[1]);

	mz = rte_memzone_reserve(ZONE, sizeof(*zone) + 1000 * sizeof(zone->rec[0]), SOCKET_ID_ANY,
				 0);
	CHECK(mz != NULL, "zone");
	zone = mz->addr;
	zone->capacity = 1000;
	zone->magic = DPW_SESS_ZONE_MAGIC;

	f = any();
	total = 1 + N_UDP + N_W1;
	CHECK(sessions(&f, 0, 0, 1000, 0, &p) == 0 && p.count == total &&
	      p.worker == DPW_SESS_CURSOR_END && p.removed == 0 && p.policy_gen == 7,
	      "all: %u records (want %u), next worker %x", p.count, total, p.worker);
	for (i = 0; i < p.count; i++)
		if (zone->rec[i].proto == DPW_IPPROTO_TCP)
			tcp = &zone->rec[i];
	CHECK(tcp != NULL && tcp->worker == 0 && tcp->src == HOST && tcp->dst == SERVER &&
	      tcp->sport == 5000 && tcp->dport == 443 && tcp->nat_addr == ntohl(wan_addr[1]) &&
	      tcp->nat_port == tcp_nat && tcp->wan == 1 && tcp->rule == 0 &&
	      tcp->policy_kind == DPW_PK_NAMED && tcp->policy == 0 &&
	      tcp->algorithm == DPW_LB_PRIORITY && tcp->how == DP_HOW_PICK &&
	      tcp->cand_mask == 0x2 && tcp->usable_mask == 0x3 &&
	      tcp->tcp_state == DPW_TCP_SYN_SENT && tcp->bytes_orig > 0 &&
	      memcmp(tcp->client_mac, HOST_MAC, 6) == 0,
	      "the SYN's record: rule %u kind %u wan %u cand %x state %u nat %u", tcp->rule,
	      tcp->policy_kind, tcp->wan, tcp->cand_mask, tcp->tcp_state, tcp->nat_port);
	printf("ok: the session's record says what explain said\n");

	/* pages of 1, 2, 1000: each session once, worker 0's then worker 1's */
	CHECK(walk(&f, 1, per) == total && per[0] == 1 + N_UDP && per[1] == N_W1,
	      "limit 1: %u + %u", per[0], per[1]);
	CHECK(walk(&f, 2, per) == total, "limit 2");
	CHECK(walk(&f, 1000, per) == total, "limit 1000");
	/* a cursor in worker 1 sees only its sessions */
	CHECK(sessions(&f, 1, 0, 1000, 0, &p) == 0 && p.count == N_W1, "from worker 1");
	f.client = HOST2;
	f.client_len = 32;
	CHECK(walk(&f, 1, per) == N_W1 && per[0] == 0, "client %08x", HOST2);
	f.client = 0xc6120000;
	f.client_len = 24;
	CHECK(walk(&f, 1000, per) == total, "client net");
	f = any();
	f.dst = 0xc6130100;
	f.dst_len = 24;
	CHECK(walk(&f, 1000, per) == 0, "another destination network");
	f = any();
	f.proto = DPW_IPPROTO_TCP;
	CHECK(walk(&f, 1000, per) == 1, "tcp");
	f = any();
	f.wan = 1;
	CHECK(walk(&f, 1000, per) == 1 + n_udp_wan[1], "wan2");
	f = any();
	f.rule = 0;
	CHECK(walk(&f, 1000, per) == 1, "rule https");
	f.rule = DPW_RULE_ID_DEFAULT;
	CHECK(walk(&f, 1000, per) == N_UDP + N_W1, "the default rule");
	printf("ok: pages of 1, 2, 1000 across both workers; filters\n");

	/* refusals */
	f = any();
	{
		struct dpw_msg_sessions q;
		struct dpw_msg m, r1 = { 0 }, r2 = { 0 };
		uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * WAIT_MS / 1000;
		int got1 = 0, got2 = 0;

		memset(&q, 0, sizeof(q));
		snprintf(q.zone, sizeof(q.zone), "%s", ZONE);
		q.filter = f;
		q.limit = 1000;
		memset(&m, 0, sizeof(m));
		m.op = DPW_MSG_SESSIONS;
		memcpy(&m.u, &q, sizeof(q));
		m.seq = 501;
		CHECK(rte_ring_enqueue_elem(dp.c2d, &m, sizeof(m)) == 0, "c2d");
		m.seq = 502;
		CHECK(rte_ring_enqueue_elem(dp.c2d, &m, sizeof(m)) == 0, "c2d");
		while (!(got1 && got2)) {
			struct dpw_msg r;

			dp_mgmt_serve_messages();
			dp_mbox_poll_events();
			while (rte_ring_dequeue_elem(dp.d2c, &r, sizeof(r)) == 0) {
				if (r.seq == 501) {
					r1 = r;
					got1 = 1;
				} else if (r.seq == 502) {
					r2 = r;
					got2 = 1;
				}
			}
			CHECK(rte_rdtsc() < deadline, "two requests: no replies");
			usleep(100);
		}
		CHECK(r1.status == 0 && r1.u.sessions_reply.count == total && r2.status == -EBUSY,
		      "one at a time: %d (%u), %d", r1.status, r1.u.sessions_reply.count,
		      r2.status);
	}
	CHECK(sessions(&f, 0, 0, 0, 0, NULL) == -EINVAL, "limit 0");
	CHECK(sessions(&f, 0, 0, 1001, 0, NULL) == -EINVAL, "limit 1001");
	CHECK(sessions(&f, 2, 0, 10, 0, NULL) == -EINVAL, "no worker 2");
	CHECK(sessions(&f, DPW_SESS_CURSOR_END, 0, 10, 0, &p) == 0 && p.count == 0 &&
	      p.worker == DPW_SESS_CURSOR_END, "a cursor at the end");
	zone->capacity = 5;
	CHECK(sessions(&f, 0, 0, 10, 0, NULL) == -EBADMSG, "a zone too small");
	zone->capacity = 1000;
	{
		struct dpw_msg_sessions q;
		struct dpw_msg r;

		memset(&q, 0, sizeof(q));
		snprintf(q.zone, sizeof(q.zone), "dpw_sess_nosuch");
		q.filter = f;
		q.limit = 10;
		r = request(DPW_MSG_SESSIONS, &q, sizeof(q));
		CHECK(r.status == -ENOENT, "no such zone: %d", r.status);
	}
	printf("ok: -EBUSY for a second request, bad limits, cursors and zones refused\n");

	/* delete the UDP sessions in pages of 3: the TCP one stays, on both tables */
	f = any();
	f.proto = DPW_IPPROTO_UDP;
	{
		uint32_t w = 0, slot = 0, removed = 0;

		do {
			CHECK(sessions(&f, w, slot, 3, 1, &p) == 0 && p.removed == p.count,
			      "delete page");
			removed += p.removed;
			w = p.worker;
			slot = p.slot;
		} while (w != DPW_SESS_CURSOR_END);
		CHECK(removed == N_UDP + N_W1, "%u removed", removed);
	}
	f = any();
	CHECK(walk(&f, 1000, per) == 1 && per[0] == 1, "what is left: %u + %u", per[0], per[1]);
	n = 0;
	for (k = 0; k < N_WORKERS; k++)
		n += dp_ct_count(&dp.workers[k]->ct);
	CHECK(n == 1, "%u sessions in the tables", n);
	/* the deleted flow's next packet: a new session */
	send_lan(htonl(HOST), htonl(SERVER), DPW_IPPROTO_UDP, htons(6000), htons(53));
	CHECK(take_wan(&pi) >= 0, "the deleted flow's next packet went nowhere");
	f.proto = DPW_IPPROTO_UDP;
	CHECK(walk(&f, 1000, per) == 1, "its new session");
	printf("ok: a filtered delete: %u UDP sessions gone, the TCP one kept\n", N_UDP + N_W1);

	__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED);
	for (k = 0; k < N_WORKERS; k++)
		CHECK(rte_eal_wait_lcore(lcore[k]) == 0, "worker %u exit", k);
	dp_mbox_poll_events();
	dp_gen_reclaim(1);
	rte_memzone_free(mz);
	dp.pgen = NULL;
	dp_pgen_free(g);
	printf("explain and sessions: 1 passed, 0 failed\n");
	for (i = 0; i < 3; i++)
		rte_eth_dev_stop(dp.port[i].port_id);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return 0;
}
