/* The emulated distributors' and redistributors' registers that hold no interrupt state (ID,
 * type and control words): one definition for the register front-ends (vgic_v3.c, vgic_v2.c)
 * and the exit vector's fast MMIO read (vcpu_arch_fast_abort), which answers them without the
 * lock, the list-register sync or the run loop. Inline, so that fast path stays a leaf
 * function. */
#ifndef HV_VGIC_CONST_H
#define HV_VGIC_CONST_H

#include <arch/vgic.h>
#include <drivers/gic_regs.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define CTLR_ENABLE_G1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define CTLR_DS (1u << 6)
#define PIDR2_GICV3 0x3b
#define IIDR_CVISOR 0x0000043b /* implementer Arm, as QEMU's */
#define IIDR_GICV2 0x0200043bu /* GIC-400 style: product 0x02, implementer Arm */
#define PIDR2_GICV2 0x2b

/* GICv2 distributor registers (any width; GICD_CTLR read without the lock, as below). */
static inline __attribute__((always_inline)) bool gicd_v2_const_read(const struct vm *vm, u64 off, u64 *val)
{
    if (off == GICD_CTLR)
        *val = __atomic_load_n(&vm->arch.vgic.ctlr, __ATOMIC_RELAXED);
    else if (off == GICD_TYPER)
        *val = ((VGIC_NR_IRQS / 32) - 1) | ((MIN(vm->vcpu_count, 8u) - 1) << 5);
    else if (off == GICD_IIDR)
        *val = IIDR_GICV2;
    else if (off == GICD_PIDR2_V2)
        *val = PIDR2_GICV2;
    else
        return false;
    return true;
}

/* Distributor registers (any width; GICD_CTLR's one word is written whole, so it is read
 * without the lock). */
static inline __attribute__((always_inline)) bool gicd_const_read(const struct vm *vm, u64 off, u64 *val)
{
    if (off == GICD_CTLR)
        *val = __atomic_load_n(&vm->arch.vgic.ctlr, __ATOMIC_RELAXED) | CTLR_ARE | CTLR_DS;
    else if (off == GICD_TYPER)
        *val = ((VGIC_NR_IRQS / 32) - 1) | (9u << 19) | ((MIN(vm->vcpu_count, 8u) - 1) << 5);
    else if (off == GICD_IIDR)
        *val = IIDR_CVISOR;
    else if (off == GICD_PIDR2)
        *val = PIDR2_GICV3;
    else
        return false;
    return true;
}

static inline __attribute__((always_inline)) u64 gicr_typer(const struct vm *vm, const struct vcpu *owner)
{
    u64 aff = owner->hwid;
    return (((aff >> 32) & 0xff) << 56) | ((aff & 0xffffff) << 32) | ((u64)owner->id << 8) |
           (owner->id == vm->vcpu_count - 1 ? (1u << 4) : 0);
}

/* Redistributor registers (r: offset in owner's frames), read 32 bits at a time. (For the
 * front-end only: see vgic_fast_read.) */
static inline __attribute__((always_inline)) bool gicr_const_read32(const struct vm *vm, const struct vcpu *owner, u64 r, u64 *val)
{
    if (r == GICR_CTLR)
        *val = 0;
    else if (r == GICR_IIDR)
        *val = IIDR_CVISOR;
    else if (r == GICR_TYPER)
        *val = (u32)gicr_typer(vm, owner);
    else if (r == GICR_TYPER + 4)
        *val = gicr_typer(vm, owner) >> 32;
    else if (r == GICD_PIDR2)
        *val = PIDR2_GICV3;
    else
        return false;
    return true;
}

/* A 32-bit read at guest-physical ipa of one of the distributor's registers above, of vm's
 * emulated vGIC (v3, or v2 not passed through): true with its value, false for anything else
 * (the full path answers it, with the same value for these registers). Not the redistributors':
 * a guest reads their constant registers once per CPU at boot (and GICR_TYPER 64 bits wide). */
static inline bool vgic_fast_read(const struct vm *vm, u64 ipa, u8 width, u64 *val)
{
    const struct vgic *g = &vm->arch.vgic;
    u64 off = ipa - g->gicd.base.val;
    if (width != 4)
        return false;
    if (g->version == 2 && !g->passthrough)
        return off < GICD_SIZE_V2 && gicd_v2_const_read(vm, off, val);
    /* 3: set by vgic_v3_create only (0: no vGIC) */
    return g->version == 3 && off < GICD_SIZE_V3 && gicd_const_read(vm, off, val);
}

#endif
