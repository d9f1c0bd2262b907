/* What the parts of the aarch64 vCPU (vcpu_arch.c, vtimer.c, vpsci.c, id_regs.c, stage2.c) call
 * of one another. */
#ifndef ARCH_VCPU_PARTS_H
#define ARCH_VCPU_PARTS_H

#include <arch/vtimer_upcalls.h>
#include <lib/types.h>

struct vcpu;

/* stage2.c: VTCR_EL2 for the stage-2 format every VM uses. */
u64 stage2_vtcr(void);
/* vpsci.c: a PSCI call of the guest; false when fid is not a PSCI function. */
bool vpsci_handle(struct vcpu *vcpu, u64 fid);
/* id_regs.c: the guest's view of an ID register (op0 3, op1 0, CRn 0). */
u64 vcpu_arch_id_reg(u32 crm, u32 op2, bool gic_sysregs);
/* vcpu_arch.c: vcpu_arch_loaded, which the timers ask: <arch/vtimer_upcalls.h>. */
/* vtimer.c: the virtual and emulated physical timers. */
void vtimer_load(struct vcpu *v);
void vtimer_deactivated(struct vcpu *v);
bool vtimer_line(struct vcpu *v, bool *level);
void vtimer_irq(u32 intid, void *arg);
void vtimer_tick_slow(struct vcpu *v);
void vtimer_after_v2_tick(struct vcpu *v); /* a GICv2 host's linked tick: the guest's next WFI traps */
bool vtimer_sysreg(struct vcpu *v, u32 op2, bool read, u64 *val);

#endif
