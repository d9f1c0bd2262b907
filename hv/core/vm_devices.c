/* A VM's emulated devices (interrupt controller: the arch's; console UART) from its config, and the device tree it boots
 * with: generated from the config when no dtb_path is given, else the given one patched. */
#include <base/boot.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/image.h>
#include <hv/sched.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <hv/vm_seed.h>
#include <hv/vmfs.h>
#include <lib/string.h>

#define DTB_MAX KiB(64)

/* pCPUs given to a VM with interrupt_mode = "passthrough" are its alone (sched_claim_pcpus). */
static int claim_pcpus(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    u32 pcpu;
    struct vm *other;
    bool exclusive = c->irq_mode == VM_IRQ_PASSTHROUGH;
    if (sched_claim_pcpus(vm, exclusive, &pcpu, &other) != 0) {
        if (!other)
            diag_error(d, c->file, c->irq_mode_line, "devices.interrupt_mode",
                       "\"passthrough\" VMs would hold every pCPU; one must stay the hypervisor's (its console "
                       "input, Ctrl-] and the shell run there)");
        else if (!exclusive)
            diag_error(d, c->file, c->phys_cpu_ids_line, "base.phys_cpu_ids",
                       "pCPU %u belongs to vm%llu '%s' (interrupt_mode = \"passthrough\")", pcpu,
                       (unsigned long long)other->id, other->name);
        else if (other == vm)
            diag_error(d, c->file, c->phys_cpu_ids_line, "base.phys_cpu_ids",
                       "interrupt_mode = \"passthrough\" needs one pCPU per vCPU, and two vCPUs share pCPU %u", pcpu);
        else
            diag_error(d, c->file, c->phys_cpu_ids_line, "devices.interrupt_mode",
                       "\"passthrough\" gives the VM the interrupts of its pCPUs, but pCPU %u also runs vm%llu '%s'", pcpu,
                       (unsigned long long)other->id, other->name);
        return -1;
    }
    return 0;
}

int vm_setup_devices(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (claim_pcpus(vm, d) != 0 || vm_arch_setup_devices(vm, d) != 0)
        return -1;
    for (size_t i = 0; i < c->emu_device_count; i++) {
        const struct vm_emu_device *e = &c->emu_devices[i];
        const struct vm_emu_type *t = vm_emu_type_find(e->emu_type);
        if (t && t->kind == VM_EMU_KIND_CONSOLE) {
            if (vm->console) {
                diag_error(d, c->file, e->line, "devices.emu_devices", "only one console per VM is supported");
                return -1;
            }
            if (vconsole_create(vm, e->base, e->irq) != 0) {
                diag_error(d, c->file, e->line, "devices.emu_devices", "out of memory for the console");
                return -1;
            }
            continue;
        }
        if (t && t->kind == VM_EMU_KIND_VIRTIO) {
            int (*create)(struct vm *, const struct vm_emu_device *, struct diag *) =
                e->emu_type == VM_EMU_VIRTIO_CONSOLE ? virtio_console_create
                : e->emu_type == VM_EMU_VIRTIO_BLK   ? virtio_disk_create
                                                     : virtio_net_create;
            if (create(vm, e, d) != 0)
                return -1;
            continue;
        }
        /* Other types were warned about when the config was read. */
    }
    return 0;
}

static void fdt_params(struct vm *vm, struct vm_fdt_params *p)
{
    const struct vm_config *c = vm->config;
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < c->region_count; i++) {
        if (c->regions[i].flags & VM_MEM_DEVICE)
            continue;
        p->mem[p->mem_count].base = c->regions[i].gpa.val;
        p->mem[p->mem_count++].size = c->regions[i].size;
    }
    p->cpu_count = vm->vcpu_count;
    for (u32 i = 0; i < vm->vcpu_count; i++)
        p->cpu_hwid[i] = vm->vcpus[i]->hwid;
    vm_arch_fdt_params(vm, p);
    if (vm->console) {
        p->has_uart = true;
        p->uart_base = vm->console->dev.base.val;
        p->uart_irq = vm->console->intid;
    }
    for (size_t i = 0; i < c->emu_device_count && p->virtio_count < VM_FDT_MAX_VIRTIO; i++) {
        const struct vm_emu_device *e = &c->emu_devices[i];
        const struct vm_emu_type *t = vm_emu_type_find(e->emu_type);
        if (!t || t->kind != VM_EMU_KIND_VIRTIO)
            continue;
        p->virtio[p->virtio_count].base = e->base.val;
        p->virtio[p->virtio_count].size = VIRTIO_MMIO_SIZE;
        p->virtio[p->virtio_count++].irq = e->irq;
    }
    for (size_t i = 0; i < c->shmem_count; i++) {
        p->shmem[i].base = c->shmem[i].gpa.val;
        p->shmem[i].size = c->shmem[i].size;
        p->shmem[i].irq = c->shmem[i].irq;
        p->shmem[i].name = c->shmem[i].name;
    }
    p->shmem_count = c->shmem_count;
    p->bootargs = c->has_cmdline ? c->cmdline : NULL;
    _Static_assert(BOOT_SEED_BYTES <= VM_FDT_RNG_SEED_MAX, "a boot seed fits the params");
    if (vm_seed_next(vm->id, p->rng_seed)) /* a fresh one at every (re)boot */
        p->rng_seed_len = BOOT_SEED_BYTES;
    p->host = &boot_info.fdt;
    p->host_nodes = vm->pt_nodes;
    p->host_node_count = vm->pt_node_count;
    if (c->ramdisk.present && vm->ramdisk_size) {
        p->has_initrd = true;
        p->initrd_start = c->ramdisk.load_gpa.val;
        p->initrd_end = c->ramdisk.load_gpa.val + vm->ramdisk_size;
    }
}

/* Writes the VM's device tree at dtb_load_addr: generated (no dtb_path) or the given one patched. */
int vm_setup_dtb(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (!c->dtb.has_load_addr)
        return 0;
    struct vm_fdt_params *p = kmalloc(sizeof(*p));
    u8 *buf = kmalloc(DTB_MAX);
    int size = -1;
    if (!p || !buf) {
        diag_error(d, c->file, c->kernel_line, "kernel.dtb_load_addr", "out of memory for the device tree");
        goto out;
    }
    fdt_params(vm, p);
    if (c->dtb.present) {
        const struct embedded_file *f = image_find(c->dtb.path);
        u64 fsize = 0;
        void *src = NULL;
        if (c->image_location == VM_IMAGE_FS && vmfs_size(c->dtb.path, &fsize) == 0 && fsize <= DTB_MAX &&
            (src = kmalloc(fsize + 1)) && vmfs_read(c->dtb.path, src, fsize) >= 0)
            size = vm_fdt_patch(src, fsize, p, buf, DTB_MAX);
        else if (c->image_location == VM_IMAGE_MEMORY && f)
            size = vm_fdt_patch(f->data, f->size, p, buf, DTB_MAX);
        kfree(src);
        if (p->virtio_count)
            diag_warn(d, c->file, c->dtb.line, "kernel.dtb_path",
                      "the VM's virtio devices are added only to a generated device tree: '%s' must describe "
                      "them itself (compatible \"virtio,mmio\", reg and interrupts as configured)",
                      c->dtb.path);
        if (size < 0)
            diag_error(d, c->file, c->dtb.line, "kernel.dtb_path", "'%s' is not a valid device tree (or too large)",
                       c->dtb.path);
    } else {
        size_t copyable = vm_fdt_host_nodes_copyable(p);
        if (copyable < p->host_node_count)
            diag_warn(d, c->file, c->dtb.line, "kernel.dtb_load_addr",
                      "%zu passed-through devices are not root nodes of a 2-cell host tree and are left out of "
                      "the generated device tree (give a dtb_path to describe them)",
                      p->host_node_count - copyable);
        if (!virq_present(vm) && !virq_passthrough(vm)) {
            diag_error(d, c->file, c->dtb.line, "kernel.dtb_load_addr",
                       "a generated device tree needs an interrupt controller (interrupt_mode = \"emu\")");
            goto out;
        }
        size = vm_fdt_generate(p, buf, DTB_MAX);
        if (size < 0)
            diag_error(d, c->file, c->dtb.line, "kernel.dtb_load_addr", "device tree does not fit in 64 KiB");
    }
    if (size >= 0) {
        void *dst = vm_config_check_image(c, "dtb", c->dtb.load_gpa, (u64)size, d) == 0
                        ? vm_gpa_to_hva(vm, c->dtb.load_gpa, (u64)size)
                        : NULL;
        if (dst) {
            memcpy(dst, buf, (size_t)size);
            mm_sync_for_exec(dst, (size_t)size);
        } else {
            size = -1;
        }
    }
out:
    kfree(p);
    kfree(buf);
    return size < 0 ? -1 : 0;
}
