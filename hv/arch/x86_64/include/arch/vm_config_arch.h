/* What the generic config code (hv/core/vm_config*.c) needs to know about x86_64: CPUs are named
 * by their local APIC id, the console UART answers in the port I/O space, and the checks of its
 * configs (hv/arch/x86_64/vm_config_arch.c). */
#ifndef ARCH_VM_CONFIG_ARCH_H
#define ARCH_VM_CONFIG_ARCH_H

#include <lib/types.h>

#define VM_ARCH_HWID_NAME "APIC id"
#define VM_ARCH_IRQCHIP_NAME "interrupt controller"
#define VM_ARCH_CONSOLE_UART_NAME "16550"
/* The console's emu_devices entry gives an I/O port base (0x3f8) and a port count, not a window
 * of guest-physical space. */
#define VM_ARCH_CONSOLE_PORT_IO 1

static inline bool vm_arch_hwid_equal(u64 a, u64 b) { return a == b; }

struct vm_host_arch {
    char none;
};

/* The guest-physical windows of a VM's virtual local APIC, I/O APIC and HPET (a PC's addresses). */
#define VM_X86_LAPIC_GPA 0xfee00000ull
#define VM_X86_IOAPIC_GPA 0xfec00000ull
#define VM_X86_HPET_GPA 0xfed00000ull

struct vm_config;
/* A passthrough_devices entry that the VM's own emulated device serves instead of the host's:
 * the local APIC, I/O APIC and HPET pages of the original's NimbOS config (gpa == hpa == the
 * PC address, one page) when the VM has virtual APICs (and with them a virtual HPET). Returns the device's name, or NULL for an
 * entry to pass through. The generic checks and the mapping skip such an entry
 * (VM_ARCH_PT_SERVED: the hook exists). */
const char *vm_arch_pt_served(const struct vm_config *c, u64 gpa, u64 hpa, u64 len);
#define VM_ARCH_PT_SERVED 1

/* interrupt_mode "passthrough" with its vCPU on a pCPU other than the boot CPU (pCPU 0, which
 * takes the machine's device interrupts: console input, the disk): the vCPU drives that pCPU's
 * local APIC (lapic_pt.c). On pCPU 0 (phys_cpu_sets bit 0, phys_cpu_ids APIC id 0, or neither:
 * vCPU 0 on pCPU 0), "passthrough" runs as "emu", with a warning. */
bool vm_x86_lapic_passthrough(const struct vm_config *c);

/* The VM has virtual local and I/O APICs: interrupt_mode "emu", or "passthrough" on pCPU 0
 * (docs/x86_64.md, "Interrupt passthrough"). */
bool vm_x86_virtual_apics(const struct vm_config *c);

/* The boot-stub form (the original's NimbOS config): the boot vCPU starts in real mode at
 * entry_point, below 1 MiB, where bios_path's image, or cvisor's own stub, takes it to the
 * multiboot kernel at kernel_load_addr. */
bool vm_x86_boot_stub(const struct vm_config *c);

#endif
