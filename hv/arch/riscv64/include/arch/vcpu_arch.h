#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <lib/types.h>

/* Saved and loaded on every exit and entry by guest_switch.S (offsets there). */
struct guest_regs {
    u64 x[32];   /* x0 (always 0) kept so that x[n] is register n */
    u64 sepc;    /* the guest's pc */
    u64 sstatus; /* SPP: the guest's mode (VS or VU) to return to */
    u64 hstatus; /* SPV (return to V=1), SPVP, VTW */
    u64 host_sp; /* the hypervisor's stack while the guest runs */
};

/* The guest-visible supervisor state, switched only when another vCPU takes the pCPU. */
struct vs_csrs {
    u64 vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp, vstimecmp;
};

struct fp_state {
    u64 f[32];
    u64 fcsr;
};

struct vcpu_arch {
    struct guest_regs regs;
    struct vs_csrs vs;
    struct fp_state fp;
    u64 henvcfg;
    u64 hvip;           /* VS-level interrupts pending (HVIP_*): set from any pCPU atomically */
    u64 hvip_entered;   /* ... as written to hvip at the last entry */
    u64 ssip_seq, ssip_seq_entered; /* software interrupts raised (under vm irq_lock); at entry */
    u64 timer_deadline; /* SBI set_timer without Sstc: host counter value, ~0 when none */
    bool reload;        /* vs/fp in memory are newer than the live registers */
    volatile bool in_guest;     /* between entry and exit (remote fences wait for it) */
    volatile u32 fence_pending; /* a remote fence: hfence.vvma + fence.i before the next entry (a word:
                                 * its exchange at every entry is one amoswap, a byte's a LR/SC loop) */
    /* pending MMIO read: destination register and extension */
    u8 mmio_reg;
    u8 mmio_width;
    bool mmio_sign;
    u8 abort_cause; /* the access of the last guest-page fault, for an injected access fault */
    u8 vgein;       /* its guest interrupt file (hstatus.VGEIN), 0 for none (vimsic.c) */
    bool file_dirty; /* that file may hold an earlier VM's state: cleared at the next load */
};

#endif
