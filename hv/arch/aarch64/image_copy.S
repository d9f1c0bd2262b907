/* The copy of a built-in guest image into VM RAM (vm_arch_copy_image, image_copy.c): the
 * hypervisor's setup before a Linux VM starts is mostly this copy of a 33 MB kernel. 256 bytes
 * per pass through q0-q15 (two registers per load or store: 16 instead of 32 with x
 * registers), and each 64-byte line cleaned to the point of coherency right after it is
 * written (no second pass over the image): 27 instructions per 256 bytes, where memcpy and a
 * separate clean took about 64. The vector registers may hold a guest's state (they are
 * switched lazily, vcpu_arch_load), so the ones used are saved and restored. CPTR_EL2 does not
 * trap FP at EL2 (hv_arch_cpu_init, run on every pCPU before any VM is built). */
    .arch armv8-a+fp+simd
    .text
    .balign 4
/* x0 = dst, x1 = src, x2 = bytes: a non-zero multiple of 256; dst 64-byte aligned. */
    .global image_copy_clean_256
image_copy_clean_256:
    sub     sp, sp, #256
    stp     q0, q1, [sp]
    stp     q2, q3, [sp, #32]
    stp     q4, q5, [sp, #64]
    stp     q6, q7, [sp, #96]
    stp     q8, q9, [sp, #128]
    stp     q10, q11, [sp, #160]
    stp     q12, q13, [sp, #192]
    stp     q14, q15, [sp, #224]
1:  ldp     q0, q1, [x1]
    ldp     q2, q3, [x1, #32]
    ldp     q4, q5, [x1, #64]
    ldp     q6, q7, [x1, #96]
    ldp     q8, q9, [x1, #128]
    ldp     q10, q11, [x1, #160]
    ldp     q12, q13, [x1, #192]
    ldp     q14, q15, [x1, #224]
    add     x1, x1, #256
    stp     q0, q1, [x0]
    stp     q2, q3, [x0, #32]
    dc      cvac, x0
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    add     x3, x0, #64
    dc      cvac, x3
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    add     x3, x0, #128
    dc      cvac, x3
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    add     x3, x0, #192
    dc      cvac, x3
    add     x0, x0, #256
    subs    x2, x2, #256
    b.ne    1b
    ldp     q0, q1, [sp]
    ldp     q2, q3, [sp, #32]
    ldp     q4, q5, [sp, #64]
    ldp     q6, q7, [sp, #96]
    ldp     q8, q9, [sp, #128]
    ldp     q10, q11, [sp, #160]
    ldp     q12, q13, [sp, #192]
    ldp     q14, q15, [sp, #224]
    add     sp, sp, #256
    ret
