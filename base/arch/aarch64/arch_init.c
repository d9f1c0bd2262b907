#include <arch/cpu.h>
#include <base/arch_hooks.h>
#include <base/timer.h>
#include <drivers/gic.h>

void smp_arch_cpu_init(void);

u64 arch_boot_cpu_hwid(void) { return arch_cpu_mpidr(); }
const char *arch_name(void) { return "aarch64"; }

/* Physical IRQ/FIQ/SError are taken at EL2 only when routed there (HCR_EL2.IMO/FMO/AMO);
 * lower ELs are AArch64 (RW). An app running guests adds its own bits. */
static void route_interrupts_to_el2(void)
{
    write_sysreg(hcr_el2, (1ull << 31) | (1ull << 5) | (1ull << 4) | (1ull << 3));
    isb();
}

int arch_boot_init(const struct fdt *fdt)
{
    route_interrupts_to_el2();
    if (gic_init(fdt) != 0)
        return -1;
    gic_cpu_init();
    timer_cpu_init();
    smp_arch_cpu_init();
    return 0;
}

void arch_secondary_init(void)
{
    route_interrupts_to_el2();
    gic_cpu_init();
    timer_cpu_init();
    smp_arch_cpu_init();
}
