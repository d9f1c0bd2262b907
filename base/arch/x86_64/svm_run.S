/* u64 svm_run(u64 vmcb_pa, struct svm_guest_regs *regs): one VMRUN / #VMEXIT round trip
 * (<arch/svm.h>). VMRUN saves the host's RSP, RIP, RFLAGS, RAX and control state in the host save
 * area and restores them at #VMEXIT; the other general registers are the guest's then, so the
 * host's callee-saved ones are kept on the stack and the guest's are moved through regs. */
    .text
    .global svm_run
svm_run:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rdi                    /* vmcb_pa */
    push    %rsi                    /* regs */
    mov     %rdi, %rax
    mov     0x00(%rsi), %rbx
    mov     0x08(%rsi), %rcx
    mov     0x10(%rsi), %rdx
    mov     0x20(%rsi), %rdi
    mov     0x28(%rsi), %rbp
    mov     0x30(%rsi), %r8
    mov     0x38(%rsi), %r9
    mov     0x40(%rsi), %r10
    mov     0x48(%rsi), %r11
    mov     0x50(%rsi), %r12
    mov     0x58(%rsi), %r13
    mov     0x60(%rsi), %r14
    mov     0x68(%rsi), %r15
    mov     0x18(%rsi), %rsi
    clgi
    vmrun   %rax
    /* #VMEXIT: RAX (= vmcb_pa), RSP are the host's again. */
    push    %rsi
    mov     8(%rsp), %rsi           /* regs */
    mov     %rbx, 0x00(%rsi)
    mov     %rcx, 0x08(%rsi)
    mov     %rdx, 0x10(%rsi)
    pop     %rbx
    mov     %rbx, 0x18(%rsi)
    mov     %rdi, 0x20(%rsi)
    mov     %rbp, 0x28(%rsi)
    mov     %r8, 0x30(%rsi)
    mov     %r9, 0x38(%rsi)
    mov     %r10, 0x40(%rsi)
    mov     %r11, 0x48(%rsi)
    mov     %r12, 0x50(%rsi)
    mov     %r13, 0x58(%rsi)
    mov     %r14, 0x60(%rsi)
    mov     %r15, 0x68(%rsi)
    stgi
    add     $8, %rsp                /* regs */
    pop     %rax                    /* vmcb_pa */
    mov     0x70(%rax), %rax        /* EXITCODE */
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret
