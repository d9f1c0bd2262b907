/* The devices of an x86 VM (vm_arch_setup_devices, <hv/virq.h>): the PC devices every VM has
 * (vplatform.c) and, with interrupt_mode = "emu", the virtual local APICs, I/O APIC and HPET. */
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <arch/vplatform.h>
#include <hv/virq.h>
#include <hv/vm.h>

int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    if (vplatform_create(vm, d) != 0)
        return -1;
    vm->arch.lapic = vm->arch.ioapic_present = false;
    if (vm->config->irq_mode != VM_IRQ_EMULATED)
        return 0;
    return vlapic_create(vm, d) == 0 && vioapic_create(vm, d) == 0 && vplatform_hpet_create(vm, d) == 0 ? 0 : -1;
}
