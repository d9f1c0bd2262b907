/* The PC devices every x86 VM has besides its console, local and I/O APICs (vplatform.c): the
 * PIT and port 0x61 (vpit.c), the 8259 pair (vpic.c), the CMOS RTC (vcmos.c), PCI configuration
 * mechanism #1 with the reset control register at 0xCF9 (vpci_cfg.c), the keyboard controller's
 * reset command (0xFE at port 0x64), the ACPI PM block (vpower.c), and with interrupt_mode =
 * "emu" the HPET (vhpet.c). */
#ifndef ARCH_VPLATFORM_H
#define ARCH_VPLATFORM_H

#include <arch/spinlock.h>
#include <arch/vcmos.h>
#include <arch/vhpet.h>
#include <arch/vpci_cfg.h>
#include <arch/vpic.h>
#include <arch/vpit.h>

struct vplatform {
    spinlock_t lock; /* accesses from any vCPU, and the PIT's poll */
    struct vpit pit;
    struct vpic pic;
    struct vcmos cmos;
    struct vpci_cfg pci;
    struct vhpet hpet;
    bool hpet_present; /* interrupt_mode = "emu" */
    u64 pm_start;    /* host ticks at which the ACPI PM timer read 0 */
    u16 pm1_enable;  /* PM1a enable register (no event is ever raised) */
};

struct vm;
struct vcpu;
struct diag;

int vplatform_create(struct vm *vm, struct diag *d);
/* The HPET (interrupt_mode = "emu"). */
int vplatform_hpet_create(struct vm *vm, struct diag *d);
/* Channel 0's IRQ 0 at host time now (called for vCPU 0); returns the next deadline or 0. */
u64 vplatform_timer_poll(struct vm *vm, u64 now);
/* Resets the VM as a PC's reset line would (port 0xCF9, the keyboard controller). */
void vplatform_reset(struct vcpu *vcpu, const char *how);
/* The ACPI PM block (vpower.c). */
int vpower_create(struct vm *vm, struct diag *d);

#endif
