#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/range_carve.h>

enum { RW, CODE, RO };

static void assert_piece(const struct range_piece *p, u64 start, u64 end, int kind)
{
    assert_int_equal(p->start, start);
    assert_int_equal(p->end, end);
    assert_int_equal(p->kind, kind);
}

/* The aarch64 image: read-only data, code, then writable data, inside a RAM bank. */
static void cuts_the_image_out_of_a_bank(void **state)
{
    (void)state;
    const struct range_piece cuts[] = {{0x40200000, 0x40230000, RO}, {0x40230000, 0x4025c000, CODE}};
    struct range_piece out[8];
    int n = range_carve(0x40000000, 0xc0000000, cuts, 2, RW, out, 8);
    assert_int_equal(n, 4);
    assert_piece(&out[0], 0x40000000, 0x40200000, RW);
    assert_piece(&out[1], 0x40200000, 0x40230000, RO);
    assert_piece(&out[2], 0x40230000, 0x4025c000, CODE);
    assert_piece(&out[3], 0x4025c000, 0xc0000000, RW);
}

static void a_bank_without_the_image_is_one_piece(void **state)
{
    (void)state;
    const struct range_piece cuts[] = {{0x40200000, 0x40230000, CODE}};
    struct range_piece out[4];
    assert_int_equal(range_carve(0x100000000, 0x140000000, cuts, 1, RW, out, 4), 1);
    assert_piece(&out[0], 0x100000000, 0x140000000, RW);
}

static void cuts_at_the_edges_and_empty_cuts_leave_no_empty_piece(void **state)
{
    (void)state;
    const struct range_piece cuts[] = {{0x1000, 0x2000, CODE}, {0x2000, 0x2000, RO}, {0x2000, 0x4000, RO}};
    struct range_piece out[4];
    assert_int_equal(range_carve(0x1000, 0x4000, cuts, 3, RW, out, 4), 2);
    assert_piece(&out[0], 0x1000, 0x2000, CODE);
    assert_piece(&out[1], 0x2000, 0x4000, RO);
}

static void a_cut_reaching_past_the_range_is_clipped(void **state)
{
    (void)state;
    const struct range_piece cuts[] = {{0x0, 0x3000, CODE}, {0x7000, 0x9000, RO}};
    struct range_piece out[4];
    assert_int_equal(range_carve(0x2000, 0x8000, cuts, 2, RW, out, 4), 3);
    assert_piece(&out[0], 0x2000, 0x3000, CODE);
    assert_piece(&out[1], 0x3000, 0x7000, RW);
    assert_piece(&out[2], 0x7000, 0x8000, RO);
}

static void refuses_overlap_disorder_and_a_short_output(void **state)
{
    (void)state;
    struct range_piece out[4];
    const struct range_piece overlap[] = {{0x1000, 0x3000, CODE}, {0x2000, 0x4000, RO}};
    assert_int_equal(range_carve(0, 0x10000, overlap, 2, RW, out, 4), -1);
    const struct range_piece unsorted[] = {{0x5000, 0x6000, CODE}, {0x1000, 0x2000, RO}};
    assert_int_equal(range_carve(0, 0x10000, unsorted, 2, RW, out, 4), -1);
    const struct range_piece one[] = {{0x1000, 0x2000, CODE}};
    assert_int_equal(range_carve(0, 0x10000, one, 1, RW, out, 2), -1);
    assert_int_equal(range_carve(0, 0x10000, one, 1, RW, out, 3), 3);
}

static void an_empty_range_has_no_piece(void **state)
{
    (void)state;
    struct range_piece out[2];
    assert_int_equal(range_carve(0x5000, 0x5000, NULL, 0, RW, out, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cuts_the_image_out_of_a_bank),
        cmocka_unit_test(a_bank_without_the_image_is_one_piece),
        cmocka_unit_test(cuts_at_the_edges_and_empty_cuts_leave_no_empty_piece),
        cmocka_unit_test(a_cut_reaching_past_the_range_is_clipped),
        cmocka_unit_test(refuses_overlap_disorder_and_a_short_output),
        cmocka_unit_test(an_empty_range_has_no_piece),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
