/* SPDX-License-Identifier: BSD-3-Clause
 * Names of message ops, events and the enums messages carry; pure, any thread of either
 * process.
 */
#include "lib/msg/dpw_msg.h"

static const char *const op_names[DPW_MSG_OP_MAX] = {
#define DPW_X_NAME(e, s) [DPW_MSG_##e] = s,
	DPW_MSG_OPS(DPW_X_NAME)
#undef DPW_X_NAME
};

static const char *const ev_names[DPW_EV_MAX] = {
#define DPW_X_NAME(e, s) [DPW_EV_##e] = s,
	DPW_EVENTS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_msg_op_str(unsigned int op)
{
	return op < DPW_MSG_OP_MAX ? op_names[op] : "unknown";
}

const char *
dpw_event_str(unsigned int ev)
{
	return ev < DPW_EV_MAX ? ev_names[ev] : "unknown";
}

static const char *const wh_names[DPW_WH_MAX] = {
#define DPW_X_NAME(e, s) [DPW_WH_##e] = s,
	DPW_WAN_HEALTH_STATES(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_wan_health_str(unsigned int s)
{
	return s < DPW_WH_MAX ? wh_names[s] : "unknown";
}

static const char *const tcp_names[DPW_TCP_STATE_MAX] = {
#define DPW_X_NAME(e, s) [DPW_TCP_##e] = s,
	DPW_TCP_STATES(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_tcp_state_str(unsigned int s)
{
	return s < DPW_TCP_STATE_MAX ? tcp_names[s] : "unknown";
}

static const char *const how_names[DPW_HOW_MAX] = {
#define DPW_X_NAME(e, s) [DPW_HOW_##e] = s,
	DPW_SESS_HOWS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_sess_how_str(unsigned int h)
{
	return h < DPW_HOW_MAX ? how_names[h] : "unknown";
}

static const char *const pk_names[DPW_PK_MAX] = {
#define DPW_X_NAME(e, s) [DPW_PK_##e] = s,
	DPW_POLICY_KINDS(DPW_X_NAME)
#undef DPW_X_NAME
};

const char *
dpw_policy_kind_str(unsigned int k)
{
	return k < DPW_PK_MAX ? pk_names[k] : "unknown";
}
