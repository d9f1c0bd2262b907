#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <base/heap.h>
#include <lib/string.h>
#include <lib/types.h>

#define HDR 16 /* block header, as documented in heap.h */

static _Alignas(16) u8 arena_a[64 * 1024];
static _Alignas(16) u8 arena_b[16 * 1024];

static bool aligned16(const void *p)
{
    return ((uintptr_t)p & 15) == 0;
}

static bool inside(const void *p, size_t n, const u8 *arena, size_t size)
{
    return (const u8 *)p >= arena && (const u8 *)p + n <= arena + size;
}

/* The free memory is exactly one block iff its whole payload can be allocated at once. */
static void assert_single_free_block(struct heap *h, size_t full)
{
    assert_int_equal(heap_free_bytes(h), full);
    assert_null(heap_alloc(h, full - HDR + 1));
    void *p = heap_alloc(h, full - HDR);
    assert_non_null(p);
    assert_int_equal(heap_free_bytes(h), 0);
    heap_free(h, p);
    assert_int_equal(heap_free_bytes(h), full);
}

static void alloc_and_free(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    assert_null(heap_alloc(&h, 1)); /* empty heap */
    heap_add(&h, arena_a, sizeof(arena_a));
    assert_int_equal(h.total, sizeof(arena_a));
    const size_t full = heap_free_bytes(&h);
    assert_true(full > sizeof(arena_a) - 64 && full < sizeof(arena_a));
    u8 *a = heap_alloc(&h, 100);
    u8 *b = heap_alloc(&h, 1);
    u8 *c = heap_alloc(&h, 4000);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    /* First fit from low addresses: consecutive blocks, header + rounded payload apart. */
    assert_ptr_equal(b, a + 112 + HDR);
    assert_ptr_equal(c, b + 16 + HDR);
    assert_true(inside(c, 4000, arena_a, sizeof(arena_a)));
    memset(a, 0xaa, 100);
    memset(b, 0xbb, 1);
    memset(c, 0xcc, 4000);
    assert_int_equal(h.used, (112 + HDR) + (16 + HDR) + (4000 + HDR));
    assert_int_equal(heap_free_bytes(&h) + h.used, full);
    heap_free(&h, b);
    /* The hole left by b is reused by a request that fits it. */
    u8 *d = heap_alloc(&h, 8);
    assert_ptr_equal(d, b);
    heap_free(&h, a);
    heap_free(&h, c);
    heap_free(&h, d);
    heap_free(&h, NULL);
    assert_int_equal(h.used, 0);
    assert_int_equal(h.bad_frees, 0);
    assert_single_free_block(&h, full);
}

static void zero_and_huge_sizes(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_b, sizeof(arena_b));
    const size_t full = heap_free_bytes(&h);
    void *z1 = heap_alloc(&h, 0);
    void *z2 = heap_alloc(&h, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    assert_null(heap_alloc(&h, SIZE_MAX));
    assert_null(heap_alloc(&h, SIZE_MAX - 15));
    assert_null(heap_alloc(&h, sizeof(arena_b)));
    heap_free(&h, z1);
    heap_free(&h, z2);
    assert_single_free_block(&h, full);
}

static void coalescing(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_a, sizeof(arena_a));
    const size_t full = heap_free_bytes(&h);
    enum { N = 64 };
    void *p[N];
    /* Three free orders: evens then odds (merging with both neighbours), reverse, forward. */
    for (int order = 0; order < 3; order++) {
        for (int i = 0; i < N; i++) {
            p[i] = heap_alloc(&h, 24 + (size_t)i * 8);
            assert_non_null(p[i]);
        }
        for (int k = 0; k < N; k++) {
            int i = order == 0 ? (k < N / 2 ? 2 * k : 2 * (k - N / 2) + 1) : order == 1 ? N - 1 - k : k;
            heap_free(&h, p[i]);
        }
        assert_int_equal(h.used, 0);
        assert_single_free_block(&h, full);
    }
    /* A block merged into its neighbour can be reused by a larger request. */
    void *x = heap_alloc(&h, 100);
    void *y = heap_alloc(&h, 100);
    void *z = heap_alloc(&h, 100);
    heap_free(&h, x);
    heap_free(&h, y);
    void *w = heap_alloc(&h, 200);
    assert_ptr_equal(w, x);
    heap_free(&h, w);
    heap_free(&h, z);
    assert_single_free_block(&h, full);
}

static void alignment(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    /* Donate a deliberately misaligned region: it is trimmed inwards to 16 bytes. */
    heap_add(&h, arena_a + 3, sizeof(arena_a) - 10);
    const size_t full = heap_free_bytes(&h);
    void *p[200];
    for (size_t i = 0; i < 200; i++) {
        p[i] = heap_alloc(&h, i + 1);
        assert_non_null(p[i]);
        assert_true(aligned16(p[i]));
        assert_true(inside(p[i], i + 1, arena_a + 3, sizeof(arena_a) - 10));
        memset(p[i], (int)i, i + 1);
    }
    for (size_t i = 0; i < 200; i += 3)
        heap_free(&h, p[i]);
    for (size_t i = 0; i < 200; i += 3) {
        p[i] = heap_alloc(&h, 7);
        assert_true(aligned16(p[i]));
    }
    for (size_t i = 0; i < 200; i++)
        heap_free(&h, p[i]);
    assert_int_equal(h.bad_frees, 0);
    assert_single_free_block(&h, full);
}

static void bad_and_double_free(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_a, sizeof(arena_a));
    const size_t full = heap_free_bytes(&h);
    u8 *a = heap_alloc(&h, 64);
    u8 *b = heap_alloc(&h, 64);
    u8 *c = heap_alloc(&h, 64);
    memset(a, 0x11, 64);
    memset(b, 0x22, 64);
    memset(c, 0x33, 64);
    const size_t used = h.used;
    u64 on_stack[4] = {0};

    heap_free(&h, &on_stack[2]);                   /* not heap memory */
    heap_free(&h, arena_b + 32);                   /* memory never donated */
    heap_free(&h, a + 1);                          /* misaligned */
    heap_free(&h, a + 16);                         /* interior, aligned */
    heap_free(&h, arena_a);                        /* arena header */
    heap_free(&h, arena_a + 16);                   /* header of the first block */
    heap_free(&h, arena_a + sizeof(arena_a) - 16); /* free tail block */
    assert_int_equal(h.bad_frees, 7);
    assert_int_equal(h.used, used);

    heap_free(&h, b);
    assert_int_equal(h.bad_frees, 7);
    heap_free(&h, b); /* double free of a block still on the list on its own */
    assert_int_equal(h.bad_frees, 8);
    heap_free(&h, a); /* merges with b */
    heap_free(&h, b); /* stale pointer into the merged block */
    heap_free(&h, a); /* double free of the merged block's head */
    assert_int_equal(h.bad_frees, 10);
    /* A forged header with a plausible size but no canary is rejected too. */
    u8 *d = heap_alloc(&h, 256);
    u64 fake[2] = {64, 0};
    memcpy(d + 64, fake, sizeof(fake));
    heap_free(&h, d + 64 + HDR);
    assert_int_equal(h.bad_frees, 11);

    /* The heap is intact: c's contents survive and everything frees back to one block. */
    for (int i = 0; i < 64; i++)
        assert_int_equal(c[i], 0x33);
    heap_free(&h, c);
    heap_free(&h, d);
    assert_int_equal(h.bad_frees, 11);
    assert_int_equal(h.used, 0);
    assert_single_free_block(&h, full);
}

static void multiple_arenas(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_b, sizeof(arena_b));
    const size_t fb = heap_free_bytes(&h);
    heap_add(&h, arena_a, sizeof(arena_a));
    const size_t fa = heap_free_bytes(&h) - fb;
    assert_int_equal(h.total, sizeof(arena_a) + sizeof(arena_b));
    /* Overlapping, too small and NULL donations are ignored. */
    heap_add(&h, arena_a + 1024, 4096);
    heap_add(&h, arena_b + sizeof(arena_b) - 64, 128);
    heap_add(&h, arena_a + 8, 8);
    heap_add(&h, NULL, 4096);
    assert_int_equal(h.total, sizeof(arena_a) + sizeof(arena_b));
    assert_int_equal(heap_free_bytes(&h), fa + fb);
    /* Blocks never span arenas: the largest request is the larger arena's. */
    assert_null(heap_alloc(&h, fa - HDR + 1));
    void *big = heap_alloc(&h, fa - HDR);
    assert_non_null(big);
    assert_true(inside(big, fa - HDR, arena_a, sizeof(arena_a)));
    void *small = heap_alloc(&h, 1000);
    assert_non_null(small);
    assert_true(inside(small, 1000, arena_b, sizeof(arena_b)));
    heap_free(&h, big);
    heap_free(&h, small);
    assert_int_equal(h.bad_frees, 0);
    assert_int_equal(heap_free_bytes(&h), fa + fb);
}

static void exhaustion(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_b, sizeof(arena_b));
    const size_t full = heap_free_bytes(&h);
    void *p[1024];
    size_t n = 0;
    while ((p[n] = heap_alloc(&h, 48)) != NULL)
        n++;
    assert_int_equal(n, full / 64);
    assert_true(heap_free_bytes(&h) < 64);
    while (n)
        heap_free(&h, p[--n]);
    assert_single_free_block(&h, full);
}

static u64 rng_state = 0x243f6a8885a308d3ull;
static u64 rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

struct shadow {
    u8 *p;
    size_t size;
    u8 fill;
};

static void random_ops_with_shadow(void **state)
{
    (void)state;
    struct heap h;
    heap_init(&h);
    heap_add(&h, arena_a, sizeof(arena_a));
    heap_add(&h, arena_b, sizeof(arena_b));
    const size_t full = heap_free_bytes(&h);
    enum { MAX_LIVE = 512 };
    static struct shadow live[MAX_LIVE];
    size_t nlive = 0;
    for (int iter = 0; iter < 50000; iter++) {
        if (nlive < MAX_LIVE && (nlive == 0 || rnd() % 100 < 52)) {
            size_t size = rnd() % 8 == 0 ? rnd() % 3000 : rnd() % 96;
            u8 *p = heap_alloc(&h, size);
            if (!p)
                continue;
            assert_true(aligned16(p));
            assert_true(inside(p, size, arena_a, sizeof(arena_a)) ||
                        inside(p, size, arena_b, sizeof(arena_b)));
            /* No overlap with any live object (the fill check on free would also catch it). */
            for (size_t i = 0; i < nlive; i++)
                assert_false(ranges_overlap((uintptr_t)p, size + 1, (uintptr_t)live[i].p, live[i].size + 1));
            u8 fill = (u8)rnd();
            memset(p, fill, size);
            live[nlive++] = (struct shadow){p, size, fill};
        } else {
            size_t k = rnd() % nlive;
            struct shadow s = live[k];
            for (size_t i = 0; i < s.size; i++)
                assert_int_equal(s.p[i], s.fill);
            heap_free(&h, s.p);
            if (rnd() % 16 == 0)
                heap_free(&h, s.p); /* occasional double free must be caught */
            live[k] = live[--nlive];
        }
        assert_int_equal(heap_free_bytes(&h) + h.used, full);
    }
    size_t bad = h.bad_frees;
    assert_true(bad > 0);
    while (nlive) {
        struct shadow s = live[--nlive];
        for (size_t i = 0; i < s.size; i++)
            assert_int_equal(s.p[i], s.fill);
        heap_free(&h, s.p);
    }
    assert_int_equal(h.bad_frees, bad);
    assert_int_equal(h.used, 0);
    assert_int_equal(heap_free_bytes(&h), full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_and_free),      cmocka_unit_test(zero_and_huge_sizes),
        cmocka_unit_test(coalescing),          cmocka_unit_test(alignment),
        cmocka_unit_test(bad_and_double_free), cmocka_unit_test(multiple_arenas),
        cmocka_unit_test(exhaustion),          cmocka_unit_test(random_ops_with_shadow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
