/* Fake GICv3 virtualization hardware and the parts of the hypervisor the vGIC calls into
 * (scheduler kicks, device registration). See vgic_fake_hw.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <base/log.h>
#include <hv/sched.h>
#include <hv/vm.h>
#include <lib/string.h>

#include "vgic_fake_hw.h"
#include <base/irq.h>
#include <hv/arch.h>

struct fake_hw fake_hw;

static void fake_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fake_error(const char *fmt, ...)
{
    if (fake_hw.errors++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fake_hw.first_error, sizeof(fake_hw.first_error), fmt, ap);
        va_end(ap);
    }
}

void fake_hw_reset(u32 nr_lrs)
{
    memset(&fake_hw, 0, sizeof(fake_hw));
    if (nr_lrs == 0 || nr_lrs > VGIC_MAX_LRS) {
        fprintf(stderr, "fake_hw_reset: %u list registers is not 1..%u\n", nr_lrs, VGIC_MAX_LRS);
        abort();
    }
    fake_hw.nr_lrs = nr_lrs;
}

void fake_hw_on_cpu(u32 cpu)
{
    if (cpu >= FAKE_NR_PCPUS) {
        fprintf(stderr, "fake_hw_on_cpu: no CPU %u\n", cpu);
        abort();
    }
    fake_hw.cpu = cpu;
}

struct fake_pcpu *fake_cur(void)
{
    return &fake_hw.pcpu[fake_hw.cpu];
}

void fake_clear_kicks(void)
{
    memset(fake_hw.kicks, 0, sizeof(fake_hw.kicks));
    fake_hw.total_kicks = 0;
    fake_hw.last_kick = 0;
}

/* ---- <arch/vgic_lr.h> ---- */

u32 vgic_lr_count(void)
{
    return fake_hw.nr_lrs;
}

void vgic_lr_write(u32 i, u32 intid, u8 priority, enum lr_state state, bool eoi, bool hw)
{
    struct fake_pcpu *c = fake_cur();
    fake_hw.lr_writes++;
    if (i >= fake_hw.nr_lrs) {
        fake_error("vgic_lr_write: LR %u of %u on cpu %u", i, fake_hw.nr_lrs, fake_hw.cpu);
        return;
    }
    if ((unsigned)state > LR_PENDING_ACTIVE) {
        fake_error("vgic_lr_write: bad state %d", (int)state);
        return;
    }
    if (state == LR_INVALID) {
        c->lr[i] = (struct fake_lr){0, 0, LR_INVALID, false, false};
        return;
    }
    if (intid >= VGIC_NR_IRQS)
        fake_error("vgic_lr_write: INTID %u out of range", intid);
    if (hw && (eoi || state == LR_PENDING_ACTIVE))
        fake_error("vgic_lr_write: INTID %u hw with %s", intid, eoi ? "EOI" : "pending and active");
    c->lr[i] = (struct fake_lr){intid, priority, state, eoi, hw};
}

bool vgic_lr_hw_link_ok(void) { return !fake_hw.hw_link_broken; }

bool vgic_lr_write_if_free(u32 i, u32 intid, u8 priority, bool eoi)
{
    if (i >= fake_hw.nr_lrs) {
        fake_error("vgic_lr_write_if_free: LR %u of %u", i, fake_hw.nr_lrs);
        return false;
    }
    if (fake_cur()->lr[i].state != LR_INVALID)
        return false;
    vgic_lr_write(i, intid, priority, LR_PENDING, eoi, false);
    return true;
}

u64 vgic_lr_tick_gen(u64 gen) { return gen; }

u64 vgic_lr_hw_pending(u32 intid, u8 priority)
{
    return (u64)LR_PENDING << 62 | (u64)priority << 48 | intid; /* (decoded by fake_steady_tick) */
}

bool fake_steady_tick(struct vcpu *v)
{
    struct vgic_cpu *c = &v->arch.vgic;
    if (!c->tick_lr_val || c->tick_gen != v->vm->arch.vgic.gen)
        return false;
    if (c->tick_lr >= fake_hw.nr_lrs) {
        fake_error("steady tick: LR %u of %u", c->tick_lr, fake_hw.nr_lrs);
        return false;
    }
    if (fake_cur()->lr[c->tick_lr].state != LR_INVALID)
        return false;
    vgic_lr_write(c->tick_lr, (u32)(c->tick_lr_val & 0x3ff), (u8)(c->tick_lr_val >> 48), LR_PENDING, false, true);
    v->vm->arch.vgic.injected++;
    return true;
}

void fake_hw_check_entry(void)
{
    /* Two valid LRs with one INTID when the guest runs is UNPREDICTABLE on hardware (while the
     * hypervisor rewrites them one by one it is harmless, so this is checked at entry). */
    struct fake_pcpu *c = fake_cur();
    for (u32 i = 0; i < fake_hw.nr_lrs; i++)
        for (u32 j = i + 1; j < fake_hw.nr_lrs; j++)
            if (c->lr[i].state != LR_INVALID && c->lr[j].state != LR_INVALID &&
                c->lr[i].intid == c->lr[j].intid)
                fake_error("guest entry: INTID %u in LR %u and LR %u on cpu %u", c->lr[i].intid, i, j,
                           fake_hw.cpu);
}

enum lr_state vgic_lr_state(u32 i)
{
    if (i >= fake_hw.nr_lrs) {
        fake_error("vgic_lr_state: LR %u of %u", i, fake_hw.nr_lrs);
        return LR_INVALID;
    }
    return fake_cur()->lr[i].state;
}

void vgic_hcr_write(bool enable, bool underflow)
{
    struct fake_pcpu *c = fake_cur();
    c->hcr_enable = enable;
    c->hcr_underflow = underflow;
    c->hcr_writes++;
}

void vgic_cpuif_save(u64 *vmcr, u64 ap1r[4])
{
    struct fake_pcpu *c = fake_cur();
    *vmcr = c->vmcr;
    for (int i = 0; i < 4; i++)
        ap1r[i] = c->ap1r[i];
}

void vgic_cpuif_restore(u64 vmcr, const u64 ap1r[4])
{
    struct fake_pcpu *c = fake_cur();
    c->vmcr = vmcr;
    for (int i = 0; i < 4; i++)
        c->ap1r[i] = ap1r[i];
}

/* ---- the guest's side of the list registers ---- */

int fake_lr_find(u32 intid)
{
    struct fake_pcpu *c = fake_cur();
    for (u32 i = 0; i < fake_hw.nr_lrs; i++)
        if (c->lr[i].state != LR_INVALID && c->lr[i].intid == intid)
            return (int)i;
    return -1;
}

enum lr_state fake_lr_state_of(u32 intid)
{
    int i = fake_lr_find(intid);
    return i < 0 ? LR_INVALID : fake_cur()->lr[i].state;
}

u32 fake_lr_valid_count(void)
{
    u32 n = 0;
    for (u32 i = 0; i < fake_hw.nr_lrs; i++)
        n += fake_cur()->lr[i].state != LR_INVALID;
    return n;
}

/* Lowest priority value among active LRs (256 when none): pending ones must beat it. */
static u32 running_priority(void)
{
    u32 rp = 256;
    struct fake_pcpu *c = fake_cur();
    for (u32 i = 0; i < fake_hw.nr_lrs; i++)
        if ((c->lr[i].state == LR_ACTIVE || c->lr[i].state == LR_PENDING_ACTIVE) && c->lr[i].priority < rp)
            rp = c->lr[i].priority;
    return rp;
}

u32 fake_guest_ack(void)
{
    struct fake_pcpu *c = fake_cur();
    u32 rp = running_priority();
    int best = -1;
    for (u32 i = 0; i < fake_hw.nr_lrs; i++)
        if (c->lr[i].state == LR_PENDING && c->lr[i].priority < rp &&
            (best < 0 || c->lr[i].priority < c->lr[best].priority))
            best = (int)i;
    if (best < 0)
        return FAKE_SPURIOUS;
    c->lr[best].state = LR_ACTIVE;
    return c->lr[best].intid;
}

bool fake_guest_ack_intid(u32 intid)
{
    int i = fake_lr_find(intid);
    struct fake_pcpu *c = fake_cur();
    if (i < 0 || c->lr[i].state != LR_PENDING || c->lr[i].priority >= running_priority())
        return false;
    c->lr[i].state = LR_ACTIVE;
    return true;
}

bool fake_guest_eoi(u32 intid)
{
    int i = fake_lr_find(intid);
    struct fake_pcpu *c = fake_cur();
    if (i < 0)
        return false;
    if (c->lr[i].state == LR_ACTIVE) {
        c->lr[i] = (struct fake_lr){0, 0, LR_INVALID, false, false};
        return true;
    }
    if (c->lr[i].state == LR_PENDING_ACTIVE) {
        c->lr[i].state = LR_PENDING;
        return true;
    }
    return false;
}

/* ---- the rest of the hypervisor ---- */

u32 sched_this_cpu(void) { return fake_hw.cpu; }

void sched_kick(u32 cpu)
{
    if (cpu >= FAKE_NR_PCPUS) {
        fake_error("sched_kick: no CPU %u", cpu);
        return;
    }
    fake_hw.kicks[cpu]++;
    fake_hw.total_kicks++;
    fake_hw.last_kick = cpu;
}

/* Virtual IRQ line (software GICv2 CPU interface) and deactivation hooks. */
void vcpu_arch_set_virq(struct vcpu *vcpu, bool level)
{
    if (vcpu->id < FAKE_NR_PCPUS)
        fake_hw.virq[vcpu->id] = level;
}

void vcpu_arch_irq_deactivated(struct vcpu *vcpu, u32 intid)
{
    (void)vcpu;
    fake_hw.deactivations++;
    fake_hw.last_deactivated = intid;
}

void vcpu_arch_hide_gic_sysregs(struct vcpu *vcpu) { (void)vcpu; }

bool vcpu_arch_irq_line(struct vcpu *vcpu, u32 intid, bool *level)
{
    (void)intid;
    if (vcpu->id >= FAKE_NR_PCPUS || !fake_hw.hw_line_readable[vcpu->id])
        return false;
    *level = fake_hw.hw_line[vcpu->id];
    return true;
}

/* Host interrupt controller: forwarded SPIs. */
u32 gic_version(void) { return 3; }
u64 gic_v2_vcpu_base(void) { return 0; }
u64 gic_v2_hyp_base(void) { return 0; }
void irq_set_handler(u32 intid, irq_handler_t fn, void *arg)
{
    if (intid < 1020) {
        fake_hw.host_handler[intid] = fn;
        fake_hw.host_arg[intid] = arg;
    }
}
void irq_enable(u32 intid)
{
    if (intid < 1020)
        fake_hw.host_enabled[intid] = true;
}
void irq_disable(u32 intid)
{
    if (intid < 1020)
        fake_hw.host_enabled[intid] = false;
}
void irq_set_target(u32 intid, u32 cpu) { (void)intid, (void)cpu; }

void vm_add_vdev(struct vm *vm, struct vdev *dev)
{
    dev->next = vm->devices;
    vm->devices = dev;
}

enum log_level log_level_current = LOG_ERROR;

void log_write(enum log_level level, long vm_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[log %d vm %ld] ", (int)level, vm_id);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "panic: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
