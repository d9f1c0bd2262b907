/* Generic multi-level translation-table builder (4 KiB granule, 512 entries per table).
 * The walker is shared by the hypervisor's own stage-1 tables and by stage-2 tables; the
 * descriptor encoding comes from a per-architecture `pt_format`. Host-testable: memory for
 * tables is obtained through `pt_mem`.
 *
 * Memory ordering: descriptors are written with plain stores, without barriers or TLB
 * maintenance; the architecture code issues those (e.g. DSB ISHST, TLBI, DSB ISH, ISB) after
 * each pt_map / pt_unmap. New tables are filled before their table descriptor is stored.
 * pt_unmap overwrites a valid block descriptor with a table descriptor when it splits a
 * block: on live tables Arm requires break-before-make for that, which the caller must
 * provide (e.g. only split tables no CPU is using, or unmap whole blocks).
 * No locking: callers serialise calls on one pgtable. */
#ifndef LIB_PGTABLE_H
#define LIB_PGTABLE_H

#include <lib/types.h>

#define PT_ENTRIES 512
#define PT_PAGE_SIZE 4096ull

/* Levels are numbered from the leaf, whatever the architecture calls them: a level-0 table maps
 * 4 KiB pages, a level-1 entry maps 2 MiB, level 2 1 GiB, level 3 512 GiB, level 4 256 TiB.
 * (RISC-V numbers its levels the same way; Arm's level n is level 3 - n here; x86's PT, PD, PDPT
 * and PML4 are levels 0 to 3.) An entry at level L covers 4 KiB << 9L. */
#define PT_LEAF_LEVEL 0
#define PT_MAX_ROOT_LEVEL 4
#define PT_MAX_ROOT_TABLES 16 /* concatenated root tables: RISC-V's x4 G-stage modes use 4 */

struct pt_format {
    unsigned root_level;      /* level of the root table, e.g. 2 for a 39-bit Sv39 or Arm L1 root */
    unsigned root_tables;     /* 1, or 2..16 (a power of two) concatenated tables as one root */
    unsigned max_block_level; /* highest level that may hold a leaf: 2 = 1 GiB blocks, 0 = pages only */
    u64 (*table_desc)(u64 table_pa);
    u64 (*leaf_desc)(u64 pa, unsigned level, u64 attr); /* a page at level 0, a block above */
    bool (*is_valid)(u64 desc);
    bool (*is_table)(u64 desc, unsigned level); /* a pointer to a next-level table (level > 0) */
    u64 (*desc_pa)(u64 desc);                   /* output / table address */
    u64 (*desc_attr)(u64 desc);                 /* attr bits, as passed to leaf_desc */
};
/* Contract: is_valid(0) is false; desc_pa(leaf_desc(pa, l, attr)) == pa and
 * desc_attr(leaf_desc(pa, l, attr)) == attr at every level l that may hold a leaf (the walker
 * compares and copies mappings through them); 1 <= root_level <= PT_MAX_ROOT_LEVEL;
 * max_block_level <= root_level (0 for a page-only format). */

struct pt_mem {
    /* Returns a zeroed 4 KiB-aligned table and its physical address, or NULL. */
    void *(*alloc_table)(void *ctx, u64 *pa);
    void (*free_table)(void *ctx, void *table, u64 pa);
    void *(*pa_to_ptr)(void *ctx, u64 pa);
    void *ctx;
    /* Roots of more than one table: `tables` zeroed, physically contiguous tables aligned to
     * their total size (as hardware walkers require of a concatenated root). Needed only by
     * formats with root_tables > 1; one-table roots come from alloc_table. */
    void *(*alloc_root)(void *ctx, unsigned tables, u64 *pa);
    void (*free_root)(void *ctx, void *root, u64 pa, unsigned tables);
};

struct pgtable {
    const struct pt_format *fmt;
    const struct pt_mem *mem;
    u64 *root;
    u64 root_pa;
    unsigned va_bits; /* input address bits covered, e.g. 39 for a one-table level-2 root */
    size_t tables;    /* tables currently allocated, including the root */
};

/* Allocates the root: fmt->root_tables tables at fmt->root_level, of which va_bits decides how
 * many entries are used; va_bits must lie in (shift, shift + 9 + log2(root_tables)] where shift
 * is the root level's entry shift (31..39 for a one-table level-2 root, 40..48 for level 3,
 * up to 41 for Sv39x4's four level-2 tables). Returns 0 or -1. */
int pt_init(struct pgtable *pt, const struct pt_format *fmt, const struct pt_mem *mem, unsigned va_bits);
/* Maps [va, va+size) -> [pa, pa+size) (all 4 KiB aligned) using the largest blocks the
 * alignment of va and pa allows. Remapping an already mapped address is an error (-1) unless
 * the existing mapping is identical. Returns 0, or -1 (no memory / bad arguments / overlap).
 * All or nothing: on -1 the tables are unchanged (conflicts are found and the needed tables
 * allocated before anything is written). size 0 is a no-op; va + size must not exceed
 * 2^va_bits; pa and attr must round-trip through the format. */
int pt_map(struct pgtable *pt, u64 va, u64 pa, u64 size, u64 attr);
/* Removes mappings in [va, va+size), splitting blocks at the edges (the new next-level leaves
 * keep the block's attr); frees tables that become empty (never the root). Unmapped holes are
 * fine. Returns 0, or -1 on bad arguments or no memory for a split, in which case nothing was
 * changed. */
int pt_unmap(struct pgtable *pt, u64 va, u64 size);
/* Translates va. Returns true and fills *pa (the exact address: leaf base + offset; and *attr,
 * *level if non-NULL) when mapped. */
bool pt_lookup(const struct pgtable *pt, u64 va, u64 *pa, u64 *attr, unsigned *level);
/* Frees every table including the root (tables becomes 0); pt is then unusable. */
void pt_destroy(struct pgtable *pt);
/* Bytes of the root (root_tables * 4 KiB). */
static inline u64 pt_root_bytes(const struct pgtable *pt) { return pt->fmt->root_tables * PT_PAGE_SIZE; }

#endif
