/* SPDX-License-Identifier: BSD-3-Clause
 * The network-policy document (DESIGN.md s1): everything that is not a restart-time
 * system setting, in one model. Read from JSON (jansson) or YAML (dpw_yaml.h builds the
 * same json_t tree), validated as a whole (every problem at once, each with a JSON
 * pointer), written back as canonical JSON (the bytes that are hashed, stored and sent
 * to the dataplane) or YAML. Pure: no DPDK. Any thread.
 *
 * Layout of the document (top-level members; a section not yet implemented is refused
 * as an unknown member, never accepted and ignored):
 *   version   1                                   this format's version
 *   wans      [ {name, enabled, forced_down, weight, mtu, mss, priority, independent,
 *                upload_kbps, download_kbps,
 *                on_failure{tcp, udp}, addressing{mode, address, gateway, dns, hostname},
 *                health{preset, method, targets, ... quality{...}}} ]
 *   members   [ {name, wan, metric, weight} ]                       mwan3 members
 *   policies  [ {name, members[] | (algorithm, persistence, wans[]), last_resort} ]
 *   rules     [ {name, enabled, proto, family, src, src_mac, src_port, dst, dst_domain,
 *                dst_port, policy | (algorithm, persistence, wans[]), sticky,
 *                sticky_timeout, when_unavailable, terminate_on_recovery} ]
 *   default_rule {preset, policy | (algorithm, persistence, wans[]), sticky, ...}
 *   lan       {dhcp {enabled, logging, ranges[{start, end}], lease_time, router, dns,
 *                    domain, ntp, options[{code, value}], reservations[{name, mac,
 *                    address}]},
 *              dns {enabled, caching, cache_size, resolvers[] (WAN names)}}   (issue 9)
 *   dns_records   [ {name, type A|AAAA|CNAME|PTR, value, ttl} ]   local DNS records
 *   domain_lookup [ {domain, wans[]} ]        Peplink's "Domain Lookup Policy"
 * (lan: the canonical form writes every member but "router" while it is the default,
 * the LAN address, and "ranges" when there is no LAN subnet to take the default from:
 * decoded without a system context. dpw_doc_lan.c, dpw_doc_dns.c.)
 *   (issue 10: inbound access, NAT mappings, firewall, DoS; dpw_doc_inbound.c,
 *    dpw_doc_firewall.c)
 *   wans[].nat               true (default): NAT; false: Peplink "IP forwarding"
 *   wans[].additional_addresses [addresses]   static WANs: more public addresses,
 *                                              ARP answered by the dataplane
 *   services  [ {name, enabled, proto tcp|udp|tcp_udp, port "any"|P|"A-B",
 *                to_port P, wans[], addresses[], servers[{address, weight}]} ]
 *   nat       {mappings [ {name, type outbound|one_to_one, lan, wan, address} ]}
 *   firewall  {outbound_default allow|deny|reject, inbound_default ...,
 *              log_rate, outbound [rule], inbound [rule]}
 *              rule: {name, enabled, proto, family, src, src_port, dst, dst_port,
 *                     src_mac (outbound only), wans[], action allow|deny|reject, log}
 *   dos       {syn_rate_per_source, syn_rate_global, max_sessions_per_host,
 *              max_sessions_per_wan_address, drop_invalid_tcp}
 * Every section is a member of struct dpw_doc with its own decode / validate / encode
 * functions in its own file (dpw_doc_wans.c, dpw_doc_rules.c ...), driven by one
 * table of sections in dpw_doc.c.
 */
#ifndef DPW_DOC_H
#define DPW_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/shm/dpw_shm.h"

#define DPW_DOC_VERSION 1
#define DPW_DOC_MAX_BYTES (8u << 20)   /* a document's text, JSON or YAML */
#define DPW_DOC_MAX_DEPTH 32           /* nesting of objects and arrays */
#define DPW_DOC_HASH_LEN 32            /* SHA-256 of the canonical JSON */
#define DPW_DOC_PATH_LEN 128
#define DPW_DOC_MSG_LEN 192
#define DPW_DOC_MAX_PROBLEMS 64        /* kept; further ones are only counted */

enum dpw_doc_format {
	DPW_DOC_JSON = 0,
	DPW_DOC_YAML = 1,
};

/* WAN addressing mode. */
enum dpw_doc_addr_mode {
	DPW_ADDR_STATIC = 0,
	DPW_ADDR_DHCP = 1,        /* a DHCP client on the WAN's TAP (dpwan-control) */
};

/* Health-check method of a WAN (Peplink: ping, DNS lookup, HTTP; plus TCP connect). */
#define DPW_HEALTH_METHODS(X) \
	X(NONE, "none")     /* no checks: the WAN is judged by link and ARP alone */ \
	X(PING, "ping")     /* ICMP echo, `size` bytes of payload */ \
	X(DNS, "dns")       /* a query for dns_query; any answer (NXDOMAIN too) is up */ \
	X(HTTP, "http")     /* GET of a URL: 2xx (and http_match in the body) is up */ \
	X(HTTPS, "https")   /* the same over TLS (tls_verify) */ \
	X(TCP, "tcp")       /* a TCP connect to target:port */

enum dpw_health_method {
#define DPW_X_ENUM(e, s) DPW_HM_##e,
	DPW_HEALTH_METHODS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_HM_MAX
};

/* "ping", ... or "unknown". */
const char *dpw_health_method_str(unsigned int m);

#define DPW_HEALTH_TARGETS_MAX 8       /* targets per WAN (mwan3 track_ip list) */
#define DPW_HEALTH_TARGET_LEN 128      /* an address, or a URL for http/https */
#define DPW_HEALTH_STR_LEN 64          /* dns_query, http_match */
#define DPW_WAN_DNS_MAX 4
#define DPW_WAN_EXTRA_ADDRS_MAX 16     /* additional public addresses of a WAN */
#define DPW_WAN_PRIORITY_MAX 8         /* Peplink: 1 always-on, 2.. backup groups */

/*
 * A WAN's health checks. The numbers start from the named preset ("dpwan", "peplink",
 * "mwan3", "pfsense": dpw_doc_health_preset) and members given in the document
 * override them; the canonical form writes every member. Times in milliseconds,
 * thresholds of 0 are off.
 */
struct dpw_doc_health {
	char preset[DPW_HEALTH_STR_LEN];
	uint8_t method;                /* enum dpw_health_method; default ping */
	/*
	 * ping, tcp, dns: IPv4 addresses (dns: the servers to ask); http(s): URLs. Empty
	 * (the default): ping and tcp probe the WAN's gateway, dns the WAN's DNS servers
	 * (addressing.dns or the DHCP lease's); http(s) needs targets.
	 */
	unsigned int n_targets;
	char targets[DPW_HEALTH_TARGETS_MAX][DPW_HEALTH_TARGET_LEN];
	uint16_t port;                 /* tcp: the port to connect to (required for tcp) */
	uint16_t size;                 /* ping: payload bytes, 0..1472, default 56 */
	char dns_query[DPW_HEALTH_STR_LEN];  /* dns: the name asked (A), default "example.com" */
	char http_match[DPW_HEALTH_STR_LEN]; /* http(s): required in the body, "" none */
	bool tls_verify;               /* https: verify the server certificate, default true */
	uint32_t interval_ms;          /* between rounds while settled */
	uint32_t failure_interval_ms;  /* while a failure is suspected (mwan3, HAProxy fastinter) */
	uint32_t recovery_interval_ms; /* while a recovery is suspected */
	uint32_t down_interval_ms;     /* while offline with nothing good seen (downinter) */
	uint32_t timeout_ms;           /* a probe unanswered after this is lost */
	uint32_t count;                /* probes per target per round */
	uint32_t reliability;          /* targets that must answer for a good round (k of n) */
	uint32_t window;               /* results per target in the quality window, 1..128 */
	uint32_t down;                 /* failed rounds to go offline */
	uint32_t up;                   /* good rounds to come back */
	uint32_t up_max;               /* hold-down: cap of the doubled up count */
	uint32_t flap_window_ms;       /* an offline sooner than this after recovery is a flap */
	bool quality;                  /* judge latency and loss (mwan3 check_quality) */
	uint32_t min_probes;           /* loss is judged on at least this many results */
	uint32_t latency_warn_ms, latency_warn_clear_ms;   /* degraded above warn */
	uint32_t latency_down_ms, latency_down_clear_ms;   /* offline above down */
	uint32_t loss_warn_pct, loss_warn_clear_pct;
	uint32_t loss_down_pct, loss_down_clear_pct;
	bool initial_offline;          /* initial_state "offline" (mwan3); default "online" */
	bool monitor_only;             /* pfSense "disable gateway monitoring action" */
	bool passive;                  /* unanswered new connections make the WAN suspect */
};

/* What happens to a WAN's sessions when it stops being usable (issue 7 point 4). */
enum dpw_fail_tcp {
	DPW_FAIL_TCP_RESET = 0,        /* default: RST to the LAN host, session removed */
	DPW_FAIL_TCP_KEEP = 1,         /* left alone: dropped while the WAN is down */
};
enum dpw_fail_udp {
	DPW_FAIL_UDP_MOVE = 0,         /* default: bound again on a usable WAN, next packet */
	DPW_FAIL_UDP_KEEP = 1,         /* left alone */
};

/* ---- the outbound policy engine (issue 8): members, policies, rules ---------------- */

/*
 * How a WAN is chosen for a new connection (Peplink manual 7.4, mwan3 policies). Each
 * has one pure function in the dataplane (dataplane/lb_<name>.c).
 */
#define DPW_LB_ALGOS(X) \
	X(METRIC, "metric")                 /* mwan3: the lowest usable metric tier, weighted \
					     * inside it (a policy made of members) */ \
	X(WEIGHTED, "weighted")             /* Peplink weighted balance */ \
	X(PERSISTENCE, "persistence")       /* by source, or by source + destination */ \
	X(ENFORCED, "enforced")             /* the one WAN, whatever its health */ \
	X(PRIORITY, "priority")             /* the first usable WAN of the list */ \
	X(OVERFLOW, "overflow")             /* the first usable WAN not at its bandwidth */ \
	X(LEAST_USED, "least_used")         /* the most free download bandwidth */ \
	X(LOWEST_LATENCY, "lowest_latency") /* the health checker's lowest RTT */ \
	X(FASTEST_RESPONSE, "fastest_response") /* first packet on every WAN, first answer wins */

enum dpw_lb_algo {
#define DPW_X_ENUM(e, s) DPW_LB_##e,
	DPW_LB_ALGOS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_LB_MAX
};

/* "metric", ... or "unknown". */
const char *dpw_lb_algo_str(unsigned int a);

/* Persistence: what a connection is kept on the same WAN by. */
enum dpw_persist {
	DPW_PERSIST_SOURCE = 0,        /* Peplink's default: the LAN host */
	DPW_PERSIST_DESTINATION = 1,   /* the LAN host and the destination address */
};

/*
 * What happens when none of a rule's WANs can take the connection: Peplink's "when no
 * connections are available" (drop, use any available, fall through) and mwan3's
 * last_resort (unreachable, blackhole = drop, default = the main table, here the
 * default rule).
 */
#define DPW_FALLBACKS(X) \
	X(LAST_RESORT, "last_resort")   /* a rule with a policy: the policy's last_resort */ \
	X(DROP, "drop")                 /* silently (mwan3 "blackhole") */ \
	X(UNREACHABLE, "unreachable")   /* ICMP destination unreachable to the client */ \
	X(DEFAULT, "default")           /* as if no rule had matched: the default rule */ \
	X(ANY, "any")                   /* any usable WAN, by the WANs' weights */ \
	X(FALL_THROUGH, "fall_through") /* the next rule that matches */

enum dpw_fallback {
#define DPW_X_ENUM(e, s) DPW_FB_##e,
	DPW_FALLBACKS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_FB_MAX
};

/* "drop", ... or "unknown". */
const char *dpw_fallback_str(unsigned int f);

#define DPW_MAX_MEMBERS 256
#define DPW_RULE_ENTRIES_MAX 256       /* classifier entries one rule expands into */
#define DPW_MAX_RULE_ENTRIES 131072    /* ... and all rules together */
#define DPW_MATCH_NETS_MAX 8           /* addresses / networks per side of a rule */
#define DPW_MATCH_PORTS_MAX 8          /* ports / ranges per side of a rule */
#define DPW_MATCH_DOMAINS_MAX 4
#define DPW_DOMAIN_LEN 128             /* a domain pattern, lower case */
#define DPW_STICKY_TIMEOUT_DEFAULT 600 /* seconds (mwan3) */
#define DPW_BANDWIDTH_DEFAULT 1000000  /* kbit/s: a gigabit port */

/*
 * One way of choosing: the algorithm and its candidate WANs, in order (the priority
 * and overflow order; the list order of the others). A WAN appears at most once.
 */
struct dpw_doc_pick {
	uint8_t algorithm;             /* enum dpw_lb_algo */
	uint8_t persist;               /* persistence: enum dpw_persist */
	uint8_t n;                     /* candidates, 1..DPW_MAX_WANS */
	struct {
		uint8_t wan;           /* index into doc->wans */
		uint16_t metric;       /* METRIC: 1..256, lower first (mwan3 default 1) */
		uint32_t weight;       /* 1..1000 (default: the WAN's weight) */
	} c[DPW_MAX_WANS];
};

/* mwan3 member: a WAN with a metric and a weight, referenced by policies. */
struct dpw_doc_member {
	char name[DPW_NAME_LEN];
	uint8_t wan;                   /* index into doc->wans */
	uint16_t metric;               /* 1..256, default 1 */
	uint32_t weight;               /* 1..1000, default 1 */
};

/*
 * A named policy: mwan3's (members, algorithm METRIC) or Peplink's (an algorithm and
 * its own WAN list). The pick is filled either way; n_members is 0 for the second form.
 */
struct dpw_doc_policy {
	char name[DPW_NAME_LEN];
	unsigned int n_members;
	uint16_t member[DPW_MAX_WANS]; /* indexes into doc->members, in the given order */
	struct dpw_doc_pick pick;
	uint8_t last_resort;           /* DPW_FB_UNREACHABLE (default), _DROP, _DEFAULT */
};

/* An address or network (host byte order, prefixlen 0..32; a host is /32). */
struct dpw_doc_net {
	uint32_t addr;
	uint8_t prefixlen;
};

/* A port or an inclusive range (host byte order; a single port has lo == hi). */
struct dpw_doc_ports {
	uint16_t lo;
	uint16_t hi;
};

enum dpw_family {
	DPW_FAMILY_ALL = 0,            /* mwan3's default */
	DPW_FAMILY_IPV4 = 1,
	DPW_FAMILY_IPV6 = 2,           /* accepted; never matches until IPv6 is forwarded */
};

/*
 * What a rule matches (issue 10's firewall rules reuse it). Empty lists match
 * anything; inside one list any element matches; all given fields must match. Ports
 * only with proto tcp or udp.
 */
struct dpw_doc_match {
	uint8_t proto;                 /* 0: all; else the IP protocol (tcp 6, udp 17, icmp 1) */
	uint8_t family;                /* enum dpw_family */
	bool has_src_mac;
	uint8_t src_mac[6];
	uint8_t n_src, n_dst, n_sport, n_dport, n_domains;
	struct dpw_doc_net src[DPW_MATCH_NETS_MAX];
	struct dpw_doc_net dst[DPW_MATCH_NETS_MAX];
	struct dpw_doc_ports sport[DPW_MATCH_PORTS_MAX];
	struct dpw_doc_ports dport[DPW_MATCH_PORTS_MAX];
	/*
	 * Peplink's forms: "foo.com" matches foo.com and *.foo.com; "foo.*" any name with
	 * the label foo followed by anything (www.foo.co.jp). The addresses come from DNS
	 * answers (issue 9): until one is seen the rule matches nothing.
	 */
	char domain[DPW_MATCH_DOMAINS_MAX][DPW_DOMAIN_LEN];
};

/* What a rule (and the default rule) does with a connection it matches. */
struct dpw_doc_action {
	int32_t policy;                /* index into doc->policies, or -1: the pick below */
	struct dpw_doc_pick pick;      /* the rule's own algorithm (policy == -1) */
	uint8_t when_unavailable;      /* enum dpw_fallback; default LAST_RESORT with a
					* policy, DROP with an own pick (Peplink) */
	bool sticky;                   /* mwan3: a host's next connections within the
					* timeout take the WAN of its last one (this rule's) */
	uint32_t sticky_timeout_s;     /* 1..86400, default 600 */
	bool terminate_on_recovery;    /* Peplink: sessions on a less preferred WAN end when
					* a preferred one is usable again */
};

struct dpw_doc_rule {
	char name[DPW_NAME_LEN];
	bool enabled;                  /* default true; false: skipped (kept, counted 0) */
	struct dpw_doc_match match;
	struct dpw_doc_action action;
};

/*
 * The default rule: what matches no rule. Presets (Peplink's outbound policy
 * settings) over every configured WAN, weighted by the WANs' weights: "auto" weighted
 * balance (the behaviour without rules), "high_compatibility" persistence by source,
 * "normal_compatibility" persistence by destination; "custom": the action given.
 */
#define DPW_DEFAULT_PRESETS(X) \
	X(AUTO, "auto") \
	X(HIGH_COMPAT, "high_compatibility") \
	X(NORMAL_COMPAT, "normal_compatibility") \
	X(CUSTOM, "custom")

enum dpw_default_preset {
#define DPW_X_ENUM(e, s) DPW_DEF_##e,
	DPW_DEFAULT_PRESETS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_DEF_MAX
};

const char *dpw_default_preset_str(unsigned int p);

struct dpw_doc_default {
	uint8_t preset;                /* enum dpw_default_preset, default AUTO */
	struct dpw_doc_action action;  /* filled for every preset (a preset's pick lists
					* every configured WAN, by its weight) */
};

struct dpw_doc_wan {
	char name[DPW_NAME_LEN];  /* mwan3's rules: 1-15 of [A-Za-z0-9_]; names a WAN port */
	bool enabled;             /* default true; false: "disabled" (no new sessions) */
	bool forced_down;         /* default false; pfSense "mark gateway as down" */
	uint32_t weight;          /* default 1, 1..1000 */
	uint16_t mtu;             /* default 1440 (Peplink), 576..the port's MTU */
	uint16_t mss;             /* 0: "auto" (mtu - 40, Peplink's default), else 536..mtu-40 */
	uint8_t addr_mode;        /* enum dpw_doc_addr_mode */
	uint32_t addr;            /* static: host byte order */
	uint8_t prefixlen;        /* static: 1..30 */
	uint32_t gateway;         /* static: host byte order, inside addr/prefixlen */
	unsigned int n_dns;       /* the ISP's DNS servers (static; dhcp: overrides the lease's) */
	uint32_t dns[DPW_WAN_DNS_MAX];   /* host byte order */
	char hostname[DPW_HEALTH_STR_LEN]; /* dhcp: option 12 sent, "" none */
	uint8_t priority;         /* Peplink connection priority: 1 always-on, 2.. backup */
	bool independent;         /* Peplink "independent from backup WANs" */
	uint8_t fail_tcp;         /* enum dpw_fail_tcp */
	uint8_t fail_udp;         /* enum dpw_fail_udp */
	uint32_t upload_kbps;     /* Peplink upload / download bandwidth: overflow and least */
	uint32_t download_kbps;   /* used measure against them; default a gigabit */
	struct dpw_doc_health health;
	/* issue 10 */
	bool forwarding;          /* JSON "nat" (default true) false: Peplink's IP
				   * forwarding (no translation out, inbound to LAN addresses
				   * routed in, under the inbound firewall's default) */
	uint8_t n_extra;          /* Peplink "additional public IP addresses" (static WANs
				   * only): inside the WAN's subnet, not its address or
				   * gateway, unique across WANs; the dataplane answers ARP
				   * for them; services, NAT mappings and 1:1 use them */
	uint32_t extra_addr[DPW_WAN_EXTRA_ADDRS_MAX];   /* host byte order */
};

/* ---- inbound access, NAT mappings, firewall and DoS (issue 10) ------------------- */
#define DPW_SERVICES_MAX 256
#define DPW_SERVICE_SERVERS_MAX 16
#define DPW_SERVICE_WEIGHT_MAX 100
#define DPW_SERVICE_ADDRS_MAX 16
#define DPW_NAT_MAPPINGS_MAX 1024
#define DPW_FW_RULES_MAX 4096          /* each direction */
#define DPW_FW_LOG_RATE_DEFAULT 10     /* log entries per second, whole appliance */
#define DPW_DOS_SYN_SOURCE_DEFAULT 200 /* new inbound connections / s from one source */
#define DPW_DOS_SYN_GLOBAL_DEFAULT 20000   /* ... from all sources together */

/* A service's protocols (bit set). */
#define DPW_SVC_TCP 0x1
#define DPW_SVC_UDP 0x2

/* One LAN server of a service's pool (Peplink "servers" with weights). */
struct dpw_doc_service_server {
	uint32_t addr;                 /* host byte order, inside the LAN subnet, not the
					* LAN address */
	uint32_t weight;               /* 1..DPW_SERVICE_WEIGHT_MAX, default 1: new
					* connections split in proportion (10/5: 67/33 %) */
};

/*
 * Inbound port forwarding (Peplink "Servers and Services"). A connection to one of the
 * service's public addresses on a WAN it listens on, to a port in port, goes to a server
 * of the pool (smooth weighted round robin), at to_port + (port - port.lo) (to_port 0:
 * the same port: no mapping). Forms of Peplink's: port "any" (1..65535, to_port 0; only
 * on additional addresses, the NAT owns ports of the WAN address), a port, a range, a
 * mapping (a port and to_port), a range mapping (a range and to_port, the first LAN
 * port). On a WAN's own address the ports must lie outside dpwan.conf's NAT port range
 * (the NAT's). Two enabled services may not claim the same address, protocol and port.
 * Replies leave by the WAN the connection came in on. LAN hosts reach the service
 * through the public address too (hairpin NAT).
 */
struct dpw_doc_service {
	char name[DPW_NAME_LEN];
	bool enabled;                  /* default true */
	uint8_t protos;                /* DPW_SVC_* bits: tcp 1, udp 2, tcp_udp 3; required */
	struct dpw_doc_ports port;     /* the public port(s); "any": 1..65535 */
	uint16_t to_port;              /* 0 (default): no mapping */
	uint8_t n_wans;                /* 0 (default): every WAN */
	uint8_t wan[DPW_MAX_WANS];     /* indexes into doc->wans */
	uint8_t n_addrs;               /* 0 (default): each listed WAN's own address (a DHCP
					* WAN's lease too); else exactly these, each the address
					* or an additional address of a listed WAN */
	uint32_t addr[DPW_SERVICE_ADDRS_MAX];   /* host byte order */
	uint8_t n_servers;             /* 1..DPW_SERVICE_SERVERS_MAX, distinct addresses */
	struct dpw_doc_service_server server[DPW_SERVICE_SERVERS_MAX];
};

enum dpw_nat_map_type {
	DPW_NATMAP_OUTBOUND = 0,       /* Peplink's outbound NAT mapping: the LAN host or
					* network's connections out of wan leave from address
					* (port-translated, many to one) */
	DPW_NATMAP_ONE_TO_ONE = 1,     /* 1:1: a LAN host is address on wan both ways: its
					* connections out leave from it untranslated in port, and
					* every connection to address goes to the host (under the
					* inbound firewall) */
};

/*
 * A NAT mapping. First match in document order wins per WAN. address: the WAN's own
 * address or one of its additional addresses (outbound); an additional address used by
 * no other 1:1 mapping and by no service (one_to_one). lan: a host or a network inside
 * the LAN subnet (one_to_one: a host).
 */
struct dpw_doc_nat_mapping {
	char name[DPW_NAME_LEN];
	uint8_t type;                  /* enum dpw_nat_map_type, default OUTBOUND */
	struct dpw_doc_net lan;
	uint8_t wan;                   /* index into doc->wans */
	uint32_t addr;                 /* host byte order */
};

struct dpw_doc_nat {
	unsigned int n_mappings;
	struct dpw_doc_nat_mapping *mapping;   /* owned, NULL when 0 */
};

#define DPW_FW_ACTIONS(X) \
	X(ALLOW, "allow") \
	X(DENY, "deny")       /* dropped silently */ \
	X(REJECT, "reject")   /* TCP: a RST back; else ICMP unreachable, admin prohibited */

enum dpw_fw_action {
#define DPW_X_ENUM(e, s) DPW_FW_##e,
	DPW_FW_ACTIONS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_FW_ACTION_MAX
};

const char *dpw_fw_action_str(unsigned int a);

/*
 * An access rule, judged on a connection's first packet (stateful: what a session
 * carries afterwards is not judged again). Outbound rules see the LAN host's packet as
 * sent (before NAT) and the WAN the policy chose; inbound rules see the Internet host as
 * src and the LAN side of the connection (after port forwarding or 1:1: the server's
 * address and port, as pfSense filters) as dst, and the WAN it came in on. match: the
 * fields of a policy rule but dst_domain (refused) and, inbound, src_mac (refused).
 */
struct dpw_doc_fw_rule {
	char name[DPW_NAME_LEN];
	bool enabled;                  /* default true */
	struct dpw_doc_match match;
	uint8_t n_wans;                /* 0 (default): every WAN */
	uint8_t wan[DPW_MAX_WANS];     /* indexes into doc->wans */
	uint8_t action;                /* enum dpw_fw_action, required */
	bool log;                      /* default false: each hit an event (log_rate) */
};

/*
 * Peplink's outbound and inbound firewall, first match wins in each list. What no rule
 * matches: outbound_default (allow); inbound: a connection a service or a 1:1 mapping
 * opens is allowed (pfSense's "associated filter rule"), anything else inbound
 * (forwarding-mode WANs) gets inbound_default (deny). The router's own services on a WAN
 * are the WAN input policy's (dpwan.conf), never these rules'.
 */
struct dpw_doc_firewall {
	uint8_t outbound_default;      /* enum dpw_fw_action, default ALLOW */
	uint8_t inbound_default;       /* default DENY */
	uint32_t log_rate;             /* events per second for logged hits, 1..1000 */
	unsigned int n_outbound;
	struct dpw_doc_fw_rule *outbound;   /* owned, NULL when 0 */
	unsigned int n_inbound;
	struct dpw_doc_fw_rule *inbound;    /* owned, NULL when 0 */
};

/* DoS protection. 0 turns a limit off. */
struct dpw_doc_dos {
	uint32_t syn_rate_per_source;  /* new inbound connections per second from one
					* Internet address (burst: the same number), default
					* DPW_DOS_SYN_SOURCE_DEFAULT */
	uint32_t syn_rate_global;      /* ... from all together, default _GLOBAL_DEFAULT */
	uint32_t max_sessions_per_host;     /* sessions of one LAN host, default 0 */
	uint32_t max_sessions_per_wan_address;  /* sessions on one WAN address, default 0 */
	bool drop_invalid_tcp;         /* default true: flag combinations no stack sends
					* (SYN+FIN, SYN+RST, none, FIN without ACK) and
					* segments the connection's state forbids are dropped */
};

/* ---- LAN services (issue 9): dnsmasq on the LAN's TAP renders these ---------------- */
#define DPW_DHCP_RANGES_MAX 8
#define DPW_DHCP_RESERVATIONS_MAX 4096
#define DPW_DHCP_OPTIONS_MAX 32
#define DPW_DHCP_OPT_VALUE_LEN 256
#define DPW_LAN_SERVERS_MAX 4          /* dns / ntp servers offered */
#define DPW_LEASE_TIME_DEFAULT 86400   /* seconds: 1 day (Peplink) */
#define DPW_LEASE_TIME_MIN 120
#define DPW_LEASE_TIME_MAX 31536000
#define DPW_HOSTNAME_LEN 64            /* a reservation's name: one DNS label */
#define DPW_DNS_RECORDS_MAX 4096
#define DPW_DNS_RECORD_VALUE_LEN 128   /* an address or a name */
#define DPW_DOMAIN_LOOKUP_MAX 256
#define DPW_DNS_CACHE_DEFAULT 10000    /* names (dnsmasq's cache-size) */
#define DPW_DNS_CACHE_MAX 100000

/* An inclusive address range (host byte order), inside the LAN subnet. */
struct dpw_doc_dhcp_range {
	uint32_t start;
	uint32_t end;
};

/* Peplink's DHCP reservation: a MAC always gets address; name optional ("" none). */
struct dpw_doc_reservation {
	char name[DPW_HOSTNAME_LEN];
	uint8_t mac[6];
	uint32_t addr;                 /* host byte order, inside the LAN subnet */
};

/*
 * Peplink's "Extended DHCP Option": an RFC 2132 option by number with its value in
 * dnsmasq's dhcp-option syntax (addresses comma separated, a string quoted or not).
 * Validated: printable ASCII, no newline, no '#'; codes the fields above own (1, 3,
 * 6, 15, 42, 51, 53, 54) are refused here.
 */
struct dpw_doc_dhcp_option {
	uint8_t code;                  /* 1..254 */
	char value[DPW_DHCP_OPT_VALUE_LEN];
};

struct dpw_doc_dhcp {
	bool enabled;                  /* default true (Peplink) */
	bool logging;                  /* Peplink "DHCP Server Logging": log-dhcp */
	unsigned int n_ranges;         /* default: one, .100 .. .199 of a /24 LAN (the
					* middle of the subnet otherwise), never the LAN address */
	struct dpw_doc_dhcp_range range[DPW_DHCP_RANGES_MAX];
	uint32_t lease_time_s;         /* default DPW_LEASE_TIME_DEFAULT */
	uint32_t router;               /* option 3; default 0: the LAN address */
	unsigned int n_dns;            /* option 6; 0 (default): the LAN address (Peplink
					* "Assign DNS server automatically") */
	uint32_t dns[DPW_LAN_SERVERS_MAX];
	char domain[DPW_DOMAIN_LEN];   /* option 15 and the DNS domain clients' hostnames are
					* registered under; default "lan" */
	unsigned int n_ntp;            /* option 42; default none */
	uint32_t ntp[DPW_LAN_SERVERS_MAX];
	unsigned int n_options;
	struct dpw_doc_dhcp_option option[DPW_DHCP_OPTIONS_MAX];
	unsigned int n_reservations;   /* unique MACs, unique addresses */
	struct dpw_doc_reservation *reservation;   /* owned (dpw_doc_free), NULL when 0 */
};

/* Peplink's DNS proxy on the LAN address. */
struct dpw_doc_lan_dns {
	bool enabled;                  /* default true */
	bool caching;                  /* default true: the issue asks a forwarder with cache
					* (Peplink's default is off; caching: false gives it) */
	uint32_t cache_size;           /* names, default DPW_DNS_CACHE_DEFAULT, 0..MAX */
	/* Peplink "DNS Resolvers": the WANs whose servers get queries; 0 (default): every
	 * WAN's. Whichever: only WANs usable now are asked, all healthy ones if none of
	 * the chosen is. */
	unsigned int n_resolvers;
	uint8_t resolver[DPW_MAX_WANS]; /* indexes into doc->wans */
};

struct dpw_doc_lan {
	struct dpw_doc_dhcp dhcp;
	struct dpw_doc_lan_dns dns;
};

enum dpw_dns_rtype {
	DPW_RR_A = 0,
	DPW_RR_AAAA = 1,
	DPW_RR_CNAME = 2,
	DPW_RR_PTR = 3,
};

/*
 * A local DNS record, answered by the proxy itself. name: a host name, lower case, no
 * trailing dot ("*.foo.lan" allowed for A/AAAA: Peplink's wildcard); PTR: name is an
 * IPv4 address or an in-addr.arpa name, value the target. A name has either CNAME or
 * other records, not both.
 */
struct dpw_doc_dns_record {
	char name[DPW_DOMAIN_LEN];
	uint8_t type;                  /* enum dpw_dns_rtype */
	char value[DPW_DNS_RECORD_VALUE_LEN];  /* canonical: an address's text, a name */
	uint32_t ttl;                  /* seconds, default 0: dnsmasq's local-ttl (0) */
};

/* Peplink's Domain Lookup Policy: queries for domain (and below) go only to these
 * WANs' resolvers (all healthy WANs' when none of them is usable). */
struct dpw_doc_domain_lookup {
	char domain[DPW_DOMAIN_LEN];   /* lower case, no wildcard */
	uint8_t n_wans;
	uint8_t wan[DPW_MAX_WANS];     /* indexes into doc->wans */
};

/*
 * A decoded document. rules, lan.dhcp.reservation, dns_records and domain_lookup are
 * allocated by the decoder (dpw_doc_from_json) and owned by the document: release it
 * with dpw_doc_free, copy a document with dpw_doc_copy,
 * never with an assignment.
 */
struct dpw_doc {
	uint32_t version;
	unsigned int n_wans;
	struct dpw_doc_wan wans[DPW_MAX_WANS];
	unsigned int n_members;
	struct dpw_doc_member members[DPW_MAX_MEMBERS];
	unsigned int n_policies;
	struct dpw_doc_policy policies[DPW_MAX_POLICIES];
	unsigned int n_rules;
	struct dpw_doc_rule *rules;    /* n_rules of them (NULL when 0) */
	struct dpw_doc_default default_rule;
	struct dpw_doc_lan lan;                    /* lan.dhcp.reservation is owned */
	unsigned int n_dns_records;
	struct dpw_doc_dns_record *dns_records;    /* owned, NULL when 0 */
	unsigned int n_domain_lookup;
	struct dpw_doc_domain_lookup *domain_lookup;   /* owned, NULL when 0 */
	/* issue 10 */
	unsigned int n_services;
	struct dpw_doc_service *services;          /* owned, NULL when 0 */
	struct dpw_doc_nat nat;                    /* nat.mapping is owned */
	struct dpw_doc_firewall firewall;          /* outbound, inbound owned */
	struct dpw_doc_dos dos;
};

/* Release what a document owns and zero it (a zeroed document is valid, empty). */
void dpw_doc_free(struct dpw_doc *doc);

/* dst = a deep copy of src (dst is overwritten, not freed). 0 or -ENOMEM (dst zeroed). */
int dpw_doc_copy(struct dpw_doc *dst, const struct dpw_doc *src);

/*
 * What the system configuration allows, so that the same document is judged alike by
 * the control process and by the dataplane (both build it with
 * dpw_doc_context_from_sysconf from the same dpwan.conf).
 */
struct dpw_doc_context {
	unsigned int n_wan_ports;
	char wan_port[DPW_MAX_WANS][DPW_NAME_LEN];   /* names of the WAN ports */
	uint16_t wan_port_mtu[DPW_MAX_WANS];         /* each one's port MTU (frame size) */
	uint32_t lan_addr;                           /* host order */
	uint8_t lan_prefixlen;
	uint16_t nat_port_min;                       /* the NAT's ports (0: unknown) */
	uint16_t nat_port_max;
};

struct dpw_doc_problem {
	char path[DPW_DOC_PATH_LEN];   /* JSON pointer (RFC 6901): "/wans/1/weight", "" */
	char message[DPW_DOC_MSG_LEN];
	bool warning;                  /* true: reported, does not make the document invalid */
};

struct dpw_doc_problems {
	unsigned int n;                /* kept in p[] */
	unsigned int errors;           /* all errors found, kept or not */
	unsigned int warnings;
	struct dpw_doc_problem p[DPW_DOC_MAX_PROBLEMS];
};

struct dpw_sysconf;

/* The validation context of a system configuration. Pure. */
void dpw_doc_context_from_sysconf(const struct dpw_sysconf *conf,
				  struct dpw_doc_context *ctx);

/* Reset a problem list. */
void dpw_doc_problems_init(struct dpw_doc_problems *pr);

/*
 * Add a problem (printf-style message) at path. Counts it when the list is full.
 * Used by the section decoders and by callers that add their own (the API's syntax
 * errors, the dataplane's build errors).
 */
void dpw_doc_problem_add(struct dpw_doc_problems *pr, bool warning, const char *path,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Decode and validate a document tree: types, ranges, names, duplicates, dangling
 * references, unknown members, the seeds' constraints, and what ctx allows (ctx may be
 * NULL: then the checks that need the system are skipped). Defaults are filled in for
 * missing optional members (a WAN's mtu: 1440, or its port's MTU when that is smaller).
 * Every problem is recorded, not only the first. pr is reset first (add a caller's own
 * problems after the call). The tree's nesting is checked against DPW_DOC_MAX_DEPTH here
 * too, so a tree from another parser is bounded alike.
 * doc is overwritten (pass a zeroed or freed one); whatever the result it may own
 * memory: dpw_doc_free it.
 * Returns 0 (doc filled; warnings may be present) or -EINVAL (errors in pr; doc is
 * undefined but freeable).
 */
int dpw_doc_from_json(const json_t *root, const struct dpw_doc_context *ctx,
		      struct dpw_doc *doc, struct dpw_doc_problems *pr);

/*
 * Parse text (JSON or YAML, at most DPW_DOC_MAX_BYTES) and decode it as above. A syntax
 * error is one problem at path "" whose message says "line L, column C: ...". JSON: no
 * duplicate keys, no NUL in strings, any value at the top (a non-object is then "must be
 * an object"). pr is reset first.
 * 0 or -EINVAL (problems in pr), -E2BIG (text too long, also in pr).
 */
int dpw_doc_parse(const char *text, size_t len, enum dpw_doc_format fmt,
		  const struct dpw_doc_context *ctx, struct dpw_doc *doc,
		  struct dpw_doc_problems *pr);

/* The document as a tree with every member present (defaults explicit). New reference. */
json_t *dpw_doc_to_json(const struct dpw_doc *doc);

/*
 * Canonical JSON of the document: dpw_doc_to_json, members in schema order, compact, no
 * trailing newline. Equal documents give equal bytes. malloc'd (free()), length in *len;
 * NULL on allocation failure.
 */
char *dpw_doc_canonical(const struct dpw_doc *doc, size_t *len);

/* SHA-256 of bytes (the canonical JSON). 0 or -EIO. */
int dpw_doc_hash(const void *buf, size_t len, uint8_t out[DPW_DOC_HASH_LEN]);

/* Lower-case hex of a hash into out (2 * DPW_DOC_HASH_LEN + 1 bytes); returns out. */
char *dpw_doc_hash_hex(const uint8_t hash[DPW_DOC_HASH_LEN], char *out);

/*
 * The changes from tree a to tree b (two documents, canonical or not): an array of
 * {"op": "add"|"remove"|"replace", "path": JSON pointer, "old": ..., "new": ...}
 * ("old" absent for add, "new" absent for remove), in document order. Arrays of named
 * objects (members with a "name") are matched by name, so inserting a WAN reports one
 * add, not a replace of every later element; other arrays element by element.
 * Order: a's members in a's order (each changed or removed), then the members only b
 * has, in b's order; recursively. In a named array a removed element's path has its
 * index in a, an added one and the changes inside a matched one their index in b; a
 * reordering alone reports nothing (the order of WANs has no meaning today).
 * New reference, or NULL on allocation failure.
 */
json_t *dpw_doc_diff(const json_t *a, const json_t *b);

/* The WAN named name in doc, or NULL. */
const struct dpw_doc_wan *dpw_doc_wan_find(const struct dpw_doc *doc, const char *name);

/*
 * Fill the numbers of *h (intervals .. passive; not method, targets or the method's
 * settings) from the named preset: "dpwan" (ours: sub-second), "peplink", "mwan3",
 * "pfsense". 0, or -ENOENT for another name. Pure.
 */
int dpw_doc_health_preset(const char *name, struct dpw_doc_health *h);

/* The policy named name in doc, or NULL. */
const struct dpw_doc_policy *dpw_doc_policy_find(const struct dpw_doc *doc, const char *name);

/*
 * Does match a cover match b: every packet b matches, a matches too (a has no domain
 * list)? Used by validate's "can never match" warning. Pure.
 */
bool dpw_doc_match_covers(const struct dpw_doc_match *a, const struct dpw_doc_match *b);

/*
 * The share of new connections each WAN would get from a pick now, in percent
 * (0..100, summing to 100 or all 0 when none can take any), given which WANs are
 * usable (up[] for ENFORCED): what `dpwanctl status` prints per policy, like mwan3
 * status. Deterministic algorithms give 100 to their one WAN; persistence and weighted
 * the weights of the usable candidates; METRIC the lowest usable tier's weights;
 * least_used / lowest_latency / fastest_response split evenly over usable candidates
 * (their choice depends on live figures). Pure.
 */
void dpw_doc_pick_shares(const struct dpw_doc_pick *p, const uint8_t usable[DPW_MAX_WANS],
			 const uint8_t up[DPW_MAX_WANS], unsigned int share[DPW_MAX_WANS]);

/* Is s a valid object name (mwan3: 1-15 characters of letters, digits, underscore)? */
bool dpw_doc_name_valid(const char *s);

#endif
