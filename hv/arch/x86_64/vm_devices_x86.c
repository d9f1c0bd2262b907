/* The devices of an x86 VM (vm_arch_setup_devices, <hv/virq.h>): the PC devices every VM has
 * (vplatform.c) and, with interrupt_mode = "emu" (or "passthrough", which x86_64 runs the same
 * way: vm_config_arch.c), the virtual local APICs, I/O APIC and HPET; the passthrough form's COM1. */
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
    vm->arch.lapic = vm->arch.ioapic_present = false;
    if (!vm_x86_virtual_apics(vm->config))
        return 0;
    if (vlapic_create(vm, d) != 0 || vioapic_create(vm, d) != 0 || vplatform_hpet_create(vm, d) != 0)
        return -1;
    return vm->config->irq_mode == VM_IRQ_PASSTHROUGH ? passthrough_com1(vm, d) : 0;
}
