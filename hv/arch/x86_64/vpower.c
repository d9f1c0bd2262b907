/* The ACPI power-off port every x86 VM gets: PM1a control at I/O port 0x604, as on QEMU's q35
 * (where NimbOS, ArceOS and cvisor's test guests write SLP_TYP | SLP_EN = 0x2000 to power off).
 * A write with SLP_EN set ends the VM as a shutdown; reads return 0. vm_arch_setup_devices adds
 * it, and the virtual local APICs for interrupt_mode = "emu" (vlapic.c). */
#include <base/log.h>
#include <base/mm.h>
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <hv/virq.h>
#include <hv/vm.h>

#define PM1A_CNT_PORT 0x604
#define PM1_SLP_EN (1u << 13)

static bool pm_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    (void)dev, (void)vcpu, (void)off, (void)width;
    *val = 0;
    return true;
}

static bool pm_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    (void)dev, (void)width;
    if (off == 0 && (val & PM1_SLP_EN))
        vm_request_end(vcpu->vm, VM_END_SHUTDOWN, "ACPI power-off (PM1a control %#llx) from vcpu%u",
                       (unsigned long long)val, vcpu->id);
    return true;
}

static void pm_destroy(struct vdev *dev) { kfree(dev); }

static const struct vdev_ops pm_ops = {pm_read, pm_write, pm_destroy};

int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev) {
        diag_error(d, vm->config->file, vm->config->base_line, NULL, "out of memory for the power-off port");
        return -1;
    }
    *dev = (struct vdev){.name = "acpi-pm1a", .space = VDEV_SPACE_PIO, .base = gpa(PM1A_CNT_PORT), .size = 2,
                         .ops = &pm_ops};
    vm_add_vdev(vm, dev);
    vm->arch.lapic = vm->arch.ioapic_present = false;
    if (vm->config->irq_mode != VM_IRQ_EMULATED)
        return 0;
    return vlapic_create(vm, d) == 0 && vioapic_create(vm, d) == 0 ? 0 : -1;
}
