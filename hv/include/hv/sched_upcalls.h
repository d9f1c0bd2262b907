/* What the run loop (hv/core/sched.c) tells the layers above it: the VM life cycle and the
 * shell, which call down into the scheduler (sched_wait_ended, sched_kick) and define these.
 * The loop calls them by name, as the base calls the app through <base/app.h>: a link-time
 * seam owned by the lower layer, with no indirect call on the run loop's path
 * (scripts/include_graph.py counts no dependency through it; docs/architecture.md). */
#ifndef HV_SCHED_UPCALLS_H
#define HV_SCHED_UPCALLS_H

#include <lib/types.h>

struct vm;

/* Called on the pCPU that stopped a VM's last vCPU: restarts it (SYSTEM_RESET) or reports its
 * end and releases it; when it was the last VM, powers the machine off (vm_lifecycle.c). */
void vm_finish(struct vm *vm);
/* Runs a pending shell command; called by the shell CPU's run loop outside interrupt context
 * (shell.c). */
void shell_poll(void);
/* A shell command waits to run: the shell CPU leaves the vCPU it runs (shell.c). */
bool shell_pending(void);

#endif
