/* QEMU `virt` machine (aarch64). Everything below RAM (GIC, UART, RTC, virtio-mmio, ...) is
 * device space; the DTB gives the exact devices. */
#include <base/platform.h>

const char *const platform_name = "qemu-aarch64-virt";
const struct platform_console platform_early_console = {"arm,pl011", 0x09000000};
/* Below RAM, and the PCIe ECAM window (exit_failure.c finds the pvpanic device there). */
const struct mem_range platform_device_ranges[] = {{0x0, 0x40000000}, {0x4010000000ull, 0x10000000}};
const size_t platform_device_range_count = ARRAY_SIZE(platform_device_ranges);
