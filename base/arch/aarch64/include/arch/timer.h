/* The Arm generic timer's counter, for the generic time functions of base/core/time.c. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <arch/sysreg.h>

static inline u64 arch_timer_ticks(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}

static inline u64 arch_timer_freq(void) { return read_sysreg(cntfrq_el0); }

#endif
