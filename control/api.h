/* SPDX-License-Identifier: BSD-3-Clause
 * REST API server (libmicrohttpd, its own internal polling thread): start/stop from the
 * main thread; the helpers and resource handlers below run on the API thread only.
 * Handlers parse the request and call core functions (control/wan.h ...): no policy
 * logic here.
 */
#ifndef CP_API_H
#define CP_API_H

#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lib/shm/dpw_shm.h"

/* one client cannot hold every slot; an idle connection is dropped after 5 s */
#define CP_API_CONN_LIMIT 64
#define CP_API_CONN_PER_IP 4
#define CP_API_CONN_TIMEOUT_S 5
#define CP_API_CONN_MEMORY (32 * 1024)  /* bounds headers and URL per connection */

/*
 * Start the API on listen:port (IPv4 or IPv6 literal); bearer tokens are checked
 * against <state_dir>/api-tokens. 0 or -errno. Main thread, after cp_dplink_attach().
 */
int cp_api_start(const char *listen, uint16_t port, const char *state_dir);

/* Stop the API thread and close the socket. Main thread. */
void cp_api_stop(void);

/* CLOCK_REALTIME ms when the control process started (for uptime). */
uint64_t cp_api_started_ms(void);

/* Queue a JSON response (takes the reference to j). API thread. */
enum MHD_Result cp_api_send_json(struct MHD_Connection *c, unsigned int status, json_t *j);

/* Queue {"error": "..."} with the given status. API thread. */
enum MHD_Result cp_api_send_error(struct MHD_Connection *c, unsigned int status,
				  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Queue a text response (copies buf). API thread. */
enum MHD_Result cp_api_send_text(struct MHD_Connection *c, unsigned int status,
				 const char *content_type, const char *buf, size_t len);

/* The WAN object of the API for shm->wans[i] (new reference). API thread. */
json_t *cp_api_wan_json(const struct dpw_shm *shm, unsigned int i);

/* Resource handlers, one file each: api_status.c, api_wans.c, api_metrics.c. */
enum MHD_Result cp_api_status_get(struct MHD_Connection *c);
enum MHD_Result cp_api_wans_get(struct MHD_Connection *c);
enum MHD_Result cp_api_wan_get(struct MHD_Connection *c, const char *name);
enum MHD_Result cp_api_wan_admin_put(struct MHD_Connection *c, const char *name,
				     const char *body, size_t len);
enum MHD_Result cp_api_metrics_get(struct MHD_Connection *c);

#endif
