/* SPDX-License-Identifier: BSD-3-Clause
 * The main lcore's loop: serve control messages (one dispatch switch, every request
 * answered; a document generation is checked here and applied by cfg_apply.c), move
 * exception-path traffic between the workers, the kernel TAPs and the wire, run ARP and
 * hold timers, watch link state, apply the health checker's verdicts (WAN_HEALTH),
 * explain a flow and start session listings (mgmt_sess.c), collect the workers' mailbox
 * results, copy port counters into shared memory, bump the
 * heartbeat, reclaim old WAN views after their grace period, and on
 * SIGUSR1 print the workers' counters (what tools/bench takes over its window).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

/* (EAL runs with --no-pci unless the config names PCI ports: see main.c.) */
#include "dataplane/cfg_apply.h"
#include "dataplane/dns_snoop.h"
#include "lib/pkt/dpw_dns.h"
#include "dataplane/dp.h"
#include "dataplane/lnbr.h"
#include "dataplane/pbuild.h"
#include "dataplane/port.h"
#include "dataplane/wan_input.h"
#include "lib/msg/dpw_msg.h"
#include "lib/pkt/dpw_pkt.h"

#define MSG_BURST 16

void
dp_mgmt_reply(uint16_t op, uint32_t seq, int status, const void *payload, unsigned int len)
{
	struct dpw_msg r;

	memset(&r, 0, sizeof(r));
	r.op = DPW_MSG_REPLY;
	r.req_op = op;
	r.seq = seq;
	r.status = status;
	if (payload != NULL)
		memcpy(&r.u, payload, len < sizeof(r.u) ? len : sizeof(r.u));
	/* never wait: a control process that stopped reading times out on its own */
	(void)rte_ring_enqueue_elem(dp.d2c, &r, sizeof(r));
}

/* Answer req; body (may be NULL) carries n_problems and text, the rest is filled here. */
static void
reply_with(const struct dpw_msg *req, int status, const struct dpw_msg_reply *body)
{
	struct dpw_msg r;

	memset(&r, 0, sizeof(r));
	r.op = DPW_MSG_REPLY;
	r.req_op = req->op;
	r.seq = req->seq;
	r.status = status;
	if (body != NULL)
		r.u.reply = *body;
	r.u.reply.wan_view_gen = dp.shm->wan_view_gen;
	r.u.reply.config_gen = dp.shm->config_gen;
	r.u.reply.abi = DPW_MSG_ABI;
	/* never wait: a control process that stopped reading times out on its own */
	(void)rte_ring_enqueue_elem(dp.d2c, &r, sizeof(r));
}

static void
reply(const struct dpw_msg *req, int status)
{
	reply_with(req, status, NULL);
}

static int
hello(const struct dpw_msg_hello *h)
{
	if (h->abi != DPW_MSG_ABI) {
		RTE_LOG(ERR, USER1, "control process %d speaks message ABI %u, this dataplane "
			"%u: refused\n", h->pid, h->abi, DPW_MSG_ABI);
		return -EPROTO;
	}
	dp.shm->control_pid = h->pid;
	RTE_LOG(NOTICE, USER1, "control process %d attached (message ABI %u)\n", h->pid, h->abi);
	return 0;
}

/* A rejection with its reason in the reply's text; every one is counted. */
static int
reject(struct dpw_msg_reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
reject(struct dpw_msg_reply *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	dp.shm->config_rejects++;
	RTE_LOG(WARNING, USER1, "config apply rejected: %s\n", r->text);
	return status;
}

#define APPLY_DEFERRED 1   /* config_apply: the reply comes when the build ends */

/*
 * The document being applied while the builder thread builds its policy generation:
 * one at a time (another apply meanwhile is answered -EBUSY).
 */
static struct {
	int active;
	struct dpw_msg req;
	uint8_t hash[DPW_DOC_HASH_LEN];
	struct dpw_doc doc;
	uint64_t t0;
} apply_pending;

static struct dpw_doc_problems apply_pr;   /* 20 KB: not on the stack */

/* A rejection with the first error of apply_pr (warnings skipped). */
static int
reject_problems(struct dpw_msg_reply *r, int rc, uint64_t gen)
{
	unsigned int i;

	for (i = 0; i < apply_pr.n; i++)
		RTE_LOG(WARNING, USER1, "generation %llu: %s: %s\n", (unsigned long long)gen,
			apply_pr.p[i].path, apply_pr.p[i].message);
	r->n_problems = apply_pr.errors;
	for (i = 0; i < apply_pr.n && apply_pr.p[i].warning; i++)
		;
	return reject(r, rc, "%s%s%s", i < apply_pr.n ? apply_pr.p[i].path : "",
		      i < apply_pr.n && apply_pr.p[i].path[0] ? ": " : "",
		      i < apply_pr.n ? apply_pr.p[i].message : "rejected");
}

/*
 * The builder thread finished the pending document's policy generation: commit the
 * WANs (cfg_apply.c), publish the generation, and answer the request. Main lcore.
 */
static void
apply_finish(void)
{
	const struct dpw_msg_config_apply *a = &apply_pending.req.u.config_apply;
	struct dpw_msg_reply body;
	struct dp_pgen *g = NULL;
	int rc = 0, st;

	if (!apply_pending.active || dp_pbuild_poll(&g, &rc, &apply_pr) != 1)
		return;
	memset(&body, 0, sizeof(body));
	if (rc == 0 && g == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		dpw_doc_problems_init(&apply_pr);
		rc = dp_cfg_apply(&apply_pending.doc, a->gen, apply_pending.hash, &apply_pr);
	}
	if (rc == 0) {
		dp_gen_publish_pgen(g);
		RTE_LOG(NOTICE, USER1, "generation %llu applied (%u WANs, %u rules in %u "
			"classifier entries, built in %.1f ms, %.1f ms in all)\n",
			(unsigned long long)a->gen, apply_pending.doc.n_wans, g->n_rules,
			g->n_entries, (double)g->build_ns / 1e6,
			(double)(rte_rdtsc() - apply_pending.t0) * 1e3 / (double)dp.tsc_hz);
		st = 0;
	} else {
		dp_pgen_free(g);
		st = reject_problems(&body, rc, a->gen);
	}
	dpw_doc_free(&apply_pending.doc);
	apply_pending.active = 0;
	reply_with(&apply_pending.req, st, &body);
}

/*
 * DPW_MSG_CONFIG_APPLY: the generation's canonical JSON is in the memzone the message
 * names. It is copied out before it is hashed and parsed, so that what is checked is
 * what is applied whatever happens to the zone meanwhile. What passes is handed to the
 * builder thread (APPLY_DEFERRED); apply_finish answers.
 */
static int
config_apply(const struct dpw_msg *m, struct dpw_msg_reply *r)
{
	const struct dpw_msg_config_apply *a = &m->u.config_apply;
	struct dpw_doc_problems *prp = &apply_pr;
	struct dpw_doc *docp = &apply_pending.doc;
	uint8_t wan_id[DPW_MAX_WANS];
	const struct dpw_doc_zone *z;
	const struct rte_memzone *mz;
	uint8_t hash[DPW_DOC_HASH_LEN];
	char name[sizeof(a->zone) + 1], *json;
	uint64_t t0 = rte_rdtsc();
	int rc;

	if (apply_pending.active)
		return reject(r, -EBUSY, "generation %llu: another document is being applied",
			      (unsigned long long)a->gen);
	memcpy(name, a->zone, sizeof(a->zone));
	name[sizeof(a->zone)] = '\0';
	mz = rte_memzone_lookup(name);
	if (mz == NULL)
		return reject(r, -ENOENT, "generation %llu: no memzone '%s'",
			      (unsigned long long)a->gen, name);
	z = mz->addr;
	if (mz->len < sizeof(*z) || z->magic != DPW_DOC_ZONE_MAGIC)
		return reject(r, -EBADMSG, "memzone '%s' is not a document (magic)", name);
	if (z->gen != a->gen || z->len != a->len || a->len > DPW_DOC_MAX_BYTES ||
	    a->len > mz->len - sizeof(*z))
		return reject(r, -EBADMSG, "memzone '%s': generation %llu, %u bytes, for a "
			      "message of generation %llu, %u bytes in %zu", name,
			      (unsigned long long)z->gen, z->len, (unsigned long long)a->gen,
			      a->len, mz->len - sizeof(*z));
	json = malloc(a->len + 1);
	if (json == NULL)
		return reject(r, -ENOMEM, "out of memory for %u bytes", a->len);
	memcpy(json, z->json, a->len);
	json[a->len] = '\0';
	if (dpw_doc_hash(json, a->len, hash) != 0 || memcmp(hash, a->hash, sizeof(hash)) != 0 ||
	    memcmp(z->hash, a->hash, sizeof(hash)) != 0) {
		free(json);
		return reject(r, -EINVAL, "generation %llu: the document's SHA-256 is not the "
			      "one in the message", (unsigned long long)a->gen);
	}
	if (dp_cfg_is_running(hash)) {
		free(json);
		RTE_LOG(NOTICE, USER1, "generation %llu is the running document: relabelled\n",
			(unsigned long long)a->gen);
		dp_cfg_relabel(a->gen);
		return 0;
	}
	dpw_doc_free(docp);
	rc = dpw_doc_parse(json, a->len, DPW_DOC_JSON, &dp.doc_ctx, docp, prp);
	free(json);
	if (rc == 0)
		rc = dp_cfg_check(docp, wan_id, prp);
	if (rc == 0) {
		rc = dp_pbuild_submit(docp, wan_id, a->gen, dp.pgen);
		if (rc != 0)
			dpw_doc_problem_add(prp, false, "", "cannot build the rules: %s",
					    rc == -EBUSY ? "a build is running" : "out of memory");
	}
	if (rc != 0) {
		dpw_doc_free(docp);
		return reject_problems(r, rc, a->gen);
	}
	/* parsing and checking cost the main lcore this much; the build is off it */
	RTE_LOG(DEBUG, USER1, "generation %llu: %u bytes, %u WANs, %u rules: hashed, parsed and "
		"validated in %.1f us\n", (unsigned long long)a->gen, a->len, docp->n_wans,
		docp->n_rules, (double)(rte_rdtsc() - t0) * 1e6 / (double)dp.tsc_hz);
	apply_pending.active = 1;
	apply_pending.req = *m;
	apply_pending.t0 = t0;
	memcpy(apply_pending.hash, hash, sizeof(hash));
	return APPLY_DEFERRED;
}

/*
 * DPW_MSG_WAN_HEALTH: the health checker's verdict on one WAN, kept across document
 * applies. A new view when anything in it changes: state and usable (at every
 * transition), RTT, jitter and loss (at most once a second per WAN, what control sends;
 * a view costs a calloc and a few hundred bytes). When the WAN goes down, the view's
 * publication applies its on_failure rules (gen.c).
 */
static int
wan_health(const struct dpw_msg_wan_health *h)
{
	struct dp_wan_state *ws;
	uint8_t usable = h->usable != 0;
	int state_changed;

	if (h->wan >= dp.n_wans || h->state >= DPW_WH_MAX)
		return -EINVAL;
	ws = &dp.wst[h->wan];
	state_changed = ws->health != h->state || ws->health_usable != usable;
	if (!state_changed && ws->rtt_us == h->rtt_us && ws->jitter_us == h->jitter_us &&
	    ws->loss_permille == h->loss_permille)
		return 0;
	if (state_changed) {
		RTE_LOG(NOTICE, USER1, "wan %s: health %s -> %s (%s), rtt %u us, loss %u permille\n",
			dp.port[dp.wan_port[h->wan]].name, dpw_wan_health_str(ws->health),
			dpw_wan_health_str(h->state), usable ? "usable" : "not usable", h->rtt_us,
			h->loss_permille);
		/* host software sees it: operstate dormant while offline (the carrier stays
		 * on, so the probes that may bring it back still leave) */
		(void)dp_port_tap_health(&dp.port[dp.wan_port[h->wan]],
					 h->state == DPW_WH_OFFLINE);
	}
	ws->health = h->state;
	ws->health_usable = usable;
	ws->rtt_us = h->rtt_us;
	ws->jitter_us = h->jitter_us;
	ws->loss_permille = h->loss_permille;
	/* the view's publication mirrors all of it into shared memory */
	return dp_gen_publish();
}

/*
 * At most MSG_BURST messages, and at most one document: an apply takes tens of
 * microseconds, so the exception path and ARP are served between two of them.
 */
unsigned int
dp_mgmt_serve_messages(void)
{
	struct dpw_msg_reply body;
	struct dpw_msg m;
	unsigned int n;
	int rc;

	apply_finish();
	for (n = 0; n < MSG_BURST; n++) {
		if (rte_ring_dequeue_elem(dp.c2d, &m, sizeof(m)) != 0)
			break;
		switch (m.op) {
		case DPW_MSG_NOP:
			reply(&m, 0);
			break;
		case DPW_MSG_HELLO:
			reply(&m, hello(&m.u.hello));
			break;
		case DPW_MSG_WAN_ADMIN:
			/* 0.1's op: the admin state is the document's now (its number stays) */
			reply(&m, -ENOTSUP);
			break;
		case DPW_MSG_WAN_HEALTH:
			reply(&m, wan_health(&m.u.wan_health));
			break;
		case DPW_MSG_WAN_LEASE:
			reply(&m, dp_cfg_lease(&m.u.wan_lease));
			break;
		case DPW_MSG_EXPLAIN: {
			struct dpw_msg_explain_reply er;
			int rc = dp_mgmt_explain(&m.u.explain, &er);

			dp_mgmt_reply(m.op, m.seq, rc, rc == 0 ? &er : NULL, sizeof(er));
			break;
		}
		case DPW_MSG_SESSIONS: {
			/* 0: the workers answer first; the reply follows from their events */
			int rc = dp_mgmt_sessions_start(&m);

			if (rc != 0)
				reply(&m, rc);
			break;
		}
		case DPW_MSG_CONFIG_APPLY:
			memset(&body, 0, sizeof(body));
			rc = config_apply(&m, &body);
			if (rc != APPLY_DEFERRED)
				reply_with(&m, rc, &body);
			return n + 1;
		default:
			reply(&m, -ENOTSUP);
			break;
		}
	}
	return n;
}

int
dp_punt_init(void)
{
	unsigned int c;

	dp.hostflow = rte_zmalloc("dp_hostflow", sizeof(*dp.hostflow), RTE_CACHE_LINE_SIZE);
	if (dp.hostflow == NULL)
		return -ENOMEM;
	for (c = 0; c < DPW_PUNT_MAX; c++) {
		const struct dp_punt_rate *r = dp_punt_rate(c);
		struct rte_meter_srtcm_params p = {
			.cir = r->pps, .cbs = r->burst, .ebs = r->burst,
		};

		if (rte_meter_srtcm_profile_config(&dp.punt_prof[c], &p) != 0)
			return -EINVAL;
	}
	return 0;
}

int
dp_punt_worker_init(struct dp_worker *w)
{
	unsigned int c;

	for (c = 0; c < DPW_PUNT_MAX; c++)
		if (rte_meter_srtcm_config(&w->punt_meter[c], &dp.punt_prof[c]) != 0)
			return -EINVAL;
	return 0;
}

/*
 * The host sends a frame out of WAN port p: remember its flow, so that the WAN input
 * policy lets the answers in. The key is the one its answers will arrive with.
 */
static void
note_host_flow(const struct rte_mbuf *m, unsigned int p, uint32_t now)
{
	const struct dp_port *port = &dp.port[p];
	struct dpw_pkt_info pi;
	uint32_t addr;
	struct dp_flow_key k;
	unsigned int drop;
	uint32_t ttl;

	if (port->wan < 0 || !dp.wst[port->wan].cfg.configured)
		return;
	addr = dp.wst[port->wan].cfg.addr;
	if (dpw_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &pi,
			  &drop) != 0 ||
	    pi.l3 != DPW_L3_IPV4 || pi.src != addr || (pi.frag & DPW_IP_OFFMASK))
		return;
	switch (pi.proto) {
	case DPW_IPPROTO_TCP:
		ttl = (pi.tcp_flags & (DPW_TCP_FIN | DPW_TCP_RST)) ? dp.conf.timeouts.tcp_closed :
								      dp.conf.timeouts.tcp_established;
		break;
	case DPW_IPPROTO_UDP:
		ttl = dp.conf.timeouts.udp;
		break;
	case DPW_IPPROTO_ICMP:
		if (pi.icmp_type != DPW_ICMP_ECHO)
			return;
		ttl = dp.conf.timeouts.icmp;
		break;
	default:
		return;
	}
	memset(&k, 0, sizeof(k));
	k.src = pi.dst;
	k.dst = pi.src;
	k.sport = pi.dport;
	k.dport = pi.sport;
	k.proto = pi.proto;
	k.zone = (uint8_t)p;
	k.family = 4;
	dp_hostflow_note(dp.hostflow, &k, now + ttl, now);
}

/*
 * DNS snooping on the LAN TAP (issue 9): an answer of our dnsmasq (source port 53) on
 * its way to a LAN host fills the domain sets before it leaves, like the workers do for
 * answers from the Internet. Only with domain rules; the packet goes out unchanged.
 */
static void
snoop_lan_dns(struct rte_mbuf *m, uint32_t secs)
{
	const struct dp_pgen *g = dp_pgen_get();
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct dpw_pkt_info pi;
	unsigned int drop;

	if (g == NULL || g->n_patterns == 0)
		return;
	if (dpw_pkt_parse(d, rte_pktmbuf_data_len(m), &pi, &drop) != 0 ||
	    pi.l3 != DPW_L3_IPV4 || pi.proto != DPW_IPPROTO_UDP || pi.frag != 0 ||
	    pi.sport != rte_cpu_to_be_16(DPW_DNS_PORT) || pi.l4_len < DPW_UDP_HDR_LEN)
		return;
	dp_dns_snoop(g, dp.dnsset, d + pi.l4_off + DPW_UDP_HDR_LEN,
		     (uint16_t)(pi.l4_len - DPW_UDP_HDR_LEN), secs, DPW_SHM_MAIN_SLOT);
}

static unsigned int
serve_slow_path(uint64_t now)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, i, total = 0, p;
	uint32_t secs;

	/* ARP first: it keeps the gateways resolved whatever else is queued */
	n = rte_ring_dequeue_burst(dp.arp, (void **)pkts, DP_BURST, NULL);
	for (i = 0; i < n; i++)
		dp_nbr_input(pkts[i]);
	total += n;

	n = rte_ring_dequeue_burst(dp.slow, (void **)pkts, DP_BURST, NULL);
	for (i = 0; i < n; i++)
		dp_nbr_to_tap(pkts[i], pkts[i]->port);
	total += n;

	n = rte_ring_dequeue_burst(dp.hold, (void **)pkts, DP_BURST, NULL);
	for (i = 0; i < n; i++)
		dp_hold_input(pkts[i], now);
	total += n;

	/* what the kernel sends on a TAP goes out of that port */
	secs = (uint32_t)((now - dp.start_tsc) / dp.tsc_hz);
	for (p = 0; p < dp.n_ports; p++) {
		n = rte_eth_rx_burst(dp.port[p].tap_id, 0, pkts, DP_BURST);
		for (i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

			/* the dataplane answers ARP for our addresses itself */
			if (rte_pktmbuf_data_len(pkts[i]) >= 22 &&
			    dpw_get16(d + 12) == DPW_ETHERTYPE_ARP && dpw_get16(d + 20) == 2) {
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			note_host_flow(pkts[i], p, secs);
			if (p == dp.lan)
				snoop_lan_dns(pkts[i], secs);
			dp_inject(pkts[i], dp.port[p].port_id);
		}
		total += n;
	}
	return total;
}

/*
 * Ports on a kernel interface (af_packet, af_xdp) report their link up whatever the
 * cable does: ask the kernel for the interface's operational state instead.
 */
static int
kernel_link_up(const char *ifname)
{
	static int fd = -1;
	struct ifreq ifr;

	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		return 0;   /* the interface went away: no link */
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static void
poll_links(void)
{
	unsigned int p;
	int changed = 0;

	for (p = 0; p < dp.n_ports; p++) {
		struct rte_eth_link link;
		struct dpw_port_shm *ps = &dp.shm->ports[p];
		int wan = dp.port[p].wan;

		memset(&link, 0, sizeof(link));
		if (dp.port[p].kif[0] != '\0') {
			int up = kernel_link_up(dp.port[p].kif);

			if (up < 0)
				continue;
			link.link_status = (uint16_t)up;
		} else if (rte_eth_link_get_nowait(dp.port[p].port_id, &link) != 0) {
			continue;
		}
		if (ps->link_up != link.link_status)
			RTE_LOG(NOTICE, USER1, "port %s link %s\n", dp.port[p].name,
				link.link_status ? "up" : "down");
		ps->link_up = link.link_status;
		/* a link that goes down takes the WAN down: gen.c flushes its sessions */
		/* the host sees the link as it is (a no-op while it does not change) */
		if (wan >= 0)
			(void)dp_port_tap_carrier(&dp.port[p], link.link_status);
		if (wan >= 0 && dp.wst[wan].link_up != link.link_status) {
			dp.wst[wan].link_up = link.link_status;
			if (!link.link_status)
				dp.wst[wan].gw_resolved = 0;   /* resolve again when it is back */
			dp.wst[wan].next_arp_tsc = 0;
			changed = 1;
		}
	}
	if (changed)
		dp_gen_publish();
}

static void
copy_port_stats(void)
{
	unsigned int p;

	for (p = 0; p < dp.n_ports; p++) {
		struct rte_eth_stats st;
		struct dpw_port_shm *ps = &dp.shm->ports[p];

		if (rte_eth_stats_get(dp.port[p].port_id, &st) != 0)
			continue;
		ps->rx_pkts = st.ipackets;
		ps->tx_pkts = st.opackets;
		ps->rx_bytes = st.ibytes;
		ps->tx_bytes = st.obytes;
		ps->rx_missed = st.imissed;
		ps->rx_errors = st.ierrors;
		ps->tx_errors = st.oerrors;
	}
}

/*
 * One line per worker with its counters now, so that a benchmark can take the
 * difference over its measured window (the exit summary counts the whole life,
 * warm-up and session creation included). Main lcore.
 */
static void
print_counters(void)
{
	uint64_t now = rte_rdtsc();
	unsigned int i;

	for (i = 0; i < dp.n_workers; i++) {
		const struct dpw_lcore_stats *st = &dp.shm->lcore[i];

		printf("dpwan-dataplane: counters: worker %u: tsc %" PRIu64 " rx %" PRIu64
		       " tx %" PRIu64 " busy_pkts %" PRIu64 " busy_cycles %" PRIu64
		       " sessions_created %" PRIu64 "\n", i, now,
		       __atomic_load_n(&st->rx_pkts, __ATOMIC_RELAXED),
		       __atomic_load_n(&st->tx_pkts, __ATOMIC_RELAXED),
		       __atomic_load_n(&st->busy_pkts, __ATOMIC_RELAXED),
		       __atomic_load_n(&st->busy_cycles, __ATOMIC_RELAXED),
		       __atomic_load_n(&st->sess_created, __ATOMIC_RELAXED));
	}
	fflush(stdout);
}

/*
 * The WANs' throughput for overflow and least used (dp.lb_load): bytes summed over the
 * workers every DP_LB_LOAD_PERIOD_MS, smoothed (a quarter of each new period's rate),
 * stored with plain word stores the workers read without a lock.
 */
static void
measure_load(uint64_t now)
{
	static uint64_t last_tsc, tx_prev[DPW_MAX_WANS], rx_prev[DPW_MAX_WANS];
	static double tx_rate[DPW_MAX_WANS], rx_rate[DPW_MAX_WANS];
	double dt;
	unsigned int w, i;

	if (last_tsc == 0) {
		last_tsc = now;
		return;
	}
	dt = (double)(now - last_tsc) / (double)dp.tsc_hz;
	last_tsc = now;
	if (dt <= 0)
		return;
	for (w = 0; w < dp.n_wans; w++) {
		uint64_t tx = 0, rx = 0;

		for (i = 0; i < dp.n_workers; i++) {
			tx += __atomic_load_n(&dp.shm->lcore[i].wan_tx_bytes[w], __ATOMIC_RELAXED);
			rx += __atomic_load_n(&dp.shm->lcore[i].wan_rx_bytes[w], __ATOMIC_RELAXED);
		}
		tx_rate[w] += ((double)(tx - tx_prev[w]) * 8 / 1000 / dt - tx_rate[w]) / 4;
		rx_rate[w] += ((double)(rx - rx_prev[w]) * 8 / 1000 / dt - rx_rate[w]) / 4;
		tx_prev[w] = tx;
		rx_prev[w] = rx;
		__atomic_store_n(&dp.lb_load.tx_kbps[w], (uint32_t)tx_rate[w], __ATOMIC_RELAXED);
		__atomic_store_n(&dp.lb_load.rx_kbps[w], (uint32_t)rx_rate[w], __ATOMIC_RELAXED);
	}
}

/* Logged firewall hits from the workers: an event each (the workers kept log_rate). */
static unsigned int
poll_fw_log(void)
{
	struct dp_fw_log l[32];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst_elem(dp.fwlog, l, sizeof(l[0]), RTE_DIM(l), NULL);
	for (i = 0; i < n; i++) {
		struct dpw_msg m;

		memset(&m, 0, sizeof(m));
		m.op = DPW_MSG_EVENT;
		m.u.event.type = DPW_EV_FW_HIT;
		m.u.event.a = l[i].wan;
		m.u.event.b = (uint32_t)l[i].dir << 24 | (uint32_t)l[i].action << 16 | l[i].rule;
		m.u.event.time_ms = dpw_now_ms();
		m.u.event.flow.src = l[i].src;
		m.u.event.flow.dst = l[i].dst;
		m.u.event.flow.sport = l[i].sport;
		m.u.event.flow.dport = l[i].dport;
		m.u.event.flow.proto = l[i].proto;
		(void)rte_ring_enqueue_elem(dp.d2c, &m, sizeof(m));
	}
	return n;
}

/* Every second: a WAN whose new flows found no free NAT port since the last look. */
static void
nat_exhaustion_tick(void)
{
	static uint64_t last[DPW_MAX_WANS];
	unsigned int wan, i;

	for (wan = 0; wan < DPW_MAX_WANS; wan++) {
		uint64_t sum = 0;

		for (i = 0; i < dp.n_workers; i++)
			sum += dp.shm->lcore[i].wan_nat_exhausted[wan];
		if (sum > last[wan])
			dp_send_event(DPW_EV_NAT_EXHAUSTED, wan, (uint32_t)(sum - last[wan]));
		last[wan] = sum;
	}
}

void
dp_mgmt_loop(void)
{
	uint64_t next_tick = 0, next_sec = 0, ms_100 = dp.tsc_hz / 10;
	struct dpw_lcore_stats *st = &dp.shm->lcore[DPW_SHM_MAIN_SLOT];

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc();
		unsigned int work;

		work = dp_mgmt_serve_messages();
		work += dp_mbox_poll_events();
		work += poll_fw_log();
		work += serve_slow_path(now);
		if (now >= next_tick) {
			poll_links();   /* a cut cable moves traffic within 100 ms */
			dp_nbr_tick(now);
			dp_lnbr_tick(now);
			dp_hold_tick(now);
			dp_gen_reclaim(0);
			measure_load(now);
			dp.shm->heartbeat_ms = dpw_mono_ms();
			if (dp.dnsset != NULL)
				__atomic_store_n(&dp.dnsset->now_s,
						 (uint32_t)((now - dp.start_tsc) / dp.tsc_hz),
						 __ATOMIC_RELAXED);
			next_tick = now + ms_100;
		}
		if (now >= next_sec) {
			copy_port_stats();
			nat_exhaustion_tick();
			next_sec = now + dp.tsc_hz;
		}
		if (__atomic_exchange_n(&dp.dump, 0, __ATOMIC_RELAXED))
			print_counters();
		st->iterations++;
		if (work == 0)
			usleep(200);
	}
}
