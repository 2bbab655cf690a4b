/* SPDX-License-Identifier: BSD-3-Clause
 * GET /metrics: the shared-memory counters in the Prometheus text exposition format
 * (version 0.0.4). Counters are summed over lcores at read time. API thread.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/dnsmasq.h"
#include "control/dplink.h"
#include "control/health.h"
#include "control/probe.h"
#include "control/events.h"
#include "control/pstats.h"
#include "lib/shm/dpw_dnsset.h"

#define U64(v) ((unsigned long long)(v))

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Names in the shm are [a-z0-9_] (lib/cfg), so label values need no escaping. */
static void
port_metric(FILE *f, const struct dpw_shm *shm, const char *name, const char *type,
	    const char *help, size_t off)
{
	unsigned int i;

	family(f, name, type, help);
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++) {
		const struct dpw_port_shm *p = &shm->ports[i];

		fprintf(f, "%s{port=\"%.*s\"} %llu\n", name, DPW_NAME_LEN, p->name,
			U64(*(const uint64_t *)((const char *)p + off)));
	}
}

static void
lcore_total(FILE *f, const struct dpw_shm *shm, const char *name, const char *type,
	    const char *help, size_t off)
{
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, U64(dpw_shm_sum(shm, off)));
}

#define PORT_C(f, shm, metric, field, help) \
	port_metric(f, shm, metric, "counter", help, offsetof(struct dpw_port_shm, field))

/* The health checker's view of each WAN (only WANs it checks have these series). */
static void
health_metrics(FILE *f, const struct dpw_shm *shm, unsigned int n)
{
	static const char *const states[] = { "online", "degraded", "offline", "disabled",
					      "forced_down" };
	struct cp_health_figures hf;
	unsigned int i, k;

	family(f, "dpwan_wan_health_state", "gauge",
	       "1 for the state the health checker reports for the WAN.");
	for (i = 0; i < n; i++)
		for (k = 0; cp_health_figures(i, &hf) && k < 5; k++)
			fprintf(f, "dpwan_wan_health_state{wan=\"%.*s\",state=\"%s\"} %d\n",
				DPW_NAME_LEN, shm->wans[i].name, states[k],
				strcmp(hf.state, states[k]) == 0);
	family(f, "dpwan_wan_state_seconds", "gauge", "Seconds in the current health state.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf))
			fprintf(f, "dpwan_wan_state_seconds{wan=\"%.*s\"} %llu\n", DPW_NAME_LEN,
				shm->wans[i].name, U64(hf.seconds_in_state));
	family(f, "dpwan_wan_rtt_seconds", "gauge", "Round-trip time of the health probes.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf) && hf.have_rtt)
			fprintf(f, "dpwan_wan_rtt_seconds{wan=\"%.*s\"} %.6f\n", DPW_NAME_LEN,
				shm->wans[i].name, hf.rtt_s);
	family(f, "dpwan_wan_jitter_seconds", "gauge",
	       "Mean deviation of the health probes' round-trip time.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf) && hf.have_rtt)
			fprintf(f, "dpwan_wan_jitter_seconds{wan=\"%.*s\"} %.6f\n", DPW_NAME_LEN,
				shm->wans[i].name, hf.jitter_s);
	family(f, "dpwan_wan_loss_ratio", "gauge", "Health probes lost over the window.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf) && hf.have_loss)
			fprintf(f, "dpwan_wan_loss_ratio{wan=\"%.*s\"} %.4f\n", DPW_NAME_LEN,
				shm->wans[i].name, hf.loss_ratio);
	family(f, "dpwan_wan_health_downs_total", "counter",
	       "Times the health checker took the WAN offline.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf))
			fprintf(f, "dpwan_wan_health_downs_total{wan=\"%.*s\"} %llu\n",
				DPW_NAME_LEN, shm->wans[i].name, U64(hf.downs));
	family(f, "dpwan_wan_suspect", "gauge",
	       "1 while the passive detector suspects the WAN.");
	for (i = 0; i < n; i++)
		if (cp_health_figures(i, &hf))
			fprintf(f, "dpwan_wan_suspect{wan=\"%.*s\"} %d\n", DPW_NAME_LEN,
				shm->wans[i].name, hf.suspect);
	family(f, "dpwan_health_rounds_total", "counter", "Health-check rounds started.");
	fprintf(f, "dpwan_health_rounds_total %llu\n", U64(cp_health_rounds()));
	{
		struct cp_probe_counters pc;

		cp_probe_counters(&pc);
		family(f, "dpwan_health_probes_total", "counter",
		       "Health probes by method and result.");
		for (k = 1; k < DPW_HM_MAX; k++) {
			fprintf(f, "dpwan_health_probes_total{method=\"%s\",result=\"up\"} %llu\n",
				dpw_health_method_str(k), U64(pc.up[k]));
			fprintf(f, "dpwan_health_probes_total{method=\"%s\",result=\"down\"} "
				"%llu\n", dpw_health_method_str(k), U64(pc.down[k]));
		}
	}
}

static void
wan_metrics(FILE *f, const struct dpw_shm *shm)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} per_wan[] = {
		{ "dpwan_wan_tx_packets_total", "Packets sent on the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_tx_pkts) },
		{ "dpwan_wan_tx_bytes_total", "Bytes sent on the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_tx_bytes) },
		{ "dpwan_wan_rx_packets_total", "Packets received on the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_rx_pkts) },
		{ "dpwan_wan_rx_bytes_total", "Bytes received on the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_rx_bytes) },
		{ "dpwan_wan_sessions_created_total", "Sessions bound to the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_sess_created) },
		{ "dpwan_wan_tcp_syn_total", "New TCP connections on the WAN (passive detection).",
		  offsetof(struct dpw_lcore_stats, wan_tcp_syn) },
		{ "dpwan_wan_tcp_synack_total", "Of those, the ones answered by a SYN-ACK.",
		  offsetof(struct dpw_lcore_stats, wan_tcp_synack) },
		{ "dpwan_wan_udp_new_total", "New UDP flows on the WAN.",
		  offsetof(struct dpw_lcore_stats, wan_udp_new) },
		{ "dpwan_wan_udp_answered_total", "Of those, the ones that got a reply.",
		  offsetof(struct dpw_lcore_stats, wan_udp_answered) },
		{ "dpwan_wan_tcp_reset_total", "TCP sessions reset towards the LAN on a failure.",
		  offsetof(struct dpw_lcore_stats, wan_tcp_reset) },
		{ "dpwan_wan_udp_moved_total", "UDP sessions bound again on another WAN.",
		  offsetof(struct dpw_lcore_stats, wan_udp_moved) },
	};
	unsigned int i, k, n = shm->n_wans < DPW_MAX_WANS ? shm->n_wans : DPW_MAX_WANS;

	family(f, "dpwan_wan_enabled", "gauge", "1 if the WAN is administratively enabled.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_wan_enabled{wan=\"%.*s\"} %d\n", DPW_NAME_LEN,
			shm->wans[i].name, shm->wans[i].admin == DPW_WAN_ADMIN_UP);
	family(f, "dpwan_wan_usable", "gauge",
	       "1 if the WAN carries new sessions (enabled, link up, gateway resolved).");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_wan_usable{wan=\"%.*s\"} %d\n", DPW_NAME_LEN,
			shm->wans[i].name, shm->wans[i].usable != 0);
	family(f, "dpwan_wan_gateway_resolved", "gauge", "1 if the gateway MAC is known.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_wan_gateway_resolved{wan=\"%.*s\"} %d\n", DPW_NAME_LEN,
			shm->wans[i].name, shm->wans[i].gw_resolved != 0);
	family(f, "dpwan_wan_weight", "gauge", "Share of new sessions given to the WAN.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_wan_weight{wan=\"%.*s\"} %u\n", DPW_NAME_LEN,
			shm->wans[i].name, shm->wans[i].weight);
	health_metrics(f, shm, n);
	for (k = 0; k < sizeof(per_wan) / sizeof(per_wan[0]); k++) {
		family(f, per_wan[k].name, "counter", per_wan[k].help);
		for (i = 0; i < n; i++)
			fprintf(f, "%s{wan=\"%.*s\"} %llu\n", per_wan[k].name, DPW_NAME_LEN,
				shm->wans[i].name,
				U64(dpw_shm_sum(shm, per_wan[k].off + i * sizeof(uint64_t))));
	}
}

/* One counter per exception-path class (DPW_PUNT_CLASSES), from the array at offset. */
static void
punt_metrics(FILE *f, const struct dpw_shm *shm, const char *name, const char *help,
	     unsigned long offset)
{
	unsigned int i;

	family(f, name, "counter", help);
	for (i = 0; i < DPW_PUNT_MAX; i++)
		fprintf(f, "%s{class=\"%s\"} %llu\n", name, dpw_punt_class_str(i),
			U64(dpw_shm_sum(shm, offset + i * sizeof(uint64_t))));
}

/* issue 9: DNS snooping and the domain sets (api_dnsset.c reads their memzone) */
static void
dnsset_metrics(FILE *f)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} c[] = {
		{ "dpwan_dns_snoop_answers_total", "DNS responses to LAN hosts parsed.",
		  offsetof(struct dpw_dnsset_stats, answers) },
		{ "dpwan_dns_snoop_malformed_total",
		  "DNS packets from port 53 to LAN hosts that did not parse (still forwarded).",
		  offsetof(struct dpw_dnsset_stats, malformed) },
		{ "dpwan_dns_snoop_matched_total",
		  "DNS answers whose name matched a rule's domain pattern.",
		  offsetof(struct dpw_dnsset_stats, matched) },
		{ "dpwan_dns_snoop_inserted_total", "Addresses put into domain sets (or renewed).",
		  offsetof(struct dpw_dnsset_stats, inserted) },
		{ "dpwan_dns_snoop_evicted_total",
		  "Unexpired domain-set entries replaced: system.dns_sets is too small.",
		  offsetof(struct dpw_dnsset_stats, evicted) },
	};
	struct dpw_dnsset_stats st;
	uint64_t entries;
	unsigned int i;

	if (cp_api_dnsset_stats(&st, &entries) != 0)
		return;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		family(f, c[i].name, "counter", c[i].help);
		fprintf(f, "%s %llu\n", c[i].name,
			U64(*(const uint64_t *)((const char *)&st + c[i].off)));
	}
	family(f, "dpwan_domain_set_entries", "gauge", "Unexpired addresses in the domain sets.");
	fprintf(f, "dpwan_domain_set_entries %llu\n", U64(entries));
}

static void
worker_metrics(FILE *f, const struct dpw_shm *shm)
{
	unsigned int i, n = shm->n_workers < DPW_MAX_WORKERS ? shm->n_workers : DPW_MAX_WORKERS;

	family(f, "dpwan_worker_rx_packets_total", "counter", "Packets received by the worker.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_worker_rx_packets_total{worker=\"%u\"} %llu\n", i,
			U64(shm->lcore[i].rx_pkts));
	family(f, "dpwan_worker_tx_packets_total", "counter", "Packets sent by the worker.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_worker_tx_packets_total{worker=\"%u\"} %llu\n", i,
			U64(shm->lcore[i].tx_pkts));
	family(f, "dpwan_worker_sessions_active", "gauge", "Sessions in the worker's table.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_worker_sessions_active{worker=\"%u\"} %llu\n", i,
			U64(shm->lcore[i].sess_active));
	family(f, "dpwan_worker_busy_cycles_total", "counter",
	       "TSC cycles spent in loop iterations that moved packets.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_worker_busy_cycles_total{worker=\"%u\"} %llu\n", i,
			U64(shm->lcore[i].busy_cycles));
	family(f, "dpwan_worker_busy_packets_total", "counter",
	       "Packets moved in those iterations.");
	for (i = 0; i < n; i++)
		fprintf(f, "dpwan_worker_busy_packets_total{worker=\"%u\"} %llu\n", i,
			U64(shm->lcore[i].busy_pkts));
}

/*
 * Above this many rules, a rule has its series only while one of its counters is not 0,
 * so a document of 16,384 rules does not make a scrape of 32,768 series.
 */
#define RULE_SERIES_MAX 1000
#define STR_(x) #x
#define STR(x) STR_(x)

/* A family whose HELP and TYPE go out with its first sample: none without a sample. */
struct lazy_family {
	FILE *f;
	const char *name, *type, *help;
	int started;
};

static void
lazy_start(struct lazy_family *lf)
{
	if (!lf->started)
		family(lf->f, lf->name, lf->type, lf->help);
	lf->started = 1;
}

/* Rule and policy counters of the running generation (pstats.h), and its build. */
static void
policy_metrics(FILE *f, const struct dpw_shm *shm)
{
	const struct cp_running *run = cp_config_running();
	const struct dpw_doc *doc = &run->doc;
	struct cp_pstats ps;
	unsigned int c, i, k, n_rules;
	char help[256];
	int id;

	family(f, "dpwan_policy_generation", "gauge",
	       "Document generation of the rules the dataplane classifies with.");
	fprintf(f, "dpwan_policy_generation %llu\n", U64(shm->policy_gen));
	family(f, "dpwan_policy_rules", "gauge", "Rules in the dataplane's running generation.");
	fprintf(f, "dpwan_policy_rules %u\n", shm->policy_rules);
	family(f, "dpwan_policy_entries", "gauge",
	       "Classifier entries the running generation's rules expand into.");
	fprintf(f, "dpwan_policy_entries %u\n", shm->policy_entries);
	family(f, "dpwan_policy_build_seconds", "gauge",
	       "How long the build of the running rule generation took.");
	fprintf(f, "dpwan_policy_build_seconds %.6f\n", (double)shm->policy_build_ns / 1e9);

	/*
	 * Until the dataplane runs this generation's rules, slot i is another document's
	 * rule i: no series rather than a wrong one (a gap, not a false reset).
	 */
	if (cp_api_pstats_read(shm, &ps) < 0 || !ps.valid) {
		cp_pstats_free(&ps);
		return;
	}
	n_rules = doc->n_rules;
	for (c = 0; c < CP_RC_MAX; c++) {
		const struct cp_rule_counter_info *ci = &cp_rule_counters[c];

		snprintf(help, sizeof(help), "%s, by rule (default_rule: no rule matched; "
			 "connected: to a directly connected network). With more than "
			 STR(RULE_SERIES_MAX) " rules only the rules with a counter above 0 have "
			 "a series.", ci->help);
		family(f, ci->metric, "counter", help);
		for (i = 0; i < n_rules; i++) {
			bool any = false;
			unsigned int c2;

			for (c2 = 0; c2 < CP_RC_MAX; c2++)
				any |= ps.rule[c2][i] > 0;
			if (n_rules > RULE_SERIES_MAX && !any)
				continue;
			fprintf(f, "%s{rule=\"%.*s\"} %llu\n", ci->metric, DPW_NAME_LEN,
				doc->rules[i].name, U64(ps.rule[c][i]));
		}
		fprintf(f, "%s{rule=\"%s\"} %llu\n", ci->metric, CP_PSTATS_DEFAULT_NAME,
			U64(ps.rule[c][CP_PSTATS_RULE_DEFAULT(&ps)]));
		fprintf(f, "%s{rule=\"%s\"} %llu\n", ci->metric, CP_PSTATS_CONNECTED_NAME,
			U64(ps.rule[c][CP_PSTATS_RULE_CONNECTED(&ps)]));
	}
	{
		struct lazy_family lf = { f, "dpwan_policy_sessions_total", "counter",
			"New sessions placed by a policy (default_rule: the default rule's own), "
			"by WAN.", 0 };

		for (i = 0; i <= doc->n_policies; i++) {
			const struct dpw_doc_pick *p = i < doc->n_policies ?
				&doc->policies[i].pick :
				cp_pstats_action_pick(doc, &doc->default_rule.action);
			uint8_t shown[DPW_MAX_WANS] = { 0 };
			const char *pname = i < doc->n_policies ? doc->policies[i].name :
					    CP_PSTATS_DEFAULT_NAME;

			/* the candidates, and any other WAN a fallback put sessions on */
			for (k = 0; p != NULL && k < p->n && k < DPW_MAX_WANS; k++)
				if (p->c[k].wan < doc->n_wans &&
				    (id = cp_pstats_wan_id(shm, doc->wans[p->c[k].wan].name)) >= 0)
					shown[id] = 1;
			for (k = 0; k < shm->n_wans && k < DPW_MAX_WANS; k++) {
				if (!shown[k] && ps.policy_wan[i][k] == 0)
					continue;
				lazy_start(&lf);
				fprintf(f, "dpwan_policy_sessions_total{policy=\"%.*s\",wan=\"%.*s\"}"
					" %llu\n", DPW_NAME_LEN, pname, DPW_NAME_LEN,
					shm->wans[k].name, U64(ps.policy_wan[i][k]));
			}
		}
	}
	cp_pstats_free(&ps);
}

/* The control process's own figures: API, authentication, document, event log. */
static void
control_metrics(FILE *f, const struct dpw_shm *shm)
{
	static const char *const cls[] = { "", "1xx", "2xx", "3xx", "4xx", "5xx" };
	static const char *const why[] = { "", "missing", "invalid", "blocked" };
	const struct cp_api_stats *st = cp_api_stats();
	struct cp_confirm c;
	unsigned int i;

	family(f, "dpwan_api_requests_total", "counter", "API requests answered, by class.");
	for (i = 1; i < 6; i++)
		fprintf(f, "dpwan_api_requests_total{code=\"%s\"} %llu\n", cls[i],
			U64(st->by_class[i]));
	family(f, "dpwan_api_auth_failures_total", "counter",
	       "API requests refused for their credentials, by reason.");
	for (i = CP_AUTH_MISSING; i <= CP_AUTH_BLOCKED; i++)
		fprintf(f, "dpwan_api_auth_failures_total{reason=\"%s\"} %llu\n", why[i],
			U64(cp_auth_failures((enum cp_auth_verdict)i)));
	family(f, "dpwan_api_suspended_requests", "gauge",
	       "Requests waiting for the dataplane, and open event streams.");
	fprintf(f, "dpwan_api_suspended_requests %llu\n", U64(st->suspended_now));
	family(f, "dpwan_config_generation", "gauge", "Document generation in force.");
	fprintf(f, "dpwan_config_generation %lld\n", (long long)cp_config_running()->gen);
	family(f, "dpwan_config_applies_total", "counter",
	       "Documents the dataplane applied since it started.");
	fprintf(f, "dpwan_config_applies_total %llu\n", U64(shm->config_applies));
	family(f, "dpwan_config_rejects_total", "counter",
	       "Documents the dataplane rejected since it started.");
	fprintf(f, "dpwan_config_rejects_total %llu\n", U64(shm->config_rejects));
	family(f, "dpwan_config_confirm_pending", "gauge",
	       "1 while a confirmed apply waits for its confirmation.");
	fprintf(f, "dpwan_config_confirm_pending %d\n", cp_config_pending(&c));
	family(f, "dpwan_events_total", "counter", "Events written to the event log.");
	fprintf(f, "dpwan_events_total %llu\n", U64(cp_event_count()));
	family(f, "dpwan_event_log_failures_total", "counter",
	       "Events the store could not keep.");
	fprintf(f, "dpwan_event_log_failures_total %llu\n", U64(cp_event_failures()));
}

/* LAN services (issue 9): dnsmasq, its leases, its cache (the last statistics round:
 * refreshed every few seconds on the loop, never asked for here). */
static void
lan_metrics(FILE *f)
{
	const struct cp_dnsmasq_stats *s = cp_dnsmasq_stats_last();
	struct cp_lease *l = NULL;
	int n = cp_dnsmasq_leases(&cp, &l);
	unsigned int i;

	free(l);
	family(f, "dpwan_dnsmasq_up", "gauge", "1 if dnsmasq (DHCP and DNS on the LAN) runs.");
	fprintf(f, "dpwan_dnsmasq_up %d\n", cp_dnsmasq_pid(&cp) > 0);
	if (n >= 0) {
		family(f, "dpwan_dhcp_leases", "gauge", "DHCP leases in dnsmasq's lease file.");
		fprintf(f, "dpwan_dhcp_leases %d\n", n);
	}
	if (s->at_ms <= 0)
		return;
	family(f, "dpwan_dns_cache_size", "gauge", "Names dnsmasq's cache holds at most.");
	fprintf(f, "dpwan_dns_cache_size %llu\n", s->cache_size);
	family(f, "dpwan_dns_cache_insertions_total", "counter", "Names put into the cache.");
	fprintf(f, "dpwan_dns_cache_insertions_total %llu\n", s->insertions);
	family(f, "dpwan_dns_cache_evictions_total", "counter",
	       "Names pushed out of the full cache before they expired.");
	fprintf(f, "dpwan_dns_cache_evictions_total %llu\n", s->evictions);
	family(f, "dpwan_dns_cache_hits_total", "counter", "Queries answered from the cache.");
	fprintf(f, "dpwan_dns_cache_hits_total %llu\n", s->hits);
	family(f, "dpwan_dns_cache_misses_total", "counter", "Queries sent upstream.");
	fprintf(f, "dpwan_dns_cache_misses_total %llu\n", s->misses);
	if (s->n_servers == 0)
		return;
	family(f, "dpwan_dns_upstream_queries_total", "counter",
	       "Queries dnsmasq sent to an upstream server.");
	for (i = 0; i < s->n_servers; i++)
		fprintf(f, "dpwan_dns_upstream_queries_total{server=\"%s\"} %llu\n",
			s->server[i].addr, s->server[i].queries);
	family(f, "dpwan_dns_upstream_failed_total", "counter",
	       "Queries to an upstream server that failed.");
	for (i = 0; i < s->n_servers; i++)
		fprintf(f, "dpwan_dns_upstream_failed_total{server=\"%s\"} %llu\n",
			s->server[i].addr, s->server[i].failed);
}

void
cp_api_metrics_get(struct cp_req *c)
{
	const struct dpw_shm *shm = cp_dplink_shm();
	uint64_t now = cp_now_ms();
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *f;

	if (shm == NULL) {
		cp_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "dataplane not attached");
		return;
	}
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		cp_api_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}

	family(f, "dpwan_dataplane_alive", "gauge", "1 if the dataplane heartbeat is fresh.");
	fprintf(f, "dpwan_dataplane_alive %d\n", cp_dplink_alive(NULL, 0));
	family(f, "dpwan_dataplane_uptime_seconds", "gauge",
	       "Seconds since the dataplane started.");
	fprintf(f, "dpwan_dataplane_uptime_seconds %llu\n",
		U64(now > shm->start_time_ms ? (now - shm->start_time_ms) / 1000 : 0));
	family(f, "dpwan_workers", "gauge", "Worker lcores of the dataplane.");
	fprintf(f, "dpwan_workers %u\n", shm->n_workers);
	family(f, "dpwan_wan_view_generation", "gauge", "Generation of the published WAN view.");
	fprintf(f, "dpwan_wan_view_generation %llu\n", U64(shm->wan_view_gen));

	family(f, "dpwan_port_link_up", "gauge", "1 if the port's link is up.");
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++)
		fprintf(f, "dpwan_port_link_up{port=\"%.*s\"} %d\n", DPW_NAME_LEN,
			shm->ports[i].name, shm->ports[i].link_up != 0);
	PORT_C(f, shm, "dpwan_port_rx_packets_total", rx_pkts, "Packets received on the port.");
	PORT_C(f, shm, "dpwan_port_tx_packets_total", tx_pkts, "Packets sent on the port.");
	PORT_C(f, shm, "dpwan_port_rx_bytes_total", rx_bytes, "Bytes received on the port.");
	PORT_C(f, shm, "dpwan_port_tx_bytes_total", tx_bytes, "Bytes sent on the port.");
	PORT_C(f, shm, "dpwan_port_rx_missed_total", rx_missed,
	       "Packets the NIC dropped for lack of RX descriptors.");
	PORT_C(f, shm, "dpwan_port_rx_errors_total", rx_errors, "Erroneous received packets.");
	PORT_C(f, shm, "dpwan_port_tx_errors_total", tx_errors, "Failed transmissions.");

	wan_metrics(f, shm);

	for (i = 0; i < dpw_n_lcore_counters; i++) {
		const struct dpw_counter_info *ci = &dpw_lcore_counters[i];

		lcore_total(f, shm, ci->metric, ci->gauge ? "gauge" : "counter", ci->help,
			    ci->offset);
	}

	family(f, "dpwan_drops_total", "counter", "Packets dropped, by reason.");
	for (i = 0; i < DPW_DROP_MAX; i++)
		fprintf(f, "dpwan_drops_total{reason=\"%s\"} %llu\n", dpw_drop_str(i),
			U64(dpw_shm_sum(shm, offsetof(struct dpw_lcore_stats, drops) +
					i * sizeof(uint64_t))));

	punt_metrics(f, shm, "dpwan_punted_by_class_total",
		     "Packets handed to the kernel TAPs, by exception-path class.",
		     offsetof(struct dpw_lcore_stats, punt_class));
	punt_metrics(f, shm, "dpwan_punt_policed_total",
		     "Packets over their exception-path class's rate, dropped.",
		     offsetof(struct dpw_lcore_stats, punt_policed));

	worker_metrics(f, shm);
	policy_metrics(f, shm);
	cp_api_inbound_metrics(f, shm);
	control_metrics(f, shm);
	lan_metrics(f);
	dnsset_metrics(f);

	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		cp_api_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	cp_api_send_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			       buf, len);
	free(buf);
}
