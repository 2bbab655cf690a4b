/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource GET /api/v1/status: dataplane and control liveness, ports, WANs,
 * counters summed over lcores, drops by reason and per-worker figures, all read from
 * the dataplane's shared memory. API thread.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dplink.h"
#include "lib/cfg/dpw_sysconf.h"

#define SET_U64(obj, key, v) json_object_set_new((obj), (key), json_integer((json_int_t)(v)))

static json_t *
port_json(const struct dpw_port_shm *p)
{
	char addr[16], mac[18];
	json_t *j = json_object();

	dpw_ipv4_str(p->addr, addr, sizeof(addr));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
		 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	json_object_set_new(j, "name", json_stringn(p->name, strnlen(p->name, DPW_NAME_LEN)));
	json_object_set_new(j, "role", json_string(p->role == DPW_ROLE_WAN ? "wan" : "lan"));
	json_object_set_new(j, "tap", json_stringn(p->tap, strnlen(p->tap, DPW_NAME_LEN)));
	json_object_set_new(j, "mac", json_string(mac));
	json_object_set_new(j, "address", json_string(addr));
	SET_U64(j, "prefixlen", p->prefixlen);
	SET_U64(j, "mtu", p->mtu);
	json_object_set_new(j, "link_up", json_boolean(p->link_up));
	SET_U64(j, "rx_packets", p->rx_pkts);
	SET_U64(j, "tx_packets", p->tx_pkts);
	SET_U64(j, "rx_bytes", p->rx_bytes);
	SET_U64(j, "tx_bytes", p->tx_bytes);
	SET_U64(j, "rx_missed", p->rx_missed);
	SET_U64(j, "rx_errors", p->rx_errors);
	SET_U64(j, "tx_errors", p->tx_errors);
	return j;
}

static json_t *
counters_json(const struct dpw_shm *shm)
{
	json_t *j = json_object();
	unsigned int i;

	for (i = 0; i < dpw_n_lcore_counters; i++)
		SET_U64(j, dpw_lcore_counters[i].json, dpw_shm_sum(shm, dpw_lcore_counters[i].offset));
	return j;
}

void
cp_api_status_get(struct cp_req *c)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	json_t *root, *dp, *ctl, *cfg, *pend, *ports, *wans, *drops, *punt, *workers;
	uint64_t now = cp_now_ms();
	unsigned int i;

	if (shm == NULL) {
		cp_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "dataplane not attached");
		return;
	}

	dp = json_object();
	SET_U64(dp, "pid", shm->dp_pid);
	SET_U64(dp, "uptime_s", now > shm->start_time_ms ? (now - shm->start_time_ms) / 1000 : 0);
	SET_U64(dp, "workers", shm->n_workers);
	SET_U64(dp, "wan_view_gen", shm->wan_view_gen);
	SET_U64(dp, "session_capacity", shm->sess_capacity);
	SET_U64(dp, "bytes_per_session", shm->sess_bytes);
	json_object_set_new(dp, "alive", json_boolean(cp_dplink_alive(NULL, 0)));

	ctl = json_object();
	SET_U64(ctl, "pid", getpid());
	SET_U64(ctl, "uptime_s", (now - cp.started_ms) / 1000);

	cfg = json_object();
	{
		const struct cp_running *run = cp_config_running();
		char hex[2 * DPW_DOC_HASH_LEN + 1];
		struct cp_confirm c;

		SET_U64(cfg, "generation", run->gen);
		json_object_set_new(cfg, "hash", run->gen > 0 ?
				    json_string(dpw_doc_hash_hex(run->hash, hex)) : json_null());
		json_object_set_new(cfg, "applied_at", cp_api_time_json(run->applied_ms));
		SET_U64(cfg, "dataplane_generation", shm->config_gen);
		pend = json_null();
		if (cp_config_pending(&c)) {
			int64_t left = c.deadline_ms - (int64_t)dpw_now_ms();

			pend = json_pack("{s:I,s:I,s:o,s:I}", "generation", (json_int_t)c.gen,
					 "rollback_to", (json_int_t)c.rollback_to, "deadline",
					 cp_api_time_json(c.deadline_ms), "seconds_left",
					 (json_int_t)(left > 0 ? (left + 999) / 1000 : 0));
		}
		json_object_set_new(cfg, "pending_confirm", pend);
	}

	ports = json_array();
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++)
		json_array_append_new(ports, port_json(&shm->ports[i]));

	wans = json_array();
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		json_array_append_new(wans, cp_api_wan_json(shm, i));

	drops = json_object();
	for (i = 0; i < DPW_DROP_MAX; i++)
		SET_U64(drops, dpw_drop_str(i), DPW_SHM_SUM(shm, drops[i]));
	punt = json_object();
	for (i = 0; i < DPW_PUNT_MAX; i++) {
		json_t *pc = json_object();

		SET_U64(pc, "punted", DPW_SHM_SUM(shm, punt_class[i]));
		SET_U64(pc, "policed", DPW_SHM_SUM(shm, punt_policed[i]));
		json_object_set_new(punt, dpw_punt_class_str(i), pc);
	}

	workers = json_array();
	for (i = 0; i < shm->n_workers && i < DPW_MAX_WORKERS; i++) {
		const struct dpw_lcore_stats *l = &shm->lcore[i];
		json_t *w = json_object();

		SET_U64(w, "id", i);
		SET_U64(w, "rx_packets", l->rx_pkts);
		SET_U64(w, "tx_packets", l->tx_pkts);
		SET_U64(w, "sessions_active", l->sess_active);
		SET_U64(w, "busy_cycles", l->busy_cycles);
		SET_U64(w, "busy_packets", l->busy_pkts);
		json_array_append_new(workers, w);
	}

	root = json_object();
	json_object_set_new(root, "dataplane", dp);
	json_object_set_new(root, "control", ctl);
	json_object_set_new(root, "config", cfg);
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "wans", wans);
	json_object_set_new(root, "counters", counters_json(shm));
	json_object_set_new(root, "drops", drops);
	json_object_set_new(root, "exception_path", punt);
	json_object_set_new(root, "workers", workers);
	cp_api_etag(c);
	cp_api_send_json(c, MHD_HTTP_OK, root);
}
