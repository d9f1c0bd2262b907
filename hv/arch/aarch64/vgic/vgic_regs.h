/* Distributor register blocks every GIC version lays out alike (GICv2 GICD, GICv3 GICD and the
 * GICR SGI frame): group, enable, pending and active bitmaps, priorities, configuration. */
#ifndef HV_VGIC_REGS_H
#define HV_VGIC_REGS_H

#include <arch/vgic.h>
#include <drivers/gic_regs.h>


/* irqs[0] is INTID first, nirqs of them. With the vgic lock held. Return false when off is not
 * one of these blocks. */
bool vgic_regs_read(struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off, u8 width, u64 *val);
bool vgic_regs_write(struct vm *vm, struct vcpu *vcpu, struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off,
                     u8 width, u64 val);

#endif
