/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-pktgen: a DPDK traffic generator that plays both ends of the appliance — LAN
 * hosts sending N flows (or only new flows, or TCP handshakes) with latency stamps, and
 * on every WAN port the gateway + servers that reflect the traffic back. main() parses
 * the options, opens the ports (--queues RX and TX queues each), gives each EAL lcore its
 * roles (one lcore: all of them),
 * runs the main lcore's share of the loop with the once-a-second report, prints the
 * results (table or JSON), and with --linger waits for a signal before closing the ports.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "lib/util/dpw_hugepages.h"
#include "tools/pktgen/pg.h"

#define RX_POOL_MBUFS 16383          /* at least; more with many queues */
#define POOL_CACHE 256
#define RING_SIZE 4096
#define NB_DESC 1024

struct pg pg;
static volatile sig_atomic_t sig_count;

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	sig_count++;
	pg.quit = 1;
}

/*
 * DPDK keeps its hugepage files and runtime directory after a clean exit (for secondary
 * processes); pktgen has none, so remove ours once EAL is gone.
 */
static void
remove_eal_files(const char *prefix, const char *runtime_dir)
{
	char pattern[600];
	glob_t g;
	size_t i;

	if (prefix[0] == '\0')
		return;
	dpw_remove_hugepage_files(prefix);
	if (runtime_dir[0] == '\0' || strstr(runtime_dir, prefix) == NULL)
		return;
	snprintf(pattern, sizeof(pattern), "%s/*", runtime_dir);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	rmdir(runtime_dir);
}

static void
find_prefix(int argc, char **argv, char *prefix, size_t len)
{
	int i;

	prefix[0] = '\0';
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			snprintf(prefix, len, "%s", argv[i] + 14);
		else if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			snprintf(prefix, len, "%s", argv[i + 1]);
	}
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args: --no-pci --file-prefix=X --vdev=...] -- --lan P --wan P[,P...] [options]\n"
		"  --lan P             LAN port index: generate towards the router (omit: reflector only)\n"
		"  --wan P[,P...]      WAN port indexes: reflect (ARP for any address, swap, SYN -> SYN-ACK)\n"
		"  --queues N          RX and TX queues on every port (default 1): one per dataplane\n"
		"                      worker; each LAN flow keeps to one queue, replies go back on\n"
		"                      the queue they came in on\n"
		"  --flows N           distinct 5-tuples (default 1024)\n"
		"  --proto udp|tcp     (default udp)\n"
		"  --size B|imix       Ethernet frame size including the 4-byte FCS, 64..1518, as in\n"
		"                      RFC 2544 (64 = 60 bytes in the mbuf); imix = 7:4:1 of 64/594/1518\n"
		"  --rate PPS          0 = as fast as possible (default 0)\n"
		"  --duration S        measured seconds (default 5; reflector only: 0 = until signalled)\n"
		"  --count N           stop after N measured frames\n"
		"  --warmup S          send every flow once, wait up to S s for the replies (default 2,\n"
		"                      0 with --new-flows; 0 = no warmup)\n"
		"  --warmup-rate PPS   (default 200000)\n"
		"  --new-flows         every frame a new flow (UDP: one packet each way; TCP: handshakes)\n"
		"  --lan-src A         source of the ARP request (default 198.18.0.10)\n"
		"  --gw-lan A          router LAN address (default 198.18.0.1)\n"
		"  --gw-mac M          router MAC: skip ARP\n"
		"  --src A / --dst A   first source (198.18.0.10) / destination (198.19.0.10)\n"
		"  --src-count N       source addresses (default 240)  --dst-count N (default 64)\n"
		"  --dport N           destination port (default 5000)\n"
		"  --loopback          LAN and WAN ports wired to each other, no dataplane\n"
		"  --link-wait S       wait for links up (default 10)\n"
		"  --json              results as one JSON object on stdout\n"
		"  --quiet             no per-second lines\n"
		"  --linger            after the results, wait for SIGINT/SIGTERM before closing ports\n",
		prog);
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || end == s || *end) ? -EINVAL : 0;
}

static int
parse_dbl(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return (errno || end == s || *end || *v < 0) ? -EINVAL : 0;
}

static int
parse_ip(const char *s, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*v = ntohl(a.s_addr);
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	enum { O_LAN = 256, O_WAN, O_FLOWS, O_PROTO, O_SIZE, O_RATE, O_DUR, O_COUNT, O_WARM,
	       O_WARMRATE, O_NEW, O_LANSRC, O_GWLAN, O_GWMAC, O_SRC, O_DST, O_SRCN, O_DSTN,
	       O_DPORT, O_LOOP, O_LINKWAIT, O_JSON, O_QUIET, O_LINGER, O_QUEUES, O_HELP };
	static const struct option opts[] = {
		{ "lan", 1, NULL, O_LAN }, { "wan", 1, NULL, O_WAN },
		{ "flows", 1, NULL, O_FLOWS }, { "proto", 1, NULL, O_PROTO },
		{ "size", 1, NULL, O_SIZE }, { "rate", 1, NULL, O_RATE },
		{ "duration", 1, NULL, O_DUR }, { "count", 1, NULL, O_COUNT },
		{ "warmup", 1, NULL, O_WARM }, { "warmup-rate", 1, NULL, O_WARMRATE },
		{ "new-flows", 0, NULL, O_NEW }, { "lan-src", 1, NULL, O_LANSRC },
		{ "gw-lan", 1, NULL, O_GWLAN }, { "gw-mac", 1, NULL, O_GWMAC },
		{ "src", 1, NULL, O_SRC }, { "dst", 1, NULL, O_DST },
		{ "src-count", 1, NULL, O_SRCN }, { "dst-count", 1, NULL, O_DSTN },
		{ "dport", 1, NULL, O_DPORT }, { "loopback", 0, NULL, O_LOOP },
		{ "link-wait", 1, NULL, O_LINKWAIT }, { "json", 0, NULL, O_JSON },
		{ "quiet", 0, NULL, O_QUIET }, { "linger", 0, NULL, O_LINGER },
		{ "queues", 1, NULL, O_QUEUES },
		{ "help", 0, NULL, O_HELP }, { NULL, 0, NULL, 0 },
	};
	struct pg_conf *c = &pg.conf;
	int o, warm_set = 0, dur_set = 0;
	uint64_t v;
	char *tok, *save;

	c->flows = 1024;
	c->queues = 1;
	c->proto = IPPROTO_UDP;
	c->size = 64;
	c->duration = 5;
	c->warmup = 2;
	c->warmup_rate = 200000;
	c->lan_src = 0xc612000a;      /* 198.18.0.10 */
	c->gw_lan = 0xc6120001;       /* 198.18.0.1 */
	c->src_base = 0xc612000a;
	c->dst_base = 0xc613000a;     /* 198.19.0.10 */
	c->n_src = 240;
	c->n_dst = 64;
	c->dport = 5000;
	c->link_wait = 10;

	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_LAN:
			if (parse_u64(optarg, &v) || v >= RTE_MAX_ETHPORTS)
				goto bad;
			c->has_lan = 1;
			c->lan = (uint16_t)v;
			break;
		case O_WAN:
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (parse_u64(tok, &v) || v >= RTE_MAX_ETHPORTS || c->n_wan == PG_MAX_WAN)
					goto bad;
				c->wan[c->n_wan++] = (uint16_t)v;
			}
			break;
		case O_FLOWS:
			if (parse_u64(optarg, &v) || v == 0 || v > (1u << 24))
				goto bad;
			c->flows = (uint32_t)v;
			break;
		case O_PROTO:
			if (strcmp(optarg, "udp") == 0)
				c->proto = IPPROTO_UDP;
			else if (strcmp(optarg, "tcp") == 0)
				c->proto = IPPROTO_TCP;
			else
				goto bad;
			break;
		case O_SIZE:
			if (strcmp(optarg, "imix") == 0) {
				c->size = 0;
				break;
			}
			if (parse_u64(optarg, &v) || v < 64 || v > 1518) {
				fprintf(stderr, "pktgen: --size counts the 4-byte FCS (RFC 2544): 64..1518 or imix\n");
				return -EINVAL;
			}
			c->size = (unsigned int)v;
			break;
		case O_RATE:
			if (parse_u64(optarg, &c->rate))
				goto bad;
			break;
		case O_DUR:
			if (parse_dbl(optarg, &c->duration))
				goto bad;
			dur_set = 1;
			break;
		case O_COUNT:
			if (parse_u64(optarg, &c->count))
				goto bad;
			break;
		case O_WARM:
			if (parse_dbl(optarg, &c->warmup))
				goto bad;
			warm_set = 1;
			break;
		case O_WARMRATE:
			if (parse_u64(optarg, &c->warmup_rate) || c->warmup_rate == 0)
				goto bad;
			break;
		case O_NEW:
			c->new_flows = 1;
			break;
		case O_LANSRC:
			if (parse_ip(optarg, &c->lan_src))
				goto bad;
			break;
		case O_GWLAN:
			if (parse_ip(optarg, &c->gw_lan))
				goto bad;
			break;
		case O_GWMAC:
			if (rte_ether_unformat_addr(optarg, &c->gw_mac) != 0)
				goto bad;
			c->have_gw_mac = 1;
			break;
		case O_SRC:
			if (parse_ip(optarg, &c->src_base))
				goto bad;
			break;
		case O_DST:
			if (parse_ip(optarg, &c->dst_base))
				goto bad;
			break;
		case O_SRCN:
			if (parse_u64(optarg, &v) || v == 0 || v > 65536)
				goto bad;
			c->n_src = (unsigned int)v;
			break;
		case O_DSTN:
			if (parse_u64(optarg, &v) || v == 0 || v > 65536)
				goto bad;
			c->n_dst = (unsigned int)v;
			break;
		case O_DPORT:
			if (parse_u64(optarg, &v) || v == 0 || v > 65000)
				goto bad;
			c->dport = (uint16_t)v;
			break;
		case O_LOOP:
			c->loopback = 1;
			break;
		case O_LINKWAIT:
			if (parse_dbl(optarg, &c->link_wait))
				goto bad;
			break;
		case O_JSON:
			c->json = 1;
			break;
		case O_QUIET:
			c->quiet = 1;
			break;
		case O_LINGER:
			c->linger = 1;
			break;
		case O_QUEUES:
			if (parse_u64(optarg, &v) || v == 0 || v > PG_MAX_QUEUES)
				goto bad;
			c->queues = (unsigned int)v;
			break;
		case O_HELP:
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind < argc)
		goto bad;
	if (!c->has_lan && c->n_wan == 0) {
		fprintf(stderr, "pktgen: give --lan and/or --wan\n");
		return -EINVAL;
	}
	if (!c->has_lan && !dur_set)
		c->duration = 0;
	if (c->new_flows && !warm_set)
		c->warmup = 0;
	if (c->loopback && (!c->has_lan || c->n_wan == 0)) {
		fprintf(stderr, "pktgen: --loopback needs --lan and --wan (wired to each other)\n");
		return -EINVAL;
	}
	if (c->has_lan && c->duration == 0 && c->count == 0) {
		fprintf(stderr, "pktgen: give --duration or --count\n");
		return -EINVAL;
	}
	return 0;
bad:
	if (optind > 0 && optind <= argc)
		fprintf(stderr, "pktgen: bad option or value near '%s'\n", argv[optind - 1]);
	usage(argv[0]);
	return -EINVAL;
}

static int
port_open(uint16_t port, int fast_free, struct rte_ether_addr *mac)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txc;
	uint16_t rxd = NB_DESC, txd = NB_DESC, nq = (uint16_t)pg.conf.queues, q;
	int rc;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "pktgen: no port %u (%u ports: check the --vdev arguments)\n", port,
			rte_eth_dev_count_avail());
		return -ENODEV;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	/* fast free needs one pool and refcnt 1 per queue: true for the WAN queues only */
	if (fast_free && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE))
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		fprintf(stderr, "pktgen: port %u: --queues %u, the device has %u rx / %u tx\n",
			port, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, rxd, rte_eth_dev_socket_id(port), NULL,
					    pg.rx_pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd, rte_eth_dev_socket_id(port),
						    &txc);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		fprintf(stderr, "pktgen: port %u: cannot configure or start: %s\n", port,
			strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_enable(port);   /* not every vdev can: harmless */
	rte_eth_macaddr_get(port, mac);
	return 0;
}

static int
wait_links(void)
{
	const struct pg_conf *c = &pg.conf;
	uint64_t deadline = rte_rdtsc() + (uint64_t)(c->link_wait * (double)pg.hz);
	unsigned int i;

	for (;;) {
		int all = 1;

		for (i = 0; i <= c->n_wan; i++) {
			struct rte_eth_link l;
			uint16_t p;

			if (i == c->n_wan) {
				if (!c->has_lan)
					break;
				p = c->lan;
			} else {
				p = c->wan[i];
			}
			memset(&l, 0, sizeof(l));
			rte_eth_link_get_nowait(p, &l);
			if (!l.link_status)
				all = 0;
		}
		if (all)
			return 0;
		if (pg.quit)
			return -EINTR;
		if (rte_rdtsc() > deadline)
			break;
		rte_delay_us_sleep(20000);
	}
	fprintf(stderr, "pktgen: error: links not up after %.0f s (is the peer running?)\n",
		c->link_wait);
	return -ETIMEDOUT;
}

static void
sum_counters(uint32_t cs, struct pg_counters *t)
{
	unsigned int i, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < pg.n_lc; i++) {
		const volatile struct pg_counters *c = &pg.lc[i].c[cs];

		t->tx += c->tx;
		t->tx_bytes += c->tx_bytes;
		t->tx_expect += c->tx_expect;
		t->tx_full += c->tx_full;
		t->rx += c->rx;
		t->rx_bytes += c->rx_bytes;
		t->rx_other += c->rx_other;
		t->synack += c->synack;
		t->ack_tx += c->ack_tx;
		t->ack_drop += c->ack_drop;
		for (j = 0; j < PG_MAX_WAN; j++)
			t->refl[j] += c->refl[j];
		t->refl_bytes += c->refl_bytes;
		t->refl_arp += c->refl_arp;
		t->refl_acked += c->refl_acked;
		t->refl_drop += c->refl_drop;
		t->lan_arp += c->lan_arp;
		t->rx_misq += c->rx_misq;
		for (j = 0; j < PG_MAX_QUEUES; j++) {
			t->tx_q[j] += c->tx_q[j];
			t->rx_q[j] += c->rx_q[j];
			t->refl_q[j] += c->refl_q[j];
		}
	}
}

static uint64_t
refl_total(const struct pg_counters *t)
{
	uint64_t s = 0;
	unsigned int j;

	for (j = 0; j < PG_MAX_WAN; j++)
		s += t->refl[j];
	return s;
}

static const char *
phase_str(int ph)
{
	static const char *const names[] = { "arp", "warmup", "run", "drain", "done" };

	return ph >= 0 && ph <= PG_PH_DONE ? names[ph] : "?";
}

static uint64_t next_report, last_report;
static struct pg_counters last_tot;

void
pg_report_tick(uint64_t now)
{
	struct pg_counters w, m, t;
	double dt, tx, rx, rf, hs;
	unsigned int j;

	if (now < next_report)
		return;
	sum_counters(PG_CS_WARM, &w);
	sum_counters(PG_CS_MEAS, &m);
	t = w;
	t.tx += m.tx;
	t.rx += m.rx;
	t.synack += m.synack;
	t.refl_acked += m.refl_acked;
	for (j = 0; j < PG_MAX_WAN; j++)
		t.refl[j] += m.refl[j];
	dt = (double)(now - last_report) / (double)pg.hz;
	tx = (double)(t.tx - last_tot.tx) / dt / 1e6;
	rx = (double)(t.rx - last_tot.rx) / dt / 1e6;
	rf = (double)(refl_total(&t) - refl_total(&last_tot)) / dt / 1e6;
	hs = (double)(t.synack - last_tot.synack) / dt;
	if (!pg.conf.quiet) {
		if (pg.conf.has_lan && pg.conf.new_flows && pg.conf.proto == IPPROTO_TCP)
			fprintf(stderr, "pktgen: %6.1fs %-6s tx %7.3f Mpps  rx %7.3f Mpps  "
				"refl %7.3f Mpps  handshakes/s %.0f\n",
				(double)(now - pg.t_start) / (double)pg.hz, phase_str(pg.phase),
				tx, rx, rf, hs);
		else if (pg.conf.has_lan && pg.conf.new_flows)
			fprintf(stderr, "pktgen: %6.1fs %-6s tx %7.3f Mpps  rx %7.3f Mpps  "
				"refl %7.3f Mpps  new sessions/s %.0f\n",
				(double)(now - pg.t_start) / (double)pg.hz, phase_str(pg.phase),
				tx, rx, rf, rx * 1e6);
		else
			fprintf(stderr, "pktgen: %6.1fs %-6s tx %7.3f Mpps  rx %7.3f Mpps  refl %7.3f Mpps\n",
				(double)(now - pg.t_start) / (double)pg.hz, phase_str(pg.phase),
				tx, rx, rf);
	}
	last_tot = t;
	last_report = now;
	next_report = now + pg.hz;
}

int
pg_lcore_main(void *arg)
{
	struct pg_lcore *lc = arg;
	unsigned int roles = lc->roles;

	while (pg.phase != PG_PH_DONE) {
		uint64_t now = rte_rdtsc();

		if (roles & PG_ROLE_GEN)
			pg_gen_poll(lc, now);
		if (roles & PG_ROLE_LANRX)
			pg_lanrx_poll(lc, now);
		if (roles & PG_ROLE_REFLECT)
			pg_reflect_poll(lc);
		if (lc->is_main) {
			if (!pg.conf.has_lan &&
			    (pg.quit || (pg.conf.duration > 0 &&
					 now - pg.t_run >= (uint64_t)(pg.conf.duration * (double)pg.hz)))) {
				pg.t_end = pg.t_done = now;
				rte_smp_wmb();
				pg.phase = PG_PH_DONE;
			}
			pg_report_tick(now);
		}
	}
	return 0;
}

/* Print "k": v for the JSON object or a table line. */
static void
out_num(const char *key, const char *label, double v, int decimals, int *first)
{
	if (pg.conf.json) {
		printf("%s\n  \"%s\": %.*f", *first ? "{" : ",", key, decimals, v);
		*first = 0;
	} else {
		printf("  %-32s %.*f\n", label, decimals, v);
	}
}

static void
out_str(const char *key, const char *label, const char *v, int *first)
{
	if (pg.conf.json) {
		printf("%s\n  \"%s\": \"%s\"", *first ? "{" : ",", key, v);
		*first = 0;
	} else {
		printf("  %-32s %s\n", label, v);
	}
}

static void
print_results(void)
{
	const struct pg_conf *c = &pg.conf;
	struct pg_counters m, w;
	struct pg_hist h;
	double dur, refl_dur;
	uint64_t refl;
	int64_t lost;
	char mode[32], size[16];
	int first = 1;
	unsigned int i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < pg.n_lc; i++)
		pg_hist_merge(&h, &pg.lc[i].hist);
	sum_counters(PG_CS_MEAS, &m);
	sum_counters(PG_CS_WARM, &w);
	dur = pg.t_end > pg.t_run ? (double)(pg.t_end - pg.t_run) / (double)pg.hz : 0;
	refl_dur = pg.t_done > pg.t_run ? (double)(pg.t_done - pg.t_run) / (double)pg.hz : 0;
	if (!c->has_lan)
		dur = refl_dur;
	refl = refl_total(&m);
	lost = (int64_t)m.tx_expect - (int64_t)m.rx;
	snprintf(mode, sizeof(mode), "%s", !c->has_lan ? "reflector" :
		 c->new_flows ? (c->proto == IPPROTO_TCP ? "handshakes" : "new-flows") :
		 "established");
	if (c->size)
		snprintf(size, sizeof(size), "%u", c->size);
	else
		snprintf(size, sizeof(size), "imix");

	if (!c->json)
		printf("dpwan-pktgen results\n");
	out_str("mode", "mode", mode, &first);
	out_str("result", "result", pg.failed ? "failed" : "ok", &first);
	out_num("loopback", "loopback", c->loopback, 0, &first);
	out_str("proto", "proto", c->proto == IPPROTO_TCP ? "tcp" : "udp", &first);
	out_str("size", "frame size (with FCS)", size, &first);
	out_num("flows", "flows", c->new_flows ? 0 : c->flows, 0, &first);
	out_num("rate_pps", "rate limit (pps, 0 = max)", (double)c->rate, 0, &first);
	out_num("lcores", "lcores", pg.n_lc, 0, &first);
	out_num("queues", "queues per port", c->queues, 0, &first);
	out_num("duration_s", "duration (s)", dur, 3, &first);
	out_num("sent", "sent", (double)m.tx, 0, &first);
	out_num("received", "received", (double)m.rx, 0, &first);
	out_num("reflected", "reflected", (double)refl, 0, &first);
	for (i = 0; i < c->n_wan; i++) {
		char key[32], label[40];

		snprintf(key, sizeof(key), "reflected_port%u", c->wan[i]);
		snprintf(label, sizeof(label), "reflected on port %u", c->wan[i]);
		out_num(key, label, (double)m.refl[i], 0, &first);
	}
	for (i = 0; i < c->queues; i++) {
		char key[32], label[40];

		snprintf(key, sizeof(key), "sent_queue%u", i);
		snprintf(label, sizeof(label), "sent on LAN queue %u", i);
		out_num(key, label, (double)m.tx_q[i], 0, &first);
		snprintf(key, sizeof(key), "rx_queue%u", i);
		snprintf(label, sizeof(label), "received on LAN queue %u", i);
		out_num(key, label, (double)m.rx_q[i], 0, &first);
		snprintf(key, sizeof(key), "reflected_queue%u", i);
		snprintf(label, sizeof(label), "reflected on WAN queue %u", i);
		out_num(key, label, (double)m.refl_q[i], 0, &first);
	}
	out_num("lost", "lost (after 200 ms drain)", (double)(c->has_lan ? lost : 0), 0, &first);
	out_num("loss_pct", "loss (%)", m.tx_expect ? 100.0 * (double)lost / (double)m.tx_expect : 0,
		4, &first);
	out_num("tx_mpps", "tx (Mpps)", dur > 0 ? (double)m.tx / dur / 1e6 : 0, 3, &first);
	out_num("rx_mpps", "rx (Mpps)", dur > 0 ? (double)m.rx / dur / 1e6 : 0, 3, &first);
	out_num("reflected_mpps", "reflected (Mpps)", dur > 0 ? (double)refl / dur / 1e6 : 0, 3,
		&first);
	/* frame + FCS; "wire" adds preamble and inter-frame gap */
	out_num("tx_gbps", "tx (Gbps, frames+FCS)",
		dur > 0 ? (double)(m.tx_bytes + 4 * m.tx) * 8 / dur / 1e9 : 0, 3, &first);
	out_num("tx_gbps_wire", "tx (Gbps on the wire)",
		dur > 0 ? (double)(m.tx_bytes + 24 * m.tx) * 8 / dur / 1e9 : 0, 3, &first);
	out_num("rx_gbps", "rx (Gbps, frames+FCS)",
		dur > 0 ? (double)(m.rx_bytes + 4 * m.rx) * 8 / dur / 1e9 : 0, 3, &first);
	out_num("latency_samples", "latency samples", (double)h.n, 0, &first);
	out_num("latency_min_us", "latency min (us)", (double)h.min_ns / 1e3, 3, &first);
	out_num("latency_mean_us", "latency mean (us)",
		h.n ? (double)h.sum_ns / (double)h.n / 1e3 : 0, 3, &first);
	out_num("latency_p50_us", "latency p50 (us)", (double)pg_hist_quantile(&h, 0.5) / 1e3, 3,
		&first);
	out_num("latency_p99_us", "latency p99 (us)", (double)pg_hist_quantile(&h, 0.99) / 1e3, 3,
		&first);
	out_num("latency_p999_us", "latency p99.9 (us)",
		(double)pg_hist_quantile(&h, 0.999) / 1e3, 3, &first);
	out_num("latency_max_us", "latency max (us)", (double)h.max_ns / 1e3, 3, &first);
	out_num("new_flows_per_s", "new flows/s (sent)",
		c->new_flows && dur > 0 ? (double)m.tx / dur : 0, 0, &first);
	out_num("new_flows_answered_per_s", "new flows/s (answered)",
		c->new_flows && dur > 0 ? (double)m.rx / dur : 0, 0, &first);
	out_num("handshakes", "handshakes (SYN-ACK -> ACK)", (double)m.synack, 0, &first);
	out_num("handshakes_per_s", "handshakes/s", dur > 0 ? (double)m.synack / dur : 0, 0,
		&first);
	out_num("handshakes_acked", "handshake ACKs at the far end", (double)m.refl_acked, 0,
		&first);
	out_num("acks_dropped", "ACKs dropped", (double)m.ack_drop, 0, &first);
	out_num("tx_full", "tx queue full (retried)", (double)m.tx_full, 0, &first);
	out_num("rx_other", "rx other (not ours)", (double)m.rx_other, 0, &first);
	out_num("rx_queue_mismatch", "replies on another queue", (double)m.rx_misq, 0, &first);
	out_num("reflect_dropped", "reflector dropped", (double)m.refl_drop, 0, &first);
	out_num("reflect_arp", "reflector ARP replies", (double)(m.refl_arp + w.refl_arp), 0,
		&first);
	out_num("warmup_sent", "warmup sent", (double)pg.warm_sent, 0, &first);
	out_num("warmup_answered", "warmup flows answered", (double)pg.warm_answered, 0, &first);
	out_num("warmup_rounds", "warmup rounds", pg.warm_rounds, 0, &first);
	out_num("warmup_s", "warmup (s)",
		pg.t_run > pg.t_warm && pg.t_warm ? (double)(pg.t_run - pg.t_warm) / (double)pg.hz : 0,
		3, &first);
	if (c->json)
		printf("\n}\n");
	fflush(stdout);
}

static void
assign_roles(void)
{
	unsigned int lcores[PG_MAX_LCORES], n = 0, id, i;

	lcores[n++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(id) {
		if (n < PG_MAX_LCORES)
			lcores[n++] = id;
	}
	if (!pg.conf.has_lan)
		n = 1;             /* the reflector alone: one lcore */
	else if (n > 3)
		n = 3;
	pg.n_lc = n;
	for (i = 0; i < n; i++) {
		pg.lc[i].lcore_id = lcores[i];
		pg.lc[i].is_main = i == 0;
	}
	if (!pg.conf.has_lan) {
		pg.lc[0].roles = PG_ROLE_REFLECT;
	} else if (n == 1) {
		pg.lc[0].roles = PG_ROLE_GEN | PG_ROLE_LANRX | (pg.conf.n_wan ? PG_ROLE_REFLECT : 0);
	} else if (n == 2) {
		pg.lc[0].roles = PG_ROLE_GEN;
		pg.lc[1].roles = PG_ROLE_LANRX | (pg.conf.n_wan ? PG_ROLE_REFLECT : 0);
	} else {
		pg.lc[0].roles = PG_ROLE_GEN;
		pg.lc[1].roles = PG_ROLE_LANRX;
		pg.lc[2].roles = pg.conf.n_wan ? PG_ROLE_REFLECT : 0;
	}
	for (i = 0; i < n; i++)
		fprintf(stderr, "pktgen: lcore %u:%s%s%s\n", pg.lc[i].lcore_id,
			pg.lc[i].roles & PG_ROLE_GEN ? " generate" : "",
			pg.lc[i].roles & PG_ROLE_LANRX ? " lan-rx" : "",
			pg.lc[i].roles & PG_ROLE_REFLECT ? " reflect" : "");
}

int
main(int argc, char **argv)
{
	struct pg_conf *c = &pg.conf;
	char err[256], prefix[128], runtime_dir[PATH_MAX];
	unsigned int i, j;
	int rc, ret = 1, ports_open = 0;
	uint32_t n_mbufs;
	sig_atomic_t seen;

	find_prefix(argc, argv, prefix, sizeof(prefix));
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "pktgen: cannot init EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"dpwan-pktgen";
	if (parse_args(argc, argv) != 0)
		goto out_eal;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	pg.hz = rte_get_tsc_hz();
	pg.ns_mult = (uint64_t)((1e9 * (double)(1 << 20)) / (double)pg.hz);
	pg.phase = c->has_lan ? PG_PH_RESOLVE : PG_PH_RUN;

	for (i = 0; i < c->n_wan; i++) {
		if (c->has_lan && c->wan[i] == c->lan)
			goto dup;
		for (j = 0; j < i; j++)
			if (c->wan[j] == c->wan[i])
				goto dup;
	}
	/* every RX descriptor of every queue may hold one, plus what is in flight */
	n_mbufs = (c->n_wan + 1) * c->queues * NB_DESC + 8192;
	n_mbufs = RTE_MAX(rte_align32pow2(n_mbufs) - 1, (uint32_t)RX_POOL_MBUFS);
	pg.rx_pool = rte_pktmbuf_pool_create("pg_rx", n_mbufs, POOL_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pg.rx_pool == NULL) {
		fprintf(stderr, "pktgen: cannot create the mbuf pool: %s (more --socket-mem?)\n",
			rte_strerror(rte_errno));
		goto out_eal;
	}
	ports_open = 1;
	if (c->has_lan && port_open(c->lan, 0, &pg.lan_mac) != 0)
		goto out_ports;
	for (i = 0; i < c->n_wan; i++)
		if (port_open(c->wan[i], 1, &pg.wan_mac[i]) != 0)
			goto out_ports;
	if (c->has_lan) {
		pg.lan_tx = rte_ring_create("pg_lan_tx", RING_SIZE, rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (pg.lan_tx == NULL || pg_gen_setup(err, sizeof(err)) != 0) {
			fprintf(stderr, "pktgen: %s\n", pg.lan_tx ? err : "cannot create the ring");
			goto out_ports;
		}
		if (c->have_gw_mac) {
			pg.router_mac = c->gw_mac;
			pg.router_known = 1;
		}
	}
	assign_roles();
	/* a reflector alone just polls: its peer may come and go (memif server) */
	if (c->has_lan && wait_links() != 0)
		goto out_results;

	pg.t_start = pg.t_run = rte_rdtsc();
	last_report = pg.t_start;
	next_report = pg.t_start + pg.hz;
	for (i = 1; i < pg.n_lc; i++)
		rte_eal_remote_launch(pg_lcore_main, &pg.lc[i], pg.lc[i].lcore_id);
	pg_lcore_main(&pg.lc[0]);
	rte_eal_mp_wait_lcore();
	/* every lcore has stopped polling: the ports are quiet from here on */
	ret = pg.failed ? 1 : 0;
	print_results();

out_results:
	if (pg.phase != PG_PH_DONE)
		pg.failed = 1;
	if (c->linger) {
		seen = sig_count;
		fprintf(stderr, "pktgen: lingering: ports stay open until SIGINT/SIGTERM\n");
		while (sig_count == seen)
			usleep(50000);
	}
out_ports:
	if (ports_open) {
		for (i = 0; i < c->n_wan; i++) {
			rte_eth_dev_stop(c->wan[i]);
			rte_eth_dev_close(c->wan[i]);
		}
		/* memif: let the control thread finish the peer's disconnect first */
		rte_delay_us_sleep(100000);
		if (c->has_lan) {
			rte_eth_dev_stop(c->lan);
			rte_eth_dev_close(c->lan);
		}
	}
out_eal:
	rte_eal_cleanup();
	remove_eal_files(prefix, runtime_dir);
	return ret ? ret : (pg.failed ? 1 : 0);
dup:
	fprintf(stderr, "pktgen: a port is given twice\n");
	goto out_eal;
}
