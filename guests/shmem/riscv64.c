/* riscv64 part of the shared-memory test guest: the VM's vPLIC (QEMU virt's layout), hart 0's
 * S-mode context; the supervisor external interrupt enabled in sie but not in sstatus, so WFI
 * wakes for it and the guest claims it without taking a trap. */
#include "guest.h"

#define PLIC_ENABLE_S0 (GUEST_PLIC + 0x2000 + 0x80)
#define PLIC_THRESHOLD_S0 (GUEST_PLIC + 0x201000)
#define PLIC_CLAIM_S0 (GUEST_PLIC + 0x201004)
#define SIE_SEIE (1ul << 9)

static volatile u32 *reg(unsigned long a) { return (volatile u32 *)a; }

void irq_enable(u32 irq)
{
    *reg(GUEST_PLIC + 4 * irq) = 1; /* priority */
    reg(PLIC_ENABLE_S0)[irq / 32] |= 1u << (irq % 32);
}

void irq_init(u32 irq)
{
    *reg(PLIC_THRESHOLD_S0) = 0;
    irq_enable(irq);
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));
}

u32 irq_next(void)
{
    for (;;) {
        u32 src = *reg(PLIC_CLAIM_S0);
        if (!src) {
            __asm__ volatile("wfi" ::: "memory");
            continue;
        }
        *reg(PLIC_CLAIM_S0) = src; /* complete */
        return src;
    }
}
