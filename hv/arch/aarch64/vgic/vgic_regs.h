/* Distributor register blocks every GIC version lays out alike (GICv2 GICD, GICv3 GICD and the
 * GICR SGI frame): group, enable, pending and active bitmaps, priorities, configuration. */
#ifndef HV_VGIC_REGS_H
#define HV_VGIC_REGS_H

#include <arch/vgic.h>

#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00

/* irqs[0] is INTID first, nirqs of them. With the vgic lock held. Return false when off is not
 * one of these blocks. */
bool vgic_regs_read(struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off, u8 width, u64 *val);
bool vgic_regs_write(struct vm *vm, struct vcpu *vcpu, struct vgic_irq *irqs, u32 first, u32 nirqs, u64 off,
                     u8 width, u64 val);

#endif
