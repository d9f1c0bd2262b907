/* EL2 exception vectors. Exceptions from EL2 itself are the base's: interrupts are dispatched,
 * anything else is a fatal hypervisor fault with a full report. Exceptions from lower ELs
 * belong to whoever runs code there (the hypervisor app); the weak defaults here report them
 * as fatal when no app claims them. */
#include <arch/asm_offsets.h>

.macro save_frame
    sub     sp, sp, #TRAP_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x0, elr_el2
    stp     x30, x0, [sp, #240]
    mrs     x0, spsr_el2
    mrs     x1, esr_el2
    stp     x0, x1, [sp, #256]
    mrs     x0, far_el2
    str     x0, [sp, #272]
.endm

.macro restore_frame
    ldp     x30, x0, [sp, #240]
    msr     elr_el2, x0
    ldr     x0, [sp, #256]
    msr     spsr_el2, x0
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #TRAP_FRAME_SIZE
.endm

/* kind codes for trap_el2_fatal */
#define K_SYNC 0
#define K_IRQ 1
#define K_FIQ 2
#define K_SERROR 3
#define K_SP0 4
#define K_LOWER 8
#define K_AARCH32 16

.macro fatal_entry kind
    .balign 0x80
    save_frame
    mov     x0, sp
    mov     x1, #\kind
    b       trap_el2_fatal
.endm

.macro branch_entry target
    .balign 0x80
    b       \target
.endm

    .section .text.vectors, "ax", %progbits
    .balign 0x800
    .global el2_vectors
el2_vectors:
    /* current EL, SP_EL0 (never used) */
    fatal_entry (K_SP0 | K_SYNC)
    fatal_entry (K_SP0 | K_IRQ)
    fatal_entry (K_SP0 | K_FIQ)
    fatal_entry (K_SP0 | K_SERROR)
    /* current EL, SP_ELx */
    fatal_entry K_SYNC
    branch_entry el2_irq
    fatal_entry K_FIQ
    fatal_entry K_SERROR
    /* lower EL, AArch64 */
    branch_entry arch_guest_exit_sync
    branch_entry arch_guest_exit_irq
    branch_entry arch_guest_exit_fiq
    branch_entry arch_guest_exit_serror
    /* lower EL, AArch32: guests are AArch64 only (HCR_EL2.RW = 1) */
    fatal_entry (K_AARCH32 | K_SYNC)
    fatal_entry (K_AARCH32 | K_IRQ)
    fatal_entry (K_AARCH32 | K_FIQ)
    fatal_entry (K_AARCH32 | K_SERROR)

el2_irq:
    save_frame
    bl      irq_dispatch
    restore_frame
    eret

/* Weak defaults: without an app running lower-EL code, such an exception is fatal. In a
 * section of their own, which the link drops (--gc-sections) when the app defines all four. */
    .section .text.arch_guest_exit_defaults, "ax", %progbits
    .weak arch_guest_exit_sync
    .weak arch_guest_exit_irq
    .weak arch_guest_exit_fiq
    .weak arch_guest_exit_serror
arch_guest_exit_sync:
    save_frame
    mov     x0, sp
    mov     x1, #(K_LOWER | K_SYNC)
    b       trap_el2_fatal
arch_guest_exit_irq:
    save_frame
    mov     x0, sp
    mov     x1, #(K_LOWER | K_IRQ)
    b       trap_el2_fatal
arch_guest_exit_fiq:
    save_frame
    mov     x0, sp
    mov     x1, #(K_LOWER | K_FIQ)
    b       trap_el2_fatal
arch_guest_exit_serror:
    save_frame
    mov     x0, sp
    mov     x1, #(K_LOWER | K_SERROR)
    b       trap_el2_fatal
