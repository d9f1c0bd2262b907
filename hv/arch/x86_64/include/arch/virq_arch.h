/* The hot-path hooks of the virtual-interrupt seam (<hv/virq.h>) on x86_64: a VM with
 * interrupt_mode = "emu" has a virtual local APIC per vCPU (<arch/vlapic.h>), whose deliverable
 * interrupt is injected before each entry (or an interrupt window asked for); a VM with
 * interrupt_mode = "passthrough" drives its pCPU's local APIC (lapic_pt.c); a VM with neither
 * runs with its interrupts off. */
#ifndef ARCH_VIRQ_ARCH_H
#define ARCH_VIRQ_ARCH_H

#include <hv/vm.h>

static inline bool virq_present(const struct vm *vm) { return vm->arch.lapic; }
static inline bool virq_passthrough(const struct vm *vm) { return vm->arch.lapic_pt; }

/* virq.c: injects the vCPU's deliverable interrupt, or asks for an interrupt window. */
void x86_virq_deliver(struct vcpu *v);

static inline void vcpu_arch_pre_entry(struct vcpu *v)
{
    if (v->vm->arch.lapic)
        x86_virq_deliver(v);
}
static inline void vcpu_arch_post_exit(struct vcpu *v) { (void)v; }

/* An exit handled on the fast path must not have changed the local APIC (an EOI uncovering a
 * pending interrupt, a timer reprogrammed): the full path delivers and re-arms. */
struct virq_mark {
    u64 lapic_gen;
};
static inline void virq_mark(const struct vcpu *v, struct virq_mark *m)
{
    m->lapic_gen = __atomic_load_n(&v->arch.lapic.gen, __ATOMIC_ACQUIRE);
}
static inline bool virq_unchanged(const struct vcpu *v, const struct virq_mark *m)
{
    return __atomic_load_n(&v->arch.lapic.gen, __ATOMIC_ACQUIRE) == m->lapic_gen;
}

#endif
