/* TOML 1.0 parser (see lib/include/lib/toml.h and docs/toml.md).
 *
 * A single forward pass over the source builds the tree directly in the caller's arena.
 * Design points:
 *  - No floating point: floats and date/times are validated and kept as source text.
 *  - No malloc: nodes, decoded strings and the growable entry/item vectors are carved
 *    out of the arena with a bump pointer; grown vectors leave their old copy behind,
 *    which bounds the waste to the size of the final vectors.
 *  - Untrusted input: the document is UTF-8 validated up front, every loop advances the
 *    cursor, and nesting (hence recursion) is capped at TOML_MAX_DEPTH.
 *  - The first error wins and is reported with its line and column. */
#include <lib/fmt.h>
#include <lib/string.h>
#include <lib/toml.h>

#include <stdarg.h>

/* Table state, which decides what a later header or dotted key may do with the table. */
enum {
    TBL_IMPLICIT = 1 << 0, /* created as a prefix of a [header] path: may still be defined once */
    TBL_HEADER = 1 << 1,   /* defined by [header] or an element of [[header]] */
    TBL_DOTTED = 1 << 2,   /* defined by dotted keys: re-enterable only under the same header */
    TBL_FROZEN = 1 << 3,   /* inline table: immutable once its '}' has been read */
    ARR_TABLES = 1 << 4,   /* array created by [[header]]: further [[header]]s append to it */
};

/* For helpers whose locals would otherwise be inlined into the frames of the recursive
 * parse_value -> parse_array/parse_inline_table -> parse_keyval path, which nests up to
 * TOML_MAX_DEPTH times: keeping those frames small bounds the parser's stack use. */
#define OUT_OF_LINE __attribute__((noinline))

/* Tables with this many entry slots or more get an open-addressing hash index. */
#define INDEX_MIN_CAP 16

struct toml_entry {
    const char *key; /* NUL-terminated, in the arena */
    size_t key_len;
    u32 hash;
    struct toml_value *value;
};

struct toml_value {
    u8 type;
    u8 flags;
    u8 dt_kind;
    u8 depth;
    int line;
    u32 section; /* TBL_DOTTED: the header section (p->section) that created the table */
    union {
        struct {
            struct toml_entry *entries;
            size_t len, cap;
            u32 *slots; /* entry index + 1, 0 = empty; NULL until cap >= INDEX_MIN_CAP */
            size_t nslots;
        } table;
        struct {
            struct toml_value **items;
            size_t len, cap;
        } array;
        struct {
            const char *s; /* NUL-terminated; also the text of floats and datetimes */
            size_t len;
        } str;
        s64 i;
        bool b;
    } u;
};

struct parser {
    const char *src;
    size_t len;
    size_t pos;
    u8 *arena;
    size_t used, size;
    struct toml_error *err;
    bool failed;
    struct toml_value *root;
    u32 section; /* bumped by every [header] and [[header]] */
    /* Line cursor: node lines are looked up in (nearly) increasing order, so counting
     * newlines from the last lookup keeps line numbering linear overall. */
    size_t lc_pos;
    int lc_line;
};

/* A key part as parsed: bare keys point into the source, quoted ones into the arena. */
struct key {
    const char *s;
    size_t len;
    size_t pos;
    u32 hash;
    bool in_arena;
};

/* ---- errors ---------------------------------------------------------------------------- */

static void error_position(const struct parser *p, size_t pos, int *line, int *column)
{
    int l = 1;
    size_t start = 0;
    for (size_t i = 0; i < pos && i < p->len; i++) {
        if (p->src[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    /* Columns count characters, not bytes: skip UTF-8 continuation bytes. */
    int c = 1;
    for (size_t i = start; i < pos && i < p->len; i++)
        if (((u8)p->src[i] & 0xc0) != 0x80)
            c++;
    *line = l;
    *column = c;
}

__attribute__((format(printf, 3, 4))) static void fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    error_position(p, pos, &p->err->line, &p->err->column);
}

static void fail_oom(struct parser *p)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err)
        return;
    str_copy(p->err->msg, "out of memory (arena)", sizeof(p->err->msg));
    p->err->line = 0;
    p->err->column = 0;
}

/* Quotes a key for a message: at most 40 bytes, cut on a character boundary, with control
 * characters shown as '?' so the message stays printable. */
static const char *show_key(const struct key *k, char buf[static 48])
{
    size_t n = k->len, out = 0;
    bool cut = n > 40;
    if (cut) {
        n = 40;
        while (n > 0 && ((u8)k->s[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        u8 c = (u8)k->s[i];
        buf[out++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut)
        for (int i = 0; i < 3; i++)
            buf[out++] = '.';
    buf[out] = '\0';
    return buf;
}

/* "<before> '<key>'<after>", reported at the key. */
OUT_OF_LINE __attribute__((cold)) static void fail_key(struct parser *p, const struct key *k,
                                                       const char *before, const char *after)
{
    char shown[48];
    fail_at(p, k->pos, "%s '%s'%s", before, show_key(k, shown), after);
}

/* The key names something of the wrong kind for what the document does with it. */
OUT_OF_LINE __attribute__((cold)) static void fail_key_holds(struct parser *p, const struct key *k,
                                                             const struct toml_value *v)
{
    char shown[48];
    fail_at(p, k->pos, "key '%s' is already defined as %s", show_key(k, shown), toml_type_name(v->type));
}

/* ---- arena ----------------------------------------------------------------------------- */

static void *arena_alloc(struct parser *p, size_t n)
{
    size_t start = ALIGN_UP(p->used, (size_t)8);
    if (start > p->size || n > p->size - start) {
        fail_oom(p);
        return NULL;
    }
    p->used = start + n;
    return p->arena + start;
}

/* Decoded strings are written straight into the free tail of the arena, since their final
 * length is only known at the closing quote; sbuf_finish then claims what was used. */
struct sbuf {
    char *buf;
    size_t len, cap;
};

static void sbuf_begin(struct parser *p, struct sbuf *b)
{
    b->buf = (char *)p->arena + p->used;
    b->cap = p->size - p->used;
    b->len = 0;
}

static bool sbuf_put(struct parser *p, struct sbuf *b, char c)
{
    if (b->cap - b->len < 2) { /* keep room for the terminating NUL */
        fail_oom(p);
        return false;
    }
    b->buf[b->len++] = c;
    return true;
}

static const char *sbuf_finish(struct parser *p, struct sbuf *b)
{
    if (b->cap - b->len < 1) {
        fail_oom(p);
        return NULL;
    }
    b->buf[b->len] = '\0';
    p->used += b->len + 1;
    return b->buf;
}

static const char *arena_strndup(struct parser *p, const char *s, size_t n)
{
    char *d = arena_alloc(p, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- nodes ----------------------------------------------------------------------------- */

static int line_at(struct parser *p, size_t pos)
{
    if (pos < p->lc_pos) {
        p->lc_pos = 0;
        p->lc_line = 1;
    }
    for (; p->lc_pos < pos && p->lc_pos < p->len; p->lc_pos++)
        if (p->src[p->lc_pos] == '\n')
            p->lc_line++;
    return p->lc_line;
}

static struct toml_value *new_value(struct parser *p, enum toml_type type, int line)
{
    struct toml_value *v = arena_alloc(p, sizeof(*v));
    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->type = (u8)type;
    v->line = line;
    return v;
}

/* Tables and arrays: the depth check here is what bounds recursion and tree height. */
static struct toml_value *new_container(struct parser *p, enum toml_type type, int line, int depth,
                                        size_t pos)
{
    if (depth > TOML_MAX_DEPTH) {
        fail_at(p, pos, "nesting too deep (limit %d)", TOML_MAX_DEPTH);
        return NULL;
    }
    struct toml_value *v = new_value(p, type, line);
    if (v)
        v->depth = (u8)depth;
    return v;
}

static u32 key_hash(const char *s, size_t n)
{
    u32 h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (u8)s[i]) * 16777619u;
    return h;
}

static struct toml_value *table_find(const struct toml_value *t, const char *key, size_t len, u32 hash)
{
    const struct toml_entry *e = t->u.table.entries;
    if (t->u.table.slots) {
        size_t mask = t->u.table.nslots - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            u32 idx = t->u.table.slots[i];
            if (idx == 0)
                return NULL;
            const struct toml_entry *x = &e[idx - 1];
            if (x->hash == hash && x->key_len == len && memcmp(x->key, key, len) == 0)
                return x->value;
        }
    }
    for (size_t i = 0; i < t->u.table.len; i++)
        if (e[i].hash == hash && e[i].key_len == len && memcmp(e[i].key, key, len) == 0)
            return e[i].value;
    return NULL;
}

static struct toml_value *table_find_key(const struct toml_value *t, const struct key *k)
{
    return table_find(t, k->s, k->len, k->hash);
}

static void index_add(struct toml_value *t, size_t entry)
{
    size_t mask = t->u.table.nslots - 1;
    size_t i = t->u.table.entries[entry].hash & mask;
    while (t->u.table.slots[i])
        i = (i + 1) & mask;
    t->u.table.slots[i] = (u32)(entry + 1);
}

static bool table_grow(struct parser *p, struct toml_value *t)
{
    size_t cap = t->u.table.cap ? t->u.table.cap * 2 : 4;
    if (cap > (u32)-1 / 4 || cap > (size_t)-1 / (2 * sizeof(struct toml_entry))) {
        fail_oom(p);
        return false;
    }
    struct toml_entry *e = arena_alloc(p, cap * sizeof(*e));
    if (!e)
        return false;
    if (t->u.table.len)
        memcpy(e, t->u.table.entries, t->u.table.len * sizeof(*e));
    t->u.table.entries = e;
    t->u.table.cap = cap;
    if (cap < INDEX_MIN_CAP)
        return true;
    /* Twice as many slots as entries keeps probe sequences short. */
    u32 *slots = arena_alloc(p, 2 * cap * sizeof(*slots));
    if (!slots)
        return false;
    memset(slots, 0, 2 * cap * sizeof(*slots));
    t->u.table.slots = slots;
    t->u.table.nslots = 2 * cap;
    for (size_t i = 0; i < t->u.table.len; i++)
        index_add(t, i);
    return true;
}

static bool table_insert(struct parser *p, struct toml_value *t, const struct key *k, struct toml_value *v)
{
    if (t->u.table.len == t->u.table.cap && !table_grow(p, t))
        return false;
    const char *name = k->in_arena ? k->s : arena_strndup(p, k->s, k->len);
    if (!name)
        return false;
    struct toml_entry *e = &t->u.table.entries[t->u.table.len];
    e->key = name;
    e->key_len = k->len;
    e->hash = k->hash;
    e->value = v;
    t->u.table.len++;
    if (t->u.table.slots)
        index_add(t, t->u.table.len - 1);
    return true;
}

static bool array_push(struct parser *p, struct toml_value *a, struct toml_value *v)
{
    if (a->u.array.len == a->u.array.cap) {
        size_t cap = a->u.array.cap ? a->u.array.cap * 2 : 4;
        if (cap > (size_t)-1 / sizeof(v)) {
            fail_oom(p);
            return false;
        }
        struct toml_value **items = arena_alloc(p, cap * sizeof(v));
        if (!items)
            return false;
        if (a->u.array.len)
            memcpy(items, a->u.array.items, a->u.array.len * sizeof(v));
        a->u.array.items = items;
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.len++] = v;
    return true;
}

/* ---- characters ------------------------------------------------------------------------ */

static int peek_at(const struct parser *p, size_t off)
{
    size_t i = p->pos + off;
    return i < p->len ? (u8)p->src[i] : -1;
}

static int peek(const struct parser *p)
{
    return peek_at(p, 0);
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_bare_key_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

/* Characters of unquoted values: numbers, booleans, inf/nan and date/times. */
static bool is_token_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-' || c == '.' || c == ':';
}

/* Control characters TOML forbids in strings and comments (tab is allowed). */
static bool is_control(int c)
{
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static void fail_control(struct parser *p, const char *where)
{
    int c = peek(p);
    if (c == '\r')
        fail_at(p, p->pos, "carriage return not followed by line feed");
    else
        fail_at(p, p->pos, "control character U+%04X in %s", (unsigned)c, where);
}

static void skip_ws(struct parser *p)
{
    int c;
    while ((c = peek(p)) == ' ' || c == '\t')
        p->pos++;
}

static bool at_newline(const struct parser *p)
{
    int c = peek(p);
    return c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static bool skip_newline(struct parser *p)
{
    if (!at_newline(p))
        return false;
    p->pos += peek(p) == '\r' ? 2 : 1;
    return true;
}

static bool skip_comment(struct parser *p)
{
    if (peek(p) != '#')
        return true;
    p->pos++;
    while (peek(p) >= 0 && !at_newline(p)) {
        if (is_control(peek(p))) {
            fail_control(p, "comment");
            return false;
        }
        p->pos++;
    }
    return true;
}

/* After a key/value pair or header only a comment may follow on the same line. */
static bool expect_eol(struct parser *p, const char *after)
{
    skip_ws(p);
    if (!skip_comment(p))
        return false;
    if (peek(p) < 0 || skip_newline(p))
        return true;
    if (peek(p) == '\r')
        fail_control(p, "document");
    else
        fail_at(p, p->pos, "expected newline after %s", after);
    return false;
}

/* Inside arrays, values may be separated by any mix of whitespace, newlines and comments. */
static bool skip_ws_comments_newlines(struct parser *p)
{
    for (;;) {
        skip_ws(p);
        if (!skip_comment(p))
            return false;
        if (!skip_newline(p))
            return true;
    }
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0 if it is malformed. */
static size_t utf8_len(const u8 *s, size_t n)
{
    u8 c = s[0];
    size_t len;
    u8 lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static bool validate_utf8(struct parser *p)
{
    const u8 *s = (const u8 *)p->src;
    for (size_t i = 0; i < p->len;) {
        size_t n = utf8_len(s + i, p->len - i);
        if (n == 0) {
            fail_at(p, i, "invalid UTF-8");
            return false;
        }
        i += n;
    }
    return true;
}

/* ---- strings --------------------------------------------------------------------------- */

static bool put_utf8(struct parser *p, struct sbuf *b, u32 cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    for (size_t i = 0; i < n; i++)
        if (!sbuf_put(p, b, tmp[i]))
            return false;
    return true;
}

static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* \uXXXX or \UXXXXXXXX, the cursor on the 'u'/'U'; esc is where the backslash was. */
static bool parse_unicode_escape(struct parser *p, struct sbuf *b, size_t esc, int digits)
{
    u32 cp = 0;
    p->pos++;
    for (int i = 0; i < digits; i++) {
        int h = hex_value(peek(p));
        if (h < 0) {
            fail_at(p, esc, "\\%c escape needs %d hex digits", digits == 4 ? 'u' : 'U', digits);
            return false;
        }
        cp = cp << 4 | (u32)h;
        p->pos++;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        fail_at(p, esc, "escape is not a Unicode scalar value");
        return false;
    }
    return put_utf8(p, b, cp);
}

static bool parse_escape(struct parser *p, struct sbuf *b)
{
    size_t esc = p->pos++;
    int c = peek(p);
    char out;
    switch (c) {
    case 'b':
        out = '\b';
        break;
    case 't':
        out = '\t';
        break;
    case 'n':
        out = '\n';
        break;
    case 'f':
        out = '\f';
        break;
    case 'r':
        out = '\r';
        break;
    case '"':
        out = '"';
        break;
    case '\\':
        out = '\\';
        break;
    case 'u':
        return parse_unicode_escape(p, b, esc, 4);
    case 'U':
        return parse_unicode_escape(p, b, esc, 8);
    default:
        if (c >= 0x20 && c < 0x7f)
            fail_at(p, esc, "invalid escape sequence '\\%c'", c);
        else
            fail_at(p, esc, "invalid escape sequence");
        return false;
    }
    p->pos++;
    return sbuf_put(p, b, out);
}

/* Single-line string ("basic" with escapes, or 'literal'), cursor on the opening quote. */
static bool parse_string(struct parser *p, const char **out, size_t *len)
{
    size_t start = p->pos;
    char quote = p->src[p->pos++];
    struct sbuf b;
    sbuf_begin(p, &b);
    for (;;) {
        int c = peek(p);
        if (c == quote) {
            p->pos++;
            break;
        }
        if (c < 0 || at_newline(p)) {
            fail_at(p, start, "unterminated string");
            return false;
        }
        if (c == '\\' && quote == '"') {
            if (!parse_escape(p, &b))
                return false;
            continue;
        }
        if (is_control(c)) {
            fail_control(p, "string");
            return false;
        }
        if (!sbuf_put(p, &b, (char)c))
            return false;
        p->pos++;
    }
    *out = sbuf_finish(p, &b);
    *len = b.len;
    return *out != NULL;
}

/* A backslash that ends a line in a multi-line basic string swallows all whitespace and
 * newlines up to the next visible character. Returns false (cursor untouched) otherwise. */
static bool skip_line_ending_backslash(struct parser *p)
{
    size_t save = p->pos;
    p->pos++;
    skip_ws(p);
    if (!at_newline(p)) {
        p->pos = save;
        return false;
    }
    for (;;) {
        skip_ws(p);
        if (!skip_newline(p))
            return true;
    }
}

/* Multi-line string, cursor on the opening triple quote. One or two quote characters may
 * sit right before the closing delimiter; newlines come out as LF whatever the source used. */
static bool parse_ml_string(struct parser *p, const char **out, size_t *len)
{
    size_t start = p->pos;
    char quote = p->src[p->pos];
    p->pos += 3;
    skip_newline(p); /* a newline right after the opening delimiter is trimmed */
    struct sbuf b;
    sbuf_begin(p, &b);
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            fail_at(p, start, "unterminated multi-line string");
            return false;
        }
        if (c == quote) {
            size_t run = 0;
            while (peek_at(p, run) == quote && run < 6)
                run++;
            if (run == 6) {
                fail_at(p, p->pos, "too many quotes in multi-line string");
                return false;
            }
            size_t keep = run >= 3 ? run - 3 : run;
            for (size_t i = 0; i < keep; i++)
                if (!sbuf_put(p, &b, quote))
                    return false;
            p->pos += run;
            if (run >= 3)
                break;
            continue;
        }
        if (c == '\\' && quote == '"') {
            if (skip_line_ending_backslash(p))
                continue;
            if (!parse_escape(p, &b))
                return false;
            continue;
        }
        if (skip_newline(p)) {
            if (!sbuf_put(p, &b, '\n'))
                return false;
            continue;
        }
        if (is_control(c)) {
            fail_control(p, "string");
            return false;
        }
        if (!sbuf_put(p, &b, (char)c))
            return false;
        p->pos++;
    }
    *out = sbuf_finish(p, &b);
    *len = b.len;
    return *out != NULL;
}

/* ---- keys ------------------------------------------------------------------------------ */

static bool parse_key_part(struct parser *p, struct key *k)
{
    int c = peek(p);
    k->pos = p->pos;
    if (c == '"' || c == '\'') {
        if (!parse_string(p, &k->s, &k->len))
            return false;
        k->in_arena = true;
    } else if (is_bare_key_char(c)) {
        k->s = p->src + p->pos;
        while (is_bare_key_char(peek(p)))
            p->pos++;
        k->len = p->pos - k->pos;
        k->in_arena = false;
    } else {
        if (c < 0)
            fail_at(p, p->pos, "unexpected end of input, expected a key");
        else if (is_control(c) && !at_newline(p))
            fail_control(p, "document");
        else
            fail_at(p, p->pos, "expected a key");
        return false;
    }
    k->hash = key_hash(k->s, k->len);
    return true;
}

/* Steps into table k of t for the dotted key of a key/value pair, creating it if needed.
 * Tables defined by a header, or by dotted keys under an earlier header, are closed to
 * dotted keys; inline tables are closed to everything. */
static struct toml_value *enter_dotted(struct parser *p, struct toml_value *t, const struct key *k)
{
    struct toml_value *child = table_find_key(t, k);
    if (!child) {
        child = new_container(p, TOML_TABLE, line_at(p, k->pos), t->depth + 1, k->pos);
        if (!child || !table_insert(p, t, k, child))
            return NULL;
        child->flags = TBL_DOTTED;
        child->section = p->section;
        return child;
    }
    if (child->type != TOML_TABLE) {
        fail_key(p, k, "key", " is not a table");
        return NULL;
    }
    if (child->flags & TBL_FROZEN) {
        fail_key(p, k, "cannot extend inline table", "");
        return NULL;
    }
    if (child->flags & TBL_IMPLICIT) { /* only named by a header path so far: now defined here */
        child->flags = TBL_DOTTED;
        child->section = p->section;
        return child;
    }
    if ((child->flags & TBL_DOTTED) && child->section == p->section)
        return child;
    fail_key(p, k, "cannot add keys to table", " defined elsewhere");
    return NULL;
}

/* ---- values ---------------------------------------------------------------------------- */

static struct toml_value *parse_value(struct parser *p, int depth);

/* One or more digits with single underscores between digits, starting at t[*i]. */
static bool scan_decimal(const char *t, size_t n, size_t *i)
{
    size_t j = *i;
    if (j >= n || !is_digit(t[j]))
        return false;
    for (j++; j < n;) {
        if (is_digit(t[j]))
            j++;
        else if (t[j] == '_' && j + 1 < n && is_digit(t[j + 1]))
            j += 2;
        else
            break;
    }
    *i = j;
    return true;
}

static int digit_in_base(int c, unsigned base)
{
    int v = hex_value(c);
    return v >= 0 && (unsigned)v < base ? v : -1;
}

/* Integers: decimal with optional sign, or unsigned 0x/0o/0b. Returns NULL or an error. */
static const char *parse_integer(const char *t, size_t n, s64 *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned base = 10;
    if (t[0] == '+' || t[0] == '-') {
        neg = t[0] == '-';
        i = 1;
    }
    if (n - i >= 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
        if (i)
            return "hexadecimal, octal and binary integers cannot have a sign";
        base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
        i = 2;
    }
    if (i == n)
        return "invalid integer";
    if (base == 10 && t[i] == '0' && i + 1 < n && (is_digit(t[i + 1]) || t[i + 1] == '_'))
        return "leading zeros are not allowed";
    u64 limit = neg ? (u64)1 << 63 : ((u64)1 << 63) - 1;
    u64 mag = 0;
    for (; i < n; i++) {
        if (t[i] == '_') {
            if (i == 0 || digit_in_base(t[i - 1], base) < 0 || i + 1 == n ||
                digit_in_base(t[i + 1], base) < 0)
                return "'_' must be between digits";
            continue;
        }
        int d = digit_in_base(t[i], base);
        if (d < 0)
            return "invalid integer";
        if (mag > (limit - (u64)d) / base)
            return "integer overflow";
        mag = mag * base + (u64)d;
    }
    if (!neg)
        *out = (s64)mag;
    else
        *out = mag == (u64)1 << 63 ? INT64_MIN : -(s64)mag;
    return NULL;
}

/* Floats: decimal integer part, then a fraction and/or exponent; or [+-]inf / [+-]nan. */
static const char *check_float(const char *t, size_t n)
{
    size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    if (i < n && t[i] == '0' && i + 1 < n && (is_digit(t[i + 1]) || t[i + 1] == '_'))
        return "leading zeros are not allowed";
    if (!scan_decimal(t, n, &i))
        return "invalid float";
    bool frac = false, exp = false;
    if (i < n && t[i] == '.') {
        i++;
        if (!scan_decimal(t, n, &i))
            return "invalid float: expected digits after '.'";
        frac = true;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        if (!scan_decimal(t, n, &i))
            return "invalid float: expected digits in exponent";
        exp = true;
    }
    if (i != n || (!frac && !exp))
        return "invalid float";
    return NULL;
}

/* Reads count digits at t[at]; false if they are not all there. */
static bool read_digits(const char *t, size_t n, size_t at, size_t count, int *val)
{
    if (at + count > n)
        return false;
    int v = 0;
    for (size_t i = at; i < at + count; i++) {
        if (!is_digit(t[i]))
            return false;
        v = v * 10 + (t[i] - '0');
    }
    *val = v;
    return true;
}

static int days_in_month(int year, int month)
{
    static const u8 days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD at t[0]. */
static const char *check_date(const char *t, size_t n)
{
    int y, m, d;
    if (!read_digits(t, n, 0, 4, &y) || t[4] != '-' || !read_digits(t, n, 5, 2, &m) || n < 8 || t[7] != '-' ||
        !read_digits(t, n, 8, 2, &d))
        return "malformed date (expected YYYY-MM-DD)";
    if (m < 1 || m > 12)
        return "invalid date: month must be 01-12";
    if (d < 1 || d > days_in_month(y, m))
        return "invalid date: day out of range for the month";
    return NULL;
}

/* HH:MM:SS[.fraction] at t[*i]; advances *i past it. Second 60 is a leap second (RFC 3339). */
static const char *check_time(const char *t, size_t n, size_t *i)
{
    size_t at = *i;
    int h, m, s;
    if (!read_digits(t, n, at, 2, &h) || at + 2 >= n || t[at + 2] != ':' ||
        !read_digits(t, n, at + 3, 2, &m) || at + 5 >= n || t[at + 5] != ':' ||
        !read_digits(t, n, at + 6, 2, &s))
        return "malformed time (expected HH:MM:SS)";
    if (h > 23)
        return "invalid time: hour must be 00-23";
    if (m > 59)
        return "invalid time: minute must be 00-59";
    if (s > 60)
        return "invalid time: second must be 00-60";
    at += 8;
    if (at < n && t[at] == '.') {
        at++;
        if (at >= n || !is_digit(t[at]))
            return "malformed time: expected digits after '.'";
        while (at < n && is_digit(t[at]))
            at++;
    }
    *i = at;
    return NULL;
}

static const char *check_offset(const char *t, size_t n, size_t i)
{
    int h, m;
    if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == n)
        return NULL;
    if ((t[i] != '+' && t[i] != '-') || i + 6 != n || !read_digits(t, n, i + 1, 2, &h) || t[i + 3] != ':' ||
        !read_digits(t, n, i + 4, 2, &m))
        return "malformed date-time";
    if (h > 23 || m > 59)
        return "invalid time offset";
    return NULL;
}

static const char *check_datetime(const char *t, size_t n, u8 *kind)
{
    size_t i = 0;
    const char *why;
    if (n >= 3 && t[2] == ':') {
        why = check_time(t, n, &i);
        *kind = TOML_DT_LOCAL_TIME;
        return why ? why : i == n ? NULL : "malformed time";
    }
    if ((why = check_date(t, n)))
        return why;
    if (n == 10) {
        *kind = TOML_DT_LOCAL_DATE;
        return NULL;
    }
    if (t[10] != 'T' && t[10] != 't' && t[10] != ' ')
        return "malformed date-time";
    i = 11;
    if ((why = check_time(t, n, &i)))
        return why;
    if (i == n) {
        *kind = TOML_DT_LOCAL_DATETIME;
        return NULL;
    }
    *kind = TOML_DT_OFFSET_DATETIME;
    return check_offset(t, n, i);
}

static bool looks_like_datetime(const char *t, size_t n)
{
    if (n >= 3 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':')
        return true;
    return n >= 5 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) && t[4] == '-';
}

static bool is_radix_prefixed(const char *t, size_t n)
{
    size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    return n - i >= 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b');
}

/* [+-]inf, [+-]nan */
static bool is_special_float(const char *t, size_t n)
{
    size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    return n - i == 3 && (memcmp(t + i, "inf", 3) == 0 || memcmp(t + i, "nan", 3) == 0);
}

static bool is_float_like(const char *t, size_t n)
{
    size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    if (is_radix_prefixed(t, n))
        return false;
    for (; i < n; i++)
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E')
            return true;
    return false;
}

/* Unquoted value: boolean, integer, float or date/time. The token is the longest run of
 * characters these can contain; it is then classified and validated as a whole. */
OUT_OF_LINE static struct toml_value *parse_token(struct parser *p)
{
    size_t start = p->pos;
    int line = line_at(p, start);
    while (is_token_char(peek(p)))
        p->pos++;
    /* "1979-05-27 07:32:00": a date may be joined to a time by a single space. */
    if (p->pos - start == 10 && looks_like_datetime(p->src + start, 10) && peek(p) == ' ' &&
        is_digit(peek_at(p, 1)) && is_digit(peek_at(p, 2)) && peek_at(p, 3) == ':') {
        p->pos++;
        while (is_token_char(peek(p)))
            p->pos++;
    }
    const char *t = p->src + start;
    size_t n = p->pos - start;
    size_t unsigned_at = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    enum toml_type type;
    const char *why = NULL;
    s64 ival = 0;
    u8 kind = TOML_DT_NONE;
    if ((n == 4 && memcmp(t, "true", 4) == 0) || (n == 5 && memcmp(t, "false", 5) == 0)) {
        type = TOML_BOOL;
    } else if (looks_like_datetime(t, n)) {
        type = TOML_DATETIME;
        why = check_datetime(t, n, &kind);
    } else if (is_special_float(t, n)) {
        type = TOML_FLOAT;
    } else if (unsigned_at < n && is_alpha(t[unsigned_at])) {
        type = TOML_STRING;
        why = "invalid value (strings must be quoted)";
    } else if (is_float_like(t, n)) {
        type = TOML_FLOAT;
        why = check_float(t, n);
    } else {
        type = TOML_INTEGER;
        why = parse_integer(t, n, &ival);
    }
    if (why) {
        fail_at(p, start, "%s", why);
        return NULL;
    }
    struct toml_value *v = new_value(p, type, line);
    if (!v)
        return NULL;
    if (type == TOML_BOOL) {
        v->u.b = t[0] == 't';
    } else if (type == TOML_INTEGER) {
        v->u.i = ival;
    } else {
        v->dt_kind = kind;
        v->u.str.len = n;
        if (!(v->u.str.s = arena_strndup(p, t, n)))
            return NULL;
    }
    return v;
}

OUT_OF_LINE static struct toml_value *parse_string_value(struct parser *p)
{
    size_t start = p->pos;
    int line = line_at(p, start);
    const char *s;
    size_t len;
    char q = p->src[start];
    bool ml = peek_at(p, 1) == q && peek_at(p, 2) == q;
    if (!(ml ? parse_ml_string(p, &s, &len) : parse_string(p, &s, &len)))
        return NULL;
    struct toml_value *v = new_value(p, TOML_STRING, line);
    if (v) {
        v->u.str.s = s;
        v->u.str.len = len;
    }
    return v;
}

static struct toml_value *parse_array(struct parser *p, int depth)
{
    size_t start = p->pos;
    struct toml_value *a = new_container(p, TOML_ARRAY, line_at(p, start), depth, start);
    if (!a)
        return NULL;
    p->pos++;
    for (;;) {
        if (!skip_ws_comments_newlines(p))
            return NULL;
        if (peek(p) == ']')
            break;
        if (peek(p) < 0) {
            fail_at(p, start, "unterminated array");
            return NULL;
        }
        struct toml_value *v = parse_value(p, depth + 1);
        if (!v || !array_push(p, a, v))
            return NULL;
        if (!skip_ws_comments_newlines(p))
            return NULL;
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == ']')
            break;
        if (peek(p) < 0)
            fail_at(p, start, "unterminated array");
        else
            fail_at(p, p->pos, "expected ',' or ']' in array");
        return NULL;
    }
    p->pos++;
    return a;
}

static bool parse_keyval(struct parser *p, struct toml_value *table);

/* { k = v, ... } on one line, no trailing comma; immutable once closed. */
static struct toml_value *parse_inline_table(struct parser *p, int depth)
{
    size_t start = p->pos;
    struct toml_value *t = new_container(p, TOML_TABLE, line_at(p, start), depth, start);
    if (!t)
        return NULL;
    p->pos++;
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        t->flags = TBL_FROZEN;
        return t;
    }
    for (;;) {
        if (at_newline(p)) {
            fail_at(p, p->pos, "newline not allowed in inline table");
            return NULL;
        }
        if (!parse_keyval(p, t))
            return NULL;
        skip_ws(p);
        int c = peek(p);
        if (c == '}') {
            p->pos++;
            break;
        }
        if (c == ',') {
            p->pos++;
            skip_ws(p);
            if (peek(p) == '}') {
                fail_at(p, p->pos, "trailing comma not allowed in inline table");
                return NULL;
            }
            continue;
        }
        if (c < 0)
            fail_at(p, start, "unterminated inline table");
        else if (at_newline(p))
            fail_at(p, p->pos, "newline not allowed in inline table");
        else
            fail_at(p, p->pos, "expected ',' or '}' in inline table");
        return NULL;
    }
    t->flags = TBL_FROZEN;
    return t;
}

static struct toml_value *parse_value(struct parser *p, int depth)
{
    int c = peek(p);
    if (c == '"' || c == '\'')
        return parse_string_value(p);
    if (c == '[')
        return parse_array(p, depth);
    if (c == '{')
        return parse_inline_table(p, depth);
    if (is_token_char(c))
        return parse_token(p);
    if (c < 0)
        fail_at(p, p->pos, "unexpected end of input, expected a value");
    else if (c == '\r' && !at_newline(p))
        fail_control(p, "document");
    else
        fail_at(p, p->pos, "expected a value");
    return NULL;
}

/* key = value, the key relative to table (dotted keys create or enter sub-tables). */
static bool parse_keyval(struct parser *p, struct toml_value *table)
{
    struct toml_value *cur = table;
    struct key k;
    for (;;) {
        if (!parse_key_part(p, &k))
            return false;
        skip_ws(p);
        if (peek(p) != '.')
            break;
        p->pos++;
        skip_ws(p);
        if (!(cur = enter_dotted(p, cur, &k)))
            return false;
    }
    if (peek(p) != '=') {
        fail_at(p, p->pos, "expected '=' after key");
        return false;
    }
    p->pos++;
    skip_ws(p);
    if (table_find_key(cur, &k)) {
        fail_key(p, &k, "duplicate key", "");
        return false;
    }
    struct toml_value *v = parse_value(p, cur->depth + 1);
    return v && table_insert(p, cur, &k, v);
}

/* ---- headers --------------------------------------------------------------------------- */

/* Steps through key k of a header path: tables (not inline ones) are entered, created if
 * absent; an array of tables leads into its last element. */
static struct toml_value *enter_header_path(struct parser *p, struct toml_value *t, const struct key *k,
                                            int line)
{
    struct toml_value *child = table_find_key(t, k);
    if (!child) {
        child = new_container(p, TOML_TABLE, line, t->depth + 1, k->pos);
        if (!child || !table_insert(p, t, k, child))
            return NULL;
        child->flags = TBL_IMPLICIT;
        return child;
    }
    if (child->type == TOML_ARRAY && (child->flags & ARR_TABLES))
        return child->u.array.items[child->u.array.len - 1];
    if (child->type == TOML_ARRAY) {
        fail_key(p, k, "cannot add tables to static array", "");
        return NULL;
    }
    if (child->type != TOML_TABLE) {
        fail_key(p, k, "key", " is not a table");
        return NULL;
    }
    if (child->flags & TBL_FROZEN) {
        fail_key(p, k, "cannot extend inline table", "");
        return NULL;
    }
    return child;
}

/* [a.b.c]: k is the last part, t the table holding it. */
static struct toml_value *define_table(struct parser *p, struct toml_value *t, const struct key *k, int line)
{
    struct toml_value *child = table_find_key(t, k);
    if (!child) {
        child = new_container(p, TOML_TABLE, line, t->depth + 1, k->pos);
        if (!child || !table_insert(p, t, k, child))
            return NULL;
    } else if (child->type != TOML_TABLE) {
        fail_key_holds(p, k, child);
        return NULL;
    } else if (!(child->flags & TBL_IMPLICIT)) {
        fail_key(p, k, "table", " is already defined");
        return NULL;
    }
    child->flags = TBL_HEADER;
    child->line = line;
    return child;
}

/* [[a.b.c]]: appends a new table to array c, creating the array on first use. */
static struct toml_value *append_table(struct parser *p, struct toml_value *t, const struct key *k, int line)
{
    struct toml_value *arr = table_find_key(t, k);
    if (!arr) {
        arr = new_container(p, TOML_ARRAY, line, t->depth + 1, k->pos);
        if (!arr || !table_insert(p, t, k, arr))
            return NULL;
        arr->flags = ARR_TABLES;
    } else if (arr->type == TOML_ARRAY && !(arr->flags & ARR_TABLES)) {
        fail_key(p, k, "cannot append to static array", "");
        return NULL;
    } else if (arr->type != TOML_ARRAY) {
        fail_key_holds(p, k, arr);
        return NULL;
    }
    struct toml_value *elem = new_container(p, TOML_TABLE, line, arr->depth + 1, k->pos);
    if (!elem || !array_push(p, arr, elem))
        return NULL;
    elem->flags = TBL_HEADER;
    return elem;
}

/* [table] or [[array of tables]]; returns the table that following key/values go into. */
static struct toml_value *parse_header(struct parser *p)
{
    size_t start = p->pos;
    int line = line_at(p, start);
    bool aot = peek_at(p, 1) == '[';
    p->pos += aot ? 2 : 1;
    skip_ws(p);
    struct toml_value *cur = p->root;
    struct key k;
    for (;;) {
        if (!parse_key_part(p, &k))
            return NULL;
        skip_ws(p);
        if (peek(p) != '.')
            break;
        p->pos++;
        skip_ws(p);
        if (!(cur = enter_header_path(p, cur, &k, line)))
            return NULL;
    }
    if (peek(p) != ']' || (aot && peek_at(p, 1) != ']')) {
        fail_at(p, p->pos,
                aot ? "expected ']]' after array-of-tables header" : "expected ']' after table header");
        return NULL;
    }
    p->pos += aot ? 2 : 1;
    p->section++;
    return aot ? append_table(p, cur, &k, line) : define_table(p, cur, &k, line);
}

static bool parse_document(struct parser *p)
{
    struct toml_value *cur = p->root;
    for (;;) {
        skip_ws(p);
        if (!skip_comment(p))
            return false;
        if (peek(p) < 0)
            return true;
        if (skip_newline(p))
            continue;
        if (peek(p) == '[') {
            if (!(cur = parse_header(p)) || !expect_eol(p, "table header"))
                return false;
            continue;
        }
        if (!parse_keyval(p, cur) || !expect_eol(p, "value"))
            return false;
    }
}

const struct toml_value *toml_parse(const char *src, size_t len, void *arena, size_t arena_size,
                                    struct toml_error *err)
{
    struct parser p;
    memset(&p, 0, sizeof(p));
    p.src = src;
    p.len = src ? len : 0;
    p.err = err;
    p.lc_line = 1;
    if (err) {
        err->line = 0;
        err->column = 0;
        err->msg[0] = '\0';
    }
    /* Align the arena base so every node is naturally aligned. */
    size_t skew = arena ? (size_t)(-(uintptr_t)arena & 7) : 0;
    if (arena && arena_size > skew) {
        p.arena = (u8 *)arena + skew;
        p.size = arena_size - skew;
    }
    if (!src && len) {
        fail_at(&p, 0, "no input");
        return NULL;
    }
    if (!validate_utf8(&p))
        return NULL;
    p.root = new_container(&p, TOML_TABLE, 1, 0, 0);
    if (!p.root)
        return NULL;
    p.root->flags = TBL_HEADER;
    if (!parse_document(&p))
        return NULL;
    return p.root;
}

/* ---- accessors ------------------------------------------------------------------------- */

enum toml_type toml_type_of(const struct toml_value *v)
{
    return v ? (enum toml_type)v->type : TOML_TABLE;
}

int toml_line_of(const struct toml_value *v)
{
    return v ? v->line : 0;
}

const char *toml_type_name(enum toml_type t)
{
    switch (t) {
    case TOML_TABLE:
        return "table";
    case TOML_ARRAY:
        return "array";
    case TOML_STRING:
        return "string";
    case TOML_INTEGER:
        return "integer";
    case TOML_FLOAT:
        return "float";
    case TOML_BOOL:
        return "boolean";
    case TOML_DATETIME:
        return "datetime";
    }
    return "unknown";
}

static bool is_table(const struct toml_value *v)
{
    return v && v->type == TOML_TABLE;
}

static bool is_array(const struct toml_value *v)
{
    return v && v->type == TOML_ARRAY;
}

size_t toml_table_len(const struct toml_value *table)
{
    return is_table(table) ? table->u.table.len : 0;
}

const char *toml_table_key_at(const struct toml_value *table, size_t i)
{
    return is_table(table) && i < table->u.table.len ? table->u.table.entries[i].key : NULL;
}

size_t toml_table_key_len_at(const struct toml_value *table, size_t i)
{
    return is_table(table) && i < table->u.table.len ? table->u.table.entries[i].key_len : 0;
}

const struct toml_value *toml_table_value_at(const struct toml_value *table, size_t i)
{
    return is_table(table) && i < table->u.table.len ? table->u.table.entries[i].value : NULL;
}

const struct toml_value *toml_table_getn(const struct toml_value *table, const char *key, size_t len)
{
    if (!is_table(table) || (!key && len))
        return NULL;
    return table_find(table, key ? key : "", len, key_hash(key ? key : "", len));
}

const struct toml_value *toml_table_get(const struct toml_value *table, const char *key)
{
    return key ? toml_table_getn(table, key, strlen(key)) : NULL;
}

size_t toml_array_len(const struct toml_value *array)
{
    return is_array(array) ? array->u.array.len : 0;
}

const struct toml_value *toml_array_at(const struct toml_value *array, size_t i)
{
    return is_array(array) && i < array->u.array.len ? array->u.array.items[i] : NULL;
}

bool toml_as_int(const struct toml_value *v, s64 *out)
{
    if (!v || v->type != TOML_INTEGER)
        return false;
    if (out)
        *out = v->u.i;
    return true;
}

bool toml_as_bool(const struct toml_value *v, bool *out)
{
    if (!v || v->type != TOML_BOOL)
        return false;
    if (out)
        *out = v->u.b;
    return true;
}

bool toml_as_string(const struct toml_value *v, const char **out, size_t *len)
{
    if (!v || v->type != TOML_STRING)
        return false;
    if (out)
        *out = v->u.str.s;
    if (len)
        *len = v->u.str.len;
    return true;
}

bool toml_as_text(const struct toml_value *v, const char **out)
{
    if (!v || (v->type != TOML_FLOAT && v->type != TOML_DATETIME))
        return false;
    if (out)
        *out = v->u.str.s;
    return true;
}

enum toml_datetime_kind toml_datetime_kind(const struct toml_value *v)
{
    return v && v->type == TOML_DATETIME ? (enum toml_datetime_kind)v->dt_kind : TOML_DT_NONE;
}
