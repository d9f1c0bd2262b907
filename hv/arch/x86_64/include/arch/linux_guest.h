/* A VM whose kernel is a Linux bzImage (linux_guest.c): booted by the Linux x86 boot protocol. */
#ifndef ARCH_LINUX_GUEST_H
#define ARCH_LINUX_GUEST_H

#include <lib/types.h>

struct vm;
struct vcpu;

/* If the VM's kernel image is a bzImage: places boot_params, command line, page tables and ACPI
 * tables, and sets the boot vCPU at the 64-bit entry (or ends the VM, naming what is wrong);
 * returns true. False for any other kernel (multiboot). */
bool x86_linux_boot(struct vm *vm, struct vcpu *boot);

#endif
