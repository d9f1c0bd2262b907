/* GICv2 register front-end of the vGIC: the distributor (GICD, 4 KiB, private interrupts banked
 * per vCPU, SPIs routed with ITARGETSR, SGIs through GICD_SGIR) and, when the host has no GICv2
 * virtual CPU interface, the CPU interface (GICC) emulated in software. No security extensions:
 * every interrupt is in group 0 as seen by the guest, IGROUPR is RAZ/WI.
 *
 * The software CPU interface keeps, per vCPU, CTLR, PMR, BPR and the stack of acknowledged
 * interrupts whose priority has not been dropped (the running priority). Whenever any of that
 * or the distributor state changes, the vCPU's virtual IRQ line (HCR_EL2.VI) is set to "an
 * interrupt would be signalled", which is what a GICv2 CPU interface drives nIRQ with. */
#include <base/log.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <arch/vgic.h>
#include <hv/vm.h>

#include "vgic_regs.h"
#include "vgic_const.h"

#define GICC_CTLR_ENABLE_ANY 0x3u /* EnableGrp0 | EnableGrp1: either enables signalling */
#define GICC_CTLR_MASK 0x263u /* Enable bits, FIQEn/AckCtl ignored, EOImode(NS) */
#define SPURIOUS 1023u
#define IDLE_PRIORITY 0x100u
#define GICC_IIDR_V2 0x0202043bu

static struct vgic_irq *irq_at(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    if (intid < VGIC_NR_PRIVATE)
        return &vcpu->arch.vgic.priv[intid];
    return intid < VGIC_NR_IRQS ? &vm->arch.vgic.spi[intid - VGIC_NR_PRIVATE] : NULL;
}

static bool pending(const struct vgic_irq *irq) { return irq->pending_latch || (!irq->edge && irq->level); }

/* Lowest set bit of the target mask that names a vCPU; none = not forwarded to any CPU. */
static u32 target_of(struct vm *vm, u8 targets)
{
    for (u32 i = 0; i < vm->vcpu_count && i < 8; i++)
        if (targets & (1u << i))
            return i;
    return ~0u;
}

/* ---- distributor ---------------------------------------------------------------------------- */

/* The first INTID a banked-or-global register block access covers, or -1 if off is in none. */
static long block_first_intid(u64 off)
{
    if (off >= GICD_IGROUPR && off < GICD_ICACTIVER + 0x80)
        return (long)((off & 0x7f) / 4) * 32;
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400)
        return (long)(off - GICD_IPRIORITYR) & ~3l;
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100)
        return (long)((off - GICD_ICFGR) / 4) * 16;
    return -1;
}

static void send_sgi(struct vcpu *from, u32 sgir)
{
    struct vm *vm = from->vm;
    u32 intid = sgir & 0xf, filter = (sgir >> 24) & 3, list = (sgir >> 16) & 0xff;
    for (u32 i = 0; i < vm->vcpu_count && i < 8; i++) {
        struct vcpu *t = vm->vcpus[i];
        bool hit = filter == 0 ? (list >> i) & 1 : filter == 1 ? t != from : filter == 2 ? t == from : false;
        if (!hit)
            continue;
        vgic_lock(&vm->arch.vgic);
        t->arch.vgic.priv[intid].sgi_source = (u8)from->id;
        spin_unlock(&vm->arch.vgic.lock);
        vgic_raise(vm, t, intid);
    }
}

static bool gicd_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    (void)dev;
    if (gicd_v2_const_read(vm, off, val))
        return true;
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    *val = 0;
    vgic_lock(g);
    if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
        *val = 0; /* group 0 */
    } else if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + VGIC_NR_IRQS) {
        for (u32 b = 0; b < width; b++) {
            u32 intid = (u32)(off - GICD_ITARGETSR) + b;
            if (intid >= VGIC_NR_IRQS)
                break; /* an access straddling the end: the bytes past INTID 287 read as zero */
            u8 t = intid < VGIC_NR_PRIVATE ? (u8)(1u << (vcpu->id & 7)) : g->spi[intid - VGIC_NR_PRIVATE].targets;
            *val |= (u64)t << (8 * b);
        }
    } else if ((off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 16) ||
               (off >= GICD_SPENDSGIR && off < GICD_SPENDSGIR + 16)) {
        /* One byte per SGI, a bit per source; the last sender stands for all of them. */
        u32 first = (u32)(off & 0xf);
        for (u32 b = 0; b < width && first + b < 16; b++) {
            const struct vgic_irq *irq = &vcpu->arch.vgic.priv[first + b];
            if (irq->pending_latch)
                *val |= (u64)(1u << (irq->sgi_source & 7)) << (8 * b);
        }
    } else {
        long first = block_first_intid(off);
        if (first >= 0 && first < VGIC_NR_PRIVATE) {
            vgic_resample_locked(vm, vcpu); /* ISPENDR0 shows the timer line as it is now */
            vgic_regs_read(vcpu->arch.vgic.priv, 0, VGIC_NR_PRIVATE, off, width, val);
        }
        else if (first > 0)
            vgic_regs_read(g->spi, VGIC_NR_PRIVATE, VGIC_NR_SPIS, off, width, val);
    }
    spin_unlock(&g->lock);
    return true;
}

static bool gicd_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    (void)dev;
    if (off == GICD_SGIR) {
        send_sgi(vcpu, (u32)val);
        return true;
    }
    vgic_lock(g);
    if (off == GICD_CTLR) {
        g->ctlr = (u32)val & 1;
    } else if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
        /* RAZ/WI */
    } else if (off >= GICD_ITARGETSR + VGIC_NR_PRIVATE && off < GICD_ITARGETSR + VGIC_NR_IRQS) {
        for (u32 b = 0; b < width; b++) {
            u32 intid = (u32)(off - GICD_ITARGETSR) + b;
            if (intid >= VGIC_NR_IRQS)
                break;
            struct vgic_irq *irq = &g->spi[intid - VGIC_NR_PRIVATE];
            irq->targets = (u8)(val >> (8 * b));
            irq->target = target_of(vm, irq->targets);
            vgic_spi_retargeted_locked(vm, intid);
        }
    } else if ((off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 16) ||
               (off >= GICD_SPENDSGIR && off < GICD_SPENDSGIR + 16)) {
        bool set = off >= GICD_SPENDSGIR;
        u32 first = (u32)(off & 0xf);
        for (u32 b = 0; b < width && first + b < 16; b++) {
            u8 sources = (u8)(val >> (8 * b));
            if (!sources)
                continue;
            struct vgic_irq *irq = &vcpu->arch.vgic.priv[first + b];
            if (set) {
                irq->sgi_source = (u8)__builtin_ctz(sources);
                vgic_mark_pending_locked(irq);
                vgic_notify_locked(vm, vcpu, first + b);
            } else {
                irq->pending_latch = irq->repend = false;
                vgic_update_hot_locked(vm, vcpu, first + b);
            }
        }
    } else {
        long first = block_first_intid(off);
        if (first >= 0 && first < VGIC_NR_PRIVATE)
            vgic_regs_write(vm, vcpu, vcpu->arch.vgic.priv, 0, VGIC_NR_PRIVATE, off, width, val);
        else if (first > 0)
            vgic_regs_write(vm, vcpu, g->spi, VGIC_NR_PRIVATE, VGIC_NR_SPIS, off, width, val);
    }
    spin_unlock(&g->lock);
    if (g->delivery == VGIC_DELIVER_SOFT)
        vgic_soft_update_line(vcpu); /* an enable or priority change may signal (or retract) an interrupt */
    return true;
}

/* ---- software CPU interface ----------------------------------------------------------------- */

static u8 group_mask(const struct vgic_cpu *c) { return (u8)(0xffu << (MIN(c->cc_bpr, 7u) + 1)); }

static u32 running_priority(struct vm *vm, struct vcpu *vcpu)
{
    u32 rp = IDLE_PRIORITY;
    for (u32 i = 0; i < vcpu->arch.vgic.cc_active_count; i++) {
        const struct vgic_irq *irq = irq_at(vm, vcpu, vcpu->arch.vgic.cc_active[i]);
        if (irq && irq->priority < rp)
            rp = irq->priority;
    }
    return rp;
}

/* The highest-priority interrupt pending for vcpu (lowest INTID on ties), optionally only one
 * that would be signalled now (enabled interface, above the mask and the running priority). */
static u32 best_pending_locked(struct vm *vm, struct vcpu *vcpu, bool signalled)
{
    struct vgic_cpu *c = &vcpu->arch.vgic;
    u32 best = SPURIOUS, best_prio = IDLE_PRIORITY;
    u32 limit = IDLE_PRIORITY, pmr = IDLE_PRIORITY;
    if (signalled) {
        if (!(c->cc_ctlr & GICC_CTLR_ENABLE_ANY) || !(vm->arch.vgic.ctlr & 1))
            return SPURIOUS;
        u32 rp = running_priority(vm, vcpu);
        u8 gm = group_mask(c);
        pmr = c->cc_pmr; /* compared with the full priority */
        if (rp != IDLE_PRIORITY)
            limit = rp & gm; /* only a higher group priority preempts */
    }
    for (u32 bits = c->priv_hot; bits; bits &= bits - 1) {
        u32 i = (u32)__builtin_ctz(bits);
        const struct vgic_irq *irq = &c->priv[i];
        if (!irq->active && irq->enabled && pending(irq) && irq->priority < best_prio &&
            (!signalled || (irq->priority < pmr && (u32)(irq->priority & group_mask(c)) < limit)))
            best = i, best_prio = irq->priority;
    }
    for (u32 w = 0; w < VGIC_NR_SPIS / 64; w++) {
        for (u64 bits = vm->arch.vgic.spi_hot[w]; bits; bits &= bits - 1) {
            u32 n = w * 64 + (u32)__builtin_ctzll(bits);
            const struct vgic_irq *irq = &vm->arch.vgic.spi[n];
            if (irq->active || irq->target != vcpu->id || !irq->enabled || !pending(irq))
                continue;
            if (irq->priority < best_prio &&
                (!signalled || (irq->priority < pmr && (u32)(irq->priority & group_mask(c)) < limit)))
                best = n + VGIC_NR_PRIVATE, best_prio = irq->priority;
        }
    }
    return best;
}

void vgic_soft_update_line(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    vgic_lock(&vm->arch.vgic);
    vgic_resample_locked(vm, vcpu); /* a timer the guest stopped is no longer signalled */
    bool line = best_pending_locked(vm, vcpu, true) != SPURIOUS;
    spin_unlock(&vm->arch.vgic.lock);
    vcpu_arch_set_virq(vcpu, line);
}

static u32 acknowledge_locked(struct vm *vm, struct vcpu *vcpu)
{
    u32 intid = best_pending_locked(vm, vcpu, true);
    if (intid == SPURIOUS)
        return SPURIOUS;
    struct vgic_irq *irq = irq_at(vm, vcpu, intid);
    struct vgic_cpu *c = &vcpu->arch.vgic;
    irq->active = true;
    irq->pending_latch = irq->repend = false; /* a level source stays pending through its line */
    if (irq->hw)
        vgic_hw_acked_locked(vcpu, intid, irq);
    if (intid >= VGIC_NR_PRIVATE)
        irq->active_vcpu = vcpu->id;
    if (c->cc_active_count < sizeof(c->cc_active) / sizeof(c->cc_active[0]))
        c->cc_active[c->cc_active_count++] = (u16)intid;
    vgic_update_hot_locked(vm, vcpu, intid);
    return intid < 16 ? intid | ((u32)(irq->sgi_source & 7) << 10) : intid;
}

static void drop_priority_locked(struct vcpu *vcpu, u32 intid)
{
    struct vgic_cpu *c = &vcpu->arch.vgic;
    for (u32 i = c->cc_active_count; i-- > 0;) {
        if (c->cc_active[i] == intid) {
            for (u32 j = i; j + 1 < c->cc_active_count; j++)
                c->cc_active[j] = c->cc_active[j + 1];
            c->cc_active_count--;
            return;
        }
    }
}

static void deactivate_locked(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    struct vgic_irq *irq = irq_at(vm, vcpu, intid);
    if (!irq || !irq->active)
        return;
    irq->active = false;
    if (irq->eoi_notify || irq->hw)
        vgic_deactivated_locked(vm, vcpu, intid);
    vgic_notify_locked(vm, vcpu, intid); /* still pending: deliverable again, maybe elsewhere */
}

static bool gicc_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vm *vm = vcpu->vm;
    struct vgic_cpu *c = &vcpu->arch.vgic;
    (void)dev, (void)width;
    *val = 0;
    vgic_lock(&vm->arch.vgic);
    if (off == GICC_IAR || off == GICC_HPPIR)
        vgic_resample_locked(vm, vcpu);
    switch (off) {
    case GICC_CTLR: *val = c->cc_ctlr; break;
    case GICC_PMR: *val = c->cc_pmr; break;
    case GICC_BPR: *val = c->cc_bpr; break;
    case GICC_ABPR: *val = MIN(c->cc_bpr + 1u, 7u); break;
    case GICC_IAR: *val = acknowledge_locked(vm, vcpu); break;
    case GICC_RPR: {
        u32 rp = running_priority(vm, vcpu);
        *val = rp == IDLE_PRIORITY ? 0xff : rp;
        break;
    }
    case GICC_HPPIR: {
        u32 intid = best_pending_locked(vm, vcpu, false);
        *val = intid < 16 ? intid | ((u32)(c->priv[intid].sgi_source & 7) << 10) : intid;
        break;
    }
    case GICC_AIAR:
    case GICC_AHPPIR: *val = SPURIOUS; break; /* nothing is in group 1 */
    case GICC_IIDR: *val = GICC_IIDR_V2; break;
    default: break; /* APRs and reserved: zero */
    }
    spin_unlock(&vm->arch.vgic.lock);
    if (off == GICC_IAR)
        vgic_soft_update_line(vcpu);
    return true;
}

static bool gicc_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    struct vm *vm = vcpu->vm;
    struct vgic_cpu *c = &vcpu->arch.vgic;
    u32 intid = (u32)val & 0x3ff;
    (void)dev, (void)width;
    vgic_lock(&vm->arch.vgic);
    switch (off) {
    case GICC_CTLR: c->cc_ctlr = (u32)val & GICC_CTLR_MASK; break;
    case GICC_PMR: c->cc_pmr = (u8)val; break;
    case GICC_BPR: c->cc_bpr = (u8)(val & 7); break;
    case GICC_EOIR:
        if (intid < VGIC_NR_IRQS) {
            drop_priority_locked(vcpu, intid);
            if (!(c->cc_ctlr & GICC_CTLR_EOIMODE))
                deactivate_locked(vm, vcpu, intid);
        }
        break;
    case GICC_DIR:
        if (intid < VGIC_NR_IRQS)
            deactivate_locked(vm, vcpu, intid);
        break;
    default: break;
    }
    spin_unlock(&vm->arch.vgic.lock);
    vgic_soft_update_line(vcpu);
    return true;
}

static const struct vdev_ops gicd_ops = {gicd_read, gicd_write, NULL};
static const struct vdev_ops gicc_ops = {gicc_read, gicc_write, NULL};

BUILT_FOR_SIZE int vgic_v2_create(struct vm *vm, gpa_t gicd, gpa_t gicc, bool soft_cpuif)
{
    struct vgic *g = &vm->arch.vgic;
    if (vm->vcpu_count > 8)
        return -1; /* GICv2 addresses at most 8 CPUs */
    for (u32 i = 0; i < VGIC_NR_SPIS; i++)
        g->spi[i] = (struct vgic_irq){.edge = false, .target = ~0u};
    for (u32 c = 0; c < vm->vcpu_count; c++) {
        struct vgic_cpu *vc = &vm->vcpus[c]->arch.vgic;
        for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
            vc->priv[i] = (struct vgic_irq){.edge = i < 16};
        vc->cc_ctlr = 0;
        vc->cc_pmr = 0;
        vc->cc_bpr = 2; /* the reset value of a Non-secure GICC_BPR on GIC-400 */
        vc->cc_active_count = 0;
        if (soft_cpuif)
            vcpu_arch_hide_gic_sysregs(vm->vcpus[c]);
    }
    g->version = 2;
    g->gicc_base = gicc;
    g->delivery = soft_cpuif ? VGIC_DELIVER_SOFT : VGIC_DELIVER_LR;
    g->gicd = (struct vdev){.name = "vgicv2-dist", .base = gicd, .size = GICD_SIZE_V2, .ops = &gicd_ops};
    vm_add_vdev(vm, &g->gicd);
    if (soft_cpuif) {
        g->gicr = (struct vdev){.name = "vgicv2-cpu", .base = gicc, .size = VGIC_V2_CPU_SIZE, .ops = &gicc_ops};
        vm_add_vdev(vm, &g->gicr);
    }
    g->present = true;
    return 0;
}
