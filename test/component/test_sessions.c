/* SPDX-License-Identifier: BSD-3-Clause
 * Component test: the real LAN and WAN stages over real mbufs (EAL with --no-huge
 * --no-pci, net_null ports that free what they transmit). A million UDP sessions are
 * created from LAN packets, some are answered from the WAN and translated back, then all
 * expire; the flow table, the NAT ports and the mbuf pool must be back to empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/worker.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

struct dp_ctx dp;

#define N_SESSIONS (1u << 20)
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		exit(1); \
	} \
} while (0)

static const uint8_t LAN_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t HOST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t WAN_MAC[6] = { 0x02, 0, 0, 0, 1, 0x02 };
static const uint8_t GW_MAC[6] = { 0x02, 0, 0, 0, 1, 0x01 };
static struct dpw_lcore_stats stats;

/* The i-th flow: 198.18.0.(10 + i % 200):(1024 + i / 200 % 60000) -> 198.19.(i >> 16 % 250).x:53 */
static void
flow_of(uint32_t i, uint32_t *src, uint32_t *dst, uint16_t *sport, uint16_t *dport)
{
	*src = htonl(0xc6120000u | (10 + i % 200));
	*sport = htons((uint16_t)(1024 + (i / 200) % 60000));
	*dst = htonl(0xc6130000u | (i & 0xffff));
	*dport = htons(53);
}

static void
udp_frame(struct rte_mbuf *m, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	  uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 60);
	uint16_t c;

	CHECK(f != NULL, "append");
	memset(f, 0, 60);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	dpw_put16(f + 12, DPW_ETHERTYPE_IPV4);
	f[14] = 0x45;
	dpw_put16(f + 16, 20 + 8 + 18);
	f[22] = 64;
	f[23] = DPW_IPPROTO_UDP;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	c = dpw_csum(f + 14, 20);
	memcpy(f + 24, &c, 2);
	memcpy(f + 34, &sport, 2);
	memcpy(f + 36, &dport, 2);
	dpw_put16(f + 38, 8 + 18);
	c = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, f + 34, 26);
	memcpy(f + 40, &c, 2);
}

static uint16_t
open_null_port(const char *name, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t id;

	memset(&conf, 0, sizeof(conf));
	CHECK(rte_dev_probe(name) == 0, "probe %s", name);
	CHECK(rte_eth_dev_get_port_by_name(name, &id) == 0, "port %s", name);
	CHECK(rte_eth_dev_configure(id, 1, 1, &conf) == 0, "configure");
	CHECK(rte_eth_rx_queue_setup(id, 0, 512, SOCKET_ID_ANY, NULL, pool) == 0, "rxq");
	CHECK(rte_eth_tx_queue_setup(id, 0, 512, SOCKET_ID_ANY, NULL) == 0, "txq");
	CHECK(rte_eth_dev_start(id) == 0, "start");
	return id;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
			"--file-prefix=dpwan-component", "--no-telemetry", "--log-level=*:warning",
			"-l", "0", NULL };
	static struct dp_wan_view view;
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_worker *w;
	unsigned int avail0, i, j, p;
	uint64_t tx_before;
	uint16_t lan_id, wan_id;
	char rundir[256];

	(void)argc;
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	dp.pool = rte_pktmbuf_pool_create("mbufs", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	CHECK(dp.pool != NULL, "pool");
	avail0 = rte_mempool_avail_count(dp.pool);
	lan_id = open_null_port("net_null0", dp.pool);
	wan_id = open_null_port("net_null1", dp.pool);

	dpw_sysconf_defaults(&dp.conf);
	dp.conf.sessions = N_SESSIONS;
	dp.n_ports = 2;
	dp.lan = 0;
	dp.n_wans = 1;
	dp.wan_port[0] = 1;
	dp.n_workers = 1;
	dp.port[0] = (struct dp_port){ .name = "lan", .role = DPW_ROLE_LAN, .wan = -1,
		.port_id = lan_id, .addr = htonl(0xc6120001), .mask = htonl(0xffffff00), .mtu = 1500 };
	dp.port[1] = (struct dp_port){ .name = "wan1", .role = DPW_ROLE_WAN, .wan = 0,
		.port_id = wan_id, .mtu = 1500 };   /* its address is the view's */
	memcpy(&dp.port[0].mac, LAN_MAC, 6);
	memcpy(&dp.port[1].mac, WAN_MAC, 6);
	dp.slow = rte_ring_create("slow", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.hold = rte_ring_create("hold", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	CHECK(dp.slow && dp.hold, "rings");

	view.n_wans = 1;
	view.n_usable = 1;
	view.usable[0] = 1;
	view.up[0] = 1;
	view.weight[0] = 1;
	/* what the algorithms read (gen.c fills it from the same state) */
	view.lb[0] = (struct dp_lb_wan){ .usable = 1, .up = 1, .configured = 1 };
	view.usable_mask = 1;
	view.wan[0] = (struct dp_wan_entry){ .usable = 1, .port = 1, .port_id = wan_id,
		.mtu = 1440, .mss = 1400, .configured = 1, .addr = htonl(0xc6120102),
		.mask = htonl(0xffffff00) };
	memcpy(&view.wan[0].src_mac, WAN_MAC, 6);
	memcpy(&view.wan[0].gw_mac, GW_MAC, 6);
	dp.view = &view;

	w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	CHECK(w != NULL, "worker");
	w->st = &stats;
	CHECK(dp_ct_init(&w->ct, N_SESSIONS, &dp.conf.timeouts) == 0, "ct");
	dp_nat_slice_init(&w->nat, dp.conf.nat_port_min, dp.conf.nat_port_max, 0, 1, 42);
	w->handoff = rte_ring_create("handoff0", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	CHECK(dp_punt_init() == 0 && dp_punt_worker_init(w) == 0, "exception path policers");
	dp.workers[0] = w;

	/* a million new flows from the LAN */
	for (i = 0; i < N_SESSIONS; i += DP_BURST) {
		CHECK(rte_pktmbuf_alloc_bulk(dp.pool, pkts, DP_BURST) == 0, "alloc");
		for (j = 0; j < DP_BURST; j++) {
			uint32_t src, dst;
			uint16_t sport, dport;

			flow_of(i + j, &src, &dst, &sport, &dport);
			udp_frame(pkts[j], LAN_MAC, HOST_MAC, src, dst, sport, dport);
		}
		dp_stage_lan(w, &view, pkts, DP_BURST);
		for (p = 0; p < dp.n_ports; p++)
			dp_worker_flush(w, p);
	}
	for (i = 0; i < DPW_DROP_MAX; i++)
		CHECK(stats.drops[i] == 0, "%" PRIu64 " drops for %s", stats.drops[i], dpw_drop_str(i));
	CHECK(dp_ct_count(&w->ct) == N_SESSIONS, "%u sessions", dp_ct_count(&w->ct));
	CHECK(stats.sess_created == N_SESSIONS, "created %" PRIu64, stats.sess_created);
	CHECK(stats.tx_pkts == N_SESSIONS, "sent %" PRIu64, stats.tx_pkts);
	printf("created %u sessions, %" PRIu64 " bytes each\n", dp_ct_count(&w->ct),
	       dp_ct_bytes_per_session(&w->ct));

	/* replies from the WAN find their sessions and go back to the LAN host */
	tx_before = stats.tx_pkts;
	for (i = 0; i < 64 * DP_BURST; i += DP_BURST) {
		CHECK(rte_pktmbuf_alloc_bulk(dp.pool, pkts, DP_BURST) == 0, "alloc");
		for (j = 0; j < DP_BURST; j++) {
			struct dp_flow_key k;
			struct dp_sess *s;
			uint32_t src, dst;
			uint16_t sport, dport;
			int dir;

			flow_of(i + j, &src, &dst, &sport, &dport);
			memset(&k, 0, sizeof(k));
			k.src = src;
			k.dst = dst;
			k.sport = sport;
			k.dport = dport;
			k.proto = DPW_IPPROTO_UDP;
			k.family = 4;
			s = dp_ct_lookup(&w->ct, &k, dp_ct_hash(&k), &dir);
			CHECK(s != NULL && dir == DP_DIR_ORIG, "session of flow %u", i + j);
			udp_frame(pkts[j], WAN_MAC, GW_MAC, dst, view.wan[0].addr, dport,
				  s->key[DP_DIR_REPLY].dport);
		}
		dp_stage_wan(w, &view, 1, pkts, DP_BURST, 0);
		for (p = 0; p < dp.n_ports; p++)
			dp_worker_flush(w, p);
	}
	CHECK(stats.tx_pkts - tx_before == 64 * DP_BURST, "%" PRIu64 " replies delivered",
	      stats.tx_pkts - tx_before);
	CHECK(stats.punted == 0, "%" PRIu64 " replies punted", stats.punted);

	/* nothing expires early; then everything does */
	w->now = dp.conf.timeouts.udp;
	CHECK(dp_ct_sweep(&w->ct, w->now, N_SESSIONS) == 0, "early expiry");
	w->now = dp.conf.timeouts.udp + 1;
	CHECK(dp_ct_sweep(&w->ct, w->now, N_SESSIONS) == N_SESSIONS, "expiry");
	CHECK(dp_ct_count(&w->ct) == 0, "%u sessions left", dp_ct_count(&w->ct));
	for (i = 0; i <= w->ct.bucket_mask; i++)
		for (j = 0; j < DP_FT_WAYS; j++)
			CHECK(w->ct.buckets[i].sig[j] == 0, "bucket %u slot %u still used", i, j);
	/* the table holds no reply key, so no NAT port is taken: a flow binds again */
	{
		uint32_t src, dst;
		uint16_t sport, dport;

		CHECK(rte_pktmbuf_alloc_bulk(dp.pool, pkts, 1) == 0, "alloc");
		flow_of(0, &src, &dst, &sport, &dport);
		udp_frame(pkts[0], LAN_MAC, HOST_MAC, src, dst, sport, dport);
		dp_stage_lan(w, &view, pkts, 1);
		dp_worker_flush(w, 1);
		CHECK(dp_ct_count(&w->ct) == 1, "re-created");
		dp_ct_sweep(&w->ct, w->now + dp.conf.timeouts.udp + 1, N_SESSIONS);
		CHECK(dp_ct_count(&w->ct) == 0, "drained");
	}
	/* and every mbuf is back in the pool */
	CHECK(rte_mempool_avail_count(dp.pool) == avail0, "mbufs: %u of %u back",
	      rte_mempool_avail_count(dp.pool), avail0);
	printf("1 passed, 0 failed\n");

	rte_eth_dev_stop(lan_id);
	rte_eth_dev_stop(wan_id);
	dp_ct_free(&w->ct);
	/* EAL leaves its (empty) runtime directory behind */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return 0;
}
