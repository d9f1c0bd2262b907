/* The aarch64 virtual interrupt controller of a VM (hv/arch/aarch64/vgic/), behind the generic
 * seam of <hv/virq.h>: the distributor/redistributor state every vGIC version
 * shares, and delivery to vCPUs. The register interfaces (GICv3 GICD/GICR in vgic_v3.c, GICv2
 * GICD/GICC in vgic_v2.c) are MMIO front-ends over this state. Delivery is through the hardware
 * list registers, or, for a GICv2 VM on a GICv3 host (whose virtual CPU interface has no MMIO
 * form), through a CPU interface emulated in software that drives the vCPU's virtual IRQ line. */
#ifndef ARCH_VGIC_H
#define ARCH_VGIC_H

#include <arch/spinlock.h>
#include <arch/vgic_upcalls.h>
#include <hv/vdev.h>
#include <lib/addr.h>
#include <lib/types.h>

#define VGIC_NR_PRIVATE 32  /* SGIs 0-15, PPIs 16-31: one copy per vCPU */
#define VGIC_NR_SPIS 256    /* INTIDs 32..287 */
#define VGIC_NR_IRQS (VGIC_NR_PRIVATE + VGIC_NR_SPIS)
#define VGIC_MAX_LRS 16
#define VGIC_DEFAULT_PRIO 0xa0
#define VGIC_PT_MAX_INTID 1024
#define VGIC_V2_CPU_SIZE 0x2000 /* GICv2 CPU interface: two 4 KiB pages (GICC_DIR in the second) */

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
    u8 targets;         /* SPIs: GICD_ITARGETSR as written (GICv2) */
    u8 sgi_source;      /* SGIs: the vCPU that sent it last (GICv2 IAR.CPUID) */
    bool eoi_notify;    /* tell vgic_deactivated when the guest deactivates it */
    u32 target;         /* SPIs: index of the vCPU it is routed to */
    u32 active_vcpu;    /* SPIs: the vCPU that acknowledged it, while active */
    u16 host_intid;     /* SPIs forwarded from a passthrough device: its physical INTID, else 0 */
    /* A private interrupt whose source is a per-CPU hardware line (the virtual timer), linked to
     * the physical interrupt of the same INTID on the vCPU's pCPU: that one stays active at the
     * host while the guest has this one pending or active. A list register carries it with the
     * HW bit (the guest's deactivation ends the physical one too); `level` is the line as last
     * sampled, resampled (vcpu_arch_irq_line) wherever a stale pending state could be seen, and
     * an acknowledge consumes it (the physical interrupt comes again if the line is still up). */
    bool hw;
    u8 lr_holder; /* SPIs in_lr: the vCPU whose list registers hold it (the only one that may) */
    u64 irouter;        /* SPIs: GICD_IROUTER as written */
};
/* 32 bytes: indexing an array of them is a shift, not a multiplication (hot paths). */
_Static_assert(sizeof(struct vgic_irq) == 32, "struct vgic_irq should stay 32 bytes");

struct vgic_cpu {
    struct vgic_irq priv[VGIC_NR_PRIVATE];
    u16 lr_intid[VGIC_MAX_LRS]; /* what flush put in each list register */
    u32 lr_used;                /* number of list registers in use after the last flush */
    u16 lr_unlinked;            /* hw interrupts flushed without the HW link (EOI maintenance) */
    u32 priv_hot;               /* private interrupts that are active, or enabled and pending */
    u32 hw_high;                /* hw private interrupts whose sampled line is up */
    bool sleep;                 /* GICR_WAKER.ProcessorSleep */
    u64 vmcr;                   /* saved ICH_VMCR_EL2 when the vCPU is switched out */
    u64 ap1r[4];
    /* The steady timer tick (vgic_hw_line_raised_direct): the virtual timer's INTID sits in list
     * register tick_lr, linked, as this pCPU's locked path wrote it when the VM's vgic.gen read
     * tick_gen (negated on a GICv2 host: vgic_lr_tick_gen), and nothing has changed since (every holder of the vGIC lock bumps gen). Then the
     * next tick is that register rewritten with tick_lr_val once the guest is done with it, in the
     * exit vector (guest_switch.S). tick_lr_val 0: none. Written and read only on the vCPU's pCPU. */
    u64 tick_gen;
    u64 tick_lr_val;
    u32 tick_lr;
    /* The SGI mailbox (vgic_kick_direct, raise_sgis). sgi_word: the bit of the SGI that the
     * locked kick left alone in list register 0 (no other private interrupt or SPI hot), when the
     * VM's vgic.gen read sgi_gen; 0: none. While it stands (gen unchanged, not cleared by a raise
     * of another SGI), a sender of that SGI, under the lock, only sets its bit in sgi_mbox (the
     * SGI's repend; nothing else would change), and the kick takes the bit and rewrites list
     * register 0 without the lock. The vCPU's own sync and locked kick first give the mailbox's
     * bits back to the SGIs' state. */
    u32 sgi_word;
    u32 sgi_mbox;
    u64 sgi_gen;
    /* Software GICv2 CPU interface (VGIC_DELIVER_SOFT). */
    u32 cc_ctlr;
    u8 cc_pmr, cc_bpr;
    u8 cc_active_count; /* acknowledged, priority not yet dropped: the running-priority stack */
    u16 cc_active[16];
};

enum vgic_delivery {
    VGIC_DELIVER_LR,   /* hardware list registers (GICv3 ICH_LR, or GICv2 GICH_LR) */
    VGIC_DELIVER_SOFT, /* software CPU interface + the virtual IRQ line (HCR_EL2.VI) */
};

struct vgic {
    spinlock_t lock;
    u64 gen; /* bumped by every holder of the lock (vgic_lock): what the steady tick checks */
    bool present;
    u8 version; /* 2 or 3: the register interface the guest sees */
    enum vgic_delivery delivery;
    u32 ctlr;
    struct vgic_irq spi[VGIC_NR_SPIS];
    u64 spi_hot[VGIC_NR_SPIS / 64]; /* SPIs that are active, or enabled and pending */
    struct vdev gicd, gicr; /* gicr: the GICv2 CPU interface when emulated */
    gpa_t gicc_base;        /* GICv2: where the guest finds its CPU interface */
    bool passthrough;       /* interrupt_mode = "passthrough": physical GIC, filtered GICD */
    bool sgi_aff0_ids;      /* GICv3: every vCPU's affinity is its index (< 16): SGI targets by TargetList */
    u32 pt_owned[VGIC_PT_MAX_INTID / 32]; /* ... the interrupts the VM may program */
    u64 lr_overflows; /* flushes that found more pending interrupts than list registers */
    u64 injected;
    u64 retracted; /* lines that dropped while their interrupt was signalled (resync needed) */
};

/* Every change of the vGIC's state is made with the lock taken through here: the bump of gen
 * retires every vCPU's steady-tick and SGI words. Two holders take the lock without it, because
 * what they change no other vCPU's word describes and they retire their vCPU's words themselves:
 * the raise of SGIs (only its targets' SGIs: each target's SGI word is retired or used; a target's
 * steady tick stays exact, the kick that follows the raise takes the SGI) and the locked kick
 * (only its vCPU's private interrupts and list registers: it clears its steady-tick word and
 * records its SGI word anew). The steady tick's list-register rewrite and the SGI mailbox's are
 * made without the lock. */
static inline void vgic_lock(struct vgic *g)
{
    spin_lock(&g->lock);
    __atomic_store_n(&g->gen, g->gen + 1, __ATOMIC_RELAXED); /* (read without the lock in the exit vector) */
}

/* Creates the GICv3 front-end: distributor at gicd (64 KiB), redistributors at gicr (128 KiB per
 * vCPU). Called after the VM's vCPUs exist. */
int vgic_v3_create(struct vm *vm, gpa_t gicd, gpa_t gicr);
/* Creates the GICv2 front-end: distributor at gicd (4 KiB), CPU interface at gicc (8 KiB),
 * emulated in software when the host has no GICv2 virtual CPU interface (soft_cpuif). */
int vgic_v2_create(struct vm *vm, gpa_t gicd, gpa_t gicc, bool soft_cpuif);

/* interrupt_mode = "passthrough" (GICv2 host): a filtered view of the physical distributor at
 * gicd and the physical CPU interface mapped at gicc; vgic_pt_own gives the VM an SPI. */
int vgic_pt_create(struct vm *vm, gpa_t gicd, gpa_t gicc);
void vgic_pt_own(struct vm *vm, u32 intid);
void vgic_pt_release(struct vm *vm);

/* Sources. Level-sensitive lines (emulated devices, the virtual timer) use set_level; edges
 * (SGIs) use raise. vcpu selects the copy of a private interrupt; ignored for SPIs. A line that
 * drops while the interrupt sits pending in a list register takes it back (a kick, or the full
 * exit path on this pCPU, resyncs the list registers). */
void vgic_set_level(struct vm *vm, struct vcpu *vcpu, u32 intid, bool level);
void vgic_raise(struct vm *vm, struct vcpu *vcpu, u32 intid);
/* A trapped ICC_SGI1R_EL1 write from `from`; true when `from` is one of the targets (only then
 * can the sender's own interrupt state have changed). */
bool vgic_send_sgi(struct vcpu *from, u64 sgi1r);
/* The same when `from` is not a target (then true, with the SGIs sent); false: nothing sent. */
bool vgic_send_sgi_to_others(struct vcpu *from, u64 sgi1r);

/* For register front-ends, with the vgic lock held: wake whoever intid (of vcpu, for a private
 * interrupt) is now deliverable to. */
void vgic_notify_locked(struct vm *vm, struct vcpu *vcpu, u32 intid);
void vgic_mark_pending_locked(struct vgic_irq *irq);
/* After any change of an interrupt's state: keeps the hot bitmaps flush scans exact. */
void vgic_update_hot_locked(struct vm *vm, struct vcpu *vcpu, u32 intid);
/* An SPI's routing changed (IROUTER, ITARGETSR): hands it over from the list registers that hold
 * it, and wakes the new target. */
void vgic_spi_retargeted_locked(struct vm *vm, u32 intid);

/* The guest deactivated intid (marked eoi_notify): re-arms its source. Called with the lock held. */
void vgic_deactivated_locked(struct vm *vm, struct vcpu *vcpu, u32 intid);
/* Forwards the physical SPI intid to the VM under the same number (passthrough devices);
 * vgic_release undoes every forwarding when the VM goes. */
int vgic_forward_spi(struct vm *vm, u32 intid, bool edge);
void vgic_release(struct vm *vm);
/* vgic_soft_update_line (the software GICv2 CPU interface): <arch/vgic_upcalls.h>. */

/* Resamples the hw (timer) lines of vcpu's private interrupts; with the vgic lock held. */
void vgic_resample_locked(struct vm *vm, struct vcpu *vcpu);
/* The guest acknowledged hw interrupt intid of vcpu (software CPU interface). */
void vgic_hw_acked_locked(struct vcpu *vcpu, u32 intid, struct vgic_irq *irq);

/* Around each guest entry on the vCPU's pCPU. */
void vgic_flush(struct vcpu *vcpu);
void vgic_sync(struct vcpu *vcpu);
/* A hw line of the vCPU running here rose: straight into a free list register when nothing
 * else has to be reordered (vgic.c says when); false: nothing changed, take the full path. */
bool vgic_hw_line_raised_direct(struct vcpu *vcpu, u32 intid);
/* The wake-up IPI was taken while vcpu runs here: its private interrupts made deliverable
 * meanwhile (SGIs from other vCPUs) go straight into the list registers when the sync and flush
 * would do just that (vgic.c says when); false: take the full path (the list registers and the
 * interrupts' state are consistent either way). */
bool vgic_kick_direct(struct vcpu *vcpu);
/* True when an interrupt is pending and enabled for vcpu (a WFI must not sleep). */
bool vgic_has_pending(struct vcpu *vcpu);
/* WFI: marks the vCPU halted unless an interrupt is pending; returns true when it halted. */
bool vgic_halt_unless_pending(struct vcpu *vcpu);

#endif
