/* The hot-path hooks of the virtual-interrupt seam (<hv/virq.h>) on aarch64: inline, so the run
 * loop calls the vGIC's flush and sync directly, as it would without the seam. */
#ifndef ARCH_VIRQ_ARCH_H
#define ARCH_VIRQ_ARCH_H

#include <arch/vgic.h>
#include <hv/vm.h>

static inline bool virq_present(const struct vm *vm) { return vm->arch.vgic.present; }
static inline bool virq_passthrough(const struct vm *vm) { return vm->arch.vgic.passthrough; }

static inline void vcpu_arch_pre_entry(struct vcpu *v) { vgic_flush(v); }
static inline void vcpu_arch_post_exit(struct vcpu *v) { vgic_sync(v); }

/* An exit handled on the fast path must not have made an interrupt deliverable, taken one back
 * (a device lowered its line), or synced (and so emptied) the list registers, which must be
 * refilled before the guest runs. */
struct virq_mark {
    u64 injected, retracted;
    u32 lrs;
};

static inline void virq_mark(const struct vcpu *v, struct virq_mark *m)
{
    m->injected = v->vm->arch.vgic.injected;
    m->retracted = v->vm->arch.vgic.retracted;
    m->lrs = v->arch.vgic.lr_used;
}

static inline bool virq_unchanged(const struct vcpu *v, const struct virq_mark *m)
{
    return v->vm->arch.vgic.injected == m->injected && v->vm->arch.vgic.retracted == m->retracted &&
           v->arch.vgic.lr_used == m->lrs;
}

#endif
