/* Entry points. OpenSBI (QEMU's -bios default, or any SBI firmware) enters the boot hart in
 * S-mode (HS-mode with the H extension) at the load address with a0 = hart id, a1 = DTB, the
 * MMU off. The other harts start through SBI HSM hart_start with a1 = the logical CPU number.
 *
 * The boot runs on the lowest hart id the firmware can start, so that pCPU numbers follow hart
 * ids whichever hart the firmware picked: OpenSBI's boot hart is the winner of a race (its
 * "coldboot lottery"), mostly hart 0 and, on a loaded host, now and then another. Entered on
 * hart h, _head asks SBI HSM to start each lower hart id in turn at _head with the same DTB; at
 * the first that starts, hart h stops itself (HSM hart_stop), and the boot goes on there. The
 * hart that handed the boot over is started later as a secondary like any other.
 *
 * Only the first hart to reach _head boots. A later one is a hart the firmware started at the
 * image entry instead of secondary_entry: OpenSBI v1.1 (QEMU 7.2's) marks a hart START_PENDING
 * before it writes that hart's start address and opaque, so a hart woken in that window jumps
 * to the cold-boot address (_head) with the DTB in a1. Booting it as the primary would zero
 * BSS and run on cpu0's stack under cpu0's feet; it joins as the secondary its hart id names. */
#include <arch/asm_offsets.h>
#include <arch/sbi.h>

    .section .text.head, "ax"
    .global _head
_head:
    csrw    sie, zero
    mv      s0, a0                  /* hart id */
    mv      s1, a1                  /* DTB physical address */
    la      t0, boot_entry_taken    /* in .data: BSS is not zeroed yet */
    ld      t1, 0(t0)
    bnez    t1, late_head           /* a hart the primary started (not one to hand over from) */
    /* Hand the boot over to a lower hart id, if the firmware starts one (s2: the hart tried). The
     * record is written before the start: the new boot hart may read it before this one runs
     * on (its host thread descheduled). A hart that finds it set was handed the boot: the lower
     * ids were tried already. */
    la      t0, boot_handed_over_from
    ld      t1, 0(t0)
    bnez    t1, 4f
    addi    t1, s0, 1
    sd      t1, 0(t0)               /* hart id + 1 of the hart the firmware entered */
    fence   rw, rw
    li      s2, 0
3:  bgeu    s2, s0, 6f
    li      a7, SBI_EXT_HSM
    li      a6, SBI_HSM_HART_START
    mv      a0, s2
    la      a1, _head
    mv      a2, s1
    ecall
    beqz    a0, 5f
    addi    s2, s2, 1               /* no such hart, or not this domain's: the next one */
    j       3b
5:  li      a7, SBI_EXT_HSM         /* hart s2 boots: this one waits, stopped, to be a secondary */
    li      a6, SBI_HSM_HART_STOP
    ecall
    j       park                    /* (hart_stop does not return unless it failed) */
6:  la      t0, boot_handed_over_from
    sd      zero, 0(t0)             /* no lower hart started: the boot stays here */
4:  la      t0, boot_entry_taken
    li      t1, 1
    amoswap.d.aqrl t1, t1, (t0)
    bnez    t1, late_head
    /* Zero BSS (plain stores: nothing else runs yet). */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  la      t0, boot_hartid
    sd      s0, 0(t0)
    li      a0, 0
    call    set_cpu_stack_and_vectors
    mv      a0, s1
    call    base_primary_main
    j       park

/* A hart at _head after the boot hart: through secondary_entry, s2 = how it came. */
late_head:
    li      s2, SECONDARY_VIA_IMAGE_ENTRY
    j       secondary_join

/* Secondary harts from SBI HSM hart_start: a0 = hart id, a1 = logical CPU number. The CPU is
 * the one percpu_data gives this hart id (the primary described every CPU before starting
 * any); a1 is only checked against it. The MMU is turned on from mmu_boot_params before
 * anything else is read (caches are coherent here). */
    .text
    .global secondary_entry
secondary_entry:
    csrw    sie, zero
    mv      s0, a0                  /* hart id */
    mv      s1, a1                  /* opaque: the logical CPU the primary asked for */
    li      s2, SECONDARY_VIA_HSM
secondary_join:
    la      t0, mmu_boot_params
    ld      t1, MMU_PARAMS_SATP(t0)
    sfence.vma
    csrw    satp, t1
    sfence.vma
    mv      a0, s0
    call    cpu_of_hart
    beqz    a0, park                /* not a CPU the primary started: stay off */
    mv      s3, a0
    call    set_cpu_stack_and_vectors
    mv      a0, s3
    mv      a1, s0
    mv      a2, s1
    mv      a3, s2
    call    riscv_secondary_entry_check
    mv      a0, s3
    call    base_secondary_main
    j       park

/* a0 = hart id -> a0 = the secondary logical CPU percpu_data describes with it, 0 if none.
 * No stack (t0-t3 only): entries 1..MAX_CPUS-1 with id == index (find_cpus set them). */
cpu_of_hart:
    la      t0, percpu_data
    li      t1, 1
    li      t3, MAX_CPUS_ASM
1:  addi    t0, t0, PERCPU_SIZE
    lwu     t2, PERCPU_ID(t0)
    bne     t2, t1, 2f
    ld      t2, PERCPU_HWID(t0)
    beq     t2, a0, 3f
2:  addi    t1, t1, 1
    bltu    t1, t3, 1b
    li      a0, 0
    ret
3:  mv      a0, t1
    ret

/* a0 = cpu: sp = top of that CPU's stack, tp = &percpu_data[cpu], stvec = trap_vector. */
set_cpu_stack_and_vectors:
    la      t0, cpu_stacks
    addi    t1, a0, 1
    li      t2, CPU_STACK_SIZE_ASM
    mul     t1, t1, t2
    add     sp, t0, t1
    la      t0, percpu_data
    li      t2, PERCPU_SIZE
    mul     t1, a0, t2
    add     tp, t0, t1
    la      t0, trap_vector
    csrw    stvec, t0
    ret

park:
    csrw    sie, zero
1:  wfi
    j       1b

/* Every trap of the base (direct mode): the frame on the current stack, then trap_handler. */
    .balign 4
    .global trap_vector
trap_vector:
    addi    sp, sp, -TRAP_FRAME_SIZE
    sd      x1, 0(sp)
    sd      x5, 32(sp)
    addi    x5, sp, TRAP_FRAME_SIZE
    sd      x5, 8(sp)               /* the interrupted sp */
    sd      x3, 16(sp)
    sd      x4, 24(sp)
    sd      x6, 40(sp)
    sd      x7, 48(sp)
    sd      x8, 56(sp)
    sd      x9, 64(sp)
    sd      x10, 72(sp)
    sd      x11, 80(sp)
    sd      x12, 88(sp)
    sd      x13, 96(sp)
    sd      x14, 104(sp)
    sd      x15, 112(sp)
    sd      x16, 120(sp)
    sd      x17, 128(sp)
    sd      x18, 136(sp)
    sd      x19, 144(sp)
    sd      x20, 152(sp)
    sd      x21, 160(sp)
    sd      x22, 168(sp)
    sd      x23, 176(sp)
    sd      x24, 184(sp)
    sd      x25, 192(sp)
    sd      x26, 200(sp)
    sd      x27, 208(sp)
    sd      x28, 216(sp)
    sd      x29, 224(sp)
    sd      x30, 232(sp)
    sd      x31, 240(sp)
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, TF_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, TF_STVAL(sp)
    mv      a0, sp
    call    trap_handler
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    ld      x1, 0(sp)
    ld      x3, 16(sp)
    ld      x4, 24(sp)
    ld      x5, 32(sp)
    ld      x6, 40(sp)
    ld      x7, 48(sp)
    ld      x8, 56(sp)
    ld      x9, 64(sp)
    ld      x10, 72(sp)
    ld      x11, 80(sp)
    ld      x12, 88(sp)
    ld      x13, 96(sp)
    ld      x14, 104(sp)
    ld      x15, 112(sp)
    ld      x16, 120(sp)
    ld      x17, 128(sp)
    ld      x18, 136(sp)
    ld      x19, 144(sp)
    ld      x20, 152(sp)
    ld      x21, 160(sp)
    ld      x22, 168(sp)
    ld      x23, 176(sp)
    ld      x24, 184(sp)
    ld      x25, 192(sp)
    ld      x26, 200(sp)
    ld      x27, 208(sp)
    ld      x28, 216(sp)
    ld      x29, 224(sp)
    ld      x30, 232(sp)
    ld      x31, 240(sp)
    addi    sp, sp, TRAP_FRAME_SIZE
    sret

    .data
    .balign 8
boot_entry_taken:
    .dword  0
    .global boot_handed_over_from
boot_handed_over_from:              /* hart id + 1 of the hart the firmware entered, 0: this one */
    .dword  0
