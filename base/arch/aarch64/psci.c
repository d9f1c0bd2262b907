/* Firmware calls of the aarch64 base: PSCI over SMC (Arm DEN0022) starts the secondary CPUs and
 * powers the machine off or resets it. The generic base reaches it only through the hooks
 * smp_start_cpu (<base/smp.h>) and platform_poweroff / platform_reset (<base/platform.h>). */
#include <arch/cpu.h>
#include <arch/psci.h>
#include <base/percpu.h>
#include <base/platform.h>
#include <base/smp.h>

s64 psci_smc(u64 fid, u64 a1, u64 a2, u64 a3)
{
    register u64 x0 __asm__("x0") = fid;
    register u64 x1 __asm__("x1") = a1;
    register u64 x2 __asm__("x2") = a2;
    register u64 x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory", "x4", "x5", "x6", "x7",
                     "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17");
    return (s64)x0;
}

extern char secondary_entry[]; /* boot.S: x0 = logical CPU number */

int smp_start_cpu(u32 cpu)
{
    s64 r = psci_smc(PSCI_CPU_ON_64, cpu_hwid(cpu) & MPIDR_AFF_MASK, (u64)(uintptr_t)secondary_entry, cpu);
    return r == PSCI_SUCCESS ? 0 : (int)r;
}

void platform_poweroff(void)
{
    psci_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
    arch_cpu_halt();
    __builtin_unreachable();
}

void platform_reset(void)
{
    psci_smc(PSCI_SYSTEM_RESET, 0, 0, 0);
    arch_cpu_halt();
    __builtin_unreachable();
}
