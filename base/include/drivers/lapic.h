/* The local APIC in xAPIC mode (MMIO registers, 4 KiB at its base; AMD APM vol. 2, 16.3; Intel
 * SDM vol. 3, 11.4): the CPU's interrupt acceptance, EOI, inter-processor interrupts and timer. */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include <lib/types.h>

#define LAPIC_DEFAULT_BASE 0xfee00000ull

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LDR 0x0d0
#define LAPIC_DFR 0x0e0
#define LAPIC_ISR0 0x100
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_TIMER_DIVIDE_16 0x3u

/* Where the local APIC is (the firmware tables' address; default 0xfee00000). */
void lapic_set_base(u64 base);
u64 lapic_base(void);
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
/* This CPU: software-enabled with the spurious vector, every local interrupt masked. */
void lapic_cpu_init(u8 spurious_vector);
u32 lapic_id(void); /* this CPU's APIC id */
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
/* Inter-processor interrupts through the ICR (physical destination). The INIT and startup
 * messages start another CPU (its real-mode entry at page `page` below 1 MiB). False when the
 * previous message is still pending after a while. */
bool lapic_send_ipi(u32 apic_id, u8 vector);
bool lapic_send_init(u32 apic_id);
bool lapic_send_startup(u32 apic_id, u8 page);
/* An NMI: the way into a CPU whose maskable interrupts a guest takes itself (local-APIC
 * passthrough), which an intercepted NMI brings out; on the host, an NMI does nothing. */
bool lapic_send_nmi(u32 apic_id);

#endif
