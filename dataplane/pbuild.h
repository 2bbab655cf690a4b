/* SPDX-License-Identifier: BSD-3-Clause
 * The builder thread: policy generations (policy.h) are built here, off the forwarding
 * path and off the main lcore's loop (ARP, the exception path, control messages), since
 * rte_acl_build over thousands of rules takes far longer than a loop iteration may. One
 * build at a time; the main lcore submits a document and polls for the result.
 */
#ifndef DP_PBUILD_H
#define DP_PBUILD_H

#include <stdint.h>

#include "dataplane/policy.h"
#include "lib/cfg/dpw_doc.h"

/* Start the builder thread (an EAL control thread, not an lcore). 0 or -errno. Main. */
int dp_pbuild_start(void);

/* Stop it (a build in progress finishes first) and free what it holds. Main. */
void dp_pbuild_stop(void);

/*
 * Build a generation of doc (deep-copied: the caller keeps its own) for document
 * generation gen; prev is the running generation (it stays alive: only the main lcore
 * retires it, and not before it polls this build's end). 0, -EBUSY (a build is already
 * running), -ENOMEM. Main lcore.
 */
int dp_pbuild_submit(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS],
		     uint64_t gen, const struct dp_pgen *prev);

/*
 * The submitted build's result: 0 while it runs, 1 when it ended (*out: the generation,
 * or NULL with *rc and the problems in *pr), -ENOENT when nothing was submitted. Main
 * lcore.
 */
int dp_pbuild_poll(struct dp_pgen **out, int *rc, struct dpw_doc_problems *pr);

#endif
