/* Host tool: parses a TOML file with lib/src/toml.c and prints it as JSON in the toml-test
 * "tagged" form ({"type":"integer","value":"42"} for scalars, objects for tables, arrays
 * for arrays), for the differential test against Python's tomllib.
 * Usage: toml_dump [FILE]   (stdin when FILE is absent or "-")
 * Exit status: 0 parsed, 1 rejected (error on stderr as "line:column: message"), 2 usage/IO. */
#include <stdio.h>
#include <stdlib.h>

#include <lib/toml.h>

static void put_json_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *tag_of(const struct toml_value *v)
{
    switch (toml_datetime_kind(v)) {
    case TOML_DT_OFFSET_DATETIME:
        return "datetime";
    case TOML_DT_LOCAL_DATETIME:
        return "datetime-local";
    case TOML_DT_LOCAL_DATE:
        return "date-local";
    case TOML_DT_LOCAL_TIME:
        return "time-local";
    case TOML_DT_NONE:
        break;
    }
    return toml_type_of(v) == TOML_BOOL ? "bool" : toml_type_name(toml_type_of(v));
}

static void dump(const struct toml_value *v)
{
    const char *s;
    size_t len;
    s64 i;
    bool b;
    switch (toml_type_of(v)) {
    case TOML_TABLE:
        putchar('{');
        for (size_t k = 0; k < toml_table_len(v); k++) {
            if (k)
                putchar(',');
            put_json_string(toml_table_key_at(v, k), toml_table_key_len_at(v, k));
            putchar(':');
            dump(toml_table_value_at(v, k));
        }
        putchar('}');
        return;
    case TOML_ARRAY:
        putchar('[');
        for (size_t k = 0; k < toml_array_len(v); k++) {
            if (k)
                putchar(',');
            dump(toml_array_at(v, k));
        }
        putchar(']');
        return;
    case TOML_STRING:
        toml_as_string(v, &s, &len);
        break;
    case TOML_INTEGER: {
        static char num[32];
        toml_as_int(v, &i);
        len = (size_t)snprintf(num, sizeof(num), "%lld", (long long)i);
        s = num;
        break;
    }
    case TOML_BOOL:
        toml_as_bool(v, &b);
        s = b ? "true" : "false";
        len = b ? 4 : 5;
        break;
    case TOML_FLOAT:
    case TOML_DATETIME:
    default:
        toml_as_text(v, &s);
        len = 0;
        while (s[len])
            len++;
        break;
    }
    printf("{\"type\":\"%s\",\"value\":", tag_of(v));
    put_json_string(s, len);
    putchar('}');
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: %s [FILE]\n", argv[0]);
        return 2;
    }
    FILE *f = argc == 2 && argv[1][0] != '-' ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t len;
    char *src = read_all(f, &len);
    if (f != stdin)
        fclose(f);
    if (!src) {
        fprintf(stderr, "%s: read error\n", argc == 2 ? argv[1] : "stdin");
        return 2;
    }
    /* Generous: every node, key copy and vector is far smaller than this per input byte. */
    size_t arena_size = 64 * len + 65536;
    void *arena = malloc(arena_size);
    if (!arena) {
        free(src);
        return 2;
    }
    struct toml_error err;
    const struct toml_value *root = toml_parse(src, len, arena, arena_size, &err);
    int rc = 0;
    if (root) {
        dump(root);
        putchar('\n');
    } else {
        fprintf(stderr, "%d:%d: %s\n", err.line, err.column, err.msg);
        rc = 1;
    }
    free(arena);
    free(src);
    return rc;
}
