/* lib/src/tty_filter.c: what of a guest's console bytes may reach the user's terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/string.h>
#include <lib/tty_filter.h>

/* Filters s (n bytes) through f into a static buffer, NUL-terminated. */
static const char *run_on(struct tty_filter *f, const char *s, size_t n)
{
    static char buf[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char out[TTY_FILTER_OUT_MAX];
        size_t k = tty_filter_byte(f, (u8)s[i], out);
        assert_true(k <= TTY_FILTER_OUT_MAX);
        memcpy(buf + len, out, k);
        len += k;
    }
    buf[len] = '\0';
    return buf;
}

static const char *run(const char *s)
{
    struct tty_filter f;
    tty_filter_init(&f);
    return run_on(&f, s, strlen(s));
}

static void text_tab_and_newline_pass(void **state)
{
    (void)state;
    assert_string_equal(run("hello, world\tok ~!\n"), "hello, world\tok ~!\n");
}

static void controls_are_dropped(void **state)
{
    (void)state;
    assert_string_equal(run("a\rb\x07" "c\x08" "d\x7f" "e\x0e" "f\x0f" "g\x00h"), "abcdefg");
    assert_string_equal(run("x\x18y\x1az"), "xyz");
}

static void escape_sequences_are_removed_whole(void **state)
{
    (void)state;
    assert_string_equal(run("[\x1b[2J\x1b[H\x1b[1;31mred\x1b[0m]"), "[red]");
    assert_string_equal(run("\x1b[?25l\x1b[?1049h" "x"), "x");         /* private modes */
    assert_string_equal(run("a\x1b]0;PWNED\x07" "b"), "ab");            /* OSC, BEL-ended */
    assert_string_equal(run("a\x1b]2;title\x1b\\b"), "ab");             /* OSC, ST-ended */
    assert_string_equal(run("a\x1bP+q544e\x1b\\b"), "ab");              /* DCS */
    assert_string_equal(run("a\x1b_apc\x1b\\b\x1b^pm\x07" "c\x1bXsos\x07" "d"), "abcd");
    assert_string_equal(run("a\x1b" "cb\x1b(Bc\x1b#8d\x1b=e"), "abcde"); /* RIS, SCS, DECALN, DECKPAM */
    assert_string_equal(run("a\x1b[31\x18" "b"), "ab");                 /* CAN aborts a CSI */
    assert_string_equal(run("a\x1b]0;x\x1a" "b"), "ab");                /* SUB aborts an OSC */
    assert_string_equal(run("a\x1b\x1b[1mb"), "ab");                    /* ESC restarts */
}

static void utf8_text_passes_c1_and_invalid_do_not(void **state)
{
    (void)state;
    assert_string_equal(run("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0."), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0.");
    assert_string_equal(run("a\xc2\x9b" "31mb"), "a31mb");       /* C1 CSI in UTF-8: dropped */
    assert_string_equal(run("a\x9b" "31mb"), "a?31mb");          /* raw 8-bit CSI: not UTF-8 */
    assert_string_equal(run("a\xc0\xafz"), "a??z");              /* overlong */
    assert_string_equal(run("a\xe0\x80\x80z"), "a?z");           /* overlong, 3 bytes */
    assert_string_equal(run("a\xed\xa0\x80z"), "a?z");           /* surrogate */
    assert_string_equal(run("a\xf4\x90\x80\x80z"), "a?z");       /* beyond U+10FFFF */
    assert_string_equal(run("a\xe2\x82z"), "a?z");               /* cut short */
    assert_string_equal(run("a\xe2\x82\x1b[1mz"), "a?z");        /* cut short by an escape */
    assert_string_equal(run("\xff\xfe"), "??");
}

static void state_carries_across_calls(void **state)
{
    (void)state;
    struct tty_filter f;
    tty_filter_init(&f);
    assert_string_equal(run_on(&f, "ab\x1b]0;PWN", 9), "ab");
    assert_string_equal(run_on(&f, "ED\x07" "cd\xe2\x82", 7), "cd");
    assert_string_equal(run_on(&f, "\xac!", 2), "\xe2\x82\xac!");
}

static void endless_control_string_is_given_up(void **state)
{
    (void)state;
    char s[TTY_FILTER_MAX_SEQ + 64];
    s[0] = 0x1b;
    s[1] = ']';
    memset(s + 2, 'x', sizeof(s) - 3);
    s[sizeof(s) - 1] = '\0';
    const char *out = run(s);
    /* the first TTY_FILTER_MAX_SEQ bytes after ESC go; then it is text again */
    assert_int_equal(strlen(out), sizeof(s) - 2 - TTY_FILTER_MAX_SEQ);
}

static void reset_sequence_is_itself_filtered_away(void **state)
{
    (void)state;
    assert_string_equal(run("a" TTY_RESET "b"), "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_tab_and_newline_pass),
        cmocka_unit_test(controls_are_dropped),
        cmocka_unit_test(escape_sequences_are_removed_whole),
        cmocka_unit_test(utf8_text_passes_c1_and_invalid_do_not),
        cmocka_unit_test(state_carries_across_calls),
        cmocka_unit_test(endless_control_string_is_given_up),
        cmocka_unit_test(reset_sequence_is_itself_filtered_away),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
