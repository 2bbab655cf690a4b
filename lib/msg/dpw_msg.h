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

#define DPW_MSG_OPS(X) \
	X(NOP, "nop")               /* liveness check, replies with the WAN view gen */ \
	X(HELLO, "hello")           /* a (re)attached control process announces itself */ \
	X(WAN_ADMIN, "wan_admin")   /* enable / disable a WAN */ \
	X(REPLY, "reply")           /* dataplane -> control answer to a request */ \
	X(EVENT, "event")           /* dataplane -> control unsolicited event */

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
};

struct dpw_msg_hello {
	int32_t pid;
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
		uint8_t raw[112];
	} u;
};

_Static_assert(sizeof(struct dpw_msg) == 128, "message ABI size");

#endif
