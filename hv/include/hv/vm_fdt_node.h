/* Between the generic guest device-tree writer (hv/core/vm_fdt.c) and the architecture's nodes
 * (hv/arch/<arch>/vm_fdt_arch.c): the small writers both use (hv/core/vm_fdt_node.c), the state of a patch in progress,
 * and the hooks the architecture provides. */
#ifndef HV_VM_FDT_NODE_H
#define HV_VM_FDT_NODE_H

#include <hv/vm_fdt.h>
#include <lib/fdt.h>
#include <lib/types.h>

#define VM_FDT_NAME_MAX 40 /* "memory@" + 16 hex digits fits with room to spare */

bool vm_fdt_streq(const char *a, const char *b);
bool vm_fdt_starts_with(const char *s, const char *prefix);
/* "<prefix>@<addr in hex>" into buf (VM_FDT_NAME_MAX bytes). */
void vm_fdt_unit_name(char *buf, const char *prefix, u64 addr);
bool vm_fdt_valid_range(u64 base, u64 size);
/* Appends v as `cells` (1 or 2) big-endian cells; false if it does not fit. */
bool vm_fdt_put_cells(u32 *out, size_t *n, u64 v, u32 cells);
/* A reg property of one (addr, size) entry; false when the values do not fit the cell counts. */
bool vm_fdt_write_reg(struct fdt_writer *w, u32 ac, u32 sc, u64 addr, u64 size);

/* A user's tree being patched (vm_fdt_patch). */
struct vm_fdt_patch_ctx {
    const struct fdt *f;
    const struct vm_fdt_params *p;
    struct fdt_writer *w;
    bool bad;      /* the params cannot be expressed in the source's layout */
    u32 arch_done; /* for the arch: which of its nodes were written */
    /* Rewrites the properties of a copied node it owns (true when it wrote them): the arch's
     * vm_fdt_arch_patch_props (a pointer, so these helpers depend on no arch). */
    bool (*patch_props)(struct vm_fdt_patch_ctx *c, int node);
};

bool vm_fdt_writer_ok(const struct fdt_writer *w);
bool vm_fdt_is_memory_node(const struct fdt *f, int node);
/* Copies node's properties except those named in skip. */
void vm_fdt_copy_props(struct vm_fdt_patch_ctx *c, int node, const char *const *skip, size_t nskip);
/* Copies a node's properties, letting patch_props rewrite those it owns. */
void vm_fdt_copy_node_props(struct vm_fdt_patch_ctx *c, int node);
/* Copies the children of node (not node itself) with their subtrees, memory nodes left out. */
void vm_fdt_copy_children(struct vm_fdt_patch_ctx *c, int node);

/* ---- provided by the architecture ---- */

/* Whether the params' arch part (and the vCPU ids) can be described; generate: for a tree
 * written from scratch (the interrupt controller must be given). */
bool vm_fdt_arch_valid(const struct vm_fdt_params *p, bool generate);
/* Generation, as root children: the firmware interface (before the memory nodes), then the
 * machine (CPUs, interrupt controller with phandle VM_FDT_PHANDLE_INTC, timer), then the
 * console UART (p->has_uart), whose path it returns in path for /chosen/stdout-path. */
void vm_fdt_arch_gen_firmware(struct fdt_writer *w, const struct vm_fdt_params *p);
void vm_fdt_arch_gen_machine(struct fdt_writer *w, const struct vm_fdt_params *p);
void vm_fdt_arch_gen_console(struct fdt_writer *w, const struct vm_fdt_params *p, char *path, size_t size);
/* A device's level-triggered interrupt: whether irq (<hv/virq.h> numbering) can be one, and its
 * "interrupts" property in the interrupt controller's specifier (nothing when the VM's
 * controller has no device lines: its drivers poll). */
bool vm_fdt_arch_device_irq_ok(u32 irq);
void vm_fdt_arch_write_device_irq(struct fdt_writer *w, const struct vm_fdt_params *p, u32 irq);
/* Patching: a root child the arch rewrites (true when it wrote or dropped it); the properties
 * of a node anywhere the arch rewrites (true when it wrote them); at the end of the root, the
 * arch's nodes the source lacked. */
bool vm_fdt_arch_patch_node(struct vm_fdt_patch_ctx *c, int node);
bool vm_fdt_arch_patch_props(struct vm_fdt_patch_ctx *c, int node);
void vm_fdt_arch_patch_finish(struct vm_fdt_patch_ctx *c);

#endif
