/* The guest's timer: with Sstc its own vstimecmp (henvcfg.STCE), which needs cvisor only to wake
 * the vCPU when it sleeps in WFI; without Sstc the SBI timer, kept here and raised through hvip
 * from the host timer's poll (vcpu_arch_timer_poll). */
#include <arch/hcsr.h>
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <base/percpu.h>
#include <base/timer.h>
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

/* QEMU 7.2's Sstc can leave a due VS timer interrupt undelivered while the vCPU runs (its
 * "interrupt requested" flag is dropped when the pending bits are rewritten while the hart is in
 * HS-mode, e.g. by the hvip write before an entry): the guest then runs on without its tick until
 * the hart's next trap, for seconds when both vCPUs spin in user mode. A host timer just after the
 * guest's own deadline makes that trap; the exit and the re-entry let the interrupt through. The
 * cost is one exit per guest timer event while the vCPU runs (none while it sleeps in WFI), so the
 * grace is long next to the guest's reaction time. Real hardware does not need it. */
#define SSTC_BACKSTOP_NS 1000000ull

static u64 overdue_backstop(struct vcpu *v, u64 now)
{
    if (v->state != VCPU_RUNNABLE || v->pcpu != cpu_id() || vcpu_arch_loaded(v->pcpu) != v || v->arch.reload)
        return 0; /* not live here: it is polled again when it is loaded */
    u64 deadline = hcsr_read(CSR_VSTIMECMP), grace = timer_ns_to_ticks(SSTC_BACKSTOP_NS);
    if (deadline >= ~0ull - grace)
        return 0; /* none (all ones), or beyond any wait */
    return deadline > now ? deadline + grace : now + grace; /* overdue: look again a grace later */
}

/* With Sstc the guest's vstimecmp is in hardware while the vCPU is loaded (its interrupt needs no
 * help), but a halted or switched-out vCPU is woken from here at that deadline; without Sstc,
 * the SBI timer is checked here and raised through hvip. */
u64 vcpu_arch_timer_poll(struct vcpu *v, u64 now)
{
    u64 deadline;
    bool sstc = riscv_has_sstc;
    if (sstc && v->state != VCPU_HALTED)
        return overdue_backstop(v, now);
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
