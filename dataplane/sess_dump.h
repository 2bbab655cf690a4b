/* SPDX-License-Identifier: BSD-3-Clause
 * Session listing (SESSIONS, DESIGN.md s2's "dump a chunk of sessions for the API"): the
 * filter, the plain record of a session, and one bounded chunk of a table's walk that
 * copies (and optionally deletes) the matching sessions. Pure C (no DPDK): a worker lcore
 * runs a chunk on its own table from its mailbox (mbox.c), the unit tests as is.
 */
#ifndef DP_SESS_DUMP_H
#define DP_SESS_DUMP_H

#include <stdint.h>

#include "dataplane/ct.h"
#include "dataplane/policy.h"
#include "lib/msg/dpw_msg.h"

/* Does session s (in use) match filter f? Shadow copies (fastest response) never do.
 * Pure; any thread that may read s. */
int dp_sess_filter_match(const struct dpw_sess_filter *f, const struct dp_sess *s);

/*
 * What policy index `policy` of a session or decision stands for in generation g (NULL:
 * none published), for the control process to name it (enum dpw_policy_kind). Pure;
 * any thread that holds g.
 */
uint8_t dp_policy_kind(const struct dp_pgen *g, uint16_t policy);

/*
 * Fill r from session s, slot `slot` of table ct held by worker `worker`, at worker
 * clock now (seconds); g judges its policy kind. Pure; the table's owner.
 */
void dp_sess_record(const struct dp_ct *ct, const struct dp_sess *s, uint32_t slot,
		    unsigned int worker, uint32_t now, const struct dp_pgen *g,
		    struct dpw_sess_rec *r);

/* What a chunk did. */
struct dp_dump_chunk {
	uint32_t count;           /* records written */
	uint32_t removed;         /* sessions deleted */
	uint32_t scanned;         /* slots looked at */
	uint32_t next;            /* the slot to go on from; ct->capacity: the table's end */
};

/*
 * Look at up to `budget` slots of ct from slot `from`, in order, and write the sessions
 * that match f into rec[] (at most max of them), deleting each one written when remove
 * is set (the flow's next packet then finds no session). Stops after the max-th record,
 * so that a walk can go on from o->next without losing or repeating one. Pure; the
 * table's owner only.
 */
void dp_sess_dump_chunk(struct dp_ct *ct, const struct dpw_sess_filter *f,
			const struct dp_pgen *g, uint32_t from, uint32_t budget,
			struct dpw_sess_rec *rec, uint32_t max, int remove, unsigned int worker,
			uint32_t now, struct dp_dump_chunk *o);

#endif
