/* Time from the architecture's free-running counter (<arch/timer.h>). Depends on nothing but
 * the counter, so that logging (which stamps every line) sits below everything else. */
#include <arch/timer.h>
#include <base/timer.h>

u64 timer_ticks(void) { return arch_timer_ticks(); }

u64 timer_freq(void) { return arch_timer_freq(); }

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

void timer_udelay(u64 us)
{
    u64 end = timer_ticks() + timer_ns_to_ticks(us * 1000);
    while (timer_ticks() < end)
        ;
}
