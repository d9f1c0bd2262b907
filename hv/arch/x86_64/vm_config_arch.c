/* The x86_64 facts of VM configs: what this first step of the port runs (several vCPUs only with
 * virtual local APICs to start them, no interrupt passthrough, multiboot instead of a device
 * tree), checked with a clear message, and
 * the emu_devices codes of other architectures' interrupt controllers, named but not emulated.
 * Pure logic, host-testable. */
#include <hv/vm_config.h>
#include <lib/types.h>

const struct vm_emu_type vm_arch_emu_types[] = {
    {0x1u, "interrupt controller (vGICv2)", VM_EMU_NOT_EMULATED},
    {0x30u, "PLIC, partial passthrough", VM_EMU_NOT_EMULATED},
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);

int vm_arch_config_check(const struct vm_config *c, const struct vm_host_arch *h, struct diag *d)
{
    (void)h;
    unsigned errors = d->errors;
    if (c->irq_mode == VM_IRQ_PASSTHROUGH)
        diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                   "\"passthrough\" is not offered on x86_64 yet; use \"emu\" (a virtual local APIC) or "
                   "\"no_irq\"");
    if (c->cpu_num > 1 && c->irq_mode != VM_IRQ_EMULATED)
        diag_error(d, c->file, c->cpu_num_line, "base.cpu_num",
                   "%u vCPUs need interrupt_mode = \"emu\": the others start by INIT and startup IPIs through "
                   "the virtual local APIC", c->cpu_num);
    if (c->dtb.has_load_addr)
        diag_error(d, c->file, c->dtb.line, "kernel.dtb_load_addr",
                   "x86_64 guests boot with multiboot information, not a device tree");
    bool room = false;
    for (size_t i = 0; i < c->region_count; i++)
        room |= !(c->regions[i].flags & VM_MEM_DEVICE) && c->regions[i].size >= 2 * 4096 &&
                c->regions[i].gpa.val + c->regions[i].size <= 0x100000000ull;
    if (!room)
        diag_error(d, c->file, c->kernel_line, "kernel.memory_regions",
                   "no RAM region below 4 GiB of at least 8 KiB for the multiboot information");
    return d->errors == errors ? 0 : -1;
}

/* x86 hosts are described by ACPI, not a device tree: no facts from one. */
void vm_arch_host_from_fdt(const struct fdt *f, struct vm_host_arch *h) { (void)f, (void)h; }
