/* A VM's virtual I/O APIC (interrupt_mode = "emu"), at 0xFEC00000 as on a PC: 24 pins with
 * their redirection entries (vector, fixed delivery to a physical APIC id, edge or level,
 * polarity, mask, remote IRR), reached through IOREGSEL/IOWIN. Device lines (virq_set_level:
 * the 16550's IRQ 4) come in on its pins; a level-triggered pin is delivered again at the
 * local APIC's EOI while its line stays up. */
#ifndef ARCH_VIOAPIC_H
#define ARCH_VIOAPIC_H

#include <arch/vlapic_upcalls.h>
#include <lib/types.h>

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_PINS 24

struct vioapic {
    u32 sel, id;
    u64 redir[VIOAPIC_PINS];
    bool line[VIOAPIC_PINS];
};

struct vm;
struct diag;

int vioapic_create(struct vm *vm, struct diag *d);
void vioapic_set_level(struct vm *vm, u32 pin, bool level);
/* vioapic_eoi, which the local APICs call: <arch/vlapic_upcalls.h>. */

#endif
