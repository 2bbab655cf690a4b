/* SPDX-License-Identifier: BSD-3-Clause
 * Shallow virtual reassembly of IPv4 fragments (as VPP's sv-reass): a datagram's
 * fragments are never put back together; the one with the L4 header is classified and
 * translated like any packet, and what that decided (rewrite this address, send out of
 * that port, hand to that worker, punt, drop) is applied to every fragment of the
 * datagram, those that came before it (held until then) and those after. Bounded per
 * worker in contexts, fragments per datagram and time. Overlapping fragments and tiny
 * TCP offsets (RFC 1858, RFC 3128) poison their datagram. One table per worker, written
 * and read only by it. Pure C (held packets are opaque pointers): unit-tested as is.
 */
#ifndef DP_FRAG_H
#define DP_FRAG_H

#include <stdint.h>

#include "dataplane/ct.h"

#define DP_FRAG_WAYS 4
#define DP_FRAG_CTX 1024          /* datagrams in reassembly per worker */
#define DP_FRAG_MAX 48            /* fragments per datagram (64 KB in 1400-byte pieces) */
#define DP_FRAG_HELD 16           /* fragments held while the first is awaited */
#define DP_FRAG_TIMEOUT_MS 2000   /* a datagram's fragments must all come within this */

/* What every fragment of a datagram gets, once its first fragment was classified. */
enum dp_frag_verdict {
	DP_FRAG_PENDING = 0,      /* the first fragment has not been seen */
	DP_FRAG_FORWARD,          /* rewrite an address, send out of a port */
	DP_FRAG_HANDOFF,          /* the session is another worker's: hand to it */
	DP_FRAG_PUNT,             /* for the host: to the kernel, which reassembles */
	DP_FRAG_DROP,             /* refused, or a broken datagram */
};

struct dp_frag_xlate {
	uint8_t verdict;          /* enum dp_frag_verdict */
	uint8_t change_src;       /* FORWARD: 1 rewrite the source (LAN to WAN), 0 dest. */
	uint8_t out_port;         /* FORWARD: port index */
	uint8_t arg;              /* HANDOFF: worker; PUNT: class; FORWARD: WAN id or 0xff */
	uint32_t addr;            /* FORWARD: the new address, network order */
	uint16_t mtu;             /* FORWARD: of the output port */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
};

struct dp_frag_ctx {
	struct dp_flow_key key;   /* src, dst, IP id in sport, proto, zone; family 0x84 */
	uint64_t expires_ms;
	uint32_t got;             /* payload bytes received */
	uint32_t total;           /* payload bytes of the datagram, once the last came */
	uint16_t n_frags;
	uint8_t n_held;
	uint8_t used;
	uint16_t lo[DP_FRAG_MAX]; /* byte ranges received, [lo, hi) in units of 8 bytes */
	uint16_t hi[DP_FRAG_MAX];
	void *held[DP_FRAG_HELD];
	struct dp_frag_xlate x;
};

struct dp_frag_table {
	struct dp_frag_ctx ctx[DP_FRAG_CTX];
	uint32_t n_used;
	uint32_t sweep;           /* cursor of dp_frag_sweep */
};

/* The key of a fragment's datagram. id in network order. */
static inline struct dp_flow_key
dp_frag_key(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto, uint8_t zone)
{
	struct dp_flow_key k = { .src = src, .dst = dst, .sport = id, .proto = proto,
				 .zone = zone, .family = 0x84 };

	return k;
}

/* Which worker of n reassembles this datagram: the same on every worker. Pure. */
static inline unsigned int
dp_frag_owner(const struct dp_flow_key *k, unsigned int n)
{
	return (unsigned int)((dp_ct_hash(k) >> 32) % n);
}

/* Outcomes of dp_frag_add, also the drop reasons the stages count. */
enum dp_frag_add {
	DP_FRAG_OK = 0,
	DP_FRAG_DUPLICATE,        /* exactly a range already received: drop this copy */
	DP_FRAG_OVERLAP,          /* overlaps another fragment: the datagram is poisoned */
	DP_FRAG_TOO_MANY,         /* more than DP_FRAG_MAX fragments or past 64 KB */
};

/*
 * The context of key k at time now (ms), created if there is none. NULL when every
 * context its key may use is busy with a live datagram.
 */
struct dp_frag_ctx *dp_frag_get(struct dp_frag_table *t, const struct dp_flow_key *k,
				uint64_t now_ms);

/*
 * Record a fragment covering [off8, off8 + len8) in 8-byte units (len8 rounded up for
 * the last fragment), last = no MF. On DP_FRAG_OVERLAP and DP_FRAG_TOO_MANY the verdict
 * becomes DP_FRAG_DROP. Returns enum dp_frag_add.
 */
int dp_frag_add(struct dp_frag_ctx *c, uint32_t off8, uint32_t len8, uint32_t bytes, int last);

/* Has every byte of the datagram been seen? */
static inline int
dp_frag_complete(const struct dp_frag_ctx *c)
{
	return c->total != 0 && c->got == c->total;
}

/* Keep a fragment until the verdict is known. 0, or -1 when DP_FRAG_HELD are held. */
int dp_frag_hold(struct dp_frag_ctx *c, void *pkt);

/* Free a context; the caller has taken its held packets (c->held, c->n_held) first. */
void dp_frag_release(struct dp_frag_table *t, struct dp_frag_ctx *c);

/*
 * Release up to `budget` contexts from the sweep cursor that expired before now; each
 * held packet is given to drop(arg, pkt). Returns the contexts released.
 */
uint32_t dp_frag_sweep(struct dp_frag_table *t, uint64_t now_ms, uint32_t budget,
		       void (*drop)(void *arg, void *pkt), void *arg);

#endif
