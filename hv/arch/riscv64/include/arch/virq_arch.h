/* The hot-path hooks of the virtual-interrupt seam (<hv/virq.h>) on riscv64. Every vCPU has its
 * hart-local interrupt controller (software, timer and external interrupts of VS-mode), delivered
 * through hvip: the pending bits kept in memory are written to hvip before each entry; the one
 * a guest may clear itself (VSSIP, through its sip) is read back after the exit. */
#ifndef ARCH_VIRQ_ARCH_H
#define ARCH_VIRQ_ARCH_H

#include <arch/hcsr.h>
#include <drivers/riscv_plic.h>
#include <hv/vm.h>

static inline bool virq_present(const struct vm *vm) { (void)vm; return true; }
static inline bool virq_passthrough(const struct vm *vm) { (void)vm; return false; }
/* A host interrupt number (the base's: PLIC source n is RISCV_IRQ_PLIC + n) as the VM's line: its
 * PLIC source n. */
#define VIRQ_ARCH_LINE_OF_HOST_IRQ 1
static inline u32 virq_line_of_host_irq(u32 host_irq)
{
    return host_irq >= RISCV_IRQ_PLIC ? host_irq - RISCV_IRQ_PLIC : 0;
}

static inline void vcpu_arch_pre_entry(struct vcpu *v)
{
    v->arch.ssip_seq_entered = __atomic_load_n(&v->arch.ssip_seq, __ATOMIC_ACQUIRE);
    v->arch.hvip_entered = __atomic_load_n(&v->arch.hvip, __ATOMIC_ACQUIRE);
    hcsr_write(CSR_HVIP, v->arch.hvip_entered);
}

static inline void vcpu_arch_post_exit(struct vcpu *v)
{
    /* The guest acknowledges a software interrupt by clearing its sip.SSIP (hvip.VSSIP): one it
     * was entered with and no longer has. One raised since (while it ran) stays pending. */
    if ((v->arch.hvip_entered & HVIP_VSSIP) && !(hcsr_read(CSR_HVIP) & HVIP_VSSIP)) {
        v->arch.hvip_entered &= ~HVIP_VSSIP;
        spin_lock(&v->vm->arch.irq_lock);
        if (v->arch.ssip_seq == v->arch.ssip_seq_entered)
            __atomic_fetch_and(&v->arch.hvip, ~HVIP_VSSIP, __ATOMIC_ACQ_REL);
        spin_unlock(&v->vm->arch.irq_lock);
    }
}

/* Changed: an interrupt was raised in the VM, or this vCPU's pending bits differ from those it
 * was entered with (the PLIC withdrew its VSEIP after a claim, here or from another vCPU): hvip
 * must be written again before the guest runs. */
struct virq_mark {
    u64 injected;
};

static inline void virq_mark(const struct vcpu *v, struct virq_mark *m) { m->injected = v->vm->arch.injected; }
static inline bool virq_unchanged(const struct vcpu *v, const struct virq_mark *m)
{
    return v->vm->arch.injected == m->injected &&
           __atomic_load_n(&v->arch.hvip, __ATOMIC_ACQUIRE) == v->arch.hvip_entered;
}

#endif
