/* What the vGIC's shared state and delivery (vgic.c, vgic_passthrough.c) need from the code
 * above them, which defines these: the vCPU that hosts the virtual CPU interface (vcpu_arch.c)
 * and the software GICv2 CPU interface (vgic_v2.c). vcpu_arch.c calls the vGIC (SGIs, list
 * registers), vgic_v2.c calls its shared state; the vGIC calls these back by name, a link-time
 * seam owned by the lower layer like <base/app.h> (scripts/include_graph.py counts no
 * dependency through a *_upcalls.h header; docs/architecture.md). */
#ifndef ARCH_VGIC_UPCALLS_H
#define ARCH_VGIC_UPCALLS_H

#include <lib/types.h>

struct vcpu;

/* vcpu_arch.c. For a vGIC without system registers (GICv2): the guest is told there are none. */
void vcpu_arch_hide_gic_sysregs(struct vcpu *vcpu);
/* interrupt_mode = "passthrough": physical interrupts and the EL1 timers go straight to the
 * vCPU (no IMO/FMO routing, no WFI trap, EL1 physical timer not trapped). */
void vcpu_arch_set_irq_passthrough(struct vcpu *vcpu);
/* The virtual IRQ line of the vCPU (for a vGIC without list registers). */
void vcpu_arch_set_virq(struct vcpu *vcpu, bool level);
/* The guest deactivated (or no longer has pending) private interrupt intid of an architecture
 * source (the timer, a hw interrupt): release the physical interrupt held for it. */
void vcpu_arch_irq_deactivated(struct vcpu *vcpu, u32 intid);
/* The line of a hardware source of the vCPU's private interrupt intid (the virtual timer) as
 * it is now; false when it cannot be read here (the source is live on another pCPU). */
bool vcpu_arch_irq_line(struct vcpu *vcpu, u32 intid, bool *level);

/* vgic_v2.c. Software GICv2 CPU interface: raises or lowers the vCPU's virtual IRQ line to
 * match (vgic_flush delivers through it when the host has no GICv2 virtual CPU interface). */
void vgic_soft_update_line(struct vcpu *vcpu);

#endif
