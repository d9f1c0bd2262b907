/* The virtual-interrupt seam (<hv/virq.h>) on x86_64, first step: no virtual interrupt
 * controller yet (no virtual local APIC, I/O APIC or 8259; configs with interrupt_mode "emu" or
 * "passthrough" are refused by vm_arch_config_check). Device lines go nowhere, nothing is ever
 * pending; the arch devices a VM gets are the ACPI power-off port (vpower.c). */
#include <hv/virq.h>

void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level) { (void)vm, (void)vcpu, (void)irq, (void)level; }
void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq) { (void)vm, (void)vcpu, (void)irq; }
void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge) { (void)vm, (void)host_irq, (void)edge; }
bool virq_pending(struct vcpu *vcpu) { return (void)vcpu, false; }
bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu) { return (void)vcpu, false; }
u64 virq_injected(const struct vm *vm) { return (void)vm, 0; }
void virq_release(struct vm *vm) { (void)vm; }
