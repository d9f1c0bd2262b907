/* QEMU `virt` machine (riscv64) with aia=aplic-imsic: the layout of qemu-riscv64-virt (its
 * IMSICs at 0x2400_0000 and 0x2800_0000, its APLICs at 0x0c00_0000 and 0x0d00_0000 are device
 * space below RAM as well). */
#include <base/platform.h>

const char *const platform_name = "qemu-riscv64-virt-aia";
const struct platform_console platform_early_console = {"ns16550a", 0x10000000};
const struct mem_range platform_device_ranges[] = {{0x0, 0x80000000}};
const size_t platform_device_range_count = ARRAY_SIZE(platform_device_ranges);
