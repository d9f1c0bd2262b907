/* Platform facts the base needs before (or instead of) the DTB, and machine power control. */
#ifndef BASE_PLATFORM_H
#define BASE_PLATFORM_H

#include <lib/types.h>

extern const char *const platform_name;
extern const u64 platform_early_uart_base; /* console before the DTB is parsed */

#include <base/mm.h>

/* Device address ranges the hypervisor maps for itself (Device-nGnRE). */
extern const struct mem_range platform_device_ranges[];
extern const size_t platform_device_range_count;

void platform_poweroff(void) __attribute__((noreturn));
void platform_reset(void) __attribute__((noreturn));
/* Power off reporting a failure where the platform can (QEMU: a non-zero exit status); else
 * the same as platform_poweroff. */
void platform_poweroff_failure(void) __attribute__((noreturn));

#endif
