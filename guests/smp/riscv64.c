/* smp's riscv64 part, while vCPU 1 spins in the guest on the other pCPU: vCPU 0 sends it an SBI
 * IPI and remote fences (which must come back only once vCPU 1 has left the guest to do them);
 * vCPU 1 then finds the software interrupt pending (its sip.SSIP; interrupts stay off) and
 * acknowledges it. */
#include "guest.h"

void smp_arch_primary(void);
void smp_arch_secondary(void);

#define SIP_SSIP (1ul << 1)

void smp_arch_primary(void)
{
    long ipi = sbi(SBI_EXT_IPI, 0, 1ul << 1, 0, 0).error;
    long sfence = sbi(SBI_EXT_RFENCE, 1, 1ul << 1, 0, 0).error;
    long fence_i = sbi(SBI_EXT_RFENCE, 0, 0, ~0ul, 0).error; /* every hart of the VM */
    gprintf("smp: IPI to vcpu1 -> %ld, remote sfence.vma on vcpu1 -> %ld, remote fence.i on all -> %ld\n", ipi,
            sfence, fence_i);
}

void smp_arch_secondary(void)
{
    unsigned long sip = 0;
    u64 end = guest_counter() + guest_counter_freq();
    while (!(sip & SIP_SSIP) && guest_counter() < end)
        __asm__ volatile("csrr %0, sip" : "=r"(sip));
    __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
    unsigned long after;
    __asm__ volatile("csrr %0, sip" : "=r"(after));
    gprintf("smp: vcpu1 %s the IPI pending, %s\n", (sip & SIP_SSIP) ? "found" : "did NOT find",
            (after & SIP_SSIP) ? "STILL pending after clearing it" : "cleared it");
}
