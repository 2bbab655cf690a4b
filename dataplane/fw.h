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
 * enum dpw_fw_action, slot[i] (slot may be NULL) the rule's position in the direction's
 * list, DP_FW_RULE_DEFAULT for the default, DP_FW_RULE_OPENED for a connection that
 * opened[i] says a service or 1:1 mapping opened (inbound only, else NULL) and no rule
 * matched: allowed, not inbound_default. fw NULL: everything allowed (DEFAULT).
 */
#define DP_FW_RULE_OPENED 0xfffeu
void dp_fw_judge(const struct dp_fw *fw, int dir, const struct dp_fw_key *const *keys,
		 unsigned int n, const uint8_t *opened, uint8_t *action, uint16_t *slot);

/* Nothing to judge in direction dir: no rule, and the default allows. fw NULL: 1. */
int dp_fw_idle(const struct dp_fw *fw, int dir);

/* Does rule `slot` of direction dir log its hits? Its log_rate (events per second). */
int dp_fw_logs(const struct dp_fw *fw, int dir, uint16_t slot);
uint32_t dp_fw_log_rate(const struct dp_fw *fw);

/* The DoS settings the generation was built with (NULL fw: NULL). */
const struct dpw_doc_dos *dp_fw_dos(const struct dp_fw *fw);

/*
 * On a worker. dp_fw_pass: judge first packet m (key k) of direction dir under g's
 * firewall, count the hit under its rule, log it if the rule says so (log_rate); 1: go
 * on, 0: m was dropped (deny) or answered with an ICMP admin-prohibited from icmp_src
 * out of port pidx (reject). opened: inbound, a service or 1:1 mapping opened it.
 */
struct dp_pgen;
struct rte_mbuf;
struct dpw_pkt_info;
int dp_fw_pass(struct dp_worker *w, const struct dp_pgen *g, int dir, const struct dp_fw_key *k,
	       int opened, struct rte_mbuf *m, const struct dpw_pkt_info *pi, unsigned int pidx,
	       uint32_t icmp_src);

/* Worker w's DoS state, and its session table's delete hook (main lcore, after
 * dp_ct_init, before the workers start). 0 or -ENOMEM. */
int dp_dos_alloc(struct dp_worker *w);

/*
 * DoS: may a new inbound connection from src (network order) start now, under the
 * per-source and global rates (each shared out among the workers)? 1 yes, 0 no (the
 * caller drops it: DPW_DROP_DOS_SYN_RATE). fw NULL: 1.
 */
int dp_dos_inbound_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t src);

/*
 * DoS: may LAN host `host` (network order, 0: not a LAN host's) have one more session,
 * on WAN wan (a WAN id, or DPW_MAX_WANS: none)? 1 yes, 0 no (DPW_DROP_DOS_SESSIONS).
 * A session created after a 1 is counted with dp_dos_sess_hold and marked
 * DP_SESS_COUNTED; dp_dos_sess_gone when it is deleted (ct's delete hook).
 */
int dp_dos_sess_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t host,
		      unsigned int wan);
void dp_dos_sess_hold(struct dp_worker *w, uint32_t host, unsigned int wan);
void dp_dos_sess_gone(struct dp_worker *w, uint32_t host, unsigned int wan);

/* Count new session s (dp_dos_sess_hold of its LAN host, none for an inbound one, and
 * its WAN) and flag it DP_SESS_COUNTED, when fw sets a session limit (else nothing: the
 * sessions of before a limit was set are not counted against it). */
struct dp_sess;
void dp_dos_count(struct dp_worker *w, const struct dp_fw *fw, struct dp_sess *s);

/* Does the direction's TCP packet carry a flag combination no stack sends (SYN+FIN,
 * SYN+RST, none at all, FIN without ACK ...)? Pure. */
int dp_tcp_flags_invalid(uint8_t flags);

#endif
