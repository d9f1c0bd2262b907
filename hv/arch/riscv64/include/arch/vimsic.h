/* Guest interrupt files (AIA) for a VM with interrupt_mode = "passthrough" on a host with an
 * IMSIC (hv/arch/riscv64/vimsic.c, docs/riscv64.md "AIA"): each vCPU gets guest file
 * VIMSIC_GUEST_FILE of its pCPU's IMSIC (hstatus.VGEIN), mapped where QEMU virt has the S-level
 * files (VIMSIC_GPA + hart id pages), and the VM's passed-through device sources are sent by the
 * host APLIC straight into it: no exit on the device interrupt's path. */
#ifndef ARCH_VIMSIC_H
#define ARCH_VIMSIC_H

#include <lib/diag.h>
#include <lib/types.h>

#define VIMSIC_GPA 0x28000000ull
#define VIMSIC_GUEST_FILE 1u /* the VM owns its pCPUs (passthrough mode): one file per hart is enough */

struct vm;
struct vcpu;

int vimsic_setup(struct vm *vm, struct diag *d);
/* Host APLIC source host_irq - RISCV_IRQ_PLIC sent to the VM's files as that identity; false
 * (with a warning) when it is not the VM's to have: the hypervisor's or another VM's source. */
bool vimsic_give_source(struct vm *vm, u32 host_irq);
void vimsic_release(struct vm *vm);
/* vcpu_arch_load: a guest file not yet cleared for this vCPU is cleared (no state of an earlier VM). */
void vimsic_load(struct vcpu *vcpu);
/* A halt: wake on the guest file's interrupt (hgeie -> SGEI), cleared again at the wake-up. */
void vimsic_arm_wakeup(struct vcpu *vcpu);
/* The guest file's identities, for the guest's device tree. */
u32 vimsic_ids(void);

#endif
