/* What a board (base/platform/<board>/platform.c) tells the base before (or instead of) the
 * DTB, and machine power control. */
#ifndef BASE_PLATFORM_H
#define BASE_PLATFORM_H

#include <base/mm.h>
#include <lib/types.h>

extern const char *const platform_name;

/* The console from the first line of boot, before the DTB is read: a console driver's
 * compatible string and the UART's base (MMIO address or I/O port). */
struct platform_console {
    const char *compatible;
    u64 base;
};
extern const struct platform_console platform_early_console;

/* Device address ranges the base maps for itself (as device memory). */
extern const struct mem_range platform_device_ranges[];
extern const size_t platform_device_range_count;

struct fdt;
/* Boot CPU, once the CPUs are up and before the app starts: what the board needs of its other
 * devices (e.g. where the failure-exit device is). fdt is NULL on a machine without a DTB. */
void platform_init_devices(const struct fdt *fdt);
/* The board's disks, probed by their drivers when the application first asks for a block
 * device (blockdev_get): an application that uses none leaves them free for its VMs. */
void platform_probe_disks(const struct fdt *fdt);

/* Machine power. The architecture's firmware module provides these (PSCI on aarch64, SBI SRST
 * on riscv, ACPI on x86); a board without that firmware provides its own. */
void platform_poweroff(void) __attribute__((noreturn));
void platform_reset(void) __attribute__((noreturn));
/* Power off reporting a failure where the platform can (QEMU: a non-zero exit status); else
 * the same as platform_poweroff. */
void platform_poweroff_failure(void) __attribute__((noreturn));

#endif
