/* The riscv64 part of a guest device tree's parameters (hv/include/hv/vm_fdt.h). */
#ifndef ARCH_VM_FDT_ARCH_H
#define ARCH_VM_FDT_ARCH_H

#include <lib/types.h>

struct vm_fdt_arch_params {
    u32 timebase_hz; /* /cpus/timebase-frequency: the host's */
    bool sstc;       /* the guest may use stimecmp (riscv,isa names sstc) */
    u64 plic_base;   /* the VM's PLIC (two contexts per hart: M, S) */
    u64 plic_size;   /* 0: none (devices get no interrupt) */
    u64 imsic_base;  /* the VM's IMSIC guest files (a page per hart id), 0: none */
    u32 imsic_ids;   /* ... and their identities 1..n */
};

#endif
