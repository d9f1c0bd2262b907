/* Unit tests for the TOML 1.0 parser (lib/src/toml.c). Conformance against a reference
 * parser lives in tests/unit/lib/toml_differential.py; these pin down our own API, error
 * positions and messages, the arena and the limits. */
/* cmocka needs these first, in this order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* (separate block so include sorting leaves the order alone) */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <lib/string.h>
#include <lib/toml.h>
#include <lib/types.h>

static _Alignas(8) u8 arena[1 << 20];

static const struct toml_value *parse(const char *src)
{
    struct toml_error e;
    const struct toml_value *root = toml_parse(src, strlen(src), arena, sizeof(arena), &e);
    if (!root)
        print_error("unexpected parse error %d:%d: %s\ninput:\n%s\n", e.line, e.column, e.msg, src);
    assert_non_null(root);
    return root;
}

/* Walks a dotted path of plain keys ("a.b.c"); array indices are not supported here. */
static const struct toml_value *get(const struct toml_value *t, const char *path)
{
    char key[64];
    while (t && *path) {
        size_t n = 0;
        while (path[n] && path[n] != '.')
            n++;
        assert_true(n < sizeof(key));
        memcpy(key, path, n);
        key[n] = '\0';
        t = toml_table_get(t, key);
        path += n + (path[n] == '.');
    }
    return t;
}

static s64 get_int(const struct toml_value *t, const char *path)
{
    s64 v = 0;
    if (!toml_as_int(get(t, path), &v))
        fail_msg("%s is not an integer", path);
    return v;
}

static const char *get_str(const struct toml_value *t, const char *path)
{
    const char *s = NULL;
    if (!toml_as_string(get(t, path), &s, NULL))
        fail_msg("%s is not a string", path);
    return s;
}

static const char *get_text(const struct toml_value *t, const char *path)
{
    const char *s = NULL;
    if (!toml_as_text(get(t, path), &s))
        fail_msg("%s is not a float or datetime", path);
    return s;
}

struct err_case {
    const char *src;
    int line, column;
    const char *msg; /* substring of the expected message */
};

static void check_errors_n(const struct err_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct toml_error e;
        const struct err_case *c = &cases[i];
        const struct toml_value *root = toml_parse(c->src, strlen(c->src), arena, sizeof(arena), &e);
        if (root || e.line != c->line || e.column != c->column || !strstr(e.msg, c->msg))
            fail_msg("input %zu:\n%s\n got: %s %d:%d: %s\nwant: %d:%d: %s", i, c->src, root ? "accepted" : "",
                     e.line, e.column, e.msg, c->line, c->column, c->msg);
    }
}

#define check_errors(cases) check_errors_n(cases, ARRAY_SIZE(cases))

/* ---- whole documents ------------------------------------------------------------------- */

static void parses_axvisor_vm_config(void **state)
{
    (void)state;
    const char *src = "[base]\n"
                      "id = 1\n"
                      "name = \"linux-qemu\"\n"
                      "vm_type = 1\n"
                      "cpu_num = 1\n"
                      "phys_cpu_ids = [0x00]\n"
                      "[kernel]\n"
                      "entry_point = 0x8020_0000\n"
                      "image_location = \"memory\"\n"
                      "kernel_path = \"linux.bin\"\n"
                      "kernel_load_addr = 0x8020_0000\n"
                      "memory_regions = [\n"
                      "    [0x8000_0000, 0x1000_0000, 0x7, 1], # System RAM\n"
                      "]\n"
                      "[devices]\n"
                      "passthrough_devices = [[\"/\"]]\n"
                      "emu_devices = []\n"
                      "interrupt_mode = \"passthrough\"\n";
    const struct toml_value *root = parse(src);
    assert_int_equal(toml_table_len(root), 3);
    assert_string_equal(toml_table_key_at(root, 0), "base");
    assert_string_equal(toml_table_key_at(root, 1), "kernel");
    assert_string_equal(toml_table_key_at(root, 2), "devices");

    const struct toml_value *base = get(root, "base");
    assert_int_equal(toml_line_of(base), 1);
    assert_int_equal(toml_table_len(base), 5);
    assert_int_equal(get_int(base, "id"), 1);
    assert_string_equal(get_str(base, "name"), "linux-qemu");
    assert_int_equal(get_int(base, "vm_type"), 1);
    assert_int_equal(get_int(base, "cpu_num"), 1);
    const struct toml_value *ids = get(base, "phys_cpu_ids");
    assert_int_equal(toml_type_of(ids), TOML_ARRAY);
    assert_int_equal(toml_array_len(ids), 1);
    s64 v;
    assert_true(toml_as_int(toml_array_at(ids, 0), &v));
    assert_int_equal(v, 0);
    assert_int_equal(toml_line_of(ids), 6);

    const struct toml_value *kernel = get(root, "kernel");
    assert_int_equal(toml_line_of(kernel), 7);
    assert_int_equal(get_int(kernel, "entry_point"), 0x80200000);
    assert_int_equal(get_int(kernel, "kernel_load_addr"), 0x80200000);
    assert_string_equal(get_str(kernel, "image_location"), "memory");
    assert_string_equal(get_str(kernel, "kernel_path"), "linux.bin");
    const struct toml_value *regions = get(kernel, "memory_regions");
    assert_int_equal(toml_array_len(regions), 1);
    const struct toml_value *r0 = toml_array_at(regions, 0);
    assert_int_equal(toml_line_of(r0), 13);
    static const s64 want[] = {0x80000000, 0x10000000, 7, 1};
    assert_int_equal(toml_array_len(r0), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_true(toml_as_int(toml_array_at(r0, i), &v));
        assert_int_equal(v, want[i]);
        assert_int_equal(toml_line_of(toml_array_at(r0, i)), 13);
    }

    const struct toml_value *dev = get(root, "devices");
    const struct toml_value *pt = get(dev, "passthrough_devices");
    assert_int_equal(toml_array_len(pt), 1);
    assert_int_equal(toml_array_len(toml_array_at(pt, 0)), 1);
    const char *s;
    size_t len;
    assert_true(toml_as_string(toml_array_at(toml_array_at(pt, 0), 0), &s, &len));
    assert_string_equal(s, "/");
    assert_int_equal(len, 1);
    assert_int_equal(toml_type_of(get(dev, "emu_devices")), TOML_ARRAY);
    assert_int_equal(toml_array_len(get(dev, "emu_devices")), 0);
    assert_string_equal(get_str(dev, "interrupt_mode"), "passthrough");
    assert_int_equal(toml_line_of(get(dev, "interrupt_mode")), 18);
}

static void parses_empty_and_comment_only_documents(void **state)
{
    (void)state;
    static const char *docs[] = {"", "\n", "\r\n", "   \t  ", "# c", "# c\n\n  # d\r\n", "\n\n\n"};
    for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
        const struct toml_value *root = parse(docs[i]);
        assert_int_equal(toml_type_of(root), TOML_TABLE);
        assert_int_equal(toml_table_len(root), 0);
        assert_int_equal(toml_line_of(root), 1);
    }
    struct toml_error e;
    assert_non_null(toml_parse(NULL, 0, arena, sizeof(arena), &e));
}

/* ---- keys ------------------------------------------------------------------------------ */

static void keys_bare_quoted_dotted_in_order(void **state)
{
    (void)state;
    const struct toml_value *root = parse("zeta = 1\n"
                                          "bare_key-9 = 2\n"
                                          "1234 = 3\n"
                                          "\"quoted key\" = 4\n"
                                          "'lit.eral' = 5\n"
                                          "\"\" = 6\n"
                                          "a . b.\"c d\" = 7\n"
                                          "a.b.e = 8\n"
                                          "true = 9\n"
                                          "\"\\u00e9t\\u00e9\" = 10\n");
    static const char *keys[] = {"zeta", "bare_key-9", "1234", "quoted key", "lit.eral",
                                 "",     "a",          "true", "été"};
    assert_int_equal(toml_table_len(root), ARRAY_SIZE(keys));
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        assert_string_equal(toml_table_key_at(root, i), keys[i]);
    s64 v; /* get() splits on '.', so "lit.eral" is looked up directly */
    assert_true(toml_as_int(toml_table_get(root, "lit.eral"), &v));
    assert_int_equal(v, 5);
    assert_true(toml_as_int(toml_table_get(root, ""), &v));
    assert_int_equal(v, 6);
    const struct toml_value *b = get(root, "a.b");
    assert_int_equal(toml_table_len(b), 2);
    assert_string_equal(toml_table_key_at(b, 0), "c d");
    assert_string_equal(toml_table_key_at(b, 1), "e");
    assert_true(toml_as_int(toml_table_get(b, "c d"), &v));
    assert_int_equal(v, 7);
    assert_int_equal(toml_line_of(get(root, "a")), 7);
    assert_int_equal(get_int(root, "été"), 10);
}

static void keys_with_nul_need_length_aware_lookup(void **state)
{
    (void)state;
    const struct toml_value *root = parse("\"a\\u0000b\" = 1\na = 2\n");
    assert_int_equal(toml_table_len(root), 2);
    assert_int_equal(toml_table_key_len_at(root, 0), 3);
    assert_memory_equal(toml_table_key_at(root, 0), "a\0b", 4);
    assert_int_equal(toml_table_key_len_at(root, 1), 1);
    assert_int_equal(toml_table_key_len_at(root, 2), 0);
    s64 v;
    assert_true(toml_as_int(toml_table_getn(root, "a\0b", 3), &v));
    assert_int_equal(v, 1);
    assert_true(toml_as_int(toml_table_get(root, "a"), &v)); /* "a" is the other key */
    assert_int_equal(v, 2);
    assert_null(toml_table_getn(root, "a\0c", 3));
}

static void big_tables_use_the_hash_index(void **state)
{
    (void)state;
    static char src[64 * 1024];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(src + n, sizeof(src) - n, "key_%d = %d\n", i, i * 3);
    const struct toml_value *root = parse(src);
    assert_int_equal(toml_table_len(root), 1000);
    for (int i = 0; i < 1000; i++) {
        char key[16];
        snprintf(key, sizeof(key), "key_%d", i);
        assert_string_equal(toml_table_key_at(root, (size_t)i), key);
        assert_int_equal(get_int(root, key), i * 3);
    }
    assert_null(toml_table_get(root, "key_1000"));
    assert_null(toml_table_get(root, "key_"));

    /* A duplicate is still found once the index exists. */
    n += (size_t)snprintf(src + n, sizeof(src) - n, "key_777 = 0\n");
    struct toml_error e;
    assert_null(toml_parse(src, n, arena, sizeof(arena), &e));
    assert_int_equal(e.line, 1001);
    assert_int_equal(e.column, 1);
    assert_string_equal(e.msg, "duplicate key 'key_777'");
}

static void key_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a 1\n", 1, 3, "expected '=' after key"},
        {"a\n= 1\n", 1, 2, "expected '=' after key"},
        {"x = 1\n = 1\n", 2, 2, "expected a key"},
        {"a. = 1\n", 1, 4, "expected a key"},
        {"a..b = 1\n", 1, 3, "expected a key"},
        {"\"\"\"a\"\"\" = 1\n", 1, 3, "expected '=' after key"},
        {"\xc3\xa9 = 1\n", 1, 1, "expected a key"},
        {"\"a\nb\" = 1\n", 1, 1, "unterminated string"},
        {"name = 1\nname = 2\n", 2, 1, "duplicate key 'name'"},
        {"name = 1\n\"name\" = 2\n", 2, 1, "duplicate key 'name'"},
        {"a.b = 1\na.b = 2\n", 2, 3, "duplicate key 'b'"},
        {"a = 1\na.b = 2\n", 2, 1, "key 'a' is not a table"},
        {"a = [1]\na.b = 2\n", 2, 1, "key 'a' is not a table"},
        {"a =", 1, 4, "unexpected end of input, expected a value"},
        {"a", 1, 2, "expected '=' after key"},
        {"a.", 1, 3, "unexpected end of input, expected a key"},
        {"a = 1 b = 2\n", 1, 7, "expected newline after value"},
        {"a = = 1\n", 1, 5, "expected a value"},
        {"\"\\u0001x\" = 1\n\"\\u0001x\" = 2\n", 2, 1, "duplicate key '?x'"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n",
         2, 1, "duplicate key 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
    };
    check_errors(cases);
}

/* ---- strings --------------------------------------------------------------------------- */

static void basic_string_escapes(void **state)
{
    (void)state;
    const struct toml_value *root = parse("s = \"\\b\\t\\n\\f\\r\\\"\\\\ tab:\t.\"\n"
                                          "u = \"\\u00e9\\u20AC\\U0001F600\\U0010ffff\\u007F\"\n"
                                          "nul = \"a\\u0000b\"\n"
                                          "empty = \"\"\n"
                                          "raw = \"\xe6\xbc\xa2\xf0\x9f\x91\x8d\"\n");
    assert_string_equal(get_str(root, "s"), "\b\t\n\f\r\"\\ tab:\t.");
    assert_string_equal(get_str(root, "u"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\x7f");
    const char *s;
    size_t len;
    assert_true(toml_as_string(get(root, "nul"), &s, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 4);
    assert_true(toml_as_string(get(root, "empty"), &s, &len));
    assert_int_equal(len, 0);
    assert_string_equal(s, "");
    assert_string_equal(get_str(root, "raw"), "\xe6\xbc\xa2\xf0\x9f\x91\x8d");
}

static void multiline_strings(void **state)
{
    (void)state;
    const struct toml_value *root = parse("a = \"\"\"\nRoses\nViolets\"\"\"\n"
                                          "b = \"\"\"\\\n    The quick \\\n\n   fox.\\\n   \"\"\"\n"
                                          "c = \"\"\"one \" two \"\" end\"\"\"\n"
                                          "d = \"\"\"x\"\"\"\"\"\n"
                                          "e = \"\"\"\r\nwin\r\ndows\"\"\"\n"
                                          "f = \"\"\"a \\  \t \n  b\"\"\"\n"
                                          "g = '''\nraw \\n 'q' ''x''''\n"
                                          "h = ''''''\n"
                                          "i = \"\"\" first \"\"\"\n"
                                          "j = \"\"\"\\u00e9\\t\"\"\"\n");
    assert_string_equal(get_str(root, "a"), "Roses\nViolets");
    assert_string_equal(get_str(root, "b"), "The quick fox.");
    assert_string_equal(get_str(root, "c"), "one \" two \"\" end");
    assert_string_equal(get_str(root, "d"), "x\"\"");
    assert_string_equal(get_str(root, "e"), "win\ndows");
    assert_string_equal(get_str(root, "f"), "a b");
    assert_string_equal(get_str(root, "g"), "raw \\n 'q' ''x'");
    assert_string_equal(get_str(root, "h"), "");
    assert_string_equal(get_str(root, "i"), " first ");
    assert_string_equal(get_str(root, "j"), "\xc3\xa9\t");
    assert_int_equal(toml_line_of(get(root, "b")), 4);
    assert_int_equal(toml_line_of(get(root, "c")), 9);
}

static void literal_strings(void **state)
{
    (void)state;
    const struct toml_value *root = parse("p = 'C:\\Users\\nodejs'\n"
                                          "q = 'Tom \"Dubs\" Preston'\n"
                                          "r = '<\\i\\c*\\s*>'\n"
                                          "e = ''\n");
    assert_string_equal(get_str(root, "p"), "C:\\Users\\nodejs");
    assert_string_equal(get_str(root, "q"), "Tom \"Dubs\" Preston");
    assert_string_equal(get_str(root, "r"), "<\\i\\c*\\s*>");
    assert_string_equal(get_str(root, "e"), "");
}

static void string_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a = \"\\x41\"\n", 1, 6, "invalid escape sequence '\\x'"},
        {"a = \"\\e\"\n", 1, 6, "invalid escape sequence '\\e'"},
        {"a = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value"},
        {"a = \"\\uDFFF\"\n", 1, 6, "not a Unicode scalar value"},
        {"a = \"\\U00110000\"\n", 1, 6, "not a Unicode scalar value"},
        {"a = \"\\UFFFFFFFF\"\n", 1, 6, "not a Unicode scalar value"},
        {"a = \"\\u12\"\n", 1, 6, "\\u escape needs 4 hex digits"},
        {"a = \"\\U1234567\"\n", 1, 6, "\\U escape needs 8 hex digits"},
        {"a = \"\\u12g4\"\n", 1, 6, "\\u escape needs 4 hex digits"},
        {"a = \"abc\n", 1, 5, "unterminated string"},
        {"a = \"abc", 1, 5, "unterminated string"},
        {"a = 'abc\nd'\n", 1, 5, "unterminated string"},
        {"x = 1\na = \"a\x01\"\n", 2, 7, "control character U+0001 in string"},
        {"a = \"a\x7f\"\n", 1, 7, "control character U+007F in string"},
        {"a = 'a\x08'\n", 1, 7, "control character U+0008 in string"},
        {"a = \"a\rb\"\n", 1, 7, "carriage return not followed by line feed"},
        {"a = \"\"\"\nabc\n", 1, 5, "unterminated multi-line string"},
        {"a = '''abc", 1, 5, "unterminated multi-line string"},
        {"a = \"\"\"x\"\"\"\"\"\"\n", 1, 9, "too many quotes"},
        {"a = '''x''''''\n", 1, 9, "too many quotes"},
        {"a = \"\"\"\nline\nbad\x0b\"\"\"\n", 3, 4, "control character U+000B in string"},
        {"a = \"\"\"a\\ b\"\"\"\n", 1, 9, "invalid escape sequence '\\ '"},
        {"a = \"\"\"a\rb\"\"\"\n", 1, 9, "carriage return"},
        {"a = \"x\" y\n", 1, 9, "expected newline after value"},
        {"a = \"\"\"x\"\"\" \"\n", 1, 13, "expected newline after value"},
    };
    check_errors(cases);
}

/* ---- numbers and booleans -------------------------------------------------------------- */

static void integers(void **state)
{
    (void)state;
    const struct toml_value *root =
        parse("a = 42\nb = +99\nc = -17\nd = 0\ne = +0\nf = -0\n"
              "g = 1_000\nh = 5_349_221\ni = 1_2_3\n"
              "max = 9223372036854775807\nmin = -9223372036854775808\n"
              "h1 = 0xDEADbeef\nh2 = 0xdead_beef\nh3 = 0x00ff\nhmax = 0x7FFF_FFFF_FFFF_FFFF\n"
              "o1 = 0o755\no2 = 0o0_1\nomax = 0o777777777777777777777\n"
              "b1 = 0b1101_0110\nbmax = 0b"
              "111111111111111111111111111111111111111111111111111111111111111\n");
    assert_int_equal(get_int(root, "a"), 42);
    assert_int_equal(get_int(root, "b"), 99);
    assert_int_equal(get_int(root, "c"), -17);
    assert_int_equal(get_int(root, "d"), 0);
    assert_int_equal(get_int(root, "e"), 0);
    assert_int_equal(get_int(root, "f"), 0);
    assert_int_equal(get_int(root, "g"), 1000);
    assert_int_equal(get_int(root, "h"), 5349221);
    assert_int_equal(get_int(root, "i"), 123);
    assert_true(get_int(root, "max") == INT64_MAX);
    assert_true(get_int(root, "min") == INT64_MIN);
    assert_int_equal(get_int(root, "h1"), 0xdeadbeef);
    assert_int_equal(get_int(root, "h2"), 0xdeadbeef);
    assert_int_equal(get_int(root, "h3"), 255);
    assert_true(get_int(root, "hmax") == INT64_MAX);
    assert_int_equal(get_int(root, "o1"), 0755);
    assert_int_equal(get_int(root, "o2"), 1);
    assert_true(get_int(root, "omax") == INT64_MAX);
    assert_int_equal(get_int(root, "b1"), 0xd6);
    assert_true(get_int(root, "bmax") == INT64_MAX);
    assert_int_equal(toml_type_of(get(root, "a")), TOML_INTEGER);
    assert_false(toml_as_text(get(root, "a"), NULL));
    assert_false(toml_as_bool(get(root, "a"), NULL));
}

static void integer_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a = 9223372036854775808\n", 1, 5, "integer overflow"},
        {"a = -9223372036854775809\n", 1, 5, "integer overflow"},
        {"a = 99999999999999999999999\n", 1, 5, "integer overflow"},
        {"a = 0x8000000000000000\n", 1, 5, "integer overflow"},
        {"a = 0xffff_ffff_ffff_ffff\n", 1, 5, "integer overflow"},
        {"a = 0o1000000000000000000000\n", 1, 5, "integer overflow"},
        {"a = 0b1000000000000000000000000000000000000000000000000000000000000000\n", 1, 5,
         "integer overflow"},
        {"a = 012\n", 1, 5, "leading zeros are not allowed"},
        {"a = -01\n", 1, 5, "leading zeros are not allowed"},
        {"a = 0_1\n", 1, 5, "leading zeros are not allowed"},
        {"a = 00\n", 1, 5, "leading zeros are not allowed"},
        {"a = _1\n", 1, 5, "'_' must be between digits"},
        {"a = 1_\n", 1, 5, "'_' must be between digits"},
        {"a = 1__2\n", 1, 5, "'_' must be between digits"},
        {"a = 0x_1\n", 1, 5, "'_' must be between digits"},
        {"a = -_1\n", 1, 5, "'_' must be between digits"},
        {"a = +0x10\n", 1, 5, "cannot have a sign"},
        {"a = -0b1\n", 1, 5, "cannot have a sign"},
        {"a = 0X10\n", 1, 5, "invalid integer"},
        {"a = 0x\n", 1, 5, "invalid integer"},
        {"a = 0xg\n", 1, 5, "invalid integer"},
        {"a = 0o8\n", 1, 5, "invalid integer"},
        {"a = 0b2\n", 1, 5, "invalid integer"},
        {"a = +-1\n", 1, 5, "invalid integer"},
        {"a = +\n", 1, 5, "invalid integer"},
        {"a = 1-2\n", 1, 5, "invalid integer"},
        {"a = 1:\n", 1, 5, "invalid integer"},
        {"x = 1\n\n  y = [1, 2, 3_]\n", 3, 14, "'_' must be between digits"},
    };
    check_errors(cases);
}

static void floats_are_validated_text(void **state)
{
    (void)state;
    const struct toml_value *root =
        parse("a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\n"
              "g = 6.626e-34\nh = 224_617.445_991_228\ni = inf\nj = +inf\nk = -inf\n"
              "l = nan\nm = +nan\nn = -nan\no = -0.0\np = 0e0\nq = 1_0.0_1e1_0\n");
    static const char *const want[][2] = {
        {"a", "+1.0"},        {"b", "3.1415"}, {"c", "-0.01"},     {"d", "5e+22"},
        {"e", "1e06"},        {"f", "-2E-2"},  {"g", "6.626e-34"}, {"h", "224_617.445_991_228"},
        {"i", "inf"},         {"j", "+inf"},   {"k", "-inf"},      {"l", "nan"},
        {"m", "+nan"},        {"n", "-nan"},   {"o", "-0.0"},      {"p", "0e0"},
        {"q", "1_0.0_1e1_0"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const struct toml_value *v = get(root, want[i][0]);
        assert_int_equal(toml_type_of(v), TOML_FLOAT);
        assert_string_equal(get_text(root, want[i][0]), want[i][1]);
        assert_false(toml_as_int(v, NULL));
        assert_false(toml_as_string(v, NULL, NULL));
        assert_int_equal(toml_datetime_kind(v), TOML_DT_NONE);
    }
}

static void float_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a = .5\n", 1, 5, "invalid float"},
        {"a = 1.\n", 1, 5, "expected digits after '.'"},
        {"a = 1.e5\n", 1, 5, "expected digits after '.'"},
        {"a = 1e\n", 1, 5, "expected digits in exponent"},
        {"a = 1e+\n", 1, 5, "expected digits in exponent"},
        {"a = 1e_5\n", 1, 5, "expected digits in exponent"},
        {"a = 1e5_\n", 1, 5, "invalid float"},
        {"a = 1_.5\n", 1, 5, "invalid float"},
        {"a = 1._5\n", 1, 5, "expected digits after '.'"},
        {"a = 1.5_\n", 1, 5, "invalid float"},
        {"a = 01.5\n", 1, 5, "leading zeros are not allowed"},
        {"a = -01.5\n", 1, 5, "leading zeros are not allowed"},
        {"a = 1.2.3\n", 1, 5, "invalid float"},
        {"a = 1e5.5\n", 1, 5, "invalid float"},
        {"a = +.1\n", 1, 5, "invalid float"},
        {"a = Inf\n", 1, 5, "strings must be quoted"},
        {"a = infinity\n", 1, 5, "strings must be quoted"},
        {"a = nan_\n", 1, 5, "strings must be quoted"},
        {"a = -nan1\n", 1, 5, "strings must be quoted"},
        {"a = 1.0f\n", 1, 5, "invalid float"},
    };
    check_errors(cases);
}

static void booleans(void **state)
{
    (void)state;
    const struct toml_value *root = parse("t = true\nf = false\n");
    bool b = false;
    assert_true(toml_as_bool(get(root, "t"), &b));
    assert_true(b);
    assert_true(toml_as_bool(get(root, "f"), &b));
    assert_false(b);
    assert_int_equal(toml_type_of(get(root, "t")), TOML_BOOL);
    assert_false(toml_as_int(get(root, "t"), NULL));
    static const struct err_case cases[] = {
        {"a = True\n", 1, 5, "strings must be quoted"},
        {"a = truely\n", 1, 5, "strings must be quoted"},
        {"a = fals\n", 1, 5, "strings must be quoted"},
        {"a = hello\n", 1, 5, "strings must be quoted"},
        {"a = true false\n", 1, 10, "expected newline after value"},
    };
    check_errors(cases);
}

/* ---- date/times ------------------------------------------------------------------------ */

static void datetimes(void **state)
{
    (void)state;
    const struct toml_value *root = parse("odt1 = 1979-05-27T07:32:00Z\n"
                                          "odt2 = 1979-05-27T00:32:00.999999-07:00\n"
                                          "odt3 = 1979-05-27 07:32:00+05:30\n"
                                          "odt4 = 1979-05-27t07:32:00z\n"
                                          "ldt1 = 1979-05-27T07:32:00\n"
                                          "ldt2 = 1979-05-27 00:32:00.5\n"
                                          "ld1 = 1979-05-27\n"
                                          "ld2 = 2000-02-29 # leap year\n"
                                          "ld3 = 2024-02-29\n"
                                          "lt1 = 07:32:00\n"
                                          "lt2 = 00:32:00.999999999\n"
                                          "leap_second = 2016-12-31T23:59:60Z\n"
                                          "year_zero = 0000-01-01\n"
                                          "arr = [1979-05-27, 07:32:00 ,1979-05-27 07:32:00]\n");
    static const struct {
        const char *key, *text;
        enum toml_datetime_kind kind;
    } want[] = {
        {"odt1", "1979-05-27T07:32:00Z", TOML_DT_OFFSET_DATETIME},
        {"odt2", "1979-05-27T00:32:00.999999-07:00", TOML_DT_OFFSET_DATETIME},
        {"odt3", "1979-05-27 07:32:00+05:30", TOML_DT_OFFSET_DATETIME},
        {"odt4", "1979-05-27t07:32:00z", TOML_DT_OFFSET_DATETIME},
        {"ldt1", "1979-05-27T07:32:00", TOML_DT_LOCAL_DATETIME},
        {"ldt2", "1979-05-27 00:32:00.5", TOML_DT_LOCAL_DATETIME},
        {"ld1", "1979-05-27", TOML_DT_LOCAL_DATE},
        {"ld2", "2000-02-29", TOML_DT_LOCAL_DATE},
        {"ld3", "2024-02-29", TOML_DT_LOCAL_DATE},
        {"lt1", "07:32:00", TOML_DT_LOCAL_TIME},
        {"lt2", "00:32:00.999999999", TOML_DT_LOCAL_TIME},
        {"leap_second", "2016-12-31T23:59:60Z", TOML_DT_OFFSET_DATETIME},
        {"year_zero", "0000-01-01", TOML_DT_LOCAL_DATE},
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const struct toml_value *v = get(root, want[i].key);
        assert_int_equal(toml_type_of(v), TOML_DATETIME);
        assert_string_equal(get_text(root, want[i].key), want[i].text);
        assert_int_equal(toml_datetime_kind(v), want[i].kind);
        assert_int_equal(toml_line_of(v), (int)i + 1);
    }
    const struct toml_value *arr = get(root, "arr");
    assert_int_equal(toml_array_len(arr), 3);
    assert_int_equal(toml_datetime_kind(toml_array_at(arr, 0)), TOML_DT_LOCAL_DATE);
    assert_int_equal(toml_datetime_kind(toml_array_at(arr, 1)), TOML_DT_LOCAL_TIME);
    assert_int_equal(toml_datetime_kind(toml_array_at(arr, 2)), TOML_DT_LOCAL_DATETIME);
}

static void datetime_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a = 2021-13-01\n", 1, 5, "month must be 01-12"},
        {"a = 2021-00-01\n", 1, 5, "month must be 01-12"},
        {"a = 2021-01-00\n", 1, 5, "day out of range"},
        {"a = 2021-01-32\n", 1, 5, "day out of range"},
        {"a = 2021-02-29\n", 1, 5, "day out of range"},
        {"a = 1900-02-29\n", 1, 5, "day out of range"},
        {"a = 2021-04-31\n", 1, 5, "day out of range"},
        {"a = 2021-1-01\n", 1, 5, "malformed date"},
        {"a = 2021-01-1\n", 1, 5, "malformed date"},
        {"a = 2021-01-01T\n", 1, 5, "malformed time"},
        {"a = 2021-01-01X07:00:00\n", 1, 5, "malformed date-time"},
        {"a = 24:00:00\n", 1, 5, "hour must be 00-23"},
        {"a = 12:60:00\n", 1, 5, "minute must be 00-59"},
        {"a = 12:00:61\n", 1, 5, "second must be 00-60"},
        {"a = 07:32\n", 1, 5, "malformed time"},
        {"a = 7:32:00\n", 1, 5, "invalid integer"},
        {"a = 07:32:00Z\n", 1, 5, "malformed time"},
        {"a = 07:32:00.\n", 1, 5, "expected digits after '.'"},
        {"a = 1979-05-27T07:32:00+24:00\n", 1, 5, "invalid time offset"},
        {"a = 1979-05-27T07:32:00-07:60\n", 1, 5, "invalid time offset"},
        {"a = 1979-05-27T07:32:00+0700\n", 1, 5, "malformed date-time"},
        {"a = 1979-05-27T07:32:00+07:00:00\n", 1, 5, "malformed date-time"},
        {"a = 1979-05-27T07:32:00ZZ\n", 1, 5, "malformed date-time"},
        {"a = 1979-05-27  07:32:00\n", 1, 17, "expected newline after value"},
        {"a = 1979-05-27 07:32\n", 1, 5, "malformed time"},
        {"a = 1979-05-27_\n", 1, 5, "malformed date"},
    };
    check_errors(cases);
}

/* ---- arrays and tables ----------------------------------------------------------------- */

static void arrays(void **state)
{
    (void)state;
    const struct toml_value *root = parse("empty = []\n"
                                          "nested = [[1, 2], [\"a\"], [], [[true]]]\n"
                                          "mixed = [1, 'two', 3.0, false, 1979-05-27, {x = 1}]\n"
                                          "trailing = [1, 2,]\n"
                                          "multi = [ # comment\n"
                                          "  1, # one\n"
                                          "\n"
                                          "  # alone\n"
                                          "  2\n"
                                          "  , 3\n"
                                          "]\n");
    assert_int_equal(toml_array_len(get(root, "empty")), 0);
    assert_null(toml_array_at(get(root, "empty"), 0));
    const struct toml_value *nested = get(root, "nested");
    assert_int_equal(toml_array_len(nested), 4);
    assert_int_equal(toml_array_len(toml_array_at(nested, 0)), 2);
    assert_int_equal(toml_array_len(toml_array_at(nested, 2)), 0);
    bool b = false;
    assert_true(toml_as_bool(toml_array_at(toml_array_at(toml_array_at(nested, 3), 0), 0), &b));
    assert_true(b);
    const struct toml_value *mixed = get(root, "mixed");
    static const enum toml_type types[] = {TOML_INTEGER, TOML_STRING,   TOML_FLOAT,
                                           TOML_BOOL,    TOML_DATETIME, TOML_TABLE};
    assert_int_equal(toml_array_len(mixed), ARRAY_SIZE(types));
    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        assert_int_equal(toml_type_of(toml_array_at(mixed, i)), types[i]);
    assert_int_equal(toml_array_len(get(root, "trailing")), 2);
    const struct toml_value *multi = get(root, "multi");
    assert_int_equal(toml_array_len(multi), 3);
    assert_int_equal(toml_line_of(toml_array_at(multi, 0)), 6);
    assert_int_equal(toml_line_of(toml_array_at(multi, 1)), 9);
    assert_int_equal(toml_line_of(toml_array_at(multi, 2)), 10);

    static const struct err_case cases[] = {
        {"a = [1 2]\n", 1, 8, "expected ',' or ']' in array"},
        {"a = [,1]\n", 1, 6, "expected a value"},
        {"a = [1,,2]\n", 1, 8, "expected a value"},
        {"a = [,]\n", 1, 6, "expected a value"},
        {"a = [1, 2\n", 1, 5, "unterminated array"},
        {"a = [1,\n2,\n", 1, 5, "unterminated array"},
        {"a = [\n  1,\n  # \x01\n]\n", 3, 5, "control character U+0001 in comment"},
        {"a = [1]]\n", 1, 8, "expected newline after value"},
    };
    check_errors(cases);
}

static void inline_tables(void **state)
{
    (void)state;
    const struct toml_value *root = parse("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                                          "empty = {}\n"
                                          "nested = { a = { b = { c = 1 } }, d = [1, {e = 2}] }\n"
                                          "dotted = { a.b = 1, a.c = 2, x = 3 }\n"
                                          "ml = { list = [\n 1,\n 2\n] }\n");
    const struct toml_value *name = get(root, "name");
    assert_int_equal(toml_type_of(name), TOML_TABLE);
    assert_int_equal(toml_table_len(name), 2);
    assert_string_equal(toml_table_key_at(name, 1), "last");
    assert_string_equal(get_str(name, "last"), "Preston-Werner");
    assert_int_equal(toml_table_len(get(root, "empty")), 0);
    assert_int_equal(get_int(root, "nested.a.b.c"), 1);
    const struct toml_value *d = get(root, "nested.d");
    assert_int_equal(get_int(toml_array_at(d, 1), "e"), 2);
    assert_int_equal(get_int(root, "dotted.a.b"), 1);
    assert_int_equal(get_int(root, "dotted.a.c"), 2);
    assert_int_equal(toml_table_len(get(root, "dotted")), 2);
    assert_int_equal(toml_array_len(get(root, "ml.list")), 2);

    static const struct err_case cases[] = {
        {"a = {b = 1,}\n", 1, 12, "trailing comma not allowed in inline table"},
        {"a = {b = 1,\nc = 2}\n", 1, 12, "newline not allowed in inline table"},
        {"a = {\nb = 1}\n", 1, 6, "newline not allowed in inline table"},
        {"a = {b = 1\n}\n", 1, 11, "newline not allowed in inline table"},
        {"a = {b = 1", 1, 5, "unterminated inline table"},
        {"a = {b = 1 c = 2}\n", 1, 12, "expected ',' or '}' in inline table"},
        {"a = {b = 1 # c\n}\n", 1, 12, "expected ',' or '}' in inline table"},
        {"a = {b = 1, b = 2}\n", 1, 13, "duplicate key 'b'"},
        {"a = {,}\n", 1, 6, "expected a key"},
        {"a = {b = {c = 1}, b.d = 2}\n", 1, 19, "cannot extend inline table 'b'"},
        {"a = {b.c = 1, b = 2}\n", 1, 15, "duplicate key 'b'"},
        /* Inline tables are immutable once closed. */
        {"a = {}\n[a]\n", 2, 2, "table 'a' is already defined"},
        {"a = {b = 1}\na.c = 2\n", 2, 1, "cannot extend inline table 'a'"},
        {"a = {b = {}}\n[a.b.c]\n", 2, 2, "cannot extend inline table 'a'"},
        {"a = {b = {}}\n[a.b]\n", 2, 2, "cannot extend inline table 'a'"},
        {"[t]\na = {b = 1}\n[t.a.c]\n", 3, 4, "cannot extend inline table 'a'"},
        {"a = {}\n[[a]]\n", 2, 3, "already defined as table"},
        {"a = [{b = 1}]\n[[a]]\n", 2, 3, "cannot append to static array 'a'"},
        {"a = [{b = 1}]\n[a.c]\n", 2, 2, "cannot add tables to static array 'a'"},
    };
    check_errors(cases);
}

static void tables_and_arrays_of_tables(void **state)
{
    (void)state;
    const struct toml_value *root = parse("top = 0\n"                  /* 1 */
                                          "[a.b.c]\n"                  /* 2 */
                                          "x = 1\n"                    /* 3 */
                                          "[ a ]  # defines a\n"       /* 4 */
                                          "y = 2\n"                    /* 5 */
                                          "b.z = 3\n"                  /* 6: implicit a.b */
                                          "[\"q k\" . 'lit' ]\n"       /* 7 */
                                          "[[fruit]]\n"                /* 8 */
                                          "name = \"apple\"\n"         /* 9 */
                                          "[fruit.physical]\n"         /* 10 */
                                          "color = \"red\"\n"          /* 11 */
                                          "[[fruit.variety]]\n"        /* 12 */
                                          "name = \"red delicious\"\n" /* 13 */
                                          "[[fruit]]\n"                /* 14 */
                                          "name = \"banana\"\n"        /* 15 */
                                          "[[fruit.variety]]\n"        /* 16 */
                                          "name = \"plantain\"\n"      /* 17 */
                                          "[dog.\"tater.man\"]\n"      /* 18 */
                                          "type.name = \"pug\"\n"      /* 19 */
                                          "[x.y]\n"                    /* 20 */
                                          "[x]\n"                      /* 21 */
                                          "[x.z]\n");                  /* 22 */
    assert_int_equal(toml_table_len(root), 6);
    assert_int_equal(get_int(root, "top"), 0);
    assert_int_equal(get_int(root, "a.b.c.x"), 1);
    assert_int_equal(get_int(root, "a.y"), 2);
    assert_int_equal(get_int(root, "a.b.z"), 3);
    const struct toml_value *a = get(root, "a");
    assert_int_equal(toml_line_of(a), 4);
    assert_string_equal(toml_table_key_at(a, 0), "b");
    assert_string_equal(toml_table_key_at(a, 1), "y");
    assert_int_equal(toml_line_of(get(root, "a.b.c")), 2);
    const struct toml_value *qk = toml_table_get(root, "q k");
    assert_int_equal(toml_type_of(toml_table_get(qk, "lit")), TOML_TABLE);
    assert_int_equal(toml_line_of(toml_table_get(qk, "lit")), 7);

    const struct toml_value *fruit = get(root, "fruit");
    assert_int_equal(toml_type_of(fruit), TOML_ARRAY);
    assert_int_equal(toml_array_len(fruit), 2);
    const struct toml_value *apple = toml_array_at(fruit, 0), *banana = toml_array_at(fruit, 1);
    assert_int_equal(toml_line_of(apple), 8);
    assert_int_equal(toml_line_of(banana), 14);
    assert_string_equal(get_str(apple, "name"), "apple");
    assert_string_equal(get_str(apple, "physical.color"), "red");
    assert_int_equal(toml_array_len(get(apple, "variety")), 1);
    assert_string_equal(get_str(toml_array_at(get(apple, "variety"), 0), "name"), "red delicious");
    assert_string_equal(get_str(banana, "name"), "banana");
    assert_null(get(banana, "physical"));
    assert_string_equal(get_str(toml_array_at(get(banana, "variety"), 0), "name"), "plantain");
    assert_string_equal(get_str(toml_table_get(get(root, "dog"), "tater.man"), "type.name"), "pug");
    const struct toml_value *x = get(root, "x");
    assert_int_equal(toml_line_of(x), 21);
    assert_string_equal(toml_table_key_at(x, 0), "y");
    assert_string_equal(toml_table_key_at(x, 1), "z");
}

static void dotted_key_tables(void **state)
{
    (void)state;
    const struct toml_value *root = parse("[fruit]\n"
                                          "apple.color = \"red\"\n"
                                          "apple.taste.sweet = true\n"
                                          "[fruit.apple.texture]\n"
                                          "smooth = true\n"
                                          "[other]\n"
                                          "p.q = 1\n"
                                          "z = 0\n"
                                          "p.r = 2\n");
    bool b = false;
    assert_true(toml_as_bool(get(root, "fruit.apple.taste.sweet"), &b) && b);
    assert_true(toml_as_bool(get(root, "fruit.apple.texture.smooth"), &b) && b);
    assert_int_equal(toml_table_len(get(root, "fruit.apple")), 3);
    assert_int_equal(get_int(root, "other.p.r"), 2);
    assert_int_equal(toml_line_of(get(root, "fruit.apple")), 2);
}

static void table_definition_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"[a]\nx = 1\n[a]\n", 3, 2, "table 'a' is already defined"},
        {"[a.b]\n[a.b]\n", 2, 4, "table 'b' is already defined"},
        {"[a.b]\n[a]\n[a]\n", 3, 2, "table 'a' is already defined"},
        {"a.b = 1\n[a]\n", 2, 2, "table 'a' is already defined"},
        {"[fruit]\napple.color = 1\n[fruit.apple]\n", 3, 8, "table 'apple' is already defined"},
        {"[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 3, "cannot add keys to table 'c' defined elsewhere"},
        {"[a]\nb.c = 1\n[x]\n[a]\n", 4, 2, "table 'a' is already defined"},
        {"[a]\nb = {}\nb.c = 1\n", 3, 1, "cannot extend inline table 'b'"},
        {"[a]\nb.c = 1\n[a.x]\n[a]\n", 4, 2, "table 'a' is already defined"},
        {"[a.b.c]\n[a]\nb.d = 1\n[a.b]\n", 4, 4, "table 'b' is already defined"},
        {"a = 1\n[a]\n", 2, 2, "key 'a' is already defined as integer"},
        {"a = 1\n[a.b]\n", 2, 2, "key 'a' is not a table"},
        {"[t]\nb = 'x'\n[t.b]\n", 3, 4, "key 'b' is already defined as string"},
        {"[a.b]\n[a]\nb = 1\n", 3, 1, "duplicate key 'b'"},
        {"[a]\n[[a]]\n", 2, 3, "key 'a' is already defined as table"},
        {"[[a]]\n[a]\n", 2, 2, "key 'a' is already defined as array"},
        {"a = []\n[[a]]\n", 2, 3, "cannot append to static array 'a'"},
        {"[[a.b]]\n[a]\nb.y = 2\n", 3, 1, "key 'b' is not a table"},
        {"[[a]]\n[[a.b]]\n[a.b]\n", 3, 4, "key 'b' is already defined as array"},
        {"[]\n", 1, 2, "expected a key"},
        {"[a\nb = 1\n", 1, 3, "expected ']' after table header"},
        {"[a.]\n", 1, 4, "expected a key"},
        {"[a] b = 1\n", 1, 5, "expected newline after table header"},
        {"[ [a] ]\n", 1, 3, "expected a key"},
        {"[[a]\n", 1, 4, "expected ']]' after array-of-tables header"},
        {"[[a] ]\n", 1, 4, "expected ']]' after array-of-tables header"},
        {"[a]]\n", 1, 4, "expected newline after table header"},
        {"[\"\"\"a\"\"\"]\n", 1, 4, "expected ']' after table header"},
    };
    check_errors(cases);
    /* The valid neighbours: headers may add sub-tables under dotted-key tables, and
     * [[a]] followed by [a.b] fills in the last element. */
    parse("[a]\nb.c = 1\n[a.b.d]\n[q]\n");
    parse("[[a]]\n[a.b]\n[[a]]\n[a.b]\n");
}

/* ---- document-level errors ------------------------------------------------------------- */

static void encoding_and_control_character_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"a = \"\xff\"\n", 1, 6, "invalid UTF-8"},
        {"a = \"\xc0\xaf\"\n", 1, 6, "invalid UTF-8"},         /* overlong '/' */
        {"a = \"\xe0\x80\xaf\"\n", 1, 6, "invalid UTF-8"},     /* overlong, 3 bytes */
        {"a = \"\xf0\x80\x80\xaf\"\n", 1, 6, "invalid UTF-8"}, /* overlong, 4 bytes */
        {"# \xed\xa0\x80\n", 1, 3, "invalid UTF-8"},           /* surrogate U+D800 */
        {"# \xf4\x90\x80\x80\n", 1, 3, "invalid UTF-8"},       /* U+110000 */
        {"a = \"\xe2\x82\"\n", 1, 6, "invalid UTF-8"},         /* truncated */
        {"a = 1\n# ok \xe2\x82\xac\nb = \"\x80\"\n", 3, 6, "invalid UTF-8"},
        {"# bad \x7f\n", 1, 7, "control character U+007F in comment"},
        {"a = 1 # \x01\n", 1, 9, "control character U+0001 in comment"},
        {"a = 1\rb = 2\n", 1, 6, "carriage return not followed by line feed"},
        {"\r", 1, 1, "carriage return not followed by line feed"},
        {"# c\r\n# d\r", 2, 4, "carriage return not followed by line feed"},
        {"a = \x01\n", 1, 5, "expected a value"},
        {"\x01 = 1\n", 1, 1, "control character U+0001 in document"},
        {"a = 1\n\xc3\xa9\xc3\xa9 = 2 \xe2\x82\xac\n", 2, 1, "expected a key"},
        {"k = \"\xc3\xa9\xc3\xa9\" x\n", 1, 10,
         "expected newline after value"}, /* columns count characters */
    };
    check_errors(cases);

    /* The length, not a NUL, ends the input: a NUL byte inside is an error, not the end. */
    struct toml_error e;
    assert_null(toml_parse("a = 1\n\0b = 2\n", 13, arena, sizeof(arena), &e));
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 1);
    assert_non_null(toml_parse("a = 1\n\0b = 2\n", 6, arena, sizeof(arena), &e));
    assert_null(toml_parse("a = \"x\0\"\n", 9, arena, sizeof(arena), &e));
    assert_string_equal(e.msg, "control character U+0000 in string");
}

/* ---- limits ---------------------------------------------------------------------------- */

static void arena_exhaustion_fails_cleanly(void **state)
{
    (void)state;
    const char *src = "[base]\nid = 1\nname = \"linux-qemu\"\nids = [0, 1, 2, 3, 4, 5, 6, 7, 8]\n"
                      "[[r]]\nx = { a = 1, b.c = \"\\u00e9t\\u00e9\" }\n[[r]]\ns = '''\nmulti\n'''\n"
                      "k1 = 1\nk2 = 2\nk3 = 3\nk4 = 4\nk5 = 5\nk6 = 6\nk7 = 7\nk8 = 8\nk9 = 9\n"
                      "k10 = 10\nk11 = 11\nk12 = 12\nk13 = 13\nk14 = 14\nk15 = 15\nk16 = 16\nk17 = 17\n"
                      "f = 1.5\nd = 1979-05-27\n";
    size_t len = strlen(src);
    struct toml_error e;
    size_t needed = 0;
    /* Every arena size up to the first that works must fail with the OOM error, never crash
     * (ASan checks that nothing is written past the arena). */
    for (size_t size = 0; size < 16384; size++) {
        u8 *buf = malloc(size ? size : 1);
        assert_non_null(buf);
        const struct toml_value *root = toml_parse(src, len, buf, size, &e);
        if (root) {
            assert_int_equal(get_int(root, "base.id"), 1);
            assert_int_equal(get_int(toml_array_at(get(root, "r"), 1), "k17"), 17);
            free(buf);
            needed = size;
            break;
        }
        assert_string_equal(e.msg, "out of memory (arena)");
        assert_int_equal(e.line, 0);
        assert_int_equal(e.column, 0);
        free(buf);
    }
    assert_true(needed > 0);
    /* Larger arenas keep working, and an unaligned arena start is fine. */
    assert_non_null(toml_parse(src, len, arena + 3, needed + 16, &e));
    assert_null(toml_parse(src, len, NULL, 0, &e));
    assert_string_equal(e.msg, "out of memory (arena)");
    assert_null(toml_parse(src, len, arena, 7, &e));
    /* Syntax errors found before the arena runs out still win. */
    assert_null(toml_parse("a = [1,,2]", 10, arena, sizeof(arena), &e));
    assert_int_equal(e.line, 1);
}

static void nesting_is_capped(void **state)
{
    (void)state;
    static char src[300000];
    struct toml_error e;
    /* Arrays: the root is depth 0, so 64 nested arrays are fine and 65 are not. */
    for (int depth = 63; depth <= 66; depth++) {
        size_t n = (size_t)snprintf(src, sizeof(src), "a = ");
        for (int i = 0; i < depth; i++)
            src[n++] = '[';
        for (int i = 0; i < depth; i++)
            src[n++] = ']';
        src[n] = '\0';
        const struct toml_value *root = toml_parse(src, n, arena, sizeof(arena), &e);
        if (depth <= TOML_MAX_DEPTH) {
            assert_non_null(root);
        } else {
            assert_null(root);
            assert_string_equal(e.msg, "nesting too deep (limit 64)");
            assert_int_equal(e.line, 1);
            assert_int_equal(e.column, 5 + TOML_MAX_DEPTH);
        }
    }
    /* A flood of brackets or braces is rejected without deep recursion. */
    memset(src, '[', sizeof(src) - 1);
    memcpy(src, "a = ", 4);
    assert_null(toml_parse(src, sizeof(src) - 1, arena, sizeof(arena), &e));
    assert_string_equal(e.msg, "nesting too deep (limit 64)");
    size_t n = 4;
    for (int i = 0; i < 10000; i++) {
        memcpy(src + n, "{a=", 3);
        n += 3;
    }
    assert_null(toml_parse(src, n, arena, sizeof(arena), &e));
    assert_string_equal(e.msg, "nesting too deep (limit 64)");

    /* Header paths and dotted keys build depth as well: a 64-part header is fine, 65 parts
     * are not; a dotted key's last part only adds depth when its value is a container. */
    for (int parts = 64; parts <= 65; parts++) {
        n = 0;
        src[n++] = '[';
        for (int i = 0; i < parts; i++)
            n += (size_t)snprintf(src + n, sizeof(src) - n, "%sk", i ? "." : "");
        src[n++] = ']';
        const struct toml_value *root = toml_parse(src, n, arena, sizeof(arena), &e);
        assert_true(parts == 64 ? root != NULL : root == NULL);
    }
    static const struct {
        int parts;
        const char *value;
        bool ok;
    } dotted[] = {{65, "1", true}, {64, "[]", true}, {65, "[]", false}, {66, "1", false}};
    for (size_t t = 0; t < ARRAY_SIZE(dotted); t++) {
        n = 0;
        for (int i = 0; i < dotted[t].parts; i++)
            n += (size_t)snprintf(src + n, sizeof(src) - n, "%sk", i ? "." : "");
        n += (size_t)snprintf(src + n, sizeof(src) - n, " = %s\n", dotted[t].value);
        const struct toml_value *root = toml_parse(src, n, arena, sizeof(arena), &e);
        assert_true(dotted[t].ok ? root != NULL : root == NULL);
        if (!root)
            assert_string_equal(e.msg, "nesting too deep (limit 64)");
    }
    /* [[a]] elements count a level for the array. */
    n = (size_t)snprintf(src, sizeof(src), "[[a]]\n");
    assert_non_null(toml_parse(src, n, arena, sizeof(arena), &e));
}

/* ---- API edges ------------------------------------------------------------------------- */

static void accessors_reject_null_and_wrong_types(void **state)
{
    (void)state;
    const struct toml_value *root = parse("s = 'x'\ni = 1\narr = [1]\n");
    s64 i;
    bool b;
    const char *s;
    size_t len;
    assert_false(toml_as_int(NULL, &i));
    assert_false(toml_as_bool(NULL, &b));
    assert_false(toml_as_string(NULL, &s, &len));
    assert_false(toml_as_text(NULL, &s));
    assert_int_equal(toml_datetime_kind(NULL), TOML_DT_NONE);
    assert_int_equal(toml_line_of(NULL), 0);
    assert_int_equal(toml_table_len(NULL), 0);
    assert_null(toml_table_key_at(NULL, 0));
    assert_null(toml_table_value_at(NULL, 0));
    assert_null(toml_table_get(NULL, "s"));
    assert_null(toml_table_get(root, NULL));
    assert_null(toml_table_getn(root, NULL, 1));
    assert_int_equal(toml_array_len(NULL), 0);
    assert_null(toml_array_at(NULL, 0));

    const struct toml_value *arr = get(root, "arr");
    assert_int_equal(toml_table_len(arr), 0);
    assert_null(toml_table_get(arr, "x"));
    assert_null(toml_table_key_at(arr, 0));
    assert_int_equal(toml_array_len(root), 0);
    assert_null(toml_array_at(root, 0));
    assert_null(toml_array_at(arr, 1));
    assert_null(toml_table_key_at(root, 3));
    assert_null(toml_table_value_at(root, 3));
    assert_false(toml_as_string(get(root, "i"), &s, &len));
    assert_true(toml_as_string(get(root, "s"), NULL, NULL));
    assert_true(toml_as_int(get(root, "i"), NULL));
    assert_string_equal(toml_type_name(TOML_TABLE), "table");
    assert_string_equal(toml_type_name(TOML_ARRAY), "array");
    assert_string_equal(toml_type_name(TOML_STRING), "string");
    assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
    assert_string_equal(toml_type_name(TOML_FLOAT), "float");
    assert_string_equal(toml_type_name(TOML_BOOL), "boolean");
    assert_string_equal(toml_type_name(TOML_DATETIME), "datetime");
    assert_string_equal(toml_type_name((enum toml_type)99), "unknown");

    /* err may be NULL; an input pointer of NULL is only fine with length 0. */
    assert_null(toml_parse("a = ", 4, arena, sizeof(arena), NULL));
    assert_non_null(toml_parse("a = 1", 5, arena, sizeof(arena), NULL));
    struct toml_error e;
    assert_null(toml_parse(NULL, 5, arena, sizeof(arena), &e));
    assert_string_equal(e.msg, "no input");
    /* A successful parse clears a stale error. */
    assert_non_null(toml_parse("a = 1", 5, arena, sizeof(arena), &e));
    assert_int_equal(e.line, 0);
    assert_string_equal(e.msg, "");
}

static void crlf_documents(void **state)
{
    (void)state;
    const struct toml_value *root = parse("a = 1\r\n[t]\r\nb = [\r\n 1,\r\n 2, # c\r\n]\r\n"
                                          "s = \"\"\"\r\nx\\\r\n  y\r\n\"\"\"\r\n");
    assert_int_equal(toml_array_len(get(root, "t.b")), 2);
    assert_string_equal(get_str(root, "t.s"), "xy\n");
    assert_int_equal(toml_line_of(get(root, "t.s")), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_axvisor_vm_config),
        cmocka_unit_test(parses_empty_and_comment_only_documents),
        cmocka_unit_test(keys_bare_quoted_dotted_in_order),
        cmocka_unit_test(keys_with_nul_need_length_aware_lookup),
        cmocka_unit_test(big_tables_use_the_hash_index),
        cmocka_unit_test(key_errors),
        cmocka_unit_test(basic_string_escapes),
        cmocka_unit_test(multiline_strings),
        cmocka_unit_test(literal_strings),
        cmocka_unit_test(string_errors),
        cmocka_unit_test(integers),
        cmocka_unit_test(integer_errors),
        cmocka_unit_test(floats_are_validated_text),
        cmocka_unit_test(float_errors),
        cmocka_unit_test(booleans),
        cmocka_unit_test(datetimes),
        cmocka_unit_test(datetime_errors),
        cmocka_unit_test(arrays),
        cmocka_unit_test(inline_tables),
        cmocka_unit_test(tables_and_arrays_of_tables),
        cmocka_unit_test(dotted_key_tables),
        cmocka_unit_test(table_definition_errors),
        cmocka_unit_test(encoding_and_control_character_errors),
        cmocka_unit_test(arena_exhaustion_fails_cleanly),
        cmocka_unit_test(nesting_is_capped),
        cmocka_unit_test(accessors_reject_null_and_wrong_types),
        cmocka_unit_test(crlf_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
