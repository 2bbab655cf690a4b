/* SPDX-License-Identifier: BSD-3-Clause
 * Policy generations (policy.h): a document's rules compiled into one rte_acl context,
 * its policies into dp_policy tables, and the linear matcher the classifier is checked
 * against. dp_pgen_build runs on the builder thread (or in main() before the lcores
 * start); dp_pgen_classify on the workers' miss path and the main lcore (explain);
 * dp_match_accepts / dp_pgen_match_from anywhere (pure).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <rte_acl.h>
#include <rte_errno.h>

#include "dataplane/dns_snoop.h"
#include "dataplane/fw.h"
#include "dataplane/inbound.h"
#include "dataplane/policy.h"
#include "lib/pkt/dpw_dns.h"
#include "lib/pkt/dpw_pkt.h"

_Static_assert(DPW_DNSSET_PATTERN_LEN == DPW_DOMAIN_LEN, "a rule's pattern fits a set's");

/*
 * The classifier's fields. rte_acl wants a 1-byte first field and every later input
 * group (input_index) 4 bytes wide, read as one big-endian word: the two ports share
 * one group, and the MAC's last two bytes take a 4-byte field over mac[4..5] and pad1
 * whose mask leaves the padding out (a 2-byte group would break that rule).
 */
enum {
	F_PROTO,
	F_SRC,
	F_DST,
	F_SPORT,
	F_DPORT,
	F_MAC_HI,                 /* mac[0..3] */
	F_MAC_LO,                 /* mac[4..5], pad1 masked off */
	F_NUM
};

RTE_ACL_RULE_DEF(dp_acl_rule, F_NUM);

static const struct rte_acl_field_def acl_defs[F_NUM] = {
	[F_PROTO] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t),
		      .field_index = F_PROTO, .input_index = 0,
		      .offset = offsetof(struct dp_acl_key, proto) },
	[F_SRC] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
		    .field_index = F_SRC, .input_index = 1,
		    .offset = offsetof(struct dp_acl_key, src) },
	[F_DST] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
		    .field_index = F_DST, .input_index = 2,
		    .offset = offsetof(struct dp_acl_key, dst) },
	[F_SPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		      .field_index = F_SPORT, .input_index = 3,
		      .offset = offsetof(struct dp_acl_key, sport) },
	[F_DPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		      .field_index = F_DPORT, .input_index = 3,
		      .offset = offsetof(struct dp_acl_key, dport) },
	[F_MAC_HI] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint32_t),
		       .field_index = F_MAC_HI, .input_index = 4,
		       .offset = offsetof(struct dp_acl_key, mac) },
	[F_MAC_LO] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint32_t),
		       .field_index = F_MAC_LO, .input_index = 5,
		       .offset = offsetof(struct dp_acl_key, mac) + 4 },
};

_Static_assert(offsetof(struct dp_acl_key, src) == 4, "input groups start at 4");
_Static_assert(offsetof(struct dp_acl_key, mac) + 8 == sizeof(struct dp_acl_key),
	       "F_MAC_LO reads mac[4..5] and pad1");

/* A process-wide counter in every context name: two builds of one gen never share one. */
static uint32_t acl_seq;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* FNV-1a, 64 bits: the content hash and the policies' salts (not adversarial). */
#define FNV_INIT 0xcbf29ce484222325ull

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
fnv_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof(v));
}

/*
 * A policy's salt: from what names it in the document (a named policy's name, a rule's
 * name or position, "default", "any"), so the same document gives the same salts.
 */
static uint32_t
salt_of(const char *kind, const char *name, uint64_t pos)
{
	uint64_t h = fnv(FNV_INIT, kind, strlen(kind));

	if (name != NULL && name[0] != '\0')
		h = fnv(h, name, strnlen(name, DPW_NAME_LEN));
	else
		h = fnv_u64(h, pos);
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static int
has_ports(const struct dpw_doc_match *m)
{
	return m->n_sport != 0 || m->n_dport != 0;
}

static int
net_contains(const struct dpw_doc_net *n, uint32_t a)
{
	uint32_t mask = prefix_mask(n->prefixlen);

	return (a & mask) == (n->addr & mask);
}

static int
ports_contain(const struct dpw_doc_ports *p, unsigned int n, uint16_t port)
{
	unsigned int i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (p[i].lo <= port && port <= p[i].hi)
			return 1;
	return 0;
}

int
dp_match_accepts(const struct dpw_doc_match *m, const struct dp_acl_key *k)
{
	uint32_t src = ntohl(k->src), dst = ntohl(k->dst);
	unsigned int i;
	int ok;

	if (m->family == DPW_FAMILY_IPV6)
		return 0;
	if (m->proto != 0 && m->proto != k->proto)
		return 0;
	/* ports mean TCP or UDP: ICMP's key has ports 0 but never matches a port rule */
	if (has_ports(m) && k->proto != DPW_IPPROTO_TCP && k->proto != DPW_IPPROTO_UDP)
		return 0;
	if (m->n_src != 0) {
		for (ok = 0, i = 0; i < m->n_src && !ok; i++)
			ok = net_contains(&m->src[i], src);
		if (!ok)
			return 0;
	}
	/* a domain rule's destination is its domain set: the caller checks that */
	if (m->n_domains == 0 && m->n_dst != 0) {
		for (ok = 0, i = 0; i < m->n_dst && !ok; i++)
			ok = net_contains(&m->dst[i], dst);
		if (!ok)
			return 0;
	}
	if (!ports_contain(m->sport, m->n_sport, ntohs(k->sport)) ||
	    !ports_contain(m->dport, m->n_dport, ntohs(k->dport)))
		return 0;
	if (m->has_src_mac && memcmp(m->src_mac, k->mac, sizeof(k->mac)) != 0)
		return 0;
	return 1;
}

int
dp_pgen_match_from(const struct dp_pgen *g, const struct dp_acl_key *k, unsigned int from)
{
	unsigned int i;

	for (i = from; i < g->n_rules; i++)
		if (g->enabled[i] && dp_match_accepts(&g->match[i], k))
			return (int)i;
	return -1;
}

void
dp_pgen_classify(const struct dp_pgen *g, const struct dp_acl_key *const *keys,
		 unsigned int n, uint32_t *res)
{
	if (n == 0)
		return;
	/* rte_acl reads the keys as bytes; it only fails on bad arguments */
	if (g->acl == NULL ||
	    rte_acl_classify(g->acl, (const uint8_t **)(uintptr_t)keys, res, n, 1) != 0)
		memset(res, 0, n * sizeof(*res));
}

void
dp_pgen_free(struct dp_pgen *g)
{
	if (g == NULL)
		return;
	rte_acl_free(g->acl);
	free(g->rules);
	free(g->match);
	free(g->enabled);
	free(g->policies);
	free(g->lb);
	free(g->patterns);
	free(g->pattern_ids);
	free(g->pattern_slot);
	dp_inb_free(g->inb);
	dp_fw_free(g->fw);
	free(g);
}

/* ---- build ------------------------------------------------------------------------- */

static int
bad(struct dpw_doc_problems *pr, const char *path, const char *msg, int rc)
{
	if (pr != NULL)
		dpw_doc_problem_add(pr, false, path, "%s", msg);
	return rc;
}

/*
 * A pick into a dp_policy. allow_empty: the picks built here over every configured WAN
 * (any, the default presets), which a document without WANs leaves empty.
 */
static int
pick_compile(const struct dpw_doc *doc, const uint8_t *wan_id, const struct dpw_doc_pick *p,
	     uint32_t salt, int allow_empty, struct dp_policy *out,
	     struct dpw_doc_problems *pr, const char *path)
{
	uint8_t seen[DPW_MAX_WANS] = { 0 };
	unsigned int i;

	if (p->algorithm >= DPW_LB_MAX)
		return bad(pr, path, "policy compile: unknown algorithm", -EINVAL);
	if (p->persist > DPW_PERSIST_DESTINATION)
		return bad(pr, path, "policy compile: unknown persistence", -EINVAL);
	if (p->n > DPW_MAX_WANS || (p->n == 0 && !allow_empty))
		return bad(pr, path, "policy compile: no candidate WANs", -EINVAL);
	memset(out, 0, sizeof(*out));
	out->algorithm = p->algorithm;
	out->persist = p->persist;
	out->n = p->n;
	out->salt = salt;
	for (i = 0; i < p->n; i++) {
		if (p->c[i].wan >= doc->n_wans)
			return bad(pr, path, "policy compile: a candidate outside the WANs",
				   -EINVAL);
		if (seen[p->c[i].wan]++)
			return bad(pr, path, "policy compile: a WAN appears twice", -EINVAL);
		if (p->c[i].weight == 0)
			return bad(pr, path, "policy compile: a candidate of weight 0", -EINVAL);
		out->c[i].wan = wan_id[p->c[i].wan];
		out->c[i].metric = p->c[i].metric;
		out->c[i].weight = p->c[i].weight;
	}
	return 0;
}

/* Every configured WAN by its weight (the default presets, fallback "any"). */
static void
pick_all_wans(const struct dpw_doc *doc, uint8_t algorithm, uint8_t persist,
	      struct dpw_doc_pick *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->algorithm = algorithm;
	p->persist = persist;
	p->n = (uint8_t)doc->n_wans;
	for (i = 0; i < doc->n_wans; i++) {
		p->c[i].wan = (uint8_t)i;
		p->c[i].metric = 1;
		p->c[i].weight = doc->wans[i].weight != 0 ? doc->wans[i].weight : 1;
	}
}

/* A rule's action into r (policy index set by the caller). pol: its named policy or NULL. */
static int
action_compile(const struct dpw_doc_action *a, const struct dpw_doc_policy *pol,
	       struct dp_rule *r, struct dpw_doc_problems *pr, const char *path)
{
	uint8_t fb = a->when_unavailable;

	if (fb >= DPW_FB_MAX)
		return bad(pr, path, "rule compile: unknown when_unavailable", -EINVAL);
	/* a policy's last resort; an own pick's is Peplink's default, drop */
	if (fb == DPW_FB_LAST_RESORT)
		fb = pol != NULL ? pol->last_resort : DPW_FB_DROP;
	if (fb == DPW_FB_LAST_RESORT || fb >= DPW_FB_MAX)
		return bad(pr, path, "rule compile: the policy's last_resort is invalid", -EINVAL);
	r->fallback = fb;
	r->sticky = a->sticky;
	r->sticky_timeout_s = a->sticky_timeout_s;
	r->terminate_on_recovery = a->terminate_on_recovery;
	return 0;
}

static int
match_check(const struct dpw_doc_match *m, struct dpw_doc_problems *pr, const char *path)
{
	unsigned int i;

	if (m->family > DPW_FAMILY_IPV6)
		return bad(pr, path, "rule compile: unknown family", -EINVAL);
	if (m->n_src > DPW_MATCH_NETS_MAX || m->n_dst > DPW_MATCH_NETS_MAX ||
	    m->n_sport > DPW_MATCH_PORTS_MAX || m->n_dport > DPW_MATCH_PORTS_MAX ||
	    m->n_domains > DPW_MATCH_DOMAINS_MAX)
		return bad(pr, path, "rule compile: too many elements in a list", -EINVAL);
	for (i = 0; i < m->n_src; i++)
		if (m->src[i].prefixlen > 32)
			return bad(pr, path, "rule compile: src prefix length > 32", -EINVAL);
	for (i = 0; i < m->n_dst; i++)
		if (m->dst[i].prefixlen > 32)
			return bad(pr, path, "rule compile: dst prefix length > 32", -EINVAL);
	for (i = 0; i < m->n_sport; i++)
		if (m->sport[i].lo > m->sport[i].hi)
			return bad(pr, path, "rule compile: src_port range lo > hi", -EINVAL);
	for (i = 0; i < m->n_dport; i++)
		if (m->dport[i].lo > m->dport[i].hi)
			return bad(pr, path, "rule compile: dst_port range lo > hi", -EINVAL);
	return 0;
}

static unsigned int
max1(unsigned int n)
{
	return n != 0 ? n : 1;
}

/*
 * The protocols a rule's entries carry: 0 (wildcard) or its own, except that ports
 * mean TCP or UDP (dp_match_accepts): with ports and no protocol both, with ports and
 * another protocol none (such a rule can never match).
 */
static unsigned int
entry_protos(const struct dpw_doc_match *m, uint8_t proto[2])
{
	if (!has_ports(m)) {
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

/* Classifier entries of one rule: the product of its lists (an empty list is one). */
static unsigned int
entry_count(const struct dpw_doc_match *m)
{
	uint8_t proto[2];

	if (m->family == DPW_FAMILY_IPV6)
		return 0;
	return entry_protos(m, proto) * max1(m->n_src) *
		(m->n_domains != 0 ? 1 : max1(m->n_dst)) * max1(m->n_sport) * max1(m->n_dport);
}

static void
field_net(struct rte_acl_field *f, const struct dpw_doc_net *n)
{
	if (n == NULL) {
		f->value.u32 = 0;
		f->mask_range.u32 = 0;
		return;
	}
	f->value.u32 = n->addr & prefix_mask(n->prefixlen);
	f->mask_range.u32 = n->prefixlen;
}

static void
field_range(struct rte_acl_field *f, const struct dpw_doc_ports *p)
{
	f->value.u16 = p != NULL ? p->lo : 0;
	f->mask_range.u16 = p != NULL ? p->hi : UINT16_MAX;
}

/*
 * Write rule i's entries at out (entry_count of them). Values in host order, as
 * rte_acl_add_rules wants them; the keys are in network order (rte_acl_classify).
 */
static unsigned int
entries_fill(const struct dpw_doc_match *m, unsigned int i, struct dp_acl_rule *out)
{
	unsigned int a, b, c, d, e, n = 0, n_proto, n_dst;
	uint32_t mac_hi = 0, mac_lo = 0, mask_hi = 0, mask_lo = 0;
	uint8_t proto[2];

	if (m->family == DPW_FAMILY_IPV6)
		return 0;
	n_proto = entry_protos(m, proto);
	n_dst = m->n_domains != 0 ? 0 : m->n_dst;
	if (m->has_src_mac) {
		mac_hi = (uint32_t)m->src_mac[0] << 24 | (uint32_t)m->src_mac[1] << 16 |
			 (uint32_t)m->src_mac[2] << 8 | m->src_mac[3];
		mac_lo = (uint32_t)m->src_mac[4] << 24 | (uint32_t)m->src_mac[5] << 16;
		mask_hi = UINT32_MAX;
		mask_lo = 0xffff0000u;
	}
	for (e = 0; e < n_proto; e++)
	for (a = 0; a < max1(m->n_src); a++)
	for (b = 0; b < max1(n_dst); b++)
	for (c = 0; c < max1(m->n_sport); c++)
	for (d = 0; d < max1(m->n_dport); d++) {
		struct dp_acl_rule *r = &out[n++];

		memset(r, 0, sizeof(*r));
		r->data.category_mask = 1;
		/* first match wins: earlier rules have higher priorities */
		r->data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - i);
		r->data.userdata = i + 1;
		r->field[F_PROTO].value.u8 = proto[e];
		r->field[F_PROTO].mask_range.u8 = proto[e] != 0 ? UINT8_MAX : 0;
		field_net(&r->field[F_SRC], m->n_src != 0 ? &m->src[a] : NULL);
		field_net(&r->field[F_DST], n_dst != 0 ? &m->dst[b] : NULL);
		field_range(&r->field[F_SPORT], m->n_sport != 0 ? &m->sport[c] : NULL);
		field_range(&r->field[F_DPORT], m->n_dport != 0 ? &m->dport[d] : NULL);
		r->field[F_MAC_HI].value.u32 = mac_hi;
		r->field[F_MAC_HI].mask_range.u32 = mask_hi;
		r->field[F_MAC_LO].value.u32 = mac_lo;
		r->field[F_MAC_LO].mask_range.u32 = mask_lo;
	}
	return n;
}

static int
acl_compile(struct dp_pgen *g, struct dpw_doc_problems *pr)
{
	struct rte_acl_config cfg = { .num_categories = 1, .num_fields = F_NUM };
	struct rte_acl_param param = {
		.socket_id = SOCKET_ID_ANY,
		.rule_size = RTE_ACL_RULE_SZ(F_NUM),
		.max_rule_num = g->n_entries,
	};
	struct dp_acl_rule *rules;
	unsigned int i, n = 0;
	char msg[DPW_DOC_MSG_LEN];
	int rc;

	rules = calloc(g->n_entries, sizeof(*rules));
	if (rules == NULL)
		return bad(pr, "/rules", "classifier: out of memory", -ENOMEM);
	for (i = 0; i < g->n_rules; i++)
		if (g->enabled[i])
			n += entries_fill(&g->match[i], i, rules + n);

	/*
	 * rte_acl_create hands back an existing context of the same name: never reuse one
	 * (a second build of one gen while the first still runs). The gen is cut to fit
	 * RTE_ACL_NAMESIZE; the counter alone keeps the names apart.
	 */
	do {
		snprintf(g->acl_name, sizeof(g->acl_name), "dp_acl_%" PRIu64 "_%u",
			 (uint64_t)(g->gen % 10000000000000ull),
			 __atomic_fetch_add(&acl_seq, 1, __ATOMIC_RELAXED));
	} while (rte_acl_find_existing(g->acl_name) != NULL);
	param.name = g->acl_name;
	g->acl = rte_acl_create(&param);
	if (g->acl == NULL) {
		rc = rte_errno > 0 ? -rte_errno : -ENOMEM;
		snprintf(msg, sizeof(msg), "classifier: rte_acl_create: %s", strerror(-rc));
		goto fail;
	}
	rc = rte_acl_add_rules(g->acl, (const struct rte_acl_rule *)rules, n);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "classifier: rte_acl_add_rules: %s", strerror(-rc));
		goto fail;
	}
	memcpy(cfg.defs, acl_defs, sizeof(acl_defs));
	/*
	 * max_size 0: rte_acl splits its tries at NODE_MIN nodes, quick to build, but rule
	 * sets of many overlapping ranges and prefixes need more than its 8 tries
	 * (-ENOMEM, "Exceeded max number of tries"). A size limit starts the split at
	 * NODE_MAX instead: bigger tries, several times slower to build, that fit.
	 */
	rc = rte_acl_build(g->acl, &cfg);
	if (rc == -ENOMEM) {
		cfg.max_size = SIZE_MAX;
		rc = rte_acl_build(g->acl, &cfg);
	}
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "classifier: rte_acl_build of %u entries: %s", n,
			 strerror(-rc));
		goto fail;
	}
	free(rules);
	return 0;
fail:
	free(rules);
	return bad(pr, "/rules", msg, rc);
}

/* The content hash (the counters' epoch): every compiled field, no padding. */
static uint64_t
hash_match(uint64_t h, const struct dpw_doc_match *m)
{
	unsigned int i;

	h = fnv_u64(h, (uint64_t)m->proto << 16 | (uint64_t)m->family << 8 | m->has_src_mac);
	if (m->has_src_mac)
		h = fnv(h, m->src_mac, sizeof(m->src_mac));
	h = fnv_u64(h, (uint64_t)m->n_src << 32 | (uint64_t)m->n_dst << 24 |
		    (uint64_t)m->n_sport << 16 | (uint64_t)m->n_dport << 8 | m->n_domains);
	for (i = 0; i < m->n_src; i++)
		h = fnv_u64(h, (uint64_t)m->src[i].addr << 8 | m->src[i].prefixlen);
	for (i = 0; i < m->n_dst; i++)
		h = fnv_u64(h, (uint64_t)m->dst[i].addr << 8 | m->dst[i].prefixlen);
	for (i = 0; i < m->n_sport; i++)
		h = fnv_u64(h, (uint64_t)m->sport[i].lo << 16 | m->sport[i].hi);
	for (i = 0; i < m->n_dport; i++)
		h = fnv_u64(h, (uint64_t)m->dport[i].lo << 16 | m->dport[i].hi);
	for (i = 0; i < m->n_domains; i++)
		h = fnv(h, m->domain[i], strnlen(m->domain[i], DPW_DOMAIN_LEN) + 1);
	return h;
}

static uint64_t
hash_rule(uint64_t h, const struct dp_rule *r)
{
	h = fnv_u64(h, (uint64_t)r->policy << 48 | (uint64_t)r->id << 32 |
		    (uint64_t)r->fallback << 24 | (uint64_t)r->sticky << 16 |
		    (uint64_t)r->terminate_on_recovery << 8 | r->has_domains);
	return fnv_u64(h, r->sticky_timeout_s);
}

static uint64_t
hash_policy(uint64_t h, const struct dp_policy *p)
{
	unsigned int i;

	h = fnv_u64(h, (uint64_t)p->algorithm << 48 | (uint64_t)p->persist << 40 |
		    (uint64_t)p->n << 32 | p->salt);
	for (i = 0; i < p->n; i++)
		h = fnv_u64(h, (uint64_t)p->c[i].wan << 48 | (uint64_t)p->c[i].metric << 32 |
			    p->c[i].weight);
	return h;
}

static uint64_t
content_hash(const struct dp_pgen *g)
{
	uint64_t h = fnv_u64(FNV_INIT, (uint64_t)g->n_rules << 32 | g->n_policies);
	unsigned int i;

	for (i = 0; i < g->n_rules; i++) {
		h = fnv_u64(h, g->enabled[i]);
		h = hash_rule(h, &g->rules[i]);
		h = hash_match(h, &g->match[i]);
	}
	for (i = 0; i < g->n_policies; i++)
		h = hash_policy(h, &g->policies[i]);
	h = hash_rule(h, &g->def);
	return fnv_u64(h, (uint64_t)g->n_named << 16 | g->any_policy);
}

/*
 * The default rule. A preset's pick is every configured WAN by its weight (dpw_doc.h),
 * built here rather than read, so a zeroed document builds too; "custom" is the action
 * as given, a named policy or its own pick (at index `own`).
 */
static int
default_compile(const struct dpw_doc *doc, const uint8_t *wan_id, unsigned int def_own,
		unsigned int own, struct dp_pgen *g, struct dpw_doc_problems *pr)
{
	const struct dpw_doc_default *dr = &doc->default_rule;
	const struct dpw_doc_policy *pol = NULL;
	struct dpw_doc_pick pick;
	uint8_t algo, persist;
	int rc;

	if (def_own) {
		if (dr->preset != DPW_DEF_CUSTOM) {
			algo = dr->preset == DPW_DEF_AUTO ? DPW_LB_WEIGHTED : DPW_LB_PERSISTENCE;
			persist = dr->preset == DPW_DEF_NORMAL_COMPAT ? DPW_PERSIST_DESTINATION :
				  DPW_PERSIST_SOURCE;
			pick_all_wans(doc, algo, persist, &pick);
		} else {
			pick = dr->action.pick;
		}
		g->def.policy = (uint16_t)own;
		rc = pick_compile(doc, wan_id, &pick, salt_of("default", NULL, 0),
				  dr->preset != DPW_DEF_CUSTOM, &g->policies[own], pr,
				  "/default_rule");
		if (rc != 0)
			return rc;
	} else {
		if ((unsigned int)dr->action.policy >= doc->n_policies)
			return bad(pr, "/default_rule", "rule compile: no such policy", -EINVAL);
		pol = &doc->policies[dr->action.policy];
		g->def.policy = (uint16_t)dr->action.policy;
	}
	rc = action_compile(&dr->action, pol, &g->def, pr, "/default_rule");
	g->def.id = DP_RULE_DEFAULT;
	return rc;
}

/*
 * The distinct domain patterns of the enabled rules, in rule order (issue 9): what DNS
 * snooping matches answers against and the domain sets' memzone lists. At most
 * DPW_DNSSET_PATTERNS_MAX (the document allows more rules x domains than that).
 */
static int
patterns_compile(const struct dpw_doc *doc, struct dp_pgen *g, struct dpw_doc_problems *pr)
{
	unsigned int i, j, k, max = 0;

	for (i = 0; i < doc->n_rules; i++)
		if (doc->rules[i].enabled)
			max += doc->rules[i].match.n_domains;
	if (max == 0)
		return 0;
	g->patterns = calloc(max, sizeof(*g->patterns));
	g->pattern_ids = calloc(max, sizeof(*g->pattern_ids));
	if (g->patterns == NULL || g->pattern_ids == NULL)
		return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	for (i = 0; i < doc->n_rules; i++) {
		const struct dpw_doc_match *m = &doc->rules[i].match;

		if (!doc->rules[i].enabled)
			continue;
		for (j = 0; j < m->n_domains && j < DPW_MATCH_DOMAINS_MAX; j++) {
			uint32_t id = g->rules[i].dom_id[j];

			for (k = 0; k < g->n_patterns; k++)
				if (g->pattern_ids[k] == id &&
				    strcmp(g->patterns[k], m->domain[j]) == 0)
					break;
			if (k < g->n_patterns)
				continue;
			if (g->n_patterns >= DPW_DNSSET_PATTERNS_MAX)
				return bad(pr, "/rules", "rule compile: more than 1024 distinct "
					   "domain patterns", -EINVAL);
			memcpy(g->patterns[g->n_patterns], m->domain[j], DPW_DNSSET_PATTERN_LEN);
			g->patterns[g->n_patterns][DPW_DNSSET_PATTERN_LEN - 1] = '\0';
			g->pattern_ids[g->n_patterns++] = id;
		}
	}
	if (dp_dns_snoop_index(g) != 0)
		return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	return 0;
}

static int
build(const struct dpw_doc *doc, const uint8_t *wan_id, struct dp_pgen *g,
      struct dpw_doc_problems *pr)
{
	unsigned int i, own = 0, n_own = 0, def_own, next;
	struct dpw_doc_pick pick = { 0 };
	char path[DPW_DOC_PATH_LEN];
	uint64_t entries = 0;
	int rc;

	if (doc->n_wans > DPW_MAX_WANS || doc->n_policies > DPW_MAX_POLICIES)
		return bad(pr, "", "policy compile: too many WANs or policies", -EINVAL);
	if (doc->n_rules >= DP_RULE_CONNECTED || (doc->n_rules != 0 && doc->rules == NULL))
		return bad(pr, "/rules", "policy compile: bad rule count", -EINVAL);
	for (i = 0; i < doc->n_rules; i++)
		n_own += doc->rules[i].action.policy < 0;
	def_own = doc->default_rule.preset != DPW_DEF_CUSTOM ||
		  doc->default_rule.action.policy < 0;

	g->n_rules = doc->n_rules;
	g->n_named = doc->n_policies;
	g->n_policies = g->n_named + n_own + def_own + 1;
	if (g->n_policies > UINT16_MAX)
		return bad(pr, "/rules", "policy compile: too many policies", -EINVAL);
	g->any_policy = (uint16_t)(g->n_policies - 1);
	if (g->n_rules != 0) {
		g->rules = calloc(g->n_rules, sizeof(*g->rules));
		g->match = calloc(g->n_rules, sizeof(*g->match));
		g->enabled = calloc(g->n_rules, sizeof(*g->enabled));
		if (g->rules == NULL || g->match == NULL || g->enabled == NULL)
			return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	}
	g->policies = calloc(g->n_policies, sizeof(*g->policies));
	if (g->policies == NULL)
		return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	if (g->n_workers != 0) {
		g->lb = calloc((size_t)g->n_workers * g->n_policies, sizeof(*g->lb));
		if (g->lb == NULL)
			return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	}

	for (i = 0; i < doc->n_policies; i++) {
		const struct dpw_doc_policy *p = &doc->policies[i];

		snprintf(path, sizeof(path), "/policies/%u", i);
		rc = pick_compile(doc, wan_id, &p->pick, salt_of("policy", p->name, i), 0,
				  &g->policies[i], pr, path);
		if (rc != 0)
			return rc;
		if (p->last_resort == DPW_FB_LAST_RESORT || p->last_resort >= DPW_FB_MAX)
			return bad(pr, path, "policy compile: invalid last_resort", -EINVAL);
	}

	next = g->n_named;
	for (i = 0; i < doc->n_rules; i++) {
		const struct dpw_doc_rule *dr = &doc->rules[i];
		const struct dpw_doc_policy *pol = NULL;
		struct dp_rule *r = &g->rules[i];
		unsigned int n;

		snprintf(path, sizeof(path), "/rules/%u", i);
		if (dr->action.policy >= 0) {
			if ((unsigned int)dr->action.policy >= doc->n_policies)
				return bad(pr, path, "rule compile: no such policy", -EINVAL);
			pol = &doc->policies[dr->action.policy];
			r->policy = (uint16_t)dr->action.policy;
		} else {
			r->policy = (uint16_t)(next + own++);
			rc = pick_compile(doc, wan_id, &dr->action.pick,
					  salt_of("rule", dr->name, i), 0,
					  &g->policies[r->policy], pr, path);
			if (rc != 0)
				return rc;
		}
		rc = action_compile(&dr->action, pol, r, pr, path);
		if (rc == 0)
			rc = match_check(&dr->match, pr, path);
		if (rc != 0)
			return rc;
		r->id = (uint16_t)i;
		r->has_domains = dr->match.n_domains != 0;
		for (n = 0; n < dr->match.n_domains && n < DPW_MATCH_DOMAINS_MAX; n++)
			r->dom_id[n] = dpw_dns_pattern_id(dr->match.domain[n]);
		g->match[i] = dr->match;
		g->enabled[i] = dr->enabled;
		if (!dr->enabled)
			continue;
		n = entry_count(&dr->match);
		if (n > DPW_RULE_ENTRIES_MAX)
			return bad(pr, path, "rule compile: the rule expands into more than "
				   "256 classifier entries", -EINVAL);
		entries += n;
	}
	if (entries > DPW_MAX_RULE_ENTRIES)
		return bad(pr, "/rules", "rule compile: the rules expand into more than 131072 "
			   "classifier entries", -EINVAL);
	g->n_entries = (unsigned int)entries;
	next += own;

	rc = default_compile(doc, wan_id, def_own, next, g, pr);
	if (rc != 0)
		return rc;

	/* fallback "any": every configured WAN by its weight */
	pick_all_wans(doc, DPW_LB_WEIGHTED, DPW_PERSIST_SOURCE, &pick);
	rc = pick_compile(doc, wan_id, &pick, salt_of("any", NULL, 0), 1,
			  &g->policies[g->any_policy], pr, "");
	if (rc != 0)
		return rc;

	rc = patterns_compile(doc, g, pr);
	if (rc != 0)
		return rc;
	if (g->n_entries != 0)
		return acl_compile(g, pr);
	return 0;
}

/* The content of what the service and firewall counters count by (their epoch): the
 * elements hold no pointers, and decoded documents are zeroed before they are filled. */
static uint64_t
inb_hash(const struct dpw_doc *doc)
{
	const struct dpw_doc_firewall *f = &doc->firewall;
	uint64_t h = FNV_INIT;

	h = fnv_u64(h, (uint64_t)doc->n_services << 32 | (uint64_t)f->n_outbound << 16 |
		    f->n_inbound);
	if (doc->n_services > 0)
		h = fnv(h, doc->services, doc->n_services * sizeof(doc->services[0]));
	if (f->n_outbound > 0)
		h = fnv(h, f->outbound, f->n_outbound * sizeof(f->outbound[0]));
	if (f->n_inbound > 0)
		h = fnv(h, f->inbound, f->n_inbound * sizeof(f->inbound[0]));
	return fnv_u64(h, (uint64_t)f->outbound_default << 8 | f->inbound_default);
}

int
dp_pgen_build(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS], uint64_t gen,
	      unsigned int n_workers, const struct dp_pgen *prev, struct dp_pgen **out,
	      struct dpw_doc_problems *pr)
{
	uint64_t t0 = now_ns();
	struct dp_pgen *g;
	int rc;

	if (out == NULL)
		return bad(pr, "", "policy compile: no output", -EINVAL);
	*out = NULL;
	if (doc == NULL || wan_id == NULL)
		return bad(pr, "", "policy compile: no document", -EINVAL);
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return bad(pr, "", "policy compile: out of memory", -ENOMEM);
	g->gen = gen;
	g->n_workers = n_workers;
	rc = build(doc, wan_id, g, pr);
	if (rc == 0)
		rc = dp_inb_build(doc, wan_id, n_workers, &g->inb, pr);
	if (rc == 0)
		rc = dp_fw_build(doc, wan_id, gen, &g->fw, pr);
	if (rc != 0) {
		dp_pgen_free(g);
		return rc;
	}
	g->content_hash = content_hash(g);
	if (prev == NULL)
		g->epoch = 1;
	else if (prev->content_hash == g->content_hash)
		g->epoch = prev->epoch;
	else
		g->epoch = prev->epoch + 1;
	g->inb_hash = inb_hash(doc);
	if (prev == NULL)
		g->inb_epoch = 1;
	else if (prev->inb_hash == g->inb_hash)
		g->inb_epoch = prev->inb_epoch;
	else
		g->inb_epoch = prev->inb_epoch + 1;
	g->build_ns = now_ns() - t0;
	*out = g;
	return 0;
}
