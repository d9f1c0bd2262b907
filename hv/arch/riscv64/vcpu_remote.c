/* What one vCPU (or the hypervisor) does to another, wherever it runs: makes VS-level interrupts
 * pending (an SBI IPI, the SBI timer) and asks for a fence before its next guest instruction (SBI
 * RFENCE). */
#include <arch/cpu.h>
#include <arch/hcsr.h>
#include <arch/vcpu_parts.h>
#include <hv/sched.h>
#include <hv/vm.h>

void riscv_vcpu_raise(struct vcpu *vcpu, u64 hvip_bits)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->arch.irq_lock);
    __atomic_fetch_or(&vcpu->arch.hvip, hvip_bits, __ATOMIC_ACQ_REL);
    if (hvip_bits & HVIP_VSSIP)
        __atomic_fetch_add(&vcpu->arch.ssip_seq, 1, __ATOMIC_RELEASE);
    vm->arch.injected++;
    if (vcpu->state == VCPU_HALTED)
        vcpu->state = VCPU_RUNNABLE;
    spin_unlock(&vm->arch.irq_lock);
    sched_kick(vcpu->pcpu);
}

/* A running vCPU keeps the bits in its live hvip until its next exit (whose fast path sees its
 * pending bits changed, virq_unchanged): at worst it takes the interrupt once more and finds
 * nothing to claim. */
void riscv_vcpu_lower(struct vcpu *vcpu, u64 hvip_bits)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->arch.irq_lock);
    __atomic_fetch_and(&vcpu->arch.hvip, ~hvip_bits, __ATOMIC_ACQ_REL);
    spin_unlock(&vm->arch.irq_lock);
}

void riscv_vcpu_remote_fence(struct vcpu *vcpu)
{
    __atomic_store_n(&vcpu->arch.fence_pending, 1u, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&vcpu->arch.in_guest, __ATOMIC_SEQ_CST))
        return; /* it flushes before it enters the guest again */
    sched_kick(vcpu->pcpu);
    while (__atomic_load_n(&vcpu->arch.fence_pending, __ATOMIC_SEQ_CST) &&
           __atomic_load_n(&vcpu->arch.in_guest, __ATOMIC_SEQ_CST))
        arch_cpu_relax();
}
