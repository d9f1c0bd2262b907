/* What the generic base needs from the architecture layer at boot. */
#ifndef BASE_ARCH_HOOKS_H
#define BASE_ARCH_HOOKS_H

#include <lib/fdt.h>
#include <lib/types.h>

u64 arch_boot_cpu_hwid(void);
/* Boot CPU: interrupt controller and timer, after memory is up. Returns 0 or -1. */
int arch_boot_init(const struct fdt *fdt);
/* Every other CPU, in base_secondary_main. */
void arch_secondary_init(void);
const char *arch_name(void);

#endif
