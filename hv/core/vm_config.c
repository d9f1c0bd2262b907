/* VM config decoding: an axvisor-schema TOML document into struct vm_config.
 *
 * Decoding never stops at the first problem: every key is looked at, so one run shows the
 * user all mistakes of a file. Each report carries the line of the offending value and a
 * dotted field name ("kernel.memory_regions[1]"). Checks that need the machine (host RAM,
 * pCPUs) or look at several keys together live in vm_config_validate.c. */
#include <hv/vm_config.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define ULL(x) ((unsigned long long)(x))
#define FIELD_MAX 64 /* "devices.passthrough_addresses[15]" and the like */
#define STR_(x) #x
#define STR(x) STR_(x)

struct dec {
    struct vm_config *cfg;
    struct diag *diag;
};

enum image_id { IMG_KERNEL, IMG_BIOS, IMG_DTB, IMG_RAMDISK };

static const char *const image_names[] = {"kernel", "bios", "dtb", "ramdisk"};

static struct vm_image *image_of(struct vm_config *cfg, int id)
{
    switch (id) {
    case IMG_BIOS:
        return &cfg->bios;
    case IMG_DTB:
        return &cfg->dtb;
    case IMG_RAMDISK:
        return &cfg->ramdisk;
    default:
        return &cfg->kernel;
    }
}

/* The part of a field name after the table: "memory_regions[1]" of "kernel.memory_regions[1]",
 * used in messages so they read naturally next to the full field. */
static const char *leaf(const char *field)
{
    const char *dot = strchr(field, '.');
    return dot ? dot + 1 : field;
}

static const char *article(const char *noun)
{
    return strchr("aeiou", noun[0]) ? "an" : "a";
}

static void type_error(struct dec *d, const struct toml_value *v, const char *field, const char *what,
                       const char *want)
{
    const char *got = toml_type_name(toml_type_of(v));
    diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s must be %s, not %s %s", what, want,
               article(got), got);
}

/* ---- scalars ---- */

/* A non-negative integer no larger than max. */
static bool get_uint(struct dec *d, const struct toml_value *v, const char *field, const char *what, u64 max,
                     u64 *out)
{
    s64 x;
    if (!toml_as_int(v, &x)) {
        type_error(d, v, field, what, "an integer");
        return false;
    }
    if (x < 0) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s is %lld but must not be negative", what,
                   (long long)x);
        return false;
    }
    if ((u64)x > max) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s is %llu but must be at most %llu", what,
                   ULL(x), ULL(max));
        return false;
    }
    *out = (u64)x;
    return true;
}

static bool get_u32(struct dec *d, const struct toml_value *v, const char *field, const char *what, u32 *out)
{
    u64 x;
    if (!get_uint(d, v, field, what, 0xffffffffu, &x))
        return false;
    *out = (u32)x;
    return true;
}

/* A string that fits dst (size includes the NUL). Too long is an error: a truncated path or
 * name would silently refer to something else. */
static bool get_string(struct dec *d, const struct toml_value *v, const char *field, const char *what,
                       char *dst, size_t size)
{
    const char *s;
    size_t len;
    if (!toml_as_string(v, &s, &len)) {
        type_error(d, v, field, what, "a string");
        return false;
    }
    if (strnlen(s, len) != len) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s must not contain a NUL character",
                   what);
        return false;
    }
    if (len >= size) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "%s is %zu bytes long but at most %zu bytes are supported", what, len, size - 1);
        return false;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* An address or size: any non-negative integer (TOML integers are signed 64-bit). */
static bool get_addr(struct dec *d, const struct toml_value *v, const char *field, const char *what, u64 *out)
{
    return get_uint(d, v, field, what, ~0ull, out);
}

/* A string compared against a keyword list; embedded NULs never match. */
static bool str_is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* ---- arrays ---- */

static bool expect_array(struct dec *d, const struct toml_value *v, const char *field, const char *what)
{
    if (toml_type_of(v) == TOML_ARRAY)
        return true;
    type_error(d, v, field, what, "an array");
    return false;
}

/* A list of entries of at most max elements; reports "has 20 entries but at most 16 ...". */
static bool expect_list(struct dec *d, const struct toml_value *v, const char *field, size_t max,
                        const char *unit)
{
    if (!expect_array(d, v, field, leaf(field)))
        return false;
    size_t n = toml_array_len(v);
    if (n > max) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "%s has %zu entries but at most %zu %s are supported", leaf(field), n, max, unit);
        return false;
    }
    return true;
}

/* One entry of a list of tuples: an array of min..max elements shaped like `shape`. */
static bool expect_tuple(struct dec *d, const struct toml_value *v, const char *field, size_t min, size_t max,
                         const char *shape)
{
    if (toml_type_of(v) != TOML_ARRAY) {
        const char *got = toml_type_name(toml_type_of(v));
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "expected %s, not %s %s", shape,
                   article(got), got);
        return false;
    }
    size_t n = toml_array_len(v);
    if (n < min || n > max) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "expected %s, but it has %zu element%s",
                   shape, n, n == 1 ? "" : "s");
        return false;
    }
    return true;
}

static void entry_field(char *buf, const char *list_field, size_t i)
{
    fmt_snprintf(buf, FIELD_MAX, "%s[%zu]", list_field, i);
}

/* ---- [base] ---- */

static void dec_id(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    d->cfg->id_line = toml_line_of(v);
    get_addr(d, v, field, "id", &d->cfg->id);
}

static void dec_name(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    get_string(d, v, field, "name", d->cfg->name, sizeof(d->cfg->name));
}

/* vm_type is informational for cvisor: a value axvisor does not define is only worth a warning. */
static void dec_vm_type(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    if (get_u32(d, v, field, "vm_type", &d->cfg->vm_type) && d->cfg->vm_type > 2)
        diag_warn(d->diag, d->cfg->file, toml_line_of(v), field,
                  "vm_type %u is not one of 0 (host), 1 (RTOS), 2 (Linux); kept as given", d->cfg->vm_type);
}

static void dec_cpu_num(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    u32 n;
    d->cfg->cpu_num_line = toml_line_of(v);
    if (!get_u32(d, v, field, "cpu_num", &n))
        return;
    if (n == 0)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "cpu_num is 0 but a VM needs at least 1 vCPU");
    else if (n > VM_MAX_VCPUS)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "cpu_num is %u but at most %d vCPUs are supported", n, VM_MAX_VCPUS);
    else
        d->cfg->cpu_num = n;
}

/* phys_cpu_ids (arg 0) or phys_cpu_sets (arg 1): one integer per vCPU. An empty list says
 * nothing, so it counts as absent. Its length against cpu_num is checked by validation. */
static void dec_cpu_list(struct dec *d, const struct toml_value *v, const char *field, int sets)
{
    struct vm_config *c = d->cfg;
    u64 *out = sets ? c->phys_cpu_sets : c->phys_cpu_ids;
    char ef[FIELD_MAX];
    bool ok = true;

    *(sets ? &c->phys_cpu_sets_line : &c->phys_cpu_ids_line) = toml_line_of(v);
    if (!expect_list(d, v, field, VM_MAX_VCPUS, "vCPUs"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        entry_field(ef, field, i);
        ok &= get_addr(d, toml_array_at(v, i), ef, leaf(ef), &out[i]);
    }
    if (!ok || n == 0)
        return;
    if (sets) {
        c->has_phys_cpu_sets = true;
        c->phys_cpu_set_count = n;
    } else {
        c->has_phys_cpu_ids = true;
        c->phys_cpu_id_count = n;
    }
}

/* ---- [kernel] ---- */

static void dec_entry_point(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    d->cfg->entry_point_line = toml_line_of(v);
    get_addr(d, v, field, "entry_point", &d->cfg->entry_point.val);
}

static void dec_image_path(struct dec *d, const struct toml_value *v, const char *field, int id)
{
    struct vm_image *img = image_of(d->cfg, id);
    if (!get_string(d, v, field, leaf(field), img->path, sizeof(img->path)))
        return;
    if (img->path[0] == '\0') {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s is empty; name the %s image file",
                   leaf(field), image_names[id]);
        return;
    }
    img->present = true;
    if (!img->has_load_addr)
        img->line = toml_line_of(v);
}

/* The file on the FAT disk behind the VM's virtio-blk device (axvisor's key). */
static void dec_disk_path(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    if (!get_string(d, v, field, "disk_path", d->cfg->disk_path, sizeof(d->cfg->disk_path)))
        return;
    d->cfg->disk_path_line = toml_line_of(v);
    if (d->cfg->disk_path[0] == '\0')
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "disk_path is empty; name a file on the disk");
}

static void dec_image_load(struct dec *d, const struct toml_value *v, const char *field, int id)
{
    struct vm_image *img = image_of(d->cfg, id);
    if (!get_addr(d, v, field, leaf(field), &img->load_gpa.val))
        return;
    img->has_load_addr = true;
    img->line = toml_line_of(v);
}

static void dec_image_location(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    const char *s;
    size_t len;
    if (!toml_as_string(v, &s, &len))
        type_error(d, v, field, "image_location", "a string");
    else if (str_is(s, len, "memory"))
        d->cfg->image_location = VM_IMAGE_MEMORY;
    else if (str_is(s, len, "fs"))
        d->cfg->image_location = VM_IMAGE_FS;
    else
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "image_location is \"%.40s\" but must be \"memory\" or \"fs\"", s);
}

static void dec_cmdline(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    d->cfg->has_cmdline = get_string(d, v, field, "cmdline", d->cfg->cmdline, sizeof(d->cfg->cmdline));
}

static void dec_region_gpa(struct dec *d, const struct toml_value *v, const char *field,
                           struct vm_mem_region *r)
{
    if (!get_addr(d, v, field, "gpa", &r->gpa.val))
        return;
    if (!IS_ALIGNED(r->gpa.val, VM_CONFIG_ALIGN))
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "gpa 0x%llx is not 4 KiB aligned (the stage-2 page size)", ULL(r->gpa.val));
}

/* Shared by regions and their sizes elsewhere: non-zero and a whole number of pages. */
static void check_size(struct dec *d, const struct toml_value *v, const char *field, const char *what,
                       u64 size)
{
    if (size == 0)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "%s is 0; it must be a non-zero multiple of 4 KiB", what);
    else if (!IS_ALIGNED(size, VM_CONFIG_ALIGN))
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field, "%s 0x%llx is not a multiple of 4 KiB",
                   what, ULL(size));
}

static void dec_region_flags(struct dec *d, const struct toml_value *v, const char *field,
                             struct vm_mem_region *r)
{
    if (!get_u32(d, v, field, "flags", &r->flags))
        return;
    if (r->flags & ~VM_MEM_KNOWN_FLAGS)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "flags 0x%x has unknown bits 0x%x; valid bits: R=0x1 W=0x2 X=0x4 U=0x8 DEVICE=0x10 LAZY=0x20",
                   r->flags, r->flags & ~VM_MEM_KNOWN_FLAGS);
}

static void dec_region_map_type(struct dec *d, const struct toml_value *v, const char *field,
                                struct vm_mem_region *r)
{
    u32 t;
    if (!get_u32(d, v, field, "map_type", &t))
        return;
    if (t > VM_MAP_RESERVED)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "map_type is %u but must be 0 (MapAlloc), 1 (MapIdentical) or 2 (MapReserved)", t);
    else
        r->map_type = (enum vm_map_type)t;
}

static void dec_region(struct dec *d, const struct toml_value *v, const char *field, struct vm_mem_region *r)
{
    r->line = toml_line_of(v);
    if (!expect_tuple(d, v, field, 4, 4, "[gpa, size, flags, map_type]"))
        return;
    dec_region_gpa(d, toml_array_at(v, 0), field, r);
    const struct toml_value *size = toml_array_at(v, 1);
    if (get_addr(d, size, field, "size", &r->size))
        check_size(d, size, field, "size", r->size);
    dec_region_flags(d, toml_array_at(v, 2), field, r);
    dec_region_map_type(d, toml_array_at(v, 3), field, r);
}

/* Entries keep their index even when broken, so later messages name the right entry. */
static void dec_regions(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_REGIONS, "regions"))
        return;
    size_t n = toml_array_len(v);
    if (n == 0)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "memory_regions is empty; a VM needs at least one [gpa, size, flags, map_type]");
    for (size_t i = 0; i < n; i++) {
        entry_field(ef, field, i);
        dec_region(d, toml_array_at(v, i), ef, &d->cfg->regions[i]);
    }
    d->cfg->region_count = n;
}

/* ---- [devices] ---- */

/* The codes every architecture shares; the arch's own are in its table (vm_arch_emu_types). */
static const struct vm_emu_type emu_types[] = {
    {VM_EMU_DUMMY, "dummy", VM_EMU_NOT_EMULATED},
    {VM_EMU_CONSOLE, "console", VM_EMU_KIND_CONSOLE},
    {VM_EMU_IVC, "IVC channel", VM_EMU_KIND_IVC},
    {VM_EMU_VIRTIO_BLK, "virtio-blk", VM_EMU_KIND_VIRTIO},
    {VM_EMU_VIRTIO_NET, "virtio-net", VM_EMU_KIND_VIRTIO},
    {VM_EMU_VIRTIO_CONSOLE, "virtio-console", VM_EMU_KIND_VIRTIO},
};

const struct vm_emu_type *vm_emu_type_find(u32 emu_type)
{
    for (size_t i = 0; i < ARRAY_SIZE(emu_types); i++)
        if (emu_types[i].code == emu_type)
            return &emu_types[i];
    for (size_t i = 0; i < vm_arch_emu_type_count; i++)
        if (vm_arch_emu_types[i].code == emu_type)
            return &vm_arch_emu_types[i];
    return NULL;
}

/* Device types cvisor emulates (the others load with a warning). */
bool vm_emu_type_supported(u32 emu_type)
{
    const struct vm_emu_type *t = vm_emu_type_find(emu_type);
    return t && t->kind != VM_EMU_NOT_EMULATED;
}

const char *vm_emu_type_name(u32 emu_type)
{
    const struct vm_emu_type *t = vm_emu_type_find(emu_type);
    return t ? t->name : NULL;
}

static void dec_emu_cfg(struct dec *d, const struct toml_value *v, const char *field, struct vm_emu_device *e)
{
    char what[16];
    if (!expect_array(d, v, field, "cfg list"))
        return;
    size_t n = toml_array_len(v);
    if (n > VM_EMU_CFG_MAX) {
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "cfg list has %zu values but at most %d are supported", n, VM_EMU_CFG_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fmt_snprintf(what, sizeof(what), "cfg[%zu]", i);
        get_addr(d, toml_array_at(v, i), field, what, &e->cfg[i]);
    }
    e->cfg_count = n;
}

/* cvisor emulates no device yet: a known emu_type is accepted (the config stays loadable) with a
 * warning, so nobody expects the guest to see the device. */
static void dec_emu_type(struct dec *d, const struct toml_value *v, const char *field,
                         struct vm_emu_device *e)
{
    if (!get_u32(d, v, field, "emu_type", &e->emu_type))
        return;
    const char *name = vm_emu_type_name(e->emu_type);
    if (!name)
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "emu_type 0x%x is not a known device type (see docs/config.md for the codes)",
                   e->emu_type);
    else if (!vm_emu_type_supported(e->emu_type))
        diag_warn(d->diag, d->cfg->file, toml_line_of(v), field,
                  "emu_type 0x%x (%s) is accepted but not emulated yet", e->emu_type, name);
}

static void dec_emu_device(struct dec *d, const struct toml_value *v, const char *field,
                           struct vm_emu_device *e)
{
    e->line = toml_line_of(v);
    if (!expect_tuple(d, v, field, 5, 6, "[name, base_gpa, length, irq_id, emu_type, [cfg...]]"))
        return;
    get_string(d, toml_array_at(v, 0), field, "name", e->name, sizeof(e->name));
    get_addr(d, toml_array_at(v, 1), field, "base_gpa", &e->base.val);
    get_addr(d, toml_array_at(v, 2), field, "length", &e->length);
    get_u32(d, toml_array_at(v, 3), field, "irq_id", &e->irq);
    dec_emu_type(d, toml_array_at(v, 4), field, e);
    if (toml_array_len(v) == 6)
        dec_emu_cfg(d, toml_array_at(v, 5), field, e);
}

static void dec_emu_devices(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_EMU_DEVICES, "devices"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        entry_field(ef, field, i);
        dec_emu_device(d, toml_array_at(v, i), ef, &d->cfg->emu_devices[i]);
    }
    d->cfg->emu_device_count = n;
}

/* cvisor: shmem_regions = [[name, gpa, size, irq_id], ...] (docs/shmem.md). */
static void dec_shmem_region(struct dec *d, const struct toml_value *v, const char *field,
                             struct vm_shmem_decl *r)
{
    r->line = toml_line_of(v);
    if (!expect_tuple(d, v, field, 4, 4, "[name, gpa, size, irq_id]"))
        return;
    const struct toml_value *name = toml_array_at(v, 0);
    if (get_string(d, name, field, "name", r->name, sizeof(r->name)) && !r->name[0])
        diag_error(d->diag, d->cfg->file, toml_line_of(name), field,
                   "name is empty; VMs share a region by naming it alike");
    const struct toml_value *gpa = toml_array_at(v, 1);
    if (get_addr(d, gpa, field, "gpa", &r->gpa.val) && !IS_ALIGNED(r->gpa.val, VM_CONFIG_ALIGN))
        diag_error(d->diag, d->cfg->file, toml_line_of(gpa), field,
                   "gpa 0x%llx is not 4 KiB aligned (the stage-2 page size)", ULL(r->gpa.val));
    const struct toml_value *size = toml_array_at(v, 2);
    if (get_addr(d, size, field, "size", &r->size))
        check_size(d, size, field, "size", r->size);
    get_u32(d, toml_array_at(v, 3), field, "irq_id", &r->irq);
}

static void dec_shmem_regions(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_SHMEM, "regions"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        entry_field(ef, field, i);
        dec_shmem_region(d, toml_array_at(v, i), ef, &d->cfg->shmem[i]);
    }
    d->cfg->shmem_count = n;
}

/* A device-tree path: what the one-element passthrough form and excluded_devices hold. */
static bool get_dt_path(struct dec *d, const struct toml_value *v, const char *field, const char *what,
                        char *dst)
{
    if (!get_string(d, v, field, what, dst, VM_PATH_MAX))
        return false;
    if (dst[0] == '/')
        return true;
    diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
               "\"%.40s\" is not a device-tree path; paths start with '/' (\"/\" is the whole tree)", dst);
    return false;
}

static void dec_pt_device(struct dec *d, const struct toml_value *v, const char *field,
                          struct vm_passthrough_device *p)
{
    p->line = toml_line_of(v);
    if (toml_type_of(v) == TOML_ARRAY && toml_array_len(v) == 1) {
        p->by_path = true;
        get_dt_path(d, toml_array_at(v, 0), field, "device path", p->name);
        return;
    }
    if (!expect_tuple(d, v, field, 5, 5, "[name, base_gpa, base_hpa, length, irq_id] or [\"/dt/path\"]"))
        return;
    get_string(d, toml_array_at(v, 0), field, "name", p->name, sizeof(p->name));
    get_addr(d, toml_array_at(v, 1), field, "base_gpa", &p->base_gpa.val);
    get_addr(d, toml_array_at(v, 2), field, "base_hpa", &p->base_hpa.val);
    get_addr(d, toml_array_at(v, 3), field, "length", &p->length);
    get_u32(d, toml_array_at(v, 4), field, "irq_id", &p->irq);
}

static void dec_pt_devices(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_PT_DEVICES, "devices"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        entry_field(ef, field, i);
        dec_pt_device(d, toml_array_at(v, i), ef, &d->cfg->pt_devices[i]);
    }
    d->cfg->pt_device_count = n;
}

static void dec_pt_addresses(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_PT_ADDRESSES, "ranges"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        const struct toml_value *e = toml_array_at(v, i);
        struct vm_passthrough_address *a = &d->cfg->pt_addresses[i];
        entry_field(ef, field, i);
        a->line = toml_line_of(e);
        if (!expect_tuple(d, e, ef, 2, 2, "[base_gpa, length]"))
            continue;
        get_addr(d, toml_array_at(e, 0), ef, "base_gpa", &a->base.val);
        get_addr(d, toml_array_at(e, 1), ef, "length", &a->length);
    }
    d->cfg->pt_address_count = n;
}

/* axvisor writes [["/pcie@10000000"]]; a plain list of strings means the same. */
static void dec_excluded(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    char ef[FIELD_MAX];
    if (!expect_list(d, v, field, VM_MAX_EXCLUDED, "paths"))
        return;
    size_t n = toml_array_len(v);
    for (size_t i = 0; i < n; i++) {
        const struct toml_value *e = toml_array_at(v, i);
        entry_field(ef, field, i);
        if (toml_type_of(e) == TOML_ARRAY) {
            if (!expect_tuple(d, e, ef, 1, 1, "[\"/dt/path\"] or \"/dt/path\""))
                continue;
            e = toml_array_at(e, 0);
        }
        get_dt_path(d, e, ef, "excluded device", d->cfg->excluded[i]);
    }
    d->cfg->excluded_count = n;
}

/* cvisor extension: what an access outside the VM's memory and devices does. */
static void dec_invalid_access(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    const char *s;
    size_t len;
    if (!toml_as_string(v, &s, &len))
        type_error(d, v, field, "invalid_access", "a string");
    else if (str_is(s, len, "stop"))
        d->cfg->invalid_access_abort = false;
    else if (str_is(s, len, "abort"))
        d->cfg->invalid_access_abort = true;
    else
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "invalid_access is \"%.40s\" but must be \"stop\" (stop the VM with a report) or \"abort\" "
                   "(inject a synchronous external abort into the guest)",
                   s);
}

static void dec_irq_mode(struct dec *d, const struct toml_value *v, const char *field, int arg)
{
    UNUSED(arg);
    const char *s;
    size_t len;
    d->cfg->irq_mode_line = toml_line_of(v);
    if (!toml_as_string(v, &s, &len))
        type_error(d, v, field, "interrupt_mode", "a string");
    else if (str_is(s, len, "no_irq"))
        d->cfg->irq_mode = VM_IRQ_NONE;
    else if (str_is(s, len, "emu"))
        d->cfg->irq_mode = VM_IRQ_EMULATED;
    else if (str_is(s, len, "passthrough"))
        d->cfg->irq_mode = VM_IRQ_PASSTHROUGH;
    else
        diag_error(d->diag, d->cfg->file, toml_line_of(v), field,
                   "interrupt_mode is \"%.40s\" but must be \"no_irq\", \"emu\" or \"passthrough\"", s);
}

/* ---- tables ---- */

enum { KEY_REQUIRED = 1, KEY_UNSUPPORTED = 2 };

struct key_desc {
    const char *key;
    void (*decode)(struct dec *d, const struct toml_value *v, const char *field, int arg);
    int arg;
    unsigned flags;
    const char *hint; /* what a required key holds, for "missing" messages */
};

static const struct key_desc base_keys[] = {
    {"id", dec_id, 0, KEY_REQUIRED, "the VM's unique number"},
    {"name", dec_name, 0, KEY_REQUIRED, "a string"},
    {"vm_type", dec_vm_type, 0, 0, NULL},
    {"cpu_num", dec_cpu_num, 0, KEY_REQUIRED, "the number of vCPUs, 1.." STR(VM_MAX_VCPUS)},
    {"phys_cpu_ids", dec_cpu_list, 0, 0, NULL},
    {"phys_cpu_sets", dec_cpu_list, 1, 0, NULL},
    {"invalid_access", dec_invalid_access, 0, 0, NULL},
};

static const struct key_desc kernel_keys[] = {
    {"entry_point", dec_entry_point, 0, KEY_REQUIRED, "the guest address of the first instruction"},
    {"kernel_path", dec_image_path, IMG_KERNEL, KEY_REQUIRED, "the kernel image file"},
    {"kernel_load_addr", dec_image_load, IMG_KERNEL, KEY_REQUIRED, "the guest address of the kernel image"},
    {"bios_path", dec_image_path, IMG_BIOS, 0, NULL},
    {"bios_load_addr", dec_image_load, IMG_BIOS, 0, NULL},
    {"dtb_path", dec_image_path, IMG_DTB, 0, NULL},
    {"dtb_load_addr", dec_image_load, IMG_DTB, 0, NULL},
    {"ramdisk_path", dec_image_path, IMG_RAMDISK, 0, NULL},
    {"ramdisk_load_addr", dec_image_load, IMG_RAMDISK, 0, NULL},
    {"image_location", dec_image_location, 0, 0, NULL},
    {"cmdline", dec_cmdline, 0, 0, NULL},
    {"disk_path", dec_disk_path, 0, 0, NULL},
    {"memory_regions", dec_regions, 0, KEY_REQUIRED, "a list of [gpa, size, flags, map_type]"},
};

static const struct key_desc device_keys[] = {
    {"emu_devices", dec_emu_devices, 0, 0, NULL},
    {"passthrough_devices", dec_pt_devices, 0, 0, NULL},
    {"passthrough_addresses", dec_pt_addresses, 0, 0, NULL},
    {"excluded_devices", dec_excluded, 0, 0, NULL},
    {"shmem_regions", dec_shmem_regions, 0, 0, NULL},
    {"interrupt_mode", dec_irq_mode, 0, 0, NULL},
};

static const struct key_desc *find_key(const struct key_desc *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static void decode_key(struct dec *d, const char *table, const struct key_desc *keys, size_t nkeys,
                       const char *key, const struct toml_value *v)
{
    char field[FIELD_MAX];
    const struct key_desc *k = find_key(keys, nkeys, key);
    int line = toml_line_of(v);
    fmt_snprintf(field, sizeof(field), "%s.%s", table, key);
    if (!k)
        diag_warn(d->diag, d->cfg->file, line, field, "unknown key '%.40s' in [%s], ignored", key, table);
    else if (k->flags & KEY_UNSUPPORTED)
        diag_warn(d->diag, d->cfg->file, line, field, "not supported yet, ignored");
    else
        k->decode(d, v, field, k->arg);
}

/* Keys in document order (so reports come out in file order), then the required ones. */
static void decode_table(struct dec *d, const char *table, const struct toml_value *t,
                         const struct key_desc *keys, size_t nkeys)
{
    char field[FIELD_MAX];
    for (size_t i = 0; i < toml_table_len(t); i++)
        decode_key(d, table, keys, nkeys, toml_table_key_at(t, i), toml_table_value_at(t, i));
    for (size_t i = 0; i < nkeys; i++) {
        if (!(keys[i].flags & KEY_REQUIRED) || toml_table_get(t, keys[i].key))
            continue;
        fmt_snprintf(field, sizeof(field), "%s.%s", table, keys[i].key);
        diag_error(d->diag, d->cfg->file, toml_line_of(t), field, "missing required key '%s' in [%s] (%s)",
                   keys[i].key, table, keys[i].hint);
    }
}

/* An image needs both a file and a place to put it. The one exception is dtb_load_addr alone:
 * it asks the hypervisor to generate a DTB there. */
static void check_image_pair(struct dec *d, int id)
{
    struct vm_image *img = image_of(d->cfg, id);
    const char *name = image_names[id];
    char field[FIELD_MAX];
    if (img->present && !img->has_load_addr) {
        fmt_snprintf(field, sizeof(field), "kernel.%s_load_addr", name);
        diag_error(d->diag, d->cfg->file, img->line, field,
                   "%s_path is given but %s_load_addr is missing; say where to load the %s", name, name,
                   name);
    } else if (!img->present && img->has_load_addr && id != IMG_DTB) {
        fmt_snprintf(field, sizeof(field), "kernel.%s_load_addr", name);
        diag_warn(d->diag, d->cfg->file, img->line, field,
                  "%s_load_addr without %s_path: nothing is loaded there", name, name);
    }
}

enum { TABLE_BASE, TABLE_KERNEL, TABLE_DEVICES, TABLE_COUNT };

static const struct {
    const char *name;
    const struct key_desc *keys;
    size_t nkeys;
    bool required;
} tables[TABLE_COUNT] = {
    [TABLE_BASE] = {"base", base_keys, ARRAY_SIZE(base_keys), true},
    [TABLE_KERNEL] = {"kernel", kernel_keys, ARRAY_SIZE(kernel_keys), true},
    [TABLE_DEVICES] = {"devices", device_keys, ARRAY_SIZE(device_keys), false},
};

static int *table_line(struct vm_config *cfg, int t)
{
    return t == TABLE_BASE ? &cfg->base_line : t == TABLE_KERNEL ? &cfg->kernel_line : &cfg->devices_line;
}

static void decode_top_key(struct dec *d, const char *key, const struct toml_value *v)
{
    bool is_table = toml_type_of(v) == TOML_TABLE;
    for (int t = 0; t < TABLE_COUNT; t++) {
        if (strcmp(key, tables[t].name) != 0)
            continue;
        *table_line(d->cfg, t) = toml_line_of(v);
        if (is_table)
            decode_table(d, tables[t].name, v, tables[t].keys, tables[t].nkeys);
        else
            type_error(d, v, key, key, "a table");
        return;
    }
    if (is_table)
        diag_warn(d->diag, d->cfg->file, toml_line_of(v), key, "unknown table [%.40s], ignored", key);
    else
        diag_warn(d->diag, d->cfg->file, toml_line_of(v), key, "unknown top-level key '%.40s', ignored", key);
}

static void init_config(struct vm_config *cfg, const char *file)
{
    memset(cfg, 0, sizeof(*cfg));
    str_copy(cfg->file, file ? file : "", sizeof(cfg->file));
    cfg->image_location = VM_IMAGE_MEMORY;
    cfg->irq_mode = VM_IRQ_EMULATED;
}

int vm_config_from_toml(struct vm_config *cfg, const char *file, const struct toml_value *root,
                        struct diag *diag)
{
    struct diag quiet = {0}; /* counts errors when the caller gives no sink */
    struct dec d = {cfg, diag ? diag : &quiet};
    unsigned errors = d.diag->errors;

    init_config(cfg, file);
    if (!root || toml_type_of(root) != TOML_TABLE) {
        diag_error(d.diag, cfg->file, 0, NULL, "the document is not a TOML table");
        return -1;
    }
    for (size_t i = 0; i < toml_table_len(root); i++)
        decode_top_key(&d, toml_table_key_at(root, i), toml_table_value_at(root, i));
    for (int t = 0; t < TABLE_COUNT; t++)
        if (tables[t].required && !toml_table_get(root, tables[t].name))
            diag_error(d.diag, cfg->file, 0, tables[t].name, "missing required table [%s]", tables[t].name);
    for (int id = IMG_BIOS; id <= IMG_RAMDISK; id++)
        check_image_pair(&d, id);
    return d.diag->errors == errors ? 0 : -1;
}

int vm_config_parse(struct vm_config *cfg, const char *file, const char *text, size_t len, void *arena,
                    size_t arena_size, struct diag *diag)
{
    struct toml_error err = {0};
    const struct toml_value *root = toml_parse(text, len, arena, arena_size, &err);
    if (root)
        return vm_config_from_toml(cfg, file, root, diag);
    init_config(cfg, file);
    err.msg[sizeof(err.msg) - 1] = '\0';
    diag_error(diag, cfg->file, err.line, NULL, "TOML syntax error at line %d, column %d: %s", err.line,
               err.column, err.msg);
    return -1;
}
