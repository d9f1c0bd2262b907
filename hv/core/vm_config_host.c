/* Checks of a VM config against what the machine offers beyond RAM and CPUs: the host's
 * architecture (vm_arch_config_check: on aarch64 its interrupt controller), its device tree
 * (passthrough paths) and the images that will be built in. Part of vm_config_validate, so the boot and the host checker (tools/cvisor-check.c) print
 * the same messages; each check runs only when the vm_host_info it needs is given. Pure logic,
 * host-testable. */
#include <hv/vm_config.h>
#include <lib/fdt_pt.h>
#include <lib/fmt.h>
#include <lib/string.h>

int vm_config_check_pt_paths(const struct vm_config *c, const struct fdt *host_dt, struct diag *d)
{
    unsigned errors = d->errors;
    for (size_t i = 0; i < c->pt_device_count; i++) {
        const struct vm_passthrough_device *p = &c->pt_devices[i];
        const char *include[1] = {p->name}, *bad = NULL;
        if (p->by_path && fdt_pt_collect(host_dt, include, 1, NULL, 0, NULL, NULL, NULL, &bad) < 0 && bad)
            diag_error(d, c->file, p->line, "devices.passthrough_devices",
                       "'%s' names no node of the host device tree", bad);
    }
    return d->errors == errors ? 0 : -1;
}

/* The image a check_image "what" names. */
static const struct vm_image *image_named(const struct vm_config *cfg, const char *what)
{
    if (strcmp(what, "bios") == 0)
        return &cfg->bios;
    if (strcmp(what, "dtb") == 0)
        return &cfg->dtb;
    if (strcmp(what, "ramdisk") == 0)
        return &cfg->ramdisk;
    return &cfg->kernel;
}

int vm_config_check_image(const struct vm_config *cfg, const char *what, gpa_t load_gpa, u64 size,
                          struct diag *diag)
{
    char field[64];
    u64 load = load_gpa.val;
    for (size_t i = 0; i < cfg->region_count; i++)
        if (range_contains(cfg->regions[i].gpa.val, cfg->regions[i].size, load, size))
            return 0;
    fmt_snprintf(field, sizeof(field), "kernel.%s_load_addr", what);
    diag_error(diag, cfg->file, image_named(cfg, what)->line, field,
               "VM '%s': %s image of 0x%llx bytes at [0x%llx, 0x%llx) does not fit inside one memory region",
               cfg->name, what, (unsigned long long)size, (unsigned long long)load,
               (unsigned long long)(load + size < load ? ~0ull : load + size));
    return -1;
}

/* Images built into the hypervisor (image_location = "memory"); those on a disk are read, and
 * checked, when the VM is created. */
static void check_images(const struct vm_config *c, const struct vm_host_info *h, struct diag *d)
{
    static const struct {
        const char *what;
        size_t offset;
    } images[] = {
        {"kernel", offsetof(struct vm_config, kernel)},
        {"bios", offsetof(struct vm_config, bios)},
        {"ramdisk", offsetof(struct vm_config, ramdisk)},
        {"dtb", offsetof(struct vm_config, dtb)},
    };
    if (c->image_location != VM_IMAGE_MEMORY)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(images); i++) {
        const struct vm_image *img = (const struct vm_image *)((const char *)c + images[i].offset);
        char field[32];
        u64 size;
        if (!img->present)
            continue;
        fmt_snprintf(field, sizeof(field), "kernel.%s_path", images[i].what);
        if (h->image_size(h->image_ctx, img->path, &size) != 0) {
            if (img == &c->dtb)
                diag_error(d, c->file, img->line, field,
                           "device tree '%s' was not found when the hypervisor was built", img->path);
            else
                diag_error(d, c->file, img->line, field, "image '%s' was not found when the hypervisor was built",
                           img->path);
        } else if (img != &c->dtb && img->has_load_addr) { /* a dtb is rewritten: its size changes */
            vm_config_check_image(c, images[i].what, img->load_gpa, size, d);
        }
    }
}

int vm_config_check_host(const struct vm_config *c, const struct vm_host_info *h, struct diag *d)
{
    unsigned errors = d->errors;
    vm_arch_config_check(c, &h->arch, d);
    if (h->fdt)
        vm_config_check_pt_paths(c, h->fdt, d);
    if (h->image_size)
        check_images(c, h, d);
    return d->errors == errors ? 0 : -1;
}
