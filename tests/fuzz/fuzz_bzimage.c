/* libFuzzer target: the bzImage setup header parser and the boot_params builder
 * (hv/arch/x86_64/linux_boot.c) over arbitrary image bytes (a VM config names the image). Checks
 * what the loader relies on: an accepted image's setup and kernel lie within it, the header copied
 * into boot_params stays inside its part of the zero page, and the entry point is in the kernel. */
#include <arch/linux_boot.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct linux_bzimage bz;
    const char *why = NULL;
    if (linux_bzimage_parse(data, size, &bz, &why) != 0) {
        if (!why)
            abort();
        return 0;
    }
    if ((uint64_t)bz.setup_bytes + bz.kernel_bytes > size || bz.kernel_bytes <= LINUX_ENTRY64_OFFSET)
        abort();
    if (bz.header_end > 0x290 || bz.header_end > size || bz.init_size < bz.kernel_bytes)
        abort();
    if (bz.kernel_alignment & (bz.kernel_alignment - 1))
        abort();
    static uint8_t zp[LINUX_BOOT_PARAMS_SIZE];
    struct linux_e820 e = {0, 0x9fc00, LINUX_E820_RAM};
    struct linux_boot_args a = {0x9000, 0x8000000, 1234, 0xe0000, &e, 1};
    linux_boot_params_build(zp, data, &bz, &a);
    if (zp[0x210] != 0xff || zp[0x1e8] != 1)
        abort();
    return 0;
}
