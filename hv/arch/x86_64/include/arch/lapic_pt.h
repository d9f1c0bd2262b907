/* Local-APIC passthrough (interrupt_mode = "passthrough", one vCPU on a pCPU of its own): the
 * guest drives its pCPU's physical local APIC. Its interrupts (timer, IPIs) reach the guest's IDT
 * without an exit (no INTR intercept, V_INTR_MASKING off, HLT native); the APIC page is mapped
 * read-only at 0xFEE00000, so reads need no exit, and each write is a nested page fault checked
 * here before it reaches the hardware: the xAPIC page holds the ICR, by which a guest could INIT
 * or interrupt any CPU, and TCG's SVM has neither x2APIC (per-register MSR intercepts) nor AVIC
 * (docs/x86_64.md). */
#ifndef ARCH_LAPIC_PT_H
#define ARCH_LAPIC_PT_H

#include <lib/types.h>

enum lapic_pt_action {
    LAPIC_PT_WRITE,        /* the value goes to the register */
    LAPIC_PT_IGNORE,       /* a read-only register: the write does nothing, as on the hardware */
    LAPIC_PT_ICR_HIGH,     /* kept as the destination of the next ICR write */
    LAPIC_PT_SEND_IPI,     /* a fixed IPI to the pCPU itself (self shorthand or its own APIC id) */
    LAPIC_PT_REFUSE,       /* never reaches the hardware: the VM ends with *why */
};

/* What a guest's 32-bit write of `value` at offset `off` of its APIC page may do; icr_high is
 * its last write to ICR[63:32], own_id its pCPU's APIC id. Pure, host-tested. */
enum lapic_pt_action lapic_pt_check(u32 off, u32 value, u32 icr_high, u32 own_id, const char **why);

/* The least initial count of a periodic timer with divide configuration `divide_reg` on an APIC
 * timer clocked at apic_hz: a period of LAPIC_PT_MIN_PERIOD_US (as the virtual APIC clamps it).
 * Shorter periods would not stay on the guest's own pCPU under QEMU, whose timers are serviced
 * for the whole machine: a 1-count periodic timer stalled every CPU. */
#define LAPIC_PT_MIN_PERIOD_US 100
u32 lapic_pt_min_periodic_count(u32 divide_reg, u64 apic_hz);

#ifndef CVISOR_HOSTED
struct vm;
struct vcpu;
struct diag;
/* The VM's read-only mapping of the APIC page and its write filter. */
int lapic_pt_create(struct vm *vm, struct diag *d);
/* On the vCPU's pCPU: the APIC in a clean state before the guest has it (timer stopped, local
 * interrupts masked, TPR 0, nothing in service), the host's back after (lapic_pt_leave). */
void lapic_pt_enter(struct vcpu *v);
void lapic_pt_leave(struct vcpu *v);
#endif

#endif
