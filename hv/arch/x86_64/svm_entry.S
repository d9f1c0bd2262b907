/* u64 svm_enter(u64 vmcb_pa, u64 gpr[16], u64 host_vmcb_pa): one world switch under SVM.
 * VMRUN saves the host's RAX, RSP, RIP, RFLAGS and control state in the host save area and
 * restores them at #VMEXIT, but not the state VMLOAD/VMSAVE move (FS, GS and their bases, TR,
 * LDTR, KernelGSBase, the syscall and sysenter MSRs): that is swapped here, host state into
 * host_vmcb_pa, guest state from and to the guest's VMCB, so a guest's segment loads and MSR
 * writes never reach the host's GS (its per-CPU pointer) or TSS. All under GIF = 0 (CLGI): no
 * interrupt or NMI between the swaps. IF is set across VMRUN so that a physical interrupt ends
 * the guest's run (#VMEXIT INTR; with V_INTR_MASKING the host's IF gates them), and cleared
 * before STGI: the interrupt stays pending for the run loop (irq_dispatch). The guest's general
 * registers other than RAX and RSP (which are in the VMCB) move through gpr[], in the encoding's
 * order (gpr[1] = RCX ... gpr[15] = R15). */
    .text
    .global svm_enter
svm_enter:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rdx                    /* 16(%rsp): host_vmcb_pa */
    push    %rdi                    /* 8(%rsp): vmcb_pa */
    push    %rsi                    /* 0(%rsp): gpr */
    clgi
    mov     %rdx, %rax
    vmsave  %rax
    mov     %rdi, %rax
    vmload  %rax
    mov     0x08(%rsi), %rcx
    mov     0x10(%rsi), %rdx
    mov     0x18(%rsi), %rbx
    mov     0x28(%rsi), %rbp
    mov     0x38(%rsi), %rdi
    mov     0x40(%rsi), %r8
    mov     0x48(%rsi), %r9
    mov     0x50(%rsi), %r10
    mov     0x58(%rsi), %r11
    mov     0x60(%rsi), %r12
    mov     0x68(%rsi), %r13
    mov     0x70(%rsi), %r14
    mov     0x78(%rsi), %r15
    mov     0x30(%rsi), %rsi
    sti
    vmrun   %rax
    /* #VMEXIT: RAX (= vmcb_pa), RSP, RFLAGS (IF set) are the host's again; GIF = 0. */
    cli
    push    %rsi
    mov     8(%rsp), %rsi           /* gpr */
    mov     %rcx, 0x08(%rsi)
    mov     %rdx, 0x10(%rsi)
    mov     %rbx, 0x18(%rsi)
    mov     %rbp, 0x28(%rsi)
    mov     %rdi, 0x38(%rsi)
    mov     %r8, 0x40(%rsi)
    mov     %r9, 0x48(%rsi)
    mov     %r10, 0x50(%rsi)
    mov     %r11, 0x58(%rsi)
    mov     %r12, 0x60(%rsi)
    mov     %r13, 0x68(%rsi)
    mov     %r14, 0x70(%rsi)
    mov     %r15, 0x78(%rsi)
    pop     %rbx
    mov     %rbx, 0x30(%rsi)
    vmsave  %rax                    /* the guest's FS, GS, TR, LDTR, MSRs into its VMCB */
    mov     16(%rsp), %rax
    vmload  %rax                    /* the host's back */
    stgi
    mov     8(%rsp), %rax
    mov     0x70(%rax), %rax        /* EXITCODE */
    add     $24, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret
