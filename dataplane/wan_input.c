/* SPDX-License-Identifier: BSD-3-Clause
 * The WAN input policy's decision and the exception path's rates per class. Pure C,
 * called by the worker lcores for packets no NAT session took.
 */
#include <arpa/inet.h>

#include "dataplane/wan_input.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/*
 * Per worker. Answers to the host's own flows get the most (HTTP(S) health checks
 * bring whole windows at once); what strangers can send unasked (echo, errors) little,
 * so a flood of it is cut at the worker and never reaches the ring to the main lcore.
 */
static const struct dp_punt_rate rates[DPW_PUNT_MAX] = {
	[DPW_PUNT_LAN] = { 20000, 2000 },
	[DPW_PUNT_HOST_REPLY] = { 20000, 2000 },
	[DPW_PUNT_ECHO] = { 200, 50 },
	[DPW_PUNT_ICMP_ERROR] = { 500, 100 },
	[DPW_PUNT_DHCP] = { 50, 20 },
	[DPW_PUNT_SERVICE] = { 2000, 200 },
	[DPW_PUNT_ARP] = { 2000, 200 },
};

const struct dp_punt_rate *
dp_punt_rate(unsigned int c)
{
	return c < DPW_PUNT_MAX ? &rates[c] : &rates[DPW_PUNT_LAN];
}

static int
service_allowed(const struct dp_wan_input *in, const struct dpw_port_conf *pc,
		const struct dpw_sysconf *sys)
{
	const struct dpw_pkt_info *pi = in->pi;
	uint16_t port = ntohs(pi->dport);
	unsigned int i;

	for (i = 0; i < pc->n_allow; i++)
		if (pc->allow[i].proto == pi->proto && port >= pc->allow[i].port_lo &&
		    port <= pc->allow[i].port_hi)
			return 1;
	/* the API, where the file says explicitly that it may be reached on a WAN */
	if (sys->api_allow_wan && pi->proto == DPW_IPPROTO_TCP && port == sys->api_port) {
		uint32_t a;

		if (dpw_listen_covers_all(sys->api_listen))
			return 1;
		if (dpw_parse_ipv4(sys->api_listen, &a, NULL) == 0 && in->wan_addr != 0 &&
		    a == in->wan_addr)
			return 1;
	}
	return 0;
}

int
dp_wan_input_dhcp_reply(const struct dpw_pkt_info *pi)
{
	return pi->l3 == DPW_L3_IPV4 && pi->proto == DPW_IPPROTO_UDP &&
	       !(pi->frag & DPW_IP_OFFMASK) && ntohs(pi->sport) == DHCP_SERVER_PORT &&
	       ntohs(pi->dport) == DHCP_CLIENT_PORT;
}

int
dp_wan_input_class(const struct dp_wan_input *in, const struct dpw_port_conf *pc,
		   const struct dpw_sysconf *sys)
{
	const struct dpw_pkt_info *pi = in->pi;

	/* the WAN's DHCP client: offers and acks come broadcast or to the offered address */
	if (dp_wan_input_dhcp_reply(pi))
		return in->dhcp_wan ? DPW_PUNT_DHCP : -1;
	if (!in->to_addr)
		return -1;
	if (in->host_flow)
		return DPW_PUNT_HOST_REPLY;
	switch (pi->proto) {
	case DPW_IPPROTO_ICMP:
		if (pi->icmp_type == DPW_ICMP_ECHO)
			return pc->reply_to_ping ? DPW_PUNT_ECHO : -1;
		if (pi->icmp_kind == DPW_ICMP_KIND_ERROR && in->icmp_err_about_us)
			return DPW_PUNT_ICMP_ERROR;
		return -1;
	case DPW_IPPROTO_TCP:
	case DPW_IPPROTO_UDP:
		return service_allowed(in, pc, sys) ? DPW_PUNT_SERVICE : -1;
	default:
		return -1;
	}
}
