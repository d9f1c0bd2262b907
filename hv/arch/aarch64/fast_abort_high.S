/* A trapped store from x19-x29 (the exit vector's fast path saves only x0-x18 and x30): Linux's
 * boot console keeps the byte it writes to UARTDR in one of them. vcpu_arch_fast_abort gets here
 * by a forced tail call (musttail), so x19-x29 still hold the guest's values: they are stored in
 * its register frame, and fast_abort_store serves the access from there. A declined access takes
 * the full exit, which saves them again, unchanged (C code preserves them). */
    .text
    .balign 4
    .global vcpu_arch_fast_abort_high
vcpu_arch_fast_abort_high: /* x0 = the vCPU, x1 = its registers (struct guest_regs), x2 = ESR, x3 = IPA: kept for fast_abort_store */
    str     x19, [x1, #152]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    b       fast_abort_store
