/* The virtual local APIC (<arch/vlapic.h>). Register layout and semantics: AMD64 APM vol. 2,
 * chapter 16 (local APIC), and Intel SDM vol. 3, 11 (xAPIC). */
#include <arch/spinlock.h>
#include <arch/vlapic.h>
#include <arch/vlapic_upcalls.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/timer.h>
#include <hv/sched.h>
#include <hv/vm.h>
#include <lib/string.h>

#define REG_ID 0x20
#define REG_VER 0x30
#define REG_TPR 0x80
#define REG_APR 0x90
#define REG_PPR 0xa0
#define REG_EOI 0xb0
#define REG_LDR 0xd0
#define REG_DFR 0xe0
#define REG_SVR 0xf0
#define REG_ISR 0x100
#define REG_TMR 0x180
#define REG_IRR 0x200
#define REG_ESR 0x280
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT0 0x320 /* timer; then thermal, performance, LINT0, LINT1, error at 0x10 steps */
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_MODE (3u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define SVR_ENABLE (1u << 8)
#define VERSION 0x00050014u /* version 0x14 (integrated xAPIC), 6 LVT entries */

static spinlock_t lapic_lock = SPINLOCK_INIT; /* MMIO from the vCPU, timer polls and raises from its pCPU */

static struct vlapic *lapic(struct vcpu *v) { return &v->arch.lapic; }

static int highest(const u32 bits[8])
{
    for (int i = 7; i >= 0; i--)
        if (bits[i])
            return i * 32 + 31 - __builtin_clz(bits[i]);
    return -1;
}

static u32 ppr(const struct vlapic *l)
{
    int isr = highest(l->isr);
    u32 isrv = isr < 0 ? 0 : (u32)isr & 0xf0;
    return (l->tpr & 0xf0) >= isrv ? l->tpr & 0xff : isrv;
}

static void changed(struct vcpu *v)
{
    __atomic_add_fetch(&lapic(v)->gen, 1, __ATOMIC_RELEASE);
}

void vlapic_reset(struct vcpu *v)
{
    struct vlapic *l = lapic(v);
    memset(l, 0, sizeof(*l));
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    for (int i = 0; i < 7; i++)
        l->lvt[i] = LVT_MASKED;
}

static void raise_locked(struct vcpu *v, u8 vector)
{
    struct vlapic *l = lapic(v);
    if (vector < 16) { /* illegal vector: ESR "received illegal vector" */
        l->esr |= 1u << 6;
        return;
    }
    l->irr[vector / 32] |= 1u << (vector % 32);
    changed(v);
}

/* A halted vCPU with an interrupt now deliverable runs again. */
static void wake(struct vcpu *v)
{
    if (v->state == VCPU_HALTED && vlapic_deliverable(v) >= 0) {
        __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_RELEASE);
        sched_kick(v->pcpu);
    }
}

void vlapic_set_tmr(struct vcpu *v, u8 vector)
{
    spin_lock(&lapic_lock);
    lapic(v)->tmr[vector / 32] |= 1u << (vector % 32);
    spin_unlock(&lapic_lock);
}

void vlapic_raise(struct vcpu *v, u8 vector)
{
    spin_lock(&lapic_lock);
    raise_locked(v, vector);
    spin_unlock(&lapic_lock);
    wake(v);
}

int vlapic_deliverable(const struct vcpu *v)
{
    const struct vlapic *l = &v->arch.lapic;
    if (!(l->svr & SVR_ENABLE))
        return -1;
    int vec = highest(l->irr);
    return vec >= 0 && ((u32)vec & 0xf0) > (ppr(l) & 0xf0) ? vec : -1;
}

void vlapic_accept(struct vcpu *v, u8 vector)
{
    struct vlapic *l = lapic(v);
    spin_lock(&lapic_lock);
    l->irr[vector / 32] &= ~(1u << (vector % 32));
    l->isr[vector / 32] |= 1u << (vector % 32);
    spin_unlock(&lapic_lock);
}

static bool tsc_mode(const struct vlapic *l) { return (l->lvt[0] & LVT_TIMER_MODE) == LVT_TIMER_TSC_DEADLINE; }

static u32 divisor(u32 div)
{
    u32 v = (div & 3) | ((div >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

/* a * num / den without overflowing 64 bits (num, den < 2^32; a up to 2^39 here). */
static u64 scale(u64 a, u64 num, u64 den) { return a / den * num + a % den * num / den; }

/* A periodic timer fires at most every 100 us (as KVM clamps it): a guest asking for a period of
 * a few nanoseconds would otherwise keep its pCPU in the timer path. */
#define MIN_PERIOD_NS 100000ull

/* Loads the count: the timer runs from now for initial * divisor APIC timer ticks. */
static void timer_load(struct vlapic *l, u64 now)
{
    u64 ticks = (u64)l->timer_initial * divisor(l->timer_divide);
    l->timer_start = now;
    l->timer_period = ticks ? scale(ticks, timer_freq(), VLAPIC_TIMER_HZ) : 0;
    if (ticks && l->timer_period == 0)
        l->timer_period = 1;
    u64 min = scale(MIN_PERIOD_NS, timer_freq(), 1000000000ull);
    if (ticks && (l->lvt[0] & LVT_TIMER_MODE) == LVT_TIMER_PERIODIC && l->timer_period < min)
        l->timer_period = min;
    l->timer_deadline = l->timer_period ? now + l->timer_period : 0;
}

u64 vlapic_timer_poll(struct vcpu *v, u64 now)
{
    struct vlapic *l = lapic(v);
    bool fired = false;
    spin_lock(&lapic_lock);
    if (l->timer_deadline && now >= l->timer_deadline) {
        if (!(l->lvt[0] & LVT_MASKED) && (l->svr & SVR_ENABLE))
            raise_locked(v, (u8)l->lvt[0]), fired = true;
        if ((l->lvt[0] & LVT_TIMER_MODE) == LVT_TIMER_PERIODIC) {
            /* Periods missed while the vCPU did not run are one interrupt, as on a busy CPU. */
            u64 missed = (now - l->timer_deadline) / l->timer_period;
            l->timer_start = l->timer_deadline + missed * l->timer_period;
            l->timer_deadline = l->timer_start + l->timer_period;
        } else {
            l->timer_deadline = 0;
            l->tsc_deadline = 0; /* TSC-deadline: the MSR reads 0 once it fired */
        }
    }
    u64 next = l->timer_deadline;
    spin_unlock(&lapic_lock);
    if (fired)
        wake(v);
    return next;
}

/* INIT: the target waits for a startup IPI (a running vCPU of this first step is not reset:
 * the report says so). SIPI: a waiting vCPU starts in real mode at vector:0000. */
static void deliver_ipi(struct vcpu *from, struct vcpu *to, u32 mode, u8 vector)
{
    struct vm *vm = from->vm;
    if (mode == 0) {
        vlapic_raise(to, vector);
    } else if (mode == 5) {
        if (to->state == VCPU_OFF)
            to->arch.wait_sipi = true;
        else if (to != from)
            LOG_AT(LOG_WARN, (long)vm->id, "vcpu%u: INIT to running vcpu%u ignored", from->id, to->id);
    } else if (mode == 6) {
        if (to->state == VCPU_OFF && to->arch.wait_sipi) {
            to->arch.wait_sipi = false;
            to->arch.sipi_vector = vector;
            if (vcpu_power_on(to, gpa((u64)vector << 12), 0) == 0)
                LOG_AT(LOG_DEBUG, (long)vm->id, "vcpu%u: started by vcpu%u at %#x:0000", to->id, from->id,
                       (unsigned)vector << 8);
        }
    }
}

static void send_ipi(struct vcpu *from, u32 icr, u32 dest)
{
    struct vm *vm = from->vm;
    u32 shorthand = (icr >> 18) & 3, mode = (icr >> 8) & 7;
    bool logical = icr & (1u << 11);
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        struct vcpu *to = vm->vcpus[i];
        bool hit = shorthand == 1   ? to == from
                   : shorthand == 2 ? true
                   : shorthand == 3 ? to != from
                   : logical        ? (dest & (to->arch.lapic.ldr >> 24)) != 0 /* flat model */
                                    : dest == 0xff || dest == to->hwid;
        if (hit)
            deliver_ipi(from, to, mode, (u8)icr);
    }
}

/* Converts the armed guest TSC deadline into host counter ticks, the guest's TSC being the host's
 * plus tsc_offset (the control block's, which the guest moves by writing its TSC): compared as a
 * distance from the guest's now, so that neither a deadline in the past nor one near 2^64 wraps.
 * A deadline already reached fires at the next poll, before the guest runs again. */
static void tsc_arm(struct vlapic *l, u64 tsc_offset)
{
    if (!l->tsc_deadline) {
        l->timer_deadline = 0;
        return;
    }
    u64 now = timer_ticks(), guest_now = now + tsc_offset;
    u64 ahead = l->tsc_deadline > guest_now ? l->tsc_deadline - guest_now : 0;
    l->timer_deadline = ahead > ~0ull - now ? ~0ull : now + ahead; /* (never 0: now is not) */
}

u64 vlapic_tsc_deadline_read(struct vcpu *v)
{
    spin_lock(&lapic_lock);
    u64 val = tsc_mode(lapic(v)) ? lapic(v)->tsc_deadline : 0;
    spin_unlock(&lapic_lock);
    return val;
}

void vlapic_tsc_deadline_write(struct vcpu *v, u64 deadline, u64 tsc_offset)
{
    struct vlapic *l = lapic(v);
    spin_lock(&lapic_lock);
    bool armed = tsc_mode(l); /* in the other modes the MSR ignores writes (SDM vol. 3, 11.5.4.1) */
    if (armed) {
        l->tsc_deadline = deadline; /* 0 disarms */
        tsc_arm(l, tsc_offset);
        changed(v);
    }
    spin_unlock(&lapic_lock);
    if (armed)
        sched_request_exit(v->pcpu); /* the run loop polls (a past deadline fires) and re-arms */
}

void vlapic_tsc_offset_changed(struct vcpu *v, u64 tsc_offset)
{
    struct vlapic *l = lapic(v);
    spin_lock(&lapic_lock);
    bool armed = tsc_mode(l) && l->tsc_deadline;
    if (armed)
        tsc_arm(l, tsc_offset);
    spin_unlock(&lapic_lock);
    if (armed)
        sched_request_exit(v->pcpu);
}

static u32 current_count(const struct vlapic *l, u64 now)
{
    if (tsc_mode(l) || !l->timer_deadline || now >= l->timer_deadline)
        return 0;
    u64 left = l->timer_deadline - now; /* host ticks */
    u64 count = scale(left, VLAPIC_TIMER_HZ, timer_freq()) / divisor(l->timer_divide);
    return count < l->timer_initial ? (u32)count : l->timer_initial; /* (a clamped period runs longer) */
}

static bool lapic_read(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 *val)
{
    (void)dev;
    if (width != 4 || (off & 0xf))
        return false; /* the registers are 32-bit, 16-byte aligned */
    struct vlapic *l = lapic(v);
    u32 r = 0;
    spin_lock(&lapic_lock);
    if (off >= REG_ISR && off < REG_ISR + 0x80)
        r = l->isr[(off - REG_ISR) / 16];
    else if (off >= REG_TMR && off < REG_TMR + 0x80)
        r = l->tmr[(off - REG_TMR) / 16];
    else if (off >= REG_IRR && off < REG_IRR + 0x80)
        r = l->irr[(off - REG_IRR) / 16];
    else if (off >= REG_LVT0 && off <= REG_LVT_ERROR)
        r = l->lvt[(off - REG_LVT0) / 16];
    else {
        switch (off) {
        case REG_ID: r = (u32)v->hwid << 24; break;
        case REG_VER: r = VERSION; break;
        case REG_TPR: r = l->tpr; break;
        case REG_PPR: r = ppr(l); break;
        case REG_LDR: r = l->ldr; break;
        case REG_DFR: r = l->dfr; break;
        case REG_SVR: r = l->svr; break;
        case REG_ESR: r = l->esr; break;
        case REG_ICR_LO: r = l->icr_lo; break;
        case REG_ICR_HI: r = l->icr_hi; break;
        case REG_TIMER_INIT: r = tsc_mode(l) ? 0 : l->timer_initial; break;
        case REG_TIMER_CUR: r = current_count(l, timer_ticks()); break;
        case REG_TIMER_DIV: r = l->timer_divide; break;
        default: r = 0; break; /* APR, EOI and reserved read as 0 */
        }
    }
    spin_unlock(&lapic_lock);
    *val = r;
    return true;
}

static bool lapic_write(struct vdev *dev, struct vcpu *v, u64 off, u8 width, u64 val64)
{
    (void)dev;
    if (width != 4 || (off & 0xf))
        return false;
    struct vlapic *l = lapic(v);
    u32 val = (u32)val64;
    bool rearm = false, ipi = false;
    int eoi_level = -1;
    spin_lock(&lapic_lock);
    if (off >= REG_LVT0 && off <= REG_LVT_ERROR) {
        u32 i = (u32)(off - REG_LVT0) / 16;
        bool was_tsc = tsc_mode(l);
        /* timer: vector, mask, mode; the others: vector, delivery mode, polarity, trigger, mask */
        l->lvt[i] = val & (i == 0 ? 0x700ffu : 0x1a7ffu);
        if (i == 0 && was_tsc != tsc_mode(l)) {
            /* Into or out of TSC-deadline mode: the timer is disarmed, the count stopped and the
             * deadline forgotten (SDM vol. 3, 11.5.4.1). */
            l->timer_deadline = 0;
            l->tsc_deadline = 0;
        }
        if (!(l->svr & SVR_ENABLE))
            l->lvt[i] |= LVT_MASKED;
        rearm = i == 0;
    } else {
        switch (off) {
        case REG_TPR: l->tpr = val & 0xff; break;
        case REG_EOI: {
            int vec = highest(l->isr);
            if (vec >= 0) {
                l->isr[vec / 32] &= ~(1u << (vec % 32));
                if (l->tmr[vec / 32] & (1u << (vec % 32))) {
                    l->tmr[vec / 32] &= ~(1u << (vec % 32));
                    eoi_level = vec;
                }
            }
            break;
        }
        case REG_LDR: l->ldr = val & 0xff000000u; break;
        case REG_DFR: l->dfr = val | 0x0fffffffu; break;
        case REG_SVR:
            l->svr = val & 0x3ff;
            if (!(val & SVR_ENABLE))
                for (int i = 0; i < 6; i++)
                    l->lvt[i] |= LVT_MASKED;
            break;
        case REG_ESR: l->esr = 0; break; /* a write latches (here: clears) the errors */
        case REG_ICR_HI: l->icr_hi = val & 0xff000000u; break;
        case REG_ICR_LO:
            l->icr_lo = val & ~(1u << 12); /* delivered at once: never "send pending" */
            ipi = true;
            break;
        case REG_TIMER_INIT:
            if (tsc_mode(l))
                break; /* ignored in TSC-deadline mode */
            l->timer_initial = val;
            timer_load(l, timer_ticks());
            rearm = true;
            break;
        case REG_TIMER_DIV: l->timer_divide = val & 0xb; break;
        default: break; /* read-only and reserved registers ignore writes */
        }
    }
    changed(v);
    spin_unlock(&lapic_lock);
    if (rearm)
        sched_request_exit(v->pcpu); /* the run loop re-arms its timer for the new deadline */
    if (ipi)
        send_ipi(v, val, l->icr_hi >> 24);
    if (eoi_level >= 0)
        vioapic_eoi(v->vm, (u8)eoi_level);
    return true;
}

static void lapic_destroy(struct vdev *dev) { kfree(dev); }

static const struct vdev_ops lapic_ops = {lapic_read, lapic_write, lapic_destroy};

int vlapic_create(struct vm *vm, struct diag *d)
{
    struct vdev *dev = kzalloc(sizeof(*dev));
    if (!dev) {
        diag_error(d, vm->config->file, vm->config->irq_mode_line, "devices.interrupt_mode",
                   "out of memory for the virtual local APIC");
        return -1;
    }
    *dev = (struct vdev){.name = "vlapic", .space = VDEV_SPACE_MMIO, .base = gpa(VLAPIC_BASE), .size = VLAPIC_SIZE,
                         .ops = &lapic_ops};
    vm_add_vdev(vm, dev);
    for (u32 i = 0; i < vm->vcpu_count; i++)
        vlapic_reset(vm->vcpus[i]);
    vm->arch.lapic = true;
    return 0;
}
