/* SPDX-License-Identifier: BSD-3-Clause
 * The per-worker table of datagrams in shallow virtual reassembly (frag.h). Pure C,
 * owned by one worker lcore.
 */
#include <string.h>

#include "dataplane/frag.h"

static inline int
key_eq(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

struct dp_frag_ctx *
dp_frag_get(struct dp_frag_table *t, const struct dp_flow_key *k, uint64_t now_ms)
{
	uint32_t b = (uint32_t)dp_ct_hash(k) & (DP_FRAG_CTX / DP_FRAG_WAYS - 1);
	struct dp_frag_ctx *set = &t->ctx[b * DP_FRAG_WAYS], *c, *free_c = NULL;
	unsigned int i;

	for (i = 0; i < DP_FRAG_WAYS; i++) {
		c = &set[i];
		if (c->used && key_eq(&c->key, k) && c->expires_ms > now_ms)
			return c;
		/* an expired context with held packets waits for the sweep to free them */
		if (free_c == NULL && (!c->used || (c->expires_ms <= now_ms && c->n_held == 0)))
			free_c = c;
	}
	if (free_c == NULL)
		return NULL;
	if (!free_c->used)
		t->n_used++;
	memset(free_c, 0, sizeof(*free_c));
	free_c->used = 1;
	free_c->key = *k;
	free_c->expires_ms = now_ms + DP_FRAG_TIMEOUT_MS;
	return free_c;
}

int
dp_frag_add(struct dp_frag_ctx *c, uint32_t off8, uint32_t len8, uint32_t bytes, int last)
{
	uint32_t end8 = off8 + len8;
	unsigned int i;

	if (c->n_frags >= DP_FRAG_MAX || end8 > 8192) {
		c->x.verdict = DP_FRAG_DROP;
		return DP_FRAG_TOO_MANY;
	}
	for (i = 0; i < c->n_frags; i++) {
		if (c->lo[i] == off8 && c->hi[i] == end8)
			return DP_FRAG_DUPLICATE;
		if (off8 < c->hi[i] && c->lo[i] < end8) {
			c->x.verdict = DP_FRAG_DROP;
			return DP_FRAG_OVERLAP;
		}
	}
	if (last) {
		/* data past the end, or a second, different end: the datagram is not sound */
		for (i = 0; i < c->n_frags; i++)
			if ((uint32_t)c->hi[i] * 8 > off8 * 8 + bytes) {
				c->x.verdict = DP_FRAG_DROP;
				return DP_FRAG_OVERLAP;
			}
		if (c->total) {
			c->x.verdict = DP_FRAG_DROP;
			return DP_FRAG_OVERLAP;
		}
		c->total = off8 * 8 + bytes;
	} else if (c->total && end8 * 8 > c->total) {
		c->x.verdict = DP_FRAG_DROP;
		return DP_FRAG_OVERLAP;
	}
	c->lo[c->n_frags] = (uint16_t)off8;
	c->hi[c->n_frags] = (uint16_t)end8;
	c->n_frags++;
	c->got += bytes;
	return DP_FRAG_OK;
}

int
dp_frag_hold(struct dp_frag_ctx *c, void *pkt)
{
	if (c->n_held >= DP_FRAG_HELD)
		return -1;
	c->held[c->n_held++] = pkt;
	return 0;
}

void
dp_frag_release(struct dp_frag_table *t, struct dp_frag_ctx *c)
{
	if (!c->used)
		return;
	c->used = 0;
	c->n_held = 0;
	t->n_used--;
}

uint32_t
dp_frag_sweep(struct dp_frag_table *t, uint64_t now_ms, uint32_t budget,
	      void (*drop)(void *arg, void *pkt), void *arg)
{
	uint32_t n = 0, i;

	while (budget-- && t->n_used) {
		struct dp_frag_ctx *c = &t->ctx[t->sweep];

		t->sweep = (t->sweep + 1) % DP_FRAG_CTX;
		if (!c->used || c->expires_ms > now_ms)
			continue;
		for (i = 0; i < c->n_held; i++)
			drop(arg, c->held[i]);
		dp_frag_release(t, c);
		n++;
	}
	return n;
}
