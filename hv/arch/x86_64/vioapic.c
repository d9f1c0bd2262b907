/* The virtual I/O APIC (<arch/vioapic.h>). Facts: the 82093AA I/O APIC datasheet (registers,
 * redirection entries), as PCs and QEMU's q35 present it. */
#include <arch/spinlock.h>
#include <arch/vioapic.h>
#include <arch/vlapic.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/vm.h>
#include <lib/string.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10
#define VERSION (0x11u | ((VIOAPIC_PINS - 1u) << 16))
#define RTE_VECTOR 0xffull
#define RTE_DELIVERY (7ull << 8)
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_WRITABLE (RTE_VECTOR | RTE_DELIVERY | RTE_DEST_LOGICAL | (1ull << 13) | RTE_LEVEL | RTE_MASKED | \
                      (0xffull << 56))

static spinlock_t ioapic_lock = SPINLOCK_INIT;

static struct vcpu *target(struct vm *vm, u64 rte)
{
    u32 dest = (u32)(rte >> 56);
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        struct vcpu *v = vm->vcpus[i];
        bool hit = (rte & RTE_DEST_LOGICAL) ? (dest & (v->arch.lapic.ldr >> 24)) != 0 : dest == v->hwid;
        if (hit)
            return v;
    }
    return NULL;
}

/* With the lock held: the pin's interrupt, if it should be delivered now; returns its vCPU. */
static struct vcpu *pending_locked(struct vm *vm, u32 pin, u8 *vector)
{
    struct vioapic *io = &vm->arch.ioapic;
    u64 rte = io->redir[pin];
    if ((rte & RTE_MASKED) || !io->line[pin] || (rte & RTE_REMOTE_IRR))
        return NULL;
    struct vcpu *v = target(vm, rte);
    if (!v)
        return NULL;
    if (rte & RTE_LEVEL)
        io->redir[pin] |= RTE_REMOTE_IRR; /* until the EOI */
    *vector = (u8)(rte & RTE_VECTOR);
    return v;
}

static void deliver(struct vm *vm, struct vcpu *v, u8 vector, bool level)
{
    (void)vm;
    if (level)
        vlapic_set_tmr(v, vector);
    vlapic_raise(v, vector);
}

void vioapic_set_level(struct vm *vm, u32 pin, bool level)
{
    if (pin >= VIOAPIC_PINS || !vm->arch.ioapic_present)
        return;
    struct vioapic *io = &vm->arch.ioapic;
    u8 vector = 0;
    struct vcpu *v = NULL;
    spin_lock(&ioapic_lock);
    bool rising = level && !io->line[pin];
    io->line[pin] = level;
    bool lvl = io->redir[pin] & RTE_LEVEL;
    if (lvl || rising)
        v = pending_locked(vm, pin, &vector);
    spin_unlock(&ioapic_lock);
    if (v)
        deliver(vm, v, vector, lvl);
}

void vioapic_eoi(struct vm *vm, u8 vector)
{
    struct vioapic *io = &vm->arch.ioapic;
    for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
        u8 vec = 0;
        struct vcpu *v = NULL;
        spin_lock(&ioapic_lock);
        if ((io->redir[pin] & RTE_VECTOR) == vector && (io->redir[pin] & RTE_REMOTE_IRR)) {
            io->redir[pin] &= ~RTE_REMOTE_IRR;
            v = pending_locked(vm, pin, &vec); /* still up: again */
        }
        spin_unlock(&ioapic_lock);
        if (v)
            deliver(vm, v, vec, true);
    }
}

static bool ioapic_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    (void)dev;
    struct vioapic *io = &vcpu->vm->arch.ioapic;
    if (width != 4 || (off != IOREGSEL && off != IOWIN))
        return false;
    spin_lock(&ioapic_lock);
    u32 r = 0;
    if (off == IOREGSEL) {
        r = io->sel;
    } else if (io->sel == REG_ID) {
        r = io->id;
    } else if (io->sel == REG_VER) {
        r = VERSION;
    } else if (io->sel == REG_ARB) {
        r = io->id;
    } else if (io->sel >= REG_REDIR && io->sel < REG_REDIR + 2 * VIOAPIC_PINS) {
        u64 rte = io->redir[(io->sel - REG_REDIR) / 2];
        r = (io->sel & 1) ? (u32)(rte >> 32) : (u32)rte;
    }
    spin_unlock(&ioapic_lock);
    *val = r;
    return true;
}

static bool ioapic_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    (void)dev;
    struct vm *vm = vcpu->vm;
    struct vioapic *io = &vm->arch.ioapic;
    if (width != 4 || (off != IOREGSEL && off != IOWIN))
        return false;
    struct vcpu *v = NULL;
    u8 vector = 0;
    bool lvl = false;
    spin_lock(&ioapic_lock);
    if (off == IOREGSEL) {
        io->sel = (u32)val & 0xff;
    } else if (io->sel == REG_ID) {
        io->id = (u32)val & 0x0f000000u;
    } else if (io->sel >= REG_REDIR && io->sel < REG_REDIR + 2 * VIOAPIC_PINS) {
        u32 pin = (io->sel - REG_REDIR) / 2;
        u64 rte = io->redir[pin], mask = (io->sel & 1) ? RTE_WRITABLE & ~0xffffffffull : RTE_WRITABLE & 0xffffffffull;
        u64 shifted = (io->sel & 1) ? (u64)(u32)val << 32 : (u32)val;
        io->redir[pin] = (rte & ~mask) | (shifted & mask);
        lvl = io->redir[pin] & RTE_LEVEL;
        if (lvl) /* unmasking a level line that is up delivers it */
            v = pending_locked(vm, pin, &vector);
    }
    spin_unlock(&ioapic_lock);
    if (v)
        deliver(vm, v, vector, lvl);
    return true;
}

static void ioapic_destroy(struct vdev *dev) { kfree(dev); }

static const struct vdev_ops ioapic_ops = {ioapic_read, ioapic_write, ioapic_destroy};

int vioapic_create(struct vm *vm, struct diag *d)
{
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev) {
        diag_error(d, vm->config->file, vm->config->irq_mode_line, "devices.interrupt_mode",
                   "out of memory for the virtual I/O APIC");
        return -1;
    }
    memset(&vm->arch.ioapic, 0, sizeof(vm->arch.ioapic));
    for (u32 i = 0; i < VIOAPIC_PINS; i++)
        vm->arch.ioapic.redir[i] = RTE_MASKED;
    *dev = (struct vdev){.name = "vioapic", .space = VDEV_SPACE_MMIO, .base = gpa(VIOAPIC_BASE), .size = 0x1000,
                         .ops = &ioapic_ops};
    vm_add_vdev(vm, dev);
    vm->arch.ioapic_present = true;
    return 0;
}
