/* World switch. vcpu_arch_enter(regs) saves the hypervisor's callee-saved registers in a frame
 * on its stack, loads the guest's general registers and erets. Guest exceptions arrive at the
 * lower-EL vectors with SP_EL2 still pointing at that frame: the guest registers are stored
 * back into *regs and vcpu_arch_enter returns the exit kind (0 sync, 1 IRQ, 2 FIQ, 3 SError).
 * EL1 system registers are not touched here: they stay live while the vCPU owns the pCPU.
 *
 * Fast path: the commonest calls a guest makes over HVC that only return a constant (cvisor's
 * HC_NULL, PSCI_VERSION, SMCCC_VERSION) are answered right here, using only x0 and x1 (saved
 * and put back), and the guest resumes at once: no register file saved, no C, no run loop. The
 * vCPU's exit count (and hypercall count, for HC_NULL) go up as on the full path. Anything that
 * needs the hypervisor (a VM ending, a pending host interrupt) still gets it: a host interrupt
 * is taken at the next guest instruction. The full path answers the same calls the same way
 * (handle_smccc, vpsci_handle), so a guest cannot tell which one served it.
 *
 * Fast stage-2 data aborts, system-register traps and interrupts: the registers a C function may
 * clobber are saved, then vcpu_arch_fast_abort (a read of one of the vGIC's constant registers
 * into x0-x18 or x30, a lazy RAM page's first touch), vcpu_arch_fast_sysreg (an SGI to other
 * vCPUs) or vcpu_arch_fast_irq (the virtual timer's tick, a kick delivering SGIs) serves the
 * exit if it can on the spot (moving ELR_EL2 past a trapped instruction itself); if so, those registers are
 * loaded back and the guest resumes, without the run loop. Otherwise the rest of the register
 * file is saved and the exit goes on as a full one. */

#define REGS_PC 248
#define REGS_PSTATE 256
#define REGS_TO_STATS 3360
#define REGS_TO_IRQ_PASSTHROUGH 2138 /* offsetof(struct vcpu_arch, irq_passthrough) - offsetof(..., regs) */ /* offsetof(struct vcpu, stats) - offsetof(struct vcpu, arch.regs) */
#define REGS_TO_TICK 3280 /* offsetof(struct vcpu_arch, vgic.tick_gen) - offsetof(..., regs); tick_lr_val, tick_lr follow */
#define REGS_TO_VM 48 /* offsetof(struct vcpu, arch.regs): vcpu->vm is that far below */
#define VM_TO_GEN 3776 /* offsetof(struct vm, arch.vgic.gen) */
#define VM_TO_INJECTED_4K 3 /* offsetof(struct vm, arch.vgic.injected) == 3 << 12 */
#define STATS_IRQS 32
#define GICV2_CPU_BASE 8 /* offsetof(struct gicv2_info, cpu_base) */
#define GICV2_HYP_BASE 16 /* offsetof(struct gicv2_info, hyp_base) */
#define REGS_TO_HCR 2096 /* offsetof(struct vcpu_arch, hcr) - offsetof(..., regs) */
#define HCR_TWI (1 << 13)
#define HCR_TWE_BIT 14
#define EC_WFX 0x01
#define GICC_PMR 0x004
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICH_LR0 0x100
#define VTIMER_INTID 27
#define FAST_IRQ_NOT_TAKEN -1
#define FRAME 112
#define FRAME_REGS 96
#define EC_HVC64 0x16
#define EC_DABT_LOW 0x24
#define EC_SYSREG 0x18
#define SMCCC_1_1 0x10001

    .text
    .global vcpu_arch_enter
vcpu_arch_enter:
    stp     x29, x30, [sp, #-FRAME]!
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    str     x0, [sp, #FRAME_REGS]
    ldp     x1, x2, [x0, #REGS_PC]
    msr     elr_el2, x1
    msr     spsr_el2, x2
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret

.macro guest_exit kind
    stp     x0, x1, [sp, #-16]!
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    stp     x2, x3, [x0, #16]
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    stp     x18, x19, [x0, #144]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    str     x30, [x0, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #0]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x0, #REGS_PC]
    mov     x0, #\kind
    b       guest_exit_return
.endm

/* Fast sync exits: only what C may clobber is saved (x0-x18, x30; x0 and x1 pushed on the
 * stack); x19-x29 stay live in their registers. x0 = the guest's registers after (loaded=1: x0
 * holds them already). */
.macro fast_save loaded=0 from4=0
.if !\loaded
    ldr     x0, [sp, #(16 + FRAME_REGS)]
.endif
.if !\from4 /* (from4: x2, x3 and x30 are saved already) */
    stp     x2, x3, [x0, #16]
.endif
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    str     x18, [x0, #144]
.if !\from4
    str     x30, [x0, #240]
.endif
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #0]
.endm

    .global arch_guest_exit_sync
    .global arch_guest_exit_irq
    .global arch_guest_exit_fiq
    .global arch_guest_exit_serror
arch_guest_exit_sync:
    stp     x0, x1, [sp, #-16]!
    mrs     x1, esr_el2
    lsr     x1, x1, #26
    cmp     x1, #EC_HVC64
    b.ne    not_hvc
    /* w0 = the SMCCC function id (the upper half of x0 is not part of it) */
    movz    w1, #0xc600, lsl #16 /* HC_NULL (0x100), SMC64 form */
    movk    w1, #0x0100
    cmp     w0, w1
    b.eq    fast_hc_null
    movz    w1, #0x8600, lsl #16 /* HC_NULL (0x100), SMC32 form */
    movk    w1, #0x0100
    cmp     w0, w1
    b.eq    fast_hc_null
    movz    w1, #0x8400, lsl #16 /* PSCI_VERSION */
    cmp     w0, w1
    b.eq    fast_smccc_1_1
    movz    w1, #0x8000, lsl #16 /* SMCCC_VERSION */
    cmp     w0, w1
    b.eq    fast_smccc_1_1
    b       guest_exit_sync_full
fast_hc_null:
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    add     x0, x0, #REGS_TO_STATS
    ldr     x1, [x0, #8] /* stats.hypercalls */
    add     x1, x1, #1
    str     x1, [x0, #8]
    mov     x1, #0 /* HC_OK */
    b       fast_return
fast_smccc_1_1:
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    add     x0, x0, #REGS_TO_STATS
    movz    x1, #(SMCCC_1_1 & 0xffff)
    movk    x1, #(SMCCC_1_1 >> 16), lsl #16
fast_return: /* x0 = &stats, x1 = the guest's x0 to return */
    str     x1, [sp]
    ldr     x1, [x0] /* stats.exits */
    add     x1, x1, #1
    str     x1, [x0]
    ldp     x0, x1, [sp], #16
    eret

not_hvc:
    cmp     x1, #EC_DABT_LOW
    b.eq    1f
    cmp     x1, #EC_SYSREG
    b.ne    8f
    fast_save
    bl      vcpu_arch_fast_sysreg
    b       2f
1:  /* An interrupt-passthrough VM's aborts are its GIC distributor's (filtered, never fast) and
     * RAM's first touches, one per 2 MiB: a full exit at once, without a fast try that fails. */
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    ldrb    w1, [x0, #REGS_TO_IRQ_PASSTHROUGH]
    cbnz    w1, guest_exit_sync_full
    fast_save loaded=1
    bl      vcpu_arch_fast_abort
2:  ldr     x1, [sp, #FRAME_REGS]
    tst     x0, #0xff /* bool */
    b.eq    fast_declined_sync
fast_resume: /* x1 = the guest's registers */
    mov     x0, x1
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldr     x18, [x0, #144]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret
fast_declined_sync:
    mov     x5, #0 /* the exit kind: sync */
fast_declined: /* x1 = the guest's registers, x5 = the exit kind: the rest of the save, then a full exit */
    str     x19, [x1, #152]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x1, #REGS_PC]
    mov     x0, x5
    b       guest_exit_return

/* A WFI trapped only because a GICv2 host's timer tick was linked (TWI without the scheduler's
 * TWE: vtimer_after_v2_tick): TWI off again, the physical GICC_PMR rewritten as it is (QEMU's
 * GICv2 then signals a timer PPI its guest deactivated with the line still high), and back to the
 * WFI, which now runs untrapped. With x0 and x1 only. */
8:  cmp     x1, #EC_WFX
    b.ne    guest_exit_sync_full
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    ldr     x1, [x0, #REGS_TO_HCR]
    tbnz    x1, #HCR_TWE_BIT, guest_exit_sync_full
    bic     x1, x1, #HCR_TWI
    str     x1, [x0, #REGS_TO_HCR]
    msr     hcr_el2, x1
    adrp    x1, gicv2
    add     x1, x1, :lo12:gicv2
    ldr     x1, [x1, #GICV2_CPU_BASE]
    mov     w0, #0xff
    str     w0, [x1, #GICC_PMR]
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    add     x0, x0, #REGS_TO_STATS
    ldr     x1, [x0] /* stats.exits */
    add     x1, x1, #1
    str     x1, [x0]
    ldp     x0, x1, [sp], #16
    eret
guest_exit_sync_full:
    ldp     x0, x1, [sp], #16
    guest_exit 0
/* An interrupt. The steady timer tick is served right here: the vCPU has its virtual timer's
 * interrupt in list register tick_lr, recorded when the vGIC's gen was tick_gen and it still is
 * (vgic_hw_line_raised_direct says why nothing else needs checking), the host GIC (ICC_IAR1_EL1,
 * or GICC_IAR on a GICv2 host: gicv2_tick) gives INTID 27, and the guest is done with the register (State 0):
 * the register rewritten, the priority drop (the PPI stays active till the guest's deactivation
 * through the link), the counters as vcpu_arch_fast_irq keeps them, and back to the guest, with
 * only x0-x3 and x30 used. Anything else goes to vcpu_arch_fast_irq, with the interrupt
 * acknowledged here already or not (w1). */
arch_guest_exit_irq:
    stp     x0, x1, [sp, #-16]!
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    stp     x2, x3, [x0, #16]
    str     x30, [x0, #240]
    add     x1, x0, #REGS_TO_TICK
    ldp     x2, x3, [x1] /* tick_gen, tick_lr_val */
    cbz     x3, 3f
    ldur    x30, [x0, #-REGS_TO_VM]
    ldr     x30, [x30, #VM_TO_GEN]
    cmp     x30, x2
    b.ne    7f
    mrs     x2, S3_0_C12_C12_0 /* ICC_IAR1_EL1 */
    cmp     x2, #VTIMER_INTID
    b.ne    4f
    .global arch_guest_fast_tick
arch_guest_fast_tick: /* (a symbol for scripts/bench_profile.py) */
    ldr     w2, [x1, #16] /* tick_lr */
    mov     w0, w2
    bl      ich_lr_read /* (uses x0 and x1 only) */
    tst     x0, #0xc000000000000000 /* State */
    b.ne    5f
    mov     w0, w2
    mov     x1, x3
    bl      ich_lr_write /* (uses x0 to x2 only) */
    mov     x0, #VTIMER_INTID
    msr     S3_0_C12_C12_1, x0 /* ICC_EOIR1_EL1 */
6:  ldr     x0, [sp, #(16 + FRAME_REGS)]
    ldur    x1, [x0, #-REGS_TO_VM]
    add     x1, x1, #VM_TO_INJECTED_4K, lsl #12
1:  ldxr    x2, [x1] /* vgic.injected, counted by other pCPUs too */
    add     x2, x2, #1
    stxr    w3, x2, [x1]
    cbnz    w3, 1b
    add     x1, x0, #REGS_TO_STATS
    ldr     x2, [x1] /* stats.exits */
    ldr     x3, [x1, #STATS_IRQS]
    add     x2, x2, #1
    add     x3, x3, #1
    str     x2, [x1]
    str     x3, [x1, #STATS_IRQS]
    ldr     x30, [x0, #240]
    ldp     x2, x3, [x0, #16]
    ldp     x0, x1, [sp], #16
    eret
    .global arch_guest_exit_irq_slow
arch_guest_exit_irq_slow: /* (a symbol for scripts/bench_profile.py) */
5:  mov     x2, #VTIMER_INTID
4:  mov     w1, w2 /* acknowledged */
    ldr     x0, [sp, #(16 + FRAME_REGS)]
    b       2f
7:  cmn     x30, x2 /* a GICv2 host's word: tick_gen = -gen (vgic_lr_tick_gen) */
    b.eq    gicv2_tick
3:  mov     w1, #FAST_IRQ_NOT_TAKEN
2:  fast_save loaded=1 from4=1 /* (x0 = the guest's registers; x1 kept) */
    bl      vcpu_arch_fast_irq /* (x0 = the guest's registers, w1 = the IAR or FAST_IRQ_NOT_TAKEN) */
    ldr     x1, [sp, #FRAME_REGS]
    mov     x5, #1 /* the exit kind if declined: IRQ */
    tst     x0, #0xff /* bool */
    b.ne    fast_resume
    b       fast_declined
/* The same steady tick on a GICv2 host, through the memory-mapped GICC and GICH frames (struct
 * gicv2_info): GICC_IAR, the list register tick_lr, GICC_EOIR. Its word's tick_gen is the
 * negated gen, so the GICv3 path's check above fails without an instruction more on that path
 * and the ICC system registers, undefined on a GICv2 host, are never touched. x0 = the guest's
 * registers, x1 = &tick_gen, x3 = tick_lr_val (a GICH_LR value). */
gicv2_tick:
    adrp    x30, gicv2
    add     x30, x30, :lo12:gicv2
    ldr     x2, [x30, #GICV2_CPU_BASE]
    ldr     w2, [x2, #GICC_IAR]
    cmp     w2, #VTIMER_INTID
    b.ne    4b
    ldr     w2, [x1, #16] /* tick_lr */
    ldr     x1, [x30, #GICV2_HYP_BASE]
    add     x1, x1, x2, lsl #2
    ldr     w2, [x1, #GICH_LR0]
    tst     w2, #0x30000000 /* State */
    b.ne    5b
    str     w3, [x1, #GICH_LR0]
    ldr     x1, [x30, #GICV2_CPU_BASE]
    mov     w2, #VTIMER_INTID
    str     w2, [x1, #GICC_EOIR]
    ldr     x2, [x0, #REGS_TO_HCR] /* the guest's next WFI traps (vtimer_after_v2_tick) */
    orr     x2, x2, #HCR_TWI
    str     x2, [x0, #REGS_TO_HCR]
    msr     hcr_el2, x2
    b       6b
arch_guest_exit_fiq:
    guest_exit 2
arch_guest_exit_serror:
    guest_exit 3

guest_exit_return:
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     x29, x30, [sp], #FRAME
    ret

/* FP/SIMD state, switched together with EL1 state. x0 = struct fpsimd_state *. */
    .global fpsimd_save
fpsimd_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpsr
    mrs     x2, fpcr
    add     x3, x0, #512
    stp     x1, x2, [x3]
    ret

    .global fpsimd_restore
fpsimd_restore:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x3, x0, #512
    ldp     x1, x2, [x3]
    msr     fpsr, x1
    msr     fpcr, x2
    ret
