/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/wans: list, one WAN, and PUT .../{name}/admin (the 0.1 form of
 * enable / disable). Renders WANs from the dataplane's shared WAN view; a change is a
 * change of the document (cp_api_wan_change). Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/config.h"
#include "control/dplink.h"
#include "control/health.h"
#include "control/wan.h"
#include "lib/cfg/dpw_sysconf.h"

const char *
cp_api_wan_state_str(const struct dpw_shm *shm, unsigned int i)
{
	return dpw_wan_state_str(cp_wan_state(shm, i));
}

json_t *
cp_api_wan_json(const struct dpw_shm *shm, unsigned int i)
{
	const struct dpw_wan_shm *w = &shm->wans[i];
	char addr[16], gw[16], mac[18];
	const char *state = cp_api_wan_state_str(shm, i);
	int enabled = w->admin == DPW_WAN_ADMIN_UP;
	int usable = w->usable != 0;
	const struct dpw_doc *doc = &cp_config_running()->doc;
	unsigned int mss = w->mtu > 40 ? w->mtu - 40u : 0, k;
	json_t *j, *cnt;

	dpw_ipv4_str(w->addr, addr, sizeof(addr));
	dpw_ipv4_str(w->gateway, gw, sizeof(gw));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", w->gw_mac[0],
		 w->gw_mac[1], w->gw_mac[2], w->gw_mac[3], w->gw_mac[4], w->gw_mac[5]);
	j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "name", json_stringn(w->name, strnlen(w->name, DPW_NAME_LEN)));
	json_object_set_new(j, "port", json_stringn(shm->ports[w->port].name,
			    strnlen(shm->ports[w->port].name, DPW_NAME_LEN)));
	json_object_set_new(j, "configured", json_boolean(w->configured));
	json_object_set_new(j, "enabled", json_boolean(enabled));
	json_object_set_new(j, "forced_down", json_boolean(w->forced_down));
	json_object_set_new(j, "state", json_string(state));
	json_object_set_new(j, "usable", json_boolean(usable));
	json_object_set_new(j, "standby", json_boolean(w->standby));
	json_object_set_new(j, "priority", json_integer(w->priority ? w->priority : 1));
	json_object_set_new(j, "link", json_string(shm->ports[w->port].link_up ? "up" : "down"));
	json_object_set_new(j, "gateway_resolved", json_boolean(w->gw_resolved));
	json_object_set_new(j, "address", w->configured ? json_string(addr) : json_null());
	json_object_set_new(j, "gateway", w->configured ? json_string(gw) : json_null());
	json_object_set_new(j, "gateway_mac", w->gw_resolved ? json_string(mac) : json_null());
	json_object_set_new(j, "mtu", json_integer(w->mtu));
	json_object_set_new(j, "weight", json_integer(w->weight));
	/* the effective clamp: the document's, or "auto" (mtu - 40) */
	for (k = 0; k < doc->n_wans; k++)
		if (strcmp(doc->wans[k].name, w->name) == 0 && doc->wans[k].mss != 0)
			mss = doc->wans[k].mss;
	json_object_set_new(j, "mss", json_integer(mss));
	json_object_set_new(j, "usable_since", usable ?
			    cp_api_time_json((int64_t)w->usable_since_ms) : json_null());
	json_object_set_new(j, "online_since_ms",
			    usable ? json_integer((json_int_t)w->usable_since_ms) : json_null());
	json_object_set_new(j, "tx_packets",
			    json_integer((json_int_t)DPW_SHM_SUM(shm, wan_tx_pkts[i])));
	json_object_set_new(j, "tx_bytes",
			    json_integer((json_int_t)DPW_SHM_SUM(shm, wan_tx_bytes[i])));
	json_object_set_new(j, "rx_packets",
			    json_integer((json_int_t)DPW_SHM_SUM(shm, wan_rx_pkts[i])));
	json_object_set_new(j, "rx_bytes",
			    json_integer((json_int_t)DPW_SHM_SUM(shm, wan_rx_bytes[i])));
	json_object_set_new(j, "sessions_created",
			    json_integer((json_int_t)DPW_SHM_SUM(shm, wan_sess_created[i])));
	cnt = json_object();
	json_object_set(cnt, "tx_packets", json_object_get(j, "tx_packets"));
	json_object_set(cnt, "tx_bytes", json_object_get(j, "tx_bytes"));
	json_object_set(cnt, "rx_packets", json_object_get(j, "rx_packets"));
	json_object_set(cnt, "rx_bytes", json_object_get(j, "rx_bytes"));
	json_object_set(cnt, "sessions_created", json_object_get(j, "sessions_created"));
	json_object_set_new(j, "counters", cnt);
	json_object_set_new(j, "health", cp_health_wan_json(i));
	return j;
}

void
cp_api_wans_get(struct cp_req *r)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	json_t *arr;
	unsigned int i;

	if (shm == NULL) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return;
	}
	arr = json_array();
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		json_array_append_new(arr, cp_api_wan_json(shm, i));
	cp_api_etag(r);
	cp_api_send_json(r, 200, arr);
}

void
cp_api_wan_get(struct cp_req *r)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	int idx = cp_wan_find(r->param[0]);

	if (shm == NULL || idx == -ENOTCONN) {
		cp_api_problem(r, 503, NULL, "dataplane not attached");
		return;
	}
	if (idx < 0) {
		cp_api_problem(r, 404, NULL, "no WAN named '%s'", r->param[0]);
		return;
	}
	cp_api_etag(r);
	cp_api_send_json(r, 200, cp_api_wan_json(shm, (unsigned int)idx));
}

void
cp_api_wan_admin_put(struct cp_req *r)
{
	char err[256];
	bool enabled;

	if (cp_wan_find(r->param[0]) == -ENOENT) {
		cp_api_problem(r, 404, NULL, "no WAN named '%s'", r->param[0]);
		return;
	}
	if (cp_api_parse_admin_body(r->body, r->len, &enabled, err, sizeof(err)) < 0) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "", "message", err),
			       "%s", err);
		return;
	}
	cp_api_wan_change(r, r->param[0], enabled ? 1 : 0, -1);
}
