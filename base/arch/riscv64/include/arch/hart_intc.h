/* A hart's local interrupt controller in the host DTB (a "riscv,cpu-intc" node under its cpu
 * node): which logical CPU it belongs to. The PLIC's and the IMSIC's interrupts-extended name
 * these nodes, one per hart context or interrupt file. */
#ifndef ARCH_HART_INTC_H
#define ARCH_HART_INTC_H

#include <lib/fdt.h>

/* The logical CPU whose hart has this interrupt-controller node, or -1. */
int hart_intc_cpu(const struct fdt *f, int intc);

#endif
