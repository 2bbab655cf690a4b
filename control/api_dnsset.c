/* SPDX-License-Identifier: BSD-3-Clause
 * GET /api/v1/lan/dns/domain-sets (issue 9), read-only: the domain sets the dataplane
 * fills from the DNS answers it forwards to LAN hosts, per domain pattern of the running
 * rules: the pattern, the rules that use it, its live addresses with the seconds they
 * have left (?limit: at most that many a pattern, default 100). Also the snooping
 * counters for /metrics. The memzone (lib/shm/dpw_dnsset.h) is only read here: slots
 * with a plain load of the key then the expiry, the pattern list between two equal
 * non-zero patterns_gen. Main thread (the API's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_memzone.h>

#include "control/api.h"
#include "control/api_parse.h"
#include "control/config.h"
#include "control/dplink.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/shm/dpw_dnsset.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 10000
#define PATTERN_TRIES 8

/* The memzone, NULL until the dataplane made one (an older dataplane has none). */
static const struct dpw_dnsset_hdr *
zone(void)
{
	static const struct dpw_dnsset_hdr *h;
	const struct rte_memzone *mz;

	if (h != NULL || cp_dplink_shm() == NULL)
		return h;
	mz = rte_memzone_lookup(DPW_DNSSET_ZONE);
	if (mz == NULL || mz->len < sizeof(*h))
		return NULL;
	h = mz->addr;
	if (h->magic != DPW_DNSSET_MAGIC || h->abi != DPW_DNSSET_ABI || h->n_slots == 0 ||
	    (h->n_slots & (h->n_slots - 1)) != 0 ||
	    mz->len < sizeof(*h) + (size_t)h->n_slots * sizeof(struct dpw_dnsset_slot)) {
		h = NULL;
		return NULL;
	}
	return h;
}

/* The sets' clock now: the dataplane's seconds, as its main lcore last stored them. */
static uint32_t
now_s(const struct dpw_dnsset_hdr *h)
{
	return __atomic_load_n(&h->now_s, __ATOMIC_RELAXED);
}

struct pat {
	uint32_t id;
	unsigned int idx;     /* in the copy, for the output order */
};

static int
pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* A consistent copy of the pattern list: its count, or -1 (it kept changing). */
static int
copy_patterns(const struct dpw_dnsset_hdr *h, struct dpw_dnsset_pattern *out, uint64_t *gen)
{
	unsigned int t, n;

	for (t = 0; t < PATTERN_TRIES; t++) {
		uint64_t g1 = __atomic_load_n(&h->patterns_gen, __ATOMIC_ACQUIRE), g2;

		if (g1 == 0)
			continue;
		n = h->n_patterns;
		if (n > DPW_DNSSET_PATTERNS_MAX)
			n = DPW_DNSSET_PATTERNS_MAX;
		memcpy(out, (const void *)h->patterns, n * sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g2 = __atomic_load_n(&h->patterns_gen, __ATOMIC_ACQUIRE);
		if (g1 == g2) {
			*gen = g1;
			return (int)n;
		}
	}
	return -1;
}

/* The names of the running document's enabled rules that use pattern p. */
static json_t *
rules_of(const char *p)
{
	const struct dpw_doc *doc = &cp_config_running()->doc;
	json_t *a = json_array();
	unsigned int i, k;

	for (i = 0; i < doc->n_rules; i++) {
		const struct dpw_doc_rule *ru = &doc->rules[i];

		if (!ru->enabled)
			continue;
		for (k = 0; k < ru->match.n_domains && k < DPW_MATCH_DOMAINS_MAX; k++)
			if (strncmp(ru->match.domain[k], p, DPW_DNSSET_PATTERN_LEN) == 0) {
				json_array_append_new(a, json_stringn(ru->name,
						      strnlen(ru->name, DPW_NAME_LEN)));
				break;
			}
	}
	return a;
}

void
cp_api_dnsset_get(struct cp_req *r)
{
	static struct dpw_dnsset_pattern pats[DPW_DNSSET_PATTERNS_MAX];
	static struct pat sorted[DPW_DNSSET_PATTERNS_MAX];
	const struct dpw_dnsset_hdr *h = zone();
	const char *ls = cp_api_arg(r, "limit");
	unsigned long limit = LIMIT_DEFAULT;
	json_t *sets[DPW_DNSSET_PATTERNS_MAX], *j, *arr;
	unsigned int counts[DPW_DNSSET_PATTERNS_MAX];
	const struct dpw_dnsset_slot *sl;
	uint64_t gen = 0, live = 0;
	uint32_t now, i;
	char err[128];
	int n, k;

	if (ls != NULL && cp_api_parse_uint(ls, 1, LIMIT_MAX, &limit, err, sizeof(err)) < 0) {
		cp_api_problem(r, 400, json_pack("[{s:s,s:s}]", "path", "limit", "message", err),
			       "limit: %s", err);
		return;
	}
	if (h == NULL) {
		cp_api_problem(r, 503, NULL, "the dataplane's domain sets (%s) are not there",
			       DPW_DNSSET_ZONE);
		return;
	}
	n = copy_patterns(h, pats, &gen);
	if (n < 0) {
		cp_api_problem(r, 503, NULL, "the domain patterns kept changing; try again");
		return;
	}
	for (k = 0; k < n; k++) {
		sorted[k].id = pats[k].id;
		sorted[k].idx = (unsigned int)k;
		counts[k] = 0;
		sets[k] = json_array();
	}
	qsort(sorted, (size_t)n, sizeof(sorted[0]), pat_cmp);
	now = now_s(h);
	sl = dpw_dnsset_slots((struct dpw_dnsset_hdr *)(uintptr_t)h);
	for (i = 0; i < h->n_slots; i++) {
		uint64_t key = __atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE);
		uint32_t exp = __atomic_load_n(&sl[i].expiry_s, __ATOMIC_RELAXED);
		struct pat q = { .id = (uint32_t)(key >> 32) }, *f;
		char a[16];
		uint32_t addr;

		if (key == 0 || exp <= now)
			continue;
		live++;
		f = bsearch(&q, sorted, (size_t)n, sizeof(sorted[0]), pat_cmp);
		if (f == NULL)
			continue;     /* a pattern of an earlier generation, ageing out */
		if (counts[f->idx]++ >= limit)
			continue;
		addr = (uint32_t)key;     /* network order, as in the packet */
		dpw_ipv4_str(ntohl(addr), a, sizeof(a));
		json_array_append_new(sets[f->idx], json_pack("{s:s,s:I}", "address", a,
			"expires_in", (json_int_t)(exp - now)));
	}
	arr = json_array();
	for (k = 0; k < n; k++)
		json_array_append_new(arr, json_pack("{s:s,s:o,s:I,s:b,s:o}",
			"pattern", pats[k].pattern, "rules", rules_of(pats[k].pattern),
			"count", (json_int_t)counts[k], "truncated", counts[k] > limit,
			"entries", sets[k]));
	j = json_pack("{s:I,s:I,s:I,s:o}", "patterns_generation", (json_int_t)gen,
		      "slots", (json_int_t)h->n_slots, "entries", (json_int_t)live, "sets", arr);
	cp_api_etag(r);
	cp_api_send_json(r, 200, j);
}

int
cp_api_dnsset_stats(struct dpw_dnsset_stats *sum, uint64_t *entries)
{
	const struct dpw_dnsset_hdr *h = zone();
	const struct dpw_dnsset_slot *sl;
	uint32_t i, now;

	memset(sum, 0, sizeof(*sum));
	*entries = 0;
	if (h == NULL)
		return -ENOENT;
	for (i = 0; i < DPW_MAX_LCORE_SLOTS; i++) {
		sum->answers += h->stats[i].answers;
		sum->malformed += h->stats[i].malformed;
		sum->matched += h->stats[i].matched;
		sum->inserted += h->stats[i].inserted;
		sum->evicted += h->stats[i].evicted;
		sum->lookups += h->stats[i].lookups;
		sum->hits += h->stats[i].hits;
	}
	now = now_s(h);
	sl = dpw_dnsset_slots((struct dpw_dnsset_hdr *)(uintptr_t)h);
	for (i = 0; i < h->n_slots; i++)
		*entries += sl[i].key != 0 && sl[i].expiry_s > now;
	return 0;
}
