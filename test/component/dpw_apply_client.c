/* SPDX-License-Identifier: BSD-3-Clause
 * dpw_apply_client: a DPDK secondary (--proc-type=secondary --no-pci) that speaks to a
 * running dpwan-dataplane the way dpwan-control does, for the component test of the
 * apply path (test_apply.py). One command per run, one JSON line on stdout:
 *   show                      the shared memory: config generation, hash, counters, WANs
 *   hello ABI                 HELLO with that message ABI; the reply
 *   apply GEN FILE [HOW]      reserve "dpw_doc_<GEN>", put FILE's document in it (its
 *                             canonical JSON when it decodes, else the bytes as they are),
 *                             send CONFIG_APPLY, print the reply, free the zone. HOW:
 *                             badhash (the message's hash is wrong), nozone (no zone is
 *                             reserved), badmagic (the zone's header is wrong)
 * Exit 0 when the dataplane answered, 1 otherwise. Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "lib/cfg/dpw_doc.h"
#include "lib/cfg/dpw_sysconf.h"
#include "lib/msg/dpw_msg.h"
#include "lib/shm/dpw_shm.h"

#define REPLY_TIMEOUT_MS 5000

static struct rte_ring *c2d, *d2c;
static const struct dpw_shm *shm;

static int
request(uint16_t op, const void *payload, size_t len, struct dpw_msg *reply)
{
	static uint32_t seq = 0x5eed0000;
	uint64_t deadline = dpw_mono_ms() + REPLY_TIMEOUT_MS;
	struct dpw_msg m;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.seq = ++seq;
	memcpy(m.u.raw, payload, len);
	if (rte_ring_enqueue_elem(c2d, &m, sizeof(m)) != 0)
		return -ENOBUFS;
	while (dpw_mono_ms() < deadline) {
		if (rte_ring_dequeue_elem(d2c, reply, sizeof(*reply)) != 0) {
			usleep(1000);
			continue;
		}
		/* events (WAN usable ...) share the ring: not ours */
		if (reply->op == DPW_MSG_REPLY && reply->seq == m.seq)
			return 0;
	}
	return -ETIMEDOUT;
}

static void
print_reply(const char *what, const struct dpw_msg *r)
{
	char text[sizeof(r->u.reply.text) + 1];
	size_t i;

	memcpy(text, r->u.reply.text, sizeof(r->u.reply.text));
	text[sizeof(r->u.reply.text)] = '\0';
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] == '"' || text[i] == '\\' || (unsigned char)text[i] < 0x20)
			text[i] = '\'';
	printf("{\"cmd\": \"%s\", \"status\": %d, \"abi\": %u, \"config_gen\": %llu, "
	       "\"wan_view_gen\": %llu, \"n_problems\": %u, \"text\": \"%s\"}\n", what,
	       r->status, r->u.reply.abi, (unsigned long long)r->u.reply.config_gen,
	       (unsigned long long)r->u.reply.wan_view_gen, r->u.reply.n_problems, text);
}

static void
show(void)
{
	char hex[2 * DPW_DOC_HASH_LEN + 1], a[16], g[16];
	unsigned int w;

	printf("{\"config_gen\": %llu, \"config_hash\": \"%s\", \"config_applies\": %u, "
	       "\"config_rejects\": %u, \"control_pid\": %d, \"wan_view_gen\": %llu, "
	       "\"config_applied_ms\": %llu, \"wans\": [", (unsigned long long)shm->config_gen,
	       dpw_doc_hash_hex(shm->config_hash, hex), shm->config_applies,
	       shm->config_rejects, shm->control_pid, (unsigned long long)shm->wan_view_gen,
	       (unsigned long long)shm->config_applied_ms);
	for (w = 0; w < shm->n_wans && w < DPW_MAX_WANS; w++) {
		const struct dpw_wan_shm *s = &shm->wans[w];

		printf("%s{\"name\": \"%.*s\", \"configured\": %u, \"admin\": %u, "
		       "\"forced_down\": %u, \"usable\": %u, \"address\": \"%s\", "
		       "\"prefixlen\": %u, \"gateway\": \"%s\", \"weight\": %u, \"mtu\": %u}",
		       w ? ", " : "", DPW_NAME_LEN, s->name, s->configured, s->admin,
		       s->forced_down, s->usable, dpw_ipv4_str(s->addr, a, sizeof(a)),
		       shm->ports[s->port].prefixlen, dpw_ipv4_str(s->gateway, g, sizeof(g)),
		       s->weight, s->mtu);
	}
	printf("]}\n");
}

/* FILE's document as canonical JSON when it decodes without a system context. */
static char *
load_doc(const char *path, size_t *len)
{
	static struct dpw_doc_problems pr;
	static struct dpw_doc doc;
	const char *ext = strrchr(path, '.');
	char *text, *canon;
	FILE *f = fopen(path, "r");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		return NULL;
	}
	rewind(f);
	text = malloc((size_t)n + 1);
	if (text == NULL || fread(text, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	*len = (size_t)n;
	dpw_doc_free(&doc);
	if (dpw_doc_parse(text, (size_t)n, ext && strcmp(ext, ".json") == 0 ? DPW_DOC_JSON :
			  DPW_DOC_YAML, NULL, &doc, &pr) != 0)
		return text;   /* sent as it is: the dataplane must refuse it */
	canon = dpw_doc_canonical(&doc, len);
	free(text);
	return canon;
}

static int
apply(uint64_t gen, const char *path, const char *how)
{
	struct dpw_msg_config_apply a;
	const struct rte_memzone *mz = NULL;
	struct dpw_doc_zone *z;
	struct dpw_msg r;
	size_t len;
	char *json = load_doc(path, &len);
	int rc;

	if (json == NULL)
		return 1;
	memset(&a, 0, sizeof(a));
	a.gen = gen;
	a.len = (uint32_t)len;
	snprintf(a.zone, sizeof(a.zone), DPW_DOC_ZONE_FMT, (unsigned long long)gen);
	if (dpw_doc_hash(json, len, a.hash) != 0)
		return 1;
	if (strcmp(how, "nozone") != 0) {
		mz = rte_memzone_reserve(a.zone, sizeof(*z) + len, SOCKET_ID_ANY, 0);
		if (mz == NULL) {
			fprintf(stderr, "cannot reserve %s\n", a.zone);
			return 1;
		}
		z = mz->addr;
		z->magic = strcmp(how, "badmagic") == 0 ? 0xdeadbeef : DPW_DOC_ZONE_MAGIC;
		z->len = a.len;
		z->gen = gen;
		memcpy(z->hash, a.hash, sizeof(z->hash));
		memcpy(z->json, json, len);
	}
	if (strcmp(how, "badhash") == 0)
		a.hash[0] ^= 0xff;
	free(json);
	rc = request(DPW_MSG_CONFIG_APPLY, &a, sizeof(a), &r);
	if (mz != NULL)
		rte_memzone_free(mz);
	if (rc != 0) {
		fprintf(stderr, "no reply: %s\n", strerror(-rc));
		return 1;
	}
	print_reply("apply", &r);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct rte_memzone *mz;
	struct dpw_msg r;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "cannot join the dataplane as a secondary\n");
		return 1;
	}
	argc -= n;
	argv += n;
	mz = rte_memzone_lookup(DPW_SHM_ZONE);
	c2d = rte_ring_lookup(DPW_RING_C2D);
	d2c = rte_ring_lookup(DPW_RING_D2C);
	if (mz == NULL || c2d == NULL || d2c == NULL) {
		fprintf(stderr, "no dataplane shared memory or rings\n");
		rte_eal_cleanup();
		return 1;
	}
	shm = mz->addr;
	n = 1;
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		show();
		n = 0;
	} else if (argc >= 3 && strcmp(argv[1], "hello") == 0) {
		struct dpw_msg_hello h = { .pid = getpid(), .abi = (uint32_t)atoi(argv[2]) };

		if (request(DPW_MSG_HELLO, &h, sizeof(h), &r) == 0) {
			print_reply("hello", &r);
			n = 0;
		}
	} else if (argc >= 4 && strcmp(argv[1], "apply") == 0) {
		n = apply(strtoull(argv[2], NULL, 10), argv[3], argc >= 5 ? argv[4] : "");
	} else {
		fprintf(stderr, "usage: dpw_apply_client EAL... -- show | hello ABI | "
			"apply GEN FILE [badhash|nozone|badmagic]\n");
	}
	rte_eal_cleanup();
	return n;
}
