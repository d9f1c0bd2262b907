/* GICv3 register front-end of the vGIC: a trap-and-emulate distributor (GICD) and one
 * redistributor (GICR: RD and SGI frames) per vCPU. Affinity routing only (ARE = 1), all
 * interrupts in Group 1, no LPIs/ITS. */
#include <base/log.h>
#include <hv/sched.h>
#include <arch/vgic.h>
#include <hv/vm.h>

#include "vgic_regs.h"
#include "vgic_const.h"


static u32 route_to_vcpu(struct vm *vm, u64 irouter)
{
    u64 aff = irouter & 0xff00ffffffull; /* Aff3 [39:32], Aff2..Aff0 [23:0]: the MPIDR layout */
    for (u32 i = 0; i < vm->vcpu_count; i++)
        if (vm->vcpus[i]->hwid == aff)
            return i;
    return 0; /* IRM (any CPU) or unknown affinity: vCPU 0 */
}

static bool gicd_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    (void)dev;
    if (gicd_const_read(vm, off, val))
        return true;
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    vgic_lock(g);
    if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIVATE && off < GICD_IROUTER + 8 * VGIC_NR_IRQS)
    {
        u64 r = g->spi[(off - GICD_IROUTER) / 8 - VGIC_NR_PRIVATE].irouter;
        *val = (off & 4) ? r >> 32 : (width == 8 ? r : (u32)r);
    }
    else if (!vgic_regs_read(g->spi, VGIC_NR_PRIVATE, VGIC_NR_SPIS, off, width, val))
        *val = 0; /* reserved and unimplemented registers read as zero */
    spin_unlock(&g->lock);
    return true;
}

static bool gicd_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    vgic_lock(g);
    if (off == GICD_CTLR) {
        g->ctlr = (u32)val & CTLR_ENABLE_G1;
    } else if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIVATE && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
        struct vgic_irq *irq = &g->spi[(off - GICD_IROUTER) / 8 - VGIC_NR_PRIVATE];
        if (width == 8)
            irq->irouter = val;
        else if (off & 4)
            irq->irouter = (irq->irouter & 0xffffffffull) | (val << 32);
        else
            irq->irouter = (irq->irouter & ~0xffffffffull) | (val & 0xffffffffull);
        irq->target = route_to_vcpu(vm, irq->irouter);
        vgic_spi_retargeted_locked(vm, (u32)((off - GICD_IROUTER) / 8));
    } else {
        vgic_regs_write(vm, vcpu, g->spi, VGIC_NR_PRIVATE, VGIC_NR_SPIS, off, width, val);
    }
    spin_unlock(&g->lock);
    (void)dev;
    return true;
}

static struct vcpu *redist_owner(struct vm *vm, u64 off)
{
    u64 idx = off / GICR_STRIDE;
    return idx < vm->vcpu_count ? vm->vcpus[idx] : NULL;
}

static bool gicr_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vm *vm = vcpu->vm;
    struct vcpu *owner = redist_owner(vm, off);
    (void)dev;
    if (!owner)
        return *val = 0, true;
    u64 r = off % GICR_STRIDE;
    if (r == GICR_TYPER && width == 8)
        return *val = gicr_typer(vm, owner), true;
    if (gicr_const_read32(vm, owner, r, val))
        return true;
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    vgic_lock(&vm->arch.vgic);
    if (r == GICR_WAKER) {
        *val = owner->arch.vgic.sleep ? 0x6 : 0; /* ProcessorSleep and ChildrenAsleep */
    } else if (r >= GICR_SGI) {
        vgic_resample_locked(vm, owner); /* ISPENDR0 shows the timer line as it is now */
        if (!vgic_regs_read(owner->arch.vgic.priv, 0, VGIC_NR_PRIVATE, r - GICR_SGI, width, val))
            *val = 0;
    } else {
        *val = 0;
    }
    spin_unlock(&vm->arch.vgic.lock);
    return true;
}

static bool gicr_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    vgic_sync(vcpu); /* the list registers hold the newest state of what they carry */
    struct vm *vm = vcpu->vm;
    struct vcpu *owner = redist_owner(vm, off);
    (void)dev;
    if (!owner)
        return true;
    u64 r = off % GICR_STRIDE;
    vgic_lock(&vm->arch.vgic);
    if (r == GICR_WAKER)
        owner->arch.vgic.sleep = val & 0x2;
    else if (r >= GICR_SGI)
        vgic_regs_write(vm, owner, owner->arch.vgic.priv, 0, VGIC_NR_PRIVATE, r - GICR_SGI, width, val);
    spin_unlock(&vm->arch.vgic.lock);
    return true;
}

static const struct vdev_ops gicd_ops = {gicd_read, gicd_write, NULL};
static const struct vdev_ops gicr_ops = {gicr_read, gicr_write, NULL};

static void reset_irq(struct vgic_irq *irq, bool edge)
{
    *irq = (struct vgic_irq){.priority = 0, .edge = edge};
}

BUILT_FOR_SIZE int vgic_v3_create(struct vm *vm, gpa_t gicd, gpa_t gicr)
{
    struct vgic *g = &vm->arch.vgic;
    for (u32 i = 0; i < VGIC_NR_SPIS; i++)
        reset_irq(&g->spi[i], false);
    for (u32 c = 0; c < vm->vcpu_count; c++) {
        struct vgic_cpu *vc = &vm->vcpus[c]->arch.vgic;
        for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
            reset_irq(&vc->priv[i], i < 16);
        vc->sleep = true;
        vc->sgi_word = vc->sgi_mbox = 0;
    }
    g->sgi_aff0_ids = vm->vcpu_count <= 16;
    for (u32 c = 0; c < vm->vcpu_count; c++)
        g->sgi_aff0_ids &= vm->vcpus[c]->hwid == c;
    g->version = 3;
    g->delivery = VGIC_DELIVER_LR;
    g->gicd = (struct vdev){.name = "vgicv3-dist", .base = gicd, .size = GICD_SIZE_V3, .ops = &gicd_ops};
    g->gicr = (struct vdev){.name = "vgicv3-redist", .base = gicr, .size = (u64)GICR_STRIDE * vm->vcpu_count,
                            .ops = &gicr_ops};
    vm_add_vdev(vm, &g->gicd);
    vm_add_vdev(vm, &g->gicr);
    g->present = true;
    return 0;
}
