#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>

#include <lib/pgtable.h>
#include <lib/string.h>
#include <lib/types.h>

/* ---- a test descriptor format mimicking Arm VMSAv8-64 with a 4 KiB granule ---- */

#define D_VALID 1ull
#define D_TYPE 2ull /* table (levels 1-3) / page (level 0) */
#define D_OA 0x0000fffffffff000ull

static u64 t_table_desc(u64 pa)
{
    return pa | D_TYPE | D_VALID;
}
static u64 t_leaf_desc(u64 pa, unsigned level, u64 attr)
{
    return (pa & D_OA) | attr | (level == PT_LEAF_LEVEL ? D_TYPE : 0) | D_VALID;
}
static bool t_is_valid(u64 d)
{
    return d & D_VALID;
}
static bool t_is_table(u64 d, unsigned level)
{
    return level > PT_LEAF_LEVEL && (d & D_TYPE);
}
static u64 t_desc_pa(u64 d)
{
    return d & D_OA;
}
static u64 t_desc_attr(u64 d)
{
    return d & ~(D_OA | D_TYPE | D_VALID);
}

#define FMT(root, tables, maxblk)                                                                            \
    {                                                                                                        \
        .root_level = (root), .root_tables = (tables), .max_block_level = (maxblk),                          \
        .table_desc = t_table_desc, .leaf_desc = t_leaf_desc, .is_valid = t_is_valid,                        \
        .is_table = t_is_table, .desc_pa = t_desc_pa, .desc_attr = t_desc_attr,                              \
    }

static const struct pt_format fmt_39 = FMT(2, 1, 2);    /* level-2 root: 39-bit, 1 GiB blocks */
static const struct pt_format fmt_48 = FMT(3, 1, 2);    /* level-3 root: 48-bit */
static const struct pt_format fmt_39_2m = FMT(2, 1, 1); /* 2 MiB blocks at most */
static const struct pt_format fmt_x4 = FMT(2, 4, 2);    /* four concatenated level-2 tables: 41-bit (Sv39x4) */
static const struct pt_format fmt_x2 = FMT(2, 2, 2);    /* two: 40-bit (an Arm stage 2 with SL0 at level 1) */
static const struct pt_format fmt_pages = FMT(2, 1, 0); /* pages only */

#define ATTR_A ((1ull << 6) | (1ull << 10) | (1ull << 54))
#define ATTR_B ((3ull << 2) | (1ull << 53))

/* ---- host table memory: pa == pointer value ---- */

struct host_mem {
    size_t live;       /* tables, a concatenated root counting as its tables */
    size_t roots_live; /* concatenated roots */
    long fail_after; /* successful allocations left before failing; -1 = never fail */
};

static void *h_alloc(void *ctx, u64 *pa)
{
    struct host_mem *m = ctx;
    if (m->fail_after == 0)
        return NULL;
    if (m->fail_after > 0)
        m->fail_after--;
    void *p = aligned_alloc(PT_PAGE_SIZE, PT_PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0, PT_PAGE_SIZE);
    *pa = (u64)(uintptr_t)p;
    assert_int_equal(*pa & ~D_OA, 0); /* host pointers must fit the test format */
    m->live++;
    return p;
}

static void h_free(void *ctx, void *table, u64 pa)
{
    struct host_mem *m = ctx;
    assert_int_equal((u64)(uintptr_t)table, pa);
    assert_true(m->live > 0);
    m->live--;
    free(table);
}

/* Concatenated roots: `tables` contiguous tables aligned to their size, counted per table. */
static void *h_alloc_root(void *ctx, unsigned tables, u64 *pa)
{
    struct host_mem *m = ctx;
    if (m->fail_after == 0)
        return NULL;
    if (m->fail_after > 0)
        m->fail_after--;
    size_t bytes = tables * PT_PAGE_SIZE;
    void *p = aligned_alloc(bytes, bytes);
    assert_non_null(p);
    memset(p, 0, bytes);
    *pa = (u64)(uintptr_t)p;
    m->live += tables;
    m->roots_live++;
    return p;
}

static void h_free_root(void *ctx, void *root, u64 pa, unsigned tables)
{
    struct host_mem *m = ctx;
    assert_int_equal((u64)(uintptr_t)root, pa);
    assert_true(m->live >= tables && m->roots_live > 0);
    m->live -= tables;
    m->roots_live--;
    free(root);
}

static void *h_pa_to_ptr(void *ctx, u64 pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

struct fixture {
    struct host_mem hm;
    struct pt_mem mem;
    struct pgtable pt;
};

static void fixture_init(struct fixture *f, const struct pt_format *fmt, unsigned va_bits)
{
    f->hm = (struct host_mem){.fail_after = -1};
    f->mem = (struct pt_mem){h_alloc, h_free, h_pa_to_ptr, &f->hm, h_alloc_root, h_free_root};
    assert_int_equal(pt_init(&f->pt, fmt, &f->mem, va_bits), 0);
    assert_int_equal(f->pt.tables, fmt->root_tables);
}

/* Tables reachable from the root, counted independently of the walker. */
static size_t count_tables(const u64 *table, unsigned level, unsigned entries, size_t self)
{
    size_t n = self;
    for (unsigned i = 0; i < entries && level > PT_LEAF_LEVEL; i++) {
        if (t_is_valid(table[i]) && t_is_table(table[i], level))
            n += count_tables((const u64 *)(uintptr_t)t_desc_pa(table[i]), level - 1, PT_ENTRIES, 1);
    }
    return n;
}

static void check_tables(struct fixture *f)
{
    assert_int_equal(f->pt.tables, f->hm.live);
    const struct pt_format *fmt = f->pt.fmt;
    assert_int_equal(count_tables(f->pt.root, fmt->root_level, PT_ENTRIES * fmt->root_tables, fmt->root_tables),
                     f->pt.tables);
}

static void fixture_done(struct fixture *f)
{
    check_tables(f);
    pt_destroy(&f->pt);
    assert_int_equal(f->pt.tables, 0);
    assert_int_equal(f->hm.live, 0);
    assert_int_equal(f->hm.roots_live, 0);
}

static void expect_map(struct fixture *f, u64 va, u64 pa, u64 attr, unsigned level)
{
    u64 got_pa = 0, got_attr = 0;
    unsigned got_level = 99;
    assert_true(pt_lookup(&f->pt, va, &got_pa, &got_attr, &got_level));
    assert_int_equal(got_pa, pa);
    assert_int_equal(got_attr, attr);
    assert_int_equal(got_level, level);
}

static void expect_unmapped(struct fixture *f, u64 va)
{
    u64 pa;
    assert_false(pt_lookup(&f->pt, va, &pa, NULL, NULL));
}

/* ---- tests ---- */

static void init_checks(void **state)
{
    (void)state;
    struct host_mem hm = {.fail_after = -1};
    struct pt_mem mem = {h_alloc, h_free, h_pa_to_ptr, &hm, NULL, NULL};
    struct pgtable pt;
    assert_int_equal(pt_init(&pt, &fmt_39, &mem, 30), -1);
    assert_int_equal(pt_init(&pt, &fmt_39, &mem, 40), -1);
    assert_int_equal(pt_init(&pt, &fmt_48, &mem, 39), -1);
    assert_int_equal(pt_init(&pt, &fmt_48, &mem, 49), -1);
    struct pt_format bad = fmt_39;
    bad.max_block_level = 3; /* blocks above the root level */
    assert_int_equal(pt_init(&pt, &bad, &mem, 39), -1);
    bad = fmt_39;
    bad.root_level = PT_LEAF_LEVEL; /* a root must point to tables */
    assert_int_equal(pt_init(&pt, &bad, &mem, 12), -1);
    bad = fmt_39;
    bad.root_level = PT_MAX_ROOT_LEVEL + 1;
    assert_int_equal(pt_init(&pt, &bad, &mem, 57), -1);
    const unsigned bad_tables[] = {0, 3, 32};
    for (size_t i = 0; i < ARRAY_SIZE(bad_tables); i++) {
        bad = fmt_x4;
        bad.root_tables = bad_tables[i];
        assert_int_equal(pt_init(&pt, &bad, &mem, 39), -1);
    }
    /* A concatenated root needs alloc_root / free_root. */
    assert_int_equal(pt_init(&pt, &fmt_x4, &mem, 41), -1);
    bad = fmt_39;
    bad.desc_attr = NULL;
    assert_int_equal(pt_init(&pt, &bad, &mem, 39), -1);
    hm.fail_after = 0;
    assert_int_equal(pt_init(&pt, &fmt_39, &mem, 39), -1);
    assert_int_equal(hm.live, 0);
    /* A failed init leaves an inert pgtable. */
    assert_false(pt_lookup(&pt, 0, NULL, NULL, NULL));
    assert_int_equal(pt_map(&pt, 0, 0, PT_PAGE_SIZE, 0), -1);
    hm.fail_after = -1;
    unsigned ok[][2] = {{2, 31}, {2, 36}, {2, 39}, {3, 40}, {3, 48}};
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        assert_int_equal(pt_init(&pt, ok[i][0] == 2 ? &fmt_39 : &fmt_48, &mem, ok[i][1]), 0);
        assert_int_equal(pt.tables, 1);
        assert_int_equal(pt.root_pa, (u64)(uintptr_t)pt.root);
        pt_destroy(&pt);
        assert_int_equal(hm.live, 0);
    }
}

static void block_size_by_alignment(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    /* 4 KiB */
    assert_int_equal(pt_map(&f.pt, 0x1000, 0x9000, 0x1000, ATTR_A), 0);
    expect_map(&f, 0x1000, 0x9000, ATTR_A, 0);
    expect_map(&f, 0x1abc, 0x9abc, ATTR_A, 0);
    expect_unmapped(&f, 0x0);
    expect_unmapped(&f, 0x2000);
    assert_int_equal(f.pt.tables, 3);
    /* 2 MiB: va and pa aligned, size one block */
    assert_int_equal(pt_map(&f.pt, MiB(4), GiB(3) + MiB(2), MiB(2), ATTR_B), 0);
    expect_map(&f, MiB(4), GiB(3) + MiB(2), ATTR_B, 1);
    expect_map(&f, MiB(6) - 1, GiB(3) + MiB(4) - 1, ATTR_B, 1);
    assert_int_equal(f.pt.tables, 3); /* shares the level-1 table with 0x1000 */
    /* 1 GiB */
    assert_int_equal(pt_map(&f.pt, GiB(5), GiB(1), GiB(1), ATTR_A), 0);
    expect_map(&f, GiB(5) + 0x12345678, GiB(1) + 0x12345678, ATTR_A, 2);
    assert_int_equal(f.pt.tables, 3);
    /* va aligned to 2 MiB but pa only to 4 KiB: pages only. */
    assert_int_equal(pt_map(&f.pt, GiB(2), GiB(4) + 0x1000, MiB(4), ATTR_A), 0);
    expect_map(&f, GiB(2), GiB(4) + 0x1000, ATTR_A, 0);
    expect_map(&f, GiB(2) + MiB(4) - 8, GiB(4) + 0x1000 + MiB(4) - 8, ATTR_A, 0);
    assert_int_equal(f.pt.tables, 3 + 1 + 2);
    /* pa aligned but va only 64 KiB aligned. */
    assert_int_equal(pt_map(&f.pt, GiB(6) + 0x10000, MiB(2), MiB(2), ATTR_A), 0);
    expect_map(&f, GiB(6) + 0x10000, MiB(2), ATTR_A, 0);
    check_tables(&f);
    fixture_done(&f);

    /* A format limited to 2 MiB blocks maps an aligned GiB with 512 of them. */
    fixture_init(&f, &fmt_39_2m, 39);
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(1), GiB(1), ATTR_A), 0);
    expect_map(&f, GiB(1), GiB(1), ATTR_A, 1);
    expect_map(&f, GiB(2) - 1, GiB(2) - 1, ATTR_A, 1);
    assert_int_equal(f.pt.tables, 2);
    fixture_done(&f);
}

static void mixed_range(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    /* 1 GiB block + 2 MiB block + one 4 KiB page. */
    assert_int_equal(pt_map(&f.pt, 0x40000000, 0x40000000, 0x40201000, ATTR_A), 0);
    expect_unmapped(&f, 0x3fffffff);
    expect_map(&f, 0x40000000, 0x40000000, ATTR_A, 2);
    expect_map(&f, 0x7fffffff, 0x7fffffff, ATTR_A, 2);
    expect_map(&f, 0x80000000, 0x80000000, ATTR_A, 1);
    expect_map(&f, 0x801fffff, 0x801fffff, ATTR_A, 1);
    expect_map(&f, 0x80200000, 0x80200000, ATTR_A, 0);
    expect_map(&f, 0x80200fff, 0x80200fff, ATTR_A, 0);
    expect_unmapped(&f, 0x80201000);
    assert_int_equal(f.pt.tables, 3);
    check_tables(&f);

    /* Starting at an odd page: pages up to 2 MiB, blocks in between, pages at the end. */
    u64 va = GiB(8) - MiB(2) - 0x3000, pa = GiB(16) - MiB(2) - 0x3000;
    u64 size = 0x3000 + MiB(2) + GiB(1) + MiB(4) + 0x5000;
    assert_int_equal(pt_map(&f.pt, va, pa, size, ATTR_B), 0);
    expect_map(&f, va, pa, ATTR_B, 0);
    expect_map(&f, GiB(8) - MiB(2), GiB(16) - MiB(2), ATTR_B, 1);
    expect_map(&f, GiB(8), GiB(16), ATTR_B, 2);
    expect_map(&f, GiB(9), GiB(17), ATTR_B, 1);
    expect_map(&f, GiB(9) + MiB(4), GiB(17) + MiB(4), ATTR_B, 0);
    expect_map(&f, va + size - 1, pa + size - 1, ATTR_B, 0);
    expect_unmapped(&f, va - 1);
    expect_unmapped(&f, va + size);
    check_tables(&f);

    /* Unmapping both ranges returns to the root alone. */
    assert_int_equal(pt_unmap(&f.pt, 0x40000000, 0x40201000), 0);
    assert_int_equal(pt_unmap(&f.pt, va, size), 0);
    assert_int_equal(f.pt.tables, 1);
    fixture_done(&f);
}

static void remap_conflicts(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(2), GiB(1), ATTR_A), 0);
    assert_int_equal(pt_map(&f.pt, GiB(3), GiB(3), 0x4000, ATTR_A), 0);
    size_t tables = f.pt.tables;
    /* Identical remaps (whole, or a piece of a block) succeed and change nothing. */
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(2), GiB(1), ATTR_A), 0);
    assert_int_equal(pt_map(&f.pt, GiB(1) + MiB(6) + 0x1000, GiB(2) + MiB(6) + 0x1000, 0x3000, ATTR_A), 0);
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x1000, GiB(3) + 0x1000, 0x2000, ATTR_A), 0);
    assert_int_equal(f.pt.tables, tables);
    expect_map(&f, GiB(1) + MiB(6), GiB(2) + MiB(6), ATTR_A, 2);
    /* Different pa or attr: rejected. */
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(3), GiB(1), ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(2), GiB(1), ATTR_B), -1);
    assert_int_equal(pt_map(&f.pt, GiB(1) + MiB(2), GiB(2), MiB(2), ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x3000, GiB(3) + 0x4000, 0x1000, ATTR_A), -1);
    /* A range that is empty at first and conflicts at its end maps nothing. */
    assert_int_equal(pt_map(&f.pt, GiB(3) - MiB(4), GiB(3) - MiB(4), MiB(4) + 0x2000, ATTR_B), -1);
    expect_unmapped(&f, GiB(3) - MiB(4));
    expect_unmapped(&f, GiB(3) - 0x1000);
    assert_int_equal(f.pt.tables, tables);
    check_tables(&f);
    /* Extending an existing mapping identically fills the holes around it (the new part
     * lies in another GiB, hence one more level-1 table). */
    assert_int_equal(pt_map(&f.pt, GiB(3) - MiB(4), GiB(3) - MiB(4), MiB(6), ATTR_A), 0);
    assert_int_equal(f.pt.tables, ++tables);
    expect_map(&f, GiB(3) - MiB(4), GiB(3) - MiB(4), ATTR_A, 1);
    expect_map(&f, GiB(3) + 0x2000, GiB(3) + 0x2000, ATTR_A, 0); /* pre-existing page */
    expect_map(&f, GiB(3) + 0x4000, GiB(3) + 0x4000, ATTR_A, 0); /* new page, same table */
    expect_map(&f, GiB(3) + MiB(2) - 1, GiB(3) + MiB(2) - 1, ATTR_A, 0);
    expect_unmapped(&f, GiB(3) + MiB(2));
    check_tables(&f);
    /* Bad arguments. */
    assert_int_equal(pt_map(&f.pt, 0x800, 0, 0x1000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, 0, 0x800, 0x1000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, 0, 0, 0x800, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, 0, ~0ull & ~0xfffull, 0x2000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, 0, 1ull << 48, 0x1000, ATTR_A), -1); /* pa beyond format */
    assert_int_equal(pt_map(&f.pt, 0, 0, 0x1000, 1ull << 20), -1);      /* attr clashes with pa */
    assert_int_equal(pt_map(&f.pt, 0, 0, 0, ATTR_A), 0);
    assert_int_equal(f.pt.tables, tables);
    fixture_done(&f);
}

/* A single page whose tables exist is written in place (no check pass, no allocation); every
 * other single page takes the general path, with its checks. */
static void one_page_in_place(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_x4, 41);
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x1000, MiB(8) + 0x1000, 0x1000, ATTR_A), 0);
    size_t tables = f.pt.tables;
    f.hm.fail_after = 0; /* no table may be allocated from here on */
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x2000, MiB(8) + 0x5000, 0x1000, ATTR_B), 0);
    expect_map(&f, GiB(3) + 0x2000, MiB(8) + 0x5000, ATTR_B, 0);
    expect_map(&f, GiB(3) + 0x1000, MiB(8) + 0x1000, ATTR_A, 0);
    assert_int_equal(f.pt.tables, tables);
    /* the same page again: accepted unchanged; another pa or attr: refused, nothing written */
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x2000, MiB(8) + 0x5000, 0x1000, ATTR_B), 0);
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x2000, MiB(8) + 0x6000, 0x1000, ATTR_B), -1);
    assert_int_equal(pt_map(&f.pt, GiB(3) + 0x2000, MiB(8) + 0x5000, 0x1000, ATTR_A), -1);
    expect_map(&f, GiB(3) + 0x2000, MiB(8) + 0x5000, ATTR_B, 0);
    /* a table missing on the way: the general path, which needs (and here cannot get) one */
    assert_int_equal(pt_map(&f.pt, GiB(3) + MiB(2), MiB(8), 0x1000, ATTR_A), -1);
    expect_unmapped(&f, GiB(3) + MiB(2));
    /* a page inside a block: only the block's own translation is accepted */
    f.hm.fail_after = -1;
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(1), MiB(2), ATTR_A), 0);
    f.hm.fail_after = 0;
    assert_int_equal(pt_map(&f.pt, GiB(1) + 0x3000, GiB(1) + 0x3000, 0x1000, ATTR_A), 0);
    assert_int_equal(pt_map(&f.pt, GiB(1) + 0x3000, GiB(1) + 0x4000, 0x1000, ATTR_A), -1);
    expect_map(&f, GiB(1) + 0x3000, GiB(1) + 0x3000, ATTR_A, 1);
    f.hm.fail_after = -1;
    check_tables(&f);
    pt_destroy(&f.pt);
}

static void split_block_in_middle(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    const u64 va = GiB(1), pa = GiB(4);
    assert_int_equal(pt_map(&f.pt, va, pa, GiB(1), ATTR_B), 0);
    assert_int_equal(f.pt.tables, 1);
    /* One page in the middle of the second 2 MiB of the block. */
    const u64 hole = va + MiB(2) + 0x1000;
    assert_int_equal(pt_unmap(&f.pt, hole, 0x1000), 0);
    assert_int_equal(f.pt.tables, 3);
    expect_unmapped(&f, hole);
    expect_unmapped(&f, hole + 0xfff);
    expect_map(&f, hole - 1, pa + MiB(2) + 0xfff, ATTR_B, 0);
    expect_map(&f, hole + 0x1000, pa + MiB(2) + 0x2000, ATTR_B, 0);
    expect_map(&f, va + MiB(2), pa + MiB(2), ATTR_B, 0);
    expect_map(&f, va + MiB(4) - 1, pa + MiB(4) - 1, ATTR_B, 0);
    expect_map(&f, va, pa, ATTR_B, 1);
    expect_map(&f, va + MiB(2) - 1, pa + MiB(2) - 1, ATTR_B, 1);
    expect_map(&f, va + MiB(4), pa + MiB(4), ATTR_B, 1);
    expect_map(&f, va + GiB(1) - 1, pa + GiB(1) - 1, ATTR_B, 1);
    check_tables(&f);
    /* Remapping the hole identically restores it; differently is a conflict only elsewhere. */
    assert_int_equal(pt_map(&f.pt, hole, pa + MiB(2) + 0x1000, 0x1000, ATTR_B), 0);
    expect_map(&f, hole, pa + MiB(2) + 0x1000, ATTR_B, 0);
    assert_int_equal(pt_unmap(&f.pt, hole, 0x1000), 0);
    /* Unmap an unaligned range spanning several 2 MiB blocks: splits at both edges. */
    assert_int_equal(pt_unmap(&f.pt, va + MiB(10) + 0x5000, MiB(6)), 0);
    expect_map(&f, va + MiB(10) + 0x4fff, pa + MiB(10) + 0x4fff, ATTR_B, 0);
    expect_unmapped(&f, va + MiB(10) + 0x5000);
    expect_unmapped(&f, va + MiB(12));
    expect_unmapped(&f, va + MiB(16) + 0x4fff);
    expect_map(&f, va + MiB(16) + 0x5000, pa + MiB(16) + 0x5000, ATTR_B, 0);
    expect_map(&f, va + MiB(18), pa + MiB(18), ATTR_B, 1);
    assert_int_equal(f.pt.tables, 5);
    check_tables(&f);
    /* Holes may be unmapped again; unmapping everything brings back the lone root. */
    assert_int_equal(pt_unmap(&f.pt, va + MiB(12), MiB(2)), 0);
    assert_int_equal(pt_unmap(&f.pt, 0, GiB(4)), 0);
    assert_int_equal(f.pt.tables, 1);
    expect_unmapped(&f, va);
    fixture_done(&f);
}

static void split_1g_to_pages(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_48, 48);
    const u64 va = (1ull << 48) - GiB(2), pa = GiB(7);
    assert_int_equal(pt_map(&f.pt, va, pa, GiB(1), ATTR_A), 0);
    assert_int_equal(f.pt.tables, 2); /* root (level 3) + level 2 */
    /* Keep only the last page of the block and the first page. */
    assert_int_equal(pt_unmap(&f.pt, va + 0x1000, GiB(1) - 0x2000), 0);
    expect_map(&f, va, pa, ATTR_A, 0);
    expect_map(&f, va + GiB(1) - 0x1000, pa + GiB(1) - 0x1000, ATTR_A, 0);
    expect_unmapped(&f, va + 0x1000);
    expect_unmapped(&f, va + MiB(2));
    expect_unmapped(&f, va + GiB(1) - 0x1001);
    /* root + level 2 + level 1 (split of the GiB) + two level-0 tables (first and last 2 MiB). */
    assert_int_equal(f.pt.tables, 5);
    check_tables(&f);
    assert_int_equal(pt_unmap(&f.pt, va, 0x1000), 0);
    assert_int_equal(f.pt.tables, 4);
    assert_int_equal(pt_unmap(&f.pt, va + GiB(1) - 0x1000, 0x1000), 0);
    assert_int_equal(f.pt.tables, 1);
    fixture_done(&f);
}

static void va_range_limits(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    const u64 top = 1ull << 39;
    assert_int_equal(pt_map(&f.pt, top - GiB(1), 0, GiB(1), ATTR_A), 0);
    expect_map(&f, top - 1, GiB(1) - 1, ATTR_A, 2);
    assert_int_equal(pt_map(&f.pt, top, 0, 0x1000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, top - 0x1000, 0, 0x2000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, ~0ull & ~0xfffull, 0, 0x2000, ATTR_A), -1);
    assert_int_equal(pt_unmap(&f.pt, top - 0x1000, 0x2000), -1);
    expect_unmapped(&f, top);
    fixture_done(&f);

    /* A partially used root: 36 bits = 64 level-2 entries. */
    fixture_init(&f, &fmt_39, 36);
    assert_int_equal(pt_map(&f.pt, GiB(63), GiB(63), GiB(1), ATTR_A), 0);
    assert_int_equal(pt_map(&f.pt, GiB(64), GiB(64), 0x1000, ATTR_A), -1);
    expect_unmapped(&f, GiB(64));
    fixture_done(&f);

    fixture_init(&f, &fmt_48, 48);
    assert_int_equal(pt_map(&f.pt, (1ull << 48) - 0x1000, 0x1000, 0x1000, ATTR_B), 0);
    expect_map(&f, (1ull << 48) - 1, 0x1fff, ATTR_B, 0);
    assert_int_equal(pt_map(&f.pt, 1ull << 48, 0, 0x1000, ATTR_B), -1);
    assert_int_equal(f.pt.tables, 4);
    /* 512 GiB apart: different root (level-3) entries. */
    assert_int_equal(pt_map(&f.pt, GiB(512), GiB(1), GiB(1), ATTR_B), 0);
    expect_map(&f, GiB(512), GiB(1), ATTR_B, 2);
    expect_unmapped(&f, GiB(1));
    assert_int_equal(f.pt.tables, 5);
    fixture_done(&f);
}

static void out_of_memory_is_all_or_nothing(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_39, 39);
    /* Crosses a GiB boundary: needs two level-1 and two level-0 tables; with room for only three,
     * nothing is mapped. */
    f.hm.fail_after = 3;
    assert_int_equal(pt_map(&f.pt, GiB(1) - 0x1000, GiB(1) - 0x1000, MiB(2) + 0x2000, ATTR_A), -1);
    assert_int_equal(f.pt.tables, 1);
    assert_int_equal(f.hm.live, 1);
    expect_unmapped(&f, GiB(1) - 0x1000);
    expect_unmapped(&f, GiB(1));
    f.hm.fail_after = 4;
    assert_int_equal(pt_map(&f.pt, GiB(1) - 0x1000, GiB(1) - 0x1000, MiB(2) + 0x2000, ATTR_A), 0);
    expect_map(&f, GiB(1) - 0x1000, GiB(1) - 0x1000, ATTR_A, 0);
    expect_map(&f, GiB(1), GiB(1), ATTR_A, 1);
    expect_map(&f, GiB(1) + MiB(2), GiB(1) + MiB(2), ATTR_A, 0);
    assert_int_equal(f.pt.tables, 5);
    check_tables(&f);

    /* Splitting a 1 GiB block down to a page needs two tables. */
    f.hm.fail_after = -1;
    assert_int_equal(pt_map(&f.pt, GiB(4), GiB(4), GiB(1), ATTR_B), 0);
    f.hm.fail_after = 1;
    assert_int_equal(pt_unmap(&f.pt, GiB(4) + MiB(8), 0x1000), -1);
    expect_map(&f, GiB(4) + MiB(8), GiB(4) + MiB(8), ATTR_B, 2);
    assert_int_equal(f.pt.tables, 5);
    check_tables(&f);
    /* Unmapping whole blocks and pages needs no memory at all. */
    f.hm.fail_after = 0;
    assert_int_equal(pt_unmap(&f.pt, GiB(4), GiB(1)), 0);
    assert_int_equal(pt_unmap(&f.pt, GiB(1) - 0x1000, MiB(2) + 0x2000), 0);
    assert_int_equal(f.pt.tables, 1);
    fixture_done(&f);
}

static void destroy_frees_everything(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_48, 48);
    for (u64 i = 0; i < 16; i++)
        assert_int_equal(pt_map(&f.pt, GiB(600) * i + 0x5000, MiB(2) * i, MiB(3), ATTR_A), 0);
    assert_true(f.pt.tables > 16);
    check_tables(&f);
    fixture_done(&f);  /* destroy; ASan's leak check covers anything missed */
    pt_destroy(&f.pt); /* second destroy is harmless */
    expect_unmapped(&f, 0x5000);
}

/* Roots of several concatenated tables (RISC-V Sv39x4 G-stage: four level-2 tables, 16 KiB,
 * 41 bits; an Arm stage 2 with two level-1 tables, 40 bits): one contiguous, size-aligned block,
 * indexed as one table of 512 * n entries. */
static void concatenated_roots(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_x4, 41);
    assert_int_equal(f.hm.roots_live, 1);
    assert_int_equal(f.pt.root_pa % (4 * PT_PAGE_SIZE), 0);
    assert_int_equal(pt_root_bytes(&f.pt), 4 * PT_PAGE_SIZE);
    /* One mapping in each of the four root tables (512 GiB each). */
    const u64 va[] = {GiB(1), GiB(600), GiB(1024) + GiB(5), (1ull << 41) - GiB(1)};
    for (size_t i = 0; i < ARRAY_SIZE(va); i++) {
        assert_int_equal(pt_map(&f.pt, va[i], GiB(i + 1), GiB(1), ATTR_A), 0);
        expect_map(&f, va[i] + 0x1234, GiB(i + 1) + 0x1234, ATTR_A, 2);
        /* The root entry is in table i of the four. */
        assert_true(t_is_valid(f.pt.root[PT_ENTRIES * i + (va[i] >> 30) % PT_ENTRIES]));
    }
    assert_int_equal(f.pt.tables, 4);
    /* Pages under the last table: level-1 and level-0 tables below it. */
    const u64 page = (1ull << 41) - GiB(2) + MiB(2) + 0x3000;
    assert_int_equal(pt_map(&f.pt, page, 0x7000, 0x1000, ATTR_B), 0);
    expect_map(&f, page, 0x7000, ATTR_B, 0);
    assert_int_equal(f.pt.tables, 6);
    check_tables(&f);
    /* Nothing beyond 41 bits. */
    assert_int_equal(pt_map(&f.pt, 1ull << 41, 0, 0x1000, ATTR_A), -1);
    assert_int_equal(pt_map(&f.pt, (1ull << 41) - 0x1000, 0, 0x2000, ATTR_A), -1);
    expect_unmapped(&f, 1ull << 41);
    /* Unmapping everything leaves the whole root, which destroy frees as one block. */
    assert_int_equal(pt_unmap(&f.pt, 0, 1ull << 41), 0);
    assert_int_equal(f.pt.tables, 4);
    for (size_t i = 0; i < ARRAY_SIZE(va); i++)
        expect_unmapped(&f, va[i]);
    fixture_done(&f);

    fixture_init(&f, &fmt_x2, 40);
    assert_int_equal(f.pt.root_pa % (2 * PT_PAGE_SIZE), 0);
    assert_int_equal(pt_map(&f.pt, GiB(700), GiB(3), MiB(2), ATTR_B), 0);
    expect_map(&f, GiB(700), GiB(3), ATTR_B, 1);
    assert_true(t_is_valid(f.pt.root[PT_ENTRIES + 700 - 512]));
    assert_int_equal(f.pt.tables, 3);
    check_tables(&f);
    fixture_done(&f);
}

static void concatenated_root_limits(void **state)
{
    (void)state;
    struct host_mem hm = {.fail_after = -1};
    struct pt_mem mem = {h_alloc, h_free, h_pa_to_ptr, &hm, h_alloc_root, h_free_root};
    struct pgtable pt;
    /* Four level-2 tables resolve 31..41 bits, two 31..40. */
    const unsigned ok_x4[] = {31, 39, 40, 41}, ok_x2[] = {31, 40};
    for (size_t i = 0; i < ARRAY_SIZE(ok_x4); i++) {
        assert_int_equal(pt_init(&pt, &fmt_x4, &mem, ok_x4[i]), 0);
        pt_destroy(&pt);
    }
    for (size_t i = 0; i < ARRAY_SIZE(ok_x2); i++) {
        assert_int_equal(pt_init(&pt, &fmt_x2, &mem, ok_x2[i]), 0);
        pt_destroy(&pt);
    }
    assert_int_equal(pt_init(&pt, &fmt_x4, &mem, 42), -1);
    assert_int_equal(pt_init(&pt, &fmt_x2, &mem, 41), -1);
    assert_int_equal(pt_init(&pt, &fmt_x4, &mem, 30), -1);
    hm.fail_after = 0;
    assert_int_equal(pt_init(&pt, &fmt_x4, &mem, 41), -1);
    assert_int_equal(hm.live, 0);
    assert_int_equal(hm.roots_live, 0);
}

/* A format without blocks maps an aligned GiB with level-0 pages only. */
static void pages_only_format(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &fmt_pages, 39);
    assert_int_equal(pt_map(&f.pt, GiB(1), GiB(1), MiB(4), ATTR_A), 0);
    expect_map(&f, GiB(1), GiB(1), ATTR_A, 0);
    expect_map(&f, GiB(1) + MiB(4) - 1, GiB(1) + MiB(4) - 1, ATTR_A, 0);
    assert_int_equal(f.pt.tables, 1 + 1 + 2);
    fixture_done(&f);
}

/* ---- randomised comparison against a page-granular shadow ---- */

static u64 rng_state = 0x853c49e6748fea9bull;
static u64 rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

#define WIN_PAGES (GiB(4) / PT_PAGE_SIZE)
static const u64 attrs[3] = {ATTR_A, ATTR_B, ATTR_A | ATTR_B};

struct shadow {
    u64 *pa;  /* per page: pa + 1, or 0 when unmapped */
    u8 *attr; /* index into attrs */
};

static void random_against_shadow(const struct pt_format *fmt, unsigned va_bits, u64 win)
{
    struct fixture f;
    fixture_init(&f, fmt, va_bits);
    struct shadow s = {calloc(WIN_PAGES, sizeof(u64)), calloc(WIN_PAGES, 1)};
    static const u64 gran[3] = {PT_PAGE_SIZE, MiB(2), GiB(1)};
    unsigned maps_ok = 0, conflicts = 0, splits = 0, blocks = 0;
    for (int iter = 0; iter < 1500; iter++) {
        unsigned g = rnd() % 100 < 70 ? 0 : rnd() % 100 < 85 ? 1 : 2;
        u64 unit = gran[g];
        u64 n = g == 2 ? 1 : 1 + rnd() % (g == 0 ? 48 : 3);
        u64 size = n * unit;
        u64 off = ALIGN_DOWN(rnd() % (GiB(4) - size + 1), unit);
        /* Shift by a few pages now and then so block-sized ranges straddle boundaries. */
        if (rnd() % 4 == 0 && off >= 0x3000)
            off -= 0x3000;
        u64 va = win + off, first = off / PT_PAGE_SIZE, pages = size / PT_PAGE_SIZE;
        if (rnd() % 100 < 60) {
            u64 pa = ALIGN_DOWN(rnd() % GiB(64), unit) + (rnd() % 8 == 0 ? 0x1000 : 0);
            unsigned a = rnd() % 3;
            bool ok = true;
            for (u64 i = 0; i < pages && ok; i++)
                ok = !s.pa[first + i] ||
                     (s.pa[first + i] == pa + i * PT_PAGE_SIZE + 1 && s.attr[first + i] == a);
            assert_int_equal(pt_map(&f.pt, va, pa, size, attrs[a]), ok ? 0 : -1);
            maps_ok += ok;
            conflicts += !ok;
            for (u64 i = 0; ok && i < pages; i++) {
                s.pa[first + i] = pa + i * PT_PAGE_SIZE + 1;
                s.attr[first + i] = (u8)a;
            }
        } else {
            size_t before = f.pt.tables;
            assert_int_equal(pt_unmap(&f.pt, va, size), 0);
            splits += f.pt.tables > before;
            memset(&s.pa[first], 0, pages * sizeof(u64));
        }
        check_tables(&f);
        /* Probe the edges of this range and a few random pages. */
        u64 probes[8] = {off, off + size - PT_PAGE_SIZE, off - PT_PAGE_SIZE, off + size};
        for (int k = 4; k < 8; k++)
            probes[k] = ALIGN_DOWN(rnd() % GiB(4), PT_PAGE_SIZE);
        for (int k = 0; k < 8; k++) {
            u64 p = probes[k];
            if (p >= GiB(4))
                continue;
            u64 got = 0, got_attr = 0, want = s.pa[p / PT_PAGE_SIZE];
            u64 in_page = rnd() % PT_PAGE_SIZE;
            unsigned level = 0;
            bool mapped = pt_lookup(&f.pt, win + p + in_page, &got, &got_attr, &level);
            blocks += mapped && level > PT_LEAF_LEVEL;
            assert_int_equal(mapped, want != 0);
            if (mapped) {
                assert_int_equal(got, want - 1 + in_page);
                assert_int_equal(got_attr, attrs[s.attr[p / PT_PAGE_SIZE]]);
            }
        }
    }
    /* The run must have exercised successes, conflicts, splits and block mappings. */
    assert_true(maps_ok > 300 && conflicts > 50 && splits > 5 && blocks > 100);
    /* Full comparison, then unmap everything: back to the root alone. */
    for (u64 i = 0; i < WIN_PAGES; i++) {
        u64 got = 0;
        bool mapped = pt_lookup(&f.pt, win + i * PT_PAGE_SIZE, &got, NULL, NULL);
        assert_int_equal(mapped, s.pa[i] != 0);
        if (mapped)
            assert_int_equal(got, s.pa[i] - 1);
    }
    assert_int_equal(pt_unmap(&f.pt, win, GiB(4)), 0);
    assert_int_equal(f.pt.tables, fmt->root_tables);
    fixture_done(&f);
    free(s.pa);
    free(s.attr);
}

static void random_l1_39(void **state)
{
    (void)state;
    random_against_shadow(&fmt_39, 39, GiB(2));
}

static void random_l0_48(void **state)
{
    (void)state;
    /* Straddles a level-0 (512 GiB) boundary. */
    random_against_shadow(&fmt_48, 48, GiB(512) * 300 - GiB(2));
}

static void random_x4_41(void **state)
{
    (void)state;
    /* Straddles the boundary between the first and second of the four root tables. */
    random_against_shadow(&fmt_x4, 41, GiB(512) - GiB(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_checks),
        cmocka_unit_test(block_size_by_alignment),
        cmocka_unit_test(mixed_range),
        cmocka_unit_test(remap_conflicts),
        cmocka_unit_test(one_page_in_place),
        cmocka_unit_test(split_block_in_middle),
        cmocka_unit_test(split_1g_to_pages),
        cmocka_unit_test(va_range_limits),
        cmocka_unit_test(out_of_memory_is_all_or_nothing),
        cmocka_unit_test(destroy_frees_everything),
        cmocka_unit_test(concatenated_roots),
        cmocka_unit_test(concatenated_root_limits),
        cmocka_unit_test(pages_only_format),
        cmocka_unit_test(random_l1_39),
        cmocka_unit_test(random_x4_41),
        cmocka_unit_test(random_l0_48),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
