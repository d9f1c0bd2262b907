/* What the virtual local APIC (vlapic.c) tells the virtual I/O APIC above it (vioapic.c, which
 * delivers its pins into the local APICs and defines this): a level-triggered vector ended, so
 * a pin whose line is still up is delivered again. A link-time seam owned by the lower layer
 * like <base/app.h> (scripts/include_graph.py counts no dependency through a *_upcalls.h
 * header; docs/architecture.md). */
#ifndef ARCH_VLAPIC_UPCALLS_H
#define ARCH_VLAPIC_UPCALLS_H

#include <lib/types.h>

struct vm;

/* The local APIC ended a level-triggered vector. */
void vioapic_eoi(struct vm *vm, u8 vector);

#endif
