/* What the parts of the riscv64 vCPU (vcpu_arch.c, vsbi.c, virq.c, gstage.c) call of one another. */
#ifndef ARCH_VCPU_PARTS_H
#define ARCH_VCPU_PARTS_H

#include <hv/vcpu_exit.h>
#include <lib/types.h>

struct vcpu;
struct vm;
struct guest_regs;
struct fp_state;

/* guest_switch.S */
void vcpu_arch_enter(struct guest_regs *regs);
u64 riscv_hlvx_hu(u64 va, u64 *ok);
void fp_save(struct fp_state *s);
void fp_restore(const struct fp_state *s);
/* gstage.c: how many VMIDs the harts have (once, on the boot CPU). */
void gstage_probe_vmids(void);
/* vcpu_live.c: the vCPU whose VS state is live on pCPU cpu, or NULL; and setting it. */
struct vcpu *vcpu_arch_loaded(u32 cpu);
void vcpu_live_set(u32 cpu, struct vcpu *vcpu);
/* vsbi.c: an ECALL from VS-mode (the SBI the guest sees); fills exit. */
void vsbi_handle(struct vcpu *vcpu, struct vcpu_exit *exit);
/* vcpu_remote.c: makes VS-level interrupts (HVIP_*) pending for vcpu and wakes it. */
void riscv_vcpu_raise(struct vcpu *vcpu, u64 hvip_bits);
/* ... and no longer pending (a level the guest cannot clear itself: VSEIP). */
void riscv_vcpu_lower(struct vcpu *vcpu, u64 hvip_bits);
/* vtimer.c: the SBI timer of a vCPU without Sstc (host counter value; ~0 = none). */
void riscv_vcpu_set_timer(struct vcpu *vcpu, u64 deadline);
/* vcpu_remote.c: remote fence (SBI RFENCE): the vCPU flushes its VS-stage translations and
 * instruction cache before it next runs guest code; returns once it has, or is not running. */
void riscv_vcpu_remote_fence(struct vcpu *vcpu);

/* virq.c: a 32-bit aligned access at guest-physical addr emulated by the VM's vPLIC (a read's
 * result in *value); false, with nothing done, outside its window or for another width. */
bool riscv_vplic_access(struct vm *vm, u64 addr, u8 width, bool write, u64 *value);
/* virq.c: the VM's PLIC window for its device tree; false without one. */
bool riscv_vm_plic(const struct vm *vm, u64 *base, u64 *size);

#endif
