/* x86_64 CPU-level helpers used by base code. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <arch/x86.h>

/* GS holds this CPU's arch block (struct x86_cpu_local, arch_init.c), whose first field points
 * to its struct percpu. */
static inline void *arch_percpu_ptr(void)
{
    void *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}
static inline void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
/* HLT with interrupts masked never wakes: the caller unmasks right before it (as STI; HLT does,
 * whose one-instruction shadow makes the pair atomic) and masks again after. Callers pass here
 * with interrupts masked and expect a pending interrupt to end the wait, so: STI; HLT; CLI. */
static inline void arch_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
/* x86 keeps stores in order (TSO) and I/O accesses are serialising: a compiler barrier suffices. */
static inline void arch_wmb(void) { __asm__ volatile("" ::: "memory"); }
static inline void arch_io_barrier(void) { __asm__ volatile("mfence" ::: "memory"); }
/* The counter without ordering against surrounding code (statistics): RDTSC is not serialising. */
static inline u64 arch_counter_relaxed(void) { return rdtsc(); }
static inline __attribute__((noreturn)) void arch_cpu_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt" ::: "memory");
}

#endif
