/* The devices of an x86 VM (vm_arch_setup_devices, <hv/virq.h>): the PC devices every VM has
 * (vplatform.c) and, with interrupt_mode = "emu" (or "passthrough" on pCPU 0), the virtual local
 * APICs, I/O APIC and HPET; with "passthrough" elsewhere, its pCPU's local APIC (lapic_pt.c) and
 * the virtual HPET; the passthrough form's COM1. */
#include <arch/lapic_pt.h>
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <arch/vplatform.h>
#include <base/log.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/vm.h>

#define COM1_PORT 0x3f8
#define COM1_IRQ 4

/* A VM in the passthrough form (the original's NimbOS config: emu_devices = [], the machine
 * passed through) drives the PC's COM1 at port 0x3f8 as its console; that 16550 is the
 * hypervisor's, so the VM gets an emulated one there, on IRQ 4, as an aarch64 VM passed the
 * console UART's page gets an emulated PL011. */
static int passthrough_com1(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == VM_EMU_CONSOLE)
            return 0;
    if (vconsole_create(vm, gpa(COM1_PORT), COM1_IRQ) != 0) {
        diag_error(d, c->file, c->devices_line, "devices.emu_devices", "out of memory for the emulated COM1");
        return -1;
    }
    LOG_AT(LOG_INFO, (long)vm->id, "COM1 (port %#x) is the hypervisor's console: the VM gets an emulated 16550 there",
           COM1_PORT);
    return 0;
}

int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    if (vplatform_create(vm, d) != 0)
        return -1;
    vm->arch.lapic = vm->arch.ioapic_present = vm->arch.lapic_pt = false;
    const struct vm_config *c = vm->config;
    if (vm_x86_lapic_passthrough(c)) {
        if (vm->vcpus[0]->pcpu == 0) { /* (phys_cpu_ids named the boot CPU by another APIC id than 0) */
            diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                       "\"passthrough\" would give the VM pCPU 0's local APIC, which takes the machine's device "
                       "interrupts: name another pCPU");
            return -1;
        }
        return lapic_pt_create(vm, d) != 0 || vplatform_hpet_create(vm, d) != 0 ? -1 : passthrough_com1(vm, d);
    }
    if (!vm_x86_virtual_apics(c))
        return 0;
    if (vlapic_create(vm, d) != 0 || vioapic_create(vm, d) != 0 || vplatform_hpet_create(vm, d) != 0)
        return -1;
    return c->irq_mode == VM_IRQ_PASSTHROUGH ? passthrough_com1(vm, d) : 0;
}
