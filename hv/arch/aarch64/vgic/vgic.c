/* Generic vGIC state machine: injection, list-register flush/sync, SGIs, WFI wake-ups.
 * One lock per VM guards the distributor and every vCPU's private interrupts. */
#include <arch/vgic_lr.h>
#include <base/irq.h>
#include <base/log.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <arch/vgic.h>
#include <hv/vm.h>

static struct vgic_irq *irq_of(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    if (intid < VGIC_NR_PRIVATE)
        return vcpu ? &vcpu->arch.vgic.priv[intid] : NULL;
    if (intid < VGIC_NR_IRQS)
        return &vm->arch.vgic.spi[intid - VGIC_NR_PRIVATE];
    return NULL;
}

/* An active SPI belongs to the vCPU that acknowledged it until deactivated, even if the guest
 * retargets it meanwhile; otherwise to its routing target. */
static u32 spi_owner(const struct vgic_irq *irq) { return irq->active ? irq->active_vcpu : irq->target; }

static struct vcpu *irq_target(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    if (intid < VGIC_NR_PRIVATE)
        return vcpu;
    u32 t = spi_owner(&vm->arch.vgic.spi[intid - VGIC_NR_PRIVATE]);
    return t < vm->vcpu_count ? vm->vcpus[t] : NULL;
}

static bool irq_pending(const struct vgic_irq *irq) { return irq->pending_latch || (!irq->edge && irq->level); }

/* Wakes the target if the interrupt is now deliverable; called with the vgic lock held. */
static void notify(struct vm *vm, struct vcpu *target, struct vgic_irq *irq)
{
    if (!target || !irq || !irq->enabled || !irq_pending(irq))
        return;
    __atomic_fetch_add(&vm->arch.vgic.injected, 1, __ATOMIC_RELAXED); /* (also counted without the lock) */
    if (target->state == VCPU_HALTED)
        target->state = VCPU_RUNNABLE;
    sched_kick(target->pcpu);
}

/* An edge (or a pending write) while the interrupt sits in a list register must survive the
 * sync that sees the guest acknowledge the earlier one. */
void vgic_mark_pending_locked(struct vgic_irq *irq)
{
    irq->pending_latch = true;
    if (irq->in_lr)
        irq->repend = true;
}

static bool irq_hot(const struct vgic_irq *irq) { return irq->active || (irq->enabled && irq_pending(irq)); }

/* With the interrupt at hand (inlined on the delivery paths: set_level, sync). */
static inline __attribute__((always_inline)) void update_hot(struct vm *vm, struct vcpu *vcpu, u32 intid,
                                                             const struct vgic_irq *irq)
{
    if (intid < VGIC_NR_PRIVATE) {
        u32 bit = 1u << intid;
        vcpu->arch.vgic.priv_hot = irq_hot(irq) ? vcpu->arch.vgic.priv_hot | bit : vcpu->arch.vgic.priv_hot & ~bit;
    } else {
        u32 n = intid - VGIC_NR_PRIVATE;
        u64 bit = 1ull << (n % 64);
        u64 *w = &vm->arch.vgic.spi_hot[n / 64];
        *w = irq_hot(irq) ? *w | bit : *w & ~bit;
    }
}

void vgic_update_hot_locked(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    struct vgic_irq *irq = irq_of(vm, vcpu, intid);
    if (irq)
        update_hot(vm, vcpu, intid, irq);
}

void vgic_notify_locked(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    vgic_update_hot_locked(vm, vcpu, intid);
    notify(vm, irq_target(vm, vcpu, intid), irq_of(vm, vcpu, intid));
}

/* A line dropped and took away the pending state of an interrupt that may already be
 * signalled to its vCPU (in a list register, or on the virtual IRQ line): that vCPU must resync
 * before it runs on. The current pCPU's run loop sees `retracted` change and takes the full exit
 * path; another pCPU is kicked. */
static void retract_locked(struct vm *vm, struct vcpu *target, u32 intid, struct vgic_irq *irq)
{
    if (!target || !(irq->in_lr || vm->arch.vgic.delivery == VGIC_DELIVER_SOFT))
        return;
    if (irq->in_lr && target->pcpu == sched_this_cpu()) {
        /* Its list registers are the ones here: nothing to take back if the guest already took
         * it (a handler draining its device), so it is not rewritten under the handler. */
        for (u32 i = 0; i < target->arch.vgic.lr_used; i++)
            if (target->arch.vgic.lr_intid[i] == intid && !(vgic_lr_state(i) & LR_PENDING))
                return;
    }
    vm->arch.vgic.retracted++;
    sched_kick(target->pcpu);
}

static void track_hw_line(struct vcpu *vcpu, u32 intid, const struct vgic_irq *irq)
{
    if (intid < VGIC_NR_PRIVATE && irq->hw)
        vcpu->arch.vgic.hw_high = irq->level ? vcpu->arch.vgic.hw_high | 1u << intid : vcpu->arch.vgic.hw_high & ~(1u << intid);
}

static void set_level_locked(struct vm *vm, struct vcpu *vcpu, u32 intid, struct vgic_irq *irq, bool level)
{
    bool was = irq->enabled && irq_pending(irq);
    irq->level = level;
    track_hw_line(vcpu, intid, irq);
    if (level && irq->edge)
        vgic_mark_pending_locked(irq);
    update_hot(vm, vcpu, intid, irq);
    if (level)
        notify(vm, irq_target(vm, vcpu, intid), irq);
    else if (was && !irq_pending(irq))
        retract_locked(vm, irq_target(vm, vcpu, intid), intid, irq);
}

void vgic_set_level(struct vm *vm, struct vcpu *vcpu, u32 intid, bool level)
{
    vgic_lock(&vm->arch.vgic);
    struct vgic_irq *irq = irq_of(vm, vcpu, intid);
    if (irq && irq->level != level)
        set_level_locked(vm, vcpu, intid, irq, level);
    spin_unlock(&vm->arch.vgic.lock);
}

/* The hw line of a private interrupt went down before the guest took it: the physical
 * interrupt held active for the guest is released (the source may fire again). */
static void drop_hw_line_locked(struct vm *vm, struct vcpu *vcpu, u32 intid, struct vgic_irq *irq)
{
    set_level_locked(vm, vcpu, intid, irq, false);
    if (!irq->active)
        vcpu_arch_irq_deactivated(vcpu, intid);
}

void vgic_resample_locked(struct vm *vm, struct vcpu *vcpu)
{
    for (u32 bits = vcpu->arch.vgic.hw_high; bits; bits &= bits - 1) {
        u32 intid = (u32)__builtin_ctz(bits);
        struct vgic_irq *irq = &vcpu->arch.vgic.priv[intid];
        bool line;
        /* (In a list register: the sync that takes it out resamples.) */
        if (!irq->in_lr && vcpu_arch_irq_line(vcpu, intid, &line) && !line)
            drop_hw_line_locked(vm, vcpu, intid, irq);
    }
}

/* The guest acknowledged a hw interrupt: that consumes the sampled line. The physical
 * interrupt stays active until the guest deactivates this one, and comes again if the line is
 * still up then. */
void vgic_hw_acked_locked(struct vcpu *vcpu, u32 intid, struct vgic_irq *irq)
{
    irq->level = false;
    track_hw_line(vcpu, intid, irq);
}

void vgic_raise(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    vgic_lock(&vm->arch.vgic);
    struct vgic_irq *irq = irq_of(vm, vcpu, intid);
    if (irq) {
        vgic_mark_pending_locked(irq);
        update_hot(vm, vcpu, intid, irq);
        notify(vm, irq_target(vm, vcpu, intid), irq);
    }
    spin_unlock(&vm->arch.vgic.lock);
}

/* ICC_SGI1R_EL1: TargetList[15:0], Aff1[23:16], INTID[27:24], Aff2[39:32], IRM[40], RS[47:44], Aff3[55:48].
 * The vCPUs of from's VM that v targets, as a mask of vCPU indices: one pass, the affinity
 * fields decoded once. */
static u32 sgi_targets(const struct vcpu *from, u64 v)
{
    const struct vm *vm = from->vm;
    u32 all = (u32)((1ull << vm->vcpu_count) - 1);
    if (v & (1ull << 40))
        return all & ~(1u << from->id); /* IRM: all but self */
    /* Every vCPU's affinity its index, Aff0 only (vgic_v3_create): the TargetList itself. */
    if (vm->arch.vgic.sgi_aff0_ids && !(v & 0x00fff0ff00ff0000ull)) /* Aff3, RS, Aff2, Aff1 all 0 */
        return (u32)(v & 0xffff) & all;
    u64 aff_hi = (((v >> 48) & 0xff) << 32) | (((v >> 32) & 0xff) << 16) | (((v >> 16) & 0xff) << 8);
    u64 rs = (v >> 44) & 0xf;
    u32 mask = 0;
#pragma clang loop unroll(disable)
    for (u32 i = 0; i < vm->vcpu_count; i++) {
        u64 hwid = vm->vcpus[i]->hwid;
        if ((hwid >> 4) != ((aff_hi >> 4) | rs)) /* Aff3-Aff1 and Aff0's upper bits (RS) */
            continue;
        if ((v >> (hwid & 0xf)) & 1)
            mask |= 1u << i;
    }
    return mask;
}

/* vgic_raise for each target, under one lock (inline: on the trapped SGI's fast path). The lock is
 * taken without moving gen (vgic_lock says why): a raise changes only its targets' SGIs, and
 * retires a target's SGI word itself. A target whose SGI word stands for this SGI gets it through
 * its mailbox: the bit is all that vgic_mark_pending_locked would change (the SGI's repend: it
 * sits in list register 0, its pending_latch and hot bit are set already). */
static inline __attribute__((always_inline)) void raise_sgis(struct vm *vm, u32 targets, u32 intid)
{
    spin_lock(&vm->arch.vgic.lock);
    u64 gen = vm->arch.vgic.gen;
    u32 bit = 1u << (intid & 0xf);
    for (; targets; targets &= targets - 1) {
        struct vcpu *t = vm->vcpus[__builtin_ctz(targets)];
        struct vgic_cpu *c = &t->arch.vgic;
        struct vgic_irq *irq = &c->priv[intid & 0xf]; /* (an SGI: update_hot's private case) */
        if (c->sgi_word == bit && c->sgi_gen == gen) {
            __atomic_fetch_or(&c->sgi_mbox, bit, __ATOMIC_RELEASE);
        } else {
            c->sgi_word = 0;
            vgic_mark_pending_locked(irq);
            update_hot(vm, t, intid & 0xf, irq);
        }
        notify(vm, t, irq);
    }
    spin_unlock(&vm->arch.vgic.lock);
}

/* The SGIs the mailbox holds become what the senders would have set under the lock (the SGI
 * sits in a list register: repend). Under the lock, on the vCPU's pCPU, before its list
 * registers' bookkeeping is read: the sync and the locked kick. */
static void sgi_mbox_drain_locked(struct vm *vm, struct vcpu *vcpu)
{
    struct vgic_cpu *c = &vcpu->arch.vgic;
    if (!__atomic_load_n(&c->sgi_mbox, __ATOMIC_RELAXED))
        return;
    for (u32 bits = __atomic_exchange_n(&c->sgi_mbox, 0, __ATOMIC_ACQUIRE); bits; bits &= bits - 1) {
        u32 intid = (u32)__builtin_ctz(bits);
        vgic_mark_pending_locked(&c->priv[intid]);
        update_hot(vm, vcpu, intid, &c->priv[intid]);
    }
}

bool vgic_send_sgi(struct vcpu *from, u64 v)
{
    u32 targets = sgi_targets(from, v);
    raise_sgis(from->vm, targets, (v >> 24) & 0xf);
    return (targets >> from->id) & 1;
}

bool vgic_send_sgi_to_others(struct vcpu *from, u64 v)
{
    u32 targets = sgi_targets(from, v);
    if ((targets >> from->id) & 1)
        return false;
    raise_sgis(from->vm, targets, (v >> 24) & 0xf);
    return true;
}

struct candidate {
    u32 intid;
    struct vgic_irq *irq;
};

/* Active interrupts first (the guest must be able to deactivate them), then by priority. */
static bool before(const struct candidate *a, const struct candidate *b)
{
    if (a->irq->active != b->irq->active)
        return a->irq->active;
    return a->irq->priority < b->irq->priority;
}

static void consider(struct candidate *best, u32 *n, u32 max, u32 intid, struct vgic_irq *irq, bool *overflow)
{
    if (!irq->active && !(irq->enabled && irq_pending(irq)))
        return;
    struct candidate c = {intid, irq};
    if (*n == max) {
        *overflow = true;
        if (!before(&c, &best[max - 1]))
            return;
        (*n)--;
    }
    u32 i = *n;
    while (i > 0 && before(&c, &best[i - 1])) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = c;
    (*n)++;
}

/* An SPI stays in the list registers of one vCPU at a time. Retargeted while there, it is
 * handed over: the old holder is kicked (vgic_spi_retargeted_locked), gives it up at its sync,
 * and only then wakes the new owner, which may load it. */
static bool held_elsewhere(const struct vgic_irq *irq, const struct vcpu *vcpu)
{
    return irq->in_lr && irq->lr_holder != vcpu->id;
}

void vgic_spi_retargeted_locked(struct vm *vm, u32 intid)
{
    struct vgic_irq *irq = irq_of(vm, NULL, intid);
    if (!irq)
        return;
    if (irq->in_lr && irq->lr_holder != spi_owner(irq) && irq->lr_holder < vm->vcpu_count)
        sched_kick(vm->vcpus[irq->lr_holder]->pcpu); /* its next sync hands the SPI over */
    vgic_notify_locked(vm, NULL, intid); /* the new target may be asleep */
}

static bool any_spi_hot(struct vm *vm)
{
    u64 any = 0;
    for (u32 w = 0; w < VGIC_NR_SPIS / 64; w++)
        any |= __atomic_load_n(&vm->arch.vgic.spi_hot[w], __ATOMIC_RELAXED);
    return any != 0;
}

/* The guest is done with an interrupt whose source waits for that: a forwarded physical SPI
 * (masked at the host GIC while the guest handles it) or an architecture source (the timer). */
void vgic_deactivated_locked(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
    struct vgic_irq *irq = irq_of(vm, vcpu, intid);
    if (!irq)
        return;
    if (irq->host_intid) {
        irq->level = false;
        vgic_update_hot_locked(vm, vcpu, intid);
        irq_enable(irq->host_intid); /* a device still asserting it interrupts again */
    } else {
        vcpu_arch_irq_deactivated(vcpu, intid);
    }
}

/* A forwarded SPI fired: mask it at the host until the guest deactivates it, since a level
 * source keeps asserting until the guest's driver has served the device. The VM sees it under
 * the same INTID. */
static void forwarded_irq(u32 intid, void *arg)
{
    struct vm *vm = arg;
    irq_disable(intid);
    struct vgic_irq *irq = &vm->arch.vgic.spi[intid - VGIC_NR_PRIVATE];
    vgic_lock(&vm->arch.vgic);
    irq->level = true;
    if (irq->edge)
        vgic_mark_pending_locked(irq);
    vgic_update_hot_locked(vm, NULL, intid);
    notify(vm, irq_target(vm, NULL, intid), irq);
    spin_unlock(&vm->arch.vgic.lock);
}

int vgic_forward_spi(struct vm *vm, u32 intid, bool edge)
{
    if (!vm->arch.vgic.present || intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS)
        return -1;
    struct vgic_irq *irq = &vm->arch.vgic.spi[intid - VGIC_NR_PRIVATE];
    irq->host_intid = intid;
    irq->eoi_notify = true;
    irq->edge = edge;
    irq_set_handler(intid, forwarded_irq, vm);
    irq_set_target(intid, vm->vcpus[0]->pcpu);
    irq_enable(intid);
    return 0;
}

BUILT_FOR_SIZE void vgic_release(struct vm *vm)
{
    for (u32 i = 0; i < VGIC_NR_SPIS; i++) {
        if (vm->arch.vgic.spi[i].host_intid) {
            irq_disable(i + VGIC_NR_PRIVATE);
            irq_set_handler(i + VGIC_NR_PRIVATE, NULL, NULL);
            vm->arch.vgic.spi[i].host_intid = 0;
        }
    }
}

void vgic_flush(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    if (!vm->arch.vgic.present) {
        vgic_hcr_write(false, false); /* a VM without vGIC gets no virtual interrupts */
        return;
    }
    if (vm->arch.vgic.delivery == VGIC_DELIVER_SOFT) {
        vgic_hcr_write(false, false);
        /* Nothing active or pending and no hw line up to resample: the line is low, known
         * without the VM-wide lock, which every exit of every vCPU would otherwise take (on an
         * overcommitted host a lock holder's thread is preempted and the other vCPUs spin:
         * Linux booted 2.3 times slower than on a GICv3 VM under the same load). Whoever
         * makes an interrupt deliverable afterwards kicks this vCPU's pCPU, as below. */
        if (!__atomic_load_n(&vcpu->arch.vgic.priv_hot, __ATOMIC_RELAXED) &&
            !__atomic_load_n(&vcpu->arch.vgic.hw_high, __ATOMIC_RELAXED) && !any_spi_hot(vm)) {
            vcpu_arch_set_virq(vcpu, false);
            return;
        }
        vgic_soft_update_line(vcpu);
        return;
    }
    struct candidate best[VGIC_MAX_LRS];
    u32 n = 0;
    bool overflow = false;
    /* The common exit: nothing to deliver and no list register in use. Read without the lock:
     * whoever makes an interrupt deliverable afterwards kicks this vCPU's pCPU, which brings
     * it back here. */
    if (!vcpu->arch.vgic.lr_used && !__atomic_load_n(&vcpu->arch.vgic.priv_hot, __ATOMIC_RELAXED) &&
        !any_spi_hot(vm))
        return;
    vgic_lock(&vm->arch.vgic);
    u32 max = vgic_lr_count();
    int hw_link_ok = -1; /* asked of the hardware once, if a hw interrupt is written */
    u32 unlinked = 0;
    for (u32 bits = vcpu->arch.vgic.priv_hot; bits; bits &= bits - 1) {
        u32 i = (u32)__builtin_ctz(bits);
        consider(best, &n, max, i, &vcpu->arch.vgic.priv[i], &overflow);
    }
    for (u32 w = 0; w < VGIC_NR_SPIS / 64; w++) {
        for (u64 bits = vm->arch.vgic.spi_hot[w]; bits; bits &= bits - 1) {
            u32 i = w * 64 + (u32)__builtin_ctzll(bits);
            if (spi_owner(&vm->arch.vgic.spi[i]) == vcpu->id && !held_elsewhere(&vm->arch.vgic.spi[i], vcpu))
                consider(best, &n, max, i + VGIC_NR_PRIVATE, &vm->arch.vgic.spi[i], &overflow);
        }
    }
    /* (The list registers past n are empty: sync_lrs empties every one it took.) */
    for (u32 i = 0; i < n; i++) {
        {
            struct vgic_irq *irq = best[i].irq;
            /* A hw interrupt is never written pending and active: its next pending state is
             * the physical one, which comes after the guest's deactivation. */
            bool pend = irq->enabled && irq_pending(irq) && !(irq->hw && irq->active);
            enum lr_state st = irq->active ? (pend ? LR_PENDING_ACTIVE : LR_ACTIVE) : LR_PENDING;
            /* A GICv2 guest reads the sender of an SGI from GICC_IAR[12:10]. */
            u32 lr_id = best[i].intid < 16 && vm->arch.vgic.version == 2 ? best[i].intid | (u32)(irq->sgi_source & 7) << 10
                                                                     : best[i].intid;
            /* Where the hardware cannot be trusted to deactivate the physical interrupt
             * (vgic_lr_hw_link_ok), a hw interrupt asks for the EOI maintenance interrupt and
             * the sync deactivates it. */
            if (irq->hw && hw_link_ok < 0)
                hw_link_ok = vgic_lr_hw_link_ok();
            bool link = irq->hw && hw_link_ok;
            vgic_lr_write(i, lr_id, irq->priority, st, (irq->eoi_notify || irq->hw) && !link, link);
            if (irq->hw && !link)
                unlinked |= 1u << i;
            vcpu->arch.vgic.lr_intid[i] = (u16)best[i].intid;
            irq->in_lr = true;
            irq->lr_holder = (u8)vcpu->id;
            irq->lr_pending = pend;
            irq->repend = false;
        }
    }
    vcpu->arch.vgic.lr_used = n;
    vcpu->arch.vgic.lr_unlinked = (u16)unlinked;
    if (overflow)
        vm->arch.vgic.lr_overflows++;
    spin_unlock(&vm->arch.vgic.lock);
    vgic_hcr_write(true, overflow);
}

/* Out of line: vgic_sync is called before every vGIC register access and after every exit,
 * mostly with no list register in use, and then stays a leaf function with no stack frame. */
static __attribute__((noinline)) void sync_lrs(struct vm *vm, struct vcpu *vcpu)
{
    vgic_lock(&vm->arch.vgic);
    sgi_mbox_drain_locked(vm, vcpu);
    for (u32 i = 0; i < vcpu->arch.vgic.lr_used; i++) {
        u32 intid = vcpu->arch.vgic.lr_intid[i];
        struct vgic_irq *irq = irq_of(vm, vcpu, intid);
        enum lr_state st = vgic_lr_state(i);
        bool was_active = irq->active;
        irq->active = st == LR_ACTIVE || st == LR_PENDING_ACTIVE;
        bool done = st == LR_INVALID && (was_active || irq->lr_pending);
        /* The guest acknowledged what was pending in the LR: that pending state is consumed,
         * unless the source raised it again meanwhile. A level-sensitive source stays pending
         * through its line level; a hw one through the physical interrupt. */
        bool taken = irq->lr_pending && (st == LR_ACTIVE || st == LR_INVALID);
        if (taken)
            irq->pending_latch = irq->repend;
        irq->in_lr = false;
        irq->repend = false;
        if (irq->hw && taken) {
            vgic_hw_acked_locked(vcpu, intid, irq);
        } else if (irq->hw && st == LR_PENDING && irq->level) {
            bool line; /* still not taken: is the line still up? */
            if (vcpu_arch_irq_line(vcpu, intid, &line) && !line)
                drop_hw_line_locked(vm, vcpu, intid, irq);
        }
        if (irq->active && intid >= VGIC_NR_PRIVATE)
            irq->active_vcpu = vcpu->id; /* it stays with the vCPU that acknowledged it */
        update_hot(vm, vcpu, intid, irq);
        if (done && (irq->hw ? (vcpu->arch.vgic.lr_unlinked >> i) & 1 : irq->eoi_notify))
            vgic_deactivated_locked(vm, vcpu, intid);
        /* Given up by this vCPU: an SPI retargeted while in its list registers, or deactivated
         * after a retarget while active, now belongs to another vCPU, which may be halted and
         * must be woken if the SPI is deliverable. */
        if (intid >= VGIC_NR_PRIVATE && spi_owner(irq) != vcpu->id)
            notify(vm, irq_target(vm, vcpu, intid), irq);
        /* List registers belong to the pCPU: leave none behind for whoever runs here next. One
         * the guest emptied is free already, unless it asked for the EOI maintenance
         * interrupt, which stays signalled until the register is rewritten. */
        bool eoi_bit = irq->hw ? (vcpu->arch.vgic.lr_unlinked >> i) & 1 : irq->eoi_notify;
        if (st != LR_INVALID || eoi_bit)
            vgic_lr_write(i, 0, 0, LR_INVALID, false, false);
    }
    vcpu->arch.vgic.lr_used = 0;
    spin_unlock(&vm->arch.vgic.lock);
}

/* A hw line of the vCPU running here rose at EL2 (its timer fired) and goes straight into a
 * list register, without the run loop's sync and flush, where that is exactly what they would
 * do: the interrupt is enabled, neither pending nor active, and either a list register is free
 * (then every other candidate is in one already: no priority order to keep) or the last one
 * held this interrupt, linked, and the guest has taken and deactivated it (what the sync would
 * record: not active, its pending state and the sampled line consumed). Anything else returns
 * false with nothing changed, for the full path.
 *
 * Written linked, the interrupt is steady: the state this leaves is the one the next tick would
 * find and leave again, but for the list register. So it is recorded (tick_lr, tick_lr_val, and
 * the vGIC's gen as it is under this lock), and the next tick is served by the exit vector
 * itself while gen has not moved (guest_switch.S): the acknowledge, the register rewritten if the
 * guest is done with it, the priority drop. Any other holder of the lock may have changed this
 * interrupt or the list registers (a register write, a sync or flush, a switch of vCPU, a line
 * sampled down), and bumps gen. What another pCPU changes while the vector runs is as if it came
 * right after the tick under the lock: that pCPU kicks this one where the list registers must
 * follow, as for every delivery. */
bool vgic_hw_line_raised_direct(struct vcpu *vcpu, u32 intid)
{
    if (intid >= VGIC_NR_PRIVATE)
        return false;
    struct vm *vm = vcpu->vm;
    struct vgic_cpu *c = &vcpu->arch.vgic;
    struct vgic_irq *irq = &c->priv[intid];
    bool done = false;
    vgic_lock(&vm->arch.vgic);
    u32 entered_with = c->lr_used, i = entered_with;
    if (!irq->enabled || !irq->hw)
        goto out;
    if (irq->in_lr) {
        i--;
        if (!entered_with || c->lr_intid[i] != intid || !irq->lr_pending || irq->repend ||
            ((c->lr_unlinked >> i) & 1) || vgic_lr_state(i) != LR_INVALID)
            goto out;
    } else if (i >= vgic_lr_count() || irq->active || irq_pending(irq)) {
        goto out;
    }
    irq->active = false;
    irq->pending_latch = irq->edge;
    irq->level = true;
    c->hw_high |= 1u << intid;  /* (track_hw_line) */
    c->priv_hot |= 1u << intid; /* enabled and pending (update_hot) */
    __atomic_fetch_add(&vm->arch.vgic.injected, 1, __ATOMIC_RELAXED); /* (also counted without the lock) */
    bool link = vgic_lr_hw_link_ok();
    vgic_lr_write(i, intid, irq->priority, LR_PENDING, !link, link);
    c->tick_lr_val = link && !irq->edge ? vgic_lr_hw_pending(intid, irq->priority) : 0;
    c->tick_lr = i;
    c->tick_gen = vgic_lr_tick_gen(vm->arch.vgic.gen);
    c->lr_unlinked = (u16)(link ? c->lr_unlinked & ~(1u << i) : c->lr_unlinked | 1u << i);
    c->lr_intid[i] = (u16)intid;
    irq->in_lr = true;
    irq->lr_holder = (u8)vcpu->id;
    irq->lr_pending = true;
    irq->repend = false;
    c->lr_used = i + 1;
    /* Entered with no list register in use, the flush may have left the interface as it was
     * (ICH_HCR_EL2.En): a flush that fills any writes it, without underflow unless full. */
    if (!entered_with)
        vgic_hcr_write(true, false);
    done = true;
out:
    spin_unlock(&vm->arch.vgic.lock);
    return done;
}

/* What the sync and flush do after a kick in the common case, without the candidate sort or a
 * pass over the SPIs: every list register in use holds a private interrupt without hw link or
 * EOI notification that the guest is done with (the register reads invalid: taken and
 * deactivated, or written active and deactivated), so the sync would only record it done; no SPI is hot (their ownership and order are the flush's
 * business); and every private interrupt that is hot then is pending, neither active nor hw,
 * a list register is left for it, and none outranks one of a lower INTID (the flush's order). Each step leaves the state as the full path would, so
 * stopping half-way (false) is safe: the full path takes it from there. */
/* The commonest kick, in one pass: at most one list register in use, holding a private
 * interrupt without hw link or EOI notification that the guest is done with, and, that one
 * synced, at most one private interrupt hot, pending and neither active nor hw: it goes into
 * list register 0 (no order to keep). False with nothing changed otherwise, for the general
 * passes of vgic_kick_direct. With the lock held. */
static bool kick_one_locked(struct vm *vm, struct vcpu *vcpu)
{
    struct vgic_cpu *c = &vcpu->arch.vgic;
    u32 hot = c->priv_hot;
    struct vgic_irq *old = NULL;
    if (c->lr_used) {
        u32 old_id = c->lr_intid[0];
        if (old_id >= VGIC_NR_PRIVATE)
            return false;
        old = &c->priv[old_id];
        if (old->hw || old->eoi_notify)
            return false;
        /* Hot after the sync only if pending again: raised since (repend) or a level still up. */
        bool latch = old->lr_pending ? old->repend : old->pending_latch;
        bool pending = old->enabled && (latch || (!old->edge && old->level));
        hot = pending ? hot | 1u << old_id : hot & ~(1u << old_id);
    }
    if (hot & (hot - 1))
        return false;
    u32 intid = (u32)__builtin_ctz(hot | 1u << 31);
    struct vgic_irq *irq = hot ? &c->priv[intid] : NULL;
    if (irq && irq != old && (irq->active || irq->hw))
        return false;
    /* The guest done with list register 0 (it reads invalid; free if none was in use), then the
     * new one written there, in one call. */
    u32 lr_id = irq && intid < 16 && vm->arch.vgic.version == 2 ? intid | (u32)(irq->sgi_source & 7) << 10 : intid;
    if (irq ? !vgic_lr_write_if_free(0, lr_id, irq->priority, irq->eoi_notify)
            : old && vgic_lr_state(0) != LR_INVALID)
        return false;
    if (old) { /* (sync_lrs for it) */
        if (old->lr_pending)
            old->pending_latch = old->repend;
        old->active = false;
        old->in_lr = false;
        old->repend = false;
    }
    c->priv_hot = hot;
    c->lr_used = 0;
    c->lr_unlinked = 0;
    if (irq) {
        c->lr_intid[0] = (u16)intid;
        irq->in_lr = true;
        irq->lr_holder = (u8)vcpu->id;
        irq->lr_pending = true;
        irq->repend = false;
        c->lr_used = 1;
    }
    return true;
}

/* The general passes (out of line: the one-SGI case then needs no large stack frame). */
static __attribute__((noinline)) bool kick_general_locked(struct vm *vm, struct vcpu *vcpu)
{
    struct vgic_cpu *c = &vcpu->arch.vgic;
    u32 entered_with = c->lr_used, n = 0, max = vgic_lr_count();
    for (u32 i = 0; i < entered_with; i++) {
        u32 intid = c->lr_intid[i];
        if (intid >= VGIC_NR_PRIVATE)
            return false;
        const struct vgic_irq *irq = &c->priv[intid];
        if (irq->hw || irq->eoi_notify || vgic_lr_state(i) != LR_INVALID)
            return false;
    }
    for (u32 i = 0; i < entered_with; i++) { /* (sync_lrs for each of them) */
        u32 intid = c->lr_intid[i];
        struct vgic_irq *irq = &c->priv[intid];
        if (irq->lr_pending) /* that pending state taken: pending again only if raised since */
            irq->pending_latch = irq->repend;
        irq->active = false;
        irq->in_lr = false;
        irq->repend = false;
        update_hot(vm, vcpu, intid, irq);
    }
    c->lr_used = 0;
    for (u32 bits = c->priv_hot; bits; bits &= bits - 1) {
        u32 intid = (u32)__builtin_ctz(bits);
        struct vgic_irq *irq = &c->priv[intid];
        /* (in the flush's order: by priority, then INTID) */
        if (irq->active || irq->hw || !irq->enabled || !irq_pending(irq) || n == max ||
            (n && irq->priority < c->priv[c->lr_intid[n - 1]].priority))
            return false;
        u32 lr_id = intid < 16 && vm->arch.vgic.version == 2 ? intid | (u32)(irq->sgi_source & 7) << 10 : intid;
        vgic_lr_write(n, lr_id, irq->priority, LR_PENDING, irq->eoi_notify, false);
        c->lr_intid[n] = (u16)intid;
        irq->in_lr = true;
        irq->lr_holder = (u8)vcpu->id;
        irq->lr_pending = true;
        irq->repend = false;
        c->lr_used = ++n;
    }
    c->lr_unlinked = 0;
    return true;
}

/* The SGI word (struct vgic_cpu): one SGI alone in list register 0, as the locked kick left it,
 * nothing changed since but by that SGI's senders (gen reads sgi_gen, and no raise of another SGI
 * cleared the word), and the mailbox holding it again. Then the locked kick would only retire the
 * list register's SGI (the guest done with it) and write it pending again: here that is the list
 * register written if free and the bit taken, without the lock. A holder of the lock that comes
 * meanwhile is as if it came right after (it kicks this pCPU where the list registers must follow,
 * as for every delivery); if it took the bit away (ICPENDR), the SGI was delivered before it. The
 * steady tick's word cannot stand beside this one (the locked kick clears it, and the tick's
 * locked path moves gen), but it is cleared anyway: a list register changes without the lock. */
static inline bool kick_sgi_word(struct vm *vm, struct vgic_cpu *c)
{
    u32 word = c->sgi_word;
    if (!word || __atomic_load_n(&c->sgi_mbox, __ATOMIC_ACQUIRE) != word ||
        __atomic_load_n(&vm->arch.vgic.gen, __ATOMIC_RELAXED) != __atomic_load_n(&c->sgi_gen, __ATOMIC_RELAXED))
        return false;
    u32 intid = (u32)__builtin_ctz(word);
    if (!vgic_lr_write_if_free(0, intid, c->priv[intid].priority, false))
        return false;
    __atomic_fetch_and(&c->sgi_mbox, ~word, __ATOMIC_RELAXED);
    c->tick_lr_val = 0;
    return true;
}

bool vgic_kick_direct(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    struct vgic_cpu *c = &vcpu->arch.vgic;
    if (kick_sgi_word(vm, c))
        return true;
    if (any_spi_hot(vm))
        return false;
    /* Without moving gen (vgic_lock says why): this changes only this vCPU's private interrupts
     * and list registers, and retires this vCPU's steady-tick word itself. */
    spin_lock(&vm->arch.vgic.lock);
    c->tick_lr_val = 0;
    sgi_mbox_drain_locked(vm, vcpu);
    u32 entered_with = c->lr_used;
    bool done = (entered_with <= 1 && kick_one_locked(vm, vcpu)) || kick_general_locked(vm, vcpu);
    /* As the flush: the interface on while list registers are in use. */
    if (c->lr_used && !entered_with)
        vgic_hcr_write(true, false);
    /* One SGI alone in list register 0 of a GICv3 VM (its ID is the INTID), nothing else hot:
     * the next kick that finds it in the mailbox needs no lock (kick_sgi_word). */
    c->sgi_word = 0;
    if (done && vm->arch.vgic.version == 3 && c->lr_used == 1 && c->lr_intid[0] < 16) {
        u32 first = c->lr_intid[0];
        const struct vgic_irq *irq = &c->priv[first];
        if (c->priv_hot == 1u << first && irq->lr_pending && !irq->active && !irq->hw && !irq->eoi_notify &&
            !any_spi_hot(vm)) {
            c->sgi_word = 1u << first;
            c->sgi_gen = vm->arch.vgic.gen;
        }
    }
    spin_unlock(&vm->arch.vgic.lock);
    return done;
}

void vgic_sync(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    if (!vcpu->arch.vgic.lr_used || !vm->arch.vgic.present || vm->arch.vgic.delivery == VGIC_DELIVER_SOFT)
        return;
    sync_lrs(vm, vcpu);
}

/* Enabled and pending (not merely active) interrupts for vcpu: what makes a WFI return. */
static bool pending_for_locked(struct vm *vm, struct vcpu *vcpu)
{
    for (u32 bits = vcpu->arch.vgic.priv_hot; bits; bits &= bits - 1) {
        const struct vgic_irq *irq = &vcpu->arch.vgic.priv[__builtin_ctz(bits)];
        if (irq->enabled && irq_pending(irq))
            return true;
    }
    for (u32 w = 0; w < VGIC_NR_SPIS / 64; w++) {
        for (u64 bits = vm->arch.vgic.spi_hot[w]; bits; bits &= bits - 1) {
            const struct vgic_irq *irq = &vm->arch.vgic.spi[w * 64 + (u32)__builtin_ctzll(bits)];
            /* (One still held by its old holder: that one's sync wakes this vCPU.) */
            if (spi_owner(irq) == vcpu->id && irq->enabled && irq_pending(irq) && !held_elsewhere(irq, vcpu))
                return true;
        }
    }
    return false;
}


bool vgic_has_pending(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    if (!vm->arch.vgic.present)
        return false;
    vgic_lock(&vm->arch.vgic);
    vgic_resample_locked(vm, vcpu);
    bool any = pending_for_locked(vm, vcpu);
    spin_unlock(&vm->arch.vgic.lock);
    return any;
}

/* Halting must be atomic with injection: under the lock, either something is pending (stay
 * runnable) or the vCPU is marked halted and a later injection will wake it. */
bool vgic_halt_unless_pending(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    vgic_lock(&vm->arch.vgic);
    vgic_resample_locked(vm, vcpu);
    bool any = pending_for_locked(vm, vcpu);
    if (!any)
        vcpu->state = VCPU_HALTED;
    spin_unlock(&vm->arch.vgic.lock);
    return !any;
}
