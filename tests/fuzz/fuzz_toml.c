/* libFuzzer target for the TOML parser: parses each input with a roomy and with a tight
 * arena, walks every node through every accessor, and checks invariants that must hold
 * for any input (trap on violation so libFuzzer records the input). */
#include <stddef.h>
#include <stdint.h>

#include <lib/string.h>
#include <lib/toml.h>
#include <lib/types.h>

static _Alignas(8) u8 big_arena[1 << 20];
static _Alignas(8) u8 small_arena[4096];

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            __builtin_trap();                                                                                \
    } while (0)

static int max_line;

/* Folds the tree into a hash so the two parses can be compared; checks each accessor. */
static u64 walk(const struct toml_value *v, int depth)
{
    CHECK(v != NULL);
    enum toml_type t = toml_type_of(v);
    /* The cap is on tables and arrays; a scalar may sit one level below the deepest one. */
    CHECK(depth <= TOML_MAX_DEPTH + (t != TOML_TABLE && t != TOML_ARRAY));
    CHECK(toml_line_of(v) >= 1 && toml_line_of(v) <= max_line);
    CHECK(strcmp(toml_type_name(t), "unknown") != 0);
    u64 h = (u64)t * 0x9e3779b97f4a7c15ull + (u64)toml_line_of(v);
    const char *s;
    size_t len;
    s64 i;
    bool b;
    switch (t) {
    case TOML_TABLE:
        CHECK(toml_array_len(v) == 0 && toml_array_at(v, 0) == NULL);
        for (size_t k = 0; k < toml_table_len(v); k++) {
            const char *key = toml_table_key_at(v, k);
            size_t klen = toml_table_key_len_at(v, k);
            const struct toml_value *child = toml_table_value_at(v, k);
            CHECK(key != NULL && key[klen] == '\0' && strlen(key) <= klen);
            /* Keys are unique, so looking one up finds exactly this entry. */
            CHECK(toml_table_getn(v, key, klen) == child);
            if (strlen(key) == klen)
                CHECK(toml_table_get(v, key) == child);
            for (size_t c = 0; c < klen; c++)
                h = h * 31 + (u8)key[c];
            h = h * 31 + walk(child, depth + 1);
        }
        CHECK(toml_table_key_at(v, toml_table_len(v)) == NULL);
        CHECK(toml_table_value_at(v, toml_table_len(v)) == NULL);
        CHECK(toml_table_key_len_at(v, toml_table_len(v)) == 0);
        break;
    case TOML_ARRAY:
        CHECK(toml_table_len(v) == 0 && toml_table_get(v, "") == NULL);
        for (size_t k = 0; k < toml_array_len(v); k++)
            h = h * 31 + walk(toml_array_at(v, k), depth + 1);
        CHECK(toml_array_at(v, toml_array_len(v)) == NULL);
        break;
    case TOML_STRING:
        CHECK(toml_as_string(v, &s, &len) && s[len] == '\0' && strlen(s) <= len);
        for (size_t c = 0; c < len; c++)
            h = h * 31 + (u8)s[c];
        break;
    case TOML_INTEGER:
        CHECK(toml_as_int(v, &i));
        h = h * 31 + (u64)i;
        break;
    case TOML_BOOL:
        CHECK(toml_as_bool(v, &b));
        h = h * 31 + b;
        break;
    case TOML_FLOAT:
    case TOML_DATETIME:
        CHECK(toml_as_text(v, &s) && s[0] != '\0');
        CHECK((t == TOML_DATETIME) == (toml_datetime_kind(v) != TOML_DT_NONE));
        for (; *s; s++)
            h = h * 31 + (u8)*s;
        break;
    }
    /* Accessors of the other kinds refuse. */
    CHECK(toml_as_int(v, &i) == (t == TOML_INTEGER));
    CHECK(toml_as_bool(v, &b) == (t == TOML_BOOL));
    CHECK(toml_as_string(v, &s, &len) == (t == TOML_STRING));
    CHECK(toml_as_text(v, &s) == (t == TOML_FLOAT || t == TOML_DATETIME));
    return h;
}

static void check_error(const struct toml_error *e, size_t len)
{
    CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL && e->msg[0] != '\0');
    if (e->line == 0)
        CHECK(strcmp(e->msg, "out of memory (arena)") == 0);
    else
        CHECK(e->line <= max_line && e->column >= 1 && (size_t)e->column <= len + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    max_line = 1;
    for (size_t k = 0; k < size; k++)
        max_line += data[k] == '\n';

    struct toml_error e1, e2;
    const struct toml_value *big = toml_parse(src, size, big_arena, sizeof(big_arena), &e1);
    u64 h1 = 0;
    if (big) {
        CHECK(toml_type_of(big) == TOML_TABLE);
        h1 = walk(big, 0);
    } else {
        check_error(&e1, size);
    }

    /* The tight arena may run out, but otherwise must agree with the roomy one. */
    const struct toml_value *small = toml_parse(src, size, small_arena, sizeof(small_arena), &e2);
    if (small) {
        CHECK(big != NULL && walk(small, 0) == h1);
    } else {
        check_error(&e2, size);
        if (e2.line != 0) /* a syntax error, found before memory ran out */
            CHECK(big == NULL && e1.line == e2.line && e1.column == e2.column && strcmp(e1.msg, e2.msg) == 0);
    }
    return 0;
}
