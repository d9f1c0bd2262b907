/* What the VMs' console ports (<hv/vconsole.h>: a VM's console UART, its virtio console) tell the
 * console router above them, which owns the input focus and the hypervisor's terminal (the
 * shell, hv/core/shell.c). The ports are created with the VM's devices, far below the shell;
 * the shell defines these and the ports call them by name, a link-time seam owned by the
 * lower layer like <base/app.h> (scripts/include_graph.py counts no dependency through it;
 * docs/architecture.md). */
#ifndef HV_CONSOLE_UPCALLS_H
#define HV_CONSOLE_UPCALLS_H

struct console_port;
struct vm;

/* One byte of console input (CPU 0, interrupt context): to the focused port, or the shell. */
void shell_input(char c);
/* A console port's output: printed raw when it has focus, else kept in its buffer (shown
 * filtered to printable text when it gets the focus back). */
void console_port_output(struct console_port *p, char c);
/* The VM's console goes away: if its raw output drove the terminal last, reset the terminal. */
void console_vm_detached(struct vm *vm);

#endif
