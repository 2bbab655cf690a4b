/* SPDX-License-Identifier: BSD-3-Clause
 * (Both processes run EAL with --no-pci unless the config names PCI ports: see main.c.)
 * Shared-memory layout between dpwan-dataplane (the only writer) and dpwan-control
 * (a reader). Plain data only: no pointers, no function pointers, no DPDK objects.
 * The dataplane reserves the memzone DPW_SHM_ZONE at start; the control process looks it
 * up after attaching as a DPDK secondary.
 */
#ifndef DPW_SHM_H
#define DPW_SHM_H

#include <stdint.h>

#define DPW_SHM_MAGIC 0x4450574eu /* "DPWN" */
#define DPW_SHM_ABI 5

#define DPW_MAX_PORTS 8
#define DPW_MAX_WANS 8
#define DPW_MAX_WORKERS 16
/* one slot per worker plus one for the main lcore */
#define DPW_MAX_LCORE_SLOTS (DPW_MAX_WORKERS + 1)
#define DPW_NAME_LEN 16
/* the document's bounds that shared memory sizes by (lib/cfg/dpw_doc.h uses these) */
#define DPW_MAX_RULES 16384
#define DPW_MAX_POLICIES 256

/* Drop reasons: the enum, the names and the array sizes come from this one list. */
#define DPW_DROP_REASONS(X) \
	X(TRUNC_ETH, "truncated_ethernet") \
	X(NON_IP, "unsupported_ethertype") \
	X(VLAN, "vlan_tagged") \
	X(TRUNC_IP, "truncated_ipv4") \
	X(BAD_IP_VERSION, "bad_ip_version") \
	X(BAD_IHL, "bad_ihl") \
	X(BAD_IP_LEN, "bad_ip_total_length") \
	X(BAD_IP_CSUM, "bad_ip_checksum") \
	X(BAD_SRC_ADDR, "bad_source_address") \
	X(SRC_NOT_LAN, "source_not_on_lan") \
	X(TRUNC_L4, "truncated_l4") \
	X(BAD_TCP_OFF, "bad_tcp_data_offset") \
	X(TCP_BAD_FLAGS, "tcp_invalid_flags") \
	X(TCP_OUT_OF_WINDOW, "tcp_rst_fin_out_of_window") \
	X(BAD_ARP, "bad_arp") \
	X(UNSUPPORTED_PROTO, "unsupported_protocol") \
	X(TTL_EXCEEDED, "ttl_exceeded") \
	X(FRAG_NEEDED, "fragmentation_needed") \
	X(FRAG_BAD, "fragment_bad_length") \
	X(FRAG_TINY, "fragment_tiny_offset") \
	X(FRAG_OVERLAP, "fragment_overlap") \
	X(FRAG_DUPLICATE, "fragment_duplicate") \
	X(FRAG_TABLE_FULL, "fragment_table_full") \
	X(FRAG_HELD_FULL, "fragments_held_full") \
	X(FRAG_TIMEOUT, "fragment_timeout") \
	X(FRAG_DATAGRAM_DROPPED, "fragment_of_dropped_datagram") \
	X(NO_WAN, "no_usable_wan") \
	X(NO_GATEWAY_MAC, "gateway_unresolved") \
	X(NO_SESSION, "no_session") \
	X(TCP_NOT_SYN, "tcp_new_not_syn") \
	X(TABLE_FULL, "session_table_full") \
	X(NAT_EXHAUSTED, "nat_ports_exhausted") \
	X(NOT_FOR_US, "wan_not_for_us") \
	X(LAN_NBR_UNRESOLVED, "lan_neighbour_unresolved") \
	X(ICMP_ERR_NO_SESSION, "icmp_error_no_session") \
	X(BAD_ICMP_CSUM, "bad_icmp_checksum") \
	X(WAN_INPUT_DENIED, "wan_input_denied") \
	X(PUNT_POLICED, "exception_path_policed") \
	X(PUNT_FULL, "exception_path_full") \
	X(HANDOFF_FULL, "handoff_ring_full") \
	X(TX_FULL, "tx_queue_full") \
	X(NO_MBUF, "no_mbuf") \
	X(POLICY_DROP, "policy_drop")      /* the rule's WANs are down: drop / blackhole */ \
	X(POLICY_UNREACHABLE, "policy_unreachable") /* ... unreachable: ICMP to the host */ \
	X(FASTEST_LATE, "fastest_response_late") /* a losing WAN's answer */ \
	X(FW_DENIED, "firewall_denied")    /* a firewall rule (or default) said deny */ \
	X(FW_REJECTED, "firewall_rejected") /* ... reject: ICMP admin-prohibited sent */ \
	X(DOS_SYN_RATE, "dos_syn_rate_limited") /* a new inbound connection over a rate */ \
	X(DOS_SESSIONS, "dos_session_limit") /* a LAN host's or WAN address's sessions */

enum dpw_drop {
#define DPW_X_ENUM(e, s) DPW_DROP_##e,
	DPW_DROP_REASONS(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_DROP_MAX
};

/* Name of a drop reason, "unknown" outside the enum. Any thread. */
const char *dpw_drop_str(unsigned int reason);

/*
 * What the exception path carries to the kernel, by class: each class has its own
 * policer (rte_meter, per worker), so a flood of one cannot crowd out another.
 */
#define DPW_PUNT_CLASSES(X) \
	X(LAN, "lan") \
	X(HOST_REPLY, "wan_host_reply") \
	X(ECHO, "wan_echo_request") \
	X(ICMP_ERROR, "wan_icmp_error") \
	X(DHCP, "wan_dhcp_client") \
	X(SERVICE, "wan_service") \
	X(ARP, "arp")

enum dpw_punt_class {
#define DPW_X_ENUM(e, s) DPW_PUNT_##e,
	DPW_PUNT_CLASSES(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_PUNT_MAX
};

/* Name of a punt class, "unknown" outside the enum. Any thread. */
const char *dpw_punt_class_str(unsigned int c);

enum dpw_port_role {
	DPW_ROLE_LAN = 0,
	DPW_ROLE_WAN = 1,
};

/*
 * Per-lcore counters summed over the lcores: the struct fields, the status JSON and the
 * /metrics series all come from this one list (field, JSON name, metric, type, help).
 */
#define DPW_LCORE_COUNTERS(X) \
	X(rx_pkts, "rx_packets", "dpwan_rx_packets_total", COUNTER, \
	  "Packets received by workers.") \
	X(rx_bytes, "rx_bytes", "dpwan_rx_bytes_total", COUNTER, "Bytes received by workers.") \
	X(tx_pkts, "tx_packets", "dpwan_tx_packets_total", COUNTER, "Packets sent by workers.") \
	X(tx_bytes, "tx_bytes", "dpwan_tx_bytes_total", COUNTER, "Bytes sent by workers.") \
	X(punted, "punted", "dpwan_punted_packets_total", COUNTER, \
	  "Packets handed to the kernel TAPs.") \
	X(injected, "injected", "dpwan_injected_packets_total", COUNTER, \
	  "Packets sent from the kernel TAPs to the wire.") \
	X(handoff_out, "handoff_out", "dpwan_handoff_out_packets_total", COUNTER, \
	  "Packets handed to the worker owning their session.") \
	X(handoff_in, "handoff_in", "dpwan_handoff_in_packets_total", COUNTER, \
	  "Packets received from another worker.") \
	X(sess_created, "sessions_created", "dpwan_sessions_created_total", COUNTER, \
	  "Sessions created.") \
	X(sess_closed, "sessions_closed", "dpwan_sessions_closed_total", COUNTER, \
	  "Sessions expired or torn down.") \
	X(sess_active, "sessions_active", "dpwan_sessions_active", GAUGE, \
	  "Sessions in the tables.") \
	X(icmp_errors_translated, "icmp_errors_translated", "dpwan_icmp_errors_translated_total", \
	  COUNTER, "ICMP errors translated back to a session's inside address.") \
	X(icmp_errors_sent, "icmp_errors_sent", "dpwan_icmp_errors_sent_total", COUNTER, \
	  "ICMP errors generated by the dataplane.") \
	X(mss_clamped, "mss_clamped", "dpwan_mss_clamped_total", COUNTER, \
	  "TCP SYNs whose MSS was clamped.") \
	X(fragments_sent, "fragments_sent", "dpwan_fragments_sent_total", COUNTER, \
	  "Fragments made of packets larger than a WAN MTU.") \
	X(fragments_translated, "fragments_translated", "dpwan_fragments_translated_total", \
	  COUNTER, "Fragments after the first, translated by their datagram's verdict.") \
	X(fragments_held, "fragments_held", "dpwan_fragments_held_total", COUNTER, \
	  "Fragments that waited for their datagram's first fragment.")

/* One entry of DPW_LCORE_COUNTERS, for readers that walk the list. */
struct dpw_counter_info {
	unsigned long offset;     /* in struct dpw_lcore_stats */
	const char *json;
	const char *metric;
	int gauge;                /* 0: a counter (only grows) */
	const char *help;
};

/* The DPW_LCORE_COUNTERS table, and its length. */
extern const struct dpw_counter_info dpw_lcore_counters[];
extern const unsigned int dpw_n_lcore_counters;

/* Per-lcore counters: each lcore writes only its own slot; readers sum the slots. */
struct dpw_lcore_stats {
#define DPW_X_FIELD(f, j, m, t, h) uint64_t f;
	DPW_LCORE_COUNTERS(DPW_X_FIELD)
#undef DPW_X_FIELD
	uint64_t iterations;
	uint64_t busy_cycles;     /* cycles spent in iterations that moved packets */
	uint64_t busy_pkts;       /* packets moved in those iterations */
	uint64_t drops[DPW_DROP_MAX];
	uint64_t punt_class[DPW_PUNT_MAX];     /* handed to the kernel, by class */
	uint64_t punt_policed[DPW_PUNT_MAX];   /* over the class's rate: dropped */
	uint64_t wan_tx_pkts[DPW_MAX_WANS];
	uint64_t wan_tx_bytes[DPW_MAX_WANS];
	uint64_t wan_rx_pkts[DPW_MAX_WANS];
	uint64_t wan_rx_bytes[DPW_MAX_WANS];
	uint64_t wan_sess_created[DPW_MAX_WANS];
	/*
	 * Passive detection (issue 7): new connections per WAN and how many were answered.
	 * tcp_syn: TCP sessions created by a SYN; tcp_synack: of those, the first SYN-ACK
	 * seen; udp_new: UDP sessions created; udp_answered: the first packet back. The
	 * control process compares the WANs' rates over a short window.
	 */
	uint64_t wan_tcp_syn[DPW_MAX_WANS];
	uint64_t wan_tcp_synack[DPW_MAX_WANS];
	uint64_t wan_udp_new[DPW_MAX_WANS];
	uint64_t wan_udp_answered[DPW_MAX_WANS];
	/* on_failure: TCP sessions sent a RST, UDP sessions bound again on another WAN */
	uint64_t wan_tcp_reset[DPW_MAX_WANS];
	uint64_t wan_udp_moved[DPW_MAX_WANS];
	/* first packets dropped for want of a NAT port, by the WAN chosen (issue 10) */
	uint64_t wan_nat_exhausted[DPW_MAX_WANS];
} __attribute__((aligned(64)));

/*
 * Outbound policy counters (issue 8), per lcore like the rest, in their own array so
 * that dpw_lcore_stats stays small. Rule slots are the rules' positions in the running
 * document, then the default rule and the connected-network pseudo rule; policy slots
 * the named policies' positions, then the default rule's. A worker zeroes its own slot
 * when it first sees a generation of a new epoch (the rules, policies or default rule
 * changed) and then stores that epoch: readers sum only the slots whose epoch is
 * dpw_shm.policy_epoch.
 */
#define DPW_RULE_SLOT_DEFAULT DPW_MAX_RULES
#define DPW_RULE_SLOT_CONNECTED (DPW_MAX_RULES + 1)
#define DPW_RULE_SLOTS (DPW_MAX_RULES + 2)
#define DPW_POLICY_SLOT_DEFAULT DPW_MAX_POLICIES
#define DPW_POLICY_SLOTS (DPW_MAX_POLICIES + 1)

struct dpw_policy_stats {
	volatile uint64_t epoch;
	uint64_t rule_hits[DPW_RULE_SLOTS];            /* new sessions the rule placed */
	uint64_t rule_unavailable[DPW_RULE_SLOTS];     /* its WANs could take none: fell back */
	uint64_t policy_wan[DPW_POLICY_SLOTS][DPW_MAX_WANS]; /* new sessions per policy, WAN */
} __attribute__((aligned(64)));

/*
 * Inbound access and firewall counters (issue 10), per lcore, epoch-stamped like the
 * policy counters (a worker zeroes its slot when it first sees a generation whose
 * services or firewall rules changed; readers sum the slots of dpw_shm.inb_epoch).
 * Service slots are the services' positions in the running document; firewall slots
 * the rules' positions per direction, then the direction's default.
 */
#define DPW_SHM_SERVICES 256
#define DPW_SHM_FW_RULES 4096
#define DPW_FW_SLOT_DEFAULT DPW_SHM_FW_RULES
#define DPW_FW_SLOTS (DPW_SHM_FW_RULES + 1)
#define DPW_FW_OUT 0
#define DPW_FW_IN 1

struct dpw_inb_stats {
	volatile uint64_t epoch;
	uint64_t svc_conns[DPW_SHM_SERVICES];          /* connections the service opened */
	uint64_t fw_hits[2][DPW_FW_SLOTS];             /* [DPW_FW_OUT|IN][rule]: first
							* packets the rule judged */
} __attribute__((aligned(64)));

struct dpw_port_shm {
	char name[DPW_NAME_LEN];
	char tap[DPW_NAME_LEN];
	uint8_t role;             /* enum dpw_port_role */
	uint8_t link_up;
	uint8_t mac[6];
	uint32_t addr;            /* host byte order */
	uint8_t prefixlen;
	uint16_t mtu;
	uint16_t dpdk_port;
	uint64_t rx_pkts;         /* ethdev counters, copied by the main lcore each second */
	uint64_t tx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_missed;
	uint64_t rx_errors;
	uint64_t tx_errors;
};

/* WAN administrative and operational state as applied by the dataplane. */
enum dpw_wan_admin {
	DPW_WAN_ADMIN_DOWN = 0,
	DPW_WAN_ADMIN_UP = 1,
};

struct dpw_wan_shm {
	char name[DPW_NAME_LEN];
	uint8_t port;             /* index into dpw_shm.ports */
	uint8_t admin;            /* enum dpw_wan_admin */
	uint8_t gw_resolved;
	uint8_t usable;           /* configured, admin up, not forced down, link up, gateway */
	uint8_t configured;       /* the running document has this WAN */
	uint8_t forced_down;      /* the document marks it down (pfSense) */
	uint8_t gw_mac[6];
	uint16_t mtu;
	uint32_t addr;            /* host byte order */
	uint32_t gateway;         /* host byte order */
	uint32_t weight;
	uint64_t usable_since_ms; /* CLOCK_REALTIME ms of the last usable transition */
	uint64_t admin_changes;
	/* the health checker's last verdict as the dataplane applied it (WAN_HEALTH) */
	uint8_t health;           /* enum dpw_wan_health */
	uint8_t health_usable;    /* 1 when no verdict was given (DPW_WH_UNKNOWN) */
	uint8_t link_up;          /* the WAN port's link */
	uint8_t priority;         /* the document's, 1..DPW_WAN_PRIORITY_MAX */
	uint8_t standby;          /* usable but held back by a higher priority group */
	uint8_t dhcp;             /* addressing from a DHCP lease */
	uint8_t prefixlen;
	uint8_t reserved;
	uint32_t rtt_us;
	uint32_t jitter_us;
	uint32_t loss_permille;
};

struct dpw_shm {
	uint32_t magic;
	uint32_t abi;
	int32_t dp_pid;
	uint32_t n_ports;
	uint32_t n_wans;
	uint32_t n_workers;
	uint64_t start_time_ms;   /* CLOCK_REALTIME */
	volatile uint64_t heartbeat_ms; /* CLOCK_MONOTONIC (dpw_mono_ms), bumped by the main lcore */
	volatile uint64_t wan_view_gen; /* generation number of the published WAN view */
	volatile uint64_t config_gen;   /* document generation in force (0: none or factory) */
	uint8_t config_hash[32];        /* SHA-256 of its canonical JSON; zero: none */
	uint64_t config_applied_ms;     /* CLOCK_REALTIME of its apply */
	volatile int32_t control_pid;   /* the attached control process (HELLO), 0: none */
	uint32_t config_applies;        /* documents applied since start */
	uint32_t config_rejects;        /* documents rejected since start */
	uint64_t sess_capacity;   /* per worker */
	uint64_t sess_bytes;      /* memory per session slot (table, session, free list) */
	uint64_t tsc_hz;
	struct dpw_port_shm ports[DPW_MAX_PORTS];
	struct dpw_wan_shm wans[DPW_MAX_WANS];
	/* slot i < n_workers: worker i; slot DPW_MAX_WORKERS: main lcore */
	struct dpw_lcore_stats lcore[DPW_MAX_LCORE_SLOTS];
	/* the outbound policy (issue 8) */
	volatile uint64_t policy_gen;   /* document generation of the running rules */
	volatile uint64_t policy_epoch; /* of the counters below (see dpw_policy_stats) */
	uint32_t policy_rules;          /* rules in the running generation */
	uint32_t policy_entries;        /* their classifier entries */
	uint64_t policy_build_ns;       /* how long its build took */
	struct dpw_policy_stats pstats[DPW_MAX_LCORE_SLOTS];
	/* inbound access and firewall (issue 10) */
	volatile uint64_t inb_epoch;    /* of the counters below (see dpw_inb_stats) */
	struct dpw_inb_stats istats[DPW_MAX_LCORE_SLOTS];
};

#define DPW_SHM_MAIN_SLOT DPW_MAX_WORKERS

/*
 * A WAN's state as the API, the dashboard and DPDK telemetry report it, in the order it
 * is decided: unconfigured, else disabled, else forced down, else standby (a higher
 * priority group is usable), else offline when not usable, else degraded or online.
 */
#define DPW_WAN_STATES(X) \
	X(ONLINE, "online") \
	X(DEGRADED, "degraded") \
	X(OFFLINE, "offline") \
	X(DISABLED, "disabled") \
	X(FORCED_DOWN, "forced_down") \
	X(STANDBY, "standby") \
	X(UNCONFIGURED, "unconfigured")

enum dpw_wan_state {
#define DPW_X_ENUM(e, s) DPW_WS_##e,
	DPW_WAN_STATES(DPW_X_ENUM)
#undef DPW_X_ENUM
	DPW_WS_MAX
};

/* Name of a WAN state ("online" ...), "unknown" out of range. Any thread. */
const char *dpw_wan_state_str(unsigned int s);

/*
 * The state of w; degraded: the health checker's verdict is degraded (the control
 * process knows it first hand, the dataplane from the last WAN_HEALTH). Pure.
 */
enum dpw_wan_state dpw_wan_state(const struct dpw_wan_shm *w, int degraded);

_Static_assert(sizeof(struct dpw_lcore_stats) % 64 == 0, "lcore stats must fill cache lines");
_Static_assert(DPW_MAX_WANS <= 255, "a WAN id fits a byte");

/* CLOCK_REALTIME in milliseconds: the clock of the *_ms fields here but heartbeat_ms. */
uint64_t dpw_now_ms(void);

/* CLOCK_MONOTONIC in milliseconds (system-wide): the clock of heartbeat_ms. Any thread. */
uint64_t dpw_mono_ms(void);

/* Sum of one counter over the lcore slots (field given as an offset). Any thread. */
uint64_t dpw_shm_sum(const struct dpw_shm *shm, unsigned long offset);

#define DPW_SHM_SUM(shm, field) \
	dpw_shm_sum((shm), __builtin_offsetof(struct dpw_lcore_stats, field))

#endif
