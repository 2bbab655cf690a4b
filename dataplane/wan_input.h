/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN input policy (DESIGN.md s1): what arrives on a WAN for the appliance itself,
 * not for a NAT session, reaches the kernel only if it answers something the host
 * sent, is an ICMP error about our own packet, an echo request (reply_to_ping), the
 * WAN's DHCP client's answer (on a DHCP WAN, to whatever address), or a service the configuration opens on that WAN
 * (allow_input, the API with api.allow_wan). Everything else is dropped: default deny,
 * as pfSense and Peplink do. Pure C: unit-tested without DPDK.
 */
#ifndef DP_WAN_INPUT_H
#define DP_WAN_INPUT_H

#include <stdint.h>

#include "lib/cfg/dpw_sysconf.h"
#include "lib/pkt/dpw_pkt.h"

/* What the stage knows of a WAN packet that no NAT session took. */
struct dp_wan_input {
	const struct dpw_pkt_info *pi;
	int to_addr;              /* for the WAN's own address, not a broadcast/multicast */
	int host_flow;            /* answers a flow the host opened (dp_hostflow_has) */
	int icmp_err_about_us;    /* an ICMP error quoting a packet from this WAN address */
	uint32_t wan_addr;        /* host order: the WAN's address in the running document */
	int dhcp_wan;             /* the WAN is addressed by DHCP (its client's replies in) */
};

/*
 * A DHCP server's answer to a client (UDP 67 -> 68), whatever its IP destination: an
 * offer or ack comes broadcast, to the offered address or to the one held. Pure.
 */
int dp_wan_input_dhcp_reply(const struct dpw_pkt_info *pi);

/*
 * The punt class (enum dpw_punt_class) of the packet arriving on WAN port `pc` of
 * system configuration `sys`, or -1 when the policy denies it. Pure.
 */
int dp_wan_input_class(const struct dp_wan_input *in, const struct dpw_port_conf *pc,
		       const struct dpw_sysconf *sys);

/* Packets per second and burst each class may punt, per worker. */
struct dp_punt_rate {
	uint32_t pps;
	uint32_t burst;
};

/* The rate of class c. Pure. */
const struct dp_punt_rate *dp_punt_rate(unsigned int c);

#endif
