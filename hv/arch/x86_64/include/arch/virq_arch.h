/* The hot-path hooks of the virtual-interrupt seam (<hv/virq.h>) on x86_64. This first step has
 * no virtual interrupt controller yet (no virtual local APIC, I/O APIC or 8259): guests run with
 * their interrupts off and poll, device lines go nowhere, and nothing is delivered around entries. */
#ifndef ARCH_VIRQ_ARCH_H
#define ARCH_VIRQ_ARCH_H

#include <hv/vm.h>

static inline bool virq_present(const struct vm *vm) { return (void)vm, false; }
static inline bool virq_passthrough(const struct vm *vm) { return (void)vm, false; }

static inline void vcpu_arch_pre_entry(struct vcpu *v) { (void)v; }
static inline void vcpu_arch_post_exit(struct vcpu *v) { (void)v; }

struct virq_mark {
    char none;
};
static inline void virq_mark(const struct vcpu *v, struct virq_mark *m) { (void)v, (void)m; }
static inline bool virq_unchanged(const struct vcpu *v, const struct virq_mark *m) { return (void)v, (void)m, true; }

#endif
