/* SPDX-License-Identifier: BSD-3-Clause
 * Component test: IP fragments with two workers, over the real LAN and WAN stages and
 * real mbufs (EAL with --no-huge --no-pci; net_ring ports whose transmit rings the test
 * reads). The fragments of each datagram are fed to both workers in the worst order -
 * the first fragment last, each on the worker that does not own the datagram - as RSS
 * would spread them; they must meet on one worker and leave translated: the datagram
 * reassembled from what was sent must carry the NAT address and port and a valid UDP
 * checksum, both ways. A datagram whose first fragment never comes is dropped when its
 * time is up, and every mbuf is back in the pool at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/worker.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

struct dp_ctx dp;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		exit(1); \
	} \
} while (0)

#define SIZE 3000               /* UDP payload */
#define PIECE 1480              /* IP payload per fragment, as a 1500-byte LAN link cuts */

static const uint8_t LAN_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t HOST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t WAN_MAC[6] = { 0x02, 0, 0, 0, 1, 0x02 };
static const uint8_t GW_MAC[6] = { 0x02, 0, 0, 0, 1, 0x01 };
static struct dpw_lcore_stats stats[2];
static struct rte_ring *txr[2][2];     /* [port][worker]: what each worker transmitted */
static struct dp_wan_view view;

/* The fragments of one UDP datagram (payload byte i = i * 7 + seed), in order. */
static unsigned int
datagram(struct rte_mbuf **out, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	 uint32_t dst, uint16_t sport, uint16_t dport, uint16_t id, uint8_t seed)
{
	static uint8_t l4[8 + SIZE];
	unsigned int n = 0, off;
	uint16_t c;

	dpw_put16(l4, rte_be_to_cpu_16(sport));
	dpw_put16(l4 + 2, rte_be_to_cpu_16(dport));
	dpw_put16(l4 + 4, 8 + SIZE);
	l4[6] = l4[7] = 0;
	for (off = 0; off < SIZE; off++)
		l4[8 + off] = (uint8_t)(off * 7 + seed);
	c = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, l4, sizeof(l4));
	memcpy(l4 + 6, &c, 2);
	for (off = 0; off < sizeof(l4); off += PIECE) {
		unsigned int len = sizeof(l4) - off < PIECE ? sizeof(l4) - off : PIECE;
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
		uint8_t *f;

		CHECK(m != NULL, "alloc");
		f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 20 + len));
		CHECK(f != NULL, "append");
		memset(f, 0, 34);
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		dpw_put16(f + 12, DPW_ETHERTYPE_IPV4);
		f[14] = 0x45;
		dpw_put16(f + 16, (uint16_t)(20 + len));
		dpw_put16(f + 18, id);
		dpw_put16(f + 20, (uint16_t)((off / 8) | (off + len < sizeof(l4) ? 0x2000 : 0)));
		f[22] = 64;
		f[23] = DPW_IPPROTO_UDP;
		memcpy(f + 26, &src, 4);
		memcpy(f + 30, &dst, 4);
		c = dpw_csum(f + 14, 20);
		memcpy(f + 24, &c, 2);
		memcpy(f + 34, l4 + off, len);
		out[n++] = m;
	}
	return n;
}

/* Run what was handed between the workers, then flush both. */
static void
settle(void)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int round, k, n, i, p;

	for (round = 0; round < 4; round++)
		for (k = 0; k < 2; k++) {
			struct dp_worker *w = dp.workers[k];

			n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, DP_BURST, NULL);
			for (i = 0; i < n; i++) {
				if (pkts[i]->port == dp.lan) {
					w->handed = 1;
					dp_stage_lan(w, &view, &pkts[i], 1);
					w->handed = 0;
				} else {
					dp_stage_wan(w, &view, pkts[i]->port, &pkts[i], 1, 1);
				}
			}
			for (p = 0; p < dp.n_ports; p++)
				dp_worker_flush(w, p);
		}
}

/*
 * Take what port p transmitted (on both workers' queues) and put the datagram back
 * together; returns its L4 length, with the addresses and IP id it carried.
 */
static unsigned int
collect(unsigned int p, uint8_t *l4, uint32_t *src, uint32_t *dst, const uint8_t *dmac,
	unsigned int *pieces)
{
	struct rte_mbuf *m;
	unsigned int total = 0, got = 0, k, id = 0x10000;

	*pieces = 0;
	for (k = 0; k < 2; k++)
		while (rte_ring_dequeue(txr[p][k], (void **)&m) == 0) {
			const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *), *ip = f + 14;
			unsigned int len = dpw_get16(ip + 2) - 20, fo = dpw_get16(ip + 6);
			unsigned int off = (fo & 0x1fff) * 8;

			CHECK(memcmp(f, dmac, 6) == 0, "destination MAC");
			CHECK(dpw_csum_partial(ip, 20, 0) == 0xffff, "IP header checksum");
			CHECK(id == 0x10000 || id == dpw_get16(ip + 4), "one datagram");
			id = dpw_get16(ip + 4);
			memcpy(src, ip + 12, 4);
			memcpy(dst, ip + 16, 4);
			CHECK(off + len <= 8 + SIZE, "fragment inside the datagram");
			memcpy(l4 + off, ip + 20, len);
			got += len;
			if (!(fo & 0x2000))
				total = off + len;
			(*pieces)++;
			rte_pktmbuf_free(m);
		}
	CHECK(total != 0 && got == total, "whole datagram: %u of %u bytes", got, total);
	return total;
}

static uint16_t
open_ring_port(const char *name, unsigned int idx)
{
	struct rte_ring *rx[2];
	char rn[32];
	unsigned int k;
	struct rte_eth_conf conf;
	int id;

	for (k = 0; k < 2; k++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, k);
		rx[k] = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, k);
		txr[idx][k] = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		CHECK(rx[k] && txr[idx][k], "rings");
	}
	id = rte_eth_from_rings(name, rx, 2, txr[idx], 2, SOCKET_ID_ANY);
	CHECK(id >= 0, "ring port %s", name);
	memset(&conf, 0, sizeof(conf));
	CHECK(rte_eth_dev_configure((uint16_t)id, 2, 2, &conf) == 0, "configure");
	for (k = 0; k < 2; k++) {
		CHECK(rte_eth_rx_queue_setup((uint16_t)id, (uint16_t)k, 64, SOCKET_ID_ANY, NULL,
					     dp.pool) == 0, "rxq");
		CHECK(rte_eth_tx_queue_setup((uint16_t)id, (uint16_t)k, 64, SOCKET_ID_ANY, NULL) == 0,
		      "txq");
	}
	CHECK(rte_eth_dev_start((uint16_t)id) == 0, "start");
	return (uint16_t)id;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
			"--file-prefix=dpwan-component-frags", "--no-telemetry",
			"--log-level=*:warning", "-l", "0", NULL };
	static uint8_t l4[8 + SIZE];
	const uint32_t host = htonl(0xc612000a), server = htonl(0xc613000a);
	struct rte_mbuf *frags[8];
	unsigned int avail0, i, k, n, len, pieces, cross = 0;
	uint16_t lan_id, wan_id, natport = 0;
	uint32_t src, dst;
	char rundir[256];

	(void)argc;
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0, "EAL");
	dp.pool = rte_pktmbuf_pool_create("mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	CHECK(dp.pool != NULL, "pool");
	lan_id = open_ring_port("net_ring_lan", 0);
	wan_id = open_ring_port("net_ring_wan", 1);
	avail0 = rte_mempool_avail_count(dp.pool);

	dpw_sysconf_defaults(&dp.conf);
	dp.tsc_hz = rte_get_tsc_hz();
	dp.start_tsc = rte_rdtsc();
	dp.n_ports = 2;
	dp.lan = 0;
	dp.n_wans = 1;
	dp.wan_port[0] = 1;
	dp.n_workers = 2;
	dp.port[0] = (struct dp_port){ .name = "lan", .role = DPW_ROLE_LAN, .wan = -1,
		.port_id = lan_id, .addr = htonl(0xc6120001), .mask = htonl(0xffffff00), .mtu = 1500 };
	dp.port[1] = (struct dp_port){ .name = "wan1", .role = DPW_ROLE_WAN, .wan = 0,
		.port_id = wan_id, .mtu = 1500 };   /* its address is the view's */
	memcpy(&dp.port[0].mac, LAN_MAC, 6);
	memcpy(&dp.port[1].mac, WAN_MAC, 6);
	dp.slow = rte_ring_create("slow", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.hold = rte_ring_create("hold", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	CHECK(dp.slow && dp.hold && dp_punt_init() == 0, "rings");

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

	for (k = 0; k < 2; k++) {
		struct dp_worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		char rn[32];

		CHECK(w != NULL, "worker");
		w->idx = k;
		w->st = &stats[k];
		CHECK(dp_ct_init(&w->ct, 4096, &dp.conf.timeouts) == 0, "ct");
		dp_nat_slice_init(&w->nat, dp.conf.nat_port_min, dp.conf.nat_port_max, k, 2, 7 + k);
		snprintf(rn, sizeof(rn), "handoff%u", k);
		w->handoff = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
		w->frag = rte_zmalloc("frag", sizeof(*w->frag), RTE_CACHE_LINE_SIZE);
		CHECK(w->handoff && w->frag && dp_punt_worker_init(w) == 0, "worker %u", k);
		dp.workers[k] = w;
	}

	for (i = 0; i < 16; i++) {
		uint16_t id = (uint16_t)(100 + i), sport = htons((uint16_t)(30000 + i));
		struct dp_flow_key fk = dp_frag_key(host, server, htons(id), DPW_IPPROTO_UDP, 0);
		unsigned int owner = dp_frag_owner(&fk, 2), other = 1 - owner;

		/* LAN to WAN: last, middle, first - the first and the last on the wrong worker */
		n = datagram(frags, LAN_MAC, HOST_MAC, host, server, sport, htons(9000), id,
			     (uint8_t)i);
		CHECK(n == 3, "%u fragments", n);
		dp_stage_lan(dp.workers[other], &view, &frags[2], 1);
		dp_stage_lan(dp.workers[owner], &view, &frags[1], 1);
		dp_stage_lan(dp.workers[other], &view, &frags[0], 1);
		settle();
		len = collect(1, l4, &src, &dst, GW_MAC, &pieces);
		CHECK(len == 8 + SIZE, "datagram of %u bytes out of the WAN", len);
		CHECK(src == view.wan[0].addr && dst == server, "NAT source");
		{
			uint16_t sum = l4[6] << 8 | l4[7], zero = 0, calc;

			memcpy(l4 + 6, &zero, 2);
			calc = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, l4, len);
			CHECK(rte_be_to_cpu_16(calc) == sum, "UDP checksum after NAT: %04x, want %04x",
			      sum, rte_be_to_cpu_16(calc));
		}
		memcpy(&natport, l4, 2);
		CHECK(l4[8 + 5] == (uint8_t)(5 * 7 + i), "payload");
		CHECK(pieces >= 3, "%u pieces (a 1480-byte fragment is cut again for 1440)", pieces);

		/* WAN to LAN: the answer, first fragment last again */
		n = datagram(frags, WAN_MAC, GW_MAC, server, view.wan[0].addr, htons(9000), natport,
			     (uint16_t)(200 + i), (uint8_t)(i + 1));
		fk = dp_frag_key(server, view.wan[0].addr, htons((uint16_t)(200 + i)),
				 DPW_IPPROTO_UDP, 1);
		owner = dp_frag_owner(&fk, 2);
		other = 1 - owner;
		/* the datagram's worker and the session's may differ: then it hands over */
		cross += owner != (unsigned int)dp_nat_owner(rte_be_to_cpu_16(natport),
							     dp.conf.nat_port_min,
							     dp.conf.nat_port_max, 2);
		dp_stage_wan(dp.workers[other], &view, 1, &frags[2], 1, 0);
		dp_stage_wan(dp.workers[owner], &view, 1, &frags[1], 1, 0);
		dp_stage_wan(dp.workers[other], &view, 1, &frags[0], 1, 0);
		settle();
		len = collect(0, l4, &src, &dst, HOST_MAC, &pieces);
		CHECK(len == 8 + SIZE && dst == host && src == server, "the answer to the host");
		CHECK(memcmp(l4 + 2, &sport, 2) == 0, "the host's own port");
		{
			uint16_t sum = l4[6] << 8 | l4[7], zero = 0, calc;

			memcpy(l4 + 6, &zero, 2);
			calc = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, l4, len);
			CHECK(rte_be_to_cpu_16(calc) == sum, "UDP checksum back: %04x, want %04x", sum,
			      rte_be_to_cpu_16(calc));
		}
		CHECK(l4[8 + 9] == (uint8_t)(9 * 7 + i + 1), "payload back");
	}
	CHECK(cross > 0 && cross < 16, "%u of 16 answers crossed workers", cross);
	for (k = 0; k < 2; k++)
		for (i = 0; i < DPW_DROP_MAX; i++)
			CHECK(stats[k].drops[i] == 0, "worker %u: %" PRIu64 " drops for %s", k,
			      stats[k].drops[i], dpw_drop_str(i));

	/* a datagram whose first fragment never comes: held, then dropped in time */
	{
		struct dp_flow_key fk = dp_frag_key(host, server, htons(999), DPW_IPPROTO_UDP, 0);
		unsigned int owner = dp_frag_owner(&fk, 2);

		n = datagram(frags, LAN_MAC, HOST_MAC, host, server, htons(31000), htons(9000), 999, 1);
		rte_pktmbuf_free(frags[0]);
		dp_stage_lan(dp.workers[1 - owner], &view, &frags[1], 2);
		settle();
		CHECK(dp.workers[owner]->frag_held == 2, "%u held", dp.workers[owner]->frag_held);
		dp_frag_tick(dp.workers[owner]);
		CHECK(dp.workers[owner]->frag_held == 2, "held within the time");
		dp.start_tsc -= dp.tsc_hz * 3;      /* three seconds later */
		for (k = 0; k < DP_FRAG_CTX / 64 + 1; k++)
			dp_frag_tick(dp.workers[owner]);
		CHECK(dp.workers[owner]->frag_held == 0, "%u still held",
		      dp.workers[owner]->frag_held);
		CHECK(stats[owner].drops[DPW_DROP_FRAG_TIMEOUT] == 2, "timeouts");
	}
	CHECK(rte_mempool_avail_count(dp.pool) == avail0, "mbufs: %u of %u back",
	      rte_mempool_avail_count(dp.pool), avail0);
	printf("fragments met across 2 workers both ways (%u of 16 answers handed over); "
	       "1 passed, 0 failed\n", cross);

	rte_eth_dev_stop(lan_id);
	rte_eth_dev_stop(wan_id);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return 0;
}
