/* QEMU virt (riscv64): powering off with a failure status. SBI SRST shutdown makes QEMU exit 0,
 * so a run that failed (no VM could be started, a panic) writes FAIL with exit code 1 to QEMU's
 * test device ("sifive,test0", found in the DTB at boot; inside the board's device range, which
 * the base maps): QEMU then exits with status 1. Without the device this is a plain power-off. */
#include <base/platform.h>
#include <lib/fdt.h>

#define TEST_FAIL 0x3333u
#define TEST_EXIT_CODE(c) ((u32)(c) << 16)

static u64 test_device;

void platform_init_devices(const struct fdt *f)
{
    int node = fdt_find_compatible(f, -1, "sifive,test0");
    u64 base;
    if (node >= 0 && fdt_reg(f, node, 0, &base, NULL))
        test_device = base;
}

void platform_poweroff_failure(void)
{
    if (test_device)
        *(volatile u32 *)(uintptr_t)test_device = TEST_FAIL | TEST_EXIT_CODE(1);
    platform_poweroff();
}
