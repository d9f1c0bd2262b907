/* stage2_set_page (<arch/stage2_page.h>): the leaf write of a lazy page's stage-2 fault-in must
 * leave the table exactly as pt_map would, and must refuse (changing nothing) whatever it cannot
 * do alone: a missing table, a block, an entry already valid. Tables from aligned_alloc: their
 * host address is their "physical" one, as the hypervisor's identity map makes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/pte.h>
#include <arch/stage2_page.h>

static const struct pt_format fmt = ARM64_PT_FORMAT(2, 1, 2); /* as hv/arch/aarch64/stage2.c */
static const u64 ATTR = PTE_SH_INNER | PTE_S2_MEMATTR_NORMAL_WB | PTE_S2AP_R | PTE_S2AP_W | PTE_S2_XN;

static void *t_alloc(void *ctx, u64 *pa)
{
    (void)ctx;
    void *p = aligned_alloc(PT_PAGE_SIZE, PT_PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0, PT_PAGE_SIZE);
    *pa = (u64)(uintptr_t)p;
    assert_int_equal(*pa & ~PTE_PA_MASK, 0);
    return p;
}

static void t_free(void *ctx, void *table, u64 pa)
{
    (void)ctx, (void)pa;
    free(table);
}

static void *t_ptr(void *ctx, u64 pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static const struct pt_mem mem = {t_alloc, t_free, t_ptr, NULL, NULL, NULL};

/* The level-0 table holding ipa's entry, found through pt_lookup's result and the walk. */
static u64 *leaf_table(struct pgtable *pt, u64 ipa)
{
    u64 d = pt->root[(ipa >> 30) % 512];
    assert_int_equal(d & 3, 3);
    d = ((u64 *)(uintptr_t)arm64_pte_pa(d))[(ipa >> 21) % 512];
    assert_int_equal(d & 3, 3);
    return (u64 *)(uintptr_t)arm64_pte_pa(d);
}

static void writes_what_pt_map_writes(void **state)
{
    (void)state;
    struct pgtable fast, ref;
    assert_int_equal(pt_init(&fast, &fmt, &mem, 39), 0);
    assert_int_equal(pt_init(&ref, &fmt, &mem, 39), 0);
    const u64 base = 0x48000000, host = 0x81200000;
    /* the first page of the 2 MiB makes the tables (pt_map, as vm_arch_map falls back to it) */
    assert_false(stage2_set_page(fast.root, base, host, ATTR));
    assert_int_equal(pt_map(&fast, base, host, PT_PAGE_SIZE, ATTR), 0);
    size_t tables = fast.tables;
    for (u64 i = 0; i < 512; i++) {
        assert_int_equal(pt_map(&ref, base + i * PT_PAGE_SIZE, host + i * 7 * PT_PAGE_SIZE, PT_PAGE_SIZE, ATTR), 0);
        if (i)
            assert_true(stage2_set_page(fast.root, base + i * PT_PAGE_SIZE, host + i * 7 * PT_PAGE_SIZE, ATTR));
    }
    assert_int_equal(fast.tables, tables); /* no table made behind pt's back */
    assert_memory_equal(leaf_table(&fast, base), leaf_table(&ref, base), PT_PAGE_SIZE);
    u64 pa, attr;
    unsigned level;
    assert_true(pt_lookup(&fast, base + 0x1ff123, &pa, &attr, &level));
    assert_int_equal(pa, host + 0x1ff * 7 * PT_PAGE_SIZE + 0x123);
    assert_int_equal(attr, ATTR);
    assert_int_equal(level, 0);
    /* pt_unmap frees the table the fast path filled, as it would its own */
    assert_int_equal(pt_unmap(&fast, base, 512 * PT_PAGE_SIZE), 0);
    assert_int_equal(fast.tables, 1);
    pt_destroy(&fast);
    pt_destroy(&ref);
}

static void refuses_what_it_cannot_do_alone(void **state)
{
    (void)state;
    struct pgtable pt;
    assert_int_equal(pt_init(&pt, &fmt, &mem, 39), 0);
    /* no table at all, then a 2 MiB block, then an entry already valid */
    assert_false(stage2_set_page(pt.root, 0x40000000, 0x80000000, ATTR));
    assert_int_equal(pt_map(&pt, 0x40200000, 0x80200000, 0x200000, ATTR), 0);
    u64 *l1 = (u64 *)(uintptr_t)arm64_pte_pa(pt.root[1]);
    u64 block = l1[1];
    assert_false(stage2_set_page(pt.root, 0x40201000, 0x90000000, ATTR));
    assert_int_equal(l1[1], block);
    assert_int_equal(pt_map(&pt, 0x40400000, 0x80400000, PT_PAGE_SIZE, ATTR), 0);
    u64 *l0 = leaf_table(&pt, 0x40400000);
    u64 before = l0[0];
    assert_false(stage2_set_page(pt.root, 0x40400000, 0x90000000, ATTR));
    assert_int_equal(l0[0], before);
    /* another 1 GiB slot of the root: no table there yet */
    assert_false(stage2_set_page(pt.root, 0x7fe00000ull + 0x40000000, 0x80000000, ATTR));
    pt_destroy(&pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_what_pt_map_writes),
        cmocka_unit_test(refuses_what_it_cannot_do_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
