/* QEMU q35 (x86_64): a PC. The console is COM1; everything else comes from ACPI (MADT, FADT,
 * MCFG) and the PCI walk. The chipset's fixed window (I/O APIC 0xfec00000, HPET 0xfed00000, local
 * APICs 0xfee00000) is mapped as devices. */
#include <base/platform.h>

const char *const platform_name = "qemu-x86_64-q35";
const struct platform_console platform_early_console = {"PNP0501", 0x3f8};
const struct mem_range platform_device_ranges[] = {{0xfec00000, 0x01400000}};
const size_t platform_device_range_count = ARRAY_SIZE(platform_device_ranges);
