/* Flattened device tree: a validating reader (the host DTB and user-supplied guest DTBs are
 * untrusted input) and a writer for guest DTBs. Freestanding, host-testable. */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <lib/types.h>

/* Blob format (Devicetree Specification v0.4, chapter 5). All header fields are big-endian
 * u32s at these byte offsets; size_dt_struct exists from version 17 on. */
#define FDT_MAGIC 0xd00dfeedu
enum {
    FDT_HDR_MAGIC = 0,
    FDT_HDR_TOTALSIZE = 4,
    FDT_HDR_OFF_STRUCT = 8,
    FDT_HDR_OFF_STRINGS = 12,
    FDT_HDR_OFF_RSVMAP = 16,
    FDT_HDR_VERSION = 20,
    FDT_HDR_LAST_COMP = 24,
    FDT_HDR_BOOT_CPUID = 28,
    FDT_HDR_SIZE_STRINGS = 32,
    FDT_HDR_SIZE_STRUCT = 36,
    FDT_HDR_SIZE_V16 = 36,
    FDT_HDR_SIZE = 40,
};
/* Structure block tokens; each is a 4-byte aligned big-endian u32. */
enum {
    FDT_BEGIN_NODE = 1,
    FDT_END_NODE = 2,
    FDT_PROP = 3,
    FDT_NOP = 4,
    FDT_END = 9,
};
#define FDT_MAX_DEPTH 64 /* nesting limit, the root counting as 1; reader and writer */

/* ---- reader ---- */
struct fdt {
    const u8 *blob;
    size_t size;        /* totalsize from the header */
    const u8 *structs;  /* structure block */
    size_t struct_size; /* up to and including the FDT_END token */
    const char *strings;
    size_t strings_size;
    const u8 *rsvmap; /* memory reservation block */
    size_t rsv_count; /* entries before the terminating (0, 0) entry */
};

/* Validates the header, block bounds and the whole structure block (tokens, nesting, name and
 * property bounds, string offsets) against max_size. Returns 0, or -1 for a malformed blob. */
int fdt_open(struct fdt *f, const void *blob, size_t max_size);
size_t fdt_total_size(const void *blob); /* from the header, no validation; 0 if bad magic */
/* Entry `index` of the memory reservation block; false when out of range. */
bool fdt_mem_rsv(const struct fdt *f, size_t index, u64 *addr, u64 *size);

/* Nodes are identified by their offset in the structure block; negative means none.
 * Accessors given an offset that did not come from this API return unspecified results
 * (or NULL / -1 / false) but never read outside the blob. */
int fdt_root(const struct fdt *f);
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
int fdt_parent(const struct fdt *f, int node);
const char *fdt_node_name(const struct fdt *f, int node); /* "uart@9000000"; "" for the root */
/* Child of parent named name, with the unit-address rule of fdt_path_lookup; name is the
 * first namelen bytes (it need not be NUL-terminated). -1 if none. */
int fdt_subnode(const struct fdt *f, int parent, const char *name, size_t namelen);
/* Absolute path such as "/soc/uart@9000000". A component without unit address matches a node
 * whose name is that component followed by '@...' only if no exact match exists. */
int fdt_path_lookup(const struct fdt *f, const char *path);
int fdt_node_path(const struct fdt *f, int node, char *buf, size_t size); /* 0 or -1 if too small */
/* Depth-first successor of node (any depth), for whole-tree scans; -1 at the end. */
int fdt_next_node(const struct fdt *f, int node);

const void *fdt_prop(const struct fdt *f, int node, const char *name, size_t *len);
/* The property as a string: non-NULL only when its value is one NUL-terminated string. */
const char *fdt_prop_string(const struct fdt *f, int node, const char *name);
/* Property iteration. Properties are identified by the offset of their token; -1 at the end. */
int fdt_first_prop(const struct fdt *f, int node);
int fdt_next_prop(const struct fdt *f, int prop);
/* Value of the property at offset prop; its name goes to *name (either out-pointer may be NULL).
 * NULL if prop is not a property. */
const void *fdt_prop_at(const struct fdt *f, int prop, const char **name, size_t *len);
bool fdt_prop_u32(const struct fdt *f, int node, const char *name, u32 *out);
/* Reads a 1- or 2-cell property as u64. */
bool fdt_prop_u64(const struct fdt *f, int node, const char *name, u64 *out);
/* True when the stringlist property `compatible` contains compat. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* Next node after `from` (or from the root when from < 0) in depth-first order that is
 * compatible with compat; -1 if none. */
int fdt_find_compatible(const struct fdt *f, int from, const char *compat);
/* The parent's #address-cells / #size-cells (defaults 2 and 1). */
u32 fdt_address_cells(const struct fdt *f, int node);
u32 fdt_size_cells(const struct fdt *f, int node);
/* Entry `index` of the node's reg property, decoded with the parent's cell counts.
 * Returns false when absent or out of range. */
bool fdt_reg(const struct fdt *f, int node, size_t index, u64 *addr, u64 *size);
bool fdt_node_enabled(const struct fdt *f, int node); /* status absent, "okay" or "ok" */
/* The node whose phandle (or legacy linux,phandle) property equals phandle; -1 if none. */
int fdt_find_phandle(const struct fdt *f, u32 phandle);

/* ---- interrupts and the console (lib/src/fdt_irq.c) ---- */

/* An interrupt specifier as the device tree gives it: the interrupt controller's node and the
 * #interrupt-cells cells (CPU byte order) whose meaning that controller's binding defines. */
#define FDT_IRQ_MAX_CELLS 4
struct fdt_irq_spec {
    int controller;
    u32 cell_count;
    u32 cells[FDT_IRQ_MAX_CELLS];
};
/* A specifier translated by the interrupt controller's driver into its interrupt number. */
struct fdt_irq {
    u32 irq;
    bool edge;   /* edge-triggered (else level) */
    bool percpu; /* a per-CPU interrupt (one per CPU under the same number) */
};
/* The driver's translation: false for a specifier it does not handle (another controller, a
 * number out of range, a kind of interrupt it does not route). */
typedef bool fdt_irq_xlate_fn(const struct fdt *f, const struct fdt_irq_spec *spec, struct fdt_irq *out);

/* The #interrupt-cells of an interrupt controller node (0 when the node is none, or the count
 * is missing or above FDT_IRQ_MAX_CELLS). */
u32 fdt_irq_cells(const struct fdt *f, int controller);
/* Interrupt `index` of node: from `interrupts-extended` when present, else from `interrupts`
 * decoded with the interrupt parent in effect (the node's or its nearest ancestor's
 * `interrupt-parent`). False when there is no such entry or the tree is malformed. */
bool fdt_irq_spec(const struct fdt *f, int node, u32 index, struct fdt_irq_spec *out);
/* The console node /chosen names in `stdout-path` (or the older `linux,stdout-path`): a full
 * path or an alias, with options after ':' ignored ("serial0:115200n8"). -1 if none. */
int fdt_stdout_node(const struct fdt *f);

/* ---- writer ---- */
struct fdt_writer {
    u8 *buf;
    size_t cap;
    size_t struct_len;  /* bytes of structure block written so far */
    size_t strings_len; /* bytes of strings block so far */
    int depth;
    bool overflow;
    bool error;     /* misuse: unbalanced nodes, bad name, property after a child node */
    bool had_child; /* the current node already has a child: no more properties */
    /* The writer keeps the structure block at the front of buf and the strings block at the
     * end growing downward, and moves them together in fdt_writer_finish. */
};

void fdt_writer_init(struct fdt_writer *w, void *buf, size_t cap);
void fdt_begin_node(struct fdt_writer *w, const char *name); /* "" for the root */
void fdt_end_node(struct fdt_writer *w);
void fdt_property(struct fdt_writer *w, const char *name, const void *data, size_t len);
void fdt_property_u32(struct fdt_writer *w, const char *name, u32 v);
void fdt_property_u64(struct fdt_writer *w, const char *name, u64 v); /* two cells */
void fdt_property_cells(struct fdt_writer *w, const char *name, const u32 *cells, size_t n);
void fdt_property_string(struct fdt_writer *w, const char *name, const char *s);
/* A stringlist such as compatible = "arm,pl011", "arm,primecell". */
void fdt_property_strings(struct fdt_writer *w, const char *name, const char *const *strs, size_t n);
void fdt_property_empty(struct fdt_writer *w, const char *name);
/* Completes header and blocks (version 17, no memory reservations). Returns the total size, or
 * -1 if the buffer overflowed, nodes are unbalanced or the writer was misused. Call once. */
int fdt_writer_finish(struct fdt_writer *w);

#endif
