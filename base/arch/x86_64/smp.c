/* Starting the other CPUs of an x86 machine: the INIT / startup IPI sequence of the MultiProcessor
 * Specification (INIT, 10 ms, startup, 200 us, startup again), into the real-mode trampoline of
 * boot.S copied to TRAMPOLINE_PA. The trampoline takes its parameters (page tables, entry, the
 * logical CPU and its stack) from the end of its page; CPUs start one at a time (smp.c waits for
 * each), so one set of parameters serves them all. */
#include <arch/asm_offsets.h>
#include <arch/x86.h>
#include <arch/x86_cpu.h>
#include <base/percpu.h>
#include <base/smp.h>
#include <base/timer.h>
#include <drivers/lapic.h>
#include <lib/string.h>

extern const u8 trampoline_start[], trampoline_end[];
extern u8 cpu_stacks[MAX_CPUS][CPU_STACK_SIZE];
extern char secondary_entry[];

_Static_assert(TRAMPOLINE_PA % 4096 == 0 && TRAMPOLINE_PA < 0x100000, "startup IPI vector = page below 1 MiB");

static void set_param(u32 off, u64 v) { *(volatile u64 *)(uintptr_t)(TRAMPOLINE_PA + TRAMPOLINE_PARAMS + off) = v; }

int smp_start_cpu(u32 cpu)
{
    static bool copied;
    if (!copied) {
        if ((size_t)(trampoline_end - trampoline_start) > TRAMPOLINE_PARAMS)
            return -2;
        memcpy((void *)(uintptr_t)TRAMPOLINE_PA, trampoline_start, (size_t)(trampoline_end - trampoline_start));
        copied = true;
    }
    set_param(TP_CR3, read_cr(3)); /* the base's own tables (mm_init has switched to them) */
    set_param(TP_ENTRY, (u64)(uintptr_t)secondary_entry);
    set_param(TP_CPU, cpu);
    set_param(TP_STACK, (u64)(uintptr_t)(cpu_stacks[cpu] + CPU_STACK_SIZE));
    set_param(TP_EFER, boot_efer_bits);
    u32 apic_id = (u32)cpu_hwid(cpu);
    if (!lapic_send_init(apic_id))
        return -1;
    timer_udelay(10000);
    for (int i = 0; i < 2; i++) {
        if (!lapic_send_startup(apic_id, TRAMPOLINE_PA >> 12))
            return -1;
        timer_udelay(200);
    }
    return 0;
}
