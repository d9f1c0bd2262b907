/* Guest timers. The EL1 virtual timer runs in hardware while its vCPU's EL1 state is live on a
 * pCPU. Its output is a level-sensitive line into PPI 27, and the guest's INTID 27 follows that
 * line as a machine's GIC would (the vGIC's `hw` interrupts, docs/vgic.md):
 *  - when PPI 27 fires at EL2, the host GIC (EOImode 1) only drops its priority: it stays
 *    active, so the line cannot interrupt again, and the vGIC gets the level;
 *  - a list register carries INTID 27 linked to PPI 27 (HW bit): the guest's deactivation
 *    deactivates the physical PPI too, with no maintenance interrupt and no host GIC masking;
 *    with the software GICv2 CPU interface, the deactivation does it (vtimer_deactivated);
 *  - wherever a stale pending state could be seen, the line is read again (vcpu_arch_irq_line:
 *    ENABLE, IMASK and ISTATUS of CNTV_CTL): a guest that disables its timer, masks it or moves
 *    CVAL ahead before taking the interrupt no longer finds INTID 27 pending;
 *  - the PPI's active state is the loaded vCPU's: set on a switch from its vGIC state.
 * While a vCPU is switched out, its saved virtual timer is checked in software (a level too).
 * The EL1 physical timer is trapped (CNTHCTL_EL2.EL1PCEN = 0) and emulated entirely in
 * software, as a level-sensitive PPI. */
#include <arch/sysreg.h>
#include <arch/vcpu_parts.h>
#include <base/irq.h>
#include <base/percpu.h>
#include <drivers/gic.h>
#include <hv/arch.h>
#include <hv/sched.h>
#include <arch/vgic.h>
#include <hv/vm.h>

#define CTL_ENABLE (1ull << 0)
#define CTL_IMASK (1ull << 1)
#define CTL_ISTATUS (1ull << 2)
#define VTIMER_INTID 27
#define PTIMER_INTID 30
#define HCR_TWI (1ull << 13) /* HCR_EL2: WFI traps */


static bool armed(u64 ctl) { return (ctl & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE; }

/* The host counter value at which a virtual CVAL fires (CNTVCT = CNTPCT - CNTVOFF). A sum that
 * wraps saturates: a CVAL parked near 2^64 must not fire at once. */
static u64 vtimer_deadline(u64 cval, u64 cntvoff)
{
    u64 d;
    return __builtin_add_overflow(cval, cntvoff, &d) ? ~0ull : d;
}

static bool vtimer_live_here(struct vcpu *v) { return vcpu_arch_loaded(cpu_id()) == v && !v->arch.reload; }

/* Fired while this pCPU runs (or idles with) the vCPU whose EL1 state is live here. The PPI is
 * left active (gic_set_keep_active) until the guest is done with it. */
void vtimer_irq(u32 intid, void *arg)
{
    (void)intid, (void)arg;
    struct vcpu *v = vcpu_arch_loaded(cpu_id());
    if (!v || !v->vm->arch.vgic.present) {
        /* No virtual interrupt to deliver (and so no deactivation to wait for): stop the level
         * output with IMASK; the guest sees ISTATUS and rewrites CTL when it arms the next one. */
        write_sysreg(cntv_ctl_el0, read_sysreg(cntv_ctl_el0) | CTL_IMASK);
        isb();
        gic_deactivate(VTIMER_INTID);
        return;
    }
    v->arch.vgic.priv[VTIMER_INTID].hw = true;
    vgic_set_level(v->vm, v, VTIMER_INTID, true);
    if (gic_host_version == 2)
        vtimer_after_v2_tick(v);
}

/* A GICv2 host's timer tick went into a linked list register. QEMU's GICv2 does not look at the
 * physical interface again when the guest deactivates it (gic_v2_refresh): if the timer's line is
 * still high then, PPI 27 would wait for some other GIC event. So the guest's next WFI traps
 * (TWI without the scheduler's TWE; the exit vector refreshes the GIC and lets the WFI run again
 * untrapped; guest_switch.S does the same for the steady tick it serves). */
void vtimer_after_v2_tick(struct vcpu *v)
{
    if (v->arch.irq_passthrough)
        return;
    u64 hcr = v->arch.hcr | HCR_TWI;
    if (hcr == v->arch.hcr)
        return;
    v->arch.hcr = hcr;
    if (vcpu_arch_loaded(cpu_id()) == v)
        write_sysreg(hcr_el2, hcr); /* exception return synchronizes it before the guest runs */
}

/* The exit of a vCPU running here was the timer's PPI, acknowledged, and vcpu_arch_fast_irq
 * could not put its virtual interrupt straight into a list register: the full exit path's work,
 * in its order: the list registers synced first (the guest may have taken the previous tick,
 * which consumes the line sampled then), then the new level. */
void vtimer_tick_slow(struct vcpu *v)
{
    vgic_sync(v);
    v->arch.vgic.priv[VTIMER_INTID].hw = true;
    vgic_set_level(v->vm, v, VTIMER_INTID, true);
}

bool vtimer_line(struct vcpu *v, bool *level)
{
    if (vtimer_live_here(v)) {
        *level = (read_sysreg(cntv_ctl_el0) & (CTL_ENABLE | CTL_IMASK | CTL_ISTATUS)) == (CTL_ENABLE | CTL_ISTATUS);
        return true;
    }
    if (vcpu_arch_loaded(v->pcpu) == v && !v->arch.reload)
        return false; /* live on its own pCPU, and this is another one */
    const struct el1_sysregs *s = &v->arch.el1;
    *level = armed(s->cntv_ctl) && read_sysreg(cntpct_el0) >= vtimer_deadline(s->cntv_cval, v->vm->arch.cntvoff);
    return true;
}

/* The guest no longer has the timer interrupt pending or active: the physical PPI held for it
 * is released (and fires again at once if the line is still up). Only its own pCPU can do that;
 * from another one (a GICR_ICACTIVER0 write by another vCPU) the vCPU's pCPU is asked to. */
void vtimer_deactivated(struct vcpu *v)
{
    if (vcpu_arch_loaded(cpu_id()) == v) {
        gic_deactivate(VTIMER_INTID);
    } else if (vcpu_arch_loaded(v->pcpu) == v) {
        __atomic_store_n(&v->arch.vtimer_release, true, __ATOMIC_RELEASE);
        sched_request_exit(v->pcpu);
    }
}

/* A vCPU's timer PPI state follows it onto the pCPU it is loaded on: active while its
 * interrupt is pending (from the line) or active in the guest. */
void vtimer_load(struct vcpu *v)
{
    const struct vgic_irq *irq = &v->arch.vgic.priv[VTIMER_INTID];
    v->arch.vtimer_release = false;
    gic_set_private_active(VTIMER_INTID, v->vm->arch.vgic.present && irq->hw && (irq->level || irq->active));
}

/* Emulated physical timer: the line is high while enabled, unmasked and expired. */
static u64 ptimer_update(struct vcpu *v, u64 now)
{
    struct vcpu_arch *a = &v->arch;
    bool fired = armed(a->ptimer_ctl) && now >= a->ptimer_cval;
    if (v->vm->arch.vgic.present && fired != a->ptimer_line) {
        a->ptimer_line = fired;
        vgic_set_level(v->vm, v, PTIMER_INTID, fired);
    }
    return armed(a->ptimer_ctl) && !fired ? a->ptimer_cval : 0;
}

u64 vcpu_arch_timer_poll(struct vcpu *v, u64 now)
{
    u64 next = ptimer_update(v, now);
    struct el1_sysregs *s = &v->arch.el1;
    if (vcpu_arch_loaded(v->pcpu) == v && !v->arch.reload) {
        if (__atomic_exchange_n(&v->arch.vtimer_release, false, __ATOMIC_ACQ_REL))
            vtimer_deactivated(v);
        return next; /* its virtual timer is in hardware */
    }
    u64 deadline = vtimer_deadline(s->cntv_cval, v->vm->arch.cntvoff);
    bool line = armed(s->cntv_ctl) && now >= deadline;
    if (!v->vm->arch.vgic.present) {
        if (line)
            s->cntv_ctl |= CTL_IMASK; /* as the hardware path does for a VM without vGIC */
    } else {
        struct vgic_irq *irq = &v->arch.vgic.priv[VTIMER_INTID];
        irq->hw = true;
        /* A level; while the guest has it active, the next one waits for the deactivation. */
        if (line != irq->level && !(line && irq->active))
            vgic_set_level(v->vm, v, VTIMER_INTID, line);
    }
    if (armed(s->cntv_ctl) && !line && (!next || deadline < next))
        next = deadline;
    return next;
}

/* ISS keys of CNTP_TVAL_EL0 / CNTP_CTL_EL0 / CNTP_CVAL_EL0 (op0 3, op1 3, CRn 14, CRm 2). */
bool vtimer_sysreg(struct vcpu *v, u32 op2, bool read, u64 *val)
{
    struct vcpu_arch *a = &v->arch;
    u64 now = read_sysreg(cntpct_el0);
    switch (op2) {
    case 0: /* TVAL: signed 32-bit distance to CVAL */
        if (read)
            *val = (u64)(u32)(a->ptimer_cval - now);
        else
            a->ptimer_cval = now + (u64)(s64)(s32)*val;
        break;
    case 1:
        if (read)
            *val = a->ptimer_ctl | ((a->ptimer_ctl & CTL_ENABLE) && now >= a->ptimer_cval ? CTL_ISTATUS : 0);
        else
            a->ptimer_ctl = *val & (CTL_ENABLE | CTL_IMASK);
        break;
    case 2:
        if (read)
            *val = a->ptimer_cval;
        else
            a->ptimer_cval = *val;
        break;
    default:
        return false;
    }
    if (!read)
        ptimer_update(v, now);
    return true;
}
