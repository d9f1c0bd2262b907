/* Virtual interrupts: the only way generic code raises, lowers and queries a guest's interrupts,
 * and the delivery hooks the run loop calls around each guest entry. Each architecture implements
 * it with its virtual interrupt controller (aarch64: the vGIC, hv/arch/aarch64/vgic/); the hooks
 * on the run loop's hot path are static inline in the arch's <arch/virq_arch.h>, the rest are
 * functions. An interrupt number is the one the guest's machine description gives the device
 * (the controller's own numbering); a private (per-vCPU) interrupt names its vCPU, a shared one
 * passes vcpu = NULL. */
#ifndef HV_VIRQ_H
#define HV_VIRQ_H

#include <hv/vm.h>
#include <lib/diag.h>
#include <lib/types.h>

/* From <arch/virq_arch.h>, inline (called on every exit):
 *   bool virq_present(const struct vm *vm);      the VM has an emulated interrupt controller
 *   bool virq_passthrough(const struct vm *vm);  the VM drives its pCPUs' physical controller
 *                                                (interrupt_mode = "passthrough")
 *   void vcpu_arch_pre_entry(struct vcpu *v);    before entering the guest: load what is pending
 *   void vcpu_arch_post_exit(struct vcpu *v);    after leaving it: take back what it consumed
 *   struct virq_mark;                            interrupt-delivery state of a vCPU, as
 *   void virq_mark(const struct vcpu *v, struct virq_mark *m);   ... taken before an exit is
 *   bool virq_unchanged(const struct vcpu *v, const struct virq_mark *m);  handled: unchanged
 *                                                means the guest may be re-entered at once. */
#include <arch/virq_arch.h>

/* The VM's interrupt line for a host device's interrupt number (an emulated device standing in
 * for a host device keeps its line): the arch's own mapping where the two are numbered apart. */
#ifndef VIRQ_ARCH_LINE_OF_HOST_IRQ
static inline u32 virq_line_of_host_irq(u32 host_irq) { return host_irq; }
#endif

/* Sources. A level-sensitive line (an emulated device's) is set to its level; an edge is
 * raised. The vCPU the interrupt is now deliverable to is woken. */
void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level);
void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq);
/* A host interrupt of a passed-through device goes to the VM under the same number: forwarded
 * through the emulated controller, or handed over in the physical one (passthrough mode). */
void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge);

/* True when an interrupt is pending and enabled for the vCPU. */
bool virq_pending(struct vcpu *vcpu);
/* A halt (WFI): marks the vCPU VCPU_HALTED unless an interrupt is pending for it; returns true
 * when it halted (a source that becomes pending later wakes it). Only for a VM with
 * virq_present(). */
bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu);

/* Interrupts made deliverable to the VM's vCPUs so far (statistics). */
u64 virq_injected(const struct vm *vm);

/* The VM's interrupt controller and other arch devices, from its config: after its vCPUs exist
 * and its pCPUs are claimed. Reports through d (naming the config) on failure. */
int vm_arch_setup_devices(struct vm *vm, struct diag *d);
/* Undoes every forwarding and hand-over of host interrupts (before the vCPUs go). */
void virq_release(struct vm *vm);

#endif
