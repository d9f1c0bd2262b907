/* The GICv3 list registers ICH_LR<n>_EL2 by index, for vgic_lr.c: a computed branch into a
 * table of two-instruction entries (the register access and ret), 5 instructions a call, where a
 * switch over the 16 registers took 10 to 15 and its code at each caller. n is taken modulo 16
 * (the callers pass n < vgic_lr_count() <= 16). */

    .text
/* u64 ich_lr_read(u32 n) */
    .global ich_lr_read
ich_lr_read:
    and     x0, x0, #15
    adr     x1, 1f
    add     x1, x1, x0, lsl #3
    br      x1
1:
    mrs     x0, S3_4_C12_C12_0
    ret
    mrs     x0, S3_4_C12_C12_1
    ret
    mrs     x0, S3_4_C12_C12_2
    ret
    mrs     x0, S3_4_C12_C12_3
    ret
    mrs     x0, S3_4_C12_C12_4
    ret
    mrs     x0, S3_4_C12_C12_5
    ret
    mrs     x0, S3_4_C12_C12_6
    ret
    mrs     x0, S3_4_C12_C12_7
    ret
    mrs     x0, S3_4_C12_C13_0
    ret
    mrs     x0, S3_4_C12_C13_1
    ret
    mrs     x0, S3_4_C12_C13_2
    ret
    mrs     x0, S3_4_C12_C13_3
    ret
    mrs     x0, S3_4_C12_C13_4
    ret
    mrs     x0, S3_4_C12_C13_5
    ret
    mrs     x0, S3_4_C12_C13_6
    ret
    mrs     x0, S3_4_C12_C13_7
    ret

/* void ich_lr_write(u32 n, u64 value) */
    .global ich_lr_write
ich_lr_write:
    and     x0, x0, #15
    adr     x2, 1f
    add     x2, x2, x0, lsl #3
    br      x2
1:
    msr     S3_4_C12_C12_0, x1
    ret
    msr     S3_4_C12_C12_1, x1
    ret
    msr     S3_4_C12_C12_2, x1
    ret
    msr     S3_4_C12_C12_3, x1
    ret
    msr     S3_4_C12_C12_4, x1
    ret
    msr     S3_4_C12_C12_5, x1
    ret
    msr     S3_4_C12_C12_6, x1
    ret
    msr     S3_4_C12_C12_7, x1
    ret
    msr     S3_4_C12_C13_0, x1
    ret
    msr     S3_4_C12_C13_1, x1
    ret
    msr     S3_4_C12_C13_2, x1
    ret
    msr     S3_4_C12_C13_3, x1
    ret
    msr     S3_4_C12_C13_4, x1
    ret
    msr     S3_4_C12_C13_5, x1
    ret
    msr     S3_4_C12_C13_6, x1
    ret
    msr     S3_4_C12_C13_7, x1
    ret

/* bool ich_lr_write_if_free(u32 n, u64 value): ICH_LR<n>_EL2 written with value if it reads
 * invalid (State 0: the guest is done with what it held, or it was free); false, nothing
 * written, otherwise. One call for vgic_lr_write_if_free, which then needs no stack frame. */
    .global ich_lr_write_if_free
ich_lr_write_if_free:
    mov     x4, x30
    mov     x5, x1
    mov     x3, x0
    bl      ich_lr_read /* (uses x0 and x1 only) */
    lsr     x0, x0, #62
    cbnz    x0, 1f
    mov     x0, x3
    mov     x1, x5
    bl      ich_lr_write /* (uses x0 to x2 only) */
    mov     w0, #1
    ret     x4
1:  mov     w0, #0
    ret     x4
