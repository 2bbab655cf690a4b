/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-pktgen shared state: the run configuration (written by main() before the lcores
 * start, read-only afterwards), the per-lcore context with its single-writer counters,
 * the run phase published by the generator lcore, and the inline checksum helpers used
 * on every lcore.
 */
#ifndef PG_H
#define PG_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "tools/pktgen/pg_hist.h"

#define PG_BURST 32
#define PG_MAX_WAN 8
#define PG_MAX_LCORES 4
#define PG_MAX_QUEUES 16              /* --queues: RX and TX queues per port */
#define PG_MAGIC 0x44505747u          /* "DPWG" in the payload and the TCP ack field */
#define PG_TCP_TSC_SHIFT 4            /* TCP stamps: 32 bits of (tsc >> 4) in seq */
#define PG_SPORT_MIN 1024
#define PG_SPORT_N (65536 - PG_SPORT_MIN)
#define PG_IMIX_N 3

#define PG_ETH_HLEN 14
#define PG_IP_HLEN 20
#define PG_UDP_HLEN 8
#define PG_TCP_HLEN 20
#define PG_STAMP_LEN 16               /* magic, seq, tsc */

#define PG_TCP_FIN 0x01
#define PG_TCP_SYN 0x02
#define PG_TCP_RST 0x04
#define PG_TCP_PSH 0x08
#define PG_TCP_ACK 0x10

/* What an lcore does in its loop; one lcore may do all of it. */
#define PG_ROLE_GEN 0x1               /* LAN transmit: ARP, warmup, flows */
#define PG_ROLE_LANRX 0x2             /* LAN receive: latency, SYN-ACK -> ACK, ARP */
#define PG_ROLE_REFLECT 0x4           /* every WAN port: the far end */

enum pg_phase {
	PG_PH_RESOLVE,                /* ARP for the router's LAN address */
	PG_PH_WARMUP,                 /* each flow once, wait for the replies */
	PG_PH_RUN,                    /* measured */
	PG_PH_DRAIN,                  /* measured: transmit stopped, still receiving */
	PG_PH_DONE,
};

/* Counter sets: warmup traffic is kept apart from the measured phase. */
enum { PG_CS_WARM, PG_CS_MEAS, PG_CS_N };

struct pg_counters {
	uint64_t tx;                  /* generated frames sent on the LAN port */
	uint64_t tx_bytes;            /* frame bytes without FCS */
	uint64_t tx_expect;           /* of them, frames that expect a reply */
	uint64_t tx_full;             /* tx_burst refused (retried, not lost) */
	uint64_t rx;                  /* our replies received on the LAN port */
	uint64_t rx_bytes;
	uint64_t rx_other;            /* anything else on the LAN port */
	uint64_t synack;              /* SYN-ACKs received = handshakes completed */
	uint64_t ack_tx;              /* ACKs sent for them */
	uint64_t ack_drop;
	uint64_t refl[PG_MAX_WAN];    /* reflected per WAN port */
	uint64_t refl_bytes;
	uint64_t refl_arp;            /* ARP requests answered on the WAN side */
	uint64_t refl_acked;          /* pure ACKs absorbed: handshakes seen by the server */
	uint64_t refl_drop;           /* not reflectable, or tx full */
	uint64_t lan_arp;             /* ARP requests answered on the LAN side */
	uint64_t rx_misq;             /* replies on another LAN queue than their flow's */
	uint64_t tx_q[PG_MAX_QUEUES]; /* generated frames sent, per LAN TX queue */
	uint64_t rx_q[PG_MAX_QUEUES]; /* our replies, per LAN RX queue */
	uint64_t refl_q[PG_MAX_QUEUES]; /* reflected, per queue, summed over WAN ports */
};

/* Frames waiting for one TX queue: m[off..n) are still to be sent. */
struct pg_txq {
	struct rte_mbuf *m[PG_BURST];
	uint16_t n, off;
};

struct pg_lcore {
	unsigned int lcore_id;
	unsigned int roles;
	int is_main;
	struct pg_counters c[PG_CS_N];
	struct pg_hist hist;          /* measured phase only, LANRX role */
	/* generator state (PG_ROLE_GEN): a burst, split by LAN TX queue */
	struct pg_txq pend[PG_MAX_QUEUES];
} __rte_cache_aligned;

/* A packet shape: mbufs in its pool already carry the frame, so only fields change. */
struct pg_tpl {
	struct rte_mempool *mp;
	uint16_t len;                 /* frame bytes without FCS */
	uint16_t ip_len;
	uint16_t stamp;               /* payload has room for the stamp (UDP) */
};

struct pg_flow {
	uint32_t src, dst;            /* network order */
	uint16_t sport, dport;        /* network order */
};

struct pg_conf {
	int has_lan;
	uint16_t lan;
	uint16_t wan[PG_MAX_WAN];
	unsigned int n_wan;
	unsigned int queues;          /* RX and TX queues on every port (1) */
	uint32_t flows;
	uint8_t proto;                /* 17 or 6 */
	unsigned int size;            /* frame with FCS; 0 = IMIX */
	uint64_t rate;                /* pps, 0 = as fast as possible */
	double duration;              /* s; 0 = until signalled (reflector-only) */
	double warmup;                /* s, upper bound of the warmup phase */
	uint64_t warmup_rate;
	uint64_t count;               /* stop after this many measured frames */
	int new_flows;
	int json;
	int linger;
	int loopback;
	int quiet;
	uint32_t lan_src, gw_lan;     /* host order */
	uint32_t src_base, dst_base;  /* host order */
	unsigned int n_src, n_dst;
	uint16_t dport;
	int have_gw_mac;
	struct rte_ether_addr gw_mac;
	double link_wait;
};

struct pg {
	struct pg_conf conf;
	uint64_t hz;
	uint64_t ns_mult;             /* ns = cycles * ns_mult >> 20 */
	struct rte_ether_addr lan_mac;
	struct rte_ether_addr wan_mac[PG_MAX_WAN];
	struct rte_ether_addr router_mac; /* resolved by ARP */
	volatile int router_known;
	volatile int phase;           /* enum pg_phase, written by the GEN lcore */
	volatile int quit;            /* a signal asked to end the run */
	volatile int failed;          /* the run could not start (ARP) */
	struct rte_mempool *rx_pool;
	struct pg_tpl tpl[PG_IMIX_N];
	unsigned int n_tpl;
	struct pg_flow *flow;         /* established mode: the flow table */
	uint8_t *answered;            /* per flow: a warmup reply came back (LANRX writes) */
	volatile uint64_t warm_answered; /* flows answered, LANRX lcore writes */
	struct rte_ring *lan_tx;      /* LANRX -> GEN frames when they are different lcores */
	struct pg_lcore lc[PG_MAX_LCORES];
	unsigned int n_lc;
	/* timing, written by the GEN lcore (or main in reflector-only mode) */
	uint64_t t_start, t_warm, t_run, t_end, t_done;
	uint64_t warm_sent;
	unsigned int warm_rounds;
};

extern struct pg pg;

/* The lcore loop (every lcore, launched by main()). */
int pg_lcore_main(void *arg);

/* pg_gen.c, GEN lcore */
void pg_gen_poll(struct pg_lcore *lc, uint64_t now);
int pg_gen_setup(char *err, size_t errlen);

/* pg_rx.c */
void pg_lanrx_poll(struct pg_lcore *lc, uint64_t now);
void pg_reflect_poll(struct pg_lcore *lc);
void pg_lan_tx_acks(struct pg_lcore *lc, struct rte_mbuf **m, uint16_t n);

/* pktgen.c, main lcore: the once-a-second line */
void pg_report_tick(uint64_t now);

/*
 * The LAN queue of a flow, from its LAN-side identity (client address and port, network
 * order): a flow's frames, and the ACK of its handshake, always take the same queue, so
 * they reach the same dataplane worker (memif has no RSS: our queue q is its worker q).
 */
static inline uint16_t
pg_flow_queue(uint32_t addr_be, uint16_t port_be)
{
	uint32_t nq = pg.conf.queues, k;

	if (nq == 1)
		return 0;
	k = rte_be_to_cpu_32(addr_be) + rte_be_to_cpu_16(port_be);
	return (uint16_t)((nq & (nq - 1)) == 0 ? k & (nq - 1) : k % nq);
}

static inline uint32_t
pg_phase_cs(int phase)
{
	return phase >= PG_PH_RUN ? PG_CS_MEAS : PG_CS_WARM;
}

/* One's-complement sum of raw (memory-order) 16-bit words; the caller folds. */
static inline uint64_t
pg_sum(const void *buf, unsigned int len, uint64_t s)
{
	const uint8_t *p = buf;

	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len)
		s += *p;   /* little endian: the odd byte is the low half of its word */
	return s;
}

static inline uint16_t
pg_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* IPv4 header checksum of a 20-byte header whose checksum field is zero. */
static inline uint16_t
pg_ip_csum(const uint8_t *ip)
{
	return (uint16_t)~pg_fold(pg_sum(ip, PG_IP_HLEN, 0));
}

/* L4 checksum with pseudo-header; the checksum field must be zero. */
static inline uint16_t
pg_l4_csum(const uint8_t *ip, const uint8_t *l4, unsigned int l4len, uint8_t proto)
{
	uint64_t s = pg_sum(ip + 12, 8, 0);
	uint16_t c;

	s += rte_cpu_to_be_16((uint16_t)proto) + rte_cpu_to_be_16((uint16_t)l4len);
	c = (uint16_t)~pg_fold(pg_sum(l4, l4len, s));
	if (proto == 17 && c == 0)
		c = 0xffff;
	return c;
}

#endif
