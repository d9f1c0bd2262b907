/* Structure offsets and constants shared between C and assembly; checked by _Static_assert. */
#ifndef ARCH_ASM_OFFSETS_H
#define ARCH_ASM_OFFSETS_H

#define PERCPU_SIZE 24
#define CPU_STACK_SIZE_ASM (32 * 1024)

/* GDT selectors (arch_init.c builds the GDT; boot.S has a boot GDT with the same code/data). */
#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_CODE32 0x18 /* boot and trampoline only */
#define GDT_TSS 0x20    /* one 16-byte TSS descriptor per CPU from here */

/* The real-mode trampoline for the other CPUs: copied to this page below 1 MiB (the startup IPI's
 * vector is its page number), its parameters at the end of the page. */
#define TRAMPOLINE_PA 0x8000
#define TRAMPOLINE_PARAMS 0xfc0 /* offset in the page */
#define TP_CR3 0x00
#define TP_ENTRY 0x08
#define TP_CPU 0x10
#define TP_STACK 0x18
#define TP_EFER 0x20 /* EFER bits to set besides LME (NXE when the CPU has it) */

/* struct x86_cpu_local (arch_init.c): what GS points to on each CPU; its first field is the
 * CPU's struct percpu. */
#define X86_CPU_LOCAL_SIZE 64

/* struct trap_frame (trap.c): r15 ... rax, vector, error code, then what the CPU pushed. */
#define TF_VECTOR (15 * 8)
#define TRAP_FRAME_SIZE (22 * 8)

#endif
