/* SPDX-License-Identifier: BSD-3-Clause
 * The host-flow table of the WAN input policy: written by the main lcore, read by the
 * workers without locks (see hostflow.h for the publication order). Pure C.
 */
#include "dataplane/hostflow.h"

static inline uint64_t
fingerprint(const struct dp_flow_key *k)
{
	return dp_ct_hash(k) | 1u;
}

static inline struct dp_hostflow_slot *
bucket(const struct dp_hostflow *t, uint64_t fp)
{
	uint32_t b = (uint32_t)(fp >> 40) & (DP_HOSTFLOW_SLOTS / DP_HOSTFLOW_WAYS - 1);

	return (struct dp_hostflow_slot *)&t->slot[b * DP_HOSTFLOW_WAYS];
}

void
dp_hostflow_note(struct dp_hostflow *t, const struct dp_flow_key *k, uint32_t expiry,
		 uint32_t now)
{
	uint64_t fp = fingerprint(k);
	struct dp_hostflow_slot *s = bucket(t, fp), *victim = NULL;
	unsigned int i;

	for (i = 0; i < DP_HOSTFLOW_WAYS; i++)
		if (s[i].fp == fp) {
			/* the latest packet decides: a FIN or RST shortens what data extended */
			__atomic_store_n(&s[i].expiry, expiry, __ATOMIC_RELEASE);
			return;
		}
	for (i = 0; i < DP_HOSTFLOW_WAYS; i++) {
		if (s[i].fp == 0 || (int32_t)(s[i].expiry - now) < 0) {
			victim = &s[i];
			break;
		}
		if (victim == NULL || (int32_t)(s[i].expiry - victim->expiry) < 0)
			victim = &s[i];
	}
	if (i == DP_HOSTFLOW_WAYS)
		t->evicted++;
	/*
	 * Retire the old expiry first: a reader that sees the new fingerprint then sees
	 * 0 or the new expiry, never the previous flow's.
	 */
	__atomic_store_n(&victim->expiry, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&victim->fp, fp, __ATOMIC_RELEASE);
	__atomic_store_n(&victim->expiry, expiry, __ATOMIC_RELEASE);
}

int
dp_hostflow_has(const struct dp_hostflow *t, const struct dp_flow_key *k, uint32_t now)
{
	uint64_t fp = fingerprint(k);
	const struct dp_hostflow_slot *s = bucket(t, fp);
	unsigned int i;

	for (i = 0; i < DP_HOSTFLOW_WAYS; i++)
		if (__atomic_load_n(&s[i].fp, __ATOMIC_ACQUIRE) == fp) {
			uint32_t e = __atomic_load_n(&s[i].expiry, __ATOMIC_ACQUIRE);

			return e != 0 && (int32_t)(e - now) >= 0;
		}
	return 0;
}
