/* The hypervisor shell and console focus. Ctrl-] moves the console's input focus to the next
 * console port (a VM's emulated UART, then its virtio console hvc0), and after the last one to
 * the hypervisor shell (prompt
 * "cvisor> "). A VM without focus keeps its console output in a buffer, shown when it gets
 * focus again; hypervisor log lines and hypercall console lines ([vmN] ...) always print. */
#ifndef HV_SHELL_H
#define HV_SHELL_H

#include <hv/sched_upcalls.h>
#include <lib/types.h>

#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */

struct vm;

/* One byte of console input (CPU 0, interrupt context). */
void shell_input(char c);
/* shell_poll and shell_pending, which the run loop calls: <hv/sched_upcalls.h>. */
/* The VM whose console has the input focus, or NULL (the shell has it). */
struct vm *console_focus(void);
/* A console port's output: printed raw when it has focus, else kept in its buffer (shown
 * filtered to printable text when it gets the focus back). */
struct console_port;
void console_port_output(struct console_port *p, char c);
/* The VM's console goes away: if its raw output drove the terminal last, reset the terminal. */
void console_vm_detached(struct vm *vm);

#endif
