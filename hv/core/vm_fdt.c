/* Guest device trees: a generated one for Linux, or the user's patched to the VM's
 * configuration. This part is the generic one: memory, chosen (bootargs, initrd, stdout-path),
 * host devices passed through by path, and the walk that copies and patches a user's tree; the
 * architecture's nodes (CPUs, interrupt controller, timer, firmware interface, console UART) are
 * written by its vm_fdt_arch_* hooks (<hv/vm_fdt_node.h>). Written from the Devicetree
 * Specification v0.4 and the Linux DT bindings of the nodes involved. See docs/guest-dtb.md.
 *
 * The source tree of vm_fdt_patch is untrusted; lib/fdt's reader validates it and bounds-checks
 * every access, so this file only has to cope with odd but well-formed content. Nothing here
 * recurses: subtrees are copied with an explicit stack of FDT_MAX_DEPTH offsets. */
#include <hv/vm_fdt_node.h>
#include <lib/fdt.h>
#include <lib/fmt.h>
#include <lib/string.h>

/* What both entry points need: memory, vCPU count, initrd (the arch checks the rest). */
static bool valid_common(const struct vm_fdt_params *p)
{
    if (p->mem_count == 0 || p->mem_count > VM_MAX_REGIONS)
        return false;
    for (size_t i = 0; i < p->mem_count; i++) {
        if (!vm_fdt_valid_range(p->mem[i].base, p->mem[i].size))
            return false;
        for (size_t j = 0; j < i; j++)
            if (ranges_overlap(p->mem[i].base, p->mem[i].size, p->mem[j].base, p->mem[j].size))
                return false;
    }
    if (p->cpu_count == 0 || p->cpu_count > VM_MAX_VCPUS)
        return false;
    if (p->has_initrd && p->initrd_start >= p->initrd_end)
        return false;
    if (p->rng_seed_len > VM_FDT_RNG_SEED_MAX)
        return false;
    if (p->virtio_count > VM_FDT_MAX_VIRTIO)
        return false;
    for (size_t i = 0; i < p->virtio_count; i++)
        if (!vm_fdt_arch_device_irq_ok(p->virtio[i].irq) || !vm_fdt_valid_range(p->virtio[i].base, p->virtio[i].size))
            return false;
    if (p->shmem_count > VM_MAX_SHMEM)
        return false;
    for (size_t i = 0; i < p->shmem_count; i++)
        if ((p->shmem[i].irq && !vm_fdt_arch_device_irq_ok(p->shmem[i].irq)) || !p->shmem[i].name ||
            !vm_fdt_valid_range(p->shmem[i].base, p->shmem[i].size))
            return false;
    return true;
}

/* ---- node writers shared by both entry points ---- */

/* One memory@<base> node per range, encoded with the root's cell counts. */
static bool write_memory(struct fdt_writer *w, const struct vm_fdt_params *p, u32 ac, u32 sc)
{
    char name[VM_FDT_NAME_MAX];
    for (size_t i = 0; i < p->mem_count; i++) {
        vm_fdt_unit_name(name, "memory", p->mem[i].base);
        fdt_begin_node(w, name);
        fdt_property_string(w, "device_type", "memory");
        if (!vm_fdt_write_reg(w, ac, sc, p->mem[i].base, p->mem[i].size))
            return false;
        fdt_end_node(w);
    }
    return true;
}

static void write_chosen_ours(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    if (p->bootargs && p->bootargs[0])
        fdt_property_string(w, "bootargs", p->bootargs);
    if (p->has_initrd) {
        fdt_property_u64(w, "linux,initrd-start", p->initrd_start);
        fdt_property_u64(w, "linux,initrd-end", p->initrd_end);
    }
    if (p->rng_seed_len)
        fdt_property(w, "rng-seed", p->rng_seed, p->rng_seed_len);
}

/* ---- generation ---- */

/* virtio-mmio transports (the Linux binding virtio/mmio.yaml): the interrupt in the
 * arch's specifier. */
static void gen_virtio(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    char name[VM_FDT_NAME_MAX];
    for (size_t i = 0; i < p->virtio_count; i++) {
        vm_fdt_unit_name(name, "virtio_mmio", p->virtio[i].base);
        fdt_begin_node(w, name);
        fdt_property_string(w, "compatible", "virtio,mmio");
        vm_fdt_write_reg(w, 2, 2, p->virtio[i].base, p->virtio[i].size);
        vm_fdt_arch_write_device_irq(w, p, p->virtio[i].irq);
        fdt_property_empty(w, "dma-coherent");
        fdt_end_node(w);
    }
}

/* Shared regions (docs/shmem.md): not RAM (no memory node covers them), so Linux leaves them
 * alone; "generic-uio" lets uio_pdrv_genirq (of_id=generic-uio) hand one to user space with
 * its doorbell interrupt, and /dev/mem reaches it too. cvisor,index is what the HC_SHMEM_*
 * hypercalls take. */
static void gen_shmem(struct fdt_writer *w, const struct vm_fdt_params *p)
{
    static const char *const compatible[] = {"cvisor,shmem", "generic-uio"};
    char name[VM_FDT_NAME_MAX];
    for (size_t i = 0; i < p->shmem_count; i++) {
        vm_fdt_unit_name(name, "shmem", p->shmem[i].base);
        fdt_begin_node(w, name);
        fdt_property_strings(w, "compatible", compatible, 2);
        vm_fdt_write_reg(w, 2, 2, p->shmem[i].base, p->shmem[i].size);
        if (p->shmem[i].irq)
            vm_fdt_arch_write_device_irq(w, p, p->shmem[i].irq);
        fdt_property_string(w, "cvisor,region", p->shmem[i].name);
        fdt_property_u32(w, "cvisor,index", (u32)i);
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

/* A root child of a 2/2-cell tree, or a node below buses that map their addresses 1:1 (an
 * empty "ranges", as QEMU riscv virt's /soc): its reg reads the same as a root child's. */
static bool host_node_copyable(const struct vm_fdt_params *p, int node)
{
    const struct fdt *f = p->host;
    if (!f || fdt_address_cells(f, node) != 2 || fdt_size_cells(f, node) != 2)
        return false;
    int depth = 0;
    for (int bus = fdt_parent(f, node); bus != fdt_root(f); bus = fdt_parent(f, bus)) {
        size_t len = 1;
        if (bus < 0 || ++depth > 4 || !fdt_prop(f, bus, "ranges", &len) || len != 0)
            return false;
    }
    return true;
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
    bool ours = hc->p->has_uart && vm_fdt_streq(fdt_node_name(f, target), "apb-pclk");
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
        if (vm_fdt_streq(name, "interrupt-parent")) {
            fdt_property_u32(w, name, VM_FDT_PHANDLE_INTC);
        } else if (vm_fdt_streq(name, "clocks") && len % 4 == 0 && len <= 64) {
            u32 cells[16];
            for (size_t i = 0; i < len / 4; i++)
                cells[i] = be32_at(v + 4 * i);
            for_each_clock(f, v, len, map_clock, hc, cells);
            fdt_property_cells(w, name, cells, len / 4);
        } else if (vm_fdt_streq(name, "msi-parent") || vm_fdt_streq(name, "interrupts-extended") ||
                   ((vm_fdt_streq(name, "phandle") || vm_fdt_streq(name, "linux,phandle")) && len == 4 &&
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
    if (!p || !buf || !valid_common(p) || !vm_fdt_arch_valid(p, true))
        return -1;
    struct fdt_writer w;
    fdt_writer_init(&w, buf, cap);
    fdt_begin_node(&w, "");
    fdt_property_u32(&w, "#address-cells", 2);
    fdt_property_u32(&w, "#size-cells", 2);
    fdt_property_string(&w, "compatible", "linux,dummy-virt");
    fdt_property_string(&w, "model", "cvisor guest");
    fdt_property_u32(&w, "interrupt-parent", VM_FDT_PHANDLE_INTC);

    vm_fdt_arch_gen_firmware(&w, p);
    write_memory(&w, p, 2, 2); /* 2 + 2 cells hold any range */
    vm_fdt_arch_gen_machine(&w, p);
    char console[VM_FDT_NAME_MAX + 1] = "";
    if (p->has_uart)
        vm_fdt_arch_gen_console(&w, p, console, sizeof(console));
    gen_virtio(&w, p);
    gen_shmem(&w, p);
    if (p->host_node_count)
        gen_host_devices(&w, p);

    /* stdout-path first: vm_fdt_patch keeps other properties ahead of the ones it writes, so
     * patching a generated tree with the same params reproduces it byte for byte. */
    fdt_begin_node(&w, "chosen");
    if (console[0])
        fdt_property_string(&w, "stdout-path", console);
    write_chosen_ours(&w, p);
    fdt_end_node(&w);

    fdt_end_node(&w);
    return fdt_writer_finish(&w);
}

/* ---- patching ---- */


static void patch_chosen(struct vm_fdt_patch_ctx *c, int chosen)
{
    /* What write_chosen_ours writes: the initrd always, bootargs and rng-seed when it has them. */
    const char *skip[4] = {"linux,initrd-start", "linux,initrd-end"};
    size_t nskip = 2;
    if (c->p->bootargs && c->p->bootargs[0])
        skip[nskip++] = "bootargs";
    if (c->p->rng_seed_len)
        skip[nskip++] = "rng-seed"; /* a file's seed would be the same at every boot */
    fdt_begin_node(c->w, "chosen");
    if (chosen >= 0)
        vm_fdt_copy_props(c, chosen, skip, nskip);
    write_chosen_ours(c->w, c->p);
    if (chosen >= 0)
        vm_fdt_copy_children(c, chosen);
    fdt_end_node(c->w);
}

/* A root child taken for a memory node: device_type memory, or named like one (so the new
 * memory@<base> names cannot collide). */
static bool is_root_memory(const struct fdt *f, int node)
{
    const char *name = fdt_node_name(f, node);
    return vm_fdt_is_memory_node(f, node) || vm_fdt_streq(name, "memory") || vm_fdt_starts_with(name, "memory@");
}

/* Writes the patched root. */
static void patch_root(struct vm_fdt_patch_ctx *c, int root)
{
    const struct fdt *f = c->f;
    struct fdt_writer *w = c->w;
    u32 ac = 2, sc = 1; /* the specification's defaults */
    fdt_prop_u32(f, root, "#address-cells", &ac);
    fdt_prop_u32(f, root, "#size-cells", &sc);
    bool mem_done = false, chosen_done = false;

    fdt_begin_node(w, "");
    vm_fdt_copy_props(c, root, NULL, 0);
    for (int n = fdt_first_child(f, root); n >= 0 && vm_fdt_writer_ok(w) && !c->bad; n = fdt_next_sibling(f, n)) {
        const char *name = fdt_node_name(f, n);
        if (is_root_memory(f, n)) {
            if (!mem_done && !write_memory(w, c->p, ac, sc))
                c->bad = true;
            mem_done = true;
        } else if (vm_fdt_streq(name, "chosen")) {
            if (!chosen_done)
                patch_chosen(c, n);
            chosen_done = true;
        } else if (vm_fdt_arch_patch_node(c, n)) {
            /* the arch's node: rewritten (or, a duplicate, dropped) */
        } else {
            fdt_begin_node(w, name);
            vm_fdt_copy_node_props(c, n);
            vm_fdt_copy_children(c, n);
            fdt_end_node(w);
        }
    }
    if (!mem_done && !write_memory(w, c->p, ac, sc))
        c->bad = true;
    vm_fdt_arch_patch_finish(c); /* the arch's nodes the source lacked */
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
    if (!src || !p || !buf || !valid_common(p) || !vm_fdt_arch_valid(p, false))
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
    struct vm_fdt_patch_ctx c = {.f = &f, .p = p, .w = &w, .patch_props = vm_fdt_arch_patch_props};
    patch_root(&c, root);
    if (c.bad)
        return -1;
    return copy_rsvmap(&f, buf, cap, fdt_writer_finish(&w));
}
