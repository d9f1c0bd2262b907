/* Flattened device tree reader (Devicetree Specification v0.4, chapter 5).
 *
 * The blob is untrusted (a user may supply a guest DTB). fdt_open checks the header and walks
 * the whole structure block once, so offsets handed out afterwards are meaningful. Accessors
 * still bounds-check every token they decode: an offset that did not come from this API gives
 * nonsense at worst, never an out-of-bounds read. Values are read with byte loads because the
 * blob is big-endian and need not be aligned. */
#include <lib/fdt.h>
#include <lib/string.h>

#define INT_MAX_SIZE ((size_t)0x7fffffff) /* offsets are returned as int */

static u32 be32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

static u64 be64(const u8 *p)
{
    return (u64)be32(p) << 32 | be32(p + 4);
}

/* ---- tokens ---- */

/* One decoded structure-block token. */
struct tok {
    u32 tag;
    size_t next;      /* offset of the following token */
    const char *name; /* BEGIN_NODE: node name; PROP: property name */
    const u8 *data;   /* PROP: value */
    size_t len;       /* PROP: value length */
};

static bool read_begin_node(const struct fdt *f, struct tok *t)
{
    const char *name = (const char *)f->structs + t->next;
    size_t room = f->struct_size - t->next;
    size_t n = strnlen(name, room);
    if (n == room)
        return false; /* name runs off the block */
    t->name = name;
    t->next = ALIGN_UP(t->next + n + 1, 4);
    return t->next <= f->struct_size;
}

static bool read_prop(const struct fdt *f, struct tok *t)
{
    size_t room = f->struct_size - t->next;
    if (room < 8)
        return false;
    u32 len = be32(f->structs + t->next);
    u32 nameoff = be32(f->structs + t->next + 4);
    if (len > room - 8 || nameoff >= f->strings_size)
        return false;
    const char *name = f->strings + nameoff;
    size_t name_room = f->strings_size - nameoff;
    if (strnlen(name, name_room) == name_room)
        return false; /* name runs off the strings block */
    t->name = name;
    t->data = f->structs + t->next + 8;
    t->len = len;
    t->next = ALIGN_UP(t->next + 8 + len, 4);
    return t->next <= f->struct_size;
}

/* Decodes the token at pos with every bound checked; false if it is misplaced, does not fit in
 * the structure block or is unknown. */
static bool tok_read(const struct fdt *f, size_t pos, struct tok *t)
{
    if (pos % 4 || pos > f->struct_size || f->struct_size - pos < 4)
        return false;
    t->tag = be32(f->structs + pos);
    t->next = pos + 4;
    switch (t->tag) {
    case FDT_BEGIN_NODE:
        return read_begin_node(f, t);
    case FDT_PROP:
        return read_prop(f, t);
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END:
        return true;
    default:
        return false;
    }
}

/* tok_read for walks that only follow the tree (ancestors, node_end, fdt_next_node): a
 * property's bounds are checked but not its name, which such walks never use (they pass over
 * every property before the node they look for, and that name check was most of their cost). */
static bool tok_walk(const struct fdt *f, size_t pos, struct tok *t)
{
    if (pos % 4 || pos > f->struct_size || f->struct_size - pos < 4)
        return false;
    t->tag = be32(f->structs + pos);
    t->next = pos + 4;
    if (t->tag != FDT_PROP)
        return tok_read(f, pos, t);
    size_t room = f->struct_size - t->next;
    if (room < 8 || be32(f->structs + t->next) > room - 8)
        return false;
    t->next = ALIGN_UP(t->next + 8 + be32(f->structs + t->next), 4);
    return t->next <= f->struct_size;
}

/* Offset of the first token at or after pos that is not a NOP (decoded into t), or -1. */
static int tok_skip_nops(const struct fdt *f, size_t pos, struct tok *t)
{
    while (tok_read(f, pos, t)) {
        if (t->tag != FDT_NOP)
            return (int)pos;
        pos = t->next;
    }
    return -1;
}

static bool node_tok(const struct fdt *f, int node, struct tok *t)
{
    return node >= 0 && tok_read(f, (size_t)node, t) && t->tag == FDT_BEGIN_NODE;
}

/* ---- validation ---- */

/* Non-root names must be non-empty and free of '/', or paths become ambiguous. */
static bool valid_node_name(const char *name, bool root)
{
    if (root)
        return name[0] == '\0';
    return name[0] != '\0' && !strchr(name, '/');
}

/* Walks the structure block: one root, balanced nodes within FDT_MAX_DEPTH, properties only
 * before a node's children, every token in bounds, ending with FDT_END. On success shrinks
 * struct_size to end at FDT_END, so no accessor looks past it. */
static int check_structure(struct fdt *f)
{
    struct tok t;
    size_t pos = 0;
    int depth = 0;
    bool root_done = false;
    bool props_ok = false;
    for (;;) {
        if (!tok_read(f, pos, &t))
            return -1;
        switch (t.tag) {
        case FDT_BEGIN_NODE:
            if (root_done || !valid_node_name(t.name, depth == 0) || ++depth > FDT_MAX_DEPTH)
                return -1;
            props_ok = true;
            break;
        case FDT_END_NODE:
            if (depth == 0)
                return -1;
            root_done = --depth == 0;
            props_ok = false;
            break;
        case FDT_PROP:
            if (!props_ok)
                return -1;
            break;
        case FDT_END:
            if (!root_done)
                return -1;
            f->struct_size = t.next;
            return 0;
        default: /* NOP */
            break;
        }
        pos = t.next; /* strictly increasing, so the walk ends */
    }
}

/* Counts memory reservation entries up to the (0, 0) terminator, which must lie in the blob. */
static int check_rsvmap(struct fdt *f, size_t off, size_t total)
{
    if (off % 8)
        return -1;
    const u8 *map = f->blob + off;
    for (size_t n = 0; total - off >= 16 * (n + 1); n++) {
        const u8 *e = map + 16 * n;
        if (be64(e) == 0 && be64(e + 8) == 0) {
            f->rsvmap = map;
            f->rsv_count = n;
            return 0;
        }
    }
    return -1;
}

/* Structure block bounds. Version 16 has no size_dt_struct: the block may extend to whichever
 * other block or the blob end comes first, and check_structure finds its real end. */
static int struct_bounds(const u8 *b, u32 version, size_t hdr, size_t total, size_t *size)
{
    size_t off = be32(b + FDT_HDR_OFF_STRUCT);
    if (off % 4)
        return -1;
    if (version >= 17) {
        *size = be32(b + FDT_HDR_SIZE_STRUCT);
        return range_contains(hdr, total - hdr, off, *size) ? 0 : -1;
    }
    if (off < hdr || off > total)
        return -1;
    size_t end = total;
    size_t others[2] = {be32(b + FDT_HDR_OFF_STRINGS), be32(b + FDT_HDR_OFF_RSVMAP)};
    for (size_t i = 0; i < ARRAY_SIZE(others); i++)
        if (others[i] > off && others[i] < end)
            end = others[i];
    *size = end - off;
    return 0;
}

/* Header fields: magic, sizes, versions and block placement (inside the blob, after the
 * header, structure and strings blocks disjoint). */
static int check_header(struct fdt *f, const u8 *b, size_t max_size)
{
    if (max_size < 8 || be32(b + FDT_HDR_MAGIC) != FDT_MAGIC)
        return -1;
    size_t total = be32(b + FDT_HDR_TOTALSIZE);
    if (total > max_size || total > INT_MAX_SIZE || total < FDT_HDR_SIZE_V16)
        return -1;
    u32 version = be32(b + FDT_HDR_VERSION);
    /* A blob declares the oldest format it stays compatible with; we understand 16 and 17. */
    if (version < 16 || be32(b + FDT_HDR_LAST_COMP) > 17)
        return -1;
    size_t hdr = version >= 17 ? FDT_HDR_SIZE : FDT_HDR_SIZE_V16;
    if (total < hdr)
        return -1;
    size_t str_off = be32(b + FDT_HDR_OFF_STRINGS);
    size_t str_size = be32(b + FDT_HDR_SIZE_STRINGS);
    size_t st_off = be32(b + FDT_HDR_OFF_STRUCT);
    size_t st_size;
    if (!range_contains(hdr, total - hdr, str_off, str_size) ||
        struct_bounds(b, version, hdr, total, &st_size) || ranges_overlap(st_off, st_size, str_off, str_size))
        return -1;
    f->blob = b;
    f->size = total;
    f->structs = b + st_off;
    f->struct_size = st_size;
    f->strings = (const char *)b + str_off;
    f->strings_size = str_size;
    size_t rsv_off = be32(b + FDT_HDR_OFF_RSVMAP);
    if (rsv_off < hdr || rsv_off > total || check_rsvmap(f, rsv_off, total))
        return -1;
    size_t rsv_len = 16 * (f->rsv_count + 1);
    if (ranges_overlap(rsv_off, rsv_len, st_off, st_size) ||
        ranges_overlap(rsv_off, rsv_len, str_off, str_size))
        return -1;
    return 0;
}

int fdt_open(struct fdt *f, const void *blob, size_t max_size)
{
    memset(f, 0, sizeof(*f));
    if (!blob || check_header(f, blob, max_size) || check_structure(f)) {
        memset(f, 0, sizeof(*f)); /* a failed open leaves nothing usable */
        return -1;
    }
    return 0;
}

size_t fdt_total_size(const void *blob)
{
    const u8 *b = blob;
    if (!b || be32(b + FDT_HDR_MAGIC) != FDT_MAGIC)
        return 0;
    return be32(b + FDT_HDR_TOTALSIZE);
}

bool fdt_mem_rsv(const struct fdt *f, size_t index, u64 *addr, u64 *size)
{
    if (index >= f->rsv_count)
        return false;
    const u8 *e = f->rsvmap + 16 * index;
    if (addr)
        *addr = be64(e);
    if (size)
        *size = be64(e + 8);
    return true;
}

/* ---- navigation ---- */

int fdt_root(const struct fdt *f)
{
    struct tok t;
    int pos = tok_skip_nops(f, 0, &t);
    return pos >= 0 && t.tag == FDT_BEGIN_NODE ? pos : -1;
}

/* Offset of the first token after node's properties (a child's BEGIN_NODE or the node's
 * END_NODE, decoded into t), or -1. */
static int skip_props(const struct fdt *f, int node, struct tok *t)
{
    if (!node_tok(f, node, t))
        return -1;
    int pos = tok_skip_nops(f, t->next, t);
    while (pos >= 0 && t->tag == FDT_PROP)
        pos = tok_skip_nops(f, t->next, t);
    return pos;
}

int fdt_first_child(const struct fdt *f, int node)
{
    struct tok t;
    int pos = skip_props(f, node, &t);
    return pos >= 0 && t.tag == FDT_BEGIN_NODE ? pos : -1;
}

/* Offset just past the END_NODE that closes node, or -1. */
static int node_end(const struct fdt *f, int node)
{
    struct tok t;
    size_t pos = (size_t)node;
    int depth = 0;
    while (tok_walk(f, pos, &t)) {
        if (t.tag == FDT_BEGIN_NODE)
            depth++;
        else if (t.tag == FDT_END_NODE && --depth == 0)
            return (int)t.next;
        else if (t.tag == FDT_END)
            return -1;
        pos = t.next;
    }
    return -1;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
    struct tok t;
    if (!node_tok(f, node, &t))
        return -1;
    int end = node_end(f, node);
    if (end < 0)
        return -1;
    int pos = tok_skip_nops(f, (size_t)end, &t);
    return pos >= 0 && t.tag == FDT_BEGIN_NODE ? pos : -1;
}

int fdt_next_node(const struct fdt *f, int node)
{
    struct tok t;
    if (!node_tok(f, node, &t))
        return -1;
    size_t pos = t.next;
    while (tok_walk(f, pos, &t) && t.tag != FDT_END) {
        if (t.tag == FDT_BEGIN_NODE)
            return (int)pos;
        pos = t.next;
    }
    return -1;
}

/* Walks from the root to node, recording its ancestors (root first) in stack. Returns their
 * number, or -1 when node is not a node start. The format has no parent links, so this is the
 * only way up; the walk is linear in the blob size. */
static int ancestors(const struct fdt *f, int node, int stack[FDT_MAX_DEPTH])
{
    struct tok t;
    int depth = 0;
    int pos = fdt_root(f);
    if (node < 0 || pos < 0)
        return -1;
    while (tok_walk(f, (size_t)pos, &t)) {
        if (t.tag == FDT_BEGIN_NODE) {
            if (pos == node)
                return depth;
            if (depth == FDT_MAX_DEPTH)
                return -1;
            stack[depth++] = pos;
        } else if (t.tag == FDT_END_NODE) {
            if (depth == 0)
                return -1;
            depth--;
        } else if (t.tag == FDT_END) {
            return -1;
        }
        pos = (int)t.next;
    }
    return -1;
}

int fdt_parent(const struct fdt *f, int node)
{
    int stack[FDT_MAX_DEPTH];
    int n = ancestors(f, node, stack);
    return n > 0 ? stack[n - 1] : -1;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
    struct tok t;
    return node_tok(f, node, &t) ? t.name : NULL;
}

/* Compares a NUL-terminated node name with the first n bytes of key: 2 for an exact match,
 * 1 when the name is key plus a unit address ("key@..."), 0 otherwise. */
static int name_match(const char *name, const char *key, size_t n)
{
    if (!name)
        return 0;
    size_t len = strnlen(name, n + 1);
    if (len < n || memcmp(name, key, n) != 0)
        return 0;
    if (len == n)
        return 2;
    return name[n] == '@' ? 1 : 0;
}

static bool has_unit_address(const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] == '@')
            return true;
    return false;
}

int fdt_subnode(const struct fdt *f, int parent, const char *name, size_t namelen)
{
    if (!name || namelen == 0)
        return -1;
    bool loose_ok = !has_unit_address(name, namelen);
    int loose = -1;
    for (int c = fdt_first_child(f, parent); c >= 0; c = fdt_next_sibling(f, c)) {
        int m = name_match(fdt_node_name(f, c), name, namelen);
        if (m == 2)
            return c;
        if (m == 1 && loose_ok && loose < 0)
            loose = c;
    }
    return loose;
}

int fdt_path_lookup(const struct fdt *f, const char *path)
{
    if (!path || path[0] != '/')
        return -1;
    int node = fdt_root(f);
    while (node >= 0) {
        while (*path == '/')
            path++;
        if (!*path)
            return node;
        const char *slash = strchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : strlen(path);
        node = fdt_subnode(f, node, path, n);
        path += n;
    }
    return -1;
}

/* Appends s at *pos, keeping buf terminated; false if it does not fit. */
static bool path_append(char *buf, size_t size, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (n >= size - *pos)
        return false;
    memcpy(buf + *pos, s, n + 1);
    *pos += n;
    return true;
}

int fdt_node_path(const struct fdt *f, int node, char *buf, size_t size)
{
    int stack[FDT_MAX_DEPTH];
    if (!buf || size == 0)
        return -1;
    buf[0] = '\0';
    size_t pos = 0;
    int n = ancestors(f, node, stack);
    if (n < 0)
        return -1;
    if (n == 0)
        return path_append(buf, size, &pos, "/") ? 0 : -1;
    for (int i = 1; i <= n; i++) { /* stack[0] is the root, whose name is empty */
        int at = i < n ? stack[i] : node;
        if (!path_append(buf, size, &pos, "/") || !path_append(buf, size, &pos, fdt_node_name(f, at))) {
            buf[0] = '\0';
            return -1;
        }
    }
    return 0;
}

/* ---- properties ---- */

int fdt_first_prop(const struct fdt *f, int node)
{
    struct tok t;
    if (!node_tok(f, node, &t))
        return -1;
    int pos = tok_skip_nops(f, t.next, &t);
    return pos >= 0 && t.tag == FDT_PROP ? pos : -1;
}

int fdt_next_prop(const struct fdt *f, int prop)
{
    struct tok t;
    if (prop < 0 || !tok_read(f, (size_t)prop, &t) || t.tag != FDT_PROP)
        return -1;
    int pos = tok_skip_nops(f, t.next, &t);
    return pos >= 0 && t.tag == FDT_PROP ? pos : -1;
}

const void *fdt_prop_at(const struct fdt *f, int prop, const char **name, size_t *len)
{
    struct tok t;
    if (prop < 0 || !tok_read(f, (size_t)prop, &t) || t.tag != FDT_PROP)
        return NULL;
    if (name)
        *name = t.name;
    if (len)
        *len = t.len;
    return t.data;
}

const void *fdt_prop(const struct fdt *f, int node, const char *name, size_t *len)
{
    if (!name)
        return NULL;
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *pname;
        const void *data = fdt_prop_at(f, p, &pname, len);
        if (data && strcmp(pname, name) == 0)
            return data;
    }
    return NULL;
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name)
{
    size_t len;
    const char *s = fdt_prop(f, node, name, &len);
    return s && len > 0 && strnlen(s, len) == len - 1 ? s : NULL;
}

bool fdt_prop_u32(const struct fdt *f, int node, const char *name, u32 *out)
{
    size_t len;
    const u8 *p = fdt_prop(f, node, name, &len);
    if (!p || len != 4)
        return false;
    *out = be32(p);
    return true;
}

bool fdt_prop_u64(const struct fdt *f, int node, const char *name, u64 *out)
{
    size_t len;
    const u8 *p = fdt_prop(f, node, name, &len);
    if (!p || (len != 4 && len != 8))
        return false;
    *out = len == 4 ? be32(p) : be64(p);
    return true;
}

/* True when the stringlist s[0..len) holds want as one of its NUL-terminated entries. */
static bool stringlist_contains(const char *s, size_t len, const char *want)
{
    size_t wlen = strlen(want);
    while (len > 0) {
        size_t n = strnlen(s, len);
        if (n == len)
            return false; /* unterminated tail: not an entry */
        if (n == wlen && memcmp(s, want, n) == 0)
            return true;
        s += n + 1;
        len -= n + 1;
    }
    return false;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
    size_t len;
    const char *list = fdt_prop(f, node, "compatible", &len);
    return list && compat && stringlist_contains(list, len, compat);
}

int fdt_find_compatible(const struct fdt *f, int from, const char *compat)
{
    int n = from < 0 ? fdt_root(f) : fdt_next_node(f, from);
    for (; n >= 0; n = fdt_next_node(f, n))
        if (fdt_is_compatible(f, n, compat))
            return n;
    return -1;
}

int fdt_find_phandle(const struct fdt *f, u32 phandle)
{
    if (phandle == 0 || phandle == 0xffffffffu)
        return -1; /* reserved values, never a node's phandle */
    for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n)) {
        u32 v;
        if ((fdt_prop_u32(f, n, "phandle", &v) || fdt_prop_u32(f, n, "linux,phandle", &v)) && v == phandle)
            return n;
    }
    return -1;
}

/* ---- addressing ---- */

/* A cell-count property of parent (the root's own defaults when there is no parent). */
static u32 cells_of(const struct fdt *f, int parent, const char *name, u32 dflt)
{
    u32 v;
    return parent >= 0 && fdt_prop_u32(f, parent, name, &v) ? v : dflt;
}

u32 fdt_address_cells(const struct fdt *f, int node)
{
    return cells_of(f, fdt_parent(f, node), "#address-cells", 2);
}

u32 fdt_size_cells(const struct fdt *f, int node)
{
    return cells_of(f, fdt_parent(f, node), "#size-cells", 1);
}

/* Reads n (0..2) cells at p as one number. */
static u64 read_cells(const u8 *p, u32 n)
{
    u64 v = 0;
    for (u32 i = 0; i < n; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

bool fdt_reg(const struct fdt *f, int node, size_t index, u64 *addr, u64 *size)
{
    size_t len;
    const u8 *reg = fdt_prop(f, node, "reg", &len);
    if (!reg)
        return false;
    int parent = fdt_parent(f, node);
    u32 ac = cells_of(f, parent, "#address-cells", 2);
    u32 sc = cells_of(f, parent, "#size-cells", 1);
    /* Wider cells (PCI's 3-cell addresses) do not fit a u64; 0 address cells means no reg. */
    if (ac == 0 || ac > 2 || sc > 2)
        return false;
    size_t entry = 4 * (size_t)(ac + sc);
    if (index >= len / entry)
        return false;
    const u8 *e = reg + index * entry;
    if (addr)
        *addr = read_cells(e, ac);
    if (size)
        *size = read_cells(e + 4 * ac, sc);
    return true;
}

bool fdt_node_enabled(const struct fdt *f, int node)
{
    struct tok t;
    if (!node_tok(f, node, &t))
        return false;
    size_t len;
    if (!fdt_prop(f, node, "status", &len))
        return true;
    const char *s = fdt_prop_string(f, node, "status");
    return s && (strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0);
}
