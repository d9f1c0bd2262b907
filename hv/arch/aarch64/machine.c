/* What the generic guest machine description (hv/core/vm_fdt.c) says about the aarch64 parts
 * of a VM: its interrupt controller. */
#include <hv/arch.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>

void vm_arch_fdt_params(struct vm *vm, struct vm_fdt_params *p)
{
    if (vm->arch.vgic.present && vm->arch.vgic.version == 3) {
        p->gic = VM_FDT_GICV3;
        p->gicd_base = vm->arch.vgic.gicd.base.val;
        p->gicd_size = vm->arch.vgic.gicd.size;
        p->gicr_base = vm->arch.vgic.gicr.base.val;
        p->gicr_size = vm->arch.vgic.gicr.size;
    } else if (vm->arch.vgic.present || vm->arch.vgic.passthrough) {
        p->gic = VM_FDT_GICV2;
        p->gicd_base = vm->arch.vgic.gicd.base.val;
        p->gicd_size = vm->arch.vgic.gicd.size;
        p->gicc_base = vm->arch.vgic.gicc_base.val;
        p->gicc_size = VGIC_V2_CPU_SIZE;
    }
}
