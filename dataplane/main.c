/* SPDX-License-Identifier: BSD-3-Clause
 * dpwan-dataplane: the DPDK primary process. Reads the system configuration and, on a
 * first boot, the factory network-policy document; starts EAL, the ports and their kernel
 * TAPs, the shared memory and rings the control process attaches to, and the worker
 * lcores; then runs the main lcore's management loop until SIGINT/SIGTERM. Every
 * start-up failure is one line on stderr (a document's: one per problem) and a non-zero
 * exit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_pdump.h>

#include "dataplane/cfg_apply.h"
#include "dataplane/pbuild.h"
#include "dataplane/dnsset.h"
#include "dataplane/dp.h"
#include "dataplane/fw.h"
#include "dataplane/lnbr.h"
#include "dataplane/port.h"
#include "dataplane/telemetry.h"
#include "lib/cfg/dpw_mbufs.h"
#include "lib/msg/dpw_msg.h"
#include "lib/util/dpw_hugepages.h"

struct dp_ctx dp;

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED);
}

/* The kernel of this network namespace owns the TAPs' sockets: its ports must not be ours. */
static int
check_ephemeral_ports(char *err, size_t errlen)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_local_port_range";
	char buf[64];
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return dpw_ephemeral_check(buf, dp.conf.nat_port_min, dp.conf.nat_port_max, err, errlen);
}

/* SIGUSR1: the main lcore prints the workers' counters (mgmt.c) */
static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_store_n(&dp.dump, 1, __ATOMIC_RELAXED);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: dpwan-dataplane [-c CONF] [--check]\n"
		   "  -c, --conf FILE  system configuration (default /etc/dpwan/dpwan.conf)\n"
		   "  --check          validate the configuration and exit\n");
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dpwan-dataplane: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int
build_eal_args(const struct dpw_sysconf *c, char **argv, int max, char *prog)
{
	static char prefix[96];
	int argc = 0, i, has_nopci = 0, any_pci = 0;
	unsigned int p;

	argv[argc++] = prog;
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", c->file_prefix);
	argv[argc++] = prefix;
	for (i = 0; i < c->n_eal_args && argc < max - 2; i++) {
		if (strcmp(c->eal_args[i], "--no-pci") == 0)
			has_nopci = 1;
		argv[argc++] = c->eal_args[i];
	}
	for (p = 0; p < c->n_ports; p++)
		any_pci |= c->ports[p].is_pci;
	if (!any_pci && !has_nopci)
		argv[argc++] = (char *)"--no-pci";    /* never probe a NIC nobody asked for */
	for (p = 0; p < c->n_ports && argc < max - 2; p++) {
		if (!c->ports[p].is_pci)
			continue;
		argv[argc++] = (char *)"-a";
		argv[argc++] = (char *)c->ports[p].device;
	}
	argv[argc] = NULL;
	return argc;
}

static int
create_shared(void)
{
	const struct rte_memzone *mz;

	mz = rte_memzone_reserve(DPW_SHM_ZONE, sizeof(struct dpw_shm), SOCKET_ID_ANY,
				 RTE_MEMZONE_SIZE_HINT_ONLY);
	if (mz == NULL)
		return fail("cannot reserve shared memory %s: %s", DPW_SHM_ZONE,
			    rte_strerror(rte_errno));
	dp.shm = mz->addr;
	memset(dp.shm, 0, sizeof(*dp.shm));
	/* the domain sets (issue 9): system.dns_sets slots; second 0 is start_tsc's */
	mz = rte_memzone_reserve(DPW_DNSSET_ZONE, sizeof(struct dpw_dnsset_hdr) +
				 (size_t)dp.conf.dns_sets * sizeof(struct dpw_dnsset_slot),
				 SOCKET_ID_ANY, RTE_MEMZONE_SIZE_HINT_ONLY);
	if (mz == NULL)
		return fail("cannot reserve the domain sets %s (%u slots): %s", DPW_DNSSET_ZONE,
			    dp.conf.dns_sets, rte_strerror(rte_errno));
	dp.dnsset = mz->addr;
	dp_dnsset_init(dp.dnsset, dp.conf.dns_sets, dpw_mono_ms());
	dp.c2d = rte_ring_create_elem(DPW_RING_C2D, sizeof(struct dpw_msg), DPW_RING_SLOTS,
				      SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp.d2c = rte_ring_create_elem(DPW_RING_D2C, sizeof(struct dpw_msg), DPW_RING_SLOTS,
				      SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp.arp = rte_ring_create(DP_RING_ARP, DP_RING_ARP_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.slow = rte_ring_create(DP_RING_SLOW, DP_RING_SLOW_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.hold = rte_ring_create(DP_RING_HOLD, DP_RING_HOLD_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.inject = rte_ring_create(DP_RING_INJECT, DP_RING_INJECT_SLOTS, SOCKET_ID_ANY,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp.fwlog = rte_ring_create_elem(DP_RING_FWLOG, sizeof(struct dp_fw_log),
					DP_RING_FWLOG_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (!dp.c2d || !dp.d2c || !dp.arp || !dp.slow || !dp.hold || !dp.inject || !dp.fwlog)
		return fail("cannot create rings: %s", rte_strerror(rte_errno));
	if (dp_lnbr_init() != 0)
		return fail("cannot create the LAN neighbour ring: %s", rte_strerror(rte_errno));
	return 0;
}

static int
create_workers(void)
{
	unsigned int lcore, i = 0;
	size_t sz = rte_rcu_qsbr_get_memsize(dp.n_workers);

	dp.qsbr = rte_zmalloc("dp_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp.qsbr == NULL || rte_rcu_qsbr_init(dp.qsbr, dp.n_workers) != 0)
		return fail("cannot set up RCU for %u workers", dp.n_workers);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker *w;
		char name[32];
		uint64_t seed;

		w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return fail("out of memory for worker %u", i);
		w->idx = i;
		w->lcore = lcore;
		w->st = &dp.shm->lcore[i];
		w->ps = &dp.shm->pstats[i];
		w->is = &dp.shm->istats[i];
		if (dp_ct_init(&w->ct, dp.conf.sessions, &dp.conf.timeouts) != 0)
			return fail("cannot allocate %u sessions for worker %u (system.sessions)",
				    dp.conf.sessions, i);
		dp.shm->sess_bytes = dp_ct_bytes_per_session(&w->ct);
		if (dp_dos_alloc(w) != 0)
			return fail("out of memory for worker %u's DoS tables", i);
		w->frag = rte_zmalloc_socket("dp_frag", sizeof(*w->frag), RTE_CACHE_LINE_SIZE,
					     rte_lcore_to_socket_id(lcore));
		if (w->frag == NULL)
			return fail("out of memory for worker %u's fragment table", i);
		if (dp_punt_worker_init(w) != 0)
			return fail("cannot set up the exception path's policers for worker %u", i);
		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = rte_rdtsc() ^ ((uint64_t)getpid() << 32);
		dp_nat_slice_init(&w->nat, dp.conf.nat_port_min, dp.conf.nat_port_max, i,
				  dp.n_workers, seed);
		snprintf(name, sizeof(name), DP_RING_HANDOFF, i);
		w->handoff = rte_ring_create(name, DP_RING_HANDOFF_SLOTS,
					     rte_lcore_to_socket_id(lcore), RING_F_SC_DEQ);
		if (w->handoff == NULL)
			return fail("cannot create ring %s: %s", name, rte_strerror(rte_errno));
		snprintf(name, sizeof(name), DP_RING_RELAY, i);
		w->relay = rte_ring_create(name, DP_RING_RELAY_SLOTS, rte_lcore_to_socket_id(lcore),
					   RING_F_SC_DEQ);
		if (w->relay == NULL)
			return fail("cannot create ring %s: %s", name, rte_strerror(rte_errno));
		snprintf(name, sizeof(name), DP_RING_MBOX, i);
		w->mbox = rte_ring_create_elem(name, sizeof(struct dp_mbox_cmd), DP_RING_MBOX_SLOTS,
					       rte_lcore_to_socket_id(lcore),
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), DP_RING_MBOX_EV, i);
		w->mbox_ev = rte_ring_create_elem(name, sizeof(struct dp_mbox_ev),
						  DP_RING_MBOX_SLOTS, rte_lcore_to_socket_id(lcore),
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->mbox == NULL || w->mbox_ev == NULL)
			return fail("cannot create worker %u's mailbox: %s", i,
				    rte_strerror(rte_errno));
		dp.workers[i++] = w;
	}
	return 0;
}

static void
fill_shared(void)
{
	struct dpw_shm *s = dp.shm;
	unsigned int p;

	s->magic = DPW_SHM_MAGIC;
	s->abi = DPW_SHM_ABI;
	s->dp_pid = getpid();
	s->n_ports = dp.n_ports;
	s->n_wans = dp.n_wans;
	s->n_workers = dp.n_workers;
	s->start_time_ms = dpw_now_ms();
	s->heartbeat_ms = dpw_mono_ms();
	s->sess_capacity = dp.conf.sessions;
	s->tsc_hz = dp.tsc_hz;
	for (p = 0; p < dp.n_ports; p++) {
		const struct dp_port *dpp = &dp.port[p];
		const struct dpw_port_conf *pc = &dp.conf.ports[p];
		struct dpw_port_shm *ps = &s->ports[p];

		snprintf(ps->name, sizeof(ps->name), "%s", dpp->name);
		snprintf(ps->tap, sizeof(ps->tap), "dpw-%s", dpp->name);
		ps->role = dpp->role;
		memcpy(ps->mac, dpp->mac.addr_bytes, 6);
		/* a WAN's address is the document's: the view's publication mirrors it */
		ps->addr = pc->addr;
		ps->prefixlen = pc->prefixlen;
		ps->mtu = pc->mtu;
		ps->dpdk_port = dpp->port_id;
		if (dpp->wan >= 0) {
			struct dpw_wan_shm *ws = &s->wans[dpp->wan];

			/* no verdict yet: judged by link and ARP alone until WAN_HEALTH */
			dp_wan_health_reset(&dp.wst[dpp->wan]);
			snprintf(ws->name, sizeof(ws->name), "%s", dpp->name);
			ws->port = (uint8_t)p;
		}
	}
}

/*
 * The pool's size and its mbufs' data room for n_workers: every queue, ring, cache and
 * buffer that can hold an mbuf (dp.h), and room for a frame of the largest port MTU.
 * Refuses a configured system.mbufs below the sum, naming its line. 0 or -errno + err.
 */
static int
size_pool(const struct dpw_sysconf *c, unsigned int n_workers, uint32_t *n_mbufs,
	  uint32_t *room, char *err, size_t errlen)
{
	struct dpw_mbuf_shape shape = {
		.n_ports = c->n_ports,
		.n_workers = n_workers,
		.rx_desc = DP_RX_DESC,
		.tx_desc = DP_TX_DESC,
		.tap_rx_desc = DP_TAP_DESC,
		.shared_ring_slots = DP_RING_ARP_SLOTS + DP_RING_SLOW_SLOTS + DP_RING_HOLD_SLOTS +
				     DP_RING_INJECT_SLOTS,
		/* and the fragments a worker holds for their datagrams' first (stage_frag.c) */
		.worker_ring_slots = DP_RING_HANDOFF_SLOTS + DP_RING_RELAY_SLOTS +
				     DP_FRAG_HELD_PER_WORKER,
		.held = DP_HOLD_MAX,
		.cache = DP_POOL_CACHE,
		.burst = DP_BURST,
		.txq_len = DP_TXQ_LEN,
	};
	struct dpw_mbuf_need need;
	char where[DPW_PATH_LEN + 16];
	uint32_t max_mtu = 0;
	unsigned int p;

	for (p = 0; p < c->n_ports; p++)
		max_mtu = RTE_MAX(max_mtu, (uint32_t)c->ports[p].mtu);
	*room = dpw_mbuf_data_room(max_mtu, RTE_PKTMBUF_HEADROOM, RTE_MBUF_DEFAULT_BUF_SIZE);
	dpw_mbuf_need(&shape, &need);
	if (c->mbufs_line)
		snprintf(where, sizeof(where), "%s:%d", c->path, c->mbufs_line);
	else
		snprintf(where, sizeof(where), "%s", c->path);
	return dpw_mbuf_pool_size(&need, c->mbufs, where, n_mbufs, err, errlen);
}

/* --check: the workers EAL would start, from system.eal_args, then the pool's sum. */
static int
check_pool(const struct dpw_sysconf *c, char *err, size_t errlen)
{
	cpu_set_t cpus;
	unsigned int n_cpus = 1;
	uint32_t n, room;
	int lcores;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		n_cpus = (unsigned int)CPU_COUNT(&cpus);
	lcores = dpw_eal_lcore_count(c->eal_args, c->n_eal_args, n_cpus);
	if (lcores < 0) {
		snprintf(err, errlen, "%s: cannot read the lcore list (--lcores, -l or -c) in "
			 "system.eal_args", c->path);
		return lcores;
	}
	if (lcores < 2 || lcores - 1 > DPW_MAX_WORKERS) {
		snprintf(err, errlen, "%s: system.eal_args give %d worker lcores: 1 to %d are "
			 "supported (the first lcore is the main lcore)", c->path, lcores - 1,
			 DPW_MAX_WORKERS);
		return -EINVAL;
	}
	return size_pool(c, (unsigned int)lcores - 1, &n, &room, err, errlen);
}

/*
 * Where the WAN table comes from at start: the control process's store in the state
 * directory holds the applied generations, and the control process applies the last one;
 * without it (a first boot, a lab, a benchmark) the factory document is generation 0.
 * 1: use the factory document; 0: start with every WAN unconfigured.
 */
static int
use_factory(const struct dpw_sysconf *c)
{
	char db[DPW_PATH_LEN + sizeof(DPW_STORE_FILE) + 1];

	snprintf(db, sizeof(db), "%s/%s", c->state_dir, DPW_STORE_FILE);
	if (access(db, F_OK) == 0) {
		printf("dpwan-dataplane: %s exists: every WAN unconfigured until the control "
		       "process applies its generation\n", db);
		return 0;
	}
	if (c->policy_path[0] == '\0') {
		printf("dpwan-dataplane: no system.policy in %s and no %s: every WAN "
		       "unconfigured until a document is applied\n", c->path, db);
		return 0;
	}
	return 1;
}

/*
 * One line per worker at exit, counted over the whole life (warm-up included); tools/bench
 * takes cycles per packet over its measured window from the SIGUSR1 lines instead.
 */
static void
print_summary(void)
{
	unsigned int i;

	for (i = 0; i < dp.n_workers; i++) {
		const struct dpw_lcore_stats *st = &dp.shm->lcore[i];
		const struct dp_worker *w = dp.workers[i];

		printf("dpwan-dataplane: worker %u: rx %" PRIu64 " tx %" PRIu64 " busy_pkts %" PRIu64
		       " busy_cycles %" PRIu64 " cycles_per_pkt %.1f sessions_created %" PRIu64
		       " sessions_active %u bytes_per_session %" PRIu64 " tsc_hz %" PRIu64 "\n",
		       i, st->rx_pkts, st->tx_pkts, st->busy_pkts, st->busy_cycles,
		       st->busy_pkts ? (double)st->busy_cycles / (double)st->busy_pkts : 0.0,
		       st->sess_created, dp_ct_count(&w->ct), dp_ct_bytes_per_session(&w->ct),
		       dp.tsc_hz);
		for (unsigned int r = 0; r < DPW_DROP_MAX; r++)
			if (st->drops[r])
				printf("dpwan-dataplane: worker %u: drop %s %" PRIu64 "\n", i,
				       dpw_drop_str(r), st->drops[r]);
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = "/etc/dpwan/dpwan.conf";
	char *eal_argv[DPW_MAX_EAL_ARGS + 2 * DPW_MAX_PORTS + 8];
	static struct dpw_doc factory;
	static struct dpw_doc_problems pr;
	uint8_t factory_hash[DPW_DOC_HASH_LEN];
	int with_factory;
	char err[512];
	unsigned int p, n_probed = 0;
	uint32_t n_mbufs, room;
	int opt, check = 0, eal_argc, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dpw_sysconf_load(conf_path, &dp.conf, err, sizeof(err)) != 0)
		return fail("%s", err);
	dpw_doc_context_from_sysconf(&dp.conf, &dp.doc_ctx);
	if (check) {
		if (check_pool(&dp.conf, err, sizeof(err)) != 0) {
			rc = fail("%s", err);
			dpw_sysconf_free(&dp.conf);
			return rc;
		}
		if (dp.conf.policy_path[0] != '\0' &&
		    dp_cfg_read_factory(&dp.conf, &factory, factory_hash) != 0) {
			dpw_sysconf_free(&dp.conf);
			return 1;
		}
		dpw_doc_free(&factory);
		printf("%s: OK (%u ports%s%s)\n", conf_path, dp.conf.n_ports,
		       dp.conf.policy_path[0] ? ", factory document " : "", dp.conf.policy_path);
		dpw_sysconf_free(&dp.conf);
		return 0;
	}
	/* a bad factory document is said before anything is started */
	with_factory = use_factory(&dp.conf);
	if (with_factory && dp_cfg_read_factory(&dp.conf, &factory, factory_hash) != 0) {
		dpw_sysconf_free(&dp.conf);
		return 1;
	}
	if (check_ephemeral_ports(err, sizeof(err)) != 0)
		return fail("%s", err);

	eal_argc = build_eal_args(&dp.conf, eal_argv, RTE_DIM(eal_argv), argv[0]);
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		return fail("cannot start DPDK (EAL): %s; check hugepages (grep Huge /proc/meminfo, "
			    "a hugetlbfs mount), that no other dataplane uses file prefix '%s', "
			    "and system.eal_args in %s", rte_strerror(rte_errno),
			    dp.conf.file_prefix, conf_path);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);

	dp.n_workers = rte_lcore_count() - 1;
	if (dp.n_workers == 0 || dp.n_workers > DPW_MAX_WORKERS) {
		rc = fail("%u worker lcores: 1 to %d are supported; give EAL more lcores "
			  "(system.eal_args --lcores) — the first is the main lcore",
			  dp.n_workers, DPW_MAX_WORKERS);
		goto out_eal;
	}
	dp.tsc_hz = rte_get_tsc_hz();
	dp.start_tsc = rte_rdtsc();
	if ((rc = create_shared()) != 0)
		goto out_eal;
	if (size_pool(&dp.conf, dp.n_workers, &n_mbufs, &room, err, sizeof(err)) != 0) {
		rc = fail("%s", err);
		goto out_eal;
	}
	/* the devices next: what they cannot do is said before memory is spent on them */
	for (p = 0; p < dp.conf.n_ports; p++) {
		if (dp_port_probe(&dp.port[p], &dp.conf.ports[p], (uint16_t)dp.n_workers, err,
				  sizeof(err)) != 0) {
			rc = fail("%s", err);
			goto out_probed;
		}
		n_probed++;
	}
	dp.pool = rte_pktmbuf_pool_create("dp_mbufs", n_mbufs, DP_POOL_CACHE, 0, (uint16_t)room,
					  rte_socket_id());
	if (dp.pool == NULL) {
		rc = fail("cannot create %u mbufs of %u bytes (system.mbufs, the largest mtu), "
			  "about %" PRIu64 " MB: %s; give EAL more memory (--socket-mem in "
			  "system.eal_args)", n_mbufs, room,
			  (uint64_t)n_mbufs * (room + 192) >> 20, rte_strerror(rte_errno));
		goto out_probed;
	}
	RTE_LOG(INFO, USER1, "mbuf pool: %u mbufs of %u bytes for %u ports and %u workers\n",
		n_mbufs, room, dp.conf.n_ports, dp.n_workers);

	for (p = 0; p < dp.conf.n_ports; p++) {
		const struct dpw_port_conf *pc = &dp.conf.ports[p];
		struct dp_port *dpp = &dp.port[p];

		dpp->wan = -1;
		if (pc->role == DPW_ROLE_WAN) {
			dpp->wan = (int)dp.n_wans;
			dp.wan_port[dp.n_wans++] = p;
		} else {
			dp.lan = p;
		}
		dp.n_ports++;   /* closed on failure from here on, TAP or not */
		if (dp_port_open(dpp, pc, p, (uint16_t)dp.n_workers, dp.pool, err, sizeof(err))
		    != 0) {
			rc = fail("%s", err);
			goto out_ports;
		}
	}
	fill_shared();
	if (dp_punt_init() != 0) {
		rc = fail("cannot set up the exception path (WAN input policy, policers)");
		goto out_ports;
	}
	/* DPDK's own tools see us as any DPDK application: telemetry and dpdk-dumpcap */
	if (dp_telemetry_init(dp.shm) != 0)
		RTE_LOG(WARNING, USER1, "telemetry: cannot register the /dpwan commands\n");
	if (rte_pdump_init() != 0)
		RTE_LOG(WARNING, USER1, "packet capture (rte_pdump) unavailable: %s\n",
			rte_strerror(rte_errno));
	if ((rc = create_workers()) != 0)
		goto out_ports;
	if (dp_sticky_init(&dp.sticky, DP_STICKY_ENTRIES) != 0) {
		rc = fail("out of memory for the sticky table");
		goto out_ports;
	}
	if ((rc = dp_pbuild_start()) != 0) {
		rc = fail("cannot start the builder thread: %s", strerror(-rc));
		goto out_ports;
	}
	if (with_factory) {
		struct dp_pgen *g = NULL;
		uint8_t wan_id[DPW_MAX_WANS];

		dpw_doc_problems_init(&pr);
		/* before the lcores start: built here, not on the builder thread */
		if (dp_cfg_check(&factory, wan_id, &pr) != 0 ||
		    dp_pgen_build(&factory, wan_id, 0, dp.n_workers, NULL, &g, &pr) != 0 ||
		    dp_cfg_apply(&factory, 0, factory_hash, &pr) != 0) {
			dp_pgen_free(g);
			dpw_doc_free(&factory);
			for (p = 0; p < pr.n; p++)
				fprintf(stderr, "dpwan-dataplane: %s: %s%s%s\n",
					dp.conf.policy_path, pr.p[p].path,
					pr.p[p].path[0] ? ": " : "", pr.p[p].message);
			rc = 1;
			goto out_ports;
		}
		dp_gen_publish_pgen(g);
		dpw_doc_free(&factory);
	} else if (dp_gen_publish() != 0) {
		rc = fail("out of memory for the WAN view");
		goto out_ports;
	}

	for (p = 0; p < dp.n_workers; p++)
		rte_eal_remote_launch(dp_worker_main, dp.workers[p], dp.workers[p]->lcore);

	printf("dpwan-dataplane: ready: %u worker(s), %u port(s), file prefix %s\n",
	       dp.n_workers, dp.n_ports, dp.conf.file_prefix);
	fflush(stdout);

	dp_mgmt_loop();

	printf("dpwan-dataplane: stopping\n");
	fflush(stdout);
	rte_eal_mp_wait_lcore();
	print_summary();
	dp_pbuild_stop();
	dp_gen_reclaim(1);
	dp_pgen_free(dp.pgen);
	dp.pgen = NULL;
	rc = 0;
out_ports:
	dp_pbuild_stop();
	dp_sticky_free(&dp.sticky);
	for (p = 0; p < dp.n_ports; p++)
		dp_port_close(&dp.port[p]);
out_probed:
	for (p = dp.n_ports; p < n_probed; p++)
		dp_port_close(&dp.port[p]);
out_eal:
	rte_pdump_uninit();
	rte_eal_cleanup();
	dpw_remove_hugepage_files(dp.conf.file_prefix);
	dpw_sysconf_free(&dp.conf);
	return rc;
}
