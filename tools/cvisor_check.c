/* cvisor-check: checks VM configs on the host, against a machine description, with the
 * hypervisor's own parsing and validation code (hv/core/vm_config*.c, lib/): every error and
 * warning is printed as the boot would log it (without the time and CPU prefix), and the
 * exit status is 1 when a config has an error. `make check-config` runs it (README).
 *
 *   cvisor-check --dtb MACHINE.dtb [--hv-elf cvisor.elf] [--dtb-at ADDR] [--search DIR:DIR]
 *                CONFIG...
 *
 * The machine: RAM, CPUs and interrupt controller come from the DTB, read the way the base
 * reads it at boot (base/core/main.c, base/core/mm.c). What the hypervisor itself occupies in
 * RAM is computed as the base computes it: its image (the span of the ELF's loadable
 * segments; without --hv-elf, the first 2 MiB from RAM base + 2 MiB), the DTB where QEMU puts
 * it for a kernel (RAM base + min(RAM / 2, 128 MiB), 2 MiB aligned; --dtb-at for a board's
 * boot loader), and the page allocator's bitmaps after the image. Images named with
 * image_location = "memory" are looked up as the build embeds them (scripts/gen_embed.py): as
 * written, beside the config, then in each --search directory. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <arch/vm_arch.h>
#include <hv/vm_config.h>
#include <lib/fdt.h>

#define MAX_CPUS 8  /* base/include/base/percpu.h: the base starts at most this many */
#define MAX_VMS 16  /* hv/include/hv/vm.h VM_MAX */
#define PAGE 4096ull
#define ARENA_MIN (64 * 1024)

static unsigned errors_printed;

static void print_diag(void *ctx, enum diag_level level, const char *file, int line, const char *field,
                       const char *msg)
{
    (void)ctx;
    char l = level == DIAG_ERROR ? 'E' : 'W';
    errors_printed += level == DIAG_ERROR;
    if (line > 0)
        printf("%c: %s:%d: %s%s%s\n", l, file, line, field ? field : "", field ? ": " : "", msg);
    else
        printf("%c: %s: %s%s%s\n", l, file, field ? field : "", field ? ": " : "", msg);
}

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("E: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    errors_printed++;
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static u64 align_up(u64 v, u64 a) { return (v + a - 1) & ~(a - 1); }

/* ---- the machine, from its DTB ---- */

static void add_fw_reserved(struct vm_host_info *h, u64 base, u64 size)
{
    if (size && h->fw_reserved_count < ARRAY_SIZE(h->fw_reserved)) {
        h->fw_reserved[h->fw_reserved_count].base = hpa(base);
        h->fw_reserved[h->fw_reserved_count++].size = size;
    }
}

/* A claim overlapping an earlier one is refused, as dev_claim refuses it. */
static void add_hv_device(struct vm_host_info *h, u64 base, u64 size, const char *what)
{
    if (!size || h->hv_device_count == ARRAY_SIZE(h->hv_devices))
        return;
    for (size_t i = 0; i < h->hv_device_count; i++)
        if (base < h->hv_devices[i].base.val + h->hv_devices[i].size && h->hv_devices[i].base.val < base + size)
            return;
    h->hv_devices[h->hv_device_count].base = hpa(base);
    h->hv_devices[h->hv_device_count].size = size;
    snprintf(h->hv_devices[h->hv_device_count++].what, sizeof(h->hv_devices[0].what), "%s", what);
}

static void find_ram(const struct fdt *f, struct vm_host_info *h)
{
    for (int n = fdt_next_node(f, fdt_root(f)); n >= 0; n = fdt_next_node(f, n)) {
        size_t len;
        const char *type = fdt_prop(f, n, "device_type", &len);
        if (!type || len != 7 || memcmp(type, "memory", 7) != 0 || !fdt_node_enabled(f, n))
            continue;
        u64 base, size;
        for (size_t i = 0; fdt_reg(f, n, i, &base, &size) && h->ram_count < ARRAY_SIZE(h->ram); i++) {
            if (!size)
                continue;
            h->ram[h->ram_count].base = hpa(base);
            h->ram[h->ram_count++].size = size;
        }
    }
}

/* CPUs in DTB order, the first one booting (logical CPU 0), at most MAX_CPUS. */
static void find_cpus(const struct fdt *f, struct vm_host_info *h)
{
    int cpus = fdt_path_lookup(f, "/cpus");
    for (int c = cpus >= 0 ? fdt_first_child(f, cpus) : -1; c >= 0 && h->cpu_count < MAX_CPUS;
         c = fdt_next_sibling(f, c)) {
        const char *type = fdt_prop_string(f, c, "device_type");
        u64 hwid;
        if (type && !strcmp(type, "cpu") && fdt_reg(f, c, 0, &hwid, NULL))
            h->cpu_hwid[h->cpu_count++] = hwid;
    }
}

/* Memory the DTB reserves for the firmware (/memreserve/, /reserved-memory nodes with a reg), as
 * the base records it (base/core/mm.c): the only host RAM a config may name. */
static void find_firmware_reserved(const struct fdt *f, struct vm_host_info *h)
{
    u64 base, size;
    for (size_t i = 0; fdt_mem_rsv(f, i, &base, &size); i++)
        add_fw_reserved(h, base, size);
    int rm = fdt_path_lookup(f, "/reserved-memory");
    for (int n = rm >= 0 ? fdt_first_child(f, rm) : -1; n >= 0; n = fdt_next_sibling(f, n))
        for (size_t i = 0; fdt_node_enabled(f, n) && fdt_reg(f, n, i, &base, &size); i++)
            add_fw_reserved(h, base, size);
}

/* The device ranges the hypervisor claims at boot, in the order its drivers claim them (the
 * first claim of a range names it, as base/core/devclaim.c keeps it): the GIC driver's frames
 * (base/drivers/gicv3.c, gicv2.c), every other frame of the GIC node and its subnodes
 * (base/drivers/gic.c), the console UART's page (base/core/console_select.c). The disk of
 * APP_FEATURES=fs is not known here. */
static void find_hypervisor_devices(const struct fdt *f, struct vm_host_info *h)
{
    u64 base, size;
    int gic = fdt_find_compatible(f, -1, "arm,gic-v3");
    if (gic >= 0) {
        if (fdt_reg(f, gic, 0, &base, NULL))
            add_hv_device(h, base, 0x10000, "GIC distributor");
        if (fdt_reg(f, gic, 1, &base, &size))
            add_hv_device(h, base, size, "GIC redistributors");
    } else if ((gic = fdt_find_compatible(f, -1, "arm,cortex-a15-gic")) >= 0 ||
               (gic = fdt_find_compatible(f, -1, "arm,gic-400")) >= 0) {
        static const char *const frames[] = {"GIC distributor", "GIC CPU interface", "GIC hypervisor interface",
                                             "GIC virtual CPU interface"};
        static const u64 sizes[] = {0x1000, 0x2000, 0x1000, 0};
        for (size_t i = 0; i < 4 && fdt_reg(f, gic, i, &base, &size); i++)
            add_hv_device(h, base, sizes[i] ? sizes[i] : size, frames[i]);
    }
    if (gic >= 0) {
        for (size_t i = 0; fdt_reg(f, gic, i, &base, &size); i++)
            add_hv_device(h, base, size, "GIC frame");
        for (int c = fdt_first_child(f, gic); c >= 0; c = fdt_next_sibling(f, c)) {
            char what[32];
            snprintf(what, sizeof(what), "GIC %s", fdt_node_name(f, c));
            for (size_t i = 0; fdt_reg(f, c, i, &base, &size); i++)
                add_hv_device(h, base, size, what);
        }
    }
    int con = fdt_stdout_node(f);
    if (con >= 0 && fdt_reg(f, con, 0, &base, NULL)) {
        h->console_base = hpa(base);
        add_hv_device(h, base, 0x1000, "hypervisor console UART");
    }
}

/* The span of an ELF64's loadable segments, page-rounded: the hypervisor's image in RAM. */
static int elf_span(const char *path, u64 *start, u64 *end)
{
    size_t len;
    unsigned char *e = read_file(path, &len);
    int r = -1;
    if (e && len >= 64 && !memcmp(e, "\177ELF", 4) && e[4] == 2 && e[5] == 1) {
        u64 phoff, lo = ~0ull, hi = 0;
        u16 phentsize, phnum;
        memcpy(&phoff, e + 32, 8);
        memcpy(&phentsize, e + 54, 2);
        memcpy(&phnum, e + 56, 2);
        for (u16 i = 0; i < phnum && phentsize >= 56 && phoff + (u64)(i + 1) * phentsize <= len; i++) {
            const unsigned char *ph = e + phoff + (u64)i * phentsize;
            u32 type;
            u64 vaddr, memsz;
            memcpy(&type, ph, 4);
            memcpy(&vaddr, ph + 16, 8);
            memcpy(&memsz, ph + 40, 8);
            if (type != 1 || !memsz) /* PT_LOAD */
                continue;
            lo = vaddr < lo ? vaddr : lo;
            hi = vaddr + memsz > hi ? vaddr + memsz : hi;
        }
        if (hi > lo) {
            *start = lo & ~(PAGE - 1);
            *end = align_up(hi, PAGE);
            r = 0;
        }
    }
    free(e);
    return r;
}

static void add_reserved(struct vm_host_info *h, u64 base, u64 size)
{
    if (h->reserved_count < ARRAY_SIZE(h->reserved)) {
        h->reserved[h->reserved_count].base = hpa(base);
        h->reserved[h->reserved_count++].size = size;
    }
}

/* As base/core/mm.c: image, DTB, then the page allocator's bitmaps (one bit per page of each
 * RAM range) after the image, or after the DTB when they would overlap it. */
static void reserve_hypervisor(struct vm_host_info *h, u64 image_start, u64 image_end, u64 dtb, u64 dtb_size)
{
    u64 bitmaps = 0;
    for (size_t i = 0; i < h->ram_count; i++)
        bitmaps += align_up(align_up(h->ram[i].size / PAGE, 64) / 8, 8);
    u64 at = align_up(image_end, PAGE);
    if (at < dtb + dtb_size && dtb < at + bitmaps)
        at = align_up(dtb + dtb_size, PAGE);
    add_reserved(h, image_start, image_end - image_start);
    add_reserved(h, dtb, dtb_size);
    add_reserved(h, at, bitmaps);
}

/* ---- images, looked up as scripts/gen_embed.py does ---- */

struct search {
    const char *config;
    char *dirs; /* colon-separated */
};

static int file_size(const char *path, u64 *size)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    *size = (u64)st.st_size;
    return 0;
}

static int image_size(void *ctx, const char *name, u64 *size)
{
    const struct search *s = ctx;
    char path[4096];
    if (file_size(name, size) == 0)
        return 0;
    const char *slash = strrchr(s->config, '/');
    snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - s->config + 1) : 0, s->config, name);
    if (file_size(path, size) == 0)
        return 0;
    for (const char *d = s->dirs; d && *d;) {
        const char *colon = strchr(d, ':');
        int n = colon ? (int)(colon - d) : (int)strlen(d);
        snprintf(path, sizeof(path), "%.*s/%s", n, d, name);
        if (n && file_size(path, size) == 0)
            return 0;
        d = colon ? colon + 1 : NULL;
    }
    return -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: cvisor-check --dtb MACHINE.dtb [--hv-elf cvisor.elf] [--dtb-at ADDR] "
                    "[--search DIR:DIR...] CONFIG...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dtb_path = NULL, *elf = NULL;
    char *dirs = NULL;
    u64 dtb_at = 0;
    bool have_dtb_at = false;
    int first = 1;
    for (; first < argc && !strncmp(argv[first], "--", 2); first += 2) {
        if (first + 1 >= argc)
            usage();
        if (!strcmp(argv[first], "--dtb"))
            dtb_path = argv[first + 1];
        else if (!strcmp(argv[first], "--hv-elf"))
            elf = argv[first + 1];
        else if (!strcmp(argv[first], "--search"))
            dirs = argv[first + 1];
        else if (!strcmp(argv[first], "--dtb-at")) {
            char *end;
            errno = 0;
            dtb_at = strtoull(argv[first + 1], &end, 0);
            if (errno || *end)
                usage();
            have_dtb_at = true;
        } else
            usage();
    }
    if (!dtb_path || first == argc)
        usage();

    size_t dtb_len;
    void *blob = read_file(dtb_path, &dtb_len);
    struct fdt fdt;
    if (!blob || fdt_open(&fdt, blob, dtb_len) != 0) {
        fprintf(stderr, "cvisor-check: %s: %s\n", dtb_path, blob ? "not a valid device tree" : strerror(errno));
        return 2;
    }
    static struct vm_host_info host;
    find_ram(&fdt, &host);
    find_cpus(&fdt, &host);
    if (!host.ram_count || !host.cpu_count) {
        fprintf(stderr, "cvisor-check: %s describes no %s\n", dtb_path, host.ram_count ? "CPU" : "memory");
        return 2;
    }
    vm_arch_host_from_fdt(&fdt, &host.arch);
    find_firmware_reserved(&fdt, &host);
    find_hypervisor_devices(&fdt, &host);
    host.ipa_limit = 1ull << VM_ARCH_IPA_BITS;
    host.fdt = &fdt;
    u64 ram = host.ram[0].base.val, ram_size = host.ram[0].size;
    u64 image_start = ram + 2 * 1024 * 1024, image_end = image_start + 2 * 1024 * 1024;
    if (elf && elf_span(elf, &image_start, &image_end) != 0) {
        fprintf(stderr, "cvisor-check: %s: not an ELF64 image\n", elf);
        return 2;
    }
    if (!have_dtb_at)
        dtb_at = align_up(ram + (ram_size / 2 < 128ull << 20 ? ram_size / 2 : 128ull << 20), 2ull << 20);
    reserve_hypervisor(&host, image_start, image_end, dtb_at, fdt_total_size(blob));

    /* As the boot does (hv/core/vm_lifecycle.c vm_lifecycle_create_all): parse, validate, then the set. */
    struct diag d = {.report = print_diag};
    static struct vm_config cfgs[MAX_VMS];
    static struct search searches[MAX_VMS];
    const struct vm_config *set[MAX_VMS];
    bool ok[MAX_VMS];
    size_t n = 0, total = (size_t)(argc - first);
    for (int i = first; i < argc; i++) {
        size_t len;
        char *text = read_file(argv[i], &len);
        if (!text) {
            error("%s: cannot read it: %s", argv[i], strerror(errno));
            continue;
        }
        if (n == MAX_VMS) {
            error("%s: more than %d VMs; skipped", argv[i], MAX_VMS);
            free(text);
            continue;
        }
        size_t arena_size = len * 16 > ARENA_MIN ? len * 16 : ARENA_MIN;
        void *arena = malloc(arena_size);
        unsigned before = d.errors;
        vm_config_parse(&cfgs[n], argv[i], text, len, arena, arena_size, &d);
        free(arena);
        free(text);
        if (d.errors != before) {
            error("%s: config rejected; this VM is skipped", argv[i]);
            continue;
        }
        searches[n] = (struct search){argv[i], dirs};
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned before = d.errors;
        host.image_size = image_size;
        host.image_ctx = &searches[i];
        ok[i] = vm_config_validate(&cfgs[i], &host, &d) == 0 && d.errors == before;
        if (!ok[i])
            error("%s: VM '%s' is invalid and skipped", cfgs[i].file, cfgs[i].name);
        set[i] = &cfgs[i];
    }
    bool valid[MAX_VMS];
    memcpy(valid, ok, sizeof(ok));
    vm_config_check_set(set, n, ok, &d);
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        if (valid[i] && !ok[i])
            error("%s: VM '%s' conflicts with another VM and is skipped", cfgs[i].file, cfgs[i].name);
        good += ok[i];
    }
    printf("cvisor-check: %zu of %zu VMs would start; %u errors, %u warnings\n", good, total, errors_printed,
           d.warnings);
    free(blob);
    return errors_printed ? 1 : 0;
}
