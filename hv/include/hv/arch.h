/* What the generic hypervisor needs from each architecture (hv/arch/<arch>/); the virtual
 * interrupt controller's part is <hv/virq.h>. */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <lib/addr.h>
#include <lib/types.h>

struct vm;
struct vcpu;
struct vcpu_exit;
struct vm_fdt_params;
struct vm_host_info;
struct vuart_model;

/* Stage-2 access bits for vm_arch_map. */
#define S2_READ 0x1u
#define S2_WRITE 0x2u
#define S2_EXEC 0x4u
#define S2_DEVICE 0x8u

int vm_arch_init(struct vm *vm);           /* empty stage-2 tables, VMID, arch state reset */
u64 vm_arch_ipa_limit(void);               /* stage 2 maps guest-physical addresses below this */
void vm_arch_destroy(struct vm *vm);       /* frees tables, flushes the VMID from the TLBs */
int vm_arch_map(struct vm *vm, gpa_t gpa, hpa_t hpa, u64 size, u32 s2flags);
/* Removes [gpa, gpa+size) from stage 2 and flushes it from every CPU's TLBs. */
void vm_arch_unmap(struct vm *vm, gpa_t gpa, u64 size);
/* Takes every mapping away at once (until vm_arch_destroy): a vCPU running without traps
 * faults out at its next access. */
void vm_arch_revoke(struct vm *vm);

/* Virtual CPU id (MPIDR on aarch64) of vCPU `index`. */
u64 vcpu_arch_hwid(u32 index);
void vcpu_arch_init(struct vcpu *vcpu);
/* Sets the vCPU to its architectural reset state, entering at entry with arg in the first
 * argument register (x0 on arm64). */
void vcpu_arch_reset(struct vcpu *vcpu, gpa_t entry, u64 arg);
/* Makes the vCPU's EL1 state and stage-2 context live on this pCPU (a no-op when it already
 * is); called before running it, not on every exit. */
void vcpu_arch_load(struct vcpu *vcpu);
/* Runs the loaded vCPU until an exit the generic code must see. */
void vcpu_arch_run(struct vcpu *vcpu, struct vcpu_exit *exit);
void vcpu_arch_set_return(struct vcpu *vcpu, u64 value);      /* hypercall result */
/* The value of the read of the last VCPU_EXIT_MMIO (or VCPU_EXIT_PIO) exit. */
void vcpu_arch_complete_mmio_read(struct vcpu *vcpu, u64 value);
/* Gives the guest a synchronous external abort for the access (data, or instruction fetch) of
 * its last exit, at guest-virtual address va, taken at its EL1 as a machine would take it. */
void vcpu_arch_inject_abort(struct vcpu *vcpu, u64 va, bool instruction);
u64 vcpu_arch_pc(const struct vcpu *vcpu);
/* On the vCPU's pCPU, when it stops for good: forget its live EL1 state. */
void vcpu_arch_unload(struct vcpu *vcpu);
/* Updates the vCPU's software-checked timers at host counter value now (raising what expired)
 * and returns the next host counter value at which one expires, or 0. */
u64 vcpu_arch_timer_poll(struct vcpu *vcpu, u64 now);
/* The VM's boot vCPU was just reset at its entry point: places the boot protocol's arguments
 * (arm64 Linux: x0 = guest-physical address of the DTB, 0 without one). */
void vm_arch_boot_setup(struct vm *vm, struct vcpu *boot);
/* The arch's part of the guest's device tree parameters (its interrupt controller). */
void vm_arch_fdt_params(struct vm *vm, struct vm_fdt_params *p);
/* The arch's facts about the host that config validation checks against (aarch64: the GIC's
 * version). */
void vm_arch_host_info(struct vm_host_info *h);
/* Whether the vCPU's WFI and WFE trap. A vCPU alone on its pCPU runs them natively: a waiting
 * guest wakes on its next interrupt (every host interrupt exits to the hypervisor) with no
 * halt, idle and wake-up in between; one that shares its pCPU must trap them, so the others
 * run while it waits. */
void vcpu_arch_trap_wfx(struct vcpu *vcpu, bool trap);
/* The pCPU is about to idle in WFI: nothing of the last vCPU that ran here may keep it awake (a
 * virtual IRQ line left high wakes WFI at once on QEMU, whatever the exception level). */
void vcpu_arch_before_idle(void);
/* Copies a built-in image into VM RAM at dst and makes it visible to a guest that starts with
 * its MMU and caches off, and to instruction fetch (hv/core/vm.c has the generic memcpy and
 * mm_sync_for_exec; aarch64 does both in one pass). */
void vm_arch_copy_image(void *dst, const void *src, u64 size);
/* The model of a VM's emulated console UART (<hv/vuart.h>): aarch64's PL011, x86's 16550. */
const struct vuart_model *vm_arch_console_uart(void);
/* Called once per pCPU before it runs any vCPU. */
void hv_arch_cpu_init(void);

#endif
