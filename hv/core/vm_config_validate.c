/* VM config validation: checks that need the machine (host RAM, reserved ranges, pCPUs) or
 * look at several entries together (overlaps), plus the cross-VM checks of a config set.
 * Decoding (vm_config.c) has already checked each value on its own. Ranges in messages are
 * half-open, [start, end), in hex. */
#include <hv/vm_config.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define ULL(x) ((unsigned long long)(x))
#define FIELD_MAX 64

/* The end of [base, base+len) for messages; saturates instead of wrapping. */
static u64 range_end(u64 base, u64 len)
{
    return base + len < base ? ~0ull : base + len;
}

static size_t host_ram_count(const struct vm_host_info *h)
{
    return MIN(h->ram_count, ARRAY_SIZE(h->ram));
}

static size_t host_reserved_count(const struct vm_host_info *h)
{
    return MIN(h->reserved_count, ARRAY_SIZE(h->reserved));
}

static size_t host_cpu_count(const struct vm_host_info *h)
{
    return MIN(h->cpu_count, ARRAY_SIZE(h->cpu_hwid));
}

static u64 host_ram_total(const struct vm_host_info *h)
{
    u64 total = 0;
    for (size_t i = 0; i < host_ram_count(h); i++)
        total = total + h->ram[i].size < total ? ~0ull : total + h->ram[i].size;
    return total;
}

static bool in_host_ram(const struct vm_host_info *h, u64 base, u64 len)
{
    for (size_t i = 0; i < host_ram_count(h); i++)
        if (range_contains(h->ram[i].base.val, h->ram[i].size, base, len))
            return true;
    return false;
}

static size_t host_fw_count(const struct vm_host_info *h)
{
    return MIN(h->fw_reserved_count, ARRAY_SIZE(h->fw_reserved));
}

static size_t host_dev_count(const struct vm_host_info *h)
{
    return MIN(h->hv_device_count, ARRAY_SIZE(h->hv_devices));
}

/* The first host RAM range [base, base+len) touches, or -1. */
static int ram_overlap(const struct vm_host_info *h, u64 base, u64 len)
{
    for (size_t i = 0; i < host_ram_count(h); i++)
        if (ranges_overlap(h->ram[i].base.val, h->ram[i].size, base, len))
            return (int)i;
    return -1;
}

/* Whether every byte of [base, base+len) that is host RAM lies in a range the host DTB
 * reserves. Ranges may be adjacent: walk the RAM part, one reserved range at a time. */
static bool ram_part_reserved(const struct vm_host_info *h, u64 base, u64 len)
{
    u64 end = range_end(base, len);
    for (u64 at = base; at < end;) {
        bool ram = false, covered = false;
        u64 next = end;
        for (size_t i = 0; i < host_ram_count(h); i++) {
            u64 rb = h->ram[i].base.val, re = range_end(rb, h->ram[i].size);
            if (at >= rb && at < re)
                ram = true;
            else if (rb > at && rb < next)
                next = rb; /* not RAM up to the next RAM range */
        }
        if (!ram) {
            at = next;
            continue;
        }
        for (size_t i = 0; i < host_fw_count(h) && !covered; i++) {
            u64 fb = h->fw_reserved[i].base.val, fe = range_end(fb, h->fw_reserved[i].size);
            if (at >= fb && at < fe) {
                covered = true;
                at = fe;
            }
        }
        if (!covered)
            return false;
    }
    return true;
}

/* Index of the first host reserved range that [base, base+len) touches, or -1. */
static int reserved_overlap(const struct vm_host_info *h, u64 base, u64 len)
{
    for (size_t i = 0; i < host_reserved_count(h); i++)
        if (ranges_overlap(h->reserved[i].base.val, h->reserved[i].size, base, len))
            return (int)i;
    return -1;
}

/* ---- ranges a VM claims: guest-physical (for overlaps inside a VM) or host-physical (between VMs) ---- */

struct span {
    const char *list; /* field of the list the entry belongs to */
    size_t index;
    u64 base, len;
    int line;
};

static size_t span_count(const struct vm_config *c)
{
    return c->region_count + c->emu_device_count + c->pt_device_count + c->pt_address_count + c->shmem_count;
}

static void span_set(struct span *s, const char *list, size_t index, u64 base, u64 len, int line)
{
    s->list = list;
    s->index = index;
    s->base = base;
    s->len = len;
    s->line = line;
}

/* The k-th range of a VM in the guest (host=false) or host (host=true) address space. Returns
 * false for entries without such a range: device-tree-path passthrough (resolved later from the
 * host DTB), and, on the host side, allocated regions and emulated devices (on neither side, a
 * console in the port I/O space). */
static bool span_at(const struct vm_config *c, size_t k, bool host, struct span *s)
{
    if (k < c->region_count) {
        const struct vm_mem_region *r = &c->regions[k];
        span_set(s, "kernel.memory_regions", k, r->gpa.val, r->size, r->line);
        return !host || r->map_type != VM_MAP_ALLOC;
    }
    k -= c->region_count;
    if (k < c->emu_device_count) {
        const struct vm_emu_device *e = &c->emu_devices[k];
        const struct vm_emu_type *t = vm_emu_type_find(e->emu_type);
        span_set(s, "devices.emu_devices", k, e->base.val, e->length, e->line);
        /* a console in the port I/O space takes no guest-physical addresses */
        return !host && !(VM_ARCH_CONSOLE_PORT_IO && t && t->kind == VM_EMU_KIND_CONSOLE);
    }
    k -= c->emu_device_count;
    if (k < c->pt_device_count) {
        const struct vm_passthrough_device *p = &c->pt_devices[k];
        span_set(s, "devices.passthrough_devices", k, host ? p->base_hpa.val : p->base_gpa.val, p->length,
                 p->line);
        return !p->by_path && !vm_config_pt_served(c, p);
    }
    k -= c->pt_device_count;
    if (k < c->pt_address_count) {
        const struct vm_passthrough_address *a = &c->pt_addresses[k];
        span_set(s, "devices.passthrough_addresses", k, a->base.val, a->length, a->line);
        return true;
    }
    k -= c->pt_address_count;
    const struct vm_shmem_decl *m = &c->shmem[k];
    span_set(s, "devices.shmem_regions", k, m->gpa.val, m->size, m->line);
    return !host; /* its host pages are the hypervisor's to allocate, shared on purpose */
}

static void span_field(char *buf, const struct span *s)
{
    fmt_snprintf(buf, FIELD_MAX, "%s[%zu]", s->list, s->index);
}

static bool spans_overlap(const struct span *a, const struct span *b)
{
    return ranges_overlap(a->base, a->len, b->base, b->len);
}

/* Every guest range must fit the guest-physical address space stage 2 covers (and not wrap). */
static void check_ipa_range(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    struct span s;
    char f[FIELD_MAX];
    for (size_t j = 0; h->ipa_limit && j < span_count(cfg); j++) {
        if (!span_at(cfg, j, false, &s) || (s.base + s.len >= s.base && s.base + s.len <= h->ipa_limit))
            continue;
        span_field(f, &s);
        diag_error(diag, cfg->file, s.line, f,
                   "[0x%llx, 0x%llx) lies beyond the guest-physical address space, which ends at 0x%llx",
                   ULL(s.base), ULL(range_end(s.base, s.len)), ULL(h->ipa_limit));
    }
}

/* Memory regions and device windows share one guest-physical space: any overlap means two
 * entries claim the same guest addresses. Reported at the later entry, naming the earlier one. */
static void check_guest_overlaps(const struct vm_config *cfg, struct diag *diag)
{
    struct span a, b;
    char fa[FIELD_MAX], fb[FIELD_MAX];
    size_t n = span_count(cfg);
    for (size_t j = 0; j < n; j++) {
        if (!span_at(cfg, j, false, &b))
            continue;
        for (size_t i = 0; i < j; i++) {
            if (!span_at(cfg, i, false, &a) || !spans_overlap(&a, &b))
                continue;
            span_field(fa, &a);
            span_field(fb, &b);
            diag_error(diag, cfg->file, b.line, fb, "[0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
                       ULL(b.base), ULL(range_end(b.base, b.len)), fa, ULL(a.base),
                       ULL(range_end(a.base, a.len)));
        }
    }
}

/* ---- memory regions against the host ---- */

static void check_not_reserved(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag,
                               int line, const char *field, const char *what, u64 base, u64 len)
{
    int r = reserved_overlap(h, base, len);
    if (r < 0)
        return;
    diag_error(diag, cfg->file, line, field,
               "%s [0x%llx, 0x%llx) overlaps host memory the hypervisor uses [0x%llx, 0x%llx)", what,
               ULL(base), ULL(range_end(base, len)), ULL(h->reserved[r].base.val),
               ULL(range_end(h->reserved[r].base.val, h->reserved[r].size)));
}

/* A host range a config names (MapReserved region, passthrough range): never RAM the host does
 * not reserve (it may hold the hypervisor's or another VM's data, or be handed out later), never
 * a device the hypervisor drives. The console UART's own page, passed through alone (console_ok),
 * is the exception: the VM gets an emulated PL011 there. */
static void check_host_range(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag,
                             int line, const char *field, const char *what, u64 base, u64 len, bool console_ok)
{
    if (reserved_overlap(h, base, len) >= 0)
        return; /* the hypervisor's own memory: reported by check_not_reserved */
    int r = ram_overlap(h, base, len);
    if (r >= 0 && !ram_part_reserved(h, base, len))
        diag_error(diag, cfg->file, line, field,
                   "%s [0x%llx, 0x%llx) is host RAM the host device tree does not reserve (/reserved-memory, "
                   "/memreserve/); a VM's RAM comes from MapAlloc or MapIdentical",
                   what, ULL(base), ULL(range_end(base, len)));
    for (size_t i = 0; i < host_dev_count(h); i++) {
        u64 db = h->hv_devices[i].base.val, ds = h->hv_devices[i].size;
        if (!ranges_overlap(db, ds, base, len))
            continue;
        bool console = h->console_base.val && db == h->console_base.val;
        if (console && console_ok && base == db && len == VM_CONFIG_ALIGN) {
            diag_warn(diag, cfg->file, line, field,
                      "[0x%llx, 0x%llx) is the hypervisor's console UART: it is not passed through, the VM "
                      "gets an emulated " VM_ARCH_CONSOLE_UART_NAME " there", ULL(base), ULL(range_end(base, len)));
            continue;
        }
        diag_error(diag, cfg->file, line, field, "%s [0x%llx, 0x%llx) overlaps the %s [0x%llx, 0x%llx), which the "
                   "hypervisor drives%s", what, ULL(base), ULL(range_end(base, len)), h->hv_devices[i].what,
                   ULL(db), ULL(range_end(db, ds)),
                   console ? "; use emu_devices type 0x2, or pass its page alone"
                   : !strncmp(h->hv_devices[i].what, VM_ARCH_IRQCHIP_NAME, strlen(VM_ARCH_IRQCHIP_NAME))
                       ? "; use interrupt_mode = \"emu\""
                       : "");
        return;
    }
}

static void check_identical_in_ram(const struct vm_config *cfg, const struct vm_host_info *h,
                                   struct diag *diag, const struct vm_mem_region *r, const char *field)
{
    u64 end = range_end(r->gpa.val, r->size);
    if (in_host_ram(h, r->gpa.val, r->size))
        return;
    if (host_ram_count(h) == 1)
        diag_error(diag, cfg->file, r->line, field,
                   "MapIdentical region [0x%llx, 0x%llx) is not inside host RAM [0x%llx, 0x%llx)",
                   ULL(r->gpa.val), ULL(end), ULL(h->ram[0].base.val),
                   ULL(range_end(h->ram[0].base.val, h->ram[0].size)));
    else
        diag_error(diag, cfg->file, r->line, field,
                   "MapIdentical region [0x%llx, 0x%llx) is not inside any of the %zu host RAM ranges",
                   ULL(r->gpa.val), ULL(end), host_ram_count(h));
}

static void check_region_host(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag,
                              size_t i)
{
    const struct vm_mem_region *r = &cfg->regions[i];
    char field[FIELD_MAX];
    fmt_snprintf(field, sizeof(field), "kernel.memory_regions[%zu]", i);
    if ((r->flags & VM_MEM_LAZY) && (r->map_type != VM_MAP_ALLOC || (r->flags & VM_MEM_DEVICE)))
        diag_error(diag, cfg->file, r->line, field,
                   "flag LAZY (0x20) applies to MapAlloc RAM regions only (map_type 0, no DEVICE flag)");
    switch (r->map_type) {
    case VM_MAP_ALLOC:
        if (r->size > host_ram_total(h))
            diag_error(diag, cfg->file, r->line, field,
                       "MapAlloc region of 0x%llx bytes is larger than all host RAM (0x%llx bytes)",
                       ULL(r->size), ULL(host_ram_total(h)));
        break;
    case VM_MAP_IDENTICAL:
        check_identical_in_ram(cfg, h, diag, r, field);
        check_not_reserved(cfg, h, diag, r->line, field, "MapIdentical region", r->gpa.val, r->size);
        for (size_t k = 0; k < host_fw_count(h); k++)
            if (ranges_overlap(h->fw_reserved[k].base.val, h->fw_reserved[k].size, r->gpa.val, r->size)) {
                diag_error(diag, cfg->file, r->line, field,
                           "MapIdentical region [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx), reserved by the host device "
                           "tree; map it with MapReserved (map_type 2)",
                           ULL(r->gpa.val), ULL(range_end(r->gpa.val, r->size)), ULL(h->fw_reserved[k].base.val),
                           ULL(range_end(h->fw_reserved[k].base.val, h->fw_reserved[k].size)));
                break;
            }
        break;
    case VM_MAP_RESERVED: /* device memory outside RAM, or RAM the host reserves; never the hypervisor's */
        check_not_reserved(cfg, h, diag, r->line, field, "MapReserved region", r->gpa.val, r->size);
        if (!(r->flags & VM_MEM_DEVICE) && !in_host_ram(h, r->gpa.val, r->size)) {
            /* it would be guest RAM the hypervisor writes images and reads buffers in */
            diag_error(diag, cfg->file, r->line, field,
                       "MapReserved region [0x%llx, 0x%llx) has no DEVICE flag (0x10), so it would be RAM, but it "
                       "is not inside host RAM; set DEVICE for device memory",
                       ULL(r->gpa.val), ULL(range_end(r->gpa.val, r->size)));
            break;
        }
        check_host_range(cfg, h, diag, r->line, field, "MapReserved region", r->gpa.val, r->size, false);
        break;
    }
}

/* Regions that each fit can still add up to more than the machine has. */
static void check_alloc_total(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    u64 total = 0, ram = host_ram_total(h);
    for (size_t i = 0; i < cfg->region_count; i++) {
        const struct vm_mem_region *r = &cfg->regions[i];
        if (r->map_type != VM_MAP_ALLOC)
            continue;
        if (r->size > ram)
            return; /* already reported for that region */
        total = total + r->size < total ? ~0ull : total + r->size;
    }
    if (total > ram)
        diag_error(diag, cfg->file, cfg->kernel_line, "kernel.memory_regions",
                   "MapAlloc regions need 0x%llx bytes in total but host RAM is 0x%llx bytes", ULL(total),
                   ULL(ram));
}

static bool in_some_region(const struct vm_config *cfg, u64 addr)
{
    for (size_t i = 0; i < cfg->region_count; i++)
        if (range_contains(cfg->regions[i].gpa.val, cfg->regions[i].size, addr, 1))
            return true;
    return false;
}

static void check_in_regions(const struct vm_config *cfg, struct diag *diag, u64 addr, int line,
                             const char *field, const char *what)
{
    if (!in_some_region(cfg, addr))
        diag_error(diag, cfg->file, line, field, "%s 0x%llx is not inside any memory region", what,
                   ULL(addr));
}

static void check_addresses(const struct vm_config *cfg, struct diag *diag)
{
    static const char *const names[] = {"kernel", "bios", "dtb", "ramdisk"};
    const struct vm_image *imgs[] = {&cfg->kernel, &cfg->bios, &cfg->dtb, &cfg->ramdisk};
    char field[FIELD_MAX], what[32];

    check_in_regions(cfg, diag, cfg->entry_point.val, cfg->entry_point_line, "kernel.entry_point",
                     "entry point");
    for (size_t i = 0; i < ARRAY_SIZE(imgs); i++) {
        if (!imgs[i]->has_load_addr)
            continue;
        fmt_snprintf(field, sizeof(field), "kernel.%s_load_addr", names[i]);
        fmt_snprintf(what, sizeof(what), "%s load address", names[i]);
        check_in_regions(cfg, diag, imgs[i]->load_gpa.val, imgs[i]->line, field, what);
    }
}

/* ---- vCPUs ---- */

/* pCPU index with this hardware id, or -1. */
static int host_cpu_of(const struct vm_host_info *h, u64 hwid)
{
    for (size_t i = 0; i < host_cpu_count(h); i++)
        if (vm_arch_hwid_equal(h->cpu_hwid[i], hwid))
            return (int)i;
    return -1;
}

/* "0x0 0x1 0x100 ..." — the hardware ids a config may name, for messages. */
static void list_hwids(const struct vm_host_info *h, char *buf, size_t size)
{
    size_t n = host_cpu_count(h), pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 6 && pos < size; i++)
        pos += (size_t)fmt_snprintf(buf + pos, size - pos, "%s0x%llx", i ? " " : "", ULL(h->cpu_hwid[i]));
    if (n > 6 && pos < size)
        fmt_snprintf(buf + pos, size - pos, " ...");
}

static void check_cpu_id(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag,
                         size_t i)
{
    char field[FIELD_MAX], cpus[80];
    u64 id = cfg->phys_cpu_ids[i];
    fmt_snprintf(field, sizeof(field), "base.phys_cpu_ids[%zu]", i);
    if (host_cpu_of(h, id) < 0) {
        list_hwids(h, cpus, sizeof(cpus));
        diag_error(diag, cfg->file, cfg->phys_cpu_ids_line, field,
                   VM_ARCH_HWID_NAME " 0x%llx is not a CPU of this machine (its " VM_ARCH_HWID_NAME "s: %s)", ULL(id),
                   cpus);
        return;
    }
    for (size_t j = 0; j < i; j++)
        if (vm_arch_hwid_equal(cfg->phys_cpu_ids[j], id))
            diag_error(diag, cfg->file, cfg->phys_cpu_ids_line, field,
                       VM_ARCH_HWID_NAME " 0x%llx is also phys_cpu_ids[%zu]; to share a pCPU use phys_cpu_sets", ULL(id),
                       j);
}

static void check_cpu_ids(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    if (cfg->phys_cpu_id_count != cfg->cpu_num)
        diag_error(diag, cfg->file, cfg->phys_cpu_ids_line, "base.phys_cpu_ids",
                   "phys_cpu_ids has %zu entr%s but cpu_num is %u; give one " VM_ARCH_HWID_NAME " per vCPU",
                   cfg->phys_cpu_id_count, cfg->phys_cpu_id_count == 1 ? "y" : "ies", cfg->cpu_num);
    for (size_t i = 0; i < cfg->phys_cpu_id_count; i++)
        check_cpu_id(cfg, h, diag, i);
}

static u64 host_cpu_mask(const struct vm_host_info *h)
{
    size_t n = host_cpu_count(h);
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static void check_cpu_sets(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    char field[FIELD_MAX];
    u64 valid = host_cpu_mask(h);
    if (cfg->phys_cpu_set_count != cfg->cpu_num)
        diag_error(diag, cfg->file, cfg->phys_cpu_sets_line, "base.phys_cpu_sets",
                   "phys_cpu_sets has %zu entr%s but cpu_num is %u; give one pCPU mask per vCPU",
                   cfg->phys_cpu_set_count, cfg->phys_cpu_set_count == 1 ? "y" : "ies", cfg->cpu_num);
    for (size_t i = 0; i < cfg->phys_cpu_set_count; i++) {
        u64 m = cfg->phys_cpu_sets[i];
        fmt_snprintf(field, sizeof(field), "base.phys_cpu_sets[%zu]", i);
        if (m == 0)
            diag_error(diag, cfg->file, cfg->phys_cpu_sets_line, field,
                       "mask is 0: vCPU %zu would have no pCPU to run on", i);
        else if (m & ~valid)
            diag_error(diag, cfg->file, cfg->phys_cpu_sets_line, field,
                       "mask 0x%llx names pCPUs this machine lacks: it has %zu (valid bits 0x%llx)", ULL(m),
                       host_cpu_count(h), ULL(valid));
    }
}

/* Without phys_cpu_sets each vCPU gets a pCPU of its own; sharing must be asked for explicitly. */
static void check_cpus(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    if (cfg->cpu_num > host_cpu_count(h) && !cfg->has_phys_cpu_sets)
        diag_error(diag, cfg->file, cfg->cpu_num_line, "base.cpu_num",
                   "cpu_num %u exceeds the %zu pCPUs of this machine (phys_cpu_sets can share pCPUs)",
                   cfg->cpu_num, host_cpu_count(h));
    if (cfg->has_phys_cpu_ids)
        check_cpu_ids(cfg, h, diag);
    if (cfg->has_phys_cpu_sets)
        check_cpu_sets(cfg, h, diag);
}

/* Interrupt passthrough hands the GIC CPU interface of the VM's pCPUs to the guest: the
 * hypervisor's own interrupts (console input, so Ctrl-] and the shell) need one pCPU left. */
static void check_passthrough_cpus(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    u64 all = host_cpu_mask(h), used = 0;
    if (cfg->irq_mode != VM_IRQ_PASSTHROUGH || !host_cpu_count(h))
        return;
    for (u32 i = 0; i < cfg->cpu_num && i < VM_MAX_VCPUS; i++)
        used |= vm_config_vcpu_affinity(cfg, h, i);
    if ((used & all) == all)
        diag_error(diag, cfg->file, cfg->irq_mode_line ? cfg->irq_mode_line : cfg->devices_line,
                   "devices.interrupt_mode",
                   "interrupt_mode = \"passthrough\" would take all %zu pCPUs of this machine; leave one to the "
                   "hypervisor (its console input, Ctrl-] and the shell run there): fewer vCPUs, other pCPUs, or "
                   "a machine with more CPUs",
                   host_cpu_count(h));
}

/* ---- devices ---- */

static void check_aligned(const struct vm_config *cfg, struct diag *diag, int line, const char *field,
                          const char *what, u64 v)
{
    if (!IS_ALIGNED(v, VM_CONFIG_ALIGN))
        diag_error(diag, cfg->file, line, field,
                   "%s 0x%llx is not 4 KiB aligned (passthrough maps whole pages)", what, ULL(v));
}

/* A passthrough window is mapped page by page into stage 2, and must not hand out hypervisor memory. */
static void check_pt_window(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag,
                            const char *field, int line, u64 gpa, u64 hpa, u64 len)
{
    if (len == 0) {
        diag_error(diag, cfg->file, line, field, "length is 0; a passthrough range must be non-empty");
        return;
    }
    check_aligned(cfg, diag, line, field, "base_gpa", gpa);
    if (hpa != gpa)
        check_aligned(cfg, diag, line, field, "base_hpa", hpa);
    check_aligned(cfg, diag, line, field, "length", len);
    check_not_reserved(cfg, h, diag, line, field, "host range", hpa, len);
    check_host_range(cfg, h, diag, line, field, "host range", hpa, len, true);
}

/* virtio-net: cfg [network, mac], both optional; one device per VM. */
static void check_net(const struct vm_config *cfg, struct diag *diag, const char *field,
                      const struct vm_emu_device *e, unsigned nth)
{
    if (nth > 1)
        diag_error(diag, cfg->file, e->line, field, "one virtio-net device per VM");
    if (e->cfg_count > 2)
        diag_error(diag, cfg->file, e->line, field,
                   "a virtio-net cfg list is [network, mac] (both optional), not %zu values", e->cfg_count);
    if (e->cfg_count > 0 && e->cfg[0] >= VM_NET_NETWORKS)
        diag_error(diag, cfg->file, e->line, field, "cfg[0]: network %llu is not one of 0..%u",
                   (unsigned long long)e->cfg[0], VM_NET_NETWORKS - 1);
    if (e->cfg_count > 1) {
        u64 mac = e->cfg[1];
        if (mac == 0 || mac > VM_NET_MAC_MAX || (mac >> 40) & 1)
            diag_error(diag, cfg->file, e->line, field,
                       "cfg[1]: %#llx is not a unicast MAC address (48 bits, e.g. 0x0200_0000_0001 for "
                       "02:00:00:00:00:01; the first byte's lowest bit clear)",
                       (unsigned long long)mac);
    }
}

/* A doorbell interrupt (shared regions, IVC channels): 0 for none, else a shared line the
 * VM's emulated interrupt controller delivers. */
static void check_doorbell_irq(const struct vm_config *cfg, struct diag *diag, int line, const char *field, u32 irq)
{
    if (!irq)
        return;
    const struct vm_device_irqs *r = &vm_arch_device_irqs;
    if (irq < r->first || irq > r->last)
        diag_error(diag, cfg->file, line, field, "irq_id %u: a doorbell needs %s (%u..%u), or 0 for none", irq,
                   r->name, r->first, r->last);
    else if (cfg->irq_mode != VM_IRQ_EMULATED)
        diag_error(diag, cfg->file, line, field,
                   "irq_id %u: a doorbell interrupt needs interrupt_mode = \"emu\" (or irq_id 0)", irq);
}

/* The IVC window (emu_type 0xA): whole pages of guest addresses, one per VM. */
static void check_ivc_window(const struct vm_config *cfg, struct diag *diag, const struct vm_emu_device *e,
                             const char *field, unsigned nth)
{
    if (nth > 1)
        diag_error(diag, cfg->file, e->line, field, "one IVC window (emu_type 0xA) per VM");
    if (!IS_ALIGNED(e->base.val, VM_CONFIG_ALIGN) || !IS_ALIGNED(e->length, VM_CONFIG_ALIGN))
        diag_error(diag, cfg->file, e->line, field,
                   "an IVC window must be whole 4 KiB pages: base_gpa 0x%llx, length 0x%llx", ULL(e->base.val),
                   ULL(e->length));
    check_doorbell_irq(cfg, diag, e->line, field, e->irq);
}

static void check_devices(const struct vm_config *cfg, const struct vm_host_info *h, struct diag *diag)
{
    char field[FIELD_MAX];
    for (size_t i = 0; i < cfg->pt_device_count; i++) {
        const struct vm_passthrough_device *p = &cfg->pt_devices[i];
        if (p->by_path)
            continue;
        fmt_snprintf(field, sizeof(field), "devices.passthrough_devices[%zu]", i);
        const char *served = vm_config_pt_served(cfg, p);
        if (served) {
            diag_warn(diag, cfg->file, p->line, field, "'%s' [0x%llx, 0x%llx) is served by the VM's %s, not passed through",
                      p->name, ULL(p->base_gpa.val), ULL(range_end(p->base_gpa.val, p->length)), served);
            continue;
        }
        check_pt_window(cfg, h, diag, field, p->line, p->base_gpa.val, p->base_hpa.val, p->length);
    }
    for (size_t i = 0; i < cfg->pt_address_count; i++) {
        const struct vm_passthrough_address *a = &cfg->pt_addresses[i];
        fmt_snprintf(field, sizeof(field), "devices.passthrough_addresses[%zu]", i);
        check_pt_window(cfg, h, diag, field, a->line, a->base.val, a->base.val, a->length);
    }
    unsigned blk = 0, net = 0, ivc = 0;
    for (size_t i = 0; i < cfg->emu_device_count; i++) {
        const struct vm_emu_device *e = &cfg->emu_devices[i];
        const struct vm_emu_type *t = vm_emu_type_find(e->emu_type);
        bool virtio = t && t->kind == VM_EMU_KIND_VIRTIO;
        fmt_snprintf(field, sizeof(field), "devices.emu_devices[%zu]", i);
        if (e->emu_type == VM_EMU_VIRTIO_BLK) {
            blk++;
            if (!cfg->disk_path[0])
                diag_error(diag, cfg->file, e->line, field,
                           "a virtio-blk device needs its file: disk_path in [kernel]");
            else if (blk > 1)
                diag_error(diag, cfg->file, e->line, field,
                           "one virtio-blk device per VM (it takes [kernel] disk_path)");
        }
        if (e->emu_type == VM_EMU_VIRTIO_NET)
            check_net(cfg, diag, field, e, ++net);
        if (e->emu_type == VM_EMU_IVC)
            check_ivc_window(cfg, diag, e, field, ++ivc);
        if (e->length == 0)
            diag_error(diag, cfg->file, e->line, field,
                       "length is 0; an emulated device needs an MMIO window");
        else if (virtio && e->length < 0x200)
            diag_error(diag, cfg->file, e->line, field,
                       "length %#llx is below the 0x200 bytes of a virtio-mmio device",
                       (unsigned long long)e->length);
        if (virtio && (e->irq < vm_arch_device_irqs.first || e->irq > vm_arch_device_irqs.last))
            diag_error(diag, cfg->file, e->line, field, "irq_id %u: a virtio device needs %s (%u..%u)", e->irq,
                       vm_arch_device_irqs.name, vm_arch_device_irqs.first, vm_arch_device_irqs.last);
    }
}

/* Shared regions: one entry per name in a VM, and a doorbell interrupt only where the VM has an
 * emulated interrupt controller to deliver it. */
static void check_shmem(const struct vm_config *cfg, struct diag *diag)
{
    char field[FIELD_MAX];
    for (size_t j = 0; j < cfg->shmem_count; j++) {
        const struct vm_shmem_decl *m = &cfg->shmem[j];
        fmt_snprintf(field, sizeof(field), "devices.shmem_regions[%zu]", j);
        for (size_t i = 0; i < j; i++)
            if (m->name[0] && !strcmp(cfg->shmem[i].name, m->name))
                diag_error(diag, cfg->file, m->line, field,
                           "region '%s' is already mapped by devices.shmem_regions[%zu]; a VM maps a "
                           "shared region once",
                           m->name, i);
        check_doorbell_irq(cfg, diag, m->line, field, m->irq);
    }
}

int vm_config_validate(const struct vm_config *cfg, const struct vm_host_info *host, struct diag *diag)
{
    struct diag quiet = {0};
    struct diag *d = diag ? diag : &quiet;
    unsigned errors = d->errors;

    for (size_t i = 0; i < cfg->region_count; i++)
        check_region_host(cfg, host, d, i);
    check_alloc_total(cfg, host, d);
    check_addresses(cfg, d);
    unsigned before_cpus = d->errors;
    check_cpus(cfg, host, d);
    if (d->errors == before_cpus)
        check_passthrough_cpus(cfg, host, d);
    check_devices(cfg, host, d);
    check_shmem(cfg, d);
    check_ipa_range(cfg, host, d);
    check_guest_overlaps(cfg, d);
    vm_config_check_host(cfg, host, d);
    return d->errors == errors ? 0 : -1;
}

/* ---- images ---- */



/* ---- sets of VMs ---- */

static bool check_ids(const struct vm_config *const cfgs[], size_t j, const bool ok[], struct diag *diag)
{
    const struct vm_config *b = cfgs[j];
    bool clean = true;
    for (size_t i = 0; i < j; i++) {
        const struct vm_config *a = cfgs[i];
        if (!ok[i] || !a || a->id != b->id)
            continue;
        diag_error(diag, b->file, b->id_line, "base.id", "VM id %llu is already used by VM '%s' in %s",
                   ULL(b->id), a->name, a->file);
        clean = false;
    }
    return clean;
}

/* Two VMs must never own the same host-physical bytes (RAM or device registers). */
static bool check_host_ranges(const struct vm_config *a, const struct vm_config *b, struct diag *diag)
{
    struct span sa, sb;
    char fa[FIELD_MAX], fb[FIELD_MAX];
    bool clean = true;
    for (size_t j = 0; j < span_count(b); j++) {
        if (!span_at(b, j, true, &sb))
            continue;
        for (size_t i = 0; i < span_count(a); i++) {
            if (!span_at(a, i, true, &sa) || !spans_overlap(&sa, &sb))
                continue;
            span_field(fa, &sa);
            span_field(fb, &sb);
            diag_error(diag, b->file, sb.line, fb, "host range [0x%llx, 0x%llx) is also claimed by %s of %s",
                       ULL(sb.base), ULL(range_end(sb.base, sb.len)), fa, a->file);
            clean = false;
        }
    }
    return clean;
}

/* A shared region has one size, whoever names it. */
static bool check_shmem_sizes(const struct vm_config *a, const struct vm_config *b, struct diag *diag)
{
    char field[FIELD_MAX];
    bool clean = true;
    for (size_t j = 0; j < b->shmem_count; j++) {
        const struct vm_shmem_decl *mb = &b->shmem[j];
        for (size_t i = 0; i < a->shmem_count; i++) {
            const struct vm_shmem_decl *ma = &a->shmem[i];
            if (strcmp(ma->name, mb->name) || ma->size == mb->size)
                continue;
            fmt_snprintf(field, sizeof(field), "devices.shmem_regions[%zu]", j);
            diag_error(diag, b->file, mb->line, field,
                       "shared region '%s' is 0x%llx bytes here but 0x%llx bytes in devices.shmem_regions[%zu] "
                       "of %s",
                       mb->name, ULL(mb->size), ULL(ma->size), i, a->file);
            clean = false;
        }
    }
    return clean;
}

void vm_config_check_set(const struct vm_config *const cfgs[], size_t n, bool ok[], struct diag *diag)
{
    for (size_t j = 0; j < n; j++) {
        if (!ok[j] || !cfgs[j]) {
            ok[j] = false;
            continue;
        }
        bool clean = check_ids(cfgs, j, ok, diag);
        for (size_t i = 0; i < j; i++)
            if (ok[i]) {
                bool hosts = check_host_ranges(cfgs[i], cfgs[j], diag);
                bool sizes = check_shmem_sizes(cfgs[i], cfgs[j], diag);
                clean = clean && hosts && sizes;
            }
        ok[j] = clean;
    }
}

/* ---- placement ---- */

u64 vm_config_vcpu_affinity(const struct vm_config *cfg, const struct vm_host_info *host, u32 vcpu)
{
    if (vcpu >= cfg->cpu_num)
        return 0;
    if (cfg->has_phys_cpu_sets)
        return vcpu < cfg->phys_cpu_set_count ? cfg->phys_cpu_sets[vcpu] & host_cpu_mask(host) : 0;
    if (cfg->has_phys_cpu_ids) {
        int p = vcpu < cfg->phys_cpu_id_count ? host_cpu_of(host, cfg->phys_cpu_ids[vcpu]) : -1;
        return p < 0 ? 0 : 1ull << p;
    }
    return vcpu < host_cpu_count(host) ? 1ull << vcpu : 0;
}
