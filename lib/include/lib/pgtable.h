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

/* Level numbering follows Arm: the leaf (4 KiB page) level is 3, level 2 maps 2 MiB, level 1
 * maps 1 GiB, level 0 maps 512 GiB. */
#define PT_LEAF_LEVEL 3

struct pt_format {
    unsigned start_level;     /* level of the root table (0 or 1 ...) */
    unsigned min_block_level; /* highest level that may hold a block, e.g. 1 (1 GiB blocks) */
    u64 (*table_desc)(u64 table_pa);
    u64 (*leaf_desc)(u64 pa, unsigned level, u64 attr); /* page at level 3, block above */
    bool (*is_valid)(u64 desc);
    bool (*is_table)(u64 desc, unsigned level); /* a pointer to a next-level table */
    u64 (*desc_pa)(u64 desc);                   /* output / table address */
    u64 (*desc_attr)(u64 desc);                 /* attr bits, as passed to leaf_desc */
};
/* Contract: is_valid(0) is false; desc_pa(leaf_desc(pa, l, attr)) == pa and
 * desc_attr(leaf_desc(pa, l, attr)) == attr at every level l that may hold a leaf (the walker
 * compares and copies mappings through them); start_level <= 3; 1 <= min_block_level <= 3. */

struct pt_mem {
    /* Returns a zeroed 4 KiB-aligned table and its physical address, or NULL. */
    void *(*alloc_table)(void *ctx, u64 *pa);
    void (*free_table)(void *ctx, void *table, u64 pa);
    void *(*pa_to_ptr)(void *ctx, u64 pa);
    void *ctx;
};

struct pgtable {
    const struct pt_format *fmt;
    const struct pt_mem *mem;
    u64 *root;
    u64 root_pa;
    unsigned va_bits; /* input address bits covered, e.g. 39 for a level-1 root */
    size_t tables;    /* tables currently allocated, including the root */
};

/* Allocates the root: one 4 KiB table at fmt->start_level, of which va_bits decides how many
 * entries are used; va_bits must lie in (shift, shift + 9] where shift is the start level's
 * block shift (e.g. 31..39 for start level 1, 40..48 for start level 0). Returns 0 or -1. */
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

#endif
