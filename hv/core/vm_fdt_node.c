/* Small writers and the copy walk shared by the generic guest device-tree writer (vm_fdt.c) and
 * the architecture's nodes (hv/arch/<arch>/vm_fdt_arch.c); see <hv/vm_fdt_node.h>. */
#include <hv/vm_fdt_node.h>
#include <lib/fdt.h>
#include <lib/fmt.h>
#include <lib/string.h>

bool vm_fdt_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool vm_fdt_starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

void vm_fdt_unit_name(char *buf, const char *prefix, u64 addr)
{
    fmt_snprintf(buf, VM_FDT_NAME_MAX, "%s@%llx", prefix, (unsigned long long)addr);
}

/* ---- parameter checks ---- */

bool vm_fdt_valid_range(u64 base, u64 size)
{
    return size != 0 && base + (size - 1) >= base;
}

/* Appends v as `cells` (1 or 2) big cells; false if it does not fit. */
bool vm_fdt_put_cells(u32 *out, size_t *n, u64 v, u32 cells)
{
    if (cells == 1) {
        if (v >> 32)
            return false;
        out[(*n)++] = (u32)v;
        return true;
    }
    if (cells == 2) {
        out[(*n)++] = (u32)(v >> 32);
        out[(*n)++] = (u32)v;
        return true;
    }
    return false;
}

/* A reg property of one (addr, size) entry; false when the values do not fit the cell counts. */
bool vm_fdt_write_reg(struct fdt_writer *w, u32 ac, u32 sc, u64 addr, u64 size)
{
    u32 cells[4];
    size_t n = 0;
    if (!vm_fdt_put_cells(cells, &n, addr, ac) || !vm_fdt_put_cells(cells, &n, size, sc))
        return false;
    fdt_property_cells(w, "reg", cells, n);
    return true;
}

bool vm_fdt_writer_ok(const struct fdt_writer *w)
{
    return !w->overflow && !w->error;
}

bool vm_fdt_is_memory_node(const struct fdt *f, int node)
{
    return vm_fdt_streq(fdt_prop_string(f, node, "device_type"), "memory");
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (vm_fdt_streq(name, list[i]))
            return true;
    return false;
}

/* Copies node's properties except those named in skip. */
void vm_fdt_copy_props(struct vm_fdt_patch_ctx *c, int node, const char *const *skip, size_t nskip)
{
    for (int q = fdt_first_prop(c->f, node); q >= 0 && vm_fdt_writer_ok(c->w); q = fdt_next_prop(c->f, q)) {
        const char *name;
        size_t len;
        const void *data = fdt_prop_at(c->f, q, &name, &len);
        if (data && !in_list(name, skip, nskip))
            fdt_property(c->w, name, data, len);
    }
}

void vm_fdt_copy_node_props(struct vm_fdt_patch_ctx *c, int node)
{
    if (!c->patch_props || !c->patch_props(c, node))
        vm_fdt_copy_props(c, node, NULL, 0);
}

/* Next child of parent from `child` on (child itself included) that is not a memory node. */
static int skip_memory(const struct fdt *f, int child)
{
    while (child >= 0 && vm_fdt_is_memory_node(f, child))
        child = fdt_next_sibling(f, child);
    return child;
}

/* Copies the children of node (not node itself) with their subtrees, memory nodes left out. */
void vm_fdt_copy_children(struct vm_fdt_patch_ctx *c, int node)
{
    int stack[FDT_MAX_DEPTH]; /* nodes entered below node, innermost last */
    int depth = 0;
    int next = skip_memory(c->f, fdt_first_child(c->f, node));
    while (vm_fdt_writer_ok(c->w)) {
        if (next >= 0) {
            if (depth == FDT_MAX_DEPTH) { /* cannot happen in a tree fdt_open accepted */
                c->bad = true;
                return;
            }
            fdt_begin_node(c->w, fdt_node_name(c->f, next));
            vm_fdt_copy_node_props(c, next);
            stack[depth++] = next;
            next = skip_memory(c->f, fdt_first_child(c->f, next));
            continue;
        }
        if (depth == 0)
            return;
        fdt_end_node(c->w);
        next = skip_memory(c->f, fdt_next_sibling(c->f, stack[--depth]));
    }
}
