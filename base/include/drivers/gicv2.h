/* Host GICv2 (GIC-400 class), with the virtualization extensions' frames when the DTB has them:
 * GICH (hypervisor control: list registers) and GICV (the virtual CPU interface a VM is given). */
#ifndef DRIVERS_GICV2_H
#define DRIVERS_GICV2_H

#include <lib/types.h>

struct gicv2_info {
    u64 dist_base;
    u64 cpu_base;
    u64 hyp_base;  /* GICH, 0 without virtualization extensions */
    u64 vcpu_base; /* GICV */
    u64 vcpu_size;
    u32 spi_count;
};

extern struct gicv2_info gicv2;

#endif
