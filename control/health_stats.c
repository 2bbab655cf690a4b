/* SPDX-License-Identifier: BSD-3-Clause
 * Sliding-window probe statistics and the k-of-n round verdict (see health_stats.h).
 * Pure, integer only. Any thread.
 */
#include <errno.h>
#include <string.h>

#include "control/health_stats.h"

int
cp_hstats_init(struct cp_hstats *s, unsigned int window)
{
	if (window == 0 || window > CP_HSTATS_WINDOW_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->window = (uint16_t)window;
	return 0;
}

void
cp_hstats_add(struct cp_hstats *s, bool answered, uint32_t rtt_us)
{
	if (rtt_us > CP_HSTATS_RTT_MAX_US)
		rtt_us = CP_HSTATS_RTT_MAX_US;
	s->answered[s->head] = answered;
	s->rtt_us[s->head] = answered ? rtt_us : 0;
	s->head = (uint16_t)((s->head + 1) % s->window);
	if (s->n < s->window)
		s->n++;
	s->sent++;
	if (answered) {
		s->run_answered++;
		s->run_lost = 0;
	} else {
		s->lost++;
		s->run_lost++;
		s->run_answered = 0;
	}
}

/* (a + b/2) / b: round half up, b > 0 */
static uint32_t
div_round(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b / 2) / b);
}

void
cp_hstats_sum(const struct cp_hstats *s, struct cp_hstats_sum *sum)
{
	uint64_t total = 0, dev = 0;
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	sum->n = s->n;
	sum->run_lost = s->run_lost;
	sum->run_answered = s->run_answered;
	/* the window's slots are all valid once full; before that, slots 0..n-1 are */
	for (i = 0; i < s->n; i++) {
		if (!s->answered[i]) {
			sum->lost++;
			continue;
		}
		if (sum->answered == 0 || s->rtt_us[i] < sum->rtt_min_us)
			sum->rtt_min_us = s->rtt_us[i];
		if (s->rtt_us[i] > sum->rtt_max_us)
			sum->rtt_max_us = s->rtt_us[i];
		sum->answered++;
		total += s->rtt_us[i];
	}
	if (sum->n > 0)
		sum->loss_pct = div_round((uint64_t)sum->lost * 100, sum->n);
	if (sum->answered == 0)
		return;
	sum->rtt_mean_us = div_round(total, sum->answered);
	for (i = 0; i < s->n; i++) {
		if (!s->answered[i])
			continue;
		dev += s->rtt_us[i] > sum->rtt_mean_us ? s->rtt_us[i] - sum->rtt_mean_us :
			sum->rtt_mean_us - s->rtt_us[i];
	}
	sum->rtt_mdev_us = div_round(dev, sum->answered);
}

bool
cp_hstats_loss_above(uint32_t lost, uint32_t n, uint32_t pct)
{
	return n > 0 && (uint64_t)lost * 100 > (uint64_t)pct * n;
}

bool
cp_hstats_loss_at_most(uint32_t lost, uint32_t n, uint32_t pct)
{
	return n > 0 && (uint64_t)lost * 100 <= (uint64_t)pct * n;
}

void
cp_hstats_round(const uint8_t *answered, unsigned int n_targets, unsigned int reliability,
		struct cp_hround *out)
{
	unsigned int i;

	if (n_targets > CP_HSTATS_TARGETS_MAX)
		n_targets = CP_HSTATS_TARGETS_MAX;
	if (reliability == 0)
		reliability = 1;
	out->targets = (uint16_t)n_targets;
	out->answered = 0;
	for (i = 0; i < n_targets; i++)
		if (answered[i] > 0)
			out->answered++;
	out->up = out->answered >= reliability;
}

/* lost_a/n_a < lost_b/n_b, exactly; an unknown loss (n 0) sorts last */
static bool
loss_less(const struct cp_hstats_sum *a, const struct cp_hstats_sum *b)
{
	if (a->n == 0 || b->n == 0)
		return a->n != 0 && b->n == 0;
	return (uint64_t)a->lost * b->n < (uint64_t)b->lost * a->n;
}

void
cp_hstats_wan_quality(const struct cp_hstats_sum *sums, unsigned int n,
		      unsigned int reliability, struct cp_hquality *q)
{
	unsigned int idx[CP_HSTATS_TARGETS_MAX];
	unsigned int i, j, k, with_rtt = 0;

	memset(q, 0, sizeof(*q));
	if (n > CP_HSTATS_TARGETS_MAX)
		n = CP_HSTATS_TARGETS_MAX;
	if (n == 0)
		return;
	k = reliability == 0 ? 1 : reliability > n ? n : reliability;

	/* loss: insertion sort of the target indices by loss, take the k-th */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && loss_less(&sums[i], &sums[idx[j - 1]]); j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	q->lost = sums[idx[k - 1]].lost;
	q->n = sums[idx[k - 1]].n;

	/* RTT: the same over the targets that have answers in their window */
	for (i = 0; i < n; i++) {
		if (sums[i].answered == 0)
			continue;
		for (j = with_rtt; j > 0 && sums[i].rtt_mean_us < sums[idx[j - 1]].rtt_mean_us; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		with_rtt++;
	}
	if (with_rtt < k)
		return;
	q->have_rtt = true;
	q->rtt_us = sums[idx[k - 1]].rtt_mean_us;
	q->jitter_us = sums[idx[k - 1]].rtt_mdev_us;
}
