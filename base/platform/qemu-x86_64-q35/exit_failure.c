/* QEMU q35 (x86_64): powering off with a failure status. The ACPI power-off makes QEMU exit 0,
 * so a run that failed (no VM could be started, a panic) writes to QEMU's isa-debug-exit port
 * (the board's QEMU command line adds it at EXIT_PORT): QEMU exits with (value << 1) | 1, so 0
 * gives status 1. Without the device the write is ignored and this is a plain power-off. */
#include <arch/x86.h>
#include <base/platform.h>

#define EXIT_PORT 0xf4

void platform_init_devices(const struct fdt *fdt) { (void)fdt; }

void platform_poweroff_failure(void)
{
    outl(EXIT_PORT, 0);
    platform_poweroff();
}
