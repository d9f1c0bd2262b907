/* TOML 1.0 parser. Freestanding: no libc, no floating point, no malloc.
 * Every node is carved out of a caller-provided arena, so one failed parse can be
 * thrown away by forgetting the arena. Untrusted input never crashes it: any malformed
 * document yields NULL plus an error with line and column. */
#ifndef LIB_TOML_H
#define LIB_TOML_H

#include <lib/types.h>

enum toml_type {
    TOML_TABLE,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,    /* kept as its validated source text: EL2 code never touches FP registers */
    TOML_BOOL,
    TOML_DATETIME, /* offset/local date-time, local date, local time: validated source text */
};

struct toml_value;

/* Deepest nesting of tables and arrays below the root table (the root is depth 0). Deeper
 * documents are rejected, which also bounds the parser's recursion and any tree walk. */
#define TOML_MAX_DEPTH 64

/* Which of the four TOML date/time forms a TOML_DATETIME value is. */
enum toml_datetime_kind {
    TOML_DT_NONE,            /* not a datetime */
    TOML_DT_OFFSET_DATETIME, /* 1979-05-27T07:32:00Z, 1979-05-27 07:32:00-07:00 */
    TOML_DT_LOCAL_DATETIME,  /* 1979-05-27T07:32:00 */
    TOML_DT_LOCAL_DATE,      /* 1979-05-27 */
    TOML_DT_LOCAL_TIME,      /* 07:32:00.999 */
};

struct toml_error {
    int line;      /* 1-based; 0 when not applicable (e.g. arena exhausted) */
    int column;    /* 1-based */
    char msg[96];
};

/* Parses src[0..len). Returns the root table, or NULL with *err filled in. */
const struct toml_value *toml_parse(const char *src, size_t len, void *arena, size_t arena_size,
                                    struct toml_error *err);

enum toml_type toml_type_of(const struct toml_value *v);
int toml_line_of(const struct toml_value *v); /* line where the value starts */
const char *toml_type_name(enum toml_type t);  /* "table", "array", "string", ... */

/* Tables: keys in document order. toml_table_get returns NULL when absent or v is not a table. */
size_t toml_table_len(const struct toml_value *table);
const char *toml_table_key_at(const struct toml_value *table, size_t i);
const struct toml_value *toml_table_value_at(const struct toml_value *table, size_t i);
const struct toml_value *toml_table_get(const struct toml_value *table, const char *key);
/* Quoted keys may contain "\u0000": these two see the whole key. key_len_at is 0 when out of range. */
size_t toml_table_key_len_at(const struct toml_value *table, size_t i);
const struct toml_value *toml_table_getn(const struct toml_value *table, const char *key, size_t len);

/* Arrays (including arrays of tables). */
size_t toml_array_len(const struct toml_value *array);
const struct toml_value *toml_array_at(const struct toml_value *array, size_t i);

/* Scalars. Each returns false when v is NULL or of another type. */
bool toml_as_int(const struct toml_value *v, s64 *out);
bool toml_as_bool(const struct toml_value *v, bool *out);
/* Strings are NUL-terminated in the arena; *len excludes the NUL (strings may hold \u0000). */
bool toml_as_string(const struct toml_value *v, const char **out, size_t *len);
/* Source text of a float or datetime, NUL-terminated (e.g. "6.02e+23", "inf", "1979-05-27T07:32:00Z"). */
bool toml_as_text(const struct toml_value *v, const char **out);
enum toml_datetime_kind toml_datetime_kind(const struct toml_value *v); /* TOML_DT_NONE if not one */

#endif
