/* SPDX-License-Identifier: BSD-3-Clause
 * (EAL itself runs with --no-pci unless the config names PCI ports: see main.c.)
 * Apply a network-policy document to the dataplane (main lcore): the WAN table comes
 * from it. Build first, commit after: every new per-WAN setting is computed and checked
 * and the next WAN view allocated before anything changes, so a rejected or failed
 * apply leaves the running one whole. Also reads the factory document (system.policy)
 * at start, on the main thread before EAL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_log.h>

#include "dataplane/cfg_apply.h"
#include "dataplane/dp.h"
#include "dataplane/port.h"

static void
print_problems(const char *file, const struct dpw_doc_problems *pr)
{
	unsigned int i;

	for (i = 0; i < pr->n; i++)
		fprintf(stderr, "dpwan-dataplane: %s: %s%s%s%s\n", file,
			pr->p[i].warning ? "warning: " : "", pr->p[i].path,
			pr->p[i].path[0] != '\0' ? ": " : "", pr->p[i].message);
	if (pr->errors + pr->warnings > pr->n)
		fprintf(stderr, "dpwan-dataplane: %s: and %u more problems\n", file,
			pr->errors + pr->warnings - pr->n);
}

int
dp_cfg_read_factory(const struct dpw_sysconf *conf, struct dpw_doc *doc,
		    uint8_t hash[DPW_DOC_HASH_LEN])
{
	static struct dpw_doc_problems pr;   /* 20 KB: not on the stack */
	struct dpw_doc_context ctx;
	char *text = NULL, *canon = NULL;
	size_t len = 0, clen;
	FILE *f;
	int rc;

	if (conf->policy_path[0] == '\0')
		return -ENOENT;
	f = fopen(conf->policy_path, "r");
	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "dpwan-dataplane: %s: cannot read the factory document "
			"(system.policy of %s): %s\n", conf->policy_path, conf->path,
			strerror(errno));
		return rc;
	}
	/* one byte more than the limit, so that the parser sees a text too long */
	text = malloc(DPW_DOC_MAX_BYTES + 2);
	if (text != NULL)
		len = fread(text, 1, DPW_DOC_MAX_BYTES + 1, f);
	if (text == NULL || ferror(f)) {
		rc = text == NULL ? -ENOMEM : -EIO;
		fprintf(stderr, "dpwan-dataplane: %s: cannot read: %s\n", conf->policy_path,
			strerror(-rc));
		fclose(f);
		free(text);
		return rc;
	}
	fclose(f);
	text[len] = '\0';
	dpw_doc_context_from_sysconf(conf, &ctx);
	dpw_doc_problems_init(&pr);
	rc = dpw_doc_parse(text, len, conf->policy_format, &ctx, doc, &pr);
	free(text);
	print_problems(conf->policy_path, &pr);
	if (rc != 0) {
		dpw_doc_free(doc);
		return rc;
	}
	canon = dpw_doc_canonical(doc, &clen);
	if (canon == NULL) {
		dpw_doc_free(doc);
		return -ENOMEM;
	}
	rc = dpw_doc_hash(canon, clen, hash);
	free(canon);
	return rc;
}

int
dp_cfg_is_running(const uint8_t hash[DPW_DOC_HASH_LEN])
{
	return dp.config_running && memcmp(dp.config_hash, hash, DPW_DOC_HASH_LEN) == 0;
}

void
dp_cfg_relabel(uint64_t gen)
{
	dp.shm->config_gen = gen;
	/* the same rules: their counters are the relabelled generation's */
	if (dp.pgen != NULL)
		dp.shm->policy_gen = gen;
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* The WAN id of the WAN port named name, or -1. */
static int
wan_by_name(const char *name)
{
	unsigned int w;

	for (w = 0; w < dp.n_wans; w++)
		if (strcmp(dp.port[dp.wan_port[w]].name, name) == 0)
			return (int)w;
	return -1;
}

/*
 * Every WAN's settings in next[] from the document, and what only the dataplane can
 * judge. The validator (dpw_doc_from_json with this system's context) has checked the
 * rest; what is checked again here is what would corrupt the tables if it were wrong.
 */
/*
 * What the document model takes but this dataplane cannot do is refused with its path,
 * never accepted and ignored.
 */
static void
refuse_unenforced(const struct dpw_doc *doc, struct dpw_doc_problems *pr)
{
	/* the packet parser drops impossible flag combinations whatever the document says */
	if (!doc->dos.drop_invalid_tcp)
		dpw_doc_problem_add(pr, false, "/dos/drop_invalid_tcp", "false is not supported: "
				    "this dataplane always drops TCP segments with invalid flags");
}

static int
build(const struct dpw_doc *doc, struct dp_wan_cfg next[DPW_MAX_WANS],
      struct dpw_doc_problems *pr)
{
	uint32_t api_addr = 0;
	unsigned int i;

	memset(next, 0, sizeof(next[0]) * DPW_MAX_WANS);
	refuse_unenforced(doc, pr);
	if (pr->errors > 0)
		return -EINVAL;
	if (!dp.conf.api_allow_wan && dpw_parse_ipv4(dp.conf.api_listen, &api_addr, NULL) != 0)
		api_addr = 0;
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_doc_wan *dw = &doc->wans[i];
		char path[DPW_DOC_PATH_LEN];
		struct dp_wan_cfg *c;
		int w = wan_by_name(dw->name);

		snprintf(path, sizeof(path), "/wans/%u", i);
		if (w < 0) {
			dpw_doc_problem_add(pr, false, path, "no WAN port '%s' in this dataplane",
					    dw->name);
			continue;
		}
		c = &next[w];
		if (c->configured) {
			dpw_doc_problem_add(pr, false, path, "WAN '%s' is configured twice",
					    dw->name);
			continue;
		}
		if (dw->addr_mode != DPW_ADDR_STATIC && dw->addr_mode != DPW_ADDR_DHCP) {
			dpw_doc_problem_add(pr, false, path, "addressing mode %u is not supported "
					    "by this dataplane", dw->addr_mode);
			continue;
		}
		if (dw->mtu > dp.port[dp.wan_port[w]].mtu || dw->mtu < 576 || dw->weight == 0 ||
		    (dw->addr_mode == DPW_ADDR_STATIC &&
		     (dw->prefixlen == 0 || dw->prefixlen > 30))) {
			dpw_doc_problem_add(pr, false, path, "mtu %u, /%u or weight %u out of what "
					    "port '%s' (mtu %u) takes", dw->mtu, dw->prefixlen,
					    dw->weight, dw->name, dp.port[dp.wan_port[w]].mtu);
			continue;
		}
		if (dw->addr_mode == DPW_ADDR_STATIC && api_addr != 0 && dw->addr == api_addr) {
			snprintf(path, sizeof(path), "/wans/%u/addressing/address", i);
			dpw_doc_problem_add(pr, false, path, "the API listens on this address "
					    "(api.listen of %s): it would be exposed on WAN '%s'; "
					    "set api.allow_wan = true or listen elsewhere",
					    dp.conf.path, dw->name);
			continue;
		}
		c->configured = 1;
		c->enabled = dw->enabled;
		c->forced_down = dw->forced_down;
		if (dw->addr_mode == DPW_ADDR_DHCP) {
			const struct dp_wan_cfg *run = &dp.wst[w].cfg;

			/* a WAN that stays DHCP keeps its lease; a new one waits for its first */
			c->dhcp = 1;
			if (run->configured && run->dhcp) {
				c->prefixlen = run->prefixlen;
				c->addr = run->addr;
				c->mask = run->mask;
				c->gateway = run->gateway;
			}
		} else {
			c->prefixlen = dw->prefixlen;
			c->addr = rte_cpu_to_be_32(dw->addr);
			c->mask = rte_cpu_to_be_32(mask_of(dw->prefixlen));
			c->gateway = rte_cpu_to_be_32(dw->gateway);
		}
		c->mtu = dw->mtu;
		c->mss = dw->mss != 0 ? dw->mss : (uint16_t)(dw->mtu - 40);
		c->weight = dw->weight;
		/* priority groups and on_failure (issue 7): 0 is a document decoded before
		 * the priority member existed */
		c->priority = dw->priority != 0 ? dw->priority : 1;
		c->independent = dw->independent;
		c->fail_tcp = dw->fail_tcp == DPW_FAIL_TCP_KEEP ? DPW_FAIL_TCP_KEEP :
								   DPW_FAIL_TCP_RESET;
		c->fail_udp = dw->fail_udp == DPW_FAIL_UDP_KEEP ? DPW_FAIL_UDP_KEEP :
								   DPW_FAIL_UDP_MOVE;
		c->upload_kbps = dw->upload_kbps;
		c->download_kbps = dw->download_kbps;
	}
	return pr->errors != 0 ? -EINVAL : 0;
}

int
dp_cfg_check(const struct dpw_doc *doc, uint8_t wan_id[DPW_MAX_WANS], struct dpw_doc_problems *pr)
{
	struct dp_wan_cfg next[DPW_MAX_WANS];
	unsigned int i;
	int rc = build(doc, next, pr);

	memset(wan_id, 0, DPW_MAX_WANS);
	for (i = 0; rc == 0 && i < doc->n_wans && i < DPW_MAX_WANS; i++)
		wan_id[i] = (uint8_t)wan_by_name(doc->wans[i].name);
	return rc;
}

/*
 * What the TAP carries for a WAN's settings: its address and the host's routing table
 * for that WAN (port.h), or none and the port MTU. A DHCP WAN without a lease has no
 * address, but its TAP stays up: the DHCP client works on it with raw sockets.
 */
static int
tap_set(unsigned int w, const struct dp_wan_cfg *c, char *err, size_t errlen)
{
	const struct dp_port *p = &dp.port[dp.wan_port[w]];
	int rc;

	if (!c->configured || c->addr == 0) {
		rc = dp_port_tap_address(p, 0, 0, c->configured ? c->mtu : p->mtu, err, errlen);
		if (rc == 0)
			rc = dp_port_tap_route(p, 0, 0, 0, err, errlen);
		return rc;
	}
	rc = dp_port_tap_address(p, c->addr, c->mask, c->mtu, err, errlen);
	if (rc == 0)
		rc = dp_port_tap_route(p, c->addr, c->mask, c->gateway, err, errlen);
	return rc;
}

/*
 * The WAN's address changed: its sessions on the old one are dead (replies go to an
 * address that is no longer ours). TCP ones get their on_failure RST from a mailbox
 * sweep; every packet of one that comes first, and UDP's, are handled in the hit path
 * (stage_lan.c: the session's address is not the WAN's).
 */
static void
post_readdress(unsigned int w, int readdressed)
{
	const struct dp_wan_view *v = dp_view_get();

	if (readdressed && v != NULL && v->wan[w].fail_tcp == DPW_FAIL_TCP_RESET)
		dp_mbox_post_flush(w, DPW_FAIL_TCP_RESET, v->wan[w].fail_udp, DP_DOWN_ADDRESS,
				   v->gen);
}

static int
tap_differs(const struct dp_wan_cfg *a, const struct dp_wan_cfg *b)
{
	return a->configured != b->configured ||
	       (b->configured && (a->addr != b->addr || a->mask != b->mask || a->mtu != b->mtu ||
				  a->gateway != b->gateway));
}

static int
addressing_differs(const struct dp_wan_cfg *a, const struct dp_wan_cfg *b)
{
	return a->configured != b->configured || a->addr != b->addr || a->mask != b->mask ||
	       a->gateway != b->gateway;
}

int
dp_cfg_apply(const struct dpw_doc *doc, uint64_t gen, const uint8_t hash[DPW_DOC_HASH_LEN],
	     struct dpw_doc_problems *pr)
{
	struct dp_wan_cfg next[DPW_MAX_WANS];
	int readdressed[DPW_MAX_WANS] = { 0 };
	struct dp_wan_view *view;
	char err[256];
	unsigned int w, done;
	int rc;

	rc = build(doc, next, pr);
	if (rc != 0)
		return rc;
	view = dp_gen_alloc();
	if (view == NULL) {
		dpw_doc_problem_add(pr, false, "", "out of memory for the WAN view");
		return -ENOMEM;
	}
	/* the only step that can fail once begun: undo what it did if it does */
	for (done = 0; done < dp.n_wans; done++) {
		if (!tap_differs(&dp.wst[done].cfg, &next[done]))
			continue;
		rc = tap_set(done, &next[done], err, sizeof(err));
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		char ignored[256];

		dpw_doc_problem_add(pr, false, "", "%s", err);
		for (w = 0; w < done; w++)
			if (tap_differs(&dp.wst[w].cfg, &next[w]))
				(void)tap_set(w, &dp.wst[w].cfg, ignored, sizeof(ignored));
		free(view);
		return rc;
	}
	for (w = 0; w < dp.n_wans; w++) {
		struct dp_wan_state *ws = &dp.wst[w];
		uint8_t admin = next[w].configured ? next[w].enabled : 0;

		readdressed[w] = ws->cfg.configured && ws->cfg.addr != 0 &&
				 ws->cfg.addr != next[w].addr;

		if (addressing_differs(&ws->cfg, &next[w])) {
			/* another subnet or next hop: the old gateway's MAC says nothing */
			ws->gw_resolved = 0;
			memset(&ws->gw_mac, 0, sizeof(ws->gw_mac));
			ws->next_arp_tsc = 0;
		}
		if (ws->admin != admin)
			dp.shm->wans[w].admin_changes++;
		/* a WAN that stays keeps its health verdict; one that leaves is judged anew */
		if (ws->cfg.configured && !next[w].configured)
			dp_wan_health_reset(ws);
		ws->admin = admin;
		ws->cfg = next[w];
	}
	dp_gen_publish_view(view);
	for (w = 0; w < dp.n_wans; w++)
		post_readdress(w, readdressed[w]);
	memcpy(dp.config_hash, hash, DPW_DOC_HASH_LEN);
	dp.config_running = 1;
	memcpy(dp.shm->config_hash, hash, DPW_DOC_HASH_LEN);
	dp.shm->config_applied_ms = dpw_now_ms();
	dp.shm->config_applies++;
	dp.shm->config_gen = gen;
	for (w = 0; w < dp.n_wans; w++) {
		const struct dp_wan_cfg *c = &dp.wst[w].cfg;
		char a[16], g[16];

		if (!c->configured) {
			RTE_LOG(INFO, USER1, "generation %llu: wan %s unconfigured\n",
				(unsigned long long)gen, dp.port[dp.wan_port[w]].name);
			continue;
		}
		if (c->dhcp && c->addr == 0) {
			RTE_LOG(INFO, USER1, "generation %llu: wan %s dhcp, no lease yet (not "
				"usable) mtu %u weight %u\n", (unsigned long long)gen,
				dp.port[dp.wan_port[w]].name, c->mtu, c->weight);
			continue;
		}
		RTE_LOG(INFO, USER1, "generation %llu: wan %s %s%s/%u via %s mtu %u mss %u weight %u"
			" priority %u%s on_failure tcp %s udp %s%s%s\n", (unsigned long long)gen,
			dp.port[dp.wan_port[w]].name, c->dhcp ? "dhcp lease " : "",
			dpw_ipv4_str(rte_be_to_cpu_32(c->addr), a, sizeof(a)), c->prefixlen,
			dpw_ipv4_str(rte_be_to_cpu_32(c->gateway), g, sizeof(g)), c->mtu, c->mss,
			c->weight, c->priority, c->independent ? " independent" : "",
			c->fail_tcp == DPW_FAIL_TCP_KEEP ? "keep" : "reset",
			c->fail_udp == DPW_FAIL_UDP_KEEP ? "keep" : "move",
			c->enabled ? "" : " disabled", c->forced_down ? " forced down" : "");
	}
	return 0;
}

/* Why a lease cannot be taken, or NULL: the contract of struct dpw_msg_wan_lease. */
static const char *
lease_invalid(const struct dpw_msg_wan_lease *l)
{
	uint32_t mask;

	if (l->addr == 0)
		return NULL;
	if (l->prefixlen < 1 || l->prefixlen > 30)
		return "prefix length out of 1..30";
	mask = mask_of(l->prefixlen);
	if ((l->addr >> 24) == 0 || (l->addr >> 24) == 127 || (l->addr >> 28) >= 0xe)
		return "not a unicast address";
	if ((l->addr & ~mask) == 0 || (l->addr | mask) == 0xffffffffu)
		return "the network or broadcast address of its subnet";
	if (l->gateway == 0 || l->gateway == l->addr || (l->gateway & mask) != (l->addr & mask) ||
	    (l->gateway & ~mask) == 0 || (l->gateway | mask) == 0xffffffffu)
		return "no gateway inside the subnet";
	return NULL;
}

int
dp_cfg_lease(const struct dpw_msg_wan_lease *l)
{
	struct dp_wan_state *ws;
	struct dp_wan_cfg next;
	struct dp_wan_view *view;
	const char *why, *name;
	char err[256], a[16], g[16], o[16];
	int rc, readdressed;

	if (l->wan >= dp.n_wans)
		return -EINVAL;
	ws = &dp.wst[l->wan];
	name = dp.port[dp.wan_port[l->wan]].name;
	if (!ws->cfg.configured || !ws->cfg.dhcp) {
		RTE_LOG(WARNING, USER1, "wan %s: lease refused: the running document does not "
			"address it by DHCP\n", name);
		return -EINVAL;
	}
	why = lease_invalid(l);
	if (why != NULL) {
		RTE_LOG(WARNING, USER1, "wan %s: lease %s/%u via %s refused: %s\n", name,
			dpw_ipv4_str(l->addr, a, sizeof(a)), l->prefixlen,
			dpw_ipv4_str(l->gateway, g, sizeof(g)), why);
		return -EINVAL;
	}
	next = ws->cfg;
	next.addr = rte_cpu_to_be_32(l->addr);
	next.prefixlen = l->addr != 0 ? l->prefixlen : 0;
	next.mask = l->addr != 0 ? rte_cpu_to_be_32(mask_of(l->prefixlen)) : 0;
	next.gateway = l->addr != 0 ? rte_cpu_to_be_32(l->gateway) : 0;
	if (!addressing_differs(&ws->cfg, &next))
		return 0;   /* a renewal: nothing changes */
	view = dp_gen_alloc();
	if (view == NULL)
		return -ENOMEM;
	rc = tap_set(l->wan, &next, err, sizeof(err));
	if (rc != 0) {
		char ignored[256];

		RTE_LOG(ERR, USER1, "wan %s: lease not applied: %s\n", name, err);
		(void)tap_set(l->wan, &ws->cfg, ignored, sizeof(ignored));
		free(view);
		return rc;
	}
	if (l->addr == 0)
		RTE_LOG(NOTICE, USER1, "wan %s: lease %s gone: no address, not usable\n", name,
			dpw_ipv4_str(rte_be_to_cpu_32(ws->cfg.addr), o, sizeof(o)));
	else
		RTE_LOG(NOTICE, USER1, "wan %s: lease %s/%u via %s (was %s)\n", name,
			dpw_ipv4_str(l->addr, a, sizeof(a)), l->prefixlen,
			dpw_ipv4_str(l->gateway, g, sizeof(g)),
			ws->cfg.addr != 0 ? dpw_ipv4_str(rte_be_to_cpu_32(ws->cfg.addr), o, sizeof(o)) :
			"none");
	/* another subnet or next hop: the old gateway's MAC says nothing; ARP it now */
	ws->gw_resolved = 0;
	memset(&ws->gw_mac, 0, sizeof(ws->gw_mac));
	ws->next_arp_tsc = 0;
	readdressed = ws->cfg.addr != 0 && ws->cfg.addr != next.addr;
	ws->cfg = next;
	dp_gen_publish_view(view);
	post_readdress(l->wan, readdressed);
	return 0;
}
