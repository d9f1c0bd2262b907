/* The PC devices of an x86 VM (<arch/vplatform.h>): port I/O glue over the pure device models,
 * one lock per VM. The PIT's channel 0 is polled with vCPU 0's timers (vcpu_arch_timer_poll)
 * and raises ISA IRQ 0, which the MADT routes to pin 2 of the virtual I/O APIC. */
#include <arch/vioapic.h>
#include <arch/vplatform.h>
#include <arch/x86.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/sched.h>
#include <hv/vm.h>

#define PIT_GSI 2u /* ISA IRQ 0 through the MADT's interrupt source override */
#define KBC_PORT 0x64u
#define KBC_RESET 0xfeu

static struct vplatform *plat(struct vm *vm) { return &vm->arch.platform; }

/* ---- host clock: the host's own CMOS RTC, read once per VM start ---- */

static spinlock_t host_rtc_lock = SPINLOCK_INIT;

static u8 host_cmos(u8 reg)
{
    outb(VCMOS_PORT, reg | 0x80); /* (NMIs stay masked, as the base leaves them) */
    return inb(VCMOS_PORT + 1);
}

static u32 from_bcd(u8 v, bool binary) { return binary ? v : (v >> 4) * 10u + (v & 15u); }

static u64 host_epoch(void)
{
    spin_lock(&host_rtc_lock);
    for (u32 i = 0; i < 100000 && (host_cmos(0x0a) & 0x80); i++)
        ; /* an update in progress (at most ~2 ms) */
    u8 s = host_cmos(0), mi = host_cmos(2), h = host_cmos(4), d = host_cmos(7), mo = host_cmos(8), y = host_cmos(9);
    u8 c = host_cmos(VCMOS_CENTURY), b = host_cmos(0x0b);
    spin_unlock(&host_rtc_lock);
    bool bin = b & 0x04, pm = !(b & 0x02) && (h & 0x80);
    u32 hour = from_bcd(h & 0x7f, bin) % 12 + (pm ? 12 : 0);
    if (b & 0x02)
        hour = from_bcd(h, bin);
    u32 year = from_bcd(y, bin) + 100 * (from_bcd(c, bin) >= 19 && from_bcd(c, bin) <= 99 ? from_bcd(c, bin) : 20);
    return vcmos_epoch(year, from_bcd(mo, bin), from_bcd(d, bin), hour, from_bcd(mi, bin), from_bcd(s, bin));
}

/* ---- ports ---- */

static bool pit_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)width;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    *val = vpit_read(&p->pit, (u16)(dev->base.val + off), timer_ticks());
    spin_unlock(&p->lock);
    return true;
}

static bool pit_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)width;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    bool rearm = vpit_write(&p->pit, (u16)(dev->base.val + off), (u8)val, timer_ticks());
    spin_unlock(&p->lock);
    if (rearm && v->vm->vcpu_count)
        sched_request_exit(v->vm->vcpus[0]->pcpu); /* its run loop re-arms for channel 0 */
    return true;
}

static bool pic_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)width;
    struct vplatform *p = plat(v->vm);
    u32 chip = dev->base.val == VPIC_SLAVE_PORT || (dev->base.val == VPIC_ELCR_PORT && off);
    spin_lock(&p->lock);
    *val = dev->base.val == VPIC_ELCR_PORT ? vpic_elcr_read(&p->pic, chip) : vpic_read(&p->pic, chip, (u32)off);
    spin_unlock(&p->lock);
    return true;
}

static bool pic_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)width;
    struct vplatform *p = plat(v->vm);
    u32 chip = dev->base.val == VPIC_SLAVE_PORT || (dev->base.val == VPIC_ELCR_PORT && off);
    spin_lock(&p->lock);
    if (dev->base.val == VPIC_ELCR_PORT)
        vpic_elcr_write(&p->pic, chip, (u8)val);
    else
        vpic_write(&p->pic, chip, (u32)off, (u8)val);
    spin_unlock(&p->lock);
    return true;
}

static bool cmos_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)dev, (void)width;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    *val = vcmos_read(&p->cmos, (u32)off, timer_ticks());
    spin_unlock(&p->lock);
    return true;
}

static bool cmos_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)dev, (void)width;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    vcmos_write(&p->cmos, (u32)off, (u8)val);
    spin_unlock(&p->lock);
    return true;
}

static bool pci_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)dev;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    *val = vpci_cfg_read(&p->pci, (u32)off, width);
    spin_unlock(&p->lock);
    return true;
}

static bool pci_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)dev;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    bool reset = vpci_cfg_write(&p->pci, (u32)off, width, (u32)val);
    spin_unlock(&p->lock);
    if (reset)
        vplatform_reset(v, "reset control register (port 0xcf9)");
    return true;
}

/* The keyboard controller, for its reset command only: status 0 (no data, input buffer empty). */
static bool kbc_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)dev, (void)v, (void)off, (void)width;
    *val = 0;
    return true;
}

static bool kbc_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)dev, (void)off, (void)width;
    if ((u8)val == KBC_RESET)
        vplatform_reset(v, "keyboard controller (0xfe at port 0x64)");
    return true;
}

static bool hpet_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)dev;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    bool ok = vhpet_read(&p->hpet, off, width, timer_ticks(), val);
    spin_unlock(&p->lock);
    return ok;
}

static bool hpet_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val)
{
    (void)dev;
    struct vplatform *p = plat(v->vm);
    spin_lock(&p->lock);
    bool ok = vhpet_write(&p->hpet, off, width, val, timer_ticks());
    spin_unlock(&p->lock);
    return ok;
}

static void dev_destroy(struct vdev *dev) { kfree(dev); }

static const struct vdev_ops pit_ops = {pit_read, pit_write, dev_destroy};
static const struct vdev_ops pic_ops = {pic_read, pic_write, dev_destroy};
static const struct vdev_ops cmos_ops = {cmos_read, cmos_write, dev_destroy};
static const struct vdev_ops pci_ops = {pci_read, pci_write, dev_destroy};
static const struct vdev_ops kbc_ops = {kbc_read, kbc_write, dev_destroy};
static const struct vdev_ops hpet_ops = {hpet_read, hpet_write, dev_destroy};

int vplatform_hpet_create(struct vm *vm, struct diag *d)
{
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev) {
        diag_error(d, vm->config->file, vm->config->irq_mode_line, "devices.interrupt_mode", "out of memory for the HPET");
        return -1;
    }
    vhpet_init(&plat(vm)->hpet, timer_freq());
    *dev = (struct vdev){.name = "hpet", .space = VDEV_SPACE_MMIO, .base = gpa(VHPET_BASE), .size = VHPET_SIZE,
                         .ops = &hpet_ops};
    vm_add_vdev(vm, dev);
    plat(vm)->hpet_present = true;
    return 0;
}

void vplatform_reset(struct vcpu *v, const char *how)
{
    vm_request_end(v->vm, VM_END_RESET, "reset through the %s from vcpu%u", how, v->id);
}

u64 vplatform_timer_poll(struct vm *vm, u64 now)
{
    struct vplatform *p = plat(vm);
    u64 next;
    spin_lock(&p->lock);
    u32 edges = vpit_poll(&p->pit, now, &next);
    spin_unlock(&p->lock);
    if (edges) {
        vioapic_set_level(vm, PIT_GSI, true);
        vioapic_set_level(vm, PIT_GSI, false);
    }
    return next;
}

int vplatform_create(struct vm *vm, struct diag *d)
{
    struct vplatform *p = plat(vm);
    u64 now = timer_ticks();
    p->lock = (spinlock_t)SPINLOCK_INIT;
    vpit_init(&p->pit, timer_freq());
    vpic_init(&p->pic);
    vcmos_init(&p->cmos, host_epoch(), now, timer_freq());
    vpci_cfg_init(&p->pci);
    p->hpet_present = false;
    static const struct {
        const char *name;
        u16 port, ports;
        const struct vdev_ops *ops;
    } devs[] = {
        {"pit", VPIT_PORT, 4, &pit_ops},
        {"pit-port61", VPIT_PORT_61, 1, &pit_ops},
        {"pic-master", VPIC_MASTER_PORT, 2, &pic_ops},
        {"pic-slave", VPIC_SLAVE_PORT, 2, &pic_ops},
        {"pic-elcr", VPIC_ELCR_PORT, 2, &pic_ops},
        {"cmos", VCMOS_PORT, 2, &cmos_ops},
        {"pci-config", VPCI_CFG_PORT, VPCI_CFG_PORTS, &pci_ops},
        {"kbc", KBC_PORT, 1, &kbc_ops},
    };
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
        struct vdev *dev = kzalloc(sizeof(*dev));
        if (!dev) {
            diag_error(d, vm->config->file, vm->config->base_line, NULL, "out of memory for the %s device",
                       devs[i].name);
            return -1;
        }
        *dev = (struct vdev){.name = devs[i].name, .space = VDEV_SPACE_PIO, .base = gpa(devs[i].port),
                             .size = devs[i].ports, .ops = devs[i].ops};
        vm_add_vdev(vm, dev);
    }
    return vpower_create(vm, d);
}

