/* The aarch64 parts of a guest's machine description: its interrupt controller in the device
 * tree parameters (the nodes are written by vm_fdt_arch.c), and the boot protocol. */
#include <drivers/gic.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <hv/vuart.h>

void vm_arch_host_info(struct vm_host_info *h) { h->arch.gic_version = gic_version(); }

/* Linux's arm64 boot protocol: x0 holds the DTB's address (the rest of x0-x3 are zero). */
void vm_arch_boot_setup(struct vm *vm, struct vcpu *boot)
{
    const struct vm_config *c = vm->config;
    boot->arch.regs.x[0] = c->dtb.has_load_addr ? c->dtb.load_gpa.val : 0;
}

void vm_arch_fdt_params(struct vm *vm, struct vm_fdt_params *p)
{
    if (vm->arch.vgic.present && vm->arch.vgic.version == 3) {
        p->arch.gic = VM_FDT_GICV3;
        p->arch.gicd_base = vm->arch.vgic.gicd.base.val;
        p->arch.gicd_size = vm->arch.vgic.gicd.size;
        p->arch.gicr_base = vm->arch.vgic.gicr.base.val;
        p->arch.gicr_size = vm->arch.vgic.gicr.size;
    } else if (vm->arch.vgic.present || vm->arch.vgic.passthrough) {
        p->arch.gic = VM_FDT_GICV2;
        p->arch.gicd_base = vm->arch.vgic.gicd.base.val;
        p->arch.gicd_size = vm->arch.vgic.gicd.size;
        p->arch.gicc_base = vm->arch.vgic.gicc_base.val;
        p->arch.gicc_size = VGIC_V2_CPU_SIZE;
    }
}

/* The console UART of QEMU's virt board, which Arm guests expect. */
const struct vuart_model *vm_arch_console_uart(void) { return &vpl011_console_model; }
