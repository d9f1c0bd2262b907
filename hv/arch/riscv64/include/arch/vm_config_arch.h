/* What the generic config code (hv/core/vm_config*.c) needs to know about riscv64: a CPU's
 * hardware id is its hart id, the emu_type codes of its devices, the host facts its checks need
 * (hv/arch/riscv64/vm_config_arch.c). */
#ifndef ARCH_VM_CONFIG_ARCH_H
#define ARCH_VM_CONFIG_ARCH_H

#include <lib/types.h>

#define VM_ARCH_HWID_NAME "hart id"
#define VM_ARCH_IRQCHIP_NAME "PLIC"
/* What the VM gets where the host UART is (vm_arch_console_uart). */
#define VM_ARCH_CONSOLE_UART_NAME "NS16550"

static inline bool vm_arch_hwid_equal(u64 a, u64 b) { return a == b; }

/* emu_devices emu_type codes (axvisor's numbering). */
#define VM_EMU_PLIC 0x30u

/* QEMU virt's PLIC: where a VM's vPLIC goes by default, and the host PLIC a passthrough_devices
 * entry may name (axvisor's NimbOS config does), which the VM's filtered vPLIC serves. */
#define VM_RISCV_PLIC_GPA 0x0c000000ull

/* A passthrough_devices entry served by an emulated device of the VM (VM_ARCH_PT_SERVED: the
 * hook exists): the host's PLIC, by the VM's filtered vPLIC. */
struct vm_config;
const char *vm_arch_pt_served(const struct vm_config *c, u64 gpa, u64 hpa, u64 len);
#define VM_ARCH_PT_SERVED 1
struct vm_passthrough_device;
/* The config's passthrough_devices entry for the host PLIC (served as above), or NULL. */
const struct vm_passthrough_device *vm_riscv_pt_plic(const struct vm_config *c);

struct vm_host_arch {
    u32 timebase_hz; /* the host's timer frequency (0: unknown) */
    bool aia;        /* an IMSIC with guest interrupt files: interrupt_mode = "passthrough" possible */
};

#endif
