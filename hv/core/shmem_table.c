/* The table of shared regions: lookup by name, reference counts by member slot, pages taken
 * from and given back to the allocator the table was given. Pure logic (no locking: the caller
 * holds its lock), host-tested in tests/unit/hv/test_shmem.c. */
#include <hv/shmem.h>
#include <lib/string.h>

struct shmem_region *shmem_lookup(struct shmem_table *t, const char *name, bool ivc)
{
    for (size_t i = 0; i < SHMEM_MAX; i++) {
        struct shmem_region *r = &t->regions[i];
        if (r->name[0] && !r->unlisted && r->ivc == ivc && !strcmp(r->name, name))
            return r;
    }
    return NULL;
}

void shmem_unlist(struct shmem_region *r) { r->unlisted = true; }

int shmem_attach(struct shmem_table *t, const char *name, bool ivc, u64 size, u32 slot, void *owner, u32 irq,
                 struct shmem_region **out)
{
    if (!name[0] || !size || slot >= SHMEM_MAX_MEMBERS || !owner)
        return SHMEM_EMEMBER;
    struct shmem_region *r = shmem_lookup(t, name, ivc);
    if (r) {
        if (r->size != size)
            return SHMEM_ESIZE;
        if (r->members[slot].owner)
            return SHMEM_EMEMBER;
    } else {
        for (size_t i = 0; i < SHMEM_MAX && !r; i++)
            if (!t->regions[i].name[0])
                r = &t->regions[i];
        if (!r)
            return SHMEM_EFULL;
        hpa_t h;
        if (t->ops->alloc(size, &h) != 0)
            return SHMEM_ENOMEM;
        *r = (struct shmem_region){.hpa = h, .size = size, .ivc = ivc};
        str_copy(r->name, name, sizeof(r->name));
    }
    r->members[slot] = (struct shmem_member){.owner = owner, .irq = irq, .ringable = true};
    r->refs++;
    *out = r;
    return SHMEM_OK;
}

void shmem_quiesce(struct shmem_region *r, u32 slot)
{
    if (slot < SHMEM_MAX_MEMBERS)
        r->members[slot].ringable = false;
}

bool shmem_detach(struct shmem_table *t, struct shmem_region *r, u32 slot)
{
    if (slot >= SHMEM_MAX_MEMBERS || !r->members[slot].owner)
        return false;
    r->members[slot] = (struct shmem_member){0};
    if (--r->refs)
        return false;
    t->ops->free(r->hpa, r->size);
    *r = (struct shmem_region){0};
    return true;
}

u32 shmem_peers(const struct shmem_region *r, u32 slot, void **owners, u32 *irqs, u32 max)
{
    u32 n = 0;
    for (u32 i = 0; i < SHMEM_MAX_MEMBERS && n < max; i++) {
        const struct shmem_member *m = &r->members[i];
        if (i == slot || !m->owner || !m->ringable || !m->irq)
            continue;
        owners[n] = m->owner;
        irqs[n++] = m->irq;
    }
    return n;
}

const char *shmem_strerror(int err)
{
    switch (err) {
    case SHMEM_OK: return "no error";
    case SHMEM_ESIZE: return "the region exists with another size";
    case SHMEM_ENOMEM: return "out of host memory for the region";
    case SHMEM_EFULL: return "too many shared regions (at most 16)";
    default: return "already a member of the region";
    }
}
