/* The riscv64 facts of VM configs: the emu_devices table (axvisor's codes; riscv64 emulates no
 * interrupt controller yet, so its PLIC code and the Arm ones are named but not emulated) and the
 * checks of a config against what riscv64 offers. Pure logic, host-testable. */
#include <hv/vm_config.h>
#include <lib/fdt.h>
#include <lib/types.h>

const struct vm_emu_type vm_arch_emu_types[] = {
    {0x1u, "GICv2 (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x20u, "GICv3 redistributor (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x21u, "GICv3 distributor (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x22u, "GICv3 ITS (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {VM_EMU_PLIC, "PLIC (no vPLIC on riscv64 yet)", VM_EMU_NOT_EMULATED},
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);

/* host may be NULL (where a VM is created: nothing of the host to check). */
int vm_arch_config_check(const struct vm_config *c, const struct vm_host_arch *host, struct diag *d)
{
    (void)host;
    if (c->irq_mode == VM_IRQ_PASSTHROUGH) {
        diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                   "\"passthrough\" is not supported on riscv64 (use \"emu\" or \"no_irq\")");
        return -1;
    }
    return 0;
}

void vm_arch_host_from_fdt(const struct fdt *f, struct vm_host_arch *h)
{
    int cpus = fdt_path_lookup(f, "/cpus");
    u32 hz = 0;
    if (cpus < 0 || !fdt_prop_u32(f, cpus, "timebase-frequency", &hz))
        hz = 0;
    h->timebase_hz = hz;
}
