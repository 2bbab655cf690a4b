/* SPDX-License-Identifier: BSD-3-Clause
 * What every fuzz target shares: the libFuzzer entry point and FUZZ_CHECK, an invariant
 * that traps (so libFuzzer, or the replay driver under ASan/UBSan, reports it as a crash
 * and keeps the input) when a promise of the code under test is broken. Single-threaded.
 */
#ifndef DPW_FUZZ_H
#define DPW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* libFuzzer calls this once per input; so does test/fuzz/replay.c. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A crash, not an assert: NDEBUG (release builds) must not turn the checks off. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
		__builtin_trap(); \
	} \
} while (0)

#endif
