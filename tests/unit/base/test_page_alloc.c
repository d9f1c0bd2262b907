#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>

#include <base/page_alloc.h>
#include <lib/string.h>
#include <lib/types.h>

/* Bitmap storage (both bitmaps) big enough for a 4 GiB zone. */
#define MAX_BITMAP_WORDS (2 * GiB(4) / PAGE_SIZE / 64)
static u64 bm[PAGE_ALLOC_MAX_ZONES + 1][MAX_BITMAP_WORDS];

static void add(struct page_alloc *pa, int slot, u64 base, u64 size)
{
    assert_true(page_alloc_bitmap_bytes(size) <= sizeof(bm[slot]));
    assert_int_equal(page_alloc_add_zone(pa, hpa(base), size, bm[slot]), 0);
}

static u64 alloc_ok(struct page_alloc *pa, u64 count, u64 align)
{
    hpa_t out = hpa(0);
    assert_int_equal(page_alloc_alloc(pa, count, align, &out), 0);
    assert_true(IS_ALIGNED(out.val, align));
    return out.val;
}

static void bitmap_sizes(void **state)
{
    (void)state;
    /* two bitmaps: used, and known zero */
    assert_int_equal(page_alloc_bitmap_bytes(0), 0);
    assert_int_equal(page_alloc_bitmap_bytes(PAGE_SIZE), 16);
    assert_int_equal(page_alloc_bitmap_bytes(64 * PAGE_SIZE), 16);
    assert_int_equal(page_alloc_bitmap_bytes(65 * PAGE_SIZE), 32);
    assert_int_equal(page_alloc_bitmap_bytes(GiB(2)), 128 * 1024);
}

static void zones(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    assert_int_equal(page_alloc_total_pages(&pa), 0);
    /* Rounded inwards: [0x40000800, 0x40103800) holds pages 0x40001000..0x40103000. */
    memset(bm[0], 0xff, sizeof(bm[0]));
    add(&pa, 0, 0x40000800, 0x103000);
    assert_int_equal(pa.zones[0].base, 0x40001000);
    assert_int_equal(page_alloc_total_pages(&pa), 0x102);
    assert_int_equal(page_alloc_free_pages(&pa), 0x102);
    assert_int_equal(bm[0][0], 0); /* storage was cleared */
    add(&pa, 1, 0x80000000, MiB(4));
    assert_int_equal(page_alloc_total_pages(&pa), 0x102 + 1024);
    /* Overlapping zones, NULL bitmap and wrap-around are rejected. */
    assert_int_equal(page_alloc_add_zone(&pa, hpa(0x80100000), MiB(4), bm[2]), -1);
    assert_int_equal(page_alloc_add_zone(&pa, hpa(0x40000000), 0x2000, bm[2]), -1);
    assert_int_equal(page_alloc_add_zone(&pa, hpa(0x90000000), MiB(1), NULL), -1);
    assert_int_equal(page_alloc_add_zone(&pa, hpa(~0ull - 0xfff), 0x2000, bm[2]), -1);
    /* Less than one page after rounding: accepted and ignored. */
    assert_int_equal(page_alloc_add_zone(&pa, hpa(0x90000800), 0x1000, bm[2]), 0);
    assert_int_equal(pa.zone_count, 2);
    /* Slots run out. */
    for (int i = 2; i < PAGE_ALLOC_MAX_ZONES; i++)
        add(&pa, i, GiB(8) * (u64)i, MiB(1));
    assert_int_equal(page_alloc_add_zone(&pa, hpa(GiB(100)), MiB(1), bm[PAGE_ALLOC_MAX_ZONES]), -1);
    assert_int_equal(pa.zone_count, PAGE_ALLOC_MAX_ZONES);
    /* Allocations come from the first zone with room, then the next ones. */
    u64 a = alloc_ok(&pa, 0x102, PAGE_SIZE);
    assert_int_equal(a, 0x40001000);
    assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), 0x80000000);
}

static void reserve_strict_and_non_strict(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    add(&pa, 0, 0x40000000, MiB(1));
    add(&pa, 1, 0x40100000, MiB(1)); /* adjacent to zone 0 */
    add(&pa, 2, 0x50000000, MiB(1));
    u64 total = page_alloc_total_pages(&pa);
    assert_int_equal(total, 768);

    /* Rounded outwards: 0x40000fff..0x40001000 touches two pages. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x40000fff), 2, true), 0);
    assert_int_equal(page_alloc_free_pages(&pa), total - 2);
    /* Already used: fails in both modes, nothing changes. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x40001000), 0x3000, true), -1);
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x40001000), 0x3000, false), -1);
    assert_int_equal(page_alloc_free_pages(&pa), total - 2);
    /* Spanning the two adjacent zones is fine in strict mode. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x400ff000), 0x2000, true), 0);
    assert_int_equal(page_alloc_free_pages(&pa), total - 4);
    /* Sticking out of RAM: strict fails with no change, non-strict takes the RAM part. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x4ffff000), 0x3000, true), -1);
    assert_int_equal(page_alloc_free_pages(&pa), total - 4);
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x4ffff000), 0x3000, false), 0);
    assert_int_equal(page_alloc_free_pages(&pa), total - 6);
    /* Entirely outside RAM. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x60000000), 0x1000, true), -1);
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x60000000), 0x1000, false), 0);
    /* Zero size is a no-op; wrap-around is rejected. */
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x40000000), 0, true), 0);
    assert_int_equal(page_alloc_reserve(&pa, hpa(~0ull - 0x10), 0x100, false), -1);
    assert_int_equal(page_alloc_free_pages(&pa), total - 6);

    /* Reserved pages are never handed out. */
    for (u64 n = page_alloc_free_pages(&pa); n; n--) {
        u64 a = alloc_ok(&pa, 1, PAGE_SIZE);
        assert_false(a == 0x40000000 || a == 0x40001000 || a == 0x400ff000 || a == 0x40100000);
        assert_false(a == 0x50000000 || a == 0x50001000);
    }
    /* A reservation spanning zones is released with one free. */
    assert_int_equal(page_alloc_free(&pa, hpa(0x400ff000), 2), 0);
    assert_int_equal(page_alloc_free_pages(&pa), 2);
}

static void aligned_allocations(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    /* A zone that starts 4 KiB past a 1 GiB boundary: alignment is of the address, not index. */
    add(&pa, 0, GiB(1) + PAGE_SIZE, GiB(4) - 2 * PAGE_SIZE); /* ends at 5 GiB - 4 KiB */
    u64 a = alloc_ok(&pa, 1, PAGE_SIZE);
    assert_int_equal(a, GiB(1) + PAGE_SIZE);
    u64 b = alloc_ok(&pa, 512, MiB(2));
    assert_int_equal(b, GiB(1) + MiB(2));
    u64 c = alloc_ok(&pa, 1, GiB(1));
    assert_int_equal(c, GiB(2));
    /* 256 MiB aligned to 2 MiB continues after c. */
    u64 d = alloc_ok(&pa, MiB(256) / PAGE_SIZE, MiB(2));
    assert_int_equal(d, GiB(2) + MiB(2));
    /* A 1 GiB run aligned to 1 GiB: only [3 GiB, 4 GiB) and [4 GiB, 5 GiB) qualify... */
    u64 e = alloc_ok(&pa, GiB(1) / PAGE_SIZE, GiB(1));
    assert_int_equal(e, GiB(3));
    /* ...and [4 GiB, 5 GiB) lacks its last page, so a second one fails. */
    hpa_t out;
    assert_int_equal(page_alloc_alloc(&pa, GiB(1) / PAGE_SIZE, GiB(1), &out), -1);
    /* Bad alignment / count. */
    assert_int_equal(page_alloc_alloc(&pa, 1, 0, &out), -1);
    assert_int_equal(page_alloc_alloc(&pa, 1, 0x800, &out), -1);
    assert_int_equal(page_alloc_alloc(&pa, 1, 0x3000, &out), -1);
    assert_int_equal(page_alloc_alloc(&pa, 0, PAGE_SIZE, &out), -1);
    /* Free everything; a 2 GiB-aligned request is now satisfiable at 2 GiB. */
    assert_int_equal(page_alloc_free(&pa, hpa(a), 1), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(b), 512), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(c), 1), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(d), MiB(256) / PAGE_SIZE), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(e), GiB(1) / PAGE_SIZE), 0);
    assert_int_equal(page_alloc_free_pages(&pa), page_alloc_total_pages(&pa));
    assert_int_equal(alloc_ok(&pa, GiB(2) / PAGE_SIZE, GiB(2)), GiB(2));
}

static void large_run_in_busy_2g_zone(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    add(&pa, 0, 0x40000000, GiB(2));
    /* Scatter single used pages (at 5 MiB past every 64 MiB) over the first 1.5 GiB so no
     * 256 MiB run fits there; the allocator must skip forward to the first 2 MiB boundary
     * after the last one (1477 MiB + 4 KiB -> 1478 MiB). */
    for (u64 off = 0; off < MiB(1536); off += MiB(64))
        assert_int_equal(page_alloc_reserve(&pa, hpa(0x40000000 + off + MiB(5)), PAGE_SIZE, true), 0);
    u64 a = alloc_ok(&pa, MiB(256) / PAGE_SIZE, MiB(2));
    assert_int_equal(a, 0x40000000 + MiB(1478));
    u64 b = alloc_ok(&pa, MiB(256) / PAGE_SIZE, MiB(2));
    assert_int_equal(b, 0x40000000 + MiB(1734));
    hpa_t out;
    assert_int_equal(page_alloc_alloc(&pa, MiB(256) / PAGE_SIZE, MiB(2), &out), -1);
    /* Smaller runs: first after the hint (58 MiB left at the end), then wrapping around to the
     * gaps between the scattered pages. */
    u64 c = alloc_ok(&pa, MiB(32) / PAGE_SIZE, MiB(2));
    assert_int_equal(c, 0x40000000 + MiB(1990));
    u64 d = alloc_ok(&pa, MiB(32) / PAGE_SIZE, MiB(2));
    assert_int_equal(d, 0x40000000 + MiB(6));
}

static void exhaustion(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    add(&pa, 0, 0x1000, 200 * PAGE_SIZE); /* not a multiple of 64 pages */
    add(&pa, 1, 0x10000000, 3 * PAGE_SIZE);
    u64 total = page_alloc_total_pages(&pa);
    assert_int_equal(total, 203);
    for (u64 i = 0; i < total; i++)
        alloc_ok(&pa, 1, PAGE_SIZE);
    assert_int_equal(page_alloc_free_pages(&pa), 0);
    hpa_t out;
    assert_int_equal(page_alloc_alloc(&pa, 1, PAGE_SIZE, &out), -1);
    /* A freed page is found again although the hint has moved past it. */
    assert_int_equal(page_alloc_free(&pa, hpa(0x5000), 1), 0);
    assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), 0x5000);
    assert_int_equal(page_alloc_alloc(&pa, 1, PAGE_SIZE, &out), -1);
    /* The last page of a zone (bitmap tail word) is usable and bounded. */
    assert_int_equal(page_alloc_free(&pa, hpa(0x1000 + 199 * PAGE_SIZE), 1), 0);
    assert_int_equal(page_alloc_alloc(&pa, 2, PAGE_SIZE, &out), -1);
    assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), 0x1000 + 199 * PAGE_SIZE);
    /* Too large for any zone. */
    assert_int_equal(page_alloc_free(&pa, hpa(0x1000), 200), 0);
    assert_int_equal(page_alloc_alloc(&pa, 201, PAGE_SIZE, &out), -1);
    assert_int_equal(alloc_ok(&pa, 200, PAGE_SIZE), 0x1000);
}

static void fragmentation(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    add(&pa, 0, 0, 256 * PAGE_SIZE);
    for (int i = 0; i < 256; i++)
        assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), (u64)i * PAGE_SIZE);
    for (int i = 0; i < 256; i += 2)
        assert_int_equal(page_alloc_free(&pa, hpa((u64)i * PAGE_SIZE), 1), 0);
    assert_int_equal(page_alloc_free_pages(&pa), 128);
    hpa_t out;
    assert_int_equal(page_alloc_alloc(&pa, 2, PAGE_SIZE, &out), -1);
    /* Free pages 101 and 103 as well: 100..104 becomes a free run of 5 (100, 102, 104 were). */
    assert_int_equal(page_alloc_free(&pa, hpa(101 * PAGE_SIZE), 1), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(103 * PAGE_SIZE), 1), 0);
    assert_int_equal(alloc_ok(&pa, 5, PAGE_SIZE), 100 * PAGE_SIZE);
    assert_int_equal(page_alloc_alloc(&pa, 2, PAGE_SIZE, &out), -1);
    /* 8 KiB alignment over the remaining even pages works one page at a time. */
    for (int i = 0; i < 128 - 3; i++)
        alloc_ok(&pa, 1, 2 * PAGE_SIZE);
    assert_int_equal(page_alloc_free_pages(&pa), 0);
}

static void free_errors(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    add(&pa, 0, 0x40000000, MiB(1));
    u64 a = alloc_ok(&pa, 4, PAGE_SIZE);
    u64 free_before = page_alloc_free_pages(&pa);
    /* Partly unallocated range: rejected, nothing freed. */
    assert_int_equal(page_alloc_free(&pa, hpa(a + 2 * PAGE_SIZE), 4), -1);
    assert_int_equal(page_alloc_free_pages(&pa), free_before);
    /* Outside every zone / sticking out of the zone. */
    assert_int_equal(page_alloc_free(&pa, hpa(0x1000), 1), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(0x40000000 + MiB(1) - PAGE_SIZE), 2), -1);
    /* Unaligned base, absurd counts. */
    assert_int_equal(page_alloc_free(&pa, hpa(a + 8), 1), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(a), ~0ull), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(~0ull & ~0xfffull), 1), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(a), 0), 0);
    assert_int_equal(page_alloc_free_pages(&pa), free_before);
    /* Partial free of an allocation is allowed, then the double free fails. */
    assert_int_equal(page_alloc_free(&pa, hpa(a), 2), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(a), 2), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(a), 4), -1);
    assert_int_equal(page_alloc_free(&pa, hpa(a + 2 * PAGE_SIZE), 2), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(a + 2 * PAGE_SIZE), 1), -1);
    assert_int_equal(page_alloc_free_pages(&pa), page_alloc_total_pages(&pa));
}

/* xorshift64*: deterministic so failures reproduce. */
static u64 rng_state = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

struct live {
    u64 base, count;
};

/* Which free pages are known to hold zeros: nothing at first (RAM holds whatever it held);
 * what a free says; allocation and reservation leave it alone. */
static void zero_tracking(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    memset(bm[0], 0xff, sizeof(bm[0]));
    add(&pa, 0, 0x40000000, MiB(1));
    hpa_t base = hpa(0x40000000);
    assert_int_equal(page_alloc_zero_mask(&pa, base, 64), 0);
    u64 a = alloc_ok(&pa, 8, PAGE_SIZE);
    assert_int_equal(page_alloc_free_as(&pa, hpa(a), 8, PAGE_ZERO), 0);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 8), 0xff);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 9), 0xff); /* the ninth never was */
    /* allocating does not change it: the new owner asks what it got */
    assert_int_equal(page_alloc_reserve(&pa, hpa(a), 8 * PAGE_SIZE, true), 0);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 8), 0xff);
    /* written pages come back dirty, untouched ones as they were */
    assert_int_equal(page_alloc_free_as(&pa, hpa(a), 2, PAGE_DIRTY), 0);
    assert_int_equal(page_alloc_free_as(&pa, hpa(a + 2 * PAGE_SIZE), 2, PAGE_UNCHANGED), 0);
    assert_int_equal(page_alloc_free(&pa, hpa(a + 4 * PAGE_SIZE), 4), 0);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 8), 0x0c);
    /* a failed free changes nothing */
    assert_int_equal(page_alloc_free_as(&pa, hpa(a), 1, PAGE_ZERO), -1);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 8), 0x0c);
    /* outside every zone, misaligned or too many: nothing known */
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(0x80000000), 4), 0);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a + 1), 4), 0);
    assert_int_equal(page_alloc_zero_mask(&pa, hpa(a), 65), 0);
}

static void random_cycles(void **state)
{
    (void)state;
    struct page_alloc pa;
    page_alloc_init(&pa);
    const u64 zbase[2] = {0x40000000, 0x100003000};
    const u64 zsize[2] = {MiB(32), MiB(16) + 5 * PAGE_SIZE};
    add(&pa, 0, zbase[0], zsize[0]);
    add(&pa, 1, zbase[1], zsize[1]);
    assert_int_equal(page_alloc_reserve(&pa, hpa(0x40100000), MiB(1), true), 0);
    const u64 initial = page_alloc_free_pages(&pa);
    /* Shadow: one byte per page of both zones, 1 = handed out by us. */
    u64 zpages[2] = {zsize[0] / PAGE_SIZE, zsize[1] / PAGE_SIZE};
    u8 *shadow[2] = {calloc(zpages[0], 1), calloc(zpages[1], 1)};
    struct live *live = calloc(4096, sizeof(*live));
    size_t nlive = 0;
    u64 live_pages = 0;
    for (int iter = 0; iter < 20000; iter++) {
        bool do_alloc = nlive < 4096 && (nlive == 0 || rnd() % 100 < 55);
        if (do_alloc) {
            u64 count = 1 + rnd() % (rnd() % 8 == 0 ? 600 : 16);
            u64 align = PAGE_SIZE << (rnd() % 4 == 0 ? rnd() % 10 : 0);
            hpa_t out;
            if (page_alloc_alloc(&pa, count, align, &out) != 0)
                continue;
            assert_true(IS_ALIGNED(out.val, align));
            int z = out.val >= zbase[1];
            u64 first = (out.val - zbase[z]) / PAGE_SIZE;
            assert_true(first + count <= zpages[z]);
            for (u64 i = 0; i < count; i++) {
                assert_int_equal(shadow[z][first + i], 0);
                shadow[z][first + i] = 1;
            }
            assert_false(z == 0 && ranges_overlap(out.val, count * PAGE_SIZE, 0x40100000, MiB(1)));
            live[nlive++] = (struct live){out.val, count};
            live_pages += count;
        } else {
            size_t k = rnd() % nlive;
            struct live l = live[k];
            int z = l.base >= zbase[1];
            assert_int_equal(page_alloc_free(&pa, hpa(l.base), l.count), 0);
            assert_int_equal(page_alloc_free(&pa, hpa(l.base), l.count), -1);
            memset(&shadow[z][(l.base - zbase[z]) / PAGE_SIZE], 0, l.count);
            live[k] = live[--nlive];
            live_pages -= l.count;
        }
        assert_int_equal(page_alloc_free_pages(&pa), initial - live_pages);
    }
    while (nlive) {
        nlive--;
        assert_int_equal(page_alloc_free(&pa, hpa(live[nlive].base), live[nlive].count), 0);
    }
    assert_int_equal(page_alloc_free_pages(&pa), initial);
    assert_int_equal(page_alloc_free(&pa, hpa(0x40100000), MiB(1) / PAGE_SIZE), 0);
    assert_int_equal(page_alloc_free_pages(&pa), page_alloc_total_pages(&pa));
    free(shadow[0]);
    free(shadow[1]);
    free(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bitmap_sizes),
        cmocka_unit_test(zones),
        cmocka_unit_test(reserve_strict_and_non_strict),
        cmocka_unit_test(aligned_allocations),
        cmocka_unit_test(large_run_in_busy_2g_zone),
        cmocka_unit_test(exhaustion),
        cmocka_unit_test(fragmentation),
        cmocka_unit_test(free_errors),
        cmocka_unit_test(zero_tracking),
        cmocka_unit_test(random_cycles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
