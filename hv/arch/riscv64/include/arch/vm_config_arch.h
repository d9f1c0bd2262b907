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

struct vm_host_arch {
    u32 timebase_hz; /* the host's timer frequency (0: unknown) */
};

#endif
