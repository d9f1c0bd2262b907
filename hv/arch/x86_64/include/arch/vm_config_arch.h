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

#endif
