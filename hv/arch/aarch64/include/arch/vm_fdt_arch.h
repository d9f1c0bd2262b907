/* The aarch64 part of a guest device tree's parameters (hv/include/hv/vm_fdt.h): the GIC. */
#ifndef ARCH_VM_FDT_ARCH_H
#define ARCH_VM_FDT_ARCH_H

#include <lib/types.h>

enum vm_fdt_gic { VM_FDT_GIC_NONE, VM_FDT_GICV2, VM_FDT_GICV3 };

#define VM_FDT_GICD_SIZE_V2 0x1000u    /* default distributor size, GICv2 */
#define VM_FDT_GICC_SIZE_V2 0x2000u    /* default CPU interface size, GICv2 */
#define VM_FDT_GICD_SIZE_V3 0x10000u   /* default distributor size, GICv3 */
#define VM_FDT_GICR_STRIDE_V3 0x20000u /* one redistributor (RD_base + SGI_base frames), GICv3 */

struct vm_fdt_arch_params {
    enum vm_fdt_gic gic;      /* generate: V2 (at most 8 vCPUs) or V3 (NONE is refused); patch: ignored */
    u64 gicd_base, gicd_size; /* distributor; size 0 = the default above */
    u64 gicr_base, gicr_size; /* GICv3 redistributor region (all vCPUs); size 0 = stride * cpu_count */
    u64 gicc_base, gicc_size; /* GICv2 CPU interface; size 0 = the default above */
};

#endif
