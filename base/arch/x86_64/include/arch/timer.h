/* The time counter of the x86_64 base: the TSC, its frequency calibrated against the PIT at boot
 * (x86_timer_calibrate, before anything logs a time). TCG's CPUs have no invariant-TSC flag, but
 * QEMU keeps every CPU's TSC on one clock; on hardware, the base requires an invariant TSC. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <arch/x86.h>

extern u64 x86_tsc_hz;

static inline u64 arch_timer_ticks(void) { return rdtsc(); }
static inline u64 arch_timer_freq(void) { return x86_tsc_hz; }

/* Boot CPU: measures the TSC and the local APIC timer against the PIT (-1, logged: no rate
 * measured; the caller stops the boot). */
int x86_timer_calibrate(void);
/* The local APIC timer's input clock (divide by 1), as measured: what a guest driving the APIC
 * itself (local-APIC passthrough) is told. */
u64 x86_apic_timer_hz(void);
/* This CPU's local APIC timer lent to a guest (true) or given back: while lent, timer deadlines
 * are kept but not armed (a guest drives the hardware); given back, the pending one is armed. */
void x86_timer_lend(bool to_guest);

#endif
