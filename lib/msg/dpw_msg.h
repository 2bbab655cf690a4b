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

/*
 * Version of this message ABI: HELLO carries it and the dataplane refuses another one
 * (-EPROTO). Bump it on any change of a payload; op numbers never move: a new op is
 * appended before REPLY's successors' end, never inserted.
 */
#define DPW_MSG_ABI 4

#define DPW_MSG_OPS(X) \
	X(NOP, "nop")               /* liveness check, replies with the WAN view gen */ \
	X(HELLO, "hello")           /* a (re)attached control process announces itself */ \
	X(WAN_ADMIN, "wan_admin")   /* retired (0.1): answered -ENOTSUP; the number stays */ \
	X(REPLY, "reply")           /* dataplane -> control answer to a request */ \
	X(EVENT, "event")           /* dataplane -> control unsolicited event */ \
	X(CONFIG_APPLY, "config_apply") /* apply the document generation in a memzone */ \
	X(WAN_HEALTH, "wan_health") /* the health checker's verdict on one WAN */ \
	X(WAN_LEASE, "wan_lease")   /* a DHCP WAN's lease: address, gateway (or none) */

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
						      * (one event per worker's sweep) */

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
 * dp_sess_how uses this list: the values are the same).
 */
#define DPW_SESS_HOWS(X) \
	X(NONE, "none")             /* not by the policy engine (older, synced, inbound) */ \
	X(PICK, "pick")             /* the rule's algorithm */ \
	X(STICKY, "sticky")         /* the host's last WAN under a sticky rule */ \
	X(FALLBACK_ANY, "fallback_any") /* none of the rule's WANs: "use any available" */ \
	X(CONNECTED, "connected")   /* to a WAN's own subnet */ \
	X(FASTEST, "fastest")       /* fastest response: the WAN whose answer came first */

/* Name of a placement (enum dp_sess_how), "unknown" outside the list. Any thread. */
const char *dpw_sess_how_str(unsigned int h);

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
		uint8_t raw[112];
	} u;
};

_Static_assert(sizeof(struct dpw_msg) == 128, "message ABI size");
_Static_assert(sizeof(struct dpw_msg_reply) <= 112, "reply payload");
_Static_assert(sizeof(struct dpw_msg_config_apply) <= 112, "apply payload");

#endif
