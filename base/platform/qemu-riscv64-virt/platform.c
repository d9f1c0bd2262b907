/* QEMU `virt` machine (riscv64). Everything below RAM (CLINT, PLIC, UART, virtio-mmio, PCIe,
 * ...) is device space; the DTB gives the exact devices. */
#include <base/platform.h>

const char *const platform_name = "qemu-riscv64-virt";
const struct platform_console platform_early_console = {"ns16550a", 0x10000000};
const struct mem_range platform_device_ranges[] = {{0x0, 0x80000000}};
const size_t platform_device_range_count = ARRAY_SIZE(platform_device_ranges);
