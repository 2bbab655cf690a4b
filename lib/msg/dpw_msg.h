/* SPDX-License-Identifier: BSD-3-Clause
 * Control <-> dataplane message ABI. Messages are fixed-size plain structs copied into
 * rte_ring element rings (no pointers cross the process boundary). The control process
 * is the single producer of DPW_RING_C2D and the single consumer of DPW_RING_D2C; the
 * dataplane's main lcore is the other end of both. Every request gets one reply with the
 * same seq; the dataplane never waits on the control process.
 */
#ifndef DPW_MSG_H
#define DPW_MSG_H

#include <stdint.h>

/* Names of the objects both processes share: defined here, once. */
#define DPW_SHM_ZONE "dpw_shm"
#define DPW_RING_C2D "dpw_c2d"
#define DPW_RING_D2C "dpw_d2c"
#define DPW_RING_SLOTS 256
/* The control process's store in the state directory: its presence tells the dataplane
 * to wait for the stored generation instead of applying the factory document. */
#define DPW_STORE_FILE "dpwan.db"
/* A document generation travels in its own memzone: "dpw_doc_<gen>" (control reserves
 * it, the dataplane reads it, control frees it after the reply). */
#define DPW_DOC_ZONE_FMT "dpw_doc_%llu"
#define DPW_DOC_ZONE_MAGIC 0x44505744u /* "DPWD" */
/* A SESSIONS request's records travel in a memzone "dpw_sess_<n>" (control reserves it,
 * the dataplane's workers fill it, control frees it after the reply). */
#define DPW_SESS_ZONE_FMT "dpw_sess_%u"
#define DPW_SESS_ZONE_MAGIC 0x44505753u /* "DPWS" */

/*
 * Version of this message ABI: HELLO carries it and the dataplane refuses another one
 * (-EPROTO). Bump it on any change of a payload; op numbers never move: a new op is
 * appended before REPLY's successors' end, never inserted.
 */
#define DPW_MSG_ABI 6

#define DPW_MSG_OPS(X) \
	X(NOP, "nop")               /* liveness check, replies with the WAN view gen */ \
	X(HELLO, "hello")           /* a (re)attached control process announces itself */ \
	X(WAN_ADMIN, "wan_admin")   /* retired (0.1): answered -ENOTSUP; the number stays */ \
	X(REPLY, "reply")           /* dataplane -> control answer to a request */ \
	X(EVENT, "event")           /* dataplane -> control unsolicited event */ \
	X(CONFIG_APPLY, "config_apply") /* apply the document generation in a memzone */ \
	X(WAN_HEALTH, "wan_health") /* the health checker's verdict on one WAN */ \
	X(WAN_LEASE, "wan_lease")   /* a DHCP WAN's lease: address, gateway (or none) */ \
	X(EXPLAIN, "explain")       /* how a new flow would be placed now (nothing is made) */ \
	X(SESSIONS, "sessions")     /* list (and delete) sessions into a memzone */

enum dpw_msg_op {
#define DPW_X_ENUM(e, s) DPW_MSG_##e,
	DPW_MSG_OPS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_MSG_OP_MAX
};

/* Name of a message op, "unknown" outside the enum. Any thread. */
const char *dpw_msg_op_str(unsigned int op);

#define DPW_EVENTS(X) \
	X(WAN_USABLE, "wan_usable")     /* a: wan id, b: 1 usable / 0 not */ \
	X(GW_RESOLVED, "gateway_resolved") /* a: wan id */ \
	X(WAN_SESSIONS_RESET, "wan_sessions_reset") /* a: wan id, b: TCP sessions sent a RST
						      * (one event per worker's sweep) */ \
	X(FW_HIT, "firewall_hit")       /* a: wan id, b: dir << 24 | action << 16 | rule
					 * slot; flow: the first packet judged */ \
	X(NAT_EXHAUSTED, "nat_ports_exhausted") /* a: wan id, b: first packets dropped for
						 * want of a port since the last event */

enum dpw_event {
#define DPW_X_ENUM(e, s) DPW_EV_##e,
	DPW_EVENTS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_EV_MAX
};

/* Name of an event type. Any thread. */
const char *dpw_event_str(unsigned int ev);

struct dpw_msg_wan_admin {
	uint32_t wan;       /* index into dpw_shm.wans */
	uint32_t up;        /* 1 enable, 0 disable */
};

/*
 * Health states as the dataplane carries them in its WAN view (the lowest-latency
 * algorithm reads state, RTT and loss). UNKNOWN: no verdict yet (no checks, or control
 * not attached): the WAN is judged by link and ARP alone, as before health checks.
 */
#define DPW_WAN_HEALTH_STATES(X) \
	X(UNKNOWN, "unknown") \
	X(ONLINE, "online") \
	X(DEGRADED, "degraded") \
	X(OFFLINE, "offline") \
	X(DISABLED, "disabled") \
	X(FORCED_DOWN, "forced_down")

enum dpw_wan_health {
#define DPW_X_ENUM(e, s) DPW_WH_##e,
	DPW_WAN_HEALTH_STATES(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_WH_MAX
};

/* Name of a health state, "unknown" outside the enum. Any thread. */
const char *dpw_wan_health_str(unsigned int s);

/*
 * WAN_HEALTH: sent on every change of state or usable verdict and at most once a second
 * otherwise (RTT, loss). The dataplane publishes a new view when usable or state
 * changed; when usable goes from 1 to 0 it applies the WAN's on_failure rules to its
 * sessions (RST for TCP, re-bind for UDP) through the workers' mailboxes. Replies
 * with status 0, -EINVAL (no such WAN).
 */
struct dpw_msg_wan_health {
	uint32_t wan;          /* index into dpw_shm.wans */
	uint8_t state;         /* enum dpw_wan_health */
	uint8_t usable;        /* the checker lets this WAN carry new connections */
	uint8_t reserved[2];
	uint32_t rtt_us;       /* WAN quality (cp_hquality): RTT mean, 0 unknown */
	uint32_t jitter_us;
	uint32_t loss_permille; /* over the window, 0..1000 */
};

/*
 * WAN_LEASE: the address a DHCP WAN holds now. addr 0: no lease (the WAN is unusable).
 * A changed address re-addresses the TAP and treats the WAN's sessions as on a failure
 * (their packets could no longer come back). Replies 0, -EINVAL (no such WAN, not a
 * DHCP WAN in the running document, bad prefix, gateway outside the subnet).
 */
struct dpw_msg_wan_lease {
	uint32_t wan;
	uint32_t addr;         /* host byte order */
	uint32_t gateway;      /* host byte order */
	uint8_t prefixlen;     /* 1..30 */
	uint8_t reserved[3];
};

/*
 * TCP states of a session as the dataplane tracks them (dataplane/ct.h uses this list
 * for its enum dp_tcp_state: the values are the same).
 */
#define DPW_TCP_STATES(X) \
	X(NONE, "none") \
	X(SYN_SENT, "syn_sent") \
	X(SYN_RECV, "syn_recv") \
	X(ESTABLISHED, "established") \
	X(FIN_ORIG, "fin_wait_orig") \
	X(FIN_REPLY, "fin_wait_reply") \
	X(FIN_BOTH, "closing") \
	X(CLOSED, "closed")

enum dpw_tcp_state {
#define DPW_X_ENUM(e, s) DPW_TCP_##e,
	DPW_TCP_STATES(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_TCP_STATE_MAX
};

/* Name of a TCP state, "unknown" outside the enum. Any thread. */
const char *dpw_tcp_state_str(unsigned int s);

/*
 * How the policy engine placed a session, or would place a flow (dataplane/ct.h's enum
 * dp_sess_how is made of this list: the values are the same).
 */
#define DPW_SESS_HOWS(X) \
	X(NONE, "none")             /* not by the policy engine (older, synced, inbound) */ \
	X(PICK, "pick")             /* the rule's algorithm */ \
	X(STICKY, "sticky")         /* the host's last WAN under a sticky rule */ \
	X(FALLBACK_ANY, "fallback_any") /* none of the rule's WANs: "use any available" */ \
	X(CONNECTED, "connected")   /* to a WAN's own subnet */ \
	X(FASTEST, "fastest")       /* fastest response: the WAN whose answer came first */

enum dpw_sess_how {
#define DPW_X_ENUM(e, s) DPW_HOW_##e,
	DPW_SESS_HOWS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_HOW_MAX
};

/* Name of a placement (enum dpw_sess_how), "unknown" outside the list. Any thread. */
const char *dpw_sess_how_str(unsigned int h);

/*
 * Rule ids as sessions, explain and the counters carry them: a rule's position in the
 * document, or one of these (dataplane/policy.h's DP_RULE_* are the same numbers).
 */
#define DPW_RULE_ID_CONNECTED 0xfffdu /* to a WAN's own subnet: never policy-routed */
#define DPW_RULE_ID_DEFAULT 0xfffeu   /* no rule matched: the default rule */
#define DPW_RULE_ID_NONE 0xffffu      /* not placed by a rule */

/*
 * What a policy index of a policy generation stands for, so that the control process
 * can name it from the document: the generation lists the named policies first (their
 * index is their position in the document's policies), then each rule's own pick, then
 * the default rule's, then "use any available".
 */
#define DPW_POLICY_KINDS(X) \
	X(NONE, "none")             /* no policy chose (connected, not placed by a rule) */ \
	X(NAMED, "named")           /* the document's policies[index] */ \
	X(RULE, "rule")             /* the rule's own algorithm and WAN list */ \
	X(DEFAULT, "default")       /* the default rule's own pick */ \
	X(ANY, "any")               /* the fallback "use any available" */ \
	X(UNKNOWN, "unknown")       /* not in the running generation (an older one's) */

enum dpw_policy_kind {
#define DPW_X_ENUM(e, s) DPW_PK_##e,
	DPW_POLICY_KINDS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_PK_MAX
};

/* Name of a policy kind, "unknown" outside the enum. Any thread. */
const char *dpw_policy_kind_str(unsigned int k);

/*
 * EXPLAIN: the decision the policy engine would take now for a new flow with these
 * fields (dp_policy_decide on the main lcore with the published policy generation, the
 * WAN view, the measured load and the sticky table; weighted choices by flow hash, as
 * no worker's round-robin state is touched). Nothing is created or recorded. Replies 0
 * with struct dpw_msg_explain_reply, -EAGAIN (no policy generation yet).
 */
struct dpw_msg_explain {
	uint32_t src;          /* host byte order */
	uint32_t dst;
	uint16_t sport;        /* TCP / UDP only; 0 otherwise */
	uint16_t dport;
	uint8_t proto;         /* IP protocol */
	uint8_t has_mac;       /* mac is the LAN host's (rules with src_mac) */
	uint8_t mac[6];
};

struct dpw_msg_explain_reply {
	uint64_t policy_gen;   /* document generation of the policy generation that decided
				* (0: the factory document, built before control numbered it) */
	uint64_t config_gen;   /* the document generation in force (dpw_shm.config_gen) */
	uint64_t wan_view_gen; /* the WAN view it decided in */
	int32_t wan;           /* WAN id (index into dpw_shm.wans), or -1: none (fallback) */
	uint16_t rule;         /* the rule's position in the document, or DPW_RULE_ID_* */
	uint16_t policy;       /* index in the generation (policy_kind says which) */
	uint16_t rules_skipped; /* fall-through and domain misses passed on the way */
	uint8_t policy_kind;   /* enum dpw_policy_kind */
	uint8_t how;           /* enum dpw_sess_how */
	uint8_t algorithm;     /* enum dpw_lb_algo (lib/cfg/dpw_doc.h) of the policy */
	uint8_t fallback;      /* enum dpw_fallback taken, or DPW_FB_MAX: none was needed */
	uint8_t cand_mask;     /* the candidates (bit per WAN id) */
	uint8_t usable_mask;   /* the WANs usable in that view */
	uint8_t also_mask;     /* fastest response: the WANs the first packet is copied to */
	uint8_t reserved0;
	uint16_t domain_miss;  /* issue 9: 1 + the position of the first rule that matched
				* but whose domain sets did not hold dst; 0: none (the
				* reserved bytes of before) */
	uint8_t reserved[4];
};

/*
 * SESSIONS: a walk of the workers' session tables from a cursor (worker, slot), each
 * worker scanning its own table in bounded chunks (its mailbox), copying the sessions
 * that match the filter into the zone, and deleting them when `remove` is set, until
 * `limit` records or the last worker's end. A walk, not a snapshot: a session made
 * behind the cursor meanwhile is not seen. One request at a time (-EBUSY). Replies 0
 * with struct dpw_msg_sessions_reply, -EINVAL (limit, cursor), -ENOENT / -EBADMSG (the
 * zone), -EBUSY, -EAGAIN (a worker's mailbox is full).
 */
#define DPW_SESS_LIMIT_MAX 1000
#define DPW_SESS_ANY_WAN 0xffu
#define DPW_SESS_ANY_RULE 0xffffffffu
#define DPW_SESS_CURSOR_END 0xffffffffu   /* as the cursor's worker: the walk is over */

struct dpw_sess_filter {
	uint32_t client;       /* host order: the LAN host's address within client_len bits */
	uint32_t dst;          /* host order: the destination within dst_len bits */
	uint8_t client_len;    /* 0..32; 0 matches any */
	uint8_t dst_len;
	uint8_t wan;           /* WAN id, DPW_SESS_ANY_WAN */
	uint8_t proto;         /* IP protocol, 0: any */
	uint32_t rule;         /* a rule id (DPW_RULE_ID_* too), DPW_SESS_ANY_RULE */
};

struct dpw_msg_sessions {
	char zone[32];         /* memzone name (DPW_SESS_ZONE_FMT) */
	struct dpw_sess_filter filter;
	uint32_t worker;       /* cursor: start at this worker ... */
	uint32_t slot;         /* ... and this slot of its table; (0, 0) is the beginning */
	uint32_t limit;        /* 1..DPW_SESS_LIMIT_MAX records, and the zone holds them */
	uint8_t remove;        /* delete the sessions that match (their records are written) */
	uint8_t reserved[3];
};

struct dpw_msg_sessions_reply {
	uint64_t policy_gen;   /* the policy generation the records' policy_kind refer to */
	uint32_t count;        /* records written into the zone */
	uint32_t removed;      /* sessions deleted */
	uint32_t worker;       /* the next cursor; DPW_SESS_CURSOR_END: nothing is left */
	uint32_t slot;
	uint32_t scanned;      /* session slots looked at */
	uint32_t reserved;
};

/* One session as SESSIONS reports it: plain, addresses in host byte order. */
struct dpw_sess_rec {
	uint32_t src;          /* as the LAN host sent it */
	uint32_t dst;
	uint16_t sport;        /* ICMP query: the identifier */
	uint16_t dport;
	uint32_t nat_addr;     /* where the replies come to (the WAN's address) */
	uint16_t nat_port;
	uint8_t proto;
	uint8_t wan;           /* WAN id */
	uint16_t rule;         /* the rule's position in the document, or DPW_RULE_ID_* */
	uint16_t policy;       /* index in the policy generation (policy_kind) */
	uint8_t policy_kind;   /* enum dpw_policy_kind, judged against the running generation */
	uint8_t how;           /* enum dpw_sess_how */
	uint8_t algorithm;     /* enum dpw_lb_algo of the pick */
	uint8_t cand_mask;     /* the candidates it was chosen from (bit per WAN id) */
	uint8_t usable_mask;   /* the WANs usable when it was placed */
	uint8_t tcp_state;     /* enum dpw_tcp_state (TCP only) */
	uint8_t worker;        /* the worker whose table holds it */
	uint8_t reserved0;
	uint8_t client_mac[6];
	uint16_t reserved1;
	uint32_t age_s;        /* since it was created */
	uint32_t idle_s;       /* since its last packet */
	uint32_t timeout_s;    /* idle time after which it expires, in its state */
	uint32_t slot;         /* in its worker's table */
	uint64_t bytes_orig;   /* LAN -> WAN */
	uint64_t bytes_reply;  /* WAN -> LAN */
};

/* Header of a SESSIONS memzone; the records follow it. */
struct dpw_sess_zone {
	uint32_t magic;        /* DPW_SESS_ZONE_MAGIC */
	uint32_t capacity;     /* records the zone holds */
	struct dpw_sess_rec rec[];
};

struct dpw_msg_reply {
	uint64_t wan_view_gen; /* generation in force after the request was applied */
	uint64_t config_gen;   /* document generation in force after the request */
	uint32_t abi;          /* the dataplane's DPW_MSG_ABI */
	uint32_t n_problems;   /* CONFIG_APPLY rejected: how many problems */
	char text[80];         /* CONFIG_APPLY rejected: the first "path: message" */
};

struct dpw_msg_hello {
	int32_t pid;
	uint32_t abi;          /* the sender's DPW_MSG_ABI */
};

/* Header of a document memzone; the canonical JSON follows it. */
struct dpw_doc_zone {
	uint32_t magic;        /* DPW_DOC_ZONE_MAGIC */
	uint32_t len;          /* bytes of JSON after the header */
	uint64_t gen;
	uint8_t hash[32];      /* SHA-256 of the JSON */
	char json[];
};

struct dpw_msg_config_apply {
	uint64_t gen;          /* generation number the control process gave it */
	uint32_t len;          /* bytes of JSON in the zone */
	uint32_t reserved;
	uint8_t hash[32];      /* SHA-256 of the JSON, checked by the dataplane */
	char zone[32];         /* memzone name (DPW_DOC_ZONE_FMT) */
};

struct dpw_msg_event {
	uint32_t type;      /* enum dpw_event */
	uint32_t a;
	uint32_t b;
	uint64_t time_ms;
	struct {            /* FW_HIT: the flow, network byte order */
		uint32_t src, dst;
		uint16_t sport, dport;
		uint8_t proto;
	} flow;
};

struct dpw_msg {
	uint16_t op;        /* enum dpw_msg_op */
	uint16_t reserved;
	int32_t status;     /* replies: 0 or -errno */
	uint32_t seq;       /* requests: chosen by the sender; replies: the request's */
	uint32_t req_op;    /* replies: the op answered */
	union {
		struct dpw_msg_wan_admin wan_admin;
		struct dpw_msg_reply reply;
		struct dpw_msg_hello hello;
		struct dpw_msg_event event;
		struct dpw_msg_config_apply config_apply;
		struct dpw_msg_wan_health wan_health;
		struct dpw_msg_wan_lease wan_lease;
		struct dpw_msg_explain explain;
		struct dpw_msg_explain_reply explain_reply;
		struct dpw_msg_sessions sessions;
		struct dpw_msg_sessions_reply sessions_reply;
		uint8_t raw[112];
	} u;
};

_Static_assert(sizeof(struct dpw_msg) == 128, "message ABI size");
_Static_assert(sizeof(struct dpw_msg_reply) <= 112, "reply payload");
_Static_assert(sizeof(struct dpw_msg_config_apply) <= 112, "apply payload");
_Static_assert(sizeof(struct dpw_msg_explain_reply) <= 112, "explain reply payload");
_Static_assert(sizeof(struct dpw_msg_sessions) <= 112, "sessions payload");
_Static_assert(sizeof(struct dpw_sess_rec) == 72, "session record ABI");

#endif
