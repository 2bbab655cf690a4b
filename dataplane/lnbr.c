/* SPDX-License-Identifier: BSD-3-Clause
 * The LAN neighbour table (lnbr.h): open addressing by address, written by the main lcore
 * only; an entry's MAC and state are one 64-bit word (MAC in the low 48 bits, bit 48:
 * known) stored atomically. Workers ask for unknown addresses through a bounded MP ring.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/inbound.h"
#include "dataplane/lnbr.h"
#include "dataplane/policy.h"

#define LNBR_KNOWN (1ull << 48)
#define LNBR_RING 1024
#define LNBR_RETRY_MS 1000
#define LNBR_REFRESH_MS 10000   /* a replaced server (same address, new MAC) */
#define LNBR_SCAN_MS 1000
#define LNBR_PROBE 16

struct lnbr_ent {
	uint32_t addr;            /* network order, 0: free */
	uint64_t word;            /* MAC | LNBR_KNOWN */
};

static struct lnbr_ent tab[DP_LNBR_SLOTS];
static uint64_t next_tsc[DP_LNBR_SLOTS];     /* main lcore only: next ARP request */
static struct rte_ring *req;
static unsigned int n_known;
static uint64_t req_full;
static uint64_t next_scan;

static unsigned int
slot_of(uint32_t addr)
{
	return (unsigned int)((addr * 2654435761u) >> 20) & (DP_LNBR_SLOTS - 1);
}

static struct lnbr_ent *
find(uint32_t addr, int create)
{
	unsigned int s = slot_of(addr);

	for (unsigned int i = 0; i < LNBR_PROBE; i++) {
		struct lnbr_ent *e = &tab[(s + i) & (DP_LNBR_SLOTS - 1)];
		uint32_t a = __atomic_load_n(&e->addr, __ATOMIC_ACQUIRE);

		if (a == addr)
			return e;
		if (a == 0) {
			if (!create)
				return NULL;
			__atomic_store_n(&e->word, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&e->addr, addr, __ATOMIC_RELEASE);
			return e;
		}
	}
	return NULL;
}

int
dp_lnbr_init(void)
{
	req = rte_ring_create("dp_lnbr_req", LNBR_RING, (int)rte_socket_id(), RING_F_SC_DEQ);
	return req == NULL ? -ENOMEM : 0;
}

int
dp_lnbr_lookup(uint32_t addr, struct rte_ether_addr *mac)
{
	const struct lnbr_ent *e = find(addr, 0);
	uint64_t w = e ? __atomic_load_n(&e->word, __ATOMIC_ACQUIRE) : 0;

	if (w & LNBR_KNOWN) {
		for (unsigned int i = 0; i < 6; i++)
			mac->addr_bytes[i] = (uint8_t)(w >> (8 * i));
		return 0;
	}
	if (req != NULL && rte_ring_mp_enqueue(req, (void *)(uintptr_t)addr) != 0)
		__atomic_fetch_add(&req_full, 1, __ATOMIC_RELAXED);
	return -1;
}

static int
in_lan(uint32_t addr)
{
	const struct dp_port *p = &dp.port[dp.lan];

	return addr != 0 && addr != p->addr && (addr & p->mask) == (p->addr & p->mask);
}

void
dp_lnbr_learn(uint32_t addr, const struct rte_ether_addr *mac)
{
	struct lnbr_ent *e;
	uint64_t w = LNBR_KNOWN;

	if (!in_lan(addr) || (e = find(addr, 1)) == NULL)
		return;
	for (unsigned int i = 0; i < 6; i++)
		w |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	if (!(e->word & LNBR_KNOWN))
		n_known++;
	__atomic_store_n(&e->word, w, __ATOMIC_RELEASE);
	next_tsc[e - tab] = rte_rdtsc() + dp.tsc_hz * LNBR_REFRESH_MS / 1000;
}

static void
want(uint32_t addr, uint64_t now)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct lnbr_ent *e;
	unsigned int s;

	if (!in_lan(addr) || (e = find(addr, 1)) == NULL)
		return;
	s = (unsigned int)(e - tab);
	if (now < next_tsc[s])
		return;
	dp_nbr_send_arp(dp.lan, 1, bcast, zero, addr);
	next_tsc[s] = now + dp.tsc_hz *
		((e->word & LNBR_KNOWN) ? LNBR_REFRESH_MS : LNBR_RETRY_MS) / 1000;
}

void
dp_lnbr_tick(uint64_t now)
{
	void *objs[32];
	unsigned int n;

	if (req == NULL)
		return;
	n = rte_ring_sc_dequeue_burst(req, objs, 32, NULL);
	for (unsigned int i = 0; i < n; i++)
		want((uint32_t)(uintptr_t)objs[i], now);
	if (now >= next_scan) {
		const struct dp_pgen *g = dp_pgen_get();
		const uint32_t *a;
		unsigned int k = g ? dp_inb_lan_hosts(g->inb, &a) : 0;

		for (unsigned int i = 0; i < k; i++)
			want(a[i], now);
		next_scan = now + dp.tsc_hz * LNBR_SCAN_MS / 1000;
	}
}

unsigned int
dp_lnbr_count(void)
{
	return n_known;
}
