/* SPDX-License-Identifier: BSD-3-Clause
 * (EAL itself runs with --no-pci unless the config names PCI ports: see main.c.)
 * Applying a network-policy document (lib/cfg/dpw_doc.h) to the dataplane: the factory
 * document at start, and each generation the control process sends (DPW_MSG_CONFIG_APPLY,
 * served in mgmt.c). Main lcore (or the main thread before the workers start).
 */
#ifndef DP_CFG_APPLY_H
#define DP_CFG_APPLY_H

#include <stdint.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/msg/dpw_msg.h"

/*
 * Read system.policy and decode it with the context of conf: 0 (doc and hash, the
 * SHA-256 of its canonical JSON, filled), or -errno after printing every problem on
 * stderr as "dpwan-dataplane: FILE: /json/pointer: message" (warnings too, as such).
 * Pure (no EAL): main thread, before or after rte_eal_init.
 */
int dp_cfg_read_factory(const struct dpw_sysconf *conf, struct dpw_doc *doc,
			uint8_t hash[DPW_DOC_HASH_LEN]);

/*
 * Apply a decoded document as generation gen: build every WAN's new settings first and
 * check what only the dataplane can (addresses of the API listener); then re-address the
 * TAPs of the WANs whose address, prefix or MTU changed (the old address goes), forget
 * the gateway MAC of those whose addressing changed (ARP resolves it again), and publish
 * one new WAN view; shared memory gets the WANs, config_gen, config_hash, the apply time
 * and config_applies. Returns 0; -EINVAL with the problems in pr; -EIO or -ENOMEM with
 * one problem in pr. On failure nothing has changed (a TAP re-addressed before another
 * one failed is put back). Main lcore.
 */
int dp_cfg_apply(const struct dpw_doc *doc, uint64_t gen, const uint8_t hash[DPW_DOC_HASH_LEN],
		 struct dpw_doc_problems *pr);

/*
 * Check what dp_cfg_apply would refuse, without changing anything, and map the
 * document's WANs to the dataplane's WAN ids (wan_id[i] for doc->wans[i]: what a policy
 * generation is built with). 0 or -EINVAL with the problems in pr. Main lcore.
 */
int dp_cfg_check(const struct dpw_doc *doc, uint8_t wan_id[DPW_MAX_WANS],
		 struct dpw_doc_problems *pr);

/*
 * DPW_MSG_WAN_LEASE: the lease a DHCP WAN holds now (addr 0: none). A changed address,
 * prefix or gateway re-addresses the TAP and the WAN's routing table, forgets the
 * gateway's MAC (ARP asks at once) and publishes a new WAN view; the same lease again
 * (a renewal) changes nothing. The lease stays across applies while the WAN stays DHCP.
 * 0; -EINVAL: no such WAN, not DHCP in the running document, a bad address, prefix or
 * gateway (logged); -ENOMEM; the TAP's -errno (nothing changed). Main lcore.
 */
int dp_cfg_lease(const struct dpw_msg_wan_lease *l);

/* Is hash the running document's? Main lcore. */
int dp_cfg_is_running(const uint8_t hash[DPW_DOC_HASH_LEN]);

/* The running document is now called generation gen (an equal document re-sent). */
void dp_cfg_relabel(uint64_t gen);

#endif
