/* SPDX-License-Identifier: BSD-3-Clause
 * System configuration (conf/dpwan.conf, libconfig syntax): the settings that need a
 * restart — EAL arguments, ports and their roles, the LAN address, frame MTUs, pool and
 * table sizes, NAT port range, session timeouts, the API listener, the state directory
 * and the factory network-policy document (system.policy). A WAN's addressing, weight
 * and admin state are in that document (lib/cfg/dpw_doc.h), not here.
 * Both processes read the same file. Pure: no DPDK.
 */
#ifndef DPW_SYSCONF_H
#define DPW_SYSCONF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/shm/dpw_shm.h"

#define DPW_MAX_EAL_ARGS 32
#define DPW_DEVICE_LEN 256
#define DPW_PATH_LEN 256

#define DPW_MAX_INPUT_ALLOW 8

/* A service of the appliance's own host that a WAN may reach (allow_input). */
struct dpw_input_allow {
	uint8_t proto;              /* 6 TCP, 17 UDP */
	uint16_t port_lo;           /* host order, inclusive */
	uint16_t port_hi;
};

struct dpw_port_conf {
	char name[DPW_NAME_LEN];
	uint8_t role;               /* enum dpw_port_role */
	char device[DPW_DEVICE_LEN]; /* vdev string ("net_af_packet0,iface=wan1") or PCI address */
	int is_pci;
	uint32_t addr;              /* LAN only, host byte order (a WAN's: the document) */
	uint8_t prefixlen;          /* LAN only */
	uint16_t mtu;               /* the port's frame MTU, 1500 unless set; a WAN's IP MTU
				     * (the document's wans[].mtu) must not exceed it */
	/* WAN input policy (what may reach the host through this WAN; default deny) */
	int reply_to_ping;          /* answer echo requests to the WAN address (Peplink: on) */
	struct dpw_input_allow allow[DPW_MAX_INPUT_ALLOW];   /* "tcp/22", "udp/500-501" */
	unsigned int n_allow;
	int line;                   /* of the port's group in the file, for start-up errors */
};

struct dpw_timeouts {
	uint32_t tcp_syn;           /* seconds, until the handshake completes */
	uint32_t tcp_established;
	uint32_t tcp_fin;           /* after the first FIN */
	uint32_t tcp_closed;        /* after RST or both FINs */
	uint32_t udp;
	uint32_t icmp;
};

struct dpw_sysconf {
	char path[DPW_PATH_LEN];
	char file_prefix[64];
	char *eal_args[DPW_MAX_EAL_ARGS];  /* extra EAL arguments, owned */
	int n_eal_args;
	uint32_t idle_sleep_us;     /* 0: pure polling (production); >0: sleep when idle */
	uint32_t mbufs;             /* 0: sized from ports and workers (dpw_mbufs.h) */
	int mbufs_line;             /* of system.mbufs in the file, 0 if not set */
	uint32_t sessions;          /* per worker */
	uint32_t dns_sets;          /* slots of the domain sets' table (issue 9), a power of
				     * two (lib/shm/dpw_dnsset.h) */
	uint16_t nat_port_min;
	uint16_t nat_port_max;
	struct dpw_timeouts timeouts;
	struct dpw_port_conf ports[DPW_MAX_PORTS];
	unsigned int n_ports;
	char state_dir[DPW_PATH_LEN];
	/* system.hook: run on every WAN state change with DPWAN_WAN, DPWAN_OLD_STATE,
	 * DPWAN_NEW_STATE, DPWAN_REASON in its environment (mwan3.user); "" none */
	char hook[DPW_PATH_LEN];
	char api_listen[64];
	uint16_t api_port;
	int api_allow_wan;          /* api.allow_wan: the listener may cover a WAN address */
	char api_tls_cert[DPW_PATH_LEN]; /* api.tls_cert / tls_key: PEM files, HTTPS; "" none */
	char api_tls_key[DPW_PATH_LEN];
	char log_level[16];
	/* system.policy: the factory network-policy document, absolute ("" if not set) */
	char policy_path[DPW_PATH_LEN];
	enum dpw_doc_format policy_format;  /* by its extension: .json, .yaml / .yml */
};

/* Fill conf with the built-in defaults (no ports). Any thread. */
void dpw_sysconf_defaults(struct dpw_sysconf *conf);

/*
 * Load and validate a system configuration file. On failure returns -errno and writes
 * "FILE:LINE: what is wrong" into err; conf is then left untouched. Any thread.
 */
int dpw_sysconf_load(const char *path, struct dpw_sysconf *conf, char *err, size_t errlen);

/*
 * The same over a NUL-terminated text already in memory (tests, the fuzz target);
 * name stands for the file in conf->path and in the "NAME:LINE: ..." errors. @include
 * directives in text are read like in a file. Any thread.
 */
int dpw_sysconf_load_string(const char *text, const char *name, struct dpw_sysconf *conf,
			    char *err, size_t errlen);

/* Release what dpw_sysconf_load or dpw_sysconf_load_string allocated. */
void dpw_sysconf_free(struct dpw_sysconf *conf);

/* Parse "a.b.c.d" or "a.b.c.d/len" (host byte order). 0 or -EINVAL. */
int dpw_parse_ipv4(const char *s, uint32_t *addr, uint8_t *prefixlen);

/* Format a host-order IPv4 address into buf (at least 16 bytes); returns buf. */
char *dpw_ipv4_str(uint32_t addr, char *buf, size_t len);

/*
 * The kernel's ephemeral ports on a WAN address must not overlap the NAT range, or a
 * reply could belong to a NAT session and to a host socket at once (DESIGN.md s1).
 * range_text: the contents of /proc/sys/net/ipv4/ip_local_port_range ("low high").
 * Returns 0 when disjoint, -EINVAL for unreadable text, -EADDRINUSE on overlap; err
 * says what and how to fix it. Pure.
 */
int dpw_ephemeral_check(const char *range_text, uint16_t nat_min, uint16_t nat_max, char *err,
			size_t errlen);

/* Is this listen address the wildcard (0.0.0.0 or ::), which covers every WAN? Pure. */
int dpw_listen_covers_all(const char *listen);

/* Index of the port named name, or -1. */
int dpw_sysconf_port_by_name(const struct dpw_sysconf *conf, const char *name);

#endif
