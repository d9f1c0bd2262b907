/* lib/bitmap.h: the search the idle pCPUs use to find the next LAZY page to zero ahead of the
 * guest (hv/core/vm_mem.c): a page neither mapped (a) nor known zero (b). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/bitmap.h>

/* The same search, one bit at a time. */
static u64 slow(const u64 *a, const u64 *b, u64 from, u64 n)
{
    for (u64 i = from; i < n; i++)
        if (!((a[i / 64] >> (i % 64)) & 1) && !((b[i / 64] >> (i % 64)) & 1))
            return i;
    return n;
}

static void finds_the_first_clear_in_both(void **state)
{
    (void)state;
    u64 a[3] = {0}, b[3] = {0};
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 192), 0);
    a[0] = 1; /* mapped */
    b[0] = 2; /* known zero */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 192), 2);
    assert_int_equal(bitmap_next_clear_in_both(a, b, 3, 192), 3);
    a[0] = ~0ull;
    b[1] = ~0ull >> 1; /* only item 127 of the second word is left */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 192), 127);
    assert_int_equal(bitmap_next_clear_in_both(a, b, 127, 192), 127);
    assert_int_equal(bitmap_next_clear_in_both(a, b, 128, 192), 128);
}

static void stops_at_n_even_inside_a_word(void **state)
{
    (void)state;
    u64 a[2] = {~0ull, 0}, b[2] = {0, 0x7}; /* items 64..66 done, 67.. free */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 67), 67);  /* n inside the second word */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 68), 67);
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 64), 64);  /* n on a word boundary */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 70, 70), 70); /* from == n */
    assert_int_equal(bitmap_next_clear_in_both(a, b, 0, 0), 0);    /* an empty range: no word read */
    u64 one[1] = {0x5}, none[1] = {0};
    assert_int_equal(bitmap_next_clear_in_both(one, none, 0, 3), 1);
    assert_int_equal(bitmap_next_clear_in_both(one, none, 2, 3), 3); /* item 2 is set, 3 is past n */
}

static void agrees_with_a_bit_by_bit_search(void **state)
{
    (void)state;
    u64 a[4], b[4], x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 2000; round++) {
        for (int w = 0; w < 4; w++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a[w] = x;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[w] = x | (round % 3 ? x << 1 : 0); /* denser in some rounds: long runs of set bits */
        }
        u64 n = x % 257, from = (x >> 16) % (n + 1);
        assert_int_equal(bitmap_next_clear_in_both(a, b, from, n), slow(a, b, from, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_first_clear_in_both),
        cmocka_unit_test(stops_at_n_even_inside_a_word),
        cmocka_unit_test(agrees_with_a_bit_by_bit_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
