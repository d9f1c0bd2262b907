/* The hypervisor shell and console focus. Ctrl-] moves the console's input focus to the next
 * console port (a VM's emulated UART, then its virtio console hvc0), and after the last one to
 * the hypervisor shell (prompt
 * "cvisor> "). A VM without focus keeps its console output in a buffer, shown when it gets
 * focus again; hypervisor log lines and hypercall console lines ([vmN] ...) always print. */
#ifndef HV_SHELL_H
#define HV_SHELL_H

#include <hv/console_upcalls.h>
#include <hv/sched_upcalls.h>
#include <lib/types.h>

#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */

struct vm;

/* shell_poll and shell_pending, which the run loop calls: <hv/sched_upcalls.h>; shell_input,
 * console_port_output and console_vm_detached, which console ports call: <hv/console_upcalls.h>. */

/* The VM whose console has the input focus, or NULL (the shell has it). */
struct vm *console_focus(void);

#endif
