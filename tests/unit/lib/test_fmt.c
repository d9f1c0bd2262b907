#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/fmt.h>
#include <lib/string.h>
#include <lib/types.h>

static void formats_integers(void **state)
{
    (void)state;
    char b[64];
    fmt_snprintf(b, sizeof(b), "%d %u %x %X %5d|%-5d|%05d", -42, 42u, 0xabcu, 0xabcu, 7, 7, -7);
    assert_string_equal(b, "-42 42 abc ABC     7|7    |-0007");
    fmt_snprintf(b, sizeof(b), "%llx %lu %zu", 0xfedcba9876543210ull, 18446744073709551615ul, (size_t)3);
    assert_string_equal(b, "fedcba9876543210 18446744073709551615 3");
    fmt_snprintf(b, sizeof(b), "%#x %#llx %#x", 0x1fu, 0x40000000ull, 0u);
    assert_string_equal(b, "0x1f 0x40000000 0");
    fmt_snprintf(b, sizeof(b), "%lld", (long long)INT64_MIN);
    assert_string_equal(b, "-9223372036854775808");
}

static void formats_strings_and_truncates(void **state)
{
    (void)state;
    char b[8];
    int n = fmt_snprintf(b, sizeof(b), "%s-%c%%", "abcdef", 'x');
    assert_int_equal(n, 9);
    assert_string_equal(b, "abcdef-");
    char c[32];
    fmt_snprintf(c, sizeof(c), "[%.3s][%6s][%-4s][%s]", "abcdef", "ab", "ab", (char *)NULL);
    assert_string_equal(c, "[abc][    ab][ab  ][(null)]");
}

static void ranges(void **state)
{
    (void)state;
    assert_true(ranges_overlap(0, 10, 9, 1));
    assert_false(ranges_overlap(0, 10, 10, 1));
    assert_true(ranges_overlap(~0ull - 10, 11, ~0ull, 1));
    assert_true(range_contains(100, 50, 120, 30));
    assert_false(range_contains(100, 50, 120, 31));
    assert_false(range_contains(100, 50, 99, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_integers),
        cmocka_unit_test(formats_strings_and_truncates),
        cmocka_unit_test(ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
