/* Arm generic timer, deadline half (the counter is read by base/core/time.c through
 * <arch/timer.h>). The hypervisor owns the EL2 physical timer (CNTHP, PPI 10 = INTID 26); the
 * EL1 virtual and physical timers are left to guests. */
#include <arch/sysreg.h>
#include <base/irq.h>
#include <base/percpu.h>
#include <base/timer.h>

#define HYP_TIMER_INTID 26
#define CTL_ENABLE 1u
#define CTL_IMASK 2u

static struct {
    void (*fn)(void *);
    void *arg;
} deadline[MAX_CPUS];

static void timer_irq(u32 intid, void *arg)
{
    (void)intid, (void)arg;
    u32 cpu = cpu_id();
    write_sysreg(cnthp_ctl_el2, CTL_IMASK);
    void (*fn)(void *) = deadline[cpu].fn;
    deadline[cpu].fn = NULL;
    if (fn)
        fn(deadline[cpu].arg);
}

void timer_set_deadline(u64 ticks, void (*fn)(void *), void *arg)
{
    u32 cpu = cpu_id();
    deadline[cpu].fn = fn;
    deadline[cpu].arg = arg;
    write_sysreg(cnthp_cval_el2, ticks);
    write_sysreg(cnthp_ctl_el2, CTL_ENABLE);
    isb();
}

void timer_cancel(void)
{
    write_sysreg(cnthp_ctl_el2, CTL_IMASK);
    deadline[cpu_id()].fn = NULL;
}

void timer_cpu_init(void)
{
    write_sysreg(cnthp_ctl_el2, CTL_IMASK);
    irq_set_handler(HYP_TIMER_INTID, timer_irq, NULL);
    irq_enable(HYP_TIMER_INTID);
}
