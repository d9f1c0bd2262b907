/* Flattened device tree: a validating reader (the host DTB and user-supplied guest DTBs are
 * untrusted input) and a writer for guest DTBs. Freestanding, host-testable. */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <lib/types.h>

/* ---- reader ---- */
struct fdt {
    const u8 *blob;
    size_t size;        /* totalsize from the header */
    const u8 *structs;  /* structure block */
    size_t struct_size;
    const char *strings;
    size_t strings_size;
};

/* Validates the header, block bounds and the whole structure block (tokens, nesting, name and
 * property bounds, string offsets) against max_size. Returns 0, or -1 for a malformed blob. */
int fdt_open(struct fdt *f, const void *blob, size_t max_size);
size_t fdt_total_size(const void *blob); /* from the header, no validation; 0 if bad magic */

/* Nodes are identified by their offset in the structure block; negative means none. */
int fdt_root(const struct fdt *f);
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
int fdt_parent(const struct fdt *f, int node);
const char *fdt_node_name(const struct fdt *f, int node); /* "uart@9000000"; "" for the root */
/* Absolute path such as "/soc/uart@9000000". A component without unit address matches a node
 * whose name is that component followed by '@...' only if no exact match exists. */
int fdt_path_lookup(const struct fdt *f, const char *path);
int fdt_node_path(const struct fdt *f, int node, char *buf, size_t size); /* 0 or -1 if too small */
/* Depth-first successor of node (any depth), for whole-tree scans; -1 at the end. */
int fdt_next_node(const struct fdt *f, int node);

const void *fdt_prop(const struct fdt *f, int node, const char *name, size_t *len);
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

/* ---- writer ---- */
struct fdt_writer {
    u8 *buf;
    size_t cap;
    size_t struct_len;   /* bytes of structure block written so far */
    size_t strings_len;  /* bytes of strings block so far */
    int depth;
    bool overflow;
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
void fdt_property_empty(struct fdt_writer *w, const char *name);
/* Completes header and blocks (version 17, no memory reservations). Returns the total size, or
 * -1 if the buffer overflowed or nodes are unbalanced. */
int fdt_writer_finish(struct fdt_writer *w);

#endif
