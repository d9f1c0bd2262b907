/* A VM's virtual local APIC (xAPIC registers at 0xFEE00000, one per vCPU behind one MMIO
 * window, as on a PC where every CPU sees its own at the same address): ID, version, TPR, PPR,
 * EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR (fixed IPIs, INIT, startup), the LVTs and the timer (one-shot,
 * periodic, and TSC-deadline through the IA32_TSC_DEADLINE MSR). Interrupts are delivered
 * by priority (vector class against the TPR and what is in service) through the vendor's
 * injection around each entry, with an interrupt-window exit while the guest cannot take one.
 * The timer counts at VLAPIC_TIMER_HZ (CPUID leaf 0x40000010 EBX gives it in kHz) and is
 * checked in software against the host counter (vcpu_arch_timer_poll). */
#ifndef ARCH_VLAPIC_H
#define ARCH_VLAPIC_H

#include <lib/types.h>

#define VLAPIC_BASE 0xfee00000ull
#define VLAPIC_SIZE 0x1000ull
#define VLAPIC_TIMER_HZ 62500000ull /* 1 GHz / 16, as QEMU's own APIC timer runs */

struct vlapic {
    u32 irr[8], isr[8], tmr[8];
    u32 tpr, svr, ldr, dfr, esr, icr_lo, icr_hi;
    u32 lvt[7];        /* timer, thermal, performance, LINT0, LINT1, error, CMCI (unused) */
    u32 timer_initial, timer_divide;
    u64 timer_start;   /* host counter when the count was loaded */
    u64 timer_deadline; /* host counter at which it reaches 0; 0: not counting */
    u64 timer_period;  /* host counter ticks of one count-down */
    u64 tsc_deadline;  /* TSC-deadline mode: the guest TSC value armed (IA32_TSC_DEADLINE); 0: disarmed */
    u64 gen;           /* bumped on every change that may need delivery or re-arming */
};

struct vcpu;
struct vm;
struct diag;

/* The VM's window at VLAPIC_BASE (interrupt_mode = "emu"); each vCPU's state reset. */
int vlapic_create(struct vm *vm, struct diag *d);
void vlapic_reset(struct vcpu *v);
/* The next delivery of vector is level-triggered (TMR): its EOI goes to the I/O APIC. */
void vlapic_set_tmr(struct vcpu *v, u8 vector);
/* Makes vector pending (IRR) and wakes the vCPU if it halted. */
void vlapic_raise(struct vcpu *v, u8 vector);
/* The highest pending vector deliverable now (priority above PPR, APIC enabled), or -1. */
int vlapic_deliverable(const struct vcpu *v);
/* The guest took vector: IRR -> ISR. */
void vlapic_accept(struct vcpu *v, u8 vector);
/* The timer at host counter now: fires (raises its vector) what expired, returns the next
 * deadline or 0. */
u64 vlapic_timer_poll(struct vcpu *v, u64 now);
/* IA32_TSC_DEADLINE (the guest's TSC is the host counter plus tsc_offset): reads 0 outside
 * TSC-deadline mode or once fired; a write arms the timer at that guest TSC value (0 disarms, a
 * past value fires at once), and is ignored outside TSC-deadline mode. */
u64 vlapic_tsc_deadline_read(struct vcpu *v);
void vlapic_tsc_deadline_write(struct vcpu *v, u64 deadline, u64 tsc_offset);
/* The guest wrote its TSC: an armed deadline is converted again with the new offset. */
void vlapic_tsc_offset_changed(struct vcpu *v, u64 tsc_offset);

#endif
