/* A VM's console UART on x86_64: the PC's 16550 (COM1), in the port I/O space. A file of its own:
 * the console (hv/core/vconsole.c) asks for it, and nothing here calls back into the VM code. */
#include <hv/arch.h>
#include <hv/vuart.h>

const struct vuart_model *vm_arch_console_uart(void) { return &vns16550_console_model; }
