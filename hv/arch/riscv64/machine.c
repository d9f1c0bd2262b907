/* The riscv64 parts of a guest's machine description: the device tree parameters (the nodes are
 * written by vm_fdt_arch.c) and the boot protocol. */
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <arch/vimsic.h>
#include <drivers/riscv_aia.h>
#include <hv/arch.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>

void vm_arch_host_info(struct vm_host_info *h)
{
    h->arch.timebase_hz = (u32)riscv_timebase_hz;
    h->arch.aia = aia_present() && aia_guest_files() > 0;
}

/* RISC-V Linux's boot protocol (and SBI's hart start): a0 = hart id (set at reset), a1 = the
 * DTB's guest-physical address (0 without one). */
void vm_arch_boot_setup(struct vm *vm, struct vcpu *boot)
{
    const struct vm_config *c = vm->config;
    boot->arch.regs.x[11] = c->dtb.has_load_addr ? c->dtb.load_gpa.val : 0;
}

void vm_arch_fdt_params(struct vm *vm, struct vm_fdt_params *p)
{
    p->arch.timebase_hz = (u32)riscv_timebase_hz;
    p->arch.sstc = riscv_has_sstc;
    if (!riscv_vm_plic(vm, &p->arch.plic_base, &p->arch.plic_size))
        p->arch.plic_size = 0;
    p->arch.imsic_base = vm->arch.imsic ? VIMSIC_GPA : 0;
    p->arch.imsic_ids = vimsic_ids();
}
