/* SPDX-License-Identifier: BSD-3-Clause
 * Connection tracking table: sessions, a two-choice 8-way bucketed flow table keyed by
 * both directions, TCP state, timeouts and incremental expiry. Pure C; each instance is
 * owned by one worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dataplane/ct.h"
#include "lib/pkt/dpw_pkt.h"

static const char *const tcp_state_names[DP_TCP_STATE_MAX] = {
#define DP_X_NAME(e, s) [DP_TCP_##e] = s,
	DP_TCP_STATES(DP_X_NAME)
#undef DP_X_NAME
};

const char *
dp_tcp_state_str(unsigned int s)
{
	return s < DP_TCP_STATE_MAX ? tcp_state_names[s] : "unknown";
}

static const char *const xlate_names[DP_XLATE_MAX] = {
#define DP_X_NAME(e, s) [DP_XLATE_##e] = s,
	DP_XLATE_KINDS(DP_X_NAME)
#undef DP_X_NAME
};

const char *
dp_xlate_str(unsigned int k)
{
	return k < DP_XLATE_MAX ? xlate_names[k] : "unknown";
}

/*
 * Big tables on transparent huge pages where the kernel offers them: a million sessions
 * are ~100 MB read at random, and 4 KB pages would make most lookups a TLB miss too.
 */
static void *
big_alloc(size_t size)
{
	size_t align = 2u << 20, rounded = (size + align - 1) & ~(align - 1);
	void *p = NULL;

	if (posix_memalign(&p, align, rounded) != 0)
		return NULL;
	(void)madvise(p, rounded, MADV_HUGEPAGE);
	memset(p, 0, rounded);
	return p;
}

static uint32_t
pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return (uint32_t)p;
}

int
dp_ct_init(struct dp_ct *ct, uint32_t capacity, const struct dpw_timeouts *to)
{
	uint32_t n_buckets, i;

	memset(ct, 0, sizeof(*ct));
	if (capacity == 0 || capacity > (1u << 30))
		return -EINVAL;
	/* two keys per session, at most 75 % of the slots used */
	n_buckets = pow2_at_least(((uint64_t)capacity * 2 * 4 / 3 + DP_FT_WAYS - 1) / DP_FT_WAYS);
	ct->buckets = big_alloc((size_t)n_buckets * sizeof(struct dp_ft_bucket));
	ct->sess = big_alloc((size_t)capacity * sizeof(struct dp_sess));
	ct->free_stack = malloc((size_t)capacity * sizeof(uint32_t));
	if (ct->buckets == NULL || ct->sess == NULL || ct->free_stack == NULL) {
		dp_ct_free(ct);
		return -ENOMEM;
	}
	ct->bucket_mask = n_buckets - 1;
	ct->capacity = capacity;
	/* pop order 0, 1, 2...: the first sessions share cache pages */
	for (i = 0; i < capacity; i++)
		ct->free_stack[i] = capacity - 1 - i;
	ct->n_free = capacity;
	ct->to = *to;
	return 0;
}

void
dp_ct_free(struct dp_ct *ct)
{
	free(ct->buckets);
	free(ct->sess);
	free(ct->free_stack);
	memset(ct, 0, sizeof(*ct));
}

uint64_t
dp_ct_bytes_per_session(const struct dp_ct *ct)
{
	uint64_t total = (uint64_t)(ct->bucket_mask + 1) * sizeof(struct dp_ft_bucket) +
			 (uint64_t)ct->capacity * (sizeof(struct dp_sess) + sizeof(uint32_t));

	return ct->capacity ? total / ct->capacity : 0;
}

static inline uint32_t
sig_of(uint64_t h)
{
	return (uint32_t)h | 1u;
}

static inline int
key_eq(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
	uint64_t a0, a1, b0, b1;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, (const char *)a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, (const char *)b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static struct dp_sess *
bucket_find(struct dp_ct *ct, struct dp_ft_bucket *b, uint32_t sig,
	    const struct dp_flow_key *key, int *dir)
{
	unsigned int i;

	for (i = 0; i < DP_FT_WAYS; i++) {
		if (b->sig[i] == sig) {
			uint32_t v = b->val[i];
			struct dp_sess *s = &ct->sess[v >> 1];

			if (key_eq(&s->key[v & 1], key)) {
				*dir = (int)(v & 1);
				return s;
			}
		}
	}
	return NULL;
}

struct dp_sess *
dp_ct_lookup(struct dp_ct *ct, const struct dp_flow_key *key, uint64_t h, int *dir)
{
	uint32_t sig = sig_of(h);
	struct dp_sess *s;

	s = bucket_find(ct, dp_ct_bucket1(ct, h), sig, key, dir);
	if (s != NULL)
		return s;
	return bucket_find(ct, dp_ct_bucket2(ct, h), sig, key, dir);
}

/* A free slot in the less loaded of the key's two buckets ("power of two choices"). */
static uint32_t *
free_slot(struct dp_ct *ct, uint64_t h, uint32_t **sigp)
{
	struct dp_ft_bucket *b[2] = { dp_ct_bucket1(ct, h), dp_ct_bucket2(ct, h) };
	unsigned int used[2] = { 0, 0 }, j, i, first;

	for (j = 0; j < 2; j++)
		for (i = 0; i < DP_FT_WAYS; i++)
			used[j] += b[j]->sig[i] != 0;
	first = used[1] < used[0];
	for (j = 0; j < 2; j++) {
		struct dp_ft_bucket *bk = b[first ^ j];

		for (i = 0; i < DP_FT_WAYS; i++)
			if (bk->sig[i] == 0) {
				*sigp = &bk->sig[i];
				return &bk->val[i];
			}
	}
	return NULL;
}

static void
remove_key(struct dp_ct *ct, const struct dp_flow_key *key, uint32_t val)
{
	uint64_t h = dp_ct_hash(key);
	struct dp_ft_bucket *b[2] = { dp_ct_bucket1(ct, h), dp_ct_bucket2(ct, h) };
	uint32_t sig = sig_of(h);
	unsigned int j, i;

	for (j = 0; j < 2; j++)
		for (i = 0; i < DP_FT_WAYS; i++)
			if (b[j]->sig[i] == sig && b[j]->val[i] == val) {
				b[j]->sig[i] = 0;
				b[j]->val[i] = 0;
				return;
			}
}

struct dp_sess *
dp_ct_create(struct dp_ct *ct, const struct dp_flow_key *orig, const struct dp_flow_key *reply,
	     uint32_t now, int *err)
{
	uint64_t h0 = dp_ct_hash(orig), h1 = dp_ct_hash(reply);
	uint32_t *v0, *v1, *s0, *s1, idx;
	struct dp_sess *s;
	int dir;

	if (ct->n_free == 0) {
		*err = -ENOSPC;
		return NULL;
	}
	if (dp_ct_lookup(ct, orig, h0, &dir) != NULL || dp_ct_lookup(ct, reply, h1, &dir) != NULL) {
		*err = -EEXIST;
		return NULL;
	}
	v0 = free_slot(ct, h0, &s0);
	if (v0 == NULL) {
		*err = -ENOSPC;
		return NULL;
	}
	idx = ct->free_stack[ct->n_free - 1];
	*s0 = sig_of(h0);          /* claim it so the reply key cannot take the same slot */
	*v0 = idx << 1 | DP_DIR_ORIG;
	v1 = free_slot(ct, h1, &s1);
	if (v1 == NULL) {
		*s0 = 0;
		*v0 = 0;
		*err = -ENOSPC;
		return NULL;
	}
	*s1 = sig_of(h1);
	*v1 = idx << 1 | DP_DIR_REPLY;
	ct->n_free--;
	s = &ct->sess[idx];
	memset(s, 0, sizeof(*s));
	s->key[DP_DIR_ORIG] = *orig;
	s->key[DP_DIR_REPLY] = *reply;
	s->last_seen = now;
	s->created = now;
	s->flags = DP_SESS_USED;
	s->wscale[0] = s->wscale[1] = DPW_TCP_WSCALE_NONE;
	*err = 0;
	return s;
}

void
dp_ct_delete(struct dp_ct *ct, struct dp_sess *s)
{
	uint32_t idx = (uint32_t)(s - ct->sess);

	if (!(s->flags & DP_SESS_USED))
		return;
	remove_key(ct, &s->key[DP_DIR_ORIG], idx << 1 | DP_DIR_ORIG);
	remove_key(ct, &s->key[DP_DIR_REPLY], idx << 1 | DP_DIR_REPLY);
	if ((s->flags & DP_SESS_COUNTED) && ct->on_delete != NULL)
		ct->on_delete(ct->del_arg, s);
	s->flags = 0;
	ct->free_stack[ct->n_free++] = idx;
}

static inline uint32_t
timeout_of(const struct dp_ct *ct, const struct dp_sess *s)
{
	switch (s->key[DP_DIR_ORIG].proto) {
	case DPW_IPPROTO_TCP:
		switch (s->tcp_state) {
		case DP_TCP_ESTABLISHED:
			return ct->to.tcp_established;
		case DP_TCP_FIN_ORIG:
		case DP_TCP_FIN_REPLY:
			return ct->to.tcp_fin;
		case DP_TCP_FIN_BOTH:
		case DP_TCP_CLOSED:
			return ct->to.tcp_closed;
		default:
			return ct->to.tcp_syn;
		}
	case DPW_IPPROTO_UDP:
		return ct->to.udp;
	default:
		return ct->to.icmp;
	}
}

uint32_t
dp_ct_timeout(const struct dp_ct *ct, const struct dp_sess *s)
{
	return timeout_of(ct, s);
}

uint8_t
dp_tcp_next(uint8_t state, int dir, uint8_t flags)
{
	int syn = (flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == DPW_TCP_SYN;
	int synack = (flags & (DPW_TCP_SYN | DPW_TCP_ACK)) == (DPW_TCP_SYN | DPW_TCP_ACK);

	if (flags & DPW_TCP_RST)
		return DP_TCP_CLOSED;
	switch (state) {
	case DP_TCP_NONE:
	case DP_TCP_CLOSED:
	case DP_TCP_FIN_BOTH:
		/* a new connection on the same ports (after TIME_WAIT or a RST) */
		if (syn && dir == DP_DIR_ORIG)
			return DP_TCP_SYN_SENT;
		return state;
	case DP_TCP_SYN_SENT:
		if (synack && dir == DP_DIR_REPLY)
			return DP_TCP_SYN_RECV;
		return state;
	case DP_TCP_SYN_RECV:
		if ((flags & DPW_TCP_ACK) && !(flags & DPW_TCP_SYN) && dir == DP_DIR_ORIG)
			return (flags & DPW_TCP_FIN) ? DP_TCP_FIN_ORIG : DP_TCP_ESTABLISHED;
		return state;
	case DP_TCP_ESTABLISHED:
		if (flags & DPW_TCP_FIN)
			return dir == DP_DIR_ORIG ? DP_TCP_FIN_ORIG : DP_TCP_FIN_REPLY;
		return state;
	case DP_TCP_FIN_ORIG:
		return ((flags & DPW_TCP_FIN) && dir == DP_DIR_REPLY) ? DP_TCP_FIN_BOTH : state;
	case DP_TCP_FIN_REPLY:
		return ((flags & DPW_TCP_FIN) && dir == DP_DIR_ORIG) ? DP_TCP_FIN_BOTH : state;
	default:
		return state;
	}
}

/*
 * The slack a RST or FIN sequence number gets around what its sender has sent: the
 * window its receiver offered (a RST answering an old segment carries that segment's
 * acknowledgement, up to a window behind), never less than the largest unscaled
 * window, so a peer that advertised a zero window can still be reset. An off-path
 * attacker must hit this range in 2^32.
 */
#define DP_TCP_MIN_SLACK 65535u

static inline int
seq_within(uint32_t seq, uint32_t end, uint32_t slack)
{
	int32_t d = (int32_t)(seq - end);

	return d <= (int32_t)slack && d >= -(int32_t)slack;
}

static inline uint8_t
win_shift(const struct dp_sess *s, int dir)
{
	/* window scaling is in effect only when both SYNs carried the option */
	if (s->wscale[0] == DPW_TCP_WSCALE_NONE || s->wscale[1] == DPW_TCP_WSCALE_NONE)
		return 0;
	return s->wscale[dir];
}

static void
side_init(struct dp_sess *s, int dir, const struct dp_tcp_seg *g)
{
	s->tcp[dir].end = g->seq + g->len + 1;
	s->tcp[dir].maxwin = g->win;    /* never scaled in a SYN (RFC 7323 2.2) */
	s->wscale[dir] = g->wscale;
	s->flags |= dir == DP_DIR_ORIG ? DP_SESS_TCP_ORIG : DP_SESS_TCP_REPLY;
}

int
dp_tcp_track(struct dp_sess *s, int dir, const struct dp_tcp_seg *g)
{
	/* the side that opens: the LAN host, or the remote end of an inbound session */
	int ini = (s->flags & DP_SESS_INBOUND) ? DP_DIR_REPLY : DP_DIR_ORIG;
	int rel = dir ^ ini;      /* dir as dp_tcp_next sees it: ORIG is the initiator */
	uint8_t seen = dir == DP_DIR_ORIG ? DP_SESS_TCP_ORIG : DP_SESS_TCP_REPLY;
	uint8_t ini_seen = ini == DP_DIR_ORIG ? DP_SESS_TCP_ORIG : DP_SESS_TCP_REPLY;
	struct dp_tcp_side *me = &s->tcp[dir];
	uint32_t slack, end, w;

	if (g->flags & DPW_TCP_SYN) {
		if (!(g->flags & DPW_TCP_ACK) && dir == ini &&
		    (s->tcp_state == DP_TCP_NONE || s->tcp_state == DP_TCP_SYN_SENT ||
		     s->tcp_state == DP_TCP_CLOSED || s->tcp_state == DP_TCP_FIN_BOTH)) {
			/* a first SYN, its retransmission, or a new connection on these ports */
			s->flags &= (uint8_t)~(DP_SESS_TCP_ORIG | DP_SESS_TCP_REPLY);
			s->wscale[!ini] = DPW_TCP_WSCALE_NONE;
			side_init(s, dir, g);
		} else if ((g->flags & DPW_TCP_ACK) && dir != ini &&
			   (s->tcp_state == DP_TCP_SYN_SENT || s->tcp_state == DP_TCP_SYN_RECV)) {
			side_init(s, dir, g);
		}
		s->tcp_state = dp_tcp_next(s->tcp_state, rel, g->flags);
		return 0;
	}
	if (g->flags & (DPW_TCP_RST | DPW_TCP_FIN)) {
		if (!(s->flags & seen)) {
			/* RFC 793: in SYN-SENT, a RST is acceptable if it acknowledges the SYN */
			if (!((g->flags & DPW_TCP_RST) && (g->flags & DPW_TCP_ACK) &&
			      dir != ini && (s->flags & ini_seen) && g->ack == s->tcp[ini].end))
				return -1;
		} else {
			slack = s->tcp[!dir].maxwin;
			if (slack < DP_TCP_MIN_SLACK)
				slack = DP_TCP_MIN_SLACK;
			if (!seq_within(g->seq, me->end, slack))
				return -1;
		}
	}
	if (s->flags & seen) {
		end = g->seq + g->len + ((g->flags & DPW_TCP_FIN) ? 1 : 0);
		if ((int32_t)(end - me->end) > 0)
			me->end = end;
		w = (uint32_t)g->win << win_shift(s, dir);
		if (w > me->maxwin)
			me->maxwin = w;
	}
	s->tcp_state = dp_tcp_next(s->tcp_state, rel, g->flags);
	return 0;
}

uint32_t
dp_ct_sweep(struct dp_ct *ct, uint32_t now, uint32_t budget)
{
	uint32_t n = 0, cur = ct->sweep_cursor;

	if (budget > ct->capacity)
		budget = ct->capacity;
	while (budget--) {
		struct dp_sess *s = &ct->sess[cur];

		if ((s->flags & DP_SESS_USED) && now - s->last_seen > timeout_of(ct, s)) {
			dp_ct_delete(ct, s);
			n++;
		}
		if (++cur == ct->capacity)
			cur = 0;
	}
	ct->sweep_cursor = cur;
	return n;
}
