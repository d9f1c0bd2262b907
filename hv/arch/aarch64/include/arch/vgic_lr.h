/* GICv3 virtualization interface: list registers and ICH_* control, used by the generic vGIC. */
#ifndef ARCH_VGIC_LR_H
#define ARCH_VGIC_LR_H

#include <lib/types.h>

enum lr_state { LR_INVALID = 0, LR_PENDING = 1, LR_ACTIVE = 2, LR_PENDING_ACTIVE = 3 };

u32 vgic_lr_count(void);
/* eoi: ask for a maintenance interrupt when the guest deactivates it. hw: linked to the
 * physical interrupt of the same INTID, which the guest's deactivation deactivates too. */
void vgic_lr_write(u32 i, u32 intid, u8 priority, enum lr_state state, bool eoi, bool hw);
enum lr_state vgic_lr_state(u32 i);
/* List register i, if it reads invalid (the guest is done with what it held, or it was free),
 * written pending with intid, as vgic_lr_write without hw; false, nothing written, otherwise. */
bool vgic_lr_write_if_free(u32 i, u32 intid, u8 priority, bool eoi);
/* What vgic_lr_write(i, intid, priority, LR_PENDING, false, true) writes (ICH_LR, or GICH_LR on
 * a GICv2 host): the steady tick's register value, rewritten by the exit vector (guest_switch.S),
 * and the vGIC gen as its word records it, which tells the vector the host GIC. */
u64 vgic_lr_hw_pending(u32 intid, u8 priority);
u64 vgic_lr_tick_gen(u64 gen);
/* Whether a list register's HW link is honoured for the running guest's deactivations. */
bool vgic_lr_hw_link_ok(void);
/* Enables the virtual CPU interface; underflow asks for a maintenance interrupt once the list
 * registers (almost) drain, so interrupts that did not fit are delivered next. */
void vgic_hcr_write(bool enable, bool underflow);
void vgic_cpuif_save(u64 *vmcr, u64 ap1r[4]);
void vgic_cpuif_restore(u64 vmcr, const u64 ap1r[4]);

#endif
