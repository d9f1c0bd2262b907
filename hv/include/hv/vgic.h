/* Virtual interrupt controller of a VM: the distributor/redistributor state every vGIC version
 * shares, and delivery to vCPUs through the hardware list registers. The register interfaces
 * (GICv3 GICD/GICR here; GICv2 later) are MMIO front-ends over this state. */
#ifndef HV_VGIC_H
#define HV_VGIC_H

#include <arch/spinlock.h>
#include <hv/vdev.h>
#include <lib/addr.h>
#include <lib/types.h>

#define VGIC_NR_PRIVATE 32  /* SGIs 0-15, PPIs 16-31: one copy per vCPU */
#define VGIC_NR_SPIS 256    /* INTIDs 32..287 */
#define VGIC_NR_IRQS (VGIC_NR_PRIVATE + VGIC_NR_SPIS)
#define VGIC_MAX_LRS 16
#define VGIC_DEFAULT_PRIO 0xa0

struct vm;
struct vcpu;

struct vgic_irq {
    u8 priority;
    bool enabled;
    bool pending_latch; /* edge, SGI, or set through ISPENDR */
    bool level;         /* line level (level-sensitive sources) */
    bool active;
    bool edge;          /* ICFGR: edge-triggered */
    bool in_lr;         /* placed in a list register by the last flush */
    bool lr_pending;    /* ... in a pending state */
    bool repend;        /* raised again while in the list register (not yet seen by the guest) */
    u32 target;         /* SPIs: index of the vCPU it is routed to */
    u32 active_vcpu;    /* SPIs: the vCPU that acknowledged it, while active */
    u64 irouter;        /* SPIs: GICD_IROUTER as written */
};

struct vgic_cpu {
    struct vgic_irq priv[VGIC_NR_PRIVATE];
    u16 lr_intid[VGIC_MAX_LRS]; /* what flush put in each list register */
    u32 lr_used;                /* number of list registers in use after the last flush */
    u32 priv_hot;               /* private interrupts that are active, or enabled and pending */
    bool sleep;                 /* GICR_WAKER.ProcessorSleep */
    u64 vmcr;                   /* saved ICH_VMCR_EL2 when the vCPU is switched out */
    u64 ap1r[4];
};

struct vgic {
    spinlock_t lock;
    bool present;
    u32 ctlr;
    struct vgic_irq spi[VGIC_NR_SPIS];
    u64 spi_hot[VGIC_NR_SPIS / 64]; /* SPIs that are active, or enabled and pending */
    struct vdev gicd, gicr;
    u64 lr_overflows; /* flushes that found more pending interrupts than list registers */
    u64 injected;
};

/* Creates the GICv3 front-end: distributor at gicd (64 KiB), redistributors at gicr (128 KiB per
 * vCPU). Called after the VM's vCPUs exist. */
int vgic_v3_create(struct vm *vm, gpa_t gicd, gpa_t gicr);

/* Sources. Level-sensitive lines (emulated devices) use set_level; edges (timer via IMASK,
 * SGIs) use raise. vcpu selects the copy of a private interrupt; ignored for SPIs. */
void vgic_set_level(struct vm *vm, struct vcpu *vcpu, u32 intid, bool level);
void vgic_raise(struct vm *vm, struct vcpu *vcpu, u32 intid);
/* A trapped ICC_SGI1R_EL1 write from `from`. */
void vgic_send_sgi(struct vcpu *from, u64 sgi1r);

/* For register front-ends, with the vgic lock held: wake whoever intid (of vcpu, for a private
 * interrupt) is now deliverable to. */
void vgic_notify_locked(struct vm *vm, struct vcpu *vcpu, u32 intid);
void vgic_mark_pending_locked(struct vgic_irq *irq);
/* After any change of an interrupt's state: keeps the hot bitmaps flush scans exact. */
void vgic_update_hot_locked(struct vm *vm, struct vcpu *vcpu, u32 intid);

/* Around each guest entry on the vCPU's pCPU. */
void vgic_flush(struct vcpu *vcpu);
void vgic_sync(struct vcpu *vcpu);
/* True when an interrupt is pending and enabled for vcpu (a WFI must not sleep). */
bool vgic_has_pending(struct vcpu *vcpu);
/* WFI: marks the vCPU halted unless an interrupt is pending; returns true when it halted. */
bool vgic_halt_unless_pending(struct vcpu *vcpu);

#endif
