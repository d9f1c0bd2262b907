/* World switch. vcpu_arch_enter(regs) saves the hypervisor's callee-saved registers (and gp, tp)
 * on its stack, points sscratch at regs and stvec at guest_exit, loads the guest's registers and
 * srets into it (V=1: hstatus.SPV). Every trap while the guest runs (its exceptions the
 * hypervisor keeps, and the host's interrupts, which V=1 cannot mask) arrives at guest_exit:
 * the guest's registers go back into *regs, stvec back to the base's trap_vector, and
 * vcpu_arch_enter returns. scause, stval, htval and htinst are left for the caller to read
 * (nothing traps in between: sstatus.SIE is clear after a trap). */
#include <arch/asm_offsets.h>

#define REGS_SEPC (32 * 8)
#define REGS_SSTATUS (33 * 8)
#define REGS_HSTATUS (34 * 8)
#define REGS_HOST_SP (35 * 8)
#define FRAME (16 * 8)

    .text
    .global vcpu_arch_enter
vcpu_arch_enter:
    addi    sp, sp, -FRAME
    sd      ra, 0(sp)
    sd      gp, 8(sp)
    sd      tp, 16(sp)
    sd      s0, 24(sp)
    sd      s1, 32(sp)
    sd      s2, 40(sp)
    sd      s3, 48(sp)
    sd      s4, 56(sp)
    sd      s5, 64(sp)
    sd      s6, 72(sp)
    sd      s7, 80(sp)
    sd      s8, 88(sp)
    sd      s9, 96(sp)
    sd      s10, 104(sp)
    sd      s11, 112(sp)
    sd      sp, REGS_HOST_SP(a0)
    csrw    sscratch, a0
    la      t0, guest_exit
    csrw    stvec, t0
    ld      t0, REGS_SSTATUS(a0)
    csrw    sstatus, t0
    ld      t0, REGS_HSTATUS(a0)
    csrw    0x600, t0               /* hstatus */
    ld      t0, REGS_SEPC(a0)
    csrw    sepc, t0
    ld      x1, 8(a0)
    ld      x2, 16(a0)
    ld      x3, 24(a0)
    ld      x4, 32(a0)
    ld      x5, 40(a0)
    ld      x6, 48(a0)
    ld      x7, 56(a0)
    ld      x8, 64(a0)
    ld      x9, 72(a0)
    ld      x11, 88(a0)
    ld      x12, 96(a0)
    ld      x13, 104(a0)
    ld      x14, 112(a0)
    ld      x15, 120(a0)
    ld      x16, 128(a0)
    ld      x17, 136(a0)
    ld      x18, 144(a0)
    ld      x19, 152(a0)
    ld      x20, 160(a0)
    ld      x21, 168(a0)
    ld      x22, 176(a0)
    ld      x23, 184(a0)
    ld      x24, 192(a0)
    ld      x25, 200(a0)
    ld      x26, 208(a0)
    ld      x27, 216(a0)
    ld      x28, 224(a0)
    ld      x29, 232(a0)
    ld      x30, 240(a0)
    ld      x31, 248(a0)
    ld      x10, 80(a0)
    sret

    .balign 4
guest_exit:
    csrrw   a0, sscratch, a0        /* a0 = regs, sscratch = the guest's a0 */
    sd      x1, 8(a0)
    sd      x2, 16(a0)
    sd      x3, 24(a0)
    sd      x4, 32(a0)
    sd      x5, 40(a0)
    sd      x6, 48(a0)
    sd      x7, 56(a0)
    sd      x8, 64(a0)
    sd      x9, 72(a0)
    sd      x11, 88(a0)
    sd      x12, 96(a0)
    sd      x13, 104(a0)
    sd      x14, 112(a0)
    sd      x15, 120(a0)
    sd      x16, 128(a0)
    sd      x17, 136(a0)
    sd      x18, 144(a0)
    sd      x19, 152(a0)
    sd      x20, 160(a0)
    sd      x21, 168(a0)
    sd      x22, 176(a0)
    sd      x23, 184(a0)
    sd      x24, 192(a0)
    sd      x25, 200(a0)
    sd      x26, 208(a0)
    sd      x27, 216(a0)
    sd      x28, 224(a0)
    sd      x29, 232(a0)
    sd      x30, 240(a0)
    sd      x31, 248(a0)
    csrr    t0, sscratch
    sd      t0, 80(a0)
    csrr    t0, sepc
    sd      t0, REGS_SEPC(a0)
    csrr    t0, sstatus
    sd      t0, REGS_SSTATUS(a0)
    csrr    t0, 0x600               /* hstatus */
    sd      t0, REGS_HSTATUS(a0)
    ld      sp, REGS_HOST_SP(a0)
    la      t0, trap_vector
    csrw    stvec, t0
    ld      ra, 0(sp)
    ld      gp, 8(sp)
    ld      tp, 16(sp)
    ld      s0, 24(sp)
    ld      s1, 32(sp)
    ld      s2, 40(sp)
    ld      s3, 48(sp)
    ld      s4, 56(sp)
    ld      s5, 64(sp)
    ld      s6, 72(sp)
    ld      s7, 80(sp)
    ld      s8, 88(sp)
    ld      s9, 96(sp)
    ld      s10, 104(sp)
    ld      s11, 112(sp)
    addi    sp, sp, FRAME
    ret

/* u64 riscv_hlvx_hu(u64 va, u64 *ok): the guest's instruction halfword at guest-virtual va,
 * read with the guest's translation and permissions (HLVX.HU, privilege from hstatus.SPVP).
 * A fault (the page is unmapped, not executable, or outside the VM) is caught here: *ok = 0. */
    .global riscv_hlvx_hu
riscv_hlvx_hu:
    csrr    t1, stvec
    la      t0, hlvx_fault
    csrw    stvec, t0
    li      t2, 1
    mv      a2, zero
    .insn r 0x73, 4, 0x32, a2, a0, x3   /* hlvx.hu a2, (a0) */
    csrw    stvec, t1
    sd      t2, 0(a1)
    mv      a0, a2
    ret

    .balign 4
hlvx_fault:
    li      t2, 0
    csrr    t0, sepc
    addi    t0, t0, 4
    csrw    sepc, t0
    sret

/* FP state (x = f registers by number: the hypervisor is built without F/D, so the loads and
 * stores are spelled with .insn). a0 = struct fp_state *. */
    .global fp_save
fp_save:
    .insn s 0x27, 3, x0, 0(a0)
    .insn s 0x27, 3, x1, 8(a0)
    .insn s 0x27, 3, x2, 16(a0)
    .insn s 0x27, 3, x3, 24(a0)
    .insn s 0x27, 3, x4, 32(a0)
    .insn s 0x27, 3, x5, 40(a0)
    .insn s 0x27, 3, x6, 48(a0)
    .insn s 0x27, 3, x7, 56(a0)
    .insn s 0x27, 3, x8, 64(a0)
    .insn s 0x27, 3, x9, 72(a0)
    .insn s 0x27, 3, x10, 80(a0)
    .insn s 0x27, 3, x11, 88(a0)
    .insn s 0x27, 3, x12, 96(a0)
    .insn s 0x27, 3, x13, 104(a0)
    .insn s 0x27, 3, x14, 112(a0)
    .insn s 0x27, 3, x15, 120(a0)
    .insn s 0x27, 3, x16, 128(a0)
    .insn s 0x27, 3, x17, 136(a0)
    .insn s 0x27, 3, x18, 144(a0)
    .insn s 0x27, 3, x19, 152(a0)
    .insn s 0x27, 3, x20, 160(a0)
    .insn s 0x27, 3, x21, 168(a0)
    .insn s 0x27, 3, x22, 176(a0)
    .insn s 0x27, 3, x23, 184(a0)
    .insn s 0x27, 3, x24, 192(a0)
    .insn s 0x27, 3, x25, 200(a0)
    .insn s 0x27, 3, x26, 208(a0)
    .insn s 0x27, 3, x27, 216(a0)
    .insn s 0x27, 3, x28, 224(a0)
    .insn s 0x27, 3, x29, 232(a0)
    .insn s 0x27, 3, x30, 240(a0)
    .insn s 0x27, 3, x31, 248(a0)
    csrr    t0, fcsr
    sd      t0, 256(a0)
    ret

    .global fp_restore
fp_restore:
    .insn i 0x07, 3, x0, 0(a0)
    .insn i 0x07, 3, x1, 8(a0)
    .insn i 0x07, 3, x2, 16(a0)
    .insn i 0x07, 3, x3, 24(a0)
    .insn i 0x07, 3, x4, 32(a0)
    .insn i 0x07, 3, x5, 40(a0)
    .insn i 0x07, 3, x6, 48(a0)
    .insn i 0x07, 3, x7, 56(a0)
    .insn i 0x07, 3, x8, 64(a0)
    .insn i 0x07, 3, x9, 72(a0)
    .insn i 0x07, 3, x10, 80(a0)
    .insn i 0x07, 3, x11, 88(a0)
    .insn i 0x07, 3, x12, 96(a0)
    .insn i 0x07, 3, x13, 104(a0)
    .insn i 0x07, 3, x14, 112(a0)
    .insn i 0x07, 3, x15, 120(a0)
    .insn i 0x07, 3, x16, 128(a0)
    .insn i 0x07, 3, x17, 136(a0)
    .insn i 0x07, 3, x18, 144(a0)
    .insn i 0x07, 3, x19, 152(a0)
    .insn i 0x07, 3, x20, 160(a0)
    .insn i 0x07, 3, x21, 168(a0)
    .insn i 0x07, 3, x22, 176(a0)
    .insn i 0x07, 3, x23, 184(a0)
    .insn i 0x07, 3, x24, 192(a0)
    .insn i 0x07, 3, x25, 200(a0)
    .insn i 0x07, 3, x26, 208(a0)
    .insn i 0x07, 3, x27, 216(a0)
    .insn i 0x07, 3, x28, 224(a0)
    .insn i 0x07, 3, x29, 232(a0)
    .insn i 0x07, 3, x30, 240(a0)
    .insn i 0x07, 3, x31, 248(a0)
    ld      t0, 256(a0)
    csrw    fcsr, t0
    ret
