/* SPDX-License-Identifier: BSD-3-Clause
 * The dataplane's process-wide context: ports, WANs, rings, the published WAN view and
 * the workers. Built by main() before the lcores start; afterwards the main lcore owns
 * the mutable parts (WAN admin/ARP state, view publication) and workers only read the
 * view through RCU.
 */
#ifndef DP_DP_H
#define DP_DP_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/ct.h"
#include "dataplane/frag.h"
#include "dataplane/hostflow.h"
#include "dataplane/lb.h"
#include "dataplane/lb_weighted.h"
#include "dataplane/policy.h"
#include "dataplane/sticky.h"
#include "dataplane/nat.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/msg/dpw_msg.h"
#include "lib/shm/dpw_dnsset.h"
#include "lib/shm/dpw_shm.h"

#define DP_BURST 32
/* Fragments a worker holds while their datagrams' first fragments are awaited; the
 * mbuf pool's size counts them (lib/cfg/dpw_mbufs). */
#define DP_FRAG_HELD_PER_WORKER 512
#define DP_TXQ_LEN (DP_BURST * 2) /* per worker and port: frames buffered before a TX burst */
/* What can hold mbufs: sized together here because the pool is sized from them (main.c) */
#define DP_RX_DESC 1024           /* per wire RX queue (a NIC fills them all at start) */
#define DP_TX_DESC 1024           /* per wire TX queue (sent mbufs wait to be cleaned) */
#define DP_TAP_DESC 1024          /* per TAP queue; net_tap fills its RX ring at setup */
#define DP_POOL_CACHE 256         /* per-lcore mempool cache */
#define DP_HOLD_MAX 256           /* frames held for a gateway MAC (nbr.c) */
#define DP_RING_ARP_SLOTS 1024
#define DP_RING_SLOW_SLOTS 4096
#define DP_RING_HOLD_SLOTS 1024
#define DP_RING_INJECT_SLOTS 4096
#define DP_RING_HANDOFF_SLOTS 4096
#define DP_RING_RELAY_SLOTS 512
#define DP_RING_FWLOG_SLOTS 1024
#define DP_RING_MBOX_SLOTS 64       /* commands are rare: one per WAN transition */
#define DP_RING_ARP "dp_arp"       /* workers -> main lcore: ARP */
#define DP_RING_SLOW "dp_slow"     /* workers -> main lcore: packets for the kernel */
#define DP_RING_HOLD "dp_hold"     /* workers -> main lcore: waiting for a gateway MAC */
#define DP_RING_INJECT "dp_inject" /* main lcore -> worker 0: frames to send on m->port */
#define DP_RING_FWLOG "dp_fwlog"   /* workers -> main lcore: logged firewall hits */
#define DP_RING_HANDOFF "dp_handoff%u" /* any worker -> worker N: packets of N's sessions */
#define DP_RING_RELAY "dp_relay%u"  /* worker N-1 -> worker N: LAN ICMP errors looking for
				     * the worker that holds their session */
#define DP_RING_MBOX "dp_mbox%u"    /* main lcore -> worker N: commands (struct dp_mbox_cmd) */
#define DP_RING_MBOX_EV "dp_mbev%u" /* worker N -> main lcore: their results (dp_mbox_ev) */

/* Commands of a worker's mailbox (DESIGN.md s2). */
#define DP_MBOX_OPS(X) \
	X(FLUSH_WAN, "flush_wan")   /* apply a failed WAN's on_failure rules to its sessions */ \
	X(RECOVERED, "recovered")   /* WANs usable again: terminate_on_recovery (mask in wan) */ \
	X(DUMP, "dump")             /* copy (and delete) matching sessions for SESSIONS */

enum dp_mbox_op {
#define DP_X_ENUM(e, s) DP_MBOX_##e,
	DP_MBOX_OPS(DP_X_ENUM)
#undef DP_X_ENUM
	DP_MBOX_MAX
};

/* Why a WAN stopped being usable: the first condition that fails (logs, the command). */
#define DP_WAN_DOWN_CAUSES(X) \
	X(NONE, "none") \
	X(ADMIN, "admin")           /* unconfigured, disabled or forced down by the document */ \
	X(LINK, "link") \
	X(HEALTH, "health")         /* the health checker's verdict (WAN_HEALTH) */ \
	X(GATEWAY, "gateway")       /* the gateway's MAC is not known (any more) */ \
	X(ADDRESS, "address")       /* the WAN's address changed: sessions on the old one */

enum dp_wan_down_cause {
#define DP_X_ENUM(e, s) DP_DOWN_##e,
	DP_WAN_DOWN_CAUSES(DP_X_ENUM)
#undef DP_X_ENUM
	DP_DOWN_MAX
};

const char *dp_wan_down_cause_str(unsigned int c);

struct dp_mbox_cmd {
	uint8_t op;               /* enum dp_mbox_op */
	uint8_t wan;
	uint8_t tcp;              /* enum dpw_fail_tcp */
	uint8_t udp;              /* enum dpw_fail_udp: MOVE happens on the next packet */
	uint32_t why;             /* enum dp_wan_down_cause */
	uint64_t gen;             /* the WAN view in which the WAN went down */
	/* DUMP: from slot `slot` on, at most `max` records into rec (the request's memzone,
	 * mapped in this process), deleting them when remove is set */
	struct dpw_sess_filter filter;
	struct dpw_sess_rec *rec;
	uint32_t slot;
	uint32_t max;
	uint32_t tag;             /* the main lcore's request number, echoed */
	uint8_t remove;
};

struct dp_mbox_ev {
	uint8_t op;               /* the command this answers */
	uint8_t wan;
	uint8_t reserved[2];
	uint32_t count;           /* FLUSH_WAN: TCP sessions sent a RST; RECOVERED: ended;
				   * DUMP: records written */
	uint32_t removed;         /* DUMP: sessions deleted */
	uint32_t slot;            /* DUMP: where to go on, DPW_SESS_CURSOR_END: the table's end */
	uint32_t scanned;         /* DUMP: slots looked at */
	uint32_t tag;             /* DUMP: the command's */
	uint64_t policy_gen;      /* DUMP: the generation the policy kinds were judged by */
};

struct dp_port {
	char name[DPW_NAME_LEN];
	uint8_t role;             /* enum dpw_port_role */
	int wan;                  /* WAN id, -1 for the LAN port */
	uint16_t port_id;         /* DPDK port of the wire */
	uint16_t tap_id;          /* DPDK port of the kernel TAP (exception path) */
	uint8_t tap_open;         /* tap_id is valid */
	char kif[DPW_NAME_LEN];   /* kernel interface under an af_packet/af_xdp port, or "" */
	struct rte_ether_addr mac;
	/* LAN only, fixed at start. A WAN's address and IP MTU come from the document and
	 * change on apply: workers read them from the view (dp_wan_entry), never here. */
	uint32_t addr;            /* network order; 0 on a WAN port */
	uint32_t mask;            /* network order; 0 on a WAN port */
	uint16_t mtu;             /* the port's frame MTU (system conf) */
};

/* What workers need to know of one WAN; part of the RCU-published view. */
struct dp_wan_entry {
	uint8_t usable;           /* takes new sessions (priority groups applied) */
	uint8_t up;               /* carries its sessions: usable on its own, maybe standby */
	uint8_t standby;          /* up, but held back by a better priority group */
	uint8_t health;           /* enum dpw_wan_health */
	uint8_t fail_tcp;         /* enum dpw_fail_tcp */
	uint8_t fail_udp;         /* enum dpw_fail_udp */
	uint8_t priority;         /* 1.. (0 in the document is taken as 1) */
	uint8_t independent;
	uint8_t configured;       /* the running document has this WAN (else addr is 0) */
	uint8_t port;             /* index into dp_ctx.port */
	uint8_t dhcp;             /* addressed by DHCP: the input policy lets its replies in */
	uint16_t port_id;
	uint16_t mtu;             /* IP MTU (the document's) */
	uint16_t mss;             /* TCP MSS clamp (the document's; "auto": mtu - 40) */
	uint32_t addr;            /* network order */
	uint32_t mask;            /* network order */
	struct rte_ether_addr src_mac;
	struct rte_ether_addr gw_mac;
	uint32_t rtt_us;          /* health checker's quality figures (lowest latency) */
	uint32_t jitter_us;
	uint32_t loss_permille;
};

/*
 * The WAN view: states, weights, gateway MACs. Immutable once published; the main lcore
 * builds a new one on every admin, link or neighbour change and frees the old one after
 * an RCU grace period. A link flap rebuilds only this, never a classifier.
 */
struct dp_wan_view {
	uint64_t gen;
	uint32_t n_wans;
	uint32_t n_usable;
	uint32_t n_resolving;     /* up, but the gateway MAC is not known yet */
	uint8_t usable[DPW_MAX_WANS];  /* new sessions may pick it */
	uint8_t up[DPW_MAX_WANS];      /* its sessions' packets go on (usable or standby) */
	uint32_t weight[DPW_MAX_WANS];
	struct dp_wan_entry wan[DPW_MAX_WANS];
	struct dp_lb_wan lb[DPW_MAX_WANS];   /* what the algorithms read (lb.h) */
	uint8_t usable_mask;                 /* usable[] as bits */
};

/*
 * A worker's sweep of its session table for failed WANs (mailbox FLUSH_WAN): one
 * cursor for all of them, each WAN done once it has seen every slot.
 */
struct dp_flush {
	uint8_t mask;                     /* WANs being swept */
	uint8_t readdr;                   /* of those, swept for an address change only */
	uint32_t cursor;
	uint32_t left[DPW_MAX_WANS];      /* slots still to check for that WAN */
	uint32_t reset[DPW_MAX_WANS];     /* RSTs sent in this sweep */
	uint64_t gen[DPW_MAX_WANS];       /* the view the WAN failed in */
};

/* A worker's part of a SESSIONS walk (mailbox DUMP): one at a time. */
struct dp_dump {
	int active;               /* a command is being worked on */
	int answered;             /* ... and done: ev waits for room in the event ring */
	struct dp_mbox_cmd cmd;
	uint32_t cursor;          /* the next slot */
	struct dp_mbox_ev ev;     /* the answer so far */
};

/* A worker's sweep for terminate_on_recovery (mailbox RECOVERED). */
struct dp_recover {
	uint8_t mask;                     /* WANs that came back (0: no sweep) */
	uint32_t cursor;
	uint32_t left;                    /* slots still to check */
	uint32_t ended;                   /* sessions ended in this sweep */
};

#define DP_STICKY_ENTRIES 65536       /* hosts x sticky rules remembered (sticky.h) */

struct dp_txq {
	uint16_t n;
	struct rte_mbuf *m[DP_TXQ_LEN];
};

/* A logged firewall hit, worker -> main lcore (dp.fwlog); addresses network order. */
struct dp_fw_log {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint16_t rule;            /* slot in its direction's list, or DP_FW_RULE_DEFAULT */
	uint8_t proto, wan, dir, action;
};

/* A token bucket: rate tokens a second, up to burst (fw.c, DoS and log rates). */
struct dp_tbucket {
	double tokens;
	uint64_t tsc;
};

/* Take a token from b at TSC now (hz ticks a second); 1 if there was one. */
static inline int
dp_tbucket_take(struct dp_tbucket *b, double rate, double burst, uint64_t now, uint64_t hz)
{
	if (b->tsc == 0) {
		b->tokens = burst;
	} else if (now > b->tsc) {
		b->tokens += rate * (double)(now - b->tsc) / (double)hz;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->tsc = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

struct dp_dos;

/* Per-worker state: written only by its worker lcore. */
struct dp_worker {
	unsigned int idx;
	unsigned int lcore;
	uint32_t now;             /* seconds since start, refreshed every iteration */
	uint64_t iter;
	struct dp_ct ct;
	struct dp_nat_slice nat;
	struct dp_wrr wrr;
	struct rte_ring *handoff; /* packets other workers found for my sessions */
	struct rte_ring *relay;   /* LAN ICMP errors the previous worker had no session for */
	struct rte_ring *mbox;    /* commands from the main lcore (SPSC) */
	struct rte_ring *mbox_ev; /* what they did, back to the main lcore (SPSC) */
	struct dp_flush flush;
	struct dp_recover rec;
	struct dp_dump dump;
	int relaying;             /* the LAN stage is running on relayed packets */
	int handed;               /* the LAN stage is running on packets handed to us */
	struct dp_frag_table *frag;  /* datagrams in shallow reassembly */
	uint32_t frag_held;       /* fragments held in it, at most DP_FRAG_HELD_PER_WORKER */
	struct dpw_lcore_stats *st;
	struct dpw_policy_stats *ps;   /* rule and policy counters (NULL: not counted) */
	struct dpw_inb_stats *is;      /* service and firewall counters (NULL: not counted) */
	struct dp_tbucket fwlog;       /* logged firewall hits: log_rate over the workers */
	struct dp_dos *dos;            /* DoS rate limiters and session counts (fw.c) */
	struct rte_meter_srtcm punt_meter[DPW_PUNT_MAX];  /* exception path, per class */
	struct dp_txq txq[DPW_MAX_PORTS];
} __rte_cache_aligned;

/*
 * A WAN's settings from the running document, as the dataplane uses them (addresses in
 * network order). Main lcore only; built whole by cfg_apply.c before it is committed.
 */
struct dp_wan_cfg {
	uint8_t configured;       /* in the document; nothing below is valid otherwise */
	uint8_t enabled;
	uint8_t forced_down;
	uint8_t prefixlen;
	uint8_t dhcp;             /* addressing mode dhcp: addr/mask/gateway are the lease's
				   * (all 0 while there is none) */
	uint32_t addr;
	uint32_t mask;
	uint32_t gateway;
	uint16_t mtu;
	uint16_t mss;
	uint32_t weight;
	uint8_t priority;         /* 1.. (the document's 0, not yet decoded, is 1) */
	uint8_t independent;
	uint8_t fail_tcp;         /* enum dpw_fail_tcp */
	uint8_t fail_udp;         /* enum dpw_fail_udp */
	uint32_t upload_kbps;     /* the document's bandwidths (overflow, least used) */
	uint32_t download_kbps;
};

/* Main-lcore-only WAN bookkeeping. */
struct dp_wan_state {
	struct dp_wan_cfg cfg;
	uint8_t admin;            /* the document's enabled, set on apply */
	uint8_t gw_resolved;
	uint8_t link_up;
	/* the health checker's last verdict (WAN_HEALTH): kept across document applies */
	uint8_t health;           /* enum dpw_wan_health; UNKNOWN until the first verdict */
	uint8_t health_usable;    /* 1 while UNKNOWN: judged by link and ARP alone */
	uint32_t rtt_us;
	uint32_t jitter_us;
	uint32_t loss_permille;
	struct rte_ether_addr gw_mac;
	uint64_t next_arp_tsc;
	uint64_t last_arp_reply_tsc;
};

struct dp_ctx {
	struct dpw_sysconf conf;
	struct dpw_shm *shm;
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct dp_port port[DPW_MAX_PORTS];
	unsigned int lan;                      /* index of the LAN port */
	unsigned int n_wans;
	unsigned int wan_port[DPW_MAX_WANS];   /* WAN id -> port index */
	unsigned int n_workers;
	struct dp_worker *workers[DPW_MAX_WORKERS];
	struct rte_ring *c2d, *d2c, *arp, *slow, *hold, *inject;
	struct rte_ring *fwlog;   /* struct dp_fw_log records (MP/SC) */
	struct rte_rcu_qsbr *qsbr;
	struct dp_wan_view *view;              /* published; read with dp_view_get() */
	struct dp_pgen *pgen;                  /* published; read with dp_pgen_get() */
	struct dp_lb_load lb_load;             /* main lcore writes, workers read (lb.h) */
	struct dp_sticky sticky;               /* shared by the workers (sticky.h) */
	struct dpw_dnsset_hdr *dnsset;         /* domain sets, memzone DPW_DNSSET_ZONE:
						* every lcore writes (dnsset.h) */
	uint64_t tsc_hz;
	uint64_t start_tsc;
	struct dp_wan_state wst[DPW_MAX_WANS];
	struct dpw_doc_context doc_ctx;        /* what the system conf allows a document */
	uint8_t config_hash[DPW_DOC_HASH_LEN]; /* of the running document; zero: none */
	int config_running;                    /* a document has been applied */
	struct dp_hostflow *hostflow;          /* main lcore writes, workers read */
	struct rte_meter_srtcm_profile punt_prof[DPW_PUNT_MAX];
	volatile int quit;
	volatile int dump;                     /* SIGUSR1: print the counters (main lcore) */
};

extern struct dp_ctx dp;

static inline const struct dp_wan_view *
dp_view_get(void)
{
	return __atomic_load_n(&dp.view, __ATOMIC_ACQUIRE);
}

static inline const struct dp_pgen *
dp_pgen_get(void)
{
	return __atomic_load_n(&dp.pgen, __ATOMIC_ACQUIRE);
}

/* Worker lcore entry point (rte_eal_remote_launch). */
int dp_worker_main(void *arg);

/* Main lcore loop: control messages, exception path, ARP, stats; returns on quit. */
void dp_mgmt_loop(void);

/* Build and publish a new WAN view from the main lcore's state. 0 or -ENOMEM. Main lcore. */
int dp_gen_publish(void);

/* A view to fill later (calloc), so that a commit cannot fail for memory. Main lcore. */
struct dp_wan_view *dp_gen_alloc(void);

/* Fill v (from dp_gen_alloc, taken over) from the main lcore's state and publish it. */
void dp_gen_publish_view(struct dp_wan_view *v);

/* Free retired objects whose grace period has ended (wait: until all have). Main lcore. */
void dp_gen_reclaim(int wait);

/*
 * Retire a published object that workers may still read: free_fn(obj) runs after an
 * RCU grace period (one list for WAN views and policy generations). Main lcore.
 */
void dp_gen_retire(void *obj, void (*free_fn)(void *obj));

/* Publish policy generation g (taken over) and retire the running one. Main lcore. */
void dp_gen_publish_pgen(struct dp_pgen *g);

/*
 * After a new view: WANs that became usable again end the sessions of rules with
 * terminate_on_recovery that sit on a less preferred WAN (mailbox RECOVERED). Main lcore.
 */
void dp_recovery_check(const struct dp_wan_view *old, const struct dp_wan_view *v);

/* An event to the control process (DPW_MSG_EVENT); a full ring loses it. Main lcore. */
void dp_send_event(uint32_t type, uint32_t a, uint32_t b);

/* A WAN's health state as nobody has judged it yet (start, WAN left the document). */
void dp_wan_health_reset(struct dp_wan_state *ws);

/*
 * One pass of what dp_mgmt_loop serves each iteration (exported for component tests):
 * at most a burst of control messages, and the workers' mailbox results. Each returns
 * how much it did. Main lcore.
 */
unsigned int dp_mgmt_serve_messages(void);
unsigned int dp_mbox_poll_events(void);

/*
 * EXPLAIN and SESSIONS (mgmt_sess.c). dp_mgmt_explain: the decision for the flow of e,
 * 0 and r filled, or -EAGAIN (no policy generation yet) / -EINVAL. dp_mgmt_sessions_start:
 * take request m (0: its reply comes later, from dp_mgmt_sessions_event, when the
 * workers have walked their tables; -errno: answer it now). dp_mgmt_sessions_event: a
 * worker's answer to DUMP (from dp_mbox_poll_events). Main lcore; never waits.
 */
int dp_mgmt_explain(const struct dpw_msg_explain *e, struct dpw_msg_explain_reply *r);
int dp_mgmt_sessions_start(const struct dpw_msg *m);
void dp_mgmt_sessions_event(unsigned int worker, const struct dp_mbox_ev *ev);

/* Send a reply to request (op, seq) with status and a payload (may be NULL). Main lcore. */
void dp_mgmt_reply(uint16_t op, uint32_t seq, int status, const void *payload,
		   unsigned int len);

/*
 * Post a DUMP command to worker w's mailbox. 0, or -EAGAIN when it is full. Main lcore.
 */
int dp_mbox_post_dump(unsigned int w, const struct dp_mbox_cmd *c);

/*
 * Ask every worker to apply WAN wan's on_failure rules to its sessions (FLUSH_WAN),
 * the WAN having gone down in view generation gen for cause why. Never waits: a full
 * mailbox loses the command (logged). Main lcore.
 */
void dp_mbox_post_flush(unsigned int wan, uint8_t tcp, uint8_t udp, unsigned int why,
			uint64_t gen);

/*
 * Set up the exception path's policers: the profiles (dp.punt_prof) once, then each
 * worker's meters. 0 or -errno. Main lcore, before the workers start.
 */
int dp_punt_init(void);
int dp_punt_worker_init(struct dp_worker *w);

/* Exception path and neighbours, main lcore only (mgmt.c / nbr.c). */
void dp_nbr_input(struct rte_mbuf *m);
/* An ARP frame from our address on port pidx (main lcore; lnbr.c asks LAN hosts). */
void dp_nbr_send_arp(unsigned int pidx, uint16_t op, const uint8_t *eth_dst,
		     const uint8_t *tha, uint32_t tpa);
void dp_nbr_tick(uint64_t now_tsc);
void dp_hold_tick(uint64_t now_tsc);
void dp_hold_input(struct rte_mbuf *m, uint64_t now_tsc);
void dp_inject(struct rte_mbuf *m, uint16_t port_id);
void dp_nbr_to_tap(struct rte_mbuf *m, unsigned int pidx);

#endif
