/* Device passthrough by device-tree path: turns a VM's `passthrough_devices` / `excluded_devices`
 * path lists into the host devices' MMIO ranges (CPU physical addresses) and interrupts, read
 * from the (untrusted) host FDT. The interrupt controller's driver translates the interrupt
 * specifiers (an fdt_irq_xlate_fn), so this file knows no controller's binding. Freestanding,
 * host-testable; see docs/fdt.md. */
#ifndef LIB_FDT_PT_H
#define LIB_FDT_PT_H

#include <lib/fdt.h>
#include <lib/types.h>

#define FDT_PT_MAX_REGS 4
#define FDT_PT_MAX_IRQS 4
#define FDT_PT_PATH_MAX 128

struct fdt_pt_device {
    int node;                   /* offset in the host FDT */
    char path[FDT_PT_PATH_MAX]; /* full path; a longer one is cut and ends in "..." */
    u32 reg_count;
    u64 reg_base[FDT_PT_MAX_REGS], reg_size[FDT_PT_MAX_REGS]; /* CPU physical addresses */
    u32 irq_count;
    u32 irq[FDT_PT_MAX_IRQS]; /* interrupt numbers as the xlate function gave them */
    bool irq_edge[FDT_PT_MAX_IRQS];
    bool truncated; /* more usable reg entries or interrupts than fit were dropped */
};

typedef int fdt_pt_fn(const struct fdt_pt_device *dev, void *arg);

/* Visits every selected device node in document order, calling fn (may be NULL: just count).
 * A node is selected when it is, or lies under, a node named by an include path and neither
 * is nor lies under one named by an exclude path; only enabled nodes with a `reg` property
 * count as devices, never the root, memory, /cpus, /chosen, /aliases, /reserved-memory or
 * interrupt controllers (nor anything below those). Paths are resolved with fdt_path_lookup.
 * A device's interrupts are those xlate translates (per-CPU ones left out, repeats once); with
 * xlate NULL none are collected.
 * Returns the number of devices visited; fn's value when it returns non-zero (which stops the
 * walk); or -1 with *bad_path set to the include path when one names no node (an exclude path
 * naming no node is ignored). *bad_path is NULL otherwise. */
int fdt_pt_collect(const struct fdt *host, const char *const *include, size_t n_include,
                   const char *const *exclude, size_t n_exclude, fdt_irq_xlate_fn *xlate, fdt_pt_fn *fn,
                   void *arg, const char **bad_path);

#endif
