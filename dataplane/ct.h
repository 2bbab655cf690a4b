/* SPDX-License-Identifier: BSD-3-Clause
 * Connection tracking: one session per connection, found by either direction's key in
 * one flow table (sessions hold both keys). One instance per worker lcore, written and
 * read only by that lcore, so no locks and no atomics. Pure C (no DPDK): unit-tested as
 * is. Keys carry the ingress port as a zone so that a LAN-side and a WAN-side key can
 * never alias.
 */
#ifndef DP_CT_H
#define DP_CT_H

#include <stdint.h>

#include "lib/cfg/dpw_sysconf.h"
#include "lib/msg/dpw_msg.h"

/* A flow's identity in network byte order, as it arrives on port `zone`. */
struct dp_flow_key {
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t zone;
	uint8_t family;   /* 4; IPv6 sessions will get a table of their own */
	uint8_t pad;
};

_Static_assert(sizeof(struct dp_flow_key) == 16, "flow key is two 64-bit words");

#define DP_DIR_ORIG 0     /* as the LAN host sent it */
#define DP_DIR_REPLY 1    /* as the reply arrives on the WAN, after NAT */

/* The list lives in lib/msg: session records carry the state to the control process. */
#define DP_TCP_STATES(X) DPW_TCP_STATES(X)

enum dp_tcp_state {
#define DP_X_ENUM(e, s) DP_TCP_##e,
	DP_TCP_STATES(DP_X_ENUM)
#undef DP_X_ENUM
	DP_TCP_STATE_MAX
};

const char *dp_tcp_state_str(unsigned int s);

#define DP_SESS_USED 0x01
#define DP_SESS_TCP_ORIG 0x02     /* the LAN host's SYN was seen: its side is tracked */
#define DP_SESS_TCP_REPLY 0x04    /* the server's SYN-ACK was seen */
#define DP_SESS_REPLIED 0x08      /* passive detection: the first answer was counted */

/* How a session's WAN was chosen (explain); the list lives in lib/msg, because explain
 * answers and session records carry it to the control process. */
#define DP_SESS_HOWS(X) DPW_SESS_HOWS(X)

enum dp_sess_how {
#define DP_X_ENUM(e, s) DP_HOW_##e,
	DP_SESS_HOWS(DP_X_ENUM)
#undef DP_X_ENUM
	DP_HOW_MAX
};

const char *dp_sess_how_str(unsigned int h);

#define DP_SESS_SHADOW 0x10       /* fastest response: another WAN's copy of a session's
				   * first packet; its orig key's zone is DP_ZONE_SHADOW | wan */
#define DP_SESS_RACING 0x20       /* fastest response: copies out, no answer yet (the
				   * flag in line 0, so that replies need not read line 1) */
#define DP_ZONE_SHADOW 0x80
#define DP_SESS_INBOUND 0x40      /* the WAN side opened it (port forward, 1:1 in,
				   * forwarding mode in): TCP's initiator is DP_DIR_REPLY */
#define DP_SESS_COUNTED 0x80      /* DoS session limits count it: ct's on_delete hook
				   * uncounts it when it goes */

/* How a session translates; explicit, so later kinds (DNAT, 1:1, hairpin) fit. */
#define DP_XLATE_KINDS(X) \
	X(NONE, "none") \
	X(SNAT, "snat")         /* source to the WAN's address and a NAT port */ \
	X(SNAT_MAP, "snat_map") /* source to an outbound mapping's address, a NAT port */ \
	X(DNAT, "dnat")         /* port forward: destination to the picked server */ \
	X(ONE2ONE, "one2one")   /* 1:1: address only, ports kept */ \
	X(ROUTE, "route")       /* forwarding-mode WAN: no rewrite */ \
	X(HAIRPIN, "hairpin")   /* LAN client to a service: DNAT + SNAT to the LAN address */

enum dp_xlate {
#define DP_X_ENUM(e, s) DP_XLATE_##e,
	DP_XLATE_KINDS(DP_X_ENUM)
#undef DP_X_ENUM
	DP_XLATE_MAX
};

const char *dp_xlate_str(unsigned int k);

/* One side of a TCP connection as seen through the NAT (RFC 5382 / 7857 tracking). */
struct dp_tcp_side {
	uint32_t end;             /* highest sequence number this side has sent, + 1 */
	uint32_t maxwin;          /* largest window this side advertised, scaled */
};

/*
 * 128 bytes, two cache lines (DESIGN.md s2). Line 0 is all that a UDP or ICMP packet
 * reads and writes (keys, clock, WAN, MAC, byte counters); line 1 holds TCP's window
 * tracking, read only for TCP, and the bookkeeping the policy engine will add (rule,
 * policy, class).
 */
struct dp_sess {
	struct dp_flow_key key[2];  /* [DP_DIR_ORIG], [DP_DIR_REPLY] */
	uint32_t last_seen;         /* seconds, worker clock */
	uint8_t wan;                /* WAN id, never a pointer into a generation */
	uint8_t tcp_state;
	uint8_t flags;
	uint8_t xlate;              /* enum dp_xlate */
	uint8_t wscale[2];          /* each side's SYN window scale, DPW_TCP_WSCALE_NONE */
	uint8_t client_mac[6];
	uint64_t bytes[2];
	/* line 1 */
	struct dp_tcp_side tcp[2];  /* [DP_DIR_ORIG], [DP_DIR_REPLY] */
	uint32_t created;           /* seconds, worker clock */
	/* how the policy engine placed it (explain): DP_RULE_* or the rule's position, the
	 * policy's index in its generation, and the WANs at that moment */
	uint16_t rule;
	uint16_t policy;
	uint8_t how;                /* enum dp_sess_how */
	uint8_t algorithm;          /* enum dpw_lb_algo of the pick */
	uint8_t cand_mask;          /* the candidates it was chosen from (bit per WAN id) */
	uint8_t usable_mask;        /* the WANs usable then */
	uint8_t pending_mask;       /* fastest response: WANs whose copy is still unanswered */
	uint8_t peer_mac[6];        /* hairpin: the server's MAC (client_mac: the client's) */
	uint8_t reset_by_us;        /* closed by our RST (on_failure reset): the server never
				   * saw the end, so its port must not carry the next SYN */
	uint8_t reserved[28];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct dp_sess) == 128, "a session is two cache lines");
_Static_assert(__builtin_offsetof(struct dp_sess, tcp) == 64,
	       "what every packet touches stays in the first line");

#define DP_FT_WAYS 8

struct dp_ft_bucket {
	uint32_t sig[DP_FT_WAYS];   /* 0: empty */
	uint32_t val[DP_FT_WAYS];   /* session index << 1 | direction */
} __attribute__((aligned(64)));

struct dp_ct {
	struct dp_ft_bucket *buckets;
	uint32_t bucket_mask;
	struct dp_sess *sess;
	uint32_t *free_stack;
	uint32_t n_free;
	uint32_t capacity;
	uint32_t sweep_cursor;
	struct dpw_timeouts to;
	/* called from dp_ct_delete for a session flagged DP_SESS_COUNTED (NULL: none) */
	void (*on_delete)(void *arg, const struct dp_sess *s);
	void *del_arg;
};

/* Allocate a table for `capacity` sessions. 0 or -ENOMEM / -EINVAL. */
int dp_ct_init(struct dp_ct *ct, uint32_t capacity, const struct dpw_timeouts *to);

void dp_ct_free(struct dp_ct *ct);

/* Sessions in use. */
static inline uint32_t
dp_ct_count(const struct dp_ct *ct)
{
	return ct->capacity - ct->n_free;
}

/* Bytes of memory per session slot (sessions, table, free stack). */
uint64_t dp_ct_bytes_per_session(const struct dp_ct *ct);

/*
 * Two CRC32-C passes (SSE4.2) over the 16-byte key, then a multiplicative finalizer:
 * CRC alone is linear, and keys that differ in a few structured bits (sequential ports
 * and addresses) crowd into few buckets without it.
 */
static inline uint64_t
dp_ct_hash(const struct dp_flow_key *k)
{
	uint64_t a, b;
	uint32_t lo, hi;

	__builtin_memcpy(&a, k, 8);
	__builtin_memcpy(&b, (const char *)k + 8, 8);
	lo = (uint32_t)__builtin_ia32_crc32di(__builtin_ia32_crc32di(0x6b43a9b5u, a), b);
	hi = (uint32_t)__builtin_ia32_crc32di(__builtin_ia32_crc32di(0x2b8d7e49u, b), a);
	a = (uint64_t)hi << 32 | lo;
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	return a;
}

static inline struct dp_ft_bucket *
dp_ct_bucket1(const struct dp_ct *ct, uint64_t h)
{
	return &ct->buckets[(h >> 32) & ct->bucket_mask];
}

static inline struct dp_ft_bucket *
dp_ct_bucket2(const struct dp_ct *ct, uint64_t h)
{
	return &ct->buckets[((h >> 32) ^ ((uint32_t)h * 0x9e3779b1u)) & ct->bucket_mask];
}

/* Prefetch what a lookup of hash h will touch first: both of the key's buckets. */
static inline void
dp_ct_prefetch(const struct dp_ct *ct, uint64_t h)
{
	__builtin_prefetch(dp_ct_bucket1(ct, h));
	__builtin_prefetch(dp_ct_bucket2(ct, h));
}

/*
 * Second step of a bulk lookup: the first entry of the key's two buckets whose
 * signature matches (or UINT32_MAX), with its session prefetched (both lines when
 * `tcp`: window tracking reads the second). The buckets should have been prefetched a
 * while before (dp_ct_prefetch).
 */
static inline uint32_t
dp_ct_peek(const struct dp_ct *ct, uint64_t h, int tcp)
{
	const struct dp_ft_bucket *b[2] = { dp_ct_bucket1(ct, h), dp_ct_bucket2(ct, h) };
	uint32_t sig = (uint32_t)h | 1u;
	unsigned int i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < DP_FT_WAYS; i++)
			if (b[j]->sig[i] == sig) {
				const char *sp = (const char *)&ct->sess[b[j]->val[i] >> 1];

				__builtin_prefetch(sp);
				if (tcp)
					__builtin_prefetch(sp + 64);
				return b[j]->val[i];
			}
	return UINT32_MAX;
}

/*
 * Find the session for key (hash h = dp_ct_hash(key)). Returns the session and sets *dir,
 * or NULL.
 */
struct dp_sess *dp_ct_lookup(struct dp_ct *ct, const struct dp_flow_key *key, uint64_t h,
			     int *dir);

/* Last step of a bulk lookup: check the peeked candidate, else search both buckets. */
static inline struct dp_sess *
dp_ct_lookup_hinted(struct dp_ct *ct, const struct dp_flow_key *key, uint64_t h, uint32_t cand,
		    int *dir)
{
	if (cand != UINT32_MAX) {
		struct dp_sess *s = &ct->sess[cand >> 1];
		const struct dp_flow_key *k = &s->key[cand & 1];
		uint64_t a0, a1, b0, b1;

		__builtin_memcpy(&a0, k, 8);
		__builtin_memcpy(&a1, (const char *)k + 8, 8);
		__builtin_memcpy(&b0, key, 8);
		__builtin_memcpy(&b1, (const char *)key + 8, 8);
		if (((a0 ^ b0) | (a1 ^ b1)) == 0) {
			*dir = (int)(cand & 1);
			return s;
		}
	}
	return dp_ct_lookup(ct, key, h, dir);
}

/* Is this key in the table? */
static inline int
dp_ct_exists(struct dp_ct *ct, const struct dp_flow_key *key)
{
	int dir;

	return dp_ct_lookup(ct, key, dp_ct_hash(key), &dir) != NULL;
}

/*
 * Create a session with both keys. Returns it, or NULL with *err = -ENOSPC (no free
 * session or both buckets of a key full) or -EEXIST (a key is already present).
 */
struct dp_sess *dp_ct_create(struct dp_ct *ct, const struct dp_flow_key *orig,
			     const struct dp_flow_key *reply, uint32_t now, int *err);

/* Remove a session and both its keys. */
void dp_ct_delete(struct dp_ct *ct, struct dp_sess *s);

/* Timeout in seconds that applies to the session now. */
uint32_t dp_ct_timeout(const struct dp_ct *ct, const struct dp_sess *s);

/*
 * Advance the TCP state for a segment with `flags` seen in direction dir. Pure. dir is
 * relative to the initiator: DP_DIR_ORIG is the side that sent the first SYN (for an
 * inbound session, DP_SESS_INBOUND, dp_tcp_track passes dir ^ 1), so FIN_ORIG means
 * "the initiator closed first".
 */
uint8_t dp_tcp_next(uint8_t state, int dir, uint8_t flags);

/* What window tracking needs of a TCP segment (host byte order). */
struct dp_tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len;             /* payload bytes */
	uint16_t win;
	uint8_t flags;
	uint8_t wscale;           /* SYN only: the window scale option, DPW_TCP_WSCALE_NONE */
};

/*
 * Track a TCP segment seen in direction dir: sequence space and windows of both sides,
 * then the state. Returns 0, or -1 when the segment is a RST or FIN outside the tracked
 * window (RFC 5961's concern: an off-path RST must not tear the mapping down, RFC 7857
 * 2.2); the caller drops it and the session is left as it was. Pure.
 */
int dp_tcp_track(struct dp_sess *s, int dir, const struct dp_tcp_seg *g);

/* Note a packet of `bytes` in direction dir at time now. */
static inline void
dp_ct_touch(struct dp_sess *s, int dir, uint32_t bytes, uint32_t now)
{
	s->last_seen = now;
	s->bytes[dir] += bytes;
}

/*
 * Check up to `budget` sessions from the sweep cursor and delete the expired ones.
 * Returns how many were deleted. Callers size the budget so that the whole table is
 * swept every few seconds (dp_ct_sweep_budget).
 */
uint32_t dp_ct_sweep(struct dp_ct *ct, uint32_t now, uint32_t budget);

/*
 * Sessions to check now so that the table is swept once per `period` ticks, given the
 * ticks elapsed since the last call (*carry keeps the fractional remainder). Pure.
 */
static inline uint32_t
dp_ct_sweep_budget(const struct dp_ct *ct, uint64_t elapsed, uint64_t period, uint64_t *carry)
{
	uint64_t work = (uint64_t)ct->capacity * elapsed + *carry;

	*carry = work % period;
	work /= period;
	return work > ct->capacity ? ct->capacity : (uint32_t)work;
}

#endif
