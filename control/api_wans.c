/* SPDX-License-Identifier: BSD-3-Clause
 * REST resource /api/v1/wans: list, one WAN, and PUT .../{name}/admin. Renders WANs
 * from the dataplane's shared WAN view; changes go through cp_wan_set_admin(). API
 * thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/dplink.h"
#include "control/wan.h"
#include "lib/cfg/dpw_sysconf.h"

json_t *
cp_api_wan_json(const struct dpw_shm *shm, unsigned int i)
{
	const struct dpw_wan_shm *w = &shm->wans[i];
	char addr[16], gw[16], mac[18];
	const char *state;
	int enabled = w->admin == DPW_WAN_ADMIN_UP;
	int usable = w->usable != 0;
	json_t *j;

	/* Health checks will add degraded/forced-down states (DESIGN.md s3). */
	state = !enabled ? "disabled" : usable ? "online" : "offline";
	dpw_ipv4_str(w->addr, addr, sizeof(addr));
	dpw_ipv4_str(w->gateway, gw, sizeof(gw));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", w->gw_mac[0],
		 w->gw_mac[1], w->gw_mac[2], w->gw_mac[3], w->gw_mac[4], w->gw_mac[5]);
	j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "name", json_stringn(w->name, strnlen(w->name, DPW_NAME_LEN)));
	json_object_set_new(j, "enabled", json_boolean(enabled));
	json_object_set_new(j, "state", json_string(state));
	json_object_set_new(j, "usable", json_boolean(usable));
	json_object_set_new(j, "address", json_string(addr));
	json_object_set_new(j, "gateway", json_string(gw));
	json_object_set_new(j, "gateway_mac", w->gw_resolved ? json_string(mac) : json_null());
	json_object_set_new(j, "mtu", json_integer(w->mtu));
	json_object_set_new(j, "weight", json_integer(w->weight));
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
	return j;
}

enum MHD_Result
cp_api_wans_get(struct MHD_Connection *c)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	json_t *arr;
	unsigned int i;

	if (shm == NULL)
		return cp_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "dataplane not attached");
	arr = json_array();
	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		json_array_append_new(arr, cp_api_wan_json(shm, i));
	return cp_api_send_json(c, MHD_HTTP_OK, arr);
}

enum MHD_Result
cp_api_wan_get(struct MHD_Connection *c, const char *name)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	int idx = cp_wan_find(name);

	if (shm == NULL || idx == -ENOTCONN)
		return cp_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "dataplane not attached");
	if (idx < 0)
		return cp_api_send_error(c, MHD_HTTP_NOT_FOUND, "no WAN named '%s'", name);
	return cp_api_send_json(c, MHD_HTTP_OK, cp_api_wan_json(shm, (unsigned int)idx));
}

enum MHD_Result
cp_api_wan_admin_put(struct MHD_Connection *c, const char *name, const char *body,
		     size_t len)
{
	char err[256];
	bool enabled;
	int rc;

	if (cp_wan_find(name) == -ENOENT)
		return cp_api_send_error(c, MHD_HTTP_NOT_FOUND, "no WAN named '%s'", name);
	if (cp_api_parse_admin_body(body, len, &enabled, err, sizeof(err)) < 0)
		return cp_api_send_error(c, MHD_HTTP_BAD_REQUEST, "%s", err);
	rc = cp_wan_set_admin(name, enabled);
	switch (rc) {
	case 0:
		return cp_api_wan_get(c, name);
	case -ENOENT:
		return cp_api_send_error(c, MHD_HTTP_NOT_FOUND, "no WAN named '%s'", name);
	case -ETIMEDOUT:
		return cp_api_send_error(c, MHD_HTTP_GATEWAY_TIMEOUT,
					 "the dataplane did not answer in time; the change may still "
					 "be applied: check GET /api/v1/wans/%s", name);
	case -ENOTCONN:
	case -ENOBUFS:
		return cp_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					 "the dataplane cannot take requests: %s", strerror(-rc));
	case -EINVAL:
		return cp_api_send_error(c, MHD_HTTP_BAD_REQUEST,
					 "the dataplane rejected the change: %s", strerror(-rc));
	default:
		return cp_api_send_error(c, MHD_HTTP_BAD_GATEWAY,
					 "the dataplane failed the change: %s", strerror(-rc));
	}
}
