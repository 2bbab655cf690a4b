/* SPDX-License-Identifier: BSD-3-Clause
 * The minimal rtnetlink client of dpw_rtnl.h: one request, one ACK, per call. Pure
 * libc (linux/netlink.h, linux/rtnetlink.h, linux/fib_rules.h). Any thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "lib/util/dpw_rtnl.h"

#define REQ_BYTES 512
/* A kernel that does not ACK within this is not going to: fail rather than hang */
#define ACK_TIMEOUT_MS 1000

struct req {
	struct nlmsghdr *h;
	char buf[REQ_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static void *
req_init(struct req *r, uint16_t type, uint16_t flags, size_t body)
{
	memset(r->buf, 0, sizeof(r->buf));
	r->h = (struct nlmsghdr *)r->buf;
	r->h->nlmsg_len = NLMSG_LENGTH(body);
	r->h->nlmsg_type = type;
	r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(r->h);
}

static int
attr(struct req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->h->nlmsg_len);
	struct rtattr *a = (struct rtattr *)(r->buf + off);

	if (off + RTA_SPACE(len) > sizeof(r->buf))
		return -EMSGSIZE;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return 0;
}

static int
attr_u32(struct req *r, uint16_t type, uint32_t v)
{
	return attr(r, type, &v, sizeof(v));
}

static int
attr_u8(struct req *r, uint16_t type, uint8_t v)
{
	return attr(r, type, &v, sizeof(v));
}

/* Send the request and wait for the kernel's NLMSG_ERROR about it: its error is ours. */
static int
transact(struct req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = ACK_TIMEOUT_MS / 1000,
			      .tv_usec = (ACK_TIMEOUT_MS % 1000) * 1000 };
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, rc = -EIO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		goto out;
	}
	r->h->nlmsg_seq = 1;   /* one request per socket: nothing else to tell apart */
	if (sendto(fd, r->buf, r->h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != r->h->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				rc = -EBADMSG;
				goto out;
			}
			rc = e->error;   /* 0 (the ACK) or -errno */
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

static int
route_msg(uint16_t type, uint16_t flags, uint32_t table, uint32_t dst, uint8_t plen,
	  uint32_t gw, int ifindex, uint32_t prefsrc)
{
	struct req r;
	struct rtmsg *rt = req_init(&r, type, flags, sizeof(*rt));
	int rc = 0;

	if (plen > 32)
		return -EINVAL;
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = plen;
	rt->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWROUTE) {
		rt->rtm_protocol = RTPROT_STATIC;
		rt->rtm_scope = gw != 0 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		rt->rtm_type = RTN_UNICAST;
	} else {
		/* the kernel's wildcard: delete whatever scope the route has */
		rt->rtm_scope = RT_SCOPE_NOWHERE;
	}
	rc |= attr_u32(&r, RTA_TABLE, table);
	if (plen > 0)
		rc |= attr_u32(&r, RTA_DST, dst);
	if (gw != 0)
		rc |= attr_u32(&r, RTA_GATEWAY, gw);
	if (ifindex > 0)
		rc |= attr_u32(&r, RTA_OIF, (uint32_t)ifindex);
	if (prefsrc != 0)
		rc |= attr_u32(&r, RTA_PREFSRC, prefsrc);
	if (rc != 0)
		return -EMSGSIZE;
	return transact(&r);
}

int
dpw_rtnl_route_replace(uint32_t table, uint32_t dst, uint8_t plen, uint32_t gw, int ifindex,
		       uint32_t prefsrc)
{
	if (ifindex <= 0)
		return -EINVAL;
	return route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table, dst, plen, gw,
			 ifindex, prefsrc);
}

int
dpw_rtnl_route_delete(uint32_t table, uint32_t dst, uint8_t plen)
{
	return route_msg(RTM_DELROUTE, 0, table, dst, plen, 0, 0, 0);
}

static int
rule_msg(uint16_t type, uint16_t flags, uint32_t prio, uint32_t table, const char *oif,
	 uint32_t src)
{
	struct req r;
	struct fib_rule_hdr *fr = req_init(&r, type, flags, sizeof(*fr));
	int rc = 0;

	fr->family = AF_INET;
	fr->action = FR_ACT_TO_TBL;
	fr->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rc |= attr_u32(&r, FRA_PRIORITY, prio);
	rc |= attr_u32(&r, FRA_TABLE, table);
	if (oif != NULL && oif[0] != '\0') {
		size_t len = strnlen(oif, IFNAMSIZ);

		if (len >= IFNAMSIZ)
			return -EINVAL;
		rc |= attr(&r, FRA_OIFNAME, oif, len + 1);
	}
	if (src != 0) {
		fr->src_len = 32;
		rc |= attr_u32(&r, FRA_SRC, src);
	}
	if (rc != 0)
		return -EMSGSIZE;
	return transact(&r);
}

int
dpw_rtnl_rule_add(uint32_t prio, uint32_t table, const char *oif, uint32_t src)
{
	return rule_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, prio, table, oif, src);
}

int
dpw_rtnl_rule_delete(uint32_t prio, uint32_t table)
{
	return rule_msg(RTM_DELRULE, 0, prio, table, NULL, 0);
}

int
dpw_rtnl_rule_replace(uint32_t prio, uint32_t table, const char *oif, uint32_t src)
{
	unsigned int i;
	int rc;

	/* bounded: a kernel that keeps saying "deleted" must not keep us here */
	for (i = 0; i < 16; i++) {
		rc = dpw_rtnl_rule_delete(prio, table);
		if (rc == -ENOENT)
			break;
		if (rc != 0)
			return rc;
	}
	return dpw_rtnl_rule_add(prio, table, oif, src);
}

static int
link_msg(int ifindex, uint16_t t1, uint8_t v1, uint16_t t2, uint8_t v2)
{
	struct req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	int rc;

	if (ifindex <= 0)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	rc = attr_u8(&r, t1, v1);
	if (rc == 0 && t2 != IFLA_UNSPEC)
		rc = attr_u8(&r, t2, v2);
	if (rc != 0)
		return rc;
	return transact(&r);
}

int
dpw_rtnl_link_carrier(int ifindex, int on)
{
	return link_msg(ifindex, IFLA_CARRIER, on ? 1 : 0, IFLA_UNSPEC, 0);
}

int
dpw_rtnl_link_dormant(int ifindex, int dormant)
{
	return link_msg(ifindex, IFLA_LINKMODE, IF_LINK_MODE_DORMANT, IFLA_OPERSTATE,
			dormant ? IF_OPER_DORMANT : IF_OPER_UP);
}
