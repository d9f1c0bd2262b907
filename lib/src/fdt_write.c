/* Flattened device tree writer: builds a version 17 blob in one caller-supplied buffer.
 *
 * Layout while writing: header and an empty memory reservation block at the front (filled in
 * by fdt_writer_finish), the structure block after them growing up, and the strings block at
 * the end of the buffer growing down. The final position of the strings block is unknown until
 * the end, so properties record their name as a distance from the end of the buffer and
 * fdt_writer_finish rewrites those into real offsets before moving the strings down. */
#include <lib/fdt.h>
#include <lib/string.h>

#define RSVMAP_OFF FDT_HDR_SIZE        /* 40: already 8-byte aligned as the format requires */
#define STRUCT_OFF (FDT_HDR_SIZE + 16) /* after the lone (0, 0) reservation entry */
#define MAX_BLOB ((size_t)0x7fffffff)  /* finish returns the size as int */

static void put_be32(u8 *p, u32 v)
{
    p[0] = (u8)(v >> 24);
    p[1] = (u8)(v >> 16);
    p[2] = (u8)(v >> 8);
    p[3] = (u8)v;
}

static u32 get_be32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

void fdt_writer_init(struct fdt_writer *w, void *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = MIN(cap, MAX_BLOB);
    if (!buf || w->cap < STRUCT_OFF)
        w->overflow = true;
}

static bool usable(const struct fdt_writer *w)
{
    return !w->overflow && !w->error;
}

/* Free bytes between the structure block and the strings block. */
static size_t room(const struct fdt_writer *w)
{
    return w->cap - STRUCT_OFF - w->struct_len - w->strings_len;
}

/* Claims n bytes at the end of the structure block; NULL (setting overflow) if they do not fit. */
static u8 *struct_claim(struct fdt_writer *w, size_t n)
{
    if (!usable(w))
        return NULL;
    if (n > room(w)) {
        w->overflow = true;
        return NULL;
    }
    u8 *p = w->buf + STRUCT_OFF + w->struct_len;
    w->struct_len += n;
    return p;
}

/* Distance from the end of buf of name in the strings block, adding it unless an identical
 * string (or a suffix of a longer one) is already there; 0 on overflow. */
static size_t string_ref(struct fdt_writer *w, const char *name)
{
    size_t n = strlen(name) + 1;
    const u8 *block = w->buf + w->cap - w->strings_len;
    for (size_t i = 0; i + n <= w->strings_len; i++)
        if (memcmp(block + i, name, n) == 0)
            return w->strings_len - i;
    if (n > room(w)) {
        w->overflow = true;
        return 0;
    }
    w->strings_len += n;
    memcpy(w->buf + w->cap - w->strings_len, name, n);
    return w->strings_len;
}

void fdt_begin_node(struct fdt_writer *w, const char *name)
{
    if (!usable(w))
        return;
    bool root = w->depth == 0;
    size_t n = name ? strlen(name) : 0;
    /* One root, named ""; other names non-empty without '/', as the reader requires. */
    bool bad_name = root ? n != 0 || w->struct_len != 0 : n == 0 || strchr(name, '/');
    if (!name || bad_name || w->depth == FDT_MAX_DEPTH) {
        w->error = true;
        return;
    }
    size_t padded = ALIGN_UP(n + 1, 4);
    u8 *p = struct_claim(w, 4 + padded);
    if (!p)
        return;
    put_be32(p, FDT_BEGIN_NODE);
    memcpy(p + 4, name, n);
    memset(p + 4 + n, 0, padded - n);
    w->depth++;
    w->had_child = false;
}

void fdt_end_node(struct fdt_writer *w)
{
    if (!usable(w))
        return;
    if (w->depth == 0) {
        w->error = true;
        return;
    }
    u8 *p = struct_claim(w, 4);
    if (!p)
        return;
    put_be32(p, FDT_END_NODE);
    w->depth--;
    w->had_child = true; /* the parent may not take properties after this child */
}

/* Writes a property header and padding; returns where the len value bytes go, or NULL. */
static u8 *prop_begin(struct fdt_writer *w, const char *name, size_t len)
{
    if (!usable(w))
        return NULL;
    if (w->depth == 0 || w->had_child || !name || !*name) {
        w->error = true;
        return NULL;
    }
    if (len > room(w)) { /* also keeps the padding arithmetic below from wrapping */
        w->overflow = true;
        return NULL;
    }
    size_t dist = string_ref(w, name);
    size_t padded = ALIGN_UP(len, 4);
    u8 *p = dist ? struct_claim(w, 12 + padded) : NULL;
    if (!p)
        return NULL;
    put_be32(p, FDT_PROP);
    put_be32(p + 4, (u32)len);
    put_be32(p + 8, (u32)dist); /* rewritten to a strings-block offset by finish */
    memset(p + 12 + len, 0, padded - len);
    return p + 12;
}

void fdt_property(struct fdt_writer *w, const char *name, const void *data, size_t len)
{
    u8 *p = prop_begin(w, name, len);
    if (p && len)
        memcpy(p, data, len);
}

void fdt_property_u32(struct fdt_writer *w, const char *name, u32 v)
{
    u8 b[4];
    put_be32(b, v);
    fdt_property(w, name, b, sizeof(b));
}

void fdt_property_u64(struct fdt_writer *w, const char *name, u64 v)
{
    u8 b[8];
    put_be32(b, (u32)(v >> 32));
    put_be32(b + 4, (u32)v);
    fdt_property(w, name, b, sizeof(b));
}

void fdt_property_cells(struct fdt_writer *w, const char *name, const u32 *cells, size_t n)
{
    if (n > MAX_BLOB / 4) {
        w->overflow = true;
        return;
    }
    u8 *p = prop_begin(w, name, 4 * n);
    for (size_t i = 0; p && i < n; i++)
        put_be32(p + 4 * i, cells[i]);
}

void fdt_property_string(struct fdt_writer *w, const char *name, const char *s)
{
    if (!s) {
        w->error = true;
        return;
    }
    fdt_property(w, name, s, strlen(s) + 1);
}

void fdt_property_strings(struct fdt_writer *w, const char *name, const char *const *strs, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += strlen(strs[i]) + 1;
        if (len > MAX_BLOB) {
            w->overflow = true;
            return;
        }
    }
    u8 *p = prop_begin(w, name, len);
    for (size_t i = 0; p && i < n; i++) {
        size_t sl = strlen(strs[i]) + 1;
        memcpy(p, strs[i], sl);
        p += sl;
    }
}

void fdt_property_empty(struct fdt_writer *w, const char *name)
{
    fdt_property(w, name, NULL, 0);
}

/* Turns the end-relative name references into offsets from the strings block's start. Walks
 * only tokens this writer produced, so no bounds checks beyond the block length. */
static void fix_name_offsets(struct fdt_writer *w)
{
    u8 *s = w->buf + STRUCT_OFF;
    size_t pos = 0;
    while (pos < w->struct_len) {
        u32 tag = get_be32(s + pos);
        pos += 4;
        if (tag == FDT_BEGIN_NODE) {
            pos += ALIGN_UP(strlen((const char *)s + pos) + 1, 4);
        } else if (tag == FDT_PROP) {
            u32 len = get_be32(s + pos);
            u32 dist = get_be32(s + pos + 4);
            put_be32(s + pos + 4, (u32)(w->strings_len - dist));
            pos += 8 + ALIGN_UP((size_t)len, 4);
        }
    }
}

static void write_header(struct fdt_writer *w, size_t total)
{
    u8 *h = w->buf;
    memset(h, 0, STRUCT_OFF); /* also the empty reservation block */
    put_be32(h + FDT_HDR_MAGIC, FDT_MAGIC);
    put_be32(h + FDT_HDR_TOTALSIZE, (u32)total);
    put_be32(h + FDT_HDR_OFF_STRUCT, STRUCT_OFF);
    put_be32(h + FDT_HDR_OFF_STRINGS, (u32)(STRUCT_OFF + w->struct_len));
    put_be32(h + FDT_HDR_OFF_RSVMAP, RSVMAP_OFF);
    put_be32(h + FDT_HDR_VERSION, 17);
    put_be32(h + FDT_HDR_LAST_COMP, 16);
    put_be32(h + FDT_HDR_SIZE_STRINGS, (u32)w->strings_len);
    put_be32(h + FDT_HDR_SIZE_STRUCT, (u32)w->struct_len);
}

int fdt_writer_finish(struct fdt_writer *w)
{
    if (!usable(w) || w->depth != 0 || w->struct_len == 0)
        return -1;
    u8 *end = struct_claim(w, 4);
    if (!end)
        return -1;
    put_be32(end, FDT_END);
    fix_name_offsets(w);
    size_t strings_off = STRUCT_OFF + w->struct_len;
    memmove(w->buf + strings_off, w->buf + w->cap - w->strings_len, w->strings_len);
    size_t total = strings_off + w->strings_len;
    write_header(w, total);
    w->error = true; /* the blob is complete: refuse further writes */
    return (int)total;
}
