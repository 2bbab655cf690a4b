/* SPDX-License-Identifier: BSD-3-Clause
 * Pure parts of the REST API: path patterns and strict request-body validation. No DPDK,
 * no libmicrohttpd, so they are unit-tested on their own. Any thread.
 */
#ifndef CP_API_PARSE_H
#define CP_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/shm/dpw_shm.h"

#define CP_API_BODY_MAX 4096        /* bytes of a small request body (PUT .../admin) */
#define CP_API_URL_MAX 256          /* bytes of a request path */

#define CP_API_PARAM_LEN 64

/*
 * Match a request path (no query string) against a route pattern in which "{x}" stands
 * for one non-empty segment of [A-Za-z0-9_-], shorter than CP_API_PARAM_LEN, copied into
 * param[] in order (at most max_params); "{x+}" also takes '.' and ':' (an IPv4
 * address, a MAC, a host name) but never a segment of dots only. 1 on a match, 0
 * otherwise. Pure.
 */
int cp_api_path_match(const char *pattern, const char *path,
		      char param[][CP_API_PARAM_LEN], unsigned int max_params);

/*
 * Validate the body of PUT /api/v1/wans/{name}/admin: exactly {"enabled": true|false}.
 * 0 and *enabled set, or -EINVAL with what is wrong and where in err.
 */
int cp_api_parse_admin_body(const char *body, size_t len, bool *enabled, char *err,
			    size_t errlen);

/*
 * Query values (explain, sessions). Each returns 0 with the value set, or -EINVAL with
 * what is wrong in err. Pure.
 *   ipv4:     a dotted quad ("198.18.0.10"), host byte order out
 *   net:      an address or a network ("198.19.0.0/24", "198.18.0.10" is a /32); bits
 *             beyond the prefix must be 0
 *   proto:    "tcp", "udp", "icmp" or a protocol number 1..255
 *   port:     1..65535
 *   mac:      six hex pairs separated by ':' or '-'
 *   cursor:   "W.S" as the sessions listing gives it (worker, slot)
 *   uint:     a decimal number in lo..hi
 */
int cp_api_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen);
int cp_api_parse_net(const char *s, uint32_t *addr, uint8_t *len, char *err, size_t errlen);
int cp_api_parse_proto(const char *s, uint8_t *proto, char *err, size_t errlen);
int cp_api_parse_port(const char *s, uint16_t *port, char *err, size_t errlen);
int cp_api_parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen);
int cp_api_parse_cursor(const char *s, uint32_t *worker, uint32_t *slot, char *err,
			size_t errlen);
int cp_api_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *v,
		      char *err, size_t errlen);

/* Name of an IP protocol for the API: "tcp", "udp", "icmp", else its number in buf. */
const char *cp_api_proto_str(uint8_t proto, char *buf, size_t len);

#endif
