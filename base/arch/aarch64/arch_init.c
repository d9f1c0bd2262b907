#include <arch/cpu.h>
#include <base/arch_hooks.h>

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
    (void)fdt;
    route_interrupts_to_el2();
    return 0;
}

void arch_secondary_init(void) { route_interrupts_to_el2(); }
