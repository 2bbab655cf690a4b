/* SPDX-License-Identifier: BSD-3-Clause
 * The control process's context: the system configuration it was started with, its
 * store and the document validation context. Filled by main() before the event loop
 * starts; afterwards read and used from the loop's callbacks (main thread only).
 */
#ifndef CP_CONTROL_H
#define CP_CONTROL_H

#include "control/cfg_store.h"
#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_sysconf.h"

struct cp_ctx {
	struct dpw_sysconf conf;
	struct cp_store *store;
	struct dpw_doc_context doc_ctx;
	uint64_t started_ms;      /* CLOCK_REALTIME */
};

extern struct cp_ctx cp;

#endif
