/* SPDX-License-Identifier: BSD-3-Clause
 * Between the probe engine's core (probe.c: the probe table, timeouts, delivery,
 * counters) and its methods (probe_ping.c, probe_dns.c, probe_http.c, probe_tcp.c).
 * Not for the rest of dpwan-control: it uses probe.h. Main thread only.
 */
#ifndef CP_PROBE_INT_H
#define CP_PROBE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "control/probe.h"

#define CP_PROBE_DNS_MSG_MAX 512     /* a query: header + one question (name <= 255) */
#define CP_PROBE_HTTP_ERR_LEN 256    /* CURL_ERROR_SIZE */

struct cp_probe {
	int64_t id;                   /* 0: free */
	uint8_t method;               /* enum dpw_health_method */
	bool failed;                  /* res holds a verdict reached inside start: deliver
				       * it from the loop */
	cp_probe_cb cb;
	void *arg;
	int timer;                    /* the timeout (or the deferred delivery), 0 none */
	uint64_t t0_ns;               /* when the request left */
	uint32_t dst;                 /* ping, dns, tcp: the target, host order */
	int fd;                       /* dns, tcp: the probe's own socket, -1 none */
	struct cp_probe_result res;
	union {
		struct {
			uint16_t seq;
			int sock;     /* index of the interface's raw socket */
		} ping;
		struct {
			uint16_t qid;
			uint16_t qlen;        /* the question: name, type, class */
			uint8_t q[CP_PROBE_DNS_MSG_MAX];
		} dns;
		struct {
			void *easy;           /* CURL * */
			char ifname[DPW_NAME_LEN];   /* for the socket curl opens */
			uint32_t src;
			uint32_t seen;        /* body bytes looked at */
			uint8_t match_len;
			uint8_t tail_len;     /* the last match_len - 1 bytes seen */
			bool matched;
			bool capped;          /* stopped at CP_PROBE_HTTP_BODY_MAX */
			char match[DPW_HEALTH_STR_LEN];
			char tail[DPW_HEALTH_STR_LEN];
			char err[CP_PROBE_HTTP_ERR_LEN];
		} http;
	};
};

/*
 * What a method's start returns: 0 running (an answer or the timeout ends it), 1 failed
 * at once with p->res.detail set (the core delivers the down result from the loop), or
 * -errno: could not start, nothing to deliver. Either way the core calls the method's
 * stop when the probe ends, so start leaves nothing behind that stop does not release.
 */
#define CP_PROBE_FAILED 1

/* The probe ends now (called from a loop callback only): up or down, detail printf-ed. */
void cp_probe_done(struct cp_probe *p, bool up, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The probe in table slot idx, or NULL if the slot is free. */
struct cp_probe *cp_probe_at(unsigned int idx);
unsigned int cp_probe_index(const struct cp_probe *p);

/* A non-blocking socket that leaves by the WAN: SO_BINDTODEVICE ifname ("" none), bound
 * to src:0 (0: any). The socket, or -errno (-ENODEV, -EADDRNOTAVAIL ...). */
int cp_probe_wan_socket(int type, int proto, const char *ifname, uint32_t src);

/* "connection refused", "network unreachable" ...: errno as a result detail. */
const char *cp_probe_errno_str(int err);

uint64_t cp_probe_now_ns(void);

int cp_probe_ping_start(struct cp_probe *p, const struct cp_probe_spec *s);
void cp_probe_ping_stop(struct cp_probe *p);
void cp_probe_ping_fini(void);

int cp_probe_dns_start(struct cp_probe *p, const struct cp_probe_spec *s);
void cp_probe_dns_stop(struct cp_probe *p);

int cp_probe_tcp_start(struct cp_probe *p, const struct cp_probe_spec *s);
void cp_probe_tcp_stop(struct cp_probe *p);

int cp_probe_http_init(void);
int cp_probe_http_start(struct cp_probe *p, const struct cp_probe_spec *s);
void cp_probe_http_stop(struct cp_probe *p);
void cp_probe_http_fini(void);

/* The DNS wire format (probe_dns.c), pure, for the unit tests too. */
/* Write a query for name (type A, class IN, RD) with id into buf; its length, or -EINVAL
 * for a name that is not a DNS name. *qlen: the question's length (from byte 12). */
int cp_probe_dns_query(uint8_t *buf, unsigned int size, const char *name, uint16_t id,
		       unsigned int *qlen);
/* A response to query q (the whole query, qlen its question's length): the rcode (0..15),
 * or -1 if it is not one (short, another id, QR clear, another question). */
int cp_probe_dns_answer(const uint8_t *r, unsigned int rlen, const uint8_t *q,
			unsigned int qlen);
const char *cp_probe_dns_rcode_str(int rcode);

#endif
