/* SPDX-License-Identifier: BSD-3-Clause
 * The LAN neighbour table (issue 10): LAN hosts' MACs as ARP gives them, for what the
 * dataplane sends to a LAN host that did not just send the packet (port forwards, 1:1,
 * forwarding-mode WANs, hairpin). Written by the main lcore only (nbr.c learns from every
 * ARP frame on the LAN and asks for the addresses the generation names and the ones the
 * workers ask for); read by the workers without a lock: an entry's MAC and state are one
 * 64-bit word stored atomically, so a reader sees an old or a new MAC, never half of one.
 */
#ifndef DP_LNBR_H
#define DP_LNBR_H

#include <stdint.h>

#include <rte_ether.h>

#define DP_LNBR_SLOTS 4096        /* a power of two; a full table learns no more */

/* Main lcore, before the workers start. 0 or -ENOMEM. */
int dp_lnbr_init(void);

/*
 * Worker: the MAC of LAN address addr (network order): 0 with *mac set, or -1, after
 * asking the main lcore to resolve it (bounded: a request ring; a full ring is counted,
 * not waited on). The caller drops the packet (DPW_DROP_LAN_NBR_UNRESOLVED): the sender
 * retries, by then ARP has answered.
 */
int dp_lnbr_lookup(uint32_t addr, struct rte_ether_addr *mac);

/* Main lcore: an ARP frame from the LAN said addr is at mac (in the LAN subnet only). */
void dp_lnbr_learn(uint32_t addr, const struct rte_ether_addr *mac);

/* Main lcore, every loop: ARP requests for what the workers asked and, every few
 * seconds, for the generation's LAN hosts (dp_inb_lan_hosts) not yet known or due a
 * refresh. */
void dp_lnbr_tick(uint64_t now_tsc);

/* Entries known (for status). */
unsigned int dp_lnbr_count(void);

#endif
