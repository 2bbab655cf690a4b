/* SPDX-License-Identifier: BSD-3-Clause
 * The dataplane's commands on DPDK's telemetry socket (see telemetry.h): what
 * dpdk-telemetry.py and the collectors that read DPDK telemetry ask any DPDK
 * application, answered from the plain-data shared memory the control process reads
 * too. The callbacks run on EAL's telemetry thread: they only read dpw_shm (counters
 * each lcore writes in its own slot, the WAN table the main lcore writes), never a
 * generation or a worker's tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "dataplane/dp.h"
#include "dataplane/telemetry.h"
#include "lib/msg/dpw_msg.h"

static const struct dpw_shm *shm;

static void
ipv4_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* One counter of every lcore slot summed: workers and the main lcore. */
static uint64_t
sum_at(unsigned long offset)
{
	return dpw_shm_sum(shm, offset);
}

static uint64_t
lcore_at(const struct dpw_lcore_stats *st, unsigned long offset)
{
	return *(const uint64_t *)((const char *)st + offset);
}

/* The DPW_LCORE_COUNTERS of one slot (st) or of all summed (st NULL). */
static void
add_counters(struct rte_tel_data *d, const struct dpw_lcore_stats *st)
{
	unsigned int i;

	for (i = 0; i < dpw_n_lcore_counters; i++) {
		unsigned long off = dpw_lcore_counters[i].offset;

		rte_tel_data_add_dict_u64(d, dpw_lcore_counters[i].json,
					  st != NULL ? lcore_at(st, off) : sum_at(off));
	}
}

/* A WAN index from the command's parameter: its name or its number. -1: none such. */
static int
wan_param(const char *params)
{
	char *end;
	unsigned long n;
	unsigned int i;

	for (i = 0; i < shm->n_wans; i++)
		if (strncmp(shm->wans[i].name, params, DPW_NAME_LEN) == 0)
			return (int)i;
	n = strtoul(params, &end, 10);
	return *end == '\0' && end != params && n < shm->n_wans ? (int)n : -1;
}

static int
wan_dict(struct rte_tel_data *d, unsigned int i)
{
	const struct dpw_wan_shm *w = &shm->wans[i];
	char buf[24];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "id", (int)i);
	rte_tel_data_add_dict_string(d, "name", w->name);
	rte_tel_data_add_dict_string(d, "port", shm->ports[w->port].name);
	rte_tel_data_add_dict_string(d, "state",
		dpw_wan_state_str(dpw_wan_state(w, w->health == DPW_WH_DEGRADED)));
	rte_tel_data_add_dict_string(d, "health", dpw_wan_health_str(w->health));
	rte_tel_data_add_dict_int(d, "usable", w->usable);
	rte_tel_data_add_dict_int(d, "link_up", w->link_up);
	rte_tel_data_add_dict_int(d, "gateway_resolved", w->gw_resolved);
	ipv4_str(w->addr, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "address", buf);
	ipv4_str(w->gateway, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "gateway", buf);
	rte_tel_data_add_dict_int(d, "priority", w->priority);
	rte_tel_data_add_dict_u64(d, "weight", w->weight);
	rte_tel_data_add_dict_u64(d, "usable_since_ms", w->usable_since_ms);
	rte_tel_data_add_dict_u64(d, "rtt_us", w->rtt_us);
	rte_tel_data_add_dict_u64(d, "jitter_us", w->jitter_us);
	rte_tel_data_add_dict_u64(d, "loss_permille", w->loss_permille);
	rte_tel_data_add_dict_u64(d, "tx_packets",
		sum_at(offsetof(struct dpw_lcore_stats, wan_tx_pkts) + i * sizeof(uint64_t)));
	rte_tel_data_add_dict_u64(d, "tx_bytes",
		sum_at(offsetof(struct dpw_lcore_stats, wan_tx_bytes) + i * sizeof(uint64_t)));
	rte_tel_data_add_dict_u64(d, "rx_packets",
		sum_at(offsetof(struct dpw_lcore_stats, wan_rx_pkts) + i * sizeof(uint64_t)));
	rte_tel_data_add_dict_u64(d, "rx_bytes",
		sum_at(offsetof(struct dpw_lcore_stats, wan_rx_bytes) + i * sizeof(uint64_t)));
	rte_tel_data_add_dict_u64(d, "sessions_created",
		sum_at(offsetof(struct dpw_lcore_stats, wan_sess_created) + i * sizeof(uint64_t)));
	rte_tel_data_add_dict_u64(d, "nat_ports_exhausted",
		sum_at(offsetof(struct dpw_lcore_stats, wan_nat_exhausted) +
		       i * sizeof(uint64_t)));
	return 0;
}

/* /dpwan/wans: the WANs' names; /dpwan/wans,NAME (or ,ID): that WAN. */
static int
cmd_wans(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	unsigned int i;
	int w;

	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		for (i = 0; i < shm->n_wans; i++)
			rte_tel_data_add_array_string(d, shm->wans[i].name);
		return 0;
	}
	w = wan_param(params);
	return w < 0 ? -EINVAL : wan_dict(d, (unsigned int)w);
}

/* /dpwan/workers: worker ids; /dpwan/workers,N: worker N's counters and load. */
static int
cmd_workers(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct dpw_lcore_stats *st;
	unsigned long n;
	unsigned int i;
	char *end;

	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (i = 0; i < shm->n_workers; i++)
			rte_tel_data_add_array_int(d, (int)i);
		return 0;
	}
	n = strtoul(params, &end, 10);
	if (*end != '\0' || end == params || n >= shm->n_workers)
		return -EINVAL;
	st = &shm->lcore[n];
	rte_tel_data_start_dict(d);
	add_counters(d, st);
	rte_tel_data_add_dict_u64(d, "iterations", st->iterations);
	rte_tel_data_add_dict_u64(d, "busy_cycles", st->busy_cycles);
	rte_tel_data_add_dict_u64(d, "busy_packets", st->busy_pkts);
	return 0;
}

/* /dpwan/ports: each port by name: role, DPDK port id (dpdk-dumpcap -i), link, counters. */
static int
cmd_ports(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_dict(d);
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++) {
		const struct dpw_port_shm *p = &shm->ports[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char buf[24];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "role", p->role == DPW_ROLE_WAN ? "wan" : "lan");
		rte_tel_data_add_dict_int(c, "dpdk_port", p->dpdk_port);
		rte_tel_data_add_dict_string(c, "tap", p->tap);
		rte_tel_data_add_dict_int(c, "link_up", p->link_up);
		ipv4_str(p->addr, buf, sizeof(buf));
		rte_tel_data_add_dict_string(c, "address", buf);
		rte_tel_data_add_dict_int(c, "mtu", p->mtu);
		rte_tel_data_add_dict_u64(c, "rx_packets", p->rx_pkts);
		rte_tel_data_add_dict_u64(c, "tx_packets", p->tx_pkts);
		rte_tel_data_add_dict_u64(c, "rx_bytes", p->rx_bytes);
		rte_tel_data_add_dict_u64(c, "tx_bytes", p->tx_bytes);
		rte_tel_data_add_dict_u64(c, "rx_missed", p->rx_missed);
		rte_tel_data_add_dict_container(d, p->name, c, 0);
	}
	return 0;
}

/* /dpwan/stats: the lcore counters summed over workers and the main lcore. */
static int
cmd_stats(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	add_counters(d, NULL);
	return 0;
}

/* /dpwan/sessions: active, created, closed and capacity, in all and per worker. */
static int
cmd_sessions(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	struct rte_tel_data *per = rte_tel_data_alloc();
	unsigned int i;

	if (per == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "active", DPW_SHM_SUM(shm, sess_active));
	rte_tel_data_add_dict_u64(d, "created", DPW_SHM_SUM(shm, sess_created));
	rte_tel_data_add_dict_u64(d, "closed", DPW_SHM_SUM(shm, sess_closed));
	rte_tel_data_add_dict_u64(d, "capacity_per_worker", shm->sess_capacity);
	rte_tel_data_add_dict_u64(d, "capacity", shm->sess_capacity * shm->n_workers);
	rte_tel_data_start_array(per, RTE_TEL_U64_VAL);
	for (i = 0; i < shm->n_workers; i++)
		rte_tel_data_add_array_u64(per, shm->lcore[i].sess_active);
	rte_tel_data_add_dict_container(d, "active_per_worker", per, 0);
	return 0;
}

/* /dpwan/drops: packets dropped, by reason (every reason, zero or not). */
static int
cmd_drops(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	unsigned int r;

	rte_tel_data_start_dict(d);
	for (r = 0; r < DPW_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, dpw_drop_str(r),
			sum_at(offsetof(struct dpw_lcore_stats, drops) + r * sizeof(uint64_t)));
	return 0;
}

/* /dpwan/info: what this dataplane is: workers, ports, WANs, the config in force. */
static int
cmd_info(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "pid", shm->dp_pid);
	rte_tel_data_add_dict_u64(d, "abi", shm->abi);
	rte_tel_data_add_dict_u64(d, "workers", shm->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", shm->n_ports);
	rte_tel_data_add_dict_u64(d, "wans", shm->n_wans);
	rte_tel_data_add_dict_u64(d, "start_time_ms", shm->start_time_ms);
	rte_tel_data_add_dict_u64(d, "config_generation", shm->config_gen);
	rte_tel_data_add_dict_u64(d, "wan_view_generation", shm->wan_view_gen);
	rte_tel_data_add_dict_int(d, "control_pid", shm->control_pid);
	return 0;
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} cmds[] = {
	{ "/dpwan/info", cmd_info, "dpwan dataplane: workers, ports, WANs, config generation" },
	{ "/dpwan/wans", cmd_wans,
	  "dpwan WAN names; with a parameter (name or id): that WAN's state and counters" },
	{ "/dpwan/workers", cmd_workers,
	  "dpwan worker ids; with a parameter (id): that worker's counters" },
	{ "/dpwan/ports", cmd_ports,
	  "dpwan ports by name: role, DPDK port id, link, address, counters" },
	{ "/dpwan/stats", cmd_stats, "dpwan counters summed over the lcores" },
	{ "/dpwan/sessions", cmd_sessions, "dpwan sessions: active, created, closed, capacity" },
	{ "/dpwan/drops", cmd_drops, "dpwan packets dropped, by reason" },
};

int
dp_telemetry_init(const struct dpw_shm *s)
{
	unsigned int i;
	int rc;

	shm = s;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0)
			return rc;
	}
	return 0;
}
