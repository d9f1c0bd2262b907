/* Host (unit-test) replacement for base/arch/aarch64/include/arch/cpu.h: only what the real
 * <arch/spinlock.h> needs. The aarch64 original uses "yield" and system registers, which do not
 * assemble on the host. Placed before the aarch64 include directories by tests/unit/vgic.mk. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <lib/types.h>

static inline void arch_cpu_relax(void)
{
    __asm__ volatile("" ::: "memory");
}

#endif
