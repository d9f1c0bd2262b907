/* The virtual-interrupt seam (<hv/virq.h>) on x86_64: the virtual local APIC of each vCPU
 * (vlapic.c) for a VM with interrupt_mode = "emu", delivered through the vendor's injection.
 * A device's line (the 16550's IRQ 4) is a pin of the VM's virtual I/O APIC (vioapic.c); no
 * virtual 8259 yet. */
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <arch/x86_vendor.h>
#include <hv/virq.h>

/* A device's line: a pin of the VM's I/O APIC (irq: the ISA IRQ / GSI, as on a PC). */
void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level)
{
    (void)vcpu;
    vioapic_set_level(vm, irq, level);
}

/* irq: the vector, on vcpu (vCPU 0 when NULL). */
void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq)
{
    if (!vm->arch.lapic || irq > 0xff || (!vcpu && !vm->vcpu_count))
        return;
    vlapic_raise(vcpu ? vcpu : vm->vcpus[0], (u8)irq);
}

void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge) { (void)vm, (void)host_irq, (void)edge; }

bool virq_pending(struct vcpu *vcpu) { return vcpu->vm->arch.lapic && vlapic_deliverable(vcpu) >= 0; }

/* HLT: halted first, then checked, so that a vector raised meanwhile (vlapic_raise sets IRR,
 * then wakes a halted vCPU) is never missed. */
bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu)
{
    __atomic_store_n(&vcpu->state, VCPU_HALTED, __ATOMIC_SEQ_CST);
    if (vlapic_deliverable(vcpu) >= 0) {
        __atomic_store_n(&vcpu->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
        return false;
    }
    return true;
}

u64 virq_injected(const struct vm *vm) { return vm->arch.injected; }

void virq_release(struct vm *vm) { (void)vm; }

void x86_virq_deliver(struct vcpu *v)
{
    int vec = vlapic_deliverable(v);
    if (vec < 0) {
        x86_vendor->irq_window(v, false);
    } else if (x86_vendor->can_inject_irq(v)) {
        x86_vendor->inject_irq(v, (u8)vec);
        vlapic_accept(v, (u8)vec);
        __atomic_add_fetch(&v->vm->arch.injected, 1, __ATOMIC_RELAXED);
        x86_vendor->irq_window(v, false);
    } else {
        x86_vendor->irq_window(v, true); /* exit as soon as the guest can take it */
    }
}
