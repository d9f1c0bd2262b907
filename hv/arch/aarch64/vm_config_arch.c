/* The aarch64 facts of VM configs: the emu_devices table (its interrupt controllers, the vGIC of
 * hv/arch/aarch64/vgic/, created by vm_arch_setup_devices, and the names of axvisor codes it
 * does not emulate), and the checks of a config's interrupt controller against the host's GIC.
 * Pure logic, host-testable (linked into the config tests and tools/cvisor-check). */
#include <hv/vm_config.h>
#include <lib/fdt.h>
#include <lib/types.h>

const struct vm_emu_type vm_arch_emu_types[] = {
    {VM_EMU_GICV2, "interrupt controller (vGICv2)", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_GICR, "GICv3 redistributor, partial passthrough", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_GICD, "GICv3 distributor, partial passthrough", VM_EMU_KIND_IRQCHIP},
    {VM_EMU_GICV3_ITS, "GICv3 ITS, partial passthrough", VM_EMU_NOT_EMULATED},
    {VM_EMU_PLIC, "PLIC, partial passthrough", VM_EMU_NOT_EMULATED}, /* riscv64's controller */
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);

/* Devices get the GIC's shared peripheral interrupts (SPIs). */
const struct vm_device_irqs vm_arch_device_irqs = {32, 1019, "a shared interrupt line"};

#define GICR_FRAME_SIZE 0x20000ull /* one GICv3 redistributor: RD_base + SGI_base frames */

static const struct vm_emu_device *find_emu(const struct vm_config *c, u32 type)
{
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == type)
            return &c->emu_devices[i];
    return NULL;
}

int vm_config_check_gic(const struct vm_config *c, u32 host_gic, struct diag *d)
{
    unsigned errors = d->errors;
    const struct vm_emu_device *gicd = find_emu(c, VM_EMU_GICV3_GICD), *gicr = find_emu(c, VM_EMU_GICV3_GICR);
    const struct vm_emu_device *v2 = find_emu(c, VM_EMU_GICV2);
    if (c->irq_mode == VM_IRQ_PASSTHROUGH) {
        if (host_gic != 2)
            diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                       "\"passthrough\" needs a GICv2 host (this host has a GICv%u, whose redistributors and "
                       "system registers cvisor does not hand to a VM); use \"emu\"", host_gic);
        return d->errors == errors ? 0 : -1;
    }
    if (v2 && (gicd || gicr)) {
        diag_error(d, c->file, v2->line, "devices.emu_devices",
                   "both a GICv2 (emu_type 0x1) and a GICv3 (emu_type 0x20/0x21) interrupt controller are listed");
        return -1;
    }
    if (!v2 && !gicd && !gicr && c->irq_mode == VM_IRQ_NONE)
        return 0;
    if (gicd || gicr) {
        if (host_gic != 3)
            diag_error(d, c->file, gicd ? gicd->line : gicr->line, "devices.emu_devices",
                       "a GICv3 VM needs a GICv3 host, and this host has a GICv%u (use emu_type 0x1, a GICv2)",
                       host_gic);
        else if (gicr && gicr->length < GICR_FRAME_SIZE * c->cpu_num)
            diag_error(d, c->file, gicr->line, "devices.emu_devices",
                       "GICv3 redistributor region of %#llx bytes is too small for %u vCPUs (needs %#llx)",
                       (unsigned long long)gicr->length, c->cpu_num,
                       (unsigned long long)(GICR_FRAME_SIZE * c->cpu_num));
    } else if (c->cpu_num > 8) { /* a GICv2, listed or by default */
        diag_error(d, c->file, c->cpu_num_line, "base.cpu_num", "a GICv2 VM has at most 8 vCPUs, not %u", c->cpu_num);
    }
    return d->errors == errors ? 0 : -1;
}

int vm_arch_config_check(const struct vm_config *c, const struct vm_host_arch *h, struct diag *d)
{
    return h->gic_version ? vm_config_check_gic(c, h->gic_version, d) : 0;
}

void vm_arch_host_from_fdt(const struct fdt *f, struct vm_host_arch *h)
{
    if (fdt_find_compatible(f, -1, "arm,gic-v3") >= 0)
        h->gic_version = 3;
    else if (fdt_find_compatible(f, -1, "arm,cortex-a15-gic") >= 0 || fdt_find_compatible(f, -1, "arm,gic-400") >= 0)
        h->gic_version = 2;
    else
        h->gic_version = 0;
}
