/* Starting the other harts through the SBI's HSM extension (smp_start_cpu), and the check each
 * secondary makes as it enters (boot.S). Apart from sbi.c, which the timer also calls, so that the
 * firmware calls need neither the timer nor the log. */
#include <arch/asm_offsets.h>
#include <arch/cpu.h>
#include <arch/sbi.h>
#include <base/log.h>
#include <base/percpu.h>
#include <base/smp.h>
#include <base/timer.h>

_Static_assert(__builtin_offsetof(struct percpu, id) == PERCPU_ID, "percpu layout shared with boot.S");
_Static_assert(__builtin_offsetof(struct percpu, hwid) == PERCPU_HWID, "percpu layout shared with boot.S");
_Static_assert(MAX_CPUS == MAX_CPUS_ASM, "percpu count shared with boot.S");

#ifdef RISCV_HSM_START_AT_IMAGE_ENTRY
/* Test build only (arch.mk): the harts start where OpenSBI v1.1's hart_start race sends them. */
extern char _head[];
#define SECONDARY_START _head
#else
extern char secondary_entry[]; /* boot.S: a1 = logical CPU number */
#define SECONDARY_START secondary_entry
#endif

static void wake_up(void *arg) { (void)arg; } /* the timer only ends the WFI */

/* The hart that handed the boot over (boot.S) stops itself right after it started this one; under
 * a loaded host it may not have got there yet (HSM: started, or stop pending). Up to 1 s, halted
 * between 1 ms ticks (under -icount a spinning CPU keeps the others from running). */
static void wait_until_stopped(u64 hart)
{
    u64 deadline = timer_ticks() + timer_freq();
    for (;;) {
        struct sbiret s = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hart, 0, 0);
        if (s.error || (s.value != SBI_HSM_STARTED && s.value != SBI_HSM_STOP_PENDING) || timer_ticks() >= deadline)
            break;
        timer_set_deadline(timer_ticks() + timer_freq() / 1000, wake_up, NULL);
        arch_wait_for_interrupt();
    }
    timer_cancel();
}

int smp_start_cpu(u32 cpu)
{
    extern u64 boot_handed_over_from; /* boot.S: hart id + 1 of the hart that handed over, 0 if none */
    if (__atomic_load_n(&boot_handed_over_from, __ATOMIC_ACQUIRE) == cpu_hwid(cpu) + 1)
        wait_until_stopped(cpu_hwid(cpu));
    struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, cpu_hwid(cpu), (u64)(uintptr_t)SECONDARY_START, cpu);
    return r.error ? (int)r.error : 0;
}

void riscv_secondary_entry_check(u32 cpu, u64 hart, u64 opaque, u64 via);

/* boot.S, on a started secondary once it has its stack: the CPU comes from its hart id; say
 * when the firmware did not start it the way smp_start_cpu asked. */
void riscv_secondary_entry_check(u32 cpu, u64 hart, u64 opaque, u64 via)
{
    if (via == SECONDARY_VIA_IMAGE_ENTRY)
        pr_warn("smp: hart %llu entered at the image entry, not secondary_entry (firmware start race); "
                "joined as cpu%u", (unsigned long long)hart, cpu);
    else if (opaque != cpu)
        pr_warn("smp: hart %llu started with opaque %#llx, not its CPU number; joined as cpu%u",
                (unsigned long long)hart, (unsigned long long)opaque, cpu);
}
