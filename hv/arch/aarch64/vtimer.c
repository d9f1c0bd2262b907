/* Guest timers. The EL1 virtual timer runs in hardware while its vCPU's EL1 state is live on a
 * pCPU; when it fires there, it is injected and its PPI masked at the host GIC until the guest
 * deactivates the virtual interrupt (the list register asks for a maintenance interrupt then).
 * Masking at the GIC, not with CNTV_CTL.IMASK, leaves the guest's own IMASK alone: Linux sets
 * it when no next event is due and must find it set. While a vCPU is switched out, its saved
 * virtual timer is checked in software so the interrupt still arrives (and wakes the vCPU). The EL1 physical timer is trapped (CNTHCTL_EL2.EL1PCEN = 0) and
 * emulated entirely in software, as a level-sensitive PPI. */
#include <arch/sysreg.h>
#include <base/irq.h>
#include <base/percpu.h>
#include <hv/arch.h>
#include <hv/vgic.h>
#include <hv/vm.h>

#define CTL_ENABLE (1ull << 0)
#define CTL_IMASK (1ull << 1)
#define CTL_ISTATUS (1ull << 2)
#define VTIMER_INTID 27
#define PTIMER_INTID 30

struct vcpu *vcpu_arch_loaded(u32 cpu);

/* Fired while this pCPU runs (or idles with) the vCPU whose EL1 state is live here. */
void vtimer_irq(u32 intid, void *arg)
{
    (void)intid, (void)arg;
    struct vcpu *v = vcpu_arch_loaded(cpu_id());
    if (!v || !v->vm->vgic.present) {
        /* No virtual interrupt to deliver (and so no deactivation to wait for): stop the level
         * output with IMASK; the guest sees ISTATUS and rewrites CTL when it arms the next one. */
        write_sysreg(cntv_ctl_el0, read_sysreg(cntv_ctl_el0) | CTL_IMASK);
        isb();
        return;
    }
    irq_disable(VTIMER_INTID);
    v->arch.vtimer_masked = true;
    v->vgic.priv[VTIMER_INTID].eoi_notify = true;
    vgic_raise(v->vm, v, VTIMER_INTID);
}

/* The guest is done with the timer interrupt: it may fire again (the line is level: at once if
 * the guest left the timer expired and unmasked). */
void vtimer_deactivated(struct vcpu *v)
{
    v->arch.vtimer_masked = false;
    if (vcpu_arch_loaded(cpu_id()) == v)
        irq_enable(VTIMER_INTID);
}

/* A vCPU's timer state follows it onto the pCPU it is loaded on. */
void vtimer_load(struct vcpu *v)
{
    if (v->arch.vtimer_masked)
        irq_disable(VTIMER_INTID);
    else
        irq_enable(VTIMER_INTID);
}

static bool armed(u64 ctl) { return (ctl & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE; }

/* Emulated physical timer: the line is high while enabled, unmasked and expired. */
static u64 ptimer_update(struct vcpu *v, u64 now)
{
    struct vcpu_arch *a = &v->arch;
    bool fired = armed(a->ptimer_ctl) && now >= a->ptimer_cval;
    if (v->vm->vgic.present && fired != a->ptimer_line) {
        a->ptimer_line = fired;
        vgic_set_level(v->vm, v, PTIMER_INTID, fired);
    }
    return armed(a->ptimer_ctl) && !fired ? a->ptimer_cval : 0;
}

u64 vcpu_arch_timer_poll(struct vcpu *v, u64 now)
{
    u64 next = ptimer_update(v, now);
    struct el1_sysregs *s = &v->arch.el1;
    if (vcpu_arch_loaded(v->pcpu) == v && !v->arch.reload)
        return next; /* its virtual timer is in hardware */
    if (armed(s->cntv_ctl) && !v->arch.vtimer_masked) {
        u64 deadline = s->cntv_cval + v->vm->cntvoff;
        if (now >= deadline && !v->vm->vgic.present) {
            s->cntv_ctl |= CTL_IMASK; /* as the hardware path does for a VM without vGIC */
        } else if (now >= deadline) {
            v->arch.vtimer_masked = true; /* as the hardware path does */
            v->vgic.priv[VTIMER_INTID].eoi_notify = true;
            vgic_raise(v->vm, v, VTIMER_INTID);
        } else if (!next || deadline < next) {
            next = deadline;
        }
    }
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
