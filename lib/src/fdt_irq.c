/* Interrupt specifiers and the console node of a device tree (lib/fdt.h). The meaning of a
 * specifier's cells belongs to its interrupt controller's binding, so it is left to that
 * controller's driver (fdt_irq_xlate_fn); this file only finds the controller and the cells.
 * Everything read from the (untrusted) blob is length-checked before use. */
#include <lib/fdt.h>
#include <lib/string.h>

static u32 be32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

u32 fdt_irq_cells(const struct fdt *f, int controller)
{
    u32 cells;
    if (controller < 0 || !fdt_prop(f, controller, "interrupt-controller", NULL) ||
        !fdt_prop_u32(f, controller, "#interrupt-cells", &cells) || cells == 0 || cells > FDT_IRQ_MAX_CELLS)
        return 0;
    return cells;
}

static bool fill(const struct fdt *f, int controller, const u8 *p, struct fdt_irq_spec *out)
{
    u32 cells = fdt_irq_cells(f, controller);
    if (!cells)
        return false;
    out->controller = controller;
    out->cell_count = cells;
    for (u32 i = 0; i < cells; i++)
        out->cells[i] = be32(p + 4 * i);
    return true;
}

/* The node's interrupt parent (Devicetree Specification 2.4.1): the node named by its
 * `interrupt-parent`, else its parent node when that is an interrupt controller, else the
 * parent's interrupt parent, and so on up the tree. -1 when there is none. */
static int interrupt_parent(const struct fdt *f, int node)
{
    for (int n = node, depth = 0; n >= 0 && depth < FDT_MAX_DEPTH; depth++) {
        size_t len;
        const u8 *p = fdt_prop(f, n, "interrupt-parent", &len);
        if (p)
            return len == 4 ? fdt_find_phandle(f, be32(p)) : -1;
        n = fdt_parent(f, n);
        if (n >= 0 && fdt_prop(f, n, "interrupt-controller", NULL))
            return n;
    }
    return -1;
}

bool fdt_irq_spec(const struct fdt *f, int node, u32 index, struct fdt_irq_spec *out)
{
    size_t len;
    const u8 *p = fdt_prop(f, node, "interrupts-extended", &len);
    if (p) { /* <phandle cells...> entries, each controller with its own cell count */
        for (u32 i = 0; len >= 4; i++) {
            int ctl = fdt_find_phandle(f, be32(p));
            u32 cells = fdt_irq_cells(f, ctl);
            if (!cells || cells > (len - 4) / 4)
                return false;
            if (i == index)
                return fill(f, ctl, p + 4, out);
            p += 4 + 4 * (size_t)cells;
            len -= 4 + 4 * (size_t)cells;
        }
        return false;
    }
    p = fdt_prop(f, node, "interrupts", &len);
    if (!p)
        return false;
    int ctl = interrupt_parent(f, node);
    u32 cells = fdt_irq_cells(f, ctl);
    if (!cells || index >= len / (4 * (size_t)cells))
        return false;
    return fill(f, ctl, p + 4 * (size_t)cells * index, out);
}

int fdt_stdout_node(const struct fdt *f)
{
    int chosen = fdt_path_lookup(f, "/chosen");
    if (chosen < 0)
        return -1;
    const char *path = fdt_prop_string(f, chosen, "stdout-path");
    if (!path)
        path = fdt_prop_string(f, chosen, "linux,stdout-path");
    if (!path)
        return -1;
    char buf[256];
    size_t n = strlen(path);
    const char *colon = strchr(path, ':');
    if (colon)
        n = (size_t)(colon - path);
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, path, n);
    buf[n] = 0;
    if (buf[0] == '/')
        return fdt_path_lookup(f, buf);
    /* An alias: /aliases holds its full path. */
    int aliases = fdt_path_lookup(f, "/aliases");
    const char *full = aliases >= 0 ? fdt_prop_string(f, aliases, buf) : NULL;
    return full && full[0] == '/' ? fdt_path_lookup(f, full) : -1;
}
