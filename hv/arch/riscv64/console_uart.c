/* A VM's console UART on riscv64: a 16550 over MMIO with byte registers, the UART of QEMU's virt
 * board (its device-tree node and interrupt come with the vPLIC, not yet). */
#include <hv/arch.h>
#include <hv/vuart.h>

const struct vuart_model *vm_arch_console_uart(void) { return &vns16550_mmio_console_model; }
