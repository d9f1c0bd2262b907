/* The aarch64 nodes of a guest device tree (the generic writer is hv/core/vm_fdt.c): the PSCI
 * firmware interface, cpus (MPIDR affinity), the GIC (arm,gic-v3 or arm,cortex-a15-gic), the
 * architected timer (arm,armv8-timer) and the console PL011 with its clock, written from the
 * Linux DT bindings of those nodes; and their patching in a user's tree. See docs/guest-dtb.md. */
#include <hv/vm_fdt_node.h>
#include <lib/fdt.h>
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

/* What a patch has written (struct vm_fdt_patch_ctx.arch_done). */
#define CPUS_DONE 0x1u /* the root's cpus node */
#define PSCI_DONE 0x2u /* a root PSCI node */
#define PSCI_SEEN 0x4u /* a PSCI node anywhere */

static u64 cpu_aff(const struct vm_fdt_params *p, u32 i)
{
    return p->cpu_hwid[i] & VM_MPIDR_AFF_MASK;
}

/* GIC sizes with defaults applied. */
struct gic_layout {
    u64 dist_size, cpu_size;
};

static bool gic_valid(const struct vm_fdt_params *p, struct gic_layout *g)
{
    if (p->arch.gic == VM_FDT_GICV3) {
        g->dist_size = p->arch.gicd_size ? p->arch.gicd_size : VM_FDT_GICD_SIZE_V3;
        g->cpu_size = p->arch.gicr_size ? p->arch.gicr_size : (u64)VM_FDT_GICR_STRIDE_V3 * p->cpu_count;
        if (!vm_fdt_valid_range(p->arch.gicr_base, g->cpu_size))
            return false;
    } else if (p->arch.gic == VM_FDT_GICV2) {
        if (p->cpu_count > GICV2_MAX_CPUS)
            return false;
        g->dist_size = p->arch.gicd_size ? p->arch.gicd_size : VM_FDT_GICD_SIZE_V2;
        g->cpu_size = p->arch.gicc_size ? p->arch.gicc_size : VM_FDT_GICC_SIZE_V2;
        if (!vm_fdt_valid_range(p->arch.gicc_base, g->cpu_size))
            return false;
    } else {
        return false;
    }
    if (!vm_fdt_valid_range(p->arch.gicd_base, g->dist_size))
        return false;
    if (p->has_uart && (!vm_fdt_arch_device_irq_ok(p->uart_irq) ||
                        !vm_fdt_valid_range(p->uart_base, VM_FDT_UART_SIZE)))
        return false;
    return true;
}

/* Devices get SPIs (the tree numbers them from 0: INTID - 32). */
bool vm_fdt_arch_device_irq_ok(u32 irq) { return irq >= GIC_SPI_BASE && irq <= GIC_SPI_LAST; }

void vm_fdt_arch_write_device_irq(struct fdt_writer *w, const struct vm_fdt_params *p, u32 irq)
{
    (void)p;
    const u32 cells[3] = {GIC_SPI, irq - GIC_SPI_BASE, IRQ_TYPE_LEVEL_HIGH};
    fdt_property_cells(w, "interrupts", cells, ARRAY_SIZE(cells));
}

bool vm_fdt_arch_valid(const struct vm_fdt_params *p, bool generate)
{
    for (u32 i = 0; i < p->cpu_count; i++)
        for (u32 j = 0; j < i; j++)
            if (cpu_aff(p, i) == cpu_aff(p, j))
                return false;
    struct gic_layout g;
    return !generate || gic_valid(p, &g);
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
    vm_fdt_put_cells(cells, &n, aff, ac); /* ac was chosen so that every MPIDR fits */
    fdt_property_cells(w, "reg", cells, n);
}

void vm_fdt_arch_gen_firmware(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    (void)p;
    fdt_begin_node(w, "psci");
    write_psci_props(w);
    fdt_end_node(w);
}

static void gen_cpus(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    u32 ac = cpus_cells_needed(p);
    char name[VM_FDT_NAME_MAX];
    fdt_begin_node(w, "cpus");
    fdt_property_u32(w, "#address-cells", ac);
    fdt_property_u32(w, "#size-cells", 0);
    for (u32 i = 0; i < p->cpu_count; i++) {
        vm_fdt_unit_name(name, "cpu", cpu_aff(p, i));
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
    char name[VM_FDT_NAME_MAX];
    vm_fdt_unit_name(name, "intc", p->arch.gicd_base);
    fdt_begin_node(w, name);
    bool v3 = p->arch.gic == VM_FDT_GICV3;
    fdt_property_string(w, "compatible", v3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
    fdt_property_u32(w, "#interrupt-cells", 3);
    /* No child nodes (no ITS); 0 address cells is what interrupt-map parents of a GIC use, and
     * dtc wants the property on every interrupt provider. */
    fdt_property_u32(w, "#address-cells", 0);
    fdt_property_empty(w, "interrupt-controller");
    u64 cpu_base = v3 ? p->arch.gicr_base : p->arch.gicc_base;
    const u32 reg[8] = {
        (u32)(p->arch.gicd_base >> 32), (u32)p->arch.gicd_base, (u32)(g->dist_size >> 32), (u32)g->dist_size,
        (u32)(cpu_base >> 32),     (u32)cpu_base,     (u32)(g->cpu_size >> 32),  (u32)g->cpu_size,
    };
    fdt_property_cells(w, "reg", reg, ARRAY_SIZE(reg));
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_INTC);
    fdt_end_node(w);
}

static void gen_timer(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    static const char *const compat[] = {"arm,armv8-timer", "arm,armv7-timer"};
    /* GICv2 PPI specifiers carry the target CPU mask in flags bits [15:8]. */
    u32 flags = IRQ_TYPE_LEVEL_LOW;
    if (p->arch.gic == VM_FDT_GICV2)
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

void vm_fdt_arch_gen_machine(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    struct gic_layout g;
    gic_valid(p, &g); /* (checked by vm_fdt_arch_valid: this fills in the default sizes) */
    gen_cpus(w, p);
    gen_gic(w, p, &g);
    gen_timer(w, p);
}

void vm_fdt_arch_gen_console(struct fdt_writer *w, const struct vm_fdt_params *p, char *path, size_t size)
{
    static const char *const compat[] = {"arm,pl011", "arm,primecell"};
    static const char *const clock_names[] = {"uartclk", "apb_pclk"};
    char name[VM_FDT_NAME_MAX];

    fdt_begin_node(w, "apb-pclk");
    fdt_property_string(w, "compatible", "fixed-clock");
    fdt_property_u32(w, "#clock-cells", 0);
    fdt_property_u32(w, "clock-frequency", VM_FDT_UART_CLOCK_HZ);
    fdt_property_string(w, "clock-output-names", "clk24mhz");
    fdt_property_u32(w, "phandle", VM_FDT_PHANDLE_CLK);
    fdt_end_node(w);

    vm_fdt_unit_name(name, "pl011", p->uart_base);
    fdt_begin_node(w, name);
    fdt_property_strings(w, "compatible", compat, ARRAY_SIZE(compat));
    vm_fdt_write_reg(w, 2, 2, p->uart_base, VM_FDT_UART_SIZE);
    vm_fdt_arch_write_device_irq(w, p, p->uart_irq);
    const u32 clocks[2] = {VM_FDT_PHANDLE_CLK, VM_FDT_PHANDLE_CLK};
    fdt_property_cells(w, "clocks", clocks, ARRAY_SIZE(clocks));
    fdt_property_strings(w, "clock-names", clock_names, ARRAY_SIZE(clock_names));
    fdt_end_node(w);
    if (size > 1) {
        path[0] = '/';
        vm_fdt_unit_name(path + 1, "pl011", p->uart_base);
    }
}

/* ---- patching ---- */

static bool is_cpu_node(const struct fdt *f, int node)
{
    const char *name = fdt_node_name(f, node);
    return vm_fdt_streq(fdt_prop_string(f, node, "device_type"), "cpu") || vm_fdt_streq(name, "cpu") ||
           vm_fdt_starts_with(name, "cpu@");
}

/* Linux looks for PSCI by compatible anywhere in the tree. */
static bool is_psci_compatible(const struct fdt *f, int node)
{
    return fdt_is_compatible(f, node, "arm,psci") || fdt_is_compatible(f, node, "arm,psci-0.2") ||
           fdt_is_compatible(f, node, "arm,psci-1.0");
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

static void match_cpus(struct vm_fdt_patch_ctx *c, int cpus, struct cpu_match *m)
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

static bool is_kept_cpu_phandle(const struct vm_fdt_patch_ctx *c, const struct cpu_match *m, u32 ph)
{
    for (u32 i = 0; ph && i < c->p->cpu_count; i++)
        if (m->node[i] >= 0 && node_phandle(c->f, m->node[i]) == ph)
            return true;
    return false;
}

/* True when every `cpu` property in the subtree of map (a child of /cpus, itself a root child)
 * names a kept cpu node. A subtree is contiguous in depth-first order, and offsets grow in that
 * order: it ends where the next sibling of map, or else of /cpus, begins (or at the blob end). */
static bool cpu_map_valid(const struct vm_fdt_patch_ctx *c, const struct cpu_match *m, int cpus, int map)
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

static void patch_cpus(struct vm_fdt_patch_ctx *c, int cpus)
{
    static const char *const skip_cpus[] = {"#address-cells", "#size-cells"};
    static const char *const skip_cpu[] = {"reg", "enable-method", "cpu-release-addr", "status",
                                           "device_type"};
    struct cpu_match m;
    char name[VM_FDT_NAME_MAX];
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
        vm_fdt_copy_props(c, cpus, skip_cpus, ARRAY_SIZE(skip_cpus));
    fdt_property_u32(w, "#address-cells", ac);
    fdt_property_u32(w, "#size-cells", 0);
    for (u32 i = 0; i < c->p->cpu_count && vm_fdt_writer_ok(w); i++) {
        int src = m.node[i];
        vm_fdt_unit_name(name, "cpu", cpu_aff(c->p, i));
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "cpu");
        if (src >= 0) {
            vm_fdt_copy_props(c, src, skip_cpu, ARRAY_SIZE(skip_cpu));
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
            vm_fdt_copy_children(c, src);
        fdt_end_node(w);
    }
    for (int n = cpus >= 0 ? fdt_first_child(f, cpus) : -1; n >= 0 && vm_fdt_writer_ok(w);
         n = fdt_next_sibling(f, n)) {
        if (is_cpu_node(f, n) || vm_fdt_is_memory_node(f, n))
            continue;
        if (vm_fdt_streq(fdt_node_name(f, n), "cpu-map") && !cpu_map_valid(c, &m, cpus, n))
            continue;
        fdt_begin_node(w, fdt_node_name(f, n));
        vm_fdt_copy_node_props(c, n);
        vm_fdt_copy_children(c, n);
        fdt_end_node(w);
    }
    fdt_end_node(w);
}

/* A root child that is the PSCI node (psci is its name or compatible), or none: a new one. */
static void patch_psci(struct vm_fdt_patch_ctx *c, int psci)
{
    static const char *const skip[] = {"compatible", "method"};
    fdt_begin_node(c->w, psci >= 0 ? fdt_node_name(c->f, psci) : "psci");
    if (psci >= 0)
        vm_fdt_copy_props(c, psci, skip, ARRAY_SIZE(skip));
    write_psci_props(c->w);
    c->arch_done |= PSCI_SEEN;
    if (psci >= 0)
        vm_fdt_copy_children(c, psci);
    fdt_end_node(c->w);
}

bool vm_fdt_arch_patch_node(struct vm_fdt_patch_ctx *c, int node)
{
    const char *name = fdt_node_name(c->f, node);
    if (vm_fdt_streq(name, "cpus")) {
        if (!(c->arch_done & CPUS_DONE)) /* a duplicate would only confuse the guest: dropped */
            patch_cpus(c, node);
        c->arch_done |= CPUS_DONE;
        return true;
    }
    if (vm_fdt_streq(name, "psci") || is_psci_compatible(c->f, node)) {
        if (!(c->arch_done & PSCI_DONE)) /* a second one (say, still using SMC) is dropped */
            patch_psci(c, node);
        c->arch_done |= PSCI_DONE;
        return true;
    }
    return false;
}

/* A PSCI node deeper in the tree gets the hypervisor's compatible and conduit too. */
bool vm_fdt_arch_patch_props(struct vm_fdt_patch_ctx *c, int node)
{
    static const char *const psci_skip[] = {"compatible", "method"};
    if (!is_psci_compatible(c->f, node))
        return false;
    vm_fdt_copy_props(c, node, psci_skip, ARRAY_SIZE(psci_skip));
    write_psci_props(c->w);
    c->arch_done |= PSCI_SEEN;
    return true;
}

void vm_fdt_arch_patch_finish(struct vm_fdt_patch_ctx *c)
{
    if (!(c->arch_done & CPUS_DONE))
        patch_cpus(c, -1);
    if (!(c->arch_done & PSCI_SEEN)) /* none at all, not even deeper in the tree */
        patch_psci(c, -1);
}
