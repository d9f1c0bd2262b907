/* The riscv64 facts of VM configs: the emu_devices table (axvisor's codes: the PLIC, 0x30, is the
 * vPLIC of virq.c; the Arm ones are named but not emulated) and the checks of a config against
 * what riscv64 offers. Pure logic, host-testable. */
#include <arch/vplic.h>
#include <hv/vm_config.h>
#include <lib/fdt.h>
#include <lib/types.h>

const struct vm_emu_type vm_arch_emu_types[] = {
    {0x1u, "GICv2 (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x20u, "GICv3 redistributor (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x21u, "GICv3 distributor (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {0x22u, "GICv3 ITS (an Arm interrupt controller)", VM_EMU_NOT_EMULATED},
    {VM_EMU_PLIC, "PLIC (emulated: the vPLIC)", VM_EMU_KIND_IRQCHIP},
};

const size_t vm_arch_emu_type_count = ARRAY_SIZE(vm_arch_emu_types);

/* Devices get the vPLIC's sources (0 means "no interrupt" there). */
const struct vm_device_irqs vm_arch_device_irqs = {1, VPLIC_SOURCES - 1, "a PLIC source"};

/* The host's PLIC passed through 1:1 (axvisor's NimbOS config lists it): the hypervisor's own
 * interrupt controller, which no VM may program. The VM's vPLIC stands there instead, filtered
 * to the VM's own sources (its emulated devices' lines and its passed-through devices'
 * interrupts), as the aarch64 GICv2 passthrough filters its distributor. */
const char *vm_arch_pt_served(const struct vm_config *c, u64 gpa, u64 hpa, u64 len)
{
    (void)c, (void)len;
    return gpa == VM_RISCV_PLIC_GPA && hpa == gpa ? "vPLIC (filtered: only its own interrupt sources)" : NULL;
}

/* A served PLIC entry of the config, or NULL. */
const struct vm_passthrough_device *vm_riscv_pt_plic(const struct vm_config *c)
{
    for (size_t i = 0; i < c->pt_device_count; i++)
        if (vm_config_pt_served(c, &c->pt_devices[i]))
            return &c->pt_devices[i];
    return NULL;
}

/* host may be NULL (where a VM is created: nothing of the host to check). */
int vm_arch_config_check(const struct vm_config *c, const struct vm_host_arch *host, struct diag *d)
{
    unsigned errors = d->errors;
    /* Passthrough is the guest interrupt files of the AIA (vimsic.c): a host without them cannot
     * (where the VM is created, host is NULL and vimsic_setup asks the running machine). */
    if (c->irq_mode == VM_IRQ_PASSTHROUGH && host && !host->aia)
        diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                   "\"passthrough\" is not supported on riscv64 without the AIA (the host has no IMSIC with guest "
                   "interrupt files; use \"emu\" or \"no_irq\", or PLATFORM=qemu-riscv64-virt-aia)");
    const struct vm_emu_device *plic_emu = NULL;
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == VM_EMU_PLIC)
            plic_emu = &c->emu_devices[i];
    if (c->irq_mode == VM_IRQ_PASSTHROUGH && plic_emu)
        diag_error(d, c->file, plic_emu->line, "devices.emu_devices",
                   "a PLIC with interrupt_mode = \"passthrough\": the VM's interrupts come through its IMSIC guest "
                   "interrupt files instead");
    u64 need = VPLIC_SIZE((u64)c->cpu_num * VPLIC_CONTEXTS_PER_HART);
    const struct vm_passthrough_device *pt = vm_riscv_pt_plic(c);
    if (pt && pt->length < need)
        diag_error(d, c->file, pt->line, "devices.passthrough_devices",
                   "'%s': the PLIC's window (length %#llx) must hold the VM's %u contexts (two per vCPU): length %#llx "
                   "or more", pt->name, (unsigned long long)pt->length, c->cpu_num * VPLIC_CONTEXTS_PER_HART,
                   (unsigned long long)need);
    for (size_t i = 0; i < c->emu_device_count; i++) {
        const struct vm_emu_device *e = &c->emu_devices[i];
        if (e->emu_type == VM_EMU_PLIC && e->length < need)
            diag_error(d, c->file, e->line, "devices.emu_devices",
                       "the PLIC's window (length %#llx) must hold its %u contexts (two per vCPU): length %#llx or more",
                       (unsigned long long)e->length, c->cpu_num * VPLIC_CONTEXTS_PER_HART, (unsigned long long)need);
    }
    return d->errors == errors ? 0 : -1;
}

void vm_arch_host_from_fdt(const struct fdt *f, struct vm_host_arch *h)
{
    int cpus = fdt_path_lookup(f, "/cpus");
    u32 hz = 0;
    if (cpus < 0 || !fdt_prop_u32(f, cpus, "timebase-frequency", &hz))
        hz = 0;
    h->timebase_hz = hz;
    h->aia = false;
    for (int n = fdt_find_compatible(f, -1, "riscv,imsics"); n >= 0; n = fdt_find_compatible(f, n, "riscv,imsics")) {
        u32 bits = 0;
        if (fdt_prop_u32(f, n, "riscv,guest-index-bits", &bits) && bits > 0)
            h->aia = true;
    }
}
