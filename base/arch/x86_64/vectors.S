/* The 256 interrupt and exception entry stubs (16 bytes apart: stub n is at
 * x86_vector_stubs + 16 * n) and their common path: a struct trap_frame on the stack, then
 * x86_trap(frame). Vectors whose exception pushes an error code skip the dummy 0. */
#include <arch/asm_offsets.h>

    .text
    .balign 16
    .global x86_vector_stubs
x86_vector_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq   $0
    .endif
    pushq   $vec
    jmp     trap_common
    .set vec, vec + 1
    .endr

trap_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld
    mov     %rsp, %rdi              /* 16-byte aligned: the CPU aligned it, 22 quadwords since */
    call    x86_trap
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp               /* vector, error code */
    iretq
