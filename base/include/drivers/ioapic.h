/* I/O APICs (82093AA and compatibles): external interrupt inputs (global system interrupts,
 * GSIs) routed to a local APIC vector. The machine description tells where each one is and
 * which GSIs it takes, and how the legacy ISA IRQs map onto GSIs (interrupt source overrides). */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include <lib/types.h>

#define IOAPIC_MAX 4

/* From the firmware tables, before ioapic_init. */
bool ioapic_add(u32 id, u64 base, u32 gsi_base);
/* ISA IRQ `isa` is GSI `gsi` with the MPS INTI flags (polarity bits 1:0, trigger bits 3:2). */
void ioapic_set_isa_override(u8 isa, u32 gsi, u16 flags);
/* The GSI of ISA IRQ isa (identity unless overridden) and whether it is level / active low. */
u32 ioapic_isa_gsi(u8 isa, bool *level, bool *active_low);

/* Reads each I/O APIC's input count and masks every input; 0, or -1 when none was described. */
int ioapic_init(void);
u32 ioapic_gsi_count(void); /* GSIs 0 .. count-1 exist (with holes between chips) */
bool ioapic_has_gsi(u32 gsi);
/* Programs input gsi: vector, fixed delivery to one local APIC (physical id), trigger and
 * polarity, masked or not. */
void ioapic_route(u32 gsi, u8 vector, u32 dest_apic_id, bool level, bool active_low, bool masked);
void ioapic_mask(u32 gsi, bool masked);
void ioapic_set_dest(u32 gsi, u32 dest_apic_id);

#endif
