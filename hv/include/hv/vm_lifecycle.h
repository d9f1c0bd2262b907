/* The life cycle of VMs (hv/core/vm_lifecycle.c): creation at boot, the end of a VM, and the
 * shell's create, stop and start. */
#ifndef HV_VM_LIFECYCLE_H
#define HV_VM_LIFECYCLE_H

#include <hv/sched_upcalls.h>
#include <lib/types.h>

struct vm;

/* Creates the VMs of the boot-time configs (invalid ones are reported and skipped); returns
 * how many were created. */
u32 vm_lifecycle_create_all(void);
/* vm_finish, which the run loop calls when a VM's last vCPU stopped: <hv/sched_upcalls.h>. */

/* Shell: a new VM from a config file on the disk, checked like the boot-time ones. */
int vm_shell_create(const char *path);
/* Shell: stop a running VM; returns when it has stopped (its memory freed). */
int vm_shell_stop(struct vm *vm);
/* Shell: start a stopped VM again from its config, images reloaded. */
int vm_shell_start(struct vm *vm);

#endif
