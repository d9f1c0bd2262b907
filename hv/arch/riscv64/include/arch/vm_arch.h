#ifndef ARCH_VM_ARCH_H
#define ARCH_VM_ARCH_H

#include <arch/spinlock.h>
#include <lib/pgtable.h>

/* G-stage translation in Sv39x4: a 41-bit guest-physical space (vm_arch_ipa_limit, and what the
 * host config checker validates against). */
#define VM_ARCH_IPA_BITS 41

/* The riscv64 part of struct vm (hv/include/hv/vm.h). */
struct vplic_dev;

struct vm_arch {
    struct pgtable g;   /* G-stage translation tables (16 KiB root) */
    u64 hgatp;          /* mode | VMID | root */
    u16 vmid;
    void *revoked_root; /* vm_arch_revoke: the root's entries, put back before freeing */
    spinlock_t irq_lock; /* a vCPU halting against an interrupt raised for it */
    u64 injected;       /* interrupts made pending for the VM's vCPUs (statistics, fast path) */
    struct vplic_dev *plic; /* its virtual PLIC (virq.c), NULL without one */
    bool imsic;             /* guest interrupt files (vimsic.c, interrupt_mode = "passthrough") */
};

#endif
