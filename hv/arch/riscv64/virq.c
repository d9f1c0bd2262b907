/* The virtual-interrupt seam (<hv/virq.h>) on riscv64: each vCPU's hart-local interrupts of
 * VS-mode (software, timer, external), pending in hvip, and the VM's virtual PLIC (vplic.c has
 * its register logic) whose S-mode context of each hart drives that hart's VSEIP. A device line
 * is a PLIC source. A passed-through device's host interrupt (host PLIC source n) is forwarded
 * to the VM's source n: its host claim is completed when the guest completes it. */
#include <arch/hcsr.h>
#include <arch/timer.h>
#include <arch/vcpu_parts.h>
#include <arch/vimsic.h>
#include <arch/vplic.h>
#include <base/irq.h>
#include <base/log.h>
#include <drivers/riscv_plic.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <base/boot.h>
#include <hv/arch.h>
#include <hv/vdev.h>
#include <hv/virq.h>
#include <hv/vm.h>

_Static_assert(VPLIC_MAX_HARTS >= VM_MAX_VCPUS, "a context pair for every vCPU");

/* QEMU virt's PLIC address, used when interrupt_mode = "emu" lists no PLIC (emu_type 0x30). */
#define DEFAULT_PLIC VM_RISCV_PLIC_GPA

#define PLIC_FORWARDS 8 /* host interrupts forwarded into one VM */

struct vplic_dev;
struct plic_forward {
    struct vplic_dev *plic;
    u32 host_irq; /* the host's number (RISCV_IRQ_PLIC + source) */
    u32 src;      /* the VM's source: the same PLIC source number */
    bool held;    /* claimed on the host, its completion kept until the guest's (under the lock) */
};

struct vplic_dev {
    struct vdev dev;
    struct plic_forward fwd[PLIC_FORWARDS];
    u32 fwd_count;
    spinlock_t lock; /* MMIO from any vCPU, device lines from any pCPU */
    struct vm *vm;
    bool released;   /* virq_release: the vCPUs are going, nothing is delivered */
    u32 asserted;    /* harts whose VSEIP the PLIC holds high */
    struct vplic state;
};

/* Each hart's S-mode context output to its VSEIP; with the lock held. */
static void plic_deliver(struct vplic_dev *d)
{
    struct vm *vm = d->vm;
    if (d->released)
        return;
    for (u32 h = 0; h < vm->vcpu_count; h++) {
        bool out = vplic_context_output(&d->state, VPLIC_CONTEXT_S(h));
        if (out == ((d->asserted >> h) & 1u))
            continue;
        d->asserted ^= 1u << h;
        if (out)
            riscv_vcpu_raise(vm->vcpus[h], HVIP_VSEIP);
        else
            riscv_vcpu_lower(vm->vcpus[h], HVIP_VSEIP);
    }
}

/* Source src came to request service (a line rose, an edge): a hart whose output was low rises
 * exactly when src requests for its S-mode context; no other output changes (vplic.h). With the
 * lock held. */
static void plic_deliver_rise(struct vplic_dev *d, u32 src)
{
    struct vm *vm = d->vm;
    if (d->released)
        return;
    for (u32 h = 0; h < vm->vcpu_count; h++) {
        if (((d->asserted >> h) & 1u) || !vplic_requests(&d->state, VPLIC_CONTEXT_S(h), src))
            continue;
        d->asserted |= 1u << h;
        riscv_vcpu_raise(vm->vcpus[h], HVIP_VSEIP);
    }
}

/* Source src stopped requesting (claimed, or its line dropped): only the high outputs of the
 * contexts that enable it can fall. With the lock held. */
static void plic_deliver_fall(struct vplic_dev *d, u32 src)
{
    struct vm *vm = d->vm;
    if (d->released)
        return;
    for (u32 h = 0; h < vm->vcpu_count; h++) {
        u32 ctx = VPLIC_CONTEXT_S(h);
        if (!((d->asserted >> h) & 1u) || !vplic_enables(&d->state, ctx, src) || vplic_context_output(&d->state, ctx))
            continue;
        d->asserted &= ~(1u << h);
        riscv_vcpu_lower(vm->vcpus[h], HVIP_VSEIP);
    }
}

/* A read with the lock held: only a claim changes anything, and it withdraws the claimed
 * source's request (a claim of nothing changes nothing). */
static bool plic_read_locked(struct vplic_dev *d, u64 off, u8 width, u64 *value)
{
    bool ok = vplic_read(&d->state, off, width, value);
    if (ok && *value && vplic_read_claims(off))
        plic_deliver_fall(d, (u32)*value);
    return ok;
}

static bool plic_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *value)
{
    struct vplic_dev *d = dev->priv;
    (void)vcpu;
    spin_lock(&d->lock);
    bool ok = plic_read_locked(d, off, width, value);
    spin_unlock(&d->lock);
    return ok;
}

static bool plic_write_locked(struct vplic_dev *d, u64 off, u8 width, u64 value)
{
    bool was[PLIC_FORWARDS];
    for (u32 i = 0; i < d->fwd_count; i++)
        was[i] = vplic_in_service(&d->state, d->fwd[i].src);
    bool ok = vplic_write(&d->state, off, width, value);
    /* A forwarded source the guest completed: the device has been served (or still asserts, and
     * the host takes its interrupt again once unmasked). */
    for (u32 i = 0; i < d->fwd_count; i++) {
        struct plic_forward *f = &d->fwd[i];
        if (was[i] && !vplic_in_service(&d->state, f->src) && !d->released) {
            vplic_set_level(&d->state, f->src, false);
            if (f->held) {
                f->held = false;
                plic_complete(f->host_irq);
            }
        }
    }
    plic_deliver(d);
    return ok;
}

static bool plic_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 value)
{
    struct vplic_dev *d = dev->priv;
    (void)vcpu;
    spin_lock(&d->lock);
    bool ok = plic_write_locked(d, off, width, value);
    spin_unlock(&d->lock);
    return ok;
}

/* The exit path's shortcut (vcpu_arch.c): a 32-bit aligned access of the VM's own vPLIC at
 * guest-physical addr, emulated at once; false when addr is not in its window or the access is
 * not one it takes (left to the generic MMIO path, which reports it). */
bool riscv_vplic_access(struct vm *vm, u64 addr, u8 width, bool write, u64 *value)
{
    struct vplic_dev *d = vm->arch.plic;
    if (!d || addr - d->dev.base.val >= d->dev.size || width != 4 || (addr & 3))
        return false;
    u64 off = addr - d->dev.base.val;
    spin_lock(&d->lock);
    bool ok = write ? plic_write_locked(d, off, width, *value) : plic_read_locked(d, off, width, value);
    spin_unlock(&d->lock);
    return ok;
}

static void plic_destroy(struct vdev *dev)
{
    struct vplic_dev *d = dev->priv;
    d->vm->arch.plic = NULL;
    kfree(d);
}

static const struct vdev_ops plic_ops = {plic_read, plic_write, plic_destroy};

/* A device line: a PLIC source (1..95). Without a vPLIC (interrupt_mode "no_irq"), or for a
 * source the PLIC lacks, there is nothing to deliver to. */
void virq_set_level(struct vm *vm, struct vcpu *vcpu, u32 irq, bool level)
{
    struct vplic_dev *d = vm->arch.plic;
    (void)vcpu;
    if (!d) {
        if (level)
            LOG_AT(LOG_DEBUG, (long)vm->id, "interrupt %u dropped: the VM has no PLIC", irq);
        return;
    }
    spin_lock(&d->lock);
    if (vplic_set_level(&d->state, irq, level)) {
        if (level)
            plic_deliver_rise(d, irq);
        else
            plic_deliver_fall(d, irq);
    } else if (level)
        LOG_AT(LOG_DEBUG, (long)vm->id, "interrupt %u dropped: not a source of the VM's PLIC", irq);
    spin_unlock(&d->lock);
}

void virq_raise(struct vm *vm, struct vcpu *vcpu, u32 irq)
{
    struct vplic_dev *d = vm->arch.plic;
    (void)vcpu;
    if (!d)
        return;
    spin_lock(&d->lock);
    if (vplic_raise(&d->state, irq))
        plic_deliver_rise(d, irq);
    spin_unlock(&d->lock);
}

/* The host's PLIC took a forwarded source: its claim there stays open until the guest completes
 * it (the host's gateway forwards nothing more from the device meanwhile: no masking), and it is
 * raised in the VM's PLIC (as a level: it stays until the completion). */
static void plic_forward_irq(irq_t irq, void *arg)
{
    struct plic_forward *f = arg;
    struct vplic_dev *d = f->plic;
    (void)irq;
    spin_lock(&d->lock);
    if (!d->released) {
        plic_defer_completion();
        f->held = true;
        vplic_set_level(&d->state, f->src, true);
        plic_deliver_rise(d, f->src);
    }
    spin_unlock(&d->lock);
}

void virq_give_host_irq(struct vm *vm, u32 host_irq, bool edge)
{
    if (vm->arch.imsic) {
        vimsic_give_source(vm, host_irq);
        return;
    }
    struct vplic_dev *d = vm->arch.plic;
    u32 src = host_irq - RISCV_IRQ_PLIC;
    (void)edge; /* level and edge alike: one request per host interrupt, masked until completed */
    if (!d || host_irq < RISCV_IRQ_PLIC || src == 0 || src >= VPLIC_SOURCES || d->fwd_count == PLIC_FORWARDS ||
        irq_has_handler(host_irq)) {
        LOG_AT(LOG_WARN, (long)vm->id, "host interrupt %u not forwarded (%s)", host_irq,
               !d ? "the VM has no PLIC"
               : host_irq < RISCV_IRQ_PLIC || src == 0 || src >= VPLIC_SOURCES ? "not a source its PLIC has"
               : d->fwd_count == PLIC_FORWARDS ? "too many forwarded"
                                               : "the hypervisor or another VM takes it");
        return;
    }
    struct plic_forward *f = &d->fwd[d->fwd_count];
    *f = (struct plic_forward){d, host_irq, src, false};
    spin_lock(&d->lock);
    vplic_own(&d->state, src); /* (a filtered PLIC: now a source of the VM's) */
    d->fwd_count++;
    spin_unlock(&d->lock);
    irq_set_handler(host_irq, plic_forward_irq, f);
    irq_set_target(host_irq, vm->vcpus[0]->pcpu);
    irq_enable(host_irq);
    LOG_AT(LOG_DEBUG, (long)vm->id, "host interrupt %u forwarded to PLIC source %u", host_irq, src);
}

/* Pending and enabled VS-level interrupts. Live in hip/vsie when the vCPU is loaded here (hip
 * includes a vstimecmp that expired); else from memory. */
bool virq_pending(struct vcpu *vcpu)
{
    u64 pending = __atomic_load_n(&vcpu->arch.hvip, __ATOMIC_ACQUIRE), enabled;
    if (vcpu_arch_loaded(cpu_id()) == vcpu && !vcpu->arch.reload) {
        pending |= hcsr_read(CSR_HIP);
        enabled = hcsr_read(CSR_VSIE) << 1;
    } else {
        if (riscv_has_sstc && arch_timer_ticks() >= vcpu->arch.vs.vstimecmp)
            pending |= HVIP_VSTIP;
        enabled = vcpu->arch.vs.vsie << 1;
    }
    return pending & enabled & HVIP_VS_MASK;
}

/* Atomic with riscv_vcpu_raise: either an interrupt is pending (stay runnable) or the vCPU is
 * marked halted and the next raise wakes it. */
bool vcpu_arch_halt_unless_pending(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    spin_lock(&vm->arch.irq_lock);
    bool any = virq_pending(vcpu);
    if (!any) {
        vcpu->state = VCPU_HALTED;
        vimsic_arm_wakeup(vcpu); /* its guest file's interrupt wakes it (SGEI) */
    }
    spin_unlock(&vm->arch.irq_lock);
    return !any;
}

u64 virq_injected(const struct vm *vm) { return vm->arch.injected; }

static const struct vm_emu_device *find_emu(const struct vm_config *c, u32 type)
{
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == type)
            return &c->emu_devices[i];
    return NULL;
}

/* The sources a filtered PLIC gives the VM: its emulated devices' lines, the host UART's when the
 * VM gets an emulated console in its place (vm_passthrough.c), and, as they are forwarded
 * (virq_give_host_irq), its passed-through devices' interrupts. */
static void own_config_sources(struct vplic *p, const struct vm_config *c)
{
    for (size_t i = 0; i < c->emu_device_count; i++)
        vplic_own(p, c->emu_devices[i].irq);
    for (size_t i = 0; i < c->pt_device_count; i++) {
        const struct vm_passthrough_device *pt = &c->pt_devices[i];
        if (!pt->by_path && boot_info.uart_base >= pt->base_hpa.val &&
            boot_info.uart_base - pt->base_hpa.val < pt->length)
            vplic_own(p, virq_line_of_host_irq(pt->irq >= RISCV_IRQ_PLIC ? pt->irq : boot_info.uart_intid));
    }
}

/* The VM's PLIC: where emu_type 0x30 puts it, else where a passthrough_devices entry names the
 * host's PLIC (filtered to the VM's own sources), else at QEMU virt's address with
 * interrupt_mode = "emu"; none with "no_irq" and no entry. Two contexts per vCPU. */
int vm_arch_setup_devices(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (vm_arch_config_check(c, NULL, d) != 0)
        return -1;
    if (c->irq_mode == VM_IRQ_PASSTHROUGH)
        return vimsic_setup(vm, d);
    const struct vm_emu_device *e = find_emu(c, VM_EMU_PLIC);
    const struct vm_passthrough_device *pt = e ? NULL : vm_riscv_pt_plic(c);
    if (!e && !pt && c->irq_mode != VM_IRQ_EMULATED)
        return 0;
    struct vplic_dev *p = kzalloc(sizeof(*p));
    if (!p) {
        diag_error(d, c->file, e ? e->line : c->irq_mode_line, e ? "devices.emu_devices" : "devices.interrupt_mode",
                   "out of memory for the PLIC");
        return -1;
    }
    p->vm = vm;
    vplic_init(&p->state, vm->vcpu_count);
    if (pt) {
        vplic_filter(&p->state);
        own_config_sources(&p->state, c);
    }
    u64 base = e ? e->base.val : pt ? pt->base_gpa.val : DEFAULT_PLIC;
    p->dev = (struct vdev){.name = "vplic", .space = VDEV_SPACE_MMIO, .base = gpa(base),
                           .size = VPLIC_SIZE(p->state.contexts), .ops = &plic_ops, .priv = p};
    vm_add_vdev(vm, &p->dev);
    vm->arch.plic = p;
    if (pt)
        LOG_AT(LOG_INFO, (long)vm->id, "'%s': the host's PLIC is the hypervisor's; the VM gets a vPLIC at %#llx with "
               "only its own interrupt sources", pt->name, (unsigned long long)base);
    LOG_AT(LOG_DEBUG, (long)vm->id, "vPLIC at %#llx, %u contexts", (unsigned long long)base, p->state.contexts);
    return 0;
}

/* Before the vCPUs go: the PLIC no longer delivers to them (the device itself goes with the
 * VM's other devices). */
void virq_release(struct vm *vm)
{
    vimsic_release(vm);
    struct vplic_dev *d = vm->arch.plic;
    if (!d)
        return;
    for (u32 i = 0; i < d->fwd_count; i++) {
        irq_disable(d->fwd[i].host_irq);
        irq_set_handler(d->fwd[i].host_irq, NULL, NULL);
    }
    spin_lock(&d->lock);
    d->released = true;
    /* A claim the guest never completed: closed, or the source would stay silent for whoever
     * takes it next (it is masked now). */
    for (u32 i = 0; i < d->fwd_count; i++)
        if (d->fwd[i].held) {
            d->fwd[i].held = false;
            plic_complete(d->fwd[i].host_irq);
        }
    spin_unlock(&d->lock);
}

bool riscv_vm_plic(const struct vm *vm, u64 *base, u64 *size)
{
    const struct vplic_dev *d = vm->arch.plic;
    if (!d)
        return false;
    *base = d->dev.base.val;
    *size = d->dev.size;
    return true;
}
