/* The aarch64 emu_devices table: its interrupt controllers (the vGIC, hv/arch/aarch64/vgic/,
 * created by vm_arch_setup_devices), and the names of axvisor codes it does not emulate. */
#include <hv/vm_config.h>
#include <lib/types.h>

const struct vm_emu_type vm_arch_emu_types[] = {
    {VM_EMU_GICV2, "interrupt controller (vGICv2)", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_GICR, "GICv3 redistributor, partial passthrough", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_GICD, "GICv3 distributor, partial passthrough", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_ITS, "GICv3 ITS, partial passthrough", VM_EMU_NOT_EMULATED},
    {VM_EMU_PLIC, "PLIC, partial passthrough", VM_EMU_NOT_EMULATED}, /* riscv64's controller */
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);
