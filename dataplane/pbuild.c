/* SPDX-License-Identifier: BSD-3-Clause
 * The builder thread (pbuild.h): waits for a submitted document, builds its policy
 * generation with dp_pgen_build and hands it back to the main lcore, which publishes it.
 * Mutex and condition variable: nothing here is on a packet path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_log.h>

#include "dataplane/dp.h"
#include "dataplane/pbuild.h"

enum job_state { JOB_NONE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

static struct {
	pthread_t tid;
	int started;
	int quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum job_state state;
	struct dpw_doc doc;
	uint8_t wan_id[DPW_MAX_WANS];
	uint64_t gen;
	const struct dp_pgen *prev;
	struct dp_pgen *out;
	int rc;
	struct dpw_doc_problems pr;
} b = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *
builder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b.mu);
	for (;;) {
		while (!b.quit && b.state != JOB_QUEUED)
			pthread_cond_wait(&b.cv, &b.mu);
		if (b.quit)
			break;
		b.state = JOB_RUNNING;
		pthread_mutex_unlock(&b.mu);
		/* the job's fields are the builder's until it says done */
		dpw_doc_problems_init(&b.pr);
		b.out = NULL;
		b.rc = dp_pgen_build(&b.doc, b.wan_id, b.gen, dp.n_workers, b.prev, &b.out,
				     &b.pr);
		dpw_doc_free(&b.doc);
		pthread_mutex_lock(&b.mu);
		b.state = JOB_DONE;
	}
	pthread_mutex_unlock(&b.mu);
	return NULL;
}

int
dp_pbuild_start(void)
{
	int rc = rte_ctrl_thread_create(&b.tid, "dpw-pbuild", NULL, builder, NULL);

	if (rc != 0)
		return -rc;
	b.started = 1;
	return 0;
}

void
dp_pbuild_stop(void)
{
	if (!b.started)
		return;
	pthread_mutex_lock(&b.mu);
	b.quit = 1;
	pthread_cond_signal(&b.cv);
	pthread_mutex_unlock(&b.mu);
	pthread_join(b.tid, NULL);
	b.started = 0;
	if (b.state == JOB_DONE)
		dp_pgen_free(b.out);
	dpw_doc_free(&b.doc);
	b.state = JOB_NONE;
}

int
dp_pbuild_submit(const struct dpw_doc *doc, const uint8_t wan_id[DPW_MAX_WANS], uint64_t gen,
		 const struct dp_pgen *prev)
{
	int rc = 0;

	pthread_mutex_lock(&b.mu);
	if (b.state == JOB_QUEUED || b.state == JOB_RUNNING) {
		rc = -EBUSY;
	} else if (b.state == JOB_DONE) {
		/* an unpolled result is dropped: the caller moved on */
		dp_pgen_free(b.out);
		b.out = NULL;
		b.state = JOB_NONE;
	}
	if (rc == 0) {
		rc = dpw_doc_copy(&b.doc, doc);
		if (rc == 0) {
			memcpy(b.wan_id, wan_id, sizeof(b.wan_id));
			b.gen = gen;
			b.prev = prev;
			b.state = JOB_QUEUED;
			pthread_cond_signal(&b.cv);
		}
	}
	pthread_mutex_unlock(&b.mu);
	return rc;
}

int
dp_pbuild_poll(struct dp_pgen **out, int *rc, struct dpw_doc_problems *pr)
{
	int ret;

	pthread_mutex_lock(&b.mu);
	switch (b.state) {
	case JOB_NONE:
		ret = -ENOENT;
		break;
	case JOB_DONE:
		*out = b.out;
		*rc = b.rc;
		*pr = b.pr;
		b.out = NULL;
		b.state = JOB_NONE;
		ret = 1;
		break;
	default:
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&b.mu);
	return ret;
}
