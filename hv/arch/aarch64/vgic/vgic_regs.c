/* Shared distributor register blocks (see vgic_regs.h). */
#include <arch/vgic.h>
#include <hv/vm.h>

#include "vgic_regs.h"

enum bank_op { OP_SET_ENABLE, OP_CLEAR_ENABLE, OP_SET_PEND, OP_CLEAR_PEND, OP_SET_ACTIVE, OP_CLEAR_ACTIVE };

/* irqs[0] is INTID base; 32 consecutive interrupts (one bitmap register). */
static u32 bank_read(struct vgic_irq *irqs, u32 count, enum bank_op op)
{
    u32 v = 0;
    for (u32 i = 0; i < count; i++) {
        bool bit = op <= OP_CLEAR_ENABLE ? irqs[i].enabled
                   : op <= OP_CLEAR_PEND ? (irqs[i].pending_latch || (!irqs[i].edge && irqs[i].level))
                                         : irqs[i].active;
        v |= (u32)bit << i;
    }
    return v;
}

static void bank_write(struct vm *vm, struct vcpu *vcpu, u32 first_intid, struct vgic_irq *irqs, u32 count,
                       enum bank_op op, u32 v)
{
    for (u32 i = 0; i < count; i++) {
        if (!(v & (1u << i)))
            continue;
        struct vgic_irq *irq = &irqs[i];
        switch (op) {
        case OP_SET_ENABLE: irq->enabled = true; break;
        case OP_CLEAR_ENABLE: irq->enabled = false; break;
        case OP_SET_PEND: vgic_mark_pending_locked(irq); break;
        case OP_CLEAR_PEND:
            irq->pending_latch = irq->repend = false;
            if (vcpu && first_intid + i < 16) /* (an SGI's repend may wait in the mailbox) */
                __atomic_fetch_and(&vcpu->arch.vgic.sgi_mbox, ~(1u << (first_intid + i)), __ATOMIC_RELAXED);
            break;
        case OP_SET_ACTIVE:
            /* Active where it is routed: an SPI must not pass to whichever vCPU acknowledged it last
             * (spi_owner follows active_vcpu), which may be halted and would never be told. */
            if (!irq->active)
                irq->active_vcpu = irq->target;
            irq->active = true;
            break;
        case OP_CLEAR_ACTIVE:
            if (irq->active && (irq->eoi_notify || irq->hw)) {
                irq->active = false;
                vgic_deactivated_locked(vm, vcpu, first_intid + i);
            }
            irq->active = false;
            break;
        }
        vgic_update_hot_locked(vm, vcpu, first_intid + i);
        /* Deactivating hands an SPI back to its routing target, maybe another (halted) vCPU. */
        if (op == OP_SET_ENABLE || op == OP_SET_PEND || op == OP_CLEAR_ACTIVE)
            vgic_notify_locked(vm, vcpu, first_intid + i);
    }
}

/* Register blocks shared by GICD (SPIs) and the GICR SGI frame (private interrupts):
 * enable/pending/active bitmaps, priorities, configuration. Returns false if off is none. */
bool vgic_regs_read(struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off, u8 width, u64 *val)
{
    if (off >= GICD_ISENABLER && off < GICD_ICACTIVER + 0x80) {
        u32 reg = (u32)(off - GICD_ISENABLER) / 0x80, idx = (u32)((off & 0x7f) / 4) * 32;
        enum bank_op op = (enum bank_op)(reg);
        if (idx < first || idx - first >= nirqs || width != 4)
            return *val = 0, true;
        *val = bank_read(&irqs[idx - first], MIN(32u, nirqs - (idx - first)), op);
        return true;
    }
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
        u32 idx = (u32)(off - GICD_IPRIORITYR);
        *val = 0;
        for (u32 b = 0; b < width; b++)
            if (idx + b >= first && idx + b - first < nirqs)
                *val |= (u64)irqs[idx + b - first].priority << (8 * b);
        return true;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
        u32 idx = (u32)(off - GICD_ICFGR) * 4;
        u32 v = 0;
        for (u32 i = 0; i < 16; i++)
            if (idx + i >= first && idx + i - first < nirqs && irqs[idx + i - first].edge)
                v |= 2u << (2 * i);
        *val = v;
        return true;
    }
    if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
        *val = 0xffffffffu; /* everything is Group 1 */
        return true;
    }
    return false;
}

bool vgic_regs_write(struct vm *vm, struct vcpu *vcpu, struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off,
                         u8 width, u64 val)
{
    if (off >= GICD_ISENABLER && off < GICD_ICACTIVER + 0x80) {
        u32 reg = (u32)(off - GICD_ISENABLER) / 0x80, idx = (u32)((off & 0x7f) / 4) * 32;
        if (idx >= first && idx - first < nirqs && width == 4)
            bank_write(vm, vcpu, idx, &irqs[idx - first], MIN(32u, nirqs - (idx - first)), (enum bank_op)reg,
                       (u32)val);
        return true;
    }
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
        u32 idx = (u32)(off - GICD_IPRIORITYR);
        for (u32 b = 0; b < width; b++)
            if (idx + b >= first && idx + b - first < nirqs)
                irqs[idx + b - first].priority = (u8)(val >> (8 * b));
        return true;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
        u32 idx = (u32)(off - GICD_ICFGR) * 4;
        for (u32 i = 0; i < 16; i++)
            if (idx + i >= 16 && idx + i >= first && idx + i - first < nirqs) { /* SGIs are fixed edge */
                irqs[idx + i - first].edge = (val >> (2 * i + 1)) & 1;
                vgic_notify_locked(vm, vcpu, idx + i); /* now level-sensitive with its line high: pending */
            }
        return true;
    }
    return off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80; /* RAO/WI */
}

