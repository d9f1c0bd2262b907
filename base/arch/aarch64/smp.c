/* Secondary CPU start and machine power through firmware PSCI over SMC. */
#include <arch/cpu.h>
#include <arch/psci.h>
#include <base/boot.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/platform.h>

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

extern char secondary_entry[];

int smp_start_cpu(u32 cpu)
{
    s64 r = psci_smc(PSCI_CPU_ON_64, cpu_hwid(cpu) & MPIDR_AFF_MASK, (u64)(uintptr_t)secondary_entry, cpu);
    return r == PSCI_SUCCESS ? 0 : (int)r;
}

static volatile bool stopping;

/* Used by panic: other CPUs spin in their idle loops or guests; an SGI brings them to EL2 where
 * the handler parks them. Best effort — the machine is powered off right after. */
static void stop_handler(u32 intid, void *arg)
{
    (void)intid, (void)arg;
    if (stopping)
        arch_cpu_halt();
}

void smp_stop_others(void)
{
    stopping = true;
    for (u32 c = 0; c < cpu_count(); c++)
        if (c != cpu_id() && percpu_data[c].online)
            irq_send_sgi(c, 1);
}

void smp_arch_cpu_init(void)
{
    irq_set_handler(1, stop_handler, NULL);
    irq_enable(1);
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
