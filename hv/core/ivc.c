/* axvisor's IVC channels (hypercalls 3-6) on cvisor's shared regions (docs/shmem.md). A VM's
 * IVC window is its emu_devices entry of type 0xA: channels it publishes or subscribes to are
 * mapped there, at an address cvisor picks (first fit) and writes back to the guest, as axvisor
 * does. A channel is a region of the IVC namespace named "<publisher id>:<key>", so only its
 * publisher can create it and a subscriber names the publisher. Unpublishing unlists it: nobody
 * new can subscribe, but subscribers keep their mapping until they unsubscribe (axvisor leaves
 * them faulting); the pages go with the last user. Every guest pointer is checked (EFAULT) and
 * every failure leaves the VMs as they were. */
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/hypercall.h>
#include <hv/shmem.h>
#include <hv/virq.h>
#include <hv/vm.h>
#include <lib/fmt.h>

static const struct vm_emu_device *window_of(const struct vm *vm)
{
    const struct vm_config *c = vm->config;
    for (size_t i = 0; i < c->emu_device_count; i++)
        if (c->emu_devices[i].emu_type == VM_EMU_IVC)
            return &c->emu_devices[i];
    return NULL;
}

static void channel_name(char *buf, u64 publisher, u64 key)
{
    fmt_snprintf(buf, SHMEM_NAME_MAX, "%llu:%llx", (unsigned long long)publisher, (unsigned long long)key);
}

/* A free, page-aligned gpa for size bytes in the window (first fit), or 0. */
static u64 window_alloc(const struct vm *vm, const struct vm_emu_device *w, u64 size)
{
    u64 cand = w->base.val;
    for (;;) {
        if (size > w->length || cand - w->base.val > w->length - size)
            return 0;
        bool clash = false;
        for (u32 i = 0; i < vm->ivc_count && !clash; i++) {
            const struct vm_ivc_map *m = &vm->ivc[i];
            if (ranges_overlap(cand, size, m->gpa.val, m->size)) {
                cand = m->gpa.val + m->size;
                clash = true;
            }
        }
        if (!clash)
            return cand;
    }
}

static struct vm_ivc_map *find_map(struct vm *vm, u64 publisher, u64 key, bool published)
{
    for (u32 i = 0; i < vm->ivc_count; i++) {
        struct vm_ivc_map *m = &vm->ivc[i];
        if (m->publisher == publisher && m->key == key && m->published == published)
            return m;
    }
    return NULL;
}

/* Joins (or, for the publisher, creates) the channel and maps it in the window; the caller
 * holds shmem_lock and has checked the pointers. */
static long join(struct vm *vm, const struct vm_ivc_map *want, u64 *base_out, u64 *size_out)
{
    const struct vm_emu_device *w = window_of(vm);
    char name[SHMEM_NAME_MAX];
    channel_name(name, want->publisher, want->key);
    if (vm->ivc_count == VM_MAX_IVC)
        return HC_EINVAL;
    u64 gpa_val = window_alloc(vm, w, want->size);
    if (!gpa_val)
        return HC_EINVAL; /* the window is full */
    struct shmem_region *r;
    if (shmem_attach(shmem_table_get(), name, true, want->size, vm->index, vm, w->irq, &r) != SHMEM_OK)
        return HC_EINVAL;
    spin_lock(&vm->mm_lock);
    int mapped = vm_arch_map(vm, gpa(gpa_val), r->hpa, want->size, S2_READ | S2_WRITE);
    spin_unlock(&vm->mm_lock);
    if (mapped != 0) {
        shmem_detach(shmem_table_get(), r, vm->index);
        return HC_EINVAL;
    }
    struct vm_ivc_map *m = &vm->ivc[vm->ivc_count++];
    *m = *want;
    m->region = r;
    m->gpa = gpa(gpa_val);
    *base_out = gpa_val;
    *size_out = want->size;
    LOG_AT(LOG_INFO, (long)vm->id, "ivc channel %s %s: %llu KiB at gpa %#llx, %u user%s", name,
           want->published ? "published" : "subscribed", (unsigned long long)(want->size >> 10),
           (unsigned long long)gpa_val, r->refs, r->refs == 1 ? "" : "s");
    return HC_OK;
}

/* Unmaps and drops one of the VM's channels; the caller holds shmem_lock. */
static void leave(struct vm *vm, struct vm_ivc_map *m, bool unmap)
{
    if (m->published)
        shmem_unlist(m->region);
    if (unmap) {
        spin_lock(&vm->mm_lock);
        vm_arch_unmap(vm, m->gpa, m->size);
        spin_unlock(&vm->mm_lock);
    }
    bool freed = shmem_detach(shmem_table_get(), m->region, vm->index);
    LOG_AT(LOG_INFO, (long)vm->id, "ivc channel %llu:%llx %s%s", (unsigned long long)m->publisher,
           (unsigned long long)m->key, m->published ? "unpublished" : "unsubscribed",
           freed ? ", last user gone: freed" : "");
    *m = vm->ivc[--vm->ivc_count];
}

/* The two u64 the guest passes by address (axvisor's shm_base_gpa_ptr, shm_size_ptr). */
static bool guest_u64s(struct vm *vm, u64 base_ptr, u64 size_ptr, u64 **base, u64 **size)
{
    if ((base_ptr | size_ptr) & 7)
        return false;
    *base = vm_gpa_to_hva(vm, gpa(base_ptr), 8);
    *size = vm_gpa_to_hva(vm, gpa(size_ptr), 8);
    return *base && *size;
}

long vm_ivc_publish(struct vm *vm, u64 key, u64 base_ptr, u64 size_ptr)
{
    u64 *base, *size;
    if (!window_of(vm))
        return HC_EINVAL;
    if (!guest_u64s(vm, base_ptr, size_ptr, &base, &size))
        return HC_EFAULT;
    u64 want = *size;
    if (!want || want > window_of(vm)->length)
        return HC_EINVAL;
    struct vm_ivc_map m = {.size = ALIGN_UP(want, PAGE_SIZE), .publisher = vm->id, .key = key, .published = true};
    char name[SHMEM_NAME_MAX];
    channel_name(name, vm->id, key);
    u64 b, s;
    spin_lock(&shmem_lock);
    long r = shmem_lookup(shmem_table_get(), name, true) ? HC_EINVAL : join(vm, &m, &b, &s); /* published already */
    spin_unlock(&shmem_lock);
    if (r == HC_OK) {
        *base = b;
        *size = s;
    }
    return r;
}

long vm_ivc_subscribe(struct vm *vm, u64 publisher, u64 key, u64 base_ptr, u64 size_ptr)
{
    u64 *base, *size;
    if (!window_of(vm) || publisher == vm->id)
        return HC_EINVAL;
    if (!guest_u64s(vm, base_ptr, size_ptr, &base, &size))
        return HC_EFAULT;
    char name[SHMEM_NAME_MAX];
    channel_name(name, publisher, key);
    u64 b, s;
    long r = HC_EINVAL;
    spin_lock(&shmem_lock);
    const struct shmem_region *ch = shmem_lookup(shmem_table_get(), name, true);
    if (ch && !find_map(vm, publisher, key, false)) {
        struct vm_ivc_map m = {.size = ch->size, .publisher = publisher, .key = key};
        r = join(vm, &m, &b, &s);
    }
    spin_unlock(&shmem_lock);
    if (r == HC_OK) {
        *base = b;
        *size = s;
    }
    return r;
}

static long drop(struct vm *vm, u64 publisher, u64 key, bool published)
{
    spin_lock(&shmem_lock);
    struct vm_ivc_map *m = find_map(vm, publisher, key, published);
    if (m)
        leave(vm, m, true);
    spin_unlock(&shmem_lock);
    return m ? HC_OK : HC_EINVAL; /* only a channel it holds, in the role it holds it */
}

long vm_ivc_unpublish(struct vm *vm, u64 key) { return drop(vm, vm->id, key, true); }

long vm_ivc_unsubscribe(struct vm *vm, u64 publisher, u64 key) { return drop(vm, publisher, key, false); }

long vm_ivc_doorbell(struct vm *vm, u64 publisher, u64 key)
{
    void *owners[SHMEM_MAX_MEMBERS];
    u32 irqs[SHMEM_MAX_MEMBERS];
    spin_lock(&shmem_lock);
    struct vm_ivc_map *m = find_map(vm, publisher, key, publisher == vm->id);
    u32 n = m ? shmem_peers(m->region, vm->index, owners, irqs, SHMEM_MAX_MEMBERS) : 0;
    for (u32 i = 0; i < n; i++)
        if (virq_present(owners[i]))
            virq_raise(owners[i], NULL, irqs[i]);
    spin_unlock(&shmem_lock);
    return m ? (long)n : HC_EINVAL;
}

void vm_ivc_release(struct vm *vm)
{
    spin_lock(&shmem_lock);
    while (vm->ivc_count)
        leave(vm, &vm->ivc[vm->ivc_count - 1], false); /* its stage 2 is gone already */
    spin_unlock(&shmem_lock);
}
