/* SPDX-License-Identifier: BSD-3-Clause
 * The network-policy document in the control process: the running generation, the
 * apply pipeline (validate, canonical JSON into a memzone named for the generation,
 * CONFIG_APPLY, the dataplane's verdict, then the store), confirmed applies with their
 * rollback timer (the deadline is in the store, so it survives a restart), rollbacks,
 * and the start-up synchronisation with the dataplane. Main thread (event loop).
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "control/cfg_store.h"
#include "lib/cfg/dpw_doc.h"

#define CP_CONFIG_APPLY_TIMEOUT_MS 30000
#define CP_CONFIG_CONFIRM_MIN_S 10
#define CP_CONFIG_CONFIRM_MAX_S 3600

/* The generation in force, as this process knows it. */
struct cp_running {
	int64_t gen;              /* 0: no document yet */
	struct dpw_doc doc;
	char *json;               /* canonical JSON */
	size_t len;
	uint8_t hash[DPW_DOC_HASH_LEN];
	int64_t applied_ms;       /* CLOCK_REALTIME */
	char who[64];
};

/* The outcome of an apply, for the caller's callback. */
struct cp_apply_result {
	int status;               /* 0 applied, 1 unchanged, -EINVAL rejected by the
				   * dataplane, -ETIMEDOUT, -ENOTCONN, -EIO (store) */
	int64_t gen;              /* in force afterwards */
	int64_t previous;
	unsigned int n_changes;
	json_t *changes;          /* borrowed, valid during the callback: dpw_doc_diff */
	char text[160];           /* rejected / failed: why */
	double apply_ms;          /* from the message to the dataplane's verdict */
	int64_t confirm_deadline_ms; /* 0: not a confirmed apply */
	int64_t rollback_to;
};

typedef void (*cp_apply_cb)(const struct cp_apply_result *r, void *arg);

const struct cp_running *cp_config_running(void);

/*
 * Apply a validated document as a new generation. confirm_s: 0, or the seconds within
 * which cp_config_confirm must be called or the previous generation comes back.
 * cb is called once, possibly before this returns (unchanged). 0 if cb will be called;
 * -EBUSY (another apply in flight), -EALREADY (a confirmed apply is pending: confirm it
 * first), -ENODATA (a confirmed apply with no generation to go back to), -ENOTCONN,
 * -ENOMEM: cb is not called.
 */
int cp_config_apply(const struct dpw_doc *doc, const char *who, const char *comment,
		    unsigned int confirm_s, cp_apply_cb cb, void *arg);

/* Apply generation gen's document again, as a new generation (a rollback). As above,
 * and -ENOENT when gen is not stored. */
int cp_config_rollback(int64_t gen, const char *who, const char *comment,
		       unsigned int confirm_s, cp_apply_cb cb, void *arg);

/* Confirm the pending confirmed apply. 0, -ENOENT (none pending), -EIO. *gen set. */
int cp_config_confirm(const char *who, int64_t *gen);

/* The pending confirmation, if any: 1 and *c filled, else 0. */
int cp_config_pending(struct cp_confirm *c);

/* Is an apply in flight? */
bool cp_config_busy(void);

/*
 * After attach: make the dataplane run the store's newest generation (re-apply it when
 * the dataplane runs another one, re-attach without applying when it runs that one),
 * or on a first start the factory document of system.policy; then resume a pending
 * confirmation (rolling back at once when its deadline passed while we were down).
 * 0 or -errno (logged). Main thread, once.
 */
int cp_config_start(void);

/* Parse (JSON/YAML), validate against the system context. See dpw_doc_parse. */
int cp_config_parse(const char *text, size_t len, enum dpw_doc_format fmt,
		    struct dpw_doc *doc, struct dpw_doc_problems *pr);

/* Problems as a JSON array of {path, message} (errors or warnings). New reference. */
json_t *cp_config_problems_json(const struct dpw_doc_problems *pr, bool warnings);

/* The running document as a tree (new reference), or NULL when none. */
json_t *cp_config_running_json(void);

/*
 * Is stored generation gen's document the running one (gen itself, or the same bytes
 * under an older number: the dataplane relabels a document it runs already instead of
 * building it again, so what it reports may carry the older number)?
 */
bool cp_config_same_as_running(int64_t gen);

#endif
