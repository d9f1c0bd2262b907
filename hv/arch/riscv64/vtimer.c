/* The guest's timer: with Sstc its own vstimecmp (henvcfg.STCE), which needs cvisor only to wake
 * the vCPU when it sleeps in WFI; without Sstc the SBI timer, kept here and raised through hvip
 * from the host timer's poll (vcpu_arch_timer_poll). */
#include <arch/hcsr.h>
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <base/percpu.h>
#include <hv/arch.h>
#include <hv/vm.h>

void riscv_vcpu_set_timer(struct vcpu *vcpu, u64 deadline)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->arch.irq_lock);
    vcpu->arch.timer_deadline = deadline;
    __atomic_fetch_and(&vcpu->arch.hvip, ~HVIP_VSTIP, __ATOMIC_ACQ_REL); /* SBI: setting it clears the pending one */
    spin_unlock(&vm->arch.irq_lock);
}

/* With Sstc the guest's vstimecmp is in hardware while the vCPU is loaded (its interrupt needs no
 * help), but a halted or switched-out vCPU is woken from here at that deadline; without Sstc,
 * the SBI timer is checked here and raised through hvip. */
u64 vcpu_arch_timer_poll(struct vcpu *v, u64 now)
{
    u64 deadline;
    bool sstc = riscv_has_sstc;
    if (sstc && v->state != VCPU_HALTED)
        return 0; /* running or runnable: the hart raises VSTIP itself once it is loaded */
    if (sstc)
        deadline = vcpu_arch_loaded(v->pcpu) == v && !v->arch.reload && v->pcpu == cpu_id()
                       ? hcsr_read(CSR_VSTIMECMP)
                       : v->arch.vs.vstimecmp;
    else
        deadline = v->arch.timer_deadline;
    if (deadline == ~0ull)
        return 0;
    if (now < deadline)
        return deadline;
    if (!sstc) {
        v->arch.timer_deadline = ~0ull;
        riscv_vcpu_raise(v, HVIP_VSTIP);
    } else if (v->state == VCPU_HALTED) {
        spin_lock(&v->vm->arch.irq_lock);
        if (v->state == VCPU_HALTED)
            v->state = VCPU_RUNNABLE; /* its VSTIP is pending in hardware once it is loaded */
        spin_unlock(&v->vm->arch.irq_lock);
    }
    return 0;
}
