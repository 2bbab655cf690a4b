/* SPDX-License-Identifier: BSD-3-Clause
 * Component test of a WAN failing: the real worker loop (dp_worker_main on lcore 1) over
 * net_ring ports whose rings the test fills and reads, the real main-lcore handling of
 * WAN_HEALTH messages (dp_mgmt_serve_messages over the c2d/d2c rings), view publication
 * and the workers' mailboxes. Two WANs, wan1 priority 1, wan2 priority 2. Checked:
 *   - wan2 is standby and gets no new session while wan1 is usable;
 *   - WAN_HEALTH offline for wan1: shm says usable 0 / health offline, wan2 takes every
 *     new session, wan1's TCP session gets a RST towards its LAN host with the server's
 *     next sequence number and the host's next one as ack (checksums valid), one
 *     WAN_SESSIONS_RESET event, and its UDP session moves to wan2 (fail_udp move);
 *   - wan1 back: wan2 standby again but its session still forwarded; then wan2 offline:
 *     only wan2's TCP session is reset, wan1's is untouched; wan2's UDP session is kept
 *     and its packets dropped (fail_udp keep);
 *   - fail_tcp keep: nothing is reset and packets are dropped; the on_failure rule
 *     turned to reset while down: the next LAN packet is answered with a RST at once;
 *   - passive-detection counters (SYN, SYN-ACK, new and answered UDP) per WAN.
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
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

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

#define WAIT_MS 2000

static const uint8_t LAN_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t HOST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t WAN_MAC[2][6] = { { 0x02, 0, 0, 0, 1, 0x02 }, { 0x02, 0, 0, 0, 2, 0x02 } };
static const uint8_t GW_MAC[2][6] = { { 0x02, 0, 0, 0, 1, 0x01 }, { 0x02, 0, 0, 0, 2, 0x01 } };
static struct rte_ring *rxr[3], *txr[3];   /* [port]: what the test sends / the worker sent */
static const uint32_t HOST = 0xc612000a, SERVER = 0xc613000a;   /* host order */
static uint32_t wan_addr[2];               /* network order */
static unsigned int n_events_reset;
static uint32_t last_reset_wan, last_reset_count;

static uint16_t
open_ring_port(const char *name, unsigned int idx)
{
	struct rte_eth_conf conf;
	char rn[32];
	int id;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rxr[idx] = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	txr[idx] = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(rxr[idx] && txr[idx], "rings");
	id = rte_eth_from_rings(name, &rxr[idx], 1, &txr[idx], 1, SOCKET_ID_ANY);
	CHECK(id >= 0, "ring port %s", name);
	memset(&conf, 0, sizeof(conf));
	CHECK(rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) == 0, "configure");
	CHECK(rte_eth_rx_queue_setup((uint16_t)id, 0, 64, SOCKET_ID_ANY, NULL, dp.pool) == 0, "rxq");
	CHECK(rte_eth_tx_queue_setup((uint16_t)id, 0, 64, SOCKET_ID_ANY, NULL) == 0, "txq");
	CHECK(rte_eth_dev_start((uint16_t)id) == 0, "start");
	return (uint16_t)id;
}

/* What the main lcore does meanwhile: mailbox results, old views; events are noted. */
static void
main_lcore_tick(void)
{
	struct dpw_msg m;

	dp_mbox_poll_events();
	dp_gen_reclaim(0);
	while (rte_ring_dequeue_elem(dp.d2c, &m, sizeof(m)) == 0)
		if (m.op == DPW_MSG_EVENT && m.u.event.type == DPW_EV_WAN_SESSIONS_RESET) {
			n_events_reset++;
			last_reset_wan = m.u.event.a;
			last_reset_count = m.u.event.b;
		}
}

/* WAN_HEALTH as the control process sends it; returns the reply's status. */
static int
health(uint32_t wan, uint8_t state, uint8_t usable)
{
	struct dpw_msg m, r;
	int i;

	memset(&m, 0, sizeof(m));
	m.op = DPW_MSG_WAN_HEALTH;
	m.seq = 77 + wan;
	m.u.wan_health.wan = wan;
	m.u.wan_health.state = state;
	m.u.wan_health.usable = usable;
	m.u.wan_health.rtt_us = 12000 + wan;
	m.u.wan_health.loss_permille = 5;
	CHECK(rte_ring_enqueue_elem(dp.c2d, &m, sizeof(m)) == 0, "c2d");
	CHECK(dp_mgmt_serve_messages() == 1, "served");
	for (i = 0; i < 100; i++) {
		CHECK(rte_ring_dequeue_elem(dp.d2c, &r, sizeof(r)) == 0, "no reply");
		if (r.op == DPW_MSG_REPLY)
			break;
	}
	CHECK(r.seq == m.seq && r.req_op == DPW_MSG_WAN_HEALTH, "reply to WAN_HEALTH");
	return r.status;
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

static void
put32(uint8_t *p, uint32_t v)
{
	dpw_put16(p, (uint16_t)(v >> 16));
	dpw_put16(p + 2, (uint16_t)v);
}

/* A TCP segment with `len` bytes of payload into port idx's receive ring. */
static void
send_tcp(unsigned int idx, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	 uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	 uint8_t flags, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	unsigned int flen = 14 + 20 + 20 + len;
	uint8_t *f, *t;
	uint16_t c;

	CHECK(m != NULL && (f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)flen)) != NULL, "mbuf");
	frame(f, flen, dmac, smac, src, dst, DPW_IPPROTO_TCP);
	t = f + 34;
	memcpy(t, &sport, 2);
	memcpy(t + 2, &dport, 2);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	dpw_put16(t + 14, 65535);
	c = dpw_csum_l4(src, dst, DPW_IPPROTO_TCP, t, 20 + len);
	memcpy(t + 16, &c, 2);
	CHECK(rte_ring_enqueue(rxr[idx], m) == 0, "rx ring");
}

static void
send_udp(unsigned int idx, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	 uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	unsigned int flen = 14 + 20 + 8 + 18;
	uint8_t *f, *u;
	uint16_t c;

	CHECK(m != NULL && (f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)flen)) != NULL, "mbuf");
	frame(f, flen, dmac, smac, src, dst, DPW_IPPROTO_UDP);
	u = f + 34;
	memcpy(u, &sport, 2);
	memcpy(u + 2, &dport, 2);
	dpw_put16(u + 4, 8 + 18);
	c = dpw_csum_l4(src, dst, DPW_IPPROTO_UDP, u, 26);
	memcpy(u + 6, &c, 2);
	CHECK(rte_ring_enqueue(rxr[idx], m) == 0, "rx ring");
}

/* The next frame port idx transmitted, parsed; NULL when none came in time. */
static struct rte_mbuf *
take(unsigned int idx, struct dpw_pkt_info *pi, unsigned int wait_ms)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * wait_ms / 1000;
	struct rte_mbuf *m;
	unsigned int reason;

	for (;;) {
		main_lcore_tick();
		if (rte_ring_dequeue(txr[idx], (void **)&m) == 0)
			break;
		if (rte_rdtsc() > deadline)
			return NULL;
		usleep(100);
	}
	CHECK(dpw_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), pi,
			    &reason) == 0, "parse what was sent: %u", reason);
	return m;
}

/* The next frame out of either WAN; *k is the port it left by. */
static struct rte_mbuf *
take_wan(struct dpw_pkt_info *pi, unsigned int *k)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * WAIT_MS / 1000;
	struct rte_mbuf *m;

	do {
		for (*k = 1; *k <= 2; (*k)++)
			if ((m = take(*k, pi, 0)) != NULL)
				return m;
		usleep(100);
	} while (rte_rdtsc() < deadline);
	return NULL;
}

/* Nothing comes out of any port within a while. */
static void
expect_silence(const char *what)
{
	struct dpw_pkt_info pi;
	struct rte_mbuf *m;
	unsigned int p;

	usleep(50 * 1000);
	for (p = 0; p < 3; p++) {
		m = take(p, &pi, 1);
		CHECK(m == NULL, "%s: port %u sent a frame (proto %u, flags %02x)", what, p,
		      pi.proto, pi.tcp_flags);
	}
}

/* A new UDP flow from the host: returns the WAN it left by. */
static unsigned int
udp_flow_wan(uint16_t sport, uint16_t *natport)
{
	struct dpw_pkt_info pi;
	struct rte_mbuf *m;
	unsigned int k;

	send_udp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), htons(sport), htons(53));
	m = take_wan(&pi, &k);
	if (m != NULL) {
		CHECK(pi.src == wan_addr[k - 1] && pi.dst == htonl(SERVER), "UDP source NAT");
		CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), GW_MAC[k - 1], 6) == 0, "gateway MAC");
		if (natport)
			*natport = pi.sport;
		rte_pktmbuf_free(m);
		return k - 1;
	}
	CHECK(0, "UDP flow %u went nowhere", sport);
	return 0;
}

struct conn {
	uint16_t sport;           /* host's, network order */
	uint16_t natport;         /* network order */
	unsigned int wan;
	uint32_t hseq, sseq;      /* next sequence numbers of host and server */
};

/* A TCP connection through: handshake, 10 bytes from the host, 20 from the server. */
static void
tcp_connect(struct conn *c, uint16_t sport, uint32_t iss_h, uint32_t iss_s)
{
	struct dpw_pkt_info pi;
	struct rte_mbuf *m;
	unsigned int k, w;

	c->sport = htons(sport);
	send_tcp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), c->sport, htons(443), iss_h, 0,
		 DPW_TCP_SYN, 0);
	m = take_wan(&pi, &k);
	CHECK(m != NULL && pi.tcp_flags == DPW_TCP_SYN, "SYN out");
	c->wan = w = k - 1;
	c->natport = pi.sport;
	rte_pktmbuf_free(m);
	send_tcp(w + 1, WAN_MAC[w], GW_MAC[w], htonl(SERVER), wan_addr[w], htons(443), c->natport,
		 iss_s, iss_h + 1, DPW_TCP_SYN | DPW_TCP_ACK, 0);
	m = take(0, &pi, WAIT_MS);
	CHECK(m != NULL && pi.dst == htonl(HOST) && pi.dport == c->sport, "SYN-ACK in");
	rte_pktmbuf_free(m);
	send_tcp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), c->sport, htons(443),
		 iss_h + 1, iss_s + 1, DPW_TCP_ACK | DPW_TCP_PSH, 10);
	m = take(w + 1, &pi, WAIT_MS);
	CHECK(m != NULL && pi.tcp_seq == iss_h + 1, "data out");
	rte_pktmbuf_free(m);
	send_tcp(w + 1, WAN_MAC[w], GW_MAC[w], htonl(SERVER), wan_addr[w], htons(443), c->natport,
		 iss_s + 1, iss_h + 11, DPW_TCP_ACK | DPW_TCP_PSH, 20);
	m = take(0, &pi, WAIT_MS);
	CHECK(m != NULL && pi.tcp_seq == iss_s + 1, "data in");
	rte_pktmbuf_free(m);
	c->hseq = iss_h + 11;
	c->sseq = iss_s + 21;
}

/* The host sends 5 more bytes: they leave by the connection's WAN. */
static void
tcp_still_works(struct conn *c)
{
	struct dpw_pkt_info pi;
	struct rte_mbuf *m;

	send_tcp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), c->sport, htons(443), c->hseq,
		 c->sseq, DPW_TCP_ACK | DPW_TCP_PSH, 5);
	m = take(c->wan + 1, &pi, WAIT_MS);
	CHECK(m != NULL && pi.tcp_seq == c->hseq && pi.sport == c->natport,
	      "connection on wan%u still forwarded", c->wan + 1);
	rte_pktmbuf_free(m);
	c->hseq += 5;
}

/* A RST for connection c towards the host: the server's next seq, the host's as ack. */
static void
expect_rst(const struct conn *c, uint32_t seq, uint32_t ack)
{
	struct dpw_pkt_info pi;
	struct rte_mbuf *m = take(0, &pi, WAIT_MS);
	const uint8_t *f;

	CHECK(m != NULL, "no RST towards the LAN");
	f = rte_pktmbuf_mtod(m, const uint8_t *);
	CHECK(pi.proto == DPW_IPPROTO_TCP && pi.tcp_flags == (DPW_TCP_RST | DPW_TCP_ACK),
	      "flags %02x", pi.tcp_flags);
	CHECK(pi.src == htonl(SERVER) && pi.dst == htonl(HOST) && pi.sport == htons(443) &&
	      pi.dport == c->sport, "RST addresses and ports");
	CHECK(pi.tcp_seq == seq, "RST seq %u, the host expects %u", pi.tcp_seq, seq);
	CHECK(pi.tcp_ack == ack, "RST ack %u, the host sent up to %u", pi.tcp_ack, ack);
	CHECK(memcmp(f, HOST_MAC, 6) == 0 && memcmp(f + 6, LAN_MAC, 6) == 0, "RST MACs");
	CHECK(dpw_csum_partial(f + 14, 20, 0) == 0xffff, "RST IP checksum");
	CHECK(dpw_csum_l4(pi.src, pi.dst, DPW_IPPROTO_TCP, f + 34, 20) == 0, "RST TCP checksum");
	rte_pktmbuf_free(m);
}

static void
wait_reset_event(unsigned int n, uint32_t wan, uint32_t count)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * WAIT_MS / 1000;

	while (n_events_reset < n && rte_rdtsc() < deadline) {
		main_lcore_tick();
		usleep(100);
	}
	CHECK(n_events_reset == n && last_reset_wan == wan && last_reset_count == count,
	      "events %u (want %u): wan %u count %u", n_events_reset, n, last_reset_wan,
	      last_reset_count);
}

static void
setup_wan(unsigned int w, uint8_t priority)
{
	struct dp_wan_state *ws = &dp.wst[w];

	dp_wan_health_reset(ws);
	ws->cfg = (struct dp_wan_cfg){ .configured = 1, .enabled = 1, .prefixlen = 24,
		.addr = wan_addr[w], .mask = htonl(0xffffff00), .gateway = htonl(0xc6120101 + 256 * w),
		.mtu = 1440, .mss = 1400, .weight = 1, .priority = priority,
		.fail_tcp = DPW_FAIL_TCP_RESET, .fail_udp = DPW_FAIL_UDP_MOVE };
	ws->admin = 1;
	ws->link_up = 1;
	ws->gw_resolved = 1;
	memcpy(&ws->gw_mac, GW_MAC[w], 6);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
			"--file-prefix=dpwan-component-health", "--no-telemetry",
			"--log-level=*:warning", "--log-level=user1:notice", "-l", "0,1", NULL };
	const struct dpw_lcore_stats *st;
	struct dpw_pkt_info pi;
	struct rte_mbuf *m;
	struct dp_worker *w;
	struct conn a, b, c;
	unsigned int i, n, lcore, avail0;
	uint16_t u1_nat, u2_nat;
	uint64_t drops;
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
	dp.n_workers = 1;
	dp.port[0] = (struct dp_port){ .name = "lan", .role = DPW_ROLE_LAN, .wan = -1,
		.addr = htonl(0xc6120001), .mask = htonl(0xffffff00), .mtu = 1500 };
	dp.port[0].port_id = open_ring_port("net_ring_hlan", 0);
	memcpy(&dp.port[0].mac, LAN_MAC, 6);
	for (i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "net_ring_hwan%u", i + 1);
		dp.port[i + 1] = (struct dp_port){ .role = DPW_ROLE_WAN, .wan = (int)i, .mtu = 1500 };
		snprintf(dp.port[i + 1].name, sizeof(dp.port[i + 1].name), "wan%u", i + 1);
		dp.port[i + 1].port_id = open_ring_port(name, i + 1);
		memcpy(&dp.port[i + 1].mac, WAN_MAC[i], 6);
		dp.wan_port[i] = i + 1;
		wan_addr[i] = htonl(0xc6120102 + 256 * i);   /* 198.18.1.2, 198.18.2.2 */
	}
	avail0 = rte_mempool_avail_count(dp.pool);
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
	dp.qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	CHECK(dp.qsbr != NULL && rte_rcu_qsbr_init(dp.qsbr, 1) == 0, "rcu");

	w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	CHECK(w != NULL, "worker");
	w->st = &dp.shm->lcore[0];
	w->ps = &dp.shm->pstats[0];
	st = w->st;
	CHECK(dp_ct_init(&w->ct, 4096, &dp.conf.timeouts) == 0, "ct");
	dp_nat_slice_init(&w->nat, dp.conf.nat_port_min, dp.conf.nat_port_max, 0, 1, 7);
	w->handoff = rte_ring_create("handoff0", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	w->relay = rte_ring_create("relay0", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	w->mbox = rte_ring_create_elem("mbox0", sizeof(struct dp_mbox_cmd), 64, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->mbox_ev = rte_ring_create_elem("mbev0", sizeof(struct dp_mbox_ev), 64, SOCKET_ID_ANY,
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->frag = rte_zmalloc("frag", sizeof(*w->frag), RTE_CACHE_LINE_SIZE);
	CHECK(w->handoff && w->relay && w->mbox && w->mbox_ev && w->frag &&
	      dp_punt_worker_init(w) == 0, "worker state");
	dp.workers[0] = w;

	/* wan1 always-on, wan2 a backup */
	setup_wan(0, 1);
	setup_wan(1, 2);
	CHECK(dp_gen_publish() == 0, "view");
	CHECK(dp.shm->wans[0].usable == 1 && dp.shm->wans[1].usable == 0 &&
	      dp.shm->wans[1].standby == 1 && dp.shm->wans[0].health == DPW_WH_UNKNOWN &&
	      dp.shm->wans[0].health_usable == 1 && dp.shm->wans[1].priority == 2,
	      "before any verdict: wan1 usable, wan2 standby");
	lcore = rte_get_next_lcore(-1, 1, 0);
	w->lcore = lcore;
	CHECK(rte_eal_remote_launch(dp_worker_main, w, lcore) == 0, "launch");

	/* priority group: nothing new goes to wan2 while wan1 is usable */
	for (i = 0; i < 16; i++)
		CHECK(udp_flow_wan((uint16_t)(20000 + i), NULL) == 0, "flow %u on wan2", i);
	u1_nat = 0;
	CHECK(udp_flow_wan(21000, &u1_nat) == 0, "U1 on wan1");
	tcp_connect(&a, 40000, 1000, 5000);
	CHECK(a.wan == 0, "TCP A on wan1");
	/* an answer to U1: counted once as answered */
	send_udp(1, WAN_MAC[0], GW_MAC[0], htonl(SERVER), wan_addr[0], htons(53), u1_nat);
	send_udp(1, WAN_MAC[0], GW_MAC[0], htonl(SERVER), wan_addr[0], htons(53), u1_nat);
	for (i = 0; i < 2; i++) {
		m = take(0, &pi, WAIT_MS);
		CHECK(m != NULL && pi.dport == htons(21000), "answer to U1");
		rte_pktmbuf_free(m);
	}
	CHECK(st->wan_udp_new[0] == 17 && st->wan_udp_answered[0] == 1 &&
	      st->wan_tcp_syn[0] == 1 && st->wan_tcp_synack[0] == 1 &&
	      st->wan_udp_new[1] == 0 && st->wan_tcp_syn[1] == 0,
	      "passive counters: udp new %" PRIu64 " answered %" PRIu64 " syn %" PRIu64
	      " synack %" PRIu64, st->wan_udp_new[0], st->wan_udp_answered[0],
	      st->wan_tcp_syn[0], st->wan_tcp_synack[0]);
	printf("ok: wan2 (priority 2) standby, 17 UDP flows and a TCP connection on wan1\n");

	CHECK(health(5, DPW_WH_OFFLINE, 0) == -EINVAL, "bad WAN index");
	/* RTT only: no transition, but the figures are carried */
	CHECK(health(0, DPW_WH_UNKNOWN, 1) == 0 && dp.shm->wans[0].rtt_us == 12000 &&
	      dp_view_get()->wan[0].rtt_us == 12000 && n_events_reset == 0, "rtt carried");

	/* wan1 offline: TCP A reset, new sessions on wan2, U1 moves */
	CHECK(health(0, DPW_WH_OFFLINE, 0) == 0, "WAN_HEALTH");
	CHECK(dp.shm->wans[0].usable == 0 && dp.shm->wans[0].health == DPW_WH_OFFLINE &&
	      dp.shm->wans[0].health_usable == 0 && dp.shm->wans[1].usable == 1 &&
	      dp.shm->wans[1].standby == 0 && dp.shm->wans[0].loss_permille == 5,
	      "shm after offline: wan1 usable %u health %u, wan2 usable %u standby %u",
	      dp.shm->wans[0].usable, dp.shm->wans[0].health, dp.shm->wans[1].usable,
	      dp.shm->wans[1].standby);
	expect_rst(&a, a.sseq, a.hseq);
	wait_reset_event(1, 0, 1);
	CHECK(st->wan_tcp_reset[0] == 1, "wan_tcp_reset %" PRIu64, st->wan_tcp_reset[0]);
	printf("ok: wan1 offline: RST to the host, seq %u (the server's next), ack %u\n", a.sseq,
	       a.hseq);
	for (i = 0; i < 16; i++)
		CHECK(udp_flow_wan((uint16_t)(22000 + i), NULL) == 1, "flow %u not on wan2", i);
	CHECK(udp_flow_wan(21000, NULL) == 1 && st->wan_udp_moved[0] == 1, "U1 moved to wan2");
	u2_nat = 0;
	CHECK(udp_flow_wan(23000, &u2_nat) == 1, "U2 on wan2");
	tcp_connect(&b, 41000, 2000, 7000);
	CHECK(b.wan == 1, "TCP B on wan2");
	printf("ok: every new session on wan2, U1 moved (fail_udp move)\n");

	/* wan1 back: wan2 standby, but B goes on over it */
	CHECK(health(0, DPW_WH_ONLINE, 1) == 0, "WAN_HEALTH online");
	CHECK(dp.shm->wans[0].usable == 1 && dp.shm->wans[1].usable == 0 &&
	      dp.shm->wans[1].standby == 1, "wan1 back, wan2 standby");
	CHECK(udp_flow_wan(24000, NULL) == 0, "new flows back on wan1");
	tcp_still_works(&b);
	tcp_connect(&c, 42000, 3000, 9000);
	CHECK(c.wan == 0, "TCP C on wan1");
	expect_silence("wan1 back");
	CHECK(n_events_reset == 1, "no sweep for a standby WAN");

	/* wan2 offline, fail_udp keep: only B is reset, C untouched, U2 kept */
	dp.wst[1].cfg.fail_udp = DPW_FAIL_UDP_KEEP;
	CHECK(health(1, DPW_WH_OFFLINE, 0) == 0, "WAN_HEALTH wan2 offline");
	expect_rst(&b, b.sseq, b.hseq);
	wait_reset_event(2, 1, 1);
	expect_silence("after B's RST");
	tcp_still_works(&c);
	drops = st->drops[DPW_DROP_NO_WAN];
	send_udp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), htons(23000), htons(53));
	expect_silence("U2 kept");
	CHECK(st->drops[DPW_DROP_NO_WAN] == drops + 1 && st->wan_udp_moved[1] == 0,
	      "U2 dropped, not moved");
	/* wan2 back: U2 goes on with its own NAT port */
	CHECK(health(1, DPW_WH_ONLINE, 1) == 0, "wan2 online");
	send_udp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), htons(23000), htons(53));
	m = take(2, &pi, WAIT_MS);
	CHECK(m != NULL && pi.sport == u2_nat, "U2 kept its session on wan2");
	rte_pktmbuf_free(m);
	printf("ok: wan2 offline: only its TCP session reset, U2 kept (fail_udp keep)\n");

	/* fail_tcp keep: C survives wan1 going down, its packets dropped */
	dp.wst[0].cfg.fail_tcp = DPW_FAIL_TCP_KEEP;
	CHECK(health(0, DPW_WH_OFFLINE, 0) == 0, "wan1 offline again");
	drops = st->drops[DPW_DROP_NO_WAN];
	send_tcp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), c.sport, htons(443), c.hseq,
		 c.sseq, DPW_TCP_ACK | DPW_TCP_PSH, 5);
	expect_silence("fail_tcp keep");
	CHECK(st->drops[DPW_DROP_NO_WAN] == drops + 1 && n_events_reset == 2 &&
	      st->wan_tcp_reset[0] == 1, "kept and dropped");
	/* the rule turned to reset while wan1 is down (an apply): the next packet gets a RST
	 * at once, from the hit path (no sweep runs: no transition) */
	dp.wst[0].cfg.fail_tcp = DPW_FAIL_TCP_RESET;
	CHECK(dp_gen_publish() == 0, "view");
	send_tcp(0, LAN_MAC, HOST_MAC, htonl(HOST), htonl(SERVER), c.sport, htons(443), c.hseq,
		 c.sseq, DPW_TCP_ACK | DPW_TCP_PSH, 5);
	expect_rst(&c, c.sseq, c.hseq + 5);
	CHECK(st->wan_tcp_reset[0] == 2 && n_events_reset == 2, "hit-path reset counted");
	printf("ok: fail_tcp keep drops and keeps; reset from the hit path at once\n");

	/* the verdict survives what the main lcore republishes for other reasons */
	CHECK(dp_gen_publish() == 0 && dp.shm->wans[0].health == DPW_WH_OFFLINE &&
	      dp.shm->wans[0].usable == 0, "verdict kept");

	__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED);
	CHECK(rte_eal_wait_lcore(lcore) == 0, "worker exit");
	main_lcore_tick();
	dp_gen_reclaim(1);
	for (i = 0; i < 3; i++)
		while (rte_ring_dequeue(txr[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	/* the LAN ring holds nothing: every mbuf the worker allocated (RSTs) was sent */
	n = rte_mempool_avail_count(dp.pool);
	CHECK(n == avail0, "mbufs: %u of %u back", n, avail0);
	printf("WAN failure: 1 passed, 0 failed\n");
	rte_eth_dev_stop(dp.port[0].port_id);
	rte_eth_dev_stop(dp.port[1].port_id);
	rte_eth_dev_stop(dp.port[2].port_id);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return 0;
}
