/* SPDX-License-Identifier: BSD-3-Clause
 * Port bring-up at start (main thread, before the lcores run): probe the wire device
 * (vdev or PCI) and check its queues and MTU limits, then give it one RX and one TX queue
 * per worker and the port's MTU, and create the port's
 * kernel TAP ("dpw-<name>") with the same MAC, the port's address and MTU — the
 * exception path through which the kernel sees the router's own traffic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "dataplane/port.h"
#include "lib/util/dpw_rtnl.h"

static void wan_rules_delete(unsigned int w);

static int
find_port(const char *name, uint16_t *port_id)
{
	return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

/*
 * What the device can do, checked before any memory is committed to it: enough queue
 * pairs, and the port's MTU within its limits (ethdev's own rule: the frame is the MTU
 * plus the device's overhead, at most max_rx_pktlen). mtu 0: leave the MTU alone.
 */
static int
check_device(uint16_t port_id, uint16_t nq, uint16_t mtu, char *err, size_t errlen,
	     const char *what)
{
	struct rte_eth_dev_info info;
	uint32_t overhead;
	int rc;

	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot read device info: %s", what, strerror(-rc));
		return rc;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		snprintf(err, errlen, "%s: needs %u queues (one per worker), the device has %u rx / %u tx",
			 what, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (mtu == 0)
		return 0;
	overhead = info.max_mtu != UINT16_MAX && info.max_rx_pktlen > info.max_mtu ?
		   info.max_rx_pktlen - info.max_mtu : RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	if (mtu < info.min_mtu || mtu > info.max_mtu || mtu + overhead > info.max_rx_pktlen) {
		snprintf(err, errlen, "%s: mtu %u is outside what the device takes (%u to %u)",
			 what, mtu, info.min_mtu,
			 RTE_MIN((uint32_t)info.max_mtu, info.max_rx_pktlen - overhead));
		return -EINVAL;
	}
	return 0;
}

static int
setup_queues(uint16_t port_id, uint16_t nq, uint16_t mtu, struct rte_mempool *pool, char *err,
	     size_t errlen, const char *what)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, rxd = DP_RX_DESC, txd = DP_TX_DESC, got = 0;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = check_device(port_id, nq, mtu, err, errlen, what);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot read device info: %s", what, strerror(-rc));
		return rc;
	}
	/* the MTU goes in at configure time: a NIC programs its frame limit from it */
	conf.rxmode.mtu = mtu;
	if (nq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
		conf.rx_adv_conf.rss_conf.rss_hf &= info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (rc == 0 && mtu != 0 && (rte_eth_dev_get_mtu(port_id, &got) != 0 || got != mtu)) {
		snprintf(err, errlen, "%s: mtu %u was not applied (the device has %u)", what, mtu,
			 got);
		return -EIO;
	}
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
	for (q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rxd, rte_eth_dev_socket_id(port_id), NULL,
					    pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, txd, rte_eth_dev_socket_id(port_id),
						    NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot configure or start: %s", what, strerror(-rc));
		return rc;
	}
	if (mtu != 0)
		RTE_LOG(NOTICE, USER1, "%s: mtu %u, %u queue pair(s) of %u rx / %u tx "
			"descriptors\n", what, got, nq, rxd, txd);
	return 0;
}

static int
ifreq_ioctl(int fd, unsigned long req, struct ifreq *ifr, const char *ifname)
{
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", ifname);
	return ioctl(fd, req, ifr) == 0 ? 0 : -errno;
}

/*
 * Give the kernel side of a TAP an address, mask and MTU, and bring it up. SIOCSIFADDR
 * replaces the interface's address (the old one and its prefix route go); address 0
 * removes it (the kernel does not keep a 0.0.0.0 address), and then there is no mask.
 */
static int
configure_tap_kernel(const char *ifname, uint32_t addr_be, uint32_t mask_be, uint16_t mtu,
		     char *err, size_t errlen)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", ifname, strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr_be;
	rc = ifreq_ioctl(fd, SIOCSIFADDR, &ifr, ifname);
	if (rc == 0 && addr_be != 0) {
		memset(&ifr, 0, sizeof(ifr));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = mask_be;
		rc = ifreq_ioctl(fd, SIOCSIFNETMASK, &ifr, ifname);
	}
	if (rc == 0) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_mtu = mtu;
		rc = ifreq_ioctl(fd, SIOCSIFMTU, &ifr, ifname);
	}
	if (rc == 0) {
		memset(&ifr, 0, sizeof(ifr));
		rc = ifreq_ioctl(fd, SIOCGIFFLAGS, &ifr, ifname);
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (rc == 0)
			rc = ifreq_ioctl(fd, SIOCSIFFLAGS, &ifr, ifname);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s: cannot set address/MTU: %s", ifname, strerror(-rc));
	close(fd);
	return rc;
}

int
dp_port_probe(struct dp_port *p, const struct dpw_port_conf *pc, uint16_t n_workers,
	      char *err, size_t errlen)
{
	char devargs[DPW_DEVICE_LEN + 32], name[DPW_DEVICE_LEN], what[DPW_DEVICE_LEN + 32];
	int rc;

	p->tap_open = 0;
	snprintf(what, sizeof(what), "port '%s' (%s)", pc->name, pc->device);
	snprintf(name, sizeof(name), "%s", pc->device);
	name[strcspn(name, ",")] = '\0';
	if (!pc->is_pci) {
		snprintf(devargs, sizeof(devargs), "%s", pc->device);
		if (strncmp(name, "net_af_packet", 13) == 0 && strstr(pc->device, "qpairs=") == NULL)
			snprintf(devargs, sizeof(devargs), "%s,qpairs=%u", pc->device, n_workers);
		if (strncmp(name, "net_af_packet", 13) == 0)
			RTE_LOG(WARNING, USER1, "port %s: on af_packet the kernel reassembles IP "
				"fragments before dpwan sees them (DPDK 22.11 joins a fanout group "
				"with PACKET_FANOUT_FLAG_DEFRAG), and cuts datagrams larger than a "
				"ring frame: use af_xdp or a PCI port for fragmented traffic\n",
				pc->name);
		if (strncmp(name, "net_af_xdp", 10) == 0 && strstr(pc->device, "queue_count=") == NULL)
			snprintf(devargs, sizeof(devargs), "%s,queue_count=%u", pc->device,
				 n_workers);
		rc = rte_dev_probe(devargs);
		if (rc != 0) {
			/* drivers often return -1, not an errno: the EAL line above says why */
			snprintf(err, errlen, "%s: the driver cannot create the device (%s); does "
				 "the interface exist?", what, rc == -1 ? "see the EAL line above" :
				 strerror(-rc));
			return rc;
		}
	}
	if (find_port(name, &p->port_id) != 0) {
		snprintf(err, errlen, "%s: no such DPDK port (for PCI, is the NIC bound to vfio-pci?)",
			 what);
		return -ENODEV;
	}
	return check_device(p->port_id, n_workers, pc->mtu, err, errlen, what);
}

int
dp_port_open(struct dp_port *p, const struct dpw_port_conf *pc, unsigned int idx,
	     uint16_t n_workers, struct rte_mempool *pool, char *err, size_t errlen)
{
	char devargs[DPW_DEVICE_LEN + 32], name[DPW_DEVICE_LEN], what[DPW_DEVICE_LEN + 32];
	char tapname[IFNAMSIZ];
	uint32_t mask;
	int rc;

	snprintf(what, sizeof(what), "port '%s' (%s)", pc->name, pc->device);
	snprintf(name, sizeof(name), "%s", pc->device);
	name[strcspn(name, ",")] = '\0';
	rc = setup_queues(p->port_id, n_workers, pc->mtu, pool, err, errlen, what);
	if (rc != 0)
		return rc;
	rte_eth_macaddr_get(p->port_id, &p->mac);

	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->kif[0] = '\0';
	if (!pc->is_pci && (strncmp(name, "net_af_packet", 13) == 0 ||
			    strncmp(name, "net_af_xdp", 10) == 0)) {
		const char *k = strstr(pc->device, "iface=");

		if (k != NULL) {
			snprintf(p->kif, sizeof(p->kif), "%s", k + 6);
			p->kif[strcspn(p->kif, ",")] = '\0';
		}
	}
	p->role = pc->role;
	p->mtu = pc->mtu;
	p->addr = 0;
	p->mask = 0;
	if (pc->role == DPW_ROLE_LAN) {
		/* a WAN's TAP gets its address when a document configures it (cfg_apply.c) */
		p->addr = htonl(pc->addr);
		mask = pc->prefixlen ? 0xffffffffu << (32 - pc->prefixlen) : 0;
		p->mask = htonl(mask);
	}

	/* the exception path: a kernel TAP with the port's MAC, address and MTU */
	snprintf(tapname, sizeof(tapname), "dpw-%s", pc->name);
	snprintf(name, sizeof(name), "net_tap%u", idx);
	snprintf(devargs, sizeof(devargs),
		 "%s,iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", name, tapname,
		 p->mac.addr_bytes[0], p->mac.addr_bytes[1], p->mac.addr_bytes[2],
		 p->mac.addr_bytes[3], p->mac.addr_bytes[4], p->mac.addr_bytes[5]);
	rc = rte_dev_probe(devargs);
	if (rc != 0 || find_port(name, &p->tap_id) != 0) {
		snprintf(err, errlen, "%s: cannot create TAP %s: %s (is /dev/net/tun there?)", what,
			 tapname, strerror(rc ? -rc : ENODEV));
		return rc ? rc : -ENODEV;
	}
	p->tap_open = 1;
	if (p->wan >= 0)
		wan_rules_delete((unsigned int)p->wan);   /* left by a dataplane that crashed */
	snprintf(what, sizeof(what), "TAP %s", tapname);
	/* the TAP's MTU is the kernel interface's (set below): net_tap caps its own at 1500 */
	rc = setup_queues(p->tap_id, 1, 0, pool, err, errlen, what);
	if (rc != 0)
		return rc;
	return configure_tap_kernel(tapname, p->addr, p->mask, p->mtu, err, errlen);
}

int
dp_port_tap_address(const struct dp_port *p, uint32_t addr_be, uint32_t mask_be, uint16_t mtu,
		    char *err, size_t errlen)
{
	char tapname[IFNAMSIZ];

	snprintf(tapname, sizeof(tapname), "dpw-%s", p->name);
	return configure_tap_kernel(tapname, addr_be, mask_be, mtu, err, errlen);
}

static void
tap_name(const struct dp_port *p, char *name)
{
	snprintf(name, IFNAMSIZ, "dpw-%s", p->name);
}

/* The connected prefix each WAN's table holds (main lcore), to delete it on a change. */
static struct {
	uint32_t dst;
	uint8_t plen;
} conn[DPW_MAX_WANS];

/* The WAN's rules, whatever selectors an earlier run gave them (they outlive a TAP). */
static void
wan_rules_delete(unsigned int w)
{
	unsigned int i;

	for (i = 0; i < 16 && dpw_rtnl_rule_delete(DP_WAN_RULE_OIF(w), DP_WAN_TABLE(w)) == 0; i++)
		;
	for (i = 0; i < 16 && dpw_rtnl_rule_delete(DP_WAN_RULE_FROM(w), DP_WAN_TABLE(w)) == 0; i++)
		;
}

int
dp_port_tap_route(const struct dp_port *p, uint32_t addr_be, uint32_t mask_be, uint32_t gw_be,
		  char *err, size_t errlen)
{
	char ifname[IFNAMSIZ];
	uint32_t table, plen = (uint32_t)__builtin_popcount(mask_be);
	int ifindex, rc;
	const char *step;

	if (p->wan < 0)
		return -EINVAL;
	table = DP_WAN_TABLE((unsigned int)p->wan);
	tap_name(p, ifname);
	/* the old table goes whole: a new prefix or gateway must not leave the old one */
	(void)dpw_rtnl_route_delete(table, 0, 0);
	if (conn[p->wan].plen != 0)
		(void)dpw_rtnl_route_delete(table, conn[p->wan].dst, conn[p->wan].plen);
	conn[p->wan].plen = 0;
	if (addr_be == 0) {
		wan_rules_delete((unsigned int)p->wan);
		return 0;
	}
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0) {
		snprintf(err, errlen, "%s: no such interface for its routing table", ifname);
		return -ENODEV;
	}
	step = "connected route";
	rc = dpw_rtnl_route_replace(table, addr_be & mask_be, (uint8_t)plen, 0, ifindex, addr_be);
	if (rc == 0) {
		conn[p->wan].dst = addr_be & mask_be;
		conn[p->wan].plen = (uint8_t)plen;
	}
	if (rc == 0 && gw_be != 0) {
		step = "default route";
		rc = dpw_rtnl_route_replace(table, 0, 0, gw_be, ifindex, addr_be);
	}
	if (rc == 0) {
		step = "oif rule";
		rc = dpw_rtnl_rule_replace(DP_WAN_RULE_OIF((unsigned int)p->wan), table, ifname, 0);
	}
	if (rc == 0) {
		step = "from rule";
		rc = dpw_rtnl_rule_replace(DP_WAN_RULE_FROM((unsigned int)p->wan), table, NULL,
					   addr_be);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s: routing table %u: %s: %s", ifname, table, step,
			 strerror(-rc));
	return rc;
}

int
dp_port_tap_carrier(const struct dp_port *p, int on)
{
	/* what was set last per WAN: 0 not yet (a new TAP has its carrier on), 1 on, 2 off */
	static uint8_t set[DPW_MAX_WANS];
	char ifname[IFNAMSIZ];
	uint8_t want = on ? 1 : 2;
	int ifindex, rc;

	if (p->wan < 0 || p->wan >= DPW_MAX_WANS)
		return -EINVAL;
	if (set[p->wan] == want)
		return 0;
	tap_name(p, ifname);
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0)
		return -ENODEV;
	rc = dpw_rtnl_link_carrier(ifindex, on);
	if (rc == 0) {
		set[p->wan] = want;
		RTE_LOG(INFO, USER1, "TAP %s: carrier %s\n", ifname, on ? "on" : "off");
	} else {
		RTE_LOG(WARNING, USER1, "TAP %s: cannot set its carrier %s: %s\n", ifname,
			on ? "on" : "off", strerror(-rc));
		set[p->wan] = want;   /* said once, not every 100 ms */
	}
	return rc;
}

int
dp_port_tap_health(const struct dp_port *p, int offline)
{
	char ifname[IFNAMSIZ];
	int ifindex;

	tap_name(p, ifname);
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0)
		return -ENODEV;
	return dpw_rtnl_link_dormant(ifindex, offline);
}

void
dp_port_close(struct dp_port *p)
{
	/* the TAP's routes go with it, its rules do not */
	if (p->wan >= 0)
		wan_rules_delete((unsigned int)p->wan);
	if (p->tap_open) {
		rte_eth_dev_stop(p->tap_id);
		rte_eth_dev_close(p->tap_id);
	}
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}
