/* The host's "architecture" for unit tests and fuzzers: the part of <arch/cpu.h> that host-built
 * generic code needs (mk/host.mk puts tests/unit/hostarch on every host build's include path, so
 * no host test names a real architecture's include directory for the base). */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <lib/types.h>

static inline void arch_cpu_relax(void)
{
    __asm__ volatile("" ::: "memory");
}

#endif
