/* libFuzzer target for the FDT reader (and, through a copy, the writer). Any input that
 * fdt_open accepts is walked with every accessor; tree invariants are checked with
 * __builtin_trap so the fuzzer reports them. Accessors are also fed every structure offset,
 * valid or not, which must stay memory-safe. */
#include <stdlib.h>

#include <lib/fdt.h>
#include <lib/string.h>
#include <lib/types.h>

#define CHECK(c)                                                                                             \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

static void use(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory"); /* keep results from being optimised out */
}

static void poke_props(const struct fdt *f, int node)
{
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        size_t len, len2;
        const void *data = fdt_prop_at(f, p, &name, &len);
        CHECK(data && name);
        /* Lookup by name finds this property or an earlier one of the same name. */
        const void *found = fdt_prop(f, node, name, &len2);
        CHECK(found && (const u8 *)found <= (const u8 *)data);
        u32 v32;
        u64 v64;
        use(fdt_prop_string(f, node, name));
        (void)fdt_prop_u32(f, node, name, &v32);
        (void)fdt_prop_u64(f, node, name, &v64);
    }
    /* Each compatible entry matches. */
    size_t len;
    const char *c = fdt_prop(f, node, "compatible", &len);
    while (c && len > 0) {
        size_t n = strnlen(c, len);
        if (n == len)
            break;
        CHECK(fdt_is_compatible(f, node, c));
        c += n + 1;
        len -= n + 1;
    }
}

static void poke_node(const struct fdt *f, int node, bool real)
{
    char path[512], again[512];
    u64 a, s;
    const char *name = fdt_node_name(f, node);
    use(name);
    int parent = fdt_parent(f, node);
    for (int c = fdt_first_child(f, node); real && c >= 0; c = fdt_next_sibling(f, c))
        CHECK(fdt_parent(f, c) == node);
    use(&parent);
    (void)fdt_next_node(f, node);
    (void)fdt_address_cells(f, node);
    (void)fdt_size_cells(f, node);
    for (size_t i = 0; i < 64 && fdt_reg(f, node, i, &a, &s); i++)
        use(&a);
    (void)fdt_node_enabled(f, node);
    (void)fdt_find_compatible(f, node, "arm,pl011");
    if (name)
        (void)fdt_subnode(f, node, name, strlen(name));
    if (fdt_node_path(f, node, path, sizeof(path)) == 0) {
        /* The path leads to a node with the same path. It may be an earlier twin, or missing
         * when the node sits below the second of two same-named siblings: the reader allows
         * duplicate names and lookups take the first. */
        int back = fdt_path_lookup(f, path);
        CHECK(back < 0 || (fdt_node_path(f, back, again, sizeof(again)) == 0 && strcmp(path, again) == 0));
        CHECK(back >= 0 || parent >= 0);
    }
    poke_props(f, node);
}

static int count_children(const struct fdt *f, int node, int depth)
{
    CHECK(depth <= FDT_MAX_DEPTH);
    int n = 1;
    for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
        n += count_children(f, c, depth + 1);
    return n;
}

static void copy_tree(const struct fdt *f, int node, struct fdt_writer *w)
{
    fdt_begin_node(w, fdt_node_name(f, node));
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        size_t len;
        const void *data = fdt_prop_at(f, p, &name, &len);
        fdt_property(w, name, data, len);
    }
    for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
        copy_tree(f, c, w);
    fdt_end_node(w);
}

/* Rewrites the tree with the writer: whenever it succeeds the result must open and have the
 * same number of nodes. (It refuses empty property names, which the reader tolerates.) */
static void rewrite(const struct fdt *f, int nodes, size_t size)
{
    size_t cap = 2 * size + 256;
    u8 *buf = malloc(cap);
    if (!buf)
        return;
    struct fdt_writer w;
    fdt_writer_init(&w, buf, cap);
    copy_tree(f, fdt_root(f), &w);
    int n = fdt_writer_finish(&w);
    if (n > 0) {
        struct fdt g;
        CHECK(fdt_open(&g, buf, (size_t)n) == 0);
        CHECK(count_children(&g, fdt_root(&g), 1) == nodes);
    } else {
        CHECK(w.error && !w.overflow);
    }
    free(buf);
}

/* Interrupt specifiers (lib/src/fdt_irq.c) of the first nodes: whatever a lookup returns
 * names an interrupt controller of the tree and fits the specifier. */
static void irq_specs(const struct fdt *f)
{
    int seen = 0;
    for (int n = fdt_root(f); n >= 0 && seen < 64; n = fdt_next_node(f, n), seen++)
        for (u32 i = 0; i < 4; i++) {
            struct fdt_irq_spec s;
            if (!fdt_irq_spec(f, n, i, &s))
                break;
            CHECK(s.cell_count >= 1 && s.cell_count <= FDT_IRQ_MAX_CELLS);
            CHECK(fdt_irq_cells(f, s.controller) == s.cell_count);
        }
    int out = fdt_stdout_node(f);
    CHECK(out < 0 || fdt_node_name(f, out));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    struct fdt f;
    (void)fdt_total_size(size >= 8 ? data : NULL);
    if (fdt_open(&f, data, size) != 0) {
        CHECK(fdt_root(&f) < 0);
        return 0;
    }
    int root = fdt_root(&f);
    CHECK(root >= 0 && fdt_parent(&f, root) < 0);
    int walked = 0;
    for (int n = root; n >= 0; n = fdt_next_node(&f, n), walked++)
        poke_node(&f, n, true);
    CHECK(walked == count_children(&f, root, 1));
    for (int off = -4; off < (int)MIN(f.struct_size + 4, 2048); off++)
        poke_node(&f, off, false);
    for (size_t i = 0; i < 16; i++)
        (void)fdt_mem_rsv(&f, i, NULL, NULL);
    (void)fdt_find_phandle(&f, 1);
    (void)fdt_path_lookup(&f, "/chosen");
    irq_specs(&f);
    rewrite(&f, walked, size);
    return 0;
}
