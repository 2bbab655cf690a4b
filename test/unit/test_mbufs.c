/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the mbuf pool and data room sizing (lib/cfg/dpw_mbufs.c): the sum and
 * its parts, the default with its margin, a configured pool below the sum refused with
 * the setting, the value and the sum in one line, jumbo data rooms, and the lcore count
 * that --check reads from system.eal_args.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cfg/dpw_mbufs.h"

/* The dataplane's shape (dp.h) for 3 ports and the given workers. */
static struct dpw_mbuf_shape
shape(unsigned int workers)
{
	struct dpw_mbuf_shape s = {
		.n_ports = 3, .n_workers = workers, .rx_desc = 1024, .tx_desc = 1024,
		.tap_rx_desc = 1024, .shared_ring_slots = 1024 + 4096 + 1024 + 4096,
		.worker_ring_slots = 4096 + 512, .held = 256, .cache = 256, .burst = 32,
		.txq_len = 64,
	};

	return s;
}

static void
test_sum_and_parts(void **state)
{
	struct dpw_mbuf_shape s = shape(2);
	struct dpw_mbuf_need n;

	(void)state;
	dpw_mbuf_need(&s, &n);
	assert_int_equal(n.wire, 3 * 2 * 2048);
	assert_int_equal(n.taps, 3 * 1024);
	assert_int_equal(n.rings, 10240 + 2 * 4608 + 256);
	assert_int_equal(n.caches, 3 * 384);
	assert_int_equal(n.in_flight, 2 * (64 + 3 * 64) + 64);
	assert_int_equal(n.total, n.wire + n.taps + n.rings + n.caches + n.in_flight);
	assert_int_equal(n.total, 36800);
	assert_int_equal(n.with_margin, 36800 + 4600);
}

static void
test_grows_with_workers_and_ports(void **state)
{
	struct dpw_mbuf_shape s1 = shape(1), s4 = shape(4);
	struct dpw_mbuf_need n1, n4, n4p;

	(void)state;
	dpw_mbuf_need(&s1, &n1);
	dpw_mbuf_need(&s4, &n4);
	/* every worker adds a queue pair per port, its rings, its cache and its buffers */
	assert_int_equal(n4.total - n1.total, 3 * (3 * 2048 + 4608 + 384 + 64 + 3 * 64));
	s4.n_ports = 8;
	dpw_mbuf_need(&s4, &n4p);
	assert_int_equal(n4p.wire, 8 * 4 * 2048);
	assert_true(n4p.total > n4.total);
}

static void
test_default_and_refusal(void **state)
{
	struct dpw_mbuf_shape s = shape(1);
	struct dpw_mbuf_need n;
	char err[512];
	uint32_t size = 0;

	(void)state;
	dpw_mbuf_need(&s, &n);
	assert_int_equal(n.total, 25408);
	/* not set: the sum and its margin */
	assert_int_equal(dpw_mbuf_pool_size(&n, 0, "x.conf", &size, err, sizeof(err)), 0);
	assert_int_equal(size, 25408 + 3176);
	/* exactly the sum is enough, a configured value is kept as it is */
	assert_int_equal(dpw_mbuf_pool_size(&n, 25408, "x.conf:11", &size, err, sizeof(err)), 0);
	assert_int_equal(size, 25408);
	assert_int_equal(dpw_mbuf_pool_size(&n, 100000, "x.conf:11", &size, err, sizeof(err)), 0);
	assert_int_equal(size, 100000);
	/* one below: refused, naming the place, the setting, the value, the sum, its parts */
	size = 7;
	err[0] = '\0';
	assert_int_equal(dpw_mbuf_pool_size(&n, 25407, "x.conf:11", &size, err, sizeof(err)),
			 -ENOSPC);
	assert_int_equal(size, 7);
	assert_non_null(strstr(err, "x.conf:11: system.mbufs = 25407 is too small: 25408 are "
				    "needed for 3 ports and 1 workers"));
	assert_non_null(strstr(err, "wire queues 6144 + TAPs 3072 + rings 15104 + lcore caches "
				    "768 + bursts in flight 320"));
	assert_null(strchr(err, '\n'));
}

static void
test_too_big_for_one_pool(void **state)
{
	struct dpw_mbuf_shape s = shape(16);
	struct dpw_mbuf_need n;
	char err[512];
	uint32_t size = 0;

	(void)state;
	s.rx_desc = s.tx_desc = 65535;
	s.n_ports = 8;
	dpw_mbuf_need(&s, &n);
	assert_true(n.total > (1u << 24));
	assert_int_equal(dpw_mbuf_pool_size(&n, 0, "x.conf", &size, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "more than one pool holds"));
	/* the margin is capped, the sum itself is not */
	memset(&n, 0, sizeof(n));
	n.total = 16000000;
	n.with_margin = 18000000;
	assert_int_equal(dpw_mbuf_pool_size(&n, 0, "x.conf", &size, err, sizeof(err)), 0);
	assert_int_equal(size, (1u << 24) - 1);
}

static void
test_data_room(void **state)
{
	(void)state;
	/* RTE_MBUF_DEFAULT_BUF_SIZE = 2048 + 128 headroom holds frames up to 2048 bytes,
	 * less the slack a PMD keeps (virtio's net header) */
	assert_int_equal(dpw_mbuf_data_room(1500, 128, 2176), 2176);
	assert_int_equal(dpw_mbuf_data_room(576, 128, 2176), 2176);
	assert_int_equal(dpw_mbuf_data_room(1966, 128, 2176), 2176);   /* 1966 + 18 + 64 */
	assert_int_equal(dpw_mbuf_data_room(1967, 128, 2176), 2240);
	/* jumbo: the whole frame, VLAN tag included, in one segment */
	assert_int_equal(dpw_mbuf_data_room(9000, 128, 2176), 9216);
	assert_true(dpw_mbuf_data_room(9000, 128, 2176) >=
		    128 + 9000 + DPW_FRAME_OVERHEAD + DPW_RX_SLACK);
	/* virtio's rule: buffer - headroom - 12-byte net header >= mtu + 14 + 4 + 12 */
	assert_true(dpw_mbuf_data_room(9000, 128, 2176) - 128 - 12 >= 9000 + 14 + 4 + 12);
	assert_int_equal(dpw_mbuf_data_room(9000, 128, 2176) % 64, 0);
}

static void
test_lcore_count(void **state)
{
	char *lab[] = { "--no-pci", "--lcores=0@0,1@1", "--socket-mem=256" };
	char *lab2[] = { "--no-pci", "--lcores=0@0,1@1,2@0" };
	char *groups[] = { "--lcores", "(0-2)@0,3@(1,2),4" };
	char *list[] = { "-l", "0-3,6" };
	char *list_glued[] = { "-l0,2" };
	char *mask[] = { "-c", "0xf" };
	char *last_wins[] = { "-l", "0-5", "--lcores=0@0,1@1" };
	char *none[] = { "--no-pci", "--socket-mem=256" };
	char *bad[] = { "--lcores=0@0,x" };
	char *missing[] = { "-l" };
	char *too_big[] = { "-l", "0-200" };

	(void)state;
	assert_int_equal(dpw_eal_lcore_count(lab, 3, 2), 2);
	assert_int_equal(dpw_eal_lcore_count(lab2, 2, 2), 3);
	assert_int_equal(dpw_eal_lcore_count(groups, 2, 2), 5);
	assert_int_equal(dpw_eal_lcore_count(list, 2, 2), 5);
	assert_int_equal(dpw_eal_lcore_count(list_glued, 1, 2), 2);
	assert_int_equal(dpw_eal_lcore_count(mask, 2, 2), 4);
	assert_int_equal(dpw_eal_lcore_count(last_wins, 3, 2), 2);
	assert_int_equal(dpw_eal_lcore_count(none, 2, 6), 6);
	assert_int_equal(dpw_eal_lcore_count(NULL, 0, 2), 2);
	assert_int_equal(dpw_eal_lcore_count(bad, 1, 2), -EINVAL);
	assert_int_equal(dpw_eal_lcore_count(missing, 1, 2), -EINVAL);
	assert_int_equal(dpw_eal_lcore_count(too_big, 2, 2), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_and_parts),
		cmocka_unit_test(test_grows_with_workers_and_ports),
		cmocka_unit_test(test_default_and_refusal),
		cmocka_unit_test(test_too_big_for_one_pool),
		cmocka_unit_test(test_data_room),
		cmocka_unit_test(test_lcore_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
