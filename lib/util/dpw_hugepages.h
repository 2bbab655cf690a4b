/* SPDX-License-Identifier: BSD-3-Clause
 * Clean-up of a DPDK process's hugepage files. Pure libc, any thread.
 */
#ifndef DPW_HUGEPAGES_H
#define DPW_HUGEPAGES_H

/*
 * Remove "<prefix>map_*" from every mounted hugetlbfs. DPDK keeps these files after a
 * clean exit (a secondary process might still need them); call once the process that
 * owns the prefix is done with EAL and no secondary is attached.
 */
void dpw_remove_hugepage_files(const char *prefix);

#endif
