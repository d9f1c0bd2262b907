/* The virtual-interrupt seam (<hv/virq.h>) on riscv64: each vCPU's hart-local interrupts of
 * VS-mode (software, timer, external), pending in hvip. There is no emulated PLIC yet, so no
 * device line and no host interrupt reaches a VM: those calls report and refuse. */
#include <arch/hcsr.h>
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <base/log.h>
#include <base/percpu.h>
#include <hv/arch.h>
#include <hv/virq.h>
#include <hv/vm.h>

/* Device lines are PLIC sources, which riscv64 VMs do not have yet. */
void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level)
{
    (void)vcpu;
    if (level)
        LOG_AT(LOG_DEBUG, (long)vm->id, "interrupt %u dropped: no emulated PLIC on riscv64 yet", irq);
}

void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq) { virq_set_level(vm, vcpu, irq, true); }

void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge)
{
    (void)edge;
    LOG_AT(LOG_WARN, (long)vm->id, "host interrupt %u not forwarded: no emulated PLIC on riscv64 yet", host_irq);
}

/* Pending and enabled VS-level interrupts. Live in hip/vsie when the vCPU is loaded here (hip
 * includes a vstimecmp that expired); else from memory. */
bool virq_pending(struct vcpu *vcpu)
{
    u64 pending = __atomic_load_n(&vcpu->arch.hvip, __ATOMIC_ACQUIRE), enabled;
    if (vcpu_arch_loaded(cpu_id()) == vcpu && !vcpu->arch.reload) {
        pending |= hcsr_read(CSR_HIP);
        enabled = hcsr_read(CSR_VSIE) << 1;
    } else {
        if (riscv_has_sstc && arch_timer_ticks() >= vcpu->arch.vs.vstimecmp)
            pending |= HVIP_VSTIP;
        enabled = vcpu->arch.vs.vsie << 1;
    }
    return pending & enabled & HVIP_VS_MASK;
}

/* Atomic with riscv_vcpu_raise: either an interrupt is pending (stay runnable) or the vCPU is
 * marked halted and the next raise wakes it. */
bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->arch.irq_lock);
    bool any = virq_pending(vcpu);
    if (!any)
        vcpu->state = VCPU_HALTED;
    spin_unlock(&vm->arch.irq_lock);
    return !any;
}

u64 virq_injected(const struct vm *vm) { return vm->arch.injected; }

/* The VM's arch devices: none yet (the config checks refused what riscv64 cannot give). */
int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    return vm_arch_config_check(vm->config, NULL, d);
}

void virq_release(struct vm *vm) { (void)vm; }
