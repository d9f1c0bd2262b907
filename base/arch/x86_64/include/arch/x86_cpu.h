/* Per-CPU state of the x86_64 base (arch_init.c): descriptor tables and the GS block. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <arch/asm_offsets.h>
#include <lib/types.h>

/* What GS points to on each CPU (boot.S sets it up); the first field is read by
 * arch_percpu_ptr. */
struct x86_cpu_local {
    void *percpu;
    u64 reserved[7];
};

/* Loads the GDT (with this CPU's TSS) and the IDT on the calling CPU. */
void x86_cpu_tables_init(u32 cpu);
struct machine;
/* The machine as the multiboot information at mbi and ACPI describe it (machine.c). */
const struct machine *x86_describe_machine(u64 mbi);
/* The boot CPU's entry from boot.S (multiboot magic and information), and the others' (entry.c). */
void x86_primary_main(u32 magic, u64 mbi) __attribute__((noreturn));
void x86_secondary_main(u32 cpu) __attribute__((noreturn));

/* EFER bits boot.S and the trampoline set besides LME (NXE when the CPU has it). */
extern u32 boot_efer_bits;

/* Interrupt vectors: the controller driver maps its IRQ numbers onto vectors from this one up
 * (exceptions are 0-31); 0xff is the local APIC's spurious vector. */
#define X86_IRQ_VECTOR_BASE 0x20
#define X86_SPURIOUS_VECTOR 0xff

#endif
