/* Shared regions joined to VMs: a VM's config names its regions; creating (or restarting) it
 * maps each at its gpa in stage 2, taking a reference; tearing it down drops them, and the last
 * user's teardown scrubs and frees the pages. The doorbell raises each peer's configured
 * interrupt through its virtual interrupt controller (hv/virq.h). One lock covers the table and
 * every member list: a doorbell never reaches a VM that has begun to come apart. */
#include <arch/spinlock.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/hypercall.h>
#include <hv/shmem.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include <lib/diag.h>
#include <lib/fmt.h>
#include <lib/string.h>

static int pages_alloc(u64 size, hpa_t *out)
{
    u64 align = size >= MiB(2) ? MiB(2) : PAGE_SIZE;
    if (mm_alloc_pages(size / PAGE_SIZE, align, out) != 0 &&
        (align == PAGE_SIZE || mm_alloc_pages(size / PAGE_SIZE, PAGE_SIZE, out) != 0))
        return -1;
    mm_zero_for_guest(hpa_to_ptr(*out), size); /* no VM sees what the pages held */
    return 0;
}

static void pages_free(hpa_t base, u64 size)
{
    mm_zero_for_guest(hpa_to_ptr(base), size); /* nor what the last users left there */
    mm_free_pages_as(base, size / PAGE_SIZE, PAGE_ZERO);
}

static const struct shmem_ops page_ops = {pages_alloc, pages_free};
static struct shmem_table shmem_global; /* zero-initialised: in .bss, not in the image (5 KiB) */
spinlock_t shmem_lock = SPINLOCK_INIT;

struct shmem_table *shmem_table_get(void)
{
    shmem_global.ops = &page_ops;
    return &shmem_global;
}

#define table (*shmem_table_get())

BUILT_FOR_SIZE int vm_shmem_attach(struct vm *vm, struct diag *d)
{
    const struct vm_config *c = vm->config;
    char field[48];
    for (size_t i = 0; i < c->shmem_count; i++) {
        const struct vm_shmem_decl *s = &c->shmem[i];
        fmt_snprintf(field, sizeof(field), "devices.shmem_regions[%zu]", i);
        struct shmem_region *r = NULL;
        spin_lock(&shmem_lock);
        int err = shmem_attach(&table, s->name, false, s->size, vm->index, vm, s->irq, &r);
        bool created = !err && r->refs == 1;
        spin_unlock(&shmem_lock);
        if (err) {
            diag_error(d, c->file, s->line, field, "shared region '%s': %s", s->name, shmem_strerror(err));
            return -1;
        }
        vm->shmem[i] = r;
        vm->shmem_count = i + 1;
        if (vm->mem_count == VM_MAX_MEMS || vm_arch_map(vm, s->gpa, r->hpa, s->size, S2_READ | S2_WRITE) != 0) {
            diag_error(d, c->file, s->line, field, "cannot build stage-2 mapping (out of memory)");
            return -1;
        }
        /* Not owned: vm_mem_release leaves it alone; the table frees it with its last user. */
        vm->mems[vm->mem_count++] = (struct vm_mem){.gpa = s->gpa, .hpa = r->hpa, .size = s->size, .is_ram = true};
        LOG_AT(LOG_INFO, (long)vm->id, "shared region '%s' (%llu KiB) at gpa %#llx%s, %u user%s", s->name,
               (unsigned long long)(s->size >> 10), (unsigned long long)s->gpa.val,
               created ? " (new, zeroed)" : "", r->refs, r->refs == 1 ? "" : "s");
    }
    return 0;
}

void vm_shmem_quiesce(struct vm *vm)
{
    spin_lock(&shmem_lock);
    for (u32 i = 0; i < vm->shmem_count; i++)
        shmem_quiesce(vm->shmem[i], vm->index);
    for (u32 i = 0; i < vm->ivc_count; i++)
        shmem_quiesce(vm->ivc[i].region, vm->index);
    spin_unlock(&shmem_lock);
}

BUILT_FOR_SIZE void vm_shmem_detach(struct vm *vm)
{
    for (u32 i = 0; i < vm->shmem_count; i++) {
        struct shmem_region *r = vm->shmem[i];
        char name[SHMEM_NAME_MAX];
        u64 pages = r->size / PAGE_SIZE;
        str_copy(name, r->name, sizeof(name));
        spin_lock(&shmem_lock);
        bool freed = shmem_detach(&table, r, vm->index);
        u32 left = freed ? 0 : r->refs;
        spin_unlock(&shmem_lock);
        if (freed)
            LOG_AT(LOG_INFO, (long)vm->id, "shared region '%s': last user gone, %llu pages scrubbed and freed", name,
                   (unsigned long long)pages);
        else
            LOG_AT(LOG_INFO, (long)vm->id, "shared region '%s': released, %u user%s left", name, left,
                   left == 1 ? "" : "s");
        vm->shmem[i] = NULL;
    }
    vm->shmem_count = 0;
}

long vm_shmem_doorbell(struct vm *vm, u64 index)
{
    void *owners[SHMEM_MAX_MEMBERS];
    u32 irqs[SHMEM_MAX_MEMBERS];
    if (index >= vm->shmem_count)
        return HC_EINVAL; /* only its own regions: the index is into its own list */
    spin_lock(&shmem_lock);
    u32 n = shmem_peers(vm->shmem[index], vm->index, owners, irqs, SHMEM_MAX_MEMBERS);
    /* Under the lock: a peer cannot pass vm_shmem_quiesce, so its vCPUs are still there. */
    for (u32 i = 0; i < n; i++)
        if (virq_present(owners[i])) /* else the VM has nothing to deliver it with */
            virq_raise(owners[i], NULL, irqs[i]);
    spin_unlock(&shmem_lock);
    return n;
}

long vm_shmem_base(struct vm *vm, u64 index)
{
    return index < vm->shmem_count ? (long)vm->config->shmem[index].gpa.val : HC_EINVAL;
}

long vm_shmem_size(struct vm *vm, u64 index)
{
    return index < vm->shmem_count ? (long)vm->config->shmem[index].size : HC_EINVAL;
}

BUILT_FOR_SIZE void shmem_list(void (*out)(const char *fmt, ...))
{
    bool any = false;
    spin_lock(&shmem_lock);
    for (size_t i = 0; i < SHMEM_MAX; i++) {
        const struct shmem_region *r = &table.regions[i];
        if (!r->name[0])
            continue;
        char users[SHMEM_MAX_MEMBERS * 8] = "";
        size_t len = 0;
        for (u32 s = 0; s < SHMEM_MAX_MEMBERS; s++)
            if (r->members[s].owner)
                len += (size_t)fmt_snprintf(users + len, sizeof(users) - len, " vm%llu",
                                            (unsigned long long)((struct vm *)r->members[s].owner)->id);
        out("%s '%s'%s: %llu pages at %#llx, %u user%s:%s\n", r->ivc ? "ivc channel" : "shmem", r->name,
            r->unlisted ? " (unpublished)" : "", (unsigned long long)(r->size / PAGE_SIZE),
            (unsigned long long)r->hpa.val, r->refs, r->refs == 1 ? "" : "s", users);
        any = true;
    }
    spin_unlock(&shmem_lock);
    if (!any)
        out("no shared regions\n");
}
