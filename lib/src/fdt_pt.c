/* Device passthrough by device-tree path (lib/fdt_pt.h).
 *
 * One depth-first walk of the host tree with an explicit stack of ancestors, so cell counts,
 * `ranges`, the inherited interrupt parent and the include/exclude state are known without the
 * reader's (linear) parent lookups. Everything read from the blob goes through the bounds-checked
 * fdt accessors; property contents are length-checked here before any cell is decoded. */
#include <lib/fdt_pt.h>
#include <lib/string.h>

#define CACHED_PATHS 16 /* include/exclude paths resolved once; later ones at every node */

struct frame {
    int node;
    u32 ac, sc;     /* this node's #address-cells / #size-cells, for its children */
    u32 iparent;    /* phandle of the interrupt parent in effect; 0: none */
    size_t pathlen; /* length of the path up to and including this node, in walk.path */
    bool path_cut;  /* ... which was cut short */
    bool included, excluded;
};

struct walk {
    const struct fdt *f;
    const char *const *inc, *const *exc;
    size_t n_inc, n_exc;
    fdt_irq_xlate_fn *xlate;
    int inc_node[CACHED_PATHS], exc_node[CACHED_PATHS];
    struct frame st[FDT_MAX_DEPTH]; /* st[0] is the root */
    int depth;
    char path[FDT_PT_PATH_MAX]; /* path of the node being visited ("" for the root) */
    /* Last interrupt controller looked up by phandle. */
    u32 ctl_phandle; /* 0: nothing cached */
    int ctl_node;
    u32 ctl_cells; /* its #interrupt-cells (fdt_irq_cells); 0 if it is no usable controller */
    struct fdt_pt_device dev;
};

static u32 be32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

/* n (0..2) cells at p as one number. */
static u64 read_cells(const u8 *p, u32 n)
{
    u64 v = 0;
    for (u32 i = 0; i < n; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

static u32 cells_prop(const struct fdt *f, int node, const char *name, u32 dflt)
{
    u32 v;
    return fdt_prop_u32(f, node, name, &v) ? v : dflt;
}

/* name is base itself or base plus a unit address. */
static bool name_is(const char *name, const char *base)
{
    size_t n = strlen(base);
    return strncmp(name, base, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

/* ---- selection ---- */

static bool listed(const struct walk *w, const char *const *paths, size_t n, const int *cache, int node)
{
    for (size_t i = 0; i < n; i++) {
        int at = i < CACHED_PATHS ? cache[i] : fdt_path_lookup(w->f, paths[i]);
        if (at == node)
            return true;
    }
    return false;
}

/* Subtrees never passed through: configuration, memory, CPUs and the interrupt controller
 * (with its ITS / v2m frames), which the hypervisor handles itself; disabled nodes. */
static bool pruned(const struct walk *w, int node, const char *name)
{
    const struct fdt *f = w->f;
    if (w->depth == 2) { /* children of the root */
        static const char *const special[] = {"cpus", "chosen", "aliases", "reserved-memory", "memory"};
        for (size_t i = 0; i < ARRAY_SIZE(special); i++)
            if (name_is(name, special[i]))
                return true;
    }
    const char *type = fdt_prop_string(f, node, "device_type");
    return !fdt_node_enabled(f, node) || fdt_prop(f, node, "interrupt-controller", NULL) ||
           (type && strcmp(type, "memory") == 0);
}

/* Writes "/name" after the parent's path, cut at the end of the buffer. */
static void path_push(struct walk *w, struct frame *fr, const struct frame *up, const char *name)
{
    size_t base = up->pathlen; /* at most sizeof(path) - 1 */
    size_t want = 1 + strlen(name), take = MIN(want, sizeof(w->path) - 1 - base);
    if (take > 0) {
        w->path[base] = '/';
        memcpy(w->path + base + 1, name, take - 1);
    }
    w->path[base + take] = '\0';
    fr->pathlen = base + take;
    fr->path_cut = take < want; /* then pathlen is at its maximum: descendants are cut too */
}

/* Pushes node's frame. Returns whether to walk its children; *report says whether it is a
 * selected device. */
static bool enter(struct walk *w, int node, bool *report)
{
    const struct fdt *f = w->f;
    const struct frame *up = w->depth > 0 ? &w->st[w->depth - 1] : NULL;
    struct frame *fr = &w->st[w->depth++];
    const char *name = fdt_node_name(f, node);
    size_t len;
    const u8 *ip = fdt_prop(f, node, "interrupt-parent", &len);
    *report = false;
    fr->node = node;
    fr->ac = cells_prop(f, node, "#address-cells", 2);
    fr->sc = cells_prop(f, node, "#size-cells", 1);
    /* A malformed interrupt-parent routes nowhere rather than to an ancestor's parent. */
    fr->iparent = ip ? (len == 4 ? be32(ip) : 0) : up ? up->iparent : 0;
    fr->included = (up && up->included) || listed(w, w->inc, w->n_inc, w->inc_node, node);
    fr->excluded = (up && up->excluded) || listed(w, w->exc, w->n_exc, w->exc_node, node);
    if (!up) {
        fr->pathlen = 0;
        fr->path_cut = false;
        return !fr->excluded;
    }
    if (!name || fr->excluded || pruned(w, node, name))
        return false;
    path_push(w, fr, up, name);
    *report = fr->included && fdt_prop(f, node, "reg", NULL);
    return true;
}

/* ---- reg ---- */

/* Translates [*addr, +size) from the address space of bus st[level] up to CPU addresses through
 * the `ranges` of st[level] .. st[1]. False when some level is not memory-mapped, the region
 * does not fit one window, or the cell counts are unsupported. */
static bool translate(const struct walk *w, int level, u64 *addr, u64 size)
{
    for (int i = level; i >= 1; i--) {
        const struct frame *bus = &w->st[i], *up = &w->st[i - 1];
        size_t len;
        const u8 *r = fdt_prop(w->f, bus->node, "ranges", &len);
        if (!r)
            return false; /* no ranges: not memory-mapped (an i2c or spi bus, say) */
        if (len == 0)
            continue; /* identity */
        u32 cac = bus->ac, pac = up->ac, csc = bus->sc;
        if (cac == 0 || cac > 2 || pac == 0 || pac > 2 || csc == 0 || csc > 2)
            return false;
        size_t entry = 4 * (size_t)(cac + pac + csc);
        bool found = false;
        for (size_t k = 0; k < len / entry && !found; k++) {
            const u8 *e = r + k * entry;
            u64 child = read_cells(e, cac), parent = read_cells(e + 4 * cac, pac);
            u64 wlen = read_cells(e + 4 * (cac + pac), csc);
            if (!range_contains(child, wlen, *addr, size))
                continue;
            u64 to = parent + (*addr - child);
            if (to < parent || size - 1 > UINT64_MAX - to)
                continue; /* window wraps the parent's address space */
            *addr = to;
            found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

static void collect_regs(struct walk *w, struct fdt_pt_device *dev)
{
    const struct frame *parent = &w->st[w->depth - 2];
    size_t len;
    const u8 *reg = fdt_prop(w->f, dev->node, "reg", &len);
    u32 ac = parent->ac, sc = parent->sc;
    if (!reg || ac == 0 || ac > 2 || sc > 2)
        return; /* wider cells (PCI's 3-cell addresses) do not fit a u64 */
    size_t entry = 4 * (size_t)(ac + sc);
    for (size_t i = 0; i < len / entry; i++) { /* a trailing partial entry is ignored */
        u64 addr = read_cells(reg + i * entry, ac);
        u64 size = read_cells(reg + i * entry + 4 * ac, sc);
        if (size == 0 || size - 1 > UINT64_MAX - addr || !translate(w, w->depth - 2, &addr, size))
            continue;
        if (dev->reg_count == FDT_PT_MAX_REGS) {
            dev->truncated = true;
            return;
        }
        dev->reg_base[dev->reg_count] = addr;
        dev->reg_size[dev->reg_count++] = size;
    }
}

/* ---- interrupts ---- */

/* Looks up the interrupt controller with this phandle (cached): its #interrupt-cells, 0 when
 * the phandle names no usable interrupt controller. */
static u32 controller(struct walk *w, u32 phandle)
{
    if (phandle == 0)
        return 0;
    if (w->ctl_phandle != phandle) {
        w->ctl_phandle = phandle;
        w->ctl_node = fdt_find_phandle(w->f, phandle);
        w->ctl_cells = fdt_irq_cells(w->f, w->ctl_node);
    }
    return w->ctl_cells;
}

/* Adds the interrupt of specifier `spec` (cells of the cached controller) when the driver's
 * translation routes it; per-CPU interrupts, ones it does not translate and repeats are ignored. */
static void add_spec(struct walk *w, struct fdt_pt_device *dev, const u8 *spec)
{
    struct fdt_irq_spec s = {.controller = w->ctl_node, .cell_count = w->ctl_cells};
    struct fdt_irq irq;
    for (u32 i = 0; i < w->ctl_cells; i++)
        s.cells[i] = be32(spec + 4 * i);
    if (!w->xlate || !w->xlate(w->f, &s, &irq) || irq.percpu)
        return;
    for (u32 i = 0; i < dev->irq_count; i++)
        if (dev->irq[i] == irq.irq)
            return;
    if (dev->irq_count == FDT_PT_MAX_IRQS) {
        dev->truncated = true;
        return;
    }
    dev->irq_edge[dev->irq_count] = irq.edge;
    dev->irq[dev->irq_count++] = irq.irq;
}

static void collect_irqs(struct walk *w, struct fdt_pt_device *dev)
{
    const struct fdt *f = w->f;
    u32 cells;
    size_t len;
    const u8 *p = fdt_prop(f, dev->node, "interrupts-extended", &len);
    if (p) { /* <phandle spec...> pairs, each controller with its own cell count */
        while (len >= 4 && (cells = controller(w, be32(p))) != 0 && cells <= (len - 4) / 4) {
            add_spec(w, dev, p + 4);
            p += 4 + 4 * (size_t)cells;
            len -= 4 + 4 * (size_t)cells;
        }
        return;
    }
    p = fdt_prop(f, dev->node, "interrupts", &len);
    if (!p || (cells = controller(w, w->st[w->depth - 1].iparent)) == 0)
        return;
    for (size_t i = 0; i < len / (4 * (size_t)cells); i++) /* a trailing partial entry is ignored */
        add_spec(w, dev, p + 4 * (size_t)cells * i);
}

/* ---- walk ---- */

static int report(struct walk *w, int node, fdt_pt_fn *fn, void *arg)
{
    struct fdt_pt_device *dev = &w->dev;
    memset(dev, 0, sizeof(*dev));
    dev->node = node;
    str_copy(dev->path, w->path, sizeof(dev->path));
    if (w->st[w->depth - 1].path_cut)
        memcpy(dev->path + sizeof(dev->path) - 4, "...", 4);
    collect_regs(w, dev);
    collect_irqs(w, dev);
    return fn ? fn(dev, arg) : 0;
}

int fdt_pt_collect(const struct fdt *host, const char *const *include, size_t n_include,
                   const char *const *exclude, size_t n_exclude, fdt_irq_xlate_fn *xlate, fdt_pt_fn *fn,
                   void *arg, const char **bad_path)
{
    struct walk w;
    if (bad_path)
        *bad_path = NULL;
    if (!host || (n_include && !include) || (n_exclude && !exclude))
        return -1;
    memset(&w, 0, sizeof(w));
    w.f = host;
    w.inc = include;
    w.exc = exclude;
    w.n_inc = n_include;
    w.n_exc = n_exclude;
    w.xlate = xlate;
    for (size_t i = 0; i < n_include; i++) {
        int node = fdt_path_lookup(host, include[i]);
        if (node < 0) {
            if (bad_path)
                *bad_path = include[i];
            return -1;
        }
        if (i < CACHED_PATHS)
            w.inc_node[i] = node;
    }
    for (size_t i = 0; i < n_exclude && i < CACHED_PATHS; i++)
        w.exc_node[i] = fdt_path_lookup(host, exclude[i]); /* -1 (no node) never matches */

    int count = 0;
    int node = fdt_root(host);
    while (node >= 0) {
        bool dev;
        bool descend = enter(&w, node, &dev);
        if (dev) {
            count++;
            int rc = report(&w, node, fn, arg);
            if (rc)
                return rc;
        }
        int next = descend && w.depth < FDT_MAX_DEPTH ? fdt_first_child(host, node) : -1;
        while (next < 0 && w.depth > 0) {
            int done = w.st[--w.depth].node;
            if (w.depth > 0)
                next = fdt_next_sibling(host, done);
        }
        node = next;
    }
    return count;
}
