/* Guest device trees: a generated one for Linux (arm64), or the user's patched to the VM's
 * configuration. Written from the Devicetree Specification v0.4 and the Linux DT bindings of
 * the nodes involved (memory, cpus, psci, arm,gic-v3, arm,cortex-a15-gic, arm,armv8-timer,
 * arm,pl011, fixed-clock, chosen). See docs/guest-dtb.md.
 *
 * The source tree of vm_fdt_patch is untrusted; lib/fdt's reader validates it and bounds-checks
 * every access, so this file only has to cope with odd but well-formed content. Nothing here
 * recurses: subtrees are copied with an explicit stack of FDT_MAX_DEPTH offsets. */
#include <hv/vm_fdt.h>
#include <lib/fdt.h>
#include <lib/fmt.h>
#include <lib/string.h>

/* Interrupt specifier fields of the GIC bindings (3 cells: type, number, flags). */
#define GIC_SPI 0u
#define GIC_PPI 1u
#define IRQ_TYPE_LEVEL_HIGH 4u
#define IRQ_TYPE_LEVEL_LOW 8u
#define GIC_SPI_BASE 32u
#define GIC_SPI_LAST 1019u
#define GICV2_MAX_CPUS 8u

/* Architected timer PPIs (Linux binding order: secure phys, non-secure phys, virtual, hyp). */
static const u32 timer_ppis[4] = {13, 14, 11, 10};

#define NAME_MAX_LEN 40 /* "memory@" + 16 hex digits fits with room to spare */

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void unit_name(char *buf, const char *prefix, u64 addr)
{
    fmt_snprintf(buf, NAME_MAX_LEN, "%s@%llx", prefix, (unsigned long long)addr);
}

static u64 cpu_aff(const struct vm_fdt_params *p, u32 i)
{
    return p->cpu_hwid[i] & VM_MPIDR_AFF_MASK;
}

/* ---- parameter checks ---- */

static bool valid_range(u64 base, u64 size)
{
    return size != 0 && base + (size - 1) >= base;
}

/* What both entry points need: memory, vCPUs, initrd. */
static bool valid_common(const struct vm_fdt_params *p)
{
    if (p->mem_count == 0 || p->mem_count > VM_MAX_REGIONS)
        return false;
    for (size_t i = 0; i < p->mem_count; i++) {
        if (!valid_range(p->mem[i].base, p->mem[i].size))
            return false;
        for (size_t j = 0; j < i; j++)
            if (ranges_overlap(p->mem[i].base, p->mem[i].size, p->mem[j].base, p->mem[j].size))
                return false;
    }
    if (p->cpu_count == 0 || p->cpu_count > VM_MAX_VCPUS)
        return false;
    for (u32 i = 0; i < p->cpu_count; i++)
        for (u32 j = 0; j < i; j++)
            if (cpu_aff(p, i) == cpu_aff(p, j))
                return false;
    if (p->has_initrd && p->initrd_start >= p->initrd_end)
        return false;
    return true;
}

/* GIC sizes with defaults applied. */
struct gic_layout {
    u64 dist_size, cpu_size;
};

static bool valid_generate(const struct vm_fdt_params *p, struct gic_layout *g)
{
    if (p->gic == VM_FDT_GICV3) {
        g->dist_size = p->gicd_size ? p->gicd_size : VM_FDT_GICD_SIZE_V3;
        g->cpu_size = p->gicr_size ? p->gicr_size : (u64)VM_FDT_GICR_STRIDE_V3 * p->cpu_count;
        if (!valid_range(p->gicr_base, g->cpu_size))
            return false;
    } else if (p->gic == VM_FDT_GICV2) {
        if (p->cpu_count > GICV2_MAX_CPUS)
            return false;
        g->dist_size = p->gicd_size ? p->gicd_size : VM_FDT_GICD_SIZE_V2;
        g->cpu_size = p->gicc_size ? p->gicc_size : VM_FDT_GICC_SIZE_V2;
        if (!valid_range(p->gicc_base, g->cpu_size))
            return false;
    } else {
        return false;
    }
    if (!valid_range(p->gicd_base, g->dist_size))
        return false;
    if (p->has_uart && (p->uart_irq < GIC_SPI_BASE || p->uart_irq > GIC_SPI_LAST ||
                        !valid_range(p->uart_base, VM_FDT_UART_SIZE)))
        return false;
    if (p->virtio_count > VM_FDT_MAX_VIRTIO)
        return false;
    for (size_t i = 0; i < p->virtio_count; i++)
        if (p->virtio[i].irq < GIC_SPI_BASE || p->virtio[i].irq > GIC_SPI_LAST ||
            !valid_range(p->virtio[i].base, p->virtio[i].size))
            return false;
    return true;
}

/* ---- node writers shared by both entry points ---- */

/* Appends v as `cells` (1 or 2) big cells; false if it does not fit. */
static bool put_cells(u32 *out, size_t *n, u64 v, u32 cells)
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
static bool write_reg(struct fdt_writer *w, u32 ac, u32 sc, u64 addr, u64 size)
{
    u32 cells[4];
    size_t n = 0;
    if (!put_cells(cells, &n, addr, ac) || !put_cells(cells, &n, size, sc))
        return false;
    fdt_property_cells(w, "reg", cells, n);
    return true;
}

/* One memory@<base> node per range, encoded with the root's cell counts. */
static bool write_memory(struct fdt_writer *w, const struct vm_fdt_params *p, u32 ac, u32 sc)
{
    char name[NAME_MAX_LEN];
    for (size_t i = 0; i < p->mem_count; i++) {
        unit_name(name, "memory", p->mem[i].base);
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "memory");
        if (!write_reg(w, ac, sc, p->mem[i].base, p->mem[i].size))
            return false;
        fdt_end_node(w);
    }
    return true;
}

static void write_psci_props(struct fdt_writer *w)
{
    static const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2"};
    fdt_property_strings(w, "compatible", compat, ARRAY_SIZE(compat));
    fdt_property_string(w, "method", "hvc");
}

/* #address-cells of /cpus needed for the vCPUs' MPIDRs: 2 once any has Aff3. */
static u32 cpus_cells_needed(const struct vm_fdt_params *p)
{
    for (u32 i = 0; i < p->cpu_count; i++)
        if (cpu_aff(p, i) >> 32)
            return 2;
    return 1;
}

/* The cpu node's reg: the MPIDR affinity in ac cells. */
static void write_cpu_reg(struct fdt_writer *w, u64 aff, u32 ac)
{
    u32 cells[2];
    size_t n = 0;
    put_cells(cells, &n, aff, ac); /* ac was chosen so that every MPIDR fits */
    fdt_property_cells(w, "reg", cells, n);
}

static void write_chosen_ours(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    if (p->bootargs && p->bootargs[0])
        fdt_property_string(w, "bootargs", p->bootargs);
    if (p->has_initrd) {
        fdt_property_u64(w, "linux,initrd-start", p->initrd_start);
        fdt_property_u64(w, "linux,initrd-end", p->initrd_end);
    }
}

/* ---- generation ---- */

static void gen_cpus(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    u32 ac = cpus_cells_needed(p);
    char name[NAME_MAX_LEN];
    fdt_begin_node(w, "cpus");
    fdt_property_u32(w, "#address-cells", ac);
    fdt_property_u32(w, "#size-cells", 0);
    for (u32 i = 0; i < p->cpu_count; i++) {
        unit_name(name, "cpu", cpu_aff(p, i));
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "cpu");
        fdt_property_string(w, "compatible", "arm,armv8");
        write_cpu_reg(w, cpu_aff(p, i), ac);
        fdt_property_string(w, "enable-method", "psci");
        fdt_end_node(w);
    }
    fdt_end_node(w);
}

static void gen_gic(struct fdt_writer *w, const struct vm_fdt_params *p, const struct gic_layout *g)
{
    char name[NAME_MAX_LEN];
    unit_name(name, "intc", p->gicd_base);
    fdt_begin_node(w, name);
    bool v3 = p->gic == VM_FDT_GICV3;
    fdt_property_string(w, "compatible", v3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
    fdt_property_u32(w, "#interrupt-cells", 3);
    /* No child nodes (no ITS); 0 address cells is what interrupt-map parents of a GIC use, and
     * dtc wants the property on every interrupt provider. */
    fdt_property_u32(w, "#address-cells", 0);
    fdt_property_empty(w, "interrupt-controller");
    u64 cpu_base = v3 ? p->gicr_base : p->gicc_base;
    const u32 reg[8] = {
        (u32)(p->gicd_base >> 32), (u32)p->gicd_base, (u32)(g->dist_size >> 32), (u32)g->dist_size,
        (u32)(cpu_base >> 32),     (u32)cpu_base,     (u32)(g->cpu_size >> 32),  (u32)g->cpu_size,
    };
    fdt_property_cells(w, "reg", reg, ARRAY_SIZE(reg));
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_GIC);
    fdt_end_node(w);
}

static void gen_timer(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    static const char *const compat[] = {"arm,armv8-timer", "arm,armv7-timer"};
    /* GICv2 PPI specifiers carry the target CPU mask in flags bits [15:8]. */
    u32 flags = IRQ_TYPE_LEVEL_LOW;
    if (p->gic == VM_FDT_GICV2)
        flags |= ((1u << p->cpu_count) - 1) << 8;
    u32 irqs[3 * ARRAY_SIZE(timer_ppis)];
    for (size_t i = 0; i < ARRAY_SIZE(timer_ppis); i++) {
        irqs[3 * i] = GIC_PPI;
        irqs[3 * i + 1] = timer_ppis[i];
        irqs[3 * i + 2] = flags;
    }
    fdt_begin_node(w, "timer");
    fdt_property_strings(w, "compatible", compat, ARRAY_SIZE(compat));
    fdt_property_cells(w, "interrupts", irqs, ARRAY_SIZE(irqs));
    fdt_property_empty(w, "always-on");
    fdt_end_node(w);
}

static void gen_uart(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    static const char *const compat[] = {"arm,pl011", "arm,primecell"};
    static const char *const clock_names[] = {"uartclk", "apb_pclk"};
    char name[NAME_MAX_LEN];

    fdt_begin_node(w, "apb-pclk");
    fdt_property_string(w, "compatible", "fixed-clock");
    fdt_property_u32(w, "#clock-cells", 0);
    fdt_property_u32(w, "clock-frequency", VM_FDT_UART_CLOCK_HZ);
    fdt_property_string(w, "clock-output-names", "clk24mhz");
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_CLK);
    fdt_end_node(w);

    unit_name(name, "pl011", p->uart_base);
    fdt_begin_node(w, name);
    fdt_property_strings(w, "compatible", compat, ARRAY_SIZE(compat));
    write_reg(w, 2, 2, p->uart_base, VM_FDT_UART_SIZE);
    const u32 irq[3] = {GIC_SPI, p->uart_irq - GIC_SPI_BASE, IRQ_TYPE_LEVEL_HIGH};
    fdt_property_cells(w, "interrupts", irq, ARRAY_SIZE(irq));
    const u32 clocks[2] = {VM_FDT_PHANDLE_CLK, VM_FDT_PHANDLE_CLK};
    fdt_property_cells(w, "clocks", clocks, ARRAY_SIZE(clocks));
    fdt_property_strings(w, "clock-names", clock_names, ARRAY_SIZE(clock_names));
    fdt_end_node(w);
}

/* virtio-mmio transports (Documentation/devicetree/bindings/virtio/mmio.yaml). */
static void gen_virtio(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    char name[NAME_MAX_LEN];
    for (size_t i = 0; i < p->virtio_count; i++) {
        unit_name(name, "virtio_mmio", p->virtio[i].base);
        fdt_begin_node(w, name);
        fdt_property_string(w, "compatible", "virtio,mmio");
        write_reg(w, 2, 2, p->virtio[i].base, p->virtio[i].size);
        const u32 irq[3] = {GIC_SPI, p->virtio[i].irq - GIC_SPI_BASE, IRQ_TYPE_LEVEL_HIGH};
        fdt_property_cells(w, "interrupts", irq, ARRAY_SIZE(irq));
        fdt_property_empty(w, "dma-coherent");
        fdt_end_node(w);
    }
}

/* ---- host devices (passthrough by path) ---- */

#define HOST_COPY_DEPTH 6
#define HOST_MAX_CLOCKS 8

struct host_copy {
    const struct vm_fdt_params *p;
    struct fdt_writer *w;
    u32 clk_from[HOST_MAX_CLOCKS], clk_to[HOST_MAX_CLOCKS];
    size_t nclk;
};

static bool host_node_copyable(const struct vm_fdt_params *p, int node)
{
    const struct fdt *f = p->host;
    /* (the cell counts of a root child are the root's) */
    return f && fdt_parent(f, node) == fdt_root(f) && fdt_address_cells(f, node) == 2 && fdt_size_cells(f, node) == 2;
}

size_t vm_fdt_host_nodes_copyable(const struct vm_fdt_params *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->host_node_count; i++)
        n += host_node_copyable(p, p->host_nodes[i]);
    return n;
}

static u32 be32_at(const u8 *b) { return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3]; }

/* Calls fn for each phandle in a clocks property (entries: phandle, then #clock-cells args). */
static void for_each_clock(const struct fdt *f, const u8 *v, size_t len, void (*fn)(struct host_copy *, u32, u32 *),
                           struct host_copy *hc, u32 *out)
{
    for (size_t i = 0; i + 4 <= len;) {
        u32 ph = be32_at(v + i), args = 0;
        int target = fdt_find_phandle(f, ph);
        if (target >= 0)
            fdt_prop_u32(f, target, "#clock-cells", &args);
        fn(hc, ph, out ? &out[i / 4] : NULL);
        if (args > 4)
            break; /* malformed: the rest is copied unmapped */
        i += 4 + 4 * (size_t)args;
    }
}

static void map_clock(struct host_copy *hc, u32 ph, u32 *out)
{
    for (size_t i = 0; i < hc->nclk; i++)
        if (hc->clk_from[i] == ph && out)
            *out = hc->clk_to[i];
}

/* A clock a copied device needs: the generated apb-pclk stands in for the host's node of that
 * name; any other is copied once (keeping its phandle). */
static void copy_host_node(struct host_copy *hc, int node, int depth);
static void want_clock(struct host_copy *hc, u32 ph, u32 *out)
{
    (void)out;
    const struct fdt *f = hc->p->host;
    for (size_t i = 0; i < hc->nclk; i++)
        if (hc->clk_from[i] == ph)
            return;
    int target = fdt_find_phandle(f, ph);
    if (target < 0 || hc->nclk == HOST_MAX_CLOCKS || fdt_parent(f, target) != fdt_root(f))
        return;
    bool ours = hc->p->has_uart && streq(fdt_node_name(f, target), "apb-pclk");
    hc->clk_from[hc->nclk] = ph;
    hc->clk_to[hc->nclk++] = ours ? VM_FDT_PHANDLE_CLK : ph;
    if (!ours)
        copy_host_node(hc, target, 0);
}

static void copy_host_node(struct host_copy *hc, int node, int depth)
{
    const struct fdt *f = hc->p->host;
    struct fdt_writer *w = hc->w;
    fdt_begin_node(w, fdt_node_name(f, node));
    for (int prop = fdt_first_prop(f, node); prop >= 0; prop = fdt_next_prop(f, prop)) {
        const char *name = NULL;
        size_t len = 0;
        const u8 *v = fdt_prop_at(f, prop, &name, &len);
        if (!v || !name)
            continue;
        if (streq(name, "interrupt-parent")) {
            fdt_property_u32(w, name, VM_FDT_PHANDLE_GIC);
        } else if (streq(name, "clocks") && len % 4 == 0 && len <= 64) {
            u32 cells[16];
            for (size_t i = 0; i < len / 4; i++)
                cells[i] = be32_at(v + 4 * i);
            for_each_clock(f, v, len, map_clock, hc, cells);
            fdt_property_cells(w, name, cells, len / 4);
        } else if (streq(name, "msi-parent") || streq(name, "interrupts-extended") ||
                   ((streq(name, "phandle") || streq(name, "linux,phandle")) && len == 4 &&
                    be32_at(v) <= VM_FDT_PHANDLE_CLK)) {
            /* no MSI controller in the guest; phandles that would collide with ours dropped */
        } else {
            fdt_property(w, name, v, len);
        }
    }
    if (depth < HOST_COPY_DEPTH)
        for (int child = fdt_first_child(f, node); child >= 0; child = fdt_next_sibling(f, child))
            copy_host_node(hc, child, depth + 1);
    fdt_end_node(w);
}

static void gen_host_devices(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    struct host_copy hc = {.p = p, .w = w};
    for (size_t i = 0; i < p->host_node_count; i++) {
        int node = p->host_nodes[i];
        size_t len = 0;
        const u8 *clocks = host_node_copyable(p, node) ? fdt_prop(p->host, node, "clocks", &len) : NULL;
        if (clocks)
            for_each_clock(p->host, clocks, len, want_clock, &hc, NULL);
    }
    for (size_t i = 0; i < p->host_node_count; i++)
        if (host_node_copyable(p, p->host_nodes[i]))
            copy_host_node(&hc, p->host_nodes[i], 0);
}

int vm_fdt_generate(const struct vm_fdt_params *p, void *buf, size_t cap)
{
    struct gic_layout g;
    if (!p || !buf || !valid_common(p) || !valid_generate(p, &g))
        return -1;
    struct fdt_writer w;
    fdt_writer_init(&w, buf, cap);
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "#address-cells", 2);
    fdt_property_u32(&w, "#size-cells", 2);
    fdt_property_string(&w, "compatible", "linux,dummy-virt");
    fdt_property_string(&w, "model", "cvisor guest");
    fdt_property_u32(&w, "interrupt-parent", VM_FDT_PHANDLE_GIC);

    fdt_begin_node(&w, "psci");
    write_psci_props(&w);
    fdt_end_node(&w);
    write_memory(&w, p, 2, 2); /* 2 + 2 cells hold any range */
    gen_cpus(&w, p);
    gen_gic(&w, p, &g);
    gen_timer(&w, p);
    if (p->has_uart)
        gen_uart(&w, p);
    gen_virtio(&w, p);
    if (p->host_node_count)
        gen_host_devices(&w, p);

    /* stdout-path first: vm_fdt_patch keeps other properties ahead of the ones it writes, so
     * patching a generated tree with the same params reproduces it byte for byte. */
    fdt_begin_node(&w, "chosen");
    if (p->has_uart) {
        char path[NAME_MAX_LEN + 1];
        path[0] = '/';
        unit_name(path + 1, "pl011", p->uart_base);
        fdt_property_string(&w, "stdout-path", path);
    }
    write_chosen_ours(&w, p);
    fdt_end_node(&w);

    fdt_end_node(&w);
    return fdt_writer_finish(&w);
}

/* ---- patching ---- */

struct patch {
    const struct fdt *f;
    const struct vm_fdt_params *p;
    struct fdt_writer *w;
    bool bad;       /* the params cannot be expressed in the source's layout */
    bool psci_seen; /* a PSCI node was written */
};

static bool writer_ok(const struct fdt_writer *w)
{
    return !w->overflow && !w->error;
}

static bool is_memory_node(const struct fdt *f, int node)
{
    return streq(fdt_prop_string(f, node, "device_type"), "memory");
}

static bool is_cpu_node(const struct fdt *f, int node)
{
    const char *name = fdt_node_name(f, node);
    return streq(fdt_prop_string(f, node, "device_type"), "cpu") || streq(name, "cpu") ||
           starts_with(name, "cpu@");
}

/* Linux looks for PSCI by compatible anywhere in the tree. */
static bool is_psci_compatible(const struct fdt *f, int node)
{
    return fdt_is_compatible(f, node, "arm,psci") || fdt_is_compatible(f, node, "arm,psci-0.2") ||
           fdt_is_compatible(f, node, "arm,psci-1.0");
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (streq(name, list[i]))
            return true;
    return false;
}

/* Copies node's properties except those named in skip. */
static void copy_props(struct patch *c, int node, const char *const *skip, size_t nskip)
{
    for (int q = fdt_first_prop(c->f, node); q >= 0 && writer_ok(c->w); q = fdt_next_prop(c->f, q)) {
        const char *name;
        size_t len;
        const void *data = fdt_prop_at(c->f, q, &name, &len);
        if (data && !in_list(name, skip, nskip))
            fdt_property(c->w, name, data, len);
    }
}

/* A copied node's properties; a PSCI node gets the hypervisor's compatible and conduit. */
static void copy_node_props(struct patch *c, int node)
{
    static const char *const psci_skip[] = {"compatible", "method"};
    if (is_psci_compatible(c->f, node)) {
        copy_props(c, node, psci_skip, ARRAY_SIZE(psci_skip));
        write_psci_props(c->w);
        c->psci_seen = true;
    } else {
        copy_props(c, node, NULL, 0);
    }
}

/* Next child of parent from `child` on (child itself included) that is not a memory node. */
static int skip_memory(const struct fdt *f, int child)
{
    while (child >= 0 && is_memory_node(f, child))
        child = fdt_next_sibling(f, child);
    return child;
}

/* Copies the children of node (not node itself) with their subtrees, memory nodes left out. */
static void copy_children(struct patch *c, int node)
{
    int stack[FDT_MAX_DEPTH]; /* nodes entered below node, innermost last */
    int depth = 0;
    int next = skip_memory(c->f, fdt_first_child(c->f, node));
    while (writer_ok(c->w)) {
        if (next >= 0) {
            if (depth == FDT_MAX_DEPTH) { /* cannot happen in a tree fdt_open accepted */
                c->bad = true;
                return;
            }
            fdt_begin_node(c->w, fdt_node_name(c->f, next));
            copy_node_props(c, next);
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

/* The phandle of node (phandle or legacy linux,phandle), 0 if none. */
static u32 node_phandle(const struct fdt *f, int node)
{
    u32 v;
    if (fdt_prop_u32(f, node, "phandle", &v) || fdt_prop_u32(f, node, "linux,phandle", &v))
        return v;
    return 0;
}

/* First address of node's reg with ac (1 or 2) cells, masked to the MPIDR affinity fields. */
static bool cpu_reg(const struct fdt *f, int node, u32 ac, u64 *aff)
{
    size_t len;
    const u8 *r = fdt_prop(f, node, "reg", &len);
    if (!r || (ac != 1 && ac != 2) || len < 4 * ac)
        return false;
    u64 v = 0;
    for (u32 i = 0; i < 4 * ac; i++)
        v = v << 8 | r[i];
    *aff = v & VM_MPIDR_AFF_MASK;
    return true;
}

/* What /cpus of the source holds, matched against the vCPUs. */
struct cpu_match {
    int node[VM_MAX_VCPUS]; /* source cpu node lending its properties to vCPU n, or -1 */
    int first_cpu;          /* first source cpu node (its compatible serves unmatched vCPUs) */
};

static void match_cpus(struct patch *c, int cpus, struct cpu_match *m)
{
    u32 src_ac = 2; /* the specification's default */
    fdt_prop_u32(c->f, cpus, "#address-cells", &src_ac);
    m->first_cpu = -1;
    for (u32 i = 0; i < c->p->cpu_count; i++)
        m->node[i] = -1;
    for (int n = fdt_first_child(c->f, cpus); n >= 0; n = fdt_next_sibling(c->f, n)) {
        if (!is_cpu_node(c->f, n))
            continue;
        if (m->first_cpu < 0)
            m->first_cpu = n;
        u64 aff;
        if (!cpu_reg(c->f, n, src_ac, &aff))
            continue;
        for (u32 i = 0; i < c->p->cpu_count; i++)
            if (m->node[i] < 0 && cpu_aff(c->p, i) == aff) {
                m->node[i] = n;
                break;
            }
    }
}

static bool is_kept_cpu_phandle(const struct patch *c, const struct cpu_match *m, u32 ph)
{
    for (u32 i = 0; ph && i < c->p->cpu_count; i++)
        if (m->node[i] >= 0 && node_phandle(c->f, m->node[i]) == ph)
            return true;
    return false;
}

/* True when every `cpu` property in the subtree of map (a child of /cpus, itself a root child)
 * names a kept cpu node. A subtree is contiguous in depth-first order, and offsets grow in that
 * order: it ends where the next sibling of map, or else of /cpus, begins (or at the blob end). */
static bool cpu_map_valid(const struct patch *c, const struct cpu_match *m, int cpus, int map)
{
    int end = fdt_next_sibling(c->f, map);
    if (end < 0)
        end = fdt_next_sibling(c->f, cpus);
    for (int n = map; n >= 0 && (end < 0 || n < end); n = fdt_next_node(c->f, n)) {
        size_t len;
        if (!fdt_prop(c->f, n, "cpu", &len))
            continue;
        u32 ph;
        if (!fdt_prop_u32(c->f, n, "cpu", &ph) || !is_kept_cpu_phandle(c, m, ph))
            return false;
    }
    return true;
}

static void patch_cpus(struct patch *c, int cpus)
{
    static const char *const skip_cpus[] = {"#address-cells", "#size-cells"};
    static const char *const skip_cpu[] = {"reg", "enable-method", "cpu-release-addr", "status",
                                           "device_type"};
    struct cpu_match m;
    char name[NAME_MAX_LEN];
    const struct fdt *f = c->f;
    struct fdt_writer *w = c->w;

    u32 ac = cpus_cells_needed(c->p);
    m.first_cpu = -1;
    for (u32 i = 0; i < c->p->cpu_count; i++)
        m.node[i] = -1;
    if (cpus >= 0) {
        match_cpus(c, cpus, &m);
        u32 src_ac;
        if (fdt_prop_u32(f, cpus, "#address-cells", &src_ac) && src_ac == 2)
            ac = 2; /* keep the source's wider layout */
    }

    fdt_begin_node(w, "cpus");
    if (cpus >= 0)
        copy_props(c, cpus, skip_cpus, ARRAY_SIZE(skip_cpus));
    fdt_property_u32(w, "#address-cells", ac);
    fdt_property_u32(w, "#size-cells", 0);
    for (u32 i = 0; i < c->p->cpu_count && writer_ok(w); i++) {
        int src = m.node[i];
        unit_name(name, "cpu", cpu_aff(c->p, i));
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "cpu");
        if (src >= 0) {
            copy_props(c, src, skip_cpu, ARRAY_SIZE(skip_cpu));
        } else {
            size_t len;
            const void *compat = m.first_cpu >= 0 ? fdt_prop(f, m.first_cpu, "compatible", &len) : NULL;
            if (compat)
                fdt_property(w, "compatible", compat, len);
            else
                fdt_property_string(w, "compatible", "arm,armv8");
        }
        write_cpu_reg(w, cpu_aff(c->p, i), ac);
        fdt_property_string(w, "enable-method", "psci");
        if (src >= 0)
            copy_children(c, src);
        fdt_end_node(w);
    }
    for (int n = cpus >= 0 ? fdt_first_child(f, cpus) : -1; n >= 0 && writer_ok(w);
         n = fdt_next_sibling(f, n)) {
        if (is_cpu_node(f, n) || is_memory_node(f, n))
            continue;
        if (streq(fdt_node_name(f, n), "cpu-map") && !cpu_map_valid(c, &m, cpus, n))
            continue;
        fdt_begin_node(w, fdt_node_name(f, n));
        copy_node_props(c, n);
        copy_children(c, n);
        fdt_end_node(w);
    }
    fdt_end_node(w);
}

/* A root child that is the PSCI node (psci is its name or compatible), or none: a new one. */
static void patch_psci(struct patch *c, int psci)
{
    static const char *const skip[] = {"compatible", "method"};
    fdt_begin_node(c->w, psci >= 0 ? fdt_node_name(c->f, psci) : "psci");
    if (psci >= 0)
        copy_props(c, psci, skip, ARRAY_SIZE(skip));
    write_psci_props(c->w);
    c->psci_seen = true;
    if (psci >= 0)
        copy_children(c, psci);
    fdt_end_node(c->w);
}

static void patch_chosen(struct patch *c, int chosen)
{
    static const char *const skip_all[] = {"linux,initrd-start", "linux,initrd-end", "bootargs"};
    bool new_args = c->p->bootargs && c->p->bootargs[0];
    fdt_begin_node(c->w, "chosen");
    if (chosen >= 0)
        copy_props(c, chosen, skip_all, new_args ? 3 : 2); /* bootargs last in skip_all */
    write_chosen_ours(c->w, c->p);
    if (chosen >= 0)
        copy_children(c, chosen);
    fdt_end_node(c->w);
}

/* A root child taken for a memory node: device_type memory, or named like one (so the new
 * memory@<base> names cannot collide). */
static bool is_root_memory(const struct fdt *f, int node)
{
    const char *name = fdt_node_name(f, node);
    return is_memory_node(f, node) || streq(name, "memory") || starts_with(name, "memory@");
}

/* Writes the patched root. */
static void patch_root(struct patch *c, int root)
{
    const struct fdt *f = c->f;
    struct fdt_writer *w = c->w;
    u32 ac = 2, sc = 1; /* the specification's defaults */
    fdt_prop_u32(f, root, "#address-cells", &ac);
    fdt_prop_u32(f, root, "#size-cells", &sc);
    bool mem_done = false, cpus_done = false, psci_done = false, chosen_done = false;

    fdt_begin_node(w, "");
    copy_props(c, root, NULL, 0);
    for (int n = fdt_first_child(f, root); n >= 0 && writer_ok(w) && !c->bad; n = fdt_next_sibling(f, n)) {
        const char *name = fdt_node_name(f, n);
        if (is_root_memory(f, n)) {
            if (!mem_done && !write_memory(w, c->p, ac, sc))
                c->bad = true;
            mem_done = true;
        } else if (streq(name, "cpus")) {
            if (!cpus_done) /* a duplicate would only confuse the guest: dropped */
                patch_cpus(c, n);
            cpus_done = true;
        } else if (streq(name, "chosen")) {
            if (!chosen_done)
                patch_chosen(c, n);
            chosen_done = true;
        } else if (streq(name, "psci") || is_psci_compatible(f, n)) {
            if (!psci_done) /* a second one (say, still using SMC) is dropped */
                patch_psci(c, n);
            psci_done = true;
        } else {
            fdt_begin_node(w, name);
            copy_node_props(c, n);
            copy_children(c, n);
            fdt_end_node(w);
        }
    }
    if (!mem_done && !write_memory(w, c->p, ac, sc))
        c->bad = true;
    if (!cpus_done)
        patch_cpus(c, -1);
    if (!c->psci_seen) /* none at all, not even deeper in the tree */
        patch_psci(c, -1);
    if (!chosen_done)
        patch_chosen(c, -1);
    fdt_end_node(w);
}

static u32 get_be32(const u8 *b)
{
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static void put_be32(u8 *b, u32 v)
{
    b[0] = (u8)(v >> 24);
    b[1] = (u8)(v >> 16);
    b[2] = (u8)(v >> 8);
    b[3] = (u8)v;
}

static void put_be64(u8 *b, u64 v)
{
    put_be32(b, (u32)(v >> 32));
    put_be32(b + 4, (u32)v);
}

/* The writer emits an empty memory reservation block directly before the structure block;
 * grows it to hold the source's entries, moving the other blocks up. Returns the new size. */
static int copy_rsvmap(const struct fdt *f, u8 *buf, size_t cap, int size)
{
    if (size < 0 || f->rsv_count == 0)
        return size;
    size_t rsv_off = get_be32(buf + FDT_HDR_OFF_RSVMAP);
    size_t st_off = get_be32(buf + FDT_HDR_OFF_STRUCT);
    size_t str_off = get_be32(buf + FDT_HDR_OFF_STRINGS);
    if (rsv_off + 16 != st_off || str_off < st_off || (size_t)size < st_off)
        return -1; /* not the writer's layout */
    if (f->rsv_count > (cap - (size_t)size) / 16)
        return -1;
    size_t extra = 16 * f->rsv_count;
    memmove(buf + st_off + extra, buf + st_off, (size_t)size - st_off);
    for (size_t i = 0; i < f->rsv_count; i++) {
        u64 addr = 0, len = 0;
        fdt_mem_rsv(f, i, &addr, &len);
        put_be64(buf + rsv_off + 16 * i, addr);
        put_be64(buf + rsv_off + 16 * i + 8, len);
    }
    memset(buf + rsv_off + extra, 0, 16); /* terminator */
    size_t total = (size_t)size + extra;
    if (total > 0x7fffffff)
        return -1;
    put_be32(buf + FDT_HDR_TOTALSIZE, (u32)total);
    put_be32(buf + FDT_HDR_OFF_STRUCT, (u32)(st_off + extra));
    put_be32(buf + FDT_HDR_OFF_STRINGS, (u32)(str_off + extra));
    return (int)total;
}

int vm_fdt_patch(const void *src, size_t src_size, const struct vm_fdt_params *p, void *buf, size_t cap)
{
    struct fdt f;
    if (!src || !p || !buf || !valid_common(p))
        return -1;
    if (ranges_overlap((uintptr_t)src, src_size, (uintptr_t)buf, cap))
        return -1;
    if (fdt_open(&f, src, src_size))
        return -1;
    int root = fdt_root(&f);
    if (root < 0)
        return -1;
    struct fdt_writer w;
    fdt_writer_init(&w, buf, cap);
    struct patch c = {.f = &f, .p = p, .w = &w, .bad = false, .psci_seen = false};
    patch_root(&c, root);
    if (c.bad)
        return -1;
    return copy_rsvmap(&f, buf, cap, fdt_writer_finish(&w));
}
