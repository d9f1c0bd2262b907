/* The ACPI PM block every x86 VM gets, where QEMU's q35 has it (and the FADT cvisor writes for
 * a VM says so, acpi_tables.c): PM1a event block at I/O port 0x600 (status, enable: no event is
 * ever raised), PM1a control at 0x604 (SCI_EN reads set: the VM is in ACPI mode from the start;
 * a write with SLP_EN ends the VM as a shutdown, as NimbOS, ArceOS, cvisor's test guests and
 * Linux's ACPI power-off do) and the PM timer at 0x608 (24 bits at 3.579545 MHz, from the host's
 * counter). vplatform.c adds it with the other PC devices. */
#include <arch/acpi_tables.h>
#include <arch/vplatform.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/vm.h>

#define PM1_EVT_STS 0
#define PM1_EVT_EN 2
#define PM1_CNT 4
#define PM_TMR 8
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_EN (1u << 13)

static u32 pm_timer(struct vm *vm)
{
    u64 t = timer_ticks() - vm->arch.platform.pm_start, hz = timer_freq();
    return (u32)(t / hz * ACPI_PM_TIMER_HZ + t % hz * ACPI_PM_TIMER_HZ / hz) & 0xffffffu;
}

static bool pm_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    (void)dev;
    struct vm *vm = vcpu->vm;
    u64 v;
    if (off >= PM_TMR)
        v = (u64)pm_timer(vm) >> (8 * (off - PM_TMR));
    else if (off >= PM1_CNT)
        v = PM1_SCI_EN >> (8 * (off - PM1_CNT));
    else if (off >= PM1_EVT_EN)
        v = (u64)vm->arch.platform.pm1_enable >> (8 * (off - PM1_EVT_EN));
    else
        v = 0; /* no status bit is ever set */
    *val = v & (width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1);
    return true;
}

static bool pm_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    (void)dev;
    if (off == PM1_EVT_EN && width >= 2)
        vcpu->vm->arch.platform.pm1_enable = (u16)val;
    if (off == PM1_CNT && (val & PM1_SLP_EN))
        vm_request_end(vcpu->vm, VM_END_SHUTDOWN, "ACPI power-off (PM1a control %#llx) from vcpu%u",
                       (unsigned long long)val, vcpu->id);
    return true;
}

static void pm_destroy(struct vdev *dev) { kfree(dev); }

static const struct vdev_ops pm_ops = {pm_read, pm_write, pm_destroy};

int vpower_create(struct vm *vm, struct diag *d)
{
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev) {
        diag_error(d, vm->config->file, vm->config->base_line, NULL, "out of memory for the ACPI PM block");
        return -1;
    }
    vm->arch.platform.pm_start = timer_ticks();
    vm->arch.platform.pm1_enable = 0;
    *dev = (struct vdev){.name = "acpi-pm", .space = VDEV_SPACE_PIO, .base = gpa(ACPI_PM_BASE_PORT),
                         .size = ACPI_PM_PORTS, .ops = &pm_ops};
    vm_add_vdev(vm, dev);
    return 0;
}
