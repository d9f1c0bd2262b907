/* The x86 interrupt controller of the base (base/drivers/apic.c): the local APICs and the I/O
 * APICs behind <base/irq.h>. Its IRQ numbers, each on vector X86_IRQ_VECTOR_BASE + number:
 *   0-15           inter-processor interrupts (IRQ_IPI_*)
 *   16             the local APIC timer (per CPU)
 *   32 + gsi       I/O APIC input gsi (global system interrupt), gsi < APIC_MAX_GSI
 *   128 and up     message-signalled interrupts, handed out by irq_msi_alloc */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H

#include <base/irq.h>

#define APIC_IRQ_TIMER 16
#define APIC_IRQ_GSI_BASE 32
#define APIC_MAX_GSI 96
#define APIC_IRQ_GSI(gsi) (APIC_IRQ_GSI_BASE + (gsi))
#define APIC_IRQ_MSI_BASE 128
#define APIC_IRQ_LAST 0xde /* vector 0xfe; 0xff is the spurious vector */

/* The IRQ number of ISA IRQ isa (e.g. 4 for COM1), through the interrupt source overrides. */
irq_t apic_irq_of_isa(u8 isa);
/* Called by the trap code for an interrupt vector: runs its handler, then the EOI. */
void apic_handle_vector(u8 vector);
/* This CPU's local APIC is lent to a guest, which takes its interrupts through its own IDT
 * (hv's local-APIC passthrough), or given back. Lending, once the APIC's own sources are
 * quiet (LVTs masked, timer stopped): IPIs to this CPU become NMIs, and what the host left
 * pending (an IPI, the timer) is taken by the host's handlers, so that the guest gets none of
 * the host's vectors. Giving back, before anything of the host's is unmasked again: what the
 * guest left pending is ended (EOI) without reaching the host's handlers. Interrupts masked. */
void apic_lend(bool to_guest);

#endif
