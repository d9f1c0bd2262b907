/* Checks of a VM config against what the machine offers beyond RAM and CPUs: the host's
 * interrupt controller, its device tree (passthrough paths) and the images that will be built
 * in. Part of vm_config_validate, so the boot and the host checker (tools/cvisor-check.c) print
 * the same messages; each check runs only when the vm_host_info it needs is given. Pure logic,
 * host-testable. */
#include <hv/vm_config.h>
#include <lib/fdt_pt.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define GICR_FRAME_SIZE 0x20000ull /* one GICv3 redistributor: RD_base + SGI_base frames */

static const struct vm_emu_device *find_emu(const struct vm_config *c, u32 type)
{
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == type)
            return &c->emu_devices[i];
    return NULL;
}

int vm_config_check_gic(const struct vm_config *c, u32 host_gic, struct diag *d)
{
    unsigned errors = d->errors;
    const struct vm_emu_device *gicd = find_emu(c, VM_EMU_GICV3_GICD), *gicr = find_emu(c, VM_EMU_GICV3_GICR);
    const struct vm_emu_device *v2 = find_emu(c, VM_EMU_GICV2);
    if (c->irq_mode == VM_IRQ_PASSTHROUGH) {
        if (host_gic != 2)
            diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                       "\"passthrough\" needs a GICv2 host (this host has a GICv%u, whose redistributors and "
                       "system registers cvisor does not hand to a VM); use \"emu\"", host_gic);
        return d->errors == errors ? 0 : -1;
    }
    if (v2 && (gicd || gicr)) {
        diag_error(d, c->file, v2->line, "devices.emu_devices",
                   "both a GICv2 (emu_type 0x1) and a GICv3 (emu_type 0x20/0x21) interrupt controller are listed");
        return -1;
    }
    if (!v2 && !gicd && !gicr && c->irq_mode == VM_IRQ_NONE)
        return 0;
    if (gicd || gicr) {
        if (host_gic != 3)
            diag_error(d, c->file, gicd ? gicd->line : gicr->line, "devices.emu_devices",
                       "a GICv3 VM needs a GICv3 host, and this host has a GICv%u (use emu_type 0x1, a GICv2)",
                       host_gic);
        else if (gicr && gicr->length < GICR_FRAME_SIZE * c->cpu_num)
            diag_error(d, c->file, gicr->line, "devices.emu_devices",
                       "GICv3 redistributor region of %#llx bytes is too small for %u vCPUs (needs %#llx)",
                       (unsigned long long)gicr->length, c->cpu_num,
                       (unsigned long long)(GICR_FRAME_SIZE * c->cpu_num));
    } else if (c->cpu_num > 8) { /* a GICv2, listed or by default */
        diag_error(d, c->file, c->cpu_num_line, "base.cpu_num", "a GICv2 VM has at most 8 vCPUs, not %u", c->cpu_num);
    }
    return d->errors == errors ? 0 : -1;
}

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
    if (h->gic_version)
        vm_config_check_gic(c, h->gic_version, d);
    if (h->fdt)
        vm_config_check_pt_paths(c, h->fdt, d);
    if (h->image_size)
        check_images(c, h, d);
    return d->errors == errors ? 0 : -1;
}
