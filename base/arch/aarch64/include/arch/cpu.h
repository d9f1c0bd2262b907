/* aarch64 CPU-level helpers used by base code. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <arch/sysreg.h>

/* TPIDR_EL2 holds this CPU's struct percpu (set in boot.S). */
static inline void *arch_percpu_ptr(void) { return (void *)read_sysreg(tpidr_el2); }
static inline u64 arch_cpu_mpidr(void) { return read_sysreg(mpidr_el1) & MPIDR_AFF_MASK; }
/* The system counter (timer_ticks' clock), read without ordering it against the instructions
 * around it: cheap enough for per-exit statistics. */
static inline u64 arch_counter_relaxed(void) { return read_sysreg(cntpct_el0); }
static inline void arch_cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }
static inline void arch_wait_for_interrupt(void) { dsb(sy); wfi(); }
/* Barriers for drivers sharing memory with a device (e.g. virtqueues): earlier stores become
 * visible before later ones; every earlier memory access completes before the next device access. */
static inline void arch_wmb(void) { dmb(ishst); }
static inline void arch_io_barrier(void) { dsb(ish); }
static inline __attribute__((noreturn)) void arch_cpu_halt(void)
{
    local_irq_disable();
    for (;;)
        wfi();
}

#endif
