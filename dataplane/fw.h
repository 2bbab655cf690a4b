/* SPDX-License-Identifier: BSD-3-Clause
 * The stateful firewall and DoS protection of a policy generation (issue 10). Access
 * rules (outbound: LAN to WAN; inbound: WAN to LAN) compiled into one rte_acl context
 * per direction, first match wins; they judge a connection's first packet only, what
 * its session carries afterwards is not judged again. Built with the generation on the
 * builder thread (dp_pgen_build calls dp_fw_build), immutable once published. The
 * per-worker state (hit counters in shared memory, rate limiters, session counts) is
 * the worker's own.
 */
#ifndef DP_FW_H
#define DP_FW_H

#include <stdint.h>

#include "lib/cfg/dpw_doc.h"

#define DP_FW_OUT 0
#define DP_FW_IN 1

#define DP_FW_RULE_DEFAULT 0xffffu   /* no rule matched: the direction's default */

/*
 * What a rule sees of a first packet, network byte order. rte_acl layout (fw.c): proto
 * (1 byte, first), the WAN id, src, dst, sport:dport, the source MAC (outbound).
 * Outbound: the LAN host's packet as sent and the WAN the policy chose. Inbound: the
 * Internet host as src, the LAN side (after port forwarding / 1:1) as dst and dport,
 * the WAN it came in on.
 */
struct dp_fw_key {
	uint8_t proto;
	uint8_t wan;
	uint8_t pad0[2];
	uint32_t src;
	uint32_t dst;
	uint16_t sport;           /* 0 for ICMP */
	uint16_t dport;
	uint8_t mac[6];
	uint8_t pad1[2];
};

_Static_assert(sizeof(struct dp_fw_key) == 24, "firewall classifier input");

struct dp_fw;
struct dp_worker;

int dp_fw_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS], uint64_t gen,
		struct dp_fw **out, struct dpw_doc_problems *pr);
void dp_fw_free(struct dp_fw *fw);

/*
 * Judge n (<= 64) first packets of direction dir with one classification: action[i] is
 * enum dpw_fw_action. opened[i] (inbound only, else NULL): a service or 1:1 mapping
 * opened this connection, so no matching rule means allow, not inbound_default.
 * Counts each hit under its rule (or the default) in w's counters and logs the hits of
 * rules with log set, within log_rate. fw NULL: everything allowed.
 */
void dp_fw_judge(struct dp_worker *w, const struct dp_fw *fw, int dir,
		 const struct dp_fw_key *const *keys, unsigned int n, const uint8_t *opened,
		 uint8_t *action);

/*
 * DoS: may a new inbound connection from src (network order) start now, under the
 * per-source and global rates? 1 yes, 0 no (counted: DPW_DROP_DOS_RATE). fw NULL: 1.
 */
int dp_dos_inbound_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t src);

/*
 * DoS: may LAN host `host` (network order) have one more session, on WAN wan (a WAN id,
 * or DPW_MAX_WANS: none)? 1 yes (counted as held until dp_dos_sess_gone), 0 no
 * (DPW_DROP_DOS_SESSIONS). Every session created after a 1 must be passed to
 * dp_dos_sess_gone when it is deleted.
 */
int dp_dos_sess_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t host,
		      unsigned int wan);
void dp_dos_sess_gone(struct dp_worker *w, uint32_t host, unsigned int wan);

/* Does the direction's TCP packet carry a flag combination no stack sends (SYN+FIN,
 * SYN+RST, none at all, FIN without ACK ...)? Pure. */
int dp_tcp_flags_invalid(uint8_t flags);

#endif
