/* VM creation and teardown: guest memory by map_type, stage-2, passthrough ranges, images. */
#include <base/devclaim.h>
#include <base/log.h>
#include <base/mm.h>
#include <base/percpu.h>
#include <hv/arch.h>
#include <hv/image.h>
#include <hv/vmfs.h>
#include <hv/sched.h>
#include <hv/shmem.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/virtio_dev.h>
#include <hv/vm.h>
#include <lib/fmt.h>
#include <lib/string.h>

static spinlock_t vm_table_lock = SPINLOCK_INIT;


static u32 region_s2_flags(u32 flags)
{
    u32 f = 0;
    if (flags & VM_MEM_READ)
        f |= S2_READ;
    if (flags & VM_MEM_WRITE)
        f |= S2_WRITE;
    if (flags & VM_MEM_EXEC)
        f |= S2_EXEC;
    if (flags & VM_MEM_DEVICE)
        f |= S2_DEVICE;
    return f;
}

static u64 best_alignment(gpa_t g, u64 size)
{
    if (IS_ALIGNED(g.val, GiB(1)) && size >= GiB(1))
        return GiB(1);
    if (IS_ALIGNED(g.val, MiB(2)) && size >= MiB(2))
        return MiB(2);
    return PAGE_SIZE;
}

/* Whether [base, base+size) is host RAM, which the hypervisor's own map covers. */
static bool in_host_ram(hpa_t base, u64 size)
{
    struct mem_range r[8];
    size_t n = mm_ram_ranges(r, ARRAY_SIZE(r));
    for (size_t i = 0; i < n; i++)
        if (range_contains(r[i].base, r[i].size, base.val, size))
            return true;
    return false;
}

/* Host memory for one memory_regions entry, mapped into stage-2. */
static int setup_region(struct vm *vm, size_t i, struct diag *d)
{
    const struct vm_config *c = vm->config;
    const struct vm_mem_region *r = &c->regions[i];
    char field[48];
    fmt_snprintf(field, sizeof(field), "kernel.memory_regions[%zu]", i);
    hpa_t host;
    bool owned = true, ram = !(r->flags & VM_MEM_DEVICE);

    switch (r->map_type) {
    case VM_MAP_ALLOC: {
        u64 align = best_alignment(r->gpa, r->size);
        while (mm_alloc_pages(r->size / PAGE_SIZE, align, &host) != 0) {
            if (align == PAGE_SIZE) {
                diag_error(d, c->file, r->line, field, "cannot allocate %llu MiB of host memory for the VM",
                           (unsigned long long)(r->size >> 20));
                return -1;
            }
            align = align == GiB(1) ? MiB(2) : PAGE_SIZE;
        }
        break;
    }
    case VM_MAP_IDENTICAL:
        host = hpa(r->gpa.val);
        if (mm_reserve(host, r->size) != 0) {
            diag_error(d, c->file, r->line, field,
                       "identity-mapped range %#llx-%#llx is not free host RAM (used by the hypervisor or "
                       "another VM, or not RAM)",
                       (unsigned long long)r->gpa.val, (unsigned long long)(r->gpa.val + r->size - 1));
            return -1;
        }
        break;
    case VM_MAP_RESERVED:
    default: {
        /* Device memory, or RAM the host DTB reserves (checked at validation); the VM holds it
         * alone while it exists. */
        const struct dev_claim *held = NULL;
        char what[32];
        host = hpa(r->gpa.val);
        owned = false;
        fmt_snprintf(what, sizeof(what), "vm%llu memory_regions[%zu]", (unsigned long long)vm->id, i);
        if (dev_claim(host.val, r->size, vm, what, &held) != 0) {
            diag_error(d, c->file, r->line, field, "MapReserved region [%#llx, %#llx) overlaps %s%s",
                       (unsigned long long)host.val, (unsigned long long)(host.val + r->size),
                       held ? held->what : "too many claimed ranges",
                       held && held->owner == DEVCLAIM_HYPERVISOR ? ", which the hypervisor drives" : "");
            return -1;
        }
        if (ram && !in_host_ram(host, r->size)) { /* the hypervisor could not reach it */
            diag_error(d, c->file, r->line, field, "MapReserved region without the DEVICE flag is not host RAM");
            return -1;
        }
        break;
    }
    }
    struct vm_mem *m = vm_mem_add(vm, r->gpa, host, r->size, owned, ram);
    m->scrub = ram && !owned; /* reserved RAM: no VM sees what the one before left there */
    m->s2flags = region_s2_flags(r->flags);
    if (ram)
        vm->ram_bytes += r->size;
    if (owned) { /* zeroed and mapped as it is needed (vm_mem.c) */
        if (vm_mem_ondemand_init(vm, m, r->flags & VM_MEM_LAZY) != 0) {
            diag_error(d, c->file, r->line, field, "cannot build stage-2 mapping (out of memory)");
            return -1;
        }
        return 0;
    }
    if (vm_arch_map(vm, r->gpa, host, r->size, m->s2flags) != 0) {
        diag_error(d, c->file, r->line, field, "cannot build stage-2 mapping (out of memory or bad range)");
        return -1;
    }
    return 0;
}

/* Size and contents of an image: built in, or from the disk (image_location = "fs"). */
static int image_size(struct vm *vm, const struct vm_image *img, const char *field, u64 *size, struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (c->image_location == VM_IMAGE_FS) {
        if (!vmfs_present()) {
            diag_error(d, c->file, img->line, field,
                       "image_location = \"fs\" but no FAT disk is available (build with APP_FEATURES=fs and "
                       "attach one with DISK_IMG=...)");
            return -1;
        }
        int r = vmfs_size(img->path, size);
        if (r != 0)
            diag_error(d, c->file, img->line, field, "VM '%s': disk:%s: %s", vm->name, img->path, vmfs_strerror(r));
        return r == 0 ? 0 : -1;
    }
    const struct embedded_file *f = image_find(img->path);
    if (!f) {
        diag_error(d, c->file, img->line, field, "image '%s' was not found when the hypervisor was built",
                   img->path);
        return -1;
    }
    *size = f->size;
    return 0;
}

static int image_copy(struct vm *vm, const struct vm_image *img, const char *field, void *dst, u64 size,
                      struct diag *d)
{
    const struct vm_config *c = vm->config;
    if (c->image_location == VM_IMAGE_FS) {
        int r = vmfs_read(img->path, dst, size);
        if (r < 0) {
            diag_error(d, c->file, img->line, field, "VM '%s': disk:%s: %s", vm->name, img->path, vmfs_strerror(r));
            return -1;
        }
        mm_sync_for_exec(dst, size); /* clean by the address written through (the hypervisor's) */
        return 0;
    }
    vm_arch_copy_image(dst, image_find(img->path)->data, size);
    return 0;
}

__attribute__((weak)) void vm_arch_copy_image(void *dst, const void *src, u64 size)
{
    memcpy(dst, src, size);
    mm_sync_for_exec(dst, size);
}

static int load_image(struct vm *vm, const struct vm_image *img, const char *what, struct diag *d)
{
    const struct vm_config *c = vm->config;
    char field[32];
    u64 size;
    fmt_snprintf(field, sizeof(field), "kernel.%s_path", what);
    if (!img->present)
        return 0;
    if (!img->has_load_addr) {
        diag_error(d, c->file, img->line, field, "%s has no load address", what);
        return -1;
    }
    if (image_size(vm, img, field, &size, d) != 0 || vm_config_check_image(c, what, img->load_gpa, size, d) != 0)
        return -1;
    void *dst = vm_ram_for_write(vm, img->load_gpa, size);
    if (!dst) {
        diag_error(d, c->file, img->line, field, "%s does not fit in one RAM region of the VM", what);
        return -1;
    }
    if (image_copy(vm, img, field, dst, size, d) != 0) /* (and cleaned, for the guest) */
        return -1;
    if (img == &c->ramdisk)
        vm->ramdisk_size = size;
    if (img == &c->kernel)
        vm->kernel_size = size;
    LOG_AT(LOG_DEBUG, (long)vm->id, "loaded %s '%s' (%llu bytes) at gpa %#llx", what, img->path,
           (unsigned long long)size, (unsigned long long)img->load_gpa.val);
    return 0;
}

static int load_images(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    /* The dtb is not copied as is: vm_setup_dtb writes it patched for this VM. */
    if (load_image(vm, &c->kernel, "kernel", d) || load_image(vm, &c->bios, "bios", d) ||
        load_image(vm, &c->ramdisk, "ramdisk", d))
        return -1;
    if (c->dtb.present && c->image_location == VM_IMAGE_MEMORY && !image_find(c->dtb.path)) {
        diag_error(d, c->file, c->dtb.line, "kernel.dtb_path", "device tree '%s' was not found when the hypervisor was built",
                   c->dtb.path);
        return -1;
    }
    return 0;
}


static int create_vcpus(struct vm *vm, const struct vm_host_info *host, struct diag *d)
{
    const struct vm_config *c = vm->config;
    for (u32 i = 0; i < c->cpu_num; i++) {
        u64 mask = vm_config_vcpu_affinity(c, host, i);
        u32 pcpu = (u32)__builtin_ctzll(mask | (1ull << 63));
        if (!mask || pcpu >= cpu_count() || !percpu_data[pcpu].online) {
            diag_error(d, c->file, c->base_line, "base.phys_cpu_ids", "vCPU %u has no online pCPU to run on", i);
            return -1;
        }
        struct vcpu *v = vcpu_create(vm, i, pcpu);
        if (!v) {
            diag_error(d, c->file, c->base_line, "base.cpu_num", "out of memory for vCPU %u", i);
            return -1;
        }
        v->affinity = mask;
        spin_lock(&vm->lock); /* the shell may be reading the list (vm_vcpu_stats) */
        vm->vcpus[vm->vcpu_count++] = v;
        spin_unlock(&vm->lock);
    }
    return 0;
}

static int vm_slot_alloc(struct vm *vm)
{
    spin_lock(&vm_table_lock);
    for (u32 i = 0; i < VM_MAX; i++) {
        if (!vm_table[i]) {
            vm_table[i] = vm;
            vm->index = i;
            spin_unlock(&vm_table_lock);
            return 0;
        }
    }
    spin_unlock(&vm_table_lock);
    return -1;
}

/* Everything a VM owns, from its config: used at creation and again at every restart, so a
 * restarted VM gets fresh memory, freshly loaded images and reset devices. */
static int vm_build(struct vm *vm, const struct vm_host_info *host, struct diag *d)
{
    const struct vm_config *cfg = vm->config;
    vm->mem_count = 0;
    vm->ram_bytes = 0;
    vm->demand_lo = vm->demand_hi = 0;
    vm->mem_revoked = false;
    vm->prezero_pending = false;
    vm->prezero_mem = 0;
    vm->prezero_page = 0;
    vm->ramdisk_size = vm->kernel_size = 0;
    vm->pt_node_count = 0;
    if (vm_arch_init(vm) != 0) {
        diag_error(d, cfg->file, cfg->base_line, NULL, "no stage-2 tables or VMID left");
        return -1;
    }
    for (size_t i = 0; i < cfg->region_count; i++)
        if (setup_region(vm, i, d) != 0)
            return -1;
    if (vm_shmem_attach(vm, d) != 0)
        return -1;
    if (load_images(vm, d) != 0 || create_vcpus(vm, host, d) != 0 || vm_setup_devices(vm, d) != 0 ||
        vm_setup_passthrough(vm, d) != 0 || vm_setup_dtb(vm, d) != 0)
        return -1;
    return 0;
}

/* SYSTEM_RESET: all vCPUs have stopped; rebuild from the config and boot again. */
int vm_restart(struct vm *vm, const struct vm_host_info *host, struct diag *d)
{
    vm_release(vm);
    vm->restarts++;
    if (vm_build(vm, host, d) != 0) {
        vm_release(vm);
        return -1;
    }
    vm_start(vm); /* until it runs again, the VM reads as ending for a reset (the shell's pause) */
    return 0;
}

struct vm *vm_create(struct vm_config *cfg, const struct vm_host_info *host, struct diag *d)
{
    struct vm *vm = kzalloc(sizeof(*vm));
    if (!vm) {
        diag_error(d, cfg->file, 0, NULL, "out of memory for the VM");
        return NULL;
    }
    vm->config = cfg;
    vm->id = cfg->id;
    str_copy(vm->name, cfg->name, sizeof(vm->name));
    if (vm_slot_alloc(vm) != 0) {
        diag_error(d, cfg->file, cfg->base_line, NULL, "too many VMs (at most %d)", VM_MAX);
        kfree(vm);
        return NULL;
    }
    if (vm_build(vm, host, d) != 0) {
        vm_destroy(vm);
        return NULL;
    }
    return vm;
}

/* Frees memory, tables and vCPUs; the struct itself stays in vm_table for the end report. */
void vm_release(struct vm *vm)
{
    struct vcpu *gone[VM_MAX_VCPUS];
    u32 ngone;
    spin_lock(&vm->lock); /* a vm_request_end still at work on this VM finishes first */
    spin_unlock(&vm->lock);
    vm_shmem_quiesce(vm); /* no peer's doorbell reaches it from now on */
    /* Console input must not reach the VM while it comes apart (it would raise an interrupt
     * in a vCPU about to be freed). */
    vconsole_detach(vm);
    virtio_net_detach(vm); /* ... nor a frame from another VM */
    virq_release(vm); /* forwarded interrupts first: their handler reaches the vCPUs */
    sched_release_pcpus(vm);
    /* Under vm->lock: readers of the vCPU list (the shell) see it either whole or empty. */
    spin_lock(&vm->lock);
    ngone = vm->vcpu_count;
    for (u32 i = 0; i < ngone; i++) {
        gone[i] = vm->vcpus[i];
        vm->vcpus[i] = NULL;
        vm->exits += gone[i]->stats.exits; /* the VM's count outlives its vCPUs */
    }
    vm->vcpu_count = 0;
    spin_unlock(&vm->lock);
    for (u32 i = 0; i < ngone; i++) {
        sched_remove(gone[i]);
        vcpu_destroy(gone[i]);
    }
    vm_arch_destroy(vm);
    vm_mem_release(vm); /* what it touched is scrubbed */
    vm_ivc_release(vm);  /* its IVC channels, as if unpublished or unsubscribed */
    vm_shmem_detach(vm); /* a shared region goes with its last user */
    dev_release_all(vm); /* reserved ranges and devices may go to another VM now, scrubbed */
    for (int space = 0; space < 2; space++) {
        for (struct vdev *dev = space ? vm->pio_devices : vm->devices, *next; dev; dev = next) {
            next = dev->next;
            if (dev->ops->destroy)
                dev->ops->destroy(dev);
        }
    }
    vm->devices = vm->pio_devices = NULL;
    vm->console = NULL;
}

void vm_destroy(struct vm *vm)
{
    vm_release(vm);
    spin_lock(&vm_table_lock);
    vm_table[vm->index] = NULL;
    spin_unlock(&vm_table_lock);
    kfree(vm);
}

void vm_start(struct vm *vm)
{
    vm->vcpus_active = vm->vcpu_count;
    for (u32 i = 0; i < vm->vcpu_count; i++)
        sched_add(vm->vcpus[i]);
    /* RUNNING only now: an end requested from then on finds every vCPU in its run queue. The
     * last end's reason goes with it, under the lock, so the shell never sees a restarting VM
     * ending for no reason. */
    spin_lock(&vm->lock);
    vm->end_reason = VM_END_NONE;
    vm->end_detail[0] = '\0';
    __atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
    spin_unlock(&vm->lock);
    vcpu_boot(vm->vcpus[0], vm->config->entry_point);
    /* LAZY RAM not known zero: its idle pCPUs may sleep in WFI, with nothing else to wake them. */
    if (__atomic_load_n(&vm->prezero_pending, __ATOMIC_RELAXED))
        for (u32 i = 0; i < vm->vcpu_count; i++)
            sched_kick(vm->vcpus[i]->pcpu);
}
