/* SPDX-License-Identifier: BSD-3-Clause
 * OpenWrt mwan3 (/etc/config/mwan3, read by dpw_uci.h) to a network-policy document tree
 * (dpw_doc.h's JSON names): interfaces become WANs (their tracking options the WAN's
 * health), members, policies and rules keep their names and meaning. What does not map
 * is said through a callback, one note per line of the file, and left out; nothing is
 * guessed silently. Pure: no DPDK. Any thread.
 *
 * Decisions where mwan3 and the document differ (each one also a note when it happens):
 *   - an interface without `enabled` is a disabled WAN (mwan3's default is 0);
 *   - without track_ip mwan3 calls an interface always up: health method none;
 *   - health without a base document starts from the "mwan3" preset, so options not
 *     given keep mwan3's defaults; failure_interval and recovery_interval default to
 *     interval as in mwan3;
 *   - IPv6 interfaces become WANs (their members and policies keep their shape); IPv6
 *     targets are left out, and IPv6 is not forwarded yet;
 *   - a rule with use_policy 'default' (mwan3: the main routing table) is left out: its
 *     traffic goes to the default rule, as traffic that matches no rule does, unless a
 *     later rule takes it (the note names them);
 *   - ports with a protocol other than tcp or udp are left out (mwan3 ignores them too);
 *   - a rule whose match cannot be kept whole (ipset, IPv6 networks, an unknown
 *     protocol, an address that is none) is left out: a wider match would take traffic
 *     mwan3 does not send by it;
 *   - a policy that lists one WAN twice keeps the member of lowest metric.
 */
#ifndef DPW_MWAN3_H
#define DPW_MWAN3_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/cfg/dpw_uci.h"
#include "lib/shm/dpw_shm.h"

#define DPW_MWAN3_MAP_MAX 32
#define DPW_MWAN3_IFACE_LEN 64         /* an OpenWrt interface name in --map */

/* --map: mwan3 interface names to WAN names (which name the dpwan WAN ports). */
struct dpw_mwan3_map {
	unsigned int n;
	struct {
		char iface[DPW_MWAN3_IFACE_LEN];
		char wan[DPW_NAME_LEN];
	} m[DPW_MWAN3_MAP_MAX];
};

/*
 * One note: line of the file (0: the file as a whole), the section's name (NULL: no
 * section), the option (NULL: the section as a whole), and what happened.
 */
typedef void (*dpw_mwan3_note_fn)(void *arg, unsigned int line, const char *section,
				  const char *option, const char *msg);

struct dpw_mwan3_opts {
	/*
	 * A valid document tree whose WANs (addressing, ports ...) are kept, the mwan3
	 * tracking options merged into their health; its other sections are kept too,
	 * except members, policies and rules, which are the file's. NULL: WANs with DHCP.
	 */
	const json_t *base;
	const struct dpw_mwan3_map *map;   /* NULL: WANs named as the interfaces */
	dpw_mwan3_note_fn note;            /* may be NULL */
	void *arg;
};

struct dpw_mwan3_counts {
	unsigned int wans;                 /* from the file's interfaces */
	unsigned int members;
	unsigned int policies;
	unsigned int rules;
	unsigned int notes;
};

/*
 * Add "IF=WAN[,IF=WAN...]" to map. 0, or -EINVAL with why in err (a WAN name that is
 * not one, no '=', the same interface twice, too many).
 */
int dpw_mwan3_map_parse(struct dpw_mwan3_map *map, const char *arg, char *err, size_t errlen);

/*
 * The document of a parsed mwan3 file: a new tree (version, wans, members, policies,
 * rules, default_rule, or the base's sections with those replaced), counts filled.
 * NULL when nothing maps (no interface becomes a WAN) or on allocation failure, with
 * why in err. The tree is meant to pass dpw_doc_from_json; the caller checks it.
 */
json_t *dpw_mwan3_import(const struct dpw_uci *u, const struct dpw_mwan3_opts *o,
			 struct dpw_mwan3_counts *counts, char *err, size_t errlen);

#endif
