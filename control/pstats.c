/* SPDX-License-Identifier: BSD-3-Clause
 * The outbound policy's figures for the API (see pstats.h): epoch-aware sums of the
 * per-lcore rule and policy counters, the WANs' flags in document order, the directly
 * connected networks. Pure; main thread and the unit tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/pstats.h"

const struct cp_rule_counter_info cp_rule_counters[CP_RC_MAX] = {
#define CP_X_INFO(e, f, j, m, h) \
	[CP_RC_##e] = { offsetof(struct dpw_policy_stats, f), j, m, h },
	CP_RULE_COUNTERS(CP_X_INFO)
#undef CP_X_INFO
};

/* the tries of a sum while the dataplane publishes a new generation under it */
#define SUM_TRIES 4

static uint64_t
load64(const volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* The rule slot of compact index i (rules, then the default rule, then connected). */
static unsigned int
rule_slot(unsigned int n_rules, unsigned int i)
{
	return i < n_rules ? i : i == n_rules ? DPW_RULE_SLOT_DEFAULT : DPW_RULE_SLOT_CONNECTED;
}

static unsigned int
policy_slot(unsigned int n_policies, unsigned int p)
{
	return p < n_policies ? p : DPW_POLICY_SLOT_DEFAULT;
}

static void
zero(struct cp_pstats *ps)
{
	unsigned int c;

	for (c = 0; c < CP_RC_MAX; c++)
		memset(ps->rule[c], 0, (ps->n_rules + 2) * sizeof(uint64_t));
	memset(ps->policy_wan, 0, (ps->n_policies + 1) * sizeof(ps->policy_wan[0]));
}

/*
 * Add slot s to ps when its epoch is epoch before and after the copy into tmp: a worker
 * that zeroes its slot for a new epoch stores the new epoch after the zeroes, so a copy
 * framed by the same epoch twice is of that epoch (or of its zeroing, which the caller's
 * re-check of policy_epoch catches).
 */
static void
add_slot(const struct dpw_policy_stats *slot, uint64_t epoch, struct cp_pstats *ps,
	 struct cp_pstats *tmp)
{
	unsigned int c, i, p, w;

	if (load64(&slot->epoch) != epoch)
		return;
	for (c = 0; c < CP_RC_MAX; c++) {
		const volatile uint64_t *a = (const volatile uint64_t *)
			((const char *)slot + cp_rule_counters[c].offset);

		for (i = 0; i < ps->n_rules + 2; i++)
			tmp->rule[c][i] = a[rule_slot(ps->n_rules, i)];
	}
	for (p = 0; p < ps->n_policies + 1; p++) {
		const volatile uint64_t *a = slot->policy_wan[policy_slot(ps->n_policies, p)];

		for (w = 0; w < DPW_MAX_WANS; w++)
			tmp->policy_wan[p][w] = a[w];
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (load64(&slot->epoch) != epoch)
		return;
	for (c = 0; c < CP_RC_MAX; c++)
		for (i = 0; i < ps->n_rules + 2; i++)
			ps->rule[c][i] += tmp->rule[c][i];
	for (p = 0; p < ps->n_policies + 1; p++)
		for (w = 0; w < DPW_MAX_WANS; w++)
			ps->policy_wan[p][w] += tmp->policy_wan[p][w];
}

static int
alloc(struct cp_pstats *ps, unsigned int n_rules, unsigned int n_policies)
{
	unsigned int c;

	memset(ps, 0, sizeof(*ps));
	ps->n_rules = n_rules;
	ps->n_policies = n_policies;
	for (c = 0; c < CP_RC_MAX; c++) {
		ps->rule[c] = calloc(n_rules + 2, sizeof(uint64_t));
		if (ps->rule[c] == NULL)
			return -ENOMEM;
	}
	ps->policy_wan = calloc(n_policies + 1, sizeof(ps->policy_wan[0]));
	return ps->policy_wan == NULL ? -ENOMEM : 0;
}

int
cp_pstats_read(const struct dpw_shm *shm, int64_t gen, unsigned int n_rules,
	       unsigned int n_policies, struct cp_pstats *ps)
{
	struct cp_pstats tmp;
	unsigned int s, t;
	uint64_t g, epoch;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (n_rules > DPW_MAX_RULES || n_policies > DPW_MAX_POLICIES)
		return -EINVAL;
	if ((rc = alloc(ps, n_rules, n_policies)) < 0)
		return rc;
	if ((rc = alloc(&tmp, n_rules, n_policies)) < 0) {
		cp_pstats_free(&tmp);
		return rc;
	}
	for (t = 0; t < SUM_TRIES; t++) {
		g = load64(&shm->policy_gen);
		epoch = load64(&shm->policy_epoch);
		ps->gen = (int64_t)g;
		ps->epoch = epoch;
		ps->valid = gen > 0 && g == (uint64_t)gen;
		zero(ps);
		if (!ps->valid)
			break;
		for (s = 0; s < DPW_MAX_LCORE_SLOTS; s++)
			add_slot(&shm->pstats[s], epoch, ps, &tmp);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (load64(&shm->policy_gen) == g && load64(&shm->policy_epoch) == epoch)
			break;
	}
	cp_pstats_free(&tmp);
	return 0;
}

void
cp_pstats_free(struct cp_pstats *ps)
{
	unsigned int c;

	for (c = 0; c < CP_RC_MAX; c++)
		free(ps->rule[c]);
	free(ps->policy_wan);
	memset(ps, 0, sizeof(*ps));
}

int
cp_pstats_wan_id(const struct dpw_shm *shm, const char *name)
{
	unsigned int i;

	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++)
		if (strncmp(shm->wans[i].name, name, DPW_NAME_LEN) == 0)
			return (int)i;
	return -1;
}

void
cp_pstats_wan_flags(const struct dpw_shm *shm, const struct dpw_doc *doc,
		    uint8_t usable[DPW_MAX_WANS], uint8_t up[DPW_MAX_WANS])
{
	unsigned int i;

	memset(usable, 0, DPW_MAX_WANS);
	memset(up, 0, DPW_MAX_WANS);
	for (i = 0; i < doc->n_wans && i < DPW_MAX_WANS; i++) {
		int id = cp_pstats_wan_id(shm, doc->wans[i].name);
		const struct dpw_wan_shm *w;

		if (id < 0)
			continue;
		w = &shm->wans[id];
		usable[i] = w->configured && w->usable;
		up[i] = w->configured && w->admin == DPW_WAN_ADMIN_UP && !w->forced_down &&
			w->link_up && w->gw_resolved;
	}
}

const struct dpw_doc_pick *
cp_pstats_action_pick(const struct dpw_doc *doc, const struct dpw_doc_action *a)
{
	if (a->policy < 0)
		return &a->pick;
	return (unsigned int)a->policy < doc->n_policies ? &doc->policies[a->policy].pick : NULL;
}

unsigned int
cp_pstats_action_fallback(const struct dpw_doc *doc, const struct dpw_doc_action *a)
{
	if (a->when_unavailable != DPW_FB_LAST_RESORT)
		return a->when_unavailable;
	if (a->policy >= 0 && (unsigned int)a->policy < doc->n_policies)
		return doc->policies[a->policy].last_resort;
	/* an own pick has no policy to take a last resort from: Peplink drops */
	return DPW_FB_DROP;
}

static uint32_t
mask_of(uint8_t prefixlen)
{
	return prefixlen == 0 ? 0 : prefixlen >= 32 ? 0xffffffffu :
	       ~((1u << (32 - prefixlen)) - 1);
}

/* Append addr/prefixlen (host bits cleared) unless it is there already. */
static unsigned int
add_net(struct dpw_doc_net *nets, unsigned int n, unsigned int max, uint32_t addr,
	uint8_t prefixlen)
{
	unsigned int i;

	if (addr == 0 || prefixlen == 0 || prefixlen > 32 || n >= max)
		return n;
	addr &= mask_of(prefixlen);
	for (i = 0; i < n; i++)
		if (nets[i].addr == addr && nets[i].prefixlen == prefixlen)
			return n;
	nets[n].addr = addr;
	nets[n].prefixlen = prefixlen;
	return n + 1;
}

unsigned int
cp_pstats_connected(const struct dpw_shm *shm, struct dpw_doc_net *nets, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < shm->n_wans && i < DPW_MAX_WANS; i++) {
		const struct dpw_wan_shm *w = &shm->wans[i];
		/* the view's publication mirrors the prefix length into the WAN's port */
		uint8_t plen = w->prefixlen != 0 ? w->prefixlen :
			       w->port < DPW_MAX_PORTS ? shm->ports[w->port].prefixlen : 0;

		if (w->configured)
			n = add_net(nets, n, max, w->addr, plen);
	}
	for (i = 0; i < shm->n_ports && i < DPW_MAX_PORTS; i++)
		if (shm->ports[i].role == DPW_ROLE_LAN)
			n = add_net(nets, n, max, shm->ports[i].addr, shm->ports[i].prefixlen);
	return n;
}
