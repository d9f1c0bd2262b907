/* riscv64 CPU-level helpers used by base code. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <arch/csr.h>

/* tp holds this CPU's struct percpu (set in boot.S, never changed by the base). */
static inline void *arch_percpu_ptr(void)
{
    void *p;
    __asm__ volatile("mv %0, tp" : "=r"(p));
    return p;
}
/* The counter without ordering (time accounting on the run loop's hot path). */
static inline u64 arch_counter_relaxed(void) { return csr_read(time); }
static inline void arch_cpu_relax(void) { __asm__ volatile("nop" ::: "memory"); }
static inline void local_irq_enable(void) { csr_set(sstatus, SSTATUS_SIE); }
static inline void local_irq_disable(void) { csr_clear(sstatus, SSTATUS_SIE); }
/* WFI wakes on a pending enabled interrupt even with sstatus.SIE clear. */
static inline void arch_wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void arch_wmb(void) { __asm__ volatile("fence w, w" ::: "memory"); }
static inline void arch_io_barrier(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }
static inline __attribute__((noreturn)) void arch_cpu_halt(void)
{
    local_irq_disable();
    for (;;)
        __asm__ volatile("wfi" ::: "memory");
}

#endif
