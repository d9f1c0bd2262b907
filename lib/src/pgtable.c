/* Generic translation-table walker (4 KiB granule, 512 entries per table).
 *
 * The walker knows the geometry (levels, index bits, block sizes) and the rules (largest
 * block allowed by alignment, conflicts, splitting, freeing empty tables); the descriptor
 * encoding comes from struct pt_format, so the same code builds the hypervisor's stage-1
 * tables and every VM's stage-2 tables.
 *
 * pt_map and pt_unmap are all-or-nothing: a first pass walks the range without writing
 * anything, detecting conflicts and counting the tables the change needs; those tables are
 * then allocated up front, so the second pass (which writes) cannot fail half-way.
 *
 * Descriptors are written with plain stores and no barriers or TLB maintenance: the
 * architecture code issues those after each call. New tables are filled before the
 * descriptor pointing to them is stored, but that order is only visible to a hardware walker
 * once the caller's barrier runs; splitting a block of a live table also replaces a valid
 * descriptor by a table descriptor, which Arm requires to be done break-before-make. */
#include <lib/pgtable.h>
#include <lib/string.h>

#define PT_INDEX_BITS 9

static unsigned level_shift(unsigned level)
{
    return 12 + PT_INDEX_BITS * level;
}

static u64 level_size(unsigned level)
{
    return 1ull << level_shift(level);
}

static unsigned level_index(u64 va, unsigned level)
{
    return (unsigned)(va >> level_shift(level)) & (PT_ENTRIES - 1);
}

/* A root of several concatenated tables is walked one table at a time: the table of the root
 * that translates va. The walk itself then only ever indexes 512-entry tables. */
static u64 *root_table(const struct pgtable *pt, u64 va)
{
    return pt->root + PT_ENTRIES * (va >> (level_shift(pt->fmt->root_level) + PT_INDEX_BITS));
}

/* The end of the root table that translates va (va + size may lie beyond it). */
static u64 root_table_end(const struct pgtable *pt, u64 va)
{
    u64 span = level_size(pt->fmt->root_level) * PT_ENTRIES;
    return ALIGN_DOWN(va, span) + span;
}

static u64 *table_ptr(const struct pgtable *pt, u64 desc)
{
    return pt->mem->pa_to_ptr(pt->mem->ctx, pt->fmt->desc_pa(desc));
}

static bool is_table_entry(const struct pgtable *pt, u64 desc, unsigned level)
{
    return level > PT_LEAF_LEVEL && pt->fmt->is_table(desc, level);
}

/* Tables reserved for one pt_map / pt_unmap call. A pooled table is linked through its own
 * first two words (next pointer, own pa), which are cleared again when it is taken. */
struct pt_pool {
    u64 *head;
};

static void pool_put(struct pt_pool *pool, u64 *table, u64 pa)
{
    table[0] = (u64)(uintptr_t)pool->head;
    table[1] = pa;
    pool->head = table;
}

static u64 *pool_take(struct pt_pool *pool, u64 *pa)
{
    u64 *t = pool->head;
    pool->head = (u64 *)(uintptr_t)t[0];
    *pa = t[1];
    t[0] = 0;
    t[1] = 0;
    return t;
}

static void pool_release(struct pgtable *pt, struct pt_pool *pool)
{
    while (pool->head) {
        u64 pa;
        u64 *t = pool_take(pool, &pa);
        pt->mem->free_table(pt->mem->ctx, t, pa);
    }
}

static bool pool_fill(struct pgtable *pt, struct pt_pool *pool, size_t n)
{
    pool->head = NULL;
    for (size_t i = 0; i < n; i++) {
        u64 pa;
        u64 *t = pt->mem->alloc_table(pt->mem->ctx, &pa);
        if (!t) {
            pool_release(pt, pool);
            return false;
        }
        pool_put(pool, t, pa);
    }
    return true;
}

/* Frees every table below the table at `level` (not the table itself). */
static void free_children(struct pgtable *pt, u64 *table, unsigned level)
{
    unsigned n = level == pt->fmt->root_level ? PT_ENTRIES * pt->fmt->root_tables : PT_ENTRIES;
    for (unsigned i = 0; i < n && level > PT_LEAF_LEVEL; i++) {
        u64 desc = table[i];
        if (pt->fmt->is_valid(desc) && is_table_entry(pt, desc, level)) {
            u64 *child = table_ptr(pt, desc);
            free_children(pt, child, level - 1);
            pt->mem->free_table(pt->mem->ctx, child, pt->fmt->desc_pa(desc));
            pt->tables--;
        }
    }
}

/* Frees the (non-root) table at `level` and every table below it. */
static void free_subtree(struct pgtable *pt, u64 *table, u64 table_pa, unsigned level)
{
    free_children(pt, table, level);
    pt->mem->free_table(pt->mem->ctx, table, table_pa);
    pt->tables--;
}

static bool power_of_two(unsigned n) { return n && !(n & (n - 1)); }

static bool table_empty(const struct pgtable *pt, const u64 *table)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        if (pt->fmt->is_valid(table[i]))
            return false;
    }
    return true;
}

BUILT_FOR_SIZE int pt_init(struct pgtable *pt, const struct pt_format *fmt, const struct pt_mem *mem,
                           unsigned va_bits)
{
    memset(pt, 0, sizeof(*pt));
    if (!fmt || !mem || fmt->root_level > PT_MAX_ROOT_LEVEL || fmt->root_level == PT_LEAF_LEVEL ||
        fmt->max_block_level > fmt->root_level ||
        !power_of_two(fmt->root_tables) || fmt->root_tables > PT_MAX_ROOT_TABLES)
        return -1;
    if (!fmt->table_desc || !fmt->leaf_desc || !fmt->is_valid || !fmt->is_table || !fmt->desc_pa ||
        !fmt->desc_attr || !mem->alloc_table || !mem->free_table || !mem->pa_to_ptr ||
        (fmt->root_tables > 1 && (!mem->alloc_root || !mem->free_root)))
        return -1;
    /* A root table resolves 9 bits above its level's shift, concatenated ones log2(n) more;
     * fewer may be used. */
    unsigned max_bits = level_shift(fmt->root_level) + PT_INDEX_BITS + (unsigned)__builtin_ctz(fmt->root_tables);
    if (va_bits <= level_shift(fmt->root_level) || va_bits > max_bits)
        return -1;
    u64 pa;
    u64 *root = fmt->root_tables > 1 ? mem->alloc_root(mem->ctx, fmt->root_tables, &pa) : mem->alloc_table(mem->ctx, &pa);
    if (!root)
        return -1;
    pt->fmt = fmt;
    pt->mem = mem;
    pt->root = root;
    pt->root_pa = pa;
    pt->va_bits = va_bits;
    pt->tables = fmt->root_tables;
    return 0;
}

/* Common argument checks: page alignment, no wrap-around, inside the input range. */
static bool va_range_ok(const struct pgtable *pt, u64 va, u64 size)
{
    if (!pt->root || !IS_ALIGNED(va, PT_PAGE_SIZE) || !IS_ALIGNED(size, PT_PAGE_SIZE))
        return false;
    u64 limit = 1ull << pt->va_bits;
    return va < limit && size <= limit - va;
}

/* ---- mapping ---- */

struct map_op {
    struct pgtable *pt;
    u64 va0, pa0, attr;
    bool apply;  /* false: check and count only */
    size_t need; /* check pass: tables to allocate */
    struct pt_pool pool;
};

static bool can_block(const struct pt_format *fmt, unsigned level, u64 va, u64 end, u64 pa)
{
    if (level == PT_LEAF_LEVEL)
        return true;
    u64 sz = level_size(level);
    return level <= fmt->max_block_level && IS_ALIGNED(va, sz) && IS_ALIGNED(pa, sz) && end - va >= sz;
}

/* An existing leaf is acceptable only if it already translates va to pa with the same attr. */
static bool leaf_matches(const struct pt_format *fmt, u64 desc, unsigned level, u64 va, u64 pa, u64 attr)
{
    u64 offset = va & (level_size(level) - 1);
    return fmt->desc_attr(desc) == attr && fmt->desc_pa(desc) + offset == pa;
}

/* Maps [va, end) within `table` (a table at `level`). In the check pass `table` may be NULL,
 * standing for a table this call would create: all of its entries are empty. */
static int map_level(struct map_op *op, u64 *table, unsigned level, u64 va, u64 end)
{
    const struct pt_format *fmt = op->pt->fmt;
    u64 sz = level_size(level);
    while (va < end) {
        u64 next = MIN(end, ALIGN_DOWN(va, sz) + sz);
        u64 pa = op->pa0 + (va - op->va0);
        u64 *entry = table ? &table[level_index(va, level)] : NULL;
        u64 desc = entry ? *entry : 0;
        if (entry && fmt->is_valid(desc)) {
            if (is_table_entry(op->pt, desc, level)) {
                /* Descend even where a block would fit: the existing table may map part of
                 * the range identically, and the rest is filled in with smaller leaves. */
                if (map_level(op, table_ptr(op->pt, desc), level - 1, va, next))
                    return -1;
            } else if (!leaf_matches(fmt, desc, level, va, pa, op->attr)) {
                return -1;
            }
        } else if (can_block(fmt, level, va, next, pa)) {
            if (op->apply)
                *entry = fmt->leaf_desc(pa, level, op->attr);
        } else if (!op->apply) {
            op->need++;
            if (map_level(op, NULL, level - 1, va, next))
                return -1;
        } else {
            u64 child_pa;
            u64 *child = pool_take(&op->pool, &child_pa);
            map_level(op, child, level - 1, va, next); /* cannot fail: checked */
            *entry = fmt->table_desc(child_pa);        /* publish the table once filled */
            op->pt->tables++;
        }
        va = next;
    }
    return 0;
}

/* Maps [va, end) from the root: one table of it at a time when it is several. */
static int map_root(struct map_op *op, u64 va, u64 end)
{
    const struct pgtable *pt = op->pt;
    if (pt->fmt->root_tables == 1)
        return map_level(op, pt->root, pt->fmt->root_level, va, end);
    for (u64 next; va < end; va = next) {
        next = MIN(end, root_table_end(pt, va));
        if (map_level(op, root_table(pt, va), pt->fmt->root_level, va, next))
            return -1;
    }
    return 0;
}

/* One page where every table on the way exists and the slot is empty (the commonest change:
 * memory brought in page by page): the leaf is written in one walk, with no check pass and no
 * pool, since nothing can fail. Returns false to leave it to the general path (a table to
 * create, a block on the way, or a leaf already there to compare). */
static bool map_page_in_place(struct pgtable *pt, u64 va, u64 pa, u64 attr)
{
    const struct pt_format *fmt = pt->fmt;
    u64 *table = root_table(pt, va);
    for (unsigned level = fmt->root_level; level > PT_LEAF_LEVEL; level--) {
        u64 desc = table[level_index(va, level)];
        if (!fmt->is_valid(desc) || !fmt->is_table(desc, level))
            return false;
        table = table_ptr(pt, desc);
    }
    u64 *entry = &table[level_index(va, PT_LEAF_LEVEL)];
    if (fmt->is_valid(*entry))
        return false;
    *entry = fmt->leaf_desc(pa, PT_LEAF_LEVEL, attr);
    return true;
}

/* The format must round-trip what the walker compares: output address and attributes. */
static bool format_accepts(const struct pt_format *fmt, u64 pa, u64 attr)
{
    u64 d = fmt->leaf_desc(pa, PT_LEAF_LEVEL, attr);
    return fmt->is_valid(d) && fmt->desc_pa(d) == pa && fmt->desc_attr(d) == attr;
}

int pt_map(struct pgtable *pt, u64 va, u64 pa, u64 size, u64 attr)
{
    if (!va_range_ok(pt, va, size) || !IS_ALIGNED(pa, PT_PAGE_SIZE) || size > ~0ull - pa)
        return -1;
    if (size == 0)
        return 0;
    if (!format_accepts(pt->fmt, pa, attr) ||
        (size > PT_PAGE_SIZE && !format_accepts(pt->fmt, pa + size - PT_PAGE_SIZE, attr)))
        return -1; /* (one page: its first address is its last, checked once) */
    if (size == PT_PAGE_SIZE && map_page_in_place(pt, va, pa, attr))
        return 0;
    struct map_op op = {.pt = pt, .va0 = va, .pa0 = pa, .attr = attr};
    if (map_root(&op, va, va + size))
        return -1;
    if (!pool_fill(pt, &op.pool, op.need))
        return -1;
    op.apply = true;
    map_root(&op, va, va + size);
    pool_release(pt, &op.pool); /* empty unless the two passes disagree */
    return 0;
}

/* ---- unmapping ---- */

struct unmap_op {
    struct pgtable *pt;
    bool apply;
    size_t need;
    struct pt_pool pool;
};

/* Tables needed to split a block at `level` of which only [va, end) is removed: one for the
 * block itself, plus one per next-level block that is in turn only partly removed. */
static size_t split_cost(unsigned level, u64 va, u64 end)
{
    size_t n = 1;
    unsigned child = level - 1;
    if (child == PT_LEAF_LEVEL)
        return n;
    u64 sz = level_size(child);
    for (u64 v = va; v < end;) {
        u64 slot = ALIGN_DOWN(v, sz);
        u64 next = MIN(end, slot + sz);
        if (v != slot || next != slot + sz)
            n += split_cost(child, v, next);
        v = next;
    }
    return n;
}

static void unmap_level(struct unmap_op *op, u64 *table, unsigned level, u64 va, u64 end);

/* Replaces the block in *entry (at `level`) by a table of equivalent next-level leaves, then
 * removes [va, end) from that table. Partial removal leaves some leaves, so it stays. */
static void split_block(struct unmap_op *op, u64 *entry, unsigned level, u64 va, u64 end)
{
    const struct pt_format *fmt = op->pt->fmt;
    u64 base = fmt->desc_pa(*entry);
    u64 attr = fmt->desc_attr(*entry);
    u64 csz = level_size(level - 1);
    u64 child_pa;
    u64 *child = pool_take(&op->pool, &child_pa);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        child[i] = fmt->leaf_desc(base + i * csz, level - 1, attr);
    unmap_level(op, child, level - 1, va, end);
    *entry = fmt->table_desc(child_pa);
    op->pt->tables++;
}

static void unmap_level(struct unmap_op *op, u64 *table, unsigned level, u64 va, u64 end)
{
    struct pgtable *pt = op->pt;
    const struct pt_format *fmt = pt->fmt;
    u64 sz = level_size(level);
    for (u64 next; va < end; va = next) {
        u64 slot = ALIGN_DOWN(va, sz);
        next = MIN(end, slot + sz);
        bool whole = va == slot && next == slot + sz;
        u64 *entry = &table[level_index(va, level)];
        u64 desc = *entry;
        if (!fmt->is_valid(desc))
            continue; /* holes are fine */
        if (!is_table_entry(pt, desc, level)) {
            if (whole && op->apply)
                *entry = 0;
            else if (!whole && op->apply)
                split_block(op, entry, level, va, next);
            else if (!whole)
                op->need += split_cost(level, va, next);
            continue;
        }
        u64 *child = table_ptr(pt, desc);
        if (!whole) {
            unmap_level(op, child, level - 1, va, next);
            if (!op->apply || !table_empty(pt, child))
                continue;
        } else if (!op->apply) {
            continue;
        }
        /* Unpublish before freeing, so the entry never points at a freed table. */
        *entry = 0;
        free_subtree(pt, child, fmt->desc_pa(desc), level - 1);
    }
}

static void unmap_root(struct unmap_op *op, u64 va, u64 end)
{
    const struct pgtable *pt = op->pt;
    if (pt->fmt->root_tables == 1) {
        unmap_level(op, pt->root, pt->fmt->root_level, va, end);
        return;
    }
    for (u64 next; va < end; va = next) {
        next = MIN(end, root_table_end(pt, va));
        unmap_level(op, root_table(pt, va), pt->fmt->root_level, va, next);
    }
}

int pt_unmap(struct pgtable *pt, u64 va, u64 size)
{
    if (!va_range_ok(pt, va, size))
        return -1;
    if (size == 0)
        return 0;
    struct unmap_op op = {.pt = pt};
    unmap_root(&op, va, va + size);
    if (!pool_fill(pt, &op.pool, op.need))
        return -1;
    op.apply = true;
    unmap_root(&op, va, va + size);
    pool_release(pt, &op.pool);
    return 0;
}

bool pt_lookup(const struct pgtable *pt, u64 va, u64 *pa, u64 *attr, unsigned *level)
{
    if (!pt->root || va >> pt->va_bits)
        return false;
    const u64 *table = root_table(pt, va);
    for (unsigned l = pt->fmt->root_level;; l--) {
        u64 desc = table[level_index(va, l)];
        if (!pt->fmt->is_valid(desc))
            return false;
        if (is_table_entry(pt, desc, l)) {
            table = table_ptr(pt, desc);
            continue;
        }
        if (pa)
            *pa = pt->fmt->desc_pa(desc) + (va & (level_size(l) - 1));
        if (attr)
            *attr = pt->fmt->desc_attr(desc);
        if (level)
            *level = l;
        return true;
    }
}

void pt_destroy(struct pgtable *pt)
{
    if (!pt->root)
        return;
    free_children(pt, pt->root, pt->fmt->root_level);
    if (pt->fmt->root_tables > 1)
        pt->mem->free_root(pt->mem->ctx, pt->root, pt->root_pa, pt->fmt->root_tables);
    else
        pt->mem->free_table(pt->mem->ctx, pt->root, pt->root_pa);
    pt->tables -= pt->fmt->root_tables;
    pt->root = NULL;
    pt->root_pa = 0;
}
