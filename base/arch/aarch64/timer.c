/* Arm generic timer. The hypervisor owns the EL2 physical timer (CNTHP, PPI 10 = INTID 26);
 * the EL1 virtual and physical timers are left to guests. */
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

u64 timer_ticks(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}

u64 timer_freq(void) { return read_sysreg(cntfrq_el0); }

u64 timer_ns(void)
{
    u64 t = timer_ticks(), f = timer_freq();
    if (!f)
        return 0;
    return (t / f) * 1000000000ull + ((t % f) * 1000000000ull) / f;
}

u64 timer_ns_to_ticks(u64 ns)
{
    u64 f = timer_freq();
    return (ns / 1000000000ull) * f + ((ns % 1000000000ull) * f) / 1000000000ull;
}

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

void timer_udelay(u64 us)
{
    u64 end = timer_ticks() + timer_ns_to_ticks(us * 1000);
    while (timer_ticks() < end)
        ;
}

void timer_cpu_init(void)
{
    write_sysreg(cnthp_ctl_el2, CTL_IMASK);
    irq_set_handler(HYP_TIMER_INTID, timer_irq, NULL);
    irq_enable(HYP_TIMER_INTID);
}
