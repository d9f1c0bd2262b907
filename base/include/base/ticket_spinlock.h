/* A ticket spinlock (fair; the lock word lives in normal cacheable memory) on the compiler's
 * atomics, for an architecture whose <arch/spinlock.h> needs nothing of its own (as Linux's
 * asm-generic/ticket_spinlock.h): aarch64, riscv64, x86_64 and the host tests use it. It needs
 * arch_cpu_relax from <arch/cpu.h>. */
#ifndef BASE_TICKET_SPINLOCK_H
#define BASE_TICKET_SPINLOCK_H

#include <arch/cpu.h>

typedef struct {
    u16 owner;
    u16 next;
} spinlock_t;

#define SPINLOCK_INIT {0, 0}

static inline void spin_lock(spinlock_t *l)
{
    u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
        arch_cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

#endif
