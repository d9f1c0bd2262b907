#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <arch/vcpu_debug.h>
#include <arch/vgic.h>
#include <lib/types.h>

/* Saved on every exit by guest_switch.S (offsets used there). */
struct guest_regs {
    u64 x[31];
    u64 pc;     /* ELR_EL2 */
    u64 pstate; /* SPSR_EL2 */
};

/* EL1 state, switched only when another vCPU takes the pCPU. */
struct el1_sysregs {
    u64 sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    u64 tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1, elr, spsr;
    u64 esr, far, afsr0, afsr1, par, cpacr, cntkctl, cntv_ctl, cntv_cval, csselr, mdscr;
};

struct fpsimd_state {
    u64 v[64]; /* q0..q31 */
    u64 fpsr, fpcr;
};

struct vcpu_arch {
    struct guest_regs regs;
    struct el1_sysregs el1;
    struct fpsimd_state fp;
    struct vcpu_debug debug; /* breakpoints, watchpoints, PMU: switched with the EL1 state */
    u64 hcr;
    u64 vmpidr;
    bool reload;   /* el1/fp in memory are newer than the live registers */
    u64 ptimer_ctl, ptimer_cval; /* emulated EL1 physical timer (CNTP_*) */
    bool ptimer_line;
    bool vtimer_release; /* its pCPU must deactivate the timer PPI held for it (vtimer.c) */
    bool irq_passthrough; /* interrupt_mode = "passthrough": the GIC CPU interface is the guest's */
    /* pending MMIO read: destination register and sign extension */
    u8 mmio_reg;
    u8 mmio_width;
    bool mmio_sign;
    bool mmio_64;
    u64 abort_pc;  /* the instruction of the last stage-2 abort (for an injected abort) */
    bool abort_write;
    struct vgic_cpu vgic; /* its private interrupts and list registers (hv/arch/aarch64/vgic/) */
};

#endif
