/* Per-CPU time source and one-shot deadline timer of the hypervisor. */
#ifndef BASE_TIMER_H
#define BASE_TIMER_H

#include <lib/types.h>

u64 timer_ticks(void);       /* monotonic counter, shared by all CPUs */
u64 timer_freq(void);        /* counter ticks per second */
u64 timer_ns(void);          /* ticks converted to nanoseconds since boot */
u64 timer_ns_to_ticks(u64 ns);
/* Arms this CPU's one-shot timer for an absolute counter value; fn runs in interrupt context
 * on this CPU. A later call replaces the earlier deadline. */
void timer_set_deadline(u64 ticks, void (*fn)(void *), void *arg);
void timer_cancel(void);
void timer_udelay(u64 us);
void timer_cpu_init(void); /* per CPU, called by the arch boot code */

#endif
