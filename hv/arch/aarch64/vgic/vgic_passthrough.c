/* interrupt_mode = "passthrough" on a GICv2 host: the VM drives the GIC CPU interface of its
 * pCPUs itself (its GICC is the physical one, physical IRQs go straight to its EL1), so
 * interrupts reach it with no hypervisor on the path. The distributor is shared by every CPU,
 * so it stays trapped: the VM's GICD accesses reach the hardware only for the interrupts it owns
 * (its SGIs, its PPIs except the hypervisor's timer and maintenance interrupts, the SPIs of its
 * passthrough devices), with CPU target masks translated between its vCPUs and their pCPUs.
 * Everything else reads as zero and ignores writes, so it cannot touch another VM's or the
 * hypervisor's interrupts. Its pCPUs must be its alone (checked at creation). */
#include <base/irq.h>
#include <drivers/gic.h>
#include <base/log.h>
#include <hv/arch.h>
#include <arch/vgic.h>
#include <hv/vm.h>

#include "vgic_regs.h"

#define HYP_MAINTENANCE_PPI 25
#define HYP_TIMER_PPI 26

static bool owned(const struct vgic *g, u32 intid)
{
    return intid < VGIC_PT_MAX_INTID && (g->pt_owned[intid / 32] >> (intid % 32)) & 1;
}

static u8 guest_to_host_mask(struct vm *vm, u8 guest)
{
    u8 host = 0;
    for (u32 i = 0; i < vm->vcpu_count && i < 8; i++)
        if (guest & (1u << i))
            host |= irq_cpu_if_mask(vm->vcpus[i]->pcpu);
    return host;
}

static u8 host_to_guest_mask(struct vm *vm, u8 host)
{
    u8 guest = 0;
    for (u32 i = 0; i < vm->vcpu_count && i < 8; i++)
        if (host & irq_cpu_if_mask(vm->vcpus[i]->pcpu))
            guest |= (u8)(1u << i);
    return guest;
}

/* The GICv2 distributor takes naturally aligned 8-bit and 32-bit accesses; anything else from
 * the guest must not reach the physical one (an unaligned access to Device memory faults at
 * EL2): it reads as zero and writes are ignored. */
static bool forwardable(u64 off, u8 width)
{
    return (width == 1 || width == 4) && !(off & (width - 1));
}

static bool pt_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    (void)dev;
    *val = 0;
    if (!forwardable(off, width))
        return true;
    if (off == GICD_CTLR) {
        *val = 1; /* the hypervisor keeps the distributor on */
    } else if (off == GICD_TYPER) {
        *val = (irq_dist_read(GICD_TYPER, 4) & ~(7u << 5)) | ((MIN(vm->vcpu_count, 8u) - 1) << 5);
    } else if (off >= GICD_ISENABLER && off < GICD_ICACTIVER + 0x80 && width == 4) {
        u32 word = (u32)(off & 0x7f) / 4;
        if (word < VGIC_PT_MAX_INTID / 32)
            *val = irq_dist_read((u32)off, 4) & g->pt_owned[word];
    } else if ((off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) ||
               (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + 0x400)) {
        bool targets = off >= GICD_ITARGETSR;
        u32 first = (u32)(off - (targets ? GICD_ITARGETSR : GICD_IPRIORITYR));
        for (u32 b = 0; b < width; b++) {
            u32 intid = first + b;
            u32 v = 0;
            if (targets && intid < VGIC_NR_PRIVATE)
                v = 1u << (vcpu->id & 7);
            else if (owned(g, intid))
                v = irq_dist_read((u32)off + b, 1);
            if (targets && intid >= VGIC_NR_PRIVATE)
                v = host_to_guest_mask(vm, (u8)v);
            *val |= (u64)(v & 0xff) << (8 * b);
        }
    } else if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100 && width == 4) {
        u32 first = (u32)(off - GICD_ICFGR) * 4, hw = irq_dist_read((u32)off, 4);
        for (u32 i = 0; i < 16; i++)
            if (owned(g, first + i))
                *val |= hw & (3u << (2 * i));
    } else if (off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 0x20) {
        *val = irq_dist_read((u32)off, width); /* banked: this pCPU's SGIs, all the VM's */
    } else if (off >= GICD_ID_REGS_V2 && off < 0x1000 && width == 4) {
        *val = irq_dist_read((u32)off, 4);
    }
    return true;
}

static void send_sgi(struct vcpu *from, u32 sgir)
{
    struct vm *vm = from->vm;
    u32 filter = (sgir >> 24) & 3;
    u8 guest = filter == 0 ? (u8)(sgir >> 16) : filter == 1 ? (u8)(((1u << vm->vcpu_count) - 1) & ~(1u << from->id))
               : filter == 2 ? (u8)(1u << from->id) : 0;
    u8 host = guest_to_host_mask(vm, guest);
    if (host)
        irq_dist_write(GICD_SGIR, 4, (u32)host << 16 | (sgir & 0xf));
}

static bool pt_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    struct vm *vm = vcpu->vm;
    struct vgic *g = &vm->arch.vgic;
    (void)dev;
    if (!forwardable(off, width))
        return true;
    if (off == GICD_SGIR) {
        send_sgi(vcpu, (u32)val);
    } else if (off >= GICD_ISENABLER && off < GICD_ICACTIVER + 0x80 && width == 4) {
        u32 word = (u32)(off & 0x7f) / 4;
        u32 bits = word < VGIC_PT_MAX_INTID / 32 ? (u32)val & g->pt_owned[word] : 0;
        if (bits) /* set/clear registers: zero bits leave other owners' interrupts alone */
            irq_dist_write((u32)off, 4, bits);
    } else if ((off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) ||
               (off >= GICD_ITARGETSR + VGIC_NR_PRIVATE && off < GICD_ITARGETSR + 0x400)) {
        bool targets = off >= GICD_ITARGETSR;
        u32 first = (u32)(off - (targets ? GICD_ITARGETSR : GICD_IPRIORITYR));
        for (u32 b = 0; b < width; b++) {
            u8 v = (u8)(val >> (8 * b));
            if (owned(g, first + b))
                irq_dist_write((u32)off + b, 1, targets ? guest_to_host_mask(vm, v) : v);
        }
    } else if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100 && width == 4) {
        u32 first = (u32)(off - GICD_ICFGR) * 4, hw = irq_dist_read((u32)off, 4), mask = 0;
        for (u32 i = 0; i < 16; i++)
            if (owned(g, first + i) && first + i >= 16) /* SGI configuration is fixed */
                mask |= 3u << (2 * i);
        if (mask)
            irq_dist_write((u32)off, 4, (hw & ~mask) | ((u32)val & mask));
    } else if (off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 0x20) {
        irq_dist_write((u32)off, width, (u32)val);
    }
    /* GICD_CTLR, IGROUPR and everything not owned: ignored */
    return true;
}

static const struct vdev_ops pt_ops = {pt_read, pt_write, NULL};

void vgic_pt_own(struct vm *vm, u32 intid)
{
    if (intid < VGIC_PT_MAX_INTID)
        vm->arch.vgic.pt_owned[intid / 32] |= 1u << (intid % 32);
}

/* The VM's SPIs are left disabled, not pending and not active for whoever gets them next. */
BUILT_FOR_SIZE void vgic_pt_release(struct vm *vm)
{
    struct vgic *g = &vm->arch.vgic;
    for (u32 w = VGIC_NR_PRIVATE / 32; w < VGIC_PT_MAX_INTID / 32; w++) {
        if (!g->pt_owned[w])
            continue;
        irq_dist_write(GICD_ICENABLER + 4 * w, 4, g->pt_owned[w]);
        irq_dist_write(GICD_ICPENDR + 4 * w, 4, g->pt_owned[w]);
        irq_dist_write(GICD_ICACTIVER + 4 * w, 4, g->pt_owned[w]);
        g->pt_owned[w] = 0;
    }
    g->passthrough = false;
}

BUILT_FOR_SIZE int vgic_pt_create(struct vm *vm, gpa_t gicd, gpa_t gicc)
{
    struct vgic *g = &vm->arch.vgic;
    for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
        if (i != HYP_MAINTENANCE_PPI && i != HYP_TIMER_PPI)
            vgic_pt_own(vm, i);
    g->passthrough = true;
    g->version = 2;
    g->gicc_base = gicc;
    g->gicd = (struct vdev){.name = "gicd-filter", .base = gicd, .size = 0x1000, .ops = &pt_ops};
    vm_add_vdev(vm, &g->gicd);
    if (vm_arch_map(vm, gicc, hpa(irq_gicv2_cpu_base()), VGIC_V2_CPU_SIZE, S2_READ | S2_WRITE | S2_DEVICE) != 0)
        return -1;
    for (u32 i = 0; i < vm->vcpu_count; i++)
        vcpu_arch_set_irq_passthrough(vm->vcpus[i]);
    return 0;
}
