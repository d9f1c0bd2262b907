#include <arch/cpu.h>
#include <base/arch_hooks.h>
#include <base/timer.h>
#include <drivers/gicv3.h>

void smp_arch_cpu_init(void);

u64 arch_boot_cpu_hwid(void) { return arch_cpu_mpidr(); }
const char *arch_name(void) { return "aarch64"; }

int arch_boot_init(const struct fdt *fdt)
{
    if (gicv3_init(fdt) != 0)
        return -1;
    gicv3_cpu_init();
    timer_cpu_init();
    smp_arch_cpu_init();
    return 0;
}

void arch_secondary_init(void)
{
    gicv3_cpu_init();
    timer_cpu_init();
    smp_arch_cpu_init();
}
