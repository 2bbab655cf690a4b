/* SPDX-License-Identifier: BSD-3-Clause
 * Removal of a DPDK file prefix's hugepage files. Pure libc, any thread.
 */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/dpw_hugepages.h"

void
dpw_remove_hugepage_files(const char *prefix)
{
	char line[512], dir[256], fstype[64], pattern[600];
	FILE *f;

	if (prefix == NULL || prefix[0] == '\0' || strchr(prefix, '/') != NULL)
		return;
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		glob_t g;
		size_t i;

		if (sscanf(line, "%*s %255s %63s", dir, fstype) != 2 ||
		    strcmp(fstype, "hugetlbfs") != 0)
			continue;
		snprintf(pattern, sizeof(pattern), "%s/%smap_*", dir, prefix);
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	fclose(f);
}
