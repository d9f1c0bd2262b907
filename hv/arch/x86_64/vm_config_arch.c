/* The x86_64 facts of VM configs: several vCPUs only with virtual local APICs to start them,
 * interrupt passthrough as the pCPU's own local APIC for one vCPU, the boot-stub form of the
 * original's NimbOS config, multiboot instead of a device tree, checked with a clear message,
 * and the emu_devices codes of other architectures' interrupt controllers, named but not
 * emulated. Pure logic, host-testable. */
#include <hv/vm_config.h>
#include <lib/types.h>

#define REAL_MODE_END 0x100000ull

const struct vm_emu_type vm_arch_emu_types[] = {
    {0x1u, "interrupt controller (vGICv2)", VM_EMU_NOT_EMULATED},
    {0x30u, "PLIC, partial passthrough", VM_EMU_NOT_EMULATED},
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);

/* The numbering shared with the other architectures' configs (no virtio-mmio device here yet). */
const struct vm_device_irqs vm_arch_device_irqs = {32, 1019, "a shared interrupt line"};

bool vm_x86_lapic_passthrough(const struct vm_config *c)
{
    if (c->irq_mode != VM_IRQ_PASSTHROUGH)
        return false;
    if (c->has_phys_cpu_sets)
        return !(c->phys_cpu_sets[0] & 1);
    return c->has_phys_cpu_ids && c->phys_cpu_ids[0] != 0;
}

bool vm_x86_virtual_apics(const struct vm_config *c)
{
    return c->irq_mode == VM_IRQ_EMULATED || (c->irq_mode == VM_IRQ_PASSTHROUGH && !vm_x86_lapic_passthrough(c));
}

bool vm_x86_boot_stub(const struct vm_config *c)
{
    return c->kernel.has_load_addr && c->entry_point.val != c->kernel.load_gpa.val && c->entry_point.val < REAL_MODE_END;
}

const char *vm_arch_pt_served(const struct vm_config *c, u64 gpa, u64 hpa, u64 len)
{
    bool pt = vm_x86_lapic_passthrough(c);
    if ((!vm_x86_virtual_apics(c) && !pt) || gpa != hpa || len != 0x1000)
        return NULL;
    if (gpa == VM_X86_LAPIC_GPA)
        return pt ? "own pCPU's local APIC (read directly, written through cvisor's checks)" : "virtual local APIC";
    if (gpa == VM_X86_IOAPIC_GPA) /* the machine's is the hypervisor's; a passthrough VM has none */
        return pt ? "local APIC alone (no I/O APIC: the machine's is the hypervisor's)" : "virtual I/O APIC";
    if (gpa == VM_X86_HPET_GPA)
        return "virtual HPET";
    return NULL;
}

/* The real-mode start of the boot-stub form: the startup-IPI form of CS:IP (vector << 8 : 0),
 * so a 4 KiB page below 1 MiB, inside the VM's RAM, apart from the kernel. */
static void check_boot_stub(const struct vm_config *c, struct diag *d)
{
    u64 entry = c->entry_point.val, kernel = c->kernel.load_gpa.val;
    int line = c->entry_point_line ? c->entry_point_line : c->kernel_line;
    if (!IS_ALIGNED(entry, 0x1000) || entry < 0x1000)
        diag_error(d, c->file, line, "kernel.entry_point",
                   "0x%llx: a real-mode entry below 1 MiB (the boot-stub form) must be a 4 KiB page from 0x1000 on "
                   "(the vCPU starts there as a startup IPI starts a CPU)", (unsigned long long)entry);
    bool in_ram = false;
    for (size_t i = 0; i < c->region_count; i++)
        in_ram |= !(c->regions[i].flags & VM_MEM_DEVICE) && c->regions[i].gpa.val <= entry &&
                  entry + 0x1000 <= c->regions[i].gpa.val + c->regions[i].size;
    if (!in_ram)
        diag_error(d, c->file, line, "kernel.entry_point",
                   "0x%llx: the boot stub's page is not inside the VM's RAM", (unsigned long long)entry);
    if (entry < kernel + 0x1000 && kernel < entry + 0x1000)
        diag_error(d, c->file, line, "kernel.entry_point",
                   "0x%llx: the boot stub's page overlaps the kernel at 0x%llx", (unsigned long long)entry,
                   (unsigned long long)kernel);
    if (c->bios.present && (!c->bios.has_load_addr || c->bios.load_gpa.val != entry))
        diag_error(d, c->file, c->bios.line, "kernel.bios_load_addr",
                   "the boot stub (bios_path) must be loaded at entry_point 0x%llx, where the vCPU starts",
                   (unsigned long long)entry);
}

int vm_arch_config_check(const struct vm_config *c, const struct vm_host_arch *h, struct diag *d)
{
    (void)h;
    unsigned errors = d->errors;
    if (c->irq_mode == VM_IRQ_PASSTHROUGH && !vm_x86_lapic_passthrough(c))
        diag_warn(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                  "\"passthrough\" runs as \"emu\" on pCPU 0 (virtual local and I/O APICs): pCPU 0 takes the "
                  "machine's device interrupts (console input, the disk), which a guest driving its local APIC "
                  "would receive; on another pCPU (phys_cpu_sets) the VM drives that pCPU's local APIC");
    if (c->bios.present && !vm_x86_boot_stub(c))
        diag_error(d, c->file, c->bios.line, "kernel.bios_path",
                   "a boot stub runs at entry_point, in real mode below 1 MiB and apart from kernel_load_addr: "
                   "entry_point 0x%llx is not", (unsigned long long)c->entry_point.val);
    if (vm_x86_boot_stub(c))
        check_boot_stub(c, d);
    if (c->cpu_num > 1 && !vm_x86_virtual_apics(c))
        diag_error(d, c->file, c->cpu_num_line, "base.cpu_num",
                   "%u vCPUs need interrupt_mode = \"emu\": the others start by INIT and startup IPIs through "
                   "the virtual local APIC (\"passthrough\" gives one vCPU its pCPU's local APIC)", c->cpu_num);
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
