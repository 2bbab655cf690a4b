/* SPDX-License-Identifier: BSD-3-Clause
 * The stateful firewall of a policy generation (fw.h): one rte_acl context per
 * direction, first match wins. DoS helpers that need no per-worker state live here too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_errno.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane/fw.h"
#include "dataplane/tcp_rst.h"
#include "dataplane/worker.h"
#include "lib/pkt/dpw_pkt.h"

/*
 * Fields, as policy.c's: a 1-byte first field (proto), then 4-byte input groups read as
 * big-endian words. The WAN id (byte 1) takes a 4-byte bitmask field over bytes 0..3
 * whose mask keeps byte 1 only (F_MAC_LO's trick in policy.c).
 */
enum { F_PROTO, F_WAN, F_SRC, F_DST, F_SPORT, F_DPORT, F_NUM };

RTE_ACL_RULE_DEF(dp_fw_rule, F_NUM);

static const struct rte_acl_field_def fw_defs[F_NUM] = {
	[F_PROTO] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t),
		      .field_index = F_PROTO, .input_index = 0,
		      .offset = offsetof(struct dp_fw_key, proto) },
	[F_WAN] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint32_t),
		    .field_index = F_WAN, .input_index = 1, .offset = 0 },
	[F_SRC] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
		    .field_index = F_SRC, .input_index = 2,
		    .offset = offsetof(struct dp_fw_key, src) },
	[F_DST] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
		    .field_index = F_DST, .input_index = 3,
		    .offset = offsetof(struct dp_fw_key, dst) },
	[F_SPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		      .field_index = F_SPORT, .input_index = 4,
		      .offset = offsetof(struct dp_fw_key, sport) },
	[F_DPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		      .field_index = F_DPORT, .input_index = 4,
		      .offset = offsetof(struct dp_fw_key, dport) },
};

_Static_assert(offsetof(struct dp_fw_key, wan) == 1, "F_WAN masks byte 1");
_Static_assert(offsetof(struct dp_fw_key, src) == 4, "input groups start at 4");

struct dp_fw_dir {
	struct rte_acl_ctx *acl;          /* NULL: no enabled rule */
	unsigned int n_rules;
	uint8_t *action;                  /* per rule */
	uint8_t *log;                     /* per rule: its hits are events */
	uint8_t def;                      /* the direction's default action */
};

struct dp_fw {
	struct dp_fw_dir dir[2];
	uint32_t log_rate;
	struct dpw_doc_dos dos;
};

static uint32_t fw_seq;

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static unsigned int
max1(unsigned int n)
{
	return n != 0 ? n : 1;
}

static unsigned int
protos(const struct dpw_doc_match *m, uint8_t proto[2])
{
	if (m->n_sport == 0 && m->n_dport == 0) {
		proto[0] = m->proto;
		return 1;
	}
	if (m->proto == 0) {
		proto[0] = DPW_IPPROTO_TCP;
		proto[1] = DPW_IPPROTO_UDP;
		return 2;
	}
	if (m->proto == DPW_IPPROTO_TCP || m->proto == DPW_IPPROTO_UDP) {
		proto[0] = m->proto;
		return 1;
	}
	return 0;
}

static unsigned int
rule_entries(const struct dpw_doc_fw_rule *r)
{
	const struct dpw_doc_match *m = &r->match;
	uint8_t p[2];

	if (!r->enabled || m->family == DPW_FAMILY_IPV6)
		return 0;
	return protos(m, p) * max1(r->n_wans) * max1(m->n_src) * max1(m->n_dst) *
		max1(m->n_sport) * max1(m->n_dport);
}

static void
net(struct rte_acl_field *f, const struct dpw_doc_net *n)
{
	f->value.u32 = n != NULL ? n->addr & prefix_mask(n->prefixlen) : 0;
	f->mask_range.u32 = n != NULL ? n->prefixlen : 0;
}

static void
range(struct rte_acl_field *f, const struct dpw_doc_ports *p)
{
	f->value.u16 = p != NULL ? p->lo : 0;
	f->mask_range.u16 = p != NULL ? p->hi : UINT16_MAX;
}

static unsigned int
rule_fill(const struct dpw_doc_fw_rule *r, unsigned int i, const uint8_t *wan_id,
	  struct dp_fw_rule *out)
{
	const struct dpw_doc_match *m = &r->match;
	unsigned int e, w, a, b, c, d, n = 0, np;
	uint8_t p[2];

	if (!r->enabled || m->family == DPW_FAMILY_IPV6)
		return 0;
	np = protos(m, p);
	for (e = 0; e < np; e++)
	for (w = 0; w < max1(r->n_wans); w++)
	for (a = 0; a < max1(m->n_src); a++)
	for (b = 0; b < max1(m->n_dst); b++)
	for (c = 0; c < max1(m->n_sport); c++)
	for (d = 0; d < max1(m->n_dport); d++) {
		struct dp_fw_rule *x = &out[n++];

		memset(x, 0, sizeof(*x));
		x->data.category_mask = 1;
		x->data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - i);
		x->data.userdata = i + 1;
		x->field[F_PROTO].value.u8 = p[e];
		x->field[F_PROTO].mask_range.u8 = p[e] != 0 ? UINT8_MAX : 0;
		if (r->n_wans != 0) {
			x->field[F_WAN].value.u32 = (uint32_t)wan_id[r->wan[w]] << 16;
			x->field[F_WAN].mask_range.u32 = 0x00ff0000u;
		}
		net(&x->field[F_SRC], m->n_src != 0 ? &m->src[a] : NULL);
		net(&x->field[F_DST], m->n_dst != 0 ? &m->dst[b] : NULL);
		range(&x->field[F_SPORT], m->n_sport != 0 ? &m->sport[c] : NULL);
		range(&x->field[F_DPORT], m->n_dport != 0 ? &m->dport[d] : NULL);
	}
	return n;
}

static int
fail(struct dpw_doc_problems *pr, const char *path, const char *msg, int rc)
{
	if (pr != NULL && pr->n < DPW_DOC_MAX_PROBLEMS) {
		struct dpw_doc_problem *p = &pr->p[pr->n++];

		memset(p, 0, sizeof(*p));
		snprintf(p->path, sizeof(p->path), "%s", path);
		snprintf(p->message, sizeof(p->message), "%s", msg);
	}
	if (pr != NULL)
		pr->errors++;
	return rc;
}

static int
dir_build(struct dp_fw_dir *fd, const struct dpw_doc_fw_rule *rules, unsigned int n_rules,
	  const uint8_t *wan_id, uint64_t gen, const char *path, struct dpw_doc_problems *pr)
{
	struct rte_acl_config cfg = { .num_categories = 1, .num_fields = F_NUM };
	struct rte_acl_param param = { .socket_id = SOCKET_ID_ANY,
				       .rule_size = RTE_ACL_RULE_SZ(F_NUM) };
	char name[RTE_ACL_NAMESIZE], msg[DPW_DOC_MSG_LEN];
	struct dp_fw_rule *ent;
	unsigned int i, n = 0, total = 0;
	int rc;

	fd->n_rules = n_rules;
	fd->action = calloc(max1(n_rules), 1);
	fd->log = calloc(max1(n_rules), 1);
	if (fd->action == NULL || fd->log == NULL)
		return fail(pr, path, "firewall: out of memory", -ENOMEM);
	for (i = 0; i < n_rules; i++) {
		fd->action[i] = rules[i].action;
		fd->log[i] = rules[i].log;
		total += rule_entries(&rules[i]);
	}
	if (total == 0)
		return 0;
	ent = calloc(total, sizeof(*ent));
	if (ent == NULL)
		return fail(pr, path, "firewall: out of memory", -ENOMEM);
	for (i = 0; i < n_rules; i++)
		n += rule_fill(&rules[i], i, wan_id, ent + n);
	do {
		snprintf(name, sizeof(name), "dp_fw_%" PRIu64 "_%u",
			 (uint64_t)(gen % 1000000000000ull),
			 __atomic_fetch_add(&fw_seq, 1, __ATOMIC_RELAXED));
	} while (rte_acl_find_existing(name) != NULL);
	param.name = name;
	param.max_rule_num = n;
	fd->acl = rte_acl_create(&param);
	if (fd->acl == NULL) {
		rc = rte_errno > 0 ? -rte_errno : -ENOMEM;
		snprintf(msg, sizeof(msg), "firewall: rte_acl_create: %s", strerror(-rc));
		goto out;
	}
	rc = rte_acl_add_rules(fd->acl, (const struct rte_acl_rule *)ent, n);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "firewall: rte_acl_add_rules: %s", strerror(-rc));
		goto out;
	}
	memcpy(cfg.defs, fw_defs, sizeof(fw_defs));
	rc = rte_acl_build(fd->acl, &cfg);
	if (rc == -ENOMEM) {
		cfg.max_size = SIZE_MAX;
		rc = rte_acl_build(fd->acl, &cfg);
	}
	if (rc != 0)
		snprintf(msg, sizeof(msg), "firewall: rte_acl_build of %u entries: %s", n,
			 strerror(-rc));
out:
	free(ent);
	return rc != 0 ? fail(pr, path, msg, rc) : 0;
}

int
dp_fw_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS], uint64_t gen,
	    struct dp_fw **out, struct dpw_doc_problems *pr)
{
	const struct dpw_doc_firewall *f = &doc->firewall;
	struct dp_fw *fw;
	int rc;

	*out = NULL;
	fw = calloc(1, sizeof(*fw));
	if (fw == NULL)
		return fail(pr, "/firewall", "firewall: out of memory", -ENOMEM);
	fw->dir[DP_FW_OUT].def = f->outbound_default;
	fw->dir[DP_FW_IN].def = f->inbound_default;
	fw->log_rate = f->log_rate;
	fw->dos = doc->dos;
	rc = dir_build(&fw->dir[DP_FW_OUT], f->outbound, f->n_outbound, wan_id, gen,
		       "/firewall/outbound", pr);
	if (rc == 0)
		rc = dir_build(&fw->dir[DP_FW_IN], f->inbound, f->n_inbound, wan_id, gen,
			       "/firewall/inbound", pr);
	if (rc != 0) {
		dp_fw_free(fw);
		return rc;
	}
	*out = fw;
	return 0;
}

void
dp_fw_free(struct dp_fw *fw)
{
	unsigned int d;

	if (fw == NULL)
		return;
	for (d = 0; d < 2; d++) {
		rte_acl_free(fw->dir[d].acl);
		free(fw->dir[d].action);
		free(fw->dir[d].log);
	}
	free(fw);
}

void
dp_fw_judge(const struct dp_fw *fw, int dir, const struct dp_fw_key *const *keys,
	    unsigned int n, const uint8_t *opened, uint8_t *action, uint16_t *slot)
{
	uint32_t res[64];
	const struct dp_fw_dir *fd;
	unsigned int i;

	if (n > 64)
		n = 64;
	if (fw == NULL) {
		memset(action, DPW_FW_ALLOW, n);
		for (i = 0; slot != NULL && i < n; i++)
			slot[i] = DP_FW_RULE_DEFAULT;
		return;
	}
	fd = &fw->dir[dir];
	if (fd->acl == NULL ||
	    rte_acl_classify(fd->acl, (const uint8_t **)(uintptr_t)keys, res, n, 1) != 0)
		memset(res, 0, n * sizeof(res[0]));
	for (i = 0; i < n; i++) {
		uint16_t sl;

		if (res[i] != 0 && res[i] <= fd->n_rules) {
			action[i] = fd->action[res[i] - 1];
			sl = (uint16_t)(res[i] - 1);
		} else if (dir == DP_FW_IN && opened != NULL && opened[i]) {
			action[i] = DPW_FW_ALLOW;
			sl = DP_FW_RULE_OPENED;
		} else {
			action[i] = fd->def;
			sl = DP_FW_RULE_DEFAULT;
		}
		if (slot != NULL)
			slot[i] = sl;
	}
}

int
dp_fw_idle(const struct dp_fw *fw, int dir)
{
	return fw == NULL || (fw->dir[dir].acl == NULL && fw->dir[dir].def == DPW_FW_ALLOW);
}

int
dp_fw_logs(const struct dp_fw *fw, int dir, uint16_t slot)
{
	return fw != NULL && slot < fw->dir[dir].n_rules && fw->dir[dir].log[slot];
}

uint32_t
dp_fw_log_rate(const struct dp_fw *fw)
{
	return fw != NULL ? fw->log_rate : 0;
}

const struct dpw_doc_dos *
dp_fw_dos(const struct dp_fw *fw)
{
	return fw != NULL ? &fw->dos : NULL;
}

/* ---- on a worker lcore ------------------------------------------------------------- */

#define DP_DOS_SRC_SLOTS 4096         /* sources rate-limited at once, per worker */
#define DP_DOS_HOST_SLOTS 65536       /* LAN hosts whose sessions are counted */
#define DP_DOS_HOST_PROBES 16

struct dp_dos {
	struct dp_tbucket global;
	struct {
		uint32_t src;
		struct dp_tbucket b;
	} src[DP_DOS_SRC_SLOTS];
	struct {
		uint32_t host;            /* 0: free */
		uint32_t n;
	} host[DP_DOS_HOST_SLOTS];
	uint32_t wan_sess[DPW_MAX_WANS];
};

static void dos_on_delete(void *arg, const struct dp_sess *s);

int
dp_dos_alloc(struct dp_worker *w)
{
	w->dos = rte_zmalloc_socket("dp_dos", sizeof(*w->dos), RTE_CACHE_LINE_SIZE,
				    rte_lcore_to_socket_id(w->lcore));
	if (w->dos == NULL)
		return -ENOMEM;
	w->ct.on_delete = dos_on_delete;
	w->ct.del_arg = w;
	return 0;
}

static inline uint32_t
addr_hash(uint32_t a)
{
	return (uint32_t)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> 32);
}

/* A limit of the whole box, shared out among the workers (at least 1 a second each). */
static inline double
share(uint32_t limit)
{
	double r = (double)limit / (double)(dp.n_workers ? dp.n_workers : 1);

	return r < 1.0 ? 1.0 : r;
}

int
dp_dos_inbound_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t src)
{
	const struct dpw_doc_dos *d;
	uint64_t now;

	if (fw == NULL || w->dos == NULL)
		return 1;
	d = &fw->dos;
	if (d->syn_rate_per_source == 0 && d->syn_rate_global == 0)
		return 1;
	now = rte_rdtsc();
	/* the source's own rate first, so that one source cannot spend the global one */
	if (d->syn_rate_per_source != 0) {
		__typeof__(w->dos->src[0]) *e = &w->dos->src[addr_hash(src) % DP_DOS_SRC_SLOTS];
		double r = share(d->syn_rate_per_source);

		if (e->src != src) {
			e->src = src;            /* another source's slot: it starts afresh */
			e->b.tsc = 0;
		}
		if (!dp_tbucket_take(&e->b, r, r, now, dp.tsc_hz))
			return 0;
	}
	if (d->syn_rate_global != 0) {
		double r = share(d->syn_rate_global);

		if (!dp_tbucket_take(&w->dos->global, r, r, now, dp.tsc_hz))
			return 0;
	}
	return 1;
}

/* The host's counter slot (created when `add`), or NULL: the table is full there. */
static uint32_t *
host_count(struct dp_dos *ds, uint32_t host, int add)
{
	uint32_t h = addr_hash(host);

	for (unsigned int i = 0; i < DP_DOS_HOST_PROBES; i++) {
		__typeof__(ds->host[0]) *e = &ds->host[(h + i) % DP_DOS_HOST_SLOTS];

		if (e->host == host)
			return &e->n;
		if (e->host == 0 && add) {
			e->host = host;      /* hosts stay: a LAN has few, their counts go to 0 */
			e->n = 0;
			return &e->n;
		}
	}
	return NULL;
}

int
dp_dos_sess_admit(struct dp_worker *w, const struct dp_fw *fw, uint32_t host, unsigned int wan)
{
	const struct dpw_doc_dos *d;
	uint32_t *n = NULL;

	if (fw == NULL || w->dos == NULL)
		return 1;
	d = &fw->dos;
	if (d->max_sessions_per_host == 0 && d->max_sessions_per_wan_address == 0)
		return 1;
	if (d->max_sessions_per_host != 0 && host != 0) {
		n = host_count(w->dos, host, 1);
		if (n != NULL && *n >= (uint32_t)share(d->max_sessions_per_host))
			return 0;
	}
	if (d->max_sessions_per_wan_address != 0 && wan < DPW_MAX_WANS &&
	    w->dos->wan_sess[wan] >= (uint32_t)share(d->max_sessions_per_wan_address))
		return 0;
	return 1;
}

void
dp_dos_sess_hold(struct dp_worker *w, uint32_t host, unsigned int wan)
{
	uint32_t *n;

	if (w->dos == NULL)
		return;
	if (host != 0 && (n = host_count(w->dos, host, 1)) != NULL)
		(*n)++;
	if (wan < DPW_MAX_WANS)
		w->dos->wan_sess[wan]++;
}

void
dp_dos_count(struct dp_worker *w, const struct dp_fw *fw, struct dp_sess *s)
{
	/* counted only while a limit is set: sessions from before it are not held */
	if (fw == NULL || (fw->dos.max_sessions_per_host == 0 &&
			   fw->dos.max_sessions_per_wan_address == 0))
		return;
	dp_dos_sess_hold(w, (s->flags & DP_SESS_INBOUND) ? 0 : s->key[DP_DIR_ORIG].src, s->wan);
	s->flags |= DP_SESS_COUNTED;
}

/* ct's on_delete hook: a counted session is gone. */
static void
dos_on_delete(void *arg, const struct dp_sess *s)
{
	dp_dos_sess_gone(arg, (s->flags & DP_SESS_INBOUND) ? 0 : s->key[DP_DIR_ORIG].src, s->wan);
}

void
dp_dos_sess_gone(struct dp_worker *w, uint32_t host, unsigned int wan)
{
	uint32_t *n;

	if (w->dos == NULL)
		return;
	if (host != 0 && (n = host_count(w->dos, host, 0)) != NULL && *n > 0)
		(*n)--;
	if (wan < DPW_MAX_WANS && w->dos->wan_sess[wan] > 0)
		w->dos->wan_sess[wan]--;
}

/* A logged hit to the main lcore, within log_rate (shared out among the workers). */
static void
fw_log(struct dp_worker *w, const struct dp_fw *fw, int dir, uint16_t slot, uint8_t action,
       const struct dp_fw_key *k)
{
	struct dp_fw_log l = {
		.src = k->src, .dst = k->dst, .sport = k->sport, .dport = k->dport,
		.rule = slot, .proto = k->proto, .wan = k->wan, .dir = (uint8_t)dir,
		.action = action,
	};
	double r = share(fw->log_rate);

	if (!dp_tbucket_take(&w->fwlog, r, r, rte_rdtsc(), dp.tsc_hz))
		return;
	if (dp.fwlog != NULL)
		(void)rte_ring_mp_enqueue_elem(dp.fwlog, &l, sizeof(l));
}

/* A rejected TCP segment: a RST back to its sender (RFC 793's reset of a connection
 * that does not exist), out of the port it came in on. */
static void
reject_tcp(struct dp_worker *w, struct rte_mbuf *m, const struct dpw_pkt_info *pi,
	   unsigned int pidx)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r = rte_pktmbuf_alloc(dp.pool);
	uint32_t len = (uint32_t)pi->l4_len - pi->tcp_hlen;
	uint8_t *f;

	if (r == NULL || (f = (uint8_t *)rte_pktmbuf_append(r, DP_TCP_RST_LEN)) == NULL) {
		rte_pktmbuf_free(r);
		w->st->drops[DPW_DROP_NO_MBUF]++;
	} else {
		uint32_t seq = (pi->tcp_flags & DPW_TCP_ACK) ? pi->tcp_ack : 0;
		uint32_t ack = pi->tcp_seq + len + ((pi->tcp_flags & DPW_TCP_SYN) ? 1 : 0) +
			       ((pi->tcp_flags & DPW_TCP_FIN) ? 1 : 0);

		dp_tcp_rst_build(f, d + 6, dp.port[pidx].mac.addr_bytes, pi->dst, pi->src,
				 pi->dport, pi->sport, seq, ack);
		dp_tx(w, pidx, r);
	}
	dp_drop(w, m, DPW_DROP_FW_REJECTED);
}

int
dp_fw_pass(struct dp_worker *w, const struct dp_pgen *g, int dir, const struct dp_fw_key *k,
	   int opened, struct rte_mbuf *m, const struct dpw_pkt_info *pi, unsigned int pidx,
	   uint32_t icmp_src)
{
	const struct dp_fw_key *kp = k;
	uint8_t act, op = (uint8_t)opened;
	uint16_t slot;

	dp_fw_judge(g->fw, dir, &kp, 1, dir == DP_FW_IN ? &op : NULL, &act, &slot);
	if (slot == DP_FW_RULE_DEFAULT)
		dp_inb_stats(w, g)->fw_hits[dir][DPW_FW_SLOT_DEFAULT]++;
	else if (slot < DPW_SHM_FW_RULES)
		dp_inb_stats(w, g)->fw_hits[dir][slot]++;
	if (dp_fw_logs(g->fw, dir, slot))
		fw_log(w, g->fw, dir, slot, act, k);
	if (act == DPW_FW_ALLOW)
		return 1;
	if (act == DPW_FW_REJECT && pi->proto == DPW_IPPROTO_TCP)
		reject_tcp(w, m, pi, pidx);
	else if (act == DPW_FW_REJECT)
		dp_icmp_reply_error(w, m, pi, pidx, DPW_ICMP_UNREACH, DPW_ICMP_UNREACH_ADMIN, 0,
				    icmp_src, DPW_DROP_FW_REJECTED);
	else
		dp_drop(w, m, DPW_DROP_FW_DENIED);
	return 0;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

int
dp_tcp_flags_invalid(uint8_t flags)
{
	uint8_t f = flags & 0x3f;

	if (f == 0)
		return 1;                                   /* null scan */
	if ((f & TH_SYN) && (f & (TH_FIN | TH_RST)))
		return 1;                                   /* SYN+FIN, SYN+RST */
	if ((f & (TH_FIN | TH_ACK)) == TH_FIN)
		return 1;                                   /* FIN without ACK (xmas too) */
	if ((f & (TH_URG | TH_ACK)) == TH_URG)
		return 1;
	if ((f & (TH_PSH | TH_ACK)) == TH_PSH)
		return 1;
	return 0;
}
