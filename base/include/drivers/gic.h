/* Host Arm GIC (v2 or v3, as the host DTB describes it). It implements <base/irq.h> with the
 * GIC's INTIDs as IRQ numbers: SGIs 0-15 (the IPIs: IRQ_IPI_* are SGIs), PPIs 16-31 (per CPU),
 * SPIs 32-1019. Below: the GIC-specific extras that the hypervisor's vGIC and its interrupt
 * passthrough use, and the small per-version interface of gicv2.c / gicv3.c. */
#ifndef DRIVERS_GIC_H
#define DRIVERS_GIC_H

#include <base/irq.h>
#include <lib/fdt.h>
#include <lib/types.h>

#define GIC_SPI_BASE 32
#define GIC_MAX_INTID 1020
#define GIC_SPURIOUS_FIRST 1020
_Static_assert(GIC_MAX_INTID <= IRQ_MAX, "GIC INTIDs are IRQ numbers");

/* Architecture version of the host GIC (2 or 3; 0 before irq_controller_init). */
u32 gic_version(void);
/* The same as a variable, for hot paths (no call): set before anything runs on it. */
extern u32 gic_host_version;
/* GICv2 frames: the distributor, the physical CPU interface (GICC) and, with the
 * virtualization extensions, GICH (list registers) and GICV (the virtual CPU interface a VM
 * is given); 0 when absent or on a GICv3 host. */
u64 gic_v2_dist_base(void);
u64 gic_v2_cpu_base(void);
u64 gic_v2_hyp_base(void);
u64 gic_v2_vcpu_base(void);
/* Makes an emulated GICv2 signal what became pending-and-inactive unnoticed (gicv2.c says when). */
void gic_v2_refresh(void);

/* Interrupt-controller passthrough (a VM drives the GIC CPU interface of its pCPUs itself):
 * raw distributor access for the hypervisor's filtered GICD, a CPU's GICv2 interface mask,
 * keeping the hypervisor's SPIs off a CPU, and giving the CPU back afterwards. */
u32 gic_dist_read(u32 offset, u8 width);
void gic_dist_write(u32 offset, u8 width, u32 value);
u8 gic_cpu_if_mask(u32 cpu);
void gic_reserve_cpu(u32 cpu, bool reserved); /* reserved: no hypervisor SPI is routed there */
void gic_cpu_reinit(void);                    /* this CPU: interface and private enables as before */
/* Disables an SGI/PPI of this CPU while a guest owns its CPU interface, remembering that the
 * hypervisor had it enabled (gic_cpu_reinit enables it again). */
void gic_hide_private(u32 intid);

/* Interrupts a handler leaves active (only its priority is dropped) until gic_deactivate on
 * this CPU, or a guest's deactivation through a list register linked to it: a level source (the
 * virtual timer) then cannot interrupt again meanwhile. Both drivers run EOImode 1. */
void gic_set_keep_active(u32 intid, bool keep);
void gic_deactivate(u32 intid);
/* The hot path of one interrupt served without irq_dispatch (the virtual timer while its vCPU
 * runs, the wake-up IPI). gic_take_either acknowledges this CPU's highest-priority pending
 * interrupt: if it is a or b, returns its IAR value, for the caller to end with gic_eoi after
 * its work (and to leave active or deactivate as irq_dispatch would); any other one it handles
 * as irq_dispatch would and returns GIC_SPURIOUS_FIRST (so it does when none is pending). */
u32 gic_take_either(u32 a, u32 b);
/* An interrupt acknowledged (iar) by a caller that will not serve it: handled as irq_dispatch
 * would. Returns GIC_SPURIOUS_FIRST. */
u32 gic_handle_taken(u32 iar);
void gic_eoi(u32 iar);
/* Ends an interrupt gic_take_either returned that nothing keeps active: gic_eoi, then gic_deactivate. */
void gic_end(u32 iar);
/* Active state of this CPU's SGI/PPI intid (switched with the vCPU that owns the source). */
bool gic_private_active(u32 intid);
void gic_set_private_active(u32 intid, bool active);

/* The former <base/irq.h> names of these extras, for the vGIC files under hv/core until the
 * hypervisor-side seam work moves them under hv/arch/aarch64 and renames the calls. */
#define irq_host_gic_version gic_host_version
#define irq_gicv2_hyp_base gic_v2_hyp_base
#define irq_gicv2_cpu_base gic_v2_cpu_base
#define irq_dist_read gic_dist_read
#define irq_dist_write gic_dist_write
#define irq_cpu_if_mask gic_cpu_if_mask

/* ---- inside the driver ---- */

struct gic_ops {
    u32 version;
    int (*init)(const struct fdt *fdt); /* boot CPU: distributor */
    int (*cpu_init)(void);              /* every CPU: its private interrupts and CPU interface */
    void (*enable)(u32 intid, bool on);
    void (*set_target)(u32 intid, u32 cpu);
    void (*send_sgi)(u32 cpu, u32 sgi);
    u32 (*ack)(void); /* INTID (GICv2: with the source CPU in [12:10]) */
    void (*eoi)(u32 iar);        /* priority drop (EOImode 1) */
    void (*deactivate)(u32 iar); /* the end of the active state */
    bool (*private_active)(u32 intid);             /* this CPU's SGI/PPI */
    void (*set_private_active)(u32 intid, bool on);
    u32 (*dist_read)(u32 off, u8 width);
    void (*dist_write)(u32 off, u8 width, u32 value);
    u8 (*cpu_if_mask)(u32 cpu);
};

extern const struct gic_ops gicv2_ops, gicv3_ops;

#endif
