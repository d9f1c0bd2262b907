/* What the generic base needs from the architecture layer at boot (base/arch/<arch>/). The
 * other hooks an architecture provides are declared where they are used: <arch/cpu.h>,
 * <arch/spinlock.h>, <arch/timer.h>, <arch/mmu.h> (inlines and types), <base/timer.h>
 * (timer_set_deadline, timer_cancel, timer_cpu_init), <base/smp.h> (smp_start_cpu),
 * <base/platform.h> (platform_poweroff, platform_reset), <base/mm.h> (mm_sync_for_exec,
 * mm_zero); docs/architecture.md has the full porting list. */
#ifndef BASE_ARCH_HOOKS_H
#define BASE_ARCH_HOOKS_H

#include <lib/fdt.h>
#include <lib/types.h>

u64 arch_boot_cpu_hwid(void);
/* Boot CPU, after memory is up and before the interrupt controller: CPU state the base needs
 * (e.g. where interrupts are taken). Returns 0 or -1. */
int arch_boot_init(const struct fdt *fdt);
/* Every other CPU, first thing in base_secondary_main. */
void arch_secondary_init(void);
const char *arch_name(void);

#endif
