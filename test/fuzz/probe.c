/* SPDX-License-Identifier: BSD-3-Clause
 * Configure-time probe (test/fuzz/meson.build): links only where clang has its libFuzzer,
 * ASan and UBSan runtimes (Debian: libclang-rt-14-dev).
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
