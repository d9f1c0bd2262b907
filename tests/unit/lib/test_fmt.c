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
    /* Zero padding goes after the "0x" prefix, and the width counts it, as in C. */
    fmt_snprintf(b, sizeof(b), "%#018llx|%#06x|%#6x|%-#6x", 0xffull, 0xau, 0xau, 0xau);
    assert_string_equal(b, "0x00000000000000ff|0x000a|   0xa|0xa   ");
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

struct collect {
    char text[4096];
    size_t len;
    unsigned calls;
    bool empty_call;
};

static void collect_sink(void *ctx, const char *s, size_t len)
{
    struct collect *c = ctx;
    c->calls++;
    c->empty_call |= len == 0;
    assert_true(c->len + len < sizeof(c->text));
    memcpy(c->text + c->len, s, len);
    c->len += len;
}

static int print_to(struct collect *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vprint(collect_sink, c, fmt, ap);
    va_end(ap);
    return n;
}

/* The sink variant has no length limit: a 2000-byte result comes out whole, in order. */
static void prints_without_a_limit(void **state)
{
    (void)state;
    static struct collect c;
    char line[41];
    memset(line, 'a', 40);
    line[40] = '\0';
    int n = print_to(&c, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|"
                     "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d %#llx %-5s.",
                     line, line, line, line, line, line, line, line, line, line, line, line, line, line, line, line,
                     line, line, line, line, line, line, line, line, line, line, line, line, line, line, line, line,
                     line, line, line, line, line, line, line, line, line, line, line, line, line, line, line, line,
                     line, line, -42, 0xabcdefull, "x");
    assert_int_equal(n, 50 * 41 + 19);
    assert_int_equal(c.len, (size_t)n);
    assert_false(c.empty_call);
    assert_true(c.calls >= (unsigned)n / 64);
    c.text[c.len] = '\0';
    assert_int_equal(memcmp(c.text, line, 40), 0);
    assert_string_equal(c.text + 50 * 41, "-42 0xabcdef x    .");
    /* Nothing at all: no call. */
    struct collect e = {0};
    assert_int_equal(print_to(&e, "%s", ""), 0);
    assert_int_equal(e.calls, 0);
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
        cmocka_unit_test(prints_without_a_limit),
        cmocka_unit_test(ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
