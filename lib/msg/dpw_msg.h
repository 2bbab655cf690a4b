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
#define DPW_MSG_ABI 3

#define DPW_MSG_OPS(X) \
	X(NOP, "nop")               /* liveness check, replies with the WAN view gen */ \
	X(HELLO, "hello")           /* a (re)attached control process announces itself */ \
	X(WAN_ADMIN, "wan_admin")   /* retired (0.1): answered -ENOTSUP; the number stays */ \
	X(REPLY, "reply")           /* dataplane -> control answer to a request */ \
	X(EVENT, "event")           /* dataplane -> control unsolicited event */ \
	X(CONFIG_APPLY, "config_apply") /* apply the document generation in a memzone */

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
	X(GW_RESOLVED, "gateway_resolved") /* a: wan id */

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
		uint8_t raw[112];
	} u;
};

_Static_assert(sizeof(struct dpw_msg) == 128, "message ABI size");
_Static_assert(sizeof(struct dpw_msg_reply) <= 112, "reply payload");
_Static_assert(sizeof(struct dpw_msg_config_apply) <= 112, "apply payload");

#endif
